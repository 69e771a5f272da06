"""The checks of single fields shared by every reader: one function, and one message, per fault.

The model loader, the construction of :class:`~influence.model.diagram.Node`,
:class:`~influence.model.diagram.Policy` and :class:`~influence.model.diagram.Diagram` (see
:mod:`influence.model.structure`), the prior parser, the evidence reader and the pgmpy bridge
all check names, states, numbers, probability rows and `given` mappings with the functions
here, so that the same fault reads the same way wherever it is found.

Each check raises a :class:`~influence.errors.ModelError` built by :func:`fault`: the node, the
field, an optional ``where`` prefix (``"row 2: "``) and the ``path`` of the fault inside the
model document (``("nodes", "b", "cpt", 1, "p", 0)``), but no file or line. A reader that knows
the file adds them with :func:`relocate` (the loader finds the line from the path with
:func:`influence.model.yamlio.line_at`). Every check runs in time linear in its input.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import InfluenceError, ModelError
from ..limits import SUM_ROUNDING, SUM_TOLERANCE
from ..messages import describe, suggest

__all__ = [
    "NAME_PATTERN",
    "KINDS",
    "fault",
    "relocate",
    "listed",
    "format_given",
    "check_keys",
    "read_text",
    "check_name",
    "check_kind",
    "state_name",
    "check_states",
    "check_parents",
    "number",
    "per_state",
    "probability_row",
    "probability_table",
    "read_given",
    "check_given",
]

#: What a node name may be: letters, digits, '_' and '-', starting with a letter or '_'.
NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")

#: The kinds of node.
KINDS = ("chance", "decision", "utility")

#: At most this many names are listed in a message.
_SHOWN = 30

_MISSING = object()

#: Integers strictly inside ±this convert to a finite float (2**1024 rounds to infinity).
_INT_FLOAT = 2**1024 - 2**970


# -- messages ----------------------------------------------------------------------------------


def fault(message: str, *, node: str | None = None, field: str | None = None,
          path: Iterable[Any] = (), where: str = "", file: str | None = None) -> ModelError:
    """The error for a fault: ``where`` + ``message``, naming the node and the field.

    Parameters
    ----------
    message : str
        "expected X, got Y".
    node, field : str, optional
        The node and the field at fault.
    path : iterable
        Keys and indices from the root of the model document to the fault.
    where : str
        A prefix such as ``"row 2: "``.
    file : str, optional
        The file, when the caller knows it.
    """
    return ModelError(where + message, file=file, node=node, field=field, path=tuple(path))


def relocate(exc: InfluenceError, *, file: str | None = None, line: int | None = None,
             where: str = "", error: type[InfluenceError] | None = None) -> InfluenceError:
    """``exc`` with the file and line filled in (kept where already known), ``where`` put in
    front of its message, and as an ``error`` (default: its own class)."""
    cls = error or type(exc)
    return cls(where + exc.detail, file=exc.file or file, node=exc.node, field=exc.field,
               line=exc.line or line, parameter=exc.parameter, path=exc.path)


def listed(names: Iterable[Any], empty: str = "none") -> str:
    """``a, b, c``: the names in order (the first few of a long list), or ``empty``."""
    names = [str(n) for n in names]
    if not names:
        return empty
    if len(names) > _SHOWN:
        return f"{', '.join(names[:_SHOWN])}, ... ({len(names)} in all)"
    return ", ".join(names)


def format_given(given: Mapping[str, str]) -> str:
    """``{a: x, b: y}``."""
    return "{" + ", ".join(f"{k}: {v}" for k, v in given.items()) + "}"


# -- keys and text -----------------------------------------------------------------------------


def check_keys(mapping: Mapping, allowed: Sequence[str], *, what: str = "",
               node: str | None = None, field: str | None = None, path: Iterable[Any] = (),
               where: str = "") -> None:
    """No key of ``mapping`` outside ``allowed`` (a near miss gets a suggestion); the field is
    the key unless given."""
    for key in mapping:
        if str(key) not in allowed:
            inside = f" in {what}" if what else ""
            raise fault(f"unknown key {str(key)!r}{inside}{suggest(key, allowed)}; expected one "
                        f"of: {', '.join(allowed)}", node=node, field=field or str(key),
                        path=(*path, key), where=where)


def read_text(value: Any, *, node: str | None = None, field: str | None = None,
              path: Iterable[Any] = (), where: str = "") -> str | None:
    """Optional text as written: nothing, text, or a number (read as its text)."""
    if value is None:
        return None
    if isinstance(value, bool | np.bool_) or \
            not isinstance(value, str | int | float | np.integer | np.floating) or \
            (isinstance(value, int) and not -_INT_FLOAT < value < _INT_FLOAT):
        raise fault(f"expected text, got {describe(value)}", node=node, field=field, path=path,
                    where=where)
    if isinstance(value, str):
        return str(value)
    return str(value.item() if isinstance(value, np.generic) else value)


# -- names and states --------------------------------------------------------------------------


def check_name(name: Any) -> str:
    """A node name: text of letters, digits, '_' and '-', starting with a letter or '_'."""
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise fault("expected a node name of letters, digits, '_' or '-' (starting with a letter "
                    f"or '_'), got {describe(name)}", node=str(name), field="nodes",
                    path=("nodes", str(name)))
    return name


def check_kind(kind: Any, *, node: str) -> str:
    """A node's kind (its `type` in a file): chance, decision or utility."""
    if not isinstance(kind, str) or kind not in KINDS:
        hint = suggest(kind, KINDS) if isinstance(kind, str) else ""
        raise fault(f"expected `type` to be chance, decision or utility, got {describe(kind)}"
                    f"{hint}", node=node, field="type", path=("nodes", node, "type"))
    return kind


def state_name(value: Any, *, numbers: bool = True, node: str | None = None,
               field: str | None = None, path: Iterable[Any] = (), where: str = "") -> str:
    """A state name: non-blank text. With ``numbers`` (files), an integer is read as its
    decimal text and a boolean or a decimal number is an error asking for quotes."""
    if isinstance(value, str) and value.strip():
        return str(value)
    if numbers and isinstance(value, int | np.integer) and not isinstance(value, bool) \
            and -_INT_FLOAT < int(value) < _INT_FLOAT:
        return str(int(value))
    hint = ""
    if numbers and isinstance(value, bool):
        hint = ' (write true/false states in quotes: "true")'
    elif numbers and isinstance(value, float):
        hint = f" (write it in quotes: '{value}')"
    raise fault(f"expected a state name, got {describe(value)}{hint}", node=node, field=field,
                path=path, where=where)


def check_states(states: Any, *, node: str, numbers: bool = False) -> tuple[str, ...]:
    """The states of a chance or decision node: a non-empty list of distinct state names."""
    path = ("nodes", node, "states")
    if isinstance(states, str | Mapping) or not isinstance(states, Iterable):
        raise fault(f"expected a non-empty list of state names, got {describe(states)}",
                    node=node, field="states", path=path)
    states = tuple(states)
    if not states:
        raise fault("expected a non-empty list of state names, got an empty list", node=node,
                    field="states", path=path)
    seen: set[str] = set()
    out = []
    for i, raw in enumerate(states):
        s = state_name(raw, numbers=numbers, node=node, field="states", path=(*path, i))
        if s in seen:
            raise fault(f"expected each state once, got {s!r} twice", node=node,
                        field="states", path=(*path, i))
        seen.add(s)
        out.append(s)
    return tuple(out)


def check_parents(parents: Any, *, node: str, field: str) -> tuple[str, ...]:
    """The parents of a node (``field`` 'parents'), or the nodes a decision observes
    ('observes'): distinct node names other than the node's own."""
    path = ("nodes", node, field)
    if isinstance(parents, str | Mapping) or not isinstance(parents, Iterable):
        raise fault(f"expected a list of node names, got {describe(parents)}", node=node,
                    field=field, path=path)
    parents = tuple(parents)
    seen: set[str] = set()
    for i, p in enumerate(parents):
        if not isinstance(p, str):
            raise fault(f"expected a node name, got {describe(p)}", node=node, field=field,
                        path=(*path, i))
        if p == node:
            raise fault(f"expected other nodes, got '{node}' itself (a node cannot be its own "
                        "parent)", node=node, field=field, path=(*path, i))
        if p in seen:
            raise fault(f"expected each node once, got {p!r} twice", node=node, field=field,
                        path=(*path, i))
        seen.add(p)
    return parents


# -- numbers -----------------------------------------------------------------------------------


def number(value: Any, *, kind: str = "a number", subject: str | None = None,
           node: str | None = None, field: str | None = None, path: Iterable[Any] = (),
           where: str = "") -> float:
    """A finite real number (not a boolean, not text; numpy's numbers too), as a float.

    Messages read "expected {kind} for {subject}, got ...".
    """
    if type(value) is float:  # the common case, without the checks below
        if value - value == 0.0:  # finite
            return value
    elif type(value) is int and -_INT_FLOAT < value < _INT_FLOAT:
        return float(value)
    of = f" for {subject}" if subject else ""
    loc = dict(node=node, field=field, path=path, where=where)
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        quoted = ""
        if isinstance(value, str):
            try:
                float(value)
                quoted = " (numbers are written without quotes)"
            except ValueError:
                pass
        raise fault(f"expected {kind}{of}, got {describe(value)}{quoted}", **loc)
    if isinstance(value, int | np.integer) and not -_INT_FLOAT < int(value) < _INT_FLOAT:
        raise fault(f"expected a number within ±{sys.float_info.max:.3g} (what a float holds)"
                    f"{of}, got {describe(int(value))}", **loc)
    x = float(value)
    if math.isnan(x):
        raise fault(f"expected {kind}{of}, got NaN", **loc)
    if not math.isfinite(x):
        raise fault(f"expected a finite number{of}, got {x}", **loc)
    return x


def per_state(raw: Any, states: Sequence[str], *, noun: str = "numbers", default: Any = _MISSING,
              node: str | None = None, field: str | None = None, path: Iterable[Any] = (),
              where: str = "") -> tuple[list[Any], Sequence[Any]]:
    """One value per state, written as a list in state order or as a mapping state: value.

    Parameters
    ----------
    raw : list or mapping
        As written.
    states : sequence of str
        The states of ``node``.
    noun : str
        What the values are, in messages ("probabilities", "counts").
    default : optional
        The value of a state a mapping leaves out; without it, every state must be given.

    Returns
    -------
    values : list
        In state order.
    keys : sequence
        Where each value is in ``raw`` (its index, or its key in a mapping; None for a default),
        for the path of an error about it.
    """
    path = tuple(path)
    loc = dict(node=node, field=field, where=where)
    if isinstance(raw, list | tuple | np.ndarray):
        if len(raw) != len(states):
            raise fault(f"expected {len(states)} {noun} (one per state: {listed(states)}), got "
                        f"{len(raw)}", path=path, **loc)
        return list(raw), range(len(raw))
    if not isinstance(raw, Mapping):
        raise fault(f"expected a list of {len(states)} {noun} (one per state: {listed(states)}) "
                    f"or a mapping state: value, got {describe(raw)}", path=path, **loc)
    index = {s: i for i, s in enumerate(states)}
    values: list[Any] = [_MISSING] * len(states)
    keys: list[Any] = [None] * len(states)
    for key, value in raw.items():
        i = index.get(str(key))
        if i is None:
            raise fault(f"expected states of '{node}' ({listed(states)}), got unknown state "
                        f"{str(key)!r}{suggest(key, states)}", path=(*path, key), **loc)
        values[i], keys[i] = value, key
    missing = [s for s, v in zip(states, values, strict=True) if v is _MISSING]
    if missing:
        if default is _MISSING:
            raise fault(f"expected {noun} for every state ({listed(states)}), got none for "
                        f"{listed(missing)}", path=path, **loc)
        values = [default if v is _MISSING else v for v in values]
    return values, keys


def _sum_fault(total: float) -> str:
    return f"expected probabilities summing to 1, got a sum of {total:.10g}"


def probability_row(raw: Any, states: Sequence[str], *, node: str | None = None,
                    field: str | None = None, path: Iterable[Any] = (),
                    where: str = "") -> np.ndarray:
    """A row of probabilities, one per state (a list or a mapping state: p), each >= 0 and
    summing to 1 within :data:`~influence.limits.SUM_TOLERANCE`.

    Returns
    -------
    numpy.ndarray
        The row divided by its sum, unless it already sums to 1 up to rounding
        (:data:`~influence.limits.SUM_ROUNDING`).
    """
    path = tuple(path)
    loc = dict(node=node, field=field, where=where)
    values, keys = per_state(raw, states, noun="probabilities", path=path, **loc)
    row = np.empty(len(states))
    for i, value in enumerate(values):
        if type(value) is float and 0.0 <= value < math.inf:  # the common case
            row[i] = value
            continue
        x = number(value, kind="a probability", subject=f"state {states[i]!r}",
                   path=(*path, keys[i]), **loc)
        if x < 0:
            raise fault(f"expected probabilities >= 0, got {value} for state {states[i]!r}",
                        path=(*path, keys[i]), **loc)
        row[i] = x
    total = float(row.sum())
    if abs(total - 1.0) > SUM_TOLERANCE:
        raise fault(_sum_fault(total), path=path, **loc)
    return row / total if abs(total - 1.0) > SUM_ROUNDING else row


def probability_table(table: np.ndarray, states: Sequence[str], *, node: str, field: str,
                      path: Iterable[Any] = ()) -> np.ndarray:
    """A table of probability rows (the last axis over ``states``), checked as
    :func:`probability_row` checks one row; faults name the row as ``table[i, j]``.

    Returns
    -------
    numpy.ndarray
        The table with the rows that need it divided by their sums.
    """
    def where(index: tuple) -> str:
        return f"table[{', '.join(str(int(i)) for i in index)}]: " if index else ""

    loc = dict(node=node, field=field, path=tuple(path))
    negative = table < 0
    if np.any(negative):
        at = np.unravel_index(int(np.argmax(negative)), table.shape)
        raise fault(f"expected probabilities >= 0, got {table[at]:.10g} for state "
                    f"{states[at[-1]]!r}", where=where(at[:-1]), **loc)
    sums = table.sum(axis=-1)
    off = np.abs(sums - 1.0)
    bad = off > SUM_TOLERANCE
    if np.any(bad):
        at = np.unravel_index(int(np.argmax(bad)), sums.shape)
        raise fault(_sum_fault(float(sums[at])), where=where(at), **loc)
    fix = off > SUM_ROUNDING
    if np.any(fix):
        table = np.where(fix[..., None], table / sums[..., None], table)
    return table


# -- given -------------------------------------------------------------------------------------


def read_given(raw: Any, *, node: str | None = None, field: str | None = None,
               path: Iterable[Any] = (), where: str = "") -> dict[str, str]:
    """A `given` as written: nothing, or a mapping node name -> state name (integers read as
    text)."""
    path = tuple(path)
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise fault(f"expected `given` to be a mapping of parent: state, got {describe(raw)}",
                    node=node, field=field, path=path, where=where)
    return {str(k): state_name(v, node=node, field=field, path=(*path, k), where=where)
            for k, v in raw.items()}


def check_given(given: Mapping[str, str], names: Collection[str],
                spaces: Mapping[str, Collection[str]], *, node: str, partial: bool = False,
                field: str | None = None, path: Iterable[Any] = (), where: str = "") -> None:
    """A `given` names nodes of ``names`` and a state of each.

    Parameters
    ----------
    given : mapping
        Node name -> state name.
    names : collection of str
        The nodes it may name, in the order messages list them: the parents of ``node`` (a row
        of its table: every one must be named), or with ``partial`` what decision ``node`` knows
        (a rule row: any of them). A dict or set keeps the check linear for long ones.
    spaces : mapping
        Node name -> its states (a dict state -> position keeps the check linear).
    """
    path = tuple(path)
    loc = dict(node=node, field=field, where=where)
    for k, state in given.items():
        if k not in names:
            if partial:
                what = f"what '{node}' knows when it is taken ({listed(names, 'nothing')})"
                tail = ", which it does not observe"
            else:
                what, tail = f"the parents of '{node}' ({listed(names)})", ""
            raise fault(f"expected `given` to name {what}, got {k!r}{tail}{suggest(k, names)}",
                        path=(*path, k), **loc)
        states = spaces[k]
        if state not in states:
            raise fault(f"expected a state of '{k}' ({listed(states)}) in `given`, got "
                        f"{k}={state!r}{suggest(state, states)}", path=(*path, k), **loc)
    if not partial and len(given) < len(names):
        missing = [p for p in names if p not in given]
        raise fault(f"expected `given` to name every parent of '{node}' ({listed(names)}), got "
                    f"no state for {listed(missing)}", path=path, **loc)
