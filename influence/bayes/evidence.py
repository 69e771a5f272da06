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

A ``values`` entry gives observed outcomes of one value of a utility node (``node``, ``given``,
``values``, optionally ``sd``, ``weight``, ``source``, ``reason``); the value must carry a prior,
which the outcomes update: see :mod:`influence.bayes.utility_evidence`.

A ``cases`` entry reads a CSV file: a header of node names, then one case per line, one state
per cell; an empty cell is unobserved. Its path is relative to the evidence file's folder and,
symbolic links followed, must lead to a regular file inside that folder or inside the folder
named by ``cases_dir`` (an evidence file from elsewhere cannot make influence read
``/etc/shadow`` or a pipe). Counts are whole numbers of at most
:data:`~influence.limits.MAX_COUNT` cases in all per row. The likelihood of
a case sums over its unobserved chance nodes. Decisions are treated as given: a case records what
was chosen, so a decision that an observed chance node depends on must be filled in, and the
likelihood is that of the chance observations given the recorded choices (how the choices were
made is taken to carry no information about the parameters). Case records hold no utilities:
observed utilities go in ``values`` entries.

:func:`load_evidence` validates a file against a diagram; every error is an
:class:`~influence.errors.EvidenceError` naming the evidence file, the entry, the node and the
field. Names, states, numbers and `given` are checked with the checks the model loader uses
(:mod:`influence.model.checks`), so a fault reads the same in both. The case files and the
likelihood of a case are in :mod:`influence.bayes.cases`. Only numpy is imported here;
:func:`case_log_likelihood` also runs on PyTensor tensors.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ArgumentTypeError, EvidenceError, ModelError
from ..limits import MAX_COUNT
from ..messages import describe as _show
from ..messages import quote
from ..messages import suggest as _suggest
from ..model.checks import (
    check_given,
    check_keys,
    format_given,
    number,
    per_state,
    read_given,
    read_text,
    relocate,
)
from ..model.priors import BetaPrior
from ..model.yamlio import line_at, line_of, load_yaml_text
from ..model.yamlio import plain as _plain
from .cases import (
    CasePattern,
    CaseRecords,
    case_log_likelihood,
    case_path,
    case_patterns,
    check_possible,
    prior_mean_tables,
    read_cases,
    read_regular,
)
from .draws import slot_name
from .utility_evidence import UtilityObservation, read_values_entry

if TYPE_CHECKING:  # pragma: no cover
    from ..model.diagram import Diagram, Node

__all__ = [
    "Evidence",
    "evidence_file",
    "CountObservation",
    "UtilityObservation",
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
    parameters : tuple of str
        For a row of a structured table: the slots of the parameters with a prior that the row
        is computed from (the counts update them, through the table, by NUTS); empty for a
        row with its own prior.
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
    parameters: tuple[str, ...] = ()

    @property
    def weighted(self) -> np.ndarray:
        """``weight * counts`` (what the counts add to a Dirichlet's concentrations)."""
        return self.weight * np.asarray(self.counts, dtype=float)


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
    values: tuple[UtilityObservation, ...] = ()

    @property
    def counts_only(self) -> bool:
        """True if every observation is a ``counts`` entry (the posterior is then conjugate)."""
        return not self.cases

    def __repr__(self) -> str:
        return (f"Evidence(model={self.model!r}, file={self.file!r}, counts={len(self.counts)}, "
                f"cases={sum(len(c.data) for c in self.cases)})")


# -- reading -----------------------------------------------------------------------------------


class _Reader:
    def __init__(self, diagram: Diagram, file: str | None, base_dir: Path,
                 cases_dir: Path | None = None) -> None:
        self.diagram = diagram
        self.file = file
        self.base_dir = base_dir
        self.cases_dir = cases_dir
        self.inputs: list[str] = []
        self.digests: list[bytes] = []
        self.document: Any = None

    def error(self, message: str, *, entry: int | None = None, node: str | None = None,
              field: str | None = None, line: int | None = None) -> EvidenceError:
        prefix = f"entry {entry}: " if entry is not None else ""
        return EvidenceError(prefix + message, file=self.file, node=node, field=field, line=line)

    def shared(self, check: Callable[..., Any], *args: Any, entry: int | None,
               line: int | None = None, **kwargs: Any) -> Any:
        """Run one of the checks shared with the model loader on part of the document (its
        ``path`` from the document's root); a fault becomes an EvidenceError of ``entry``, at
        the line of the part at fault (else ``line``)."""
        try:
            return check(*args, **kwargs)
        except ModelError as exc:
            where = f"entry {entry}: " if entry is not None else ""
            raise relocate(exc, file=self.file, where=where, error=EvidenceError,
                           line=line_at(self.document, exc.path) or line) from None

    def texts(self, raw: Mapping, keys: tuple[str, ...], *, entry: int | None,
              node: str | None = None, path: tuple = ()) -> dict[str, str | None]:
        return {k: self.shared(read_text, raw.get(k), node=node, field=k, path=(*path, k),
                               entry=entry) for k in keys}

    def weight(self, raw: Mapping, *, entry: int, node: str | None) -> float:
        if "weight" not in raw:
            return 1.0
        value = raw["weight"]
        line = line_of(raw, "weight")
        try:
            weight = number(value, kind="a number in (0, 1]", subject="`weight`")
        except ModelError:
            raise self.error(f"expected `weight` to be a number in (0, 1], got {_show(value)}",
                             entry=entry, node=node, field="weight", line=line) from None
        if not 0 < weight <= 1:
            raise self.error(f"expected `weight` in (0, 1] (1 takes the evidence at face value, "
                             f"less discounts it), got {weight:g}", entry=entry, node=node,
                             field="weight", line=line)
        return weight

    # -- the document
    def read(self, data: Any) -> Evidence:
        diagram = self.diagram
        self.document = data
        if not isinstance(data, Mapping):
            raise self.error(f"expected a mapping with `model` and `observations`, got "
                             f"{_show(data)}", line=line_of(data))
        self.shared(check_keys, data, TOP_KEYS, entry=None)
        model = data.get("model")
        if model is None:
            raise self.error(f"missing `model`: expected the name of the model the evidence is "
                             f"for ({diagram.name!r})", field="model", line=line_of(data))
        if str(model) != diagram.name:
            raise self.error(f"expected `model: {diagram.name}` (the model being fitted), got "
                             f"{quote(str(model))}", field="model", line=line_of(data, "model"))
        observations = data.get("observations")
        if not isinstance(observations, list) or not observations:
            found = "an empty list" if isinstance(observations, list) else _show(observations)
            raise self.error(f"expected `observations` to be a non-empty list of counts and "
                             f"cases entries, got {found}", field="observations",
                             line=line_of(data, "observations") or line_of(data))
        counts: list[CountObservation] = []
        cases: list[CaseRecords] = []
        values: list[UtilityObservation] = []
        for i, raw in enumerate(observations):
            entry = i + 1
            line = line_of(observations, i)
            if not isinstance(raw, Mapping):
                raise self.error(f"expected a mapping with `node` and `counts`, or `cases`, got "
                                 f"{_show(raw)}", entry=entry, field="observations", line=line)
            if "cases" in raw:
                cases.append(self.cases_entry(raw, entry, line))
            elif "values" in raw:
                values.append(read_values_entry(self, raw, entry, line))
            elif "counts" in raw or "node" in raw:
                counts.append(self.counts_entry(raw, entry, line))
            else:
                keys = [str(k) for k in raw]
                hint = next((_suggest(k, ("node", "counts", "cases")) for k in keys
                             if _suggest(k, ("node", "counts", "cases"))), "")
                raise self.error(f"expected `node` and `counts` (counts of a row) or `cases` (a "
                                 f"CSV file of cases), got keys {', '.join(keys)}{hint}",
                                 entry=entry, field="observations", line=line)
        text = self.texts(data, ("title", "description", "source"), entry=None)
        digest = hashlib.sha256()
        for chunk in self.digests:
            digest.update(hashlib.sha256(chunk).digest())
        return Evidence(model=diagram.name, fingerprint=diagram.fingerprint,
                        counts=tuple(counts), cases=tuple(cases), sha256=digest.hexdigest(),
                        file=self.file, inputs=tuple(self.inputs), values=tuple(values), **text)

    # -- counts
    def counted_node(self, raw: Mapping, entry: int, line: int | None) -> Node:
        """The chance node a counts entry names."""
        diagram = self.diagram
        name = raw.get("node")
        node_name = str(name) if isinstance(name, str | int) else None
        self.shared(check_keys, raw, COUNT_KEYS, what="a counts entry", node=node_name,
                    path=("observations", entry - 1), entry=entry)
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
        return node

    def counts_entry(self, raw: Mapping, entry: int, line: int | None) -> CountObservation:
        node = self.counted_node(raw, entry, line)
        name = node.name
        path = ("observations", entry - 1)
        loc = dict(node=name, field="given", path=(*path, "given"), entry=entry, line=line)
        given = self.shared(read_given, raw.get("given"), **loc)
        spaces = {p: self.diagram.node(p).state_index for p in node.parents}
        self.shared(check_given, given, node.parents, spaces, **loc)
        key = tuple(given[p] for p in node.parents)
        index = tuple(spaces[p][s] for p, s in zip(node.parents, key, strict=True))
        where = f"the row {format_given(given)}" if node.parents else "the node's probabilities"
        prior = node.priors.get(key)
        through = _structured_parameters(self.diagram, node, given)
        if node.structure is not None and not through:
            why = ("is fixed by its deterministic table" if not node.structure.parameters
                   else "is computed from parameters none of which has a prior")
            raise self.error(f"{where} {why}, so counts cannot update it; give a parameter of "
                             "its `table` a `prior`", entry=entry, node=name,
                             field="given" if node.parents else "node",
                             line=line_of(raw, "given") or line)
        if prior is None and not through:
            raise self.error(f"{where} has no prior and so cannot be updated; give it a `prior` "
                             "in the model file", entry=entry, node=name, field="given"
                             if node.parents else "node", line=line_of(raw, "given") or line)
        if "counts" not in raw:
            raise self.error("missing `counts`: expected a mapping state: count",
                             entry=entry, node=name, field="counts", line=line)
        values = self.count_values(raw["counts"], node.states, entry=entry, node=name,
                                   path=(*path, "counts"))
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
        texts = self.texts(raw, ("source", "reason"), entry=entry, node=name, path=path)
        return CountObservation(entry=entry, node=name, key=key, index=index,
                                counts=tuple(values), weight=weight,
                                slot=slot_name("probability", name, node.parents, key),
                                given=given, file=self.file, line=line, parameters=through,
                                **texts)

    def count_values(self, raw: Any, states: tuple[str, ...], *, entry: int, node: str,
                     path: tuple) -> list[int]:
        """One whole number of cases per state (a state a mapping leaves out has none), at
        most :data:`~influence.limits.MAX_COUNT` in all."""
        loc = dict(node=node, field="counts", entry=entry)
        counts, keys = self.shared(per_state, raw, states, noun="counts", default=0, path=path,
                                   **loc)
        values = []
        for state, v, key in zip(states, counts, keys, strict=True):
            x = self.shared(number, v, kind="a whole number of cases",
                            subject=f"state {state!r}", path=(*path, key), **loc)
            if x != int(x) or x < 0:
                line = line_at(self.document, (*path, key))
                if x != int(x):
                    raise self.error(f"expected a whole number of cases for state {state!r}, "
                                     f"got {_show(v)} (to discount evidence use `weight`)",
                                     entry=entry, node=node, field="counts", line=line)
                raise self.error(f"expected counts >= 0, got {int(x)} for state {state!r}",
                                 entry=entry, node=node, field="counts", line=line)
            if x > MAX_COUNT:
                raise self.error(f"expected at most {MAX_COUNT} cases (2**53), got {x:.3g} for "
                                 f"state {state!r}", entry=entry, node=node, field="counts",
                                 line=line_at(self.document, (*path, key)))
            values.append(int(x))
        if sum(values) > MAX_COUNT:
            raise self.error(f"expected at most {MAX_COUNT} cases (2**53) in all, got "
                             f"{sum(values):.3g}", entry=entry, node=node, field="counts",
                             line=line_at(self.document, path))
        if sum(values) == 0:
            raise self.error("expected at least one case, got counts that are all 0",
                             entry=entry, node=node, field="counts",
                             line=line_at(self.document, path))
        return values

    # -- cases
    def case_file(self, value: str, entry: int, line: int | None) -> Path:
        """The file a `cases` entry names (see :func:`~influence.bayes.cases.case_path`)."""
        def error(message: str, confined: bool) -> EvidenceError:
            err = self.error(message, entry=entry, field="cases", line=line)
            if confined:
                err.parameter = "cases_dir"
            return err

        return case_path(value, self.base_dir, self.cases_dir, error)

    def cases_entry(self, raw: Mapping, entry: int, line: int | None) -> CaseRecords:
        path = ("observations", entry - 1)
        self.shared(check_keys, raw, CASE_KEYS, what="a cases entry", path=path, entry=entry)
        value = raw["cases"]
        cline = line_of(raw, "cases")
        if not isinstance(value, str) or not value.strip():
            raise self.error(f"expected `cases` to be the path of a CSV file, got {_show(value)}",
                             entry=entry, field="cases", line=cline)
        file = self.case_file(value, entry, cline)
        try:
            data = read_regular(file)
        except OSError as exc:
            raise self.error(f"cannot read the cases file {value} ({file}): {exc.strerror}",
                             entry=entry, field="cases", line=cline) from None
        self.inputs.append(str(file))
        self.digests.append(data)
        weight = self.weight(raw, entry=entry, node=None)
        texts = self.texts(raw, ("source", "reason"), entry=entry, path=path)

        def error(message: str, node: str | None = None) -> EvidenceError:
            return self.error(message, entry=entry, node=node, field="cases", line=cline)

        columns, table, lines = read_cases(self.diagram, data, value, error)
        patterns = case_patterns(self.diagram, columns, table, lines, value, error)
        check_possible(self.diagram, patterns, value, error)
        return CaseRecords(entry=entry, path=str(file), columns=columns, data=table,
                           patterns=patterns, weight=weight, file=self.file, line=line, **texts)


def _structured_parameters(diagram: Diagram, node: Node, given: Mapping[str, str]
                           ) -> tuple[str, ...]:
    """The slots of the parameters with a prior that a structured table's row is computed
    from (empty for a node without a structured table)."""
    if node.structure is None:
        return ()
    names = node.structure.row_parameters(given)
    return tuple(slot_name("parameter", n, (), ()) for n in names
                 if diagram.parameter(n).prior is not None)


# -- entry points ------------------------------------------------------------------------------


def evidence_from_dict(data: Any, diagram: Diagram, *, file: str | None = None,
                       base_dir: str | Path | None = None,
                       cases_dir: str | Path | None = None) -> Evidence:
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
        current directory); a CSV file must be inside it, symbolic links followed.
    cases_dir : path, optional
        Another directory the CSV files may be in (reached through ``..`` or a symbolic
        link).

    Returns
    -------
    Evidence

    Raises
    ------
    EvidenceError
        Naming the file, the entry, the node and the field.
    """
    from ..model.diagram import require_diagram

    require_diagram(diagram)
    if base_dir is None:
        base_dir = Path(file).parent if file else Path(".")
    reader = _Reader(diagram, file, Path(base_dir), _directory(cases_dir))
    reader.digests.append(json.dumps(_plain(data), sort_keys=True, default=str).encode())
    return reader.read(data)


def _directory(cases_dir: str | Path | None) -> Path | None:
    """``cases_dir`` as a Path to an existing directory (None if not given)."""
    if cases_dir is None:
        return None
    if isinstance(cases_dir, bool) or not isinstance(cases_dir, str | os.PathLike):
        raise ArgumentTypeError(f"expected `cases_dir` to be the path of a folder, got "
                                f"{_show(cases_dir)}", parameter="cases_dir")
    folder = Path(cases_dir)
    if not folder.is_dir():
        raise EvidenceError(f"expected `cases_dir` to be an existing folder, got {cases_dir}",
                            parameter="cases_dir")
    return folder


def evidence_file(item: str | os.PathLike[str]) -> str | os.PathLike[str]:
    """A path, or the name of a bundled evidence file (``cartel-operations``) when no file of
    that name exists."""
    from ..model import bundled

    if Path(item).exists() or not isinstance(item, str):
        return item
    found = bundled.evidence_path(item)
    if found is None:
        raise EvidenceError(f"cannot read the evidence file: no such file, and no bundled "
                            f"evidence of that name (bundled: "
                            f"{', '.join(bundled.evidence_names()) or 'none'})", file=item)
    return found


def load_evidence(path: str | Path, diagram: Diagram, *,
                  cases_dir: str | Path | None = None) -> Evidence:
    """Read and validate an evidence file for ``diagram``.

    Parameters
    ----------
    path : str or Path
        The evidence YAML file. CSV files it names are read relative to its directory, and
        must be regular files inside it (symbolic links followed) or inside ``cases_dir``.
    diagram : Diagram
        The model the evidence is for (its name must match the file's ``model``).
    cases_dir : str or Path, optional
        Another folder the CSV files may be in.

    Returns
    -------
    Evidence

    Raises
    ------
    EvidenceError
        On an unreadable or invalid file; the message names the file, the entry, the node and
        the field.
    """
    from ..model.diagram import require_diagram

    require_diagram(diagram)
    if isinstance(path, bool) or not isinstance(path, str | os.PathLike):
        raise ArgumentTypeError(f"expected `evidence` to be the path of an evidence file, got "
                                f"{_show(path)}", parameter="evidence")
    path = Path(evidence_file(path))
    folder = _directory(cases_dir)
    try:
        raw = read_regular(path)
    except OSError as exc:
        raise EvidenceError(f"cannot read the evidence file: {exc.strerror or exc}",
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
    reader = _Reader(diagram, str(path), path.parent, folder)
    reader.inputs.append(str(path))
    reader.digests.append(raw)
    return reader.read(data)
