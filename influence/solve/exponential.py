"""Risk aversion: strategies that maximise expected exponential utility, and certainty
equivalents.

With risk tolerance ``R > 0`` the decision maker's utility of a total ``U`` is
``-exp(-U / R)``. The total is a sum over utility nodes, so ``exp(-U / R)`` is a product of one
factor per utility node, ``exp(-w_u u / R)``: the expectation is one more contraction of the
chance tables with those factors, over the same stages, and backward induction maximises
``-E[exp(-U / R)]`` exactly as it maximises the expected utility. An option's certainty
equivalent is ``CE = -R ln E[exp(-U / R)]``: the sure total worth as much to the decision maker.

To keep the factors within floating point, each utility node's values are centred on the
middle of its (weighted) range before exponentiating; the shifts are added back in the
certainty equivalent. The factors then stay finite while ``range / (2 R)`` is below about 700
for every node; beyond that the risk tolerance is refused as too small for the utilities.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..errors import QueryError
from .kernels import Contraction

if TYPE_CHECKING:  # pragma: no cover
    from .plan import Plan
    from .tables import Parameters

__all__ = ["Exponential", "MAX_EXPONENT"]

#: The largest |exponent| a factor may take (exp(700) is about 1e304).
MAX_EXPONENT = 700.0


class Exponential:
    """The exponential-utility stage of a plan, for one risk tolerance.

    Parameters
    ----------
    plan : Plan
    risk_tolerance : float
        ``R > 0``, in the units of the utilities.
    """

    def __init__(self, plan: Plan, risk_tolerance: float) -> None:
        self.plan = plan
        self.risk_tolerance = risk_tolerance
        diagram = plan.diagram
        observed = {v for v in plan.layout_vars if diagram.node(v).kind == "chance"}
        base = observed | set(plan.given)
        chance = plan._relevant(base | {p for u in diagram.utilities for p in u.parents})
        self.order = tuple(n for n in diagram.names if n in chance)
        sym = plan._sym
        inputs = ["".join(sym[p] for p in diagram.node(c).parents) + sym[c] for c in self.order]
        inputs += [sym[g] for g in plan.given if g in chance]
        inputs += ["".join(sym[p] for p in u.parents) for u in diagram.utilities]
        used = set("".join(inputs))
        present = tuple(i for i, v in enumerate(plan.layout_vars) if sym[v] in used)
        self.present = present
        output = "".join(sym[plan.layout_vars[i]] for i in present)
        self.contraction = Contraction(inputs, output, plan._letter_sizes)
        point = plan.operands(check=False)
        self.shift = {u.name: _middle(point[u.name]) for u in diagram.utilities}
        self.total_shift = float(sum(self.shift.values()))

    def _factor(self, name: str, values: np.ndarray) -> np.ndarray:
        exponent = -(np.asarray(values) - self.shift[name]) / self.risk_tolerance
        if exponent.size and float(np.abs(exponent).max()) > MAX_EXPONENT:
            span = float(np.abs(np.asarray(values) - self.shift[name]).max())
            raise QueryError(
                f"expected a risk tolerance of at least {span / MAX_EXPONENT:.4g} for the "
                f"values of '{name}' (they lie up to {span:.4g} from their middle; "
                f"exp(-U/R) would overflow), got {self.risk_tolerance:g}",
                file=self.plan.diagram.file, node=name, parameter="risk_tolerance")
        return np.exp(exponent)

    def stage(self, ops: Parameters) -> np.ndarray:
        """``E[exp(-(U - shift) / R)]`` over what is never observed, for each configuration of
        the past (shape (S, *layout sizes)), conditional on the scenario: positive."""
        plan = self.plan
        evidence = plan._evidence_vectors() if plan.given else {}
        args = [ops[c] for c in self.order]
        args += [evidence[g] for g in plan.given if g in self.order]
        args += [self._factor(u.name, ops[u.name]) for u in plan.diagram.utilities]
        out = self.contraction(*args)
        draws = max(a.shape[0] for a in args)
        full = tuple(plan.sizes[v] for v in plan.layout_vars)
        shape = [out.shape[0]] + [1] * len(full)
        for i in self.present:
            shape[1 + i] = full[i]
        out = np.broadcast_to(out.reshape(shape), (draws,) + full)
        pe = plan._scenario_probability(ops)
        if pe is not None:
            out = out / pe.reshape((-1,) + (1,) * len(full))
        return out

    def certainty_equivalent(self, value: float) -> float:
        """The certainty equivalent of a strategy whose value on the criterion
        (``-E[exp(-(U - shift) / R)]``, what backward induction maximises) is ``value``."""
        expectation = -value
        if not expectation > 0:
            raise QueryError(
                f"expected a risk tolerance large enough for exp(-U/R) to stay above zero, got "
                f"{self.risk_tolerance:g}", file=self.plan.diagram.file,
                parameter="risk_tolerance")
        value = self.total_shift - self.risk_tolerance * float(np.log(expectation))
        # Rounding noise of the shift and the logarithm is not a certainty equivalent.
        noise = 1e-12 * max(abs(self.total_shift), self.risk_tolerance)
        return 0.0 if abs(value) < noise else value


def _middle(values: np.ndarray) -> float:
    values = np.asarray(values)
    if values.size == 0:
        return 0.0
    return float((values.max() + values.min()) / 2)
