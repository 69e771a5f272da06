"""Tables and weights computed from a diagram's parameters.

A node whose numbers come from parameters (see :mod:`influence.model.parameters`) is one of

- a chance node with a structured table (``Node.structure``, :mod:`influence.model.structured`);
- a utility node with values written as expressions (``Node.expressions``);
- a utility node whose weight is an expression (``Node.weight_expression``).

:func:`compute_tables` recomputes their tables and weights for any values of the parameters,
one set or a batch of draws at once (numpy), the other parameters keeping their point values.
The point solve uses the tables computed at the point values (``Node.table``, filled in by
:class:`~influence.model.diagram.Diagram`); the Bayesian layer and the analyses call this per
batch of draws.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from .diagram import Diagram, Node

__all__ = ["node_parameters", "is_computed", "point_values", "dependents", "compute_node",
           "compute_tables"]


def node_parameters(node: Node) -> tuple[str, ...]:
    """The parameters a node's table or weight is computed from, each once."""
    names: list[str] = []
    if node.structure is not None:
        names.extend(node.structure.parameters)
    for expression in node.expressions.values():
        names.extend(expression.parameters)
    if node.weight_expression is not None:
        names.extend(node.weight_expression.parameters)
    return tuple(dict.fromkeys(names))


def is_computed(node: Node) -> bool:
    """Whether some of the node's numbers are computed (a structure or expressions)."""
    return node.structure is not None or bool(node.expressions) or \
        node.weight_expression is not None


def point_values(diagram: Diagram) -> dict[str, float]:
    """Every parameter's point value."""
    return {p.name: p.value for p in diagram.parameters}


#: Each diagram's :func:`dependents`, found once (a diagram never changes).
_DEPENDENTS: weakref.WeakKeyDictionary[Any, Mapping[str, tuple[str, ...]]] = \
    weakref.WeakKeyDictionary()


def dependents(diagram: Diagram) -> Mapping[str, tuple[str, ...]]:
    """Parameter -> the nodes computed from it, in file order (read-only)."""
    hit = _DEPENDENTS.get(diagram)
    if hit is not None:
        return hit
    out: dict[str, list[str]] = {p.name: [] for p in diagram.parameters}
    for node in diagram.nodes:
        for name in node_parameters(node):
            out.setdefault(name, []).append(node.name)
    found = MappingProxyType({k: tuple(v) for k, v in out.items()})
    _DEPENDENTS[diagram] = found
    return found


def compute_node(diagram: Diagram, node: Node, values: Mapping[str, Any], draws: int,
                 base: np.ndarray | None = None, xp: Any = np) -> tuple[Any, Any]:
    """The table (S, *shape) and weight (S,) of one computed node for ``values`` (parameter
    -> a number or S draws; every parameter the node uses must be there).

    ``base`` (S or 1, *shape) supplies a utility node's rows that are not expressions
    (default: the node's own table). The weight is None when the node's weight is a number.
    """
    spaces = {p: diagram.node(p).states for p in node.parents}
    weight = None
    if node.weight_expression is not None:
        weight = np.broadcast_to(np.asarray(node.weight_expression.evaluate(values),
                                            dtype=float).reshape(-1), (draws,))
    if node.structure is not None:
        table = node.structure.compute(values, node.parents, spaces, node.states, draws, xp)
        return table, weight
    if not node.expressions:
        return None, weight
    source = node.table[None] if base is None else np.asarray(base, dtype=float)
    table = np.array(np.broadcast_to(source, (draws,) + node.table.shape), dtype=float)
    index = {p: {s: i for i, s in enumerate(spaces[p])} for p in node.parents}
    for key, expression in node.expressions.items():
        at = tuple(index[p][s] for p, s in zip(node.parents, key, strict=True))
        table[(slice(None), *at)] = expression.evaluate(values)
    return table, weight


def compute_tables(diagram: Diagram, values: Mapping[str, Any], draws: int,
                   nodes: Iterable[str] | None = None,
                   base: Mapping[str, np.ndarray] | None = None
                   ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Tables and weights of the nodes computed from parameters, for ``values``.

    Parameters
    ----------
    diagram : Diagram
    values : mapping
        Parameter -> a number or an array of ``draws`` values; parameters left out keep their
        point values.
    draws : int
        ``S``.
    nodes : iterable of str, optional
        Only these nodes (default: every node computed from a parameter in ``values``).
    base : mapping, optional
        Node -> batch (S or 1, *shape) of a utility node's other rows (default its own).

    Returns
    -------
    (tables, weights)
        ``{node: (S, *shape)}`` for the structured and expression tables, ``{node: (S,)}``
        for the weights written with parameters.
    """
    full: dict[str, Any] = point_values(diagram)
    for name, value in values.items():
        full[name] = np.asarray(value, dtype=float)
    if nodes is None:
        touched = set(values)
        by_param = dependents(diagram)
        wanted = {n for name in touched for n in by_param.get(name, ())}
        nodes = [n.name for n in diagram.nodes if n.name in wanted]
    tables: dict[str, np.ndarray] = {}
    weights: dict[str, np.ndarray] = {}
    for name in nodes:
        node = diagram.node(name)
        table, weight = compute_node(diagram, node, full, draws,
                                     None if base is None else base.get(name))
        if table is not None:
            tables[name] = np.asarray(table, dtype=float)
        if weight is not None:
            weights[name] = np.asarray(weight, dtype=float)
    return tables, weights
