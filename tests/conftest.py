"""Settings for the whole suite."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis.configuration import set_hypothesis_home_dir

_HYPOTHESIS_HOME: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    """Hypothesis keeps its files (a cache of the constants of the code under test, written
    while the tests are collected) in ``.hypothesis/`` of the working directory: keep them in
    a temporary directory instead, since the tests write nothing into the source tree."""
    _HYPOTHESIS_HOME.append(tempfile.mkdtemp(prefix="influence-tests-hypothesis-"))
    set_hypothesis_home_dir(_HYPOTHESIS_HOME[-1])


def pytest_unconfigure(config: pytest.Config) -> None:
    while _HYPOTHESIS_HOME:
        shutil.rmtree(_HYPOTHESIS_HOME.pop(), ignore_errors=True)


@pytest.fixture(autouse=True)
def _report_width(monkeypatch: pytest.MonkeyPatch) -> None:
    """Text reports are laid out for ``COLUMNS`` when it is set: every test starts at 100
    columns (the width of a report written to a file), whatever the terminal running it."""
    monkeypatch.setenv("COLUMNS", "100")


_LONG_TESTS = Path(__file__).with_name("long_tests.txt")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark ``slow`` the tests listed in ``long_tests.txt`` (each over a few tenths of a second
    of CPU, measured by ``scripts/time_tests.py``), before ``-m`` selects."""
    if os.environ.get("INFLUENCE_ALL_TESTS_QUICK") or not _LONG_TESTS.exists():
        return
    listed = {line.strip() for line in _LONG_TESTS.read_text().splitlines()
              if line.strip() and not line.startswith("#")}
    for item in items:
        if item.nodeid in listed:
            item.add_marker(pytest.mark.slow)
