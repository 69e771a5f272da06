"""BIF (the Bayesian network interchange format) files of Bayesian networks.

Reading: ``variable NAME { type discrete [ N ] { s1, s2, ... }; }`` and ``probability ( X | A,
B ) { ... }`` blocks, with a node's numbers given as ``table`` (the node's states outermost, then
the parents in order, the last fastest: the layout of ``bnlearn`` and pgmpy), as one line per
combination of parent states ``(a1, b1) p1, p2;``, or with ``default`` for the combinations not
listed. Comments are ``//`` and ``/* */``. BIF holds chance nodes only: a file read is a
Bayesian network (see :mod:`~influence.io.formats.build` for the placeholder utility).

Writing refuses decisions and utility nodes. Names and states that are not identifiers are
written as identifiers and reported.
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
from .tokens import Cursor, tokenize
from .writing import dropped, identifiers, number, refuse_decisions

__all__ = ["read_bif", "write_bif", "KEEPS"]

KEEPS: tuple[str, ...] = ()


def _skip_statement(cur: Cursor) -> None:
    while not cur.accept(";"):
        if cur.at_end() or cur.is_punct("}"):
            return
        cur.skip_value()


def _variable(cur: Cursor, variables: dict[str, list[str]]) -> None:
    name = cur.name("a variable name")
    cur.expect("{", node=name)
    while not cur.accept("}"):
        word = cur.name("'type', 'property' or '}'", node=name)
        if word != "type":
            _skip_statement(cur)
            continue
        kind = cur.name("'discrete'", node=name)
        if kind != "discrete":
            raise cur.error(f"expected a discrete variable, got type {kind}", node=name)
        cur.expect("[", node=name)
        count = int(cur.number(node=name))
        cur.expect("]", node=name)
        cur.expect("{", node=name)
        states: list[str] = []
        while not cur.accept("}"):
            if not cur.accept(","):
                states.append(cur.name("a state name", node=name))
        if len(states) != count:
            raise cur.error(f"expected {count} states (type discrete [{count}]), got "
                            f"{len(states)}", node=name)
        cur.accept(";")
        variables[name] = states


def _numbers(cur: Cursor, node: str) -> list[float]:
    out = []
    while not cur.accept(";"):
        if cur.accept(","):
            continue
        out.append(cur.number(node=node))
    return out


def _probability(cur: Cursor, probabilities: dict[str, dict[str, Any]]) -> None:
    cur.expect("(")
    head = cur.name("a variable name")
    parents: list[str] = []
    if cur.accept("|"):
        while not cur.accept(")"):
            if not cur.accept(","):
                parents.append(cur.name("a parent name", node=head))
    else:
        cur.expect(")", node=head)
    entry: dict[str, Any] = {"parents": parents, "rows": {}, "table": None, "default": None}
    cur.expect("{", node=head)
    while not cur.accept("}"):
        if cur.accept("("):
            combo: list[str] = []
            while not cur.accept(")"):
                if not cur.accept(","):
                    combo.append(cur.name("a parent state", node=head))
            entry["rows"][tuple(combo)] = _numbers(cur, head)
            continue
        word = cur.name("a row, 'table' or 'default'", node=head)
        if word in ("table", "default"):
            entry[word] = _numbers(cur, head)
        else:
            _skip_statement(cur)
    probabilities[head] = entry


def _table(name: str, entry: dict[str, Any], variables: dict[str, list[str]],
           file: str) -> np.ndarray:
    states = variables[name]
    parents = entry["parents"]
    for p in parents:
        if p not in variables:
            raise ModelError(f"expected parents among the variables, got unknown {p!r}",
                             file=file, node=name, field="probability")
    spaces = [variables[p] for p in parents]
    shape = tuple(len(s) for s in spaces)
    if entry["table"] is not None:
        values = np.asarray(entry["table"], dtype=float)
        if values.size != int(np.prod(shape)) * len(states):
            raise ModelError(f"expected {int(np.prod(shape)) * len(states)} numbers in "
                             f"`table`, got {values.size}", file=file, node=name, field="table")
        return np.moveaxis(values.reshape((len(states),) + shape), 0, -1)
    table = np.empty(shape + (len(states),))
    for index in itertools.product(*(range(k) for k in shape)):
        combo = tuple(s[i] for s, i in zip(spaces, index, strict=True))
        row = entry["rows"].get(combo, entry["default"])
        if row is None:
            raise ModelError(f"expected a row for {', '.join(combo)} (or a default), got none",
                             file=file, node=name, field="probability")
        if len(row) != len(states):
            raise ModelError(f"expected {len(states)} probabilities for {', '.join(combo)}, "
                             f"got {len(row)}", file=file, node=name, field="probability")
        table[index] = row
    return table


def read_bif(path: str | Path, text: str | None = None) -> NetworkSpec:
    """Read a BIF file into a :class:`NetworkSpec` (chance nodes only)."""
    file = str(path)
    if text is None:
        raw = Path(path).read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
    cur = Cursor(list(tokenize(text, comments=("//", "/*"), file=file)), file)
    name = Path(file).stem
    variables: dict[str, list[str]] = {}
    probabilities: dict[str, dict[str, Any]] = {}
    while not cur.at_end():
        word = cur.name("'network', 'variable' or 'probability'")
        if word == "network":
            name = cur.name("the network's name")
            cur.skip_value()
        elif word == "variable":
            _variable(cur, variables)
        elif word == "probability":
            _probability(cur, probabilities)
        else:
            raise cur.error(f"expected 'network', 'variable' or 'probability', got '{word}'")
    specs = []
    for var, states in variables.items():
        if var not in probabilities:
            raise ModelError("expected a probability block, got none", file=file, node=var,
                             field="probability")
        entry = probabilities[var]
        specs.append(NodeSpec(name=var, kind="chance", states=states, parents=entry["parents"],
                              table=_table(var, entry, variables, file)))
    return NetworkSpec(name=name, nodes=specs, format="bif")


def bif_text(diagram: Diagram) -> tuple[str, list[str]]:
    """The BIF text of the chance part, and the names it had to change."""
    nodes = [n for n in diagram.nodes if not is_placeholder(n)]
    ids = identifiers([n.name for n in nodes])
    changed = [f"'{k}' as {v}" for k, v in ids.items() if k != v]
    out = [f"network {identifiers([diagram.name])[diagram.name]} {{", "}"]
    states = {}
    for n in nodes:
        states[n.name] = identifiers(n.states)
        changed += [f"state '{s}' of '{n.name}' as {v}" for s, v in states[n.name].items()
                    if s != v]
        out += [f"variable {ids[n.name]} {{",
                f"  type discrete [ {len(n.states)} ] "
                f"{{ {', '.join(states[n.name][s] for s in n.states)} }};", "}"]
    for n in nodes:
        if not n.parents:
            out += [f"probability ( {ids[n.name]} ) {{",
                    f"  table {', '.join(number(x) for x in n.table)};", "}"]
            continue
        out.append(f"probability ( {ids[n.name]} | {', '.join(ids[p] for p in n.parents)} ) {{")
        spaces = [diagram.node(p).states for p in n.parents]
        for index in itertools.product(*(range(len(s)) for s in spaces)):
            combo = ", ".join(states[p][s[i]] for p, s, i in zip(n.parents, spaces, index,
                                                                 strict=True))
            out.append(f"  ({combo}) {', '.join(number(x) for x in n.table[index])};")
        out.append("}")
    return "\n".join(out) + "\n", changed


def write_bif(diagram: Diagram, path: str | Path) -> tuple[str, list[str]]:
    """BIF text of a Bayesian network (refused for decisions and utilities)."""
    refuse_decisions(diagram, "BIF", path)
    text, changed = bif_text(diagram)
    left_out = dropped(diagram, KEEPS)
    if changed:
        left_out.append(f"names that are not identifiers ({len(changed)}: "
                        f"{', '.join(changed[:3])}{' ...' if len(changed) > 3 else ''})")
    return text, left_out
