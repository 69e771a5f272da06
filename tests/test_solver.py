"""Unit tests of the exact solver on the textbook model and on hand-built cases."""

from __future__ import annotations

import numpy as np
import pytest

import influence
from influence import QueryError, diagram_from_dict, marginal, solve
from influence.solve.plan import Plan
from influence.solve.tables import point_parameters
from influence.testing import model_dict, random_diagram


@pytest.fixture(scope="module")
def oil():
    return influence.load("oil-wildcatter")


def test_oil_wildcatter_textbook_values(oil) -> None:
    r = solve(oil)
    assert r.maximum_expected_utility == pytest.approx(22.5)
    assert r.alternatives == {"test": pytest.approx({"no": 20.0, "yes": 22.5})}
    assert r.policy("drill-blind").expected_utility == pytest.approx(20.0)
    assert r.policy("test-and-follow").expected_utility == pytest.approx(22.5)
    assert r.policy("do-nothing").expected_utility == pytest.approx(0.0)
    test = r.decision("test").rules[0]
    assert test.choose == "yes" and test.reachable and test.probability == pytest.approx(1.0)
    drill = {(g["test"], g["result"]): rule for rule in r.decision("drill").rules
             for g in [rule.given]}
    expected = {"closed": ("yes", 0.24, 77.5), "open": ("yes", 0.35, 160 / 7),
                "diffuse": ("no", 0.41, -10.0)}
    for result, (choose, p, eu) in expected.items():
        rule = drill[("yes", result)]
        assert rule.choose == choose and rule.reachable
        assert rule.probability == pytest.approx(p)
        assert rule.expected_utilities[choose] == pytest.approx(eu)
    # Impossible information states have no choice; the possible but unreachable one keeps the
    # choice that would be optimal there (drill without a test: 20 > 0).
    assert drill[("yes", "none")].choose is None
    assert all(drill[("no", r)].choose is None for r in ("closed", "open", "diffuse"))
    blind = drill[("no", "none")]
    assert blind.choose == "yes" and not blind.reachable
    assert blind.expected_utilities == pytest.approx({"no": 0.0, "yes": 20.0})


def test_reachable_probabilities_sum_to_one() -> None:
    for seed in range(20):
        d = random_diagram(seed, chance=4, decisions=3, zeros=0.2)
        for dec in solve(d).optimal_strategy:
            assert sum(r.probability for r in dec.rules) == pytest.approx(1.0)
            assert all(r.probability == 0.0 for r in dec.rules if not r.reachable)


def test_scenario_is_conditional(oil) -> None:
    r = solve(oil, {"oil": "wet"})
    assert r.given == {"oil": "wet"}
    assert r.maximum_expected_utility == pytest.approx(50.0)
    assert r.alternatives["test"] == pytest.approx({"no": 50.0, "yes": 40.0})
    # A scenario is not a batch of draws.
    assert r.meu_draws is None and r.evpi_parameters is None
    assert all(o.draws.shape == (1,) for o in r.options)
    plan = Plan(oil, {"oil": "wet"})
    params = point_parameters(oil)
    assert plan.evidence_probability(params).shape == (1,)
    assert plan.evidence_probability(params)[0] == pytest.approx(0.3)
    assert plan.stage_tensor(plan.operands(params)).shape == (1, 2, 4, 2)


def test_scenario_with_draws(oil) -> None:
    params = {k: np.repeat(v, 3, axis=0) for k, v in point_parameters(oil).items()}
    params["oil"] = np.array([[0.5, 0.3, 0.2], [0.2, 0.3, 0.5], [0.6, 0.2, 0.2]])
    plan = Plan(oil, {"oil": "soaking"})
    assert plan.evidence_probability(params) == pytest.approx([0.2, 0.5, 0.2])
    r = plan.evaluate(params, uncertainty="prior")
    # Given the oil, the prior on it does not matter: every draw drills without testing.
    assert r.meu_draws == pytest.approx([200.0] * 3)
    assert r.evpi_parameters == pytest.approx(0.0)


def test_scenario_errors(oil) -> None:
    with pytest.raises(QueryError, match="influenced by the decision"):
        solve(oil, {"result": "open"})
    with pytest.raises(QueryError, match=r"name nodes of the model, got 'oill' \(did you "
                       r"mean 'oil'\?\)"):
        solve(oil, {"oill": "wet"})
    with pytest.raises(QueryError, match="decision node"):
        solve(oil, {"test": "yes"})
    with pytest.raises(QueryError, match="expected a state"):
        solve(oil, {"oil": "damp"})
    doc = {"name": "zero", "nodes": {
        "c": {"type": "chance", "states": ["a", "b"], "p": [1.0, 0.0]},
        "D": {"type": "decision", "states": ["x", "y"]},
        "U": {"type": "utility", "parents": ["c", "D"], "values": [
            {"given": {"c": c, "D": d}, "value": 1.0} for c in "ab" for d in "xy"]},
    }}
    with pytest.raises(QueryError, match="probability 0"):
        solve(diagram_from_dict(doc), {"c": "b"})


def test_nothing_observed() -> None:
    """No decision observes a chance node: the probability of each past is an empty product."""
    doc = {"name": "blind", "nodes": {
        "c": {"type": "chance", "states": ["a", "b"], "p": [0.25, 0.75]},
        "D1": {"type": "decision", "states": ["x", "y"]},
        "D2": {"type": "decision", "states": ["x", "y"]},
        "U": {"type": "utility", "parents": ["c", "D1", "D2"], "values": [
            {"given": {"c": c, "D1": d1, "D2": d2}, "value": float(i)}
            for i, (c, d1, d2) in enumerate((c, d1, d2) for c in "ab" for d1 in "xy"
                                            for d2 in "xy")]},
    }}
    diagram = diagram_from_dict(doc)
    r = solve(diagram)
    # Values 0..7 over (c, D1, D2): best is D1=y, D2=y: .25*3 + .75*7.
    assert r.maximum_expected_utility == pytest.approx(0.25 * 3 + 0.75 * 7)
    params = {k: np.repeat(v, 4, axis=0) for k, v in point_parameters(diagram).items()}
    batch = Plan(diagram).evaluate(params, uncertainty="prior")
    for dec in batch.optimal_strategy:
        assert sum(r.probability for r in dec.rules) == pytest.approx(1.0)


def test_draw_axes_of_size_one_broadcast() -> None:
    d = random_diagram(3, chance=4, decisions=2, policies=2)
    point = point_parameters(d)
    first = d.chance_nodes[0].name
    params = dict(point)
    params[first] = np.repeat(point[first], 3, axis=0)  # three identical draws of one node
    r = Plan(d).evaluate(params, uncertainty="prior")
    assert r.draws == 3
    assert r.meu_draws == pytest.approx([solve(d).maximum_expected_utility] * 3)
    for dec in r.optimal_strategy:
        assert sum(x.probability for x in dec.rules) == pytest.approx(1.0)


def test_chunks_equal_one_batch() -> None:
    d = random_diagram(11, chance=4, decisions=2, policies=2)
    rng = np.random.default_rng(0)
    params = {}
    for n in d.nodes:
        if n.kind == "chance":
            rows = n.table.reshape(-1, n.table.shape[-1])
            params[n.name] = np.stack([np.stack([rng.dirichlet(10 * r + 1) for r in rows])
                                       .reshape(n.table.shape) for _ in range(6)])
        elif n.kind == "utility":
            params[n.name] = n.table[None] + rng.normal(size=(6,) + n.table.shape)
    plan = Plan(d)
    whole = plan.evaluate(params, uncertainty="prior")
    parts = plan.evaluate_chunks(lambda: iter([{k: v[:2] for k, v in params.items()},
                                               {k: v[2:] for k, v in params.items()}]),
                                 uncertainty="prior")
    assert parts.maximum_expected_utility == pytest.approx(whole.maximum_expected_utility)
    assert parts.evpi_parameters == pytest.approx(whole.evpi_parameters)
    assert _same_dict(parts, whole)


def _same_dict(a, b) -> bool:
    import json

    ja = json.loads(json.dumps(a.to_dict()))
    jb = json.loads(json.dumps(b.to_dict()))

    def walk(x, y):
        if isinstance(x, dict):
            assert x.keys() == y.keys()
            for k in x:
                walk(x[k], y[k])
        elif isinstance(x, list):
            assert len(x) == len(y)
            for u, v in zip(x, y, strict=True):
                walk(u, v)
        elif isinstance(x, float):
            assert x == pytest.approx(y)
        else:
            assert x == y

    walk(ja, jb)
    return True


def test_a_plan_keeps_its_scenario(oil) -> None:
    assert Plan(oil).given == {}
    assert Plan(oil, {"oil": "dry"}).given == {"oil": "dry"}
    assert Plan(oil, {"oil": "dry"}).evaluate().maximum_expected_utility == pytest.approx(0.0)


def test_plan_layout(oil) -> None:
    plan = Plan(oil)
    assert plan.stages == ((), ("result",))
    assert plan.layout_vars == ("test", "result", "drill")
    assert plan.past(0) == () and plan.past(1) == ("test", "result")
    assert plan.free_decisions == ("test",)
    # Barren nodes are pruned: a chance node nothing depends on is in no contraction.
    doc = {"name": "barren", "nodes": {
        "c": {"type": "chance", "states": ["a", "b"], "p": [0.5, 0.5]},
        "D": {"type": "decision", "states": ["x", "y"], "observes": ["c"]},
        "noise": {"type": "chance", "states": ["a", "b"], "parents": ["D"], "cpt": [
            {"given": {"D": "x"}, "p": [0.1, 0.9]}, {"given": {"D": "y"}, "p": [0.9, 0.1]}]},
        "U": {"type": "utility", "parents": ["c", "D"], "values": [
            {"given": {"c": c, "D": d}, "value": float(c == "a") - float(d == "x")}
            for c in "ab" for d in "xy"]},
    }}
    plan = Plan(diagram_from_dict(doc))
    assert all("noise" not in t.chance for t in plan.utility_terms)
    assert "noise" not in plan.reach_term.chance


def test_policy_masks(oil) -> None:
    plan = Plan(oil)
    masks = plan.masks_for(policy=oil.policy("test-and-follow"))
    assert masks[0].tolist() == [False, True]
    drill = masks[1]  # (test, result, drill)
    assert drill.shape == (2, 4, 2)
    assert drill[:, 3].tolist() == [[True, False], [True, False]]  # diffuse: no
    assert drill[:, 1].tolist() == [[False, True], [False, True]]  # closed: yes
    assert drill[:, 0].tolist() == [[True, True], [True, True]]  # 'none' is left free
    forced = plan.masks_for(force=("drill", "no"))
    assert forced[0] is None and forced[1][..., 1].sum() == 0


def test_policy_rule_for_another_scenario_is_ignored() -> None:
    doc = {"name": "rule", "nodes": {
        "c": {"type": "chance", "states": ["a", "b"], "p": [0.5, 0.5]},
        "D": {"type": "decision", "states": ["x", "y"], "observes": ["c"]},
        "U": {"type": "utility", "parents": ["c", "D"], "values": [
            {"given": {"c": c, "D": d}, "value": 1.0 if (c == "a") == (d == "x") else 0.0}
            for c in "ab" for d in "xy"]},
    }, "policies": {"p": {"choose": {"D": [{"given": {"c": "b"}, "choose": "x"}]}}}}
    d = diagram_from_dict(doc)
    assert solve(d).policy("p").expected_utility == pytest.approx(0.5)
    assert solve(d, {"c": "a"}).policy("p").expected_utility == pytest.approx(1.0)
    assert solve(d, {"c": "b"}).policy("p").expected_utility == pytest.approx(0.0)


def test_weights_multiply_utilities() -> None:
    d = random_diagram(5, chance=3, decisions=2, utilities=2, weights=True)
    assert any(u.weight != 1.0 for u in d.utilities)
    # The same diagram with weight 1 and the values pre-multiplied by the weights.
    doc = model_dict(d, tables={u.name: u.table * u.weight for u in d.utilities})
    for u in d.utilities:
        doc["nodes"][u.name].pop("weight", None)
    plain = diagram_from_dict(doc)
    assert all(u.weight == 1.0 for u in plain.utilities)
    assert solve(plain).maximum_expected_utility == pytest.approx(
        solve(d).maximum_expected_utility)


def test_marginal(oil) -> None:
    m = marginal(oil, "result", {"test": "yes"})
    assert m == pytest.approx({"none": 0.0, "closed": 0.24, "open": 0.35, "diffuse": 0.41})
    post = marginal(oil, "oil", {"test": "yes", "result": "closed"})
    assert post == pytest.approx({"dry": 0.05 / 0.24, "wet": 0.09 / 0.24, "soaking": 0.10 / 0.24})
    with pytest.raises(QueryError, match="fix the decision"):
        marginal(oil, "result")
    with pytest.raises(QueryError, match="probability 0"):
        marginal(oil, "oil", {"test": "no", "result": "open"})


def test_one_option_decision_and_parentless_utility() -> None:
    doc = {"name": "tiny", "nodes": {
        "go": {"type": "decision", "states": ["only"]},
        "fixed": {"type": "utility", "value": 7.5},
    }}
    r = solve(diagram_from_dict(doc))
    assert r.maximum_expected_utility == pytest.approx(7.5)
    assert r.alternatives == {"go": {"only": pytest.approx(7.5)}}


def test_a_scenario_of_probability_zero_names_the_node():
    text = """
name: z
nodes:
  c: {type: chance, states: [a, b], p: [0, 1]}
  d: {type: decision, states: [x, y]}
  u:
    type: utility
    parents: [c, d]
    values:
      - {given: {c: a, d: x}, value: 1}
      - {given: {c: a, d: y}, value: 0}
      - {given: {c: b, d: x}, value: 0}
      - {given: {c: b, d: y}, value: 1}
"""
    diagram = influence.loads(text, file="z.yaml")
    with pytest.raises(influence.QueryError) as info:
        influence.evaluate(diagram, given={"c": "a"})
    assert str(info.value) == ("z.yaml: node 'c', field 'given': expected a scenario of positive "
                               "probability, got `given` c=a, which has probability 0 under the "
                               "model")
