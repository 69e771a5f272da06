"""The value of observing chance nodes before a decision: textbook numbers, brute force on
random diagrams (every strategy of the diagram with the added arc enumerated), the re-ordered
diagrams, and errors."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from test_bruteforce import MAX_PROFILES, Joint

import influence
from influence.analysis.observe import (
    influenced_by,
    observation_pairs,
    with_observation,
)
from influence.errors import QueryError
from influence.model.structure import check_diagram
from influence.testing import random_diagram, scenario_candidates

# -- textbook ---------------------------------------------------------------------------------


def test_oil_wildcatter_knowing_the_oil_before_testing():
    # Known amount of oil: drill only on wet (50) or soaking (200), never test:
    # 0.5 * 0 + 0.3 * 50 + 0.2 * 200 = 55, against the optimum of 22.5 without it.
    voi = influence.value_of_information(influence.load("oil-wildcatter"))
    assert voi.maximum_expected_utility == pytest.approx(22.5)
    values = {(o.decision, o.nodes): o.value for o in voi.observe}
    assert values == pytest.approx({("test", ("oil",)): 55 - 22.5, ("drill", ("oil",)): 32.5})
    (only,) = influence.value_of_information(influence.load("oil-wildcatter"), nodes="oil",
                                             decision="test").observe
    assert only.maximum_expected_utility == pytest.approx(55.0)


def test_umbrella_knowing_the_weather():
    # 0.7 * 100 (leave on a dry day) + 0.3 * 70 (take it in the rain) = 91, against 77.
    (o,) = influence.value_of_information(influence.load("umbrella"), nodes=["weather"]).observe
    assert (o.decision, o.nodes) == ("umbrella", ("weather",))
    assert o.value == pytest.approx(91 - 77)


def test_given_scenario_conditions_both_optima():
    # Oil known to be wet: drilling (50) is optimal with or without the forecast, and the
    # wildcatter already knows the oil: nothing left to learn before either decision.
    d = influence.load("oil-wildcatter")
    with pytest.raises(QueryError, match="already know"):
        influence.value_of_information(d, nodes="oil", decision="test", given={"oil": "wet"})
    voi = influence.value_of_information(d, given={"oil": "wet"})
    assert voi.maximum_expected_utility == pytest.approx(50.0)
    assert voi.observe == ()


# -- brute force ------------------------------------------------------------------------------


def _with_knowledge(joint: Joint, decision: str, nodes: tuple[str, ...]) -> Joint:
    """The brute-force joint of the *original* diagram, in which ``decision`` and every later
    decision also know ``nodes``: no re-ordered diagram is involved."""
    start = joint.decisions.index(decision)
    diagram = joint.diagram
    for k in range(start, len(joint.decisions)):
        knows = tuple(dict.fromkeys((*joint.knows[k], *nodes)))
        joint.knows[k] = knows
        cards = [len(diagram.node(v).states) for v in knows]
        joint.info[k] = np.ravel_multi_index(
            tuple(joint.coords[:, joint.col[v]] for v in knows), cards)
        joint.n_info[k] = int(np.prod(cards))
    joint.profiles = 1
    for o, n in zip(joint.options, joint.n_info, strict=True):
        joint.profiles *= o**n
    return joint


#: Most strategy profiles enumerated here (the einsum over them stays small).
LIMIT = 10 * MAX_PROFILES


def _brute_meu(diagram, given=None, extra=None) -> float | None:
    joint = Joint(diagram, given)
    if extra is not None:
        joint = _with_knowledge(joint, *extra)
    if joint.profiles > LIMIT:
        return None
    joint.__dict__["strategies"] = [  # every strategy of each decision, as Joint enumerates
        np.array(list(itertools.product(range(o), repeat=n)), dtype=int).reshape(-1, n)
        for o, n in zip(joint.options, joint.n_info, strict=True)]
    return float(joint.eu_table().max())


CASES = [(seed, kwargs) for seed in range(40)
         for kwargs in ({"chance": 4, "decisions": 2, "observes": 1, "states": (2, 2)},
                        {"chance": 3, "decisions": 2, "observes": 1, "states": (2, 3)})]


@pytest.mark.parametrize(("seed", "kwargs"), CASES)
def test_single_nodes_against_brute_force(seed, kwargs):
    diagram = random_diagram(seed, **kwargs)
    base = _brute_meu(diagram)
    if base is None:
        pytest.skip("too many strategies to enumerate")
    voi = influence.value_of_information(diagram)
    assert voi.maximum_expected_utility == pytest.approx(base, abs=1e-9)
    checked = 0
    for o in voi.observe:
        truth = _brute_meu(diagram, extra=(o.decision, o.nodes))
        if truth is None:
            continue
        checked += 1
        assert o.value == pytest.approx(truth - base, abs=1e-8), (o.decision, o.nodes)
        assert o.value >= 0.0
    if voi.observe and not checked:
        pytest.skip("too many strategies to enumerate with the added arcs")


def test_reordered_cases_are_exercised_and_valid():
    """Some pairs have the node listed after the decision; the re-ordered diagram passes the
    structural checks, keeps every node, and its decision observes the node."""
    reordered = 0
    for seed in range(60):
        diagram = random_diagram(seed, chance=5, decisions=2, observes=1)
        for d, xs in observation_pairs(diagram):
            position = diagram.names.index
            variant = with_observation(diagram, d, xs)
            check_diagram(variant)  # built through the validating constructor as well
            assert sorted(variant.names) == sorted(diagram.names)
            assert set(xs) <= set(variant.node(d).parents)
            for n in diagram.nodes:
                if n.name != d:
                    assert variant.node(n.name) is n
            if any(position(x) > position(d) for x in xs):
                reordered += 1
                vpos = variant.names.index
                assert all(vpos(x) < vpos(d) for x in xs)
    assert reordered >= 10


@pytest.mark.parametrize("seed", range(8))
def test_several_nodes_together_and_scenarios_against_brute_force(seed):
    diagram = random_diagram(seed + 100, chance=4, decisions=2, observes=1, states=(2, 2))
    candidates = scenario_candidates(diagram)
    given = None
    if candidates and seed % 2:
        g = candidates[0]
        given = {g: diagram.node(g).states[-1]}
    try:
        base = _brute_meu(diagram, given)
    except ZeroDivisionError:  # pragma: no cover - a scenario of probability 0
        pytest.skip("scenario of probability 0")
    if base is None:
        pytest.skip("too many strategies to enumerate")
    chance = [n.name for n in diagram.chance_nodes]
    tried = 0
    for d in diagram.decisions:
        influenced = influenced_by(diagram, d.name)
        free = [c for c in chance if c not in influenced and c not in (given or {})]
        for pair in itertools.combinations(free, 2):
            known = set(diagram.information_set(d.name))
            if set(pair) <= known:
                continue
            voi = influence.value_of_information(diagram, nodes=list(pair), decision=d.name,
                                                 given=given)
            (o,) = voi.observe
            truth = _brute_meu(diagram, given, extra=(d.name, pair))
            if truth is None:
                continue
            tried += 1
            assert o.nodes == tuple(sorted(pair, key=diagram.names.index))
            assert o.value == pytest.approx(truth - base, abs=1e-8)
    if not tried:
        pytest.skip("no pair small enough to enumerate")


def test_value_of_a_node_never_exceeds_that_of_it_with_another():
    diagram = random_diagram(7, chance=5, decisions=2, observes=1)
    singles = {(o.decision, o.nodes[0]): o.value
               for o in influence.value_of_information(diagram).observe}
    for (d, x), value in singles.items():
        for (d2, y), _ in singles.items():
            if d2 != d or y == x:
                continue
            (both,) = influence.value_of_information(diagram, nodes=[x, y],
                                                     decision=d).observe
            assert both.value >= value - 1e-9


# -- what is asked ----------------------------------------------------------------------------


def test_pairs_leave_out_known_and_influenced_nodes():
    d = influence.load("cartel-intervention")
    pairs = observation_pairs(d)
    assert not [p for p in pairs if p[0] == "partnership"]  # every chance node descends
    for decision, (x,) in pairs:
        assert x not in d.information_set(decision)
        assert x not in influenced_by(d, decision)
    assert ("preparedness", ("mexico_corruption",)) in pairs
    assert ("military_action", ("mexico_response",)) not in pairs  # it observes it


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"nodes": ["oill"]}, "expected `nodes` to name chance nodes of the model, got 'oill' "
                          "(did you mean 'oil'?)"),
    ({"nodes": ["drill"]}, "got the decision node 'drill'"),
    ({"nodes": []}, "at least one chance node"),
    ({"decision": "dril"}, "expected `decision` to be a decision of the model (test, drill), "
                           "got 'dril' (did you mean 'drill'?)"),
    ({"nodes": ["result"], "decision": "test"}, "'test' does not influence, got 'result'"),
    ({"nodes": ["result"], "decision": "drill"}, "'drill' does not already know"),
    ({"nodes": ["result"]}, "some decision neither knows nor influences"),
    ({"seed": 3}, "expected `seed` only with `prior` or `posterior`"),
    ({"groups": {"a": ["oil"]}}, "expected `groups` only with `prior` or `posterior`"),
    ({"study_cost": 1.0}, "expected `study_cost` only with `studies`"),
])
def test_bad_requests(kwargs, message):
    with pytest.raises(QueryError) as info:
        influence.value_of_information(influence.load("oil-wildcatter"), **kwargs)
    assert message in str(info.value)


def test_not_a_diagram():
    with pytest.raises(QueryError, match="expected a Diagram"):
        influence.value_of_information("oil-wildcatter")


def test_to_dict_has_exactly_the_documented_keys():
    out = influence.value_of_information(influence.load("oil-wildcatter")).to_dict()
    assert list(out) == ["model", "maximum_expected_utility", "observe", "evpi_parameters",
                         "evppi", "evsi"]
    assert out["observe"][0] == {"decision": "test", "nodes": ["oil"],
                                 "value": pytest.approx(32.5)}
    assert out["evpi_parameters"] is None and out["evppi"] == [] and out["evsi"] == []
