"""GeNIe / SMILE ``.xdsl`` files.

Reading: ``<cpt>`` (chance), ``<deterministic>`` (a chance node whose rows are one-hot),
``<decision>`` and ``<utility>`` nodes; ``<mau>`` (multi-attribute utility) nodes with
``<weights>`` are linear: each utility beneath one gets the product of the weights on its way up
as its weight. A ``<mau>`` given by an ``<expression>``, and equation, continuous and noisy
nodes, are refused with the node named. ``<probabilities>`` list the parents' states in order,
the last parent fastest, then the node's states: influence's own layout; ``<utilities>`` the
same without the states. From the ``<genie>`` extension: ``<name>`` is the label, ``<comment>``
the description, positions are not kept.

Writing: XDSL ids and state ids are identifiers (letters, digits, ``_``): other names are
written as identifiers with the original kept in a ``<property>``. Utility weights other than
one are written as GeNIe's own ``<mau>`` node over the utilities, so GeNIe combines them as
influence does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element
from xml.sax.saxutils import escape, quoteattr

import numpy as np

from ...errors import ModelError
from ...model.diagram import Diagram
from .build import is_placeholder
from .spec import NetworkSpec, NodeSpec
from .writing import (
    PREFIX,
    dropped,
    identifiers,
    model_extras,
    node_extras,
    number,
    order_arcs,
    positions,
    read_extra,
)
from .xmlsafe import children, local, parse_xml, text_of

__all__ = ["read_xdsl", "write_xdsl", "KEEPS"]

KEEPS = ("labels", "descriptions", "sources", "units", "weights", "title", "model description",
         "model sources")
_REFUSED = {
    "equation": "an equation node",
    "noisymax": "a noisy-MAX node (convert it to a CPT in GeNIe)",
    "noisyadder": "a noisy-adder node (convert it to a CPT in GeNIe)",
    "cast": "a canonical (CAST) node",
    "cpt_dynamic": "a dynamic node",
}


def _first(element: Element, tag: str) -> Element | None:
    found = children(element, tag)
    return found[0] if found else None


def _numbers(element: Element | None, file: str, node: str, field: str) -> list[float]:
    try:
        return [float(x) for x in text_of(element).split()]
    except ValueError as exc:
        raise ModelError(f"expected numbers, got {exc}", file=file, node=node,
                         field=field) from None


def _properties(element: Element, extras: dict[str, Any]) -> None:
    holders = [element] + children(element, "properties")
    for holder in holders:
        for prop in children(holder, "property"):
            read_extra(extras, prop.get("id", ""), prop.text or "")


def _deterministic(element: Element, states: list[str], file: str, name: str) -> list[float]:
    picks = text_of(_first(element, "resultingstates")).split()
    rows = []
    for pick in picks:
        if pick not in states:
            raise ModelError(f"expected resulting states among {', '.join(states)}, got "
                             f"{pick!r}", file=file, node=name, field="resultingstates")
        rows += [1.0 if s == pick else 0.0 for s in states]
    return rows


def _node(element: Element, file: str) -> NodeSpec | None:
    tag = local(element.tag).lower()
    name = element.get("id", "")
    if tag in _REFUSED or element.get("dynamic"):
        raise ModelError(f"expected cpt, deterministic, decision or utility nodes, got "
                         f"{_REFUSED.get(tag, 'a dynamic node')}", file=file, node=name)
    if tag not in ("cpt", "deterministic", "decision", "utility"):
        raise ModelError(f"expected cpt, deterministic, decision or utility nodes, got "
                         f"<{tag}>", file=file, node=name)
    extras: dict[str, Any] = {}
    _properties(element, extras)
    states = [s.get("id", "") for s in children(element, "state")]
    stored = extras.pop("states", None)
    if stored:
        try:
            names = [str(s) for s in json.loads(stored)]
        except (ValueError, TypeError):
            names = []
        if len(names) == len(states):
            states = names
    parents = text_of(_first(element, "parents")).split()
    kind = {"cpt": "chance", "deterministic": "chance"}.get(tag, tag)
    table: list[float] | None = None
    if tag == "cpt":
        table = _numbers(_first(element, "probabilities"), file, name, "probabilities")
    elif tag == "deterministic":
        table = _deterministic(element, [s.get("id", "") for s in children(element, "state")],
                               file, name)
    elif tag == "utility":
        table = _numbers(_first(element, "utilities"), file, name, "utilities")
    return NodeSpec(name=name, kind=kind, states=states, parents=parents, table=table,
                    extras=extras)


def _mau_weights(maus: dict[str, tuple[list[str], list[float]]], file: str) -> dict[str, float]:
    """Utility node -> its weight in the total: products of MAU weights down from the top."""
    below = {p for parents, _ in maus.values() for p in parents}
    weights: dict[str, float] = {}

    def descend(name: str, factor: float, trail: tuple[str, ...]) -> None:
        if name in trail:
            raise ModelError(f"expected MAU nodes without cycles, got {' -> '.join(trail)}",
                             file=file, node=name)
        parents, ws = maus[name]
        for p, w in zip(parents, ws, strict=True):
            if p in maus:
                descend(p, factor * w, trail + (name,))
            else:
                weights[p] = weights.get(p, 0.0) + factor * w

    for top in (m for m in maus if m not in below):
        descend(top, 1.0, ())
    return weights


def _mau(element: Element, file: str) -> tuple[list[str], list[float]]:
    name = element.get("id", "")
    parents = text_of(_first(element, "parents")).split()
    if _first(element, "weights") is None:
        raise ModelError("expected a linear multi-attribute utility (<weights>), got one given "
                         "by an expression; make it a weighted sum in GeNIe", file=file,
                         node=name, field="mau")
    ws = _numbers(_first(element, "weights"), file, name, "weights")
    if len(ws) != len(parents):
        raise ModelError(f"expected one weight per parent ({len(parents)}), got {len(ws)}",
                         file=file, node=name, field="weights")
    return parents, ws


def _genie(root: Element, specs: dict[str, NodeSpec], extras: dict[str, Any],
           ignored: set[str]) -> None:
    genie = next((g for e in children(root, "extensions") for g in children(e, "genie")), None)
    if genie is None:
        return
    if genie.get("name"):
        extras.setdefault("title", genie.get("name"))
    if text_of(_first(genie, "comment")):
        extras.setdefault("description", text_of(_first(genie, "comment")).replace("\\n", "\n"))
    for node in children(genie, "node"):
        spec = specs.get(node.get("id", ""))
        if spec is None:
            continue
        label = text_of(_first(node, "name"))
        if label and label != spec.name:
            spec.extras.setdefault("label", label)
        comment = text_of(_first(node, "comment"))
        if comment:
            spec.extras.setdefault("description", comment.replace("\\n", "\n"))
        if _first(node, "position") is not None:
            ignored.add("positions")


def read_xdsl(path: str | Path, data: bytes | None = None) -> NetworkSpec:
    """Read a GeNIe ``.xdsl`` file into a :class:`NetworkSpec`."""
    file = str(path)
    root = parse_xml(path, data)
    if local(root.tag).lower() != "smile":
        raise ModelError(f"expected a <smile> document, got <{local(root.tag)}>", file=file)
    holder = _first(root, "nodes")
    if holder is None:
        raise ModelError("expected <nodes>, got none", file=file)
    specs: dict[str, NodeSpec] = {}
    maus: dict[str, tuple[list[str], list[float]]] = {}
    for element in holder:
        if local(element.tag).lower() == "mau":
            maus[element.get("id", "")] = _mau(element, file)
            continue
        spec = _node(element, file)
        specs[spec.name] = spec
    for utility, weight in _mau_weights(maus, file).items():
        if utility not in specs or specs[utility].kind != "utility":
            raise ModelError(f"expected utility nodes under a MAU node, got {utility!r}",
                             file=file, node=utility, field="mau")
        specs[utility].extras.setdefault("weight", weight)
        specs[utility].extras["unweighted"] = True
    extras: dict[str, Any] = {}
    _properties(root, extras)
    ignored: set[str] = set()
    _genie(root, specs, extras, ignored)
    name = extras.pop("name", None) or root.get("id") or Path(file).stem
    return NetworkSpec(name=name, nodes=list(specs.values()), format="xdsl", extras=extras,
                       ignored=sorted(ignored))


# -- writing -------------------------------------------------------------------------------------


def _prop(key: str, value: str, indent: str) -> str:
    return f"{indent}<property id={quoteattr(PREFIX + key)}>{escape(value)}</property>"


def _node_xml(diagram: Diagram, n: Any, ids: dict[str, str], order: dict[str, str]) -> list[str]:
    tag = {"chance": "cpt", "decision": "decision", "utility": "utility"}[n.kind]
    out = [f"    <{tag} id={quoteattr(ids[n.name])}>"]
    state_ids = identifiers(n.states)
    out += [f"      <state id={quoteattr(state_ids[s])} />" for s in n.states]
    parents = n.parents + ((order[n.name],) if n.name in order else ())
    if parents:
        out.append(f"      <parents>{' '.join(ids[p] for p in parents)}</parents>")
    if n.kind == "chance":
        out.append(f"      <probabilities>{' '.join(number(x) for x in np.ravel(n.table))}"
                   "</probabilities>")
    elif n.kind == "utility":
        out.append(f"      <utilities>{' '.join(number(x) for x in np.ravel(n.table))}"
                   "</utilities>")
    extras = node_extras(n, ids[n.name], order_parent=ids[order[n.name]] if n.name in order
                         else None, diagram=diagram)
    extras.pop("weight", None)  # weights go into the <mau> node
    extras.pop("description", None)  # the genie comment holds it
    if any(state_ids[s] != s for s in n.states):
        extras["states"] = json.dumps(list(n.states))
    out += [_prop(k, v, "      ") for k, v in extras.items()]
    out.append(f"    </{tag}>")
    return out


def xdsl_text(diagram: Diagram) -> str:
    """The diagram as XDSL text."""
    ids = identifiers(diagram.names)
    order = order_arcs(diagram)
    where = positions(diagram)
    smile_id = identifiers([diagram.name])[diagram.name]
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<smile version="1.0" id={quoteattr(smile_id)} numsamples="10000" '
           'discsamples="10000">']
    # The title and description go into the genie extension; the rest into properties.
    extras = {k: v for k, v in model_extras(diagram).items()
              if k not in ("title", "description") and (k != "name" or v != smile_id)}
    if extras:
        out += ["  <properties>", *(_prop(k, v, "    ") for k, v in extras.items()),
                "  </properties>"]
    out.append("  <nodes>")
    nodes = [n for n in diagram.nodes if not is_placeholder(n)]
    for n in nodes:
        out += _node_xml(diagram, n, ids, order)
    utilities = [u for u in diagram.utilities if not is_placeholder(u)]
    if any(u.weight != 1.0 for u in utilities):
        mau = identifiers(diagram.names + ("total_utility",))["total_utility"]
        mau = mau if mau not in ids.values() else mau + "_"
        out += [f"    <mau id={quoteattr(mau)}>",
                f"      <parents>{' '.join(ids[u.name] for u in utilities)}</parents>",
                f"      <weights>{' '.join(number(u.weight) for u in utilities)}</weights>",
                "    </mau>"]
    out += ["  </nodes>", "  <extensions>",
            f'    <genie version="1.0" app="influence" name={quoteattr(diagram.title or "")}>']
    if diagram.description:
        out.append(f"      <comment>{escape(diagram.description)}</comment>")
    for n in nodes:
        x, y = where[n.name]
        out += [f"      <node id={quoteattr(ids[n.name])}>",
                f"        <name>{escape(n.label or n.name)}</name>",
                '        <interior color="e5f6f7" />', '        <outline color="000080" />',
                '        <font color="000000" name="Arial" size="8" />',
                f"        <position>{x} {y} {x + 100} {y + 40}</position>"]
        if n.description:
            out.append(f"        <comment>{escape(n.description)}</comment>")
        out.append("      </node>")
    out += ["    </genie>", "  </extensions>", "</smile>"]
    return "\n".join(out) + "\n"


def write_xdsl(diagram: Diagram, path: str | Path) -> tuple[str, list[str]]:
    """The XDSL text of ``diagram`` and what it leaves out."""
    return xdsl_text(diagram), dropped(diagram, KEEPS)
