"""HUGIN ``.net`` files (the NET language of the HUGIN API reference).

Reading: the ``net`` block, discrete chance nodes (``node`` / ``discrete node`` / ``discrete
chance node``), ``decision`` and ``utility`` nodes, and ``potential`` blocks with ``data``.
Comments (``%``), strings with escapes, nested parentheses and numbers in any layout are
handled by a real tokenizer (:mod:`~influence.io.formats.tokens`). A potential ``(A | B C)``
lists its data with ``B`` outermost and ``A`` innermost: influence's own layout. A decision's
potential only names its parents (what it observes). Continuous nodes, function nodes and
object-oriented classes are refused with the node named. Positions are read and not kept.

Writing: one block per node in temporal order, then one potential per node, rows commented
with their parent states; labels as ``label``, influence's own text as ``influence_*``
attributes (HUGIN keeps user attributes of nodes and of the network).
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import ModelError
from ...model.diagram import Diagram
from .build import is_placeholder
from .spec import NetworkSpec, NodeSpec
from .tokens import PUNCT, Cursor, tokenize
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
    weighted,
)

__all__ = ["read_net", "write_net", "KEEPS"]

#: What a .net file holds besides the structure and the numbers.
KEEPS = ("labels", "descriptions", "sources", "units", "weights", "title", "model description",
         "model sources")

_KIND_WORDS = {"node", "discrete", "continuous", "decision", "utility", "function", "chance"}


# -- parsing -------------------------------------------------------------------------------------


def _value(cur: Cursor, node: str | None) -> Any:
    """An attribute value: a string, a number, a word, or a parenthesised list of values."""
    if cur.accept("("):
        items = []
        while not cur.accept(")"):
            if cur.at_end():
                raise cur.error("expected ')' to close a list, got the end of the file",
                                node=node)
            items.append(_value(cur, node))
        return items
    tok = cur.next("a value")
    if tok.kind == PUNCT:
        raise ModelError(f"expected a value, got '{tok.text}'", file=cur.file, node=node,
                         line=tok.line)
    return tok.number if tok.kind == "number" else tok.text


def _attributes(cur: Cursor, node: str | None) -> dict[str, Any]:
    """``{ name = value; ... }``; nested blocks are skipped."""
    cur.expect("{", node=node)
    attrs: dict[str, Any] = {}
    while not cur.accept("}"):
        key = cur.name("an attribute name or '}'", node=node)
        if cur.is_punct("{"):  # a nested block some writers add
            cur.skip_value()
            cur.accept(";")
            continue
        cur.expect("=", node=node)
        if key in ("model_data",):  # expressions: not a list of plain values
            while not cur.is_punct(";") and not cur.at_end():
                cur.skip_value()
        else:
            attrs[key] = _value(cur, node)
        cur.expect(";", node=node)
    return attrs


def _flatten(value: Any) -> list[float]:
    if isinstance(value, list):
        return [x for v in value for x in _flatten(v)]
    if isinstance(value, float):
        return [value]
    raise ValueError(value)


def _node_block(cur: Cursor, kinds: list[str], nodes: dict[str, dict]) -> None:
    name = cur.name("a node name")
    if "continuous" in kinds:
        raise cur.error("expected discrete nodes, got a continuous node: influence diagrams "
                        "here have discrete states", node=name)
    if "function" in kinds:
        raise cur.error("expected chance, decision or utility nodes, got a function node",
                        node=name)
    kind = "decision" if "decision" in kinds else "utility" if "utility" in kinds else "chance"
    attrs = _attributes(cur, name)
    nodes[name] = {"kind": kind, "attrs": attrs, "line": cur.line}


def _potential(cur: Cursor, potentials: dict[str, dict]) -> None:
    cur.expect("(")
    head: list[str] = []
    tail: list[str] = []
    target = head
    while not cur.accept(")"):
        if cur.accept("|"):
            target = tail
            continue
        target.append(cur.name("a node name in the potential"))
    if len(head) != 1:
        raise cur.error(f"expected one node before '|' in a potential, got "
                        f"{len(head)} ({' '.join(head)}): joint potentials are not read")
    attrs = _attributes(cur, head[0])
    potentials[head[0]] = {"parents": tail, "attrs": attrs}


def parse_net(text: str, file: str | None = None) -> tuple[dict, dict, dict]:
    """The ``net`` attributes, the node blocks and the potentials of a NET text."""
    cur = Cursor(list(tokenize(text, comments=("%",), file=file)), file)
    net: dict[str, Any] = {}
    nodes: dict[str, dict] = {}
    potentials: dict[str, dict] = {}
    while not cur.at_end():
        word = cur.name("'net', a node or 'potential'")
        if word == "net":
            net = _attributes(cur, None)
        elif word == "class":
            raise cur.error("expected a network ('net'), got an object-oriented class; "
                            "save the network as a plain (flat) .net file")
        elif word == "potential":
            _potential(cur, potentials)
        elif word in _KIND_WORDS:
            kinds = [word]
            while cur.peek() is not None and cur.peek().text in _KIND_WORDS \
                    and cur.peek(1) is not None and cur.peek(1).text != "{":
                kinds.append(cur.next().text)
            _node_block(cur, kinds, nodes)
        else:
            raise cur.error(f"expected 'net', a node, a decision, a utility or 'potential', "
                            f"got '{word}'")
    return net, nodes, potentials


# -- reading -------------------------------------------------------------------------------------


def _spec_node(name: str, block: dict, potential: dict | None, file: str | None,
               ignored: set[str]) -> NodeSpec:
    attrs = block["attrs"]
    kind = block["kind"]
    states = attrs.get("states", [])
    if kind != "utility" and (not isinstance(states, list) or not states):
        raise ModelError("expected `states` as a list of names, got none", file=file,
                         node=name, field="states")
    extras: dict[str, Any] = {}
    for key, value in attrs.items():
        if key == "label" and isinstance(value, str) and value.strip():
            extras["label"] = value
        elif key == "position":
            ignored.add("positions")
        elif isinstance(value, str):
            read_extra(extras, key, value)
    parents = potential["parents"] if potential else []
    table = None
    if kind != "decision":
        if potential is None:
            raise ModelError("expected a potential with the node's table, got none", file=file,
                             node=name, field="potential")
        data = potential["attrs"].get("data")
        if "model_nodes" in potential["attrs"] or "model_data" in potential["attrs"]:
            ignored.add("expressions (model_data; the data tables are used)")
        if data is None:
            raise ModelError("expected `data` in the potential, got none (a table given only "
                             "by expressions is not read)", file=file, node=name, field="data")
        try:
            table = _flatten(data) if isinstance(data, list) else _flatten([data])
        except ValueError:
            raise ModelError("expected numbers in `data`, got text", file=file, node=name,
                             field="data") from None
    return NodeSpec(name=name, kind=kind, states=[str(s) if not isinstance(s, float)
                                                  else number(s) for s in states],
                    parents=[str(p) for p in parents], table=table, extras=extras)


def read_net(path: str | Path, text: str | None = None) -> NetworkSpec:
    """Read a HUGIN ``.net`` file into a :class:`NetworkSpec`.

    Raises
    ------
    ModelError
        On a syntax error (with the line), a node the format reader refuses, or a potential
        for an unknown node.
    """
    file = str(path)
    if text is None:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    net, nodes, potentials = parse_net(text, file)
    for head in potentials:
        if head not in nodes:
            raise ModelError(f"expected a potential of a declared node, got one of {head!r}",
                             file=file, node=head, field="potential")
    ignored: set[str] = set()
    specs = [_spec_node(name, block, potentials.get(name), file, ignored)
             for name, block in nodes.items()]
    extras: dict[str, Any] = {}
    for key, value in net.items():
        if isinstance(value, str):
            read_extra(extras, key, value)
    if "label" in net and isinstance(net["label"], str) and net["label"].strip():
        extras.setdefault("title", net["label"])
    name = extras.pop("name", None) or (net.get("name") if isinstance(net.get("name"), str)
                                        else None) or Path(file).stem
    return NetworkSpec(name=name, nodes=specs, format="net", extras=extras,
                       ignored=sorted(ignored))


# -- writing -------------------------------------------------------------------------------------


def _string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _data(table: np.ndarray, row_comments: list[str], indent: str = "    ") -> str:
    """Nested parentheses, one innermost group per line, commented with its parent states;
    the closing ``;`` is part of it (before the last comment)."""
    if table.ndim == 0:
        return f"({number(table)});"
    if table.ndim == 1:
        return "(" + " ".join(number(x) for x in table) + ");"
    lines = []
    inner = table.reshape(-1, table.shape[-1])
    outer = table.shape[:-1]
    for k, row in enumerate(inner):
        index = np.unravel_index(k, outer)
        opened = sum(1 for j in range(len(outer)) if all(i == 0 for i in index[j:]))
        closed = sum(1 for j in range(len(outer))
                     if all(i == s - 1 for i, s in zip(index[j:], outer[j:], strict=True)))
        text = "(" * (opened + 1) + " ".join(number(x) for x in row) + ")" * (closed + 1)
        if k == len(inner) - 1:
            text += ";"
        pad = " " * (len(outer) - opened)
        lines.append(f"{indent}{pad}{text:<40} % {row_comments[k]}")
    return "\n" + "\n".join(lines)


def _attrs(extras: dict[str, str], indent: str = "    ") -> list[str]:
    return [f"{indent}{PREFIX}{key} = {_string(value)};" for key, value in extras.items()]


def _comments(diagram: Diagram, parents: tuple[str, ...], names: dict[str, str]) -> list[str]:
    spaces = [diagram.node(p).states for p in parents]
    return [" ".join(f"{names[p]}={s}" for p, s in zip(parents, combo, strict=True))
            for combo in itertools.product(*spaces)]


def net_text(diagram: Diagram) -> str:
    """The diagram as NET text."""
    names = identifiers(diagram.names)
    where = positions(diagram)
    order = order_arcs(diagram)
    out = ["net", "{", "    node_size = (80 40);"]
    if diagram.title:
        out.append(f"    label = {_string(diagram.title)};")
    out += _attrs(model_extras(diagram))
    out.append("}")
    nodes = [n for n in diagram.nodes if not is_placeholder(n)]
    for n in nodes:
        keyword = {"chance": "node", "decision": "decision", "utility": "utility"}[n.kind]
        out += ["", f"{keyword} {names[n.name]}", "{"]
        if n.label:
            out.append(f"    label = {_string(n.label)};")
        out.append(f"    position = ({where[n.name][0]} {where[n.name][1]});")
        if n.states:
            out.append(f"    states = ({' '.join(_string(s) for s in n.states)});")
        before = names[order[n.name]] if n.name in order else None
        out += _attrs(node_extras(n, names[n.name], order_parent=before, diagram=diagram))
        out.append("}")
    for n in nodes:
        parents = n.parents + ((order[n.name],) if n.name in order else ())
        tail = f" | {' '.join(names[p] for p in parents)}" if parents else ""
        out += ["", f"potential ({names[n.name]}{tail})", "{"]
        if n.kind != "decision":
            table = np.asarray(n.table) if n.kind == "chance" else weighted(n)
            rows = n.parents if n.kind == "chance" else n.parents[:-1]
            body = _data(table, _comments(diagram, rows, names)) if table.ndim > 1 \
                else _data(table, [])
            out.append(f"    data = {body}")
        out.append("}")
    return "\n".join(out) + "\n"


def write_net(diagram: Diagram, path: str | Path) -> tuple[str, list[str]]:
    """The NET text of ``diagram`` and what it leaves out (see :data:`KEEPS`)."""
    return net_text(diagram), dropped(diagram, KEEPS)
