"""Settings for the whole suite."""

from __future__ import annotations

import shutil
import tempfile

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
