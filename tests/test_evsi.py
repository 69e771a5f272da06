"""EVSI of proposed studies: the beta-binomial closed form enumerated here, the solver on every
outcome, Monte Carlo against enumeration, posteriors, scenarios, bounds and errors."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from voi_models import beta_bet, three_way

import influence
from influence.analysis.evsi import study_outcomes
from influence.errors import QueryError
from influence.model.priors import DirichletPrior


def beta_binomial_evsi(a: float, b: float, n: int) -> float:
    """Bet 50 to win 100: act on the posterior mean of p after k wins in n, enumerated with
    beta-binomial probabilities written out with log-gamma functions."""
    def log_beta(x, y):
        return math.lgamma(x) + math.lgamma(y) - math.lgamma(x + y)

    value = 0.0
    for k in range(n + 1):
        log_p = (math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
                 + log_beta(a + k, b + n - k) - log_beta(a, b))
        p = (a + k) / (a + b + n)
        value += math.exp(log_p) * max(0.0, 150 * p - 50)
    return value - max(0.0, 150 * a / (a + b) - 50)


@pytest.mark.parametrize(("a", "b"), [(2.0, 2.0), (1.0, 3.0), (9.0, 5.0)])
@pytest.mark.parametrize("n", [1, 5, 30, 400])
def test_beta_bernoulli_closed_form(a, b, n):
    r = influence.evsi(beta_bet(a, b), {"win": n}, prior=True)
    (s,) = r.studies
    assert (s.study, s.n, s.method, s.se, s.outcomes) == ("win", n, "enumeration", 0.0, n + 1)
    assert s.value == pytest.approx(beta_binomial_evsi(a, b, n), abs=1e-10)


def test_posterior_is_the_updated_prior(tmp_path):
    diagram = beta_bet(2, 2)
    (tmp_path / "seven.yaml").write_text(
        "model: beta-bet\nobservations:\n  - {node: win, counts: {\"no\": 3, \"yes\": 7}}\n")
    post = influence.fit(diagram, tmp_path / "seven.yaml", method="exact", seed=1)
    r = influence.evsi(diagram, ["win=3,12"], posterior=post)
    assert [s.value for s in r.studies] == pytest.approx(
        [beta_binomial_evsi(9, 5, 3), beta_binomial_evsi(9, 5, 12)], abs=1e-10)
    assert r.uncertainty == "posterior"


def test_every_outcome_solved_by_the_plan():
    """EVSI = sum over outcomes of P(y) times the optimum on the updated means, minus the
    optimum now; each outcome solved by the plan itself."""
    diagram = three_way()
    r = influence.evsi(diagram, {"report[weather=dry]": 4, "weather": 3}, prior=True)
    plan = influence.plan(diagram)
    means = {n.name: np.array(n.table) for n in diagram.nodes if n.table is not None}
    now = plan.evaluate(means).maximum_expected_utility
    for study, (node, index, alpha) in zip(r.studies, [("report", (0,), [6, 2]),
                                                       ("weather", (), [4, 3, 1])], strict=True):
        n = study.n
        total = 0.0
        count = 0
        for counts in itertools.product(range(n + 1), repeat=len(alpha)):
            if sum(counts) != n:
                continue
            count += 1
            log_p = (math.lgamma(n + 1) - sum(math.lgamma(c + 1) for c in counts)
                     + math.lgamma(sum(alpha)) - math.lgamma(n + sum(alpha))
                     + sum(math.lgamma(c + a) - math.lgamma(a)
                           for c, a in zip(counts, alpha, strict=True)))
            tables = {k: v.copy() for k, v in means.items()}
            tables[node][index] = (np.array(alpha) + counts) / (sum(alpha) + n)
            total += math.exp(log_p) * plan.evaluate(tables).maximum_expected_utility
        assert study.outcomes == count
        assert study.value == pytest.approx(total - now, abs=1e-9)
        assert study.value > 0


def test_monte_carlo_agrees_with_enumeration():
    diagram = three_way()
    exact = influence.evsi(diagram, {"weather": 6}, prior=True)
    mc = influence.evsi(diagram, {"weather": 6}, prior=True, draws=40_000, seed=2,
                        max_outcomes=0)
    (e,), (m,) = exact.studies, mc.studies
    assert (e.method, m.method, m.outcomes) == ("enumeration", "monte-carlo", 40_000)
    assert m.se > 0
    assert abs(e.value - m.value) <= 4 * m.se


def test_outcome_probabilities_sum_to_one_and_average_to_the_means():
    prior = DirichletPrior(alpha=(0.5, 2.0, 3.5, 1.0), states=("a", "b", "c", "d"))
    rows, prob = study_outcomes(prior, 9)
    assert len(prob) == math.comb(12, 3)
    assert prob.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(prob @ rows, prior.mean(), atol=1e-12)


def test_grows_with_the_sample_and_stays_below_perfect_information():
    diagram = beta_bet(2, 2)
    values = [s.value for s in influence.evsi(diagram, {"win": [1, 4, 16, 64, 256, 4096]},
                                              prior=True).studies]
    assert all(b >= a - 1e-12 for a, b in zip(values, values[1:], strict=False))
    # perfect information about p: E[max(0, 150 p - 50)] - 25 under Beta(2, 2), by quadrature
    p = np.linspace(0, 1, 200_001)
    density = 6 * p * (1 - p)
    evppi = np.trapezoid(np.maximum(0, 150 * p - 50) * density, p) - 25
    assert values[-1] <= evppi + 1e-9
    assert values[-1] == pytest.approx(evppi, rel=0.01)
    r = influence.evppi(diagram, prior=True, draws=200_000, seed=1)
    assert abs(r.groups[0].value - evppi) <= 4 * r.groups[0].se


def test_scenario_weighs_outcomes_by_the_scenario():
    """With ``given`` the scenario is evidence too: outcome y counts with P(y | scenario) =
    P(y) P(scenario | y) / P(scenario), and each optimum is conditional on the scenario."""
    diagram = three_way()
    given = {"report": "windy"}
    r = influence.evsi(diagram, {"weather": 3}, prior=True, given=given)
    plan = influence.plan(diagram, given)
    means = {n.name: np.array(n.table) for n in diagram.nodes if n.table is not None}

    def scenario(tables):
        return plan.evidence_probability(plan.operands(tables))[0]

    base = plan.evaluate(means).maximum_expected_utility
    alpha = [4, 3, 1]
    total = 0.0
    for counts in itertools.product(range(4), repeat=3):
        if sum(counts) != 3:
            continue
        log_p = (math.lgamma(4) - sum(math.lgamma(c + 1) for c in counts) + math.lgamma(8)
                 - math.lgamma(11) + sum(math.lgamma(c + a) - math.lgamma(a)
                                         for c, a in zip(counts, alpha, strict=True)))
        tables = {key: v.copy() for key, v in means.items()}
        tables["weather"] = (np.array(alpha) + counts) / 11
        weight = math.exp(log_p) * scenario(tables) / scenario(means)
        total += weight * plan.evaluate(tables).maximum_expected_utility
    assert r.studies[0].value == pytest.approx(total - base, abs=1e-9)
    assert r.studies[0].value > 0
    assert r.maximum_expected_utility == pytest.approx(base)


def test_cost_gives_the_net_benefit():
    (s,) = influence.evsi(beta_bet(2, 2), {"win": 10}, prior=True, study_cost=2.5).studies
    assert (s.cost, s.net) == (2.5, pytest.approx(s.value - 2.5))
    assert s.to_dict() == {"study": "win", "n": 10, "value": pytest.approx(s.value), "se": 0.0,
                           "method": "enumeration", "cost": 2.5,
                           "net": pytest.approx(s.value - 2.5)}


@pytest.mark.parametrize(("studies", "kwargs", "message"), [
    ({"value": 3}, {}, "expected a chance node, got the utility node 'value'"),
    ({"report": 3}, {}, "every parent of 'report' named: weather"),
    ({"report[weather=storm]:calm": 3}, {}, "a study observes whole cases"),
    ({"weather": 0}, {}, "whole numbers of at least 1, got 0"),
    ({"weather": "x"}, {}, "whole numbers of at least 1, got 'x'"),
    (["weather"], {}, "expected a study as SPEC=N or SPEC=N1,N2,..., got 'weather'"),
    ({"weather": 3}, {"study_cost": -1.0}, "expected `study_cost` to be a finite number >= 0"),
    ({}, {}, "expected at least one study"),
])
def test_bad_studies(studies, kwargs, message):
    with pytest.raises(QueryError) as info:
        influence.evsi(three_way(), studies, prior=True, **kwargs)
    assert message in str(info.value)


def test_a_row_without_a_prior_is_refused():
    d = influence.loads(three_way_without_report_prior())
    with pytest.raises(QueryError, match="expected a row with a prior"):
        influence.evsi(d, {"report[weather=dry]": 3}, prior=True)


def three_way_without_report_prior() -> str:
    from voi_models import THREE_WAY

    return THREE_WAY.replace("- {given: {weather: dry}, prior: {dirichlet: [6, 2]}}",
                             "- {given: {weather: dry}, p: [0.75, 0.25]}")
