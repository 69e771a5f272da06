"""The sections of the report on the analyses: what drives the decision (one-way sensitivity
and break-even values), what is worth learning (value of information), and where the value
comes from (the expected utility attribute by attribute)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..text import format_given, format_number
from .charts import tornado_chart
from .collect import Collected
from .html import Numbers, esc, table

__all__ = ["sensitivity_section", "voi_section", "attribution_section"]

_SOURCES = {"range": "given range", "prior": "prior's 90% interval", "default": "\u00b125%"}


def _bar(value: float | None, largest: float) -> str:
    width = 0.0 if not value or largest <= 0 else max(0.0, min(1.0, value / largest))
    return f'<span class="bar" style="width:{100 * width:.1f}%"></span>'


def _star(p: Mapping[str, Any], base_best: str) -> str:
    return "*" if base_best != p["best_low"] or base_best != p["best_high"] else ""


def _flips(n: Numbers, i: int, p: Mapping[str, Any]) -> str:
    if not p["within"]:
        return "\u2013"
    extra = len(p["within"]) - 1
    more = f" (+{extra})" if extra else ""
    return n.show("sensitivity", "parameters", i, "within", 0) + more


def _break_evens(n: Numbers, params: Sequence[Mapping[str, Any]]) -> str:
    """The parameters whose break-even values lie inside their ranges, the nearest first."""
    fragile = sorted((i for i, p in enumerate(params) if p["within"]),
                     key=lambda i: params[i]["margin"])
    if not fragile:
        return ("<p>No parameter shown changes the optimal strategy anywhere inside its "
                "range.</p>")
    items = []
    for i in fragile:
        p = params[i]
        changes = []
        for j, t in enumerate(p["thresholds"]):
            if t["value"] not in p["within"]:
                continue
            state = format_given(t["information_state"])
            where = f" knowing {esc(state)}" if state else ""
            changes.append(f"at {n.show('sensitivity', 'parameters', i, 'thresholds', j, 'value')}"
                           f": {esc(t['decision'])}{where}: {esc(t['from'])} \u2192 "
                           f"{esc(t['to'])}")
        items.append(
            f'<li><span class="id">{esc(p["id"])}</span> = '
            f"{n.show('sensitivity', 'parameters', i, 'point')} (range "
            f"{n.show('sensitivity', 'parameters', i, 'low')} to "
            f"{n.show('sensitivity', 'parameters', i, 'high')}); the nearest break-even value "
            f"is {n.show('sensitivity', 'parameters', i, 'margin', fmt='percent')} of the range "
            f"away:<ul>{''.join(f'<li>{x}</li>' for x in changes)}</ul></li>")
    return f'<ul class="rules">{"".join(items)}</ul>'


def sensitivity_section(c: Collected, n: Numbers) -> str:
    """The tornado, the table of one-way results, and the break-even values in range."""
    s = c.data["sensitivity"]
    params = s["parameters"]
    if not params:
        return "<p>The model has no parameter to vary.</p>"
    base_label = s["labels"].get(s["base_best"], s["base_best"])
    out = [f"<p>Each parameter moves alone over its range (the range given in the model, its "
           f"prior's 90% interval, or its value \u00b125%) while every other number keeps the "
           f"model's value. At the model's values the maximum expected utility is "
           f"{n.show('sensitivity', 'base_expected_utility')} and the best option is "
           f"{esc(base_label)}. The {len(params)} of {s['total']} parameters with the largest "
           f"swing are shown.</p>"]
    chart = tornado_chart(params, s["base_expected_utility"], s["base_best"],
                          c.evaluation.units)
    out.append(f"<figure>{chart}<figcaption>The maximum expected utility with each parameter "
               "at the low and the high end of its range; a star marks an end where another "
               "option is best.</figcaption></figure>")
    rows = []
    for i, p in enumerate(params):
        at = ("sensitivity", "parameters", i)
        rows.append([str(i + 1), f'<span class="id">{esc(p["id"])}</span>',
                     n.show(*at, "point"), esc(_SOURCES.get(p["source"], p["source"])),
                     n.show(*at, "low"), n.show(*at, "high"), n.show(*at, "eu_low"),
                     n.show(*at, "eu_high"), n.show(*at, "swing") + _star(p, s["base_best"]),
                     _flips(n, i, p)])
    out.append(table(["#", "Parameter", "Value", "Range", "Low", "High", "EU low", "EU high",
                      "Swing", "Flips at"], rows, numeric=[0, 2, 4, 5, 6, 7, 8, 9],
                     css_class="sensitivity"))
    out.append('<p class="note">Swing = |EU high \u2212 EU low|; * marks a parameter at one of '
               "whose ends another option is best. 'Flips at' is the break-even value inside "
               "the range nearest the model's value (+N: N more inside the range).</p>")
    out.append("<h3>Break-even values inside the ranges</h3>")
    out.append(_break_evens(n, params))
    return "".join(out)


def _zero_list(entries: Sequence[tuple[str, str]]) -> str:
    by: dict[str, list[str]] = {}
    for head, item in entries:
        by.setdefault(head, []).append(item)
    return "; ".join(f"{esc(h)}: {esc(', '.join(v))}" for h, v in by.items())


def _observe_table(c: Collected, n: Numbers) -> str:
    observe = c.data["value_of_information"]["observe"]
    if not observe:
        return "<p>No chance node can be observed before a decision that does not know it.</p>"
    order = sorted(range(len(observe)), key=lambda i: -(observe[i]["value"] or 0.0))
    largest = max((o["value"] or 0.0) for o in observe)
    worth = [i for i in order if format_number(observe[i]["value"]) != "0"]
    rows = [[esc(", ".join(observe[i]["nodes"])), esc(observe[i]["decision"]),
             n.show("value_of_information", "observe", i, "value"),
             _bar(observe[i]["value"], largest)] for i in worth]
    out = []
    if rows:
        out.append(table(["Observing", "Before", "Value", ""], rows, numeric=[2],
                         css_class="voi"))
    zero = [(observe[i]["decision"], ", ".join(observe[i]["nodes"])) for i in order
            if i not in worth]
    if zero:
        out.append(f'<p class="note">Worth nothing (the choice would not change), before '
                   f"{_zero_list(zero)}.</p>")
    return "".join(out)


def _evppi_table(c: Collected, n: Numbers) -> str:
    voi = c.data["value_of_information"]
    groups = voi["evppi"]
    at = ("value_of_information",)
    out = [f"<p>Perfect information about every parameter (EVPI) is worth "
           f"{n.show(*at, 'evpi_parameters')} (Monte Carlo standard error "
           f"{n.show(*at, 'evpi_se')}). Each group of parameters learned alone (EVPPI):</p>"]
    order = sorted(range(len(groups)), key=lambda i: -(groups[i]["value"] or 0.0))
    largest = max([g["value"] or 0.0 for g in groups] + [0.0])
    worth = [i for i in order if format_number(groups[i]["value"]) != "0"]
    rows = [[esc(groups[i]["group"]), str(len(groups[i]["parameters"])),
             n.show(*at, "evppi", i, "value"), n.show(*at, "evppi", i, "se"),
             esc(groups[i]["method"]), _bar(groups[i]["value"], largest)] for i in worth]
    if rows:
        out.append(table(["Group", "Parameters", "EVPPI", "se", "Method", ""], rows,
                         numeric=[1, 2, 3], css_class="evppi"))
    zero = [groups[i]["group"] for i in order if i not in worth]
    if zero:
        out.append(f'<p class="note">Worth nothing: {esc(", ".join(zero))}.</p>')
    return "".join(out)


def voi_section(c: Collected, n: Numbers) -> str:
    """Observing chance nodes before decisions and, under uncertainty, learning parameters."""
    out = ["<h3>Observing a chance node before a decision</h3>",
           "<p>What the maximum expected utility would gain if the decision (and every later "
           "one) knew the node's state (the value of clairvoyance, exact).</p>",
           _observe_table(c, n)]
    if c.data["value_of_information"]["evpi_parameters"] is not None:
        out += ["<h3>Learning the parameters</h3>", _evppi_table(c, n)]
    return "".join(out)


def _explanation(c: Collected, n: Numbers) -> str:
    e = c.data["explanation"]
    a, b = e["option"], e["other"]
    uncertain = "difference_interval_90" in e
    out = [f"<p>{esc(a['label'])} (EU {n.show('explanation', 'option', 'expected_utility')}) "
           f"against {esc(b['label'])} (EU {n.show('explanation', 'other', 'expected_utility')})"
           f": a difference of {n.show('explanation', 'difference')}, utility node by utility "
           f"node (weight \u00d7 expected value under each).</p>"]
    headers = ["Attribute", "Weight", "Contribution to " + esc(a["label"]),
               "Contribution to " + esc(b["label"]), "Difference"]
    if uncertain:
        headers += ["90% interval", "P(better)"]
    rows = []
    for i, attr in enumerate(e["attributes"]):
        at = ("explanation", "attributes", i)
        row = [esc(attr["label"]) + (f' <code>{esc(attr["node"])}</code>'
                                     if attr["label"] != attr["node"] else ""),
               n.show(*at, "weight"), n.show(*at, "option"), n.show(*at, "other"),
               n.show(*at, "difference")]
        if uncertain:
            row += [f"{n.show(*at, 'difference_interval_90', 0)} to "
                    f"{n.show(*at, 'difference_interval_90', 1)}",
                    n.show(*at, "probability_better", fmt="percent")]
        rows.append(row)
    out.append(table(headers, rows, numeric=range(1, len(headers)), css_class="explain"))
    return "".join(out)


#: Options compared utility node by utility node when the library does not explain.
MAX_COMPARED = 4


def _by_utility(c: Collected, n: Numbers) -> str:
    """Each utility node's weighted expected value under the best-ranked options (those with
    the same breakdown shown once)."""
    ranking = c.data["evaluation"]["ranking"]
    shown: list[int] = []
    for i, o in enumerate(ranking):
        if o.get("by_utility") and all(ranking[j]["by_utility"] != o["by_utility"]
                                       for j in shown):
            shown.append(i)
    shown = shown[:MAX_COMPARED]
    if not shown:
        return ""
    nodes = list(ranking[shown[0]]["by_utility"])
    headers = ["Utility node"] + [esc(ranking[i]["label"]) for i in shown]
    rows = [[esc(c.diagram.node(u).display_name) if u in c.diagram else esc(u)]
            + [n.show("evaluation", "ranking", i, "by_utility", u) for i in shown]
            for u in nodes]
    rows.append(["<strong>Expected utility</strong>"]
                + [n.show("evaluation", "ranking", i, "expected_utility") for i in shown])
    return ("<p>Each utility node's weighted expected value under the best-ranked options "
            "(options with the same breakdown are shown once); they add up to the option's "
            "expected utility.</p>"
            + table(headers, rows, numeric=range(1, len(headers)), css_class="by-utility"))


def attribution_section(c: Collected, n: Numbers) -> str | None:
    """The optimal strategy against the next best option attribute by attribute where the
    library explains (:mod:`influence.analysis.explain`); else each option's expected utility
    by utility node; None when there is neither."""
    if c.data.get("explanation"):
        return _explanation(c, n)
    if c.explain_note:
        return f"<p>{esc(c.explain_note)}</p>" + _by_utility(c, n)
    return _by_utility(c, n) or None

