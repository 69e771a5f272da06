"""Risk aversion: strategies maximising expected exponential utility, and certainty
equivalents, by hand, by enumeration of every strategy, and as properties."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_bruteforce import Joint

import influence
from influence import QueryError
from influence.testing import random_diagram


@pytest.fixture(scope="module")
def oil():
    return influence.load("oil-wildcatter")


def ce(distribution, r: float) -> float:
    return -r * math.log(sum(p * math.exp(-v / r) for v, p in distribution))


def test_oil_wildcatter_by_hand(oil) -> None:
    r = influence.evaluate(oil, risk_tolerance=100)
    blind = r.policy("drill-blind")
    assert blind.certainty_equivalent == pytest.approx(
        ce([(-70, 0.5), (50, 0.3), (200, 0.2)], 100))
    # So risk averse, nothing is worth doing: the certainty equivalent of doing nothing is 0.
    assert r.maximum_certainty_equivalent == pytest.approx(0.0, abs=1e-9)
    assert r.maximum_expected_utility == pytest.approx(0.0, abs=1e-9)
    assert r.ranked()[0].certainty_equivalent == pytest.approx(0.0, abs=1e-9)
    data = r.to_dict()
    assert data["risk_tolerance"] == 100
    assert data["maximum_certainty_equivalent"] == pytest.approx(0.0, abs=1e-9)
    assert all("certainty_equivalent" in e for e in data["ranking"] + data["policies"])


def test_a_very_tolerant_decision_maker_is_risk_neutral(oil) -> None:
    neutral = influence.evaluate(oil)
    tolerant = influence.evaluate(oil, risk_tolerance=1e7)
    assert tolerant.maximum_expected_utility == pytest.approx(22.5)
    assert tolerant.maximum_certainty_equivalent == pytest.approx(22.5, abs=1e-3)
    for a, b in zip(neutral.optimal_strategy, tolerant.optimal_strategy, strict=True):
        assert [x.choose for x in a.rules] == [x.choose for x in b.rules]


@pytest.mark.parametrize("seed", range(25))
def test_the_risk_averse_optimum_is_the_best_certainty_equivalent_of_every_strategy(
        seed: int) -> None:
    d = random_diagram(seed, chance=3, decisions=2, utilities=2, observes=1, weights=True)
    joint = Joint(d)
    if joint.profiles > 4000:
        pytest.skip("too many strategies to enumerate")
    scale = max(float(np.abs(u.table).max()) * abs(u.weight) for u in d.utilities) or 1.0
    r_tol = 0.7 * scale
    best = -math.inf
    for profile in itertools.product(*joint.strategies):
        dist = joint.distribution(list(profile))
        best = max(best, ce(dist.items(), r_tol))
    ours = influence.evaluate(d, risk_tolerance=r_tol)
    assert ours.maximum_certainty_equivalent == pytest.approx(best, abs=1e-9 * scale)
    # The certainty equivalent of the reported strategy, from its own distribution.
    dist = joint.distribution(joint.profile_of(ours))
    assert ce(dist.items(), r_tol) == pytest.approx(best, abs=1e-9 * scale)


@settings(max_examples=30, deadline=None, database=None)
@given(st.integers(0, 2**32 - 1), st.floats(0.2, 50.0))
def test_certainty_equivalents_never_exceed_expected_utilities(seed: int, factor: float) -> None:
    d = random_diagram(seed, chance=3, decisions=2, utilities=2, policies=2)
    scale = max(float(np.abs(u.table).max()) * abs(u.weight) for u in d.utilities) or 1.0
    r = influence.evaluate(d, risk_tolerance=factor * scale)
    for o in r.options:
        assert o.certainty_equivalent <= o.expected_utility + 1e-9 * scale


def test_under_the_prior_each_option_gets_a_certainty_equivalent() -> None:
    article = influence.load("cartel-intervention")
    r = influence.evaluate(article, prior=True, draws=200, seed=1, risk_tolerance=2000)
    assert r.maximum_certainty_equivalent is not None
    assert all(o.certainty_equivalent is not None for o in r.options)
    assert r.evpi_parameters is None


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf"), "10", True])
def test_a_bad_risk_tolerance_is_refused(oil, bad) -> None:
    with pytest.raises(QueryError, match="`risk_tolerance`"):
        influence.evaluate(oil, risk_tolerance=bad)


def test_a_risk_tolerance_too_small_for_the_utilities_is_refused(oil) -> None:
    with pytest.raises(QueryError, match="risk tolerance of at least"):
        influence.evaluate(oil, risk_tolerance=0.01)
