"""Graph-level checks of an influence diagram: arcs, cycles, the order of decisions, tables.

:func:`check_structure` runs on every diagram the loader builds and on diagrams built in Python
(:func:`influence.pgmpy_bridge.from_pgmpy`, tests), so a :class:`~influence.diagram.Diagram`
that exists is one the solver can trust.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .diagram import Diagram
from .errors import ModelError

__all__ = ["check_structure", "find_cycle"]


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
    """Check arcs, acyclicity, decision order and table shapes.

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
    names = set(diagram.names)
    if len(names) != len(diagram.nodes):
        seen: set[str] = set()
        for n in diagram.nodes:
            if n.name in seen:
                raise ModelError("duplicate node name", file=file, node=n.name)
            seen.add(n.name)
    if not diagram.utilities:
        raise ModelError("expected at least one utility node, got none", file=file, field="nodes")
    position = {n: i for i, n in enumerate(diagram.names)}
    for node in diagram.nodes:
        field = "observes" if node.kind == "decision" else "parents"
        for p in node.parents:
            if p not in names:
                raise ModelError(f"unknown node {p!r}", file=file, node=node.name, field=field,
                                 line=lines.get(node.name))
            if diagram.node(p).kind == "utility":
                raise ModelError(
                    f"utility node {p!r} cannot have children, but it is listed here",
                    file=file, node=node.name, field=field, line=lines.get(node.name))
            if node.kind == "decision" and position[p] > position[node.name]:
                raise ModelError(
                    f"a decision may observe only nodes listed before it, but {p!r} comes after",
                    file=file, node=node.name, field=field, line=lines.get(node.name))
        _check_table(diagram, node.name, lines.get(node.name))

    cycle = find_cycle({n.name: n.parents for n in diagram.nodes})
    if cycle:
        raise ModelError(
            f"the arcs form a cycle: {' -> '.join(cycle)}; expected a directed acyclic graph",
            file=file, node=cycle[0], field="parents", line=lines.get(cycle[0]))

    decisions = [d.name for d in diagram.decisions]
    for i, d in enumerate(decisions):
        ancestors = diagram.ancestors(d)
        for later in decisions[i + 1:]:
            if later in ancestors:
                path = _path(diagram, later, d)
                raise ModelError(
                    f"'{later}' is listed (taken) after '{d}', but the path "
                    f"{' -> '.join(path)} makes it come before '{d}'; reorder the decisions or "
                    "remove an arc",
                    file=file, node=d, field="observes", line=lines.get(d))


def _check_table(diagram: Diagram, name: str, line: int | None) -> None:
    node = diagram.node(name)
    file = diagram.file
    if node.kind == "decision":
        if node.table is not None:
            raise ModelError("a decision has no table", file=file, node=name, line=line)
        if not node.states:
            raise ModelError("expected at least one state", file=file, node=name,
                             field="states", line=line)
        return
    shape = tuple(len(diagram.node(p).states) for p in node.parents)
    if node.kind == "chance":
        if not node.states:
            raise ModelError("expected at least one state", file=file, node=name,
                             field="states", line=line)
        shape = shape + (len(node.states),)
    if node.table is None or node.table.shape != shape:
        got = None if node.table is None else node.table.shape
        raise ModelError(f"expected a table of shape {shape}, got {got}", file=file, node=name,
                         line=line)
    if not np.all(np.isfinite(node.table)):
        raise ModelError("expected finite numbers in the table, got NaN or infinity",
                         file=file, node=name, line=line)
    if node.kind == "chance":
        if np.any(node.table < 0):
            raise ModelError("expected probabilities >= 0", file=file, node=name, field="cpt",
                             line=line)
        sums = node.table.sum(axis=-1)
        if np.any(np.abs(sums - 1.0) > 1e-6):
            raise ModelError(
                f"expected each row to sum to 1, got sums from {sums.min():.10g} to "
                f"{sums.max():.10g}", file=file, node=name, field="cpt", line=line)
