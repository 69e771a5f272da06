"""Netica ``.dne`` files (read only).

A ``bnet NAME { ... };`` block holds ``node NAME { key = value; ... };`` blocks. A node's
``kind`` is ``NATURE`` (chance), ``DECISION`` or ``UTILITY``; ``parents`` are its parents (for a
decision, what it observes); ``probs`` is its table nested by parent states with the node's
states innermost (influence's layout). A deterministic chance node (``chance = DETERMIN``) may
give ``functable``: one state name per combination of parent states, read as one-hot rows. A
utility node gives its values as ``functable`` or ``utils``. ``title`` is the label and
``comment`` the description; ``visual`` blocks (positions) are not kept. Continuous nodes
(``discrete = FALSE`` on a nature node), constants and disconnected nodes are refused with the
node named. Comments are ``//`` and ``/* */``; strings may continue on the next line after a
backslash.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...errors import ModelError
from .spec import NetworkSpec, NodeSpec
from .tokens import NUMBER, PUNCT, STRING, Cursor, tokenize

__all__ = ["read_dne"]


def _value(cur: Cursor) -> Any:
    """A value: a list ``( a, b, ... )`` (commas optional, nested), a number, a word or a
    string."""
    if cur.accept("("):
        items: list[Any] = []
        while not cur.accept(")"):
            if cur.at_end():
                raise cur.error("expected ')' to close a list, got the end of the file")
            if cur.accept(","):
                continue
            items.append(_value(cur))
        return items
    tok = cur.next("a value")
    if tok.kind == NUMBER:
        return tok.number
    if tok.kind == STRING:
        return tok.text
    if tok.kind == PUNCT and tok.text == "@":  # @imaginary, @undef...
        return "@" + cur.name("a word after '@'")
    if tok.kind == PUNCT:
        raise cur.error(f"expected a value, got '{tok.text}'")
    return tok.text


def _block(cur: Cursor, node: str | None) -> tuple[dict[str, Any], list[tuple[str, dict]]]:
    """``{ key = value; ... }`` with nested ``node NAME { ... };`` blocks (others skipped)."""
    cur.expect("{", node=node)
    attrs: dict[str, Any] = {}
    nodes: list[tuple[str, dict]] = []
    while not cur.accept("}"):
        key = cur.name("a key or '}'", node=node)
        if cur.accept("="):
            attrs[key] = _value(cur)
            while not cur.accept(";"):  # an unusual value: skip what follows up to the ';'
                if cur.at_end() or cur.is_punct("}"):
                    break
                cur.skip_value()
            continue
        name = cur.name("a name", node=node)
        if key == "node":
            body, _ = _block(cur, name)
            nodes.append((name, {**body, "_line": cur.line}))
        else:  # visual, user, define...: not needed
            while not cur.is_punct("{"):
                cur.next("'{'")
            cur.skip_value()
        cur.accept(";")
    return attrs, nodes


def _flatten(value: Any) -> list[Any]:
    if isinstance(value, list):
        return [x for v in value for x in _flatten(v)]
    return [value]


def _numbers(values: list[Any], file: str, node: str, field: str) -> list[float]:
    bad = [v for v in values if not isinstance(v, float)]
    if bad:
        raise ModelError(f"expected numbers in `{field}`, got {bad[0]!r}", file=file, node=node,
                         field=field)
    return values


def _states(attrs: dict[str, Any]) -> list[str]:
    states = attrs.get("states")
    if isinstance(states, list):
        return [str(s) if not isinstance(s, float) else f"{s:g}" for s in states]
    count = attrs.get("numstates")
    return [f"state{i}" for i in range(int(count))] if isinstance(count, float) else []


def _one_hot(picks: list[Any], states: list[str], file: str, name: str) -> list[float]:
    rows: list[float] = []
    for pick in picks:
        if isinstance(pick, float) and pick == int(pick) and 0 <= pick < len(states):
            pick = states[int(pick)]  # a state given by its index
        if pick not in states:
            raise ModelError(f"expected states of '{name}' ({', '.join(states)}) in "
                             f"`functable`, got {pick!r}", file=file, node=name,
                             field="functable")
        rows += [1.0 if s == pick else 0.0 for s in states]
    return rows


def _node(name: str, attrs: dict[str, Any], file: str) -> NodeSpec:
    kind_word = str(attrs.get("kind", "NATURE")).upper()
    kinds = {"NATURE": "chance", "DECISION": "decision", "UTILITY": "utility"}
    if kind_word not in kinds:
        raise ModelError(f"expected kind NATURE, DECISION or UTILITY, got {kind_word}",
                         file=file, node=name, field="kind")
    kind = kinds[kind_word]
    if kind == "chance" and str(attrs.get("discrete", "TRUE")).upper() == "FALSE":
        raise ModelError("expected a discrete node, got a continuous one (discrete = FALSE)",
                         file=file, node=name, field="discrete")
    parents = [str(p) for p in _flatten(attrs.get("parents", []))]
    states = _states(attrs) if kind != "utility" else []
    table: list[float] | None = None
    if kind == "chance":
        if "probs" in attrs:
            table = _numbers(_flatten(attrs["probs"]), file, name, "probs")
        elif "functable" in attrs:
            table = _one_hot(_flatten(attrs["functable"]), states, file, name)
        else:
            raise ModelError("expected `probs` (or `functable`), got neither", file=file,
                             node=name, field="probs")
    elif kind == "utility":
        raw = attrs.get("functable", attrs.get("utils"))
        if raw is None:
            raise ModelError("expected the utilities as `functable` or `utils`, got neither",
                             file=file, node=name, field="functable")
        table = _numbers(_flatten(raw), file, name, "functable")
    extras: dict[str, Any] = {}
    if isinstance(attrs.get("title"), str) and attrs["title"].strip():
        extras["label"] = attrs["title"]
    if isinstance(attrs.get("comment"), str) and attrs["comment"].strip():
        extras["description"] = attrs["comment"]
    return NodeSpec(name=name, kind=kind, states=states, parents=parents, table=table,
                    extras=extras)


def read_dne(path: str | Path, text: str | None = None) -> NetworkSpec:
    """Read a Netica ``.dne`` file into a :class:`NetworkSpec`."""
    file = str(path)
    if text is None:
        raw = Path(path).read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
    cur = Cursor(list(tokenize(text, comments=("//", "/*"), file=file)), file)
    word = cur.name("'bnet'")
    if word != "bnet":
        raise cur.error(f"expected 'bnet NAME {{...}}', got '{word}'")
    name = cur.name("the network's name")
    attrs, nodes = _block(cur, None)
    cur.accept(";")
    if not cur.at_end():
        raise cur.error(f"expected the end of the file after the network, got {cur.found()}")
    for node_name, body in nodes:
        kind = str(body.get("kind", "NATURE")).upper()
        if kind in ("CONSTANT", "DISCONNECTED"):
            raise ModelError(f"expected chance, decision or utility nodes, got a {kind.lower()} "
                             "node", file=file, node=node_name, field="kind")
    specs = [_node(n, body, file) for n, body in nodes]
    extras: dict[str, Any] = {}
    if isinstance(attrs.get("title"), str):
        extras["title"] = attrs["title"]
    if isinstance(attrs.get("comment"), str):
        extras["description"] = attrs["comment"]
    return NetworkSpec(name=name, nodes=specs, format="dne", extras=extras,
                       ignored=["positions"] if "visual" in text else [])
