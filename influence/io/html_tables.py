"""Results as HTML fragments: what Jupyter shows for an
:class:`~influence.solve.results.Evaluation`, and the pieces of an HTML report.

:func:`ranked_table_html` is the ranked options as a ``<table>``, with the same columns, number
formats, tie marks and notes as the text report
(:func:`~influence.io.evaluation_text.ranking_cells`); :func:`evaluation_html` frames it with
the model's title, the scenario and the maximum expected utility. All text is escaped. Each
row carries ``data-option`` (the option's id) and each number cell ``data-value`` (the
full-precision value, as in the JSON), so that a page's numbers can be read back exactly. The
styles (:data:`CSS`) use only the classes of these fragments.
"""

from __future__ import annotations

import html
import math
from typing import Any

from ..solve.results import Evaluation
from .evaluation_text import ranking_cells
from .text import format_given, format_number

__all__ = ["CSS", "ranked_table_html", "evaluation_html"]

#: Styles of the fragments (classes ``influence-evaluation``, ``influence-ranking``).
CSS = """
.influence-ranking { border-collapse: collapse; font-variant-numeric: tabular-nums; }
.influence-ranking th, .influence-ranking td { padding: 2px 8px; text-align: left;
  vertical-align: top; border-bottom: 1px solid #ddd; }
.influence-ranking th { border-bottom: 2px solid #888; }
.influence-ranking .num { text-align: right; white-space: nowrap; }
.influence-ranking tr.best td { font-weight: bold; }
.influence-ranking code { font-size: 90%; }
.influence-evaluation .notes { color: #555; font-size: 90%; margin: 4px 0; padding-left: 1.2em; }
""".strip()

#: The value behind each numeric column of the table (``data-value``).
_VALUES = {
    "EU": lambda o: o.expected_utility, "CE": lambda o: o.certainty_equivalent,
    "sd": lambda o: o.sd, "P(best)": lambda o: o.probability_best,
    "E[loss]": lambda o: o.expected_loss, "sd(U)": lambda o: o.utility_sd,
}


def _value(x: Any) -> str | None:
    if x is None:
        return None
    x = float(x)
    return repr(x) if math.isfinite(x) else None


def ranked_table_html(result: Evaluation) -> str:
    """The ranked policies and alternatives as an HTML ``<table class="influence-ranking">``
    (the best, rank 1, in rows of class ``best``), followed by the notes on its columns in a
    ``<ul class="notes">``."""
    columns, rows, notes = ranking_cells(result)
    ranked = result.ranked()
    head = "".join(f'<th class="{"num" if c.right else "text"}">{html.escape(c.header)}</th>'
                   for c in columns)
    body = []
    for option, row in zip(ranked, rows, strict=True):
        cells = []
        for column, text in zip(columns, row, strict=True):
            shown = html.escape(text)
            if column.header == "option":
                shown = f"<code>{shown}</code>"
            value = _VALUES.get(column.header)
            attribute = ""
            if value is not None and _value(value(option)) is not None:
                attribute = f' data-value="{_value(value(option))}"'
            cls = "num" if column.right else "text"
            cells.append(f'<td class="{cls}"{attribute}>{shown}</td>')
        best = ' class="best"' if row[0].rstrip("=") == "1" else ""
        body.append(f'<tr{best} data-option="{html.escape(option.id, quote=True)}">'
                    + "".join(cells) + "</tr>")
    table = (f'<table class="influence-ranking"><thead><tr>{head}</tr></thead>'
             f'<tbody>{"".join(body)}</tbody></table>')
    items = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    return table + (f'<ul class="notes">{items}</ul>' if items else "")


def evaluation_html(result: Evaluation, *, style: bool = True) -> str:
    """An evaluation as an HTML fragment (``<div class="influence-evaluation">``): the model's
    title, the scenario and units, the ranked options (:func:`ranked_table_html`) and the
    maximum expected utility (with its spread and the EVPI under parameter uncertainty).
    With ``style``, a ``<style>`` element with :data:`CSS` comes first."""
    title = result.title or result.model
    units = f" {result.units}" if result.units else ""
    lines = [f"<h4>{html.escape(title)} <small><code>{html.escape(result.model)}</code>"
             "</small></h4>"]
    facts = [f"Scenario: {format_given(result.given) or 'none'}"]
    if result.units:
        facts.append(f"Utility in {result.units}")
    if result.uncertainty is not None:
        facts.append(f"{result.draws} {result.uncertainty} draws; expected utilities are means "
                     "over draws")
    lines.append("<p>" + "<br/>".join(html.escape(f) for f in facts) + "</p>")
    if result.ranked():
        lines.append(ranked_table_html(result))
    meu = (f"Maximum expected utility: <b data-value=\"{_value(result.maximum_expected_utility)}\">"
           f"{html.escape(format_number(result.maximum_expected_utility))}</b>"
           f"{html.escape(units)}")
    if result.meu_interval_90 is not None:
        lo, hi = result.meu_interval_90
        meu += html.escape(f" (sd {format_number(result.meu_sd)}, 90% interval "
                           f"{format_number(lo)} to {format_number(hi)})")
    if result.evpi_parameters is not None:
        meu += html.escape(f"; EVPI about the parameters {format_number(result.evpi_parameters)}"
                           f"{units}")
    lines.append(f"<p>{meu}</p>")
    css = f"<style>{CSS}</style>" if style else ""
    return f'{css}<div class="influence-evaluation">{"".join(lines)}</div>'
