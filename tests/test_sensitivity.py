"""One-way sensitivity, the result contract, the two-way map and the probabilistic shares."""

from __future__ import annotations

import json

import numpy as np
import pytest
from bet_model import BETA_BET

import influence
from influence import QueryError
from influence.analysis.parameters import apply, parse_parameter
from influence.io.sensitivity_report import render_sensitivity


@pytest.fixture(scope="module")
def oil():
    return influence.load("oil-wildcatter")


@pytest.fixture(scope="module")
def oil_result(oil):
    return influence.sensitivity(oil)


def _evaluate_at(diagram, parameter_id, value, given=None):
    par = parse_parameter(diagram, parameter_id)
    tables, weights = apply(diagram, [par], [[value]])
    plan = influence.plan(diagram, given)
    return plan.evaluate({k: v[0] for k, v in tables.items()},
                         weights={k: float(v[0]) for k, v in weights.items()})


def test_each_end_is_the_diagram_solved_with_that_number(oil, oil_result):
    for p in oil_result.parameters:
        for value, eu, best in ((p.low, p.eu_low, p.best_low), (p.high, p.eu_high, p.best_high)):
            evaluation = _evaluate_at(oil, p.id, value)
            assert eu == pytest.approx(evaluation.maximum_expected_utility, abs=1e-9), p.id
            assert best == evaluation.ranked()[0].id, p.id
        assert p.swing == pytest.approx(abs(p.eu_high - p.eu_low))


def test_ranked_by_swing_with_the_default_ranges(oil, oil_result):
    swings = [p.swing for p in oil_result.parameters]
    assert swings == sorted(swings, reverse=True)
    assert oil_result.total == len(oil_result.parameters) == 25
    dry = oil_result.parameter("oil:dry")
    assert (dry.low, dry.high, dry.source) == pytest.approx((0.375, 0.625, "default"))
    # At P(dry) = 0.375 drilling blind is best (EU 42.5); at 0.625 testing (EU 7.375).
    assert (dry.eu_low, dry.eu_high) == pytest.approx((42.5, 7.375))
    assert (dry.best_low, dry.best_high) == ("drill-blind", "test-and-follow")
    assert oil_result.base_expected_utility == pytest.approx(22.5)
    assert oil_result.base_best == "test-and-follow"
    assert dry.within == pytest.approx((27 / 59,))


def test_top_keeps_the_largest_swings_only(oil, oil_result):
    top = influence.sensitivity(oil, top=3)
    assert [p.id for p in top.parameters] == [p.id for p in oil_result.parameters[:3]]
    assert top.total == 25


def test_json_contract(oil):
    result = influence.sensitivity(oil, ["oil:dry", "weight:payoff"])
    data = json.loads(render_sensitivity(result, "json"))
    assert set(data) == {"model", "base_expected_utility", "parameters"}
    assert data["model"] == "oil-wildcatter" and data["base_expected_utility"] == 22.5
    for p in data["parameters"]:
        assert set(p) == {"id", "kind", "point", "low", "high", "eu_low", "eu_high", "swing",
                          "best_low", "best_high", "thresholds"}
        assert p["kind"] in ("probability", "utility", "weight")
        for t in p["thresholds"]:
            assert set(t) == {"value", "decision", "information_state", "from", "to"}
    dry = next(p for p in data["parameters"] if p["id"] == "oil:dry")
    assert dry["thresholds"][1] == {"value": pytest.approx(44 / 65), "decision": "drill",
                                    "information_state": {"test": "yes", "result": "open"},
                                    "from": "yes", "to": "no"}
    two = json.loads(render_sensitivity(influence.sensitivity(
        oil, ["oil:dry"], two_way=("oil:dry", "payoff[drill=yes,oil=soaking]"), grid=5),
        "json"))
    assert set(two) == {"model", "base_expected_utility", "parameters", "two_way"}


def test_a_scenario_changes_the_base_and_the_ends(oil):
    given = {"oil": "wet"}
    result = influence.sensitivity(oil, ["payoff[drill=yes,oil=wet]", "oil:dry"],
                                   given=given)
    assert result.given == given
    assert result.base_expected_utility == pytest.approx(
        influence.evaluate(oil, given=given).maximum_expected_utility)
    p = result.parameter("payoff[drill=yes,oil=wet]")
    assert p.eu_low == pytest.approx(_evaluate_at(oil, p.id, p.low, given)
                                     .maximum_expected_utility)
    # Knowing the oil is wet, the test tells nothing and costs 10: never test, and drill
    # when the payoff is positive. One break-even value, at 0.
    assert sorted({t.value for t in p.thresholds}) == pytest.approx([0.0])


def test_a_range_end_that_makes_the_scenario_impossible_is_refused(oil):
    with pytest.raises(QueryError, match="oil:wet over which the scenario oil=wet can occur"):
        influence.sensitivity(oil, ["oil:wet"], given={"oil": "wet"}, ranges={"oil:wet": (0, 1)})
    # The break-even search moves such an end a hair inwards instead (a probability's domain
    # is always [0, 1]).
    found = influence.thresholds(oil, ["oil:wet"], given={"oil": "wet"})
    assert found["oil:wet"] == ()


def test_two_way_map_matches_the_solver_cell_by_cell(oil):
    a, b = "oil:dry", "payoff[drill=yes,oil=soaking]"
    result = influence.sensitivity(oil, [a], two_way=(a, b), grid=7).two_way
    assert result.a_values.tolist() == pytest.approx(np.linspace(0.375, 0.625, 7).tolist())
    labels = {r.id: r.label for r in result.regions}
    for i, x in enumerate(result.a_values):
        for j, y in enumerate(result.b_values):
            pa, pb = parse_parameter(oil, a), parse_parameter(oil, b)
            tables, _ = apply(oil, [pa, pb], [[x, y]])
            ev = influence.plan(oil).evaluate({k: v[0] for k, v in tables.items()})
            assert result.maximum_expected_utility[i, j] == pytest.approx(
                ev.maximum_expected_utility)
            test = ev.decision("test").rules[0].choose
            assert labels[int(result.region[i, j])].startswith(f"test={test}")
    assert sum(r.cells for r in result.regions) == 49
    # On each side of every boundary point the solver's optimal strategies differ.
    assert result.boundary
    for point in result.boundary:
        step = 1e-6 * (250 - 150 if point.along == "b" else 0.25)
        da, db = (0, step) if point.along == "b" else (step, 0)
        below = _strategy(oil, (a, b), (point.a - da, point.b - db))
        above = _strategy(oil, (a, b), (point.a + da, point.b + db))
        assert below != above and point.before != point.after


def _strategy(diagram, names, values):
    pars = [parse_parameter(diagram, n) for n in names]
    tables, _ = apply(diagram, pars, [list(values)])
    ev = influence.plan(diagram).evaluate({k: v[0] for k, v in tables.items()})
    return tuple(d.compact_rules() for d in ev.optimal_strategy)


def test_two_way_refuses_two_probabilities_of_one_row(oil):
    with pytest.raises(QueryError, match="different rows"):
        influence.two_way(oil, "oil:dry", "oil:wet")
    with pytest.raises(QueryError, match="two different parameters"):
        influence.two_way(oil, "oil:dry", "oil : dry")
    with pytest.raises(QueryError, match="at least 3"):
        influence.two_way(oil, "oil:dry", "weight:payoff", grid=2)


@pytest.mark.parametrize("kwargs, words", [
    ({"top": 0}, "`top`"),
    ({"draws": 10}, "`draws` only with `prior` or `posterior`"),
    ({"prior": True, "posterior": "x.nc"}, "got both"),
    ({"grid": 11}, "`grid` only with `two_way`"),
    ({"two_way": "oil:dry"}, "two parameter names"),
    ({"prior": True, "seed": -1}, "`seed`"),
])
def test_bad_arguments_say_what_was_expected(oil, kwargs, words):
    with pytest.raises(QueryError, match=words):
        influence.sensitivity(oil, ["oil:dry"], **kwargs)


def test_a_plan_can_be_passed_and_is_not_rebuilt(oil):
    plan = influence.plan(oil)
    result = influence.sensitivity(plan, ["oil:dry"])
    assert result.parameter("oil:dry").eu_low == pytest.approx(42.5)
    with pytest.raises(QueryError, match="`given`"):
        influence.sensitivity(plan, ["oil:dry"], given={"oil": "wet"})
    with pytest.raises(QueryError, match="a Diagram"):
        influence.sensitivity("oil-wildcatter")


# -- probabilistic ---------------------------------------------------------------------------

# The bet model with a second utility node that does not depend on the decision and carries a
# prior: it moves every option alike, so it explains none of the difference between them.
LUCKY_BET = BETA_BET + """\
  luck:
    type: utility
    parents: [win]
    values:
      - {given: {win: "no"}, value: 0, prior: {normal: [0, 30]}}
      - {given: {win: "yes"}, value: 10}
"""


def test_the_difference_of_the_bet_is_explained_by_the_chance_of_winning():
    diagram = influence.loads(LUCKY_BET)
    result = influence.sensitivity(diagram, prior=True, draws=4000, seed=3)
    prob = result.probabilistic
    assert (prob.uncertainty, prob.draws, prob.seed) == ("prior", 4000, 3)
    # EU(bet) - EU(pass) = 150 p - 50 with p ~ Beta(2, 2): linear in p, so p explains all.
    assert {prob.best, prob.runner_up} == {"bet=bet", "bet=pass"}
    shares = {s.id: s for s in prob.parameters}
    assert shares["win:yes"].variance_share == pytest.approx(1.0, abs=1e-9)
    assert shares["luck[win=no]"].variance_share < 0.01
    assert abs(shares["luck[win=no]"].variance_share) < 4 * shares["luck[win=no]"]\
        .standard_error + 1e-3
    assert prob.difference_mean == pytest.approx(150 * 0.5 - 50, abs=3)
    assert prob.difference_sd == pytest.approx(150 * np.sqrt(1 / 20), rel=0.05)


PRIZE_BET = """\
name: prize-bet
parameters:
  prize: {value: 100, prior: {uniform: [50, 150]}}
nodes:
  win:
    type: chance
    states: ["no", "yes"]
    p: [0.5, 0.5]
  bet:
    type: decision
    states: [pass, bet]
  gain:
    type: utility
    parents: [bet, win]
    values:
      - {given: {bet: pass, win: "no"}, value: 0}
      - {given: {bet: pass, win: "yes"}, value: 0}
      - {given: {bet: bet, win: "no"}, value: -50}
      - {given: {bet: bet, win: "yes"}, value: "prize"}
"""


def test_a_named_parameter_explains_the_difference_it_drives():
    """EU(bet) - EU(pass) = prize / 2 - 25 with prize ~ U(50, 150): the named parameter's own
    draws explain all of it."""
    diagram = influence.loads(PRIZE_BET)
    prob = influence.sensitivity(diagram, ["param:prize"], prior=True, draws=2000,
                                 seed=2).probabilistic
    (share,) = prob.parameters
    assert share.id == "param:prize" and share.correlation > 0
    assert share.variance_share == pytest.approx(1.0, abs=1e-9)
    assert prob.difference_mean == pytest.approx(25, abs=1.5)
    assert prob.difference_sd == pytest.approx(100 / np.sqrt(12) / 2, rel=0.05)


def test_the_probabilistic_section_reproduces_evaluate_under_the_prior():
    diagram = influence.loads(LUCKY_BET)
    result = influence.sensitivity(diagram, prior=True, draws=500, seed=11)
    evaluation = influence.evaluate(diagram, prior=True, draws=500, seed=11)
    options = {o.id: o for o in evaluation.options}
    prob = result.probabilistic
    difference = options[prob.best].draws - options[prob.runner_up].draws
    assert prob.difference_mean == pytest.approx(float(difference.mean()))
    assert prob.probability_best == pytest.approx(float(np.mean(difference >= 0)))


def test_a_model_without_priors_has_no_probabilistic_sensitivity(oil):
    with pytest.raises(QueryError, match="priors"):
        influence.sensitivity(oil, ["oil:dry"], prior=True, draws=10)
