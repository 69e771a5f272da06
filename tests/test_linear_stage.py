"""The stage tensor as an affine function of the operands a draw changes
(:mod:`influence.solve.linear`), and the break-even search that uses it.

The independent check is the plan's own contraction of every draw: on random diagrams (with and
without a scenario) each chance and utility table, and pairs of tables that share no term, are
replaced by random valid numbers, and the affine form must give the same stage tensor, reach
tensor and probability of the scenario. The break-even values of ``param:`` parameters must be
the same whether their stage tensors come from the affine form or are contracted draw by draw.
"""

from __future__ import annotations

import numpy as np
import pytest
from structured_models import BREAK_EVEN, FULL, text

import influence
from influence.analysis import bisection
from influence.analysis.parameters import all_parameters
from influence.solve.linear import LinearStage, separable
from influence.testing import random_diagram, scenario_candidates


def _random_table(rng, node, draws):
    shape = (draws,) + node.table.shape
    if node.kind == "utility":
        return rng.normal(0.0, 50.0, shape)
    table = rng.random(shape) * (rng.random(shape) > 0.2)  # some exact zeros
    table[..., 0] += 1e-3  # the scenario (a last state) stays possible
    table[..., -1] += 1e-3
    return table / table.sum(axis=-1, keepdims=True)


def _direct(plan, ops):
    pe = plan.evidence_probability(ops)
    shape = (-1,) + (1,) * len(plan.layout_vars)
    stage = plan.stage_tensor(ops) * pe.reshape(shape)
    reach = plan.reach_tensor(ops) * pe.reshape(shape)
    return stage, reach, pe


def _plans():
    for seed in range(40):
        diagram = random_diagram(seed, chance=4, decisions=2, utilities=2, states=(2, 3),
                                 observes=1, zeros=0.2)
        yield influence.plan(diagram)
        candidates = scenario_candidates(diagram)
        if candidates:
            node = diagram.node(candidates[0])
            yield influence.plan(diagram, {node.name: node.states[-1]})


def test_the_affine_form_is_the_contraction_on_random_diagrams():
    rng = np.random.default_rng(7)
    checked = 0
    for plan in _plans():
        names = [n.name for n in plan.diagram.nodes if n.table is not None]
        sets = [frozenset([n]) for n in names]
        sets += [frozenset([a, b]) for a in names for b in names
                 if a < b and separable(plan, [a, b])]
        linear = LinearStage(plan, names, step=5)
        draws = 3
        changes = [s for s in sets for _ in range(draws)]
        ops = dict(plan.operands())
        for n in names:
            ops[n] = np.repeat(ops[n], len(changes), axis=0)
        for i, changed in enumerate(changes):
            for n in changed:
                table = _random_table(rng, plan.diagram.node(n), 1)
                weight = plan.diagram.node(n).weight if plan.diagram.node(n).kind == "utility" \
                    else 1.0
                ops[n][i] = table[0] * weight
        # draws in which the scenario cannot occur have no stage tensor to compare
        keep = np.flatnonzero(plan.evidence_probability(ops) > 0)
        ops = {n: v[keep] if len(v) > 1 else v for n, v in ops.items()}
        changes = [changes[i] for i in keep]
        stage, reach, pe = linear.evaluate(ops, changes)
        for got, expected in zip((stage, reach, pe), _direct(plan, ops), strict=True):
            size = max(1.0, float(np.abs(expected).max()))
            assert np.allclose(got, expected, rtol=0, atol=1e-12 * size)
        # an entry that is zero on every path stays exactly zero
        assert np.array_equal(stage == 0, _direct(plan, ops)[0] == 0)
        checked += len(changes)
    assert checked > 500


def test_tables_that_meet_in_a_term_are_not_separable():
    diagram = influence.loads(text(FULL))
    plan = influence.plan(diagram)
    assert separable(plan, ["u", "v"])
    assert not separable(plan, ["c", "e"])  # both in the term of u
    assert separable(plan, ["c"])


def _without_affine_form(monkeypatch):
    monkeypatch.setattr(bisection, "separable", lambda plan, nodes: False)


def _dicts(plan, names, ranges=None):
    return influence.thresholds(plan, names, ranges=ranges).to_dict()["parameters"]


def _assert_same(got, expected):
    assert [p["id"] for p in got] == [p["id"] for p in expected]
    for a, b in zip(got, expected, strict=True):
        low, high = b["domain"]
        assert len(a["thresholds"]) == len(b["thresholds"]), a["id"]
        for s, t in zip(a["thresholds"], b["thresholds"], strict=True):
            assert abs(s["value"] - t["value"]) <= 1e-6 * max(1.0, high - low), a["id"]
            assert {k: s[k] for k in ("decision", "information_state", "from", "to")} == \
                {k: t[k] for k in ("decision", "information_state", "from", "to")}, a["id"]


@pytest.mark.parametrize("model, given", [
    (FULL, None),
    (BREAK_EVEN, None),
    ("cartel-intervention", None),
])
def test_break_even_values_of_parameters_are_those_of_the_contraction(monkeypatch, model,
                                                                       given):
    diagram = influence.load(model) if "\n" not in model else influence.loads(text(model))
    names = [p.id for p in all_parameters(diagram) if p.kind == "parameter"]
    if model == "cartel-intervention":  # tables seen and unseen, costs, weights
        names = [n for n in names if any(k in n for k in (
            "nonmilitary_progress.leak", "mexico_response.base", "cost_partnership",
            "usd_to_lives", "relations_weight", "retaliation_us[", "us_demand"))]
    plan = influence.plan(diagram, given)
    fast = _dicts(plan, names)
    _without_affine_form(monkeypatch)
    slow = _dicts(influence.plan(diagram, given), names)
    _assert_same(fast, slow)
    assert sum(len(p["thresholds"]) for p in slow) > 0


#: The structured model with one named rate feeding two tables that meet in u's term.
SHARED = text(FULL).replace("""  halve:
""", """  shared:
    value: 0.2
    prior: {beta: [2, 8]}
    source: 'judgment: one rate of two tables'
  halve:
""", 1).replace("leak: {value: 0.1, prior: {beta: [2, 18]}}", "leak: shared").replace(
    "leak: {some: 0.2, lots: 0.1}", "leak: {some: shared, lots: 0.1}")


def test_a_parameter_of_two_tables_in_one_term_is_contracted_draw_by_draw(monkeypatch):
    diagram = influence.loads(SHARED)
    plan = influence.plan(diagram)
    assert not separable(plan, ["c", "e"])
    names = [p.id for p in all_parameters(diagram) if p.kind == "parameter"]
    assert "param:shared" in names
    fast = _dicts(plan, names)  # one batch mixes both ways of finding the stage tensor
    _without_affine_form(monkeypatch)
    slow = _dicts(influence.plan(diagram), names)
    _assert_same(fast, slow)
    assert sum(len(p["thresholds"]) for p in slow) > 0
