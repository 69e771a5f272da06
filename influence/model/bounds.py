"""Numbers too large to compute with: refused when a diagram is built.

Expected utilities are sums of products of probabilities and weighted utility values; a model
whose total utility (the sum over utility nodes of the largest ``|value x weight|``, a utility
value's prior counting with its widest plausible draw) reaches
:data:`~influence.limits.UTILITY_BOUND` could overflow double precision on the way and give
infinities, NaN and a wrong strategy. The checks here refuse it with the bound, naming the
node and the field, before anything is solved; so do a weight that is not above zero (it would
turn a benefit into a cost, or drop the node silently) and a Dirichlet or Beta prior whose
concentrations sum beyond :data:`~influence.limits.CONCENTRATION_BOUND`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from ..limits import CONCENTRATION_BOUND, PRIOR_SPREAD, UTILITY_BOUND
from .checks import fault, number
from .distributions import BetaPrior, DirichletPrior, NormalPrior, Prior, UniformPrior

if TYPE_CHECKING:  # pragma: no cover
    from .diagram import Diagram, Node

__all__ = ["check_weight", "check_prior_bounds", "prior_extent", "utility_extent",
           "check_utility_bound"]


def check_weight(value: Any, *, node: str) -> float:
    """A utility node's weight: a finite number above zero.

    A negative weight would silently turn the node's benefits into costs (write the values
    negative instead) and a zero weight would drop the node from every decision (remove it, or
    its arcs, instead).
    """
    loc = dict(node=node, field="weight", path=("nodes", node, "weight"))
    weight = number(value, **loc)
    if weight <= 0:
        raise fault(f"expected a weight above 0 (the multiplier of this attribute in the total "
                    f"utility; write costs as negative values), got {weight:g}", **loc)
    return weight


def prior_extent(prior: Prior) -> float:
    """The largest ``|value|`` a utility value's prior counts as reaching: a uniform's farther
    end, a normal's mean plus :data:`~influence.limits.PRIOR_SPREAD` standard deviations; 0 for
    a prior on probabilities."""
    if isinstance(prior, NormalPrior):
        return abs(float(prior.mu)) + PRIOR_SPREAD * abs(float(prior.sigma))
    if isinstance(prior, UniformPrior):
        return max(abs(float(prior.low)), abs(float(prior.high)))
    return 0.0


def _concentration(prior: Prior) -> float:
    if isinstance(prior, DirichletPrior):
        return math.fsum(float(a) for a in prior.alpha)
    if isinstance(prior, BetaPrior):
        return float(prior.a) + float(prior.b)
    return 0.0


def check_prior_bounds(prior: Prior, *, node: str, field: str) -> None:
    """A prior's parameters within the bounds: a utility prior reaching less than
    :data:`~influence.limits.UTILITY_BOUND`, a Dirichlet or Beta concentrated less than
    :data:`~influence.limits.CONCENTRATION_BOUND`."""
    loc = dict(node=node, field=field, path=("nodes", node, field))
    extent = prior_extent(prior)
    if not extent < UTILITY_BOUND:  # also NaN
        what = ("its farther end" if isinstance(prior, UniformPrior) else
                f"its mean ± {PRIOR_SPREAD:g} standard deviations")
        raise fault(f"expected a prior whose draws stay within ±{UTILITY_BOUND:.0e} (sums of "
                    f"utilities must not overflow), got {prior.describe()}, reaching "
                    f"{extent:.3g} ({what})", **loc)
    total = _concentration(prior)
    if not total < CONCENTRATION_BOUND:
        raise fault(f"expected concentrations summing to less than {CONCENTRATION_BOUND:.0e}, "
                    f"got {prior.describe()} (a total of {total:.3g})", **loc)


def utility_extent(node: Node) -> tuple[float, str]:
    """The largest ``|value x weight|`` of utility node ``node`` (its priors' widest draws
    included), and the field it comes from (``value``/``values``, ``prior`` or ``weight``)."""
    table = np.abs(np.asarray(node.table, dtype=float))
    largest = float(table.max()) if table.size else 0.0
    field = "values" if node.parents else "value"
    for prior in node.priors.values():
        extent = prior_extent(prior)
        if extent > largest:
            largest, field = extent, "values" if node.parents else "prior"
    with np.errstate(over="ignore"):
        total = largest * float(node.weight)
    if largest < UTILITY_BOUND <= total:
        field = "weight"
    return total, field


def check_utility_bound(diagram: Diagram) -> None:
    """The total utility (the sum over utility nodes of the largest ``|value x weight|``)
    stays below :data:`~influence.limits.UTILITY_BOUND`; else the fault names the node that
    contributes most."""
    parts = {u.name: utility_extent(u) for u in diagram.utilities}
    total = math.fsum(extent for extent, _ in parts.values())
    if total < UTILITY_BOUND:
        return
    name = max(parts, key=lambda n: parts[n][0])
    extent, field = parts[name]
    weight = diagram.node(name).weight
    alone = "" if len(parts) == 1 else f"; '{name}' alone reaches {_size(extent)}"
    if weight != 1:
        alone += f" (weight {weight:g})"
    raise fault(f"expected the total utility (the sum over utility nodes of the largest "
                f"|value x weight|, priors at their widest draws) below {UTILITY_BOUND:.0e}, "
                f"got {_size(total)}{alone}: sums of expected utilities could overflow",
                node=name, field=field, path=("nodes", name, field))


def _size(x: float) -> str:
    return f"{x:.3g}" if math.isfinite(x) else f"more than {np.finfo(float).max:.3g}"
