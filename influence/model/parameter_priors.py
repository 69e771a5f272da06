"""Priors on single numbers: the model's named parameters and the parameters of structured
tables.

A parameter (see :mod:`influence.model.parameters`) is one number with a *domain*:

``probability``
    in [0, 1] (a leak, a link, a base probability): Beta (:class:`ProbabilityPrior`, written as
    ``beta``, ``phrase`` or ``interval``) or Uniform within [0, 1];
``ratio``
    a risk or odds ratio, > 0, whose *direction* is part of the claim ("partnership halves the
    chance"): :class:`RatioPrior` (written as ``interval``, on one side of 1) or Uniform on one
    side of 1, so that no draw turns a lowering effect into a raising one;
``real``
    any number (a weight, a value judgment): Normal (``normal``, ``interval``) or Uniform.

:class:`RatioPrior` keeps the direction by construction: ``ln r`` is normal, truncated at 0
(no effect) on the effect's side, so no draw reaches 1. Its interval form centres the normal on
the log of the interval's geometric midpoint, ``sqrt(low * high)``, and puts ``mass`` of the
truncated distribution inside the interval (the spread found by bisection, with the standard
library's normal distribution: no fit to cache).

This module imports numpy and the standard library only; :meth:`ProbabilityPrior.interval`
imports SciPy, as the Beta of a row does.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, ClassVar

import numpy as np

from .distributions import _KINDS, Elicitation, Prior, _num

__all__ = ["ProbabilityPrior", "RatioPrior", "ratio_from_interval"]


@dataclass(frozen=True, repr=False, kw_only=True)
class ProbabilityPrior(Prior):
    """Beta(a, b) on one probability (a parameter, not a row of a table)."""

    kind: ClassVar[str] = "probability"
    target: ClassVar[str] = "parameter"
    a: float
    b: float
    elicited: Elicitation | None = None

    def mean(self) -> float:
        return float(self.a / (self.a + self.b))

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.beta(self.a, self.b, size=n)

    def interval(self, mass: float = 0.9) -> tuple[float, float]:
        from scipy import stats

        tail = (1 - mass) / 2
        low, high = stats.beta.ppf([tail, 1 - tail], self.a, self.b)
        return float(low), float(high)

    def describe(self) -> str:
        text = f"Beta({_num(self.a)}, {_num(self.b)})"
        if self.elicited is not None:
            text += f" ({self.elicited.describe()})"
        return text

    def __repr__(self) -> str:
        extra = f", elicited=({self.elicited.key()})" if self.elicited else ""
        return f"ProbabilityBeta(a={self.a!r}, b={self.b!r}{extra})"

    @classmethod
    def _from_fields(cls, doc: Mapping[str, Any]) -> ProbabilityPrior:
        a, b = float(doc["a"]), float(doc["b"])
        return cls(a=a, b=b, elicited=cls._elicited(doc), spec=doc.get("spec") or {"beta": [a, b]})


@dataclass(frozen=True, repr=False, kw_only=True)
class RatioPrior(Prior):
    """A risk or odds ratio that keeps its direction: ``ln r`` is Normal(mu, sigma) truncated
    at 0 (no effect) on the side of ``direction`` (-1: the ratio is below 1, the effect lowers
    the chance; +1: above 1)."""

    kind: ClassVar[str] = "ratio"
    target: ClassVar[str] = "parameter"
    direction: int
    mu: float
    sigma: float
    elicited: Elicitation | None = None

    @property
    def _kept(self) -> float:
        """The share of the untruncated normal on the kept side of 0."""
        below = NormalDist(self.mu, self.sigma).cdf(0.0)
        return below if self.direction < 0 else 1.0 - below

    def quantile(self, q: float) -> float:
        """The ``q`` quantile of the ratio."""
        dist = NormalDist(self.mu, self.sigma)
        if self.direction < 0:
            x = dist.inv_cdf(min(max(q * self._kept, 1e-300), 1 - 1e-16))
        else:
            x = dist.inv_cdf(min(max(1.0 - self._kept + q * self._kept, 1e-300), 1 - 1e-16))
        return float(math.exp(min(x, 0.0) if self.direction < 0 else max(x, 0.0)))

    def mean(self) -> float:
        m, s = self.mu, self.sigma
        shifted = NormalDist(m + s * s, s).cdf(0.0)
        part = shifted if self.direction < 0 else 1.0 - shifted
        return float(math.exp(m + s * s / 2) * part / self._kept)

    def median(self) -> float:
        return self.quantile(0.5)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        out = np.empty(n)
        filled = 0
        while filled < n:  # at least half of each round is kept: mu is on the kept side
            x = rng.normal(self.mu, self.sigma, size=2 * (n - filled) + 8)
            x = x[x < 0] if self.direction < 0 else x[x > 0]
            take = min(len(x), n - filled)
            out[filled:filled + take] = x[:take]
            filled += take
        return np.exp(out)

    def interval(self, mass: float = 0.9) -> tuple[float, float]:
        tail = (1 - mass) / 2
        return self.quantile(tail), self.quantile(1 - tail)

    def describe(self) -> str:
        side = "below 1" if self.direction < 0 else "above 1"
        text = f"ratio {side}, median {_num(self.median())}"
        if self.elicited is not None:
            return text + f" ({self.elicited.describe()})"
        low, high = self.interval(0.9)
        return text + f", 90% in [{_num(low)}, {_num(high)}]"

    def __repr__(self) -> str:
        extra = f", elicited=({self.elicited.key()})" if self.elicited else ""
        return (f"Ratio(direction={self.direction!r}, mu={self.mu!r}, sigma={self.sigma!r}"
                f"{extra})")

    @classmethod
    def _from_fields(cls, doc: Mapping[str, Any]) -> RatioPrior:
        direction = int(doc["direction"])
        if direction not in (-1, 1):
            raise ValueError(f"`direction` {direction}, not -1 or 1")
        mu, sigma = float(doc["mu"]), float(doc["sigma"])
        return cls(direction=direction, mu=mu, sigma=sigma, elicited=cls._elicited(doc),
                   spec=doc.get("spec") or {"ratio": [direction, mu, sigma]})


@functools.lru_cache(maxsize=1024)
def ratio_from_interval(low: float, high: float, mass: float) -> tuple[int, float, float]:
    """The ratio prior with ``mass`` of its probability in ``[low, high]`` (both on the same
    side of 1) and the log of its interval's midpoint, ``(ln low + ln high) / 2``, as the centre
    of the normal: ``(direction, mu, sigma)``, sigma found by bisection. ``ValueError`` when the
    range does not allow one."""
    if not (0 < low < high) or (low < 1 < high) or low == 1 or high == 1:
        raise ValueError("expected 0 < low < high with both on the same side of 1")
    direction = -1 if high < 1 else 1
    a, b = math.log(low), math.log(high)
    mu = (a + b) / 2

    def inside(sigma: float) -> float:
        d = NormalDist(mu, sigma)
        kept = d.cdf(0.0) if direction < 0 else 1.0 - d.cdf(0.0)
        return (d.cdf(b) - d.cdf(a)) / kept

    # the untruncated spread puts `mass` in [a, b]; truncation only raises the share inside,
    # so the answer lies between it and ten times it
    lo = (b - a) / (2 * NormalDist().inv_cdf((1 + mass) / 2))
    hi = 10 * lo
    for _ in range(100):
        mid = math.sqrt(lo * hi)
        if inside(mid) > mass:
            lo = mid
        else:
            hi = mid
        if hi / lo < 1 + 1e-13:
            break
    return direction, mu, math.sqrt(lo * hi)


_KINDS.update({c.kind: c for c in (ProbabilityPrior, RatioPrior)})
