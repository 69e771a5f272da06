"""What a fit of a model's priors depends on, and how two versions of it differ.

A posterior (:mod:`influence.bayes.posterior`) belongs to the model's *structure* (its nodes in
order, their kinds, states and parents) and to the *parameters that carry priors* (each prior,
with how it was stated). Everything else can change without making the posterior wrong: a point
value without a prior, a label, a description, a source, a policy, a weight. The posterior's
draws replace the rows that carry priors; every other number is taken from the model as it is.

:func:`fit_content` is that part of a diagram as plain data, :func:`digest` its hash
(:attr:`Diagram.fit_fingerprint <influence.model.diagram.Diagram.fit_fingerprint>`), and
:func:`changes` says, node and field, where two such contents differ. Parameters of other kinds
that carry priors join :func:`fit_content` as entries of their own.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .diagram import Diagram

__all__ = ["fit_content", "digest", "changes"]

_FIELDS = ("kind", "states", "parents")


def _row(key: tuple[str, ...]) -> str:
    return ",".join(key) if key else ""


def fit_content(diagram: Diagram) -> dict[str, Any]:
    """The structure of ``diagram`` and its priors, as JSON-ready data.

    ``{"name": ..., "nodes": [{"name", "kind", "states", "parents", "priors": {row: prior}}]}``,
    nodes in file order; a row is its parent states joined by commas (``""`` for a node
    without parents), a prior its ``repr`` (which includes how an elicited prior was stated).
    """
    nodes = []
    for node in diagram.nodes:
        entry: dict[str, Any] = {"name": node.name, "kind": node.kind,
                                 "states": list(node.states), "parents": list(node.parents)}
        if node.priors:
            entry["priors"] = {_row(k): repr(v) for k, v in sorted(node.priors.items())}
        nodes.append(entry)
    content: dict[str, Any] = {"name": diagram.name, "nodes": nodes}
    if diagram.parameters:  # model parameters: their owners, domains and priors
        content["parameters"] = [
            {"name": p.name, "node": p.node, "domain": p.domain, "prior": repr(p.prior)}
            for p in diagram.parameters]
    return content


def digest(content: Mapping[str, Any]) -> str:
    """The 16-hex-digit hash of a :func:`fit_content`."""
    blob = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _listed(values: Any) -> str:
    return "[" + ", ".join(str(v) for v in values) + "]" if isinstance(values, list) \
        else repr(values)


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """Where ``after`` differs from ``before`` (two :func:`fit_content` documents), one phrase
    per difference, naming the node and the field: ``"node 'oil', field 'states': [dry, wet]
    before, [dry, wet, soaking] now"``."""
    out: list[str] = []
    old = {n["name"]: n for n in before.get("nodes", []) if isinstance(n, Mapping)}
    new = {n["name"]: n for n in after.get("nodes", []) if isinstance(n, Mapping)}
    for name in old:
        if name not in new:
            out.append(f"node '{name}' removed")
    for name, node in new.items():
        if name not in old:
            out.append(f"node '{name}' added")
            continue
        was = old[name]
        for key in _FIELDS:
            if was.get(key) != node.get(key):
                out.append(f"node '{name}', field '{key}': {_listed(was.get(key))} before, "
                           f"{_listed(node.get(key))} now")
        out += _prior_changes(name, was.get("priors") or {}, node.get("priors") or {})
    out += _parameter_changes(before.get("parameters") or [], after.get("parameters") or [])
    common = [n for n in new if n in old]
    if not out and common != [n for n in old if n in new]:
        out.append("the order of the nodes (" + ", ".join(common) + " now)")
    return out


def _parameter_changes(before: list[Any], after: list[Any]) -> list[str]:
    """The model parameters (of structured tables, named parameters) added, removed, or with
    another node, domain or prior."""
    old = {p["name"]: p for p in before if isinstance(p, Mapping)}
    new = {p["name"]: p for p in after if isinstance(p, Mapping)}
    out = [f"parameter '{name}' removed" for name in old if name not in new]
    for name, param in new.items():
        if name not in old:
            out.append(f"parameter '{name}' added")
            continue
        for key in ("node", "domain", "prior"):
            was, now = old[name].get(key), param.get(key)
            if was != now:
                out.append(f"node '{param.get('node')}', parameter '{name}', field '{key}': "
                           f"{_or_none(was)} before, {_or_none(now)} now")
    return out


def _or_none(value: Any) -> Any:
    """A stored field for a message: ``none`` for a missing prior (stored as its repr)."""
    return "none" if value in (None, "", "None") else value


def _prior_changes(node: str, before: Mapping[str, str], after: Mapping[str, str]) -> list[str]:
    out = []
    for row in dict.fromkeys([*before, *after]):
        was, now = before.get(row), after.get(row)
        if was == now:
            continue
        where = f"node '{node}', field 'prior'" + (f" (row {row})" if row else "")
        out.append(f"{where}: {was or 'none'} before, {now or 'none'} now")
    return out
