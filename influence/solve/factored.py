"""A plan's solver over potentials: requisite information, the order of updating, the
programs of the optimum and of each named policy, and exact queries.

:class:`Factored` is built once per plan (lazily). It reduces what each decision knows to its
requisite part (:mod:`influence.solve.requisite`), finds an exact order of updating, and plans
the solve (:class:`~influence.solve.policies.Program`). :meth:`Factored.query` contracts any
set of the diagram's factors with a strategy to any set of variables (planned once per set of
scopes): what the lazy parts of a report need (the probability of every information state, the
conditional expected utilities of every option, each utility node's contribution).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from ..model.diagram import Policy
from .elimination import Factor, Planner, Step, combine, expand, run_steps
from .policies import Program, Solution, initial_pool, one_hot, run
from .requisite import Graph, exact_order, requisite_sets

if TYPE_CHECKING:  # pragma: no cover
    from .plan import Plan
    from .tables import Parameters

__all__ = ["Factored", "rule_mask", "SELECTOR"]

#: The variable whose states are the utility nodes (see :meth:`Factored.by_utility`).
SELECTOR = "\0utility"


def rule_mask(plan: Plan, decision: str, scope: tuple[str, ...],
              rows: Sequence[tuple[Mapping[str, str], str]]) -> np.ndarray:
    """Boolean mask over (``scope``, the decision's options) of the options a policy's rule
    rows allow (rows for another scenario are skipped; states no row covers allow all)."""
    d = plan.diagram.node(decision)
    mask = np.ones(tuple(plan.sizes[v] for v in scope) + (plan.sizes[decision],), dtype=bool)
    for given, choose in rows:
        if any(v not in scope and v in plan.given and plan.given[v] != s
               for v, s in given.items()):
            continue
        index = tuple(plan.diagram.node(v).states.index(given[v]) if v in given
                      else slice(None) for v in scope)
        sub = np.zeros(plan.sizes[decision], dtype=bool)
        sub[d.states.index(choose)] = True
        mask[index] = sub
    return mask


def _graph(diagram: Any, varying: Iterable[str] | None) -> Graph:
    """The diagram's arcs; with ``varying``, a parent common to those nodes stands for the
    parameters their draws share (the draws of one strategy are an unknown it cannot see)."""
    names = diagram.names
    kinds = {n.name: n.kind for n in diagram.nodes}
    parents = {n.name: n.parents for n in diagram.nodes}
    if varying is not None:
        theta = "\0parameters"
        names = (theta, *names)
        kinds[theta] = "chance"
        parents[theta] = ()
        for v in varying:
            parents[v] = (theta, *parents[v])
    return Graph(names, kinds, parents)


class Factored:
    """The potentials solver of a plan.

    Parameters
    ----------
    plan : Plan
    pinned : mapping, optional
        Decision -> variables its rule must stay over (what a named policy's rules mention).
    varying : iterable of str, optional
        For one strategy shared by parameter draws: the nodes whose tables vary across the
        draws. Rules are then over everything each decision knows, and the order of updating
        is exact only if it is so with those nodes sharing an unknown parent.

    Attributes
    ----------
    knows : dict
        Decision -> what it knows (perfect recall: the plan's past; limited memory: what it
        observes or remembers).
    info : dict
        Decision -> what its rule is over: the requisite part of ``knows`` (and ``pinned``).
    order : tuple of str or None
        An exact order of updating, or None when there is none (the diagram is not soluble).
    """

    def __init__(self, plan: Plan, pinned: Mapping[str, Iterable[str]] | None = None, *,
                 varying: Iterable[str] | None = None) -> None:
        self.plan = plan
        diagram = plan.diagram
        self.decisions = tuple(d.name for d in diagram.decisions)
        self.knows = {d: plan.knows(k) for k, d in enumerate(self.decisions)}
        self.graph = _graph(diagram, varying)
        if varying is None:
            self.info = requisite_sets(self.graph, self.decisions, self.knows,
                                       given=plan.given, pinned=pinned)
        else:  # one strategy for draws that share unknown parameters: no reduction
            self.info = dict(self.knows)
        self.order = exact_order(self.graph, self.decisions, self.info, given=plan.given)
        #: Whether one pass of updates is optimal (an exact order exists: the diagram, reduced
        #: to requisite information, is soluble); otherwise passes repeat until no rule
        #: changes, which reaches a local optimum.
        self.exact = self.order is not None
        self.update_order = self.order or tuple(reversed(self.decisions))
        targets = set(plan.given) | {p for u in diagram.utilities for p in u.parents}
        for known in self.info.values():
            targets.update(known)
        relevant = plan._relevant(targets)
        self.chance = tuple((n.name, n.parents) for n in diagram.nodes if n.name in relevant)
        self.utilities = tuple((u.name, u.parents) for u in diagram.utilities)
        #: Sizes of the variables of queries: the plan's, and :data:`SELECTOR`'s.
        self.sizes = {**plan.sizes, SELECTOR: max(len(self.utilities), 1)}
        self.every_chance = tuple((n.name, n.parents) for n in diagram.chance_nodes)
        self.evidence = tuple(g for g in plan.given if g in relevant)
        self._queries: dict[tuple, tuple[tuple[Step, ...], tuple[int, ...], int]] = {}
        self._variants: dict[int, tuple[Policy, Factored]] = {}

    @cached_property
    def program(self) -> Program:
        """The planned solve: one pass of updates (in an exact order when there is one)."""
        return Program.build(self.chance, self.utilities, self.evidence, self.update_order,
                             self.info, self.plan.sizes)

    # -- numbers ------------------------------------------------------------------------------
    def pool(self, ops: Parameters) -> dict[int, np.ndarray] | None:
        """The program's initial factors filled with ``ops`` (None without an exact order:
        the solve then repeats passes of queries)."""
        if not self.exact:
            return None
        return initial_pool(self.program, ops, self.plan._evidence_vectors())

    def solve(self, ops: Parameters, *, masks: Mapping[str, np.ndarray | None] | None = None,
              resume: Solution | None = None, keep: bool = False,
              pool: dict[int, np.ndarray] | None = None) -> Solution:
        """Solve on ``ops`` (each draw on its own numbers): one pass of updates, repeated until
        no rule changes when the diagram is not soluble."""
        if not self.exact:
            from .limited import iterate

            return iterate(self, ops, masks or {})
        return run(self.program, self.pool(ops) if pool is None else pool, masks=masks,
                   resume=resume, keep=keep)

    def masks(self, policy: Policy | None = None, force: tuple[str, str] | None = None
              ) -> dict[str, np.ndarray]:
        """The masks of a policy or of one decision forced to a state, over :attr:`info`."""
        out = {}
        for d in self.decisions:
            rows: list = []
            if policy is not None and d in policy.rules:
                rows = [(dict(r.given), r.choose) for r in policy.rules[d]]
            if force is not None and force[0] == d:
                rows = [({}, force[1])]
            if rows:
                out[d] = rule_mask(self.plan, d, self.info[d], rows)
        return out

    def for_policy(self, policy: Policy) -> Factored:
        """The solver whose rules are over what ``policy``'s rules mention too (itself when
        they mention nothing beyond the requisite information)."""
        hit = self._variants.get(id(policy))
        if hit is not None and hit[0] is policy:
            return hit[1]
        pinned = {d: {v for r in rows for v in r.given if v in self.knows[d]}
                  for d, rows in policy.rules.items()}
        needs = any(v not in self.info[d] for d, vs in pinned.items() for v in vs)
        variant = Factored(self.plan, pinned) if needs else self
        self._variants[id(policy)] = (policy, variant)
        return variant

    # -- queries ------------------------------------------------------------------------------
    def specs(self, output: Iterable[str], *, decisions: Iterable[str] | None = None,
              utilities: Iterable[str] | None = None) -> list[tuple[Factor, str, str]]:
        """The factors that matter for a query over ``output``, as ``(factor, kind, name)``
        with kind "table", "evidence", "rule" or "utility": the tables of the chance nodes it
        depends on, the rules of ``decisions`` (all by default) and the utility nodes
        ``utilities`` (all by default). Only ancestors of ``output``, of the scenario and of
        those utility nodes enter (through the rules' own arcs too)."""
        diagram = self.plan.diagram
        keep = None if utilities is None else set(utilities)
        used = [(name, parents) for name, parents in self.utilities
                if keep is None or name in keep]
        targets = set(output) | set(self.plan.given)
        for _, parents in used:
            targets.update(parents)
        wanted = set(self.decisions if decisions is None else decisions)
        ancestors = set(targets) | set(diagram.ancestors(tuple(targets))) if targets else set()
        stack = [d for d in self.decisions if d in ancestors and d in wanted]
        done: set[str] = set()
        while stack:
            d = stack.pop()
            if d in done:
                continue
            done.add(d)
            for v in self.info[d]:
                if v not in ancestors:
                    above = diagram.ancestors(v) | {v}
                    ancestors |= above
                    stack.extend(e for e in self.decisions if e in above and e in wanted)
        out = [(Factor("p", (*parents, name)), "table", name)
               for name, parents in self.every_chance if name in ancestors]
        out += [(Factor("p", (g,)), "evidence", g) for g in self.plan.given if g in ancestors]
        out += [(Factor("p", (*self.info[d], d)), "rule", d) for d in self.decisions
                if d in wanted and d in ancestors]
        out += [(Factor("u", parents), "utility", name) for name, parents in used]
        return out

    def factors(self, ops: Parameters, choices: Mapping[str, np.ndarray],
                output: Iterable[str], *, decisions: Iterable[str] | None = None,
                utilities: Iterable[str] | None = None) -> list[tuple[Factor, np.ndarray]]:
        """:meth:`specs` filled with numbers: the rules from ``choices``."""
        evidence = self.plan._evidence_vectors()
        out = []
        for factor, kind, name in self.specs(output, decisions=decisions, utilities=utilities):
            if kind == "rule":
                array = one_hot(np.asarray(choices[name]), self.plan.sizes[name])
            elif kind == "evidence":
                array = evidence[name]
            else:
                array = ops[name]
            out.append((factor, array))
        return out

    def planned(self, factors: Sequence[Factor], output: tuple[str, ...]
                ) -> tuple[tuple[Step, ...], tuple[int, ...], int]:
        """The eliminations of a query (planned once per set of scopes), the slots left, and
        the entries per draw of its largest array."""
        key = (tuple(factors), output)
        hit = self._queries.get(key)
        if hit is None:
            planner = Planner(self.sizes)
            for f in factors:
                planner.add(f.kind, f.scope)
            steps = tuple(planner.eliminate_all(planner.variables() - set(output)))
            largest = max(planner.largest, planner.entries(output))
            hit = (steps, tuple(planner.slots), largest)
            self._queries[key] = hit
        return hit

    def by_utility(self, ops: Parameters, choices: Mapping[str, np.ndarray]) -> np.ndarray:
        """Each utility node's expected contribution under a strategy (``choices``, draw axis
        first), shape (S, utility nodes), from one query: each utility table enters over
        :data:`SELECTOR` too, nonzero at its own node only, and the selector is the query's
        output. The eliminations, planned once, are shared by every utility node (expected
        utility being linear in the utility tables, each selector state carries one node's
        part); a chance node only some utility nodes depend on sums to one for the others."""
        names = [name for name, _ in self.utilities]
        factors = []
        for (factor, array), (_, kind, name) in zip(self.factors(ops, choices, ()),
                                                    self.specs(()), strict=True):
            if kind == "utility":
                k = names.index(name)
                wide = np.zeros((array.shape[0], len(names)) + array.shape[1:])
                wide[:, k] = array
                factor, array = Factor("u", (SELECTOR, *factor.scope)), wide
            factors.append((factor, array))
        phi, num = self.query(factors, (SELECTOR,))
        return num / phi

    def update_size(self) -> int:
        """Entries per draw of the largest array one update of repeated passes makes (the
        solve of a diagram that is not soluble)."""
        out = 1
        for d in self.decisions:
            output = (*self.info[d], d)
            specs = self.specs(output, decisions=[e for e in self.decisions if e != d])
            out = max(out, self.planned([f for f, _, _ in specs], output)[2])
        return out

    def query(self, factors: Sequence[tuple[Factor, np.ndarray]], output: tuple[str, ...]
              ) -> tuple[np.ndarray, np.ndarray | None]:
        """``(phi, num)`` over ``output``: the summed product of the probability factors, and
        that product times the sum of the utility factors (None without any), draw axis
        first; variables of ``output`` no factor mentions are broadcast."""
        steps, left, _ = self.planned([f for f, _ in factors], output)
        draws = max([np.shape(a)[0] for _, a in factors] + [1])
        last = draws > 1  # many draws: the innermost loops run over them
        if last:
            pool = {i: np.ascontiguousarray(np.moveaxis(a, 0, -1)) for i, (_, a) in
                    enumerate(factors)}
        else:
            pool = {i: a for i, (_, a) in enumerate(factors)}
        run_steps(steps, pool, last)
        remaining = [(Factor(*_kind_scope(steps, factors, s)), pool[s]) for s in left]
        mentioned = set().union(*(f.scope for f, _ in remaining)) if remaining else set()
        present = tuple(v for v in output if v in mentioned)
        phi, num = combine(remaining, present, last) if remaining else (None, None)
        shape = tuple(self.sizes[v] for v in output)

        def full(a: np.ndarray | None) -> np.ndarray:
            if a is None:
                return np.ones((1,) + shape)
            if last:
                a = np.moveaxis(a, -1, 0)
            e = expand(np.asarray(a), present, output)
            return np.broadcast_to(e, (e.shape[0],) + shape)

        return full(phi), None if num is None else full(num)


def _kind_scope(steps: Sequence[Step], factors: Sequence[tuple[Factor, np.ndarray]],
                slot: int) -> tuple[str, tuple[str, ...]]:
    """The kind and scope of ``slot`` after ``steps`` (an input or a step's output)."""
    for step in reversed(steps):
        if step.p_out == slot:
            return "p", step.p_scope_out
        if step.u_out == slot:
            return "u", step.u_scope_out
    f = factors[slot][0]
    return f.kind, f.scope
