"""The numbers behind an explanation: each utility node's contribution to fixed strategies'
expected utilities, and their split by the states of a chance node, draw by draw.

A fixed strategy's expected utility is linear in the stage tensor, so each utility node's
contribution is a backward induction with the strategy's choices fixed on that node's part of
the stage tensor (:meth:`~influence.solve.plan.Plan.stage_terms`); the parts of every utility
node and every draw are stacked on the draw axis and valued in one induction per strategy. The
split by a chance node's states is :class:`~influence.solve.split.NodeSplit`. Draws arrive in
chunks (memory stays bounded); per-draw values are kept for what needs their distribution
(intervals, probabilities of being better), means for the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..limits import TIE_TOLERANCE
from ..solve.kernels import backward_induction
from ..solve.plan import Plan
from ..solve.split import NodeSplit
from ..solve.tables import Parameters

__all__ = ["DrawValues", "contributions", "per_draw", "compare", "interval_90"]


@dataclass(frozen=True)
class DrawValues:
    """Two or more fixed strategies valued in every draw.

    Attributes
    ----------
    contributions : list of ndarray
        Per strategy, each utility node's contribution in each draw, shape (U, S).
    probability : ndarray or None
        With a split: the mean over draws of ``P(node = state)`` per strategy, shape (n, k).
    parts : ndarray or None
        With a split: the mean over draws of ``E[w u; node = state]``, shape (n, U, k).
    state_parts : ndarray or None
        With a split: per strategy, draw and state, ``E[U; node = state]`` (all utility nodes),
        shape (n, S, k).
    """

    contributions: list[np.ndarray]
    probability: np.ndarray | None = None
    parts: np.ndarray | None = None
    state_parts: np.ndarray | None = None


def contributions(plan: Plan, ops: Parameters, strategies: Sequence[Sequence[np.ndarray]]
                  ) -> list[np.ndarray]:
    """Each utility node's contribution to each strategy's expected utility in each draw of
    ``ops`` (operands from :meth:`Plan.operands`): per strategy, shape (U, S)."""
    _, terms = plan.stage_terms(ops)
    draws = max(t.shape[0] for t in terms)
    stacked = np.concatenate([np.broadcast_to(t, (draws,) + t.shape[1:]) for t in terms])
    out = []
    for choices in strategies:
        res = backward_induction(stacked, plan.layout, fixed=list(choices), values=False)
        out.append(res.expected_utility.reshape(len(terms), draws))
    return out


def per_draw(plan: Plan, chunks: Callable[[], Iterator[Parameters]],
             strategies: Sequence[Sequence[np.ndarray]], split: NodeSplit | None = None
             ) -> DrawValues:
    """Value fixed strategies draw by draw over chunks of operands, with the split by the
    states of a node if ``split`` is given."""
    values: list[list[np.ndarray]] = [[] for _ in strategies]
    prob_sum = part_sum = None
    state_parts: list[np.ndarray] = []
    draws = 0
    for ops in chunks():
        for out, c in zip(values, contributions(plan, ops, strategies), strict=True):
            out.append(c)
        if split is None:
            continue
        prob, parts = split(ops, strategies)
        draws += prob.shape[1]
        prob_sum = prob.sum(axis=1) + (0 if prob_sum is None else prob_sum)
        part_sum = parts.sum(axis=1) + (0 if part_sum is None else part_sum)
        state_parts.append(parts.sum(axis=2))
    totals = [np.concatenate(v, axis=1) for v in values]
    if split is None:
        return DrawValues(totals)
    return DrawValues(totals, prob_sum / draws, part_sum / draws,
                      np.concatenate(state_parts, axis=1))


def interval_90(x: np.ndarray) -> tuple[float, float]:
    """The central 90% interval of values over draws."""
    lo, hi = np.quantile(x, [0.05, 0.95])
    return float(lo), float(hi)


def compare(a: np.ndarray, b: np.ndarray) -> dict[str, Any]:
    """Means, central 90% intervals and the probabilities that ``a`` is better or worse than
    ``b`` (by more than :data:`~influence.limits.TIE_TOLERANCE` relative to their size), over
    draws: arrays of shape (S,)."""
    diff = a - b
    tol = TIE_TOLERANCE * np.maximum(np.abs(a), np.abs(b))
    return {"option": float(a.mean()), "other": float(b.mean()),
            "difference": float(diff.mean()), "option_interval_90": interval_90(a),
            "other_interval_90": interval_90(b), "difference_interval_90": interval_90(diff),
            "probability_better": float(np.mean(diff > tol)),
            "probability_worse": float(np.mean(diff < -tol))}
