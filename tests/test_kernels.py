"""Unit tests of the numeric kernels: :class:`Contraction` and :func:`backward_induction`."""

from __future__ import annotations

import functools
import itertools

import numpy as np
import pytest

from influence.solve.kernels import (
    TIE_TOLERANCE,
    Contraction,
    StageLayout,
    backward_induction,
)

# -- Contraction ---------------------------------------------------------------------------------


def test_contraction_matches_einsum() -> None:
    rng = np.random.default_rng(0)
    sizes = {"b": 2, "c": 3, "d": 4, "e": 2}
    c = Contraction(["bc", "cd", "de", "b"], "be", sizes)
    ops = [rng.random((5, 2, 3)), rng.random((5, 3, 4)), rng.random((5, 4, 2)), rng.random((5, 2))]
    expected = np.einsum("zbc,zcd,zde,zb->zbe", *ops)
    np.testing.assert_allclose(c(*ops), expected, rtol=1e-12)


def test_contraction_broadcasts_size_one_draw_axes() -> None:
    rng = np.random.default_rng(1)
    sizes = {"b": 3, "c": 2}
    c = Contraction(["bc", "c"], "b", sizes)
    x = rng.random((4, 3, 2))
    y = rng.random((1, 2))  # one draw, shared by all four draws of x
    out = c(x, y)
    assert out.shape == (4, 3)
    np.testing.assert_allclose(out, np.einsum("zab,b->za", x, y[0]), rtol=1e-12)
    # Both operands with one draw: one draw out.
    assert c(x[:1], y).shape == (1, 3)


def test_the_draw_index_is_reserved() -> None:
    with pytest.raises(ValueError, match="reserved"):
        Contraction([Contraction.DRAW + "b"], "b", {Contraction.DRAW: 2, "b": 2})


@pytest.mark.parametrize("draws", [1, 2, 7, 300])
def test_contraction_gives_the_same_numbers_for_every_draw_count(draws: int) -> None:
    """One planned contraction called with draw counts in any order: each result equals a
    plain einsum on the same operands (large sizes force an opt_einsum path)."""
    rng = np.random.default_rng(draws)
    sizes = {"b": 9, "c": 8, "d": 7, "e": 6, "f": 5}
    c = Contraction(["bc", "cd", "de", "ef", "b"], "f", sizes)
    assert c.naive_cost(draws) > Contraction.DIRECT_UP_TO
    for n in (draws, 3, draws):
        ops = [rng.random((n, 9, 8)), rng.random((n, 8, 7)), rng.random((1, 7, 6)),
               rng.random((n, 6, 5)), rng.random((n, 9))]
        full = [np.broadcast_to(o, (n,) + o.shape[1:]) for o in ops]
        expected = np.einsum("zbc,zcd,zde,zef,zb->zf", *full)
        np.testing.assert_allclose(c(*ops), expected, rtol=1e-10)


def test_contraction_sums_out_indices_missing_from_the_output() -> None:
    sizes = {"g": 2, "b": 3}
    c = Contraction(["gb"], "", sizes)
    x = np.arange(12.0).reshape(2, 2, 3)
    np.testing.assert_allclose(c(x), x.sum(axis=(1, 2)))


def test_contraction_of_nothing_is_one() -> None:
    c = Contraction([], "", {})
    np.testing.assert_array_equal(c(), np.ones(1))


def test_contraction_scalar_operand() -> None:
    # A utility node without parents is an operand with no index but the draw axis.
    c = Contraction(["g", ""], "g", {"g": 2})
    np.testing.assert_allclose(c(np.array([[0.25, 0.75]]), np.array([4.0, 8.0])),
                               [[1.0, 3.0], [2.0, 6.0]])


# -- backward induction --------------------------------------------------------------------------


def reference_induction(stage: np.ndarray, counts: tuple[int, ...]) -> float:
    """Max-sum by explicit recursion over the layout (one draw): the value of the best strategy."""
    n = len(counts) - 1

    def value(prefix: tuple[int, ...], k: int) -> float:
        if k == n:
            tail = stage[prefix]
            return float(np.sum(tail))
        shape = stage.shape[len(prefix):]
        chance_shape = shape[: counts[k]]
        total = 0.0
        for obs in itertools.product(*(range(s) for s in chance_shape)):
            options = shape[counts[k]]
            total += max(value(prefix + obs + (a,), k + 1) for a in range(options))
        return total

    return value((), 0)


@pytest.mark.parametrize("seed", range(10))
def test_backward_induction_matches_explicit_recursion(seed: int) -> None:
    rng = np.random.default_rng(seed)
    counts = tuple(int(x) for x in rng.integers(0, 3, size=3)) + (0,)
    layout = StageLayout(counts)
    shape = []
    for c in counts[:-1]:
        shape += [int(x) for x in rng.integers(1, 4, size=c)]
        shape.append(int(rng.integers(2, 4)))
    stage = rng.normal(size=(1, *shape))
    res = backward_induction(stage, layout)
    assert res.expected_utility.shape == (1,)
    assert res.expected_utility[0] == pytest.approx(reference_induction(stage[0], counts))
    # Choices index the past of each decision; values carry the decision's own axis.
    for k in range(layout.n_decisions):
        axis = layout.decision_axis(k)
        assert res.choices[k].shape == tuple(shape[: axis - 1])
        assert res.values[k].shape == tuple(shape[:axis])


def test_layout_decision_axes() -> None:
    layout = StageLayout((2, 0, 1, 0))
    assert layout.n_decisions == 3
    assert [layout.decision_axis(k) for k in range(3)] == [3, 4, 6]


def two_stage() -> tuple[np.ndarray, StageLayout]:
    """One decision A (2 options), then an observation X (2 states), then decision B (2)."""
    stage = np.zeros((1, 2, 2, 2))
    # stage[0, a, x, b]
    stage[0, 0] = [[1.0, 0.0], [0.0, 2.0]]
    stage[0, 1] = [[0.5, 0.5], [3.0, 1.0]]
    return stage, StageLayout((0, 1, 0))


def test_backward_induction_by_hand() -> None:
    stage, layout = two_stage()
    res = backward_induction(stage, layout)
    # A=0: max(1,0) + max(0,2) = 3; A=1: max(.5,.5) + max(3,1) = 3.5.
    assert res.expected_utility.tolist() == [3.5]
    assert int(res.choices[0]) == 1
    assert res.choices[1].tolist() == [[0, 1], [0, 0]]  # the .5/.5 tie goes to option 0
    np.testing.assert_allclose(res.values[0], [3.0, 3.5])
    np.testing.assert_allclose(res.values[1], stage[0])


def test_masks_restrict_options() -> None:
    stage, layout = two_stage()
    mask_a = np.array([True, False])  # A forced to 0
    res = backward_induction(stage, layout, masks=[mask_a, None])
    assert res.expected_utility.tolist() == [3.0]
    assert int(res.choices[0]) == 0
    # A mask on B in one information state: after A=1, X=1 only option 1 (worth 1, not 3).
    mask_b = np.ones((2, 2, 2), dtype=bool)
    mask_b[1, 1] = [False, True]
    res = backward_induction(stage, layout, masks=[None, mask_b])
    assert res.choices[1][1, 1] == 1
    # A=1 is now worth .5 + 1 = 1.5 < 3: A switches to 0.
    assert int(res.choices[0]) == 0
    assert res.expected_utility.tolist() == [3.0]


def test_fixed_choices_are_evaluated_not_optimised() -> None:
    stage, layout = two_stage()
    fixed_b = np.array([[1, 0], [1, 1]])
    res = backward_induction(stage, layout, fixed=[np.array(0), fixed_b])
    # A=0, then B=1 on X=0 (0.0) and B=0 on X=1 (0.0).
    assert res.expected_utility.tolist() == [0.0]
    res = backward_induction(stage, layout, fixed=[None, fixed_b])
    # A=1: .5 + 1 = 1.5 beats A=0: 0.
    assert int(res.choices[0]) == 1
    assert res.expected_utility.tolist() == [1.5]


def test_ties_go_to_the_first_state() -> None:
    layout = StageLayout((0, 0))
    for values in ([2.0, 2.0, 1.0], [1.0, 2.0, 2.0], [5.0, 5.0, 5.0]):
        res = backward_induction(np.array([values]), layout)
        assert int(res.choices[0]) == values.index(max(values))
    # Within the tolerance (relative to the largest magnitude) counts as a tie.
    big = 1e6
    res = backward_induction(np.array([[big, big * (1 + TIE_TOLERANCE / 10)]]), layout)
    assert int(res.choices[0]) == 0
    res = backward_induction(np.array([[big, big * (1 + TIE_TOLERANCE * 10)]]), layout)
    assert int(res.choices[0]) == 1
    # A masked-out first option is skipped even if it would win.
    res = backward_induction(np.array([[9.0, 1.0, 1.0]]), layout,
                             masks=[np.array([False, True, True])])
    assert int(res.choices[0]) == 1


def test_bayes_choice_maximises_the_mean_over_draws() -> None:
    layout = StageLayout((0, 0))
    stage = np.array([[10.0, 0.0], [0.0, 4.0], [0.0, 4.0]])  # draws x options
    res = backward_induction(stage, layout)
    assert int(res.choices[0]) == 0  # mean 3.33 vs 2.67
    np.testing.assert_allclose(res.expected_utility, [10.0, 0.0, 0.0])
    np.testing.assert_allclose(res.values[0], [10 / 3, 8 / 3])


def test_per_draw_choices() -> None:
    layout = StageLayout((0, 1, 0))
    rng = np.random.default_rng(3)
    stage = rng.normal(size=(4, 2, 3, 2))
    res = backward_induction(stage, layout, per_draw=True)
    assert res.choices[0].shape == (4,)
    assert res.choices[1].shape == (4, 2, 3)
    for s in range(4):
        alone = backward_induction(stage[s:s + 1], layout)
        assert res.expected_utility[s] == pytest.approx(alone.expected_utility[0])
        assert res.choices[0][s] == alone.choices[0]
        np.testing.assert_array_equal(res.choices[1][s], alone.choices[1])
    # Each draw's own optimum is at least the Bayes strategy's value in that draw.
    bayes = backward_induction(stage, layout)
    assert np.all(res.expected_utility >= bayes.expected_utility - 1e-12)


def test_per_draw_with_a_mask() -> None:
    layout = StageLayout((0, 0))
    stage = np.array([[1.0, 5.0, 3.0], [9.0, 0.0, 2.0]])
    res = backward_induction(stage, layout, masks=[np.array([True, False, True])], per_draw=True)
    assert res.choices[0].tolist() == [2, 0]
    assert res.expected_utility.tolist() == [3.0, 9.0]


def test_fixed_choices_apply_to_every_draw() -> None:
    stage, layout = two_stage()
    batch = np.concatenate([stage, 2 * stage, stage - 1])
    best = backward_induction(stage, layout)
    res = backward_induction(batch, layout, fixed=best.choices)
    np.testing.assert_allclose(res.expected_utility, [3.5, 7.0, 3.5 - 2])


def test_chance_kept_after_the_last_decision_is_summed() -> None:
    layout = StageLayout((0, 1))
    stage = np.array([[[1.0, 2.0], [3.0, -1.0]]])  # (draw, option, trailing chance)
    res = backward_induction(stage, layout)
    assert int(res.choices[0]) == 0
    assert res.expected_utility.tolist() == [3.0]


def _random_contraction(rng: np.random.Generator) -> tuple[list[str], str, dict[str, int]]:
    """Random subscripts over up to 9 indices of sizes 1 to 3: operands of 0 to 4 indices
    (some repeated within an operand), an output of some of the indices used."""
    letters = "bcdefghij"
    sizes = {c: int(rng.integers(1, 4)) for c in letters}
    inputs = []
    for _ in range(int(rng.integers(1, 7))):
        chosen = list(rng.choice(list(letters), size=int(rng.integers(0, 5)), replace=False))
        if chosen and rng.random() < 0.2:
            chosen.append(chosen[0])  # a repeated index: the operand's diagonal
        inputs.append("".join(chosen))
    used = sorted(set("".join(inputs)))
    output = "".join(c for c in used if rng.random() < 0.4)
    return inputs, output, sizes


@pytest.mark.parametrize("seed", range(40))
def test_contraction_over_many_draws_matches_einsum(seed: int) -> None:
    """Random contractions over enough draws to run with the draw axis last (the steps of its
    program; from :attr:`Contraction.DRAWS_LAST` draws on a planned path, from
    :attr:`Contraction.DRAWS_LAST_DIRECT` as one einsum) equal one plain ``numpy.einsum``, on
    every planning route, with operands of one draw shared by all."""
    rng = np.random.default_rng(seed)
    inputs, output, sizes = _random_contraction(rng)
    draws = (Contraction.DRAWS_LAST if seed % 2 else Contraction.DRAWS_LAST_DIRECT) + int(
        rng.integers(0, 40))
    ops = [rng.normal(size=(draws if i == 0 or rng.random() < 0.8 else 1,)
                      + tuple(sizes[c] for c in s)) for i, s in enumerate(inputs)]
    full = [np.broadcast_to(o, (draws,) + o.shape[1:]) for o in ops]
    expected = np.einsum(",".join("z" + s for s in inputs) + "->z" + output, *full)
    for direct_up_to in (Contraction.DIRECT_UP_TO, 0):
        c = Contraction(inputs, output, sizes)
        c.DIRECT_UP_TO = direct_up_to
        out = c(*ops)
        assert out.shape == expected.shape
        np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12 * np.abs(expected).max(
            initial=1.0))


def test_the_program_keeps_the_draw_axis_last_in_every_step() -> None:
    sizes = dict(zip("bcdefg", [2, 3, 2, 3, 2, 3], strict=True))
    c = Contraction(["bc", "cd", "de", "ef", "fg", "gb", "d"], "bf", sizes)
    program = c.program_last()
    assert program is not None and len(program) == len(c.path())
    for _, subscripts in program:
        inputs, result = subscripts.split("->")
        draw = inputs.split(",")[0][-1]  # every operand ends with the draw index
        assert all(s.endswith(draw) for s in inputs.split(",")) and result.endswith(draw)
    rng = np.random.default_rng(3)
    ops = [rng.random((70,) + tuple(sizes[x] for x in s)) for s in ["bc", "cd", "de", "ef",
                                                                    "fg", "gb", "d"]]
    np.testing.assert_allclose(c(*ops), np.einsum("zbc,zcd,zde,zef,zfg,zgb,zd->zbf", *ops),
                               rtol=1e-12)


# -- planning and reuse --------------------------------------------------------------------------


@pytest.mark.parametrize("direct_up_to, thorough_above", [(1e4, 1e7), (0, 1e7), (0, 0)])
def test_every_planning_route_gives_the_same_contraction(direct_up_to: float,
                                                         thorough_above: float) -> None:
    rng = np.random.default_rng(5)
    sizes = {"g": 3, "b": 4, "c": 2, "d": 3, "e": 2}
    inputs = ["gb", "bc", "cd", "de", "ge", "b"]
    ops = [rng.random((2,) + tuple(sizes[x] for x in s)) for s in inputs]
    c = Contraction(inputs, "gd", sizes)
    c.DIRECT_UP_TO = direct_up_to
    c.THOROUGH_ABOVE = thorough_above
    expected = np.einsum("zab,zbc,zcd,zde,zae,zb->zad", *ops)
    np.testing.assert_allclose(c(*ops), expected, rtol=1e-12)


def test_large_contractions_get_a_planned_path() -> None:
    sizes = dict(zip("gbcdef", [6] * 6, strict=True))
    c = Contraction(["gbc", "cde", "ef"], "gf", sizes)  # naive 3 * 6**6 > DIRECT_UP_TO
    assert not isinstance(c.expression(1), functools.partial)
    small = Contraction(["gb"], "g", {"g": 2, "b": 2})
    assert isinstance(small.expression(1), functools.partial)


def random_stage(seed: int) -> tuple[np.ndarray, StageLayout]:
    rng = np.random.default_rng(seed)
    counts = (1, 0, 2, 1, 0)
    layout = StageLayout(counts)
    shape = (2, 3, 2, 2, 3, 2, 2, 2)  # I0(2) D1(3) D2(2) I2(2,3) D3(2) I3(2) D4(2)
    return rng.normal(size=(3,) + shape), layout


@pytest.mark.parametrize("k", range(4))
def test_resuming_equals_a_fresh_induction(k: int) -> None:
    stage, layout = random_stage(k)
    best = backward_induction(stage, layout, keep=True)
    fresh_best = backward_induction(stage, layout)
    np.testing.assert_array_equal(best.expected_utility, fresh_best.expected_utility)
    # Force decision k to its last option everywhere.
    axis = layout.decision_axis(k)
    mask = np.zeros(stage.shape[1:axis + 1], dtype=bool)
    mask[..., -1] = True
    masks = [mask if j == k else None for j in range(layout.n_decisions)]
    fresh = backward_induction(stage, layout, masks)
    resumed = backward_induction(stage, layout, masks, resume=best)
    np.testing.assert_array_equal(resumed.expected_utility, fresh.expected_utility)
    for a, b in zip(resumed.choices, fresh.choices, strict=True):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(resumed.values, fresh.values, strict=True):
        np.testing.assert_array_equal(a, b)
    # Fixed choices, without the means, resumed from an evaluation of the optimum.
    base = backward_induction(stage, layout, fixed=best.choices, values=False, keep=True)
    fixed = [c if j <= k else None for j, c in enumerate(fresh.choices)]
    evaluated = backward_induction(stage, layout, fixed=fixed, values=False, resume=base)
    full = backward_induction(stage, layout, fixed=fresh.choices)
    np.testing.assert_array_equal(evaluated.expected_utility, full.expected_utility)
    assert all(v is None for v in evaluated.values)


def test_resume_without_constraints_returns_the_resumed_result() -> None:
    stage, layout = random_stage(9)
    best = backward_induction(stage, layout, keep=True)
    again = backward_induction(stage, layout, resume=best)
    np.testing.assert_array_equal(again.expected_utility, best.expected_utility)
    assert again.stages is None  # keep was not asked for
