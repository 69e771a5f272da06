"""Plain data: evaluations, models and fits as JSON and CSV.

:func:`json_ready` turns results into plain JSON data (numpy values to floats and lists, NaN to
null, floats to 12 significant digits); :func:`evaluation_json` and :func:`evaluation_csv` are
``influence evaluate --format json|csv`` (field names in :meth:`Evaluation.to_dict
<influence.solve.results.Evaluation.to_dict>`, a public contract), :func:`diagram_dict` is
``influence show --format json`` and :func:`fit_dict` the JSON report of ``influence fit``.
They compute nothing the library has not computed; numpy values are converted through their
``tolist``, so this module does not import numpy itself.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..bayes.summary import sampling_warnings
from ..messages import json_printable, printable
from ..model.diagram import Diagram, Node, Policy
from ..solve.results import Evaluation
from .parameters_view import parameters_data, structure_data

if TYPE_CHECKING:  # pragma: no cover
    from ..bayes.posterior import Posterior

__all__ = [
    "json_ready",
    "to_json",
    "evaluation_json",
    "evaluation_csv",
    "CSV_COLUMNS",
    "CSV_UNCERTAINTY_COLUMNS",
    "arc_kind",
    "node_table",
    "diagram_dict",
    "diagram_json",
    "models_json",
    "fit_dict",
    "csv_writer",
]

#: Columns of :func:`evaluation_csv`, in order.
CSV_COLUMNS = ("id", "label", "kind", "decision", "state", "expected_utility")

#: Columns added by :func:`evaluation_csv` when the result carries parameter uncertainty.
CSV_UNCERTAINTY_COLUMNS = (
    "sd", "interval_90_low", "interval_90_high", "probability_best", "expected_loss",
)


def _clean_float(x: float) -> float | None:
    if not math.isfinite(x):
        return None
    # 12 significant digits: drops floating-point noise (0.24000000000000002 -> 0.24).
    cleaned = float(f"{x:.12g}")
    return 0.0 if cleaned == 0 else cleaned


def json_ready(value: Any) -> Any:
    """Plain JSON data from results: numpy scalars and arrays become floats and lists, NaN and
    infinities become None, floats are rounded to 12 significant digits, tuples become lists."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return _clean_float(value)
    if isinstance(value, Mapping):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    tolist = getattr(value, "tolist", None)  # numpy scalars and arrays, without importing numpy
    if callable(tolist):
        return json_ready(tolist())
    return str(value)


def to_json(data: Any) -> str:
    """``json.dumps(json_ready(data), indent=2)``, refusing NaN (there is none left); the
    control characters json.dumps keeps raw are escaped too
    (:func:`~influence.messages.json_printable`), so the JSON prints safely."""
    text = json.dumps(json_ready(data), indent=2, allow_nan=False, ensure_ascii=False)
    return json_printable(text) + "\n"


class _PrintableWriter:
    """A CSV writer whose cells have their control characters escaped."""

    def __init__(self, buffer: io.StringIO) -> None:
        self._writer = csv.writer(buffer, lineterminator="\n")

    def writerow(self, row: Sequence[Any]) -> None:
        self._writer.writerow([printable(cell) for cell in row])

    def writerows(self, rows: Iterable[Sequence[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(buffer: io.StringIO) -> _PrintableWriter:
    """A CSV writer (lines ended by ``\\n``) that escapes the control characters of every cell
    (:func:`~influence.messages.printable`): names and labels read from a file cannot break a
    row in two nor act on a terminal."""
    return _PrintableWriter(buffer)


# -- evaluations ----------------------------------------------------------------------------------


def evaluation_json(result: Evaluation) -> str:
    """``result.to_dict()`` as indented JSON, numbers as plain floats (no NaN: null instead)."""
    return to_json(result.to_dict())


def _csv_number(x: float | None) -> str:
    cleaned = None if x is None else _clean_float(float(x))
    return "" if cleaned is None else repr(cleaned)


def evaluation_csv(result: Evaluation) -> str:
    """A first row for the optimal strategy (kind ``optimum``: the maximum expected utility),
    then one row per policy and alternative (best first), header row first.

    Columns are :data:`CSV_COLUMNS`, plus :data:`CSV_UNCERTAINTY_COLUMNS` when the result
    carries parameter uncertainty. Empty cells stand for "not applicable" (the optimum has no
    probability of being best nor expected loss: it is the benchmark they are measured against).
    """
    uncertain = result.uncertainty is not None
    columns = list(CSV_COLUMNS) + (list(CSV_UNCERTAINTY_COLUMNS) if uncertain else [])
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow(columns)
    optimum = ["optimal-strategy", "Optimal strategy", "optimum", "", "",
               _csv_number(result.maximum_expected_utility)]
    if uncertain:
        lo, hi = result.meu_interval_90 or (None, None)
        optimum += [_csv_number(result.meu_sd), _csv_number(lo), _csv_number(hi), "", ""]
    writer.writerow(optimum)
    for o in result.ranked():
        row = [o.id, o.label, o.kind, o.decision or "", o.state or "",
               _csv_number(o.expected_utility)]
        if uncertain:
            lo, hi = o.interval_90 if o.interval_90 else (None, None)
            row += [_csv_number(o.sd), _csv_number(lo), _csv_number(hi),
                    _csv_number(o.probability_best), _csv_number(o.expected_loss)]
        writer.writerow(row)
    return buffer.getvalue()


# -- models ---------------------------------------------------------------------------------------


def arc_kind(child: Node) -> str:
    """The kind of the arcs into ``child``: conditional, informational or functional."""
    return {"chance": "conditional", "decision": "informational",
            "utility": "functional"}[child.kind]


def node_table(diagram: Diagram, node: Node) -> list[dict[str, Any]]:
    """The rows of a chance or utility node's table: ``given`` (parent states), ``p`` (state:
    probability) or ``value``, and where set ``source`` and ``prior`` (the prior's
    :meth:`~influence.model.distributions.Prior.to_dict` with its ``description``)."""
    rows: list[dict[str, Any]] = []
    if node.kind == "decision" or node.table is None:
        return rows
    for given in diagram.parent_configurations(node.name):
        key = tuple(given[p] for p in node.parents)
        row: dict[str, Any] = {"given": given}
        if node.kind == "chance":
            row["p"] = diagram.probabilities(node.name, given)
        else:
            row["value"] = diagram.utility(node.name, given)
        if key in node.row_sources and (node.parents or node.row_sources[key] != node.source):
            row["source"] = node.row_sources[key]
        if key in node.priors:
            prior = node.priors[key]
            row["prior"] = {**prior.to_dict(), "description": prior.describe()}
        rows.append(row)
    return rows


def _policy_data(policy: Policy) -> dict[str, Any]:
    choose: dict[str, Any] = {}
    for decision, rows in policy.rules.items():
        if len(rows) == 1 and not rows[0].given:
            choose[decision] = rows[0].choose
        else:
            choose[decision] = [{"given": dict(r.given), "choose": r.choose} for r in rows]
    out: dict[str, Any] = {"id": policy.id, "label": policy.label, "choose": choose}
    if policy.description:
        out["description"] = policy.description
    if policy.source:
        out["source"] = policy.source
    return out


def diagram_dict(diagram: Diagram) -> dict[str, Any]:
    """Plain data describing a diagram: what ``influence show --format json`` prints.

    Keys: ``model``, ``title``, ``description``, ``units``, ``sources``, ``file``,
    ``fingerprint``, ``parameters`` (see :func:`~influence.io.parameters_view.parameters_data`),
    ``nodes`` (each with ``name``, ``type``, ``label``, ``states``, ``parents`` or ``observes``,
    ``source``, ``table``, and ``structure``, ``expressions`` or ``weight_expression`` where
    the numbers are computed from parameters...), ``arcs`` (``from``, ``to``, ``kind``),
    ``decision_order``, ``information_sets`` (what each decision knows under perfect recall) and
    ``policies``.
    """
    nodes = []
    for n in diagram.nodes:
        item: dict[str, Any] = {"name": n.name, "type": n.kind, "label": n.label}
        if n.kind != "utility":
            item["states"] = list(n.states)
        item["observes" if n.kind == "decision" else "parents"] = list(n.parents)
        if n.description:
            item["description"] = n.description
        item["source"] = n.source
        if n.kind == "utility":
            item["unit"] = n.unit
            item["weight"] = n.weight
            if n.weight_expression is not None:
                item["weight_expression"] = str(n.weight_expression)
        if n.structure is not None:
            item["structure"] = structure_data(diagram, n)
        if n.expressions:
            item["expressions"] = [{"given": dict(zip(n.parents, key, strict=True)),
                                    "expression": str(e)} for key, e in n.expressions.items()]
        if n.kind != "decision":
            item["table"] = node_table(diagram, n)
        nodes.append(item)
    arcs = [{"from": p, "to": n.name, "kind": arc_kind(n)} for n in diagram.nodes
            for p in n.parents]
    return {
        "model": diagram.name,
        "title": diagram.title,
        "description": diagram.description,
        "units": diagram.units,
        "sources": list(diagram.sources),
        "file": diagram.file,
        "fingerprint": diagram.fingerprint,
        "parameters": parameters_data(diagram),
        "nodes": nodes,
        "arcs": arcs,
        "decision_order": [d.name for d in diagram.decisions],
        "information_sets": {d.name: list(diagram.information_set(d.name))
                             for d in diagram.decisions},
        "policies": [_policy_data(p) for p in diagram.policies],
    }


def diagram_json(diagram: Diagram) -> str:
    """:func:`diagram_dict` as indented JSON."""
    return to_json(diagram_dict(diagram))


def models_json(summaries: Sequence[tuple[str, str]], default: str | None = None,
                evidence: Mapping[str, Sequence[str]] | None = None) -> str:
    """The bundled models as a JSON list of ``{name, title, default, evidence}`` (the names of
    its bundled evidence files)."""
    return to_json([{"name": name, "title": title, "default": name == default,
                     "evidence": list((evidence or {}).get(name) or [])}
                    for name, title in summaries])


# -- fits -----------------------------------------------------------------------------------------


def fit_dict(posterior: Posterior, *, model: str, output: str | None,
             evidence: Sequence[str], start: str | None) -> dict[str, Any]:
    """The JSON report of a fit: ``model``, ``output`` (the posterior file), ``method``,
    ``evidence`` (the files), ``start`` (the posterior continued from), ``parameters``
    (:meth:`Posterior.summary <influence.bayes.posterior.Posterior.summary>`), ``diagnostics``
    and ``warnings``."""
    diagnostics = dict(posterior.diagnostics or {})
    return {
        "model": model,
        "output": output,
        "method": posterior.method,
        "evidence": list(evidence),
        "start": start,
        "parameters": posterior.summary(),
        "diagnostics": diagnostics,
        "warnings": sampling_warnings(diagnostics),
    }
