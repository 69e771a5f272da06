"""``influence.explain``: contributions by utility node and by state, against independent
computations (hand arithmetic on the textbook model, brute-force enumeration on small random
diagrams, draw-by-draw point solves), and ``by_utility`` of ``influence evaluate``."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_bruteforce import Joint, tiny

import influence
from influence.analysis.explain import OPTIMUM
from influence.limits import TIE_TOLERANCE
from influence.model.diagram import Diagram
from influence.testing import model_dict, random_diagram, scenario_candidates

SETTINGS = settings(max_examples=40, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


def close(a: float, b: float, scale: float = 1.0) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b), scale)


@pytest.fixture(scope="module")
def oil() -> Diagram:
    return influence.load("oil-wildcatter")


@pytest.fixture(scope="module")
def cartel() -> Diagram:
    return influence.load("cartel-intervention")


# -- the textbook model, by hand ------------------------------------------------------------------


def test_oil_wildcatter_test_and_follow_against_drill_blind(oil):
    e = influence.explain(oil, "test-and-follow", "drill-blind")
    # Testing costs 10. Drilling on a closed or open result earns, over the joint of oil and
    # result: closed .05*-70 + .09*50 + .10*200 = 21, open .15*-70 + .12*50 + .08*200 = 11.5.
    # Drilling blind: .5*-70 + .3*50 + .2*200 = 20.
    assert e.attribute("test_cost").option == pytest.approx(-10)
    assert e.attribute("test_cost").other == pytest.approx(0)
    assert e.attribute("payoff").option == pytest.approx(21 + 11.5)
    assert e.attribute("payoff").other == pytest.approx(20)
    assert [a.node for a in e.attributes] == ["payoff", "test_cost"]  # |12.5| > |-10|
    assert e.option.expected_utility == pytest.approx(22.5)
    assert e.other.expected_utility == pytest.approx(20)
    assert e.difference == pytest.approx(2.5) and not e.other_default
    assert e.attribute("payoff").weight == 1.0 and e.attribute("payoff").label == \
        "Drilling payoff"


def test_split_by_the_oil_and_by_the_test_result(oil):
    e = influence.explain(oil, "test-and-follow", "drill-blind", by="oil")
    assert not e.by.influenced
    rows = {s.state: s for s in e.by.states}
    # dry: drilling blind loses 70; testing drills on a dry well only after closed or open
    # (P .4), so it loses 28, and pays 10 for the test.
    assert rows["dry"].probability_option == rows["dry"].probability_other == pytest.approx(.5)
    assert rows["dry"].conditional_option == pytest.approx(-0.4 * 70 - 10)
    assert rows["dry"].conditional_other == pytest.approx(-70)
    assert rows["soaking"].conditional_option == pytest.approx(0.9 * 200 - 10)
    assert sum(s.difference for s in e.by.states) == pytest.approx(e.difference)
    by_result = influence.explain(oil, "test-and-follow", "drill-blind", by="result")
    assert by_result.by.influenced
    r = {s.state: s for s in by_result.by.states}
    assert r["none"].probability_option == 0 and r["none"].probability_other == 1
    assert r["none"].conditional_option is None and r["none"].conditional_other == \
        pytest.approx(20)
    assert r["closed"].probability_option == pytest.approx(0.24)
    assert r["closed"].conditional_option == pytest.approx(21 / 0.24 - 10)
    assert r["closed"].conditional_difference("payoff") is None
    assert sum(s.difference for s in by_result.by.states) == pytest.approx(2.5)


def test_a_scenario_conditions_everything(oil):
    e = influence.explain(oil, "test-and-follow", "drill-blind", given={"oil": "wet"}, by="oil")
    evaluation = influence.evaluate(oil, given={"oil": "wet"})
    assert e.given == {"oil": "wet"}
    assert e.option.expected_utility == pytest.approx(
        evaluation.policy("test-and-follow").expected_utility)
    assert e.attribute("payoff").other == pytest.approx(50)
    assert e.attribute("payoff").option == pytest.approx(0.7 * 50)  # closed or open: .3 + .4
    wet = [s for s in e.by.states if s.state == "wet"][0]
    assert wet.probability_option == 1 and wet.difference == pytest.approx(e.difference)


# -- which options -------------------------------------------------------------------------------


def _expected_default(evaluation, first_draws: np.ndarray, first_id: str) -> str:
    """The documented rule, from the evaluation: the optimum, then the ranking; the first whose
    expected utility differs from the first option's."""
    candidates = [(OPTIMUM, np.array([evaluation.maximum_expected_utility]))] + [
        (o.id, o.draws) for o in evaluation.ranked()]
    scale = max(abs(float(v.max())) for _, v in candidates)
    for oid, values in candidates:
        if oid != first_id and np.abs(values - first_draws).max() > TIE_TOLERANCE * scale:
            return oid
    raise AssertionError("no differing option")


@pytest.mark.parametrize("first", [None, "test=yes", "drill-blind", "do-nothing"])
def test_the_default_other_is_the_first_ranked_option_that_differs(oil, first):
    evaluation = influence.evaluate(oil)
    e = influence.explain(oil, first)
    if first is None:
        assert e.option.id == OPTIMUM and e.option.kind == "optimum"
        draws = np.array([evaluation.maximum_expected_utility])
    else:
        draws = next(o.draws for o in evaluation.options if o.id == first)
    assert e.other_default and e.other.id == _expected_default(evaluation, draws, e.option.id)


def test_the_defaults_of_the_bundled_models(oil, cartel):
    # The optimum ties with test-and-follow and test=yes; drill-blind is the first below.
    assert influence.explain(oil).other.id == "drill-blind"
    # Six alternatives tie with the optimum (it chooses them); anti_corruption=yes is next.
    assert influence.explain(cartel).other.id == "anti_corruption=yes"
    assert influence.explain(oil, "drill-blind").other.id == OPTIMUM


@pytest.mark.parametrize("args, kwargs, words", [
    (("test-and-folow",), {}, "did you mean 'test-and-follow'"),
    (("drill-blind", "tets=yes"), {}, "did you mean 'test=yes'"),
    (("drill-blind", "drill-blind"), {}, "two different options"),
    ((), {"by": "oli"}, "did you mean 'oil'"),
    ((), {"by": "drill"}, "got the decision node 'drill'"),
    ((), {"by": "payoff"}, "got the utility node 'payoff'"),
    ((), {"draws": 10}, "only with `prior` or `posterior`"),
    ((), {"seed": 1}, "only with `prior` or `posterior`"),
    ((), {"prior": True}, "expected priors in the model"),
    ((), {"prior": True, "draws": 1}, "at least 2"),
    ((), {"given": {"oil": "dri"}}, "did you mean 'dry'"),
])
def test_bad_requests_are_refused_by_name(oil, args, kwargs, words):
    with pytest.raises(influence.QueryError, match=None) as info:
        influence.explain(oil, *args, **kwargs)
    assert words in str(info.value)


def test_a_model_with_no_second_option_is_refused():
    doc = model_dict(influence.load("umbrella"), policies=False)
    with pytest.raises(influence.QueryError, match="an option to compare with"):
        influence.explain(influence.diagram_from_dict(doc))


# -- contributions add up, on random diagrams ----------------------------------------------------


@st.composite
def diagrams(draw: st.DrawFn) -> Diagram:
    return random_diagram(
        draw(st.integers(0, 2**32 - 1)), chance=draw(st.integers(1, 5)),
        decisions=draw(st.integers(1, 3)), utilities=draw(st.integers(1, 4)),
        states=(2, draw(st.integers(2, 3))), max_parents=2, observes=draw(st.integers(0, 2)),
        policies=2, weights=draw(st.booleans()), zeros=draw(st.sampled_from([0.0, 0.3])))


@SETTINGS
@given(diagrams(), st.data())
def test_contributions_add_up_to_each_options_expected_utility(diagram, data):
    evaluation = influence.evaluate(diagram)
    ids = [OPTIMUM] + [o.id for o in evaluation.options]
    if len(ids) < 2:
        return
    a, b = data.draw(st.permutations(ids))[:2]
    node = data.draw(st.sampled_from([n.name for n in diagram.chance_nodes]))
    e = influence.explain(diagram, a, b, by=node)
    scale = sum(float(np.abs(u.table).max()) * abs(u.weight) for u in diagram.utilities)
    assert close(sum(x.option for x in e.attributes), e.option.expected_utility, scale)
    assert close(sum(x.other for x in e.attributes), e.other.expected_utility, scale)
    assert close(sum(s.difference for s in e.by.states), e.difference, scale)
    assert close(sum(s.probability_option for s in e.by.states), 1.0)
    for x in e.attributes:
        assert close(sum(s.by_utility_option[x.node] for s in e.by.states), x.option, scale)
        assert close(sum(s.by_utility_other[x.node] for s in e.by.states), x.other, scale)


@SETTINGS
@given(diagrams())
def test_evaluate_json_by_utility_adds_up_everywhere(diagram):
    data = influence.evaluate(diagram).to_dict()
    scale = sum(float(np.abs(u.table).max()) * abs(u.weight) for u in diagram.utilities)
    names = [u.name for u in diagram.utilities]
    assert list(data["by_utility"]) == names
    assert close(sum(data["by_utility"].values()), data["maximum_expected_utility"], scale)
    for entry in data["ranking"] + data["policies"]:
        assert list(entry["by_utility"]) == names
        assert close(sum(entry["by_utility"].values()), entry["expected_utility"], scale)


# -- brute force ---------------------------------------------------------------------------------


def _profile(joint: Joint, plan: influence.Plan, choices: list[np.ndarray]) -> list[np.ndarray]:
    """A strategy's choices (over each decision's past in the plan's layout) as one row per
    decision over the enumerator's information states."""
    d = plan.diagram
    rows = []
    for k in range(len(joint.decisions)):
        row = np.zeros(joint.n_info[k], dtype=int)
        for j, state in enumerate(joint.states(k)):
            if any(plan.given.get(v, s) != s for v, s in state.items()):
                continue  # another scenario: weight zero
            index = tuple(d.node(v).states.index(state[v]) for v in plan.past(k))
            row[j] = int(np.broadcast_to(choices[k], tuple(
                plan.sizes[v] for v in plan.past(k)))[index])
        rows.append(row)
    return rows


def _brute(joint: Joint, profile: list[np.ndarray], node: str
           ) -> tuple[dict[str, float], np.ndarray, dict[str, np.ndarray]]:
    """By enumeration: each utility node's contribution, P(node = state) and each utility
    node's part in each state, under one strategy profile."""
    d = joint.diagram
    follow = np.ones(len(joint.coords), dtype=bool)
    for k, p in enumerate(profile):
        follow &= joint.indicator(k, p[None])[0]
    prob = np.where(follow, joint.prob, 0.0)
    states = joint.coords[:, joint.col[node]]
    k = len(d.node(node).states)
    probability = np.bincount(states, weights=prob, minlength=k)
    totals, parts = {}, {}
    for u in d.utilities:
        index = tuple(joint.coords[:, joint.col[p]] for p in u.parents)
        values = u.weight * (u.table[index] if index else np.full(len(prob), float(u.table)))
        totals[u.name] = float((prob * values).sum())
        parts[u.name] = np.bincount(states, weights=prob * values, minlength=k)
    return totals, probability, parts


def _check_against_enumeration(diagram: Diagram, given=None) -> None:
    joint = Joint(diagram, given)
    plan = influence.plan(diagram, given)
    evaluation = plan.evaluate()
    source = evaluation.extras.source
    strategies = [source.layout_choices(i) for i in range(len(evaluation.options) + 1)]
    ids = [OPTIMUM] + [o.id for o in evaluation.options]
    scale = float(np.abs(joint.weighted).sum()) + 1.0
    for node in [n.name for n in diagram.chance_nodes]:
        for i, a in enumerate(ids):
            b = ids[(i + 1) % len(ids)]
            if a == b:
                continue
            e = influence.explain(plan, a, b, by=node)
            for which, option_id, side in (("option", a, 0), ("other", b, 1)):
                profile = _profile(joint, plan, strategies[ids.index(option_id)])
                totals, probability, parts = _brute(joint, profile, node)
                assert close(joint.eu(profile), getattr(e, which).expected_utility, scale)
                for x in e.attributes:
                    assert close(getattr(x, which), totals[x.node], scale), (option_id, x.node)
                for j, s in enumerate(e.by.states):
                    p = s.probability_option if side == 0 else s.probability_other
                    assert close(p, probability[j])
                    by = s.by_utility_option if side == 0 else s.by_utility_other
                    for u in by:
                        assert close(by[u], parts[u][j], scale), (option_id, node, u)


@pytest.mark.parametrize("seed", range(12))
def test_random_diagrams_match_enumeration(seed):
    _check_against_enumeration(tiny(seed))


@pytest.mark.parametrize("seed", range(6))
def test_scenarios_match_conditional_enumeration(seed):
    attempt = 0
    while not scenario_candidates(diagram := tiny(2000 + seed + 7919 * attempt)):
        attempt += 1
    node = diagram.node(scenario_candidates(diagram)[0])
    joint = Joint(diagram)
    for state in node.states:
        if joint.prob[joint.coords[:, joint.col[node.name]] == node.states.index(state)].sum() \
                > 1e-9:
            _check_against_enumeration(diagram, {node.name: state})
            return


# -- parameter uncertainty: batched draws against draw-by-draw explanations ----------------------


def _draw(tables: dict[str, np.ndarray], i: int) -> dict[str, np.ndarray]:
    return {k: (v[i] if v.shape[0] > 1 else v[0]) for k, v in tables.items()}


def test_batched_draws_equal_draw_by_draw_explanations(cartel):
    from influence.bayes.draws import sample_prior_parameters

    draws, seed = 12, 3
    batched = influence.explain(cartel, "status-quo", "article-recommendation",
                                by="mexico_response", prior=True, draws=draws, seed=seed)
    assert batched.uncertainty == "prior" and batched.draws == draws and batched.seed == seed
    tables = sample_prior_parameters(cartel, draws, seed=seed)
    singles = [influence.explain(
        influence.diagram_from_dict(model_dict(cartel, _draw(tables, i))), "status-quo",
        "article-recommendation", by="mexico_response") for i in range(draws)]
    for row in batched.attributes:
        option = np.array([s.attribute(row.node).option for s in singles])
        other = np.array([s.attribute(row.node).other for s in singles])
        np.testing.assert_allclose(row.option_draws, option, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(row.other_draws, other, rtol=1e-9, atol=1e-9)
        assert row.option == pytest.approx(option.mean())
        assert row.difference_interval_90 == pytest.approx(
            tuple(np.quantile(option - other, [0.05, 0.95])))
        assert row.probability_better == pytest.approx(np.mean(option - other > 1e-6))
    totals = np.array([s.difference for s in singles])
    assert batched.probability_better == pytest.approx(np.mean(totals > 0))
    for j, state in enumerate(batched.by.states):
        p = np.mean([s.by.states[j].probability_option for s in singles])
        assert state.probability_option == pytest.approx(p)
        for u, part in state.by_utility_other.items():
            assert part == pytest.approx(
                np.mean([s.by.states[j].by_utility_other[u] for s in singles]), abs=1e-9)
        share = np.array([s.by.states[j].difference for s in singles])
        assert state.difference_interval_90 == pytest.approx(
            tuple(np.quantile(share, [0.05, 0.95])))


def test_bayes_strategies_per_draw_agree_with_the_evaluation(cartel):
    result = influence.explain(cartel, prior=True, draws=300, seed=5)
    evaluation = influence.evaluate(cartel, prior=True, draws=300, seed=5)
    assert result.option.id == OPTIMUM
    np.testing.assert_allclose(result.option.draws, evaluation.meu_draws)
    other = next(o for o in evaluation.options if o.id == result.other.id)
    np.testing.assert_allclose(sum(a.other_draws for a in result.attributes), other.draws,
                               rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(sum(a.option_draws for a in result.attributes),
                               evaluation.meu_draws, rtol=1e-9, atol=1e-6)
    for a in result.attributes:  # the evaluation's by_utility: from the mean stage tensor
        assert a.option == pytest.approx(evaluation.by_utility[a.node], abs=1e-6)
        assert a.other == pytest.approx(other.by_utility[a.node], abs=1e-6)


def test_the_same_seed_gives_the_same_explanation(cartel):
    one = influence.explain(cartel, "status-quo", prior=True, draws=50, seed=9)
    two = influence.explain(cartel, "status-quo", prior=True, draws=50, seed=9)
    assert one.to_dict() == two.to_dict()
    assert one.to_dict()["seed"] == 9 and "difference_interval_90" in one.to_dict()


def test_chunks_do_not_change_the_explanation(cartel, monkeypatch):
    from influence.bayes import uncertainty

    whole = influence.explain(cartel, "status-quo", by="mexico_response", prior=True,
                              draws=30, seed=4)
    monkeypatch.setattr(uncertainty, "_MAX_CHUNK", 7)  # 5 chunks of at most 7 draws
    chunked = influence.explain(cartel, "status-quo", by="mexico_response", prior=True,
                                draws=30, seed=4)
    for a, b in zip(whole.attributes, chunked.attributes, strict=True):
        np.testing.assert_allclose(a.option_draws, b.option_draws, rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(a.other_draws, b.other_draws, rtol=1e-12, atol=1e-9)
    for s, t in zip(whole.by.states, chunked.by.states, strict=True):
        assert s.probability_other == pytest.approx(t.probability_other)
        assert s.difference == pytest.approx(t.difference)
        assert s.difference_interval_90 == pytest.approx(t.difference_interval_90)


def test_evaluate_json_by_utility_under_the_prior_adds_up(cartel):
    data = influence.evaluate(cartel, prior=True, draws=200, seed=2).to_dict()
    assert sum(data["by_utility"].values()) == pytest.approx(data["maximum_expected_utility"])
    for entry in data["ranking"] + data["policies"]:
        assert sum(entry["by_utility"].values()) == pytest.approx(entry["expected_utility"])


def test_split_by_the_scenario_node_itself(oil):
    e = influence.explain(oil, given={"oil": "soaking"}, by="oil")
    rows = {s.state: s for s in e.by.states}
    assert rows["soaking"].probability_option == 1 and rows["dry"].probability_option == 0
    assert rows["dry"].conditional_option is None
    assert rows["soaking"].difference == pytest.approx(e.difference)
