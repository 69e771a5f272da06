"""Figures of a sensitivity analysis: the tornado chart and the two-way region map.

:func:`plot_sensitivity` draws the two-way map when the analysis has one (each grid cell
coloured by its optimal strategy, the exact boundary points in black, the model's values as a
star), the tornado chart otherwise (each parameter's bar runs from the maximum expected
utility at the low end of its range to that at the high end, around the value at the model's
numbers). :func:`write_sensitivity_plot` renders PNG, SVG or PDF (by the file's suffix) and
writes it atomically. matplotlib is imported only here, when a figure is made, and renders
with the Agg canvas whatever backend pyplot may be using.
"""

from __future__ import annotations

import io
import os
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..analysis.sensitivity import SensitivityResult
from ..atomic import refuse_overwrite, write_bytes_atomic
from .plotting import PLOT_FORMATS, plot_format

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["plot_sensitivity", "render_sensitivity_plot", "write_sensitivity_plot",
           "TORNADO_TOP"]

#: Parameters the tornado chart shows unless told otherwise.
TORNADO_TOP = 15


def _figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _title(result: SensitivityResult) -> str:
    name = result.title or result.model
    given = ", ".join(f"{k}={v}" for k, v in result.given.items())
    return name + (f" (given {given})" if given else "")


def _tornado(result: SensitivityResult, top: int) -> Figure:
    shown = result.parameters[:top]
    fig = _figure(12, 2.0 + 0.55 * max(len(shown), 1))
    ax = fig.add_subplot()
    base = result.base_expected_utility
    rows = np.arange(len(shown))[::-1]
    for y, p in zip(rows, shown, strict=True):
        ax.barh(y, p.eu_low - base, left=base, color="#4c72b0", height=0.6)
        ax.barh(y, p.eu_high - base, left=base, color="#dd8452", height=0.6)
        flip = p.best_low != result.base_best or p.best_high != result.base_best
        if flip:
            ax.text(max(p.eu_low, p.eu_high), y, "  best option changes", va="center",
                    fontsize=8)
    ax.axvline(base, color="black", linewidth=0.8)
    ax.set_yticks(rows, [_label(p.id, p.low, p.high) for p in shown], fontsize=8)
    ax.set_xlabel("\n".join(textwrap.wrap("maximum expected utility" + (
        f" ({result.units})" if result.units else ""), 90)))
    ax.legend(handles=_patches(["#4c72b0", "#dd8452"], ["parameter at low end",
                                                        "parameter at high end"]),
              loc="lower right", fontsize=8)
    ax.set_title("\n".join(textwrap.wrap(
        f"{_title(result)}: one-way sensitivity, the {len(shown)} of {result.total} "
        "parameters of largest swing", 90)), fontsize=11)
    return fig


def _wrapped_name(name: str, width: int = 48) -> str:
    """A parameter name on lines of at most ``width`` characters, broken after a comma, an
    opening bracket or a colon (a longer piece keeps its own line)."""
    pieces, piece = [], ""
    for char in name:
        piece += char
        if char in ",[:":
            pieces.append(piece)
            piece = ""
    pieces.append(piece)
    lines = [""]
    for piece in pieces:
        if lines[-1] and len(lines[-1]) + len(piece) > width:
            lines.append("")
        lines[-1] += piece
    return "\n".join(lines)


def _label(name: str, low: float, high: float) -> str:
    return f"{_wrapped_name(name)}\n[{low:.4g}, {high:.4g}]"


def _patches(colours: Sequence[str], labels: Sequence[str]) -> list:
    from matplotlib.patches import Patch

    return [Patch(color=c, label=label) for c, label in zip(colours, labels, strict=True)]


def _region_map(result: SensitivityResult) -> Figure:
    from matplotlib.colors import ListedColormap

    tw = result.two_way
    count = len(tw.regions)
    palette = [f"C{i % 10}" for i in range(count)]
    fig = _figure(10, 6.5 + 0.25 * count)
    ax = fig.add_subplot()
    ax.pcolormesh(tw.a_values, tw.b_values, tw.region.T - 1, shading="nearest",
                  cmap=ListedColormap(palette), vmin=-0.5, vmax=count - 0.5)
    if tw.boundary:
        ax.scatter([p.a for p in tw.boundary], [p.b for p in tw.boundary], s=4, color="black",
                   label="boundary (exact)")
    ax.plot([tw.points[0]], [tw.points[1]], marker="*", markersize=14, color="white",
            markeredgecolor="black", linestyle="none", label="the model's values")
    ax.set_xlim(tw.a_values[0], tw.a_values[-1])
    ax.set_ylim(tw.b_values[0], tw.b_values[-1])
    ax.set_xlabel(_wrapped_name(tw.a, 90))
    ax.set_ylabel(_wrapped_name(tw.b, 60))
    labels = [f"{r.id}: " + "\n".join(textwrap.wrap(r.label, 110, break_on_hyphens=False))
              for r in tw.regions]
    handles = _patches(palette, labels) + ax.get_legend_handles_labels()[0]
    fig.legend(handles=handles, loc="outside lower center", fontsize=8, ncols=1)
    ax.set_title("\n".join(textwrap.wrap(
        f"{_title(result)}: the optimal strategy over two parameters", 90)), fontsize=11)
    return fig


def plot_sensitivity(result: SensitivityResult, *, top: int | None = None) -> Figure:
    """The two-way region map if ``result`` has one, else the tornado chart of its ``top``
    parameters (default :data:`TORNADO_TOP`).

    Returns
    -------
    matplotlib.figure.Figure
        Attached to an Agg canvas.
    """
    if result.two_way is not None:
        return _region_map(result)
    return _tornado(result, TORNADO_TOP if top is None else top)


def render_sensitivity_plot(result: SensitivityResult, fmt: str, *, top: int | None = None
                            ) -> bytes:
    """:func:`plot_sensitivity` rendered in ``fmt`` (one of :data:`PLOT_FORMATS`)."""
    if fmt not in PLOT_FORMATS:
        raise ValueError(f"expected a plot format among {', '.join(PLOT_FORMATS)}, got {fmt!r}")
    buffer = io.BytesIO()
    plot_sensitivity(result, top=top).savefig(buffer, format=fmt, dpi=120)
    return buffer.getvalue()


def write_sensitivity_plot(result: SensitivityResult, path: str | os.PathLike[str], *,
                           protect: Sequence[str | os.PathLike[str] | None] = (),
                           top: int | None = None) -> Path:
    """Draw :func:`plot_sensitivity` and write it to ``path`` atomically (format by suffix:
    .png, .svg or .pdf), never over one of the ``protect`` files."""
    fmt = plot_format(path)
    refuse_overwrite(path, *protect)
    return write_bytes_atomic(path, render_sensitivity_plot(result, fmt, top=top))
