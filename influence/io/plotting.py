"""Figures of an evaluation under parameter uncertainty.

:func:`plot_uncertainty` draws one figure with two parts:

- the expected utility of the optimal (Bayes) strategy and of every option across the draws,
  an ArviZ forest plot (mean, 50% and 90% highest-density intervals), options ranked by their
  mean, each annotated with its probability of being best and its expected loss;
- with a posterior, one panel per parameter the evidence moved: its prior density (dashed)
  and its posterior density (solid), each state of a probability row in its own colour.

:func:`write_uncertainty_plot` renders it to PNG, SVG or PDF and writes the file atomically.
matplotlib and ArviZ are imported only when a figure is made; the figure is rendered with the
Agg canvas whatever backend pyplot may be using, and pyplot's state is left alone.
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
from ..solve.results import Evaluation

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["plot_uncertainty", "write_uncertainty_plot", "render_uncertainty_plot",
           "moved_parameters", "PLOT_FORMATS"]

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
    with warnings.catch_warnings():  # ArviZ's own deprecation notices, not the user's concern
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


def _eu_panel(ax: Any, evaluation: Evaluation) -> None:
    import arviz as az

    ranked = evaluation.ranked()
    labels = ["optimal strategy"] + [o.id for o in ranked]
    data = {"optimal strategy": _thin(evaluation.meu_draws)[None, :]}
    for o in ranked:
        data[o.id] = _thin(o.draws)[None, :]
    az.plot_forest(data, var_names=labels, combined=True, hdi_prob=0.9, quartiles=True,
                   ax=ax, colors="C0", textsize=9)
    notes = {"optimal strategy": f"EVPI {_number(evaluation.evpi_parameters)}"}
    for o in ranked:
        notes[o.id] = (f"P(best) {o.probability_best:.2f}, "
                       f"loss {_number(o.expected_loss)}")
    ticks = list(ax.get_yticks())
    texts = [notes.get(label.get_text(), "") for label in ax.get_yticklabels()]
    right = ax.twinx()
    right.set_ylim(ax.get_ylim())
    right.set_yticks(ticks, texts, fontsize=8)
    right.tick_params(length=0)
    units = f" ({evaluation.units})" if evaluation.units else ""
    ax.set_title("Expected utility across draws: mean, 50% and 90% HDI", fontsize=10)
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
    idata = posterior.idata
    summary = posterior.summary()
    names = list(dict.fromkeys(row["name"] for row in summary))
    shown = {}  # name -> the states the summary reports (a Beta row: the one it is on)
    for row in summary:
        if row.get("state") is not None:
            shown.setdefault(row["name"], set()).add(str(row["state"]))
    states = _state_labels(diagram)
    out = []
    for name in names:
        if name not in idata.posterior or "prior" not in idata.groups() \
                or name not in idata.prior:
            continue
        post = _flat(idata.posterior[name])
        prior = _flat(idata.prior[name])
        labels = _component_labels(idata.posterior[name], states.get(name), post.shape[1])
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


def _flat(array: Any) -> np.ndarray:
    """(chain, draw, *rest) -> (draws, components)."""
    values = np.asarray(array.values, dtype=float)
    return values.reshape(values.shape[0] * values.shape[1], -1)


def _component_labels(array: Any, states: tuple[str, ...] | None, k: int) -> list[str]:
    if k == 1:
        return [""]
    if states is not None and len(states) == k:
        return list(states)
    extra = [d for d in array.dims if d not in ("chain", "draw")]
    if len(extra) == 1 and extra[0] in array.coords:
        return [str(v) for v in array.coords[extra[0]].values]
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


def _shift_panel(ax: Any, param: _Moved) -> None:
    import arviz as az

    for j, (label, prior, post) in enumerate(param.components):
        color = f"C{j % 10}"
        suffix = f" {label}" if label else ""
        az.plot_dist(_thin(prior), ax=ax, color=color, label=f"prior{suffix}",
                     plot_kwargs={"linestyle": "--", "linewidth": 1.2})
        az.plot_dist(_thin(post), ax=ax, color=color, label=f"posterior{suffix}",
                     plot_kwargs={"linewidth": 1.8})
    ax.set_title(_wrapped_name(param.name), fontsize=9)
    ax.tick_params(labelsize=8)
    ax.set_yticks([])
    ax.legend(fontsize=7, frameon=False)
