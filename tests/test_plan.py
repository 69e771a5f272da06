"""The public compiled plan: one diagram evaluated on its own numbers, on changed tables, on
changed weights and on batches of draws, each checked against a fresh solve of a diagram that
holds those numbers."""

from __future__ import annotations

import numpy as np
import pytest

import influence
from influence import QueryError, diagram_from_dict
from influence.testing import model_dict, perturbed_parameters, random_diagram


@pytest.fixture(scope="module")
def oil():
    return influence.load("oil-wildcatter")


def rebuilt(diagram, tables=None, weights=None):
    """The same diagram with other numbers, built from scratch (no plan shared)."""
    doc = model_dict(diagram, tables)
    for name, w in (weights or {}).items():
        doc["nodes"][name]["weight"] = w
    return diagram_from_dict(doc)


def test_a_plan_on_its_own_numbers_is_the_solve(oil) -> None:
    p = influence.plan(oil)
    assert p.evaluate().to_dict() == influence.solve(oil).to_dict()
    assert p.evaluate().maximum_expected_utility == pytest.approx(22.5)


def test_three_sets_of_changed_numbers_match_fresh_solves(oil) -> None:
    """What the README shows: one plan, three other priors on the amount of oil."""
    p = influence.plan(oil)
    for prior in ([0.2, 0.3, 0.5], [0.7, 0.2, 0.1], [0.5, 0.5, 0.0]):
        ours = p.evaluate({"oil": prior})
        fresh = influence.solve(rebuilt(oil, {"oil": np.array(prior)}))
        _close(ours, fresh)


def _close(a, b) -> bool:
    assert a.maximum_expected_utility == pytest.approx(b.maximum_expected_utility, abs=1e-12)
    assert [o.id for o in a.options] == [o.id for o in b.options]
    assert [o.expected_utility for o in a.options] == pytest.approx(
        [o.expected_utility for o in b.options], abs=1e-12)
    for da, db in zip(a.optimal_strategy, b.optimal_strategy, strict=True):
        assert [r.choose for r in da.rules] == [r.choose for r in db.rules]
    return True


@pytest.mark.parametrize("seed", range(12))
def test_changed_tables_and_weights_on_random_diagrams(seed: int) -> None:
    d = random_diagram(seed, chance=4, decisions=2, utilities=2, policies=2, weights=True)
    draws = perturbed_parameters(d, 1, seed)
    tables = {k: v[0] for k, v in draws.items()}
    weights = {u.name: 0.5 + seed % 3 for u in d.utilities}
    ours = influence.plan(d).evaluate(tables, weights=weights)
    _close(ours, influence.solve(rebuilt(d, tables, weights)))


@pytest.mark.parametrize("seed", range(8))
def test_per_draw_values_equal_a_fresh_solve_of_each_draw(seed: int) -> None:
    d = random_diagram(seed, chance=4, decisions=3, policies=2)
    draws = perturbed_parameters(d, 5, seed)
    weights = {d.utilities[0].name: np.linspace(0.5, 2.0, 5)}
    values = influence.plan(d).expected_utilities(draws, weights=weights)
    assert values.maximum_expected_utility.shape == (5,)
    for s in range(5):
        one = influence.solve(rebuilt(d, {k: v[s] for k, v in draws.items()},
                                      {k: float(v[s]) for k, v in weights.items()}))
        assert values.maximum_expected_utility[s] == pytest.approx(
            one.maximum_expected_utility, abs=1e-9)
        for option in one.options:
            assert values.options[option.id][s] == pytest.approx(option.expected_utility,
                                                                  abs=1e-9)


def test_per_draw_choices_are_the_optimal_rules(oil) -> None:
    # Draw 0: the model's prior; draw 1: certainly dry (nothing is worth doing).
    values = influence.plan(oil).expected_utilities({"oil": [[0.5, 0.3, 0.2], [1, 0, 0]]})
    assert values.maximum_expected_utility == pytest.approx([22.5, 0.0])
    test = oil.node("test")
    assert [test.states[i] for i in values.choices[0]] == ["yes", "no"]
    assert values.options["test=yes"] == pytest.approx([22.5, -10.0])


def test_a_batch_evaluation_reports_the_uncertainty(oil) -> None:
    result = influence.plan(oil).evaluate({"oil": [[0.5, 0.3, 0.2], [1, 0, 0]]})
    assert result.uncertainty == "draws" and result.draws == 2
    assert result.meu_draws is not None
    assert result.evpi_parameters >= 0


def test_marginals_from_a_plan(oil) -> None:
    p = influence.plan(oil)
    m = p.marginal("result", {"test": "yes"})
    assert m == pytest.approx({"none": 0.0, "closed": 0.24, "open": 0.35, "diffuse": 0.41})
    assert m == pytest.approx(influence.marginal(oil, "result", {"test": "yes"}))
    certain = p.marginal("result", {"test": "yes"}, tables={"oil": [0, 0, 1]})
    fresh = influence.marginal(rebuilt(oil, {"oil": np.array([0.0, 0.0, 1.0])}), "result",
                               {"test": "yes"})
    assert certain == pytest.approx(fresh)
    with pytest.raises(QueryError, match="fix the decision"):
        p.marginal("result")


def test_evaluate_takes_a_plan_and_keeps_its_scenario(oil) -> None:
    p = influence.plan(oil, {"oil": "wet"})
    assert influence.evaluate(p).maximum_expected_utility == pytest.approx(50.0)
    with pytest.raises(QueryError, match="`given`"):
        influence.evaluate(p, given={"oil": "dry"})


@pytest.mark.parametrize("tables, words", [
    ({"oil": [0.5, 0.5]}, "expected a table of shape (3,)"),
    ({"oil": [0.5, 0.6, -0.1]}, "probabilities in [0, 1], got -0.1"),
    ({"oil": [0.5, 0.6, 0.1]}, "each row to sum to 1, got 1.2"),
    ({"oil": [[0.5, 0.3, 0.2], [0.5, np.nan, 0.2]]}, "finite numbers, got nan (draw 1"),
    ({"oill": [0.5, 0.3, 0.2]}, "did you mean 'oil'"),
    ({"test": [1, 0]}, "got the decision node 'test'"),
    ({"oil": [[0.5, 0.3, 0.2]] * 2, "test_cost": [[0, -10.0]] * 3},
     "same number of draws"),
])
def test_bad_tables_are_refused_naming_node_and_value(oil, tables, words) -> None:
    with pytest.raises(QueryError) as info:
        influence.plan(oil).evaluate(tables)
    assert words in str(info.value)
    assert info.value.parameter == "tables"


def test_bad_weights_are_refused(oil) -> None:
    utility = oil.utilities[0].name
    with pytest.raises(QueryError, match="finite weights"):
        influence.plan(oil).evaluate(weights={utility: float("inf")})
    with pytest.raises(QueryError, match="utility nodes"):
        influence.plan(oil).evaluate(weights={"oil": 2.0})


def test_a_plan_needs_a_diagram() -> None:
    with pytest.raises(QueryError, match="expected a Diagram"):
        influence.plan(None)
    with pytest.raises(QueryError, match="expected a Diagram"):
        influence.evaluate("oil-wildcatter")


@pytest.mark.parametrize("kwargs, words", [
    ({"draws": 10}, "`draws` only with `prior` or `posterior`"),
    ({"seed": 3}, "`seed` only with `prior` or `posterior`"),
    ({"given": "oil=wet"}, "expected `given` to be a mapping"),
])
def test_python_arguments_are_checked(oil, kwargs, words) -> None:
    with pytest.raises(QueryError) as info:
        influence.evaluate(oil, **kwargs)
    assert words in str(info.value)


def test_a_negative_seed_is_refused() -> None:
    article = influence.load("cartel-intervention")
    with pytest.raises(QueryError, match="`seed` to be a whole number >= 0, got -1"):
        influence.evaluate(article, prior=True, draws=10, seed=-1)


def test_weighted_values_beyond_the_bound_are_refused(oil) -> None:
    with pytest.raises(QueryError, match=r"\|value x weight\| at most 1e\+300, got values up "
                                         r"to 200 with weights up to 1e\+308"):
        influence.plan(oil).evaluate(weights={"payoff": 1e308})


def test_expected_utilities_that_overflow_are_an_error_naming_the_node(oil) -> None:
    """Numbers that pass unchecked (prior or posterior draws) but whose expected value is not a
    finite number: an error naming the utility node, never 'n/a' with exit 0."""
    p = influence.plan(oil)
    huge = np.full((2, 2, 3), 1e308)
    ops = p.operands({"payoff": huge}, check=False)
    ops["test_cost"] = np.full((1, 2), 1e308)
    with pytest.raises(influence.ModelError, match="got a total that overflows"):
        with np.errstate(over="ignore", invalid="ignore"):
            p.evaluate_chunks(lambda: iter([ops]), prepared=True)
    ops["payoff"] = np.full((2, 2, 3), np.inf)
    with pytest.raises(influence.ModelError, match="node 'payoff'.*expected finite expected "
                                                   "utilities"):
        with np.errstate(over="ignore", invalid="ignore"):
            p.evaluate_chunks(lambda: iter([ops]), prepared=True)


@pytest.mark.parametrize("seed", range(6))
def test_per_draw_reach_and_strategy_values_agree_with_fresh_solves(seed: int) -> None:
    """Draw by draw: the probability of each information state under the draw's optimal
    strategy is the rule's probability in a fresh solve, and the value of each draw's strategy
    evaluated on every draw's numbers matches the fresh solve where the numbers are its own."""
    d = random_diagram(seed, chance=4, decisions=2, observes=2, zeros=0.2)
    draws = perturbed_parameters(d, 3, seed)
    p = influence.plan(d)
    values = p.expected_utilities(draws)
    for s in range(3):
        fresh = influence.solve(rebuilt(d, {k: v[s] for k, v in draws.items()}))
        for k, decision in enumerate(fresh.optimal_strategy):
            probabilities = [r.probability for r in decision.rules]
            assert np.ravel(values.reach[k][s]) == pytest.approx(probabilities, abs=1e-12)
        own = tuple(c[s] for c in values.choices)
        assert p.strategy_values(own, {k: v[s] for k, v in draws.items()})[0] == pytest.approx(
            fresh.maximum_expected_utility, abs=1e-9)
    # Each draw's own strategy on its own numbers is that draw's maximum.
    assert p.strategy_values(values.choices, draws) == pytest.approx(
        values.maximum_expected_utility, abs=1e-9)
    # Any one draw's strategy is worth at most the maximum on every draw's numbers.
    shared = p.strategy_values(tuple(c[0] for c in values.choices), draws)
    assert np.all(shared <= values.maximum_expected_utility + 1e-9)


def test_a_diagram_without_decisions_is_evaluated() -> None:
    """A Bayesian network with a utility: the expected utility, its distribution and the
    marginals, with no strategy to choose."""
    d = influence.loads("""
name: bn
nodes:
  a: {type: chance, states: [x, y], p: [0.3, 0.7]}
  b:
    type: chance
    states: [x, y]
    parents: [a]
    cpt: [{given: {a: x}, p: [0.9, 0.1]}, {given: {a: y}, p: [0.2, 0.8]}]
  u: {type: utility, parents: [b], values: [{given: {b: x}, value: 10}, {given: {b: y}, value: 0}]}
""")
    r = influence.evaluate(d)
    assert r.maximum_expected_utility == pytest.approx(4.1)
    assert r.optimal_strategy == () and r.options == ()
    assert dict(r.risk_profile) == pytest.approx({0.0: 0.59, 10.0: 0.41})
    assert influence.marginal(d, "b") == pytest.approx({"x": 0.41, "y": 0.59})
