"""Checks of a posterior file as it is read: its attributes and every draw of its tables.

A posterior file is input like any other: it may be truncated, edited or crafted. Before a
:class:`~influence.bayes.posterior.Posterior` is made from one, :func:`read_attributes` checks
the type and shape of each ``influence_*`` attribute (see :mod:`influence.bayes.layout`) and
:func:`check_tables` every draw of every table: probabilities within [0, 1] with rows summing
to 1 within :data:`~influence.limits.SUM_TOLERANCE`, utilities finite and within
:data:`~influence.limits.UTILITY_BOUND`. Each fault is a
:class:`~influence.errors.PosteriorError` naming the file, the attribute or the variable, and
for a draw the chain, the draw, the row and the value.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ModelError, PosteriorError
from ..limits import SUM_TOLERANCE, UTILITY_BOUND
from ..messages import describe as _show
from ..model.distributions import Prior
from .layout import ATTR, FORMAT_VERSION, dimension, table_variable
from .netcdf import Group

__all__ = ["Attributes", "read_attributes", "check_tables", "table_axes"]

METHODS = ("exact", "nuts")
_SLOT_KEYS = {"name": str, "node": str, "given": dict, "index": list, "kind": str,
              "variable": str, "states": list, "components": list, "moved": bool,
              "prior": str, "distribution": dict}


@dataclass
class Attributes:
    """The ``influence_*`` attributes of a posterior file, checked."""

    model_name: str
    fingerprint: str
    structure: dict[str, Any]
    model_fingerprint: str
    method: str
    evidence_sha256: str
    diagnostics: dict[str, Any]
    slots: list[dict[str, Any]]
    conjugate: dict[str, Prior] | None
    likelihood_tables: dict[str, str]
    inputs: list[str]


class _Reader:
    def __init__(self, attrs: Mapping[str, Any], file: str | None) -> None:
        self.attrs = attrs
        self.file = file

    def error(self, name: str, message: str) -> PosteriorError:
        return PosteriorError(f"attribute `{ATTR}{name}`: {message}", file=self.file)

    def text(self, name: str, default: str | None = None) -> str:
        value = self.attrs.get(ATTR + name, default)
        if value is None:
            raise self.error(name, "missing; expected a posterior written by influence.fit")
        if not isinstance(value, str):
            raise self.error(name, f"expected text, got {_show(value)}")
        return value

    def json(self, name: str, kind: type, default: str | None = None) -> Any:
        text = self.text(name, default)
        try:
            value = json.loads(text)
        except ValueError:
            raise self.error(name, f"expected JSON, got {_show(text[:60])}") from None
        if not isinstance(value, kind):
            what = {dict: "object", list: "array"}.get(kind, kind.__name__)
            raise self.error(name, f"expected a JSON {what}, got {_show(value)}")
        return value


def _format(attrs: Mapping[str, Any], file: str | None) -> None:
    version = attrs.get(ATTR + "format")
    if version is None and ATTR + "model" not in attrs:
        raise PosteriorError("expected a posterior written by influence.fit, got a file "
                             "without its attributes", file=file)
    if isinstance(version, bool) or not isinstance(version, int) or version < FORMAT_VERSION:
        raise PosteriorError(
            f"written by an earlier version of influence (posterior file format "
            f"{version if isinstance(version, int) else 1}, one variable per row); this "
            f"version reads format {FORMAT_VERSION} (one variable per table): fit the evidence "
            "again with `influence fit`", file=file)
    if version > FORMAT_VERSION:
        raise PosteriorError(f"written by a later version of influence (posterior file format "
                             f"{version}); this version reads format {FORMAT_VERSION}: upgrade "
                             "influence or fit the evidence again", file=file)


def read_attributes(group: Group, file: str | None) -> Attributes:
    """The checked attributes of the posterior group.

    Raises
    ------
    PosteriorError
        For a file of another layout version, a missing attribute, or one of the wrong type.
    """
    attrs = group.attrs
    _format(attrs, file)
    r = _Reader(attrs, file)
    method = r.text("method")
    if method not in METHODS:
        raise r.error("method", f"expected one of {', '.join(METHODS)}, got {_show(method)}")
    structure = r.json("structure", dict)
    if not isinstance(structure.get("nodes"), list):
        raise r.error("structure", "expected `nodes`, a list")
    slots = r.json("slots", list)
    _check_slots(r, slots, structure)
    conjugate_doc = r.text("conjugate", "")
    conjugate = _conjugate(r, json.loads(conjugate_doc) if conjugate_doc else None, slots)
    tables = r.json("likelihood_tables", dict, "{}")
    inputs = r.json("inputs", list, "[]")
    if not all(isinstance(v, str) for v in [*tables, *tables.values(), *inputs]):
        raise r.error("inputs", "expected file names and hashes as text")
    return Attributes(model_name=r.text("model"), fingerprint=r.text("fingerprint"),
                      structure=structure, model_fingerprint=r.text("model_fingerprint", ""),
                      method=method, evidence_sha256=r.text("evidence_sha256"),
                      diagnostics=_diagnostics(r), slots=slots, conjugate=conjugate,
                      likelihood_tables=tables, inputs=inputs)


def _number_or_none(value: Any) -> bool:
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool))


def _diagnostics(r: _Reader) -> dict[str, Any]:
    doc = r.json("diagnostics", dict)
    warnings = doc.setdefault("warnings", [])
    if not isinstance(warnings, list) or not all(isinstance(w, str) for w in warnings):
        raise r.error("diagnostics", f"expected `warnings` to be a list of text, got "
                                     f"{_show(warnings)}")
    divergences = doc.setdefault("divergences", 0)
    if isinstance(divergences, bool) or not isinstance(divergences, int) or divergences < 0:
        raise r.error("diagnostics", f"expected `divergences` to be a whole number >= 0, got "
                                     f"{_show(divergences)}")
    parameters = doc.setdefault("parameters", {})
    if not isinstance(parameters, dict) or not all(
            isinstance(v, dict) and all(_number_or_none(v.get(k)) for k in ("r_hat", "ess_bulk"))
            for v in parameters.values()):
        raise r.error("diagnostics", "expected `parameters` to map each parameter to its "
                                     "`r_hat` and `ess_bulk` (numbers or null)")
    for key in ("draws", "chains", "sampling_seconds"):
        if not _number_or_none(doc.get(key)):
            raise r.error("diagnostics", f"expected `{key}` to be a number, got "
                                         f"{_show(doc.get(key))}")
    return doc


def table_axes(structure: Mapping[str, Any]) -> dict[str, tuple[str, list[str], list[int]]]:
    """Each node of a fit's structure: its kind, the axes of its table (parents, then the
    node itself for a chance node) and their sizes."""
    nodes = {n.get("name"): n for n in structure.get("nodes", []) if isinstance(n, Mapping)}
    out = {}
    for name, node in nodes.items():
        parents = [p for p in node.get("parents") or [] if p in nodes]
        axes = parents + ([name] if node.get("kind") == "chance" else [])
        out[name] = (str(node.get("kind")), axes, [len(nodes[a].get("states") or [])
                                                   for a in axes])
    return out


def _check_slots(r: _Reader, slots: list, structure: Mapping[str, Any]) -> None:
    axes = table_axes(structure)
    names = set()
    for i, slot in enumerate(slots):
        where = f"slot {i + 1}"
        if not isinstance(slot, dict) or not all(
                isinstance(slot.get(k), t) for k, t in _SLOT_KEYS.items()):
            raise r.error("slots", f"{where}: expected " + ", ".join(
                f"`{k}` ({t.__name__})" for k, t in _SLOT_KEYS.items()))
        if slot["kind"] == "parameter":
            if not (slot["name"].startswith("param[") and slot["variable"] == slot["name"]):
                raise r.error("slots", f"{where}: expected a parameter slot 'param[NAME]' in "
                                       f"its own variable, got {_show(slot['name'])}")
        else:
            _check_row_slot(r, where, slot, axes)
        if slot["name"] in names:
            raise r.error("slots", f"{where}: {slot['name']!r} twice")
        names.add(slot["name"])


def _check_row_slot(r: _Reader, where: str, slot: dict[str, Any],
                    axes: Mapping[str, tuple[str, list[str], list[int]]]) -> None:
    """A slot of a row or value: its node, its row index and its table variable."""
    node = slot["node"]
    if node not in axes or axes[node][0] not in ("chance", "utility"):
        raise r.error("slots", f"{where}: expected a chance or utility node of the "
                               f"structure, got {_show(node)}")
    kind, _, sizes = axes[node]
    index = slot["index"]
    rows = sizes[:-1] if kind == "chance" else sizes
    if len(index) != len(rows) or not all(
            isinstance(j, int) and 0 <= j < n for j, n in zip(index, rows, strict=False)):
        raise r.error("slots", f"{where}: expected a row index within {rows}, got "
                               f"{_show(index)}")
    expected_kind = "probability" if kind == "chance" else "utility"
    if slot["kind"] != expected_kind or slot["variable"] != table_variable(kind, node):
        raise r.error("slots", f"{where}: expected a {expected_kind} slot in variable "
                               f"{table_variable(kind, node)!r}")


def _conjugate(r: _Reader, doc: Any, slots: list[dict[str, Any]]) -> dict[str, Prior] | None:
    if doc is None:
        return None
    if not isinstance(doc, dict):
        raise r.error("conjugate", f"expected a JSON object, got {_show(doc)}")
    by_name = {s["name"]: s for s in slots}
    out = {}
    for name, entry in doc.items():
        slot = by_name.get(name)
        if slot is None:
            raise r.error("conjugate", f"{name!r} is not a slot of the posterior")
        try:
            prior = Prior.from_dict(entry)
        except ModelError as exc:
            raise r.error("conjugate", f"{name}: {exc.detail}") from None
        states = getattr(prior, "states", None)
        if slot["kind"] == "parameter" and states is None:  # a parameter's own prior
            pass
        elif prior.target != slot["kind"] or (states is not None and
                                              list(states) != slot["states"]):
            raise r.error("conjugate", f"{name}: expected a prior on a {slot['kind']} "
                                       f"{'row of ' + str(slot['states']) if states else ''}, "
                                       f"got {prior.describe()}")
        out[name] = prior
    return out


def check_tables(groups: Mapping[str, Group], attributes: Attributes,
                 file: str | None) -> tuple[int, int]:
    """Check the table variables of the slots in the ``posterior`` and ``prior`` groups: their
    dimensions and shapes, then every draw. Returns ``(chains, draws)``."""
    axes = table_axes(attributes.structure)
    nodes = dict.fromkeys(s["node"] for s in attributes.slots if s["kind"] != "parameter")
    shape = _check_parameters(groups, attributes, file)
    for group_name in ("posterior", "prior"):
        group = groups.get(group_name)
        if group is None:
            continue
        for node in nodes:
            kind, names, sizes = axes[node]
            var_name = table_variable(kind, node)
            var = group.variables.get(var_name)
            if var is None:
                if group_name == "prior":
                    continue
                raise PosteriorError(f"expected the variable {var_name!r} (the table of "
                                     f"'{node}'), got none", file=file)
            dims = ("chain", "draw", *(dimension(a) for a in names))
            values = np.asarray(var.values)
            if var.dims != dims or values.ndim != len(dims) or \
                    list(values.shape[2:]) != sizes or values.dtype.kind not in "fiu":
                raise PosteriorError(
                    f"variable {var_name!r}: expected numbers of dimensions {dims} and sizes "
                    f"{['chain', 'draw', *sizes]}, got {values.dtype} of dimensions {var.dims}, "
                    f"sizes {list(values.shape)}", file=file)
            if group_name == "posterior":
                if shape is not None and values.shape[:2] != shape:
                    raise PosteriorError(f"variable {var_name!r}: expected {shape[0]} chains "
                                         f"of {shape[1]} draws as the others, got "
                                         f"{values.shape[:2]}", file=file)
                shape = values.shape[:2]
            _check_values(values, kind, var_name, names, attributes.structure, file)
    if shape is None or min(shape) < 1:
        raise PosteriorError("expected draws of at least one table, got none", file=file)
    return int(shape[0]), int(shape[1])


def _row_text(index: tuple[int, ...], names: list[str], structure: Mapping[str, Any]) -> str:
    states = {n["name"]: n.get("states") or [] for n in structure["nodes"]}
    return ",".join(f"{a}={states[a][i]}" for a, i in zip(names, index, strict=False))


def _check_values(values: np.ndarray, kind: str, var_name: str, names: list[str],
                  structure: Mapping[str, Any], file: str | None) -> None:
    values = values.astype(float, copy=False)
    if kind == "chance":
        with np.errstate(invalid="ignore"):
            bad = ~np.isfinite(values) | (values < 0) | (values > 1)
            rows = bad.any(axis=-1)
            sums = values.sum(axis=-1)
            rows |= ~(np.abs(sums - 1) <= SUM_TOLERANCE)
        if rows.any():
            at = tuple(int(i) for i in np.argwhere(rows)[0])
            row = values[at]
            shown = "[" + ", ".join(f"{v:.6g}" for v in row) + "]"
            what = (f"probabilities in [0, 1], got {shown}" if bad[at].any() else
                    f"probabilities summing to 1 (within {SUM_TOLERANCE:g}), got {shown} "
                    f"(sum {sums[at]:.9g})")
            raise PosteriorError(f"variable {var_name!r}, chain {at[0]}, draw {at[1]}, row "
                                 f"{_row_text(at[2:], names[:-1], structure) or '(the only one)'}"
                                 f": expected {what}", file=file)
    else:
        with np.errstate(invalid="ignore"):
            bad = ~np.isfinite(values) | (np.abs(values) > UTILITY_BOUND)
        if bad.any():
            at = tuple(int(i) for i in np.argwhere(bad)[0])
            raise PosteriorError(f"variable {var_name!r}, chain {at[0]}, draw {at[1]}, value "
                                 f"{_row_text(at[2:], names, structure) or '(the only one)'}: "
                                 f"expected a finite utility within {UTILITY_BOUND:g}, got "
                                 f"{float(values[at])!r}", file=file)


def _check_parameters(groups: Mapping[str, Group], attributes: Attributes,
                      file: str | None) -> tuple[int, int] | None:
    """Check the variables of the parameter slots (``param[NAME]``, dimensions ``(chain,
    draw)``): finite numbers within the parameter's domain. Returns their ``(chains,
    draws)``."""
    shape: tuple[int, int] | None = None
    for slot in (s for s in attributes.slots if s["kind"] == "parameter"):
        for group_name in ("posterior", "prior"):
            group = groups.get(group_name)
            var = None if group is None else group.variables.get(slot["variable"])
            if var is None:
                if group_name == "posterior":
                    raise PosteriorError(f"expected the variable {slot['variable']!r} (a "
                                         "parameter's draws), got none", file=file)
                continue
            values = np.asarray(var.values)
            if var.dims != ("chain", "draw") or values.ndim != 2 or \
                    values.dtype.kind not in "fiu":
                raise PosteriorError(f"variable {slot['variable']!r}: expected numbers of "
                                     f"dimensions ('chain', 'draw'), got {values.dtype} of "
                                     f"dimensions {var.dims}", file=file)
            if group_name == "posterior":
                if shape is not None and values.shape != shape:
                    raise PosteriorError(f"variable {slot['variable']!r}: expected {shape[0]} "
                                         f"chains of {shape[1]} draws as the others, got "
                                         f"{values.shape}", file=file)
                shape = values.shape
            low, high = {"probability": (0.0, 1.0), "ratio": (0.0, np.inf)}.get(
                str(slot.get("domain")), (-UTILITY_BOUND, UTILITY_BOUND))
            with np.errstate(invalid="ignore"):
                bad = ~np.isfinite(values) | (values < low) | (values > high) | (
                    (values == 0) & (low == 0) & (high == np.inf))
            if bad.any():
                at = tuple(int(i) for i in np.argwhere(bad)[0])
                raise PosteriorError(f"variable {slot['variable']!r}, chain {at[0]}, draw "
                                     f"{at[1]}: expected a {slot.get('domain')} within its "
                                     f"domain, got {float(values[at])!r}", file=file)
    return shape
