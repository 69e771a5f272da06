"""Which parameters a sensitivity analysis varies, over what ranges, and the priors' intervals
computed without SciPy."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import influence
from influence import QueryError
from influence.analysis.parameters import all_parameters
from influence.analysis.quantiles import beta_quantile, prior_intervals, regularized_beta
from influence.analysis.ranges import magnitude, parse_ranges, ranged, select


def test_beta_quantiles_agree_with_scipy():
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(7)
    a = np.exp(rng.uniform(np.log(0.2), np.log(500), 300))
    b = np.exp(rng.uniform(np.log(0.2), np.log(500), 300))
    q = rng.uniform(0.001, 0.999, 300)
    assert beta_quantile(q, a, b) == pytest.approx(stats.beta.ppf(q, a, b), abs=1e-11)
    x = rng.uniform(0, 1, 300)
    assert regularized_beta(x, a, b) == pytest.approx(stats.beta.cdf(x, a, b), abs=1e-11)
    assert beta_quantile(np.array([0.0, 1.0]), 2.0, 3.0).tolist() == [0.0, 1.0]


def test_every_prior_interval_of_the_article_model_agrees_with_scipy():
    pytest.importorskip("scipy.stats")
    diagram = influence.load("cartel-intervention")
    parameters = all_parameters(diagram)
    mine = prior_intervals(parameters)
    with_prior = 0
    for par, interval in zip(parameters, mine, strict=True):
        reference = par.interval(0.9)
        if reference is None:
            assert interval is None
            continue
        with_prior += 1
        scale = max(1.0, abs(reference[0]), abs(reference[1]))
        assert interval == pytest.approx(reference, abs=1e-10 * scale), par.id
    assert with_prior > 100


def test_sensitivity_without_a_prior_section_imports_no_scipy():
    code = ("import sys, influence\n"
            "influence.sensitivity(influence.load('cartel-intervention'), top=3)\n"
            "print(sorted(m for m in ('scipy', 'pymc', 'arviz', 'matplotlib') "
            "if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_default_parameters_leave_out_definitions_and_mirror_images():
    oil = influence.load("oil-wildcatter")
    ids = [p.id for p in select(oil)]
    # Rows after no test are definitions ('none' for sure): left out.
    assert not any("test=no" in i and i.startswith("result") for i in ids)
    # Three-state rows keep every state; utility values and weights are all there.
    assert {"oil:dry", "oil:wet", "oil:soaking", "weight:payoff",
            "payoff[drill=yes,oil=dry]", "test_cost[test=yes]"} <= set(ids)
    article = influence.load("cartel-intervention")
    chosen = {p.id for p in select(article)}
    assert not any(i.startswith("us_strikes[") for i in chosen)  # deterministic node
    # A structured table's entries are its parameters, not the numbers computed from them.
    assert "param:mexico_corruption.base" in chosen
    assert not any(i.startswith("mexico_corruption[") for i in chosen)


def test_named_parameters_keep_their_order_once_each():
    oil = influence.load("oil-wildcatter")
    chosen = select(oil, ["weight:payoff", "oil:dry", "oil : dry"])
    assert [p.id for p in chosen] == ["weight:payoff", "oil:dry"]
    with pytest.raises(QueryError, match="did you mean 'oil'"):
        select(oil, ["oill:dry"])


def test_one_way_ranges_and_domains():
    article = influence.load("cartel-intervention")
    effect = "param:mexico_corruption[anti_corruption=yes]"
    by_id = {r.parameter.id: r for r in ranged(
        article, select(article, ["param:mexico_corruption.base", "weight:u_overdose",
                                  "u_overdose[overdose_deaths=baseline]", effect,
                                  "param:violence_mexico[partnership=yes]"]),
        parse_ranges(article, {effect: (0.3, 0.9)}))}
    prior = by_id["param:mexico_corruption.base"]
    assert prior.source == "prior" and prior.low < prior.parameter.point < prior.high
    assert prior.domain == (0.0, 1.0)
    explicit = by_id[effect]
    assert (explicit.source, explicit.low, explicit.high, explicit.domain) == (
        "range", 0.3, 0.9, (0.3, 0.9))
    ratio = by_id["param:violence_mexico[partnership=yes]"]
    assert ratio.source == "prior" and ratio.high < 1  # the prior keeps it below 1
    assert ratio.domain == pytest.approx((0.06, 6.0))  # a tenth to ten times its value
    weight = by_id["weight:u_overdose"]
    point = weight.parameter.point
    assert weight.source == "default"
    assert (weight.low, weight.high) == pytest.approx((0.75 * point, 1.25 * point))
    assert weight.domain == pytest.approx((point - 10 * abs(point), point + 10 * abs(point)))
    zero = by_id["u_overdose[overdose_deaths=baseline]"]
    size = magnitude(article, zero.parameter)  # a value of 0: its node's largest value
    assert zero.parameter.point == 0 and size == pytest.approx(
        float(np.abs(article.node("u_overdose").table).max()))
    assert (zero.low, zero.high) == pytest.approx((-0.25 * size, 0.25 * size))


@pytest.mark.parametrize("ranges, words", [
    ({"oil:dry": (0.7, 0.3)}, "low < high"),
    ({"oil:dry": (0.2, 1.5)}, "probabilities in [0, 1]"),
    ({"oil:dry": ("a", 1)}, "two numbers"),
    ({"oil:dry": (0.2, float("nan"))}, "finite"),
    ({"oill:dry": (0.2, 0.3)}, "did you mean 'oil'"),
])
def test_bad_ranges_say_what_was_expected(ranges, words):
    oil = influence.load("oil-wildcatter")
    with pytest.raises(QueryError) as info:
        parse_ranges(oil, ranges)
    assert words in str(info.value) and info.value.parameter == "ranges"
