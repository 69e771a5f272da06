"""Checks of the numeric arguments of a plan (its memory limit and risk tolerance)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import QueryError
from ..limits import default_memory_limit
from ..model.diagram import Diagram

__all__ = ["check_memory_limit", "check_risk_tolerance"]


def check_memory_limit(value: Any, diagram: Diagram) -> int:
    """``memory_limit`` in bytes (default: :func:`~influence.limits.default_memory_limit`)."""
    if value is None:
        return default_memory_limit()
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value <= 0:
        raise QueryError(f"expected `memory_limit` to be a number of bytes > 0, got {value!r}",
                         file=diagram.file, parameter="memory_limit")
    return int(value)


def check_risk_tolerance(value: Any, diagram: Diagram) -> float | None:
    """``risk_tolerance``, a finite number > 0, or None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise QueryError(f"expected `risk_tolerance` to be a number > 0, got {value!r}",
                         file=diagram.file, parameter="risk_tolerance")
    value = float(value)
    if not (np.isfinite(value) and value > 0):
        raise QueryError(f"expected `risk_tolerance` to be a finite number > 0, got {value!r}",
                         file=diagram.file, parameter="risk_tolerance")
    return value
