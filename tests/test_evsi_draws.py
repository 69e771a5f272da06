"""EVSI of studies without a closed-form update, valued by reweighting the draws: rows of
structured tables against a quadrature of the parameters' posterior, and a posterior of draws
only against the beta-binomial closed form."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from test_evsi import beta_binomial_evsi
from voi_models import beta_bet

import influence
from influence.analysis.beliefs import beliefs
from influence.analysis.evsi_draws import compositions, drawn_study
from influence.errors import QueryError

NOISY_CURE = """
name: noisy-cure
nodes:
  treat:
    type: decision
    states: ["no", "yes"]
  cured:
    type: chance
    states: ["no", "yes"]
    parents: [treat]
    table:
      noisy_or:
        state: "yes"
        leak: {value: 0.3, prior: {beta: [LA, LB]}}
        links:
          - given: {treat: "yes"}
            p: {value: 0.5, prior: {beta: [KA, KB]}}
  health:
    type: utility
    parents: [cured]
    values:
      - {given: {cured: "no"}, value: 0}
      - {given: {cured: "yes"}, value: 100}
  cost:
    type: utility
    parents: [treat]
    values:
      - {given: {treat: "no"}, value: 0}
      - {given: {treat: "yes"}, value: -COST}
"""


def noisy_cure(leak=(3, 7), link=(2, 2), cost=38):
    text = (NOISY_CURE.replace("LA", str(leak[0])).replace("LB", str(leak[1]))
            .replace("KA", str(link[0])).replace("KB", str(link[1]))
            .replace("COST", str(cost)))
    return influence.loads(text)


def _beta_nodes(a, b, points=400):
    """Gauss-Legendre nodes on (0, 1) and weights times the Beta(a, b) density."""
    x, w = np.polynomial.legendre.leggauss(points)
    x, w = (x + 1) / 2, w / 2
    log_pdf = ((a - 1) * np.log(x) + (b - 1) * np.log1p(-x)
               - (math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)))
    return x, w * np.exp(log_pdf)


def quadrature_evsi(leak, link, cost, row, n):
    """The EVSI of n cases of cured[treat=row], by quadrature over (leak, link): the posterior
    after k cures in n is the prior times p^k (1-p)^(n-k), p the row's probability of a cure;
    treat when 100 E[link (1 - leak)] > cost."""
    x, wx = _beta_nodes(*leak)
    y, wy = _beta_nodes(*link)
    lk, ln = np.meshgrid(x, y, indexing="ij")
    prior = np.outer(wx, wy)
    p_yes = 1 - (1 - lk) * (1 - ln)
    p = p_yes if row == "yes" else lk

    def best(weights):
        total = weights.sum()
        untreated = 100 * (weights * lk).sum() / total
        treated = 100 * (weights * p_yes).sum() / total - cost
        return max(untreated, treated)

    value = 0.0
    for k in range(n + 1):
        like = math.comb(n, k) * p ** k * (1 - p) ** (n - k)
        value += (prior * like).sum() * best(prior * like)
    return value - best(prior)


@pytest.mark.parametrize(("row", "n"), [("yes", 3), ("yes", 12), ("no", 8), ("yes", 40)])
def test_a_structured_row_agrees_with_quadrature(row, n):
    leak, link, cost = (3, 7), (2, 2), 38
    exact = quadrature_evsi(leak, link, cost, row, n)
    r = influence.evsi(noisy_cure(leak, link, cost), {f"cured[treat={row}]": n}, prior=True,
                       draws=40000, seed=5)
    (s,) = r.studies
    assert s.method == "reweighted draws" and s.outcomes == n + 1
    assert exact > 0.2  # a study worth something, so the check is not of two zeros
    assert 0 < s.se < 0.25 * exact
    assert abs(s.value - exact) < 4 * s.se + 0.01


def test_a_study_that_cannot_change_the_decision_is_worth_nothing():
    """Treating is far better whatever a few cases show: the EVSI is zero, on the draws too."""
    leak, link, cost = (3, 7), (30, 3), 5
    assert quadrature_evsi(leak, link, cost, "yes", 5) == pytest.approx(0, abs=1e-9)
    r = influence.evsi(noisy_cure(leak, link, cost), {"cured[treat=yes]": 5}, prior=True,
                       draws=4000, seed=1)
    assert r.studies[0].value == pytest.approx(0, abs=1e-9)


@pytest.mark.slow
def test_monte_carlo_outcomes_agree_with_enumeration():
    d = noisy_cure()
    every = influence.evsi(d, {"cured[treat=yes]": 30}, prior=True, draws=3000, seed=2)
    sampled = influence.evsi(d, {"cured[treat=yes]": 30}, prior=True, draws=3000, seed=2,
                             max_outcomes=10)
    a, b = every.studies[0], sampled.studies[0]
    assert b.method == "reweighted draws, monte-carlo outcomes" and b.outcomes == 3000
    assert a.se > 0 and b.se > 0
    assert abs(a.value - b.value) < 4 * math.hypot(a.se, b.se)


class DrawsOnly:
    """A posterior of draws without a closed form (as NUTS gives): the prior's draws."""

    method = "nuts"

    def __init__(self, diagram, draws):
        self.diagram, self.draws = diagram, draws

    def check(self, diagram):
        assert diagram is self.diagram

    def iter_parameters(self, diagram, chunk, max_draws=None):
        from influence.bayes.draws import sample_prior_parameters

        n = self.draws if max_draws is None else min(self.draws, max_draws)
        for start in range(0, n, chunk):
            yield sample_prior_parameters(diagram, min(chunk, n - start), seed=start + 1)


@pytest.mark.parametrize("n", [4, 25])
def test_a_posterior_of_draws_agrees_with_the_closed_form(n):
    d = beta_bet(2, 2)
    r = influence.evsi(d, {"win": n}, posterior=DrawsOnly(d, 60000), seed=1)
    (s,) = r.studies
    exact = beta_binomial_evsi(2, 2, n)
    assert s.method == "reweighted draws" and 0 < s.se < 0.2 * exact
    assert abs(s.value - exact) < 4 * s.se + 0.01


def test_rows_whose_draws_depend_on_other_nodes_are_refused():
    d = noisy_cure()
    b = beliefs(d, prior=True, draws=100, seed=1)
    b = dataclasses.replace(b, coupled=frozenset(s.name for s in b.slots))
    with pytest.raises(QueryError, match="expected a row whose draws are independent of other "
                                         "nodes', got 'cured' coupled"):
        drawn_study(d, b, "cured[treat=yes]", d.node("cured"), ("yes",), "cured[treat=yes]",
                    (3,))


def test_compositions_are_every_count_vector_once():
    counts = compositions(5, 3)
    assert len(counts) == math.comb(7, 2)
    assert (counts.sum(axis=1) == 5).all() and (counts >= 0).all()
    assert len({tuple(c) for c in counts}) == len(counts)


def test_the_bundled_model_values_more_retaliation_episodes():
    """The article model's retaliation row under invited strikes: a structured row, valued on
    the draws (its value is what the model says, possibly zero; the method is what is
    checked here, and that the value is a number with a standard error)."""
    d = influence.load("cartel-intervention")
    spec = "retaliation_mexico[us_strikes=invited,mexico_cooperation=high]"
    r = influence.evsi(d, {spec: 5}, prior=True, draws=500, seed=1)
    (s,) = r.studies
    assert s.method == "reweighted draws" and s.outcomes == math.comb(7, 2)
    assert s.value >= 0 and s.se >= 0 and math.isfinite(s.value)


def test_the_command_reports_the_method_and_its_standard_error(tmp_path):
    import json

    from click.testing import CliRunner

    from influence.cli.main import cli

    path = tmp_path / "cure.yaml"
    path.write_text(NOISY_CURE.replace("LA", "3").replace("LB", "7").replace("KA", "2")
                    .replace("KB", "2").replace("COST", "38"))
    result = CliRunner().invoke(cli, ["voi", str(path), "--prior", "--seed", "1", "--draws",
                                      "2000", "--study", "cured[treat=yes]=12", "--format",
                                      "json"])
    assert result.exit_code == 0, result.output
    (s,) = json.loads(result.stdout)["evsi"]
    assert (s["study"], s["n"], s["method"]) == ("cured[treat=yes]", 12, "reweighted draws")
    assert s["se"] > 0 and abs(s["value"] - quadrature_evsi((3, 7), (2, 2), 38, "yes", 12)) \
        < 4 * s["se"] + 0.01
