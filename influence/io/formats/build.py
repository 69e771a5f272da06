"""From a :class:`~influence.io.formats.spec.NetworkSpec` to a validated diagram.

What every format shares is done here, once:

* names that are not influence ids (letters, digits, ``_`` and ``-``, starting with a letter or
  ``_``) are mapped to ids, the original name kept as the label, with one warning;
* probability rows rounded in the file (within :data:`~influence.limits.ROUNDING_TOLERANCE` of
  1) are divided by their sum, with one warning naming how many and the worst (refused with
  ``strict``);
* all-zero rows are read as uniform with a warning when no choice of the decisions can reach
  their parent states, and are an error otherwise (:mod:`influence.io.formats.reach`);
* the decisions are ordered by the arcs of the file, or by ``order`` where the file leaves it
  open, and the nodes are laid out in a temporal order;
* a Bayesian network (no utility node) gets a placeholder utility node of value 0.
"""

from __future__ import annotations

import heapq
import itertools
import re
from collections.abc import Mapping, Sequence

import numpy as np

from ...errors import ModelError
from ...limits import ROUNDING_TOLERANCE, SUM_TOLERANCE
from ...model.diagram import Diagram, Node
from ...model.structure import find_cycle
from .reach import check_zero_rows
from .spec import NetworkSpec, NodeSpec, ReadOptions, Report, as_array

__all__ = ["build_diagram", "PLACEHOLDER_LABEL", "is_placeholder", "to_id", "shown_row"]

ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")

#: The label of the utility node added to a Bayesian network, so that writers of
#: Bayesian-network formats recognise and leave it out.
PLACEHOLDER_LABEL = "no utility (the file is a Bayesian network)"


def is_placeholder(node: Node) -> bool:
    """Whether ``node`` is the utility node added when a Bayesian network was read."""
    return (node.kind == "utility" and not node.parents and node.label == PLACEHOLDER_LABEL
            and float(node.table) == 0.0)


def to_id(name: str, taken: set[str]) -> str:
    """An influence id for ``name``: other characters become ``_``, a leading ``_`` where the
    name starts otherwise, and ``_2``, ``_3``... until it is not in ``taken``."""
    base = re.sub(r"[^A-Za-z0-9_\-]", "_", name.strip()) or "_"
    if not re.match(r"[A-Za-z_]", base):
        base = "_" + base
    candidate, k = base, 2
    while candidate in taken:
        candidate, k = f"{base}_{k}", k + 1
    return candidate


def shown_row(parents: Sequence[str], states: Sequence[Sequence[str]],
              index: Sequence[int]) -> str:
    """``{A: a1, B: b2}``: a row of a table by its parent states."""
    return "{" + ", ".join(f"{p}: {s[i]}" for p, s, i in zip(parents, states, index,
                                                              strict=True)) + "}"


def _listing(items: Sequence[str], most: int = 5) -> str:
    shown = ", ".join(items[:most])
    return shown + (f" and {len(items) - most} more" if len(items) > most else "")


# -- names ---------------------------------------------------------------------------------------


def _map_names(spec: NetworkSpec, file: str | None, report: Report) -> dict[str, str]:
    """File name -> influence id for every node."""
    seen: set[str] = set()
    for n in spec.nodes:
        if n.name in seen:
            raise ModelError(f"expected each node name once, got {n.name!r} twice", file=file,
                             node=n.name)
        seen.add(n.name)
    ids: dict[str, str] = {}
    taken: set[str] = set()
    # Ids a writer of influence recorded, then names that are ids already, keep their name.
    for n in spec.nodes:
        wanted = n.extras.get("id")
        if isinstance(wanted, str) and ID.match(wanted) and wanted not in taken:
            ids[n.name] = wanted
            taken.add(wanted)
    for n in spec.nodes:
        if n.name not in ids and ID.match(n.name) and n.name not in taken:
            ids[n.name] = n.name
            taken.add(n.name)
    mapped = []
    for n in spec.nodes:
        if n.name not in ids:
            ids[n.name] = to_id(n.name, taken)
            taken.add(ids[n.name])
            mapped.append(f"{n.name!r} -> {ids[n.name]}")
    if mapped:
        report.warn(f"{len(mapped)} node name(s) are not influence ids (letters, digits, '_' "
                    f"and '-', starting with a letter or '_') and were mapped, the original kept "
                    f"as the label: {_listing(mapped)}")
    return ids


# -- tables --------------------------------------------------------------------------------------


class _Rows:
    """Counts of rows renormalised and read as uniform, for the warnings."""

    def __init__(self) -> None:
        self.rounded = 0
        self.worst: tuple[float, str, str] | None = None  # (|sum - 1|, node, row)
        self.zero: dict[str, list[tuple[int, ...]]] = {}


def _table(n: NodeSpec, node_id: str, parents: Sequence[str],
           spaces: Mapping[str, tuple[str, ...]], file: str | None) -> np.ndarray | None:
    """The node's numbers, checked and shaped."""
    if n.kind == "decision":
        return None
    shape = tuple(len(spaces[p]) for p in parents)
    if n.kind == "chance":
        shape += (len(n.states),)
    if n.table is None:
        raise ModelError("expected a table of numbers, got none", file=file, node=n.name,
                         field="table")
    values = as_array(n.table)
    expected = int(np.prod(shape)) if shape else 1
    if values.size != expected:
        what = " x ".join(str(k) for k in shape) or "one"
        raise ModelError(f"expected {expected} numbers (a table of {what}: the parents "
                         f"{', '.join(parents) or 'none'}"
                         f"{' then the states' if n.kind == 'chance' else ''}), got {values.size}",
                         file=file, node=n.name, field="table")
    values = values.reshape(shape)
    if not np.all(np.isfinite(values)):
        raise ModelError("expected finite numbers, got NaN or infinity", file=file, node=n.name,
                         field="table")
    return values


def _normalise(node_id: str, table: np.ndarray, parents: Sequence[str],
               spaces: Mapping[str, tuple[str, ...]], options: ReadOptions, rows: _Rows,
               file: str | None) -> np.ndarray:
    """Rows divided by their sums; all-zero rows uniform (recorded); others refused."""
    if np.any(table < 0):
        raise ModelError(f"expected probabilities >= 0, got {table.min():.10g}", file=file,
                         node=node_id, field="table")
    flat = table.reshape(-1, table.shape[-1]).copy()
    sums = flat.sum(axis=1)
    index = list(itertools.product(*(range(len(spaces[p])) for p in parents)))
    states = [spaces[p] for p in parents]
    for k, total in enumerate(sums):
        gap = abs(total - 1.0)
        if total == 0.0:
            rows.zero.setdefault(node_id, []).append(index[k])
            flat[k] = 1.0 / flat.shape[1]
            continue
        shown = shown_row(parents, states, index[k])
        if gap > ROUNDING_TOLERANCE or (options.strict and gap > SUM_TOLERANCE):
            limit = SUM_TOLERANCE if options.strict else ROUNDING_TOLERANCE
            raise ModelError(f"row {shown}: expected probabilities summing to 1 (within "
                             f"{limit:g}), got a sum of {total:.10g}", file=file, node=node_id,
                             field="table")
        if gap > SUM_TOLERANCE:
            rows.rounded += 1
            if rows.worst is None or gap > rows.worst[0]:
                rows.worst = (gap, node_id, f"{shown} summing to {total:.10g}")
        flat[k] = flat[k] / total
    return flat.reshape(table.shape)


# -- order ---------------------------------------------------------------------------------------


def _ancestors(parents: Mapping[str, Sequence[str]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}

    def visit(n: str, trail: frozenset[str]) -> set[str]:
        if n in out:
            return out[n]
        found: set[str] = set()
        for p in parents[n]:
            if p not in trail:
                found |= {p} | visit(p, trail | {p})
        out[n] = found
        return found

    for n in parents:
        visit(n, frozenset({n}))
    return out


def _decision_order(decisions: list[str], parents: Mapping[str, Sequence[str]],
                    options: ReadOptions, ids: Mapping[str, str], file: str | None) -> list[str]:
    """The decisions in the order they are taken: from ``order``, else from the arcs."""
    ancestors = _ancestors(parents)
    if options.order is not None:
        order = [ids.get(d, d) for d in options.order]
        if sorted(order) != sorted(decisions) or len(set(order)) != len(order):
            raise ModelError(f"expected `order` to name every decision once ("
                             f"{', '.join(decisions) or 'none'}), got "
                             f"{', '.join(options.order) or 'nothing'}", file=file,
                             parameter="order")
        for i, d in enumerate(order):
            for later in order[i + 1:]:
                if later in ancestors[d]:
                    raise ModelError(f"expected `order` to agree with the arcs, got '{d}' "
                                     f"before '{later}', but the arcs make '{later}' come "
                                     "first", file=file, node=d, parameter="order")
        return order
    open_pairs = [(a, b) for a, b in itertools.combinations(decisions, 2)
                  if a not in ancestors[b] and b not in ancestors[a]]
    if open_pairs:
        pairs = _listing([f"{a} and {b}" for a, b in open_pairs])
        raise ModelError(f"expected the arcs to order the decisions, got no path between "
                         f"{pairs}; give `order` with every decision in the order they are "
                         f"taken ({', '.join(decisions)})", file=file, parameter="order")
    return sorted(decisions, key=lambda d: len(ancestors[d] & set(decisions)))


def _temporal(names: list[str], parents: Mapping[str, Sequence[str]],
              decisions: list[str]) -> list[str]:
    """A topological order keeping file order where the arcs allow, decisions in order."""
    preds = {n: set(parents[n]) for n in names}
    for a, b in itertools.pairwise(decisions):
        preds[b].add(a)
    rank = {n: i for i, n in enumerate(names)}
    waiting = {n: len(preds[n]) for n in names}
    children: dict[str, list[str]] = {n: [] for n in names}
    for n in names:
        for p in preds[n]:
            children[p].append(n)
    ready = [(rank[n], n) for n in names if waiting[n] == 0]
    heapq.heapify(ready)
    out: list[str] = []
    while ready:
        _, n = heapq.heappop(ready)
        out.append(n)
        for c in children[n]:
            waiting[c] -= 1
            if waiting[c] == 0:
                heapq.heappush(ready, (rank[c], c))
    return out + [n for n in names if n not in set(out)]


# -- the diagram ---------------------------------------------------------------------------------


def _node(n: NodeSpec, node_id: str, parents: tuple[str, ...], table: np.ndarray | None,
          mapped: bool) -> Node:
    extras = n.extras
    label = extras.get("label") or (n.name if mapped else None)
    weight = float(extras.get("weight", 1.0))
    if (n.kind == "utility" and weight not in (0.0, 1.0) and "weight" in extras
            and not extras.get("unweighted")):
        table = table / weight  # writers store weighted values, so that other tools sum them
    return Node(name=node_id, kind=n.kind, states=tuple(n.states), parents=parents,
                table=table, label=label if label != node_id else None,
                description=extras.get("description"), source=extras.get("source"),
                unit=extras.get("unit"), weight=weight if n.kind == "utility" else 1.0,
                row_sources={(): extras["source"]} if n.kind == "chance" and not parents
                and extras.get("source") else {})


def _placeholder(taken: set[str]) -> Node:
    return Node(name=to_id("utility", taken), kind="utility", table=np.array(0.0),
                label=PLACEHOLDER_LABEL)


def _warn_rows(rows: _Rows, report: Report) -> None:
    if rows.rounded:
        gap, node, row = rows.worst
        report.warn(f"renormalised {rows.rounded} probability row(s) rounded in the file "
                    f"(within {ROUNDING_TOLERANCE:g} of 1); the worst: node '{node}', row "
                    f"{row} (`strict` refuses them)")


def _nodes(by_id: Mapping[str, NodeSpec], ids: Mapping[str, str],
           parents: Mapping[str, tuple[str, ...]], kept: Mapping[str, tuple[str, ...]],
           spaces: Mapping[str, tuple[str, ...]], options: ReadOptions, rows: _Rows,
           file: str | None) -> dict[str, Node]:
    """Every node, its table checked and its rows normalised."""
    nodes: dict[str, Node] = {}
    for i, n in by_id.items():
        if n.kind != "utility" and not n.states:
            raise ModelError("expected at least one state, got none", file=file, node=n.name,
                             field="states")
        bad = [p for p in parents[i] if by_id[p].kind == "utility"]
        if bad:
            raise ModelError(f"expected chance or decision parents, got utility node "
                             f"'{bad[0]}'", file=file, node=n.name, field="parents")
        table = _table(n, i, parents[i], spaces, file)
        if n.kind == "chance":
            table = _normalise(i, table, parents[i], spaces, options, rows, file)
        nodes[i] = _node(n, i, kept[i], table, mapped=ids[n.name] != n.name)
    return nodes


def build_diagram(spec: NetworkSpec, options: ReadOptions | None = None,
                  file: str | None = None) -> tuple[Diagram, Report]:
    """Validate a file's network and build its diagram.

    Parameters
    ----------
    spec : NetworkSpec
        What a reader found in the file.
    options : ReadOptions, optional
        ``strict`` and ``order``.
    file : str, optional
        The file, for messages.

    Returns
    -------
    (Diagram, Report)
        The diagram and the warnings of the reading.

    Raises
    ------
    ModelError
        Naming the file, the node and what was expected.
    """
    options = options or ReadOptions()
    report = Report()
    report.ignored.extend(spec.ignored)
    ids = _map_names(spec, file, report)
    by_id = {ids[n.name]: n for n in spec.nodes}
    parents: dict[str, tuple[str, ...]] = {}
    for n in spec.nodes:
        for p in n.parents:
            if p not in ids:
                raise ModelError(f"expected parents among the nodes of the file, got unknown "
                                 f"node {p!r}", file=file, node=n.name, field="parents")
        parents[ids[n.name]] = tuple(ids[p] for p in n.parents)
    # Arcs a writer added only to order the decisions are left out again (after ordering).
    kept = {i: tuple(p for p in ps if p != ids.get(by_id[i].extras.get("order", ""), None))
            for i, ps in parents.items()}
    spaces = {i: tuple(n.states) for i, n in by_id.items() if n.kind != "utility"}
    rows = _Rows()
    nodes = _nodes(by_id, ids, parents, kept, spaces, options, rows, file)
    _warn_rows(rows, report)
    cycle = find_cycle(parents)
    if cycle:
        raise ModelError(f"expected a directed acyclic graph, got the cycle "
                         f"{' -> '.join(cycle)}", file=file, node=cycle[0], field="parents")
    decisions = [i for i in by_id if by_id[i].kind == "decision"]
    decisions = _decision_order(decisions, parents, options, ids, file)
    order = _temporal(list(by_id), parents, decisions)
    built = [nodes[i] for i in order]
    if not any(n.kind == "utility" for n in built):
        built.append(_placeholder(set(nodes)))
        report.warn(f"the file is a Bayesian network (no utility node): added the utility "
                    f"node '{built[-1].name}' of value 0, which writers of Bayesian-network "
                    "formats leave out")
    extras = spec.extras
    diagram = Diagram(name=spec.name, nodes=tuple(built), title=extras.get("title"),
                      description=extras.get("description"),
                      sources=tuple(extras.get("sources") or ()), units=extras.get("units"),
                      file=file)
    check_zero_rows(diagram, rows.zero, report)
    return diagram, report
