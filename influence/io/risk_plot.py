"""The risk profiles of an evaluation: the cumulative distribution of the total utility under
the optimal strategy and under each named policy (and, when asked, each alternative).

A point lower and to the right is better: the probability of ending at or below a value. A
profile that lies entirely to the right of another dominates it stochastically. The figure is
drawn from :attr:`~influence.solve.results.OptionResult.risk_profile`, the exact distribution,
as steps. matplotlib is imported only here, when a figure is made.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..atomic import refuse_overwrite, write_bytes_atomic
from ..errors import QueryError
from ..solve.results import Evaluation
from .plotting import PLOT_FORMATS, plot_format

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["plot_risk_profiles", "render_risk_plot", "write_risk_plot"]


def _profiles(result: Evaluation, alternatives: bool
              ) -> list[tuple[str, tuple[tuple[float, float], ...]]]:
    out = []
    if result.risk_profile is not None:
        out.append(("optimal strategy", result.risk_profile))
    for option in result.options:
        if option.kind == "alternative" and not alternatives:
            continue
        if option.risk_profile is not None:
            out.append((f"{option.label} ({option.id})", option.risk_profile))
    if not out:
        raise QueryError("expected an evaluation with risk profiles (point values, with few "
                         "enough outcomes), got none", parameter="result")
    return out


def plot_risk_profiles(result: Evaluation, *, alternatives: bool = False) -> Figure:
    """The cumulative risk profiles of ``result`` as a matplotlib figure.

    Parameters
    ----------
    result : Evaluation
        A point evaluation (risk profiles are exact distributions of point values).
    alternatives : bool
        Also draw each alternative (by default: the optimal strategy and the named policies).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    profiles = _profiles(result, alternatives)
    fig = Figure(figsize=(10, 5.0 + 0.22 * len(profiles)), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for i, (label, pairs) in enumerate(profiles):
        values = np.array([v for v, _ in pairs])
        cumulative = np.cumsum([p for _, p in pairs])
        style = {"linewidth": 2.5, "color": "black"} if i == 0 and label == "optimal strategy" \
            else {"linewidth": 1.5}
        ax.step(np.concatenate([[values[0]], values]), np.concatenate([[0.0], cumulative]),
                where="post", label=label, **style)
    units = f" ({result.units})" if result.units else ""
    ax.set_xlabel(f"total utility{units}")
    ax.set_ylabel("P(total utility at most x)")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(True, alpha=0.3)
    ax.set_title(f"Risk profiles: {result.title or result.model}")
    fig.legend(loc="outside lower center", fontsize="small", ncols=1, frameon=False)
    return fig


def render_risk_plot(result: Evaluation, fmt: str, *, alternatives: bool = False) -> bytes:
    """:func:`plot_risk_profiles` as PNG, SVG or PDF bytes."""
    if fmt not in PLOT_FORMATS:
        raise QueryError(f"expected a format among {', '.join(PLOT_FORMATS)}, got {fmt!r}",
                         parameter="fmt")
    buffer = io.BytesIO()
    plot_risk_profiles(result, alternatives=alternatives).savefig(buffer, format=fmt)
    return buffer.getvalue()


def write_risk_plot(result: Evaluation, path: str | os.PathLike[str], *,
                    protect: Sequence[str | os.PathLike[str] | None] = (),
                    alternatives: bool = False) -> Path:
    """Draw the risk profiles and write them to ``path`` atomically (format by suffix), never
    over one of the ``protect`` files."""
    fmt = plot_format(path)
    refuse_overwrite(path, *protect)
    return write_bytes_atomic(path, render_risk_plot(result, fmt, alternatives=alternatives))
