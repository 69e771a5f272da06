"""Differential tests against pyAgrum's LIMID solver (Shafer-Shenoy, with no-forgetting).

The same diagram is built in pyAgrum (:func:`influence.testing.to_pyagrum`, tables filled
by state name) and solved by ``ShaferShenoyLIMIDInference`` after
``addNoForgettingAssumption`` with the decisions in order. The maximum expected utilities must
agree to 1e-8 (relative), and so must the optimal choice in every reachable information state
where the optimum is unique.

pyAgrum 3.3.1 returns a suboptimal strategy on some diagrams (see
``test_pyagrum_suboptimal_on_a_known_structure``). Where the two disagree, the disagreement is
settled by exact enumeration, with no code of either solver: each side's strategy is evaluated
over the full joint distribution. The test passes only if pyAgrum's own strategy is worth exactly
what pyAgrum reports, ours is worth exactly our MEU, and ours is strictly better.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

gum = pytest.importorskip("pyagrum")

from test_bruteforce import Joint  # noqa: E402

import influence  # noqa: E402
from influence import diagram_from_dict, solve  # noqa: E402
from influence.model.diagram import Diagram  # noqa: E402
from influence.solve.results import Evaluation  # noqa: E402
from influence.testing import model_dict, random_diagram, to_pyagrum  # noqa: E402

RTOL = 1e-8


def same(a: float, b: float) -> bool:
    return abs(a - b) <= RTOL * max(1.0, abs(a), abs(b))


def pyagrum_inference(diagram: Diagram):
    """Solve ``diagram`` in pyAgrum; returns the inference object."""
    inference = gum.ShaferShenoyLIMIDInference(to_pyagrum(diagram))
    inference.addNoForgettingAssumption([d.name for d in diagram.decisions])
    inference.makeInference()
    return inference


def pyagrum_choice(inference, decision: str, state: dict[str, str]) -> np.ndarray:
    """pyAgrum's decision rule of ``decision`` in an information state: a 0/1 row over options."""
    rule = inference.optimalDecision(decision)
    names = [v for v in rule.names if v != decision]
    return np.asarray(rule[{v: state[v] for v in names}], dtype=float).ravel()


def pyagrum_profile(inference, joint: Joint) -> list[np.ndarray]:
    """pyAgrum's strategy, one option index per information state of each decision."""
    return [
        np.array([int(np.argmax(pyagrum_choice(inference, d, s))) for s in joint.states(k)])
        for k, d in enumerate(joint.decisions)
    ]


def unique_optima(result: Evaluation):
    """(decision, information state, option) where our optimum is reachable and unique."""
    for dec in result.optimal_strategy:
        for rule in dec.reachable_rules():
            eus = sorted(rule.expected_utilities.values(), reverse=True)
            scale = max(1.0, max(abs(v) for v in eus))
            if len(eus) == 1 or eus[0] - eus[1] > 1e-6 * scale:
                yield dec.decision, dict(rule.given), rule.choose


def compare(diagram: Diagram) -> str:
    """Compare with pyAgrum; returns "agree" or "pyagrum suboptimal" (anything else fails)."""
    ours = solve(diagram)
    inference = pyagrum_inference(diagram)
    theirs = inference.MEU()["mean"]
    if same(ours.maximum_expected_utility, theirs):
        for dname, state, choose in unique_optima(ours):
            row = pyagrum_choice(inference, dname, state)
            options = diagram.node(dname).states
            assert row[options.index(choose)] == 1.0, (dname, state, choose, row)
        return "agree"
    joint = Joint(diagram)
    their_value = joint.eu(pyagrum_profile(inference, joint))
    our_value = joint.eu(joint.profile_of(ours))
    assert same(their_value, theirs), "pyAgrum's strategy is not worth its reported MEU"
    assert same(our_value, ours.maximum_expected_utility), "our strategy is not worth our MEU"
    assert our_value > their_value
    return "pyagrum suboptimal"


def test_oil_wildcatter_agrees_with_pyagrum() -> None:
    diagram = influence.load("oil-wildcatter")
    inference = pyagrum_inference(diagram)
    assert inference.MEU()["mean"] == pytest.approx(22.5, rel=RTOL)
    assert compare(diagram) == "agree"
    # The reachable optimal rules, one by one.
    assert pyagrum_choice(inference, "test", {}).tolist() == [0.0, 1.0]
    for result, choose in (("closed", "yes"), ("open", "yes"), ("diffuse", "no")):
        row = pyagrum_choice(inference, "drill", {"test": "yes", "result": result})
        assert diagram.node("drill").states[int(np.argmax(row))] == choose


def random_case(seed: int) -> Diagram:
    rng = np.random.default_rng(seed)
    return random_diagram(
        seed,
        chance=int(rng.integers(2, 7)),
        decisions=int(rng.integers(1, 4)),
        utilities=int(rng.integers(1, 4)),
        states=(2, 3),
        max_parents=2,
        observes=2,
        weights=bool(rng.random() < 0.5),
        zeros=0.25 if rng.random() < 0.3 else 0.0,
    )


@pytest.mark.parametrize("block", range(8))
def test_random_diagrams_agree_with_pyagrum(block: int) -> None:
    # 8 blocks of 12 diagrams: 96 diagrams of 3 to 12 nodes, several decisions, observations,
    # several utility nodes, weights, zero probabilities.
    outcomes = [compare(random_case(seed)) for seed in range(block * 12, block * 12 + 12)]
    assert outcomes.count("agree") >= 9, outcomes


def strategy_as_chance(diagram: Diagram, policy_id: str) -> Diagram:
    """The diagram with each decision replaced by a chance node playing the (complete) policy
    deterministically, plus a one-option decision so both solvers accept it."""
    doc = model_dict(diagram, policies=False)
    policy = diagram.policy(policy_id)
    nodes = {"start": {"type": "decision", "states": ["go"]}}
    for name, spec in doc["nodes"].items():
        node = diagram.node(name)
        if node.kind != "decision":
            nodes[name] = spec
            continue
        knows = list(diagram.information_set(name))
        rows = policy.rules[name]
        cpt = []
        for combo in itertools.product(*(diagram.node(v).states for v in knows)):
            state = dict(zip(knows, combo, strict=True))
            pick = next(r.choose for r in rows if all(state[v] == s for v, s in r.given.items()))
            cpt.append({"given": state, "p": [float(s == pick) for s in node.states]})
        nodes[name] = ({"type": "chance", "states": list(node.states), "parents": knows,
                        "cpt": cpt} if knows else
                       {"type": "chance", "states": list(node.states),
                        "p": [float(s == pick) for s in node.states]})
    return diagram_from_dict({"name": doc["name"], "nodes": nodes})


@pytest.mark.parametrize("seed", range(12))
def test_policy_values_agree_with_pyagrum(seed: int) -> None:
    rng = np.random.default_rng(seed)
    diagram = random_diagram(500 + seed, chance=int(rng.integers(2, 5)),
                             decisions=int(rng.integers(1, 3)), utilities=2, observes=1,
                             policies=2, complete_policies=True, weights=True)
    ours = solve(diagram)
    for policy in diagram.policies:
        fixed = strategy_as_chance(diagram, policy.id)
        theirs = pyagrum_inference(fixed).MEU()["mean"]
        assert same(ours.policy(policy.id).expected_utility, theirs)
        assert same(solve(fixed).maximum_expected_utility, theirs)


def test_pyagrum_suboptimal_on_a_known_structure() -> None:
    """A two-decision diagram that pyAgrum 3.3.1 solves suboptimally.

    ``c0`` is a fair coin that D1 sees; ``c2`` copies ``c0`` and ``c3`` copies D1; the utility
    pays 10 when ``c2`` and ``c3`` match. Playing D1 = a on lo and b on hi earns 10 for sure. A
    second decision D2 that sees ``c3`` and changes nothing should not matter, but with it
    pyAgrum's rule for D1 ignores ``c0`` and its MEU is 5. Without D2 pyAgrum finds 10.
    """
    lo_hi = ["lo", "hi"]
    doc = {
        "name": "matching",
        "nodes": {
            "c0": {"type": "chance", "states": lo_hi, "p": [0.5, 0.5]},
            "D1": {"type": "decision", "states": ["a", "b"], "observes": ["c0"]},
            "c2": {"type": "chance", "states": lo_hi, "parents": ["c0"], "cpt": [
                {"given": {"c0": "lo"}, "p": [1, 0]}, {"given": {"c0": "hi"}, "p": [0, 1]}]},
            "c3": {"type": "chance", "states": lo_hi, "parents": ["D1"], "cpt": [
                {"given": {"D1": "a"}, "p": [1, 0]}, {"given": {"D1": "b"}, "p": [0, 1]}]},
            "D2": {"type": "decision", "states": ["a", "b"], "observes": ["c3"]},
            "U1": {"type": "utility", "parents": ["D2"], "values": [
                {"given": {"D2": "a"}, "value": 0}, {"given": {"D2": "b"}, "value": 0}]},
            "U2": {"type": "utility", "parents": ["c2", "c3"], "values": [
                {"given": {"c2": a, "c3": b}, "value": 10.0 if a == b else 0.0}
                for a in lo_hi for b in lo_hi]},
        },
    }
    diagram = diagram_from_dict(doc)
    ours = solve(diagram)
    assert ours.maximum_expected_utility == pytest.approx(10.0)
    rules = {r.given["c0"]: r.choose for r in ours.decision("D1").rules}
    assert rules == {"lo": "a", "hi": "b"}
    theirs = pyagrum_inference(diagram).MEU()["mean"]
    assert theirs <= 10.0 + 1e-9
    assert compare(diagram) in ("agree", "pyagrum suboptimal")
    # Without D2, pyAgrum agrees.
    del doc["nodes"]["D2"], doc["nodes"]["U1"]
    assert compare(diagram_from_dict(doc)) == "agree"
