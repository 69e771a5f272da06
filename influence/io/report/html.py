"""The HTML of the report: the page (its style sheet, for the screen and for A4 paper), tables,
and numbers tied to the report's data.

Every number of a result that the report shows comes from its plain data (the JSON block
``<script type="application/json" id="influence-data">``, which is data, not code: the page runs
no script) through :meth:`Numbers.show`, which writes it with the JSON pointer it was read from
(``data-key``) and how it was formatted (``data-format``), so a reader or a test can check each
shown number against the data.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any

from ..text import format_number, percent

__all__ = ["esc", "breakable", "pointer", "Numbers", "table", "section", "page", "read_data",
           "STYLE", "DATA_ID", "FORMATTERS"]

#: The id of the JSON block holding the report's data.
DATA_ID = "influence-data"

#: How a number is written, by its ``data-format``.
FORMATTERS = {"number": format_number, "percent": percent}


def esc(text: object) -> str:
    """``text`` escaped for HTML content and attribute values."""
    return escape(str(text), quote=True)


def breakable(text: object) -> str:
    """``text`` escaped, with a line-break opportunity after each underscore (for the names of
    nodes and states in narrow table headers)."""
    return esc(text).replace("_", "_<wbr>")


def pointer(*parts: object) -> str:
    """A JSON pointer (RFC 6901) to ``parts``: ``pointer("evaluation", "ranking", 0)`` is
    ``/evaluation/ranking/0``."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


class Numbers:
    """Reads numbers from the report's plain data and writes them into the page."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data

    def get(self, key: str) -> Any:
        """The value at JSON pointer ``key`` (KeyError or IndexError if there is none)."""
        value: Any = self.data
        for raw in key.split("/")[1:]:
            part = raw.replace("~1", "/").replace("~0", "~")
            value = value[int(part)] if isinstance(value, list) else value[part]
        return value

    def show(self, *parts: object, fmt: str = "number") -> str:
        """The number at ``pointer(*parts)``, formatted (``"number"``: 4 significant digits;
        ``"percent"``), in a ``<span>`` that names where it comes from."""
        key = pointer(*parts)
        text = FORMATTERS[fmt](self.get(key))
        return (f'<span class="n" data-key="{esc(key)}" data-format="{fmt}">'
                f"{esc(text)}</span>")


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], *, numeric: Iterable[int] = (),
          css_class: str = "", row_classes: Sequence[str] | None = None,
          caption: str | None = None) -> str:
    """A table of cells given as HTML (escape text with :func:`esc`); columns in ``numeric``
    are right-aligned with figures of equal width."""
    numeric = set(numeric)

    def cls(i: int) -> str:
        return ' class="num"' if i in numeric else ""

    head = "".join(f"<th{cls(i)} scope=\"col\">{h}</th>" for i, h in enumerate(headers))
    body = []
    for r, row in enumerate(rows):
        extra = row_classes[r] if row_classes else ""
        body.append((f'<tr class="{esc(extra)}">' if extra else "<tr>")
                    + "".join(f"<td{cls(i)}>{c}</td>" for i, c in enumerate(row)) + "</tr>")
    cap = f"<caption>{caption}</caption>" if caption else ""
    return (f'<div class="table-wrap"><table class="{esc(css_class)}">{cap}<thead><tr>{head}'
            f"</tr></thead><tbody>{''.join(body)}</tbody></table></div>")


def section(ident: str, title: str, body: str) -> str:
    """A numbered section of the report."""
    return f'<section id="{esc(ident)}"><h2>{esc(title)}</h2>{body}</section>'


def _data_block(data: Any) -> str:
    """The data as JSON in a non-executable script element; ``<``, ``>`` and ``&`` are written
    as JSON escapes, so no text in the data can end the element."""
    text = json.dumps(data, indent=1, ensure_ascii=False, allow_nan=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/json" id="{DATA_ID}">\n{text}\n</script>'


def read_data(html: str) -> Any:
    """The data of a report, read back from its JSON block (the inverse of what :func:`page`
    writes).

    Raises
    ------
    ValueError
        If ``html`` has no such block.
    """
    opening = f'<script type="application/json" id="{DATA_ID}">'
    start = html.find(opening)
    if start < 0:
        raise ValueError(f"expected a report with a JSON block {DATA_ID!r}, found none")
    start += len(opening)
    return json.loads(html[start:html.index("</script>", start)])


def page(title: str, header: str, sections: Sequence[tuple[str, str, str]], data: Any,
         footer: str = "") -> str:
    """The whole document: ``header`` (HTML), a table of contents, the ``sections``
    (id, title, HTML body), ``footer`` and the data block."""
    toc = "".join(f'<li><a href="#{esc(i)}">{esc(t)}</a></li>' for i, t, _ in sections)
    body = "".join(section(i, t, b) for i, t, b in sections)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="influence">\n'
        f"<title>{esc(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n"
        f"<header>{header}</header>\n"
        f'<nav class="toc" aria-label="Contents"><ol>{toc}</ol></nav>\n'
        f"{body}\n<footer>{footer}</footer>\n</main>\n{_data_block(data)}\n</body>\n</html>\n"
    )


STYLE = """
:root { --ink: #1c2530; --muted: #5a6573; --rule: #d8dde3; --band: #f3f5f8;
  --accent: #0072b2; --good: #e8f3fb; --warn: #fff4e0; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; color: var(--ink); background: #fff;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  "Liberation Sans", sans-serif; }
main { max-width: 1060px; margin: 0 auto; padding: 28px 32px 56px; }
header h1 { font-size: 1.75rem; line-height: 1.25; margin: 0 0 .25rem; }
header .subtitle { color: var(--muted); margin: 0 0 .6rem; }
h2 { font-size: 1.3rem; margin: 2.4rem 0 .7rem; padding-bottom: .3rem;
  border-bottom: 2px solid var(--rule); }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
p { margin: .45rem 0 .75rem; max-width: 52rem; }
a { color: var(--accent); }
.muted { color: var(--muted); }
.note { color: var(--muted); font-size: .88rem; max-width: none; }
.warning { background: var(--warn); border-left: 4px solid #e69f00; padding: .4rem .7rem; }
code, .id { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono",
  monospace; font-size: .86em; overflow-wrap: anywhere; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(210px, 1fr));
  gap: 12px; margin: 1.1rem 0 .6rem; }
.card { border: 1px solid var(--rule); border-radius: 8px; padding: .65rem .85rem;
  background: var(--band); }
.card .k { font-size: .78rem; color: var(--muted); text-transform: uppercase;
  letter-spacing: .04em; }
.card .v { font-size: 1.45rem; font-weight: 650; line-height: 1.3; }
.card .v.text { font-size: 1.08rem; line-height: 1.35; }
.card .unit { display: block; font-size: .8rem; font-weight: 400; line-height: 1.3;
  color: var(--muted); }
.card .d { font-size: .85rem; color: var(--muted); }
nav.toc { margin: 1rem 0 0; font-size: .9rem; }
nav.toc ol { display: flex; flex-wrap: wrap; gap: .2rem 1.3rem; margin: 0; padding: 0;
  list-style: none; counter-reset: toc; }
nav.toc li { counter-increment: toc; }
nav.toc li::before { content: counter(toc) ". "; color: var(--muted); }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; margin: .35rem 0 .5rem; }
caption { text-align: left; font-weight: 600; padding: .2rem 0; }
th, td { padding: .32rem .55rem; border-bottom: 1px solid var(--rule); text-align: left;
  vertical-align: top; }
th { font-weight: 600; background: var(--band); }
th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
.nowrap { white-space: nowrap; }
table.states, table.risk, table.by-utility, table.explain, table.voi, table.evppi {
  width: auto; min-width: 60%; }
table.states { font-size: .86rem; }
table.voi td:last-child, table.evppi td:last-child { width: 12rem; }
tr.best td { background: var(--good); }
td .bar { display: inline-block; height: .7em; background: var(--accent); opacity: .7;
  border-radius: 2px; vertical-align: baseline; }
figure { margin: .7rem 0 1.1rem; }
figcaption { color: var(--muted); font-size: .88rem; margin-top: .3rem; }
svg.chart { display: block; width: 100%; height: auto; max-width: 980px; }
svg.chart text { fill: var(--ink); font-family: inherit; }
svg.chart .tick, svg.chart .legend, svg.chart .axis-label { fill: var(--muted); }
svg.chart .grid { stroke: #e4e8ec; stroke-width: 1; }
svg.chart .base { stroke: var(--ink); stroke-width: 1.2; stroke-dasharray: 4 3; }
svg.chart .star { font-weight: 700; }
.diagram { overflow-x: auto; border: 1px solid var(--rule); border-radius: 8px;
  padding: .6rem; background: #fff; }
.diagram svg { display: block; max-width: 100%; height: auto; margin: 0 auto; }
.rules { margin: .3rem 0 .6rem 1.2rem; padding: 0; }
.rules li { margin: .15rem 0; }
.choice { font-weight: 650; }
.sources li { margin: .2rem 0; overflow-wrap: anywhere; }
.sources.small { font-size: .86rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem;
  font-size: .9rem; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
footer { margin-top: 2.5rem; color: var(--muted); font-size: .82rem; border-top: 1px solid
  var(--rule); padding-top: .6rem; }
@page { size: A4; margin: 14mm 13mm 16mm; }
@media print {
  body { font-size: 9.5pt; }
  main { max-width: none; padding: 0; }
  nav.toc { display: none; }
  h2 { break-after: avoid; page-break-after: avoid; margin-top: 1.4rem; }
  h3 { break-after: avoid; }
  figure, tr, .card, .diagram, dl.facts { break-inside: avoid; page-break-inside: avoid; }
  .table-wrap, .diagram { overflow: visible; }
  a { color: inherit; text-decoration: none; }
  .cards { grid-template-columns: repeat(auto-fit, minmax(42mm, 1fr)); }
  th, tr.best td, .card, td .bar, .warning { -webkit-print-color-adjust: exact;
    print-color-adjust: exact; }
  svg.chart { max-width: 100%; }
}
"""
