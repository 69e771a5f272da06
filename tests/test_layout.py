"""The pure-Python drawing: the layered layout (influence.io.layout) and the matplotlib figure
drawn from it (influence.io.diagram_figure), which need no system package."""

from __future__ import annotations

import io
import itertools
import re
import xml.etree.ElementTree as ET

import pytest

import influence
from influence.io import diagram_figure, layout
from influence.model import bundled

SVG = "{http://www.w3.org/2000/svg}"


def _arcs(diagram: influence.Diagram) -> list[tuple[str, str]]:
    return [(p, n.name) for n in diagram.nodes for p in n.parents]


@pytest.fixture(scope="module", params=bundled.names())
def measured(request: pytest.FixtureRequest) -> diagram_figure._Measured:
    return diagram_figure._Measured(influence.load(request.param))


def test_arcs_point_right_and_routes_cross_each_column_between(measured) -> None:
    lay, diagram = measured.layout, measured.diagram
    column = {n: i for i, col in enumerate(lay.columns) for n in col}
    for tail, head in _arcs(diagram):
        assert column[tail] < column[head], (tail, head)
        route = lay.routes[(tail, head)]
        assert len(route) == column[head] - column[tail] - 1
        xs = [lay.centres[tail][0], *(x for x, _ in route), lay.centres[head][0]]
        assert xs == sorted(xs) and len(set(xs)) == len(xs)


def test_decisions_left_to_right_in_the_order_taken_utilities_last(measured) -> None:
    lay, diagram = measured.layout, measured.diagram
    xs = [lay.centres[d.name][0] for d in diagram.decisions]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)
    assert {u.name for u in diagram.utilities} == set(lay.columns[-1])


def test_no_two_boxes_overlap(measured) -> None:
    lay, sizes = measured.layout, measured.sizes
    for a, b in itertools.combinations(lay.centres, 2):
        (ax, ay), (bx, by) = lay.centres[a], lay.centres[b]
        apart_x = abs(ax - bx) >= (sizes[a][0] + sizes[b][0]) / 2
        apart_y = abs(ay - by) >= (sizes[a][1] + sizes[b][1]) / 2 + 17.9
        assert apart_x or apart_y, (a, b)
    for name, (x, y) in lay.centres.items():
        w, h = sizes[name]
        assert 0 <= x - w / 2 and x + w / 2 <= lay.width + 1e-9
        assert -1e-9 <= y - h / 2 and y + h / 2 <= lay.height + 1e-9


def test_the_text_fits_its_shape(measured) -> None:
    for node in measured.diagram.nodes:
        lines = measured.lines[node.name]
        text_w, text_h = diagram_figure._text_block(lines)
        w, h = measured.sizes[node.name]
        if node.kind == "decision":
            assert text_w < w and text_h < h
        elif node.kind == "chance":  # the corners of the text block inside the ellipse
            assert (text_w / w) ** 2 + (text_h / h) ** 2 <= 1
        else:  # inside the diamond
            assert text_w / w + text_h / h <= 1
        assert all(len(t) <= 36 for _, t in lines), lines


def test_crossings_are_reduced() -> None:
    # a and b are listed in the order that crosses their arcs: the layout uncrosses them
    lay = layout.layered_layout(["a", "b", "c", "d"], dict.fromkeys("abcd", (10.0, 10.0)),
                                [("a", "d"), ("b", "c")])
    assert layout.crossings(lay.columns, [("a", "d"), ("b", "c")]) == 0
    assert layout.crossings([["a", "b"], ["c", "d"]], [("a", "d"), ("b", "c")]) == 1
    # the article model: far fewer crossings than in file order
    diagram = influence.load("cartel-intervention")
    arcs = _arcs(diagram)
    order = [(a, b) for a, b in itertools.pairwise(d.name for d in diagram.decisions)]
    ranks = layout._layers(diagram.names, arcs, order, {d.name for d in diagram.decisions},
                           {u.name for u in diagram.utilities})
    graph = layout._Graph(diagram.names, arcs, ranks)
    before = graph.total_crossings()
    graph.minimise_crossings()
    assert graph.total_crossings() <= before // 2, (before, graph.total_crossings())


def test_a_cycle_is_refused() -> None:
    with pytest.raises(ValueError, match="cycle"):
        layout.layered_layout(["a", "b"], dict.fromkeys("ab", (1.0, 1.0)),
                              [("a", "b"), ("b", "a")])


@pytest.mark.parametrize(("targets", "weights", "expected"), [
    ([1, 2, 3], [1, 1, 1], [1, 2, 3]),
    ([3, 1, 2], [1, 1, 1], [2, 2, 2]),
    ([3, 1], [1, 3], [1.5, 1.5]),
    ([0, 5, 4, 6], [1, 1, 1, 1], [0, 4.5, 4.5, 6]),
])
def test_isotonic_regression(targets, weights, expected) -> None:
    assert layout._isotonic(targets, weights) == pytest.approx(expected)


def test_layout_is_deterministic() -> None:
    diagram = influence.load("cartel-intervention")
    first = diagram_figure.render_figure(diagram, "svg")
    assert diagram_figure.render_figure(diagram, "svg") == first


def _groups(svg: bytes) -> dict[str, list[ET.Element]]:
    root = ET.fromstring(svg)
    out: dict[str, list[ET.Element]] = {}
    for g in root.iter(f"{SVG}g"):
        for cls in (g.get("class") or "").split():
            out.setdefault(cls, []).append(g)
    return out


def test_svg_groups_nodes_and_arcs_by_kind() -> None:
    diagram = influence.load("oil-wildcatter")
    groups = _groups(diagram_figure.render_figure(diagram, "svg"))
    for kind in ("decision", "chance", "utility"):
        titles = {g.findtext(f"{SVG}title") for g in groups[kind]}
        assert titles == {n.name for n in diagram.nodes if n.kind == kind}
    edges = {g.findtext(f"{SVG}title"): g for g in groups["edge"]}
    assert set(edges) == {f"{a}->{b}" for a, b in _arcs(diagram)}
    for title, g in edges.items():
        dashed = "stroke-dasharray" in ET.tostring(g, encoding="unicode")
        assert dashed == (title == "result->drill"), title  # the only information arc
    # text stays text, large enough to read
    texts = [t for t in ET.fromstring(diagram_figure.render_figure(diagram, "svg")).iter(
        f"{SVG}text")]
    shown = " ".join("".join(t.itertext()) for t in texts)
    assert "Drilling payoff" in shown and "dry | wet | soaking" in shown
    sizes = [float(m) for m in re.findall(r"font-size:\s*([\d.]+)px", ET.tostring(
        ET.fromstring(diagram_figure.render_figure(diagram, "svg")), encoding="unicode"))]
    assert sizes and min(sizes) >= 7.5


def test_svg_of_the_article_model_has_its_description_and_legend() -> None:
    diagram = influence.load("cartel-intervention")
    groups = _groups(diagram_figure.render_figure(diagram, "svg"))
    node = next(g for g in groups["node"] if g.findtext(f"{SVG}title") == "partnership")
    assert node.findtext(f"{SVG}desc") == diagram.node("partnership").description
    assert len(groups["legend"]) == 1
    assert "legend" not in _groups(diagram_figure.render_figure(diagram, "svg", legend=False))


def test_png_of_the_article_model_is_a_readable_size() -> None:
    from PIL import Image

    data = diagram_figure.render_figure(influence.load("cartel-intervention"), "png")
    width, height = Image.open(io.BytesIO(data)).size
    # 96 dpi: 9-point labels are 12 pixels high; the whole model (36 nodes) fits a few screens
    assert 1500 < width < 6000 and 700 < height < 2500, (width, height)


def test_svg_element_for_html_pages() -> None:
    element = diagram_figure.svg_element(influence.load("umbrella"))
    assert element.startswith("<svg") and "<?xml" not in element and "DOCTYPE" not in element
    root = ET.fromstring(element)
    assert {"weather", "forecast", "umbrella", "satisfaction"} <= {
        el.text for el in root.iter() if el.tag.endswith("title")}
