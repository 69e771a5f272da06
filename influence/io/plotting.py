"""Figures of an evaluation under parameter uncertainty.

:func:`plot_uncertainty` draws one figure with two parts:

- the expected utility of the optimal (Bayes) strategy and of every option across the draws: a
  forest of the mean and the central 50% and 90% intervals (the 25-75% and 5-95% quantiles,
  the same 90% interval as the tables, JSON and CSV: :data:`~influence.limits.INTERVAL`),
  options ranked by their mean, each annotated with its probability of being best and its
  expected loss;
- with a posterior, one panel per parameter the evidence moved: its prior density (dashed)
  and its posterior density (solid), each state of a probability row in its own colour
  (Gaussian kernel density estimates of the draws, binned).

:func:`write_uncertainty_plot` renders it to PNG, SVG or PDF and writes the file atomically.
matplotlib is imported only when a figure is made (ArviZ never); the figure is rendered with
the Agg canvas whatever backend pyplot may be using, and pyplot's state is left alone.
"""

from __future__ import annotations

import io
import math
import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..atomic import refuse_overwrite, write_bytes_atomic
from ..errors import QueryError
from ..limits import INTERVAL
from ..solve.results import Evaluation

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["plot_uncertainty", "write_uncertainty_plot", "render_uncertainty_plot",
           "moved_parameters", "density", "PLOT_FORMATS"]

#: File formats a plot can be written in (the output file's extension).
PLOT_FORMATS = ("png", "svg", "pdf")

#: Most draws drawn per option (evenly thinned beyond): densities and intervals need no more.
MAX_PLOTTED_DRAWS = 20000

#: A probability row with more states shows the components the evidence moved most.
MAX_COMPONENTS = 4


def plot_uncertainty(evaluation: Evaluation, *, posterior: Any = None, diagram: Any = None,
                     max_parameters: int = 12) -> Figure:
    """The figure of an evaluation under parameter uncertainty.

    Parameters
    ----------
    evaluation : Evaluation
        From :func:`influence.evaluate` with ``prior=True`` or a posterior (options carry
        their draws).
    posterior : Posterior, optional
        The posterior the evaluation used: adds the prior-to-posterior panels of the
        parameters the evidence moved.
    diagram : Diagram, optional
        The model, to label the states of probability rows.
    max_parameters : int
        Most parameter panels; the parameters whose mean moved most (in prior standard
        deviations) are kept.

    Returns
    -------
    matplotlib.figure.Figure
        Attached to an Agg canvas.

    Raises
    ------
    QueryError
        If the evaluation has no draws (a point evaluation).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if evaluation.uncertainty is None or evaluation.meu_draws is None:
        raise QueryError("expected `evaluation` under parameter uncertainty (from "
                         "influence.evaluate with prior=True or a posterior, and at least 2 "
                         "draws), got a point evaluation", parameter="evaluation")
    params = moved_parameters(posterior, diagram)[:max_parameters] if posterior else []
    rows_eu = len(evaluation.options) + 1
    ncols = min(3, max(1, len(params)))
    nrows = math.ceil(len(params) / ncols) if params else 0
    eu_height = 1.2 + 0.38 * rows_eu
    height = eu_height + 2.6 * nrows
    fig = Figure(figsize=(11, height), layout="constrained")
    FigureCanvasAgg(fig)
    grid = fig.add_gridspec(1 + nrows, ncols, height_ratios=[eu_height] + [2.6] * nrows)
    with warnings.catch_warnings():  # matplotlib's deprecation notices, not the user's concern
        warnings.simplefilter("ignore", DeprecationWarning)
        _eu_panel(fig.add_subplot(grid[0, :]), evaluation)
        for i, param in enumerate(params):
            _shift_panel(fig.add_subplot(grid[1 + i // ncols, i % ncols]), param)
    what = "posterior" if evaluation.uncertainty == "posterior" else "prior"
    title = evaluation.title or evaluation.model
    fig.suptitle(f"{title}: expected utility under {what} uncertainty "
                 f"({evaluation.draws} draws)", fontsize=12)
    return fig


def render_uncertainty_plot(evaluation: Evaluation, fmt: str, **kwargs: Any) -> bytes:
    """The figure of :func:`plot_uncertainty` rendered in ``fmt`` (see :data:`PLOT_FORMATS`)."""
    if fmt not in PLOT_FORMATS:
        raise QueryError(f"expected `fmt` among {', '.join(PLOT_FORMATS)}, got {fmt!r}",
                         parameter="fmt")
    fig = plot_uncertainty(evaluation, **kwargs)
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=120)
    return buffer.getvalue()


def plot_format(path: str | os.PathLike[str]) -> str:
    """The plot format named by a file's extension.

    Raises
    ------
    QueryError
        For an extension other than those of :data:`PLOT_FORMATS`.
    """
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in PLOT_FORMATS:
        raise QueryError(
            f"expected an output file ending in {', '.join('.' + f for f in PLOT_FORMATS)}, "
            f"got {os.fspath(path)!r}")
    return suffix


def write_uncertainty_plot(evaluation: Evaluation, path: str | os.PathLike[str], *,
                           protect: Sequence[str | os.PathLike[str] | None] = (),
                           **kwargs: Any) -> Path:
    """Draw :func:`plot_uncertainty` and write it to ``path`` atomically.

    Parameters
    ----------
    evaluation : Evaluation
    path : str or PathLike
        The output file; its extension (.png, .svg, .pdf) gives the format.
    protect : sequence of paths
        Input files that must not be overwritten.
    **kwargs
        Passed to :func:`plot_uncertainty`.

    Returns
    -------
    Path
    """
    fmt = plot_format(path)
    refuse_overwrite(path, *protect)
    return write_bytes_atomic(path, render_uncertainty_plot(evaluation, fmt, **kwargs))


# -- the expected utility of each option ----------------------------------------------------------
def _thin(draws: np.ndarray) -> np.ndarray:
    if draws.shape[0] <= MAX_PLOTTED_DRAWS:
        return draws
    index = np.linspace(0, draws.shape[0] - 1, MAX_PLOTTED_DRAWS).round().astype(int)
    return draws[index]


#: The inner interval of the forest: the central 50% (quartiles).
_INNER = (0.25, 0.75)


def _eu_panel(ax: Any, evaluation: Evaluation) -> None:
    ranked = evaluation.ranked()
    rows = [("optimal strategy", evaluation.meu_draws,
             f"EVPI {_number(evaluation.evpi_parameters)}")]
    rows += [(o.id, o.draws, f"P(best) {o.probability_best:.2f}, "
                             f"loss {_number(o.expected_loss)}") for o in ranked]
    y = np.arange(len(rows))[::-1].astype(float)
    for pos, (_, draws, _) in zip(y, rows, strict=True):
        values = np.asarray(draws, dtype=float)
        outer = np.quantile(values, INTERVAL)
        inner = np.quantile(values, _INNER)
        ax.plot(outer, [pos, pos], color="C0", linewidth=1.2, solid_capstyle="butt")
        ax.plot(inner, [pos, pos], color="C0", linewidth=4.0, solid_capstyle="butt")
        ax.plot([values.mean()], [pos], "o", color="white", markeredgecolor="C0",
                markersize=5)
    ax.set_yticks(y, [label for label, _, _ in rows], fontsize=9)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.grid(axis="x", alpha=0.3)
    right = ax.twinx()
    right.set_ylim(ax.get_ylim())
    right.set_yticks(y, [note for _, _, note in rows], fontsize=8)
    right.tick_params(length=0)
    units = f" ({evaluation.units})" if evaluation.units else ""
    low, high = (f"{100 * q:g}" for q in INTERVAL)
    ax.set_title(f"Expected utility across draws: mean (circle), central 50% (thick) and 90% "
                 f"(thin) intervals, the {low}% to {high}% quantiles", fontsize=10)
    ax.set_xlabel(f"expected utility{units}", fontsize=9)


def _number(x: float | None) -> str:
    if x is None or not np.isfinite(x):
        return "n/a"
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"


# -- the parameters the evidence moved ------------------------------------------------------------
class _Moved:
    """One parameter the evidence moved: prior and posterior draws per component."""

    def __init__(self, name: str, components: list[tuple[str, np.ndarray, np.ndarray]],
                 shift: float) -> None:
        self.name = name
        self.components = components
        self.shift = shift


def moved_parameters(posterior: Any, diagram: Any = None) -> list[_Moved]:
    """The parameters the evidence moved (``posterior.summary()``), with their prior and
    posterior draws, largest shift of the mean (in prior standard deviations) first."""
    summary = posterior.summary()
    names = list(dict.fromkeys(row["name"] for row in summary))
    shown = {}  # name -> the states the summary reports (a Beta row: the one it is on)
    for row in summary:
        if row.get("state") is not None:
            shown.setdefault(row["name"], set()).add(str(row["state"]))
    states = _state_labels(diagram)
    slots = {s["name"]: s for s in getattr(posterior, "slots", [])}
    out = []
    for name in names:
        post, prior = posterior.values(name), posterior.values(name, "prior")
        if post is None or prior is None:
            continue
        post, prior = post.reshape(post.shape[0], -1), prior.reshape(prior.shape[0], -1)
        labels = _component_labels(states.get(name) or slots.get(name, {}).get("states"),
                                   post.shape[1])
        shifts = np.abs(post.mean(axis=0) - prior.mean(axis=0)) / np.maximum(
            prior.std(axis=0), 1e-12)
        candidates = [j for j in range(post.shape[1])
                      if name not in shown or labels[j] in shown[name]] or list(range(len(labels)))
        if len(labels) == 2 and len(candidates) == 2:
            candidates = candidates[1:]  # the two states of a two-state row mirror each other
        order = sorted(candidates, key=lambda j: -shifts[j])[:MAX_COMPONENTS]
        keep = sorted(order)
        components = [(labels[j], prior[:, j], post[:, j]) for j in keep]
        out.append(_Moved(name, components, float(shifts.max())))
    out.sort(key=lambda m: -m.shift)
    return out


def _component_labels(states: Sequence[str] | None, k: int) -> list[str]:
    if k == 1:
        return [""]
    if states is not None and len(states) == k:
        return [str(s) for s in states]
    return [str(j) for j in range(k)]


def _state_labels(diagram: Any) -> dict[str, tuple[str, ...]]:
    """Slot name -> states of its probability row, when the diagram is known."""
    if diagram is None:
        return {}
    try:
        from ..bayes.draws import uncertain_slots

        return {s.name: diagram.node(s.node).states for s in uncertain_slots(diagram)
                if s.kind == "probability"}
    except (ImportError, AttributeError):
        return {}


def _wrapped_name(name: str, width: int = 48) -> str:
    """A slot name on at most a few lines: ``p[node|a=x,b=y]`` breaks after '|' and ','."""
    if len(name) <= width:
        return name
    lines, current = [], ""
    for piece in name.replace("|", "|\n").replace(",", ",\n").split("\n"):
        if current and len(current) + len(piece) > width:
            lines.append(current)
            current = ""
        current += piece
    lines.append(current)
    return "\n".join(lines)


def density(values: np.ndarray, points: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """A Gaussian kernel density estimate of ``values`` on a grid (bandwidth by Scott's rule),
    binned: the histogram on the grid convolved with the kernel. Returns ``(grid, density)``;
    constant values give a spike."""
    values = np.asarray(values, dtype=float)
    low, high = float(values.min()), float(values.max())
    sd = float(values.std())
    if not high > low or sd == 0:
        return np.array([low, low]), np.array([0.0, 1.0])
    width = 1.06 * sd * values.size ** -0.2
    grid = np.linspace(low - 3 * width, high + 3 * width, points)
    step = grid[1] - grid[0]
    counts, _ = np.histogram(values, bins=points, range=(grid[0] - step / 2,
                                                          grid[-1] + step / 2))
    reach = min(points // 2 - 1, int(np.ceil(4 * width / step)))
    offsets = np.arange(-reach, reach + 1) * step
    kernel = np.exp(-0.5 * (offsets / width) ** 2)
    smooth = np.convolve(counts, kernel, mode="same")
    return grid, smooth / (smooth.sum() * step)


def _shift_panel(ax: Any, param: _Moved) -> None:
    for j, (label, prior, post) in enumerate(param.components):
        color = f"C{j % 10}"
        suffix = f" {label}" if label else ""
        ax.plot(*density(_thin(prior)), color=color, linestyle="--", linewidth=1.2,
                label=f"prior{suffix}")
        ax.plot(*density(_thin(post)), color=color, linewidth=1.8, label=f"posterior{suffix}")
    ax.set_title(_wrapped_name(param.name), fontsize=9)
    ax.tick_params(labelsize=8)
    ax.set_yticks([])
    ax.legend(fontsize=7, frameon=False)
