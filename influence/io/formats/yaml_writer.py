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
         "weights", "title", "model description", "model sources", "parameters",
         "structured tables")


def _text_fields(node: Node, spec: dict[str, Any]) -> None:
    for key in ("label", "description", "source"):
        if getattr(node, key) is not None:
            spec[key] = getattr(node, key)


def _number_or_parameter(diagram: Diagram, name: str, auto: str) -> Any:
    """A number of a structured table as written: the name of a named parameter, a bare
    number, or a mapping with its prior, source and description (and its name, if not the
    one the loader would give it)."""
    p = diagram.parameter(name)
    if p.node is None:
        return name
    spec: dict[str, Any] = {"value": float(p.value)}
    if p.prior is not None:
        spec["prior"] = plain(p.prior.spec)
    for key in ("source", "description"):
        if getattr(p, key) is not None:
            spec[key] = getattr(p, key)
    if name != auto:
        spec["name"] = name
    return spec if len(spec) > 1 else float(p.value)


def _given_text(given: Any) -> dict[str, str]:
    return {k: v for k, v in given}


def _structure(diagram: Diagram, node: Node) -> dict[str, Any]:
    """The ``table:`` of a structured node, as the loader reads it."""
    s = node.structure
    n = node.name

    def label(given: Any) -> str:
        return n + "[" + ",".join(f"{p}={v}" for p, v in given) + "]"

    if s.form == "deterministic":
        rules = []
        for r in s.rules:
            rule: dict[str, Any] = {"given": _given_text(r.given), "state": r.state}
            if r.source:
                rule["source"] = r.source
            rules.append(rule)
        return {"deterministic": rules}
    if s.form == "log_linear":
        body: dict[str, Any] = {"scale": s.scale}
        if len(node.states) == 2:
            (target, name), = s.base
            body["state"] = target
            body["base"] = _number_or_parameter(diagram, name, f"{n}.base")
        else:
            body["base"] = {st: _number_or_parameter(diagram, name, f"{n}.base:{st}")
                            for st, name in s.base}
        effects = []
        for e in s.effects:
            effect: dict[str, Any] = {"given": _given_text(e.given),
                                      "ratio": _number_or_parameter(diagram, e.ratio,
                                                                    label(e.given)),
                                      "states": list(e.states)}
            if e.source:
                effect["source"] = e.source
            effects.append(effect)
        body["effects"] = effects
        return {"log_linear": body}

    def steps(names: tuple[str, ...], auto: str) -> Any:
        if len(names) == 1 and s.binary:
            return _number_or_parameter(diagram, names[0], auto)
        return {lv: _number_or_parameter(diagram, nm, f"{auto}:{lv}")
                for lv, nm in zip(s.levels[1:], names, strict=True)}

    body = {"state": s.levels[-1]} if s.binary else {}
    body["leak"] = steps(s.leak, f"{n}.leak")
    links = []
    for link in s.links:
        given = ((link.parent, link.state),)
        entry: dict[str, Any] = {"given": _given_text(given), "p": steps(link.steps,
                                                                         label(given))}
        if link.source:
            entry["source"] = link.source
        links.append(entry)
    body["links"] = links
    return {s.written_as: body}


def _named_parameters(diagram: Diagram) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for p in diagram.parameters:
        if p.node is not None:
            continue
        spec: dict[str, Any] = {"value": float(p.value)}
        if p.prior is not None:
            spec["prior"] = plain(p.prior.spec)
        for key in ("source", "description"):
            if getattr(p, key) is not None:
                spec[key] = getattr(p, key)
        out[p.name] = spec
    return out


def _rows(diagram: Diagram, node: Node, key: str) -> list[dict[str, Any]]:
    spaces = [diagram.node(p).states for p in node.parents]
    rows = []
    for index in itertools.product(*(range(len(s)) for s in spaces)):
        combo = tuple(s[i] for s, i in zip(spaces, index, strict=True))
        row: dict[str, Any] = {"given": dict(zip(node.parents, combo, strict=True))}
        value = node.table[index]
        row[key] = [float(x) for x in value] if key == "p" else float(value)
        if combo in node.expressions:
            row[key] = str(node.expressions[combo])
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
        if node.weight_expression is not None:
            spec["weight"] = str(node.weight_expression)
        elif node.weight != 1.0:
            spec["weight"] = float(node.weight)
    if node.structure is not None:
        if node.parents:
            spec["parents"] = list(node.parents)
        spec["table"] = _structure(diagram, node)
        return spec
    if node.parents:
        spec["parents"] = list(node.parents)
        key = "cpt" if node.kind == "chance" else "values"
        spec[key] = _rows(diagram, node, "p" if node.kind == "chance" else "value")
        return spec
    if node.kind == "chance":
        spec["p"] = [float(x) for x in np.asarray(node.table)]
    else:
        spec["value"] = str(node.expressions[()]) if () in node.expressions \
            else float(node.table)
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
    named = _named_parameters(diagram)
    if named:
        doc["parameters"] = named
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
