"""A small SVG writer for the charts of the HTML report: shapes, text, linear scales and tick
values. No plotting library: the report is one self-contained HTML file, and its charts are
inline SVG that any browser shows and prints.

Coordinates are in SVG user units; a :class:`Canvas` gets a ``viewBox`` and scales to the width
of the page (CSS ``width: 100%``), so sizes here are relative.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape

__all__ = ["Canvas", "Scale", "nice_ticks", "tick_label", "wrap_label", "text_width",
           "axis_label", "axis_height", "PALETTE", "FONT_SIZE"]

#: Colours of series, distinguishable in colour-blind vision (Okabe and Ito), darkest first.
PALETTE = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000")

#: The font size of chart text, in user units.
FONT_SIZE = 11.0


def _n(x: float) -> str:
    """A coordinate: two decimals, no trailing zeros."""
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """An estimate of the width of ``text`` in a sans-serif font (no font metrics are at hand:
    0.58 of the size per character is a little wide for most fonts, so text fits)."""
    return 0.58 * size * len(text)


def wrap_label(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` characters, broken after ``[``, ``,`` or a space
    where possible (parameter names such as ``payoff[drill=yes,oil=dry]`` break well there),
    else anywhere."""
    lines: list[str] = []
    rest = text
    while len(rest) > width:
        cut = max(rest.rfind(c, 1, width) for c in "[, ")
        cut = width if cut <= 0 else cut + 1
        lines.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    lines.append(rest)
    return lines


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About ``count`` round tick values (steps of 1, 2 or 5 times a power of ten) covering
    ``[low, high]``: the first at or below ``low``, the last at or above ``high``."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return [0.0, 1.0]
    if high < low:
        low, high = high, low
    if high == low:
        pad = abs(low) * 0.1 or 1.0
        low, high = low - pad, high + pad
    raw = (high - low) / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw * 0.999)
    first = math.floor(low / step + 1e-9) * step
    last = math.ceil(high / step - 1e-9) * step
    first -= step if first > low else 0.0  # rounding cut the range: one step more
    last += step if last < high else 0.0
    n = int(round((last - first) / step))
    return [_clean(first + i * step, step) for i in range(n + 1)]


def _clean(x: float, step: float) -> float:
    digits = max(0, -math.floor(math.log10(step)) + 2)
    value = round(x, digits)
    return 0.0 if value == 0 else value


def tick_label(x: float) -> str:
    """A tick value: integers without decimals, thousands with a thin space, small values
    with their significant digits."""
    if x == int(x) and abs(x) < 1e15:
        return f"{int(x):,}".replace(",", "\u2009").replace("-", "\u2212")
    return f"{x:.6g}".replace("-", "\u2212")


def axis_label(text: str, width: float) -> list[str]:
    """The lines of an axis label that fit ``width`` user units."""
    return wrap_label(text, max(10, int(width / text_width("x"))))


def axis_height(lines: Sequence[str]) -> float:
    """The height under an axis taken by its tick labels and the lines of its label."""
    return 2 * FONT_SIZE + 14 + 1.2 * FONT_SIZE * max(len(lines) - 1, 0)


@dataclass(frozen=True)
class Scale:
    """A linear map from data values ``[low, high]`` to positions ``[start, end]``."""

    low: float
    high: float
    start: float
    end: float

    def __call__(self, x: float) -> float:
        span = self.high - self.low
        t = 0.5 if span == 0 else (x - self.low) / span
        return self.start + t * (self.end - self.start)


class Canvas:
    """An SVG drawing built element by element; :meth:`render` returns the markup.

    Parameters
    ----------
    width, height : float
        The size of the ``viewBox``.
    title : str
        The accessible name of the chart (its ``<title>`` and ``aria-label``).
    css_class : str
        The class of the ``<svg>`` element.
    """

    def __init__(self, width: float, height: float, title: str,
                 css_class: str = "chart") -> None:
        self.width = width
        self.height = height
        self.title = title
        self.css_class = css_class
        self._parts: list[str] = []

    @staticmethod
    def _attrs(attrs: dict[str, object]) -> str:
        out = []
        for key, value in attrs.items():
            if value is None:
                continue
            name = key.rstrip("_").replace("_", "-")
            text = _n(value) if isinstance(value, float) else str(value)
            out.append(f' {name}="{escape(text, quote=True)}"')
        return "".join(out)

    def add(self, tag: str, content: str | None = None, **attrs: object) -> None:
        """Append an element; ``content`` is escaped text (None: an empty element)."""
        if content is None:
            self._parts.append(f"<{tag}{self._attrs(attrs)}/>")
        else:
            self._parts.append(f"<{tag}{self._attrs(attrs)}>{escape(content)}</{tag}>")

    def line(self, x1: float, y1: float, x2: float, y2: float, **attrs: object) -> None:
        self.add("line", x1=float(x1), y1=float(y1), x2=float(x2), y2=float(y2), **attrs)

    def rect(self, x: float, y: float, width: float, height: float, **attrs: object) -> None:
        """A rectangle; a negative width or height is drawn from the other side."""
        if width < 0:
            x, width = x + width, -width
        if height < 0:
            y, height = y + height, -height
        self.add("rect", x=float(x), y=float(y), width=float(max(width, 0.0)),
                 height=float(max(height, 0.0)), **attrs)

    def polyline(self, points: Iterable[tuple[float, float]], **attrs: object) -> None:
        text = " ".join(f"{_n(x)},{_n(y)}" for x, y in points)
        self.add("polyline", points=text, fill="none", **attrs)

    def text(self, x: float, y: float, content: str, *, anchor: str = "start",
             size: float = FONT_SIZE, **attrs: object) -> None:
        self.add("text", content, x=float(x), y=float(y), text_anchor=anchor,
                 font_size=float(size), **attrs)

    def lines_of_text(self, x: float, y: float, lines: Sequence[str], *, anchor: str = "end",
                      size: float = FONT_SIZE, leading: float = 1.2, **attrs: object) -> None:
        """Several lines, the first with its baseline at ``y``."""
        spans = "".join(f'<tspan x="{_n(x)}" dy="{_n(0 if i == 0 else size * leading)}">'
                        f"{escape(line)}</tspan>" for i, line in enumerate(lines))
        self._parts.append(f'<text{self._attrs({"x": float(x), "y": float(y)})}'
                           f'{self._attrs({"text_anchor": anchor, "font_size": float(size)})}'
                           f"{self._attrs(attrs)}>{spans}</text>")

    def x_axis(self, scale: Scale, ticks: Sequence[float], y: float, top: float,
               label: Sequence[str] = ()) -> None:
        """Tick labels under ``y``, light grid lines up to ``top``, and the lines of a label
        under them (see :func:`axis_label`)."""
        for t in ticks:
            x = scale(t)
            self.line(x, top, x, y, class_="grid")
            self.text(x, y + FONT_SIZE + 3, tick_label(t), anchor="middle", class_="tick")
        if label:
            self.lines_of_text((scale.start + scale.end) / 2, y + 2 * FONT_SIZE + 8, label,
                               anchor="middle", class_="axis-label")

    def render(self) -> str:
        """The ``<svg>`` element: scalable (a ``viewBox``), with a title for screen readers."""
        head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="{escape(self.css_class)}" '
                f'viewBox="0 0 {_n(self.width)} {_n(self.height)}" role="img" '
                f'aria-label="{escape(self.title, quote=True)}" '
                f'preserveAspectRatio="xMinYMin meet">')
        return head + f"<title>{escape(self.title)}</title>" + "".join(self._parts) + "</svg>"
