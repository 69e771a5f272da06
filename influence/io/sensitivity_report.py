"""Renderers of a sensitivity analysis: an aligned text report, JSON and CSV.

They only read a :class:`~influence.analysis.sensitivity.SensitivityResult` and return strings.
The text report fits the width it is given (100 columns by default): a parameter name too long
for its column gets a line of its own above its numbers, and every line wraps.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..analysis.sensitivity import ParameterSensitivity, SensitivityResult
from ..analysis.thresholds import Threshold
from ..errors import QueryError
from ..messages import printable_text
from .evaluation_text import analysis_solution_line
from .plain import csv_writer, json_ready, to_json
from .text import format_number
from .textgrid import DEFAULT_WIDTH, wrap

__all__ = ["SENSITIVITY_FORMATS", "SENSITIVITY_CSV_COLUMNS", "DEFAULT_TABLE_TOP",
           "render_sensitivity", "sensitivity_table", "sensitivity_json", "sensitivity_csv"]

SENSITIVITY_FORMATS = ("table", "json", "csv")

#: Columns of :func:`sensitivity_csv`, in order (the probabilistic ones only when computed).
SENSITIVITY_CSV_COLUMNS = ("id", "kind", "point", "low", "high", "eu_low", "eu_high", "swing",
                           "best_low", "best_high", "thresholds")
PROBABILISTIC_CSV_COLUMNS = ("variance_share", "variance_share_se", "correlation")

#: Parameters the text report lists unless told otherwise.
DEFAULT_TABLE_TOP = 15
#: Break-even values shown per parameter in the text report (the nearest to its value).
SHOWN_THRESHOLDS = 4
WIDTH = DEFAULT_WIDTH
_SOURCE = {"prior": "prior", "range": "range", "default": "±25%"}
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def _grid(headers: Sequence[str], rows: Iterable[Sequence[str]], right: Iterable[int] = (),
          wide: int | None = None, width: int = WIDTH) -> list[str]:
    """Aligned columns under a dashed rule. Column ``wide`` (left-aligned) is capped so that
    lines fit ``width``; a row whose cell there is longer is split in two lines: the columns
    up to that cell, then the others. When the other columns leave that column no room, every
    row is split so, the column's header left out."""
    rows = [list(map(str, r)) for r in rows]
    right = set(right)
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    if wide is not None:
        others = sum(w for i, w in enumerate(widths) if i != wide) + 2 * len(widths)
        if width - others < len(headers[wide]):  # stacked: the names on lines of their own
            headers = [*headers[:wide], "", *headers[wide + 1:]]
            widths[wide] = -2  # with its separator, the column takes no room
        else:
            widths[wide] = max(len(headers[wide]), min(widths[wide], width - others))

    def line(cells: Sequence[str]) -> str:
        parts = [c.rjust(w) if i in right else c.ljust(w)
                 for i, (c, w) in enumerate(zip(cells, widths, strict=False)) if w >= 0]
        return ("  " + "  ".join(parts)).rstrip()

    out = [line(headers), line(["-" * max(w, 0) for w in widths])]
    for r in rows:
        if wide is not None and len(r[wide]) > widths[wide]:
            lead = line([*r[:wide], ""])
            lead = lead + " " * max(2 + sum(max(w, 0) for w in widths[:wide]) + 2 * wide
                                    - len(lead), 1)
            out += _wrap(r[wide], lead, " " * (len(lead) + 2), width)
            r = [""] * (wide + 1) + r[wide + 1:]
        out.append(line(r))
    return out


def _wrap(text: str, indent: str = "  ", rest: str | None = None, width: int = WIDTH
          ) -> list[str]:
    """``text`` on lines of at most ``width`` columns; a word too long for a line (a long
    parameter name) is broken after punctuation, a comma first."""
    return wrap(text, width, indent, rest if rest is not None else indent + "  ")


def _state(info: Mapping[str, str]) -> str:
    return "[" + ", ".join(f"{k}={v}" for k, v in info.items()) + "]" if info else ""


def _grouped(found: Sequence[Threshold]) -> list[tuple[float, str]]:
    """One line per value, decision and change: the information states that change alike
    merged (a variable that differs among them shows its states as ``a|b|c``)."""
    groups: dict[tuple, list[Threshold]] = {}
    for t in found:
        groups.setdefault((t.value, t.decision, t.before, t.after), []).append(t)
    out = []
    for (value, decision, before, after), members in groups.items():
        merged = {}
        for k in members[0].information_state:
            seen = list(dict.fromkeys(m.information_state[k] for m in members))
            merged[k] = "|".join(seen)
        out.append((value, f"{decision}{_state(merged)}: {before} -> {after}"))
    return out


def _nearest(p: ParameterSensitivity, count: int) -> list[tuple[float, str]]:
    """The break-even values nearest the point value (``count`` of them), by value, as
    (value, text) lines."""
    found = list(p.thresholds or ())
    values = set(sorted({t.value for t in found}, key=lambda v: abs(v - p.point))[:count])
    return _grouped([t for t in found if t.value in values])


def _header(result: SensitivityResult, width: int) -> list[str]:
    title = f"{result.title} ({result.model})" if result.title else result.model
    given = ", ".join(f"{k}={v}" for k, v in result.given.items()) or "none"
    best = result.base_best
    label = result.labels.get(best)
    out = _wrap(f"Sensitivity analysis: {title}", "", "  ", width=width)
    out += _wrap(f"Scenario: {given}", "", "  ", width=width)
    if result.units:
        out += _wrap(f"Utility in {result.units}", "", "  ", width=width)
    out += _wrap(f"At the model's values: maximum expected utility "
                 f"{format_number(result.base_expected_utility)}"
                 + (f"; best option {best}" if best else "")
                 + (f" ({label})" if label and label != best else ""), "", "  ", width=width)
    if result.solution is not None:
        out += _wrap(analysis_solution_line(result.solution), "", "  ", width=width)
    return out


def _one_way_section(result: SensitivityResult, shown: Sequence[ParameterSensitivity],
                     width: int) -> list[str]:
    total = result.total
    out = [""] + _wrap(f"One-way sensitivity: the {len(shown)} of {total} parameters with the "
                       "largest swing" + (" (--top N shows more)" if len(shown) < total else ""),
                       "", "  ", width=width)
    out += _wrap("Each parameter moves alone over its range (its prior's 90% interval, the "
                 "given --range, or its value ±25%); every other number keeps its value. "
                 "Swing = |EU high - EU low|; * marks a best option other than at the model's "
                 "values; 'flips at' is the break-even value inside the range nearest the "
                 "model's value (+N: N more inside).", "  ", "  ", width=width)
    rows = []
    for rank, p in enumerate(shown, 1):
        mark = "*" if p.best_low != result.base_best or p.best_high != result.base_best \
            else ""
        inside = p.within
        flips = format_number(inside[0]) if inside else "-"
        if len(inside) > 1:
            flips += f" +{len(inside) - 1}"
        rows.append([str(rank), p.id, format_number(p.point), _SOURCE[p.source],
                     format_number(p.low), format_number(p.high), format_number(p.eu_low),
                     format_number(p.eu_high), format_number(p.swing) + mark, flips])
    out += _grid(["rank", "parameter", "value", "range", "low", "high", "EU low", "EU high",
                  "swing", "flips at"], rows, right=[0, 2, 4, 5, 6, 7, 8, 9], wide=1, width=width)
    changes = [p for p in shown if p.best_low != result.base_best or
               p.best_high != result.base_best]
    if changes:
        out.append("  * best option at the low / high end:")
        for p in changes:
            out += _wrap(f"{p.id}: {p.best_low} / {p.best_high}", "      ", "        ", width=width)
    return out


def _threshold_section(result: SensitivityResult, shown: Sequence[ParameterSensitivity],
                       width: int) -> list[str]:
    out = [""] + _wrap("Break-even values: where the optimal strategy changes (decision[what it "
                       "knows]: before -> after)", "", "  ", width=width)
    out += _wrap(f"Searched over [0, 1] for a probability, the value ±10 times its size "
                 f"(or the given --range) otherwise; the {SHOWN_THRESHOLDS} nearest the "
                 "model's value are shown (JSON lists all).", "  ", "  ", width=width)
    for p in shown:
        found = list(p.thresholds or ())
        domain = f"{format_number(p.domain[0])} to {format_number(p.domain[1])}"
        head = f"{p.id} = {format_number(p.point)}"
        if not found:
            out += _wrap(f"{head}: none in {domain}", "  ", "      ", width=width)
            continue
        count = len({t.value for t in found})
        out += _wrap(f"{head} ({count} value{'s' if count > 1 else ''} in {domain}):", "  ",
                     "      ", width=width)
        for value, text in _nearest(p, SHOWN_THRESHOLDS):
            out += _wrap(text, f"    {format_number(value, 6):>10}  ", " " * 16, width=width)
    return out


def _fragile_section(result: SensitivityResult, top: int, width: int) -> list[str]:
    fragile = result.fragile
    out = [""] + _wrap("Decisions that change inside a parameter's range (the nearest "
                       "break-even value first, as a share of the range)", "", "  ", width=width)
    if not fragile:
        return out + ["  none: no break-even value lies inside any range"]
    for p in fragile[:top]:
        value = p.within[0]
        head = (f"{p.id} = {format_number(p.point)} ({_SOURCE[p.source]} "
                f"{format_number(p.low)} to {format_number(p.high)}): flips at "
                f"{format_number(value, 6)}, {100 * p.margin:.1f}% of the range away")
        out += _wrap(head, "  ", "      ", width=width)
        for _, text in _grouped([t for t in p.thresholds or () if t.value == value]):
            out += _wrap(text, "      ", "        ", width=width)
    if len(fragile) > top:
        out.append(f"  ... {len(fragile) - top} more (--top N shows more; JSON lists all)")
    return out


def _probabilistic_section(result: SensitivityResult, top: int, width: int) -> list[str]:
    prob = result.probabilistic
    seed = f", seed {prob.seed}" if prob.seed is not None else ""
    out = [""] + _wrap(f"Probabilistic sensitivity: {prob.draws} {prob.uncertainty} "
                       f"draws{seed}", "", "  ", width=width)
    out += _wrap(f"D = EU({prob.best}) - EU({prob.runner_up}), the two best options (each "
                 f"strategy fixed as under --{prob.uncertainty}): mean "
                 f"{format_number(prob.difference_mean)}, sd "
                 f"{format_number(prob.difference_sd)}; {prob.best} at least as good in "
                 f"{100 * prob.probability_best:.1f}% of draws.", "  ", "  ", width=width)
    if not prob.parameters:
        out.append("  D does not vary, or no parameter analysed has a prior.")
        return out
    out += _wrap("Share of the variance of D each parameter explains alone (squared "
                 "correlation with D, ± standard error from 20 batches of draws; r > 0: larger "
                 "values favour the best option).", "  ", "  ", width=width)
    rows = [[str(i), s.id, f"{s.variance_share:.3f}", f"{s.standard_error:.3f}",
             f"{s.correlation:+.2f}"] for i, s in enumerate(prob.parameters[:top], 1)]
    out += _grid(["rank", "parameter", "share", "±", "r"], rows, right=[0, 2, 3, 4], wide=1,
                 width=width)
    return out


def _two_way_section(result: SensitivityResult, width: int) -> list[str]:
    tw = result.two_way
    n = len(tw.a_values)
    out = [""] + _wrap(f"Two-way sensitivity: {tw.a} (across) and {tw.b} (up), {n} x {n} grid",
                       "", "  ", width=width)
    out += _wrap("Each character is one grid cell, marked with the optimal strategy's region; "
                 "the model's values are the cell marked +. Exact boundary points are in the "
                 "JSON output.", "  ", "  ", width=width)
    letters = {r.id: _LETTERS[(r.id - 1) % len(_LETTERS)] for r in tw.regions}
    i0 = min(range(n), key=lambda i: abs(tw.a_values[i] - tw.points[0]))
    j0 = min(range(n), key=lambda j: abs(tw.b_values[j] - tw.points[1]))
    labels = [format_number(v) for v in tw.b_values]
    pad = max(len(x) for x in labels)
    for j in range(n - 1, -1, -1):
        cells = "".join("+" if (i, j) == (i0, j0) else letters[int(tw.region[i, j])]
                        for i in range(n))
        label = labels[j] if j in (0, n - 1, j0) else ""
        out.append(f"  {label:>{pad}} |{cells}")
    low, high = format_number(tw.a_values[0]), format_number(tw.a_values[-1])
    out.append(f"  {'':>{pad}} +{'-' * n}")
    out.append(f"  {'':>{pad}}  {low}{high:>{max(n - len(low), len(high) + 1)}}")
    for r in tw.regions:
        cells = (f"{r.cells} cell{'s' if r.cells > 1 else ''}" if r.cells
                 else "between grid values only")
        out += _wrap(f"({cells}) {r.label}", f"  {letters[r.id]}  ", "       ", width=width)
    return out


def sensitivity_table(result: SensitivityResult, *, top: int | None = None,
                      width: int = WIDTH) -> str:
    """The text report: the one-way table (the ``top`` parameters of largest swing, default
    :data:`DEFAULT_TABLE_TOP`), their break-even values, and the two-way and probabilistic
    sections when computed."""
    count = DEFAULT_TABLE_TOP if top is None else top
    shown = result.parameters[:count]
    out = _header(result, width)
    out += _one_way_section(result, shown, width)
    out += _fragile_section(result, count, width)
    out += _threshold_section(result, shown, width)
    if result.probabilistic is not None:
        out += _probabilistic_section(result, count, width)
    if result.two_way is not None:
        out += _two_way_section(result, width)
    return printable_text("\n".join(out) + "\n")


def sensitivity_json(result: SensitivityResult) -> str:
    """``result.to_dict()`` as indented JSON."""
    return to_json(result.to_dict())


def _csv_number(x: Any) -> str:
    value = json_ready(x)
    return "" if value is None or (isinstance(value, float) and not math.isfinite(value)) \
        else repr(value)


def sensitivity_csv(result: SensitivityResult) -> str:
    """One row per parameter, largest swing first: :data:`SENSITIVITY_CSV_COLUMNS` (the
    break-even values joined by ``;``), plus the variance share, its standard error and the
    correlation when the probabilistic sensitivity was computed (empty for a parameter
    without a prior)."""
    prob = result.probabilistic
    shares = {s.id: s for s in prob.parameters} if prob is not None else {}
    columns = list(SENSITIVITY_CSV_COLUMNS) + (list(PROBABILISTIC_CSV_COLUMNS) if prob else [])
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow(columns)
    for p in result.parameters:
        values = sorted({t.value for t in p.thresholds or ()})
        row = [p.id, p.kind, _csv_number(p.point), _csv_number(p.low), _csv_number(p.high),
               _csv_number(p.eu_low), _csv_number(p.eu_high), _csv_number(p.swing),
               p.best_low, p.best_high, ";".join(_csv_number(v) for v in values)]
        if prob is not None:
            s = shares.get(p.id)
            row += ([_csv_number(s.variance_share), _csv_number(s.standard_error),
                     _csv_number(s.correlation)] if s else ["", "", ""])
        writer.writerow(row)
    return buffer.getvalue()


def render_sensitivity(result: SensitivityResult, fmt: str = "table", *,
                       top: int | None = None, width: int = WIDTH) -> str:
    """Render a sensitivity analysis as ``"table"``, ``"json"`` or ``"csv"``."""
    if fmt == "json":
        return sensitivity_json(result)
    if fmt == "csv":
        return sensitivity_csv(result)
    if fmt == "table":
        return sensitivity_table(result, top=top, width=width)
    raise QueryError(f"expected `fmt` among {', '.join(SENSITIVITY_FORMATS)}, got {fmt!r}",
                     parameter="fmt")
