"""On the bundled article model, the batched evaluation under parameter draws equals the point
solver run on each draw separately: the Bayesian layer adds no numbers of its own."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

import influence
from influence.api import solve
from influence.bayes.draws import sample_prior_parameters
from influence.model.diagram import Policy, RuleRow
from influence.solve.plan import Plan

DRAWS = 12


@pytest.fixture(scope="module")
def article():
    return influence.load("cartel-intervention")


@pytest.fixture(scope="module")
def draws(article):
    params = sample_prior_parameters(article, DRAWS, seed=11)
    return {k: np.broadcast_to(v, (DRAWS,) + v.shape[1:]) for k, v in params.items()}


def _diagram_of_draw(diagram, params, s):
    """The diagram with plain tables: the numbers of draw ``s`` (structured tables, values and
    weights computed from parameters are written out; a drawn weight is folded into its node's
    values, which keep the point weight)."""
    nodes = tuple(
        replace(n, table=params[n.name][s], structure=None, expressions={},
                weight_expression=None) if n.table is not None else n for n in diagram.nodes)
    return replace(diagram, nodes=nodes, parameters=())


def _as_policy(evaluation, policy_id="bayes"):
    """The evaluation's strategy written as a fully specified policy (every possible
    information state of every decision)."""
    rules = {d.decision: tuple(RuleRow(r.given, r.choose) for r in d.rules if r.choose)
             for d in evaluation.optimal_strategy}
    return Policy(id=policy_id, label="the Bayes strategy", rules=rules)


def test_fully_specified_policies_equal_point_solves_draw_by_draw(article, draws):
    batch = Plan(article).evaluate(draws, uncertainty="prior")
    fixed = [o for o in batch.policies if _fully_specified(article, o.id)]
    assert len(fixed) >= 4
    for s in range(DRAWS):
        point = solve(_diagram_of_draw(article, draws, s))
        for option in fixed:
            assert option.draws[s] == pytest.approx(point.policy(option.id).expected_utility,
                                                    rel=1e-9, abs=1e-9)


def test_options_with_free_parts_never_beat_the_draw_s_own_completion(article, draws):
    # The batch completes free decisions once for all draws (the Bayes decision); a point
    # solve of one draw completes them optimally for that draw, so it can only do better.
    batch = Plan(article).evaluate(draws, uncertainty="prior")
    for s in range(DRAWS):
        point = solve(_diagram_of_draw(article, draws, s))
        by_id = {o.id: o.expected_utility for o in point.options}
        for option in batch.options:
            assert option.draws[s] <= by_id[option.id] + 1e-9
        assert batch.meu_draws[s] <= point.maximum_expected_utility + 1e-9


def test_the_bayes_strategy_s_draws_are_its_point_values_in_each_draw(article, draws):
    batch = Plan(article).evaluate(draws, uncertainty="prior")
    policy = _as_policy(batch)
    for s in range(DRAWS):
        diagram = replace(_diagram_of_draw(article, draws, s), policies=(policy,))
        assert batch.meu_draws[s] == pytest.approx(
            solve(diagram).policy("bayes").expected_utility, rel=1e-9, abs=1e-9)


def _fully_specified(diagram, policy_id):
    policy = diagram.policy(policy_id)
    return all(d.name in policy.rules and len(policy.rules[d.name]) == 1
               and not policy.rules[d.name][0].given for d in diagram.decisions)


def test_the_bayes_strategy_and_evpi_match_draw_by_draw_solves(article, draws):
    batch = Plan(article).evaluate(draws, uncertainty="prior")
    optimum = np.array([solve(_diagram_of_draw(article, draws, s)).maximum_expected_utility
                        for s in range(DRAWS)])
    # Per-draw optimum >= the Bayes strategy's EU in that draw, and EVPI is the mean gap.
    assert np.all(optimum >= batch.meu_draws - 1e-9)
    assert batch.evpi_parameters == pytest.approx(float(np.mean(optimum - batch.meu_draws)),
                                                  abs=1e-9)
    # With one draw, the batch is the point solve.
    one = Plan(article).evaluate({k: v[:1] for k, v in draws.items()})
    assert one.maximum_expected_utility == pytest.approx(optimum[0], rel=1e-12)
