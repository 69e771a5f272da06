"""Drawing a diagram without Graphviz: the pure-Python layout of :mod:`influence.io.layout`,
drawn with matplotlib.

The conventions are those of the Graphviz drawing (:mod:`influence.io.drawing`): decisions as
rectangles, chance nodes as ellipses, utility nodes as diamonds, information arcs dashed,
conditional and functional arcs solid; the layout runs left to right with the decisions in the
order they are taken and the utility nodes in the last column; each node shows its label (in
bold, wrapped), its name when the label differs, and its states (or its unit). A legend and the
model's title frame the drawing.

matplotlib is imported only when a drawing is made; the figure is rendered without pyplot, so
pyplot's state and backend are left alone. Output is deterministic: the same diagram gives the
same bytes (no dates in the files, fixed SVG ids). In SVG every node is a group ``<g
class="node decision">`` with a ``<title>`` (its name, which browsers show as a tooltip) and a
``<desc>`` (its description), every arc a group ``<g class="edge information-arc">`` with the
title ``tail->head``; the text stays text (selectable, searchable).
"""

from __future__ import annotations

import html
import io
import math
import re
import textwrap
from functools import lru_cache
from typing import Any

from ..model.diagram import Diagram, Node
from .layout import Layout, layered_layout

__all__ = ["FIGURE_FORMATS", "render_figure", "svg_element", "node_lines"]

#: Formats :func:`render_figure` writes.
FIGURE_FORMATS = ("svg", "png", "pdf")

FONT = "DejaVu Sans"  # shipped with matplotlib: no system font needed
TITLE_SIZE, LABEL_SIZE, SMALL_SIZE = 13.0, 9.0, 7.5
LINE = 1.25  # line height, in font sizes
LABEL_WRAP, DETAIL_WRAP = 22, 30
MAX_STATES_SHOWN = 8
PNG_DPI = 96
MARGIN = 14.0

STYLE = {
    "decision": {"face": "#dbe9f6", "edge": "#2b5d8a"},
    "chance": {"face": "#fdf3d0", "edge": "#8a6d1d"},
    "utility": {"face": "#dcefd9", "edge": "#3b7a32"},
}
ARC = {"information": {"color": "#2b5d8a", "dashes": (0, (4.0, 2.5))},
       "conditional": {"color": "#555555", "dashes": "solid"},
       "functional": {"color": "#555555", "dashes": "solid"}}
ARC_KIND = {"decision": "information", "chance": "conditional", "utility": "functional"}


def node_lines(node: Node) -> list[tuple[str, str]]:
    """The text of a node's box, as (style, line) pairs: ``"label"`` lines (the label,
    wrapped), a ``"name"`` line when the label differs from the name, ``"detail"`` lines (the
    states, or the unit and weight of a utility node)."""
    wide = 6 if node.kind == "utility" else 0  # a diamond is roomier in the middle
    out = [("label", line) for line in textwrap.wrap(node.display_name, LABEL_WRAP + wide,
                                                    break_on_hyphens=False)]
    if node.label and node.label != node.name:
        out.append(("name", node.name))
    if node.kind == "utility":
        detail = node.unit or ""
        if node.weight != 1:
            detail = (detail + " " if detail else "") + f"\u00d7 {node.weight:g}"
    else:
        shown = list(node.states[:MAX_STATES_SHOWN])
        if len(node.states) > MAX_STATES_SHOWN:
            shown.append(f"\u2026 ({len(node.states)} states)")
        detail = " | ".join(shown)
    out += [("detail", line) for line in textwrap.wrap(detail, DETAIL_WRAP + wide,
                                                      break_on_hyphens=False)]
    return out


_TEXT = {"label": (LABEL_SIZE, "bold", "#111111"), "name": (SMALL_SIZE, "normal", "#555555"),
         "detail": (SMALL_SIZE, "normal", "#222222")}


@lru_cache(maxsize=4096)
def _text_width(text: str, size: float, weight: str) -> float:
    """The width of a line of text, in points."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    prop = FontProperties(family=FONT, size=size, weight=weight)
    width, _, _ = TextToPath().get_text_width_height_descent(text, prop, ismath=False)
    return float(width)


def _text_block(lines: list[tuple[str, str]]) -> tuple[float, float]:
    width = max((_text_width(t, *_TEXT[s][:2]) for s, t in lines), default=0.0)
    height = sum(_TEXT[s][0] * LINE for s, _ in lines)
    return width, height


def _shape_size(kind: str, width: float, height: float) -> tuple[float, float]:
    """The size of the shape around a block of text."""
    if kind == "decision":
        return width + 16, height + 10
    if kind == "chance":  # the ellipse through the corners of the padded text block
        return (width + 8) * math.sqrt(2), (height + 4) * math.sqrt(2)
    # the smallest diamond holding the padded block: (w/2)/A + (h/2)/B = 1 at A/B = w/h
    return 2 * (width + 6), 2 * (height + 2)


def _boundary(kind: str, centre: tuple[float, float], size: tuple[float, float],
              toward: tuple[float, float]) -> tuple[tuple[float, float], tuple[float, float]]:
    """Where the ray from the centre of a shape towards a point leaves the shape, and the
    unit direction of the ray."""
    cx, cy = centre
    dx, dy = toward[0] - cx, toward[1] - cy
    norm = math.hypot(dx, dy) or 1.0
    ux, uy = dx / norm, dy / norm
    a, b = size[0] / 2, size[1] / 2
    if kind == "decision":
        t = min(a / abs(ux) if ux else math.inf, b / abs(uy) if uy else math.inf)
    elif kind == "chance":
        t = 1.0 / math.sqrt((ux / a) ** 2 + (uy / b) ** 2)
    else:
        t = 1.0 / (abs(ux) / a + abs(uy) / b)
    return (cx + ux * t, cy + uy * t), (ux, uy)


class _Measured:
    """Every node's lines and shape size, and the layout."""

    def __init__(self, diagram: Diagram) -> None:
        self.diagram = diagram
        self.lines = {n.name: node_lines(n) for n in diagram.nodes}
        self.sizes = {n.name: _shape_size(n.kind, *_text_block(self.lines[n.name]))
                      for n in diagram.nodes}
        arcs = [(p, n.name) for n in diagram.nodes for p in n.parents]
        decisions = [d.name for d in diagram.decisions]
        self.layout: Layout = layered_layout(
            diagram.names, self.sizes, arcs,
            order=list(zip(decisions, decisions[1:], strict=False)), pinned=decisions,
            sink=[u.name for u in diagram.utilities])


@lru_cache(maxsize=1)
def _group_class() -> type:
    """A matplotlib artist drawing its children inside one SVG group (``<g id=...>``)."""
    from matplotlib.artist import Artist

    class Group(Artist):
        def __init__(self, gid: str, children: list[Any]) -> None:
            super().__init__()
            self.set_gid(gid)
            self.children = children

        def draw(self, renderer: Any) -> None:
            renderer.open_group("g", gid=self.get_gid())
            for child in self.children:
                child.draw(renderer)
            renderer.close_group("g")

    return Group


def _group(gid: str, children: list[Any]) -> Any:
    return _group_class()(gid, children)


def _arrow_path(points: list[tuple[float, float]], start_dir: tuple[float, float],
                end_dir: tuple[float, float]) -> tuple[list, list]:
    """A smooth cubic path through ``points``: leaving the first along ``start_dir``,
    reaching the last against ``end_dir``, horizontal in between."""
    from matplotlib.path import Path

    verts = [points[0]]
    codes = [Path.MOVETO]
    for k in range(1, len(points)):
        (x0, y0), (x1, y1) = points[k - 1], points[k]
        reach = max(abs(x1 - x0) * 0.5, 12.0)
        if k == 1:
            c0 = (x0 + start_dir[0] * reach, y0 + start_dir[1] * reach)
        else:
            c0 = (x0 + reach, y0)
        if k == len(points) - 1:
            c1 = (x1 + end_dir[0] * reach, y1 + end_dir[1] * reach)
        else:
            c1 = (x1 - reach, y1)
        verts += [c0, c1, (x1, y1)]
        codes += [Path.CURVE4] * 3
    return verts, codes


def _towards(ray: tuple[float, float], side: float) -> tuple[float, float]:
    """A direction between ``ray`` and the horizontal (rightwards for ``side`` 1, leftwards
    for -1): arcs leave and enter boxes mostly sideways, as the columns run."""
    x, y = ray[0] + 1.5 * side, ray[1]
    norm = math.hypot(x, y) or 1.0
    return x / norm, y / norm


def _edge_artists(tail: Node, head: Node, measured: _Measured) -> list[Any]:
    from matplotlib.patches import PathPatch, Polygon
    from matplotlib.path import Path

    layout = measured.layout
    route = layout.routes[(tail.name, head.name)]
    a, b = layout.centres[tail.name], layout.centres[head.name]
    first = route[0] if route else b
    last = route[-1] if route else a
    start, ray = _boundary(tail.kind, a, measured.sizes[tail.name], first)
    sdir = _towards(ray, 1.0)
    end, edir = _boundary(head.kind, b, measured.sizes[head.name], last)
    length, half = 7.0, 3.0
    base = (end[0] + edir[0] * length, end[1] + edir[1] * length)
    verts, codes = _arrow_path([start, *route, base], sdir, _towards(edir, -1.0))
    style = ARC[ARC_KIND[head.kind]]
    line = PathPatch(Path(verts, codes), fill=False, edgecolor=style["color"], linewidth=0.9,
                     linestyle=style["dashes"], capstyle="butt")
    px, py = -edir[1], edir[0]
    head_patch = Polygon([end, (base[0] + px * half, base[1] + py * half),
                          (base[0] - px * half, base[1] - py * half)], closed=True,
                         facecolor=style["color"], edgecolor=style["color"], linewidth=0.5)
    return [line, head_patch]


def _shape(kind: str, centre: tuple[float, float], size: tuple[float, float]) -> Any:
    from matplotlib.patches import Ellipse, FancyBboxPatch, Polygon

    style = STYLE[kind]
    common = dict(facecolor=style["face"], edgecolor=style["edge"], linewidth=1.0)
    (cx, cy), (w, h) = centre, size
    if kind == "decision":
        return FancyBboxPatch((cx - w / 2, cy - h / 2), w, h,
                              boxstyle="round,pad=0,rounding_size=2", **common)
    if kind == "chance":
        return Ellipse(centre, w, h, **common)
    return Polygon([(cx - w / 2, cy), (cx, cy - h / 2), (cx + w / 2, cy), (cx, cy + h / 2)],
                   closed=True, **common)


def _texts(lines: list[tuple[str, str]], centre: tuple[float, float]) -> list[Any]:
    from matplotlib.text import Text

    height = sum(_TEXT[s][0] * LINE for s, _ in lines)
    y = centre[1] - height / 2
    out = []
    for style, line in lines:
        size, weight, colour = _TEXT[style]
        y += size * LINE / 2
        out.append(Text(centre[0], y, line, fontsize=size, fontweight=weight, color=colour,
                        family=FONT, ha="center", va="center_baseline"))
        y += size * LINE / 2
    return out


def _legend(x: float, y: float) -> tuple[list[Any], float]:
    """The legend, one row from (x, y) (the row's vertical centre): a shape of each kind and
    the two arc styles; returns the artists and the row's width."""
    from matplotlib.text import Text

    out: list[Any] = []
    for kind in ("chance", "decision", "utility"):
        w, h = {"chance": (40, 18), "decision": (44, 16), "utility": (44, 20)}[kind]
        out.append(_shape(kind, (x + w / 2, y), (w, h)))
        out.append(Text(x + w / 2, y, kind, fontsize=SMALL_SIZE, family=FONT, ha="center",
                        va="center_baseline", color="#222222"))
        x += w + 10
    for kind, text in (("information", "information arc (what a decision knows)"),
                       ("conditional", "conditional or functional arc")):
        from matplotlib.patches import FancyArrowPatch

        style = ARC[kind]
        out.append(FancyArrowPatch((x, y), (x + 34, y), arrowstyle="-|>", mutation_scale=8,
                                   color=style["color"], linestyle=style["dashes"],
                                   linewidth=0.9, shrinkA=0, shrinkB=0))
        label = Text(x + 40, y, text, fontsize=SMALL_SIZE, family=FONT, ha="left",
                     va="center_baseline", color="#222222")
        out.append(label)
        x += 40 + _text_width(text, SMALL_SIZE, "normal") + 14
    return out, x


def figure(diagram: Diagram, *, legend: bool = True) -> Any:
    """The drawing of ``diagram`` as a matplotlib :class:`~matplotlib.figure.Figure` (on the
    Agg canvas), one point per unit."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    measured = _Measured(diagram)
    layout = measured.layout
    title = diagram.title or diagram.name
    top = MARGIN + TITLE_SIZE * 1.8
    legend_height = 34.0 if legend else 0.0
    width = max(layout.width, _text_width(title, TITLE_SIZE, "normal"),
                560.0 if legend else 0.0) + 2 * MARGIN
    height = top + layout.height + legend_height + 2 * MARGIN
    fig = Figure(figsize=(width / 72, height / 72), dpi=72)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.axis("off")
    shift_x = MARGIN + (width - 2 * MARGIN - layout.width) / 2

    def at(point: tuple[float, float]) -> tuple[float, float]:
        return point[0] + shift_x, point[1] + top

    moved = Layout(centres={n: at(c) for n, c in layout.centres.items()},
                   routes={k: [at(p) for p in v] for k, v in layout.routes.items()},
                   columns=layout.columns, width=layout.width, height=layout.height)
    measured.layout = moved
    groups = []
    for k, (tail, head) in enumerate((p, n.name) for n in diagram.nodes for p in n.parents):
        artists = _edge_artists(diagram.node(tail), diagram.node(head), measured)
        groups.append(_group(f"influence-edge-{k}", artists))
    for k, node in enumerate(diagram.nodes):
        centre = moved.centres[node.name]
        artists = [_shape(node.kind, centre, measured.sizes[node.name])]
        artists += _texts(measured.lines[node.name], centre)
        groups.append(_group(f"influence-node-{k}", artists))
    groups.append(Text(width / 2, MARGIN + TITLE_SIZE * 0.6, title, fontsize=TITLE_SIZE,
                       family=FONT, ha="center", va="center_baseline", color="#111111"))
    if legend:
        artists, _ = _legend(MARGIN, height - MARGIN - legend_height / 2)
        groups.append(_group("influence-legend", artists))
    for artist in groups:
        _attach(artist, ax)
    return fig


def _attach(artist: Any, ax: Any) -> None:
    """Add an artist (a group: its children too) in the axes' data coordinates."""
    ax.add_artist(artist)
    for child in getattr(artist, "children", ()):
        child.set_figure(ax.figure)
        child.axes = ax
        child.set_transform(ax.transData)


def _svg_annotated(svg: str, diagram: Diagram) -> str:
    """Give the node and arc groups their class, title and description."""
    arcs = [(p, n) for n in diagram.nodes for p in n.parents]

    def node_group(match: re.Match[str]) -> str:
        node = diagram.nodes[int(match.group(1))]
        desc = (f"<desc>{html.escape(node.description)}</desc>" if node.description else "")
        return (f'{match.group(0)[:-1]} class="node {node.kind}"><title>'
                f"{html.escape(node.name)}</title>{desc}")

    def edge_group(match: re.Match[str]) -> str:
        tail, head = arcs[int(match.group(1))]
        return (f'{match.group(0)[:-1]} class="edge {ARC_KIND[head.kind]}-arc"><title>'
                f"{html.escape(tail)}-&gt;{html.escape(head.name)}</title>")

    svg = re.sub(r'<g id="influence-node-(\d+)">', node_group, svg)
    svg = re.sub(r'<g id="influence-edge-(\d+)">', edge_group, svg)
    return svg.replace('<g id="influence-legend">', '<g id="influence-legend" class="legend">')


def render_figure(diagram: Diagram, fmt: str = "svg", *, legend: bool = True) -> bytes:
    """The drawing as SVG, PNG or PDF bytes (the same every time for the same diagram)."""
    from matplotlib import rc_context

    fig = figure(diagram, legend=legend)
    buffer = io.BytesIO()
    metadata = {"svg": {"Date": None}, "pdf": {"CreationDate": None, "ModDate": None},
                "png": {}}[fmt]
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "influence",
                     "pdf.fonttype": 42}):
        fig.savefig(buffer, format=fmt, dpi=PNG_DPI if fmt == "png" else 72,
                    metadata=metadata, facecolor="white")
    data = buffer.getvalue()
    if fmt == "svg":
        data = _svg_annotated(data.decode("utf-8"), diagram).encode("utf-8")
    return data


def svg_element(diagram: Diagram, *, legend: bool = True) -> str:
    """The SVG drawing as one ``<svg>`` element, without the XML declaration and document type:
    ready to be written inline into an HTML page."""
    svg = render_figure(diagram, "svg", legend=legend).decode("utf-8")
    return svg[svg.index("<svg"):]
