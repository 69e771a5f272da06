"""What each decision needs to know, and in what order decisions can be optimised.

Under perfect recall a decision knows everything observed before it and every earlier choice;
most of it usually cannot change what is best. An observation or an earlier decision ``a`` in
the information set of decision ``d`` is *requisite* unless it is d-separated from the utility
nodes that descend from ``d`` given everything else ``d`` knows and ``d`` itself (Lauritzen and
Nilsson 2001, "requisite parents"; Shachter 1998, Bayes-Ball). Removing what is not requisite,
again and again until nothing more can be removed, leaves the maximum expected utility
unchanged and every optimal choice a function of the requisite part: :func:`requisite_sets`.

The same reduction applies to a limited-memory diagram (each decision knows only what it
observes or remembers). A limited-memory diagram is *soluble* when its decisions can be ordered
so that each one is *extremal* once the later ones are fixed: its utility descendants are
d-separated, given what it knows, from what every other remaining decision knows
(Lauritzen and Nilsson 2001, section 4). Single policy updating in such an order (last first)
reaches the optimum in one pass: :func:`exact_order` finds one or says there is none.

Everything here is graph search on the diagram's arcs (information arcs included), linear in
the size of the graph per decision.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
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
            sources: Iterable[str], observed: set[str]) -> set[str]:
    """The nodes Bayes-Ball visits from ``sources`` given ``observed`` (Shachter 1998).

    An unobserved node is visited iff it is d-connected to the sources given ``observed``; an
    observed node is visited iff it is not d-separated from the sources given the other
    observed nodes (a *requisite observation*).
    """
    seen: set[str] = set()
    top: set[str] = set()
    bottom: set[str] = set()
    stack = [(s, True) for s in sources]  # (node, the ball comes from a child)
    while stack:
        node, from_child = stack.pop()
        seen.add(node)
        if node in observed:
            if not from_child and node not in top:  # a collider opened: bounce to parents
                top.add(node)
                stack.extend((p, True) for p in parents[node])
            continue
        if from_child and node not in top:
            top.add(node)
            stack.extend((p, True) for p in parents[node])
        if node not in bottom:
            bottom.add(node)
            stack.extend((c, False) for c in children[node])
    return seen


def _descendants(children: Mapping[str, Sequence[str]], node: str) -> set[str]:
    out: set[str] = set()
    stack = list(children[node])
    while stack:
        n = stack.pop()
        if n not in out:
            out.add(n)
            stack.extend(children[n])
    return out


def _utility_descendants(graph: Graph, children: Mapping[str, Sequence[str]],
                         decision: str) -> list[str]:
    return [n for n in _descendants(children, decision) if graph.kinds[n] == "utility"]


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
    given = set(given)
    pinned = {d: set(v) for d, v in (pinned or {}).items()}
    current = {d: tuple(known[d]) for d in decisions}
    changed = True
    while changed:
        changed = False
        for d in reversed(decisions):
            g = graph.with_knowledge(current)
            children = g.children()
            targets = _utility_descendants(g, children, d)
            observed = set(current[d]) | {d} | given
            seen = visited(g.parents, children, targets, observed) if targets else set()
            keep = pinned.get(d, set())
            reduced = tuple(a for a in current[d] if a in seen or a in keep)
            if reduced != current[d]:
                current[d] = reduced
                changed = True
    return current


def exact_order(graph: Graph, decisions: Sequence[str], known: Mapping[str, Sequence[str]],
                *, given: Iterable[str] = ()) -> tuple[str, ...] | None:
    """An order in which single policy updating is exact, last decision to update first.

    Returns the decisions in the order they are to be updated (each extremal once those
    updated before it are fixed), or None when the diagram is not soluble. Greedy removal of
    extremal decisions is complete: fixing a decision only shrinks what the others are
    checked against.
    """
    given = set(given)
    g = graph.with_knowledge(known)
    children = g.children()
    families = {d: set(known[d]) | {d} for d in decisions}
    remaining = list(decisions)
    order: list[str] = []
    while remaining:
        for d in reversed(remaining):
            targets = _utility_descendants(g, children, d)
            others = set().union(*(families[e] for e in remaining if e != d)) - families[d]
            others -= given
            if not targets or not others:
                break
            seen = visited(g.parents, children, targets, families[d] | given)
            if not (seen & others):
                break
        else:
            return None
        order.append(d)
        remaining.remove(d)
    return tuple(order)
