"""What a batch of numbers is worth on a diagram of limited memory: the valuer of the
value-of-information analyses without a stage tensor.

:class:`~influence.analysis.valuation.Valuer` values a batch of numbers on the stage tensor of
perfect recall. A diagram of limited memory (``recall: limited``) has none: its strategies are
rules over what each decision knows, and its optimum is found by single policy updating
(:mod:`influence.solve.limited`). :class:`LimitedValuer` answers the same questions by solving:

- ``s*``, the strategy chosen without further information, is the optimum at the parameters'
  means (exact when the parameters of different nodes are independent: the expected utility
  of a fixed strategy is linear in each node's table, so its mean over the draws is its value
  at the means), or, for parameters that depend on each other across nodes, the strategy of
  largest expected utility averaged over the draws (:func:`influence.solve.limited.
  bayes_strategy`, every draw at each update);
- the gain of a row of numbers is the optimum of that row (single policy updating on its own
  numbers) minus the value of ``s*`` on it.

On a soluble diagram both are exact and every gain is at least zero. On a diagram that is not
soluble each optimum is a local one: a row's optimum is then the better of what single policy
updating finds on the row and ``s*`` itself (so a gain is never negative, but it may fall short
of the true one), and the results say the values are not exact (``solution["exact"]``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from ..limits import MEMORY_BUDGET
from ..solve.factored import Factored
from ..solve.limited import bayes_strategy
from ..solve.limited_draws import optimum_limited, strategy_values_limited
from ..solve.plan import Plan
from ..solve.point import broadcast_choice

__all__ = ["LimitedValuer"]


class LimitedValuer:
    """A diagram of limited memory with its numbers at their means, to value batches of other
    numbers: the interface of :class:`~influence.analysis.valuation.Valuer` that the analyses
    use, each row solved on its own (see the module).

    Parameters
    ----------
    plan : Plan
        A plan of a diagram of limited memory (with its scenario, if any).
    means : mapping
        Node -> table (no draw axis) of the numbers the decision is taken on without further
        information.
    chunks : callable, optional
        For parameters dependent across nodes: returns an iterator over batches of draws
        (node -> (S_i, *shape)); ``s*`` is then the strategy of largest expected utility
        averaged over them.

    Attributes
    ----------
    maximum_expected_utility : float
        The expected utility of ``s*`` (conditional on the scenario; averaged over the draws of
        ``chunks`` when given).
    choices : tuple of ndarray
        ``s*``: per decision, its choice in each configuration of what it knows, shape
        (1, *sizes).
    evidence : float
        The probability of the scenario at the means (or averaged over the draws).
    exact : bool
        Whether single policy updating is exact on the diagram (it is soluble).
    """

    def __init__(self, plan: Plan, means: Mapping[str, np.ndarray], *,
                 chunks: Any = None) -> None:
        self.plan = plan
        self.means = {k: np.asarray(v, dtype=float) for k, v in means.items()}
        self.exact = bool(plan.factored.exact)
        if chunks is None:
            ops = plan.operands(self.means)
            value, pe, choices, _, _ = optimum_limited(plan, ops)
            self.choices = tuple(c[:1] for c in choices)
            self.maximum_expected_utility = float(value[0])
            self.evidence = float(pe[0])
        else:
            self._bayes(chunks)

    def _bayes(self, chunks: Any) -> None:
        plan = self.plan

        def operands() -> Iterator[Mapping[str, np.ndarray]]:
            for tables in chunks():
                yield plan.operands({**self.means, **tables}, check=False)

        kept = list(operands())
        first = kept[0]
        shared = Factored(plan, varying=[n for n, a in first.items() if np.shape(a)[0] > 1])
        best, _ = bayes_strategy(shared, lambda: iter(kept), {}, shared.exact)
        self.exact = self.exact and bool(shared.exact)
        self.choices = tuple(broadcast_choice(plan, best[d], shared.info[d], shared.knows[d])
                             for d in shared.decisions)
        total = evidence = 0.0
        count = 0
        for ops in kept:
            value = strategy_values_limited(plan, ops, self.choices)
            pe = np.broadcast_to(plan.evidence_probability(ops), value.shape)
            total += float((value * pe).sum())
            evidence += float(pe.sum())
            count += len(value)
        self.evidence = evidence / count
        self.maximum_expected_utility = total / evidence

    @property
    def solution(self) -> dict[str, Any]:
        """How the strategies are found, as :attr:`influence.Evaluation.solution` says it:
        ``recall``, ``method``, ``soluble`` and ``exact``."""
        return {"recall": "limited", "method": "single policy updating",
                "soluble": bool(self.plan.factored.exact), "exact": self.exact}

    def chunk(self, extra: int = 0) -> int:
        """Rows to evaluate at once within the memory budget (``extra`` more numbers per
        row)."""
        per_row = 8 * extra + max(self.plan.memory.per_draw, 1)
        return int(max(1, min(65536, MEMORY_BUDGET // per_row)))

    def linear_fits(self, node: str) -> bool:
        """Always False: there is no stage tensor to map a table to; rows are solved."""
        return False

    def unnormalized(self, tables: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The rows of a batch of numbers (node -> (S, *shape); nodes left out keep their
        means), as the operands :meth:`gains` and :meth:`optimum` take."""
        return self.plan.operands({**self.means, **tables}, check=False)

    def _solve(self, ops: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        value, pe, _, _, _ = optimum_limited(self.plan, ops)
        star = strategy_values_limited(self.plan, ops, self.choices)
        draws = max(len(star), len(value))
        return (np.broadcast_to(value, (draws,)), np.broadcast_to(star, (draws,)),
                np.broadcast_to(pe, (draws,)))

    def gains(self, ops: Mapping[str, np.ndarray]) -> np.ndarray:
        """Per row, its optimum (at least the value of ``s*``) minus the value of ``s*``,
        times the row's probability of the scenario over :attr:`evidence`."""
        best, star, pe = self._solve(ops)
        return np.maximum(best - star, 0.0) * pe / self.evidence

    def optimum(self, ops: Mapping[str, np.ndarray]) -> np.ndarray:
        """Per row, its optimum (at least the value of ``s*``), times the row's probability of
        the scenario over :attr:`evidence`."""
        best, star, pe = self._solve(ops)
        return np.maximum(best, star) * pe / self.evidence
