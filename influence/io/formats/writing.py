"""What the writers share: what a format can hold, names it accepts, numbers, positions.

Formats keep different parts of a diagram. :func:`dropped` lists the parts a diagram uses that
a format cannot hold, for the one warning line of a conversion. Influence diagrams written for
other tools carry:

* utility values multiplied by their weights (other tools sum utility nodes with weight one),
  the weight itself kept where the format has properties, so that influence reads it back;
* an arc from each decision to the next where the graph does not already order them: tools
  that need the order of the decisions (GeNIe, pyAgrum, HUGIN's no-forgetting) find it in the
  file; the arcs added are recorded and left out again when influence reads the file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from ...errors import ModelError
from ...model.compute import node_parameters
from ...model.diagram import Diagram, Node
from .build import is_placeholder

__all__ = ["FEATURES", "used_features", "dropped", "number", "identifiers", "order_arcs",
           "positions", "weighted", "node_extras", "model_extras", "refuse_decisions",
           "PREFIX", "read_extra"]

#: The prefix of the properties influence writes into the files of other tools.
PREFIX = "influence_"

#: Every part of a diagram a format may or may not hold, in the order they are reported.
FEATURES = ("priors", "row sources", "policies", "labels", "descriptions", "sources", "units",
            "weights", "title", "model description", "model sources", "parameters",
            "structured tables")

_C_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def used_features(diagram: Diagram) -> dict[str, int]:
    """The parts of ``diagram`` in use: feature -> how many (nodes, rows or policies)."""
    nodes = [n for n in diagram.nodes if not is_placeholder(n)]
    count = {
        "priors": sum(len(n.priors) for n in nodes),
        "row sources": sum(len(n.row_sources) for n in nodes if n.parents),
        "policies": len(diagram.policies),
        "labels": sum(n.label is not None for n in nodes),
        "descriptions": sum(n.description is not None for n in nodes),
        "sources": sum(n.source is not None for n in nodes),
        "units": sum(n.unit is not None for n in nodes) + (diagram.units is not None),
        "weights": sum(n.kind == "utility" and n.weight != 1.0 for n in nodes),
        "title": int(diagram.title is not None),
        "model description": int(diagram.description is not None),
        "model sources": len(diagram.sources),
        "parameters": len(diagram.parameters),
        "structured tables": sum(n.structure is not None or bool(n.expressions)
                                 or n.weight_expression is not None for n in nodes),
    }
    return {k: v for k, v in count.items() if v}


def dropped(diagram: Diagram, keeps: Iterable[str]) -> list[str]:
    """What ``diagram`` uses that a format keeping ``keeps`` cannot hold, as short phrases."""
    keeps = set(keeps)
    out = []
    for feature, n in used_features(diagram).items():
        if feature in keeps:
            continue
        if feature == "weights":
            out.append(f"weights ({n}; folded into the utility values)")
        elif feature == "structured tables":
            out.append(f"structured tables ({n}; written as the tables computed from their "
                       "parameters, described in a text property where the format has them)")
        else:
            out.append(f"{feature} ({n})")
    return out


def number(x: float) -> str:
    """The shortest text that reads back as exactly ``x`` (``0.1``, ``-70``, ``1e-07``)."""
    x = float(x)
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


def identifiers(names: Iterable[str], pattern: re.Pattern[str] = _C_ID) -> dict[str, str]:
    """Name -> an identifier matching ``pattern`` (letters, digits and ``_`` by default),
    unique, the name itself where it already is one."""
    names = list(names)
    out: dict[str, str] = {}
    taken = {n for n in names if pattern.match(n)}
    for n in names:
        if pattern.match(n):
            out[n] = n
            continue
        base = re.sub(r"[^A-Za-z0-9_]", "_", n) or "_"
        if not re.match(r"[A-Za-z_]", base):
            base = "_" + base
        candidate, k = base, 2
        while candidate in taken:
            candidate, k = f"{base}_{k}", k + 1
        taken.add(candidate)
        out[n] = candidate
    return out


def order_arcs(diagram: Diagram) -> dict[str, str]:
    """Decision -> the previous decision, where no path of arcs already orders the two."""
    out = {}
    decisions = diagram.decisions
    for prev, cur in zip(decisions, decisions[1:], strict=False):
        if prev.name not in diagram.ancestors(cur.name):
            out[cur.name] = prev.name
    return out


def positions(diagram: Diagram, dx: int = 160, dy: int = 90) -> dict[str, tuple[int, int]]:
    """A plain layout: one column per stage (what comes before each decision), nodes of a stage
    one below the other."""
    out: dict[str, tuple[int, int]] = {}
    column, row = 0, 0
    for n in diagram.nodes:
        if n.kind == "decision":
            column, row = column + 1, 0
        out[n.name] = (60 + dx * column, 40 + dy * row)
        row += 1
    return out


def weighted(node: Node) -> np.ndarray:
    """A utility node's values times its weight: what another tool sums."""
    return np.asarray(node.table, dtype=float) * node.weight


def node_extras(node: Node, written_as: str, *, order_parent: str | None = None,
                diagram: Diagram | None = None) -> dict[str, str]:
    """The text properties that carry what a format has no field for (without the prefix):
    ``id`` (when the node is written under another name), ``description``, ``source``,
    ``unit``, ``weight``, ``order`` (the decision arc added for ordering) and, given the
    ``diagram``, ``parameters``: how its numbers are computed from parameters (the form and
    every parameter with its value, as JSON)."""
    out: dict[str, str] = {}
    if diagram is not None:
        computed = computed_extra(diagram, node)
        if computed:
            out["parameters"] = computed
    if written_as != node.name:
        out["id"] = node.name
    for key in ("description", "source", "unit"):
        if getattr(node, key) is not None:
            out[key] = str(getattr(node, key))
    if node.kind == "utility" and node.weight != 1.0:
        out["weight"] = repr(float(node.weight))
    if order_parent is not None:
        out["order"] = order_parent
    return out


def computed_extra(diagram: Diagram, node: Node) -> str | None:
    """JSON of how a node's numbers are computed from parameters (None if they are not)."""
    from ..parameters_view import structure_data

    doc: dict[str, Any] = {}
    data = structure_data(diagram, node)
    if data is not None:
        doc["structure"] = data
    if node.expressions:
        doc["expressions"] = [{"given": dict(zip(node.parents, k, strict=True)),
                               "expression": str(e)} for k, e in node.expressions.items()]
    if node.weight_expression is not None:
        doc["weight_expression"] = str(node.weight_expression)
    if not doc:
        return None
    names = set(node_parameters(node))
    doc["values"] = {p.name: p.value for p in diagram.parameters if p.name in names}
    return json.dumps(doc, sort_keys=True)


def model_extras(diagram: Diagram) -> dict[str, str]:
    """The model's own text as properties (without the prefix)."""
    out: dict[str, str] = {"name": diagram.name}
    for key in ("title", "description", "units"):
        if getattr(diagram, key) is not None:
            out[key] = str(getattr(diagram, key))
    if diagram.sources:
        out["sources"] = json.dumps(list(diagram.sources))
    return out


def read_extra(target: dict[str, Any], key: str, value: Any) -> bool:
    """Store the property ``key`` (with the prefix) of a file into a spec's ``extras``;
    False if it is not one of influence's."""
    if not key.startswith(PREFIX):
        return False
    key = key[len(PREFIX):]
    value = "" if value is None else str(value)
    if key == "weight":
        try:
            target["weight"] = float(value)
        except ValueError:
            return False
    elif key == "sources":
        try:
            target["sources"] = [str(s) for s in json.loads(value)]
        except (ValueError, TypeError):
            target["sources"] = [value]
    elif key == "order":
        target["order"] = value
    else:
        target[key] = value
    return True


def refuse_decisions(diagram: Diagram, fmt: str, file: Any) -> None:
    """Formats of Bayesian networks: refuse decisions and utility nodes (but the placeholder
    utility of a network that was read from such a format)."""
    for n in diagram.nodes:
        if n.kind != "chance" and not is_placeholder(n):
            raise ModelError(f"expected a Bayesian network ({fmt} holds chance nodes only), got "
                             f"the {n.kind} node '{n.name}'; write an influence diagram as YAML, "
                             "HUGIN .net, GeNIe .xdsl or BIFXML", file=str(file), node=n.name)


def states_need_mapping(diagram: Diagram, pattern: re.Pattern[str] = _C_ID) -> Mapping[str, bool]:
    """Node -> whether some of its states are not identifiers of ``pattern``."""
    return {n.name: any(not pattern.match(s) for s in n.states) for n in diagram.nodes}
