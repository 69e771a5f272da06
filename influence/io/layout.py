"""A layered (Sugiyama-style) layout of a directed acyclic graph, in pure Python.

:func:`layered_layout` places boxes of given sizes in columns, left to right, so that every arc
points rightwards, and routes each arc through the columns it crosses. It is what
:mod:`influence.io.diagram_figure` draws an influence diagram with when Graphviz is not
installed. The steps are the classic ones:

1. **Layering** by longest path: a node's column is one more than its furthest parent's.
   Extra ordering arcs (``order``: the decisions in the order they are taken) count as arcs
   but are not drawn; a source that is not pinned moves right, next to its first child; the
   ``sink`` nodes (the utility nodes) share the last column.
2. **Dummy nodes** on every column an arc crosses, so that arcs are routed between boxes.
3. **Crossing reduction** by the barycentre heuristic: columns are sorted by the mean
   position of their neighbours in the previous column, then of the next, repeatedly, from
   the file order and from shuffled orders; the order with fewest crossings is kept, then
   adjacent nodes are swapped while that removes crossings.
4. **Coordinates**: each node is pulled towards its neighbours (long arcs most strongly, to
   keep them straight), keeping its column's order and the gaps between boxes; each pull is
   an isotonic regression solved exactly by pooling adjacent violators.

Everything is deterministic: the same graph gives the same layout. Units are whatever the
sizes are given in (points, for the drawings).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

__all__ = ["Layout", "layered_layout", "crossings"]

#: Rounds of downward and upward barycentre sweeps (fewer when they stop helping).
_SWEEPS = 16
#: Orderings the sweeps start from: the file order, then shuffles from a fixed seed (the
#: barycentre heuristic gets stuck; restarts find layouts with half the crossings).
_STARTS = 24
#: Rounds of coordinate relaxation.
_RELAX = 40


@dataclass(frozen=True)
class Layout:
    """Where :func:`layered_layout` put everything.

    Attributes
    ----------
    centres : dict
        Node -> (x, y) of the centre of its box; x grows rightwards, y downwards, both from 0
        at the top left corner of the drawing.
    routes : dict
        Arc (tail, head) -> the points it passes through between its two boxes (one per column
        it crosses; empty for arcs between neighbouring columns).
    columns : list of list of str
        The nodes of each column, top to bottom.
    width, height : float
        The extent of the drawing.
    """

    centres: dict[str, tuple[float, float]]
    routes: dict[tuple[str, str], list[tuple[float, float]]]
    columns: list[list[str]]
    width: float
    height: float


def _layers(nodes: Sequence[str], arcs: Sequence[tuple[str, str]],
            order: Sequence[tuple[str, str]], pinned: set[str], sink: set[str]
            ) -> dict[str, int]:
    """Longest-path columns, with free sources moved right and the sink nodes last."""
    preds: dict[str, list[str]] = {n: [] for n in nodes}
    succs: dict[str, list[str]] = {n: [] for n in nodes}
    for tail, head in (*arcs, *order):
        preds[head].append(tail)
        succs[tail].append(head)
    position = {n: i for i, n in enumerate(nodes)}
    waiting = {n: len(preds[n]) for n in nodes}
    ready = [n for n in nodes if not waiting[n]]
    topo: list[str] = []
    while ready:
        ready.sort(key=position.__getitem__)
        n = ready.pop(0)
        topo.append(n)
        for s in succs[n]:
            waiting[s] -= 1
            if not waiting[s]:
                ready.append(s)
    if len(topo) != len(nodes):
        raise ValueError("the graph has a cycle")
    layer: dict[str, int] = {}
    for n in topo:
        layer[n] = max((layer[p] + 1 for p in preds[n]), default=0)
    for n in reversed(topo):
        if not preds[n] and succs[n] and n not in pinned and n not in sink:
            layer[n] = max(layer[n], min(layer[s] for s in succs[n]) - 1)
    others = [layer[n] for n in nodes if n not in sink]
    last = max(others, default=-1) + 1
    for n in nodes:
        if n in sink:
            layer[n] = max(last, max((layer[p] + 1 for p in preds[n]), default=0))
    return layer


def _count(upper: Mapping[str, int], lower: Mapping[str, int],
           links: Sequence[tuple[str, str]]) -> int:
    """Crossings of the arcs between two neighbouring columns (positions given): the strict
    inversions of the lower ends once the arcs are sorted by (upper end, lower end), counted
    with a Fenwick tree."""
    pairs = sorted((upper[a], lower[b]) for a, b in links)
    size = max((b for _, b in pairs), default=0) + 2
    tree = [0] * (size + 1)
    total = 0
    for seen, (_, b) in enumerate(pairs):
        i, at_most = b + 1, 0
        while i > 0:  # arcs so far whose lower end is <= b
            at_most += tree[i]
            i -= i & -i
        total += seen - at_most
        i = b + 1
        while i <= size:
            tree[i] += 1
            i += i & -i
    return total


def crossings(columns: Sequence[Sequence[str]], links: Iterable[tuple[str, str]]) -> int:
    """The number of arc crossings of an ordering: ``links`` join nodes of neighbouring
    columns (dummy nodes included)."""
    where = {n: (i, j) for i, col in enumerate(columns) for j, n in enumerate(col)}
    between: dict[int, list[tuple[str, str]]] = {}
    for a, b in links:
        between.setdefault(where[a][0], []).append((a, b))
    pos = {n: j for n, (_, j) in where.items()}
    return sum(_count(pos, pos, ls) for ls in between.values())


class _Graph:
    """The layered graph with dummy nodes: columns, and the links between neighbours."""

    def __init__(self, nodes: Sequence[str], arcs: Sequence[tuple[str, str]],
                 layer: Mapping[str, int]) -> None:
        count = max(layer.values(), default=-1) + 1
        self.columns: list[list[str]] = [[] for _ in range(count)]
        for n in nodes:
            self.columns[layer[n]].append(n)
        self.up: dict[str, list[str]] = {n: [] for n in nodes}
        self.down: dict[str, list[str]] = {n: [] for n in nodes}
        self.dummy: set[str] = set()
        self.chains: dict[tuple[str, str], list[str]] = {}
        for k, (tail, head) in enumerate(arcs):
            chain = []
            previous = tail
            for col in range(layer[tail] + 1, layer[head]):
                d = f"\x00{k}:{col}"
                self.dummy.add(d)
                self.up[d], self.down[d] = [], []
                self.columns[col].append(d)
                chain.append(d)
                self._link(previous, d)
                previous = d
            self._link(previous, head)
            self.chains[(tail, head)] = chain
        self._initial_order()

    def _link(self, a: str, b: str) -> None:
        self.down[a].append(b)
        self.up[b].append(a)

    def _initial_order(self) -> None:
        """Dummy nodes next to where their arc comes from; real nodes in file order."""
        pos = {n: j for col in self.columns[:1] for j, n in enumerate(col)}
        for col in self.columns[1:]:
            first = {n: j for j, n in enumerate(col)}

            def key(n: str, first: dict[str, int] = first, end: float = len(col)
                    ) -> tuple[float, int]:
                above = [pos[u] for u in self.up[n] if u in pos]
                return (sum(above) / len(above) if above else end, first[n])

            col.sort(key=key)
            pos.update({n: j for j, n in enumerate(col)})

    @property
    def links(self) -> list[tuple[str, str]]:
        return [(a, b) for a, bs in self.down.items() for b in bs]

    def total_crossings(self) -> int:
        return crossings(self.columns, self.links)

    def _between(self, i: int) -> int:
        pos = {n: j for col in self.columns[i:i + 2] for j, n in enumerate(col)}
        return _count(pos, pos, [(a, b) for a in self.columns[i] for b in self.down[a]])

    def sweep(self, downward: bool) -> None:
        """Sort each column by the barycentre of its neighbours in the previous one."""
        order = range(1, len(self.columns)) if downward else range(len(self.columns) - 2, -1, -1)
        for i in order:
            ref = self.columns[i - 1] if downward else self.columns[i + 1]
            pos = {n: j for j, n in enumerate(ref)}
            col = self.columns[i]
            here = {n: j for j, n in enumerate(col)}
            scale = len(ref) / max(len(col), 1)
            keys = {}
            for n in col:  # a node without neighbours there keeps its place
                near = [pos[m] for m in (self.up[n] if downward else self.down[n])]
                keys[n] = (sum(near) / len(near) if near else here[n] * scale, here[n])
            col.sort(key=keys.__getitem__)

    def transpose(self) -> None:
        """Swap neighbours in a column while that lowers the crossings around it."""
        improved = True
        rounds = 0
        while improved and rounds < 20:
            improved = False
            rounds += 1
            for i, col in enumerate(self.columns):
                for j in range(len(col) - 1):
                    before = self._around(i)
                    col[j], col[j + 1] = col[j + 1], col[j]
                    if self._around(i) < before:
                        improved = True
                    else:
                        col[j], col[j + 1] = col[j + 1], col[j]

    def _around(self, i: int) -> int:
        total = self._between(i) if i + 1 < len(self.columns) else 0
        return total + (self._between(i - 1) if i > 0 else 0)

    def _descend(self) -> int:
        """Barycentre sweeps from the current order; keeps the best order met."""
        best = [list(c) for c in self.columns]
        fewest = self.total_crossings()
        idle = 0
        for _ in range(_SWEEPS):
            if fewest == 0 or idle >= 3:
                break
            self.sweep(downward=True)
            self.sweep(downward=False)
            found = self.total_crossings()
            if found < fewest:
                best, fewest, idle = [list(c) for c in self.columns], found, 0
            else:
                idle += 1
        self.columns = best
        return fewest

    def minimise_crossings(self) -> None:
        """Sweeps from the file order and from shuffled orders (a fixed seed: the layout is
        the same every time); the best, then improved by swapping neighbours."""
        start = [list(c) for c in self.columns]
        rng = random.Random(0)
        best, fewest = start, None
        for k in range(_STARTS):
            self.columns = [list(c) for c in start]
            if k:
                for col in self.columns:
                    rng.shuffle(col)
            found = self._descend()
            if fewest is None or found < fewest:
                best, fewest = self.columns, found
            if fewest == 0:
                break
        self.columns = best
        self.transpose()


def _isotonic(targets: Sequence[float], weights: Sequence[float]) -> list[float]:
    """The non-decreasing sequence closest to ``targets`` in weighted least squares (pool
    adjacent violators)."""
    blocks: list[list[float]] = []  # [mean, weight, count]
    for t, w in zip(targets, weights, strict=True):
        blocks.append([t, w, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, w2, c2 = blocks.pop()
            m1, w1, c1 = blocks.pop()
            blocks.append([(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2, c1 + c2])
    out: list[float] = []
    for mean, _, count in blocks:
        out.extend([mean] * int(count))
    return out


def _place(graph: _Graph, heights: Mapping[str, float], gap: float, dummy_gap: float
           ) -> dict[str, float]:
    """The vertical centre of every node: pulled towards its neighbours, order and gaps
    kept."""
    def size(n: str) -> float:
        return 0.0 if n in graph.dummy else heights[n]

    def sep(a: str, b: str) -> float:
        between = dummy_gap if a in graph.dummy or b in graph.dummy else gap
        return (size(a) + size(b)) / 2 + between

    offsets: list[list[float]] = []
    y: dict[str, float] = {}
    for col in graph.columns:
        off = [0.0]
        for a, b in zip(col, col[1:], strict=False):
            off.append(off[-1] + sep(a, b))
        offsets.append(off)
        y.update({n: o for n, o in zip(col, off, strict=True)})

    def strength(a: str, b: str) -> float:
        return 1.0 + 3.0 * ((a in graph.dummy) + (b in graph.dummy))

    for r in range(_RELAX):
        direction = ("up", "down", "both")[r % 3] if r < _RELAX - 4 else "both"
        for i, col in enumerate(graph.columns):
            targets, weights = [], []
            for n, off in zip(col, offsets[i], strict=True):
                near = []
                if direction in ("up", "both"):
                    near += graph.up[n]
                if direction in ("down", "both"):
                    near += graph.down[n]
                w = sum(strength(n, m) for m in near)
                t = sum(strength(n, m) * y[m] for m in near) / w if w else y[n]
                targets.append(t - off)
                weights.append(w or 0.1)
            fitted = _isotonic(targets, weights)
            y.update({n: z + off for n, z, off in zip(col, fitted, offsets[i], strict=True)})
    return y


def layered_layout(nodes: Sequence[str], sizes: Mapping[str, tuple[float, float]],
                   arcs: Sequence[tuple[str, str]], *, order: Sequence[tuple[str, str]] = (),
                   pinned: Iterable[str] = (), sink: Iterable[str] = (),
                   column_gap: float = 56.0, gap: float = 18.0, dummy_gap: float = 12.0
                   ) -> Layout:
    """Lay out a directed acyclic graph in columns, left to right.

    Parameters
    ----------
    nodes : sequence of str
        The nodes, in a preferred order (ties keep it).
    sizes : mapping
        Node -> (width, height) of its box.
    arcs : sequence of (tail, head)
        The arcs to draw.
    order : sequence of (tail, head)
        Arcs that only constrain the layering (head right of tail); not drawn.
    pinned : iterable of str
        Nodes that stay in the column their parents give them (else a node without parents
        moves next to its first child).
    sink : iterable of str
        Nodes put together in the last column.
    column_gap, gap, dummy_gap : float
        Space between columns, between boxes of a column, and around a routed arc.

    Returns
    -------
    Layout

    Raises
    ------
    ValueError
        If the arcs and ``order`` make a cycle.
    """
    nodes = list(nodes)
    layer = _layers(nodes, list(arcs), list(order), set(pinned), set(sink))
    graph = _Graph(nodes, list(arcs), layer)
    graph.minimise_crossings()
    heights = {n: sizes[n][1] for n in nodes}
    y = _place(graph, heights, gap, dummy_gap)
    top = min((y[n] - (0 if n in graph.dummy else heights[n] / 2) for col in graph.columns
               for n in col), default=0.0)
    bottom = max((y[n] + (0 if n in graph.dummy else heights[n] / 2) for col in graph.columns
                  for n in col), default=0.0)
    xs, x = [], 0.0
    for col in graph.columns:
        width = max((sizes[n][0] for n in col if n not in graph.dummy), default=0.0)
        xs.append(x + width / 2)
        x += width + column_gap
    where = {n: i for i, col in enumerate(graph.columns) for n in col}
    centres = {n: (xs[where[n]], y[n] - top) for n in nodes}
    routes = {arc: [(xs[where[d]], y[d] - top) for d in chain]
              for arc, chain in graph.chains.items()}
    columns = [[n for n in col if n not in graph.dummy] for col in graph.columns]
    return Layout(centres=centres, routes=routes, columns=columns,
                  width=max(x - column_gap, 0.0), height=bottom - top)
