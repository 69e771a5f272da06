"""The optimum and every option in one pass of updates (influence/solve/sidebyside.py), and
every utility node's contribution in one query, against the stage-tensor solver: backward
induction over everything each decision knows (an independent computation)."""

from __future__ import annotations

import numpy as np
import pytest

import influence
from influence.solve.evaluation import by_utility
from influence.solve.kernels import backward_induction
from influence.solve.sidebyside import run_side_by_side
from influence.testing import random_diagram

SEEDS = range(16)


def _diagram(seed: int):
    return random_diagram(seed, chance=8, decisions=4, utilities=3, observes=2, states=(2, 3),
                          max_parents=2, policies=3)


@pytest.mark.parametrize("seed", SEEDS)
def test_every_option_is_worth_what_backward_induction_gives_it(seed: int) -> None:
    d = _diagram(seed)
    plan = influence.plan(d)
    ev = plan.evaluate()
    stage = plan.stage_tensor(plan.operands())
    best = backward_induction(stage, plan.layout, values=False)
    assert ev.maximum_expected_utility == pytest.approx(best.expected_utility[0], rel=1e-9)
    options = plan.options()
    assert len(ev.options) == len(options) > 0
    for option, (oid, *_, masks) in zip(ev.options, options, strict=True):
        assert option.id == oid
        value = backward_induction(stage, plan.layout, masks, values=False).expected_utility[0]
        assert option.expected_utility == pytest.approx(value, rel=1e-9, abs=1e-9)


def test_options_that_depart_and_options_that_ride_are_both_valued() -> None:
    """Across the diagrams, some options are the optimum (they never leave it) and others
    depart from it at some update; each is worth what it is worth solved on its own."""
    riding = departing = 0
    for seed in SEEDS:
        plan = influence.plan(_diagram(seed))
        f = plan.factored
        specs = plan.option_specs()
        masks = [f.masks(force=(s[3], s[4])) if s[2] == "alternative" else
                 f.masks(policy=s[5]) for s in specs if s[2] == "alternative"
                 or f.for_policy(s[5]) is f]
        if not f.exact or not masks:
            continue
        ops = plan.operands()
        best, solved = run_side_by_side(f.program, f.pool(ops), masks)
        for m, sol in zip(masks, solved, strict=True):
            alone = f.solve(ops, masks=m)
            assert sol.expected_utility[0] == pytest.approx(alone.expected_utility[0],
                                                            rel=1e-12, abs=1e-12)
            for dname, choice in alone.choices.items():
                np.testing.assert_array_equal(np.broadcast_to(sol.choices[dname], choice.shape),
                                              choice)
            if sol is best:
                riding += 1
            else:
                departing += 1
    assert riding > 0 and departing > 0


@pytest.mark.parametrize("seed", SEEDS)
def test_contributions_by_utility_node_match_the_stage_tensor_parts(seed: int) -> None:
    plan = influence.plan(_diagram(seed))
    ev = plan.evaluate()
    _, parts = plan.stage_terms(plan.operands())
    stacked = np.concatenate([np.broadcast_to(p, (1,) + p.shape[1:]) for p in parts])
    names = [u.name for u in plan.diagram.utilities]
    for index, option in enumerate((None, *ev.options)):
        extras = ev.extras if option is None else option.extras
        found = extras.by_utility
        assert list(found) == names
        expected = by_utility(plan, stacked, extras.source.layout_choices(index))
        for name in names:
            assert found[name] == pytest.approx(expected[name], rel=1e-9, abs=1e-9)
        total = ev.maximum_expected_utility if option is None else option.expected_utility
        assert sum(found.values()) == pytest.approx(total, rel=1e-9, abs=1e-9)
