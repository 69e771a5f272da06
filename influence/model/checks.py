"""Graph-level checks of an influence diagram: names, arcs, cycles, the order of decisions,
tables and policies.

:func:`check_structure` runs on every diagram the loader builds and on diagrams built in Python
(:func:`influence.pgmpy_bridge.from_pgmpy`, tests), so a :class:`~influence.diagram.Diagram`
that exists is one the solver can trust. The loader checks most of this earlier, field by field
with line numbers; what only the whole graph shows (cycles, the order of decisions) is found here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

import numpy as np

from ..errors import ModelError
from ..limits import SUM_TOLERANCE
from .diagram import Diagram, Node, RuleRow

__all__ = ["check_structure", "check_policies", "find_cycle", "rules_conflict", "SUM_TOLERANCE",
           "NAME_PATTERN"]


#: What a node name may be: letters, digits, '_' and '-', starting with a letter or '_'.
NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")

_KINDS = ("chance", "decision", "utility")


def find_cycle(parents: Mapping[str, tuple[str, ...]]) -> list[str] | None:
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


def rules_conflict(a: RuleRow, b: RuleRow) -> bool:
    """Whether two rule rows of one decision cover a common information state (they agree on
    every variable both name) and choose differently there."""
    overlap = all(a.given.get(k, v) == v for k, v in b.given.items())
    return overlap and a.choose != b.choose


def _path(diagram: Diagram, start: str, goal: str) -> list[str]:
    """A directed path start -> ... -> goal (which must exist)."""
    prev: dict[str, str | None] = {start: None}
    queue = [start]
    while queue:
        cur = queue.pop(0)
        if cur == goal:
            break
        for child in diagram.children[cur]:
            if child not in prev:
                prev[child] = cur
                queue.append(child)
    out = [goal]
    while prev[out[-1]] is not None:
        out.append(prev[out[-1]])
    return out[::-1]


def check_structure(diagram: Diagram, lines: Mapping[str, int | None] | None = None) -> None:
    """Check names, states, arcs, acyclicity, decision order, tables and policies.

    Parameters
    ----------
    diagram : Diagram
        The diagram to check.
    lines : mapping, optional
        Line of each node in its file, for messages.

    Raises
    ------
    ModelError
        Naming the file, the node and the field at fault.
    """
    lines = lines or {}
    file = diagram.file
    seen: set[str] = set()
    for n in diagram.nodes:
        _check_node(diagram, n, lines.get(n.name) if isinstance(n.name, str) else None)
        if n.name in seen:
            raise ModelError(f"expected each node name once, got '{n.name}' twice", file=file,
                             node=n.name, field="nodes", line=lines.get(n.name))
        seen.add(n.name)
    if not diagram.utilities:
        raise ModelError("expected at least one utility node, got none", file=file, field="nodes")
    for node in diagram.nodes:
        _check_arcs(diagram, node, lines.get(node.name))
        _check_table(diagram, node, lines.get(node.name))

    cycle = find_cycle({n.name: n.parents for n in diagram.nodes})
    if cycle:
        field = "observes" if diagram.node(cycle[0]).kind == "decision" else "parents"
        raise ModelError(
            f"expected a directed acyclic graph, got the cycle {' -> '.join(cycle)}",
            file=file, node=cycle[0], field=field, line=lines.get(cycle[0]))
    for d in diagram.decisions:
        _check_observed_before(diagram, d, lines.get(d.name))

    decisions = [d.name for d in diagram.decisions]
    for i, d in enumerate(decisions):
        ancestors = diagram.ancestors(d)
        for later in decisions[i + 1:]:
            if later in ancestors:
                path = _path(diagram, later, d)
                raise ModelError(
                    f"expected '{d}' to be taken before '{later}' (it is listed first), got the "
                    f"path {' -> '.join(path)}, which makes '{later}' come before it; reorder "
                    "the decisions or remove an arc",
                    file=file, node=d, field="observes", line=lines.get(d))
    check_policies(diagram)


def _check_node(diagram: Diagram, node: Node, line: int | None) -> None:
    """The node's own name, kind, states and weight."""
    file = diagram.file
    if not isinstance(node.name, str) or not NAME_PATTERN.match(node.name):
        raise ModelError(
            "expected a node name of letters, digits, '_' or '-' (starting with a letter or "
            f"'_'), got {node.name!r}", file=file, node=str(node.name), field="nodes", line=line)
    if node.kind not in _KINDS:
        raise ModelError(f"expected `type` to be chance, decision or utility, got {node.kind!r}",
                         file=file, node=node.name, field="type", line=line)
    if node.kind == "utility":
        if node.states:
            raise ModelError(f"expected no states on a utility node, got {list(node.states)}",
                             file=file, node=node.name, field="states", line=line)
        if not math.isfinite(node.weight):
            raise ModelError(f"expected a finite weight, got {node.weight}", file=file,
                             node=node.name, field="weight", line=line)
        return
    if not node.states:
        raise ModelError("expected at least one state, got none", file=file, node=node.name,
                         field="states", line=line)
    for s in node.states:
        if not isinstance(s, str) or not s.strip():
            raise ModelError(f"expected state names (text), got {s!r}", file=file,
                             node=node.name, field="states", line=line)
    if len(set(node.states)) != len(node.states):
        twice = next(s for s in node.states if node.states.count(s) > 1)
        raise ModelError(f"expected each state once, got {twice!r} twice", file=file,
                         node=node.name, field="states", line=line)


def _check_arcs(diagram: Diagram, node: Node, line: int | None) -> None:
    file = diagram.file
    field = "observes" if node.kind == "decision" else "parents"
    for p in node.parents:
        if p not in diagram:
            raise ModelError(f"expected nodes of the model, got unknown node {p!r}", file=file,
                             node=node.name, field=field, line=line)
        if p == node.name:
            raise ModelError(f"expected other nodes, got '{p}' itself", file=file,
                             node=node.name, field=field, line=line)
        if node.parents.count(p) > 1:
            raise ModelError(f"expected each node once, got {p!r} twice", file=file,
                             node=node.name, field=field, line=line)
        if diagram.node(p).kind == "utility":
            raise ModelError(
                f"expected chance or decision nodes, got utility node {p!r}: utility nodes "
                "cannot have children", file=file, node=node.name, field=field, line=line)


def _check_observed_before(diagram: Diagram, decision: Node, line: int | None) -> None:
    position = {n: i for i, n in enumerate(diagram.names)}
    for p in decision.parents:
        if position[p] > position[decision.name]:
            raise ModelError(
                f"expected nodes listed before '{decision.name}' (nodes are in temporal "
                f"order), got {p!r}, which comes after it",
                file=diagram.file, node=decision.name, field="observes", line=line)


def _check_table(diagram: Diagram, node: Node, line: int | None) -> None:
    name = node.name
    file = diagram.file
    if node.kind == "decision":
        if node.table is not None:
            raise ModelError(f"expected no table on a decision, got one of shape "
                             f"{node.table.shape}", file=file, node=name, line=line)
        return
    shape = tuple(len(diagram.node(p).states) for p in node.parents)
    if node.kind == "chance":
        shape = shape + (len(node.states),)
        field = "cpt" if node.parents else "p"
    else:
        field = "values" if node.parents else "value"
    if node.table is None or node.table.shape != shape:
        got = "no table" if node.table is None else f"shape {node.table.shape}"
        raise ModelError(f"expected a table of shape {shape} (parents {', '.join(node.parents)}"
                         f"{' then states' if node.kind == 'chance' else ''}), got {got}",
                         file=file, node=name, field=field, line=line)
    if not np.all(np.isfinite(node.table)):
        raise ModelError("expected finite numbers in the table, got NaN or infinity",
                         file=file, node=name, field=field, line=line)
    if node.kind == "chance":
        if np.any(node.table < 0):
            raise ModelError(f"expected probabilities >= 0, got {node.table.min():.10g}",
                             file=file, node=name, field=field, line=line)
        sums = node.table.sum(axis=-1)
        if np.any(np.abs(sums - 1.0) > SUM_TOLERANCE):
            raise ModelError(
                f"expected each row to sum to 1, got sums from {sums.min():.10g} to "
                f"{sums.max():.10g}", file=file, node=name, field=field, line=line)


def check_policies(diagram: Diagram) -> None:
    """Check the named policies: each chooses for decisions, states of them, and rule rows
    whose `given` names only what the decision knows (under perfect recall) and that agree
    where they overlap.

    Raises
    ------
    ModelError
        With field 'policies' and the decision as the node.
    """
    file = diagram.file
    decisions = {d.name: d for d in diagram.decisions}
    ids: set[str] = set()
    for policy in diagram.policies:
        where = f"policy '{policy.id}'"
        if policy.id in ids:
            raise ModelError(f"expected each policy id once, got {policy.id!r} twice",
                             file=file, field="policies")
        ids.add(policy.id)
        for dname, rows in policy.rules.items():
            if dname not in decisions:
                raise ModelError(f"{where}: expected to choose for decisions "
                                 f"({', '.join(decisions)}), got {dname!r}", file=file,
                                 node=str(dname), field="policies")
            d = decisions[dname]
            knows = diagram.information_set(dname)
            if not rows:
                raise ModelError(f"{where}: expected a non-empty list of rule rows, got none",
                                 file=file, node=dname, field="policies")
            for i, row in enumerate(rows):
                _check_rule_row(diagram, d, knows, row, f"{where}, rule row {i + 1}")
                for j, other in enumerate(rows[:i]):
                    if rules_conflict(other, row):
                        raise ModelError(
                            f"{where}, rule row {i + 1}: expected rule rows that agree where "
                            f"they overlap, got {row.choose!r} where rule row {j + 1} chooses "
                            f"{other.choose!r}", file=file, node=dname, field="policies")


def _check_rule_row(diagram: Diagram, d: Node, knows: tuple[str, ...], row: RuleRow,
                    where: str) -> None:
    file = diagram.file
    if row.choose not in d.states:
        raise ModelError(f"{where}: expected to choose a state of '{d.name}' "
                         f"({', '.join(d.states)}), got {row.choose!r}", file=file,
                         node=d.name, field="policies")
    for var, state in row.given.items():
        if var not in knows:
            raise ModelError(f"{where}: expected `given` to name what '{d.name}' knows when it "
                             f"is taken ({', '.join(knows) or 'nothing'}), got {var!r}",
                             file=file, node=d.name, field="policies")
        states = diagram.node(var).states
        if state not in states:
            raise ModelError(f"{where}: expected a state of '{var}' ({', '.join(states)}) in "
                             f"`given`, got {var}={state!r}", file=file, node=d.name,
                             field="policies")
