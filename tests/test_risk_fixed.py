"""The exact distribution of the total utility when some decisions have one value under each
strategy (they observe nothing, or only such decisions) and others see chance nodes: against
full enumeration (see test_bruteforce.Joint), with and without a scenario, with perfect and
limited recall, and the bound on the configurations listed."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from test_bruteforce import Joint

import influence
from influence import solve
from influence.model.diagram import Diagram, Policy
from influence.testing import random_diagram, random_limid, scenario_candidates


def fixed_decisions(diagram: Diagram) -> set[str]:
    """Decisions whose information is made only of such decisions (none to begin with)."""
    fixed: set[str] = set()
    for d in diagram.decisions:  # in order: a decision knows only what came before it
        if all(v in fixed for v in diagram.information_set(d.name)):
            fixed.add(d.name)
    return fixed


def mixed(seed: int, limited: bool = False) -> Diagram:
    """A random diagram with at least two fixed decisions, one that sees a chance node, and a
    utility node over a fixed decision; with perfect recall, two complete policies."""
    make = random_limid if limited else random_diagram
    for attempt in range(500):
        d = make(seed * 1000 + attempt, chance=3, decisions=4, utilities=3, observes=1,
                 policies=0 if limited else 2, complete_policies=True, weights=True,
                 zeros=0.2)
        fixed = fixed_decisions(d)
        if (len(fixed) >= 2 and len(fixed) < len(d.decisions)
                and any(p in fixed for u in d.utilities for p in u.parents)):
            return d
    raise AssertionError("no diagram of the kind wanted")


def policy_profile(joint: Joint, policy: Policy) -> list[np.ndarray]:
    """A complete policy as one row per decision (the option in each information state)."""
    out = []
    for k, d in enumerate(joint.decisions):
        options = joint.diagram.node(d).states
        row = np.full(joint.n_info[k], -1)
        for j, state in enumerate(joint.states(k)):
            for rule in policy.rules.get(d, ()):
                if all(state[v] == s for v, s in rule.given.items()):
                    row[j] = options.index(rule.choose)
        assert (row >= 0).all(), "expected a complete policy"
        out.append(row)
    return out


def assert_same(ours: tuple[tuple[float, float], ...], sd: float,
                expected: dict[float, float]) -> None:
    got = {float(f"{v:.9g}"): p for v, p in ours}
    assert got.keys() == expected.keys()
    for value, p in expected.items():
        assert got[value] == pytest.approx(p, abs=1e-12)
    mean = sum(v * p for v, p in expected.items())
    variance = sum(p * (v - mean) ** 2 for v, p in expected.items())
    assert sd == pytest.approx(np.sqrt(variance), rel=1e-7, abs=1e-7)


@pytest.mark.parametrize(("limited", "tolerance"), [(False, None), (True, None), (False, 20.0)])
@pytest.mark.parametrize("seed", range(10))
def test_fixed_and_observing_decisions_match_enumeration(seed: int, limited: bool,
                                                         tolerance: float | None) -> None:
    # Perfect recall: the potentials solver; limited recall: its rules over what each decision
    # knows; a risk tolerance: the stage tensor's strategies.
    d = mixed(seed, limited)
    r = influence.evaluate(d, risk_tolerance=tolerance)
    joint = Joint(d)
    assert_same(r.risk_profile, r.utility_sd, joint.distribution(joint.profile_of(r)))
    assert bool(d.policies) != limited
    for p in d.policies:
        option = r.policy(p.id)
        assert_same(option.risk_profile, option.utility_sd,
                    joint.distribution(policy_profile(joint, p)))


@pytest.mark.parametrize("seed", range(10))
def test_with_a_scenario(seed: int) -> None:
    attempt = 0
    while not scenario_candidates(d := mixed(100 + seed + 37 * attempt)):
        attempt += 1
    node = d.node(scenario_candidates(d)[0])
    joint = Joint(d)
    checked = 0
    for state in node.states:
        mass = joint.prob[joint.coords[:, joint.col[node.name]] == node.states.index(state)].sum()
        if mass <= 1e-9:
            continue
        given = {node.name: state}
        r = solve(d, given)
        conditional = Joint(d, given)
        assert_same(r.risk_profile, r.utility_sd,
                    conditional.distribution(conditional.profile_of(r)))
        checked += 1
    assert checked >= 1


def test_the_bound_counts_the_configurations_left(monkeypatch: pytest.MonkeyPatch) -> None:
    # The article model: 15 parents of utility nodes, 248,832 configurations; 6 of them are
    # decisions fixed under every strategy, which leaves 2^4 * 3^5 = 3,888.
    article = influence.load("cartel-intervention")
    fixed = fixed_decisions(article)
    outcome = {p for u in article.utilities for p in u.parents}
    left = int(np.prod([len(article.node(v).states) for v in outcome - fixed]))
    assert len(fixed & outcome) == 6 and left == 3888
    risk = importlib.import_module("influence.solve.risk")
    monkeypatch.setattr(risk, "MAX_OUTCOMES", left)
    profile = influence.evaluate(article).risk_profile
    assert profile is not None and sum(p for _, p in profile) == pytest.approx(1.0)
    monkeypatch.setattr(risk, "MAX_OUTCOMES", left - 1)
    assert influence.evaluate(article).risk_profile is None
