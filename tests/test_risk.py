"""The spread and the exact distribution of the total utility under each strategy, and each
utility node's contribution to the expected utility: by hand, by enumeration, and against
pyAgrum's variance of the optimal strategy."""

from __future__ import annotations

import numpy as np
import pytest
from test_bruteforce import Joint

import influence
from influence import solve
from influence.testing import random_diagram


@pytest.fixture(scope="module")
def oil():
    return influence.load("oil-wildcatter")


def test_oil_wildcatter_by_hand(oil) -> None:
    r = solve(oil)
    # Test, then drill unless diffuse: the test costs 10; drilling pays -70, 50 or 200.
    # P(closed and dry) etc. from the model: the four outcomes below.
    profile = dict(r.risk_profile)
    assert profile == pytest.approx({-80.0: 0.2, -10.0: 0.41, 40.0: 0.21, 190.0: 0.18})
    mean = sum(v * p for v, p in profile.items())
    assert mean == pytest.approx(22.5)
    assert r.utility_sd == pytest.approx(np.sqrt(sum(p * (v - mean) ** 2
                                                     for v, p in profile.items())))
    blind = r.policy("drill-blind")
    assert dict(blind.risk_profile) == pytest.approx({-70.0: 0.5, 50.0: 0.3, 200.0: 0.2})
    assert r.policy("do-nothing").risk_profile == ((0.0, 1.0),)
    assert r.policy("do-nothing").utility_sd == 0.0
    # Contributions of each utility node: test cost and payoff.
    assert r.policy("test-and-follow").by_utility == pytest.approx({"test_cost": -10.0,
                                                                    "payoff": 32.5})
    assert blind.by_utility == pytest.approx({"test_cost": 0.0, "payoff": 20.0})


def test_json_fields(oil) -> None:
    data = solve(oil).to_dict()
    assert data["sd"] == pytest.approx(solve(oil).utility_sd)
    assert data["risk_profile"][0] == pytest.approx([-80.0, 0.2])
    assert data["by_utility"] == pytest.approx({"test_cost": -10.0, "payoff": 32.5})
    for entry in data["ranking"] + data["policies"]:
        assert {"sd", "risk_profile", "by_utility"} <= set(entry)
        assert sum(entry["by_utility"].values()) == pytest.approx(entry["expected_utility"])
        assert sum(p for _, p in entry["risk_profile"]) == pytest.approx(1.0)


@pytest.mark.parametrize("seed", range(30))
def test_profiles_match_enumeration(seed: int) -> None:
    d = random_diagram(seed, chance=3, decisions=2, utilities=2, observes=1, policies=2,
                       weights=True, zeros=0.2)
    r = solve(d)
    joint = Joint(d)
    expected = joint.distribution(joint.profile_of(r))
    ours = {float(f"{v:.9g}"): p for v, p in r.risk_profile}
    assert ours.keys() == expected.keys()
    for value, p in expected.items():
        assert ours[value] == pytest.approx(p, abs=1e-12)
    for option in r.options:
        assert sum(option.by_utility.values()) == pytest.approx(option.expected_utility,
                                                                abs=1e-9)
        assert sum(v * p for v, p in option.risk_profile) == pytest.approx(
            option.expected_utility, abs=1e-9)


def test_under_uncertainty_contributions_are_means_and_the_profile_is_left_out() -> None:
    article = influence.load("cartel-intervention")
    r = influence.evaluate(article, prior=True, draws=200, seed=1)
    assert r.risk_profile is None and "risk_profile" not in r.to_dict()
    for option in r.options:
        assert sum(option.by_utility.values()) == pytest.approx(option.expected_utility)


gum = pytest.importorskip("pyagrum")


def pyagrum_meu(diagram):
    from influence.testing import to_pyagrum

    inference = gum.ShaferShenoyLIMIDInference(to_pyagrum(diagram))
    inference.addNoForgettingAssumption([d.name for d in diagram.decisions])
    inference.makeInference()
    return inference.MEU()


def clear(result) -> bool:
    """Whether the optimum is unique in every reachable information state."""
    for dec in result.optimal_strategy:
        for rule in dec.reachable_rules():
            eus = sorted(rule.expected_utilities.values(), reverse=True)
            if len(eus) > 1 and eus[0] - eus[1] <= 1e-6 * max(1.0, abs(eus[0])):
                return False
    return True


def test_the_variance_matches_pyagrum(oil) -> None:
    r = solve(oil)
    meu = pyagrum_meu(oil)
    assert r.utility_sd ** 2 == pytest.approx(meu["variance"], rel=1e-9)
    checked = 0
    for seed in range(60):
        d = random_diagram(seed, chance=4, decisions=2, utilities=2, observes=2, weights=True)
        r = solve(d)
        meu = pyagrum_meu(d)
        if not clear(r) or abs(meu["mean"] - r.maximum_expected_utility) > 1e-8 * max(
                1.0, abs(meu["mean"])):
            continue  # another strategy (a tie, or pyAgrum's known suboptimal answers)
        assert r.utility_sd ** 2 == pytest.approx(meu["variance"], rel=1e-8, abs=1e-9)
        checked += 1
    assert checked >= 40
