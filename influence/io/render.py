"""Renderers: evaluation results and model descriptions as text tables, JSON and CSV.

Renderers only read :class:`~influence.results.Evaluation` and
:class:`~influence.diagram.Diagram` objects and return strings; they compute nothing the solver
has not computed (apart from merging information states that share a choice, for display).
They depend on the standard library only, so the command-line interface stays quick to start.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..limits import TIE_TOLERANCE
from ..model.diagram import Diagram, Node, Policy
from ..solve.results import DecisionResult, Evaluation, RuleResult

__all__ = [
    "format_number",
    "json_ready",
    "to_json",
    "evaluation_table",
    "evaluation_json",
    "evaluation_csv",
    "render_evaluation",
    "diagram_dict",
    "diagram_table",
    "diagram_json",
    "models_table",
    "models_json",
    "validation_summary",
    "CSV_COLUMNS",
    "CSV_UNCERTAINTY_COLUMNS",
    "EVALUATION_FORMATS",
]

EVALUATION_FORMATS = ("table", "json", "csv")

#: Columns of :func:`evaluation_csv`, in order.
CSV_COLUMNS = ("id", "label", "kind", "decision", "state", "expected_utility")
#: Columns added by :func:`evaluation_csv` when the result carries parameter uncertainty.
CSV_UNCERTAINTY_COLUMNS = (
    "sd", "interval_90_low", "interval_90_high", "probability_best", "expected_loss",
)

#: Options at most this many states wide get one conditional-EU column per state.
_MAX_EU_COLUMNS = 6
#: Relative tolerance under which two expected utilities share a rank.


# -- numbers ------------------------------------------------------------------------------------


def format_number(x: float | None, digits: int = 4) -> str:
    """A number for a text table: ``digits`` significant digits, never fewer than the integer part.

    Trailing zeros are dropped and ``-0`` prints as ``0``; None, NaN and infinities print as
    ``n/a``.

    Examples
    --------
    >>> format_number(22.857142857)
    '22.86'
    >>> format_number(-9.999999999999998)
    '-10'
    >>> format_number(123456.7)
    '123457'
    """
    if x is None:
        return "n/a"
    x = float(x)
    if not math.isfinite(x):
        return "n/a"
    if x == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(x)))
    decimals = min(max(digits - 1 - magnitude, 0), 10)
    text = f"{x:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text


def _percent(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return "n/a"
    return f"{100 * x:.0f}%" if abs(100 * x - round(100 * x)) < 0.05 else f"{100 * x:.1f}%"


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
    """``json.dumps(json_ready(data), indent=2)``, refusing NaN (there is none left)."""
    return json.dumps(json_ready(data), indent=2, allow_nan=False, ensure_ascii=False) + "\n"


# -- text tables --------------------------------------------------------------------------------


def _grid(headers: Sequence[str], rows: Iterable[Sequence[str]], right: Iterable[int] = (),
          indent: str = "  ") -> list[str]:
    """Aligned columns with a dashed rule under the header; columns in ``right`` are
    right-aligned."""
    rows = [list(map(str, r)) for r in rows]
    right = set(right)
    widths = [len(h) for h in headers]
    for r in rows:
        for i, cell in enumerate(r):
            widths[i] = max(widths[i], len(cell))

    def line(cells: Sequence[str]) -> str:
        parts = [c.rjust(w) if i in right else c.ljust(w)
                 for i, (c, w) in enumerate(zip(cells, widths, strict=True))]
        return (indent + "  ".join(parts)).rstrip()

    out = [line(headers), line(["-" * w for w in widths])]
    out.extend(line(r) for r in rows)
    return out


def _units_suffix(units: str | None) -> str:
    return f" {units}" if units else ""


def _rank_numbers(values: Sequence[float]) -> list[int]:
    ranks = []
    scale = max((abs(w) for w in values), default=0.0)
    for v in values:
        ranks.append(1 + sum(1 for w in values if w > v + TIE_TOLERANCE * scale))
    return ranks


def _label_of(diagram: Diagram | None, name: str) -> str:
    if diagram is not None and name in diagram:
        label = diagram.node(name).label
        if label and label != name:
            return f"{name} ({label})"
    return name


def _fmt_given(given: Mapping[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in given.items())


# -- evaluation: table --------------------------------------------------------------------------


def _has_uncertainty(result: Evaluation) -> bool:
    """Whether the result was computed under parameter draws ("prior" or "posterior")."""
    return result.uncertainty is not None


def _comparison_note(result: Evaluation) -> str:
    if not result.options:
        return ""
    return ("P(best) and E[loss] compare the named policies with each other, and the "
            "alternatives of each decision with each other.")


def _options_section(result: Evaluation) -> list[str]:
    ranked = result.ranked()
    if not ranked:
        return ["No named policies, and no decision that observes nothing: nothing to rank.",
                "(Add `policies:` to the model to compare strategies.)"]
    uncertain = _has_uncertainty(result)
    headers = ["rank", "option", "id", "kind", "EU"]
    right = [0, 4]
    if uncertain:
        headers += ["sd", "90% interval", "P(best)", "E[loss]"]
        right += [5, 7, 8]
    ranks = _rank_numbers([o.expected_utility for o in ranked])
    rows = []
    for rank, o in zip(ranks, ranked, strict=True):
        row = [str(rank), o.label, o.id, o.kind, format_number(o.expected_utility)]
        if uncertain:
            interval = (f"{format_number(o.interval_90[0])} to {format_number(o.interval_90[1])}"
                        if o.interval_90 else "n/a")
            row += [format_number(o.sd), interval, _percent(o.probability_best),
                    format_number(o.expected_loss)]
        rows.append(row)
    out = ["Policies and alternatives, best first"]
    out += _grid(headers, rows, right)
    notes = []
    if any(o.kind == "alternative" for o in ranked):
        notes.append("An alternative fixes one decision and plays the others optimally.")
    if any(o.kind == "policy" for o in ranked):
        notes.append("A policy plays optimally wherever it does not say what to do.")
    if uncertain:
        note = _comparison_note(result)
        if note:
            notes.append(note)
    out += ["  " + n for n in notes]
    return out


def _merge(rules: Sequence[RuleResult], given: Mapping[str, str],
           states: Sequence[str]) -> tuple[float, dict[str, float] | None, float | None]:
    """Probability, conditional EU of each option and share of draws optimal of the reachable
    information states that agree with ``given``."""
    matching = [r for r in rules if r.reachable and all(r.given[k] == v for k, v in given.items())]
    total = sum(r.probability for r in matching)
    eus: dict[str, float] | None = None
    share: float | None = None
    if total > 0 and all(r.expected_utilities is not None for r in matching):
        eus = {s: sum(r.probability * r.expected_utilities[s] for r in matching) / total
               for s in states}
    if total > 0 and all(r.probability_optimal is not None for r in matching) and matching:
        share = sum(r.probability * r.probability_optimal for r in matching) / total
    return total, eus, share


def _decision_states(decision: DecisionResult, diagram: Diagram | None) -> list[str]:
    if diagram is not None and decision.decision in diagram:
        return list(diagram.node(decision.decision).states)
    for r in decision.rules:
        if r.expected_utilities:
            return list(r.expected_utilities)
    return sorted({r.choose for r in decision.rules if r.choose})


def _eu_headers(states: Sequence[str]) -> list[str]:
    return [f"EU({s})" for s in states] if len(states) <= _MAX_EU_COLUMNS else ["EU(choice)"]


def _eu_cells(eus: Mapping[str, float] | None, states: Sequence[str], choose: str | None
              ) -> list[str]:
    if len(states) <= _MAX_EU_COLUMNS:
        return [format_number(eus[s]) if eus else "-" for s in states]
    return [format_number(eus[choose]) if eus and choose else "-"]


def _rule_section(index: int, decision: DecisionResult, diagram: Diagram | None,
                  uncertain: bool, all_states: bool) -> list[str]:
    name = _label_of(diagram, decision.decision)
    states = _decision_states(decision, diagram)
    reachable = decision.reachable_rules()
    hidden = len(decision.rules) - len(reachable)
    out: list[str] = []
    if not all_states and len(decision.rules) == 1 and reachable:
        rule = reachable[0]
        line = f"  {index}. {name}: choose {rule.choose}"
        extras = []
        if rule.expected_utilities:
            extras.append("EU " + ", ".join(f"{s} {format_number(v)}"
                                            for s, v in rule.expected_utilities.items()))
        if uncertain and rule.probability_optimal is not None:
            extras.append(f"optimal in {_percent(rule.probability_optimal)} of draws")
        if extras:
            line += "   (" + "; ".join(extras) + ")"
        return [line]

    knows = ", ".join(decision.knows) or "nothing"
    if all_states:
        out.append(f"  {index}. {name}, by what it knows ({knows}); every information state:")
        headers = list(decision.knows) + ["choose", "status", "P(state)"] + _eu_headers(states)
        if uncertain:
            headers.append("P(optimal)")
        rows = []
        for r in decision.rules:
            status = ("reachable" if r.reachable else
                      "impossible" if r.choose is None else "unreachable")
            row = [r.given[k] for k in decision.knows]
            row += [r.choose or "-", status, format_number(r.probability)]
            row += _eu_cells(r.expected_utilities, states, r.choose)
            if uncertain:
                row.append(_percent(r.probability_optimal))
            rows.append(row)
        first_num = len(decision.knows) + 2
        right = range(first_num, len(headers))
        out += _grid(headers, rows, right, indent="       ")
        return out

    compact = decision.compact_rules()
    if not reachable:
        out.append(f"  {index}. {name}: no information state is reachable under this strategy")
        return out
    if len(compact) == 1 and not compact[0][0]:
        choose = compact[0][1]
        p, eus, share = _merge(decision.rules, {}, states)
        if len(reachable) == 1:
            line = f"  {index}. {name}: choose {choose}"
            extras = [f"knowing {_fmt_given(reachable[0].given)}"]
        else:
            line = f"  {index}. {name}: choose {choose} whatever it knows ({knows})"
            extras = []
        if eus:
            extras.append("EU " + ", ".join(f"{s} {format_number(v)}" for s, v in eus.items()))
        if uncertain and share is not None:
            extras.append(f"optimal in {_percent(share)} of draws")
        if extras:
            line += "   (" + "; ".join(extras) + ")"
        out.append(line)
    else:
        shown = list(compact[0][0])
        dropped = [k for k in decision.knows if k not in shown]
        head = f"  {index}. {name}, by what it knows ({knows})"
        if dropped:
            head += f"; {', '.join(dropped)} left out (the choice does not depend on it)"
        out.append(head + ":")
        headers = shown + ["choose", "P(state)"] + _eu_headers(states)
        if uncertain:
            headers.append("P(optimal)")
        rows = []
        for given, choose in compact:
            p, eus, share = _merge(decision.rules, given, states)
            row = [given[k] for k in shown] + [choose, format_number(p)]
            row += _eu_cells(eus, states, choose)
            if uncertain:
                row.append(_percent(share))
            rows.append(row)
        right = range(len(shown) + 1, len(headers))
        out += _grid(headers, rows, right, indent="       ")
    if hidden:
        out.append(f"     {hidden} of {len(decision.rules)} information states cannot occur under "
                   "this strategy (--all-states shows them).")
    return out


def evaluation_table(result: Evaluation, *, diagram: Diagram | None = None,
                     all_states: bool = False) -> str:
    """The plain-text report of an evaluation.

    Parameters
    ----------
    result : Evaluation
        What :func:`influence.evaluate` returned.
    diagram : Diagram, optional
        The evaluated diagram, for node labels and state order.
    all_states : bool
        Show every information state of every decision, including those that cannot occur under
        the optimal strategy (unreachable) or at all (impossible).

    Returns
    -------
    str
        Header (model, scenario, units), the ranked policies and alternatives, the maximum
        expected utility and the optimal strategy; under parameter uncertainty also the spread of
        each expected utility, the probability that each option is best, the expected loss and
        the expected value of perfect information about the parameters.
    """
    uncertain = _has_uncertainty(result)
    title = result.title or result.model
    out = [f"{title} ({result.model})" if title != result.model else title]
    scenario = _fmt_given(result.given)
    out.append(f"Scenario: {scenario} (results are conditional on it)" if scenario
               else "Scenario: none")
    if result.units:
        out.append(f"Utility in {result.units}")
    if uncertain:
        what = result.uncertainty or "parameter"
        draws = f"{result.draws} {what} draws" if result.draws else f"{what} draws"
        out.append(f"Parameter uncertainty: {draws}; expected utilities are means over draws")
    out.append("")
    out += _options_section(result)
    out.append("")

    meu = f"Maximum expected utility: {format_number(result.maximum_expected_utility)}"
    meu += _units_suffix(result.units)
    if uncertain and result.meu_sd is not None:
        lo, hi = result.meu_interval_90
        meu += (f"  (sd {format_number(result.meu_sd)}, 90% interval {format_number(lo)} to "
                f"{format_number(hi)})")
    out.append(meu)
    if result.evpi_parameters is not None:
        out.append("Expected value of perfect information about the parameters (EVPI): "
                   f"{format_number(result.evpi_parameters)}{_units_suffix(result.units)}")
    out.append("")
    out.append("Optimal strategy (decisions in the order they are taken)")
    for i, decision in enumerate(result.optimal_strategy, start=1):
        out += _rule_section(i, decision, diagram, uncertain, all_states)
    if uncertain:
        out.append("  P(optimal): share of the draws in which that choice is optimal.")
    if result.diagnostics:
        out.append("")
        out += _diagnostics_section(result.diagnostics)
    return "\n".join(out) + "\n"


def _diagnostics_section(diagnostics: Mapping[str, Any]) -> list[str]:
    """The posterior's sampling diagnostics, shown whenever the posterior is used."""
    method = diagnostics.get("method") or "unknown method"
    chains, draws = diagnostics.get("chains"), diagnostics.get("draws")
    head = f"Posterior: {method}"
    if chains and draws:
        head += f", {chains} chains of {draws} draws"
    params = diagnostics.get("parameters") or {}
    rhats = [p.get("r_hat") for p in params.values() if p.get("r_hat") is not None]
    esss = [p.get("ess_bulk") for p in params.values() if p.get("ess_bulk") is not None]
    rhats = [r for r in rhats if isinstance(r, int | float) and math.isfinite(r)]
    esss = [e for e in esss if isinstance(e, int | float) and math.isfinite(e)]
    if rhats:
        head += f"; max r_hat {format_number(max(rhats))}"
    if esss:
        head += f", min bulk ESS {format_number(min(esss))}"
    if diagnostics.get("divergences"):
        head += f", {diagnostics['divergences']} divergences"
    out = [head]
    warnings = list(diagnostics.get("warnings") or [])
    out += [f"  WARNING: {w}" for w in warnings]
    if not warnings:
        out.append("  No sampling warnings (r_hat <= 1.01, bulk ESS >= 400, no divergences).")
    return out


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
    uncertain = _has_uncertainty(result)
    columns = list(CSV_COLUMNS) + (list(CSV_UNCERTAINTY_COLUMNS) if uncertain else [])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
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


def render_evaluation(result: Evaluation, fmt: str = "table", *, diagram: Diagram | None = None,
                      all_states: bool = False) -> str:
    """Render an evaluation as ``"table"``, ``"json"`` or ``"csv"``."""
    if fmt == "json":
        return evaluation_json(result)
    if fmt == "csv":
        return evaluation_csv(result)
    if fmt == "table":
        return evaluation_table(result, diagram=diagram, all_states=all_states)
    raise ValueError(f"expected a format among {', '.join(EVALUATION_FORMATS)}, got {fmt!r}")


# -- show: the model ----------------------------------------------------------------------------


def _arc_kind(child: Node) -> str:
    return {"chance": "conditional", "decision": "informational",
            "utility": "functional"}[child.kind]


def _prior_data(prior: Any) -> Any:
    to_dict = getattr(prior, "to_dict", None)
    return to_dict() if callable(to_dict) else str(prior)


def _node_table(diagram: Diagram, node: Node) -> list[dict[str, Any]]:
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
            row["prior"] = _prior_data(node.priors[key])
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
    ``fingerprint``, ``nodes`` (each with ``name``, ``type``, ``label``, ``states``, ``parents``
    or ``observes``, ``source``, ``table``...), ``arcs`` (``from``, ``to``, ``kind``),
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
        if n.kind != "decision":
            item["table"] = _node_table(diagram, n)
        nodes.append(item)
    arcs = [{"from": p, "to": n.name, "kind": _arc_kind(n)} for n in diagram.nodes
            for p in n.parents]
    return {
        "model": diagram.name,
        "title": diagram.title,
        "description": diagram.description,
        "units": diagram.units,
        "sources": list(diagram.sources),
        "file": diagram.file,
        "fingerprint": diagram.fingerprint,
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


def _wrap(text: str, width: int = 96, indent: str = "") -> list[str]:
    import textwrap

    return textwrap.wrap(" ".join(text.split()), width=width, initial_indent=indent,
                         subsequent_indent=indent) or [indent.rstrip()]


def _rule_text(policy: Policy, decision: str) -> str:
    rows = policy.rules[decision]
    if len(rows) == 1 and not rows[0].given:
        return rows[0].choose
    return "; ".join(f"{_fmt_given(r.given) or 'otherwise'} -> {r.choose}" for r in rows)


def diagram_table(diagram: Diagram, *, tables: bool = False) -> str:
    """A plain-text description of a diagram: what ``influence show`` prints.

    Parameters
    ----------
    diagram : Diagram
    tables : bool
        Also print every probability and utility table.
    """
    title = diagram.title or diagram.name
    out = [f"{title} ({diagram.name})" if title != diagram.name else title]
    if diagram.description:
        out += _wrap(diagram.description)
    if diagram.file:
        out.append(f"File: {diagram.file}")
    if diagram.units:
        out.append(f"Units: {diagram.units}")
    kinds = [sum(n.kind == k for n in diagram.nodes) for k in ("chance", "decision", "utility")]
    out.append(f"{kinds[0]} chance, {kinds[1]} decision, {kinds[2]} utility nodes; "
               f"{len(diagram.policies)} policies; fingerprint {diagram.fingerprint}")
    out.append("")

    out.append("Nodes (in file order, which is the order decisions are taken)")
    rows = []
    for n in diagram.nodes:
        if n.kind == "decision":
            parents = "observes " + (", ".join(n.parents) if n.parents else "nothing")
        else:
            parents = ", ".join(n.parents) or "-"
        states = ", ".join(n.states) if n.kind != "utility" else (n.unit or "-")
        extra = f" (weight {format_number(n.weight)})" if n.kind == "utility" and n.weight != 1 \
            else ""
        rows.append([n.name, n.kind, states + extra, parents, n.label or "-"])
    out += _grid(["name", "type", "states / unit", "parents", "label"], rows)
    out.append("")

    out.append("Arcs")
    arc_rows = [[p, n.name, _arc_kind(n)] for n in diagram.nodes for p in n.parents]
    if arc_rows:
        out += _grid(["from", "to", "kind"], arc_rows)
    else:
        out.append("  (none)")
    out.append("  conditional: into a chance node; informational: observed before a decision; "
               "functional: into a utility node.")
    out.append("")

    out.append("Decisions, in the order taken, and what each knows (perfect recall)")
    if diagram.decisions:
        for i, d in enumerate(diagram.decisions, start=1):
            knows = diagram.information_set(d.name)
            out.append(f"  {i}. {d.name}: knows {', '.join(knows) if knows else 'nothing'}")
    else:
        out.append("  (none)")
    out.append("")

    out.append("Policies")
    if diagram.policies:
        for p in diagram.policies:
            out.append(f"  {p.id}: {p.label}")
            for decision in p.rules:
                out.append(f"      {decision}: {_rule_text(p, decision)}")
            if p.description:
                out += _wrap(p.description, indent="      ")
            if p.source:
                out.append(f"      source: {p.source}")
        out.append("  Decisions or information states a policy leaves out are played optimally.")
    else:
        out.append("  (none)")
    out.append("")

    out.append("Sources")
    source_lines = [f"  model: {s}" for s in diagram.sources]
    for n in diagram.nodes:
        if n.source:
            source_lines.append(f"  {n.name}: {n.source}")
        for key, src in n.row_sources.items():
            if not n.parents and src == n.source:
                continue
            given = _fmt_given(dict(zip(n.parents, key, strict=True)))
            source_lines.append(f"  {n.name} [{given}]: {src}")
    out += source_lines or ["  (none given)"]

    if tables:
        out.append("")
        out += _tables_section(diagram)
    return "\n".join(out) + "\n"


def _tables_section(diagram: Diagram) -> list[str]:
    out = ["Tables"]
    for n in diagram.nodes:
        if n.kind == "decision":
            continue
        rows_data = _node_table(diagram, n)
        if n.kind == "chance":
            out.append(f"  {n.name}: P({n.name} | {', '.join(n.parents)})" if n.parents
                       else f"  {n.name}: P({n.name})")
            headers = list(n.parents) + list(n.states)
            rows = [[r["given"][p] for p in n.parents]
                    + [format_number(r["p"][s]) for s in n.states] for r in rows_data]
        else:
            unit = f" [{n.unit}]" if n.unit else ""
            out.append(f"  {n.name}: utility{unit}")
            headers = list(n.parents) + ["value"]
            rows = [[r["given"][p] for p in n.parents] + [format_number(r["value"])]
                    for r in rows_data]
        out += _grid(headers, rows, right=range(len(n.parents), len(headers)), indent="      ")
    return out


# -- models and validation ----------------------------------------------------------------------


def models_table(summaries: Sequence[tuple[str, str]]) -> str:
    """One line per bundled model: name and title, aligned."""
    if not summaries:
        return "(no bundled models)\n"
    width = max(len(name) for name, _ in summaries)
    return "".join(f"{name.ljust(width)}  {title}".rstrip() + "\n" for name, title in summaries)


def models_json(summaries: Sequence[tuple[str, str]], default: str | None = None) -> str:
    """The bundled models as a JSON list of ``{name, title, default}``."""
    return to_json([{"name": name, "title": title, "default": name == default}
                    for name, title in summaries])


def validation_summary(diagram: Diagram, shown_as: str) -> str:
    """``"MODEL: valid (N chance, N decision, N utility nodes, N policies)"``."""
    counts = [sum(n.kind == k for n in diagram.nodes) for k in ("chance", "decision", "utility")]
    return (f"{shown_as}: valid ({counts[0]} chance, {counts[1]} decision, {counts[2]} utility "
            f"nodes, {len(diagram.policies)} policies)")
