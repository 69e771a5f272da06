"""Summaries of per-draw values computed chunk by chunk, in memory that does not grow with the
number of draws.

For every strategy (the Bayes strategy, each alternative and named policy) a chunk of draws
gives its expected utility in each draw; :class:`Partial` keeps, for one chunk or several
merged, what the summaries need:

- the count, the mean and the sum of squared deviations (merged exactly: Chan, Golub and
  LeVeque's pairwise update), hence the standard deviation;
- the probability of being best (ties share the credit) and the expected loss, within each
  comparison group (:func:`~influence.solve.results.comparison_group`): both are sums over
  draws of quantities of each draw, so they add up;
- the mean of each draw's own optimum (for the expected value of perfect information);
- per-draw values, for the 90% intervals (quantiles): every draw when asked (``keep_draws``) or
  when they fit :data:`~influence.limits.KEEP_DRAWS_BUDGET`; otherwise a systematic subsample,
  every ``m``-th draw by its position in the run (``m`` the smallest step that keeps at most
  :data:`~influence.limits.QUANTILE_SAMPLE` draws). The draws being independent and identically
  distributed (prior draws; posterior draws are as good as their effective sample size), the
  subsample is a uniform random sample of them: a ``q``-quantile taken from ``R`` of them has
  a rank error of standard deviation ``sqrt(q (1 - q) / R)``, 0.00085 for ``q = 0.05`` and
  ``R = 65,536`` (the interval's ends are the 4.9% to 5.1% quantiles, within one standard
  deviation). Which draws are kept depends only on their position, never on how the run is
  split into chunks or among workers.

Merging partials in the order of their chunks gives the same numbers whatever ran them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..limits import KEEP_DRAWS_BUDGET, QUANTILE_SAMPLE, TIE_TOLERANCE

__all__ = ["Keep", "Partial", "merge", "sample_step", "quantile_rank_error"]


def quantile_rank_error(kept: int, q: float = 0.05) -> float:
    """The standard deviation of the rank (as a share of the draws) of a ``q``-quantile taken
    from ``kept`` draws sampled from many: ``sqrt(q (1 - q) / kept)``."""
    return float(np.sqrt(q * (1 - q) / kept))


def sample_step(total: int, strategies: int, keep_draws: bool) -> int:
    """Keep every ``step``-th draw: 1 (all of them) when asked or when they fit the budget,
    otherwise the smallest step that keeps at most :data:`QUANTILE_SAMPLE`."""
    if keep_draws or 8 * total * (strategies + 1) <= KEEP_DRAWS_BUDGET:
        return 1
    return -(-total // QUANTILE_SAMPLE)


@dataclass(frozen=True)
class Keep:
    """What a run keeps: every ``step``-th draw by position; the comparison groups (lists of
    strategy indices; the first strategy, the Bayes strategy, is in none)."""

    step: int
    groups: tuple[tuple[int, ...], ...]


@dataclass
class Partial:
    """Summaries of the values of ``n`` strategies over some draws (see the module).

    Attributes
    ----------
    count : int
    mean, m2 : ndarray, shape (n,)
        Mean and sum of squared deviations from it.
    credit, loss : ndarray, shape (n,)
        Sums over draws of the share of being best and of the shortfall from the best, within
        each strategy's comparison group (zero for the Bayes strategy).
    optimum : float
        Sum over draws of each draw's own maximum expected utility.
    kept : list of ndarray
        Kept values, each (k, n), in the order of the draws.
    hits : list of ndarray or None
        Per decision, the number of draws in which the Bayes choice of each information state
        is the draw's own optimum.
    """

    count: int
    mean: np.ndarray
    m2: np.ndarray
    credit: np.ndarray
    loss: np.ndarray
    optimum: float
    kept: list[np.ndarray] = field(default_factory=list)
    hits: list[np.ndarray] | None = None

    @classmethod
    def of(cls, values: np.ndarray, optimum: np.ndarray, start: int, keep: Keep,
           hits: list[np.ndarray] | None = None) -> Partial:
        """The partial of one chunk: ``values`` (S, n), each draw's optimum (S,), the
        position of the chunk's first draw in the run."""
        count = values.shape[0]
        mean = values.mean(axis=0)
        m2 = ((values - mean) ** 2).sum(axis=0)
        credit = np.zeros(values.shape[1])
        loss = np.zeros(values.shape[1])
        for members in keep.groups:
            m = values[:, members]
            best = m.max(axis=1)
            scale = np.abs(m).max(axis=1)
            winners = m >= (best - TIE_TOLERANCE * scale)[:, None]
            credit[list(members)] = (winners / winners.sum(axis=1, keepdims=True)).sum(axis=0)
            loss[list(members)] = (best[:, None] - m).sum(axis=0)
        first = (-start) % keep.step
        kept = [values[first::keep.step].copy()]
        return cls(count, mean, m2, credit, loss, float(optimum.sum()), kept, hits)

    def merged(self, other: Partial) -> Partial:
        """This partial followed by ``other`` (Chan, Golub and LeVeque 1979)."""
        n = self.count + other.count
        delta = other.mean - self.mean
        mean = self.mean + delta * (other.count / n)
        m2 = self.m2 + other.m2 + delta**2 * (self.count * other.count / n)
        hits = None
        if self.hits is not None and other.hits is not None:
            hits = [a + b for a, b in zip(self.hits, other.hits, strict=True)]
        return Partial(n, mean, m2, self.credit + other.credit, self.loss + other.loss,
                       self.optimum + other.optimum, self.kept + other.kept, hits)

    def values(self) -> np.ndarray:
        """The kept values, (k, n)."""
        return np.concatenate(self.kept) if self.kept else np.zeros((0, self.mean.size))

    def sd(self) -> np.ndarray:
        return np.sqrt(self.m2 / (self.count - 1)) if self.count > 1 else np.zeros_like(self.m2)


def merge(partials: Sequence[Partial]) -> Partial:
    """The partials of consecutive chunks, merged in order."""
    out = partials[0]
    for p in partials[1:]:
        out = out.merged(p)
    return out
