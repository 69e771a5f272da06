"""Evaluating a plan on one set of numbers with the potentials solver.

:func:`evaluate_point` solves the optimum and every alternative and named policy
(:mod:`influence.solve.factored`) and returns an :class:`~influence.solve.results.Evaluation`
whose rules and extras are computed when first asked: the rules of a decision list every
information state of what it knows, its choice being that of its requisite part, with the
probability of the state under the strategy and the conditional expected utility of each option
there (:class:`PointRules`); each strategy's contribution of every utility node and its risk
profile come from :class:`PointExtras`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..errors import QueryError
from .elimination import expand
from .factored import Factored
from .policies import Solution
from .results import DecisionResult, Evaluation, OptionResult, build_rules
from .sidebyside import run_side_by_side

if TYPE_CHECKING:  # pragma: no cover
    from .plan import Plan
    from .tables import Parameters

__all__ = ["evaluate_point", "PointRules", "PointExtras", "broadcast_choice"]


def broadcast_choice(plan: Plan, choice: np.ndarray, scope: tuple[str, ...],
                     target: tuple[str, ...]) -> np.ndarray:
    """A rule over ``scope`` (draw axis first) as a rule over ``target`` (a superset)."""
    e = expand(np.asarray(choice), scope, target)
    return np.broadcast_to(e, (e.shape[0],) + tuple(plan.sizes[v] for v in target))


def _scenario(plan: Plan, evidence: np.ndarray) -> None:
    if plan.given and np.any(evidence <= 0):
        raise QueryError(
            "expected a scenario of positive probability, got `given` "
            + ", ".join(f"{k}={v}" for k, v in plan.given.items())
            + ", which has probability 0 under the model", file=plan.diagram.file,
            node=", ".join(plan.given), field="given", parameter="given")


class PointRules:
    """The rules of one decision under a strategy, computed when first asked."""

    def __init__(self, solver: Factored, ops: Parameters, solution: Solution, decision: str
                 ) -> None:
        self.solver, self.ops, self.solution, self.decision = solver, ops, solution, decision

    def tables(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Over what the decision knows: the probability of each state under the strategy, its
        probability given the earlier choices it records (zero where it cannot occur), the
        chosen option, and the probability-weighted expected utility of each option."""
        f, d = self.solver, self.decision
        plan = f.plan
        knows = f.knows[d]
        choices = self.solution.choices
        pe = self.solution.evidence.reshape((-1,) + (1,) * len(knows))
        others = [e for e in f.decisions if e != d]
        reach, _ = f.query(f.factors(self.ops, choices, knows, decisions=others,
                                     utilities=()), knows)
        free = [e for e in others if e not in knows]
        prob, values = f.query(f.factors(self.ops, choices, (*knows, d), decisions=free),
                               (*knows, d))
        prob = prob[..., 0]
        choice = broadcast_choice(plan, choices[d], f.info[d], knows)
        return reach[0] / pe[0], prob[0] / pe[0], choice[0], values[0] / pe[0, ..., None]

    def rules(self) -> tuple:
        from .memory import check_rules

        check_rules(self.solver.plan, self.decision, self.solver.knows[self.decision])
        reach, prob, choice, values = self.tables()
        plan = self.solver.plan
        return build_rules(plan, self.decision, self.solver.knows[self.decision], prob, reach,
                           choice, values, None)


class PointExtras:
    """Each strategy's contribution of every utility node and, its risk profile, computed when
    first asked (the interface of :class:`~influence.solve.evaluation.Extras`)."""

    def __init__(self, plan: Plan, ops: Parameters,
                 strategies: Sequence[tuple[Factored, Solution]]) -> None:
        self.plan, self.ops, self.strategies = plan, ops, strategies
        self._contributions: list[dict[str, float]] | None = None
        self._profiles: list | None = None
        self._profiled = False

    def of(self, index: int):  # noqa: ANN201 - StrategyExtras
        from .evaluation import StrategyExtras

        return StrategyExtras(self, index)

    def layout_choices(self, index: int) -> list[np.ndarray]:
        """Strategy ``index``'s choices over everything each decision knows under perfect
        recall (the stage tensor's layout, no draw axis), as in
        :attr:`~influence.solve.evaluation.Extras.strategies`."""
        solver, sol = self.strategies[index]
        plan = self.plan
        out = []
        for k, d in enumerate(plan.diagram.decisions):
            past = plan.layout_vars[: plan.layout.decision_axis(k) - 1]
            out.append(broadcast_choice(plan, sol.choices[d.name], solver.info[d.name],
                                        past)[0])
        return out

    def _stacked(self) -> tuple[Factored, dict[str, np.ndarray]]:
        """Every strategy's rules over the widest scope any of them uses, stacked on the draw
        axis (one query values them all)."""
        base = self.strategies[0][0]
        scopes = {}
        for d in base.decisions:
            wide: dict[str, None] = {}
            for solver, _ in self.strategies:
                wide.update(dict.fromkeys(solver.info[d]))
            scopes[d] = tuple(v for v in base.knows[d] if v in wide)
        solver = base if all(scopes[d] == base.info[d] for d in base.decisions) else \
            _Widened(base, scopes)
        choices = {d: np.concatenate([broadcast_choice(self.plan, sol.choices[d], s.info[d],
                                                       scopes[d]) for s, sol in self.strategies])
                   for d in base.decisions}
        return solver, choices

    def contributions(self, index: int) -> dict[str, float]:
        if self._contributions is None:
            solver, choices = self._stacked()
            names = [u.name for u in self.plan.diagram.utilities]
            values = np.broadcast_to(solver.by_utility(self.ops, choices),
                                     (len(self.strategies), len(names)))
            self._contributions = [dict(zip(names, map(float, row), strict=True))
                                   for row in values]
        return self._contributions[index]

    def profile(self, index: int):  # noqa: ANN201 - a risk.Profile or None
        if not self._profiled:
            from .risk import outcome_distributions

            self._profiled = True
            solver, choices = self._stacked()
            scopes = {d: solver.info[d] for d in solver.decisions}
            rows = [[choices[d][i] for d in solver.decisions]
                    for i in range(len(self.strategies))]
            self._profiles = outcome_distributions(self.plan, self.ops, rows, scopes=scopes)
        return None if self._profiles is None else self._profiles[index]


class _Widened(Factored):
    """A solver whose rules are over given scopes (for valuing strategies side by side)."""

    def __init__(self, base: Factored, scopes: dict[str, tuple[str, ...]]) -> None:  # noqa: D107
        self.__dict__.update({k: v for k, v in base.__dict__.items() if k != "program"})
        self.info = scopes
        self._queries = {}


def _stacked_masks(f: Factored, masks: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Masks of several strategies solved side by side: one per draw, all options allowed
    where a strategy leaves a decision free."""
    out = {}
    for d in {d for m in masks for d in m}:
        shape = tuple(f.plan.sizes[v] for v in (*f.info[d], d))
        out[d] = np.stack([m.get(d, np.ones(shape, dtype=bool)) for m in masks])
    return out


def _take(solution: Solution, i: int) -> Solution:
    """Draw ``i`` of a solution of strategies solved side by side."""
    pick = (lambda a: a[i:i + 1] if np.shape(a)[0] > 1 else a)  # noqa: E731
    return Solution(pick(solution.expected_utility), pick(solution.evidence),
                    {d: pick(c) for d, c in solution.choices.items()}, [],
                    solution.iterations)


def _side_by_side(f: Factored, ops: Parameters, options: dict[int, dict[str, np.ndarray]]
                  ) -> tuple[Solution, dict[int, Solution]]:
    """The optimum and the options ``options`` (index -> masks over :attr:`Factored.info`):
    in an exact order, in one pass of updates whose rows are the options that depart from
    the optimum (:mod:`influence.solve.sidebyside`); otherwise (repeated passes) all side by
    side on the draw axis."""
    if not f.exact:
        batch = f.solve(ops, masks=_stacked_masks(f, [{}, *options.values()])
                        if options else None)
        _scenario(f.plan, batch.evidence)
        return _take(batch, 0), {i: _take(batch, j + 1) for j, i in enumerate(options)}
    best, solved = run_side_by_side(f.program, f.pool(ops), list(options.values()))
    _scenario(f.plan, best.evidence)
    return best, dict(zip(options, solved, strict=True))


def evaluate_point(plan: Plan, ops: Parameters, policy_ids: tuple[str, ...] | None = None
                   ) -> Evaluation:
    """Evaluate the optimum, every alternative and every named policy on one set of numbers
    (operands from :meth:`Plan.operands`, one draw) with the potentials solver.

    The optimum and the options whose rules are over the requisite information are solved in
    one run, side by side on the draw axis (each with its own masks); a named policy whose
    rules mention more gets its own run.
    """
    f = plan.factored
    specs = plan.option_specs(policy_ids)
    solvers = [f if kind == "alternative" else f.for_policy(policy)
               for _, _, kind, _, _, policy in specs]
    together = {i: f.masks(force=(specs[i][3], specs[i][4])) if specs[i][2] == "alternative"
                else f.masks(policy=specs[i][5]) for i, g in enumerate(solvers) if g is f}
    best, side = _side_by_side(f, ops, together)
    solved: dict[int, tuple[Factored, Solution]] = {i: (f, sol) for i, sol in side.items()}
    for i, solver in enumerate(solvers):
        if i not in solved:
            solved[i] = (solver, solver.solve(ops, masks=solver.masks(policy=specs[i][5])))
    strategies: list[tuple[Factored, Solution]] = [(f, best)]
    strategies += [solved[i] for i in range(len(specs))]
    extras = PointExtras(plan, ops, strategies)
    options = [OptionResult(id=oid, label=label, kind=kind, decision=dname, state=state,
                            draws=sol.expected_utility.reshape(-1)[:1].copy(),
                            expected_utility=float(sol.expected_utility.reshape(-1)[0]),
                            extras=extras.of(i + 1))
               for i, ((oid, label, kind, dname, state, _), (_, sol)) in
               enumerate(zip(specs, strategies[1:], strict=True))]
    alternatives: dict[str, dict[str, float]] = {}
    for o in options:
        if o.kind == "alternative":
            alternatives.setdefault(o.decision, {})[o.state] = float(o.draws[0])
    decisions = tuple(
        DecisionResult(d, f.knows[d], requisite=f.info[d], source=PointRules(f, ops, best, d))
        for d in f.decisions)
    d = plan.diagram
    return Evaluation(
        model=d.name, title=d.title, units=d.units, given=dict(plan.given),
        maximum_expected_utility=float(best.expected_utility[0]), optimal_strategy=decisions,
        alternatives=alternatives, options=tuple(options), extras=extras.of(0),
        solution=plan.solution_note(best.iterations),
    )
