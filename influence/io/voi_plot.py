"""Figures of a value-of-information analysis.

:func:`plot_voi` draws a horizontal bar chart of every value the analysis found (observing nodes
before decisions, the EVPI, each group's EVPPI, each study's EVSI), with 95% intervals (1.96
standard errors) where a value carries Monte Carlo error; and, when a study was valued at several
sample sizes, a second panel with its EVSI curve (and expected net benefit of sampling when it
has a cost). matplotlib is imported only when a figure is made; the figure is rendered with the
Agg canvas whatever backend pyplot may be using.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..analysis.voi_results import ValueOfInformation
from ..atomic import refuse_overwrite, write_bytes_atomic
from .plotting import plot_format

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["plot_voi", "render_voi_plot", "write_voi_plot"]

_COLOURS = {"observe": "C0", "evpi": "C3", "evppi": "C1", "evsi": "C2"}
_LEGEND = {"observe": "observe before a decision", "evpi": "all parameters (EVPI)",
           "evppi": "a group of parameters (EVPPI)", "evsi": "a study (EVSI)"}


def _bars(result: ValueOfInformation) -> list[tuple[str, str, float, float]]:
    """(kind, label, value, se) of every value, in report order."""
    out = [("observe", f"{'+'.join(o.nodes)} before {o.decision}", o.value, 0.0)
           for o in result.observe]
    if result.evpi_parameters is not None:
        out.append(("evpi", "all parameters", result.evpi_parameters, result.evpi_se or 0.0))
    out += [("evppi", g.group, g.value, g.se) for g in sorted(result.evppi,
                                                               key=lambda g: -g.value)]
    out += [("evsi", f"{s.study}, n={s.n}", s.value, s.se) for s in result.evsi]
    return out


def _short(label: str, width: int = 44) -> str:
    return label if len(label) <= width else label[: width - 3] + "..."


def _curves(result: ValueOfInformation) -> dict[str, list[Any]]:
    by_study: dict[str, list[Any]] = {}
    for s in result.evsi:
        by_study.setdefault(s.study, []).append(s)
    return {k: sorted(v, key=lambda s: s.n) for k, v in by_study.items() if len(v) > 1}


def _bar_panel(ax: Any, result: ValueOfInformation) -> None:
    bars = _bars(result)
    positions = list(range(len(bars)))[::-1]
    for kind in _COLOURS:
        mine = [(p, b) for p, b in zip(positions, bars, strict=True) if b[0] == kind]
        if not mine:
            continue
        ax.barh([p for p, _ in mine], [b[2] for _, b in mine], color=_COLOURS[kind],
                xerr=[1.96 * b[3] for _, b in mine], error_kw={"elinewidth": 0.8},
                label=_LEGEND[kind], height=0.7)
    ax.set_yticks(positions, [_short(b[1]) for b in bars], fontsize=8)
    units = f" ({result.units})" if result.units else ""
    ax.set_xlabel(f"value of information{units}", fontsize=9)
    ax.set_xlim(left=0)
    if bars:
        ax.legend(fontsize=8, frameon=False, loc="lower right")
    else:
        ax.text(0.5, 0.5, "nothing to value: every decision already knows, or influences, "
                "every chance node", ha="center", va="center", transform=ax.transAxes,
                fontsize=9)
    ax.set_title("Expected value of each piece of information (bars: 95% interval)",
                 fontsize=10)


def _curve_panel(ax: Any, result: ValueOfInformation) -> None:
    curves = _curves(result)
    for i, (study, points) in enumerate(curves.items()):
        colour = f"C{i % 10}"
        n = [s.n for s in points]
        v = [s.value for s in points]
        half = [1.96 * s.se for s in points]
        ax.plot(n, v, marker="o", color=colour, label=f"EVSI {_short(study, 40)}")
        ax.fill_between(n, [a - h for a, h in zip(v, half, strict=True)],
                        [a + h for a, h in zip(v, half, strict=True)], color=colour, alpha=0.2)
        if points[0].cost is not None:
            ax.plot(n, [s.net for s in points], linestyle="--", color=colour,
                    label=f"net of cost {points[0].cost:g}")
    if max(s.n for v in curves.values() for s in v) > 20 * min(
            s.n for v in curves.values() for s in v):
        ax.set_xscale("log")
    ax.axhline(0, color="0.6", linewidth=0.8)
    ax.set_xlabel("new cases in the study (n)", fontsize=9)
    ax.set_ylabel("expected value", fontsize=9)
    ax.legend(fontsize=8, frameon=False)
    ax.set_title("EVSI by sample size", fontsize=10)


def plot_voi(result: ValueOfInformation) -> Figure:
    """The figure of a value-of-information analysis.

    Returns
    -------
    matplotlib.figure.Figure
        Attached to an Agg canvas.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows = max(len(_bars(result)), 1)
    curve = bool(_curves(result))
    bar_height = 1.0 + 0.26 * rows
    fig = Figure(figsize=(10, bar_height + (3.6 if curve else 0)), layout="constrained")
    FigureCanvasAgg(fig)
    grid = fig.add_gridspec(2 if curve else 1, 1,
                            height_ratios=[bar_height, 3.6] if curve else [1])
    _bar_panel(fig.add_subplot(grid[0]), result)
    if curve:
        _curve_panel(fig.add_subplot(grid[1]), result)
    title = result.title or result.model
    what = f" under the {result.uncertainty}" if result.uncertainty else ""
    fig.suptitle(f"{title}: what is worth learning{what}", fontsize=11)
    return fig


def render_voi_plot(result: ValueOfInformation, fmt: str) -> bytes:
    """The figure of :func:`plot_voi` as PNG, SVG or PDF bytes."""
    fig = plot_voi(result)
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=120)
    return buffer.getvalue()


def write_voi_plot(result: ValueOfInformation, path: str | os.PathLike[str], *,
                   protect: Sequence[str | os.PathLike[str] | None] = ()) -> Path:
    """Draw :func:`plot_voi` and write it to ``path`` (its extension gives the format)
    atomically, never over a file of ``protect``."""
    fmt = plot_format(path)
    refuse_overwrite(path, *protect)
    return write_bytes_atomic(path, render_voi_plot(result, fmt))
