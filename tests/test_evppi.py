"""EVPI and EVPPI: a closed form, the solver's own per-draw values, nested Monte Carlo,
bounds, regression, groups, scenarios and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from voi_models import normal_bet, three_way, with_priors

import influence
from influence.analysis.beliefs import beliefs
from influence.analysis.groups import conditional_rows, split_specs
from influence.bayes.draws import sample_prior_parameters, uncertain_slots
from influence.errors import QueryError
from influence.solve.kernels import backward_induction

# -- closed form ------------------------------------------------------------------------------


@pytest.mark.parametrize(("mu", "sigma"), [(1.0, 2.0), (-3.0, 2.0), (0.0, 5.0), (10.0, 4.0)])
def test_normal_net_benefit_closed_form(mu, sigma):
    # EVPI of choosing between 0 and X ~ N(mu, sigma): E[max(0, X)] - max(0, mu)
    phi = math.exp(-0.5 * (mu / sigma) ** 2) / math.sqrt(2 * math.pi)
    big_phi = 0.5 * math.erfc(abs(mu) / sigma / math.sqrt(2))  # Phi(-|mu| / sigma)
    expected = sigma * phi - abs(mu) * big_phi
    r = influence.evppi(normal_bet(mu, sigma), prior=True, draws=200_000, seed=4)
    assert r.maximum_expected_utility == pytest.approx(max(0.0, mu))
    assert abs(r.evpi_parameters - expected) <= 4 * r.evpi_se + 1e-12
    (group,) = r.groups
    assert group.group == "gain" and group.parameters == ("gain[choose=switch]",)
    assert group.value == pytest.approx(r.evpi_parameters, rel=1e-12, abs=1e-12)
    assert group.method == "conditional-means"


# -- against the solver, draw by draw ---------------------------------------------------------


def _by_solver(diagram, node_names, draws, seed):
    """EVPPI of the rows of ``node_names`` from the plan's own per-draw values: each draw of
    the group valued with the rest at the prior means, minus the Bayes strategy's value."""
    plan = influence.plan(diagram)
    drawn = sample_prior_parameters(diagram, draws, seed)
    means = {n.name: np.array(n.table) for n in diagram.nodes if n.table is not None}
    for slot in uncertain_slots(diagram):
        means[slot.node][slot.index] = slot.prior.mean()
    tables = dict(means)
    for n in node_names:
        tables[n] = drawn[n]
    best = plan.expected_utilities(means)
    choices = tuple(c[0] for c in best.choices)
    own = plan.expected_utilities(tables).maximum_expected_utility
    star = plan.strategy_values(choices, tables)
    return float(np.mean(own - star)), float(best.maximum_expected_utility[0]), own - star


@pytest.mark.parametrize("seed", range(10))
def test_node_groups_match_the_solvers_per_draw_values(seed):
    diagram = with_priors(seed, chance=4, decisions=2, states=(2, 3))
    r = influence.evppi(diagram, prior=True, draws=300, seed=seed)
    for g in r.groups:
        value, meu, _ = _by_solver(diagram, [g.group], 300, seed)
        assert g.value == pytest.approx(value, abs=1e-7 * max(1.0, abs(meu)))
        assert r.maximum_expected_utility == pytest.approx(meu)
    everything, _, _ = _by_solver(diagram, [g.group for g in r.groups], 300, seed)
    assert r.evpi_parameters == pytest.approx(everything, abs=1e-7 * max(1.0, abs(meu)))


def _nested(diagram, groups, outer, inner, seed):
    """Nested Monte Carlo: for each outer draw of the group, the Bayes decision over inner
    draws of everything else, minus the value there of the strategy optimal without the
    group (no means plugged in anywhere)."""
    plan = influence.plan(diagram)
    outer_draws = sample_prior_parameters(diagram, outer, seed)
    slots = [s for s in uncertain_slots(diagram) if s.node in groups]
    star = None
    stages = []
    for j in range(outer):
        tables = sample_prior_parameters(diagram, inner, seed=10_000 + j)
        tables = {k: np.array(np.broadcast_to(v, (inner,) + v.shape[1:]))
                  for k, v in tables.items()}
        for s in slots:
            tables[s.node][(slice(None), *s.index)] = outer_draws[s.node][(j, *s.index)]
        stages.append(plan.stage_tensor(plan.operands(tables, check=False)).mean(axis=0))
    star = backward_induction(np.mean(stages, axis=0)[None], plan.layout, values=False).choices
    gains = []
    for stage in stages:
        best = backward_induction(stage[None], plan.layout, values=False).expected_utility[0]
        fixed = backward_induction(stage[None], plan.layout, fixed=star,
                                   values=False).expected_utility[0]
        gains.append(best - fixed)
    return np.array(gains)


@pytest.mark.parametrize("seed", [0, 3, 9])
def test_conditional_means_agree_with_nested_monte_carlo(seed):
    diagram = with_priors(seed, chance=3, decisions=2, states=(2, 2), strength=4.0)
    r = influence.evppi(diagram, prior=True, draws=60, seed=seed)
    for g in r.groups:
        nested = _nested(diagram, {g.group}, 60, 800, seed)
        value, meu, plugged = _by_solver(diagram, [g.group], 60, seed)
        assert g.value == pytest.approx(value, abs=1e-7 * max(1.0, abs(meu)))
        # The same outer draws: the inner expectation by 800 draws of everything else against
        # the plug-in of their means; the difference is inner Monte Carlo error only.
        diff = nested - plugged
        bound = 4 * diff.std(ddof=1) / np.sqrt(len(diff)) + 1e-3 * max(1.0, abs(meu))
        assert abs(nested.mean() - g.value) <= bound, g.group


def test_three_state_row_and_partial_rows_against_nested_monte_carlo():
    diagram = three_way()
    r = influence.evppi(diagram, {"dry": ["weather:dry"], "row": ["weather"]}, prior=True,
                        draws=400, seed=2)
    dry, row = r.groups
    assert dry.parameters == ("weather:dry",) and dry.method == "conditional-means"
    assert row.parameters == ("weather:dry", "weather:showers", "weather:storm")
    assert 0 <= dry.value <= row.value + 3 * row.se
    # Learning P(dry) alone: the rest of the row at its conditional mean under the Dirichlet
    # (showers and storm share what is left 3:1), checked against nested draws of the row.
    rng = np.random.default_rng(0)
    rows = rng.dirichlet([4, 3, 1], size=200_000)
    bins = np.digitize(rows[:, 0], np.linspace(0, 1, 11))
    expected = conditional_rows(diagram.node("weather").priors[()], frozenset({0}), rows)
    for b in np.unique(bins):
        inside = bins == b
        if inside.sum() > 5000:
            np.testing.assert_allclose(rows[inside].mean(axis=0), expected[inside].mean(axis=0),
                                       atol=0.01)


# -- bounds and identities --------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_bounds_and_all_parameters_together_equal_the_evpi(seed):
    diagram = with_priors(seed + 20, chance=4, decisions=2, states=(2, 3))
    nodes = list(dict.fromkeys(s.node for s in uncertain_slots(diagram)))
    r = influence.evppi(diagram, {"all": nodes, **{n: [n] for n in nodes}}, prior=True,
                        draws=2000, seed=seed)
    everything = r.groups[0]
    assert everything.value == pytest.approx(r.evpi_parameters, rel=1e-9, abs=1e-9)
    assert everything.se == pytest.approx(r.evpi_se, rel=1e-9, abs=1e-12)
    for g in r.groups:
        assert g.value >= 0.0
        assert g.value <= r.evpi_parameters + 3 * max(g.se, r.evpi_se) + 1e-9


def test_evpi_equals_evaluate_when_the_bayes_strategies_agree():
    diagram = three_way()
    ours = influence.evppi(diagram, prior=True, draws=3000, seed=11)
    theirs = influence.evaluate(diagram, prior=True, draws=3000, seed=11)
    assert ours.evpi_parameters == pytest.approx(theirs.evpi_parameters, rel=1e-9)


def test_regression_agrees_with_conditional_means():
    diagram = three_way()
    exact = influence.evppi(diagram, prior=True, draws=4000, seed=3)
    reg = influence.evppi(diagram, prior=True, draws=4000, seed=3, method="regression")
    for a, b in zip(exact.groups, reg.groups, strict=True):
        assert b.method == "regression" and a.method == "conditional-means"
        assert b.se > 0
        assert abs(a.value - b.value) <= 4 * math.hypot(a.se, b.se) + 0.05 * exact.evpi_parameters
    assert reg.evpi_parameters == exact.evpi_parameters


# -- scenarios ----------------------------------------------------------------------------------


def test_scenario_weighs_each_draw_by_its_probability():
    """With ``given``, the scenario is evidence about the parameters: the EVPPI equals the
    per-draw gains (conditional on the scenario) weighted by the scenario's probability in each
    draw, relative to its probability at the means."""
    diagram = three_way()
    given = {"weather": "showers"}
    r = influence.evppi(diagram, ["report=report"], given=given, prior=True, draws=500,
                        seed=5)
    plan = influence.plan(diagram, given)
    drawn = sample_prior_parameters(diagram, 500, 5)
    b = beliefs(diagram, prior=True, draws=500, seed=5)
    tables = {**b.means, "report": drawn["report"]}
    own = plan.expected_utilities(tables).maximum_expected_utility
    best = plan.expected_utilities(b.means)
    star = plan.strategy_values(tuple(c[0] for c in best.choices), tables)
    weight = plan.evidence_probability(plan.operands(tables))
    at_means = plan.evidence_probability(plan.operands(b.means))[0]
    expected = float(np.mean((own - star) * weight) / at_means)
    assert r.groups[0].value == pytest.approx(expected, rel=1e-9, abs=1e-9)
    assert r.maximum_expected_utility == pytest.approx(best.maximum_expected_utility[0])


# -- groups -------------------------------------------------------------------------------------


def test_default_groups_are_the_nodes_with_priors_in_file_order():
    r = influence.evppi(three_way(), prior=True, draws=50, seed=1)
    assert [g.group for g in r.groups] == ["weather", "report", "value"]
    assert r.groups[2].parameters == ("value[plan=outdoor,weather=storm,move=stay]",)
    assert len(r.groups[1].parameters) == 6


def test_group_texts_and_mappings_are_the_same():
    a = influence.evppi(three_way(), ["w=weather:dry,report[weather=storm]"], prior=True,
                        draws=200, seed=1)
    b = influence.evppi(three_way(), {"w": ["weather:dry", "report[weather=storm]"]},
                        prior=True, draws=200, seed=1)
    assert a.groups == b.groups
    assert a.groups[0].parameters == ("weather:dry", "report[weather=storm]:calm",
                                      "report[weather=storm]:windy")


def test_split_specs_keeps_brackets_together():
    assert split_specs("a, b[x=1,y=2]:s ,c") == ["a", "b[x=1,y=2]:s", "c"]


@pytest.mark.parametrize(("groups", "message"), [
    ({"g": ["weight:value"]}, "got a weight (weights carry no prior)"),
    ({"g": ["wether"]}, "'wether', which is not a node of the model (did you mean 'weather'?)"),
    ({"g": ["plan"]}, "got the decision node 'plan'"),
    ({"g": ["value[plan=tent,weather=dry,move=stay]"]}, "got a row or value without one"),
    ({"g": ["report:calm"]}, "expected the row's parents named (weather) before the state"),
    ({"g": ["report[weather=fog]"]}, "expected a state of 'weather' (dry, showers, storm), "
                                     "got 'fog'"),
    ({"g": ["report[weather=dry]:gusty"]}, "expected a state of 'report' (calm, windy)"),
    ({"g": ["value:x"]}, "expected no state on a utility node"),
    ({"g": []}, "expected at least one parameter"),
    (["g"], "expected a group as NAME=SPEC,SPEC..., got 'g'"),
    (["g=weather", "g=report"], "expected each group name once, got 'g' twice"),
])
def test_bad_groups(groups, message):
    with pytest.raises(QueryError) as info:
        influence.evppi(three_way(), groups, prior=True, draws=10, seed=1)
    assert message in str(info.value)
    assert info.value.parameter == "groups"


@pytest.mark.parametrize(("kwargs", "message"), [
    ({}, "expected either `posterior` or `prior`, got neither"),
    ({"prior": True, "draws": 1}, "expected `draws` to be a whole number of at least 2"),
    ({"prior": True, "seed": -1}, "expected `seed` to be a whole number of at least 0"),
    ({"prior": True, "method": "magic"}, "expected `method` among auto, regression"),
])
def test_bad_options(kwargs, message):
    with pytest.raises(QueryError) as info:
        influence.evppi(three_way(), **kwargs)
    assert message in str(info.value)


def test_a_model_without_priors_is_refused():
    with pytest.raises(QueryError, match="expected priors in the model"):
        influence.evppi(influence.load("oil-wildcatter"), prior=True)


# -- a posterior that couples nodes -------------------------------------------------------------


class CoupledPosterior:
    """A stand-in for a NUTS posterior fitted to case records that leave the weather
    unobserved: its draws (here the prior's) come with the case records' table, from which the
    coupling of the weather and report rows is read."""

    method = "nuts"
    diagnostics = {"warnings": ["a sampling warning"]}

    def __init__(self, diagram, draws, seed):
        import xarray as xr

        self.diagram, self.draws = diagram, draws
        self.tables = sample_prior_parameters(diagram, draws, seed)
        cells = np.array([["windy", ""], ["calm", "dry"]])
        observed = xr.Dataset({"cases_0": (("case_0", "column_0"), cells)},
                              coords={"column_0": ["report", "weather"]})

        class Data:
            observed_data = observed

        self.idata = Data()

    def check(self, diagram):
        assert diagram is self.diagram

    def iter_parameters(self, diagram, chunk, max_draws=None):
        for start in range(0, self.draws, chunk):
            yield {k: v if v.shape[0] == 1 else v[start:start + chunk]
                   for k, v in self.tables.items()}


def test_coupled_posterior_uses_regression_where_means_are_not_exact():
    diagram = three_way()
    post = CoupledPosterior(diagram, 3000, seed=8)
    voi = influence.value_of_information(diagram, posterior=post,
                                         groups={"weather": ["weather"], "value": ["value"],
                                                 "both": ["weather", "report"]})
    methods = {g.group: g.method for g in voi.evppi}
    assert methods == {"weather": "regression", "value": "regression",
                       "both": "conditional-means"}
    assert voi.method == "draws" and voi.diagnostics["warnings"] == ["a sampling warning"]
    exact = influence.evppi(diagram, {"weather": ["weather"], "value": ["value"],
                                      "both": ["weather", "report"]}, prior=True, draws=3000,
                            seed=8)
    for ours, theirs in zip(voi.evppi, exact.groups, strict=True):
        assert 0 <= ours.value <= voi.evpi_parameters + 3 * ours.se
        assert abs(ours.value - theirs.value) <= 4 * math.hypot(ours.se, theirs.se) + 0.1 * (
            theirs.value + 0.1), ours.group
    # observing the report before the plan: the Bayes decision on the mean over the draws
    (o,) = [o for o in voi.observe if o.decision == "plan" and o.nodes == ("report",)]
    (p,) = [o for o in influence.value_of_information(diagram, prior=True, draws=3000,
                                                      seed=8).observe
            if o.decision == "plan" and o.nodes == ("report",)]
    assert o.value == pytest.approx(p.value, abs=0.5)
