"""Numbers for a compiled plan: a diagram's tables as batches of draws, checked.

A plan evaluates its diagram on *operands*: for every chance and utility node, its table with a
leading draw axis of size 1 (shared by every draw) or ``S``; utility tables multiplied by their
node's weight. :func:`operands` builds them from the diagram's own numbers, from changed tables
(same structure, other numbers), and from changed weights, checking what it is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..errors import ArgumentTypeError, QueryError
from ..limits import SUM_TOLERANCE, UTILITY_BOUND
from ..messages import suggest
from ..model.diagram import Diagram, Node

__all__ = ["Parameters", "operands", "point_parameters", "draw_count"]

#: Node -> table with a leading draw axis, as the kernels take them.
Parameters = Mapping[str, np.ndarray]


def point_parameters(diagram: Diagram) -> dict[str, np.ndarray]:
    """The diagram's tables as a batch of one draw: ``{node: table[None]}`` for chance and
    utility nodes (utility tables *not* multiplied by their weights)."""
    return {n.name: n.table[None] for n in diagram.nodes if n.table is not None}


def draw_count(params: Parameters) -> int:
    """The number of draws ``S`` of a batch (1 when every table is shared)."""
    return max((np.shape(v)[0] for v in params.values()), default=1)


def operands(diagram: Diagram, tables: Mapping[str, Any] | None = None,
             weights: Mapping[str, Any] | None = None, *, check: bool = True
             ) -> dict[str, np.ndarray]:
    """The numbers a plan evaluates: every chance and utility table with a draw axis.

    Parameters
    ----------
    diagram : Diagram
        Whose tables fill whatever ``tables`` leaves out.
    tables : mapping, optional
        Node -> a table of the node's shape (one set of numbers) or with a leading draw axis
        ``(S, *shape)``. Utility tables are the values before the node's weight. Keys
        ``param[NAME]`` (the draws of a parameter that ride along in a batch of prior or
        posterior draws) are ignored.
    weights : mapping, optional
        Utility node -> its weight: a number, or an array of ``S`` weights.
    check : bool
        Check shapes and numbers (probabilities in [0, 1], rows summing to 1 within
        :data:`~influence.limits.SUM_TOLERANCE`, finite utilities and weights). Only callers
        whose numbers are valid by construction turn it off.

    Returns
    -------
    dict
        Node -> array ``(1 or S, *shape)``; utility tables multiplied by their weights.

    Raises
    ------
    QueryError
        For an unknown node, a table of the wrong shape, draw counts that disagree, or a
        number out of range, naming the node, the draw and the value.
    """
    for value, what in ((tables, "tables"), (weights, "weights")):
        if value is not None and not isinstance(value, Mapping):
            raise ArgumentTypeError(f"expected `{what}` to be a mapping of node names to "
                                    f"numbers, got {type(value).__name__}", parameter=what)
    tables = {k: v for k, v in (tables or {}).items()
              if not (isinstance(k, str) and k.startswith("param[") and k not in diagram)}
    weights = dict(weights or {})
    for name in tables:
        _node(diagram, name, "tables", ("chance", "utility"))
    for name in weights:
        _node(diagram, name, "weights", ("utility",))
    out: dict[str, np.ndarray] = {}
    scale: dict[str, np.ndarray] = {}
    for node in diagram.nodes:
        if node.table is None:
            continue
        if node.name in tables:
            out[node.name] = _as_batch(diagram, node, tables[node.name], check)
        else:
            out[node.name] = node.table[None]
        if node.kind == "utility":
            scale[node.name] = _weight(diagram, node, weights.get(node.name, node.weight),
                                       check)
    if check:
        _same_draws(diagram, {**out, **{f"weight of {k}": v for k, v in scale.items()}})
    for name, w in scale.items():
        table = out[name]
        with np.errstate(over="ignore", invalid="ignore"):
            out[name] = table * w.reshape((-1,) + (1,) * (table.ndim - 1))
        if check:
            _bounded(diagram, name, table, w, out[name])
    return out


def _bounded(diagram: Diagram, name: str, table: np.ndarray, w: np.ndarray,
             weighted: np.ndarray) -> None:
    """Refuse weighted utilities beyond :data:`~influence.limits.UTILITY_BOUND`."""
    magnitude = np.abs(weighted)
    if weighted.size and not (np.isfinite(weighted).all() and magnitude.max() <= UTILITY_BOUND):
        raise QueryError(
            f"expected every |value x weight| at most {UTILITY_BOUND:.0e}, got values up to "
            f"{float(np.abs(table).max()):.3g} with weights up to {float(np.abs(w).max()):.3g}",
            file=diagram.file, node=name, parameter="weights")


def _node(diagram: Diagram, name: Any, parameter: str, kinds: tuple[str, ...]) -> Node:
    if not isinstance(name, str) or name not in diagram:
        candidates = [n.name for n in diagram.nodes if n.kind in kinds]
        raise QueryError(f"expected `{parameter}` to name {' or '.join(kinds)} nodes of the "
                         f"model, got {name!r}{suggest(name, candidates)}", file=diagram.file,
                         node=str(name), parameter=parameter)
    node = diagram.node(name)
    if node.kind not in kinds:
        raise QueryError(f"expected `{parameter}` to name {' or '.join(kinds)} nodes, got the "
                         f"{node.kind} node '{name}'", file=diagram.file, node=name,
                         parameter=parameter)
    return node


def _as_batch(diagram: Diagram, node: Node, value: Any, check: bool) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise QueryError(f"expected numbers in the table, got {type(value).__name__}",
                         file=diagram.file, node=node.name, parameter="tables") from None
    shape = node.table.shape
    if array.shape == shape:
        array = array[None]
    elif array.shape[1:] != shape or array.ndim != len(shape) + 1 or array.shape[0] < 1:
        raise QueryError(f"expected a table of shape {shape} or (draws, *{shape}), got shape "
                         f"{array.shape}", file=diagram.file, node=node.name,
                         parameter="tables")
    if check:
        array = _checked(diagram, node, array)
    return array


def _checked(diagram: Diagram, node: Node, array: np.ndarray) -> np.ndarray:
    def error(what: str, index: tuple[int, ...], value: float) -> QueryError:
        draw, cell = index[0], index[1:]
        at = f"draw {draw}" + (f", entry {cell}" if cell else "")
        return QueryError(f"expected {what}, got {value!r} ({at})", file=diagram.file,
                          node=node.name, parameter="tables")

    bad = ~np.isfinite(array)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        raise error("finite numbers", index, float(array[index]))
    if node.kind != "chance":
        return array
    if (array < 0).any() or (array > 1).any():
        index = tuple(int(i) for i in np.argwhere((array < 0) | (array > 1))[0])
        raise error("probabilities in [0, 1]", index, float(array[index]))
    sums = array.sum(axis=-1)
    off = np.abs(sums - 1.0) > SUM_TOLERANCE
    if off.any():
        index = tuple(int(i) for i in np.argwhere(off)[0])
        raise error("each row to sum to 1", index, float(sums[index]))
    return array / sums[..., None]


def _weight(diagram: Diagram, node: Node, value: Any, check: bool) -> np.ndarray:
    try:
        w = np.asarray(value, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise QueryError(f"expected a number or an array of numbers as the weight, got "
                         f"{type(value).__name__}", file=diagram.file, node=node.name,
                         parameter="weights") from None
    if check and (w.size < 1 or not np.all(np.isfinite(w))):
        raise QueryError(f"expected finite weights, got {value!r}", file=diagram.file,
                         node=node.name, parameter="weights")
    return w


def _same_draws(diagram: Diagram, params: Mapping[str, np.ndarray]) -> None:
    counts = {name: a.shape[0] for name, a in params.items() if a.shape[0] != 1}
    if len(set(counts.values())) > 1:
        shown = ", ".join(f"{k}: {v}" for k, v in counts.items())
        raise QueryError(f"expected the same number of draws for every table, got {shown}",
                         file=diagram.file, parameter="tables")
