"""Which parameters a sensitivity analysis varies, and over what range.

The parameters (see :mod:`influence.analysis.parameters`) are those named, or by default every
parameter of the model except

- the entries of *deterministic* rows (every entry 0 or 1): such a row is a definition, as
  ``us_strikes`` in the article model or ``result`` when no test is made, not a judgment;
- the first state of a row of two states, which is one number: its second state's probability
  is kept (or the state its Beta prior is on), as the prior forms do.

Name a parameter to vary it anyway.

Each parameter gets two ranges:

- the **one-way range** (tornado): an explicit range if one is given; else the central 90%
  interval of its prior (5% to 95%); else its point value ±25% (clipped to [0, 1] for a
  probability; a probability of 0 stays 0, a utility value or weight of 0 moves by ±25% of
  the *magnitude* below);
- the **domain** searched for break-even values: [0, 1] for a probability (or a probability
  parameter); for a utility value, a weight or a real parameter, an explicit range if one is
  given, else the point value ±10 times its magnitude; for a ratio parameter, an explicit
  range, else from a tenth of its value to ten times it.

The magnitude of a value is its absolute value; for a value of 0, the largest absolute value
of its node's table (1 for a weight of 0, or a node whose values are all 0).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ArgumentTypeError, QueryError
from ..messages import describe
from ..model.diagram import Diagram
from ..model.priors import BetaPrior
from .parameters import Parameter, all_parameters, parse_parameter
from .quantiles import prior_intervals

__all__ = ["Ranged", "select", "parse_ranges", "ranged", "ONE_WAY_SHARE", "DOMAIN_FACTOR",
           "PRIOR_MASS"]

#: Share of its magnitude by which a parameter without a prior or a range moves either way.
ONE_WAY_SHARE = 0.25
#: Break-even values of a utility or weight are searched this many magnitudes either way.
DOMAIN_FACTOR = 10.0
#: Mass of a prior's central interval used as the one-way range.
PRIOR_MASS = 0.9


@dataclass(frozen=True)
class Ranged:
    """A parameter with its one-way range and its break-even domain.

    Attributes
    ----------
    parameter : Parameter
    low, high : float
        The one-way range.
    source : {"range", "prior", "default"}
        Where the one-way range comes from: an explicit range, the prior's 90% interval, or
        the point value ±25%.
    domain : (float, float)
        Where break-even values are searched.
    """

    parameter: Parameter
    low: float
    high: float
    source: str
    domain: tuple[float, float]


def _deterministic(diagram: Diagram, par: Parameter) -> bool:
    if par.kind != "probability":
        return False
    row = diagram.node(par.node).table[par.index[:-1]]
    return bool(np.all((row == 0.0) | (row == 1.0)))


def _kept_state(diagram: Diagram, par: Parameter) -> bool:
    """Whether ``par`` is the one number kept of a row of two states."""
    node = diagram.node(par.node)
    if par.kind != "probability" or len(node.states) != 2:
        return True
    if isinstance(par.prior, BetaPrior):
        return par.state == par.prior.states[par.prior.state]
    return par.state == node.states[1]


def select(diagram: Diagram, names: Sequence[str] | None = None) -> list[Parameter]:
    """The parameters to vary: those ``names`` names (in that order, each once), or the
    default set described in the module's documentation.

    Raises
    ------
    QueryError
        For a name that names no parameter (with the closest match).
    """
    if names is None:
        return [p for p in all_parameters(diagram)
                if not _deterministic(diagram, p) and _kept_state(diagram, p)]
    if isinstance(names, str):
        names = [names]
    if isinstance(names, Mapping) or not isinstance(names, Iterable):
        raise ArgumentTypeError(f"expected `parameters` to be parameter names (a list of "
                                f"text), got {describe(names)}", file=diagram.file,
                                parameter="parameters")
    out: dict[str, Parameter] = {}
    for name in names:
        par = parse_parameter(diagram, name)
        out.setdefault(par.id, par)
    if not out:
        raise QueryError("expected at least one parameter, got none", file=diagram.file,
                         parameter="parameters")
    return list(out.values())


def parse_ranges(diagram: Diagram, ranges: Mapping[str, Any] | None
                 ) -> dict[str, tuple[float, float]]:
    """Explicit ranges by canonical parameter id, checked: two finite numbers, low < high, in
    [0, 1] for a probability.

    Raises
    ------
    QueryError
        For an unknown parameter or a bad range (naming `ranges`).
    """
    out: dict[str, tuple[float, float]] = {}
    if ranges is not None and not isinstance(ranges, Mapping):
        raise ArgumentTypeError(f"expected `ranges` to be a mapping of parameter name to (low, "
                                f"high), got {describe(ranges)}", file=diagram.file,
                                parameter="ranges")
    for name, pair in dict(ranges or {}).items():
        try:
            par = parse_parameter(diagram, name)
        except QueryError as err:
            raise QueryError(err.detail, file=diagram.file, node=err.node,
                             parameter="ranges") from None
        try:
            low, high = (float(x) for x in pair)
        except (TypeError, ValueError):
            raise QueryError(f"range of {par.id}: expected two numbers (low, high), got "
                             f"{pair!r}", file=diagram.file, node=par.node,
                             parameter="ranges") from None
        if not (math.isfinite(low) and math.isfinite(high)) or low >= high:
            raise QueryError(f"range of {par.id}: expected finite numbers with low < high, "
                             f"got {low:g}:{high:g}", file=diagram.file, node=par.node,
                             parameter="ranges")
        if _probability(par) and (low < 0.0 or high > 1.0):
            raise QueryError(f"range of {par.id}: expected probabilities in [0, 1], got "
                             f"{low:g}:{high:g}", file=diagram.file, node=par.node,
                             parameter="ranges")
        if par.space == "ratio" and low <= 0.0:
            raise QueryError(f"range of {par.id}: expected ratios > 0, got {low:g}:{high:g}",
                             file=diagram.file, node=par.node, parameter="ranges")
        out[par.id] = (low, high)
    return out


def magnitude(diagram: Diagram, par: Parameter) -> float:
    """How large a value is, to scale its default ranges (see the module's documentation)."""
    if par.point != 0.0:
        return abs(par.point)
    if par.kind == "utility":
        largest = float(np.abs(diagram.node(par.node).table).max())
        return largest if largest > 0 else 1.0
    return 1.0


def _probability(par: Parameter) -> bool:
    return par.kind == "probability" or par.space == "probability"


def ranged(diagram: Diagram, parameters: Sequence[Parameter],
           ranges: Mapping[str, tuple[float, float]]) -> list[Ranged]:
    """Each parameter with its one-way range and its break-even domain."""
    intervals = prior_intervals(parameters, PRIOR_MASS)
    out = []
    for par, interval in zip(parameters, intervals, strict=True):
        size = abs(par.point) if _probability(par) or par.space == "ratio" else \
            magnitude(diagram, par)
        if par.id in ranges:
            (low, high), source = ranges[par.id], "range"
        elif interval is not None:
            (low, high), source = interval, "prior"
        else:
            low, high = par.point - ONE_WAY_SHARE * size, par.point + ONE_WAY_SHARE * size
            source = "default"
            if _probability(par):
                low, high = max(low, 0.0), min(high, 1.0)
        if _probability(par):
            domain = (0.0, 1.0)
        elif par.id in ranges:
            domain = ranges[par.id]
        elif par.space == "ratio":
            domain = (par.point / DOMAIN_FACTOR, par.point * DOMAIN_FACTOR)
        else:
            width = DOMAIN_FACTOR * magnitude(diagram, par)
            domain = (par.point - width, par.point + width)
        out.append(Ranged(par, float(low), float(high), source, domain))
    return out
