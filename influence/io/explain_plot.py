"""The waterfall chart of an explanation: from B's expected utility to A's, attribute by
attribute.

The first bar is B's expected utility; each attribute then moves the running total by its
difference A - B (in the order of the attribute table, largest first; those with no difference
left out, those beyond :data:`WATERFALL_TOP` merged into one bar); the last bar is A's expected
utility. Under parameter uncertainty each step carries the 90% interval of its difference as a
whisker. :func:`write_explanation_plot` renders PNG, SVG or PDF (by the file's suffix) and
writes it atomically. matplotlib is imported only here, when a figure is made, and renders with
the Agg canvas whatever backend pyplot may be using.
"""

from __future__ import annotations

import io
import os
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..analysis.explain import Explanation
from ..atomic import refuse_overwrite, write_bytes_atomic
from .plotting import PLOT_FORMATS, plot_format
from .text import format_number

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["plot_explanation", "render_explanation_plot", "write_explanation_plot",
           "WATERFALL_TOP", "waterfall_steps"]

#: Attributes drawn as their own step; the rest are merged into one.
WATERFALL_TOP = 15
_UP, _DOWN, _TOTAL = "#55a868", "#c44e52", "#4c72b0"


def waterfall_steps(e: Explanation, top: int = WATERFALL_TOP
                    ) -> list[tuple[str, float, tuple[float, float] | None]]:
    """The steps from B's expected utility to A's: ``(label, difference, 90% interval or
    None)``, attributes with a difference first (largest first), the rest merged."""
    moving = [a for a in e.attributes if a.difference != 0 or (
        a.difference_interval_90 is not None and a.difference_interval_90 != (0.0, 0.0))]
    steps = [(_name(a.node, a.label), a.difference, a.difference_interval_90)
             for a in moving[:top]]
    rest = moving[top:]
    if rest:
        steps.append((f"{len(rest)} other attributes", sum(a.difference for a in rest), None))
    return steps


def _name(node: str, label: str) -> str:
    text = node if label == node else f"{node}: {label}"
    return "\n".join(textwrap.wrap(text, 40, break_on_hyphens=False)) or node


def _value(ax: Any, x: float, y: float, value: float) -> None:
    """The value of a total's bar, written just beyond its end (the side away from zero)."""
    ax.annotate(format_number(value), (x, y), xytext=(4 if value >= 0 else -4, 0),
                textcoords="offset points", ha="left" if value >= 0 else "right",
                va="center", fontsize=8)


def _figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def plot_explanation(e: Explanation, *, top: int = WATERFALL_TOP) -> Figure:
    """The waterfall chart (see the module's description).

    Returns
    -------
    matplotlib.figure.Figure
        Attached to an Agg canvas.
    """
    steps = waterfall_steps(e, top)
    rows = len(steps) + 2
    fig = _figure(11, 1.6 + 0.6 * rows)
    ax = fig.add_subplot()
    y = list(range(rows))[::-1]
    start, end = e.other.expected_utility, e.option.expected_utility
    ax.barh(y[0], start, color=_TOTAL, height=0.6)
    running, ends, reach = start, [start], [0.0, start, end]
    for i, (_, diff, interval) in enumerate(steps, 1):
        ax.barh(y[i], diff, left=running, color=_UP if diff >= 0 else _DOWN, height=0.6)
        if interval is not None:
            ax.plot([running + interval[0], running + interval[1]], [y[i], y[i]],
                    color="black", linewidth=1)
            reach += [running + interval[0], running + interval[1]]
        ax.annotate(("+" if diff > 0 else "") + format_number(diff),
                    (running + diff / 2, y[i] + 0.3), xytext=(0, 1), textcoords="offset points",
                    ha="center", va="bottom", fontsize=8)
        running += diff
        ends.append(running)
    for i, x in enumerate(ends):  # connectors from each bar's end to the next bar
        ax.plot([x, x], [y[i] - 0.3, y[i + 1] + 0.3], color="grey", linewidth=0.6,
                linestyle=":")
    ax.barh(y[-1], end, color=_TOTAL, height=0.6)
    _value(ax, start, y[0], start)
    _value(ax, end, y[-1], end)
    low, high = min(reach + ends), max(reach + ends)
    pad = 0.12 * (high - low or 1.0)
    ax.set_xlim(low - pad, high + pad)
    ax.axvline(0, color="black", linewidth=0.6)
    labels = [f"B: {e.other.id}"] + [s[0] for s in steps] + [f"A: {e.option.id}"]
    ax.set_yticks(y, labels, fontsize=8)
    what = "mean expected utility" if e.uncertainty else "expected utility"
    ax.set_xlabel("\n".join(textwrap.wrap(what + (f" ({e.units})" if e.units else ""), 90)))
    title = e.title or e.model
    given = ", ".join(f"{k}={v}" for k, v in e.given.items())
    note = " (whiskers: 90% intervals of each difference)" if e.uncertainty else ""
    ax.set_title("\n".join(textwrap.wrap(
        f"{title}{f' (given {given})' if given else ''}: from B ({e.other.id}) to A "
        f"({e.option.id}), attribute by attribute{note}", 90)), fontsize=11)
    return fig


def render_explanation_plot(e: Explanation, fmt: str) -> bytes:
    """:func:`plot_explanation` rendered in ``fmt`` (one of :data:`PLOT_FORMATS`)."""
    if fmt not in PLOT_FORMATS:
        raise ValueError(f"expected a plot format among {', '.join(PLOT_FORMATS)}, got {fmt!r}")
    buffer = io.BytesIO()
    plot_explanation(e).savefig(buffer, format=fmt, dpi=120)
    return buffer.getvalue()


def write_explanation_plot(e: Explanation, path: str | os.PathLike[str], *,
                           protect: Sequence[str | os.PathLike[str] | None] = ()) -> Path:
    """Draw :func:`plot_explanation` and write it to ``path`` atomically (format by suffix:
    .png, .svg or .pdf), never over one of the ``protect`` files."""
    fmt = plot_format(path)
    refuse_overwrite(path, *protect)
    return write_bytes_atomic(path, render_explanation_plot(e, fmt))
