"""Reading a ``prior`` entry of a model file into a :class:`~influence.model.priors.Prior`.

The forms are described in :mod:`influence.model.priors`. Numbers, per-state lists and rows of
probabilities are checked with the shared checks of :mod:`influence.model.checks`, so a fault
reads as it does in a table row (``prior: `mean`: expected probabilities summing to 1, got a
sum of 1.2``). This module imports numpy only; PyMC is imported by :mod:`influence.model.elicit`
when a phrase or an interval has to be fitted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..errors import ModelError
from ..messages import describe as _show
from ..messages import suggest as _suggest
from . import checks
from .priors import (
    PROBABILITY_FORMS,
    UTILITY_FORMS,
    BetaPrior,
    DirichletPrior,
    Elicitation,
    NormalPrior,
    Prior,
    UniformPrior,
)
from .yamlio import plain as _plain

__all__ = ["parse_prior_spec"]



def _a(word: str) -> str:
    """The indefinite article of ``word``: ``an`` before a vowel (``an `interval` prior``)."""
    return "an" if word[:1].lower() in "aeiou" else "a"

class _Parser:
    """Parses one `prior` entry, raising ModelErrors that point at it."""

    def __init__(self, *, kind: str, states: tuple[str, ...], file: str | None, node: str,
                 field: str, line: int | None, where: str) -> None:
        self.kind = kind
        self.states = tuple(states)
        self.file = file
        self.node = node
        self.field = field
        self.line = line
        self.where = where

    def error(self, message: str) -> ModelError:
        return ModelError(f"{self.where}prior: {message}", file=self.file, node=self.node,
                          field=self.field, line=self.line)

    def shared(self, check: Any, *args: Any, **kwargs: Any) -> Any:
        """Run one of the shared checks of :mod:`influence.model.checks`, its fault pointing
        at this prior."""
        try:
            return check(*args, node=self.node, **kwargs)
        except ModelError as exc:
            raise self.error(exc.detail) from None

    def number(self, value: Any, what: str) -> float:
        return self.shared(checks.number, value, subject=what)

    def pair(self, value: Any, what: str, names: str) -> tuple[float, float]:
        if not isinstance(value, list | tuple) or len(value) != 2:
            raise self.error(f"expected `{what}: [{names}]` (two numbers), got {_show(value)}")
        return self.number(value[0], f"{what}[0]"), self.number(value[1], f"{what}[1]")

    def per_state(self, value: Any, what: str) -> np.ndarray:
        """A list in state order, or a mapping state: number, one per state."""
        where = f"`{what}`: "
        values, _ = self.shared(checks.per_state, value, self.states, where=where)
        return np.array([self.shared(checks.number, v, subject=f"state {s!r}", where=where)
                         for v, s in zip(values, self.states, strict=True)])

    def probabilities(self, value: Any, what: str) -> np.ndarray:
        """A row of probabilities, checked as the loader checks `p`."""
        return self.shared(checks.probability_row, value, self.states, where=f"`{what}`: ")

    def mass(self, raw: Mapping) -> float:
        from .elicit import DEFAULT_MASS

        if "mass" not in raw:
            return DEFAULT_MASS
        mass = self.number(raw["mass"], "mass")
        if not 0 < mass < 1:
            raise self.error(f"expected `mass` between 0 and 1 (exclusive), got {mass:g}")
        return mass

    def state(self, raw: Mapping, form: str) -> int:
        k = len(self.states)
        if k < 2:
            raise self.error(f"{_a(form)} `{form}` prior needs a row of at least two states, but "
                             f"'{self.node}' has one ({self.states[0]}); a certain row takes no "
                             "prior")
        if "state" not in raw:
            if k == 2:
                return 1
            raise self.error(f"{_a(form)} `{form}` prior on a row of {k} states needs `state`: "
                             f"the state it is on (one of {', '.join(self.states)})")
        try:
            state = checks.state_name(raw["state"], numbers=True)
        except ModelError:
            raise self.error(f"expected `state` to be a state of '{self.node}' "
                             f"({', '.join(self.states)}), got {_show(raw['state'])}") from None
        if state not in self.states:
            raise self.error(f"`state` {state!r} is not a state of '{self.node}'"
                             f"{_suggest(state, self.states)}; expected one of "
                             f"{', '.join(self.states)}")
        return self.states.index(state)

    def rest(self, state: int, point: Any, form: str) -> tuple[float, ...]:
        """Shares of the other states: fixed, in proportion to the row's point `p`."""
        k = len(self.states)
        if k == 2:
            return tuple(0.0 if i == state else 1.0 for i in range(k))
        if point is None:
            raise self.error(
                f"{_a(form)} `{form}` prior on state {self.states[state]!r} of a row of {k} states "
                "needs the row's point `p`: the other states share the rest in proportion to it")
        p = self.probabilities(point, "p")
        others = p.copy()
        others[state] = 0.0
        total = others.sum()
        if total <= 0:
            raise self.error(
                f"the row's `p` gives the states other than {self.states[state]!r} no "
                "probability, so they cannot share the rest; use a `dirichlet` prior")
        return tuple(round(float(x), 12) for x in others / total)

    def parse(self, raw: Any, point: Any) -> Prior:
        forms = PROBABILITY_FORMS if self.kind == "chance" else UTILITY_FORMS
        if self.kind not in ("chance", "utility"):
            raise self.error(f"only chance and utility nodes take priors, not a {self.kind} node")
        example = "{beta: [2, 2]}" if self.kind == "chance" else "{normal: [0, 10]}"
        if not isinstance(raw, Mapping) or not raw:
            raise self.error(f"expected a mapping such as {example}, got {_show(raw)}; forms: "
                             f"{self._forms_text(forms)}")
        keys = [str(k) for k in raw]
        chosen = [k for k in keys if k in forms]
        if not chosen:
            other = UTILITY_FORMS if self.kind == "chance" else PROBABILITY_FORMS
            misplaced = [k for k in keys if k in other]
            if misplaced:
                what = "a probability row" if self.kind == "chance" else "a utility value"
                raise self.error(f"`{misplaced[0]}` is not a prior for {what}; expected one of "
                                 f"{self._forms_text(forms)}")
            allowed = sorted({k for ks in forms.values() for k in ks})
            first = keys[0]
            if first in allowed:
                raise self.error(f"`{first}` alone is not a prior; expected one of "
                                 f"{self._forms_text(forms)}")
            raise self.error(f"unknown key {first!r}{_suggest(first, allowed)}; expected one of "
                             f"{self._forms_text(forms)}")
        if len(chosen) > 1:
            raise self.error(f"expected one form of prior, got {' and '.join(chosen)}")
        form = chosen[0]
        allowed = forms[form]
        for key in keys:
            if key not in allowed:
                raise self.error(f"unknown key {key!r} in {_a(form)} `{form}` prior"
                                 f"{_suggest(key, allowed)}; expected: {', '.join(allowed)}")
        spec = {str(k): _plain(v) for k, v in raw.items()}
        return getattr(self, f"_{self.kind}_{form}")(raw, spec, point)

    @staticmethod
    def _forms_text(forms: Mapping[str, tuple[str, ...]]) -> str:
        return ", ".join("+".join(keys[:2]) if name == "mean" else name
                         for name, keys in forms.items())

    # -- probability rows
    def _chance_dirichlet(self, raw: Mapping, spec: dict, point: Any) -> Prior:
        alpha = self.per_state(raw["dirichlet"], "dirichlet")
        if len(self.states) < 2:
            raise self.error("a row of one state is certain; it takes no prior")
        if np.any(alpha <= 0):
            bad = int(np.argmax(alpha <= 0))
            raise self.error(f"expected Dirichlet concentrations > 0, got {alpha[bad]:g} for "
                             f"state {self.states[bad]!r}")
        return DirichletPrior(alpha=tuple(float(a) for a in alpha), states=self.states,
                              spec=spec)

    def _chance_mean(self, raw: Mapping, spec: dict, point: Any) -> Prior:
        if "strength" not in raw:
            raise self.error("`mean` needs `strength`: the number of pseudo-observations the "
                             "means are worth, e.g. {mean: [0.2, 0.8], strength: 10}")
        means = self.probabilities(raw["mean"], "mean")
        if len(self.states) < 2:
            raise self.error("a row of one state is certain; it takes no prior")
        if np.any(means <= 0):
            bad = int(np.argmax(means <= 0))
            raise self.error(f"expected means > 0 (a Dirichlet gives every state some "
                             f"probability), got {means[bad]:g} for state {self.states[bad]!r}")
        strength = self.number(raw["strength"], "strength")
        if strength <= 0:
            raise self.error(f"expected `strength` > 0 (pseudo-observations), got {strength:g}")
        alpha = tuple(float(strength * m) for m in means)
        return DirichletPrior(alpha=alpha, states=self.states, spec=spec)

    def _chance_beta(self, raw: Mapping, spec: dict, point: Any) -> Prior:
        a, b = self.pair(raw["beta"], "beta", "a, b")
        if a <= 0 or b <= 0:
            raise self.error(f"expected Beta parameters a > 0 and b > 0, got [{a:g}, {b:g}]")
        state = self.state(raw, "beta")
        return BetaPrior(a=a, b=b, states=self.states, state=state,
                         rest=self.rest(state, point, "beta"), spec=spec)

    def _chance_phrase(self, raw: Mapping, spec: dict, point: Any) -> Prior:
        from .elicit import lookup_phrase

        state = self.state(raw, "phrase")
        mass = self.mass(raw)
        try:
            entry = lookup_phrase(raw["phrase"])
        except ModelError as exc:
            raise self.error(exc.detail) from None
        rest = self.rest(state, point, "phrase")
        a, b = self._fit_beta(entry.low, entry.high, mass)
        elicited = Elicitation(entry.low, entry.high, mass, phrase=str(raw["phrase"]),
                               expression=entry.label, note=entry.note)
        return BetaPrior(a=a, b=b, states=self.states, state=state, rest=rest,
                         elicited=elicited, spec=spec)

    def _chance_interval(self, raw: Mapping, spec: dict, point: Any) -> Prior:
        low, high = self._interval(raw)
        if not 0 <= low <= 1 or not 0 <= high <= 1:
            raise self.error(f"expected a probability interval within [0, 1], got "
                             f"[{low:g}, {high:g}]")
        if low <= 0 or high >= 1:
            raise self.error(f"expected a probability interval strictly inside (0, 1), got "
                             f"[{low:g}, {high:g}] (a Beta puts no probability on 0 or 1 "
                             "exactly: write e.g. 0.001 or 0.999)")
        state = self.state(raw, "interval")
        mass = self.mass(raw)
        rest = self.rest(state, point, "interval")
        a, b = self._fit_beta(low, high, mass)
        return BetaPrior(a=a, b=b, states=self.states, state=state, rest=rest,
                         elicited=Elicitation(low, high, mass), spec=spec)

    def _interval(self, raw: Mapping) -> tuple[float, float]:
        low, high = self.pair(raw["interval"], "interval", "low, high")
        if low >= high:
            raise self.error(f"expected `interval: [low, high]` with low < high, got "
                             f"[{low:g}, {high:g}]")
        return low, high

    def _fit_beta(self, low: float, high: float, mass: float) -> tuple[float, float]:
        from .elicit import fit_beta_interval

        try:
            return fit_beta_interval(low, high, mass)
        except ModelError as exc:
            raise self.error(exc.detail) from None

    # -- utility values
    def _utility_normal(self, raw: Mapping, spec: dict, point: Any) -> Prior:
        mu, sigma = self.pair(raw["normal"], "normal", "mean, sd")
        if sigma <= 0:
            raise self.error(f"expected a standard deviation > 0 in `normal: [mean, sd]`, got "
                             f"{sigma:g}")
        return NormalPrior(mu=mu, sigma=sigma, spec=spec)

    def _utility_uniform(self, raw: Mapping, spec: dict, point: Any) -> Prior:
        low, high = self.pair(raw["uniform"], "uniform", "low, high")
        if low >= high:
            raise self.error(f"expected `uniform: [low, high]` with low < high, got "
                             f"[{low:g}, {high:g}]")
        return UniformPrior(low=low, high=high, spec=spec)

    def _utility_interval(self, raw: Mapping, spec: dict, point: Any) -> Prior:
        from .elicit import fit_normal_interval

        low, high = self._interval(raw)
        mass = self.mass(raw)
        try:
            mu, sigma = fit_normal_interval(low, high, mass)
        except ModelError as exc:
            raise self.error(exc.detail) from None
        return NormalPrior(mu=mu, sigma=sigma, elicited=Elicitation(low, high, mass), spec=spec)


def parse_prior_spec(raw: Any, *, kind: str, states: tuple[str, ...], file: str | None,
                     node: str, field: str, line: int | None, where: str = "",
                     point: Any = None) -> Prior:
    """Parse a ``prior`` entry of a model file.

    Parameters
    ----------
    raw : mapping
        The entry as read from the file, e.g. ``{"beta": [2, 2]}``.
    kind : {"chance", "utility"}
        The kind of node it is on.
    states : tuple of str
        The node's states (empty for a utility node).
    file, node, field, line, where :
        Where the entry is, for error messages (``where`` is e.g. ``"row 3: "``).
    point : list or mapping, optional
        The row's point probabilities ``p`` as written, if any: needed by a Beta-type prior on
        a row of more than two states.

    Returns
    -------
    Prior

    Raises
    ------
    ModelError
        On any invalid prior, naming the file, node, field, line and row.
    """
    parser = _Parser(kind=kind, states=states, file=file, node=node, field=field, line=line,
                     where=where)
    return parser.parse(raw, point)
