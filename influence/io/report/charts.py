"""The charts of the HTML report, drawn with :mod:`influence.io.report.svg` from the plain data
of the results (the numbers the report's tables show and its JSON block holds).

- :func:`tornado_chart`: one-way sensitivity, a bar per parameter from the maximum expected
  utility at its low end to that at its high end.
- :func:`distribution_chart`: under parameter uncertainty, the distribution over the draws of
  each option's expected utility (a histogram, its 90% interval and its mean).
- :func:`risk_profile_chart`: the cumulative distribution of the total utility under each
  option, exactly (point evaluations).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..text import format_number
from .svg import (
    FONT_SIZE,
    PALETTE,
    Canvas,
    Scale,
    axis_height,
    axis_label,
    nice_ticks,
    text_width,
    wrap_label,
)

__all__ = ["tornado_chart", "distribution_chart", "risk_profile_chart", "WIDTH"]

#: The width of every chart's viewBox (the page scales it).
WIDTH = 760.0
_LABEL_CHARS = 38
_LEFT = 16 + text_width("x" * _LABEL_CHARS) + 10
_RIGHT = WIDTH - 24
_LEADING = FONT_SIZE * 1.2
_BINS = 36
#: The share of draws at each end of each option left beyond the axis of the distributions.
_TAIL = 0.005


def _row_heights(labels: Sequence[list[str]], least: float) -> list[float]:
    return [max(least, len(lines) * _LEADING + 8) for lines in labels]


def _legend(canvas: Canvas, y: float, entries: Sequence[tuple[str, str]], x: float) -> None:
    """Colour swatches with their text, in a row from ``x``."""
    for colour, text in entries:
        canvas.rect(x, y - 9, 12, 10, fill=colour)
        canvas.text(x + 16, y, text, class_="legend")
        x += 16 + text_width(text) + 18


def _axis(what: str, units: str | None, start: float) -> list[str]:
    return axis_label(what + (f" ({units})" if units else ""), _RIGHT - start)


def _domain(values: Sequence[float]) -> tuple[float, float, list[float]]:
    finite = [v for v in values if v is not None and np.isfinite(v)]
    low, high = (min(finite), max(finite)) if finite else (0.0, 1.0)
    ticks = nice_ticks(low, high)
    return ticks[0], ticks[-1], ticks


def tornado_chart(parameters: Sequence[Mapping[str, Any]], base: float, base_best: str,
                  units: str | None = None) -> str:
    """One-way sensitivity as a tornado: each parameter (``id``, ``eu_low``, ``eu_high``,
    ``best_low``, ``best_high``, as in :meth:`SensitivityResult.to_dict`) a bar from ``base``
    (the maximum expected utility at the model's values) to the maximum expected utility with
    the parameter at the low end of its range, and another to the high end. A star marks an end
    where the best option is not ``base_best``."""
    labels = [wrap_label(p["id"], _LABEL_CHARS) for p in parameters]
    heights = _row_heights(labels, 22.0)
    axis = _axis("maximum expected utility", units, _LEFT)
    top, bottom = 40.0, axis_height(axis) + 6
    canvas = Canvas(WIDTH, top + sum(heights) + bottom, "Tornado: the maximum expected utility "
                    "with each parameter at the ends of its range", "chart tornado")
    low, high, ticks = _domain([base] + [p[k] for p in parameters for k in ("eu_low",
                                                                             "eu_high")])
    scale = Scale(low, high, _LEFT, _RIGHT)
    axis_y = top + sum(heights) + 4
    canvas.x_axis(scale, ticks, axis_y, top - 6, axis)
    _legend(canvas, 14, [(PALETTE[1], "parameter at its low end"),
                         (PALETTE[0], "at its high end")], _LEFT)
    canvas.text(_RIGHT, 14, "* the best option changes", anchor="end", class_="legend")
    y = top
    for p, lines, h in zip(parameters, labels, heights, strict=True):
        middle = y + h / 2
        canvas.lines_of_text(_LEFT - 8, middle + 4 - (len(lines) - 1) * _LEADING / 2, lines,
                             class_="row-label")
        for key, best, colour in (("eu_low", "best_low", PALETTE[1]),
                                  ("eu_high", "best_high", PALETTE[0])):
            end = scale(p[key])
            canvas.rect(scale(base), middle - 6, end - scale(base), 12, fill=colour,
                        fill_opacity="0.85")
            if p[best] != base_best:
                right = end >= scale(base)
                canvas.text(end + (3 if right else -3), middle + 4, "*",
                            anchor="start" if right else "end", class_="star")
        y += h
    canvas.line(scale(base), top - 6, scale(base), axis_y, class_="base")
    canvas.text(scale(base), top - 9, f"at the model's values: {format_number(base)}",
                anchor="middle", class_="base-label")
    return canvas.render()


def _histogram(draws: np.ndarray, low: float, high: float) -> np.ndarray:
    counts, _ = np.histogram(draws, bins=_BINS, range=(low, high))
    return counts / max(counts.max(), 1)


def distribution_chart(options: Sequence[Mapping[str, Any]], draws: Sequence[np.ndarray],
                       units: str | None = None) -> str:
    """The distribution over the draws of each option's expected utility, on one axis: a
    histogram of the draws, the central 90% interval (a line under it) and the mean (a dot).
    ``options`` are the plain data of the options (``label``, ``expected_utility``,
    ``interval_90``), ``draws`` their expected utility in each draw, in the same order. The
    axis spans the draws but the 0.5% at each end of each option (one far draw would otherwise
    squeeze every histogram)."""
    labels = [wrap_label(o["label"], _LABEL_CHARS) for o in options]
    heights = _row_heights(labels, 30.0)
    axis = _axis("expected utility", units, _LEFT)
    top, bottom = 28.0, axis_height(axis) + 6
    canvas = Canvas(WIDTH, top + sum(heights) + bottom, "The expected utility of each option "
                    "over the parameter draws", "chart distributions")
    ends = [np.quantile(np.asarray(d, dtype=float), [_TAIL, 1 - _TAIL]) for d in draws]
    marks = [v for o in options for v in (o.get("interval_90") or [o["expected_utility"]])]
    low, high, ticks = _domain([float(e) for pair in ends for e in pair] + marks)
    scale = Scale(low, high, _LEFT, _RIGHT)
    axis_y = top + sum(heights) + 4
    canvas.x_axis(scale, ticks, axis_y, top - 6, axis)
    _legend(canvas, 14, [(PALETTE[5], "draws"), (PALETTE[0], "90% interval and mean")], _LEFT)
    step = (scale.end - scale.start) / _BINS
    y = top
    for option, values, lines, h in zip(options, draws, labels, heights, strict=True):
        base_y = y + h - 9
        canvas.lines_of_text(_LEFT - 8, y + h / 2 + 4 - (len(lines) - 1) * _LEADING / 2, lines,
                             class_="row-label")
        shape = _histogram(np.asarray(values, dtype=float), low, high)
        points = [(scale.start, base_y)]
        for i, f in enumerate(shape):
            top_y = base_y - f * (h - 14)
            points += [(scale.start + i * step, top_y), (scale.start + (i + 1) * step, top_y)]
        points.append((scale.end, base_y))
        canvas.add("polygon", points=" ".join(f"{x:.2f},{v:.2f}" for x, v in points),
                   fill=PALETTE[5], fill_opacity="0.55", stroke="none")
        lo, hi = option.get("interval_90") or (option["expected_utility"],) * 2
        canvas.line(scale(lo), base_y + 4, scale(hi), base_y + 4, stroke=PALETTE[0],
                    stroke_width="2.5")
        canvas.add("circle", cx=scale(option["expected_utility"]), cy=base_y + 4, r="3.5",
                   fill=PALETTE[0])
        y += h
    return canvas.render()


def _steps(profile: Sequence[Sequence[float]], low: float, high: float
           ) -> list[tuple[float, float]]:
    """The cumulative distribution of ``(value, probability)`` pairs as the corners of a step
    line from ``low`` (probability 0) to ``high`` (probability 1)."""
    points = [(low, 0.0)]
    total = 0.0
    for value, probability in profile:
        points.append((value, total))
        total += probability
        points.append((value, total))
    points.append((high, total))
    return points


def risk_profile_chart(series: Sequence[tuple[str, Sequence[Sequence[float]]]],
                       units: str | None = None) -> str:
    """Cumulative risk profiles: for each option (its label and its exact distribution of the
    total utility, ``(value, probability)`` pairs in increasing order of value) the probability
    that the total utility is at most ``u``, as ``u`` grows. Further right is better; a curve
    wholly below and right of another dominates it stochastically."""
    legend = [wrap_label(label, 100)[0] + ("\u2026" if len(label) > 100 else "")
              for label, _ in series]
    plot_top, plot_height = 16.0, 220.0
    left = 60.0
    axis = _axis("total utility", units, left)
    axis_y = plot_top + plot_height
    legend_y = axis_y + axis_height(axis) + 14
    height = legend_y + len(series) * (_LEADING + 4)
    canvas = Canvas(WIDTH, height, "Cumulative risk profiles: the probability that the total "
                    "utility is at most each value", "chart risk-profiles")
    values = [v for _, profile in series for v, _ in profile]
    low, high, ticks = _domain(values)
    scale = Scale(low, high, left, _RIGHT)
    y_scale = Scale(0.0, 1.0, axis_y, plot_top)
    canvas.x_axis(scale, ticks, axis_y, plot_top, axis)
    for p in (0.0, 0.25, 0.5, 0.75, 1.0):
        canvas.line(left, y_scale(p), _RIGHT, y_scale(p), class_="grid")
        canvas.text(left - 6, y_scale(p) + 4, f"{p:g}", anchor="end", class_="tick")
    canvas.lines_of_text(14, plot_top + plot_height / 2, ["P(U \u2264 u)"], anchor="middle",
                         class_="axis-label",
                         transform=f"rotate(-90 14 {plot_top + plot_height / 2:.1f})")
    y = legend_y
    for i, ((_, profile), text) in enumerate(zip(series, legend, strict=True)):
        colour = PALETTE[i % len(PALETTE)]
        dash = None if i < len(PALETTE) else "5 3"
        canvas.polyline([(scale(x), y_scale(p)) for x, p in _steps(profile, low, high)],
                        stroke=colour, stroke_width="2", stroke_dasharray=dash,
                        stroke_linejoin="round", class_="series")
        canvas.line(left, y - 4, left + 22, y - 4, stroke=colour, stroke_width="2.5",
                    stroke_dasharray=dash)
        canvas.text(left + 28, y, text, class_="legend")
        y += _LEADING + 4
    return canvas.render()
