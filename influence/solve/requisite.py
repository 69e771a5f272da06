"""What each decision needs to know, and in what order decisions can be optimised.

Under perfect recall a decision knows everything observed before it and every earlier choice;
most of it usually cannot change what is best. An observation or an earlier decision ``a`` in
the information set of decision ``d`` is *requisite* unless it is d-separated from the utility
nodes that descend from ``d`` given everything else ``d`` knows and ``d`` itself (Lauritzen and
Nilsson 2001, "requisite parents"; Shachter 1998, Bayes-Ball). Removing what is not requisite,
again and again until nothing more can be removed, leaves the maximum expected utility
unchanged and every optimal choice a function of the requisite part: :func:`requisite_sets`.

The same reduction applies to a limited-memory diagram (each decision knows only what it
observes or remembers). Single policy updating in an order where no decision *relies* on one
updated after it (Koller and Milch 2003; Lauritzen and Nilsson 2001's soluble diagrams) reaches
the optimum in one pass: :func:`exact_order` finds such an order or says there is none.

Everything here is graph search on the diagram's arcs (information arcs included), on integer
node numbers: each Bayes-Ball pass is linear in the part of the graph it visits, and stops as
soon as it has its answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

__all__ = ["Graph", "requisite_sets", "exact_order", "visited"]


@dataclass(frozen=True)
class Graph:
    """A directed acyclic graph over named nodes, with the kind of each node.

    ``parents[n]`` are the nodes with an arc into ``n``; for a decision, what it knows (its
    information arcs), which the reduction changes.
    """

    names: tuple[str, ...]
    kinds: Mapping[str, str]
    parents: Mapping[str, tuple[str, ...]]

    def children(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {n: [] for n in self.names}
        for n in self.names:
            for p in self.parents[n]:
                out[p].append(n)
        return out

    def with_knowledge(self, knows: Mapping[str, Iterable[str]]) -> Graph:
        """The graph in which each decision of ``knows`` has those parents."""
        parents = dict(self.parents)
        for d, known in knows.items():
            parents[d] = tuple(known)
        return Graph(self.names, self.kinds, parents)


def visited(parents: Mapping[str, Sequence[str]], children: Mapping[str, Sequence[str]],
            sources: Iterable[str], observed: set[str], *, upward: bool = False) -> set[str]:
    """The nodes Bayes-Ball visits from ``sources`` given ``observed`` (Shachter 1998).

    An unobserved node is visited iff it is d-connected to the sources given ``observed``; an
    observed node is visited iff it is not d-separated from the sources given the other
    observed nodes (a *requisite observation*). With ``upward``, the nodes from which the
    ball goes on to the parents instead: those a new parent of would be d-connected to the
    sources.
    """
    names = list(parents)
    ints = _Ints(names, [[names.index(p) for p in parents[n]] for n in names],
                 [[names.index(c) for c in children[n]] for n in names], [False] * len(names))
    mask = bytearray(len(names))
    for n in observed:
        mask[names.index(n)] = 1
    seen, top = ints.ball([names.index(s) for s in sources], mask)
    return {names[i] for i in range(len(names)) if (top if upward else seen)[i]}


class _Ints:
    """The graph on node numbers: parents, children, and which nodes are utilities."""

    def __init__(self, names: Sequence[str], parents: list[list[int]],
                 children: list[list[int]], utility: list[bool]) -> None:
        self.names, self.parents, self.children, self.utility = names, parents, children, utility

    @classmethod
    def of(cls, graph: Graph, knows: Mapping[str, Sequence[str]]) -> _Ints:
        index = {n: i for i, n in enumerate(graph.names)}
        parents = [[index[p] for p in (knows[n] if n in knows else graph.parents[n])]
                   for n in graph.names]
        children: list[list[int]] = [[] for _ in graph.names]
        for i, ps in enumerate(parents):
            for p in ps:
                children[p].append(i)
        return cls(graph.names, parents, children,
                   [graph.kinds[n] == "utility" for n in graph.names])

    def utility_descendants(self, node: int) -> Iterator[int]:
        """The utility nodes below ``node``, nearest first (made as they are asked for)."""
        seen = bytearray(len(self.names))
        queue = list(self.children[node])
        for c in queue:
            seen[c] = 1
        head = 0
        while head < len(queue):
            n = queue[head]
            head += 1
            if self.utility[n]:
                yield n
            for c in self.children[n]:
                if not seen[c]:
                    seen[c] = 1
                    queue.append(c)

    def descendant_bits(self) -> list[int]:
        """For each node, its descendants as the bits of an integer."""
        order = self._topological()
        bits = [0] * len(self.names)
        for n in reversed(order):
            b = 0
            for c in self.children[n]:
                b |= (1 << c) | bits[c]
            bits[n] = b
        return bits

    def parents_below_bits(self) -> list[int]:
        """For each node, the parents of its descendants as the bits of an integer."""
        order = self._topological()
        own = [sum(1 << p for p in ps) for ps in self.parents]
        bits = [0] * len(self.names)
        for n in reversed(order):
            b = 0
            for c in self.children[n]:
                b |= own[c] | bits[c]
            bits[n] = b
        return bits

    def _topological(self) -> list[int]:
        order: list[int] = []
        waiting = [len(p) for p in self.parents]
        ready = [i for i, w in enumerate(waiting) if w == 0]
        while ready:
            n = ready.pop()
            order.append(n)
            for c in self.children[n]:
                waiting[c] -= 1
                if waiting[c] == 0:
                    ready.append(c)
        return order

    def ball(self, sources: Iterable[int], observed: bytearray,
             wanted: Sequence[int] = (), stop_top: Sequence[int] = ()
             ) -> tuple[bytearray, bytearray]:
        """Bayes-Ball from ``sources`` (taken one at a time, each followed as far as it goes
        before the next): the visited nodes and the nodes from which it went to the parents.
        Stops early once every node of ``wanted`` is visited, or once any node of ``stop_top``
        passes the ball to its parents."""
        n = len(self.names)
        seen, top, bottom = bytearray(n), bytearray(n), bytearray(n)
        left = len(set(wanted))
        want = bytearray(n)
        for w in set(wanted):
            want[w] = 1
        stop = bytearray(n)
        for s in stop_top:
            stop[s] = 1
        parents, children = self.parents, self.children
        pending = iter(sources)
        stack: list[tuple[int, bool]] = []  # (node, the ball comes from a child)
        while True:
            if not stack:
                source = next(pending, None)
                if source is None:
                    break
                stack.append((source, True))
            node, from_child = stack.pop()
            if not seen[node]:
                seen[node] = 1
                if want[node]:
                    left -= 1
                    if left == 0:
                        break
            if observed[node]:
                if not from_child and not top[node]:
                    top[node] = 1
                    if stop[node]:
                        break
                    stack.extend((p, True) for p in parents[node])
                continue
            if from_child and not top[node]:
                top[node] = 1
                if stop[node]:
                    break
                stack.extend((p, True) for p in parents[node])
            if not bottom[node]:
                bottom[node] = 1
                stack.extend((c, False) for c in children[node])
        return seen, top


def requisite_sets(graph: Graph, decisions: Sequence[str], known: Mapping[str, Sequence[str]],
                   *, given: Iterable[str] = (),
                   pinned: Mapping[str, Iterable[str]] | None = None
                   ) -> dict[str, tuple[str, ...]]:
    """The requisite part of what each decision knows: the minimal reduction.

    Parameters
    ----------
    graph : Graph
        The diagram's arcs (a decision's parents are replaced by ``known``).
    decisions : sequence of str
        The decisions, in the order they are taken.
    known : mapping
        Decision -> what it knows (perfect recall: every earlier observation and choice;
        limited memory: what it observes or remembers).
    given : iterable of str
        Chance nodes known to every decision (a scenario).
    pinned : mapping, optional
        Decision -> nodes kept whatever the reduction says (what a named policy's rules
        mention).

    Returns
    -------
    dict
        Decision -> its requisite nodes, in the order of ``known[decision]``.
    """
    index = {n: i for i, n in enumerate(graph.names)}
    given_ids = [index[g] for g in given]
    pinned = {d: set(v) for d, v in (pinned or {}).items()}
    current = {d: tuple(known[d]) for d in decisions}
    changed = True
    while changed:
        changed = False
        ints = _Ints.of(graph, current)
        for d in reversed(decisions):
            i = index[d]
            keep = pinned.get(d, set())
            observed = bytearray(len(graph.names))
            for a in (*current[d], d):
                observed[index[a]] = 1
            for g in given_ids:
                observed[g] = 1
            wanted = [index[a] for a in current[d]]
            if not wanted:
                continue
            seen, _ = ints.ball(ints.utility_descendants(i), observed, wanted=wanted)
            reduced = tuple(a for a in current[d] if seen[index[a]] or a in keep)
            if reduced != current[d]:
                current[d] = reduced
                ints = _Ints.of(graph, current)
                changed = True
    return current


def exact_order(graph: Graph, decisions: Sequence[str], known: Mapping[str, Sequence[str]],
                *, given: Iterable[str] = ()) -> tuple[str, ...] | None:
    """An order in which single policy updating is exact, the first to update first.

    Decision ``d`` can be updated before the remaining decisions when the rule of none of them
    matters to it: a new parent of each (its rule) is d-separated from the utility nodes
    descending from ``d`` given what ``d`` knows and ``d`` itself (``d`` does not *rely* on
    them; Koller and Milch 2003, after Lauritzen and Nilsson 2001's extremal decisions).
    Returns None when at some point every remaining decision relies on another: the diagram
    is not soluble. Greedy choice is complete: fixing a decision's rule only removes it from
    what the others are checked against.
    """
    index = {n: i for i, n in enumerate(graph.names)}
    ints = _Ints.of(graph, known)
    given_ids = [index[g] for g in given]
    below = ints.descendant_bits()
    feeding = ints.parents_below_bits()
    given_bits = sum(1 << g for g in given_ids)
    remaining = list(decisions)
    order: list[str] = []
    while remaining:
        left = sum(1 << index[e] for e in remaining)
        for d in reversed(remaining):
            i = index[d]
            family = sum(1 << index[a] for a in known[d]) | (1 << i)
            if not feeding[i] & ~(below[i] | family | given_bits) and not below[i] & left:
                # Every arc into its future starts inside it or at what it knows (observed, so
                # a path leaving there stops): it relies on no other rule.
                break
            observed = bytearray(len(graph.names))
            for a in (*known[d], d):
                observed[index[a]] = 1
            for g in given_ids:
                observed[g] = 1
            others = [index[e] for e in remaining if e != d]
            _, top = ints.ball(ints.utility_descendants(i), observed, stop_top=others)
            if not any(top[e] for e in others):
                break
        else:
            return None
        order.append(d)
        remaining.remove(d)
    return tuple(order)
