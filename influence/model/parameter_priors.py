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

:class:`RatioPrior` keeps the direction by construction: ``|ln r|`` is log-normal, so
``r = exp(d * exp(Z))`` with ``Z`` normal and ``d = -1`` (a ratio below 1) or ``+1`` (above 1)
never reaches 1. Its interval form is fitted in closed form: ``mass`` of ``Z`` lies between the
logs of ``|ln low|`` and ``|ln high|``, its mean at their midpoint.

This module imports numpy and the standard library only; :meth:`ProbabilityPrior.interval`
imports SciPy, as the Beta of a row does.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, ClassVar

import numpy as np

from .distributions import _KINDS, Elicitation, Prior, _num

__all__ = ["ProbabilityPrior", "RatioPrior", "ratio_from_interval", "quadrature_mean"]

#: Points of the Gauss-Hermite rule that gives a ratio prior's mean.
_HERMITE_POINTS = 64


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


def quadrature_mean(direction: int, mu: float, sigma: float) -> float:
    """``E[exp(direction * exp(Z))]`` for ``Z ~ Normal(mu, sigma)``, by Gauss-Hermite
    quadrature (exact to rounding for the spreads an elicited range gives)."""
    x, w = np.polynomial.hermite_e.hermegauss(_HERMITE_POINTS)
    with np.errstate(over="ignore"):
        values = np.exp(direction * np.exp(mu + sigma * x))
    return float(np.sum(w * values) / np.sqrt(2 * np.pi))


@dataclass(frozen=True, repr=False, kw_only=True)
class RatioPrior(Prior):
    """A risk or odds ratio that keeps its direction: ``r = exp(direction * exp(Z))``,
    ``Z ~ Normal(mu, sigma)``. ``direction`` is -1 for a ratio below 1 (the effect lowers the
    chance), +1 above 1."""

    kind: ClassVar[str] = "ratio"
    target: ClassVar[str] = "parameter"
    direction: int
    mu: float
    sigma: float
    elicited: Elicitation | None = None

    def transform(self, z: Any, xp: Any = np) -> Any:
        """The ratio for values ``z`` of the normal variable (numpy or PyTensor)."""
        return xp.exp(self.direction * xp.exp(z))

    def mean(self) -> float:
        return quadrature_mean(self.direction, self.mu, self.sigma)

    def median(self) -> float:
        return float(self.transform(self.mu))

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self.transform(rng.normal(self.mu, self.sigma, size=n))

    def interval(self, mass: float = 0.9) -> tuple[float, float]:
        tail = (1 - mass) / 2
        dist = NormalDist(self.mu, self.sigma)
        ends = sorted(float(self.transform(dist.inv_cdf(q))) for q in (tail, 1 - tail))
        return ends[0], ends[1]

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


def ratio_from_interval(low: float, high: float, mass: float) -> tuple[int, float, float]:
    """The ratio prior with ``mass`` of its probability in ``[low, high]`` (both on the same
    side of 1), as ``(direction, mu, sigma)``; ``ValueError`` when the range does not allow
    one."""
    if not (0 < low < high) or (low < 1 < high) or low == 1 or high == 1:
        raise ValueError("expected 0 < low < high with both on the same side of 1")
    direction = -1 if high < 1 else 1
    logs = sorted(math.log(abs(math.log(x))) for x in (low, high))
    z = NormalDist().inv_cdf((1 + mass) / 2)
    return direction, (logs[0] + logs[1]) / 2, (logs[1] - logs[0]) / (2 * z)


_KINDS.update({c.kind: c for c in (ProbabilityPrior, RatioPrior)})
