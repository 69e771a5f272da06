"""Priors on probability rows and utility values.

Any row of a chance node's table and any value of a utility node may carry a ``prior`` in the
model file (see ``docs/bayesian.md``). The loader reads each with
:func:`influence.model.prior_spec.parse_prior_spec`; the result is one of the frozen
:class:`Prior` classes below, stored in ``Node.priors`` under the row's parent states.
:mod:`influence.bayes.draws` lists a diagram's rows with a prior and draws whole parameter
batches from them for the solver.

Forms on a probability row (``k`` states):

``{dirichlet: [a1, ..., ak]}``
    Dirichlet with those concentrations (a list in state order, or a mapping state: value).
``{mean: [m1, ..., mk], strength: n}``
    Dirichlet with those means and ``n`` pseudo-observations: ``a_i = n * m_i``.
``{beta: [a, b], state: s}``
    Beta(a, b) on the probability of state ``s``.
``{phrase: "very likely", state: s, mass: 0.9}``
    The ICD 203 range of the phrase, fitted as a Beta (see :mod:`influence.elicit`).
``{interval: [low, high], state: s, mass: 0.9}``
    A Beta with ``mass`` of its probability in ``[low, high]``.

On a two-state row ``state`` defaults to the second state. On a row of more than two states a
Beta-type prior (beta, phrase, interval) needs ``state``, and the row's point ``p``: the other
states share the rest, ``1 - p_s``, in proportion to their point probabilities.

Forms on a utility value: ``{normal: [mean, sd]}``, ``{uniform: [low, high]}`` and
``{interval: [low, high], mass: 0.9}`` (a Normal with ``mass`` in the range).

This module imports numpy only; PyMC is imported by :mod:`influence.elicit` when a phrase or an
interval has to be fitted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

__all__ = [
    "Prior",
    "DirichletPrior",
    "BetaPrior",
    "NormalPrior",
    "UniformPrior",
    "Elicitation",
    "PROBABILITY_FORMS",
    "UTILITY_FORMS",
]

#: The keys each form of prior takes, by the kind of node it is written on.
PROBABILITY_FORMS: dict[str, tuple[str, ...]] = {
    "dirichlet": ("dirichlet",),
    "mean": ("mean", "strength"),
    "beta": ("beta", "state"),
    "phrase": ("phrase", "state", "mass"),
    "interval": ("interval", "state", "mass"),
}
UTILITY_FORMS: dict[str, tuple[str, ...]] = {
    "normal": ("normal",),
    "uniform": ("uniform",),
    "interval": ("interval", "mass"),
}


def _num(x: float) -> str:
    """Short display of a number: 9 -> '9', 0.8 -> '0.8', 41.8429 -> '41.84'."""
    return f"{x:.4g}"


@dataclass(frozen=True)
class Elicitation:
    """How an elicited prior was stated: a phrase and/or a range holding ``mass``."""

    low: float
    high: float
    mass: float
    phrase: str | None = None
    expression: str | None = None
    note: str | None = None

    def describe(self) -> str:
        """``"from 'very likely': 90% in [0.80, 0.95]"``."""
        pct = f"{100 * self.mass:g}%"
        span = f"[{self.low:.2f}, {self.high:.2f}]" if self.phrase else \
            f"[{self.low:g}, {self.high:g}]"
        if self.phrase:
            extra = f"; {self.note}" if self.note else ""
            return f"from {self.phrase!r}: {pct} in {span}{extra}"
        return f"from {pct} in {span}"

    def key(self) -> str:
        """A deterministic text of the elicitation (part of the prior's repr)."""
        return (f"phrase={self.phrase!r}, interval=[{self.low!r}, {self.high!r}], "
                f"mass={self.mass!r}")


@dataclass(frozen=True, repr=False, kw_only=True)
class Prior:
    """Base of the prior classes.

    Attributes
    ----------
    kind : str
        ``"dirichlet"``, ``"beta"``, ``"normal"`` or ``"uniform"``.
    spec : mapping
        The prior as written in the model file (for display).
    """

    kind: ClassVar[str] = ""
    #: "probability" for priors on a CPT row, "utility" for priors on a value.
    target: ClassVar[str] = ""
    spec: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def mean(self) -> np.ndarray | float:
        """The prior mean: the full row (k,) for a probability row, a float for a utility."""
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` draws: rows (n, k) summing to 1 for a probability row, (n,) for a utility."""
        raise NotImplementedError

    def describe(self) -> str:
        """A one-line human description, e.g. ``"Beta(9, 5) on 'yes'"``."""
        raise NotImplementedError

    def interval(self, mass: float = 0.9) -> tuple[np.ndarray, np.ndarray] | tuple[float, float]:
        """Central interval holding ``mass`` of the prior, per state or for the value."""
        raise NotImplementedError

    def __str__(self) -> str:
        return self.describe()


@dataclass(frozen=True, repr=False, kw_only=True)
class DirichletPrior(Prior):
    """Dirichlet(alpha) on a whole probability row."""

    kind: ClassVar[str] = "dirichlet"
    target: ClassVar[str] = "probability"
    alpha: tuple[float, ...]
    states: tuple[str, ...]

    def mean(self) -> np.ndarray:
        alpha = np.asarray(self.alpha, dtype=float)
        return alpha / alpha.sum()

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.dirichlet(np.asarray(self.alpha, dtype=float), size=n)

    def updated(self, counts: np.ndarray) -> DirichletPrior:
        """The conjugate posterior after (weighted) counts, one per state."""
        alpha = tuple(float(a + c) for a, c in zip(self.alpha, counts, strict=True))
        return DirichletPrior(alpha=alpha, states=self.states, spec={"dirichlet": list(alpha)})

    def interval(self, mass: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
        from scipy import stats

        alpha = np.asarray(self.alpha, dtype=float)
        total = alpha.sum()
        tail = (1 - mass) / 2
        return (stats.beta.ppf(tail, alpha, total - alpha),
                stats.beta.ppf(1 - tail, alpha, total - alpha))

    def describe(self) -> str:
        if "mean" in self.spec and "strength" in self.spec:
            means = ", ".join(_num(m) for m in self.mean())
            total = sum(self.alpha)
            return f"Dirichlet with means ({means}) and strength {_num(total)}"
        return f"Dirichlet({', '.join(_num(a) for a in self.alpha)})"

    def __repr__(self) -> str:
        return f"Dirichlet(alpha={list(self.alpha)!r}, states={list(self.states)!r})"


@dataclass(frozen=True, repr=False, kw_only=True)
class BetaPrior(Prior):
    """Beta(a, b) on the probability of one state of a row.

    The other states share the rest in the fixed proportions ``rest`` (a vector over the row's
    states, zero at ``state``, summing to 1).
    """

    kind: ClassVar[str] = "beta"
    target: ClassVar[str] = "probability"
    a: float
    b: float
    states: tuple[str, ...]
    state: int
    rest: tuple[float, ...]
    elicited: Elicitation | None = None

    @property
    def state_name(self) -> str:
        """The state the Beta is on."""
        return self.states[self.state]

    def row(self, p: np.ndarray | float) -> np.ndarray:
        """Full rows (..., k) from probabilities ``p`` of the prior's state."""
        p = np.asarray(p, dtype=float)[..., None]
        onehot = np.zeros(len(self.states))
        onehot[self.state] = 1.0
        return p * onehot + (1.0 - p) * np.asarray(self.rest)

    def mean(self) -> np.ndarray:
        return self.row(self.a / (self.a + self.b))

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self.row(rng.beta(self.a, self.b, size=n))

    def updated(self, counts: np.ndarray) -> BetaPrior:
        """The conjugate posterior after (weighted) counts, one per state of the row.

        The likelihood of counts ``n`` is ``p^{n_s} (1 - p)^{N - n_s}`` times a constant (the
        shares of the other states are fixed), so ``a += n_s`` and ``b += N - n_s``.
        """
        counts = np.asarray(counts, dtype=float)
        hits = float(counts[self.state])
        misses = float(counts.sum() - hits)
        a, b = float(self.a + hits), float(self.b + misses)
        return BetaPrior(a=a, b=b, states=self.states, state=self.state, rest=self.rest,
                         spec={"beta": [a, b], "state": self.state_name})

    def interval(self, mass: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
        from scipy import stats

        tail = (1 - mass) / 2
        lo, hi = stats.beta.ppf([tail, 1 - tail], self.a, self.b)
        low, high = self.row(lo), self.row(hi)
        return np.minimum(low, high), np.maximum(low, high)

    def describe(self) -> str:
        text = f"Beta({_num(self.a)}, {_num(self.b)}) on {self.state_name!r}"
        if len(self.states) > 2:
            text += " (the other states share the rest as in `p`)"
        if self.elicited is not None:
            text += f" ({self.elicited.describe()})"
        return text

    def __repr__(self) -> str:
        extra = f", elicited=({self.elicited.key()})" if self.elicited else ""
        return (f"Beta(a={self.a!r}, b={self.b!r}, state={self.state_name!r}, "
                f"states={list(self.states)!r}, rest={[float(r) for r in self.rest]!r}{extra})")


@dataclass(frozen=True, repr=False, kw_only=True)
class NormalPrior(Prior):
    """Normal(mu, sigma) on a utility value."""

    kind: ClassVar[str] = "normal"
    target: ClassVar[str] = "utility"
    mu: float
    sigma: float
    elicited: Elicitation | None = None

    def mean(self) -> float:
        return float(self.mu)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.normal(self.mu, self.sigma, size=n)

    def interval(self, mass: float = 0.9) -> tuple[float, float]:
        from scipy import stats

        tail = (1 - mass) / 2
        lo, hi = stats.norm.ppf([tail, 1 - tail], self.mu, self.sigma)
        return float(lo), float(hi)

    def describe(self) -> str:
        text = f"Normal(mean {_num(self.mu)}, sd {_num(self.sigma)})"
        if self.elicited is not None:
            text += f" ({self.elicited.describe()})"
        return text

    def __repr__(self) -> str:
        extra = f", elicited=({self.elicited.key()})" if self.elicited else ""
        return f"Normal(mu={self.mu!r}, sigma={self.sigma!r}{extra})"


@dataclass(frozen=True, repr=False, kw_only=True)
class UniformPrior(Prior):
    """Uniform(low, high) on a utility value."""

    kind: ClassVar[str] = "uniform"
    target: ClassVar[str] = "utility"
    low: float
    high: float

    def mean(self) -> float:
        return float((self.low + self.high) / 2)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.uniform(self.low, self.high, size=n)

    def interval(self, mass: float = 0.9) -> tuple[float, float]:
        tail = (1 - mass) / 2 * (self.high - self.low)
        return float(self.low + tail), float(self.high - tail)

    def describe(self) -> str:
        return f"Uniform({_num(self.low)}, {_num(self.high)})"

    def __repr__(self) -> str:
        return f"Uniform(low={self.low!r}, high={self.high!r})"
