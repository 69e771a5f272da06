"""Results for scripts and notebooks: pandas DataFrames (``to_frame``, ``draws_frame``), the
per-option draws, ``Evaluation.ranking``, and what Jupyter displays (SVG, HTML)."""

from __future__ import annotations

import html
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import influence
from influence.io import html_tables

pd = pytest.importorskip("pandas", reason="pandas is not installed: DataFrames cannot be made")


@pytest.fixture(scope="module")
def oil() -> influence.Diagram:
    return influence.load("oil-wildcatter")


@pytest.fixture(scope="module")
def cartel() -> influence.Diagram:
    return influence.load("cartel-intervention")


@pytest.fixture(scope="module")
def cartel_prior(cartel: influence.Diagram) -> influence.Evaluation:
    return influence.evaluate(cartel, prior=True, draws=400, seed=3)


def test_ranking_is_the_json_ranking(oil: influence.Diagram,
                                     cartel_prior: influence.Evaluation) -> None:
    for result in (influence.evaluate(oil), cartel_prior):
        assert isinstance(result.ranking, tuple)
        assert [o.to_dict() for o in result.ranking] == result.to_dict()["ranking"]


def test_evaluation_frame_of_a_point_evaluation(oil: influence.Diagram) -> None:
    result = influence.evaluate(oil)
    frame = result.to_frame()
    assert list(frame.index) == [o.id for o in result.ranking]
    assert list(frame.columns) == ["rank", "label", "kind", "decision", "state",
                                   "expected_utility", "utility_sd"]
    assert frame.loc["test-and-follow", "expected_utility"] == pytest.approx(22.5)
    assert frame.loc["test=no", "decision"] == "test" and frame.loc["test=no", "state"] == "no"
    assert list(frame["rank"]) == [1, 1, 3, 3, 5]  # ties share a rank
    assert frame.loc["drill-blind", "utility_sd"] == pytest.approx(
        result.policy("drill-blind").utility_sd)


def test_evaluation_frame_under_uncertainty(cartel_prior: influence.Evaluation) -> None:
    frame = cartel_prior.to_frame()
    assert {"sd", "interval_90_low", "interval_90_high", "probability_best",
            "expected_loss"} <= set(frame.columns)
    for option in cartel_prior.options:
        row = frame.loc[option.id]
        assert row["expected_utility"] == option.expected_utility
        assert row["probability_best"] == option.probability_best
        assert (row["interval_90_low"], row["interval_90_high"]) == option.interval_90
    assert frame["expected_utility"].is_monotonic_decreasing


def test_per_option_draws_are_paired_and_read_only(cartel_prior: influence.Evaluation) -> None:
    draws = cartel_prior.draws_frame()
    assert draws.shape == (400, len(cartel_prior.options) + 1)
    assert draws.index.name == "draw"
    for option in cartel_prior.options:
        assert draws[option.id].mean() == pytest.approx(option.expected_utility)
        assert option.eu_draws.shape == (400,)
        with pytest.raises(ValueError):
            option.eu_draws[0] = 0.0
    np.testing.assert_allclose(draws["optimal-strategy"], cartel_prior.meu_draws)
    # paired draws: the expected loss of an alternative is the mean shortfall, draw by draw,
    # from the best alternative of its decision
    group = [o.id for o in cartel_prior.options if o.decision == "partnership"]
    best = draws[group].max(axis=1)
    for option_id in group:
        loss = (best - draws[option_id]).mean()
        assert loss == pytest.approx(next(o for o in cartel_prior.options
                                          if o.id == option_id).expected_loss)


def test_a_point_evaluation_has_no_draws(oil: influence.Diagram) -> None:
    result = influence.evaluate(oil)
    assert all(o.eu_draws is None for o in result.options)
    with pytest.raises(influence.QueryError, match="got a point evaluation"):
        result.draws_frame()


def test_sensitivity_frame(oil: influence.Diagram) -> None:
    result = influence.sensitivity(oil)
    frame = result.to_frame()
    assert list(frame.index) == [p.id for p in result.parameters]
    dry = result.parameter("oil:dry")
    row = frame.loc["oil:dry"]
    assert (row["point"], row["low"], row["high"], row["swing"]) == (
        dry.point, dry.low, dry.high, dry.swing)
    assert row["thresholds"] == len({t.value for t in dry.thresholds})
    assert row["nearest_inside"] == dry.within[0]
    assert np.isnan(frame.loc["oil:soaking", "nearest_inside"])  # no flip inside its range
    assert "variance_share" not in frame.columns


def test_sensitivity_frame_with_the_probabilistic_part(cartel: influence.Diagram) -> None:
    result = influence.sensitivity(cartel, prior=True, draws=300, seed=1, top=10)
    frame = result.to_frame()
    shares = {s.id: s for s in result.probabilistic.parameters}
    for pid, row in frame.iterrows():
        if pid in shares:
            assert row["variance_share"] == shares[pid].variance_share
            assert row["variance_share_se"] == shares[pid].standard_error
        else:
            assert np.isnan(row["variance_share"])


def test_thresholds_frame(oil: influence.Diagram) -> None:
    result = influence.thresholds(oil, ["oil:dry", "test_cost[test=yes]"])
    frame = result.to_frame()
    found = [(k, t) for k, ts in result.thresholds.items() for t in ts]
    assert len(frame) == len(found)
    for (_, row), (pid, t) in zip(frame.iterrows(), found, strict=True):
        assert (row["parameter"], row["value"], row["decision"], row["before"],
                row["after"]) == (pid, t.value, t.decision, t.before, t.after)
        assert row["information_state"] == ", ".join(f"{k}={v}" for k, v in
                                                    t.information_state.items())
        assert (row["low"], row["high"]) == result.domains[pid]


@pytest.mark.slow
def test_value_of_information_frames(tmp_path) -> None:
    from cartel_rows import write_rows_model

    # The article model written as plain rows with priors of their own (a study of a row of a
    # structured table has no closed form).
    cartel = influence.load(write_rows_model(tmp_path)[0])
    study = "us_demand[demand_reduction=yes]=10,40"
    result = influence.value_of_information(cartel, prior=True, draws=300, seed=1,
                                            studies=[study], study_cost=5)
    frame = result.to_frame()
    assert list(frame["kind"].unique()) == ["observe", "evpi", "evppi", "evsi"]
    observe = frame[frame["kind"] == "observe"]
    assert list(observe["value"]) == [o.value for o in result.observe]
    assert frame.loc[frame["kind"] == "evpi", "value"].item() == result.evpi_parameters
    evsi = frame[frame["kind"] == "evsi"]
    assert list(evsi["n"]) == [10, 40] and list(evsi["net"]) == [s.net for s in result.evsi]

    groups = influence.evppi(cartel, prior=True, draws=300, seed=1)
    by_group = groups.to_frame()
    assert list(by_group.index) == [g.group for g in groups.groups]
    assert list(by_group["parameters"]) == [len(g.parameters) for g in groups.groups]
    studies = influence.evsi(cartel, [study], prior=True, draws=300, seed=1).to_frame()
    assert list(studies["n"]) == [10, 40]
    assert list(studies["value"]) == [s.value for s in result.evsi]


def test_without_pandas_a_clear_error(oil: influence.Diagram,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    result = influence.evaluate(oil)
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now fails
    with pytest.raises(influence.MissingDependencyError, match="pip install pandas") as info:
        result.to_frame()
    assert isinstance(info.value, ImportError)
    with pytest.raises(influence.MissingDependencyError):
        influence.sensitivity(oil).to_frame()


# -- Jupyter ---------------------------------------------------------------------------------


def test_a_diagram_displays_as_its_drawing(oil: influence.Diagram) -> None:
    svg = oil._repr_svg_()
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    titles = {el.text for el in root.iter() if el.tag.endswith("title")}
    assert set(oil.names) <= titles


def test_an_evaluation_displays_as_its_ranked_table(cartel_prior: influence.Evaluation
                                                    ) -> None:
    page = cartel_prior._repr_html_()
    assert page == html_tables.evaluation_html(cartel_prior)
    body = page[page.index("<div"):]
    root = ET.fromstring(body)  # well-formed
    rows = [tr for tr in root.iter("tr") if tr.get("data-option")]
    assert [tr.get("data-option") for tr in rows] == [o.id for o in cartel_prior.ranking]
    for tr, option in zip(rows, cartel_prior.ranking, strict=True):
        values = {td.get("data-value") for td in tr.iter("td")}
        assert repr(option.expected_utility) in values
        assert repr(option.probability_best) in values
    assert [tr.get("class") for tr in rows[:7]] == ["best"] * 6 + [None]  # six tied first
    assert "P(best)" in page and "tied with the other options" in page


def test_the_html_escapes_text() -> None:
    diagram = influence.loads("""
name: esc
title: "Fish & <chips>"
nodes:
  d: {type: decision, states: [a, b], label: "<script>alert(1)</script>"}
  u:
    type: utility
    parents: [d]
    values:
      - {given: {d: a}, value: 1}
      - {given: {d: b}, value: 0}
""")
    page = influence.evaluate(diagram)._repr_html_()
    assert "<script>" not in page and html.escape("<script>alert(1)</script>") in page
    assert "Fish &amp; &lt;chips&gt;" in page
    ET.fromstring(page[page.index("<div"):])


def test_the_package_is_typed() -> None:
    assert (Path(influence.__file__).parent / "py.typed").is_file()
    pyproject = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text()
    assert re.search(r'"influence" = \[[^\]]*"py\.typed"', pyproject)
