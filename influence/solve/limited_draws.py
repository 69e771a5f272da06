"""Limited-memory diagrams under parameter draws: the Bayes strategy, every option, each draw
solved on its own numbers, and a fixed strategy valued draw by draw.

The Bayes strategy is one for every draw: single policy updating on the expected utility
averaged over the draws (:func:`influence.solve.limited.bayes_strategy`), each decision's rule
over everything it knows (the draws share unknown parameters, so what one draw's numbers call
irrelevant may not be). It is exact when the diagram is soluble with the varying nodes sharing
an unknown parent; otherwise passes repeat until no rule changes (a local optimum, as the
evaluation's ``solution`` says). Each draw's own optimum (for the expected value of perfect
information and the share of draws in which each rule is optimal) is solved as a point value,
on the requisite information.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING

import numpy as np

from ..limits import MEMORY_BUDGET
from .evaluation import DrawValues
from .factored import Factored
from .limited import bayes_strategy, strategy_value
from .point import broadcast_choice
from .results import ArrayRules, DecisionResult, Evaluation, OptionResult, summarize_draws

if TYPE_CHECKING:  # pragma: no cover
    from .plan import Plan
    from .tables import Parameters

__all__ = ["evaluate_limited", "draw_values_limited", "strategy_values_limited",
           "optimum_limited", "reach_limited"]


def _kept(chunks: Callable[[], Iterator[Parameters]]) -> Callable[[], Iterator[Parameters]]:
    """``chunks``, served from memory when all of them fit the memory budget."""
    kept: list[Parameters] = []
    size = 0
    for chunk in chunks():
        size += sum(np.asarray(a).nbytes for a in chunk.values())
        if size > MEMORY_BUDGET:
            return chunks
        kept.append(chunk)
    return lambda: iter(kept)


def _varying(chunk: Mapping[str, np.ndarray]) -> list[str]:
    return [n for n, a in chunk.items() if np.shape(a)[0] > 1]


def _masks(f: Factored, spec: tuple) -> dict[str, np.ndarray]:
    _, _, kind, dname, state, policy = spec
    return f.masks(force=(dname, state)) if kind == "alternative" else f.masks(policy=policy)


def _conditional(a: np.ndarray, pe: np.ndarray) -> np.ndarray:
    return a / pe.reshape((-1,) + (1,) * (a.ndim - 1))


class _Sums:
    """Per decision, sums over draws of the arrays its rules are made of."""

    def __init__(self, shared: Factored, choices: Mapping[str, np.ndarray]) -> None:
        self.f, self.choices = shared, choices
        self.reach: dict[str, np.ndarray] = {}
        self.prob: dict[str, np.ndarray] = {}
        self.values: dict[str, np.ndarray] = {}
        self.hits: dict[str, np.ndarray] = {}

    def add(self, chunk: Parameters, pe: np.ndarray, own: Mapping[str, np.ndarray],
            point: Factored) -> None:
        f = self.f
        for d in f.decisions:
            knows = f.knows[d]
            others = [e for e in f.decisions if e != d]
            reach, _ = f.query(f.factors(chunk, self.choices, knows, decisions=others,
                                         utilities=()), knows)
            free = [e for e in others if e not in knows]
            prob, values = f.query(f.factors(chunk, self.choices, (*knows, d),
                                             decisions=free), (*knows, d))
            mine = broadcast_choice(f.plan, own[d], point.info[d], knows)
            bayes = broadcast_choice(f.plan, self.choices[d], f.info[d], knows)
            parts = {"reach": _conditional(reach, pe), "prob": _conditional(prob[..., 0], pe),
                     "values": _conditional(values, pe), "hits": (mine == bayes)}
            for name, array in parts.items():
                store = getattr(self, name)
                total = array.sum(axis=0) if array.shape[0] == len(pe) else array[0] * len(pe)
                store[d] = total if d not in store else store[d] + total


def evaluate_limited(plan: Plan, chunks: Callable[[], Iterator[Parameters]], *,
                     uncertainty: str | None = None,
                     policy_ids: tuple[str, ...] | None = None) -> Evaluation:
    """Evaluate a limited-memory diagram over chunks of operands (see the module).

    Every update of the Bayes strategy sums over all draws: the chunks are kept in memory when
    they fit :data:`~influence.limits.MEMORY_BUDGET`, drawn again for each update otherwise.
    """
    chunks = _kept(chunks)
    first = next(iter(chunks()))
    shared = Factored(plan, varying=_varying(first))
    point = plan.factored
    best, passes = bayes_strategy(shared, chunks, {}, shared.exact)
    specs = plan.option_specs(policy_ids)
    strategies = [best] + [bayes_strategy(shared, chunks, _masks(shared, spec), shared.exact)[0]
                           for spec in specs]
    eus: list[list[np.ndarray]] = [[] for _ in strategies]
    optimum: list[np.ndarray] = []
    sums = _Sums(shared, best)
    draws = 0
    for chunk in chunks():
        values = [strategy_value(shared, chunk, s) for s in strategies]
        pe = values[0][1]
        size = max(np.shape(a)[0] for a in chunk.values())
        pe = np.broadcast_to(pe, (size,))
        for out, (v, _) in zip(eus, values, strict=True):
            out.append(np.broadcast_to(v, (size,)))
        own = point.solve(chunk)
        optimum.append(np.broadcast_to(own.expected_utility, (size,)))
        sums.add(chunk, pe, own.choices, point)
        draws += size
    eus_all = [np.concatenate(e) for e in eus]
    options = [OptionResult(id=oid, label=label, kind=kind, decision=dname, state=state,
                            draws=eu)
               for (oid, label, kind, dname, state, _), eu in zip(specs, eus_all[1:],
                                                                  strict=True)]
    decisions = tuple(
        DecisionResult(d, shared.knows[d], requisite=None, source=ArrayRules(
            plan, d, shared.knows[d], sums.prob[d] / draws, sums.reach[d] / draws,
            broadcast_choice(plan, best[d], shared.info[d], shared.knows[d])[0],
            sums.values[d] / draws, sums.hits[d] / draws))
        for d in shared.decisions)
    alternatives: dict[str, dict[str, float]] = {}
    for o in options:
        if o.kind == "alternative":
            alternatives.setdefault(o.decision, {})[o.state] = float(o.draws.mean())
    meu = eus_all[0]
    note = dict(plan.solution_note(passes) or {})
    note.update(soluble=shared.exact, exact=shared.exact)
    d = plan.diagram
    return Evaluation(
        model=d.name, title=d.title, units=d.units, given=dict(plan.given),
        maximum_expected_utility=float(meu.mean()), meu_draws=meu if draws > 1 else None,
        optimal_strategy=decisions, alternatives=alternatives,
        options=tuple(summarize_draws(options)), draws=draws if uncertainty else None,
        uncertainty=uncertainty,
        evpi_parameters=float(np.concatenate(optimum).mean() - meu.mean()) if draws > 1
        else None, solution=note)


def optimum_limited(plan: Plan, ops: Parameters, pool: dict | None = None
                    ) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, ...],
                               tuple[np.ndarray, ...], object]:
    """Each draw of ``ops`` solved on its own numbers: the maximum expected utility
    (conditional on the scenario) and the scenario's probability, shape (S,); per decision the
    choices and the probability of each configuration of what it knows, shape (S, *sizes);
    and the solver's :class:`~influence.solve.policies.Solution`."""
    f = plan.factored
    best = f.solve(ops, keep=True, pool=pool)
    draws = max(np.shape(a)[0] for a in ops.values())
    choices, reach = [], []
    for d in f.decisions:
        knows = f.knows[d]
        choices.append(np.broadcast_to(broadcast_choice(plan, best.choices[d], f.info[d], knows),
                                       (draws,) + tuple(plan.sizes[v] for v in knows)))
        others = [e for e in f.decisions if e != d]
        r, _ = f.query(f.factors(ops, best.choices, knows, decisions=others, utilities=()),
                       knows)
        reach.append(np.broadcast_to(_conditional(r, best.evidence), choices[-1].shape))
    return (np.broadcast_to(best.expected_utility, (draws,)),
            np.broadcast_to(best.evidence, (draws,)), tuple(choices), tuple(reach), best)


def draw_values_limited(plan: Plan, ops: Parameters) -> DrawValues:
    """Each draw of ``ops`` solved on its own numbers (see :class:`DrawValues`); rules over
    what each decision knows."""
    f = plan.factored
    pool = f.pool(ops)
    value, _, choices, reach, best = optimum_limited(plan, ops, pool)
    draws = len(value)
    options = {}
    for spec in plan.option_specs():
        solver = f if spec[2] == "alternative" else f.for_policy(spec[5])
        sol = solver.solve(ops, masks=_masks(solver, spec),
                           resume=best if solver is f else None,
                           pool=pool if solver is f else None)
        options[spec[0]] = np.broadcast_to(sol.expected_utility, (draws,))
    return DrawValues(value, options, choices, reach)


def _ruled(plan: Plan, choices: tuple[np.ndarray, ...]) -> dict[str, np.ndarray]:
    f = plan.unreduced
    ruled = {}
    for d, c in zip(f.decisions, choices, strict=True):
        c = np.asarray(c)
        ruled[d] = c if c.ndim == len(f.knows[d]) + 1 else c[None]
    return ruled


def reach_limited(plan: Plan, ops: Parameters, choices: tuple[np.ndarray, ...]
                  ) -> tuple[np.ndarray, ...]:
    """Per decision, the probability (conditional on the scenario) of each configuration of
    what it knows under a strategy given over what each decision knows (shared by every draw
    or one per draw), shape (S, *sizes)."""
    f = plan.unreduced
    ruled = _ruled(plan, choices)
    _, evidence = strategy_value(f, ops, ruled)
    draws = max([np.shape(a)[0] for a in ops.values()] + [c.shape[0] for c in ruled.values()])
    out = []
    for d in f.decisions:
        knows = f.knows[d]
        others = [e for e in f.decisions if e != d]
        r, _ = f.query(f.factors(ops, ruled, knows, decisions=others, utilities=()), knows)
        r = np.broadcast_to(r, (draws,) + tuple(plan.sizes[v] for v in knows))
        out.append(_conditional(r, np.broadcast_to(evidence, (draws,))))
    return tuple(out)


def strategy_values_limited(plan: Plan, ops: Parameters, choices: tuple[np.ndarray, ...]
                            ) -> np.ndarray:
    """The expected utility in each draw of a strategy given over what each decision knows."""
    f = plan.unreduced
    ruled = _ruled(plan, choices)
    value, _ = strategy_value(f, ops, ruled)
    draws = max([np.shape(a)[0] for a in ops.values()] + [c.shape[0] for c in ruled.values()])
    return np.broadcast_to(value, (draws,)).copy()
