"""Case records: CSV files of observed cases, and the likelihood of a case.

A ``cases`` entry of an evidence file (see :mod:`influence.bayes.evidence`) names a CSV file: a
header of node names, then one case per line, one state per cell; an empty cell is unobserved.
:func:`case_path` confines its path to the evidence file's folder (or one the user names),
:func:`read_regular` reads only a regular file, :func:`read_cases` parses it (a message quotes
at most a short, escaped excerpt of a cell), :func:`case_patterns` groups the cases by the
nodes they observe (deduplicated), and :func:`check_possible` rejects a case the model gives
probability zero.

The probability of a case is the sum, over the states of its unobserved chance nodes, of the
product of the tables of the chance nodes involved, with observed nodes (decisions included)
fixed at their recorded states: :func:`case_log_likelihood`, which runs on numpy arrays and on
PyTensor tensors alike.
"""

from __future__ import annotations

import csv
import io
import os
import stat
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InfluenceError, ModelError
from ..messages import quote
from ..messages import suggest as _suggest
from ..model.checks import listed

if TYPE_CHECKING:  # pragma: no cover
    from ..model.diagram import Diagram

__all__ = [
    "CasePattern",
    "CaseRecords",
    "read_regular",
    "case_path",
    "read_cases",
    "case_patterns",
    "check_possible",
    "prior_mean_tables",
    "case_log_likelihood",
]

#: How many characters of a cell a message quotes.
_CELL = 40

_BATCH = "z"
_LETTERS = [c for c in string.ascii_letters if c != _BATCH]


@dataclass(frozen=True, eq=False)
class CasePattern:
    """Cases that observe the same set of nodes, deduplicated.

    Attributes
    ----------
    observed : tuple of str
        The nodes these cases observe (chance and decision nodes, in file order).
    chance : tuple of str
        The chance nodes their likelihood involves: the observed ones and all their chance
        ancestors (the unobserved ones are summed over).
    values : numpy.ndarray
        ``(U, len(observed))`` state indices, one row per distinct case.
    counts : numpy.ndarray
        ``(U,)``: how many cases each distinct row stands for.
    lines : tuple of int
        The CSV line of the first case of each distinct row.
    """

    observed: tuple[str, ...]
    chance: tuple[str, ...]
    values: np.ndarray
    counts: np.ndarray
    lines: tuple[int, ...]


@dataclass(frozen=True, eq=False)
class CaseRecords:
    """The cases of one CSV file named by a ``cases`` entry.

    Attributes
    ----------
    entry : int
        1-based position in the evidence file's ``observations``.
    path : str
        The CSV file.
    columns : tuple of str
        Its columns (node names).
    data : numpy.ndarray
        ``(N, len(columns))`` state indices, -1 where unobserved.
    patterns : tuple of CasePattern
        The cases grouped for the likelihood.
    weight : float
        Power-prior weight in (0, 1].
    """

    entry: int
    path: str
    columns: tuple[str, ...]
    data: np.ndarray
    patterns: tuple[CasePattern, ...]
    weight: float
    source: str | None = None
    reason: str | None = None
    file: str | None = None
    line: int | None = None

    @property
    def nodes(self) -> tuple[str, ...]:
        """Every chance node the likelihood of these cases involves."""
        seen: dict[str, None] = {}
        for pattern in self.patterns:
            seen.update(dict.fromkeys(pattern.chance))
        return tuple(seen)


def _kind_of(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def read_regular(path: Path) -> bytes:
    """The bytes of ``path`` if it is a regular file (symbolic links followed).

    A named pipe, a device, a socket or a directory is refused before it is opened for reading
    (``os.stat``), and again on the open file (``O_NONBLOCK``, then ``fstat``), so that a file
    swapped in between cannot block the read or make it endless.

    Raises
    ------
    OSError
        If the file cannot be read; ``IsADirectoryError`` (errno EISDIR) with the kind of file
        in ``strerror`` for anything but a regular file.
    """
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise IsADirectoryError(21, f"expected a regular file, got {_kind_of(mode)}")
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as fh:
        mode = os.fstat(fh.fileno()).st_mode
        if not stat.S_ISREG(mode):
            raise IsADirectoryError(21, f"expected a regular file, got {_kind_of(mode)}")
        return fh.read()


def case_path(value: str, base_dir: Path, cases_dir: Path | None,
              error: Callable[[str, bool], InfluenceError]) -> Path:
    """The file a `cases` entry names, confined: ``value`` is relative to ``base_dir`` (the
    evidence file's folder) and, symbolic links followed, leads inside it or inside
    ``cases_dir``. Faults are built by ``error(message, confined)``, ``confined`` telling a
    path outside the folders (which ``cases_dir`` can allow) from one that does not exist.
    Whether it is a regular file is checked when it is read (:func:`read_regular`)."""
    written = Path(value)
    if written.is_absolute() or written.drive:
        raise error(f"expected a path relative to the evidence file's folder, got the "
                    f"absolute path {value}", True)
    file = base_dir / written
    try:
        resolved = file.resolve(strict=True)
    except (OSError, RuntimeError) as exc:  # missing, or a loop of symbolic links
        why = getattr(exc, "strerror", None) or "a loop of symbolic links"
        raise error(f"cannot read the cases file {value} ({file}): {why}", False) from None
    roots = [base_dir.resolve()] + ([cases_dir.resolve()] if cases_dir is not None else [])
    if not any(resolved.is_relative_to(root) for root in roots):
        where = " or ".join(str(r) for r in roots)
        raise error(f"expected a file inside {where}, got {value}, which leads to {resolved}; "
                    "name its folder with `cases_dir` to allow it", True)
    return file


def read_cases(diagram: Diagram, data: bytes, name: str,
               error: Callable[..., InfluenceError]) -> tuple[tuple[str, ...], np.ndarray,
                                                             list[int]]:
    """The cases of a CSV file (``data``, named ``name`` in messages): its columns (node
    names), a table of state indices (-1 where a cell is empty) and the line of each case.
    Faults are built by ``error(message, node=None)``."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"cases file {name}: expected UTF-8 text, got undecodable bytes "
                    f"({exc.reason})") from None
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise error(f"cases file {name}: expected CSV text, got a file the CSV reader refuses "
                    f"({exc})") from None
    numbered = [(i + 1, [c.strip() for c in r]) for i, r in enumerate(rows)]
    numbered = [(n, r) for n, r in numbered if any(r)]
    if not numbered:
        raise error(f"cases file {name}: expected a header of node names, got an empty file")
    header_line, header = numbered[0]
    columns: list[str] = []
    seen: set[str] = set()
    for j, col in enumerate(header):
        where = f"cases file {name}, line {header_line}, column {j + 1}"
        if not col:
            raise error(f"{where}: expected a node name, got an empty header cell")
        if col not in diagram:
            hint = _suggest(col, diagram.names) if len(col) <= _CELL else ""
            raise error(f"{where}: unknown node {quote(col, _CELL)}{hint}; expected nodes of "
                        f"'{diagram.name}' ({listed(diagram.names)})")
        if diagram.node(col).kind == "utility":
            raise error(f"{where}: '{col}' is a utility node; cases record chance "
                        "outcomes and decisions, not utilities", node=col)
        if col in seen:
            raise error(f"{where}: expected each node once, got '{col}' twice", node=col)
        seen.add(col)
        columns.append(col)
    states = [diagram.node(c).state_index for c in columns]
    table = np.full((len(numbered) - 1, len(columns)), -1, dtype=np.int64)
    lines = []
    for r, (n, row) in enumerate(numbered[1:]):
        if len(row) != len(columns):
            raise error(f"cases file {name}, line {n}: expected {len(columns)} cells "
                        f"({', '.join(columns)}), got {len(row)}")
        for j, cell in enumerate(row):
            if not cell:
                continue
            if cell not in states[j]:
                raise error(f"cases file {name}, line {n}, column '{columns[j]}': "
                            f"expected a state of '{columns[j]}' "
                            f"({listed(states[j])}) or an empty cell, got "
                            f"{quote(cell, _CELL)}"
                            f"{_suggest(cell, states[j]) if len(cell) <= _CELL else ''}",
                            node=columns[j])
            table[r, j] = states[j][cell]
        lines.append(n)
    if not len(table):
        raise error(f"cases file {name}: expected at least one case below the header, "
                    "got none")
    table.setflags(write=False)
    return tuple(columns), table, lines


def case_patterns(diagram: Diagram, columns: tuple[str, ...], table: np.ndarray,
                  lines: list[int], name: str,
                  error: Callable[..., InfluenceError]) -> tuple[CasePattern, ...]:
    """The cases grouped by the nodes they observe, each group deduplicated; cases observing
    no chance node are left out (they say nothing)."""
    order = {n: i for i, n in enumerate(diagram.names)}
    by_mask: dict[tuple[bool, ...], list[int]] = {}
    for r in range(len(table)):
        by_mask.setdefault(tuple(bool(x) for x in table[r] >= 0), []).append(r)
    patterns = []
    for mask, rows in by_mask.items():
        cols = [j for j, m in enumerate(mask) if m]
        observed_chance = [columns[j] for j in cols
                           if diagram.node(columns[j]).kind == "chance"]
        if not observed_chance:
            continue  # only decisions filled in: nothing to explain
        chance, decisions = _relevant(diagram, observed_chance)
        observed = {columns[j] for j in cols}
        missing = [d for d in decisions if d not in observed]
        if missing:
            d = missing[0]
            child = next(c for c in chance if d in diagram.node(c).parents)
            why = "is empty" if d in columns else "has no column"
            raise error(f"cases file {name}, line {lines[rows[0]]}: decision '{d}' {why}, but "
                        f"'{child}' depends on it; a case records what was chosen: fill in "
                        f"'{d}'", node=d)
        keep = sorted(cols, key=lambda j: order[columns[j]])
        sub = table[np.ix_(rows, keep)]
        unique, first, counts = np.unique(sub, axis=0, return_index=True, return_counts=True)
        patterns.append(CasePattern(
            observed=tuple(columns[j] for j in keep), chance=chance,
            values=unique.astype(np.int64), counts=counts.astype(float),
            lines=tuple(lines[rows[i]] for i in first)))
    if not patterns:
        raise error(f"cases file {name}: expected cases that observe a chance node, "
                    "got only decisions")
    return tuple(patterns)


def check_possible(diagram: Diagram, patterns: Sequence[CasePattern], name: str,
                   error: Callable[..., InfluenceError]) -> None:
    """A case of probability zero under every parameter value makes the posterior empty.

    Rows with a Dirichlet or Beta prior give every state positive probability except where
    the model fixes it at zero, so evaluating at the prior means finds exactly those cases.
    """
    tables = prior_mean_tables(diagram)
    for pattern in patterns:
        with np.errstate(divide="ignore"):
            loglik = case_log_likelihood(diagram, pattern, tables)
        bad = np.flatnonzero(~np.isfinite(loglik))
        if len(bad):
            i = int(bad[0])
            shown = ", ".join(f"{n}={diagram.node(n).states[v]}"
                              for n, v in zip(pattern.observed, pattern.values[i],
                                              strict=True))
            raise error(f"cases file {name}, line {pattern.lines[i]}: the case "
                        f"({shown}) has probability 0 under the model (a row without a "
                        "prior gives it none)")


def _relevant(diagram: Diagram, observed: Sequence[str]) -> tuple[tuple[str, ...],
                                                                    tuple[str, ...]]:
    """The chance nodes the likelihood of ``observed`` involves (they and their chance
    ancestors, found through chance nodes' parents) and the decisions among their parents."""
    chance: set[str] = set()
    decisions: set[str] = set()
    stack = list(observed)
    while stack:
        name = stack.pop()
        if name in chance:
            continue
        chance.add(name)
        for p in diagram.node(name).parents:
            kind = diagram.node(p).kind
            if kind == "chance":
                stack.append(p)
            elif kind == "decision":
                decisions.add(p)
    order = diagram.names
    return (tuple(n for n in order if n in chance), tuple(n for n in order if n in decisions))


def prior_mean_tables(diagram: Diagram) -> dict[str, np.ndarray]:
    """Every chance node's table with each row that has a prior set to the prior mean."""
    tables = {}
    for node in diagram.chance_nodes:
        table = np.array(node.table, dtype=float)
        spaces = [diagram.node(p).state_index for p in node.parents]
        for key, prior in node.priors.items():
            table[tuple(s[k] for s, k in zip(spaces, key, strict=True))] = prior.mean()
        tables[node.name] = table
    return tables


def case_log_likelihood(diagram: Diagram, pattern: CasePattern, tables: Mapping[str, Any],
                        xp: Any = np) -> Any:
    """Log-likelihood of each distinct case of ``pattern``.

    The probability of a case is the sum, over the states of its unobserved chance nodes, of
    the product of the tables of the chance nodes involved, with observed nodes (decisions
    included) fixed at their recorded states.

    Parameters
    ----------
    diagram : Diagram
    pattern : CasePattern
    tables : mapping
        Chance node -> its table, shape ``(*parent cards, states)``: numpy arrays, or PyTensor
        tensors with ``xp=pytensor.tensor``.
    xp : module
        ``numpy`` (default) or ``pytensor.tensor``.

    Returns
    -------
    array or tensor
        ``(U,)``, one log-likelihood per row of ``pattern.values``.
    """
    observed = {n: j for j, n in enumerate(pattern.observed)}
    letters = iter(_LETTERS)
    letter: dict[str, str] = {}
    operands = []
    subscripts = []
    for name in pattern.chance:
        node = diagram.node(name)
        axes = node.parents + (name,)
        table = tables[name]
        fixed = [i for i, a in enumerate(axes) if a in observed]
        free = [i for i, a in enumerate(axes) if a not in observed]
        for i in free:
            if axes[i] not in letter:
                try:
                    letter[axes[i]] = next(letters)
                except StopIteration:
                    raise ModelError("too many unobserved nodes in a case pattern (at most "
                                     f"{len(_LETTERS)})", file=diagram.file) from None
        sub = "".join(letter[axes[i]] for i in free)
        if fixed:
            perm = fixed + free
            if perm != list(range(len(axes))):
                table = xp.transpose(table, perm)
            table = table[tuple(pattern.values[:, observed[axes[i]]] for i in fixed)]
            sub = _BATCH + sub
        operands.append(table)
        subscripts.append(sub)
    expression = ",".join(subscripts) + "->" + _BATCH
    if xp is np:
        import opt_einsum

        likelihood = opt_einsum.contract(expression, *operands)
    else:
        likelihood = xp.einsum(expression, *operands)
    return xp.log(likelihood)


