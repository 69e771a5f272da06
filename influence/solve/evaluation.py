"""Evaluating a compiled plan: the optimal strategy, every option, and per-draw values.

:func:`evaluate_chunks` produces an :class:`~influence.solve.results.Evaluation` from batches of
numbers (one batch of one draw for point values); :func:`draw_values` solves each draw of a
batch on its own numbers, without building result objects (what sensitivity sweeps and
value-of-information questions need).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from .kernels import InductionResult, backward_induction
from .results import ArrayRules, DecisionResult, Evaluation, OptionResult, summarize_draws
from .tables import Parameters

if TYPE_CHECKING:  # pragma: no cover
    from .plan import Plan

__all__ = ["evaluate_chunks", "draw_values", "strategy_values", "DrawValues"]


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


@dataclass
class _Means:
    """Pass 1: the stage tensor, its part per utility node and the reach tensor averaged over
    every draw (and, when there is only one chunk, that chunk's stage tensor, so that pass 2
    need not recompute it)."""

    stage: np.ndarray
    parts: list[np.ndarray]
    reach: np.ndarray
    draws: int
    single: tuple[np.ndarray, ...] | None
    exponential: np.ndarray | None = None


def _mean_tensors(plan: Plan, chunks: Callable[[], Iterator[Parameters]]) -> _Means:
    stage_sum = reach_sum = exp_sum = None
    part_sums: list[np.ndarray] = []
    draws = 0
    single = None
    for i, chunk in enumerate(chunks()):
        stage, parts = plan.stage_terms(chunk)
        reach = plan.reach_tensor(chunk)
        if plan.exponential is not None:
            exp = plan.exponential.stage(chunk).sum(axis=0)
            exp_sum = exp if exp_sum is None else exp_sum + exp
        single = (stage,) if i == 0 else None
        if stage_sum is None:
            stage_sum, reach_sum = stage.sum(axis=0), reach.sum(axis=0)
            part_sums = [part.sum(axis=0) for part in parts]
        else:
            stage_sum = stage_sum + stage.sum(axis=0)
            reach_sum = reach_sum + reach.sum(axis=0)
            part_sums = [a + part.sum(axis=0) for a, part in zip(part_sums, parts, strict=True)]
        draws += stage.shape[0]
    return _Means((stage_sum / draws)[None], [(s / draws)[None] for s in part_sums],
                  (reach_sum / draws)[None], draws, single,
                  None if exp_sum is None else (exp_sum / draws)[None])


def by_utility(plan: Plan, parts: np.ndarray, choices: list[np.ndarray]) -> dict[str, float]:
    """Each utility node's weighted expected contribution to a strategy's expected utility
    (they sum to it), from the stage tensor's parts averaged over draws, stacked on the draw
    axis (one induction values every part: a fixed strategy's value is linear in the stage)."""
    res = backward_induction(parts, plan.layout, fixed=choices, values=False)
    return {u.name: float(v) for u, v in zip(plan.diagram.utilities, res.expected_utility,
                                              strict=True)}


def evaluate_chunks(plan: Plan, chunks: Callable[[], Iterator[Parameters]], *,
                    uncertainty: str | None = None,
                    policy_ids: tuple[str, ...] | None = None) -> Evaluation:
    """Evaluate every policy, alternative and the Bayes strategy over chunks of operands.

    Parameters
    ----------
    plan : Plan
        The compiled diagram.
    chunks : callable
        Returns a fresh iterator over operand batches; called at most twice (the mean stage
        tensor fixes the Bayes strategies, then each strategy is valued draw by draw).
    uncertainty : str, optional
        What the draws stand for; None for point values.
    policy_ids : tuple of str, optional
        Only these named policies (default: all).
    """
    means = _mean_tensors(plan, chunks)
    draws = means.draws
    # What the strategies maximise: the expected utility, or with a risk tolerance the
    # expected exponential utility -E[exp(-U/R)] (up to a positive factor).
    criterion = means.stage if means.exponential is None else -means.exponential
    # The Bayes strategies: the optimum, each alternative forced, each policy. Decisions after
    # the last one a mask constrains are played as in the optimum: those stages are reused.
    best = backward_induction(criterion, plan.layout, keep=True)
    strategies: list[tuple[OptionResult | None, InductionResult, int]] = [(None, best, -1)]
    for oid, label, kind, dname, state, masks in plan.options(policy_ids):
        res = backward_induction(criterion, plan.layout, masks, resume=best)
        option = OptionResult(id=oid, label=label, kind=kind, decision=dname, state=state)
        strategies.append((option, res, _constrained(masks)))
    equivalents: list[float | None] = [None] * len(strategies)
    shown = best
    if plan.exponential is not None:
        equivalents = [plan.exponential.certainty_equivalent(float(res.expected_utility[0]))
                       for _, res, _ in strategies]
        # The rules show conditional expected utilities of the risk-averse strategy.
        shown = backward_induction(means.stage, plan.layout, fixed=best.choices)

    share = None
    evpi = None
    if draws == 1:
        eus = [res.expected_utility if plan.exponential is None else
               backward_induction(means.stage, plan.layout, fixed=res.choices,
                                  values=False).expected_utility
               for _, res, _ in strategies]
    else:
        stages = (means.single if means.single is not None
                  else (plan.stage_tensor(c) for c in chunks()))
        eus, optimum, share = _value_draws(plan, stages, strategies, best, draws)
        if plan.exponential is None:
            evpi = float(optimum.mean() - eus[0].mean())
    extras = Extras(plan, np.concatenate(means.parts, axis=0),
                    [res.choices for _, res, _ in strategies],
                    next(iter(chunks())) if draws == 1 else None)
    strategy = _strategy(plan, shown, means.reach, share)
    options = [replace(opt, draws=eu, extras=extras.of(i), certainty_equivalent=ce)
               for i, ((opt, _, _), eu, ce) in enumerate(zip(strategies, eus, equivalents,
                                                             strict=True))
               if opt is not None]
    alternatives: dict[str, dict[str, float]] = {}
    for o in options:
        if o.kind == "alternative":
            alternatives.setdefault(o.decision, {})[o.state] = float(o.draws.mean())
    meu_draws = eus[0]
    return Evaluation(
        model=plan.diagram.name, title=plan.diagram.title, units=plan.diagram.units,
        given=dict(plan.given), maximum_expected_utility=float(meu_draws.mean()),
        meu_draws=meu_draws if draws > 1 else None, optimal_strategy=strategy,
        alternatives=alternatives, options=tuple(summarize_draws(options)),
        draws=draws if uncertainty else None, uncertainty=uncertainty, evpi_parameters=evpi,
        extras=extras.of(0), risk_tolerance=plan.risk_tolerance,
        maximum_certainty_equivalent=equivalents[0],
    )


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


def _value_draws(plan: Plan, stages: Iterator[np.ndarray] | tuple[np.ndarray, ...],
                 strategies: list[tuple[OptionResult | None, InductionResult, int]],
                 best: InductionResult, draws: int
                 ) -> tuple[list[np.ndarray], np.ndarray, list[np.ndarray]]:
    """Pass 2: each Bayes strategy's expected utility draw by draw, the per-draw optimum, and
    the share of draws in which each Bayes choice is optimal."""
    parts: list[list[np.ndarray]] = [[] for _ in strategies]
    optimum: list[np.ndarray] = []
    hits_sum: list[np.ndarray] | None = None
    for stage in stages:
        base = backward_induction(stage, plan.layout, fixed=best.choices, values=False,
                                  keep=True)
        for out, (_, res, last) in zip(parts, strategies, strict=True):
            if last < 0:
                out.append(base.expected_utility)
                continue
            fixed = [c if k <= last else None for k, c in enumerate(res.choices)]
            out.append(backward_induction(stage, plan.layout, fixed=fixed, values=False,
                                          resume=base).expected_utility)
        own = backward_induction(stage, plan.layout, per_draw=True, values=False)
        optimum.append(own.expected_utility)
        hits = [(c == np.asarray(b)[None]).sum(axis=0)
                for c, b in zip(own.choices, best.choices, strict=True)]
        hits_sum = hits if hits_sum is None else [a + h for a, h in
                                                  zip(hits_sum, hits, strict=True)]
    eus = [np.concatenate(p) for p in parts]
    share = [s / draws for s in hits_sum] if hits_sum is not None else None
    return eus, np.concatenate(optimum), share


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
    out = mean.sum(axis=tuple(later_chance), keepdims=True) if later_chance else mean
    index = tuple(0 if i in later_dec else slice(None) for i in range(out.ndim))
    return out[index].reshape(mean.shape[:axis + lead])


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
