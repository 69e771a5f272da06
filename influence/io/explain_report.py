"""Renderers of an explanation: an aligned text report, JSON and CSV.

They only read an :class:`~influence.analysis.explain.Explanation` and return strings. The
text report fits 100 columns: a label that does not fit is cut (JSON and CSV keep it whole),
and the matrix of attributes by state is left out when the node has too many states for it.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Sequence
from typing import Any

from ..analysis.explain import Attribute, ExplainedOption, Explanation, ScenarioSplit
from ..messages import printable_text
from .plain import csv_writer, json_ready, to_json
from .text import format_number

__all__ = ["EXPLAIN_FORMATS", "EXPLAIN_CSV_COLUMNS", "SPLIT_CSV_COLUMNS", "render_explanation",
           "explanation_table", "explanation_json", "explanation_csv"]

EXPLAIN_FORMATS = ("table", "json", "csv")

#: Columns of :func:`explanation_csv` (one row per utility node, then the total), and those
#: added under parameter uncertainty.
EXPLAIN_CSV_COLUMNS = ("row", "node", "label", "weight", "option", "other", "difference")
UNCERTAIN_CSV_COLUMNS = ("option_interval_90_low", "option_interval_90_high",
                         "other_interval_90_low", "other_interval_90_high",
                         "difference_interval_90_low", "difference_interval_90_high",
                         "probability_better", "probability_worse")
#: Columns of the CSV of a split by a node's states (one row per state, then the total), then
#: one ``difference:NODE`` column per utility node.
SPLIT_CSV_COLUMNS = ("state", "probability_option", "probability_other", "conditional_option",
                     "conditional_other", "contribution_option", "contribution_other",
                     "difference")
WIDTH = 100


def _grid(headers: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[int],
          last: bool = False) -> list[str]:
    """Aligned columns under a dashed rule; with ``last``, the last column (left-aligned text)
    is cut to keep lines within :data:`WIDTH` (and left out if fewer than 20 columns remain)."""
    cells = [list(headers)] + [list(r) for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    if last:
        room = WIDTH - 2 - sum(widths[:-1]) - 2 * (len(widths) - 1)
        if room < 20:
            widths, cells = widths[:-1], [r[:-1] for r in cells]
        else:
            widths[-1] = min(widths[-1], room)
            cells = [r[:-1] + [_cut(r[-1], room)] for r in cells]

    def line(row: Sequence[str]) -> str:
        parts = [c.rjust(w) if i in right else c.ljust(w)
                 for i, (c, w) in enumerate(zip(row, widths, strict=False))]
        return ("  " + "  ".join(parts)).rstrip()

    return [line(cells[0]), line(["-" * w for w in widths])] + [line(r) for r in cells[1:]]


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _wrap(text: str, indent: str = "", rest: str = "  ") -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=rest,
                         break_on_hyphens=False, break_long_words=False)


def _interval(pair: tuple[float, float] | None) -> str:
    return "" if pair is None else f"{format_number(pair[0])} to {format_number(pair[1])}"


def _percent(x: float | None) -> str:
    return "" if x is None else f"{100 * x:.1f}%"


def _option_line(letter: str, option: ExplainedOption, uncertain: bool) -> list[str]:
    label = f" ({option.label})" if option.label != option.id else ""
    eu = f"mean EU {format_number(option.expected_utility)}" if uncertain \
        else f"EU {format_number(option.expected_utility)}"
    if option.interval_90 is not None:
        eu += f" (90% interval {_interval(option.interval_90)})"
    return _wrap(f"{letter}  {option.id}{label}, {option.kind}: {eu}", "", "     ")


def _header(e: Explanation) -> list[str]:
    title = f"{e.title} ({e.model})" if e.title and e.title != e.model else e.model
    given = ", ".join(f"{k}={v}" for k, v in e.given.items())
    out = _wrap(f"Explanation: {title}")
    out += _wrap(f"Scenario: {given} (results are conditional on it)" if given
                 else "Scenario: none")
    if e.units:
        out += _wrap(f"Utility in {e.units}")
    if e.uncertainty is not None:
        seed = f", seed {e.seed}" if e.seed is not None else ""
        out += _wrap(f"Parameter uncertainty: {e.draws} {e.uncertainty} draws{seed}; each "
                     "option is its Bayes strategy valued in every draw; values are means over "
                     "the draws")
    out.append("")
    out += _option_line("A", e.option, e.uncertainty is not None)
    out += _option_line("B", e.other, e.uncertainty is not None)
    if e.other_default:
        out += _wrap("   B is the best-ranked option whose expected utility differs from A's "
                     "(the optimal strategy first, then as `influence evaluate` ranks them).",
                     "", "   ")
    diff = f"A - B = {format_number(e.difference)}"
    if e.difference_interval_90 is not None:
        diff += (f" (90% interval {_interval(e.difference_interval_90)}); A better in "
                 f"{_percent(e.probability_better)} of the draws, B in "
                 f"{_percent(e.probability_worse)}")
    return out + _wrap(diff)


def _attribute_rows(e: Explanation) -> tuple[list[str], list[list[str]], list[int]]:
    uncertain = e.uncertainty is not None
    headers = ["attribute", "weight", "A", "B", "A - B"]
    if uncertain:
        headers += ["90% interval of A - B", "P(A>B)"]
    rows = []
    for a in e.attributes:
        row = [a.node, format_number(a.weight), format_number(a.option),
               format_number(a.other), format_number(a.difference)]
        if uncertain:
            row += [_interval(a.difference_interval_90), _percent(a.probability_better)]
        rows.append(row + [a.label if a.label != a.node else ""])
    total = ["total (EU)", "", format_number(e.option.expected_utility),
             format_number(e.other.expected_utility), format_number(e.difference)]
    if uncertain:
        total += [_interval(e.difference_interval_90), _percent(e.probability_better)]
    rows.append(total + [""])
    return headers + ["label"], rows, list(range(1, len(headers)))


def _attribute_section(e: Explanation) -> list[str]:
    out = ["", "Where the difference comes from, attribute by attribute (largest first)"]
    headers, rows, right = _attribute_rows(e)
    lines = _grid(headers, rows, right, last=True)
    out += lines[:-1] + [lines[1], lines[-1]]  # a rule above the total
    out += _wrap("Contribution = weight x the attribute's expected value under the option's "
                 "strategy; an option's contributions add up to its expected utility.", "  ",
                 "  ")
    if e.uncertainty is not None:
        out += _wrap("P(A>B): the share of draws in which A's contribution is larger than B's "
                     "(ties, such as equal costs, count for neither).", "  ", "  ")
    return out


def _state_rows(split: ScenarioSplit, uncertain: bool) -> tuple[list[str], list[list[str]]]:
    both = split.influenced
    headers = ["state"] + (["P(A)", "P(B)"] if both else ["P"])
    headers += ["E[U | state] A", "E[U | state] B", "share of A - B"]
    if uncertain:
        headers += ["90% interval", "P(A>B)"]
    rows = []
    for s in split.states:
        row = [s.state, format_number(s.probability_option)]
        row += [format_number(s.probability_other)] if both else []
        row += [format_number(s.conditional_option) if s.conditional_option is not None
                else "-", format_number(s.conditional_other)
                if s.conditional_other is not None else "-", format_number(s.difference)]
        if uncertain:
            row += [_interval(s.difference_interval_90), _percent(s.probability_better)]
        rows.append(row)
    return headers, rows


def _same_probabilities(split: ScenarioSplit) -> bool:
    return all(abs(s.probability_option - s.probability_other) <= 1e-12 for s in split.states)


def _matrix(e: Explanation) -> list[str]:
    """Each attribute state by state: given the state (the conditional difference) when the
    node's probabilities are the same under both options, else its share of A - B."""
    split = e.by
    given = _same_probabilities(split)
    headers = ["attribute"] + [s.state for s in split.states]
    rows = []
    for a in e.attributes:
        if given:
            cells = [s.conditional_difference(a.node) for s in split.states]
        else:
            cells = [s.by_utility_option[a.node] - s.by_utility_other[a.node]
                     for s in split.states]
        rows.append([a.node] + [format_number(c) if c is not None else "-" for c in cells])
    lines = _grid(headers, rows, list(range(1, len(headers))))
    if max(len(x) for x in lines) > WIDTH:
        return ["", "  (The attributes by state do not fit the table: --format json has them.)"]
    title = ("Given each state: E[weight x attribute | state] under A minus under B"
             + (" (- where the state cannot occur)" if any(
                 s.probability_option <= 0 for s in split.states) else "")
             if given else "Each attribute's share of A - B, state by state (they add up to "
             "the state's share and to the attribute's difference)")
    return [""] + _wrap(title, "", "  ") + lines


def _split_section(e: Explanation) -> list[str]:
    split = e.by
    uncertain = e.uncertainty is not None
    label = f" ({split.label})" if split.label != split.node else ""
    out = [""] + _wrap(f"By {split.node}{label}: the difference state by state")
    headers, rows = _state_rows(split, uncertain)
    total = ["total"] + ["1"] * (2 if split.influenced else 1) + ["", "",
                                                                  format_number(e.difference)]
    lines = _grid(headers, rows + [total + ([""] * 2 if uncertain else [])],
                  list(range(1, len(headers))))
    out += lines[:-1] + [lines[1], lines[-1]]
    share = ("P(A) x E[U | state, A] - P(B) x E[U | state, B]" if split.influenced
             else "P x (E[U | state, A] - E[U | state, B])")
    out += _wrap(f"share = {share}; the shares add up to A - B."
                 + ("" if split.influenced else f" No decision influences {split.node}: its "
                    "probabilities are the same under both options."), "  ", "  ")
    if uncertain:
        out += _wrap("Under draws, P and the shares are means over the draws and E[U | state] "
                     "is the mean share divided by the mean probability.", "  ", "  ")
    return out + _matrix(e)


def explanation_table(e: Explanation) -> str:
    """The text report: the two options, the attribute table and, with a split, the state
    table and the attributes by state."""
    out = _header(e) + _attribute_section(e)
    if e.by is not None:
        out += _split_section(e)
    warnings = (e.diagnostics or {}).get("warnings") or ()
    if warnings:
        out += ["", "Posterior sampling warnings:"]
        for w in warnings:
            out += _wrap(str(w), "  ", "    ")
    # Labels, state names and warnings come from files: every control character is escaped.
    return printable_text("\n".join(out) + "\n")


def explanation_json(e: Explanation) -> str:
    """``e.to_dict()`` as indented JSON."""
    return to_json(e.to_dict())


def _number(x: Any) -> str:
    value = json_ready(x)
    return "" if value is None or (isinstance(value, float) and not math.isfinite(value)) \
        else repr(value)


def _attribute_csv(a: Attribute | None, e: Explanation) -> list[str]:
    if a is None:
        row = ["total", "", "expected utility", "", _number(e.option.expected_utility),
               _number(e.other.expected_utility), _number(e.difference)]
        pairs = [e.option.interval_90, e.other.interval_90, e.difference_interval_90]
        extra = [e.probability_better, e.probability_worse]
    else:
        row = ["attribute", a.node, a.label, _number(a.weight), _number(a.option),
               _number(a.other), _number(a.difference)]
        pairs = [a.option_interval_90, a.other_interval_90, a.difference_interval_90]
        extra = [a.probability_better, a.probability_worse]
    if e.uncertainty is None:
        return row
    return row + [_number(x) for p in pairs for x in p] + [_number(x) for x in extra]


def _split_csv(e: Explanation) -> list[list[str]]:
    names = [a.node for a in e.attributes]
    rows = [list(SPLIT_CSV_COLUMNS) + [f"difference:{n}" for n in names]]
    for s in e.by.states:
        rows.append([s.state] + [_number(x) for x in (
            s.probability_option, s.probability_other, s.conditional_option,
            s.conditional_other, s.contribution_option, s.contribution_other, s.difference)]
            + [_number(s.by_utility_option[n] - s.by_utility_other[n]) for n in names])
    rows.append(["total", "1", "1", _number(e.option.expected_utility),
                 _number(e.other.expected_utility), _number(e.option.expected_utility),
                 _number(e.other.expected_utility), _number(e.difference)]
                + [_number(a.difference) for a in e.attributes])
    return rows


def explanation_csv(e: Explanation) -> str:
    """One row per utility node (largest difference first) and a ``total`` row:
    :data:`EXPLAIN_CSV_COLUMNS`, plus the 90% intervals and probabilities under parameter
    uncertainty. With a split by a node: one row per state and a ``total`` row,
    :data:`SPLIT_CSV_COLUMNS` and each utility node's share of the difference."""
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    if e.by is not None:
        writer.writerows(_split_csv(e))
        return buffer.getvalue()
    columns = list(EXPLAIN_CSV_COLUMNS)
    if e.uncertainty is not None:
        columns += list(UNCERTAIN_CSV_COLUMNS)
    writer.writerow(columns)
    for a in e.attributes:
        writer.writerow(_attribute_csv(a, e))
    writer.writerow(_attribute_csv(None, e))
    return buffer.getvalue()


def render_explanation(e: Explanation, fmt: str = "table") -> str:
    """Render an explanation as ``"table"``, ``"json"`` or ``"csv"``."""
    if fmt == "json":
        return explanation_json(e)
    if fmt == "csv":
        return explanation_csv(e)
    if fmt == "table":
        return explanation_table(e)
    raise ValueError(f"expected a format among {', '.join(EXPLAIN_FORMATS)}, got {fmt!r}")
