"""Named numbers of a model: parameters, and utility values written with them.

A :class:`ModelParameter` is one number with a name, a domain, an optional prior, a source and
a description. It is either *named* (the model file's top-level ``parameters:``, referenced by
name from utility values, weights and structured tables) or the number of a structured table
(see :mod:`influence.model.structured`), named after the node and the entry it fills
(``violence_mexico.base``, ``violence_mexico[partnership=yes]``). Either way the sensitivity
and value-of-information analyses treat it as one parameter, ``param:NAME``.

An :class:`Expression` is a utility value or weight written with parameters: a sum of terms,
each a number times parameter names (``-200 * harm_weight``, ``usd_to_lives``,
``0.5 * a + 2``). It is evaluated for one set of values or for a batch of draws at once.

This module imports numpy only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ModelError
from ..messages import describe, suggest
from .checks import fault, number, read_text
from .distributions import NormalPrior, Prior, UniformPrior
from .parameter_priors import ProbabilityPrior, RatioPrior

__all__ = ["ModelParameter", "Expression", "parse_expression", "DOMAINS", "PARAMETER_NAME",
           "check_parameter", "domain_text"]

#: What a parameter's value may be: any number, a probability, or a ratio (> 0).
DOMAINS = ("real", "probability", "ratio")

#: What a named parameter may be called: letters, digits and '_', starting with a letter or
#: '_' (no '-', which would read as a minus in an expression).
PARAMETER_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

_ALLOWED_PRIORS = {
    "real": (NormalPrior, UniformPrior),
    "probability": (ProbabilityPrior, UniformPrior),
    "ratio": (RatioPrior, UniformPrior),
}


def domain_text(domain: str) -> str:
    """How a domain reads in a message."""
    return {"real": "a number", "probability": "a probability in [0, 1]",
            "ratio": "a ratio > 0"}[domain]


@dataclass(frozen=True)
class ModelParameter:
    """One named number of a model.

    Parameters
    ----------
    name : str
        Its name: a named parameter's as written (letters, digits, ``_``); a structured
        table's number is named after its node and entry.
    value : float
        Its point value (what ``influence evaluate`` uses).
    domain : {"real", "probability", "ratio"}
        What it may be.
    prior : Prior, optional
        A prior of the domain: Normal or Uniform (real), Beta or Uniform in [0, 1]
        (probability), a ratio prior or Uniform on one side of 1 (ratio).
    source, description : str, optional
        Where the number comes from, and what it means.
    node : str, optional
        The node whose structured table defines it (None for a named parameter).

    Raises
    ------
    ModelError
        For a bad name, a value outside the domain, or a prior of another domain or reaching
        outside it.
    """

    name: str
    value: float
    domain: str = "real"
    prior: Prior | None = None
    source: str | None = None
    description: str | None = None
    node: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", check_parameter(self))

    @property
    def named(self) -> bool:
        """Whether it is a top-level named parameter (not a structured table's own)."""
        return self.node is None


def _where(p: ModelParameter) -> dict[str, Any]:
    if p.node is None:
        return dict(node=None, field="parameters", path=("parameters", str(p.name)),
                    where=f"parameter '{p.name}': ")
    return dict(node=p.node, field="table", path=("nodes", p.node, "table"),
                where=f"parameter '{p.name}': ")


def check_parameter(p: ModelParameter) -> float:
    """Check a parameter; returns its value as a float."""
    if not isinstance(p.name, str) or not p.name.strip():
        raise fault(f"expected a parameter name (text), got {describe(p.name)}",
                    field="parameters", path=("parameters",))
    if p.node is None and not PARAMETER_NAME.match(p.name):
        raise fault("expected a parameter name of letters, digits and '_' (starting with a "
                    f"letter or '_'), got {p.name!r}", field="parameters",
                    path=("parameters", p.name))
    loc = _where(p)
    if p.domain not in DOMAINS:
        raise fault(f"expected a domain among {', '.join(DOMAINS)}, got {describe(p.domain)}",
                    **loc)
    value = number(p.value, kind=domain_text(p.domain), **loc)
    if p.domain == "probability" and not 0.0 <= value <= 1.0:
        raise fault(f"expected a probability in [0, 1], got {value:g}", **loc)
    if p.domain == "ratio" and not value > 0.0:
        raise fault(f"expected a ratio > 0, got {value:g}", **loc)
    for key in ("source", "description"):
        read_text(getattr(p, key), field=key, node=loc["node"], path=loc["path"])
    if p.prior is not None:
        _check_prior(p, loc)
    return value


def _check_prior(p: ModelParameter, loc: dict[str, Any]) -> None:
    allowed = _ALLOWED_PRIORS[p.domain]
    if not isinstance(p.prior, allowed):
        raise fault(f"expected a prior for {domain_text(p.domain)} ("
                    f"{', '.join(c.kind for c in allowed)}), got {describe(p.prior)}", **loc)
    if isinstance(p.prior, UniformPrior):
        low, high = p.prior.low, p.prior.high
        if p.domain == "probability" and not (0.0 <= low and high <= 1.0):
            raise fault(f"expected a uniform prior within [0, 1], got [{low:g}, {high:g}]",
                        **loc)
        if p.domain == "ratio" and (low <= 0.0 or low < 1.0 < high):
            raise fault(f"expected a uniform prior on one side of 1 (> 0; an effect keeps its "
                        f"direction), got [{low:g}, {high:g}]", **loc)
    if isinstance(p.prior, RatioPrior) and p.value != 1.0 and \
            (p.value < 1.0) != (p.prior.direction < 0):
        side = "below" if p.prior.direction < 0 else "above"
        raise fault(f"expected a value {side} 1 like its prior (an effect keeps its "
                    f"direction), got {p.value:g}", **loc)


# -- expressions ---------------------------------------------------------------------------------

_TOKEN = re.compile(r"\s*(?:(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|"
                    r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>[-+*]))")


@dataclass(frozen=True)
class Expression:
    """A sum of terms, each a number times parameter names.

    Attributes
    ----------
    terms : tuple of (float, tuple of str)
        ``(coefficient, names)`` per term.
    text : str
        As written.
    """

    terms: tuple[tuple[float, tuple[str, ...]], ...]
    text: str

    @property
    def parameters(self) -> tuple[str, ...]:
        """The parameters it names, each once, in order."""
        return tuple(dict.fromkeys(n for _, names in self.terms for n in names))

    def evaluate(self, values: Mapping[str, Any]) -> Any:
        """Its value for parameter values (numbers, or arrays of draws broadcast together)."""
        total: Any = 0.0
        for coefficient, names in self.terms:
            term: Any = coefficient
            for name in names:
                term = term * values[name]
            total = total + term
        return total

    def __str__(self) -> str:
        return self.text


def parse_expression(text: str, known: Mapping[str, Any] | None = None, **loc: Any
                     ) -> Expression:
    """Read ``text`` as an expression: terms joined by ``+`` or ``-``, each numbers and
    parameter names joined by ``*``.

    Parameters
    ----------
    text : str
    known : mapping, optional
        The parameters it may name (an unknown one is an error with a suggestion).
    **loc
        Where it is (``node``, ``field``, ``path``, ``where``), for messages.

    Raises
    ------
    ModelError
        For text that is not such an expression, an unknown name, or an expression without a
        parameter (write the number itself).
    """
    pos, terms = 0, []
    sign, coefficient, names, expect = 1.0, 1.0, [], "factor"

    def bad(why: str) -> ModelError:
        return fault(f"expected a number or an expression such as `-200 * name` or `name + 3` "
                     f"(numbers and parameter names joined by *, + and -), got {text!r}: {why}",
                     **loc)

    while pos < len(text):
        if not text[pos:].strip():
            break
        match = _TOKEN.match(text, pos)
        if not match:
            raise bad(f"cannot read {text[pos:].strip()!r}")
        pos = match.end()
        if expect == "factor":
            if match["op"] == "-" and not names and coefficient == 1.0:
                sign = -sign
                continue
            if match["number"]:
                coefficient *= float(match["number"])
            elif match["name"]:
                names.append(match["name"])
            else:
                raise bad(f"expected a number or a name before {match['op']!r}")
            expect = "operator"
        else:
            op = match["op"]
            if op is None:
                raise bad("expected *, + or - between numbers and names")
            if op == "*":
                expect = "factor"
                continue
            terms.append((sign * coefficient, tuple(names)))
            sign, coefficient, names, expect = (-1.0 if op == "-" else 1.0), 1.0, [], "factor"
    if expect == "factor":
        raise bad("it ends with an operator" if terms or names else "it is empty")
    terms.append((sign * coefficient, tuple(names)))
    expression = Expression(tuple(terms), text.strip())
    if not expression.parameters:
        raise fault(f"expected a number or an expression with a parameter, got {text!r} "
                    "(write the number itself, without quotes)", **loc)
    if known is not None:
        for name in expression.parameters:
            if name not in known:
                listed = ", ".join(known) or "none"
                raise fault(f"expected parameters of the model in {text!r} ({listed}), got "
                            f"unknown parameter {name!r}{suggest(name, known)}", **loc)
    return expression


def as_array(value: Any) -> np.ndarray:
    """A value or a batch of draws as a float array."""
    return np.asarray(value, dtype=float)
