"""Fitting a model's priors to evidence: :func:`fit`.

:func:`fit` updates every row and value that carries a prior (see
:mod:`influence.model.priors`) with the observations of one or more evidence files (see
:mod:`influence.bayes.evidence`):

* ``method="exact"`` draws from the conjugate posterior. It applies when the evidence is
  counts (every row with counts has a Dirichlet or Beta prior, phrase and interval priors
  included, since they are Betas once fitted) and observed utility values with a known ``sd``
  on values with Normal priors. Counts ``n`` with weight ``w`` add ``w * n`` to a Dirichlet's
  concentrations, or ``w * n_s`` to a Beta's ``a`` and ``w * (N - n_s)`` to its ``b``; observed
  values update a Normal prior by normal-normal conjugacy
  (:func:`~influence.bayes.utility_evidence.conjugate_normal`). Case records are exact too
  where their posterior is a small mixture of conjugate posteriors
  (:mod:`influence.bayes.mixture`). Rows and values without evidence are drawn from their
  priors.
* ``method="nuts"`` builds one PyMC model over the parameters the evidence moves and samples
  it with NUTS (:mod:`influence.bayes.nuts`): BlackJAX's on the model compiled with JAX and
  cached (:mod:`influence.bayes.jax_sampler`) when installed, else PyMC's.
* ``method="auto"`` (the default) is exact when it applies and NUTS otherwise.

Extension points: :func:`conjugate_update` (the exact update of one prior by one observation),
:func:`influence.bayes.nuts.prior_variable` (the PyMC variable of a prior) and
:func:`influence.bayes.nuts.add_likelihood` (the likelihood terms); a new kind of prior or
observation adds a branch to each, and :func:`exact_applies` says when the exact path takes it.

The result is a :class:`~influence.bayes.posterior.Posterior`; its diagnostics and summary are
computed by :mod:`influence.bayes.summary`.

Updating in two steps: ``fit(d, e2, start=fit(d, e1))`` continues from the conjugate posterior of
the first fit, and gives exactly the parameters (and, with the same seed, the same draws) as
``fit(d, [e1, e2])``. Only exact posteriors can be continued from; with case records, fit all the
evidence at once.

PyMC and ArviZ are imported inside the functions that use them. An exact fit needs neither (nor
SciPy): its draws stay numpy arrays, its R-hat and ESS come from
:mod:`influence.bayes.diagnostics`, and it is written with the netCDF4 library
(:mod:`influence.bayes.netcdf`).
"""

from __future__ import annotations

import hashlib
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ConvergenceWarning, EvidenceError, QueryError
from ..model.distributions import BetaPrior, DirichletPrior, NormalPrior, Prior
from . import structured_fit
from .draws import Slot, uncertain_slots
from .evidence import Evidence, load_evidence
from .posterior import Posterior, posterior_from_draws
from .summary import diagnose
from .utility_evidence import UtilityObservation, conjugate_normal

if TYPE_CHECKING:  # pragma: no cover
    from ..model.diagram import Diagram

__all__ = ["fit", "METHODS", "exact_applies", "conjugate_update"]

METHODS = ("auto", "exact", "nuts")


def _as_evidence(evidence: Any, diagram: Diagram) -> list[Evidence]:
    items = evidence if isinstance(evidence, list | tuple) else [evidence]
    if not items:
        raise QueryError("expected at least one file in `evidence`, got none",
                         parameter="evidence")
    out = []
    for item in items:
        if isinstance(item, Evidence):
            if item.model != diagram.name:
                raise EvidenceError(f"expected evidence for model '{diagram.name}', got evidence "
                                    f"for '{item.model}'", file=item.file, field="model")
            if item.fingerprint != diagram.fingerprint:
                raise EvidenceError(f"the evidence was checked against another version of "
                                    f"'{diagram.name}'; load it again for this one",
                                    file=item.file)
            out.append(item)
        elif isinstance(item, str | os.PathLike):
            out.append(load_evidence(item, diagram))
        else:
            raise QueryError(f"expected `evidence` to be file paths or Evidence objects, got "
                             f"{type(item).__name__}", parameter="evidence")
    return out


def _as_start(start: Any) -> Posterior | None:
    """``start`` as a posterior: read from its file when given a path."""
    if start is None or isinstance(start, Posterior):
        return start
    if isinstance(start, str | os.PathLike):
        return Posterior.read(start)
    raise QueryError(f"expected `start` to be a Posterior or the path of a posterior file, got "
                     f"{type(start).__name__}", parameter="start")


def _positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise QueryError(f"expected `{name}` to be a whole number >= 1, got {value!r}",
                         parameter=name)
    return int(value)


def fit(
    diagram: Diagram,
    evidence: Any,
    *,
    method: str = "auto",
    draws: int = 1000,
    chains: int = 4,
    seed: int | None = None,
    progressbar: bool = True,
    start: Posterior | str | os.PathLike[str] | None = None,
    tune: int = 500,
    cores: int | None = None,
    target_accept: float = 0.9,
    sampler: str = "auto",
    progress: Callable[[int, int], None] | None = None,
) -> Posterior:
    """Update the model's priors with evidence.

    Parameters
    ----------
    diagram : Diagram
        A model with priors.
    evidence : Evidence, path, or a list of them
        Evidence files (see :mod:`influence.bayes.evidence`), or names of bundled evidence
        files (``"cartel-operations"``); several are combined.
    method : {"auto", "exact", "nuts"}
        ``exact`` draws from the conjugate posterior (counts evidence only); ``nuts`` samples
        a PyMC model (see ``sampler``); ``auto`` is exact when it applies, else NUTS.
    draws : int
        Draws per chain.
    chains : int
        Number of chains (exact draws are split into chains too, so the diagnostics apply).
    seed : int, optional
        Random seed; the same seed gives the same draws.
    progressbar : bool
        Show PyMC's progress bar while sampling (NUTS with PyMC's sampler).
    progress : callable, optional
        Called as ``progress(done, total)`` while drawing (exact: slots drawn of all slots) or
        sampling (NUTS: iterations, tuning included, of all chains), for a progress bar.
    start : Posterior or path, optional
        An exact posterior of an earlier fit of the same model (or the file it was written to):
        continue updating from it.
    tune : int
        NUTS tuning steps per chain (500: enough for the small posteriors evidence usually
        gives; the diagnostics warn when it is not).
    cores : int, optional
        Chains run in parallel on this many cores (NUTS; default 1: one after the other in
        this process, faster for small models than starting a process per chain).
    target_accept : float
        NUTS target acceptance rate.
    sampler : {"auto", "blackjax", "pymc"}
        NUTS's implementation: ``blackjax`` (BlackJAX on the model translated to JAX, compiled
        once and cached: :mod:`influence.bayes.jax_sampler`; needs the ``jax`` extra), ``pymc``
        (PyMC's sampler), ``auto`` BlackJAX when installed, else PyMC's.
        ``diagnostics["sampler"]`` names the one that ran. ``cores`` and ``progressbar``
        apply to PyMC's sampler only.

    Returns
    -------
    Posterior

    Raises
    ------
    EvidenceError
        On invalid evidence, or a model without priors.
    QueryError
        On a bad method or option (for instance ``exact`` with case records).

    Warns
    -----
    ConvergenceWarning
        When, for a parameter the evidence moved, an R-hat exceeds
        :data:`~influence.limits.RHAT_LIMIT` or a bulk ESS is below
        :data:`~influence.limits.ESS_LIMIT`; when they cannot be computed (fewer than
        :data:`~influence.bayes.summary.MIN_CHAINS` chains, fewer than
        :data:`~influence.bayes.summary.MIN_DRAWS` draws per chain); or when NUTS reports
        divergences. The same messages are in ``diagnostics["warnings"]``. Parameters
        the evidence did not move are drawn exactly from their priors and not warned about.
    """
    import time

    began = time.perf_counter()
    if method not in METHODS:
        raise QueryError(f"expected `method` to be one of {', '.join(METHODS)}, got "
                         f"{method!r}", parameter="method")
    draws = _positive_int(draws, "draws")
    chains = _positive_int(chains, "chains")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer)
                             or seed < 0):
        raise QueryError(f"expected `seed` to be a whole number >= 0, got {seed!r}",
                         parameter="seed")
    tune = int(tune)
    evidences = _as_evidence(evidence, diagram)
    slots = uncertain_slots(diagram)
    if not slots:
        raise EvidenceError(f"the model '{diagram.name}' has no priors, so the evidence has "
                            "nothing to update; give rows or values a `prior` in the model file",
                            file=diagram.file)
    counts = [c for e in evidences for c in e.counts]
    cases = [c for e in evidences for c in e.cases]
    values = [v for e in evidences for v in getattr(e, "values", ())]
    structured = structured_fit.needs_nuts(counts)
    if method == "exact" and structured:
        first = next(c for c in counts if c.parameters)
        raise QueryError(f"`method` 'exact' updates rows with their own prior, but entry "
                         f"{first.entry} of {first.file or 'the evidence'} counts a row of the "
                         f"structured table of '{first.node}', whose parameters it updates "
                         "through the table; use `method` 'nuts' or 'auto'", parameter="method")
    priors = {s.name: s.prior for s in slots}
    evidence_hash = [e.sha256 for e in evidences]
    start = _as_start(start)
    if start is not None:
        start.check(diagram)
        priors.update(start.conjugate_priors())
        evidence_hash.insert(0, start.evidence_sha256)
    case_nodes = {n for records in cases for n in records.nodes}
    if structured or any(s.kind == "parameter" and set(s.nodes) & case_nodes for s in slots):
        mixture, why = None, "tables computed from parameters"
    else:
        mixture, why = _mixture(diagram, slots, priors, counts, cases, method)
    resolved = _resolve("nuts" if structured else method, priors,
                        cases if mixture is None else [], values, start, why)
    moved = structured_fit.moved_slots(counts, slots, case_nodes) | {v.slot for v in values}
    how: dict[str, Any] = {}
    if resolved == "exact":
        posterior, prior, conjugate = _exact(slots, priors, [*counts, *values], draws, chains,
                                             seed, progress, mixture)
        sample_stats = None
    else:
        from .nuts import fit_nuts

        posterior, prior, sample_stats, how = fit_nuts(
            diagram, slots, priors, counts, cases, values, moved, evidence=evidence_hash,
            sampler=sampler, draws=draws, tune=tune, chains=chains, seed=seed, cores=cores,
            target_accept=target_accept, progressbar=progressbar,
            callback=_sampling_callback(progress, chains * (draws + tune)))
        conjugate = None
    digest = evidence_hash[0] if len(evidence_hash) == 1 else hashlib.sha256(
        "".join(evidence_hash).encode()).hexdigest()
    diagnostics = diagnose(slots, priors, posterior, sample_stats, resolved, moved)
    diagnostics.update(how, draws=draws, chains=chains,
                       sampling_seconds=round(time.perf_counter() - began, 3))
    result = posterior_from_draws(
        diagram, slots, moved, method=resolved, posterior=posterior, prior=prior,
        sample_stats=sample_stats, conjugate=conjugate, counts=counts, cases=cases,
        values=values, digest=digest, inputs=_inputs(diagram, evidences, start),
        diagnostics=diagnostics)
    if diagnostics["warnings"]:
        warnings.warn("influence.fit: the posterior draws may not be reliable:\n  "
                      + "\n  ".join(diagnostics["warnings"]), ConvergenceWarning, stacklevel=2)
    return result


def exact_applies(prior: Prior, observation: Any) -> bool:
    """Whether the posterior of ``prior`` after ``observation`` is of its family: counts on a
    Dirichlet or Beta row, observed values with a known ``sd`` on a Normal value."""
    if isinstance(observation, UtilityObservation):
        return observation.conjugate and isinstance(prior, NormalPrior)
    return isinstance(prior, DirichletPrior | BetaPrior)


def _mixture(diagram: Diagram, slots: list[Slot], priors: dict[str, Prior], counts: list,
             cases: list, method: str) -> tuple[Any, str | None]:
    """The exact posterior of the case records as a mixture (see
    :mod:`influence.bayes.mixture`), from the priors updated by the counts; or None and why
    it does not apply."""
    if not cases or method == "nuts":
        return None, None
    from .mixture import build_mixture

    base = dict(priors)
    for obs in counts:
        base[obs.slot] = conjugate_update(base[obs.slot], obs)
    mixture = build_mixture(diagram, slots, base, cases)
    return (None, mixture) if isinstance(mixture, str) else (mixture, None)


def _resolve(method: str, priors: dict[str, Prior], cases: list, values: list,
             start: Posterior | None, why: str | None = None) -> str:
    """The method a fit uses: ``exact`` where every observation is conjugate to its prior and
    case records form a small mixture."""
    blocker = None
    if cases:
        first = cases[0]
        blocker = (f"entry {first.entry} of {first.file or 'the evidence'} gives case records "
                   f"that an exact mixture cannot take ({why or 'too many'})", "case records")
    for obs in values:
        if blocker is None and not exact_applies(priors[obs.slot], obs):
            why = "without `sd`" if obs.sd is None else \
                f"on a value with a {priors[obs.slot].kind} prior"
            blocker = (f"entry {obs.entry} of {obs.file or 'the evidence'} gives observed "
                       f"values {why}", "it")
    resolved = method if method != "auto" else ("nuts" if blocker else "exact")
    if resolved == "exact" and blocker:
        raise QueryError(f"`method` 'exact' needs observations conjugate to their priors "
                         f"(counts; observed values with `sd` on Normal priors), but "
                         f"{blocker[0]}; use `method` 'nuts' or 'auto'", parameter="method")
    if start is not None and resolved != "exact":
        raise QueryError("continuing from a posterior (`start`) needs the exact method; fit "
                         "all the evidence at once with NUTS instead", parameter="start")
    return resolved


def conjugate_update(prior: Prior, observation: Any) -> Prior:
    """The conjugate posterior of ``prior`` after one observation (see :func:`exact_applies`):
    weighted counts of a row, or observed values of a utility value with a known ``sd``."""
    if isinstance(observation, UtilityObservation) and isinstance(prior, NormalPrior):
        return conjugate_normal(prior, observation)
    if isinstance(prior, DirichletPrior | BetaPrior):
        return prior.updated(observation.weighted)
    raise EvidenceError(f"{observation.slot} has a {prior.kind} prior, which "  # pragma: no cover
                        "this observation does not update exactly", file=observation.file,
                        node=observation.node)


def _inputs(diagram: Diagram, evidences: list[Evidence], start: Posterior | None) -> list[str]:
    """The files a posterior must never be written over: the model, the evidence and case
    files, and what a posterior continued from came from (and its file)."""
    inputs = [str(Path(p).resolve()) for e in evidences for p in e.inputs]
    if diagram.file and Path(diagram.file).is_file():
        inputs.insert(0, str(Path(diagram.file).resolve()))
    if start is not None:
        inputs += [*start._inputs, *([str(Path(start.file).resolve())] if start.file else [])]
    return inputs


def _sampling_callback(progress: Callable[[int, int], None] | None,
                       total: int) -> Callable[..., None] | None:
    """PyMC's per-iteration callback, counting iterations for ``progress`` (called with
    ``done=N``: N iterations done, from a sampler that reports blocks of iterations)."""
    if progress is None:
        return None
    done = [0]

    def callback(*args: Any, **kwargs: Any) -> None:
        done[0] = kwargs["done"] if "done" in kwargs else done[0] + 1
        progress(min(done[0], total), total)

    return callback


def _exact(slots: list[Slot], priors: dict[str, Prior], observations: list, draws: int,
           chains: int, seed: int | None,
           progress: Callable[[int, int], None] | None = None, mixture: Any = None
           ) -> tuple[dict, dict, dict[str, Prior] | None]:
    """Draws from the conjugate posterior and from the prior of every slot, and the conjugate
    posterior of each (as a prior, to continue updating from). With a ``mixture`` (case
    records), the rows it moves are drawn from it, and there is no single conjugate posterior
    to continue from (None)."""
    updated = dict(priors)
    for obs in observations:
        updated[obs.slot] = conjugate_update(updated[obs.slot], obs)
    post_rng, prior_rng, mix_rng = np.random.default_rng(seed).spawn(3)
    n = draws * chains
    mixed = mixture.sample(updated, mix_rng, n) if mixture is not None else {}
    posterior, prior = {}, {}
    for slot in slots:
        for store, dist, rng in ((posterior, updated[slot.name], post_rng),
                                 (prior, priors[slot.name], prior_rng)):
            values = dist.sample(rng, n)
            if store is posterior and slot.name in mixed:
                values = mixed[slot.name]
            store[slot.name] = values.reshape((chains, draws) + values.shape[1:])
        if progress is not None:
            progress(len(posterior), len(slots))
    return posterior, prior, (updated if mixture is None else None)
