"""Sweeps of parameters on a diagram of limited memory: every value solved on its own numbers.

A diagram of limited memory (``recall: limited``) has no stage tensor to interpolate; its
strategies are rules over what each decision knows, found by single policy updating
(:mod:`influence.solve.limited`). The break-even search of
:mod:`influence.analysis.thresholds` needs only three things of a segment of values, and each
holds here too:

- the optimum at any value: the numbers there (the parameter set, every other number the
  model's) are solved by single policy updating, each value on its own;
- the value of a fixed strategy at any value: it is evaluated there exactly, and it is affine
  in the parameter (each table enters the expected utility of a fixed strategy once);
- the optimal strategies just below and just above a kink: the search reaches a kink ``v``
  only between two values ``a < v < b`` at which strategies ``A`` and ``B`` are optimal and
  whose lines cross at ``v`` with no strategy better there. The maximum expected utility is
  the largest of the strategies' lines, hence convex: meeting ``A``'s line at ``a`` and at
  ``v`` it lies on it between them, so ``A`` is optimal just below ``v``, and ``B`` just
  above.

When the diagram is soluble each solve is the exact optimum and so are the break-even values.
When it is not, each solve is a local optimum of single policy updating: the maximum expected
utility found need not be convex in the parameter, and the break-even values are those of the
strategies that single policy updating finds, not necessarily of the optimum (results say so:
``solution["exact"]`` is false).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..solve.limited_draws import optimum_limited, reach_limited, strategy_values_limited
from ..solve.plan import Plan
from .parameters import Parameter
from .sweep import Optimum, Sweep, chunk_size, settings

__all__ = ["limited_solve", "LimitedSegments"]

Strategy = tuple[np.ndarray, ...]


def _strategy_rows(strategy: Strategy, rows: slice) -> Strategy:
    return tuple(np.asarray(c)[rows] for c in strategy)


def limited_solve(plan: Plan, parameters: Sequence[Parameter], sweep: Sweep,
                  follow: Sequence[Strategy] = ()) -> tuple[Optimum, list[np.ndarray]]:
    """Each draw of ``sweep`` solved on its own numbers, and the value of each strategy of
    ``follow`` (given draw by draw) in each draw; values are expected utilities times the
    scenario's probability, as in :class:`~influence.analysis.sweep.Optimum`."""
    step = chunk_size(plan)
    parts: list[tuple] = []
    for start in range(0, len(sweep), step):
        rows = slice(start, min(start + step, len(sweep)))
        tables, weights = settings(plan, parameters, sweep.part(rows))
        ops = plan.operands(tables, weights)
        n = rows.stop - rows.start
        value, pe, choices, reach, _ = optimum_limited(plan, ops)
        pe = np.broadcast_to(pe, (n,))
        followed = [strategy_values_limited(plan, ops, _strategy_rows(s, rows)) * pe
                    for s in follow]
        parts.append((np.broadcast_to(value, (n,)) * pe, pe,
                      tuple(np.broadcast_to(c, (n,) + c.shape[1:]) for c in choices),
                      tuple(np.broadcast_to(r, (n,) + r.shape[1:]) for r in reach), followed))
    decisions = len(parts[0][2])
    optimum = Optimum(np.concatenate([p[0] for p in parts]),
                      np.concatenate([p[1] for p in parts]),
                      tuple(np.concatenate([p[2][k] for p in parts]) for k in range(decisions)),
                      tuple(np.concatenate([p[3][k] for p in parts]) for k in range(decisions)))
    return optimum, [np.concatenate([p[4][j] for p in parts]) for j in range(len(follow))]


class LimitedSegments:
    """Segments of values of parameters on a diagram of limited memory, with the methods of
    :class:`~influence.analysis.sweep.Segments` (see the module): every value is solved on its
    own numbers.

    Parameters
    ----------
    plan : Plan
    parameters : sequence of Parameter
    ends : Sweep
        Two draws per segment: its low end, then its high end (a second parameter set in
        them is held at its value along the segment).
    """

    def __init__(self, plan: Plan, parameters: Sequence[Parameter], ends: Sweep) -> None:
        self.plan = plan
        self.parameters = parameters
        self._index = ends.index[0::2]
        self._fixed = ends.value[0::2]

    def _sweep(self, lines: np.ndarray, values: np.ndarray) -> Sweep:
        lines = np.asarray(lines, dtype=np.int64)
        value = self._fixed[lines].copy()
        value[:, 0] = values
        return Sweep(self._index[lines], value)

    def optimum(self, lines: np.ndarray, values: np.ndarray,
                follow: Sequence[Strategy] = ()) -> tuple[Optimum, list]:
        """Each draw (segment ``lines[s]`` at ``values[s]``) solved on its own numbers, and
        the probability of each configuration of what each decision knows under each strategy
        of ``follow`` (given draw by draw)."""
        sweep = self._sweep(lines, values)
        best, _ = limited_solve(self.plan, self.parameters, sweep)
        others = [self._reach(sweep, s) for s in follow]
        return best, others

    def _reach(self, sweep: Sweep, strategy: Strategy) -> Strategy:
        tables, weights = settings(self.plan, self.parameters, sweep)
        return reach_limited(self.plan, self.plan.operands(tables, weights), strategy)

    def sides(self, lines: np.ndarray, values: np.ndarray,
              below: Strategy | None = None, above: Strategy | None = None
              ) -> tuple[Strategy, Strategy, Strategy, Strategy]:
        """The optimal strategies just below and just above each kink: ``below`` and
        ``above``, those optimal at the two ends of the interval the kink was found in (see
        the module), and the probability of each configuration of what each decision knows
        under each, at the kink."""
        if below is None or above is None:
            raise ValueError("a diagram of limited memory needs the strategies either side")
        sweep = self._sweep(lines, values)
        return below, above, self._reach(sweep, below), self._reach(sweep, above)

    def values(self, lines: np.ndarray, values: np.ndarray, choices: Strategy) -> np.ndarray:
        """The value (expected utility times the scenario's probability) in each draw of the
        strategy given draw by draw in ``choices``."""
        plan, sweep = self.plan, self._sweep(lines, values)
        step = chunk_size(plan)
        out = []
        for start in range(0, len(sweep), step):
            rows = slice(start, min(start + step, len(sweep)))
            tables, weights = settings(plan, self.parameters, sweep.part(rows))
            ops = plan.operands(tables, weights)
            pe = plan.evidence_probability(ops)
            out.append(strategy_values_limited(plan, ops, _strategy_rows(choices, rows)) * pe)
        return np.concatenate(out)
