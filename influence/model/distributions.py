"""The prior distributions: on a probability row (Dirichlet, Beta) or a utility value (Normal,
Uniform).

:func:`influence.model.priors.parse_prior_spec` makes them from a model file's ``prior``
entries; :mod:`influence.bayes.draws` draws parameter batches from them, and
:mod:`influence.bayes.fitting` updates them with evidence. Each is a frozen dataclass that
converts to plain data and back (:meth:`Prior.to_dict`, :meth:`Prior.from_dict`):
``influence show --format json`` prints that form, and a posterior file stores the conjugate
posterior of an exact fit in it.

This module imports numpy only; :meth:`Prior.interval` imports SciPy.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

import numpy as np

from ..errors import ModelError
from ..messages import describe as _show

__all__ = ["Prior", "DirichletPrior", "BetaPrior", "NormalPrior", "UniformPrior", "Elicitation"]


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

    def to_dict(self) -> dict[str, Any]:
        """Plain data: ``low``, ``high``, ``mass``, and ``phrase``, ``expression`` and ``note``
        when set."""
        return {f.name: getattr(self, f.name) for f in fields(self)
                if getattr(self, f.name) is not None}

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Elicitation:
        """The elicitation :meth:`to_dict` describes."""
        text = {k: None if doc.get(k) is None else str(doc[k])
                for k in ("phrase", "expression", "note")}
        return cls(float(doc["low"]), float(doc["high"]), float(doc["mass"]), **text)


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

    # -- plain data
    def to_dict(self) -> dict[str, Any]:
        """The prior as plain data (JSON-ready): ``kind``, its parameters, ``elicited`` (how an
        elicited prior was stated) when set, and ``spec`` (the prior as written).

        :meth:`from_dict` reads it back: ``Prior.from_dict(p.to_dict())`` equals ``p``, with the
        same ``spec``, description and repr.
        """
        out: dict[str, Any] = {"kind": self.kind}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "spec" or value is None:
                continue
            if isinstance(value, Elicitation):
                value = value.to_dict()
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        out["spec"] = copy.deepcopy(dict(self.spec))
        return out

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Prior:
        """The prior a :meth:`to_dict` document describes (of the class its ``kind`` names).

        Raises
        ------
        ModelError
            For an unknown ``kind`` or a missing or malformed parameter.
        """
        from . import parameter_priors  # noqa: F401 - registers the kinds of parameters' priors

        kind = doc.get("kind") if isinstance(doc, Mapping) else None
        target = _KINDS.get(kind) if isinstance(kind, str) else None
        if target is None or not issubclass(target, cls):
            expected = sorted(k for k, c in _KINDS.items() if issubclass(c, cls))
            raise ModelError(f"expected a prior of kind {', '.join(expected)}, got "
                             f"{_show(kind)}")
        try:
            return target._from_fields(doc)
        except KeyError as exc:
            raise ModelError(f"expected a {kind} prior with `{exc.args[0]}`, got none") from None
        except (IndexError, TypeError, ValueError) as exc:
            raise ModelError(f"expected a {kind} prior with valid parameters, got {exc}"
                             ) from None

    @classmethod
    def _from_fields(cls, doc: Mapping[str, Any]) -> Prior:
        raise NotImplementedError

    @staticmethod
    def _elicited(doc: Mapping[str, Any]) -> Elicitation | None:
        raw = doc.get("elicited")
        return None if raw is None else Elicitation.from_dict(raw)


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

    @classmethod
    def _from_fields(cls, doc: Mapping[str, Any]) -> DirichletPrior:
        alpha = tuple(float(a) for a in doc["alpha"])
        return cls(alpha=alpha, states=tuple(str(s) for s in doc["states"]),
                   spec=doc.get("spec") or {"dirichlet": list(alpha)})


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

    def to_dict(self) -> dict[str, Any]:
        # The state by name; from_dict also reads its index, as earlier posterior files have it.
        return {**super().to_dict(), "state": self.state_name}

    @classmethod
    def _from_fields(cls, doc: Mapping[str, Any]) -> BetaPrior:
        states = tuple(str(s) for s in doc["states"])
        state = doc["state"]
        if isinstance(state, str) and state not in states:
            raise ValueError(f"`state` {state!r}, not one of {', '.join(states)}")
        index = states.index(state) if isinstance(state, str) else int(state)
        a, b = float(doc["a"]), float(doc["b"])
        return cls(a=a, b=b, states=states, state=index,
                   rest=tuple(float(r) for r in doc["rest"]), elicited=cls._elicited(doc),
                   spec=doc.get("spec") or {"beta": [a, b], "state": states[index]})


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

    @classmethod
    def _from_fields(cls, doc: Mapping[str, Any]) -> NormalPrior:
        mu, sigma = float(doc["mu"]), float(doc["sigma"])
        return cls(mu=mu, sigma=sigma, elicited=cls._elicited(doc),
                   spec=doc.get("spec") or {"normal": [mu, sigma]})


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

    @classmethod
    def _from_fields(cls, doc: Mapping[str, Any]) -> UniformPrior:
        low, high = float(doc["low"]), float(doc["high"])
        return cls(low=low, high=high, spec=doc.get("spec") or {"uniform": [low, high]})


#: The prior class of each ``kind``.
_KINDS: dict[str, type[Prior]] = {
    c.kind: c for c in (DirichletPrior, BetaPrior, NormalPrior, UniformPrior)}
