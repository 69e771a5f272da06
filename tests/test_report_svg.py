"""The report's SVG writer and charts (influence/io/report/svg.py, charts.py)."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from influence.io.report.charts import distribution_chart, risk_profile_chart, tornado_chart
from influence.io.report.svg import Canvas, Scale, nice_ticks, tick_label, wrap_label

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    """The chart as XML: it must be well-formed on its own."""
    return ET.fromstring(svg)


@given(st.floats(-1e9, 1e9), st.floats(-1e9, 1e9))
def test_nice_ticks_cover_the_range_in_round_steps(a, b):
    low, high = min(a, b), max(a, b)
    ticks = nice_ticks(low, high)
    assert ticks[0] <= low + 1e-9 * max(1, abs(low)) and ticks[-1] >= high - 1e-9 * max(
        1, abs(high))
    assert 2 <= len(ticks) <= 12
    steps = np.diff(ticks)
    assert np.allclose(steps, steps[0], rtol=1e-6, atol=1e-9 * max(1, abs(high)))
    mantissa = steps[0] / 10 ** math.floor(math.log10(steps[0]))
    assert min(abs(mantissa - m) for m in (1, 2, 2.5, 5, 10)) < 1e-6


def test_nice_ticks_examples():
    assert nice_ticks(0, 50) == [0, 20, 40, 60]
    assert nice_ticks(7.375, 42.5) == [0, 10, 20, 30, 40, 50]
    assert nice_ticks(-87.5, 42.5) == [-100, -50, 0, 50]
    assert nice_ticks(3, 3) == [2.5, 3, 3.5] or nice_ticks(3, 3)[0] < 3 < nice_ticks(3, 3)[-1]


def test_tick_labels():
    assert tick_label(-20000.0) == "\u221220\u2009000"
    assert tick_label(0.25) == "0.25"
    assert tick_label(5.0) == "5"


def test_wrap_label_breaks_parameter_names_at_brackets_and_commas():
    lines = wrap_label("overdose_deaths[fentanyl_flow=unchanged,us_demand=reduced]:lower", 38)
    assert all(len(line) <= 38 for line in lines)
    assert "".join(lines) == "overdose_deaths[fentanyl_flow=unchanged,us_demand=reduced]:lower"
    assert lines[0].endswith("[") or lines[0].endswith(",")
    assert wrap_label("short", 38) == ["short"]


def test_canvas_escapes_text_and_scales():
    canvas = Canvas(100, 50, 'a <b> & "c"')
    canvas.text(10, 20, "x < y & z", class_="tick")
    canvas.rect(50, 10, -20, 5, fill="#000")  # a negative width is drawn from the other side
    root = parse(canvas.render())
    assert root.get("viewBox") == "0 0 100 50"
    assert root.find(f"{SVG}title").text == 'a <b> & "c"'
    assert root.find(f"{SVG}text").text == "x < y & z"
    assert root.find(f"{SVG}text").get("class") == "tick"
    rect = root.find(f"{SVG}rect")
    assert (rect.get("x"), rect.get("width")) == ("30", "20")
    scale = Scale(0, 10, 100, 200)
    assert (scale(0), scale(5), scale(10)) == (100, 150, 200)


def test_tornado_chart():
    params = [{"id": "a[x=1]", "eu_low": 10.0, "eu_high": 30.0, "best_low": "p",
               "best_high": "q"},
              {"id": "b", "eu_low": 22.0, "eu_high": 18.0, "best_low": "p", "best_high": "p"}]
    root = parse(tornado_chart(params, 20.0, "p", "dollars"))
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("fill-opacity")]
    assert len(bars) == 4  # a bar to each end of each parameter
    widths = sorted(float(r.get("width")) for r in bars)
    # the widths are proportional to the distances from the base value 20: 2, 2, 10, 10
    assert widths[0] == pytest.approx(widths[1], abs=0.02)
    assert widths[2] == pytest.approx(5 * widths[0], abs=0.1)
    stars = [t for t in root.iter(f"{SVG}text") if t.get("class") == "star"]
    assert len(stars) == 1  # only a's high end has another best option
    assert "dollars" in "".join(root.itertext())


def test_distribution_chart():
    rng = np.random.default_rng(0)
    draws = [rng.normal(0, 1, 500), rng.normal(3, 1, 500)]
    options = [{"label": "A", "expected_utility": float(d.mean()),
                "interval_90": [float(np.quantile(d, 0.05)), float(np.quantile(d, 0.95))]}
               for d in draws]
    root = parse(distribution_chart(options, draws, None))
    assert len(list(root.iter(f"{SVG}polygon"))) == 2
    dots = [float(c.get("cx")) for c in root.iter(f"{SVG}circle")]
    assert dots[1] > dots[0]  # the second option's mean lies to the right


def test_risk_profile_chart():
    series = [("A", [[-10.0, 0.5], [10.0, 0.5]]), ("B", [[0.0, 1.0]])]
    root = parse(risk_profile_chart(series, "points"))
    lines = [p for p in root.iter(f"{SVG}polyline")]
    assert len(lines) == 2
    # each curve climbs from probability 0 to probability 1: from the bottom to the top
    for line in lines:
        ys = [float(pair.split(",")[1]) for pair in line.get("points").split()]
        assert ys[0] > ys[-1] and ys == sorted(ys, reverse=True)
