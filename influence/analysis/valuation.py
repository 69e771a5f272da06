"""The numeric core of the value-of-information analyses: what a batch of numbers is worth.

Everything rests on one fact. The expected utility of a fixed strategy is a sum, over every
configuration of the diagram, of products in which each node's table enters once: it is linear
in each node's table, and multilinear in all of them. Hence, for parameters independent of each
other across nodes, averaging a strategy's expected utility over some of them equals plugging in
their means; and as a function of one node's table, the whole stage tensor (see
:mod:`influence.solve.kernels`) is an affine map, found exactly from ``m + 1`` evaluations of the
plan (``m`` the size of the table), after which any number of draws of that table costs one
matrix product.

:class:`Valuer` holds a plan with every number at its mean and, for batches of other numbers,
gives the gain of choosing with them known rather than at the means:

``gain(row) = max over strategies EU(strategy, row) - EU(s*, row)``

where ``s*`` is the optimal strategy at the means. Averaged over the rows of a batch (draws, or
outcomes of a study weighted by their probabilities), this is the expected value of the
information that reveals the row, never negative row by row.

With a scenario (``given``) the expected utilities are those of the joint with the scenario,
divided by its probability at the means: the scenario is evidence about the parameters too, so a
draw in which it is likelier counts more (see :doc:`docs/value-of-information`). Only numpy and
the solver are used.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from ..limits import MEMORY_BUDGET
from ..solve.kernels import backward_induction
from ..solve.plan import Plan

__all__ = ["Valuer", "sweep_max", "strategy_indicator", "Accumulator"]


def sweep_max(stage: np.ndarray, plan: Plan) -> np.ndarray:
    """The maximum expected utility of each row of a batch of stage tensors.

    Parameters
    ----------
    stage : ndarray, shape (S, *layout sizes)
    plan : Plan
        Whose layout the tensors follow.

    Returns
    -------
    ndarray, shape (S,)
        Backward induction's value, each row with its own optimal strategy (values only: ties
        need no breaking). The draw axis is moved last first: reductions over the small
        layout axes then run over contiguous draws.
    """
    q = np.ascontiguousarray(np.moveaxis(stage, 0, -1))
    counts = plan.layout.chance_counts
    for k in range(plan.layout.n_decisions - 1, -1, -1):
        q = q.max(axis=-2)
        if counts[k]:
            q = q.sum(axis=tuple(range(q.ndim - 1 - counts[k], q.ndim - 1)))
    return q.reshape(-1, q.shape[-1]).sum(axis=0)


def strategy_indicator(plan: Plan, choices: list[np.ndarray]) -> np.ndarray:
    """1 where every decision follows ``choices`` (shared by every draw), 0 elsewhere.

    The expected utility of that strategy is the sum of a stage tensor times this indicator.

    Returns
    -------
    ndarray, shape (*layout sizes)
    """
    full = tuple(plan.sizes[v] for v in plan.layout_vars)
    out = np.ones(full)
    for k, choice in enumerate(choices):
        axis = plan.layout.decision_axis(k) - 1  # without the draw axis
        size = full[axis]
        onehot = np.arange(size) == np.broadcast_to(choice, full[:axis])[..., None]
        out = out * onehot.reshape(full[: axis + 1] + (1,) * (len(full) - axis - 1))
    return out


class Accumulator:
    """Running weighted mean and standard error of per-row gains."""

    def __init__(self) -> None:
        self.total = 0.0
        self.squares = 0.0
        self.count = 0

    def add(self, gains: np.ndarray) -> None:
        gains = np.asarray(gains, dtype=float)
        self.total += float(gains.sum())
        self.squares += float((gains * gains).sum())
        self.count += gains.size

    @property
    def mean(self) -> float:
        return self.total / self.count if self.count else 0.0

    @property
    def se(self) -> float:
        """Monte Carlo standard error of :attr:`mean` (0 for fewer than two rows)."""
        if self.count < 2:
            return 0.0
        var = max(self.squares / self.count - self.mean**2, 0.0) * self.count / (self.count - 1)
        return float(np.sqrt(var / self.count))


class Valuer:
    """A plan with its numbers at their means, to value batches of other numbers.

    Parameters
    ----------
    plan : Plan
        The compiled diagram (with its scenario, if any).
    means : mapping
        Node -> table (no draw axis; utility values before the weight) of the numbers the
        decision is taken on without further information: the means of the parameters, or
        the diagram's own tables.
    stage : ndarray, optional
        Instead of the tables' stage tensor, this mean of the stage tensors of draws, shape
        (*layout sizes), multiplied by the scenario's probability in each draw; with
        ``evidence``, the mean of those probabilities. For parameters whose draws depend on
        each other across nodes, where plugging in means is not exact.
    evidence : float, optional
        See ``stage``.

    Attributes
    ----------
    maximum_expected_utility : float
        The optimum at the means (conditional on the scenario).
    choices : list of ndarray
        The optimal strategy ``s*`` there (backward induction's choices).
    evidence : float
        The probability of the scenario at the means (1 without one).
    """

    def __init__(self, plan: Plan, means: Mapping[str, np.ndarray], *,
                 stage: np.ndarray | None = None, evidence: float | None = None) -> None:
        self.plan = plan
        self.means = {k: np.asarray(v, dtype=float) for k, v in means.items()}
        if stage is None:
            ops = plan.operands(self.means)
            stage = plan.stage_tensor(ops)[0]
            evidence = float(plan.evidence_probability(ops)[0])
            normalized = stage
        else:
            normalized = stage / evidence
        self.shape = normalized.shape
        result = backward_induction(normalized[None], plan.layout, values=False)
        self.maximum_expected_utility = float(result.expected_utility[0])
        self.choices = result.choices
        self.evidence = float(evidence if evidence is not None else 1.0)
        self.indicator = strategy_indicator(plan, result.choices).reshape(-1)
        self._linear: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    @property
    def size(self) -> int:
        """Entries of one stage tensor."""
        return int(np.prod(self.shape))

    # -- stage tensors of batches -----------------------------------------------------------------
    def unnormalized(self, tables: Mapping[str, np.ndarray]) -> np.ndarray:
        """Stage tensors times the scenario's probability, one row per draw of ``tables``.

        Parameters
        ----------
        tables : mapping
            Node -> (S, *shape) (or a table shared by every row); nodes left out keep their
            means.

        Returns
        -------
        ndarray, shape (S, layout entries)
        """
        plan = self.plan
        ops = plan.operands({**self.means, **tables}, check=False)
        stage = plan.stage_tensor(ops)
        if plan.given:
            pe = plan.evidence_probability(ops)
            stage = stage * pe.reshape((-1,) + (1,) * (stage.ndim - 1))
        return stage.reshape(stage.shape[0], -1)

    def chunk(self, extra: int = 0) -> int:
        """Rows to evaluate at once: a few stage tensors per row within the memory budget
        (``extra`` more numbers per row)."""
        per_row = 8 * (4 * self.size + extra) + max(self.plan.memory.per_draw, 1)
        return int(max(1, min(65536, MEMORY_BUDGET // per_row)))

    def linear(self, node: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The affine map from one node's table to the unnormalized stage tensor.

        Returns
        -------
        (mean, offset, slope)
            ``mean`` the node's table at the means, flattened (m,); the stage tensor of a table
            ``t`` is ``offset + (t - mean) @ slope``, with ``offset`` (L,) and ``slope`` (m, L).
            Exact: the stage tensor is linear in each table. The ``m + 1`` evaluations move one
            entry at a time upwards (by its size, at least 1), so the scenario keeps a
            positive probability.
        """
        hit = self._linear.get(node)
        if hit is not None:
            return hit
        mean = self.means[node].reshape(-1)
        m = mean.size
        step = np.maximum(np.abs(mean), 1.0)
        batch = np.repeat(mean[None], m + 1, axis=0)
        batch[np.arange(1, m + 1), np.arange(m)] += step
        shaped = batch.reshape((m + 1,) + self.means[node].shape)
        stage = self.unnormalized({node: shaped})
        out = (mean, stage[0], (stage[1:] - stage[0]) / step[:, None])
        self._linear[node] = out
        return out

    def linear_fits(self, node: str) -> bool:
        """Whether the affine map of ``node`` fits the memory budget."""
        m = self.means[node].size
        return 8 * (m + 1) * self.size * 3 <= MEMORY_BUDGET

    def stage_of(self, node: str, tables: np.ndarray) -> np.ndarray:
        """Unnormalized stage tensors (S, L) of draws (S, *shape) of one node's table."""
        mean, offset, slope = self.linear(node)
        flat = np.asarray(tables, dtype=float).reshape(len(tables), -1)
        return offset[None] + (flat - mean[None]) @ slope

    # -- gains ------------------------------------------------------------------------------------
    def gains(self, stage: np.ndarray) -> np.ndarray:
        """Per row, the optimum minus the value of ``s*``, conditional on the scenario.

        Parameters
        ----------
        stage : ndarray, shape (S, L)
            Unnormalized stage tensors (from :meth:`unnormalized` or :meth:`stage_of`).

        Returns
        -------
        ndarray, shape (S,)
            Never negative (rounding below zero is cut to zero).
        """
        best = sweep_max(stage.reshape((stage.shape[0],) + self.shape), self.plan)
        star = stage @ self.indicator
        return np.maximum(best - star, 0.0) / self.evidence

    def optimum(self, stage: np.ndarray) -> np.ndarray:
        """Per row, the maximum expected utility conditional on the scenario."""
        return sweep_max(stage.reshape((stage.shape[0],) + self.shape), self.plan) / self.evidence


def mean_stage(plan: Plan, chunks: Iterator[Mapping[str, Any]]) -> tuple[np.ndarray, float]:
    """The stage tensor times the scenario's probability, averaged over draws, and the mean of
    that probability: what the Bayes decision maximises when parameters are dependent."""
    total = None
    evidence = 0.0
    count = 0
    for tables in chunks:
        ops = plan.operands(tables, check=False)
        stage = plan.stage_tensor(ops)
        pe = plan.evidence_probability(ops)
        weighted = stage * pe.reshape((-1,) + (1,) * (stage.ndim - 1))
        total = weighted.sum(axis=0) if total is None else total + weighted.sum(axis=0)
        evidence += float(pe.sum())
        count += stage.shape[0]
    return total / count, evidence / count
