"""Results as pandas DataFrames: the ``to_frame`` methods of the result objects.

pandas is optional: it is imported only when a frame is made, and a clear
:class:`~influence.errors.MissingDependencyError` says how to install it when it is missing.
(It comes with ArviZ, which the Bayesian layer needs, so a full installation has it.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .errors import MissingDependencyError

__all__ = ["pandas", "frame", "state_text"]


def pandas() -> Any:
    """The pandas module.

    Raises
    ------
    MissingDependencyError
        If pandas is not installed (an ``ImportError``).
    """
    try:
        import pandas as pd
    except ImportError:
        raise MissingDependencyError(
            "expected pandas to be installed to make a DataFrame, got no pandas: install it "
            "with `pip install pandas` (results convert to plain data without it: "
            "`to_dict()`)") from None
    return pd


def frame(rows: Sequence[Mapping[str, Any]], columns: Sequence[str],
          index: str | None = None) -> Any:
    """A DataFrame of ``rows`` (mappings) with ``columns`` in this order (a missing value is
    NaN or None), indexed by the column ``index`` when given."""
    pd = pandas()
    out = pd.DataFrame([{c: r.get(c) for c in columns} for r in rows], columns=list(columns))
    return out.set_index(index) if index is not None else out


def state_text(given: Mapping[str, str]) -> str:
    """An information state as text: ``node=state, node=state``."""
    return ", ".join(f"{k}={v}" for k, v in given.items())
