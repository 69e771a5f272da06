"""The expected value of perfect information about parameters: all of them (EVPI) and groups
of them (EVPPI).

Under the prior or a posterior, the decision taken now is the Bayes decision, ``s*``, best on
average over the parameters. Learning a group ``phi`` of parameters first lets the decision
depend on it:

``EVPPI(phi) = E_phi[ max_s E[EU(s) | phi] ] - E[EU(s*)]``.

**Conditional means (exact inner expectation).** Where the other parameters ``psi`` are
independent of the group and of each other across nodes (priors, exact posteriors, NUTS
posteriors of counts), ``E[EU(s) | phi] = EU(s; phi, E[psi])``: the expected utility of a fixed
strategy is linear in each node's table (see :mod:`influence.analysis.valuation`). Each draw of
the group is valued with everything else at its mean, the rows of a group within one node in one
matrix product; the result is averaged over the draws, as the mean of the per-draw gains
``max_s EU(s; phi_i, E[psi]) - EU(s*; phi_i, E[psi])`` (never negative). Only this outer mean is
Monte Carlo: its standard error is reported. With every parameter in the group it is the EVPI.

**Regression.** Where a posterior makes parameters of different nodes depend on each other (case
records with unobserved nodes), the inner expectation is estimated by regressing the value of
each draw of all the parameters on the group's (see :mod:`influence.analysis.regression`).

The draws are those :func:`influence.evaluate` uses with the same ``draws`` and ``seed``; the
EVPI here equals its ``evpi_parameters`` whenever its Bayes strategy, found from the mean over
the draws, is ``s*``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from ..errors import ArgumentTypeError, QueryError
from .beliefs import Beliefs, beliefs
from .groups import (
    Group,
    complete,
    default_groups,
    group_features,
    group_tables,
    parse_group,
    recomputable,
)
from .limited_values import LimitedValuer
from .observe import bayes_valuer, solution_of
from .regression import regression_evppi
from .valuation import Accumulator, Valuer
from .voi_results import EVPPIResult, GroupValue

__all__ = ["evppi", "evppi_from", "resolve_groups", "METHODS"]

#: How the inner expectation may be computed: ``auto`` (conditional means where exact,
#: regression elsewhere) or ``regression`` (always).
METHODS = ("auto", "regression")


def resolve_groups(diagram: Any, b: Beliefs,
                   groups: Mapping[str, str | Sequence[str]] | Sequence[str] | None
                   ) -> list[Group]:
    """The groups asked for: a mapping name -> specifications, texts ``NAME=SPEC,SPEC...``,
    or None for one group per node with priors."""
    if groups is None:
        return default_groups(diagram, b.slots)
    if isinstance(groups, str):
        groups = [groups]
    items: list[tuple[str, Any]] = []
    if isinstance(groups, Mapping):
        items = list(groups.items())
    elif not isinstance(groups, Sequence):
        raise ArgumentTypeError(f"expected `groups` to be a mapping of name to parameters or "
                                f"texts NAME=SPEC,SPEC..., got {type(groups).__name__}",
                                file=diagram.file, parameter="groups")
    else:
        for text in groups:
            name, eq, specs = str(text).partition("=")
            if not eq or not name.strip() or not specs.strip():
                raise QueryError(f"expected a group as NAME=SPEC,SPEC..., got {text!r}",
                                 file=diagram.file, parameter="groups")
            items.append((name, specs))
    out = [parse_group(diagram, b.slots, name, specs) for name, specs in items]
    names = [g.name for g in out]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise QueryError(f"expected each group name once, got {twice[0]!r} twice",
                         file=diagram.file, parameter="groups")
    if not out:
        raise QueryError("expected at least one group, got none", file=diagram.file,
                         parameter="groups")
    return out


def _exact(group: Group, b: Beliefs) -> bool:
    """Whether conditional means are exact for ``group``: every slot coupled across nodes
    lies inside it, or none does and the coupled ones are of one node; partial rows need
    their exact Dirichlet."""
    if group.partial and b.distributions is None:
        return False
    if not complete(group, b.slots) and not recomputable(group, b.diagram):
        return False
    inside = b.coupled & group.slot_names
    outside = b.coupled - group.slot_names
    if not outside:
        return True
    return not inside and len({b.slot(s).node for s in outside}) <= 1


def _group_stage(valuer: Valuer, group: Group, tables: Mapping[str, np.ndarray],
                 b: Beliefs) -> np.ndarray:
    drawn = group_tables(group, tables, valuer.means, b.distributions, b.diagram,
                         b.parameter_means)
    if len(group.nodes) == 1 and valuer.linear_fits(group.nodes[0]):
        node = group.nodes[0]
        return valuer.stage_of(node, drawn[node])
    return valuer.unnormalized(drawn)


def evppi_from(b: Beliefs, valuer: Valuer, groups: list[Group], method: str = "auto",
               progress: Callable[[int, int], None] | None = None, runner: Any = None
               ) -> tuple[float, float, tuple[GroupValue, ...]]:
    """EVPI (with its standard error) and the EVPPI of each group, in one pass over the draws.

    Parameters
    ----------
    b : Beliefs
    valuer : Valuer
        The diagram's valuer at the means (or on the mean over the draws for dependent
        parameters); see :func:`influence.analysis.observe.bayes_valuer`.
    groups : list of Group
    method : {"auto", "regression"}
    progress : callable, optional
        ``progress(done, total)`` after each chunk of draws (see :mod:`influence.progress`).
    runner : Runner, optional
        Where the chunks of draws are valued (a :class:`influence.parallel.Runner`; here by
        default): each chunk, made here, is a piece of work; their gains are summed here in
        the order of the chunks, so the results do not depend on where they ran.
    """
    from ..parallel import Runner

    if method not in METHODS:
        raise QueryError(f"expected `method` among {', '.join(METHODS)}, got {method!r}",
                         file=b.diagram.file, parameter="method")
    exact = [g for g in groups if method == "auto" and _exact(g, b)]
    regress = [g for g in groups if g not in exact]
    if regress and isinstance(valuer, LimitedValuer):
        raise QueryError(f"expected groups whose EVPPI is exact by conditional means on a "
                         f"diagram of limited memory (`recall: limited`), got group "
                         f"'{regress[0].name}', which needs the regression on stage tensors "
                         "of perfect recall", file=b.diagram.file, parameter="groups")
    sums = _Sums(exact, regress)
    done = [0]

    def report(_: int, part: tuple) -> None:
        done[0] += len(part[0])
        if progress is not None:
            progress(min(done[0], b.draws), b.draws)

    # (the beliefs travel without their source of draws: the chunks are made here)
    shared = (valuer, replace(b, source=None), exact, regress)
    (runner or Runner()).fold(_chunk_gains, b.chunks(valuer.chunk()), shared=shared,
                              combine=_Sums.add, start=sums, done=report)
    values = {g.name: (sums.groups[g.name].mean, sums.groups[g.name].se, "conditional-means")
              for g in exact}
    if regress:
        stage = np.concatenate(sums.stages)
        seed = b.seed if b.seed is not None else 0
        for g in regress:
            value, se = regression_evppi(valuer, np.concatenate(sums.features[g.name]), stage,
                                         seed=seed)
            values[g.name] = (value, se, "regression")
    out = tuple(GroupValue(group=g.name, parameters=g.parameters, value=values[g.name][0],
                           method=values[g.name][2], se=values[g.name][1]) for g in groups)
    return sums.evpi.mean, sums.evpi.se, out


class _Sums:
    """What the chunks of draws add up to: the gains of learning everything (EVPI) and each
    group valued by conditional means; the stage tensors and group features the regression
    needs."""

    def __init__(self, exact: list[Group], regress: list[Group]) -> None:
        self.evpi = Accumulator()
        self.groups = {g.name: Accumulator() for g in exact}
        self.stages: list[np.ndarray] = []
        self.features: dict[str, list[np.ndarray]] = {g.name: [] for g in regress}

    def add(self, part: tuple) -> _Sums:
        """Add one chunk's part (from :func:`_chunk_gains`)."""
        evpi, gains, stage, features = part
        self.evpi.add(evpi)
        for name, value in gains.items():
            self.groups[name].add(value)
        if stage is not None:
            self.stages.append(stage)
        for name, value in features.items():
            self.features[name].append(value)
        return self


def _chunk_gains(valuer: Valuer, b: Beliefs, exact: list[Group], regress: list[Group],
                 tables: Mapping[str, np.ndarray]) -> tuple:
    """One chunk of draws valued (a piece of work of :func:`evppi_from`): the gains of
    learning everything and each group of ``exact``, and for ``regress`` the stage tensors
    and the groups' features."""
    full = valuer.unnormalized(tables)
    gains = {g.name: valuer.gains(_group_stage(valuer, g, tables, b)) for g in exact}
    features = {g.name: group_features(g, tables) for g in regress}
    return valuer.gains(full), gains, full if regress else None, features


def evppi(diagram: Any, groups: Mapping[str, str | Sequence[str]] | Sequence[str] | None = None,
          *, given: Mapping[str, str] | None = None, prior: bool = False,
          posterior: Any = None, draws: int | None = None, seed: int | None = None,
          method: str = "auto", workers: int | None = None,
          scheduler: str | None = None) -> EVPPIResult:
    """The expected value of perfect information about all the parameters, and about each group
    of them.

    Parameters
    ----------
    diagram : Diagram
        A model with priors.
    groups : mapping or sequence of str, optional
        Group name -> parameter specifications (``NODE``, ``NODE[PARENT=STATE,...]``,
        ``NODE[PARENT=STATE,...]:STATE``; see :mod:`influence.analysis.groups`), or texts
        ``NAME=SPEC,SPEC...``. Default: one group per node with priors.
    given : mapping, optional
        A scenario (see the module :mod:`influence.analysis.valuation` for how it weighs the
        draws).
    prior : bool
        Under the model's priors.
    posterior : Posterior or path, optional
        Under a posterior from :func:`influence.fit` (or its file).
    draws : int, optional
        Prior draws (default 4000), or a cap on the posterior draws.
    seed : int, optional
        Seed of the prior draws (and of the regression's standard error).
    method : {"auto", "regression"}
        ``auto``: conditional means wherever they are exact, regression elsewhere.
    workers : int, optional
        Value the chunks of draws on a local Dask cluster of this many worker processes; the
        results are the same as in one process (docs/scale.md).
    scheduler : str, optional
        Value them on the running ``dask.distributed`` cluster at this address.

    Returns
    -------
    EVPPIResult

    Raises
    ------
    QueryError
        For both or neither of ``prior`` and ``posterior``, a model without priors, a bad
        group, draws, seed or scenario, or bad ``workers`` or ``scheduler``.

    Examples
    --------
    >>> import influence
    >>> r = influence.evppi(influence.load("cartel-intervention"), prior=True, seed=1)
    >>> r.evpi_parameters >= max(g.value for g in r.groups)       # doctest: +SKIP
    True
    """
    from ..parallel import runner

    b = beliefs(diagram, prior=prior, posterior=posterior, draws=draws, seed=seed)
    chosen = resolve_groups(diagram, b, groups)
    valuer = bayes_valuer(diagram, given, b)
    with runner(workers, scheduler) as run:
        evpi, se, values = evppi_from(b, valuer, chosen, method, runner=run)
    return EVPPIResult(model=diagram.name,
                       maximum_expected_utility=valuer.maximum_expected_utility,
                       evpi_parameters=evpi, evpi_se=se, groups=values, uncertainty=b.kind,
                       draws=b.draws, solution=solution_of(valuer))
