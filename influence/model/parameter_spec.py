"""Reading the ``prior`` of a parameter (see :mod:`influence.model.parameter_priors`).

The forms depend on the parameter's domain:

========================  =====================================================================
domain                    forms
========================  =====================================================================
``real``                  ``{normal: [mean, sd]}``, ``{uniform: [low, high]}``,
                          ``{interval: [low, high], mass: 0.9}`` (a Normal)
``probability``           ``{beta: [a, b]}``, ``{phrase: "likely", mass: 0.9}``,
                          ``{interval: [low, high], mass: 0.9}`` (a Beta),
                          ``{uniform: [low, high]}`` within [0, 1]
``ratio``                 ``{interval: [low, high], mass: 0.9}`` on one side of 1 (a ratio
                          prior, see :class:`~influence.model.parameter_priors.RatioPrior`),
                          ``{uniform: [low, high]}`` on one side of 1
========================  =====================================================================

Faults read as those of a row's prior (``prior: expected ...``), through the same parser.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import ModelError
from ..messages import describe as _show
from ..messages import suggest as _suggest
from .distributions import Elicitation, NormalPrior, Prior, UniformPrior
from .parameter_priors import ProbabilityPrior, RatioPrior, ratio_from_interval
from .prior_spec import _Parser
from .yamlio import plain as _plain

__all__ = ["parse_parameter_prior", "PARAMETER_FORMS"]

#: The keys each form takes, by domain.
PARAMETER_FORMS: dict[str, dict[str, tuple[str, ...]]] = {
    "real": {"normal": ("normal",), "uniform": ("uniform",), "interval": ("interval", "mass")},
    "probability": {"beta": ("beta",), "phrase": ("phrase", "mass"),
                    "interval": ("interval", "mass"), "uniform": ("uniform",)},
    "ratio": {"interval": ("interval", "mass"), "uniform": ("uniform",)},
}


class _ParameterParser(_Parser):
    def __init__(self, domain: str, **kwargs: Any) -> None:
        super().__init__(kind="parameter", states=(), **kwargs)
        self.domain = domain

    def parse_parameter(self, raw: Any) -> Prior:
        forms = PARAMETER_FORMS[self.domain]
        example = {"real": "{normal: [0, 10]}", "probability": "{beta: [2, 8]}",
                   "ratio": "{interval: [0.3, 0.8]}"}[self.domain]
        names = ", ".join(forms)
        if not isinstance(raw, Mapping) or not raw:
            raise self.error(f"expected a mapping such as {example}, got {_show(raw)}; forms "
                             f"for a {self.domain} parameter: {names}")
        keys = [str(k) for k in raw]
        chosen = [k for k in keys if k in forms]
        if not chosen:
            allowed = sorted({k for ks in forms.values() for k in ks})
            raise self.error(f"unknown key {keys[0]!r}{_suggest(keys[0], allowed)}; expected "
                             f"one of {names} (forms for a {self.domain} parameter)")
        if len(chosen) > 1:
            raise self.error(f"expected one form of prior, got {' and '.join(chosen)}")
        form = chosen[0]
        for key in keys:
            if key not in forms[form]:
                raise self.error(f"unknown key {key!r} in a `{form}` prior"
                                 f"{_suggest(key, forms[form])}; expected: "
                                 f"{', '.join(forms[form])}")
        spec = {str(k): _plain(v) for k, v in raw.items()}
        return getattr(self, f"_{self.domain}_{form}")(raw, spec)

    # -- real
    def _real_normal(self, raw: Mapping, spec: dict) -> Prior:
        return self._utility_normal(raw, spec, None)

    def _real_uniform(self, raw: Mapping, spec: dict) -> Prior:
        return self._utility_uniform(raw, spec, None)

    def _real_interval(self, raw: Mapping, spec: dict) -> Prior:
        return self._utility_interval(raw, spec, None)

    # -- probability
    def _probability_beta(self, raw: Mapping, spec: dict) -> Prior:
        a, b = self.pair(raw["beta"], "beta", "a, b")
        if a <= 0 or b <= 0:
            raise self.error(f"expected Beta parameters a > 0 and b > 0, got [{a:g}, {b:g}]")
        return ProbabilityPrior(a=a, b=b, spec=spec)

    def _probability_phrase(self, raw: Mapping, spec: dict) -> Prior:
        from .elicit import lookup_phrase

        mass = self.mass(raw)
        try:
            entry = lookup_phrase(raw["phrase"])
        except ModelError as exc:
            raise self.error(exc.detail) from None
        a, b = self._fit_beta(entry.low, entry.high, mass)
        elicited = Elicitation(entry.low, entry.high, mass, phrase=str(raw["phrase"]),
                               expression=entry.label, note=entry.note)
        return ProbabilityPrior(a=a, b=b, elicited=elicited, spec=spec)

    def _probability_interval(self, raw: Mapping, spec: dict) -> Prior:
        low, high = self._interval(raw)
        if low <= 0 or high >= 1:
            raise self.error(f"expected a probability interval strictly inside (0, 1), got "
                             f"[{low:g}, {high:g}] (a Beta puts no probability on 0 or 1 "
                             "exactly: write e.g. 0.001 or 0.999)")
        mass = self.mass(raw)
        a, b = self._fit_beta(low, high, mass)
        return ProbabilityPrior(a=a, b=b, elicited=Elicitation(low, high, mass), spec=spec)

    def _probability_uniform(self, raw: Mapping, spec: dict) -> Prior:
        prior = self._utility_uniform(raw, spec, None)
        if prior.low < 0 or prior.high > 1:
            raise self.error(f"expected a uniform prior within [0, 1], got "
                             f"[{prior.low:g}, {prior.high:g}]")
        return prior

    # -- ratio
    def _ratio_interval(self, raw: Mapping, spec: dict) -> Prior:
        low, high = self._interval(raw)
        self._one_side(low, high)
        mass = self.mass(raw)
        direction, mu, sigma = ratio_from_interval(low, high, mass)
        return RatioPrior(direction=direction, mu=mu, sigma=sigma,
                          elicited=Elicitation(low, high, mass), spec=spec)

    def _ratio_uniform(self, raw: Mapping, spec: dict) -> Prior:
        prior = self._utility_uniform(raw, spec, None)
        if prior.low <= 0 or prior.low < 1 < prior.high:
            raise self.error(f"expected a uniform prior on one side of 1, above 0 (an effect "
                             f"keeps its direction), got [{prior.low:g}, {prior.high:g}]")
        return UniformPrior(low=prior.low, high=prior.high, spec=spec)

    def _one_side(self, low: float, high: float) -> None:
        if low <= 0 or low <= 1 <= high:
            raise self.error(f"expected a ratio interval above 0 and on one side of 1 (an "
                             f"effect keeps its direction: [0.3, 0.8] lowers, [1.5, 4] raises), "
                             f"got [{low:g}, {high:g}]")


def parse_parameter_prior(raw: Any, *, domain: str, file: str | None, node: str | None,
                          field: str, line: int | None, where: str = "") -> Prior:
    """Parse the ``prior`` of a parameter of ``domain`` ("real", "probability", "ratio").

    Raises
    ------
    ModelError
        On any invalid prior, naming the file, node (or parameter), field and line.
    """
    parser = _ParameterParser(domain, file=file, node=node, field=field, line=line,
                              where=where)
    return parser.parse_parameter(raw)


_ = NormalPrior  # re-exported type of a real parameter's prior
