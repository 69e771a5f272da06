"""Validation of nodes, rule rows, policies and whole diagrams, run by their constructors.

:class:`~influence.model.diagram.Node` checks itself (:func:`check_node`: name, kind, states,
parents, weight, table), :class:`~influence.model.diagram.RuleRow` and
:class:`~influence.model.diagram.Policy` check themselves (:func:`check_rule_row`,
:func:`check_policy`: types, a rule row for each decision named), and
:class:`~influence.model.diagram.Diagram` checks what only the whole graph shows
(:func:`check_diagram`: unknown parents, utility nodes with children, table shapes, cycles, the
order of decisions, the policies against the decisions and overlapping rule rows that disagree).
So a diagram that exists is valid, however it was built: by the loader, the pgmpy bridge,
``dataclasses.replace`` or by hand.

The checks of single fields are those of :mod:`influence.model.checks`; every fault is a
:class:`~influence.errors.ModelError` naming the node and the field, with the path of the fault
in the model-file layout so that the loader can add its line. Everything here runs in time
linear in the size of the diagram.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence, Sized
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ModelError
from ..limits import SUM_TOLERANCE
from ..messages import describe, suggest
from .bounds import check_prior_bounds, check_utility_bound, check_weight
from .checks import (
    check_kind,
    check_name,
    check_parents,
    check_states,
    fault,
    listed,
    number,
    probability_table,
    relocate,
)
from .parameter_checks import check_computed_fields, check_parameters
from .policy_checks import (
    check_policies,
    check_policy,
    check_rule_row,
    first_conflict,
    rules_conflict,
)
from .priors import Prior

if TYPE_CHECKING:  # pragma: no cover
    from .diagram import Diagram, Node

__all__ = [
    "check_node",
    "check_rule_row",
    "check_policy",
    "check_diagram",
    "check_arcs",
    "check_policies",
    "table_field",
    "find_cycle",
    "topological_order",
    "rules_conflict",
    "first_conflict",
]


def table_field(kind: str, parents: Sequence[str]) -> str:
    """The field a node's table is written in: `p` or `cpt` (chance), `value` or `values`
    (utility); ``table`` for a decision, which has none."""
    if kind == "chance":
        return "cpt" if parents else "p"
    if kind == "utility":
        return "values" if parents else "value"
    return "table"


def _layout(kind: str, parents: Sequence[str]) -> str:
    if kind == "chance":
        return f"parents {', '.join(parents)} then states" if parents else "states"
    return f"parents {', '.join(parents)}" if parents else "a single number"


# -- nodes -------------------------------------------------------------------------------------


def check_node(node: Node) -> dict[str, Any]:
    """Check what a node says about itself.

    Returns
    -------
    dict
        The normalised fields: ``states`` and ``parents`` as tuples, ``weight`` as a float,
        ``table`` as a read-only float array (probability rows divided by their sums where
        they need it), ``row_sources`` and ``priors`` as read-only mappings.

    Raises
    ------
    ModelError
        Naming the node and the field.
    """
    name = check_name(node.name)
    kind = check_kind(node.kind, node=name)
    if kind == "utility":
        given = node.states
        if given is not None and (isinstance(given, str) or not isinstance(given, Sized)
                                  or len(given)):
            raise fault(f"expected no states on a utility node, got {describe(given)}",
                        node=name, field="states", path=("nodes", name, "states"))
        states: tuple[str, ...] = ()
    else:
        states = check_states(node.states, node=name)
    field = "observes" if kind == "decision" else "parents"
    parents = check_parents(node.parents, node=name, field=field)
    remembers = check_parents(node.remembers, node=name, field="remembers")
    if remembers and kind != "decision":
        raise fault(f"expected `remembers` only on decisions, got it on a {kind} node",
                    node=name, field="remembers", path=("nodes", name, "remembers"))
    both = [r for r in remembers if r in parents]
    if both:
        raise fault(f"expected nodes it does not observe, got {both[0]!r}, which it observes",
                    node=name, field="remembers", path=("nodes", name, "remembers"))
    for key in ("label", "description", "source", "unit"):
        value = getattr(node, key)
        if value is not None and not isinstance(value, str):
            raise fault(f"expected text, got {describe(value)}", node=name, field=key,
                        path=("nodes", name, key))
    if kind == "utility" and node.weight_expression is None:
        weight = check_weight(node.weight, node=name)
    else:  # a weight computed from parameters may be 0 (a value judgment's end)
        weight = number(node.weight, node=name, field="weight", path=("nodes", name, "weight"))
    computed = check_computed_fields(node, name, kind)
    table = None if computed and node.table is None else \
        _check_table(node.table, name, kind, states, parents)
    keyed = {key: _check_keyed(getattr(node, key), key, name, kind, states, parents)
             for key in ("row_sources", "priors")}
    return dict(states=states, parents=parents, weight=weight, table=table,
                remembers=remembers, expressions=MappingProxyType(dict(node.expressions)),
                **keyed)


def _check_table(table: Any, name: str, kind: str, states: tuple[str, ...],
                 parents: tuple[str, ...]) -> np.ndarray | None:
    field = table_field(kind, parents)
    loc = dict(node=name, field=field, path=("nodes", name, field))
    if kind == "decision":
        if table is not None:
            raise fault(f"expected no table on a decision, got one of shape {np.shape(table)}",
                        **loc)
        return None
    known = None if parents else ((len(states),) if kind == "chance" else ())
    if table is None:
        shape = f"of shape {known} " if known is not None else ""
        raise fault(f"expected a table {shape}({_layout(kind, parents)}), got no table", **loc)
    try:
        array = np.array(table, dtype=float)
    except (TypeError, ValueError):
        raise fault(f"expected a table of numbers, got {describe(table)}", **loc) from None
    if known is not None and array.shape != known:
        raise fault(f"expected a table of shape {known} ({_layout(kind, parents)}), got shape "
                    f"{array.shape}", **loc)
    if kind == "chance" and (array.ndim == 0 or array.shape[-1] != len(states)):
        raise fault(f"expected a table whose last axis is over the {len(states)} states "
                    f"({listed(states)}), got shape {array.shape}", **loc)
    if not np.all(np.isfinite(array)):
        raise fault("expected finite numbers in the table, got NaN or infinity", **loc)
    if kind == "chance":
        array = probability_table(array, states, **loc)
    array.setflags(write=False)
    return array


def _check_rest(prior: Any, row: tuple[str, ...], parents: tuple[str, ...],
                loc: dict[str, Any]) -> None:
    """The shares ``rest`` of a Beta prior's other states: one per state, none on its own
    state, summing to 1."""
    rest = np.asarray(prior.rest, dtype=float)
    at = f"the prior of row {listed([f'{p}={s}' for p, s in zip(parents, row, strict=True)])}: " \
        if parents else ""
    if rest.shape != (len(prior.states),) or not np.all(np.isfinite(rest)) or \
            np.any(rest < 0) or rest[prior.state] != 0:
        raise fault(f"{at}expected `rest` to give each state other than "
                    f"{prior.state_name!r} a share >= 0 (and {prior.state_name!r} none), got "
                    f"{[float(x) for x in np.ravel(rest)]}", **loc)
    total = float(rest.sum())
    if abs(total - 1.0) > SUM_TOLERANCE:
        raise fault(f"{at}expected the shares `rest` of the states other than "
                    f"{prior.state_name!r} summing to 1, got a sum of {total:.10g}", **loc)


def _check_keyed(mapping: Any, key: str, name: str, kind: str, states: tuple[str, ...],
                 parents: tuple[str, ...]) -> Mapping:
    """``row_sources`` or ``priors``: keyed by tuples of parent states."""
    loc = dict(node=name, field=key, path=("nodes", name))
    if not isinstance(mapping, Mapping):
        what = "texts" if key == "row_sources" else "priors"
        raise fault(f"expected a mapping from tuples of parent states to {what}, got "
                    f"{describe(mapping)}", **loc)
    target = {"chance": "probability", "utility": "utility"}.get(kind)
    for row, value in mapping.items():
        if type(row) is not tuple or len(row) != len(parents) or \
                not all(type(s) is str for s in row):
            raise fault(f"expected keys that are tuples of one state per parent "
                        f"({listed(parents)}), got {row!r}", **loc)
        if key == "row_sources":
            if type(value) is not str:
                raise fault(f"expected text, got {describe(value)}", **loc)
        elif not isinstance(value, Prior) or value.target != target:
            on = {"probability": "a probability row", "utility": "a utility value"}.get(
                target, f"a {kind} node, which takes none")
            raise fault(f"expected priors on {on}, got {describe(value)}", **loc)
        elif target == "probability" and value.states != states:
            raise fault(f"expected a prior over the states of '{name}' ({listed(states)}), got "
                        f"one over {listed(value.states)}", **loc)
        else:
            if getattr(value, "rest", None) is not None:
                _check_rest(value, row, parents, loc)
            check_prior_bounds(value, node=name,
                               field=table_field(kind, parents) if parents else "prior")
    return MappingProxyType(dict(mapping))


# -- the whole diagram -------------------------------------------------------------------------


def check_diagram(diagram: Diagram) -> None:
    """Check what only the whole diagram shows: unique names, a utility node, known parents
    that are not utility nodes, a decision observing only earlier nodes, table shapes, no
    cycle, decisions in an order the arcs allow, and the policies.

    Raises
    ------
    ModelError
        Naming the diagram's file, the node and the field.
    """
    try:
        _check_diagram(diagram)
    except ModelError as exc:
        raise relocate(exc, file=diagram.file) from None


def _check_diagram(diagram: Diagram) -> None:
    from .diagram import Node

    _check_header(diagram)
    by_name: dict[str, Node] = {}
    for node in diagram.nodes:
        if not isinstance(node, Node):
            raise fault(f"expected Node objects in `nodes`, got {describe(node)}", field="nodes",
                        path=("nodes",))
        if node.name in by_name:
            raise fault(f"expected each node name once, got '{node.name}' twice", node=node.name,
                        field="nodes", path=("nodes", node.name))
        by_name[node.name] = node
    if not any(n.kind == "utility" for n in diagram.nodes):
        raise fault("expected at least one utility node, got none", field="nodes",
                    path=("nodes",))
    kinds = {n: node.kind for n, node in by_name.items()}
    _check_recall(diagram)
    for node in diagram.nodes:
        check_arcs(node.name, node.kind, node.parents, kinds)
        if node.remembers:
            check_arcs(node.name, node.kind, node.remembers, kinds, field="remembers")
        _check_shape(node, by_name)
    parents = {n: node.parents + node.remembers for n, node in by_name.items()}
    topo = topological_order(parents)
    if topo is None:
        cycle = find_cycle(parents) or []
        field = "observes" if kinds[cycle[0]] == "decision" else "parents"
        raise fault(f"expected a directed acyclic graph, got the cycle {' -> '.join(cycle)}",
                    node=cycle[0], field=field, path=("nodes", cycle[0], field))
    order = {n: i for i, n in enumerate(by_name)}
    for node in diagram.decisions:
        check_arcs(node.name, node.kind, node.parents, kinds, order)
        check_arcs(node.name, node.kind, node.remembers, kinds, order, field="remembers")
    _check_decision_order(by_name, topo)
    check_parameters(diagram)
    check_utility_bound(diagram)
    check_policies(diagram)


def _check_header(diagram: Diagram) -> None:
    if not isinstance(diagram.name, str) or not diagram.name.strip():
        raise fault(f"expected `name` to be the model's id (text), got {describe(diagram.name)}",
                    field="name", path=("name",))
    for key in ("title", "description", "units", "file"):
        value = getattr(diagram, key)
        if value is not None and not isinstance(value, str):
            raise fault(f"expected `{key}` to be text, got {describe(value)}", field=key,
                        path=(key,))
    for source in diagram.sources:
        if not isinstance(source, str):
            raise fault(f"expected `source` to be text, got {describe(source)}", field="source",
                        path=("source",))


def check_arcs(name: str, kind: str, parents: Sequence[str], kinds: Mapping[str, str],
               order: Mapping[str, int] | None = None, field: str | None = None) -> None:
    """The arcs into node ``name``: its parents (or, for a decision, what it observes or
    remembers: ``field``) are nodes of the model (``kinds``: name -> kind), not utility nodes;
    with ``order`` (name -> position in the file), a decision observes only nodes listed before
    it."""
    field = field or ("observes" if kind == "decision" else "parents")
    for i, p in enumerate(parents):
        loc = dict(node=name, field=field, path=("nodes", name, field, i))
        if p not in kinds:
            raise fault(f"expected nodes of the model, got unknown node {p!r}{suggest(p, kinds)}",
                        **loc)
        if kinds[p] == "utility":
            raise fault(f"expected chance or decision nodes, got utility node {p!r}: utility "
                        "nodes cannot have children (they are summed, not conditioned on)", **loc)
        if kind == "decision" and order is not None and order[p] > order[name]:
            raise fault(f"expected nodes listed before '{name}' (nodes are in temporal order), "
                        f"got {p!r}, which comes after it", **loc)


def _check_recall(diagram: Diagram) -> None:
    """``recall`` is "perfect" or "limited"; `remembers` needs limited recall."""
    if diagram.recall not in ("perfect", "limited"):
        raise fault(f"expected `recall` to be perfect or limited, got {describe(diagram.recall)}",
                    field="recall", path=("recall",))
    if diagram.recall == "perfect":
        for node in diagram.nodes:
            if node.remembers:
                raise fault("expected `remembers` only with `recall: limited` (under perfect "
                            "recall a decision remembers everything earlier), got it",
                            node=node.name, field="remembers",
                            path=("nodes", node.name, "remembers"))


def _check_shape(node: Node, by_name: Mapping[str, Node]) -> None:
    """The table's shape against the parents' numbers of states, and the keys of its row
    sources and priors against their states."""
    if node.kind == "decision":
        return
    shape = tuple(len(by_name[p].states) for p in node.parents)
    if node.kind == "chance":
        shape += (len(node.states),)
    field = table_field(node.kind, node.parents)
    if node.table.shape != shape:
        raise fault(f"expected a table of shape {shape} ({_layout(node.kind, node.parents)}), "
                    f"got shape {node.table.shape}", node=node.name, field=field,
                    path=("nodes", node.name, field))
    spaces = [by_name[p].state_index for p in node.parents]
    for key in ("row_sources", "priors"):
        for row in getattr(node, key):
            for p, states, s in zip(node.parents, spaces, row, strict=True):
                if s not in states:
                    raise fault(f"expected keys of states of the parents, got {row!r}: "
                                f"{s!r} is not a state of '{p}' ({listed(states)})",
                                node=node.name, field=key, path=("nodes", node.name))


def topological_order(parents: Mapping[str, Sequence[str]]) -> list[str] | None:
    """The nodes of the graph given by ``parents`` with every node after its parents (ties in
    the order of ``parents``), or None if the graph has a cycle."""
    waiting = {n: len(ps) for n, ps in parents.items()}
    children: dict[str, list[str]] = {n: [] for n in parents}
    for n, ps in parents.items():
        for p in ps:
            children[p].append(n)
    ready = deque(n for n, k in waiting.items() if k == 0)
    out = []
    while ready:
        n = ready.popleft()
        out.append(n)
        for c in children[n]:
            waiting[c] -= 1
            if waiting[c] == 0:
                ready.append(c)
    return out if len(out) == len(parents) else None


def find_cycle(parents: Mapping[str, Sequence[str]]) -> list[str] | None:
    """A directed cycle in the graph given by ``parents`` (as a list of nodes, first == last,
    following arcs parent -> child), or None if the graph is acyclic."""
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(parents, white)
    children: dict[str, list[str]] = {n: [] for n in parents}
    for n, ps in parents.items():
        for p in ps:
            children.setdefault(p, []).append(n)
    for start in parents:
        if colour[start] != white:
            continue
        stack = [(start, iter(children[start]))]
        path = [start]
        colour[start] = grey
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                colour[node] = black
                stack.pop()
                path.pop()
                continue
            if colour.get(nxt, white) == grey:
                return path[path.index(nxt):] + [nxt]
            if colour.get(nxt, white) == white:
                colour[nxt] = grey
                stack.append((nxt, iter(children.get(nxt, []))))
                path.append(nxt)
    return None


def _check_decision_order(by_name: Mapping[str, Node], topo: Sequence[str]) -> None:
    """No decision is an ancestor of an earlier one. One pass in topological order finds, for
    every node, the latest decision among it and its ancestors."""
    decisions = [n for n, node in by_name.items() if node.kind == "decision"]
    rank = {d: i for i, d in enumerate(decisions)}
    latest: dict[str, int] = {}
    for n in topo:
        before = max((latest[p] for p in by_name[n].parents), default=-1)
        latest[n] = max(before, rank.get(n, -1))
    for i, d in enumerate(decisions):
        if max((latest[p] for p in by_name[d].parents), default=-1) <= i:
            continue
        ancestors = _reach(d, lambda n: by_name[n].parents)
        later = next(x for x in decisions[i + 1:] if x in ancestors)
        children: dict[str, list[str]] = {n: [] for n in by_name}
        for n, node in by_name.items():
            for p in node.parents:
                children[p].append(n)
        path = _path(children, later, d)
        raise fault(f"expected '{d}' to be taken before '{later}' (it is listed first), got the "
                    f"path {' -> '.join(path)}, which makes '{later}' come before it; reorder "
                    "the decisions or remove an arc", node=d, field="observes",
                    path=("nodes", d, "observes"))


def _reach(start: str, step: Any) -> set[str]:
    seen: set[str] = set()
    stack = list(step(start))
    while stack:
        cur = stack.pop()
        if cur not in seen:
            seen.add(cur)
            stack.extend(step(cur))
    return seen


def _path(children: Mapping[str, Sequence[str]], start: str, goal: str) -> list[str]:
    """A directed path start -> ... -> goal (which must exist), found breadth first."""
    prev: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        cur = queue.popleft()
        if cur == goal:
            break
        for child in children[cur]:
            if child not in prev:
                prev[child] = cur
                queue.append(child)
    out = [goal]
    while prev[out[-1]] is not None:
        out.append(prev[out[-1]])
    return out[::-1]
