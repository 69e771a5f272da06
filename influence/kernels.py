"""Numeric kernels of the solver.

Everything here takes plain numpy arrays whose first axis runs over parameter draws (size 1 for
point values) and depends only on numpy and opt_einsum. The point solver and the Bayesian layer
call the same functions: a posterior is just a batch of draws.

The layout the kernels work on is the *past* of the last decision under perfect recall::

    I_0, D_1, I_1, D_2, ..., I_{n-1}, D_n

where ``I_k`` are the chance nodes first observed by decision ``D_{k+1}``. A *stage tensor*
``T`` has shape ``(S, *sizes of that layout)``: for each draw and each configuration of the past
it holds the probability-weighted utility summed over everything never observed. Backward
induction over ``T`` gives the expected utility of a strategy and the optimal choices.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import opt_einsum

__all__ = ["Contraction", "StageLayout", "InductionResult", "backward_induction", "TIE_TOLERANCE"]

#: Options whose expected utilities differ by less than this (relative to the largest absolute
#: value in play) are tied; ties go to the first state in file order.
TIE_TOLERANCE = 1e-9


class Contraction:
    """An einsum with fixed subscripts whose contraction path is planned once per draw count.

    Parameters
    ----------
    inputs : sequence of str
        Subscripts of each operand, *without* the draw index (it is prepended).
    output : str
        Subscripts of the result, without the draw index.
    sizes : dict
        Size of every index.

    Notes
    -----
    Operands may carry a draw axis of size 1 or ``S``; size-1 axes are broadcast (as views).
    The ``opt_einsum`` expression is built on the first call for each ``S`` and reused.
    """

    DRAW = "\u03b1"  # a symbol opt_einsum accepts and that no node index uses

    def __init__(self, inputs: Sequence[str], output: str, sizes: dict[str, int]) -> None:
        self.inputs = tuple(self.DRAW + s for s in inputs)
        self.output = self.DRAW + output
        self.sizes = dict(sizes)
        self._expressions: dict[int, opt_einsum.contract.ContractExpression] = {}

    def shapes(self, draws: int) -> list[tuple[int, ...]]:
        """Operand shapes for ``draws`` draws."""
        return [(draws,) + tuple(self.sizes[c] for c in s[1:]) for s in self.inputs]

    def expression(self, draws: int) -> opt_einsum.contract.ContractExpression:
        """The planned contraction for ``draws`` draws (built once, then cached)."""
        expr = self._expressions.get(draws)
        if expr is None:
            subscripts = ",".join(self.inputs) + "->" + self.output
            expr = opt_einsum.contract_expression(subscripts, *self.shapes(draws),
                                                  optimize="auto")
            self._expressions[draws] = expr
        return expr

    def __call__(self, *arrays: np.ndarray) -> np.ndarray:
        draws = max(a.shape[0] for a in arrays) if arrays else 1
        operands = [
            a if a.shape[0] == draws else np.broadcast_to(a, (draws,) + a.shape[1:])
            for a in arrays
        ]
        return self.expression(draws)(*operands)


@dataclass(frozen=True)
class StageLayout:
    """How the axes of a stage tensor (after the draw axis) split into stages.

    Parameters
    ----------
    chance_counts : tuple of int
        ``c_k``, the number of chance axes in ``I_k``, for ``k = 0 .. n``; the last entry is for
        chance nodes kept after the last decision (normally 0: they are summed out).
    """

    chance_counts: tuple[int, ...]

    @property
    def n_decisions(self) -> int:
        return len(self.chance_counts) - 1

    def decision_axis(self, k: int) -> int:
        """Axis (counting the draw axis as 0) of decision ``k`` (0-based)."""
        return 1 + sum(self.chance_counts[: k + 1]) + k


@dataclass(frozen=True)
class InductionResult:
    """What backward induction returns.

    Attributes
    ----------
    expected_utility : ndarray, shape (S,)
        The expected utility of the strategy in each draw (unnormalized: divide by the
        probability of any scenario evidence).
    choices : list of ndarray
        For each decision ``k``, the index of the chosen state for every configuration of its
        past (shape of the layout up to, not including, ``D_k``; with a leading draw axis when
        ``per_draw`` was set).
    values : list of ndarray
        For each decision ``k``, the stage tensor ``Q_k`` averaged over draws: shape of the layout
        up to and including ``D_k``. Divided by the probability of each past it gives the
        conditional expected utility of each option.
    """

    expected_utility: np.ndarray
    choices: list[np.ndarray]
    values: list[np.ndarray]


def _choose(q: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    """Index of the best allowed option along the last axis, ties to the first."""
    if mask is not None:
        q = np.where(mask, q, -np.inf)
    best = q.max(axis=-1, keepdims=True)
    finite = np.isfinite(q)
    scale = np.abs(np.where(finite, q, 0.0)).max(axis=-1, keepdims=True)
    tol = TIE_TOLERANCE * np.maximum(scale, 1.0)
    return np.argmax(q >= best - tol, axis=-1)


def backward_induction(
    stage: np.ndarray,
    layout: StageLayout,
    masks: Sequence[np.ndarray | None] | None = None,
    fixed: Sequence[np.ndarray | None] | None = None,
    per_draw: bool = False,
) -> InductionResult:
    """Solve (or evaluate) a strategy on a stage tensor by backward induction.

    Parameters
    ----------
    stage : ndarray, shape (S, *layout sizes)
        The stage tensor ``T``.
    layout : StageLayout
        How its axes split into stages.
    masks : sequence of (ndarray or None), optional
        For each decision, a boolean array over its past and its own states (the layout up to
        and including ``D_k``, no draw axis) marking the options allowed; None allows all.
    fixed : sequence of (ndarray or None), optional
        For each decision, choices given in advance (as returned in
        :attr:`InductionResult.choices`); None chooses.
    per_draw : bool
        If False (the default), choices maximise the mean over draws of the stage value, one
        strategy for all draws (the Bayes decision). If True, each draw gets its own optimum.

    Returns
    -------
    InductionResult
    """
    n = layout.n_decisions
    masks = list(masks) if masks is not None else [None] * n
    fixed = list(fixed) if fixed is not None else [None] * n
    q = stage
    # Chance nodes kept after the last decision (none in normal use) are summed here.
    tail = layout.chance_counts[n]
    if tail:
        q = q.sum(axis=tuple(range(q.ndim - tail, q.ndim)))
    choices: list[np.ndarray] = [None] * n  # type: ignore[list-item]
    values: list[np.ndarray] = [None] * n  # type: ignore[list-item]
    for k in range(n - 1, -1, -1):
        mean_q = q.mean(axis=0)
        values[k] = mean_q
        if fixed[k] is not None:
            choice = fixed[k]
        elif per_draw:
            choice = _choose(q, None if masks[k] is None else masks[k][None])
        else:
            choice = _choose(mean_q, masks[k])
        choices[k] = choice
        if per_draw and fixed[k] is None:
            picked = np.take_along_axis(q, choice[..., None], axis=-1)[..., 0]
        else:
            idx = np.broadcast_to(choice, q.shape[1:-1])[None, ..., None]
            idx = np.broadcast_to(idx, q.shape[:-1] + (1,))
            picked = np.take_along_axis(q, idx, axis=-1)[..., 0]
        count = layout.chance_counts[k]
        q = picked.sum(axis=tuple(range(picked.ndim - count, picked.ndim))) if count else picked
    eu = q.reshape(q.shape[0], -1).sum(axis=1) if q.ndim > 1 else q
    return InductionResult(expected_utility=eu, choices=choices, values=values)
