"""Evidence files: observations that update a model's priors.

An evidence file (YAML) names its model and lists observations::

    model: oil-wildcatter
    source: "Seismic survey records, basin X"
    observations:
      - node: result
        given: {oil: dry, test: "yes"}
        counts: {closed: 1, open: 3, diffuse: 6}
        weight: 0.5                  # in (0, 1]: discounts evidence from another setting
        source: "survey of 10 dry wells"
        reason: "neighbouring basin; geology similar but not the same"
      - cases: wells.csv             # one column per node, one row per case
        weight: 1

A ``counts`` entry counts outcomes of one row of a chance node's table (``given`` names every
parent; leave it out for a node without parents). The row must carry a prior in the model file:
the counts update it. A ``weight`` ``w`` raises the entry's likelihood to the power ``w`` (a power
prior): ``w = 1`` takes the evidence at face value, ``w = 0.5`` counts each case as half a case.

A ``cases`` entry reads a CSV file (its path relative to the evidence file): a header of node
names, then one case per line, one state per cell; an empty cell is unobserved. The likelihood of
a case sums over its unobserved chance nodes. Decisions are treated as given: a case records what
was chosen, so a decision that an observed chance node depends on must be filled in, and the
likelihood is that of the chance observations given the recorded choices (how the choices were
made is taken to carry no information about the parameters). Utility nodes cannot be observed.

:func:`load_evidence` validates a file against a diagram; every error is an
:class:`~influence.errors.EvidenceError` naming the evidence file, the entry, the node and the
field. Only numpy is imported here; :func:`case_log_likelihood` also runs on PyTensor tensors.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import EvidenceError, ModelError
from ..messages import describe as _show
from ..messages import suggest as _suggest
from ..model.priors import BetaPrior
from ..model.yamlio import line_of, load_yaml_text
from ..model.yamlio import plain as _plain
from .draws import slot_name

if TYPE_CHECKING:  # pragma: no cover
    from ..model.diagram import Diagram

__all__ = [
    "Evidence",
    "CountObservation",
    "CaseRecords",
    "CasePattern",
    "load_evidence",
    "evidence_from_dict",
    "case_log_likelihood",
    "prior_mean_tables",
]

TOP_KEYS = ("model", "title", "description", "source", "observations")
COUNT_KEYS = ("node", "given", "counts", "weight", "source", "reason")
CASE_KEYS = ("cases", "weight", "source", "reason")
_BATCH = "z"
_LETTERS = [c for c in string.ascii_letters if c != _BATCH]


@dataclass(frozen=True)
class CountObservation:
    """Counts of the outcomes of one row of a chance node.

    Attributes
    ----------
    entry : int
        1-based position in the evidence file's ``observations``.
    node : str
    key : tuple of str
        The row's parent states (in the node's parent order).
    index : tuple of int
        The row's index in the node's table.
    counts : tuple of int
        One count per state of the node.
    weight : float
        Power-prior weight in (0, 1].
    slot : str
        The name of the row's slot (see :class:`influence.priors.Slot`).
    """

    entry: int
    node: str
    key: tuple[str, ...]
    index: tuple[int, ...]
    counts: tuple[int, ...]
    weight: float
    slot: str
    given: Mapping[str, str] = field(default_factory=dict)
    source: str | None = None
    reason: str | None = None
    file: str | None = None
    line: int | None = None

    @property
    def weighted(self) -> np.ndarray:
        """``weight * counts`` (what the counts add to a Dirichlet's concentrations)."""
        return self.weight * np.asarray(self.counts, dtype=float)


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


@dataclass(frozen=True, eq=False)
class Evidence:
    """A validated evidence file.

    Attributes
    ----------
    model : str
        The model's name.
    fingerprint : str
        The fingerprint of the diagram the evidence was checked against.
    counts : tuple of CountObservation
    cases : tuple of CaseRecords
    sha256 : str
        Hash of the evidence file and of its CSV files.
    file : str or None
        The evidence file.
    inputs : tuple of str
        The files read (the evidence file and its CSV files): never to be overwritten.
    """

    model: str
    fingerprint: str
    counts: tuple[CountObservation, ...]
    cases: tuple[CaseRecords, ...]
    sha256: str
    file: str | None = None
    inputs: tuple[str, ...] = ()
    title: str | None = None
    description: str | None = None
    source: str | None = None

    @property
    def counts_only(self) -> bool:
        """True if every observation is a ``counts`` entry (the posterior is then conjugate)."""
        return not self.cases

    def __repr__(self) -> str:
        return (f"Evidence(model={self.model!r}, file={self.file!r}, counts={len(self.counts)}, "
                f"cases={sum(len(c.data) for c in self.cases)})")


# -- reading -----------------------------------------------------------------------------------


class _Reader:
    def __init__(self, diagram: Diagram, file: str | None, base_dir: Path) -> None:
        self.diagram = diagram
        self.file = file
        self.base_dir = base_dir
        self.inputs: list[str] = []
        self.digests: list[bytes] = []

    def error(self, message: str, *, entry: int | None = None, node: str | None = None,
              field: str | None = None, line: int | None = None) -> EvidenceError:
        prefix = f"entry {entry}: " if entry is not None else ""
        return EvidenceError(prefix + message, file=self.file, node=node, field=field, line=line)

    # -- helpers
    def text(self, value: Any, *, entry: int | None, node: str | None, field: str,
             line: int | None) -> str | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.error(f"expected text, got {_show(value)}", entry=entry, node=node,
                             field=field, line=line)
        return str(value)

    def weight(self, raw: Mapping, *, entry: int, node: str | None) -> float:
        if "weight" not in raw:
            return 1.0
        value = raw["weight"]
        line = line_of(raw, "weight")
        if isinstance(value, bool) or not isinstance(value, int | float) or \
                not math.isfinite(float(value)):
            raise self.error(f"expected `weight` to be a number in (0, 1], got {_show(value)}",
                             entry=entry, node=node, field="weight", line=line)
        if not 0 < float(value) <= 1:
            raise self.error(f"expected `weight` in (0, 1] (1 takes the evidence at face value, "
                             f"less discounts it), got {value:g}", entry=entry, node=node,
                             field="weight", line=line)
        return float(value)

    def check_keys(self, raw: Mapping, allowed: tuple[str, ...], *, entry: int,
                   node: str | None, what: str) -> None:
        for key in raw:
            if str(key) not in allowed:
                raise self.error(f"unknown key {str(key)!r} in {what}{_suggest(key, allowed)}; "
                                 f"expected one of: {', '.join(allowed)}", entry=entry,
                                 node=node, field=str(key), line=line_of(raw, key))

    # -- the document
    def read(self, data: Any) -> Evidence:
        diagram = self.diagram
        if not isinstance(data, Mapping):
            raise self.error(f"expected a mapping with `model` and `observations`, got "
                             f"{_show(data)}", line=line_of(data))
        for key in data:
            if str(key) not in TOP_KEYS:
                raise self.error(f"unknown key {str(key)!r}{_suggest(key, TOP_KEYS)}; expected "
                                 f"one of: {', '.join(TOP_KEYS)}", field=str(key),
                                 line=line_of(data, key))
        model = data.get("model")
        if model is None:
            raise self.error(f"missing `model`: expected the name of the model the evidence is "
                             f"for ({diagram.name!r})", field="model", line=line_of(data))
        if str(model) != diagram.name:
            raise self.error(f"expected `model: {diagram.name}` (the model being fitted), got "
                             f"{str(model)!r}", field="model", line=line_of(data, "model"))
        observations = data.get("observations")
        if not isinstance(observations, list) or not observations:
            found = "an empty list" if isinstance(observations, list) else _show(observations)
            raise self.error(f"expected `observations` to be a non-empty list of counts and "
                             f"cases entries, got {found}", field="observations",
                             line=line_of(data, "observations") or line_of(data))
        counts: list[CountObservation] = []
        cases: list[CaseRecords] = []
        for i, raw in enumerate(observations):
            entry = i + 1
            line = line_of(observations, i)
            if not isinstance(raw, Mapping):
                raise self.error(f"expected a mapping with `node` and `counts`, or `cases`, got "
                                 f"{_show(raw)}", entry=entry, field="observations", line=line)
            if "cases" in raw:
                cases.append(self.cases_entry(raw, entry, line))
            elif "counts" in raw or "node" in raw:
                counts.append(self.counts_entry(raw, entry, line))
            else:
                keys = [str(k) for k in raw]
                hint = next((_suggest(k, ("node", "counts", "cases")) for k in keys
                             if _suggest(k, ("node", "counts", "cases"))), "")
                raise self.error(f"expected `node` and `counts` (counts of a row) or `cases` (a "
                                 f"CSV file of cases), got keys {', '.join(keys)}{hint}",
                                 entry=entry, field="observations", line=line)
        text = {k: self.text(data.get(k), entry=None, node=None, field=k,
                             line=line_of(data, k)) for k in ("title", "description", "source")}
        digest = hashlib.sha256()
        for chunk in self.digests:
            digest.update(hashlib.sha256(chunk).digest())
        return Evidence(model=diagram.name, fingerprint=diagram.fingerprint,
                        counts=tuple(counts), cases=tuple(cases), sha256=digest.hexdigest(),
                        file=self.file, inputs=tuple(self.inputs), **text)

    # -- counts
    def counts_entry(self, raw: Mapping, entry: int, line: int | None) -> CountObservation:
        diagram = self.diagram
        name = raw.get("node")
        node_name = str(name) if isinstance(name, str | int) else None
        self.check_keys(raw, COUNT_KEYS, entry=entry, node=node_name, what="a counts entry")
        if name is None:
            raise self.error("missing `node`: expected the chance node whose row is counted",
                             entry=entry, field="node", line=line)
        if not isinstance(name, str) or name not in diagram:
            raise self.error(f"unknown node {name!r}{_suggest(name, diagram.names)}; expected "
                             f"a chance node of '{diagram.name}' "
                             f"({', '.join(n.name for n in diagram.chance_nodes)})",
                             entry=entry, node=str(name), field="node",
                             line=line_of(raw, "node"))
        node = diagram.node(name)
        if node.kind != "chance":
            raise self.error(f"expected a chance node (counts update a row of its table), got a "
                             f"{node.kind} node", entry=entry, node=name, field="node",
                             line=line_of(raw, "node"))
        given = self.given(raw, node, entry)
        key = tuple(given[p] for p in node.parents)
        index = tuple(diagram.node(p).states.index(s) for p, s in zip(node.parents, key,
                                                                       strict=True))
        where = f"the row {_fmt_given(given)}" if node.parents else "the node's probabilities"
        prior = node.priors.get(key)
        if prior is None:
            raise self.error(f"{where} has no prior and so cannot be updated; give it a `prior` "
                             "in the model file", entry=entry, node=name, field="given"
                             if node.parents else "node", line=line_of(raw, "given") or line)
        if "counts" not in raw:
            raise self.error("missing `counts`: expected a mapping state: count",
                             entry=entry, node=name, field="counts", line=line)
        values = self.count_values(raw["counts"], node.states, entry=entry, node=name,
                                   line=line_of(raw, "counts"))
        if isinstance(prior, BetaPrior):
            for j, n in enumerate(values):
                if n > 0 and j != prior.state and prior.rest[j] == 0:
                    raise self.error(
                        f"counts {n} of state {node.states[j]!r}, which the prior gives no "
                        f"probability (its Beta is on {prior.state_name!r} and the other states "
                        f"share the rest as in `p`, where {node.states[j]!r} has 0); use a "
                        "`dirichlet` prior on this row", entry=entry, node=name,
                        field="counts", line=line_of(raw, "counts"))
        weight = self.weight(raw, entry=entry, node=name)
        texts = {k: self.text(raw.get(k), entry=entry, node=name, field=k,
                              line=line_of(raw, k)) for k in ("source", "reason")}
        return CountObservation(entry=entry, node=name, key=key, index=index,
                                counts=tuple(values), weight=weight,
                                slot=slot_name("probability", name, node.parents, key),
                                given=given, file=self.file, line=line, **texts)

    def given(self, raw: Mapping, node: Any, entry: int) -> dict[str, str]:
        value = raw.get("given")
        line = line_of(raw, "given") or line_of(raw)
        if value is None:
            value = {}
        if not isinstance(value, Mapping):
            raise self.error(f"expected `given` to be a mapping of parent: state, got "
                             f"{_show(value)}", entry=entry, node=node.name, field="given",
                             line=line)
        out: dict[str, str] = {}
        for k, v in value.items():
            k = str(k)
            if k not in node.parents:
                parents = ", ".join(node.parents) or "none"
                raise self.error(f"expected `given` to name the parents of '{node.name}' "
                                 f"({parents}), got unknown parent {k!r}"
                                 f"{_suggest(k, node.parents)}", entry=entry, node=node.name,
                                 field="given", line=line)
            states = self.diagram.node(k).states
            state = str(v) if isinstance(v, str | int) and not isinstance(v, bool) else None
            if state not in states:
                raise self.error(f"expected a state of '{k}' ({', '.join(states)}) in `given`, "
                                 f"got {k}={v!r}{_suggest(v, states)}", entry=entry,
                                 node=node.name, field="given", line=line)
            out[k] = state
        missing = [p for p in node.parents if p not in out]
        if missing:
            raise self.error(f"expected `given` to name every parent of '{node.name}' "
                             f"({', '.join(node.parents)}), got no state for "
                             f"{', '.join(missing)}", entry=entry, node=node.name,
                             field="given", line=line)
        return out

    def count_values(self, raw: Any, states: tuple[str, ...], *, entry: int, node: str,
                     line: int | None) -> list[int]:
        if isinstance(raw, Mapping):
            lookup: dict[str, Any] = {}
            for k, v in raw.items():
                state = str(k)
                if state not in states:
                    raise self.error(f"expected states of '{node}' ({', '.join(states)}) in "
                                     f"`counts`, got unknown state {state!r}"
                                     f"{_suggest(state, states)}", entry=entry, node=node,
                                     field="counts", line=line_of(raw, k) or line)
                lookup[state] = v
            pairs = [(s, lookup.get(s, 0)) for s in states]
        elif isinstance(raw, list):
            if len(raw) != len(states):
                raise self.error(f"expected {len(states)} counts (one per state: "
                                 f"{', '.join(states)}), got {len(raw)}", entry=entry,
                                 node=node, field="counts", line=line)
            pairs = list(zip(states, raw, strict=True))
        else:
            raise self.error(f"expected `counts` to be a mapping state: count, got {_show(raw)}",
                             entry=entry, node=node, field="counts", line=line)
        values = []
        for state, v in pairs:
            ok = not isinstance(v, bool) and isinstance(v, int | float) and math.isfinite(v)
            if not ok or float(v) != int(v):
                raise self.error(f"expected a whole number of cases for state {state!r}, got "
                                 f"{_show(v)} (to discount evidence use `weight`)", entry=entry,
                                 node=node, field="counts", line=line)
            if v < 0:
                raise self.error(f"expected counts >= 0, got {int(v)} for state {state!r}",
                                 entry=entry, node=node, field="counts", line=line)
            values.append(int(v))
        if sum(values) == 0:
            raise self.error("expected at least one case, got counts that are all 0",
                             entry=entry, node=node, field="counts", line=line)
        return values

    # -- cases
    def cases_entry(self, raw: Mapping, entry: int, line: int | None) -> CaseRecords:
        self.check_keys(raw, CASE_KEYS, entry=entry, node=None, what="a cases entry")
        value = raw["cases"]
        if not isinstance(value, str) or not value.strip():
            raise self.error(f"expected `cases` to be the path of a CSV file, got {_show(value)}",
                             entry=entry, field="cases", line=line_of(raw, "cases"))
        path = Path(value)
        if not path.is_absolute():
            path = self.base_dir / path
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise self.error(f"cannot read the cases file {value} ({path}): {exc.strerror}",
                             entry=entry, field="cases", line=line_of(raw, "cases")) from None
        self.inputs.append(str(path))
        self.digests.append(data)
        weight = self.weight(raw, entry=entry, node=None)
        texts = {k: self.text(raw.get(k), entry=entry, node=None, field=k,
                              line=line_of(raw, k)) for k in ("source", "reason")}
        columns, table, lines = self.parse_csv(data, value, entry, line_of(raw, "cases"))
        patterns = self.patterns(columns, table, lines, value, entry, line_of(raw, "cases"))
        records = CaseRecords(entry=entry, path=str(path), columns=columns, data=table,
                              patterns=patterns, weight=weight, file=self.file, line=line,
                              **texts)
        self.check_possible(records, value, entry, line_of(raw, "cases"))
        return records

    def parse_csv(self, data: bytes, name: str, entry: int,
                  line: int | None) -> tuple[tuple[str, ...], np.ndarray, list[int]]:
        diagram = self.diagram
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise self.error(f"cases file {name}: expected UTF-8 text, got undecodable bytes "
                             f"({exc.reason})", entry=entry, field="cases", line=line) from None
        rows = list(csv.reader(io.StringIO(text, newline="")))
        numbered = [(i + 1, [c.strip() for c in r]) for i, r in enumerate(rows)]
        numbered = [(n, r) for n, r in numbered if any(r)]
        if not numbered:
            raise self.error(f"cases file {name}: expected a header of node names, got an "
                             "empty file", entry=entry, field="cases", line=line)
        header_line, header = numbered[0]
        columns: list[str] = []
        for j, col in enumerate(header):
            where = f"cases file {name}, line {header_line}, column {j + 1}"
            if not col:
                raise self.error(f"{where}: expected a node name, got an empty header cell",
                                 entry=entry, field="cases", line=line)
            if col not in diagram:
                raise self.error(f"{where}: unknown node {col!r}{_suggest(col, diagram.names)}; "
                                 f"expected nodes of '{diagram.name}' "
                                 f"({', '.join(diagram.names)})", entry=entry, node=col,
                                 field="cases", line=line)
            if diagram.node(col).kind == "utility":
                raise self.error(f"{where}: '{col}' is a utility node; cases record chance "
                                 "outcomes and decisions, not utilities", entry=entry, node=col,
                                 field="cases", line=line)
            if col in columns:
                raise self.error(f"{where}: expected each node once, got {col!r} twice",
                                 entry=entry, node=col, field="cases", line=line)
            columns.append(col)
        states = [diagram.node(c).states for c in columns]
        table = np.full((len(numbered) - 1, len(columns)), -1, dtype=np.int64)
        lines = []
        for r, (n, row) in enumerate(numbered[1:]):
            if len(row) != len(columns):
                raise self.error(f"cases file {name}, line {n}: expected {len(columns)} cells "
                                 f"({', '.join(columns)}), got {len(row)}", entry=entry,
                                 field="cases", line=line)
            for j, cell in enumerate(row):
                if not cell:
                    continue
                if cell not in states[j]:
                    raise self.error(f"cases file {name}, line {n}, column '{columns[j]}': "
                                     f"expected a state of '{columns[j]}' "
                                     f"({', '.join(states[j])}) or an empty cell, got "
                                     f"{cell!r}{_suggest(cell, states[j])}", entry=entry,
                                     node=columns[j], field="cases", line=line)
                table[r, j] = states[j].index(cell)
            lines.append(n)
        if not len(table):
            raise self.error(f"cases file {name}: expected at least one case below the header, "
                             "got none", entry=entry, field="cases", line=line)
        table.setflags(write=False)
        return tuple(columns), table, lines

    def patterns(self, columns: tuple[str, ...], table: np.ndarray, lines: list[int],
                 name: str, entry: int, line: int | None) -> tuple[CasePattern, ...]:
        diagram = self.diagram
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
                raise self.error(
                    f"cases file {name}, line {lines[rows[0]]}: decision '{d}' {why}, but "
                    f"'{child}' depends on it; a case records what was chosen: fill in '{d}'",
                    entry=entry, node=d, field="cases", line=line)
            keep = sorted(cols, key=lambda j: order[columns[j]])
            sub = table[np.ix_(rows, keep)]
            unique, first, counts = np.unique(sub, axis=0, return_index=True, return_counts=True)
            patterns.append(CasePattern(
                observed=tuple(columns[j] for j in keep), chance=chance,
                values=unique.astype(np.int64), counts=counts.astype(float),
                lines=tuple(lines[rows[i]] for i in first)))
        if not patterns:
            raise self.error(f"cases file {name}: expected cases that observe a chance node, "
                             "got only decisions", entry=entry, field="cases", line=line)
        return tuple(patterns)

    def check_possible(self, records: CaseRecords, name: str, entry: int,
                       line: int | None) -> None:
        """A case of probability zero under every parameter value makes the posterior empty.

        Rows with a Dirichlet or Beta prior give every state positive probability except where
        the model fixes it at zero, so evaluating at the prior means finds exactly those cases.
        """
        tables = prior_mean_tables(self.diagram)
        for pattern in records.patterns:
            with np.errstate(divide="ignore"):
                loglik = case_log_likelihood(self.diagram, pattern, tables)
            bad = np.flatnonzero(~np.isfinite(loglik))
            if len(bad):
                i = int(bad[0])
                shown = ", ".join(f"{n}={self.diagram.node(n).states[v]}"
                                  for n, v in zip(pattern.observed, pattern.values[i],
                                                  strict=True))
                raise self.error(f"cases file {name}, line {pattern.lines[i]}: the case "
                                 f"({shown}) has probability 0 under the model (a row without a "
                                 "prior gives it none)", entry=entry, field="cases", line=line)


def _fmt_given(given: Mapping[str, str]) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in given.items()) + "}"


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
        if node.priors:
            for config in diagram.parent_configurations(node.name):
                key = tuple(config[p] for p in node.parents)
                prior = node.priors.get(key)
                if prior is not None:
                    index = tuple(diagram.node(p).states.index(s)
                                  for p, s in zip(node.parents, key, strict=True))
                    table[index] = prior.mean()
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


# -- entry points ------------------------------------------------------------------------------


def evidence_from_dict(data: Any, diagram: Diagram, *, file: str | None = None,
                       base_dir: str | Path | None = None) -> Evidence:
    """Validate a parsed evidence document against ``diagram``.

    Parameters
    ----------
    data : mapping
        The parsed document.
    diagram : Diagram
        The model it is for.
    file : str, optional
        The evidence file, for messages.
    base_dir : path, optional
        The directory CSV paths are relative to (default: the file's directory, else the
        current directory).

    Returns
    -------
    Evidence

    Raises
    ------
    EvidenceError
        Naming the file, the entry, the node and the field.
    """
    if base_dir is None:
        base_dir = Path(file).parent if file else Path(".")
    reader = _Reader(diagram, file, Path(base_dir))
    reader.digests.append(json.dumps(_plain(data), sort_keys=True, default=str).encode())
    return reader.read(data)


def load_evidence(path: str | Path, diagram: Diagram) -> Evidence:
    """Read and validate an evidence file for ``diagram``.

    Parameters
    ----------
    path : str or Path
        The evidence YAML file. CSV files it names are read relative to its directory.
    diagram : Diagram
        The model the evidence is for (its name must match the file's ``model``).

    Returns
    -------
    Evidence

    Raises
    ------
    EvidenceError
        On an unreadable or invalid file; the message names the file, the entry, the node and
        the field.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise EvidenceError(f"cannot read the evidence file: {exc.strerror}",
                            file=str(path)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EvidenceError(f"expected UTF-8 text, got undecodable bytes ({exc.reason})",
                            file=str(path)) from None
    try:
        data = load_yaml_text(text, file=str(path))
    except ModelError as exc:
        raise EvidenceError(exc.detail, file=str(path), line=exc.line) from None
    reader = _Reader(diagram, str(path), path.parent)
    reader.inputs.append(str(path))
    reader.digests.append(raw)
    return reader.read(data)
