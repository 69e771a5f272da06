"""Drawing an influence diagram, in the field's conventions.

Decisions are rectangles, chance nodes ellipses and utility nodes diamonds. Information arcs
(arcs into a decision: what is known when it is taken) are dashed; conditional arcs (into chance
nodes) and functional arcs (into utility nodes) are solid. The layout runs left to right and
keeps the decisions in the order they are taken; utility nodes sit at the right. Each node shows
its label, its name when the label differs, and its states (or its unit).

SVG, PNG and PDF are drawn by Graphviz's ``dot`` program when it is installed, and otherwise by
the pure-Python layout of :mod:`influence.io.layout` drawn with matplotlib
(:mod:`influence.io.diagram_figure`), with the same conventions: ``engine`` chooses. DOT text
needs neither. The ``graphviz`` Python package is imported only here, when a drawing is made.
"""

from __future__ import annotations

import html
import os
import shutil
from pathlib import Path
from typing import Any

from ..atomic import write_bytes_atomic
from ..errors import DrawingError, DrawingFormatError, GraphvizNotFoundError
from ..messages import printable, printable_text
from ..model.diagram import Diagram, Node
from .parameters_view import structure_summary

__all__ = [
    "FORMATS",
    "ENGINES",
    "format_for",
    "engine_for",
    "to_dot",
    "render",
    "draw",
]

#: Output formats, and the file suffixes that select them.
FORMATS = ("dot", "svg", "png", "pdf")
#: Who draws SVG, PNG and PDF: Graphviz when its ``dot`` program is on the PATH, else the
#: pure-Python layout ("auto"); or either one.
ENGINES = ("auto", "graphviz", "matplotlib")
_SUFFIXES = {".dot": "dot", ".gv": "dot", ".svg": "svg", ".png": "png", ".pdf": "pdf"}

_STYLE = {
    "decision": {"shape": "box", "style": "filled", "fillcolor": "#dbe9f6", "color": "#2b5d8a"},
    "chance": {"shape": "ellipse", "style": "filled", "fillcolor": "#fdf3d0", "color": "#8a6d1d"},
    "utility": {"shape": "diamond", "style": "filled", "fillcolor": "#dcefd9",
                "color": "#3b7a32"},
}
_ARC_STYLE = {
    "decision": {"style": "dashed", "color": "#2b5d8a"},  # information arc
    "chance": {"style": "solid"},  # conditional arc
    "utility": {"style": "solid"},  # functional arc
}
_MAX_STATES_SHOWN = 8


def _graphviz() -> Any:
    try:
        import graphviz
    except ImportError:  # pragma: no cover - a declared dependency
        raise DrawingError(
            "drawing needs the 'graphviz' Python package: pip install graphviz"
        ) from None
    return graphviz


def format_for(path: str | os.PathLike[str] | None, fmt: str | None = None) -> str:
    """The drawing format: ``fmt`` if given, else told from the suffix of ``path``.

    Raises
    ------
    DrawingFormatError
        If ``fmt`` is not one of :data:`FORMATS` or the suffix names none.
    """
    if fmt is not None:
        fmt = fmt.lower()
        if fmt not in FORMATS:
            raise DrawingFormatError(f"expected `fmt` among {', '.join(FORMATS)}, got {fmt!r}",
                                     parameter="fmt")
        return fmt
    if path is None:
        return "dot"
    suffix = Path(path).suffix.lower()
    if suffix not in _SUFFIXES:
        raise DrawingFormatError(
            f"cannot tell the drawing format from the file name {str(path)!r}: expected a suffix "
            f"among {', '.join(sorted(_SUFFIXES))}, got {suffix or 'none'}; or give `fmt`",
            parameter="fmt")
    return _SUFFIXES[suffix]


def _label(node: Node, summary: str | None = None) -> str:
    """An HTML-like Graphviz label: the label in bold, the name if different, the states (their
    control characters escaped, as everywhere text from a file is shown), and how its numbers
    are computed from parameters (``summary``)."""
    title = html.escape(printable(node.display_name))
    lines = [f"<B>{title}</B>"]
    if node.label and node.label != node.name:
        lines.append(f'<FONT POINT-SIZE="9">{html.escape(node.name)}</FONT>')
    if node.kind == "utility":
        detail = node.unit or ""
        if node.weight_expression is not None:
            detail = (detail + " " if detail else "") + \
                f"\u00d7 {node.weight_expression} = {node.weight:g}"
        elif node.weight != 1:
            detail = (detail + " " if detail else "") + f"\u00d7 {node.weight:g}"
    else:
        shown = list(node.states[:_MAX_STATES_SHOWN])
        if len(node.states) > _MAX_STATES_SHOWN:
            shown.append(f"\u2026 ({len(node.states)} states)")
        detail = " | ".join(shown)
    if detail:
        lines.append(f'<FONT POINT-SIZE="10">{html.escape(printable(detail))}</FONT>')
    if summary:
        lines.append(f'<FONT POINT-SIZE="9"><I>{html.escape(printable(summary))}</I></FONT>')
    return "<" + "<BR/>".join(lines) + ">"


def _tooltip_table(diagram: Diagram, node: Node) -> str:
    """How a node's numbers are computed from parameters, and its table, as plain text."""
    from .parameters_view import structure_lines
    from .plain import node_table
    from .text import format_number, grid

    lines = [line.strip() for line in structure_lines(diagram, node, grid)]
    for row in node_table(diagram, node):
        given = ", ".join(f"{k}={v}" for k, v in row["given"].items()) or "-"
        value = row.get("value")
        shown = format_number(value) if value is not None else " ".join(
            f"{s} {format_number(p)}" for s, p in row["p"].items())
        lines.append(f"{given}: {shown}")
    return "\n".join(lines)


def _fresh(base: str, taken: set[str]) -> str:
    name = base
    i = 1
    while name in taken:
        name = f"{base}{i}"
        i += 1
    taken.add(name)
    return name


def _add_legend(graph: Any, taken: set[str]) -> None:
    """A small cluster: one node of each kind, joined by an information arc (dashed) and a
    conditional or functional arc (solid), each labelled."""
    with graph.subgraph(name=_fresh("cluster_legend", taken)) as legend:
        legend.attr(label="Legend", fontsize="10", style="rounded", color="#999999",
                    margin="6")
        c, d, u = (_fresh(f"_legend_{k}", taken) for k in ("chance", "decision", "utility"))
        legend.node(c, label="chance", fontsize="9", **_STYLE["chance"])
        legend.node(d, label="decision", fontsize="9", **_STYLE["decision"])
        legend.node(u, label="utility", fontsize="9", **_STYLE["utility"])
        legend.edge(c, d, label="information arc", fontsize="9", **_ARC_STYLE["decision"])
        legend.edge(c, u, label="conditional or functional arc", fontsize="9")


def _build(diagram: Diagram, *, legend: bool = True) -> Any:
    graphviz = _graphviz()
    graph = graphviz.Digraph(
        name=printable(diagram.name),
        graph_attr={
            "rankdir": "LR",
            "label": graphviz.escape(printable(diagram.title or diagram.name)),
            "labelloc": "t",
            "fontsize": "14",
            "fontname": "Helvetica",
            "nodesep": "0.35",
            "ranksep": "0.55",
        },
        node_attr={"fontname": "Helvetica", "fontsize": "11", "margin": "0.08,0.04"},
        edge_attr={"color": "#555555", "arrowsize": "0.7", "fontname": "Helvetica"},
    )
    taken = set(diagram.names)
    for node in diagram.nodes:
        summary = structure_summary(diagram, node) if node.kind != "decision" else None
        tooltip = printable(" ".join((node.description or node.display_name).split()))
        if summary:
            tooltip = f"{tooltip}\n{printable_text(_tooltip_table(diagram, node))}"
        graph.node(node.name, label=_label(node, summary), tooltip=graphviz.escape(tooltip),
                   **_STYLE[node.kind])
    for node in diagram.nodes:
        for parent in node.parents:
            kind = {"decision": "information", "chance": "conditional",
                    "utility": "functional"}[node.kind]
            graph.edge(parent, node.name, **_ARC_STYLE[node.kind],
                       **{"class": f"{kind}-arc"})
    decisions = [d.name for d in diagram.decisions]
    for first, second in zip(decisions, decisions[1:], strict=False):
        # the order decisions are taken: left to right
        graph.edge(first, second, style="invis", weight="10")
    if diagram.utilities:
        with graph.subgraph() as sink:
            sink.attr(rank="sink")
            for u in diagram.utilities:
                sink.node(u.name)
    if legend:
        _add_legend(graph, taken)
    return graph


def to_dot(diagram: Diagram, *, legend: bool = True) -> str:
    """The DOT source of the drawing (no Graphviz program needed).

    Parameters
    ----------
    diagram : Diagram
    legend : bool
        Include a legend of node shapes and arc styles.
    """
    return _build(diagram, legend=legend).source


def engine_for(engine: str = "auto") -> str:
    """Who draws SVG, PNG and PDF: ``"graphviz"`` or ``"matplotlib"``; ``"auto"`` is Graphviz
    when its ``dot`` program is on the PATH, else matplotlib.

    Raises
    ------
    DrawingFormatError
        If ``engine`` is not one of :data:`ENGINES`.
    """
    if engine not in ENGINES:
        raise DrawingFormatError(f"expected `engine` among {', '.join(ENGINES)}, got "
                                 f"{engine!r}", parameter="engine")
    if engine == "auto":
        return "graphviz" if shutil.which("dot") else "matplotlib"
    return engine


def render(diagram: Diagram, fmt: str = "svg", *, legend: bool = True,
           engine: str = "auto") -> bytes:
    """The drawing as bytes in format ``fmt`` (one of :data:`FORMATS`).

    Parameters
    ----------
    diagram : Diagram
    fmt : str
        One of :data:`FORMATS`.
    legend : bool
        Include a legend of node shapes and arc styles.
    engine : str
        Who draws SVG, PNG and PDF (one of :data:`ENGINES`): by default Graphviz when its
        ``dot`` program is installed, else the pure-Python layout drawn with matplotlib.

    Raises
    ------
    GraphvizNotFoundError
        With ``engine="graphviz"`` when Graphviz's ``dot`` program is not installed.
    DrawingError
        If ``dot`` fails.
    """
    fmt = format_for(None, fmt)
    if fmt == "dot":
        return to_dot(diagram, legend=legend).encode("utf-8")
    if engine_for(engine) == "matplotlib":
        from .diagram_figure import render_figure

        return render_figure(diagram, fmt, legend=legend)
    graphviz = _graphviz()
    graph = _build(diagram, legend=legend)
    try:
        return graph.pipe(format=fmt, quiet=True)
    except graphviz.ExecutableNotFound:
        raise GraphvizNotFoundError(
            f"drawing {fmt.upper()} needs Graphviz's 'dot' program, which is not on the PATH; "
            "install Graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: brew install "
            "graphviz), or draw without it by giving `engine` matplotlib",
            parameter="engine"
        ) from None
    except graphviz.CalledProcessError as exc:
        stderr = exc.stderr.decode("utf-8", "replace") if isinstance(exc.stderr, bytes) \
            else str(exc.stderr or "")
        raise DrawingError(f"Graphviz's 'dot' failed drawing {fmt.upper()}: "
                           f"{stderr.strip() or exc}", file=diagram.file) from None


def draw(diagram: Diagram, path: str | os.PathLike[str], fmt: str | None = None, *,
         legend: bool = True, engine: str = "auto") -> Path:
    """Draw ``diagram`` to the file ``path``, atomically.

    Parameters
    ----------
    diagram : Diagram
    path : str or PathLike
        The output file.
    fmt : str, optional
        One of :data:`FORMATS`; by default told from the suffix of ``path``.
    legend : bool
        Include a legend of node shapes and arc styles.
    engine : str
        Who draws SVG, PNG and PDF (see :func:`render`).

    Returns
    -------
    Path
        The file written.
    """
    fmt = format_for(path, fmt)
    data = render(diagram, fmt, legend=legend, engine=engine)
    return write_bytes_atomic(path, data)
