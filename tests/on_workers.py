"""Shared by the tests of runs on Dask workers: whether Dask is installed, and how results of
workers are compared with those of one process."""

from __future__ import annotations

from typing import Any

import pytest

try:
    import distributed  # noqa: F401

    HAVE_DASK = True
except ImportError:  # pragma: no cover - the extra is optional
    HAVE_DASK = False

needs_dask = pytest.mark.skipif(
    not HAVE_DASK, reason="dask.distributed is not installed (pip install \"influence[dask]\"): "
    "the runs on Dask workers are not checked")


def assert_same(there: Any, here: Any, path: str = "result") -> None:
    """The same structure and texts, and numbers equal to 1e-12 relative: Dask workers run
    their numeric libraries on one thread, where a multithreaded BLAS here may round the last
    bit of a large product otherwise (docs/scale.md)."""
    if hasattr(here, "tolist"):
        here, there = here.tolist(), there.tolist()
    if isinstance(here, dict):
        assert isinstance(there, dict) and there.keys() == here.keys(), path
        for key in here:
            assert_same(there[key], here[key], f"{path}.{key}")
    elif isinstance(here, list | tuple):
        assert isinstance(there, list | tuple) and len(there) == len(here), path
        for i, (a, b) in enumerate(zip(there, here, strict=True)):
            assert_same(a, b, f"{path}[{i}]")
    elif isinstance(here, float) and not isinstance(there, bool):
        assert there == pytest.approx(here, rel=1e-12, abs=1e-12, nan_ok=True), path
    else:
        assert there == here, path
