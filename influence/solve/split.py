"""A strategy's expected utility split by the states of one chance node.

Under a fixed strategy every decision is a deterministic factor over its past and its options
(as in :mod:`influence.solve.risk`). Contracting the chance tables, those factors and the
weighted values of one utility node over every variable but a chance node ``X`` gives, for
each state ``x``, ``E[w u; X = x]``: the part of that utility node's contribution earned where
``X`` is in ``x``. Without the utility table the same contraction gives ``P(X = x)``. Both are
conditional on the plan's scenario. Summed over the states, the parts give the utility node's
contribution; divided by the probability, a part is the conditional expected value in that
state.

Each contraction keeps only the chance nodes it needs (``X``, the utility node's parents, what
the decisions observe, the scenario, and their ancestors), is planned once per node split and
runs on a whole batch of draws; strategies are fixed choices shared by every draw.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..errors import TooLargeError
from ..limits import format_bytes
from .kernels import Contraction
from .risk import _factors
from .tables import Parameters, draw_count

if TYPE_CHECKING:  # pragma: no cover
    from .plan import Plan

__all__ = ["NodeSplit"]


class NodeSplit:
    """The contractions that split strategies' expected utilities by the states of ``node``.

    Parameters
    ----------
    plan : Plan
        The compiled diagram (its scenario applies).
    node : str
        A chance node of the diagram.

    Notes
    -----
    ``per_draw`` is the memory (bytes) one draw of one strategy needs at the peak of the
    largest contraction; calls on more draws than fit the plan's memory limit are refused.
    """

    def __init__(self, plan: Plan, node: str) -> None:
        self.plan = plan
        self.node = node
        diagram = plan.diagram
        observed = {v for v in plan.layout_vars if diagram.node(v).kind == "chance"}
        base = {node} | observed | set(plan.given)
        self._terms = [self._term(None, base)]
        self._terms += [self._term(u.name, base | set(u.parents)) for u in diagram.utilities]
        largest = max(c.largest_intermediate() for _, _, c in self._terms)
        params = sum(n.table.size for n in diagram.nodes if n.table is not None)
        self.per_draw = 8 * (2 * largest + params)

    def _term(self, utility: str | None, targets: set[str]
              ) -> tuple[str | None, tuple[str, ...], Contraction]:
        plan, diagram, sym = self.plan, self.plan.diagram, self.plan._sym
        chance = plan._relevant(targets)
        order = tuple(n for n in diagram.names if n in chance)
        inputs = ["".join(sym[p] for p in diagram.node(c).parents) + sym[c] for c in order]
        inputs += [sym[g] for g in plan.given if g in chance]
        for k, d in enumerate(diagram.decisions):
            inputs.append("".join(sym[v] for v in plan.past(k)) + sym[d.name])
        if utility is not None:
            inputs.append("".join(sym[p] for p in diagram.node(utility).parents))
        return utility, order, Contraction(inputs, sym[self.node], plan._letter_sizes)

    def _check(self, draws: int) -> None:
        need = self.per_draw * draws
        if need > self.plan.memory_limit:
            raise TooLargeError(
                f"expected a split by '{self.node}' within the memory limit of "
                f"{format_bytes(self.plan.memory_limit)}, got an estimated "
                f"{format_bytes(need)} for {draws:,} draws; use fewer draws or raise "
                "`memory_limit`", file=self.plan.diagram.file, node=self.node,
                parameter="memory_limit")

    def __call__(self, ops: Parameters, strategies: Sequence[Sequence[np.ndarray]]
                 ) -> tuple[np.ndarray, np.ndarray]:
        """Split each strategy's expected utility by the states of the node.

        Parameters
        ----------
        ops : mapping
            Operands from :meth:`Plan.operands` (utility tables weighted).
        strategies : sequence
            Each a list of choices per decision, shared by every draw (as in
            :attr:`InductionResult.choices`).

        Returns
        -------
        probability : ndarray, shape (n_strategies, S, n_states)
            ``P(node = state)`` under each strategy, in each draw.
        parts : ndarray, shape (n_strategies, S, n_utilities, n_states)
            ``E[w u; node = state]`` of each utility node (in the diagram's order).
        """
        plan = self.plan
        draws = draw_count(ops)
        self._check(draws)
        evidence = plan._evidence_vectors() if plan.given else {}
        pe = plan.evidence_probability(ops)[:, None]
        factors = _factors(plan, [list(s) for s in strategies])
        probability, parts = [], []
        for i in range(len(strategies)):
            mine = [f[i:i + 1] for f in factors]
            out = []
            for utility, order, contraction in self._terms:
                args = [ops[c] for c in order]
                args += [evidence[g] for g in plan.given if g in order]
                args += mine
                if utility is not None:
                    args.append(ops[utility])
                value = contraction(*args)
                out.append(np.broadcast_to(value, (draws,) + value.shape[1:]) / pe)
            probability.append(out[0])
            parts.append(np.stack(out[1:], axis=1))
        return np.stack(probability), np.stack(parts)
