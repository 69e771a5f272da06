"""The HTML report of a model (``influence report``): one self-contained file with inline SVG
charts, for the screen and for A4 paper, and optionally a PDF of it printed by Chromium.

- :mod:`~influence.io.report.collect`: runs the analyses; their plain data is what is shown.
- :mod:`~influence.io.report.results`, :mod:`~influence.io.report.analysis`,
  :mod:`~influence.io.report.model`: the sections.
- :mod:`~influence.io.report.html`, :mod:`~influence.io.report.svg`,
  :mod:`~influence.io.report.charts`: the page, the SVG writer and the charts.
- :mod:`~influence.io.report.pdf`: printing the page to PDF with a headless Chromium.
"""

from __future__ import annotations

from .build import render_report, report
from .html import read_data
from .pdf import html_to_pdf, require_browser

__all__ = ["report", "render_report", "read_data", "html_to_pdf", "require_browser",
           "REPORT_FORMATS"]

#: Output formats of ``influence report``.
REPORT_FORMATS = ("html", "pdf")
