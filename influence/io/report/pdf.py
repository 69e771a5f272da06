"""Printing the HTML report to PDF with a headless Chromium (or Chrome), on A4 as the page's
print style sheet lays it out. Nothing else is needed; without a browser the report is
written as HTML, which any browser prints."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ...errors import CommandUnavailableError, OutputError

__all__ = ["find_browser", "require_browser", "html_to_pdf", "BROWSERS", "browser_arguments"]

#: Programs tried, in order, to print a PDF.
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")

#: Seconds a browser may take to print one report.
TIMEOUT = 180


def find_browser() -> str | None:
    """The path of the first of :data:`BROWSERS` on the PATH, or None."""
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def require_browser() -> str:
    """The browser that prints PDF (see :func:`find_browser`).

    Raises
    ------
    CommandUnavailableError
        If there is none.
    """
    program = find_browser()
    if program is None:
        raise CommandUnavailableError(
            "printing the report to PDF needs Chromium or Chrome, and none is on the PATH "
            f"(looked for {', '.join(BROWSERS)}); install one (Debian/Ubuntu: apt-get install "
            "chromium), or write HTML and print it from a browser", parameter="fmt")
    return program


def browser_arguments(profile: str | os.PathLike[str]) -> list[str]:
    """The switches of a headless browser that runs on its own: no network of its own (no
    updates, sync or background requests), a fresh profile in ``profile``, and no sandbox when
    running as root (the browser refuses to start there otherwise)."""
    args = ["--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", f"--user-data-dir={profile}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")
    return args


def html_to_pdf(html: str, browser: str | None = None) -> bytes:
    """The PDF of an HTML document, printed by a headless Chromium without header or footer.

    Parameters
    ----------
    html : str
        A self-contained document (as :func:`influence.report` returns).
    browser : str, optional
        The browser program (default: the first of :data:`BROWSERS` found).

    Raises
    ------
    CommandUnavailableError
        If no browser is found (the report can be written as HTML and printed from any
        browser).
    OutputError
        If the browser fails or prints nothing.
    """
    program = browser or require_browser()
    with tempfile.TemporaryDirectory(prefix="influence-pdf-") as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(html, encoding="utf-8")
        out = Path(tmp) / "report.pdf"
        command = [program, *browser_arguments(Path(tmp) / "profile"),
                   "--no-pdf-header-footer", f"--print-to-pdf={out}", page.as_uri()]
        try:
            done = subprocess.run(command, capture_output=True, timeout=TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise OutputError(f"cannot print the report to PDF with {program}: {exc}") from None
        if not out.is_file() or out.stat().st_size == 0:
            detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise OutputError(f"{program} printed no PDF (exit code {done.returncode})"
                              + (f": {' '.join(detail)}" if detail else ""))
        return out.read_bytes()
