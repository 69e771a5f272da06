"""Value-of-information results as text, JSON and CSV.

Renderers read a :class:`~influence.analysis.voi_results.ValueOfInformation` and return
strings; they compute nothing the library has not computed. Text tables fit the width they are
given (100 columns by default): long names (rows of large tables, several nodes) wrap onto
continuation lines.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Sequence
from typing import Any

from ..analysis.voi_results import ValueOfInformation
from ..errors import QueryError
from ..messages import json_printable, printable_text
from .evaluation_text import analysis_solution_line
from .plain import csv_writer
from .textgrid import DEFAULT_WIDTH, PROSE_WIDTH, wrap

__all__ = ["VOI_FORMATS", "CSV_COLUMNS", "render_voi", "voi_table", "voi_json", "voi_csv",
           "number"]

#: Formats of :func:`render_voi`.
VOI_FORMATS = ("table", "json", "csv")

#: Columns of :func:`voi_csv`.
CSV_COLUMNS = ("kind", "decision", "item", "n", "value", "se", "method", "cost", "net")

#: Widest line of a text report, unless told otherwise.
WIDTH = DEFAULT_WIDTH

#: Widest name column before names wrap.
NAME_WIDTH = 46


def number(x: float | None, digits: int = 4) -> str:
    """``digits`` significant digits, never fewer than the integer part; ``n/a`` for None."""
    if x is None or not math.isfinite(float(x)):
        return "n/a"
    x = float(x)
    if x == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(x)))
    decimals = min(max(digits - 1 - magnitude, 0), 10)
    text = f"{x:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _clean(value: Any) -> Any:
    """JSON-ready data: floats to 12 significant digits, NaN and infinities to None."""
    if isinstance(value, bool) or value is None or isinstance(value, str | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        cleaned = float(f"{value:.12g}")
        return 0.0 if cleaned == 0 else cleaned
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return _clean(value.item()) if hasattr(value, "item") else str(value)


def voi_json(result: ValueOfInformation) -> str:
    """``result.to_dict()`` as indented JSON."""
    return json_printable(json.dumps(_clean(result.to_dict()), indent=2, allow_nan=False,
                                     ensure_ascii=False)) + "\n"


def _csv_number(x: float | None) -> str:
    cleaned = None if x is None else _clean(float(x))
    return "" if cleaned is None else repr(cleaned)


def voi_csv(result: ValueOfInformation) -> str:
    """One row per value: the optimum (kind ``optimum``), each observation (``observe``: the
    nodes joined by ``+``), the EVPI (``evpi``), each group (``evppi``) and each study and size
    (``evsi``); columns :data:`CSV_COLUMNS`, empty where they do not apply."""
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow(CSV_COLUMNS)
    writer.writerow(["optimum", "", "", "", _csv_number(result.maximum_expected_utility), "",
                     "", "", ""])
    for o in result.observe:
        writer.writerow(["observe", o.decision, "+".join(o.nodes), "", _csv_number(o.value),
                         "", result.method or "exact", "", ""])
    if result.evpi_parameters is not None:
        writer.writerow(["evpi", "", "all parameters", "", _csv_number(result.evpi_parameters),
                         _csv_number(result.evpi_se), "conditional-means", "", ""])
    for g in result.evppi:
        writer.writerow(["evppi", "", g.group, "", _csv_number(g.value), _csv_number(g.se),
                         g.method, "", ""])
    for s in result.evsi:
        writer.writerow(["evsi", "", s.study, s.n, _csv_number(s.value), _csv_number(s.se),
                         s.method, _csv_number(s.cost), _csv_number(s.net)])
    return buffer.getvalue()


# -- the text table ----------------------------------------------------------------------------
def wrap_name(name: str, width: int = NAME_WIDTH) -> list[str]:
    """A name on lines of at most ``width`` characters, broken after ``[``, ``,`` or ``+``
    (a piece longer than a line is cut)."""
    if len(name) <= width:
        return [name]
    pieces, current = [], ""
    for ch in name:
        current += ch
        if ch in "[,+":
            pieces.append(current)
            current = ""
    pieces.append(current)
    lines, line = [], ""
    for piece in pieces:
        if line.strip() and len(line) + len(piece) > width:
            lines.append(line)
            line = "  "
        line += piece
        while len(line) > width:  # one piece longer than a line
            lines.append(line[:width])
            line = "  " + line[width:]
    lines.append(line)
    return lines


def _grid(headers: Sequence[str], rows: Sequence[Sequence[str]], wrapped: int = 0,
          width: int = WIDTH) -> list[str]:
    """Aligned columns, the first ``wrapped + 1`` left-aligned (column ``wrapped`` may hold
    several lines, as narrow as the other columns need to fit ``width``), the rest
    right-aligned."""
    others = sum(max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)
                 if i != wrapped)
    room = width - 2 - 2 * (len(headers) - 1) - others
    name_width = max(min(NAME_WIDTH, room), len(headers[wrapped]), 12)
    split = [[wrap_name(c, name_width) if i == wrapped else [c] for i, c in enumerate(r)]
             for r in rows]
    widths = [max([len(h)] + [len(line) for r in split for line in r[i]])
              for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        parts = [c.ljust(w) if i <= wrapped else c.rjust(w)
                 for i, (c, w) in enumerate(zip(cells, widths, strict=True))]
        return ("  " + "  ".join(parts)).rstrip()

    out = [line(headers), line(["-" * w for w in widths])]
    for r in split:
        depth = max(len(c) for c in r)
        for k in range(depth):
            out.append(line([c[k] if k < len(c) else "" for c in r]))
    return out


def _heading(result: ValueOfInformation, width: int) -> list[str]:
    prose = min(width, PROSE_WIDTH)
    title = f"{result.title} ({result.model})" if result.title else result.model
    out = wrap(f"Value of information: {title}", prose, "", "  ")
    if result.uncertainty:
        how = {"means": "decisions at the parameters' means (exact)",
               "draw-means": "decisions at the means of the draws",
               "draws": "decisions on the mean over the draws (Monte Carlo)"}[result.method]
        out += wrap(f"Under the {result.uncertainty} ({result.draws} draws); {how}", prose, "",
                    "  ")
    if result.units:
        out += wrap(f"Utility in {result.units}", prose, "", "  ")
    given = ", ".join(f"{k}={v}" for k, v in result.given.items()) or "none"
    out += wrap(f"Scenario: {given}", prose, "", "  ") + [""]
    out += wrap(f"Maximum expected utility without further information: "
                f"{number(result.maximum_expected_utility)}", prose, "", "  ")
    if result.solution is not None:
        out += wrap(analysis_solution_line(result.solution, observing=True), prose, "", "  ")
    return out


def _observe_section(result: ValueOfInformation, width: int) -> list[str]:
    prose = min(width, PROSE_WIDTH)
    if not result.observe:
        return [""] + wrap("Observing chance nodes: every decision already knows, or "
                           "influences, every chance node", prose, "", "  ")
    rows = [[o.decision, "+".join(o.nodes), number(o.value) + ("" if o.exact is not False
                                                               else " (local)"),
             number(o.maximum_expected_utility)] for o in result.observe]
    how = "exact" if result.solution is None else \
        "single policy updating; (local): a value resting on a local optimum"
    return ([""] + wrap(f"Observing chance nodes before a decision (the rest re-optimised; "
                        f"{how})", prose, "", "  ")
            + _grid(["decision", "observe", "value", "EU with it"], rows, wrapped=1,
                    width=width))


def _parameter_section(result: ValueOfInformation, width: int) -> list[str]:
    prose = min(width, PROSE_WIDTH)
    out = [""] + wrap(f"Perfect information about every parameter (EVPI): "
                      f"{number(result.evpi_parameters)} (se {number(result.evpi_se, 2)})",
                      prose, "", "  ")
    if result.evppi:
        # largest first as shown: groups whose values print the same (the zeros, which are
        # zero to rounding) keep the model's order, whatever the rounding
        ranked = sorted(result.evppi, key=lambda g: -_shown(number(g.value)))
        rows = [[g.group, str(len(g.parameters)), number(g.value), number(g.se, 2), g.method]
                for g in ranked]
        out += [""] + wrap("Perfect information about a group of parameters (EVPPI), largest "
                           "first", prose, "", "  ")
        out += _grid(["group", "parameters", "value", "se", "method"], rows, width=width)
    return out


def _shown(text: str) -> float:
    """The value a printed number shows (``n/a`` last)."""
    return float(text) if text != "n/a" else -math.inf


def _study_section(result: ValueOfInformation, width: int) -> list[str]:
    costed = any(s.cost is not None for s in result.evsi)
    headers = ["study", "n", "value", "se", "method"] + (["cost", "net"] if costed else [])
    rows = []
    for s in result.evsi:
        row = [s.study, str(s.n), number(s.value), "exact" if s.se == 0 and
               s.method == "enumeration" else number(s.se, 2), s.method]
        if costed:
            row += [number(s.cost), number(s.net)]
        rows.append(row)
    return ([""] + wrap("Sample information (EVSI): n new cases of one row, decisions on the "
                        "updated means", min(width, PROSE_WIDTH), "", "  ")
            + _grid(headers, rows, width=width))


def voi_table(result: ValueOfInformation, *, width: int = WIDTH) -> str:
    """The text report: the optimum, each observation's value and, under parameter
    uncertainty, the EVPI, each group's EVPPI (largest first as printed, groups that print the
    same in the model's order) and each study's EVSI; no line wider than ``width``."""
    out = _heading(result, width) + _observe_section(result, width)
    if result.evpi_parameters is not None:
        out += _parameter_section(result, width)
    if result.evsi:
        out += _study_section(result, width)
    return printable_text("\n".join(out) + "\n")


def render_voi(result: ValueOfInformation, fmt: str = "table", *, width: int = WIDTH) -> str:
    """A value-of-information result as ``"table"``, ``"json"`` or ``"csv"``.

    Raises
    ------
    QueryError
        For another format.
    """
    if fmt not in VOI_FORMATS:
        raise QueryError(f"expected `fmt` among {', '.join(VOI_FORMATS)}, got {fmt!r}",
                         parameter="fmt")
    if fmt == "json":
        return voi_json(result)
    if fmt == "csv":
        return voi_csv(result)
    return voi_table(result, width=width)
