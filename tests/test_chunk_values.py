"""What a chunk of draws contributes on the stage tensor (influence.solve.batched): each
strategy's value in each draw and each draw's own optimum equal the definitions they shortcut
(the strategy's indicator dotted with the stage tensor; backward induction draw by draw)."""

from __future__ import annotations

import numpy as np
import pytest

import influence
from influence.solve.batched import _sums, indicator, own_optimum, strategies_from
from influence.solve.kernels import backward_induction

DRAWS = 70  # more than Contraction.DRAWS_LAST_DIRECT: all contractions run draws last


@pytest.fixture(scope="module", params=["cartel-intervention", "oil-wildcatter"])
def chunk(request):
    diagram = influence.load(request.param)
    plan = influence.plan(diagram)
    rng = np.random.default_rng(3)
    tables = {}
    for n in diagram.nodes:  # random tables in every draw
        if n.table is not None:
            draw = rng.random((DRAWS,) + n.table.shape)
            tables[n.name] = (draw / draw.sum(axis=-1, keepdims=True) if n.kind == "chance"
                              else 100 * draw - 50)
    ops = plan.operands(tables, check=False)
    sums, stage = _sums(plan, ops)
    return plan, sums, stage


def test_strategy_values_are_the_indicator_products(chunk) -> None:
    plan, sums, stage = chunk
    strategies = strategies_from(plan, sums, None)
    expected = (strategies.indicator.T @ stage.reshape(-1, DRAWS)).T
    values = strategies.values(stage)
    assert values.shape == (DRAWS, len(strategies.results))
    np.testing.assert_allclose(values, expected, rtol=1e-12, atol=1e-12 * np.abs(expected).max())
    # one entry followed per configuration of the chance axes, for every strategy
    for column, (_, result, _) in zip(strategies.entries, strategies.results, strict=True):
        ones = np.flatnonzero(indicator(plan, result.choices))
        np.testing.assert_array_equal(column, ones)


@pytest.mark.parametrize("rounded", [False, True])
def test_own_optimum_is_backward_induction_draw_by_draw(chunk, rounded: bool) -> None:
    """Rounded to whole numbers, many options tie: ties go to the first option, as in
    backward induction."""
    plan, _, stage = chunk
    if rounded:
        stage = np.round(stage / np.abs(stage).max() * 3)
    optimum, choices = own_optimum(plan, stage)
    reference = backward_induction(np.moveaxis(stage, -1, 0), plan.layout, per_draw=True,
                                   values=False)
    np.testing.assert_allclose(optimum, reference.expected_utility, rtol=1e-12, atol=1e-12)
    for ours, theirs in zip(choices, reference.choices, strict=True):
        np.testing.assert_array_equal(np.moveaxis(ours, -1, 0), theirs)
