"""Break-even values: closed forms, the oil wildcatter by hand, and every strategy enumerated.

The independent check is brute force: on small random diagrams every strategy is listed, its
expected utility is evaluated at the two ends of a parameter's domain with
``Plan.strategy_values`` (a line, since it is affine in the parameter), and the kinks of the
upper envelope of all the lines are found by intersecting every pair. The break-even values
must be exactly those kinks.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest

import influence
from influence.analysis.parameters import parse_parameter
from influence.analysis.ranges import parse_ranges, ranged, select
from influence.analysis.sweep import Sweep, settings
from influence.testing import random_diagram, scenario_candidates

ONE_DECISION = """\
name: one-decision
nodes:
  x:
    type: chance
    states: [lo, hi]
    p: [0.7, 0.3]
  d:
    type: decision
    states: [a, b]
  u:
    type: utility
    parents: [d, x]
    values:
      - {{given: {{d: a, x: lo}}, value: {a0}}}
      - {{given: {{d: a, x: hi}}, value: {a1}}}
      - {{given: {{d: b, x: lo}}, value: {b0}}}
      - {{given: {{d: b, x: hi}}, value: {b1}}}
"""


@pytest.fixture(scope="module")
def oil():
    return influence.load("oil-wildcatter")


def _values(result, parameter_id):
    return sorted({t.value for t in result[parameter_id]})


@pytest.mark.parametrize("a0, a1, b0, b1", [(10, -40, 0, 0), (3, 7, 5, 1), (-2, 9, 4, -6)])
def test_one_decision_break_even_is_a_ratio_of_utility_differences(a0, a1, b0, b1):
    diagram = influence.loads(ONE_DECISION.format(a0=a0, a1=a1, b0=b0, b1=b1))
    result = influence.thresholds(diagram, ["x:hi", "u[d=a,x=hi]"])
    # EU(a) = (1-p) a0 + p a1 and EU(b) = (1-p) b0 + p b1 cross at p* below.
    p_star = Fraction(a0 - b0, (a0 - b0) + (b1 - a1))
    found = result["x:hi"]
    assert len(found) == 1 and found[0].value == pytest.approx(float(p_star), abs=1e-12)
    better_low = "a" if a0 > b0 else "b"
    assert (found[0].decision, found[0].before) == ("d", better_low)
    assert found[0].after == ({"a", "b"} - {better_low}).pop()
    # In a1: (1-p) a0 + p a1 = (1-p) b0 + p b1 at a1* = b1 + (1-p)(b0 - a0)/p, p = 0.3.
    a1_star = b1 + Fraction(7, 10) * (b0 - a0) / Fraction(3, 10)
    (utility,) = result["u[d=a,x=hi]"]
    assert utility.value == pytest.approx(float(a1_star), rel=1e-12)
    assert (utility.before, utility.after) == ("b", "a")


def test_oil_wildcatter_break_even_prior_of_dry(oil):
    result = influence.thresholds(oil, ["oil:dry", "test_cost[test=yes]",
                                        "payoff[drill=yes,oil=dry]"])
    # P(dry) = v, wet and soaking share 1 - v as 3:2. No test: drill worth 110 - 180 v.
    # Testing: -10 + max(0, 49 - 56 v) [closed] + max(0, 44 - 65 v) [open]
    #          + max(0, 17 - 59 v) [diffuse].
    # Testing starts to pay at 83 - 121 v = 110 - 180 v (v = 27/59), the open result stops
    # being drilled at 44/65, and testing stops paying when 39 - 56 v = 0 (v = 39/56).
    dry = result["oil:dry"]
    assert [t.value for t in dry] == pytest.approx([27 / 59, 44 / 65, 39 / 56], abs=1e-12)
    assert [(t.decision, dict(t.information_state), t.before, t.after) for t in dry] == [
        ("test", {}, "no", "yes"),
        ("drill", {"test": "yes", "result": "open"}, "yes", "no"),
        ("test", {}, "yes", "no")]
    # The test is worth its cost up to the expected value of sample information, 12.5.
    (cost,) = result["test_cost[test=yes]"]
    assert cost.value == pytest.approx(-12.5, abs=1e-12) and (cost.before, cost.after) == (
        "no", "yes")
    # Payoff x of a dry well: test from x = -290, drill on 'open' from -440/3, and stop
    # testing (drill blind) from -185/3.
    assert _values(result, "payoff[drill=yes,oil=dry]") == pytest.approx(
        [-290, -440 / 3, -185 / 3], abs=1e-9)


def test_thresholds_are_values_of_the_whole_domain(oil):
    result = influence.thresholds(oil, ["payoff[drill=yes,oil=dry]"],
                                  ranges={"payoff[drill=yes,oil=dry]": (-200, 0)})
    assert result.domains["payoff[drill=yes,oil=dry]"] == (-200, 0)
    assert _values(result, "payoff[drill=yes,oil=dry]") == pytest.approx([-440 / 3, -185 / 3])
    # A probability is searched over [0, 1] whatever its one-way range.
    wide = influence.thresholds(oil, ["oil:dry"], ranges={"oil:dry": (0.45, 0.5)})
    assert len(wide["oil:dry"]) == 3 and wide.domains["oil:dry"] == (0.0, 1.0)


# -- brute force --------------------------------------------------------------------------------


def _strategies(plan):
    """Every strategy: for each decision, a choice in each information state."""
    spaces = []
    for k, d in enumerate(plan.diagram.decisions):
        shape = tuple(plan.sizes[v] for v in plan.past(k))
        cells = int(np.prod(shape, dtype=int))
        spaces.append([np.array(c).reshape(shape) for c in
                       itertools.product(range(len(d.states)), repeat=cells)])
    return list(itertools.product(*spaces))


def _envelope_kinks(plan, parameter, low, high, strategies):
    """Kinks of the maximum over every strategy's line, in the parameter's values. Each line
    is evaluated at a quarter and three quarters of the domain (a scenario may be impossible
    at an end), as the expected utility times the scenario's probability."""
    width = high - low
    sweep = Sweep.of([0] * 2 * len(strategies), [low + width / 4, low + 3 * width / 4]
                     * len(strategies))
    tables, weights = settings(plan, [parameter], sweep)
    choices = tuple(np.stack([s[k] for s in strategies for _ in (0, 1)])
                    for k in range(len(strategies[0])))
    eu = plan.strategy_values(choices, tables, weights=weights)
    eu = eu * plan.evidence_probability(plan.operands(tables, weights))
    slope = 2 * (eu[1::2] - eu[0::2])  # per unit of the domain's width
    start = eu[0::2] - slope / 4
    scale = max(np.abs(eu).max(), 1e-300)
    tol = 1e-9 * scale
    i, j = np.triu_indices(len(strategies), 1)
    differ = np.abs(slope[i] - slope[j]) > tol
    at = (start[j] - start[i])[differ] / (slope[i] - slope[j])[differ]
    at = at[(at > 1e-9) & (at < 1 - 1e-9)]
    kinks = []
    for x in np.unique(np.round(at, 12)):
        values = start + x * slope
        top = values >= values.max() - tol
        if slope[top].max() - slope[top].min() > tol:
            if not kinks or x - kinks[-1] > 1e-9:
                kinks.append(x)
    return [low + x * (high - low) for x in kinks]


def _small_diagrams():
    out = []
    for seed in range(40):
        diagram = random_diagram(seed, chance=3, decisions=2, utilities=2, states=(2, 2),
                                 observes=1, weights=True)
        plan = influence.plan(diagram)
        count = np.prod([len(d.states) ** int(np.prod([plan.sizes[v] for v in plan.past(k)]))
                         for k, d in enumerate(diagram.decisions)])
        if count <= 2048:
            out.append(diagram)
        if len(out) == 8:
            break
    return out


@pytest.mark.parametrize("diagram", _small_diagrams(), ids=lambda d: d.name)
def test_break_even_values_are_the_kinks_of_the_envelope_of_every_strategy(diagram):
    plan = influence.plan(diagram)
    strategies = _strategies(plan)
    parameters = select(diagram, None)
    items = ranged(diagram, parameters, {})
    result = influence.thresholds(plan, [p.id for p in parameters])
    total = 0
    for item in items:
        low, high = item.domain
        expected = _envelope_kinks(plan, item.parameter, low, high, strategies)
        found = _values(result, item.parameter.id)
        width = high - low
        assert len(found) == len(expected), (item.parameter.id, found, expected)
        assert np.allclose(found, expected, rtol=0, atol=1e-9 * width), item.parameter.id
        total += len(found)
    assert total > 0


def test_under_a_scenario_the_kinks_are_those_of_the_conditional_problem():
    checked = 0
    for diagram in _small_diagrams():
        candidates = scenario_candidates(diagram)
        if not candidates:
            continue
        node = diagram.node(candidates[0])
        plan = influence.plan(diagram, {node.name: node.states[0]})
        strategies = _strategies(plan)
        items = ranged(diagram, select(diagram, None), {})
        result = influence.thresholds(plan, [i.parameter.id for i in items])
        for item in items:
            low, high = item.domain
            expected = _envelope_kinks(plan, item.parameter, low, high, strategies)
            assert np.allclose(_values(result, item.parameter.id), expected, rtol=0,
                               atol=1e-9 * (high - low)), item.parameter.id
            checked += len(expected)
    assert checked > 0


# -- the choice differs on the two sides of every break-even value -------------------------------


def _choice(plan, parameter, value, decision, state):
    sweep = Sweep.of([0], [value])
    tables, weights = settings(plan, [parameter], sweep)
    drawn = plan.expected_utilities(tables, weights=weights)
    k = [d.name for d in plan.diagram.decisions].index(decision)
    index = tuple(plan.diagram.node(v).states.index(state[v]) for v in plan.past(k))
    return plan.diagram.node(decision).states[int(drawn.choices[k][(0, *index)])]


@pytest.mark.parametrize("model, names", [
    ("oil-wildcatter", None),
    ("cartel-intervention", ["param:us_demand[demand_reduction=yes]", "param:cost_development",
                             "param:overdose_swing", "param:relations_weight",
                             "param:mexican_death_weight", "weight:u_overdose"]),
])
def test_just_below_and_above_a_break_even_value_the_choice_differs(model, names):
    diagram = influence.load(model)
    plan = influence.plan(diagram)
    # the article model's overdose swing searched over plausible sizes only: near ten times its
    # value several choices change within a hair of each other
    ranges = {"param:overdose_swing": (0.0, 40000.0)} if model == "cartel-intervention" else None
    result = influence.thresholds(plan, names, ranges=ranges)
    checked = 0
    for parameter_id, found in result.thresholds.items():
        parameter = parse_parameter(diagram, parameter_id)
        low, high = result.domains[parameter_id]
        values = sorted({t.value for t in found})
        for t in found:
            gaps = [abs(t.value - v) for v in values if v != t.value] + [t.value - low,
                                                                         high - t.value]
            step = min(1e-6 * (high - low), min(gaps) / 2)
            state = dict(t.information_state)
            assert _choice(plan, parameter, t.value - step, t.decision, state) == t.before
            assert _choice(plan, parameter, t.value + step, t.decision, state) == t.after
            checked += 1
    assert checked >= 5


def test_a_kink_at_the_end_of_the_domain_is_not_a_break_even_value(oil):
    # P(none | dry, test=yes) is 0: at 0 the state 'none' after a test cannot occur, and just
    # above it, it can. That is not a change of choice anywhere inside [0, 1].
    result = influence.thresholds(oil, ["result[oil=wet,test=yes]:none"])
    assert all(0 < t.value < 1 for t in result["result[oil=wet,test=yes]:none"])


def test_random_diagrams_with_structural_zeros_agree_with_brute_force():
    checked = 0
    for seed in range(60):
        diagram = random_diagram(seed, chance=3, decisions=2, utilities=2, states=(2, 3),
                                 observes=1, zeros=0.3)
        plan = influence.plan(diagram)
        strategies = _strategies(plan) if _count(plan) <= 1500 else None
        if strategies is None:
            continue
        items = ranged(diagram, select(diagram, None), parse_ranges(diagram, None))
        result = influence.thresholds(plan, [i.parameter.id for i in items])
        for item in items:
            low, high = item.domain
            expected = _envelope_kinks(plan, item.parameter, low, high, strategies)
            assert np.allclose(_values(result, item.parameter.id), expected, rtol=0,
                               atol=1e-9 * (high - low)), (seed, item.parameter.id)
            checked += len(expected)
        if checked > 40:
            break
    assert checked > 40


def _count(plan):
    return np.prod([len(d.states) ** int(np.prod([plan.sizes[v] for v in plan.past(k)]))
                    for k, d in enumerate(plan.diagram.decisions)])
