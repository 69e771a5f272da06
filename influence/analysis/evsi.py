"""The expected value of sample information (EVSI) of a proposed study.

A study observes ``n`` new cases of one row of a chance node's table (the only row of a node
without parents): counts of its states, multinomial given the row. The row's distribution (its
Dirichlet or Beta prior, or the conjugate posterior of an exact fit) is updated by the counts,
and the decision is taken on the updated means:

``EVSI = sum over outcomes y of P(y) max_s EU(s; E[theta | y]) - max_s EU(s; E[theta])``.

**What is held at the means.** Every parameter other than the studied row keeps its current
distribution; the study tells nothing about it, since parameters are independent across rows.
The expected utility of a strategy is linear in each table, so averaging over those parameters
is plugging in their means: the formula is exact, not an approximation that ignores their
uncertainty. Both terms are conditional on the scenario (``given``) if there is one.

**Outcomes.** A Dirichlet row of ``k`` states has ``C(n + k - 1, k - 1)`` possible count
vectors, each with its Dirichlet-multinomial probability; a Beta row (one state against the
rest, in fixed shares) ``n + 1`` counts of its state, beta-binomial. When there are at most
:data:`~influence.limits.EVSI_OUTCOMES` the sum runs over all of them (standard error 0);
otherwise over Monte Carlo draws of the row and of the counts given it, with the standard error
of the mean. The gain of each outcome is ``max_s EU(s; E[theta | y]) - EU(s*; E[theta | y])``,
``s*`` the decision without the study, whose probability-weighted mean is the EVSI (the means
after the study average to the means before it), never negative.

**Rows without a closed form.** A row of a structured table (computed from parameters), or any
row under a NUTS posterior, is valued on the draws by importance sampling
(:mod:`influence.analysis.evsi_draws`), with a bootstrap standard error.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..bayes.draws import Slot
from ..errors import ArgumentTypeError, QueryError
from ..limits import EVSI_OUTCOMES
from ..model.priors import BetaPrior, DirichletPrior, Prior
from .beliefs import Beliefs, beliefs
from .evsi_draws import (
    DrawnStudy,
    compositions,
    drawn_study,
    drawn_study_value,
    drawn_tables,
    stage_of,
)
from .groups import parameter_name, parse_row
from .observe import bayes_valuer, solution_of
from .valuation import Valuer
from .voi_results import EVSIResult, StudyValue

__all__ = ["Study", "resolve_studies", "evsi", "evsi_from", "study_outcomes"]


@dataclass(frozen=True)
class Study:
    """A study of one row: its name, its slot, its distribution and the sample sizes."""

    name: str
    slot: Slot
    distribution: Prior
    sizes: tuple[int, ...]


def _sizes(diagram: Any, spec: str, value: Any) -> tuple[int, ...]:
    values = [value] if isinstance(value, int | np.integer | str) else list(value)
    out = []
    for v in values:
        parts = str(v).split(",") if isinstance(v, str) else [v]
        for part in parts:
            try:
                n = int(str(part).strip()) if isinstance(part, str) else part
            except ValueError:
                n = None
            if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
                raise QueryError(f"study {spec!r}: expected sample sizes that are whole numbers "
                                 f"of at least 1, got {part!r}", file=diagram.file,
                                 parameter="studies")
            out.append(int(n))
    if not out:
        raise QueryError(f"study {spec!r}: expected at least one sample size, got none",
                         file=diagram.file, parameter="studies")
    return tuple(dict.fromkeys(out))


def _items(diagram: Any, studies: Any) -> list[tuple[str, Any]]:
    if isinstance(studies, str):
        studies = [studies]
    if isinstance(studies, Mapping):
        return list(studies.items())
    if not isinstance(studies, Sequence):
        raise ArgumentTypeError(f"expected `studies` to be a mapping of row to sample sizes or "
                                f"texts SPEC=N, got {type(studies).__name__}",
                                file=diagram.file, parameter="studies")
    items = []
    for text in studies:
        spec, eq, sizes = str(text).rpartition("=")
        if not eq or not spec.strip() or not sizes.strip() or spec.count("[") != spec.count("]"):
            raise QueryError(f"expected a study as SPEC=N or SPEC=N1,N2,..., got {text!r}",
                             file=diagram.file, parameter="studies")
        items.append((spec.strip(), sizes))
    return items


def resolve_studies(diagram: Any, b: Beliefs, studies: Any) -> list[Study | DrawnStudy]:
    """The studies asked for: a mapping row -> sample size(s), or texts ``SPEC=N[,N2...]``.

    A row with a Dirichlet or Beta distribution (its prior, or an exact posterior) gives a
    :class:`Study`, valued by the conjugate update; a row of a structured table, or any row
    under a NUTS posterior, a :class:`~influence.analysis.evsi_draws.DrawnStudy`, valued on
    the draws.

    Raises
    ------
    QueryError
        For a bad row or size, a row with nothing uncertain, or a row whose draws depend on
        other nodes'.
    """
    out: dict[str, Study | DrawnStudy] = {}
    for spec, value in _items(diagram, studies):
        node, given, state = parse_row(diagram, spec, "studies")
        if state is not None or (given is None and node.parents):
            raise QueryError(f"study {spec!r}: expected a row, NODE[PARENT=STATE,...] (every "
                             f"parent of '{node.name}' named"
                             f"{'' if not node.parents else ': ' + ', '.join(node.parents)}) or "
                             "NODE for a node without parents; a study observes whole cases",
                             file=diagram.file, node=node.name, parameter="studies")
        key = tuple((given or {})[p] for p in node.parents)
        slot = next((s for s in b.slots if s.node == node.name and s.key == key
                     and s.kind != "parameter"), None)
        name = parameter_name(node, dict(zip(node.parents, key, strict=True)))
        sizes = _sizes(diagram, spec, value)
        if name in out:
            sizes = tuple(dict.fromkeys((*out[name].sizes, *sizes)))
        if slot is None and (node.structure is None
                             or not any(node.name in s.nodes for s in b.slots)):
            raise QueryError(f"study {spec!r}: expected a row with a prior, got one without "
                             "(a study updates a row's Dirichlet or Beta prior, or the priors "
                             "of the parameters of a structured table)",
                             file=diagram.file, node=node.name, parameter="studies")
        if slot is not None and b.distributions is not None:
            out[name] = Study(name, slot, b.distributions[slot.name], sizes)
        else:  # a row of a structured table, or a NUTS posterior: no closed form
            out[name] = drawn_study(diagram, b, spec, node, key, name, sizes)
    if not out:
        raise QueryError("expected at least one study, got none", file=diagram.file,
                         parameter="studies")
    return list(out.values())


# -- outcomes -------------------------------------------------------------------------------------
def _concentrations(dist: Prior) -> np.ndarray:
    if isinstance(dist, DirichletPrior):
        return np.asarray(dist.alpha, dtype=float)
    return np.array([dist.a, dist.b], dtype=float)


def _posterior_rows(dist: Prior, counts: np.ndarray, n: int) -> np.ndarray:
    """Mean rows after ``counts`` (O, k) of ``n`` cases (for a Beta: hits and misses)."""
    alpha = _concentrations(dist)
    means = (alpha[None] + counts) / (alpha.sum() + n)
    if isinstance(dist, BetaPrior):
        return dist.row(means[:, 0])
    return means


def outcome_count(dist: Prior, n: int) -> int:
    """How many count vectors ``n`` cases can give."""
    k = len(_concentrations(dist))
    return math.comb(n + k - 1, k - 1)


def study_outcomes(dist: Prior, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Every outcome of ``n`` cases: the mean rows after it (O, k) and its probability (O,).

    Counts are enumerated as compositions of ``n`` (stars and bars); probabilities are
    Dirichlet-multinomial (beta-binomial for a Beta), computed in logs from running sums.
    """
    alpha = _concentrations(dist)
    k = alpha.size
    counts = compositions(n, k)
    steps = np.arange(n, dtype=float)
    log_fact = np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, n + 1)))])
    logp = log_fact[n] - log_fact[counts].sum(axis=1) - np.log(alpha.sum() + steps).sum()
    for i in range(k):
        rising = np.concatenate([[0.0], np.cumsum(np.log(alpha[i] + steps))])
        logp = logp + rising[counts[:, i]]
    prob = np.exp(logp)
    return _posterior_rows(dist, counts.astype(float), n), prob / prob.sum()


def sampled_outcomes(dist: Prior, n: int, draws: int, rng: np.random.Generator) -> np.ndarray:
    """Mean rows after ``draws`` Monte Carlo outcomes: a row drawn from ``dist``, ``n`` cases
    drawn from it."""
    alpha = _concentrations(dist)
    if isinstance(dist, BetaPrior):
        p = rng.beta(alpha[0], alpha[1], size=draws)
        hits = rng.binomial(n, p)
        counts = np.column_stack([hits, n - hits])
    else:
        counts = rng.multinomial(n, rng.dirichlet(alpha, size=draws))
    return _posterior_rows(dist, counts.astype(float), n)


def _gains(valuer: Valuer, slot: Slot, rows: np.ndarray) -> np.ndarray:
    """The gain of each outcome (its mean row in ``rows``), in chunks of the valuer's size."""
    node = slot.node
    out = []
    for start in range(0, len(rows), valuer.chunk()):
        part = rows[start:start + valuer.chunk()]
        tables = np.repeat(valuer.means[node][None], len(part), axis=0)
        tables[(slice(None), *slot.index)] = part
        out.append(valuer.gains(stage_of(valuer, node, tables)))
    return np.concatenate(out)



def _piece_gains(valuer: Valuer, piece: tuple[Slot, np.ndarray]) -> np.ndarray:
    """The gains of a piece of the outcomes of a study (a piece of work of
    :func:`evsi_from`)."""
    return _gains(valuer, *piece)


def _outcomes(study: Study, n: int, *, draws: int, rng: np.random.Generator,
              max_outcomes: int) -> tuple[np.ndarray, np.ndarray | None]:
    """The mean rows after each outcome of ``n`` cases, and their probabilities when every
    outcome is enumerated (None for Monte Carlo draws of them)."""
    if outcome_count(study.distribution, n) <= max_outcomes:
        return study_outcomes(study.distribution, n)
    return sampled_outcomes(study.distribution, n, draws, rng), None


def _value(gains: np.ndarray, prob: np.ndarray | None) -> tuple[float, float, str, int]:
    """``(value, se, method, outcomes)`` from the gains of the outcomes."""
    if prob is not None:
        return float(prob @ gains), 0.0, "enumeration", len(prob)
    se = float(gains.std(ddof=1) / np.sqrt(len(gains))) if len(gains) > 1 else 0.0
    return float(gains.mean()), se, "monte-carlo", len(gains)


def study_value(valuer: Valuer, study: Study, n: int, *, draws: int,
                rng: np.random.Generator, max_outcomes: int = EVSI_OUTCOMES
                ) -> tuple[float, float, str, int]:
    """The EVSI of ``n`` cases: ``(value, se, method, outcomes)``, here (see
    :func:`evsi_from` for many on a runner)."""
    rows, prob = _outcomes(study, n, draws=draws, rng=rng, max_outcomes=max_outcomes)
    return _value(_gains(valuer, study.slot, rows), prob)


def _cost(diagram: Any, cost: Any) -> float | None:
    if cost is None:
        return None
    if isinstance(cost, bool) or not isinstance(cost, int | float | np.number) \
            or not math.isfinite(float(cost)) or cost < 0:
        raise QueryError(f"expected `study_cost` to be a finite number >= 0, got {cost!r}",
                         file=diagram.file, parameter="study_cost")
    return float(cost)


def evsi_from(b: Beliefs, valuer: Valuer, studies: list[Study | DrawnStudy], *,
              study_cost: float | None = None, max_outcomes: int = EVSI_OUTCOMES,
              runner: Any = None) -> tuple[StudyValue, ...]:
    """The EVSI of every study and sample size (see :func:`evsi`).

    The outcomes of each conjugate study and size (enumerated, or Monte Carlo draws from a
    seed of their own) are made here and valued in pieces (see
    :func:`influence.parallel.pieces`), each a piece of work for ``runner`` (a
    :class:`influence.parallel.Runner`; here by default); the results do not depend on where
    they ran. A study valued on the draws (:mod:`influence.analysis.evsi_draws`) is a piece
    of work for its estimate and one for each bootstrap resample.
    """
    from ..parallel import Runner, pieces

    cost = _cost(b.diagram, study_cost)
    jobs = []
    for i, study in enumerate(studies):
        if isinstance(study, DrawnStudy):
            continue
        for n in study.sizes:
            seed = [b.seed, i, n] if b.seed is not None else None
            rows, prob = _outcomes(study, n, draws=b.draws, rng=np.random.default_rng(seed),
                                   max_outcomes=max_outcomes)
            jobs.append((study, n, rows, prob, pieces(len(rows), valuer.chunk())))
    work = [(study.slot, rows[part]) for study, _, rows, _, parts in jobs for part in parts]
    gains = iter((runner or Runner()).map(_piece_gains, work, shared=(valuer,)))
    conjugate = {(id(study), n): _value(np.concatenate([next(gains) for _ in parts]), prob)
                 for study, n, _, prob, parts in jobs}
    out = []
    for i, study in enumerate(studies):
        tables = None
        for n in study.sizes:
            if isinstance(study, DrawnStudy):
                if tables is None:
                    tables = drawn_tables(b, study.node, valuer.means[study.node].size)
                seed = [b.seed, i, n] if b.seed is not None else None
                found = drawn_study_value(valuer, b, study, n, tables,
                                          rng=np.random.default_rng(seed),
                                          max_outcomes=max_outcomes, runner=runner)
            else:
                found = conjugate[(id(study), n)]
            value, se, method, count = found
            out.append(StudyValue(study=study.name, n=n, value=value, se=se, cost=cost,
                                  net=None if cost is None else value - cost, method=method,
                                  outcomes=count))
    return tuple(out)


def evsi(diagram: Any, studies: Mapping[str, int | Sequence[int]] | Sequence[str], *,
         given: Mapping[str, str] | None = None, prior: bool = False, posterior: Any = None,
         draws: int | None = None, seed: int | None = None, study_cost: float | None = None,
         max_outcomes: int = EVSI_OUTCOMES, workers: int | None = None,
         scheduler: str | None = None) -> EVSIResult:
    """The expected value of sample information of studies of new cases of CPT rows.

    Parameters
    ----------
    diagram : Diagram
        A model with priors.
    studies : mapping or sequence of str
        Row -> sample size or sizes (``{"oil": [10, 50]}``), or texts ``SPEC=N`` or
        ``SPEC=N1,N2,...``; a row is ``NODE[PARENT=STATE,...]`` (``NODE`` for a node without
        parents) with a Dirichlet or Beta prior (valued exactly, by the conjugate update), or
        a row of a structured table whose parameters have priors (valued by reweighting the
        draws, :mod:`influence.analysis.evsi_draws`, with a standard error).
    given : mapping, optional
        A scenario, conditioned on throughout.
    prior : bool
        Under the model's priors.
    posterior : Posterior or path, optional
        Under a posterior from :func:`influence.fit`: an exact (conjugate) one is updated in
        closed form, a NUTS one by reweighting its draws.
    draws : int, optional
        Monte Carlo draws for a study with too many outcomes to enumerate (default 4000; the
        number of posterior draws under a posterior).
    seed : int, optional
        Seed of those draws.
    study_cost : float, optional
        The cost of a study, in the model's utility units: each value gets its expected net
        benefit of sampling, ``EVSI - cost``.
    max_outcomes : int
        Enumerate the outcomes of a study when there are at most this many.
    workers : int, optional
        Value the outcomes on a local Dask cluster of this many worker processes; the
        results are the same as in one process (docs/scale.md).
    scheduler : str, optional
        Value them on the running ``dask.distributed`` cluster at this address.

    Returns
    -------
    EVSIResult

    Examples
    --------
    >>> import influence
    >>> d = influence.load("cartel-intervention")
    >>> r = influence.evsi(d, {"us_demand[demand_reduction=yes]": [10, 100]}, prior=True)
    >>> [s.n for s in r.studies]
    [10, 100]
    """
    from ..parallel import runner

    b = beliefs(diagram, prior=prior, posterior=posterior, draws=draws, seed=seed)
    chosen = resolve_studies(diagram, b, studies)
    valuer = bayes_valuer(diagram, given, b)
    _cost(diagram, study_cost)
    with runner(workers, scheduler) as run:
        values = evsi_from(b, valuer, chosen, study_cost=study_cost, max_outcomes=max_outcomes,
                           runner=run)
    return EVSIResult(model=diagram.name,
                      maximum_expected_utility=valuer.maximum_expected_utility,
                      studies=values, uncertainty=b.kind, solution=solution_of(valuer))
