"""Solving by single policy updating over potentials: the solver of point values and of
limited-memory diagrams.

Each decision ``d`` chooses on what it *needs* to know (its requisite information, see
:mod:`influence.solve.requisite`), not on everything it knows. Decisions are updated one at a
time in an exact order, the last first (Lauritzen and Nilsson 2001): with the rules of the
decisions updated before it in the pool as probability factors and the others not yet in it
(each of their choices counted once), decision ``d``'s rule is, for each configuration ``r`` of
what it needs to know, the option of largest

``Q_d(r, option) = sum over everything else of prod phi * sum psi``

Variables that no decision still to be updated needs are eliminated as soon as they may be
(:mod:`influence.solve.elimination`), so each update only touches the factors connected to
``d`` through variables ``d`` does not know; the factors linked to it only through ``r`` scale
``Q_d(r, .)`` by a positive number and leave the choice unchanged. When every rule is in the
pool the last eliminations leave the expected utility.

A :class:`Program` is this sequence planned on scopes, once per structure; :func:`run` runs it
on numbers with a leading draw axis, each draw choosing for itself (``per_draw``) or all of them
one strategy (one draw). Masks restrict the options of a decision (named policies,
alternatives); a run can resume from the state a previous run reached before the first decision
a mask constrains.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .elimination import Factor, Planner, Step, _union, expand, run_steps, subscripts
from .kernels import _choose

__all__ = ["Program", "Update", "Solution", "run", "one_hot"]


@dataclass(frozen=True)
class Update:
    """Planned update of one decision.

    Attributes
    ----------
    decision : str
    knows : tuple of str
        What its rule is over (its requisite information, in the diagram's order).
    before : list of Step
        Eliminations run before the update.
    component : tuple of int
        Slots of the factors the update contracts.
    scopes : tuple of Factor
        Their kinds and scopes.
    output : tuple of str
        ``knows`` and the decision, those the component mentions.
    slot : int
        Where the decision's rule goes in the pool.
    """

    decision: str
    knows: tuple[str, ...]
    before: tuple[Step, ...]
    component: tuple[int, ...]
    scopes: tuple[Factor, ...]
    output: tuple[str, ...]
    slot: int
    p_slots: tuple[int, ...] = ()
    u_slots: tuple[int, ...] = ()
    u_scopes: tuple[tuple[str, ...], ...] = ()
    u_scope: tuple[str, ...] = ()
    p_scopes: tuple[tuple[str, ...], ...] = ()

    @classmethod
    def planned(cls, decision: str, knows: tuple[str, ...], before: tuple[Step, ...],
                component: tuple[int, ...], scopes: tuple[Factor, ...], output: tuple[str, ...],
                slot: int) -> Update:
        """An update with the einsum of its query worked out."""
        p = [(s, f.scope) for s, f in zip(component, scopes, strict=True) if f.kind == "p"]
        u = [(s, f.scope) for s, f in zip(component, scopes, strict=True) if f.kind == "u"]
        u_scope = _union_of(sc for _, sc in u)
        return cls(decision, knows, before, component, scopes, output, slot,
                   tuple(s for s, _ in p), tuple(s for s, _ in u), tuple(sc for _, sc in u),
                   u_scope, tuple(sc for _, sc in p))


@dataclass(frozen=True)
class Program:
    """A solve planned on scopes: the initial factors, one update per decision in the order
    of updating, then the last eliminations.

    Attributes
    ----------
    inputs : tuple of (int, str, str)
        ``(slot, kind, node)``: each initial factor and where its numbers come from
        ("table" of a chance node, "utility" of a utility node, "evidence" of a scenario
        node).
    updates : tuple of Update
    final : tuple of Step
    result : tuple of int
        Slots left at the end (scalars): probability factors (the scenario's probability)
        and utility factors (their sum is the expected utility).
    sizes : mapping
    largest : int
        Entries per draw of the largest array the program makes.
    """

    inputs: tuple[tuple[int, str, str], ...]
    updates: tuple[Update, ...]
    final: tuple[Step, ...]
    result: tuple[tuple[int, str], ...]
    sizes: Mapping[str, int]
    largest: int
    created: int = 0
    position: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def build(cls, chance: Sequence[tuple[str, tuple[str, ...]]],
              utilities: Sequence[tuple[str, tuple[str, ...]]], evidence: Sequence[str],
              order: Sequence[str], knows: Mapping[str, tuple[str, ...]],
              sizes: Mapping[str, int]) -> Program:
        """Plan the solve.

        Parameters
        ----------
        chance : sequence of (name, parents)
            The chance nodes that matter, with their parents.
        utilities : sequence of (name, parents)
        evidence : sequence of str
            Scenario nodes (one indicator factor each).
        order : sequence of str
            The decisions in the order of updating (an exact order: the last taken first for
            perfect recall).
        knows : mapping
            Decision -> what its rule is over.
        sizes : mapping
            States of every chance node and decision.
        """
        planner = Planner(sizes)
        inputs = []
        for name, parents in chance:
            inputs.append((planner.add("p", (*parents, name)), "table", name))
        for g in evidence:
            inputs.append((planner.add("p", (g,)), "evidence", g))
        for name, parents in utilities:
            inputs.append((planner.add("u", parents), "utility", name))
        updates = []
        last: dict[str, int] = {}  # the last update that needs each variable
        for i, e in enumerate(order):
            for v in (*knows[e], e):
                last[v] = i
        by_update: dict[int, list[str]] = {}
        for v in planner.variables():
            by_update.setdefault(last.get(v, -1) + 1, []).append(v)
        for v, i in last.items():
            if v not in planner.variables():
                by_update.setdefault(i + 1, []).append(v)
        for i, d in enumerate(order):
            before = planner.eliminate_all(
                [v for v in by_update.get(i, ()) if v in planner._index])
            family = set(knows[d]) | {d}
            component = _component(planner, d, family)
            scopes = tuple(planner.slots[s] for s in component)
            mentioned = set().union(*(f.scope for f in scopes)) if scopes else set()
            output = tuple(v for v in (*knows[d], d) if v in mentioned)
            slot = planner.add("p", (*knows[d], d))
            updates.append(Update.planned(d, tuple(knows[d]), tuple(before), component, scopes,
                                          output, slot))
        final = planner.eliminate_all(planner.variables())
        del by_update
        result = tuple((s, f.kind) for s, f in planner.slots.items())
        return cls(tuple(inputs), tuple(updates), tuple(final), result, dict(sizes),
                   planner.largest, planner.created,
                   {u.decision: i for i, u in enumerate(updates)})


def _component(planner: Planner, decision: str, family: set[str]) -> tuple[int, ...]:
    """The factors connected to ``decision`` through variables outside its family."""
    slots = planner.slots
    found = [s for s, f in slots.items() if decision in f.scope]
    seen = set(found)
    frontier = list(found)
    while frontier:
        s = frontier.pop()
        for v in slots[s].scope:
            if v in family:
                continue
            for t, f in slots.items():
                if t not in seen and v in f.scope:
                    seen.add(t)
                    frontier.append(t)
    return tuple(sorted(seen))


def _union_of(scopes: object) -> tuple[str, ...]:
    return _union(scopes)  # type: ignore[arg-type]


def one_hot(choice: np.ndarray, options: int) -> np.ndarray:
    """The indicator of ``choice`` (draw axis first) over ``options``, as a factor."""
    return np.eye(options)[np.asarray(choice)]


@dataclass
class Solution:
    """What a run of a program gives.

    Attributes
    ----------
    expected_utility : ndarray, shape (S,)
        Conditional on the scenario.
    evidence : ndarray, shape (S,)
        The scenario's probability (ones without one).
    choices : dict
        Decision -> index of the chosen option for each configuration of what its rule is
        over, shape (S or 1, *sizes).
    states : list
        The pool before each update (to resume from).
    iterations : int
        Passes of updates made (one in an exact order).
    """

    expected_utility: np.ndarray
    evidence: np.ndarray
    choices: dict[str, np.ndarray]
    states: list[dict[int, np.ndarray]]
    iterations: int = 1


def initial_pool(program: Program, arrays: Mapping[str, np.ndarray],
                 evidence: Mapping[str, np.ndarray]) -> dict[int, np.ndarray]:
    """The program's initial factors filled with numbers."""
    pool = {}
    for slot, kind, node in program.inputs:
        pool[slot] = evidence[node] if kind == "evidence" else arrays[node]
    return pool


def run(program: Program, pool: dict[int, np.ndarray], *,
        masks: Mapping[str, np.ndarray | None] | None = None,
        fixed: Mapping[str, np.ndarray] | None = None, per_draw: bool = True,
        resume: Solution | None = None, keep: bool = False) -> Solution:
    """Run ``program`` on numbers.

    Parameters
    ----------
    program : Program
    pool : dict
        The initial factors (from :func:`initial_pool`); not modified.
    masks : mapping, optional
        Decision -> boolean array over (what its rule is over, its options): the options
        allowed; with a leading draw axis, one set of masks per draw (several options solved
        side by side on the same numbers).
    fixed : mapping, optional
        Decision -> choices given in advance (as in :attr:`Solution.choices`).
    per_draw : bool
        Each draw chooses on its own numbers (with one draw, the same thing as sharing).
    resume : Solution, optional
        A run of the same program on the same numbers made with ``keep=True`` and no mask or
        fixed choice on the decisions updated before the first one constrained here.
    keep : bool
        Keep the pool before each update in :attr:`Solution.states`.
    """
    masks = dict(masks or {})
    fixed = dict(fixed or {})
    constrained = [i for i, u in enumerate(program.updates)
                   if masks.get(u.decision) is not None or u.decision in fixed]
    if resume is not None and resume.states and not constrained and not keep:
        return resume
    choices: dict[str, np.ndarray] = {}
    states: list[dict[int, np.ndarray]] = []
    start = 0
    if resume is not None and resume.states and constrained:
        start = min(constrained)
        for u in program.updates[:start]:
            choices[u.decision] = resume.choices[u.decision]
        states = list(resume.states[:start]) if keep else []
        pool = dict(resume.states[start])
    else:
        pool = dict(pool)
    for i in range(start, len(program.updates)):
        u = program.updates[i]
        if i > start or resume is None or not resume.states or not constrained:
            run_steps(u.before, pool)
        if keep:
            states.append(dict(pool))
        choice = fixed.get(u.decision)
        if choice is None:
            choice = _decide(program, u, pool, masks.get(u.decision), per_draw)
        choices[u.decision] = np.asarray(choice)
        pool[u.slot] = one_hot(np.asarray(choice), program.sizes[u.decision])
    run_steps(program.final, pool)
    return _finish(program, pool, choices, states)


def _decide(program: Program, u: Update, pool: Mapping[int, np.ndarray],
            mask: np.ndarray | None, per_draw: bool) -> np.ndarray:
    """The update of one decision: the best allowed option in each configuration."""
    q = _values(program, u, pool)
    if not per_draw and q.shape[0] > 1:
        raise ValueError("one strategy for several draws needs the stage-tensor solver")
    return _choose(q, with_draws(mask, q.ndim))


def _values(program: Program, u: Update, pool: Mapping[int, np.ndarray]) -> np.ndarray:
    """``Q_d`` of an update over (draws, what the rule is over, the options): the
    probability-weighted expected utility of each option."""
    full = (*u.knows, u.decision)
    shape = tuple(program.sizes[v] for v in full)
    if not u.u_slots:  # no utility depends on it: every option ties
        q = np.zeros((1,) + shape)
    else:
        total = None
        for s, scope in zip(u.u_slots, u.u_scopes, strict=True):
            e = expand(pool[s], scope, u.u_scope)
            total = e if total is None else total + e
        num = np.einsum(subscripts((*u.p_scopes, u.u_scope), u.output),
                        *[pool[s] for s in u.p_slots], total)
        q = num if u.output == full else expand(num, u.output, full)
        q = np.broadcast_to(q, (q.shape[0],) + shape)
    return q


def with_draws(mask: np.ndarray | None, ndim: int) -> np.ndarray | None:
    """A mask with its draw axis (added when it has none)."""
    if mask is None or mask.ndim == ndim:
        return mask
    return mask[None]


def _finish(program: Program, pool: Mapping[int, np.ndarray], choices: dict[str, np.ndarray],
            states: list) -> Solution:
    draws = max([a.shape[0] for a in pool.values()] + [1])
    evidence = np.ones(draws)
    total = np.zeros(draws)
    for slot, kind in program.result:
        value = np.asarray(pool[slot]).reshape(-1)
        if kind == "p":
            evidence = evidence * value
        else:
            total = total + value
    return Solution(total, evidence, choices, states)
