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

import functools
import math
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import opt_einsum

from ..limits import TIE_TOLERANCE

__all__ = ["Contraction", "StageLayout", "InductionResult", "backward_induction", "TIE_TOLERANCE"]

_LETTERS = string.ascii_letters  # the subscripts numpy.einsum accepts


class Contraction:
    """An einsum with fixed subscripts, planned once and called many times.

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
    The draw index is never summed, so the best contraction order does not depend on ``S``:
    the path is searched once, on the first call, and each new draw count only gets an
    ``opt_einsum`` expression built on that path.

    Planning costs more than running on the small tensors of most influence diagrams, so it is
    scaled to the work: a contraction whose every configuration of every index, once per operand,
    costs at most :attr:`DIRECT_UP_TO` flops runs as one plain ``numpy.einsum`` (no path);
    larger ones get a greedy ``opt_einsum`` path, and only when that path is estimated to cost
    more than :attr:`THOROUGH_ABOVE` flops is a more thorough search (``optimize="auto"``) made,
    its path kept if it is cheaper.
    """

    #: The draw index: symbol 0 of ``opt_einsum.get_symbol``; callers number their own indices
    #: from 1 (see :meth:`influence.solve.plan.Plan`), so the two never collide.
    DRAW = opt_einsum.get_symbol(0)
    #: Bound on the naive cost (flops) up to which no path is planned.
    DIRECT_UP_TO = 1e4
    #: Greedy-path cost (flops) above which a thorough path search pays for itself.
    THOROUGH_ABOVE = 1e7
    #: Draws from which a contraction planned on a path runs with the draw axis last (the
    #: steps of :meth:`program_last`); one that runs as one plain einsum does from
    #: :attr:`DRAWS_LAST_DIRECT`.
    DRAWS_LAST = 4
    DRAWS_LAST_DIRECT = 64

    def __init__(self, inputs: Sequence[str], output: str, sizes: dict[str, int]) -> None:
        if self.DRAW in sizes or any(self.DRAW in s for s in (*inputs, output)):
            raise ValueError(f"index {self.DRAW!r} is reserved for the draw axis")
        self.inputs = tuple(self.DRAW + s for s in inputs)
        self.output = self.DRAW + output
        self.sizes = dict(sizes)
        self.subscripts = ",".join(self.inputs) + "->" + self.output
        # The same contraction with the draw index last: for many draws the innermost loops
        # then run over them, contiguous, several times faster than over the small node axes.
        self.subscripts_last = (",".join(s[1:] + s[0] for s in self.inputs) + "->"
                                + self.output[1:] + self.output[0])
        self._path: list | None = None
        self._largest = 0
        self._expressions: dict[int, Callable[..., np.ndarray]] = {}
        self._last: dict[int, Callable[..., np.ndarray]] = {}
        self._program: tuple[tuple[tuple[int, ...], str], ...] | None = None

    def shapes(self, draws: int) -> list[tuple[int, ...]]:
        """Operand shapes for ``draws`` draws."""
        return [(draws,) + tuple(self.sizes[c] for c in s[1:]) for s in self.inputs]

    def naive_cost(self, draws: int) -> float:
        """Flops of one pass over every configuration of every index, per operand."""
        indices = set("".join(self.inputs))
        return draws * len(self.inputs) * math.prod(
            float(self.sizes.get(c, draws)) for c in indices)

    def path(self) -> list:
        """The contraction order (pairs of operand positions), searched once."""
        if self._path is None:
            dummies = [np.broadcast_to(np.empty(()), shape) for shape in self.shapes(1)]
            path, info = opt_einsum.contract_path(self.subscripts, *dummies, optimize="greedy")
            if info.opt_cost > self.THOROUGH_ABOVE:
                better, better_info = opt_einsum.contract_path(self.subscripts, *dummies,
                                                               optimize="auto")
                if better_info.opt_cost < info.opt_cost:
                    path, info = better, better_info
            self._path = path
            self._largest = int(info.largest_intermediate)
        return self._path

    def largest_intermediate(self) -> int:
        """Entries per draw of the largest array the contraction creates (its output
        included): the output alone when it runs as one plain einsum."""
        if not self.inputs:
            return 1
        out = math.prod(self.sizes[c] for c in self.output[1:])
        if self.naive_cost(1) <= self.DIRECT_UP_TO:
            return out
        self.path()
        return max(out, self._largest)

    def expression(self, draws: int) -> Callable[..., np.ndarray]:
        """The contraction for ``draws`` draws, a callable taking the operands (built once per
        draw count, on the path of :meth:`path`)."""
        expr = self._expressions.get(draws)
        if expr is not None:
            return expr
        indices = sorted(set("".join(self.inputs)))
        if self.naive_cost(draws) <= self.DIRECT_UP_TO and len(indices) <= len(_LETTERS):
            letters = dict(zip(indices, _LETTERS, strict=False))
            plain = "".join(letters.get(c, c) for c in self.subscripts)
            expr = functools.partial(np.einsum, plain, optimize=False)
        else:
            expr = opt_einsum.contract_expression(self.subscripts, *self.shapes(draws),
                                                  optimize=self.path())
        self._expressions[draws] = expr
        return expr

    def program_last(self) -> tuple[tuple[tuple[int, ...], str], ...] | None:
        """The path of :meth:`path` as plain ``numpy.einsum`` steps on operands with the draw
        axis last, each ``(positions of the operands taken, most recent last; subscripts)``
        (built once). Every intermediate keeps the draw axis last too, its other indices in the
        order they come in the operands it is made of: the innermost loops of every step then
        run over the draws, contiguous. (``opt_einsum`` orders the indices of intermediates as
        sets come, which puts the draw axis anywhere.) None when a step has more indices than
        ``numpy.einsum`` has letters."""
        if self._program is None:
            self._program = self._build_program() or ()
        return self._program or None

    def _build_program(self) -> tuple[tuple[tuple[int, ...], str], ...] | None:
        draw = self.DRAW
        operands = [s[1:] + draw for s in self.inputs]
        output = self.output[1:] + draw
        results = self._results(list(operands), output)
        # each index's last step: the innermost indices of an intermediate are those summed
        # first (next to the draws), which keeps the loops over them short and close
        last = {c: len(results) for c in output}
        for t, result in enumerate(results):
            for c in result:
                last.setdefault(c, t)
        steps = []
        for pair, result in zip(self.path(), results, strict=True):
            taken = tuple(sorted(pair, reverse=True))
            picked = [operands.pop(i) for i in taken]
            if operands:
                result = "".join(sorted(result[:-1], key=lambda c: -last.get(c, 0))) + draw
            indices = sorted(set("".join(picked)))
            if len(indices) > len(_LETTERS):
                return None
            letters = dict(zip(indices, _LETTERS, strict=False))
            spell = "".join
            steps.append((taken, ",".join(spell(letters[c] for c in s) for s in picked) + "->"
                          + spell(letters[c] for c in result)))
            operands.append(result)
        return tuple(steps)

    def _results(self, operands: list[str], output: str) -> list[str]:
        """The indices each step of the path keeps (in the order they come, the draw index
        last; the output for the last step)."""
        draw = self.DRAW
        results = []
        for pair in self.path():
            picked = [operands.pop(i) for i in sorted(pair, reverse=True)]
            if operands:
                rest = set("".join(operands)) | set(output)
                kept = dict.fromkeys(c for s in picked for c in s if c != draw and c in rest)
                results.append("".join(kept) + draw)
            else:
                results.append(output)
            operands.append(results[-1])
        return results

    def expression_last(self, draws: int) -> Callable[..., np.ndarray]:
        """The contraction for ``draws`` draws with the draw axis last in every operand and in
        the result (built once per draw count, on the path of :meth:`path`): the steps of
        :meth:`program_last`, or an ``opt_einsum`` expression when there are none."""
        expr = self._last.get(draws)
        if expr is None:
            program = self.program_last()
            if program is not None:
                expr = functools.partial(_run_program, program)
            else:
                shapes = [tuple(self.sizes[c] for c in s[1:]) + (draws,) for s in self.inputs]
                expr = opt_einsum.contract_expression(self.subscripts_last, *shapes,
                                                      optimize=self.path())
            self._last[draws] = expr
        return expr

    def __call__(self, *arrays: np.ndarray, moved: dict[int, Any] | None = None) -> np.ndarray:
        """The contraction of ``arrays`` (each with a leading draw axis of 1 or ``S``).

        ``moved``, a dict kept by the caller over several contractions of the same arrays,
        holds each array's copy with the draw axis last once made (for many draws), so that
        an array shared by several contractions is copied once."""
        if not self.inputs:  # an empty product: one, for a single draw
            return np.ones((1,) + tuple(self.sizes[c] for c in self.output[1:]))
        draws = max(a.shape[0] for a in arrays)
        direct = self.naive_cost(draws) <= self.DIRECT_UP_TO
        if draws >= (self.DRAWS_LAST_DIRECT if direct else self.DRAWS_LAST):
            operands = [_draws_last(a, draws, moved) for a in arrays]
            return np.moveaxis(self.expression_last(draws)(*operands), -1, 0)
        operands = [
            a if a.shape[0] == draws else np.broadcast_to(a, (draws,) + a.shape[1:])
            for a in arrays
        ]
        return self.expression(draws)(*operands)


def _draws_last(array: np.ndarray, draws: int, moved: dict[int, Any] | None) -> np.ndarray:
    """``array`` with its draw axis last, contiguous (broadcast when it has one draw); kept in
    ``moved`` (by the array's identity) when given."""
    if moved is not None:
        hit = moved.get(id(array))
        if hit is not None and hit[0] is array and hit[1].shape[-1] == draws:
            return hit[1]
    if array.shape[0] == draws:
        out = np.ascontiguousarray(np.moveaxis(array, 0, -1))
    else:
        out = np.broadcast_to(np.moveaxis(array, 0, -1), array.shape[1:] + (draws,))
    if moved is not None:
        moved[id(array)] = (array, out)
    return out


def _run_program(program: Sequence[tuple[tuple[int, ...], str]], *arrays: np.ndarray
                 ) -> np.ndarray:
    """Run the steps of :meth:`Contraction.program_last` on ``arrays``."""
    operands = list(arrays)
    for taken, subscripts in program:
        picked = [operands.pop(i) for i in taken]
        operands.append(np.einsum(subscripts, *picked, optimize=False))
    return operands[0]


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
        conditional expected utility of each option. None for each decision when the induction
        was run with ``values=False``.
    stages : list of ndarray or None
        With ``keep=True``: for each decision ``k``, ``Q_k`` with its draw axis (what decision
        ``k`` chooses on), from which another induction can resume (see ``resume``).
    """

    expected_utility: np.ndarray
    choices: list[np.ndarray]
    values: list[np.ndarray]
    stages: list[np.ndarray] | None = None


def _choose(q: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    """Index of the best allowed option along the last axis, ties to the first.

    Two options tie when they differ by less than :data:`~influence.limits.TIE_TOLERANCE`
    times the largest absolute value among the options of that information state: relative
    to the state's own scale (its values are weighted by its probability), so that scaling
    the utilities never changes a choice and states of low probability are compared as
    finely as the others.
    """
    if mask is not None:
        q = np.where(mask, q, -np.inf)
        finite = np.isfinite(q)
        scale = _last_max(np.abs(np.where(finite, q, 0.0)))
    else:  # stage values are finite
        scale = _last_max(np.abs(q))
    least = _last_max(q) - TIE_TOLERANCE * scale
    # the first option within the tolerance of the best (argmax of the comparison), found
    # option by option from the last
    choice = np.zeros(q.shape[:-1], dtype=np.intp)
    for i in range(q.shape[-1] - 1, 0, -1):
        np.copyto(choice, i, where=q[..., i] >= least)
    return np.where(q[..., 0] >= least, 0, choice)


def _last_max(x: np.ndarray) -> np.ndarray:
    """The largest entry along the last axis (NaN if any is), option by option: a reduction
    over a short last axis is several times slower than elementwise maxima of its slices."""
    if x.shape[-1] == 0:
        return x.max(axis=-1)
    out = x[..., 0].copy()
    for i in range(1, x.shape[-1]):
        np.maximum(out, x[..., i], out=out)
    return out


def _pick(q: np.ndarray, choice: np.ndarray, per_draw: bool) -> np.ndarray:
    """``q[..., choice]`` along the last axis: the value of the chosen option.

    ``choice`` has the shape of ``q`` without its last axis, and without its draw axis too
    unless ``per_draw`` (it is then shared by every draw).
    """
    draws, options = q.shape[0], q.shape[-1]
    flat = q.reshape(draws, -1, options)
    if per_draw:
        idx = np.broadcast_to(choice, q.shape[:-1]).reshape(draws, -1)
        rows = np.arange(draws)[:, None]
        cells = np.arange(idx.shape[1])[None, :]
        return flat[rows, cells, idx].reshape(q.shape[:-1])
    idx = np.broadcast_to(choice, q.shape[1:-1]).reshape(-1)
    return flat[:, np.arange(idx.size), idx].reshape(q.shape[:-1])


def backward_induction(
    stage: np.ndarray,
    layout: StageLayout,
    masks: Sequence[np.ndarray | None] | None = None,
    fixed: Sequence[np.ndarray | None] | None = None,
    per_draw: bool = False,
    *,
    values: bool = True,
    keep: bool = False,
    resume: InductionResult | None = None,
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
        :attr:`InductionResult.choices`): over the decision's past, shared by every draw, or
        with a leading draw axis, one strategy per draw; None chooses.
    per_draw : bool
        If False (the default), choices maximise the mean over draws of the stage value, one
        strategy for all draws (the Bayes decision). If True, each draw gets its own optimum.
    values : bool
        Fill :attr:`InductionResult.values` (the mean over draws of each ``Q_k``). Leave it off
        when only the expected utility is wanted: with many draws the means cost time.
    keep : bool
        Keep each ``Q_k`` in :attr:`InductionResult.stages`, so that other inductions on the
        same stage tensor can resume from it.
    resume : InductionResult, optional
        An induction on the same ``stage`` with ``keep=True``, the same ``per_draw`` and
        ``values``, and no masks or fixed choices after the last decision that ``masks`` or
        ``fixed`` constrain here. The decisions after that one are taken from it instead of
        being recomputed; the result is the same.

    Returns
    -------
    InductionResult
    """
    n = layout.n_decisions
    masks = list(masks) if masks is not None else [None] * n
    fixed = list(fixed) if fixed is not None else [None] * n
    choices: list[np.ndarray] = [None] * n  # type: ignore[list-item]
    means: list[np.ndarray] = [None] * n  # type: ignore[list-item]
    kept: list[np.ndarray] | None = [None] * n if keep else None  # type: ignore[list-item]
    start = n - 1
    if resume is not None and resume.stages is not None:
        constrained = [k for k in range(n) if masks[k] is not None or fixed[k] is not None]
        start = max(constrained, default=-1)
        for k in range(start + 1, n):
            choices[k] = resume.choices[k]
            means[k] = resume.values[k]
            if kept is not None:
                kept[k] = resume.stages[k]
        if start < 0:
            return InductionResult(resume.expected_utility, choices, means, kept)
        q = resume.stages[start]
    else:
        q = stage
        # Chance nodes kept after the last decision (none in normal use) are summed here.
        tail = layout.chance_counts[n]
        if tail:
            q = q.sum(axis=tuple(range(q.ndim - tail, q.ndim)))
    for k in range(start, -1, -1):
        if kept is not None:
            kept[k] = q
        mean_q = None
        if values or (fixed[k] is None and not per_draw):
            # The mean of one draw is that draw.
            mean_q = q[0] if q.shape[0] == 1 else q.mean(axis=0)
        if values:
            means[k] = mean_q
        if fixed[k] is not None:
            choice = fixed[k]
        elif per_draw:
            choice = _choose(q, None if masks[k] is None else masks[k][None])
        else:
            choice = _choose(mean_q, masks[k])
        choices[k] = choice
        # Choices with a draw axis (per-draw optima, or fixed choices given draw by draw) are
        # picked draw by draw; choices without one are shared by every draw.
        picked = _pick(q, choice, np.ndim(choice) == q.ndim - 1)
        count = layout.chance_counts[k]
        q = picked.sum(axis=tuple(range(picked.ndim - count, picked.ndim))) if count else picked
    eu = q.reshape(q.shape[0], -1).sum(axis=1) if q.ndim > 1 else q
    return InductionResult(expected_utility=eu, choices=choices, values=means, stages=kept)
