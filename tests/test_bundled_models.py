"""The bundled models reproduce their published answers, and every bundled model is valid."""

from __future__ import annotations

import math

import pytest

import influence
from influence.model import bundled
from influence.model.yamlio import load_yaml_file


def _rules(result: influence.Evaluation, decision: str) -> dict[tuple, str]:
    return {tuple(r.given.items()): r.choose
            for r in result.decision(decision).reachable_rules()}


# -- oil wildcatter (Raiffa 1968) ----------------------------------------------------------------


@pytest.fixture(scope="module")
def oil() -> influence.Evaluation:
    return influence.evaluate(influence.load("oil-wildcatter"))


def test_oil_wildcatter_maximum_expected_utility(oil: influence.Evaluation) -> None:
    assert oil.maximum_expected_utility == pytest.approx(22.5)


def test_oil_wildcatter_alternatives_of_the_test(oil: influence.Evaluation) -> None:
    assert oil.alternatives["test"]["yes"] == pytest.approx(22.5)
    # without the test, drilling blind: 0.5*(-70) + 0.3*50 + 0.2*200 = 20
    assert oil.alternatives["test"]["no"] == pytest.approx(20.0)


def test_oil_wildcatter_optimal_strategy_tests_then_drills_unless_diffuse(
        oil: influence.Evaluation) -> None:
    assert _rules(oil, "test") == {(): "yes"}
    drill = _rules(oil, "drill")
    assert drill == {
        (("test", "yes"), ("result", "closed")): "yes",
        (("test", "yes"), ("result", "open")): "yes",
        (("test", "yes"), ("result", "diffuse")): "no",
    }
    compact = dict((tuple(g.items()), c) for g, c in oil.decision("drill").compact_rules())
    assert compact == {(("result", "closed"),): "yes", (("result", "open"),): "yes",
                       (("result", "diffuse"),): "no"}


def test_oil_wildcatter_information_state_probabilities(oil: influence.Evaluation) -> None:
    # P(result) after testing: closed .5*.1+.3*.3+.2*.5 = .24, open .35, diffuse .41
    probs = {r.given["result"]: r.probability for r in oil.decision("drill").reachable_rules()}
    assert probs == pytest.approx({"closed": 0.24, "open": 0.35, "diffuse": 0.41})


def test_oil_wildcatter_policies(oil: influence.Evaluation) -> None:
    assert oil.policy("drill-blind").expected_utility == pytest.approx(20.0)
    assert oil.policy("test-and-follow").expected_utility == pytest.approx(22.5)
    assert oil.policy("do-nothing").expected_utility == pytest.approx(0.0)


# -- umbrella (Shachter; Netica's example) ------------------------------------------------------


@pytest.fixture(scope="module")
def umbrella_diagram() -> influence.Diagram:
    return influence.load("umbrella")


@pytest.fixture(scope="module")
def umbrella(umbrella_diagram: influence.Diagram) -> influence.Evaluation:
    return influence.evaluate(umbrella_diagram)


def test_umbrella_with_the_forecast_is_worth_77(umbrella: influence.Evaluation) -> None:
    assert umbrella.maximum_expected_utility == pytest.approx(77.0)


def test_umbrella_takes_it_only_when_rain_is_forecast(umbrella: influence.Evaluation) -> None:
    assert _rules(umbrella, "umbrella") == {
        (("forecast", "sunny"),): "leave",
        (("forecast", "cloudy"),): "leave",
        (("forecast", "rainy"),): "take",
    }
    rainy = next(r for r in umbrella.decision("umbrella").rules if r.given["forecast"] == "rainy")
    # P(rainy) = .7*.1 + .3*.6 = .25; P(rain | rainy) = .72: take 20*.28 + 70*.72 = 56, leave 28
    assert rainy.probability == pytest.approx(0.25)
    assert rainy.expected_utilities == pytest.approx({"take": 56.0, "leave": 28.0})


def test_umbrella_policies(umbrella: influence.Evaluation) -> None:
    assert umbrella.policy("always-take").expected_utility == pytest.approx(35.0)
    assert umbrella.policy("never-take").expected_utility == pytest.approx(70.0)
    assert umbrella.policy("take-if-rainy").expected_utility == pytest.approx(77.0)


def test_umbrella_without_the_forecast_takes_35_or_leaves_70() -> None:
    doc = load_yaml_file(bundled.path_of("umbrella"))
    del doc["nodes"]["umbrella"]["observes"]  # no information arc: the forecast is not heard
    del doc["policies"]["take-if-rainy"]  # its rules read the forecast
    blind = influence.diagram_from_dict(doc, file="umbrella-without-forecast")
    result = influence.evaluate(blind)
    assert result.alternatives["umbrella"] == pytest.approx({"take": 35.0, "leave": 70.0})
    assert result.maximum_expected_utility == pytest.approx(70.0)
    # the value of the forecast: 77 - 70
    assert influence.evaluate(influence.load("umbrella")).maximum_expected_utility \
        - result.maximum_expected_utility == pytest.approx(7.0)


def test_umbrella_gives_sources(umbrella_diagram: influence.Diagram) -> None:
    assert umbrella_diagram.sources
    for node in umbrella_diagram.nodes:
        if node.kind != "decision":
            assert node.source, node.name
    assert all(umbrella_diagram.node("satisfaction").row_sources.values())


# -- every bundled model ------------------------------------------------------------------------


@pytest.mark.parametrize("name", bundled.names())
def test_every_bundled_model_validates_and_solves(name: str) -> None:
    diagram = influence.load(name)
    assert diagram.decisions and diagram.utilities
    assert math.isfinite(influence.evaluate(diagram).maximum_expected_utility)


def test_the_default_model_is_bundled() -> None:
    assert bundled.default_model() in bundled.names()
