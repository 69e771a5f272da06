"""Probabilistic sensitivity: which uncertain parameters the decision's uncertainty comes from.

Under draws of every parameter from its prior (or from a posterior), the options are evaluated
exactly as ``influence evaluate --prior`` evaluates them: each option's strategy is fixed once,
the Bayes strategy (best on average over the draws), and valued in every draw. The two best
options are the top of that ranking and the first option below it whose value differs in some
draw (options that prescribe the same strategy, such as the alternatives the optimal strategy
already chooses, have identical values in every draw and are passed over). Their difference
in each draw, ``D = EU(best) - EU(runner-up)``, is what could change the decision.

For each parameter with a prior, the measure is its **linear first-order variance share**:
the share of the variance of ``D`` explained by a straight-line regression of ``D`` on that
parameter's drawn values, that is the squared Pearson correlation ``r^2``. With independent
rows, a fixed strategy's expected utility is affine in any one parameter given the others, so
``r^2`` approximates the first-order (Sobol) share ``Var(E[D | theta]) / Var(D)``; shares of
different rows need not add up to 1 (interactions), and the probabilities of one row share
their row's draws (the two states of a two-state row have the same share). The sign of ``r``
says which way the parameter pushes: positive when larger values favour the best option.

It is an estimate from a finite number of draws: its standard error comes from batch means
(the share computed in 20 batches of the draws; standard deviation over the batches divided by
the square root of 20).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import QueryError
from ..limits import TIE_TOLERANCE
from ..solve.plan import Plan
from ..solve.results import OptionResult
from .parameters import Parameter

__all__ = ["ParameterShare", "ProbabilisticSensitivity", "probabilistic", "BATCHES"]

#: Batches of draws for the standard error of a share.
BATCHES = 20


@dataclass(frozen=True)
class ParameterShare:
    """The share of the variance of the difference that one parameter explains."""

    id: str
    kind: str
    variance_share: float
    standard_error: float
    correlation: float

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "variance_share": self.variance_share,
                "standard_error": self.standard_error, "correlation": self.correlation}


@dataclass(frozen=True)
class ProbabilisticSensitivity:
    """Variance shares of the EU difference between the two best options.

    Attributes
    ----------
    uncertainty : {"prior", "posterior"}
    draws : int
    seed : int or None
        The seed of prior draws (None for a posterior).
    best, runner_up : str
        Option ids: the two compared.
    difference_mean, difference_sd : float
        Mean and standard deviation over the draws of ``EU(best) - EU(runner_up)``.
    probability_best : float
        Share of draws in which ``best`` is at least as good as ``runner_up``.
    parameters : tuple of ParameterShare
        Largest share first.
    diagnostics : dict or None
        A posterior's sampling diagnostics (its ``warnings`` among them).
    """

    uncertainty: str
    draws: int
    seed: int | None
    best: str
    runner_up: str
    difference_mean: float
    difference_sd: float
    probability_best: float
    parameters: tuple[ParameterShare, ...]
    diagnostics: dict[str, Any] | None = None
    measure: str = "linear first-order variance share (squared Pearson correlation)"

    def to_dict(self) -> dict[str, Any]:
        out = {"uncertainty": self.uncertainty, "draws": self.draws, "seed": self.seed,
                "measure": self.measure, "best": self.best, "runner_up": self.runner_up,
                "difference_mean": self.difference_mean, "difference_sd": self.difference_sd,
                "probability_best": self.probability_best,
                "parameters": [p.to_dict() for p in self.parameters]}
        if self.diagnostics is not None:
            out["diagnostics"] = dict(self.diagnostics)
        return out


def _chunks(plan: Plan, prior: bool, posterior: Any, draws: int | None, seed: int | None
            ) -> tuple[Callable[[], Iterator[dict[str, np.ndarray]]], str, int]:
    """The draws in chunks, their kind and their number."""
    from ..bayes.uncertainty import DEFAULT_PRIOR_DRAWS, chunk_size_for, prior_chunks

    diagram = plan.diagram
    if posterior is not None:
        posterior.check(diagram)
        total = posterior.draws if draws is None else min(int(draws), posterior.draws)
        chunk = chunk_size_for(plan, total)
        return (lambda: iter(posterior.iter_parameters(diagram, chunk, draws)), "posterior",
                total)
    if not diagram.has_priors:
        raise QueryError("expected priors in the model for a probabilistic sensitivity, got "
                         "none: every number is a point value", file=diagram.file,
                         parameter="prior")
    total = int(draws) if draws is not None else DEFAULT_PRIOR_DRAWS
    chunk = chunk_size_for(plan, total)
    return prior_chunks(diagram, total, int(seed), chunk), "prior", total


def _pair(ranked: Sequence[OptionResult]) -> tuple[OptionResult, OptionResult | None]:
    best = ranked[0]
    scale = max(float(np.abs(o.draws).max()) for o in ranked)
    for o in ranked[1:]:
        if np.abs(o.draws - best.draws).max() > TIE_TOLERANCE * scale:
            return best, o
    return best, None


def _shares(theta: np.ndarray, diff: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pearson correlation of each column of ``theta`` (S, P) with ``diff`` (S,), and its
    square's batch-means standard error."""

    def corr(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        xc, yc = x - x.mean(axis=0), y - y.mean()
        sx, sy = np.sqrt((xc ** 2).sum(axis=0)), np.sqrt((yc ** 2).sum())
        with np.errstate(invalid="ignore", divide="ignore"):
            r = (xc * yc[:, None]).sum(axis=0) / (sx * sy)
        return np.where(np.isfinite(r), r, 0.0)

    r = corr(theta, diff)
    batches = min(BATCHES, theta.shape[0] // 2)
    if batches < 2:
        return r, np.full(r.shape, np.nan)
    parts = [corr(t, d) ** 2 for t, d in zip(np.array_split(theta, batches),
                                             np.array_split(diff, batches), strict=True)]
    return r, np.std(parts, axis=0, ddof=1) / np.sqrt(batches)


def probabilistic(plan: Plan, parameters: Sequence[Parameter], *, prior: bool = False,
                  posterior: Any = None, draws: int | None = None,
                  seed: int | None = None,
                  progress: Callable[[int, int], None] | None = None,
                  runner: Any = None) -> ProbabilisticSensitivity:
    """Variance shares of the EU difference between the two best options (see the module's
    documentation), for each of ``parameters`` that has a prior.

    Parameters
    ----------
    plan : Plan
    parameters : sequence of Parameter
    prior : bool
        Draw from the model's priors.
    posterior : Posterior or path, optional
        Use its draws instead.
    draws : int, optional
        Number of prior draws (default 4000), or a cap on the posterior draws.
    seed : int, optional
        Seed of the prior draws (default: fresh entropy, reported in the result).
    progress : callable, optional
        ``progress(done, total)`` after each chunk of draws (see :mod:`influence.progress`).
    runner : Runner, optional
        Where the options are evaluated in every draw (a :class:`influence.parallel.Runner`;
        here by default): the evaluation of :func:`influence.evaluate` under draws, every
        draw's values kept; the results do not depend on it.
    """
    from ..bayes.uncertainty import counting, evaluate_under_uncertainty

    if isinstance(posterior, str | Path):
        from ..bayes.fitting import Posterior

        posterior = Posterior.read(posterior)
    if posterior is None and seed is None:
        seed = int(np.random.SeedSequence().entropy % 2**63)
    chunks, kind, total = _chunks(plan, prior, posterior, draws, seed)
    if not plan.options():
        raise QueryError("expected options to compare for a probabilistic sensitivity (a "
                         "named policy, or a decision that observes nothing), got none: every "
                         "decision observes something", file=plan.diagram.file,
                         parameter="prior" if posterior is None else "posterior")
    # Two passes over the draws: one to evaluate, one for the parameters' values.
    evaluation = evaluate_under_uncertainty(
        plan, prior=posterior is None, posterior=posterior, draws=draws, seed=seed,
        keep_draws=True, runner=runner,
        progress=None if progress is None else lambda done, _: progress(done, 2 * total))
    chunks = counting(chunks, total, None if progress is None else
                      lambda done, _: progress(total + done, 2 * total))
    best, second = _pair(evaluation.ranked())
    uncertain = [p for p in parameters if p.prior is not None]
    diff = best.draws - (second.draws if second is not None else best.draws)
    theta = _drawn_values(chunks, uncertain)
    shares: list[ParameterShare] = []
    if uncertain and np.std(diff) > 0:
        r, se = _shares(theta, diff)
        shares = [ParameterShare(p.id, p.kind, float(r[j] ** 2), float(se[j]), float(r[j]))
                  for j, p in enumerate(uncertain)]
        shares.sort(key=lambda s: -s.variance_share)
    return ProbabilisticSensitivity(
        uncertainty=kind, draws=total, seed=seed if posterior is None else None, best=best.id,
        runner_up=second.id if second is not None else best.id,
        difference_mean=float(diff.mean()), difference_sd=float(diff.std(ddof=1)),
        probability_best=float(np.mean(diff >= 0)), parameters=tuple(shares),
        diagnostics=None if posterior is None else _diagnostics(posterior))


def _diagnostics(posterior: Any) -> dict[str, Any]:
    """What the result reports about the posterior it used (its sampling warnings)."""
    out: dict[str, Any] = {"method": getattr(posterior, "method", None)}
    out.update(dict(getattr(posterior, "diagnostics", None) or {}))
    return out


def _drawn_values(chunks: Callable[[], Iterator[dict[str, np.ndarray]]],
                  parameters: Sequence[Parameter]) -> np.ndarray:
    """The value of each parameter in each draw, shape (S, P)."""
    out = []
    for chunk in chunks():
        draws = max(np.shape(v)[0] for v in chunk.values())
        columns = [np.broadcast_to(_column(chunk, p), (draws,)) for p in parameters]
        out.append(np.column_stack(columns) if columns else np.zeros((draws, 0)))
    return np.concatenate(out)


def _column(chunk: dict[str, np.ndarray], p: Parameter) -> np.ndarray:
    """The draws of ``p`` in ``chunk``: a model parameter's own slot (``param[NAME]``; its
    value where the batch does not draw it), else its entry of its node's table."""
    if p.parameter is not None:
        return np.asarray(chunk.get(f"param[{p.parameter}]", p.point), dtype=float)
    return chunk[p.node][(slice(None), *p.index)]
