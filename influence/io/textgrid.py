"""Text that fits a width: wrapped prose and tables whose columns wrap within their cells.

Every text report (``influence evaluate``, ``show``, ``sensitivity``, ``voi``) is laid out for a
width in columns: :func:`output_width` says which (``COLUMNS`` when set, else the terminal's
width when printing to a terminal, else :data:`DEFAULT_WIDTH`; never below
:data:`MIN_WIDTH`). :func:`wrap` fits prose to it; :func:`grid` fits a table to it by wrapping
the columns marked ``wrap`` (each time the one whose narrowing breaks the fewest words and adds
the fewest lines; never below its ``minimum``) and, when even that is not enough, lists each
row as one wrapped line of ``header: value`` pairs. No line that :func:`wrap` or :func:`grid`
returns is wider than the width asked for (when that width exceeds the indentation).
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import IO, Any

from ..messages import printable

__all__ = ["DEFAULT_WIDTH", "MIN_WIDTH", "PROSE_WIDTH", "Column", "output_width", "wrap",
           "grid", "fits"]

#: The width of a report written to a file or a pipe when ``COLUMNS`` is not set.
DEFAULT_WIDTH = 100
#: The narrowest width reports are laid out for (a narrower ``COLUMNS`` gives this).
MIN_WIDTH = 80
#: Prose wraps at most this wide, however wide the terminal (long lines are hard to read).
PROSE_WIDTH = 100

#: A word longer than its line is broken after one of these, where it can be; after one of
#: the second set only where a piece is still too long.
_BREAK_AFTER = frozenset(",/|[")
_BREAK_AFTER_TOO = frozenset("-=+&_")


def output_width(stream: IO[Any] | None = None) -> int:
    """The width reports are laid out for.

    ``COLUMNS`` when it is set to a whole number; else, when ``stream`` (standard output by
    default) is a terminal, the terminal's width; else :data:`DEFAULT_WIDTH`. Never below
    :data:`MIN_WIDTH`.
    """
    found = os.environ.get("COLUMNS", "").strip()
    if found.isdigit() and int(found) > 0:
        width = int(found)
    else:
        stream = sys.stdout if stream is None else stream
        try:
            terminal = stream.isatty()
        except (AttributeError, ValueError):  # a replaced or closed stream
            terminal = False
        width = shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns if terminal \
            else DEFAULT_WIDTH
    return max(width, MIN_WIDTH)


def _cut(word: str, after: frozenset[str]) -> list[str]:
    out, current = [], ""
    for ch in word:
        current += ch
        if ch in after:
            out.append(current)
            current = ""
    return [*out, current] if current else out


def _pieces(word: str, width: int) -> list[str]:
    """A word cut after each of its break characters (the pieces join back into it): after
    commas, slashes, bars and brackets; a piece longer than ``width`` also after ``- = + & _``.
    """
    return [small for piece in _cut(word, _BREAK_AFTER)
            for small in (_cut(piece, _BREAK_AFTER_TOO) if len(piece) > width else [piece])]


def _fill(words: list[str], width: int, first: str, rest: str) -> list[str]:
    """Greedy filling: words joined by spaces; a word too long for a line of its own is cut
    into pieces after its break characters, and a piece still too long anywhere."""
    lines: list[str] = []
    line, empty = first, True  # empty: nothing but the indent yet
    for word in words:
        if len(line) + (0 if empty else 1) + len(word) <= width:
            line += word if empty else " " + word
            empty = False
            continue
        if not empty and len(rest) + len(word) <= width:
            lines.append(line)
            line, empty = rest + word, False
            continue
        sep = "" if empty else " "  # longer than a line: cut it after its break characters
        for piece in _pieces(word, width - len(rest)):
            if not empty and len(line) + len(sep) + len(piece) > width:
                lines.append(line)
                line, sep = rest, ""
            line += sep + piece
            empty, sep = False, ""
            while len(line) > width:  # a piece longer than a line: cut anywhere
                cut = max(width, len(rest) + 1)
                lines.append(line[:cut])
                line = rest + line[cut:]
    lines.append(line)
    return [x.rstrip() for x in lines]


def wrap(text: str, width: int = DEFAULT_WIDTH, indent: str = "", rest: str | None = None
         ) -> list[str]:
    """``text`` (whitespace collapsed) on lines of at most ``width`` characters, the first
    indented by ``indent`` and the others by ``rest`` (default: ``indent``). A word longer than
    a line is broken after punctuation (``, / | [``, then ``- = + & _``) where it can be, else
    anywhere.
    """
    rest = indent if rest is None else rest
    return _fill(str(text).split(), width, indent, rest)


@dataclass(frozen=True)
class Column:
    """A column of :func:`grid`.

    Attributes
    ----------
    header : str
    right : bool
        Right-aligned (numbers).
    wrap : bool
        Its cells may wrap onto several lines when the table is too wide.
    minimum : int
        The narrowest a wrapping column becomes.
    """

    header: str
    right: bool = False
    wrap: bool = False
    minimum: int = 12


def _cell(text: str, width: int) -> list[str]:
    if len(text) <= width:
        return [text]
    return _fill(text.split(), width, "", "")


def _bounds(columns: Sequence[Column], rows: Sequence[Sequence[str]]
            ) -> tuple[list[int], list[int]]:
    """The natural width of each column, and the narrowest it may become."""
    widths = [max([len(c.header)] + [len(r[i]) for r in rows]) for i, c in enumerate(columns)]
    floor = [max(min(w, c.minimum), len(c.header)) if c.wrap else w
             for w, c in zip(widths, columns, strict=True)]
    return widths, floor


def _widths(columns: Sequence[Column], rows: Sequence[Sequence[str]], room: int
            ) -> list[int] | None:
    """Column widths fitting ``room`` (separators excluded), or None if the table cannot
    fit. Wrapping columns give up one character at a time, each time the one that breaks
    the fewest words, then adds the fewest lines to the table (the widest among equals)."""
    widths, floor = _bounds(columns, rows)
    excess = sum(widths) - room
    if excess > sum(w - f for w, f in zip(widths, floor, strict=True)):
        return None
    known: dict[tuple[int, int], tuple[list[int], int]] = {}

    def shape(i: int, w: int) -> tuple[list[int], int]:
        """The lines of each cell of column ``i`` at width ``w``, and the words broken."""
        if (i, w) not in known:
            known[(i, w)] = ([len(_cell(r[i], w)) for r in rows],
                             sum(len(word) > w for r in rows for word in r[i].split()))
        return known[(i, w)]

    def cost(trial: list[int]) -> tuple[int, int]:
        shapes = [shape(i, w) for i, w in enumerate(trial)]
        height = sum(max(s[0][k] for s in shapes) for k in range(len(rows)))
        return sum(s[1] for s in shapes), height

    while excess > 0:
        shrinkable = [i for i, (w, f) in enumerate(zip(widths, floor, strict=True)) if w > f]
        best = min(shrinkable, key=lambda i: (
            *cost([w - (j == i) for j, w in enumerate(widths)]), -widths[i], i))
        widths[best] -= 1
        excess -= 1
    return widths


def _records(columns: Sequence[Column], rows: Sequence[Sequence[str]], width: int,
             indent: str) -> list[str]:
    """Each row as one wrapped line of ``header: value`` pairs (a table too wide to fit)."""
    out = []
    for r in rows:
        text = "; ".join(f"{c.header}: {v}" if c.header else v
                         for c, v in zip(columns, r, strict=True) if v)
        out += wrap(text, width, indent, indent + "    ")
    return out


def fits(columns: Sequence[Column | str], rows: Iterable[Sequence[Any]], *,
         width: int = DEFAULT_WIDTH, indent: str = "  ", gap: int = 2) -> bool:
    """Whether :func:`grid` lays these rows out as a table (rather than one line per row)."""
    cols = [c if isinstance(c, Column) else Column(c) for c in columns]
    _, floor = _bounds(cols, [[str(v) for v in r] for r in rows])
    return sum(floor) <= width - len(indent) - gap * (len(cols) - 1)


def grid(columns: Sequence[Column | str], rows: Iterable[Sequence[Any]], *,
         width: int = DEFAULT_WIDTH, indent: str = "  ", gap: int = 2) -> list[str]:
    """A table: the headers, a dashed rule, one or more lines per row.

    Parameters
    ----------
    columns : sequence of Column or str
        The columns (a str is a left-aligned column that does not wrap).
    rows : iterable of sequences
        The cells (converted with ``str``, control characters escaped).
    width : int
        The widest a line may be.
    indent : str
        Put before every line.
    gap : int
        Spaces between columns.

    Returns
    -------
    list of str
        Lines no wider than ``width``; when even the narrowest wrapping leaves the table too
        wide, one wrapped ``header: value`` line per row instead.
    """
    cols = [replace(c, header=printable(c.header)) if isinstance(c, Column)
            else Column(printable(c)) for c in columns]
    # Names and labels read from a file: control characters (a newline too) are escaped, so a
    # cell is one line of inert text.
    table = [[printable(v) for v in r] for r in rows]
    room = width - len(indent) - gap * (len(cols) - 1)
    widths = _widths(cols, table, room)
    if widths is None:
        return _records(cols, table, width, indent)
    sep = " " * gap

    def line(cells: Sequence[str]) -> str:
        parts = [c.rjust(w) if col.right else c.ljust(w)
                 for c, w, col in zip(cells, widths, cols, strict=True)]
        return (indent + sep.join(parts)).rstrip()

    out = [line([c.header for c in cols]), line(["-" * w for w in widths])]
    for r in table:
        cells = [_cell(v, w) for v, w in zip(r, widths, strict=True)]
        for k in range(max(len(c) for c in cells)):
            out.append(line([c[k] if k < len(c) else "" for c in cells]))
    return out
