"""Evaluating a compiled plan: the optimal strategy, every option, and per-draw values.

:func:`evaluate_chunks` produces an :class:`~influence.solve.results.Evaluation` from batches of
numbers (one batch of one draw for point values); :func:`draw_values` solves each draw of a
batch on its own numbers, without building result objects (what sensitivity sweeps and
value-of-information questions need).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .kernels import InductionResult, backward_induction
from .results import ArrayRules, DecisionResult
from .tables import Parameters

if TYPE_CHECKING:  # pragma: no cover
    from .plan import Plan

__all__ = ["draw_values", "strategy_values", "DrawValues", "Extras", "by_utility"]


@dataclass(frozen=True)
class DrawValues:
    """Each draw of a batch solved on its own numbers.

    Attributes
    ----------
    maximum_expected_utility : ndarray, shape (S,)
        The maximum expected utility of each draw.
    options : dict
        Option id (``decision=state`` for an alternative, the policy id for a policy) ->
        its expected utility in each draw, shape (S,), the rest of the strategy optimal for
        that draw.
    choices : tuple of ndarray
        For each decision, the index of the optimal state in each draw and information state,
        shape (S, *sizes of what the decision knows).
    reach : tuple of ndarray
        For each decision, the probability of each information state in each draw under that
        draw's optimal strategy, shape (S, *sizes of what the decision knows): zero where the
        state cannot occur.
    """

    maximum_expected_utility: np.ndarray
    options: Mapping[str, np.ndarray]
    choices: tuple[np.ndarray, ...]
    reach: tuple[np.ndarray, ...]


def strategy_values(plan: Plan, ops: Parameters, choices: tuple[np.ndarray, ...]
                    ) -> np.ndarray:
    """The expected utility in each draw of a fixed strategy.

    Parameters
    ----------
    plan : Plan
    ops : mapping
        Operands from :meth:`Plan.operands`.
    choices : tuple of ndarray
        For each decision, the chosen state's index in each information state: shared by every
        draw (shape of what the decision knows) or one strategy per draw (a leading axis S).

    Returns
    -------
    ndarray, shape (S,)
    """
    stage = plan.stage_tensor(ops)
    draws = max([stage.shape[0]] + [np.shape(c)[0] for k, c in enumerate(choices)
                                    if np.ndim(c) == len(plan.past(k)) + 1])
    if stage.shape[0] != draws:
        stage = np.broadcast_to(stage, (draws,) + stage.shape[1:])
    return backward_induction(stage, plan.layout, fixed=list(choices),
                              values=False).expected_utility


def draw_reach(plan: Plan, reach: np.ndarray, choices: tuple[np.ndarray, ...]
               ) -> tuple[np.ndarray, ...]:
    """Per draw, the probability of each information state of each decision under a strategy
    given draw by draw (``choices`` with a leading draw axis)."""
    draws = reach.shape[0]
    out = []
    on_path = None
    decisions = plan.diagram.decisions
    for k, d in enumerate(decisions):
        prob = _past_probability(plan, reach, k, per_draw=True)
        if on_path is None:
            on_path = np.ones(prob.shape)
        out.append(prob * on_path)
        if k + 1 < len(decisions):
            choice = np.broadcast_to(choices[k], prob.shape)
            follow = np.zeros(prob.shape + (plan.sizes[d.name],))
            np.put_along_axis(follow, choice[..., None], 1.0, axis=-1)
            nxt = follow * on_path[..., None]
            extra = plan.stages[k + 1]
            nxt = nxt.reshape(nxt.shape + (1,) * len(extra))
            on_path = np.broadcast_to(nxt, nxt.shape[: nxt.ndim - len(extra)]
                                      + tuple(plan.sizes[v] for v in extra))
    return tuple(np.broadcast_to(r, (draws,) + r.shape[1:]) for r in out)


def draw_values(plan: Plan, ops: Parameters) -> DrawValues:
    """Solve every draw of ``ops`` (operands from :meth:`Plan.operands`) on its own numbers."""
    stage = plan.stage_tensor(ops)
    best = backward_induction(stage, plan.layout, per_draw=True, values=False, keep=True)
    options = {}
    for oid, _, _, _, _, masks in plan.options():
        res = backward_induction(stage, plan.layout, masks, per_draw=True, values=False,
                                 resume=best)
        options[oid] = res.expected_utility
    draws = stage.shape[0]
    choices = tuple(np.broadcast_to(c, (draws,) + np.shape(c)[1:]) for c in best.choices)
    reach = draw_reach(plan, plan.reach_tensor(ops), choices)
    return DrawValues(best.expected_utility, options, choices, reach)


def _constrained(masks: list[np.ndarray | None]) -> int:
    """The last decision a mask constrains (-1 for none)."""
    return max((k for k, m in enumerate(masks) if m is not None), default=-1)


def by_utility(plan: Plan, parts: np.ndarray, choices: list[np.ndarray]) -> dict[str, float]:
    """Each utility node's weighted expected contribution to a strategy's expected utility
    (they sum to it), from the stage tensor's parts averaged over draws, stacked on the draw
    axis (one induction values every part: a fixed strategy's value is linear in the stage)."""
    res = backward_induction(parts, plan.layout, fixed=choices, values=False)
    return {u.name: float(v) for u, v in zip(plan.diagram.utilities, res.expected_utility,
                                              strict=True)}


class Extras:
    """What an evaluation computes only when asked: each strategy's contribution of every
    utility node and, for point values, the distribution of its total utility.

    Parameters
    ----------
    plan : Plan
    parts : ndarray
        The stage tensor's part of each utility node, averaged over draws, stacked on the draw
        axis.
    strategies : list
        The choices of every strategy (the optimum first).
    ops : mapping or None
        The operands of a point evaluation; None under parameter uncertainty (no risk
        profile then).
    """

    def __init__(self, plan: Plan, parts: np.ndarray, strategies: list[list[np.ndarray]],
                 ops: Parameters | None) -> None:
        self.plan, self.parts, self.strategies, self.ops = plan, parts, strategies, ops
        self._contributions: list[dict[str, float]] | None = None
        self._profiles: list | None = None
        self._profiled = False

    def layout_choices(self, index: int) -> list[np.ndarray]:
        """Strategy ``index``'s choices over the stage tensor's layout."""
        return list(self.strategies[index])

    def of(self, index: int) -> StrategyExtras:
        """The extras of strategy ``index``."""
        return StrategyExtras(self, index)

    def contributions(self, index: int) -> dict[str, float]:
        """Each utility node's contribution to strategy ``index``."""
        if self._contributions is None:
            self._contributions = [by_utility(self.plan, self.parts, c)
                                   for c in self.strategies]
        return self._contributions[index]

    def profile(self, index: int):  # noqa: ANN201 - a risk.Profile or None
        """The distribution of the total utility under strategy ``index`` (point values)."""
        if not self._profiled:
            from .risk import outcome_distributions

            self._profiled = True
            if self.ops is not None:
                self._profiles = outcome_distributions(self.plan, self.ops, self.strategies)
        return None if self._profiles is None else self._profiles[index]


@dataclass(frozen=True)
class StrategyExtras:
    """The lazily computed extras of one strategy (see :class:`Extras`)."""

    source: Extras
    index: int

    @property
    def by_utility(self) -> dict[str, float]:
        return self.source.contributions(self.index)

    @property
    def utility_sd(self) -> float | None:
        profile = self.source.profile(self.index)
        return None if profile is None else profile.sd

    @property
    def risk_profile(self) -> tuple[tuple[float, float], ...] | None:
        profile = self.source.profile(self.index)
        return None if profile is None else profile.pairs


def _past_probability(plan: Plan, reach: np.ndarray, k: int, per_draw: bool = False
                      ) -> np.ndarray:
    """P(past of decision k | the earlier decisions): averaged over draws, or per draw (with a
    leading draw axis)."""
    mean = reach if per_draw else reach.mean(axis=0)
    lead = 1 if per_draw else 0
    axis = plan.layout.decision_axis(k) - 1  # axes of the past: 0 .. axis-1 (no draw axis)
    rest = tuple(range(axis, mean.ndim - lead))
    later_chance = [i + lead for i in rest
                    if plan.diagram.node(plan.layout_vars[i]).kind == "chance"]
    later_dec = [i + lead for i in rest
                 if plan.diagram.node(plan.layout_vars[i]).kind == "decision"]
    # the later decisions are not summed (the tensor does not vary along them): take their
    # first state before summing the later chance nodes
    index = tuple(slice(0, 1) if i in later_dec else slice(None) for i in range(mean.ndim))
    out = mean[index]
    out = out.sum(axis=tuple(later_chance), keepdims=True) if later_chance else out
    return out.reshape(mean.shape[:axis + lead])


def _strategy(plan: Plan, result: InductionResult, reach: np.ndarray,
              optimal_share: list[np.ndarray] | None) -> tuple[DecisionResult, ...]:
    out = []
    on_path = None  # indicator over the past of decision k of earlier choices being followed
    decisions = plan.diagram.decisions
    for k, d in enumerate(decisions):
        prob = _past_probability(plan, reach, k)
        if k == 0:
            on_path = np.ones(prob.shape)
        choice = result.choices[k]
        rules = ArrayRules(plan, d.name, plan.past(k), prob, prob * on_path, choice,
                           result.values[k], None if optimal_share is None else optimal_share[k])
        out.append(DecisionResult(d.name, plan.past(k), source=rules))
        if k + 1 < len(decisions):
            # extend the on-path indicator to the past of the next decision
            follow = np.zeros(prob.shape + (plan.sizes[d.name],))
            np.put_along_axis(follow, np.asarray(choice)[..., None], 1.0, axis=-1)
            nxt = follow * on_path[..., None]
            extra = plan.stages[k + 1]
            nxt = nxt.reshape(nxt.shape + (1,) * len(extra))
            on_path = np.broadcast_to(nxt, nxt.shape[: nxt.ndim - len(extra)]
                                      + tuple(plan.sizes[v] for v in extra))
    return tuple(out)
