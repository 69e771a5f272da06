"""Writing a diagram as a model file (YAML), with everything it holds.

The inverse of :func:`influence.model.loader.load`: nodes in temporal order with their labels,
descriptions, sources, units and weights; every table row with its source and prior; the named
policies; the model's title, description, sources and units. Numbers are written as the
shortest decimal that reads back as the same double, so a diagram read from another format and
written here keeps every number exactly.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import yaml

from ...model.diagram import Diagram, Node
from ...model.yamlio import plain

__all__ = ["model_document", "yaml_text", "write_yaml", "KEEPS"]

KEEPS = ("priors", "row sources", "policies", "labels", "descriptions", "sources", "units",
         "weights", "title", "model description", "model sources")


def _text_fields(node: Node, spec: dict[str, Any]) -> None:
    for key in ("label", "description", "source"):
        if getattr(node, key) is not None:
            spec[key] = getattr(node, key)


def _rows(diagram: Diagram, node: Node, key: str) -> list[dict[str, Any]]:
    spaces = [diagram.node(p).states for p in node.parents]
    rows = []
    for index in itertools.product(*(range(len(s)) for s in spaces)):
        combo = tuple(s[i] for s, i in zip(spaces, index, strict=True))
        row: dict[str, Any] = {"given": dict(zip(node.parents, combo, strict=True))}
        value = node.table[index]
        row[key] = [float(x) for x in value] if key == "p" else float(value)
        if combo in node.row_sources:
            row["source"] = node.row_sources[combo]
        if combo in node.priors:
            row["prior"] = plain(node.priors[combo].spec)
        rows.append(row)
    return rows


def _node(diagram: Diagram, node: Node) -> dict[str, Any]:
    spec: dict[str, Any] = {"type": node.kind}
    _text_fields(node, spec)
    if node.kind == "decision":
        spec["states"] = list(node.states)
        if node.parents:
            spec["observes"] = list(node.parents)
        if node.remembers:
            spec["remembers"] = list(node.remembers)
        return spec
    if node.kind == "chance":
        spec["states"] = list(node.states)
    else:
        if node.unit is not None:
            spec["unit"] = node.unit
        if node.weight != 1.0:
            spec["weight"] = float(node.weight)
    if node.parents:
        spec["parents"] = list(node.parents)
        key = "cpt" if node.kind == "chance" else "values"
        spec[key] = _rows(diagram, node, "p" if node.kind == "chance" else "value")
        return spec
    if node.kind == "chance":
        spec["p"] = [float(x) for x in np.asarray(node.table)]
    else:
        spec["value"] = float(node.table)
    if () in node.priors:
        spec["prior"] = plain(node.priors[()].spec)
    return spec


def _policies(diagram: Diagram) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for p in diagram.policies:
        spec: dict[str, Any] = {"label": p.label}
        for key in ("description", "source"):
            if getattr(p, key) is not None:
                spec[key] = getattr(p, key)
        choose: dict[str, Any] = {}
        for d, rows in p.rules.items():
            if len(rows) == 1 and not rows[0].given:
                choose[d] = rows[0].choose
            else:
                choose[d] = [{"given": dict(r.given), "choose": r.choose} for r in rows]
        spec["choose"] = choose
        out[p.id] = spec
    return out


def model_document(diagram: Diagram) -> dict[str, Any]:
    """The model document (plain dicts and lists) of ``diagram``."""
    doc: dict[str, Any] = {"name": diagram.name}
    for key in ("title", "description"):
        if getattr(diagram, key) is not None:
            doc[key] = getattr(diagram, key)
    if diagram.sources:
        doc["source"] = diagram.sources[0] if len(diagram.sources) == 1 else list(diagram.sources)
    if diagram.units is not None:
        doc["units"] = diagram.units
    if diagram.recall != "perfect":
        doc["recall"] = diagram.recall
    doc["nodes"] = {n.name: _node(diagram, n) for n in diagram.nodes}
    if diagram.policies:
        doc["policies"] = _policies(diagram)
    return doc


class _Dumper(yaml.SafeDumper):
    """Safe dumping; short lists of scalars (states, probabilities, `given`) on one line."""


def _represent_list(dumper: yaml.SafeDumper, data: list) -> yaml.Node:
    flow = all(not isinstance(x, dict | list) for x in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


def _represent_dict(dumper: yaml.SafeDumper, data: dict) -> yaml.Node:
    flow = bool(data) and len(data) <= 4 and all(
        isinstance(v, str) for v in data.values()) and all(len(str(v)) < 30
                                                           for v in data.values())
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=flow)


_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(dict, _represent_dict)


def yaml_text(diagram: Diagram) -> str:
    """The diagram as model-file text."""
    header = (f"# {diagram.title or diagram.name}: written by influence from "
              f"{diagram.file or 'a diagram'}\n")
    return header + yaml.dump(model_document(diagram), Dumper=_Dumper, sort_keys=False,
                              allow_unicode=True, width=100)


def write_yaml(diagram: Diagram, path: Any) -> tuple[str, list[str]]:
    """The YAML text of ``diagram``; YAML holds everything, so nothing is left out."""
    return yaml_text(diagram), []
