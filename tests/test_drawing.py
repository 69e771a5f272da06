"""Drawing diagrams: DOT conventions, SVG/PNG/PDF files drawn by Graphviz or by the pure-Python
layout (matplotlib), atomic writes, errors."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import influence
from influence.io import drawing

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="checks the drawing of the Graphviz engine, and Graphviz's "
                                      "dot program is not installed")
#: Both engines: the pure-Python one always, Graphviz where its dot program is installed.
ENGINES = [pytest.param("matplotlib"), pytest.param("graphviz", marks=needs_dot)]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SHAPES = {"decision": "box", "chance": "ellipse", "utility": "diamond"}


@pytest.fixture(scope="module")
def oil() -> influence.Diagram:
    return influence.load("oil-wildcatter")


def _node_attrs(dot: str, name: str) -> str:
    match = re.search(rf"^\s*{re.escape(name)} \[(.*)\]$", dot, flags=re.MULTILINE)
    assert match, f"node {name} not in the DOT source"
    return match.group(1)


def _edge_attrs(dot: str, tail: str, head: str) -> str:
    match = re.search(rf"^\s*{re.escape(tail)} -> {re.escape(head)} \[(.*)\]$", dot,
                      flags=re.MULTILINE)
    assert match, f"arc {tail} -> {head} not in the DOT source"
    return match.group(1)


def test_dot_shapes_follow_the_conventions(oil: influence.Diagram) -> None:
    dot = drawing.to_dot(oil)
    for node in oil.nodes:
        attrs = _node_attrs(dot, node.name)
        assert f"shape={SHAPES[node.kind]}" in attrs, node.name
        assert node.display_name in attrs
    assert "dry | wet | soaking" in _node_attrs(dot, "oil")
    assert "thousands of dollars" in _node_attrs(dot, "payoff")


def test_dot_information_arcs_are_dashed_and_others_solid(oil: influence.Diagram) -> None:
    dot = drawing.to_dot(oil)
    assert "style=dashed" in _edge_attrs(dot, "result", "drill")
    for tail, head in [("oil", "result"), ("test", "result"), ("test", "test_cost"),
                       ("drill", "payoff"), ("oil", "payoff")]:
        attrs = _edge_attrs(dot, tail, head)
        assert "dashed" not in attrs and "style=solid" in attrs


def test_dot_layout_left_to_right_in_decision_order(oil: influence.Diagram) -> None:
    dot = drawing.to_dot(oil)
    assert "rankdir=LR" in dot
    assert "style=invis" in _edge_attrs(dot, "test", "drill")  # test is taken before drill
    assert re.search(r"rank=sink\s+test_cost\s+payoff", dot)


def test_dot_legend(oil: influence.Diagram) -> None:
    dot = drawing.to_dot(oil)
    assert "subgraph cluster_legend" in dot
    legend = dot[dot.index("subgraph cluster_legend"):]
    assert re.search(r'label="information arc"[^\]]*style=dashed', legend)
    for kind, shape in SHAPES.items():
        assert re.search(rf"label={kind} [^\]]*shape={shape}", legend)
    assert "cluster_legend" not in drawing.to_dot(oil, legend=False)


def test_dot_escapes_labels_and_avoids_name_clashes() -> None:
    diagram = influence.loads("""
name: tricky
title: Ampersands & <angles>
nodes:
  _legend_chance:
    type: chance
    label: 'P<0.5 & "quoted"'
    states: [a, b]
    p: [0.5, 0.5]
  graph:
    type: decision
    states: [x, y]
    observes: [_legend_chance]
  u-1:
    type: utility
    parents: [graph]
    values:
      - {given: {graph: x}, value: 1}
      - {given: {graph: y}, value: 0}
""")
    dot = drawing.to_dot(diagram)
    assert "P&lt;0.5 &amp; &quot;quoted&quot;" in dot
    assert '"graph" [' in dot  # a DOT keyword, quoted
    assert dot.count("_legend_chance [") == 1
    assert "_legend_chance1 [" in dot


@pytest.mark.parametrize("engine", ENGINES)
def test_svg_parses_and_names_every_node(oil: influence.Diagram, tmp_path: Path,
                                         engine: str) -> None:
    out = drawing.draw(oil, tmp_path / "oil.svg", engine=engine)
    root = ET.parse(out).getroot()
    assert root.tag.endswith("svg")
    titles = {el.text for el in root.iter() if el.tag.endswith("title")}
    assert set(oil.names) <= titles


@pytest.mark.parametrize("engine", ENGINES)
def test_svg_of_a_model_with_awkward_labels_parses(engine: str) -> None:
    diagram = influence.loads("""
name: awkward
nodes:
  a:
    type: chance
    label: "x < y & z > \\\\ w"
    states: ["<s>", "&"]
    p: [0.5, 0.5]
  d:
    type: decision
    states: [go, stop]
    observes: [a]
  u:
    type: utility
    parents: [d]
    values:
      - {given: {d: go}, value: 1}
      - {given: {d: stop}, value: 0}
""")
    root = ET.fromstring(drawing.render(diagram, "svg", engine=engine))
    assert {"a", "d", "u"} <= {el.text for el in root.iter() if el.tag.endswith("title")}


@pytest.mark.parametrize("engine", ENGINES)
def test_png_and_pdf_files(oil: influence.Diagram, tmp_path: Path, engine: str) -> None:
    out = drawing.draw(oil, tmp_path / "oil.png", engine=engine)
    assert out.read_bytes().startswith(PNG_SIGNATURE)
    assert drawing.draw(oil, tmp_path / "oil.pdf", engine=engine).read_bytes()[:5] == b"%PDF-"


def test_dot_file_is_the_source(oil: influence.Diagram, tmp_path: Path) -> None:
    out = drawing.draw(oil, tmp_path / "oil.gv")
    assert out.read_text(encoding="utf-8") == drawing.to_dot(oil)


@pytest.mark.parametrize(("name", "fmt"), [("a.dot", "dot"), ("a.GV", "dot"), ("a.svg", "svg"),
                                           ("a.png", "png"), ("a.pdf", "pdf")])
def test_format_from_suffix(name: str, fmt: str) -> None:
    assert drawing.format_for(name) == fmt
    assert drawing.format_for(name, "svg") == "svg"  # an explicit format wins


def test_unknown_format_is_a_usage_error() -> None:
    with pytest.raises(drawing.DrawingFormatError, match="suffix") as info:
        drawing.format_for("diagram.jpeg")
    assert info.value.exit_code == 2
    with pytest.raises(drawing.DrawingFormatError, match="got 'bmp'"):
        drawing.format_for("x.svg", "bmp")


def test_without_dot_the_python_layout_draws(oil: influence.Diagram, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert drawing.engine_for("auto") == "matplotlib"
    svg = drawing.draw(oil, tmp_path / "oil.svg").read_bytes()
    assert svg == drawing.render(oil, "svg", engine="matplotlib")
    assert drawing.draw(oil, tmp_path / "oil.dot").read_text().startswith("digraph")


def test_graphviz_asked_for_without_dot_is_a_clear_error(oil: influence.Diagram, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    target = tmp_path / "oil.svg"
    with pytest.raises(drawing.GraphvizNotFoundError, match="apt-get install graphviz") as info:
        drawing.draw(oil, target, engine="graphviz")
    assert isinstance(info.value, influence.InfluenceError)
    assert info.value.parameter == "engine" and "`engine` matplotlib" in str(info.value)
    assert not target.exists()


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not "
                    "installed: the automatic choice of Graphviz cannot be checked")
def test_with_dot_graphviz_draws() -> None:
    assert drawing.engine_for("auto") == "graphviz"


def test_unknown_engine() -> None:
    with pytest.raises(drawing.DrawingFormatError, match="got 'tikz'"):
        drawing.engine_for("tikz")


@pytest.mark.parametrize("engine", ENGINES)
def test_drawing_replaces_a_file_atomically(oil: influence.Diagram, tmp_path: Path,
                                            engine: str) -> None:
    target = tmp_path / "oil.svg"
    target.write_text("old")
    drawing.draw(oil, target, engine=engine)
    assert target.read_text().lstrip().startswith("<?xml")
    assert [p.name for p in tmp_path.iterdir()] == ["oil.svg"]  # no temporary file left
