"""What a fit reports: the sampling diagnostics of the parameters the evidence moved, and the
summary of each of them (prior and posterior mean and central 90% interval, exact where the
distribution is known).

:func:`diagnose` computes R-hat and the bulk ESS (with :mod:`influence.bayes.diagnostics`, numpy
only) and words the warnings :func:`influence.fit` issues and stores in the posterior file;
:func:`summarize` makes the rows of :meth:`Posterior.summary`, which the fit report renders
(:func:`influence.io.text.fit_table`, :func:`influence.io.plain.fit_dict`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ModelError
from ..limits import ESS_LIMIT, INTERVAL, RHAT_LIMIT
from ..model.distributions import BetaPrior, DirichletPrior, NormalPrior, Prior, UniformPrior
from ..model.special import beta_quantile, normal_quantile

if TYPE_CHECKING:  # pragma: no cover
    from .draws import Slot
    from .posterior import Posterior

__all__ = ["diagnose", "summarize", "exact_summary", "sampling_warnings", "MIN_CHAINS",
           "MIN_DRAWS"]

#: R-hat needs at least this many chains, and R-hat and the ESS this many draws per chain
#: (ArviZ returns NaN below them); a fit with fewer warns that it cannot be checked.
MIN_CHAINS = 2
MIN_DRAWS = 4


def _free(values: np.ndarray, prior: Prior) -> np.ndarray:
    """A slot's free parameters as ``(chain, draw, component)``: a Beta row's one probability,
    a Dirichlet row's whole row, a utility value."""
    v = np.asarray(values, dtype=float)
    if isinstance(prior, BetaPrior):
        v = v[..., prior.state]
    return v.reshape(v.shape[:2] + (-1,))


def _shape_warnings(chains: int, draws: int) -> list[str]:
    messages = []
    if chains < MIN_CHAINS:
        messages.append(f"r_hat needs at least {MIN_CHAINS} chains; got {chains}: whether the "
                        "sampler converged is unchecked; run 2 or more chains")
    if draws < MIN_DRAWS:
        messages.append(f"r_hat and bulk ESS need at least {MIN_DRAWS} draws per chain; got "
                        f"{draws}: convergence and precision are unchecked; draw more")
    return messages


def _slot_warnings(name: str, r_max: float | None, e_min: float | None,
                   can_check: bool) -> list[str]:
    messages = []
    if r_max is not None and r_max > RHAT_LIMIT:
        messages.append(f"{name}: r_hat {r_max:.3f} > {RHAT_LIMIT} (the chains disagree; draw "
                        "more or tune longer)")
    if e_min is not None and e_min < ESS_LIMIT:
        messages.append(f"{name}: bulk ESS {e_min:.0f} < {ESS_LIMIT} (too few effective draws "
                        "for precise summaries; draw more)")
    if can_check and (r_max is None or e_min is None):
        missing = " and ".join(n for n, v in (("r_hat", r_max), ("bulk ESS", e_min)) if v is None)
        messages.append(f"{name}: {missing} cannot be computed from its draws (are they "
                        "constant or not finite?); its convergence is unchecked")
    return messages


def diagnose(slots: list[Slot], priors: Mapping[str, Prior], posterior: dict[str, np.ndarray],
             sample_stats: Any, method: str, moved: set[str] | None = None) -> dict[str, Any]:
    """R-hat and bulk ESS of the slots in ``moved``, and the warnings about them.

    Diagnostics concern the parameters the evidence moved (all slots when ``moved`` is None):
    the others are drawn exactly from their priors, never sampled, so there is nothing to
    check. A check that cannot be made (one chain, too few draws) is a warning too: a missing
    diagnostic is not a passed one.

    Returns
    -------
    dict
        ``divergences``, ``warnings``, ``parameters`` (slot name: ``r_hat``, ``ess_bulk``) and
        ``method``.
    """
    from .diagnostics import ess_bulk, rhat

    checked = [s for s in slots if moved is None or s.name in moved]
    chains, draws = next(iter(posterior.values())).shape[:2] if posterior else (0, 0)
    messages = _shape_warnings(chains, draws) if checked else []
    can_check = chains >= MIN_CHAINS and draws >= MIN_DRAWS
    parameters: dict[str, dict[str, float | None]] = {}
    for slot in checked:
        free = _free(posterior[slot.name], priors[slot.name])
        r = np.array([rhat(free[:, :, k]) for k in range(free.shape[2])])
        e = np.array([ess_bulk(free[:, :, k]) for k in range(free.shape[2])])
        r_max = float(np.nanmax(r)) if np.any(np.isfinite(r)) else None
        e_min = float(np.nanmin(e)) if np.any(np.isfinite(e)) else None
        parameters[slot.name] = {"r_hat": r_max, "ess_bulk": e_min}
        messages += _slot_warnings(slot.name, r_max, e_min, can_check)
    divergences = 0
    stats = getattr(sample_stats, "variables", sample_stats)  # a netcdf Group, or a Dataset
    if stats is not None and "diverging" in stats:
        divergences = int(np.asarray(stats["diverging"].values).sum())
    if divergences:
        messages.insert(0, f"{divergences} divergent transitions (the sampler missed part of "
                           "the posterior; raise target_accept or simplify the model)")
    return {"divergences": divergences, "warnings": messages, "parameters": parameters,
            "method": method}


def sampling_warnings(diagnostics: Mapping[str, Any] | None) -> list[str]:
    """The warnings of a posterior's (or an evaluation's) ``diagnostics``: those
    :func:`diagnose` words about the parameters the evidence moved, then its ``notes`` (set by
    :meth:`Posterior.check <influence.bayes.posterior.Posterior.check>` when the model changed
    since the fit)."""
    found = diagnostics or {}
    return [str(w) for w in [*(found.get("warnings") or ()), *(found.get("notes") or ())]]


def exact_summary(prior: Prior, j: int | None) -> tuple[float, list[float]]:
    """The mean and the central 90% interval (:data:`~influence.limits.INTERVAL`) of a
    distribution's component ``j`` (a state of a probability row; None for a utility value),
    computed from the distribution: a Dirichlet's component is Beta(a_j, sum(a) - a_j), a Beta
    row's is its Beta."""
    return _exact_summaries([(prior, j)])[0]


def _beta_of(prior: Prior, j: int | None) -> tuple[float, float] | None:
    if isinstance(prior, DirichletPrior):
        alpha = np.asarray(prior.alpha, dtype=float)
        return float(alpha[j]), float(alpha.sum() - alpha[j])
    if isinstance(prior, BetaPrior):
        if j != prior.state:  # another state of the row: a share of 1 - p
            raise ValueError("the summary reports a Beta row's own state only")
        return float(prior.a), float(prior.b)
    return None


def _exact_summaries(requests: list[tuple[Prior, int | None]]
                     ) -> list[tuple[float, list[float]]]:
    """:func:`exact_summary` of many components, every Beta quantile in one vectorized call."""
    low_q, high_q = INTERVAL
    out: list[Any] = [None] * len(requests)
    betas = []
    for i, (prior, j) in enumerate(requests):
        beta = _beta_of(prior, j)
        if beta is not None:
            betas.append((i, *beta))
        elif isinstance(prior, NormalPrior):
            out[i] = (float(prior.mu), [normal_quantile(low_q, prior.mu, prior.sigma),
                                        normal_quantile(high_q, prior.mu, prior.sigma)])
        elif isinstance(prior, UniformPrior):
            width = prior.high - prior.low
            out[i] = (float((prior.low + prior.high) / 2),
                      [float(prior.low + low_q * width), float(prior.low + high_q * width)])
        else:  # pragma: no cover - a prior class added later
            raise TypeError(type(prior).__name__)
    if betas:
        a = np.repeat([x[1] for x in betas], 2)
        b = np.repeat([x[2] for x in betas], 2)
        ends = beta_quantile(np.tile([low_q, high_q], len(betas)), a, b).reshape(-1, 2)
        for (i, ai, bi), (lo, hi) in zip(betas, ends, strict=True):
            out[i] = (ai / (ai + bi), [float(lo), float(hi)])
    return out


def _draws_entry(data: np.ndarray | None, j: int | None) -> tuple[float | None, list | None]:
    if data is None:
        return None, None
    values = data if j is None else data[:, j]
    lo, hi = np.quantile(values, INTERVAL)
    return float(values.mean()), [float(lo), float(hi)]


def _distribution(doc: Any) -> Prior | None:
    try:
        return Prior.from_dict(doc) if isinstance(doc, Mapping) else None
    except ModelError:
        return None


def summarize(posterior: Posterior) -> list[dict[str, Any]]:
    """One entry per parameter the evidence moved.

    A Dirichlet row gives one entry per state, a Beta row one for the state it is on, a
    utility value one. Each entry has ``name`` (the slot), ``node``, ``given``, ``state``
    (None for utilities), ``prior_mean``, ``prior_interval_90``, ``mean``, ``interval_90``
    (central 90% intervals: the 5% and 95% quantiles), ``r_hat`` and ``ess_bulk`` (of the
    slot), and ``prior_exact`` and ``exact``: whether the mean and interval were computed from
    the distribution (always for the prior; for the posterior of an exact fit, from its
    conjugate posterior) or estimated from the draws.
    """
    conjugate = posterior._conjugate or {}
    rows: list[dict[str, Any]] = []
    exact: list[tuple[int, str, Prior, int | None]] = []  # (row, prefix, distribution, j)
    for slot in posterior.slots:
        if not slot["moved"]:
            continue
        name = slot["name"]
        prior = _distribution(slot.get("distribution"))
        after = conjugate.get(name)
        draws_after = None if after is not None else posterior.values(name)
        draws_before = None if prior is not None else posterior.values(name, "prior")
        diag = posterior.diagnostics.get("parameters", {}).get(name, {})
        for j in slot["components"] or [None]:
            entry: dict[str, Any] = {"name": name, "node": slot["node"], "given": slot["given"],
                                     "state": None if j is None else slot["states"][j]}
            for prefix, dist, draws in (("prior_", prior, draws_before), ("", after,
                                                                          draws_after)):
                if dist is not None:
                    exact.append((len(rows), prefix, dist, j))
                    entry.update({f"{prefix}mean": None, f"{prefix}interval_90": None})
                else:
                    mean, interval = _draws_entry(draws, j)
                    entry.update({f"{prefix}mean": mean, f"{prefix}interval_90": interval})
            entry.update(r_hat=diag.get("r_hat"), ess_bulk=diag.get("ess_bulk"),
                         prior_exact=prior is not None, exact=after is not None)
            rows.append(entry)
    for (row, prefix, _, _), (mean, interval) in zip(
            exact, _exact_summaries([(d, j) for _, _, d, j in exact]), strict=True):
        rows[row].update({f"{prefix}mean": mean, f"{prefix}interval_90": interval})
    return rows
