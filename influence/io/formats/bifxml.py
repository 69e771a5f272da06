"""BIFXML (XMLBIF 0.3): pyAgrum's influence diagrams and the Bayesian networks of XMLBIF.

pyAgrum's ``saveID`` writes, and ``loadID`` reads, XMLBIF 0.3 with a ``TYPE`` on each
``VARIABLE``: ``nature`` (chance), ``decision`` or ``utility``. A ``DEFINITION`` (or, in older
files, ``PROBABILITY``) gives a node's parents as ``GIVEN`` and its numbers as ``TABLE``: the
first ``GIVEN`` varies slowest and the node's own states fastest, influence's layout. A
decision's ``DEFINITION`` has ``GIVEN`` only: what it observes. ``PROPERTY`` elements carry
text: ``description = ...`` (a label), ``position = (x, y)`` (not kept) and influence's own
``influence_* = ...``. XMLBIF files of Bayesian networks are the same without decisions and
utilities. pyAgrum writes numbers with six significant digits: rows such as ``0.333333``
three times are renormalised with a warning (see :mod:`~influence.io.formats.build`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import numpy as np

from ...errors import ModelError
from ...model.diagram import Diagram
from .build import is_placeholder
from .spec import NetworkSpec, NodeSpec
from .writing import (
    PREFIX,
    dropped,
    model_extras,
    node_extras,
    number,
    order_arcs,
    positions,
    read_extra,
    refuse_decisions,
    weighted,
)
from .xmlsafe import children, local, parse_xml, text_of

__all__ = ["read_bifxml", "write_bifxml", "write_xmlbif", "KEEPS"]

KEEPS = ("labels", "descriptions", "sources", "units", "weights", "title", "model description",
         "model sources")
_KINDS = {"nature": "chance", "decision": "decision", "utility": "utility"}


def _property(target: dict[str, Any], text: str, name: str, ignored: set[str]) -> None:
    key, sep, value = text.partition("=")
    key, value = key.strip(), value.strip()
    if not sep:
        if text.strip() and text.strip() != name:
            target.setdefault("label", text.strip())
        return
    if key == "description" and value and value != name:
        target.setdefault("label", value)
    elif key == "position":
        ignored.add("positions")
    elif key == "label" and value:
        target.setdefault("label", value)
    else:
        read_extra(target, key, value)


def _definitions(network: Any) -> dict[str, tuple[list[str], str | None]]:
    out: dict[str, tuple[list[str], str | None]] = {}
    for d in children(network, "DEFINITION") + children(network, "PROBABILITY"):
        target = text_of(next(iter(children(d, "FOR")), None))
        given = [text_of(g) for g in children(d, "GIVEN")]
        table = children(d, "TABLE")
        out[target] = (given, table[0].text or "" if table else None)
    return out


def _numbers(text: str, file: str, node: str) -> list[float]:
    try:
        return [float(x) for x in text.replace(",", " ").split()]
    except ValueError as exc:
        raise ModelError(f"expected numbers in TABLE, got {exc}", file=file, node=node,
                         field="TABLE") from None


def read_bifxml(path: str | Path, data: bytes | None = None) -> NetworkSpec:
    """Read a BIFXML / XMLBIF file into a :class:`NetworkSpec`."""
    file = str(path)
    root = parse_xml(path, data)
    networks = [root] if local(root.tag).upper() == "NETWORK" else children(root, "NETWORK")
    if local(root.tag).upper() not in ("BIF", "NETWORK") or not networks:
        raise ModelError(f"expected a BIF document with a NETWORK, got <{local(root.tag)}>",
                         file=file)
    network = networks[0]
    ignored: set[str] = set()
    definitions = _definitions(network)
    specs = []
    for var in children(network, "VARIABLE"):
        name = text_of(next(iter(children(var, "NAME")), None))
        raw_kind = (var.get("TYPE") or var.get("type") or "nature").strip().lower()
        if raw_kind not in _KINDS:
            raise ModelError(f"expected TYPE nature, decision or utility, got {raw_kind!r}",
                             file=file, node=name, field="TYPE")
        kind = _KINDS[raw_kind]
        extras: dict[str, Any] = {}
        for prop in children(var, "PROPERTY"):
            _property(extras, prop.text or "", name, ignored)
        states = [text_of(o) for o in children(var, "OUTCOME")] if kind != "utility" else []
        given, table = definitions.get(name, ([], None))
        if kind != "decision" and table is None:
            raise ModelError("expected a DEFINITION with a TABLE, got none", file=file,
                             node=name, field="TABLE")
        specs.append(NodeSpec(name=name, kind=kind, states=states, parents=given,
                              table=None if kind == "decision" else _numbers(table, file, name),
                              extras=extras))
    model: dict[str, Any] = {}
    for prop in children(network, "PROPERTY"):
        _property(model, prop.text or "", "", ignored)
    model.pop("label", None)
    name = model.pop("name", None) or text_of(next(iter(children(network, "NAME")), None)) \
        or Path(file).stem
    return NetworkSpec(name=name, nodes=specs, format="bifxml", extras=model,
                       ignored=sorted(ignored))


def _prop(key: str, value: str) -> str:
    return f"\t<PROPERTY>{escape(key)} = {escape(value)}</PROPERTY>"


def bifxml_text(diagram: Diagram, *, decisions: bool = True) -> str:
    """The diagram as BIFXML (``decisions=False``: XMLBIF of the chance part only)."""
    where = positions(diagram)
    order = order_arcs(diagram) if decisions else {}
    nodes = [n for n in diagram.nodes if not is_placeholder(n)]
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<BIF VERSION="0.3">', "<NETWORK>",
           f"<NAME>{escape(diagram.name)}</NAME>"]
    for key, value in model_extras(diagram).items():
        out.append(_prop(PREFIX + key, value).lstrip("\t"))
    kinds = {"chance": "nature", "decision": "decision", "utility": "utility"}
    for n in nodes:
        out += [f'<VARIABLE TYPE="{kinds[n.kind]}">', f"\t<NAME>{escape(n.name)}</NAME>"]
        out += [f"\t<OUTCOME>{escape(s)}</OUTCOME>" for s in n.states or ("0",)]
        if n.label:
            out.append(_prop("description", n.label))
        out.append(_prop("position", f"({where[n.name][0]}, {where[n.name][1]})"))
        for key, value in node_extras(n, n.name, order_parent=order.get(n.name),
                                      diagram=diagram).items():
            out.append(_prop(PREFIX + key, value))
        out.append("</VARIABLE>")
    for n in nodes:
        parents = n.parents + ((order[n.name],) if n.name in order else ())
        out += ["<DEFINITION>", f"\t<FOR>{escape(n.name)}</FOR>"]
        out += [f"\t<GIVEN>{escape(p)}</GIVEN>" for p in parents]
        if n.kind != "decision":
            table = np.asarray(n.table) if n.kind == "chance" else weighted(n)
            out.append(f"\t<TABLE>{' '.join(number(x) for x in np.ravel(table))}</TABLE>")
        out.append("</DEFINITION>")
    out += ["</NETWORK>", "</BIF>"]
    return "\n".join(out) + "\n"


def write_bifxml(diagram: Diagram, path: str | Path) -> tuple[str, list[str]]:
    """pyAgrum's BIFXML of an influence diagram, and what it leaves out."""
    return bifxml_text(diagram), dropped(diagram, KEEPS)


def write_xmlbif(diagram: Diagram, path: str | Path) -> tuple[str, list[str]]:
    """XMLBIF of a Bayesian network (refused for decisions and utilities)."""
    refuse_decisions(diagram, "XMLBIF", path)
    return bifxml_text(diagram, decisions=False), dropped(diagram, KEEPS)
