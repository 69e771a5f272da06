"""Break-even values: where, as one number moves, the optimal strategy changes.

The expected utility of a *fixed* strategy is affine in any one utility value, any one weight,
and any one probability moved with proportional co-variation of its row (each table enters
each expected utility once, and the co-varied row is affine in the value); under a scenario
this holds for the expected utility times the scenario's probability, which ranks strategies
the same way. The maximum expected utility, the largest of these lines, is therefore piecewise
linear and convex in the number, and the optimal strategy changes exactly at its kinks.

:func:`find_breaks` finds every kink on a segment of values, exactly:

1. Solve a coarse grid of values, every segment of every parameter in one batch of draws.
2. Between two neighbouring grid values ``a < b`` with optimal strategies ``A`` and ``B``, the
   function is linear if and only if the lines of ``A`` and ``B`` coincide (convexity: a
   convex function that meets a line at two points lies on it between them). Otherwise the
   two lines, each known at ``a`` and ``b`` (two evaluations of fixed strategies), cross at
   one value ``v``.
3. Solve ``v``. If no strategy beats ``A`` and ``B`` there, ``v`` is a break-even value.
   Otherwise a third strategy ``C`` is optimal at ``v``; search ``[a, v]`` with ``A`` and
   ``C``, and ``[v, b]`` with ``C`` and ``B``, in the next round.

Each round is one batch over all segments of all parameters. The grid only saves rounds: the
values found do not depend on it. At each break-even value the optimal choices just below and
just above it are found exactly, in every information state, by backward induction on the
value and the slope of the stage tensor there (:meth:`Segments.sides`); a break-even value is
reported for every information state whose choice differs between the two sides and that can
occur (has positive probability) on at least one side. A kink at an end of the searched
domain has no other side and is not reported.

The stage tensor is contracted only at the two ends of each segment searched (see
:class:`~influence.analysis.sweep.Segments`): every other value is an exact interpolation.

Parameters ``param:NAME`` enter the expected utility through table functions, not affinely:
their break-even values are found by bisection to a stated tolerance instead
(:mod:`influence.analysis.bisection`), each value's stage tensor affine in the tables computed
from the parameter (:mod:`influence.solve.linear`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..limits import POSSIBLE, TIE_TOLERANCE
from ..solve.plan import Plan
from .bisection import bisect_breaks, nonlinear
from .limited_sweep import LimitedSegments
from .parameters import Parameter
from .sweep import Optimum, Segments, Sweep, chunk_size, settings

__all__ = ["Threshold", "Line", "Break", "LineSearch", "find_breaks", "thresholds_of",
           "GRID_POINTS"]

#: Values per segment in the coarse grid.
GRID_POINTS = 9
#: Rounds of refinement before giving up (each finds a strictly better strategy).
MAX_ROUNDS = 200

Strategy = tuple[np.ndarray, ...]


@dataclass(frozen=True)
class Threshold:
    """A break-even value: at ``value``, the optimal choice of ``decision`` in
    ``information_state`` changes from ``before`` (just below) to ``after`` (just above)."""

    value: float
    decision: str
    information_state: Mapping[str, str]
    before: str
    after: str

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "decision": self.decision,
                "information_state": dict(self.information_state), "from": self.before,
                "to": self.after}


@dataclass(frozen=True)
class Line:
    """A segment of values of one parameter (position ``parameter``) to search, with
    optionally another parameter held at a value (``fixed``: position, value)."""

    parameter: int
    low: float
    high: float
    fixed: tuple[int, float] | None = None


@dataclass(frozen=True)
class Break:
    """A kink of the maximum expected utility on line ``line``: strategy ``left`` is optimal
    just below ``value`` and ``right`` just above (in every information state, those that
    cannot occur included); ``reachable_*`` mark, per decision, the information states that
    can occur on that side."""

    line: int
    value: float
    left: Strategy
    right: Strategy
    reachable_left: Strategy
    reachable_right: Strategy


@dataclass(frozen=True)
class LineSearch:
    """What :func:`find_breaks` returns: the grid of each line (``grid[l]``, NaN for a line
    left out), the optimum at each grid value of the lines ``live`` (draw ``n * points + i``
    for the ``n``-th of them), and the kinks of each line in increasing order."""

    grid: np.ndarray
    optimum: Optimum | None
    breaks: list[list[Break]]
    live: tuple[int, ...]


@dataclass
class _Task:
    """A segment ``[a, b]`` of line ``line`` (row ``segment`` of its :class:`Segments`)
    with strategy ``left`` optimal at ``a`` and ``right`` at ``b``."""

    line: int
    segment: int
    a: float
    b: float
    left: Strategy
    right: Strategy
    value_a: float
    value_b: float
    scale: float


def _stack(strategies: Sequence[Strategy]) -> Strategy:
    return tuple(np.stack([s[k] for s in strategies]) for k in range(len(strategies[0])))


def _row(batch: Strategy, i: int) -> Strategy:
    return tuple(np.asarray(c[i]) for c in batch)


def _same(x: Strategy, y: Strategy) -> bool:
    return all(np.array_equal(a, b) for a, b in zip(x, y, strict=True))


def _sweep(lines: Sequence[Line], which: Sequence[int], values: np.ndarray) -> Sweep:
    index = [lines[i].parameter for i in which]
    if all(lines[i].fixed is None for i in which):
        return Sweep.of(index, values)
    fixed = [lines[i].fixed or (-1, 0.0) for i in which]
    return Sweep.of(index, values, [f[0] for f in fixed], [f[1] for f in fixed])


def _usable(plan: Plan, parameters: Sequence[Parameter], lines: Sequence[Line]
            ) -> list[Line | None]:
    """Under a scenario, move an end of a probability's segment at which the scenario is
    impossible a hair inwards (its expected utilities are undefined there); None for a segment
    on which the scenario is impossible throughout."""
    if not plan.given:
        return list(lines)
    which = [i for i, line in enumerate(lines) if parameters[line.parameter].kind ==
             "probability"]
    out: list[Line | None] = list(lines)
    if not which:
        return out
    ends = np.array([[lines[i].low, lines[i].high] for i in which]).reshape(-1)
    sweep = _sweep(lines, np.repeat(which, 2), ends)
    tables, weights = settings(plan, parameters, sweep)
    pe = plan.evidence_probability(plan.operands(tables, weights)).reshape(-1, 2)
    for i, (low_ok, high_ok) in zip(which, pe > 0, strict=True):
        line = lines[i]
        if not (low_ok or high_ok):
            out[i] = None
            continue
        nudge = 1e-9 * (line.high - line.low)
        out[i] = Line(line.parameter, line.low if low_ok else line.low + nudge,
                      line.high if high_ok else line.high - nudge, line.fixed)
    return out


def find_breaks(plan: Plan, parameters: Sequence[Parameter], lines: Sequence[Line],
                points: int = GRID_POINTS, runner: Any = None) -> LineSearch:
    """Every kink of the maximum expected utility along each line, exactly (see the module's
    documentation). Lines are searched in groups whose end tensors fit the plan's memory
    budget, at least :data:`~influence.limits.PIECES` of them when there are that many lines:
    each group is a piece of work for ``runner`` (a :class:`influence.parallel.Runner`; here
    by default), and the groups do not depend on where they run. Lines on which a scenario is
    impossible throughout are left out of ``live``."""
    from ..parallel import Runner, pieces

    usable = _usable(plan, parameters, lines)
    live = [i for i, line in enumerate(usable) if line is not None]
    grid = np.full((len(lines), points), np.nan)
    for i in live:
        grid[i] = np.linspace(usable[i].low, usable[i].high, points)
    size = max(1, chunk_size(plan) // 2)
    curved = [i for i in live if nonlinear(parameters[usable[i].parameter])]
    work = []
    for search, chosen in ((_search, [i for i in live if i not in curved]),
                           (bisect_breaks, curved)):
        for part in pieces(len(chosen), size):
            group = chosen[part]
            work.append((search, group, grid[group]))
    per_line: dict[int, Optimum] = {}
    found: list[Break] = []
    done = (runner or Runner()).map(_searched, work, shared=(plan, parameters, usable))
    for (_, group, _), (best, breaks) in zip(work, done, strict=True):
        for n, i in enumerate(group):
            per_line[i] = best.take(np.arange(n * points, (n + 1) * points))
        found.extend(breaks)
    by_line: list[list[Break]] = [[] for _ in lines]
    for brk in sorted(found, key=lambda b: (b.line, b.value)):
        by_line[brk.line].append(brk)
    return LineSearch(grid, _joined([per_line[i] for i in live]), by_line, tuple(live))


def _searched(plan: Plan, parameters: Sequence[Parameter], lines: Sequence[Line],
              work: tuple[Any, list[int], np.ndarray]) -> tuple[Optimum, list[Break]]:
    """One group of lines searched (a piece of work of :func:`find_breaks`)."""
    search, group, grid = work
    return search(plan, parameters, lines, group, grid)


def _joined(parts: list[Optimum]) -> Optimum | None:
    if not parts:
        return None
    return Optimum(np.concatenate([p.value for p in parts]),
                   np.concatenate([p.probability for p in parts]),
                   tuple(np.concatenate(c) for c in zip(*(p.choices for p in parts),
                                                        strict=True)),
                   tuple(np.concatenate(r) for r in zip(*(p.reach for p in parts),
                                                        strict=True)))


def _search(plan: Plan, parameters: Sequence[Parameter], lines: Sequence[Line],
            group: list[int], grid: np.ndarray) -> tuple[Optimum, list[Break]]:
    """The grid optimum and the kinks of the lines ``group`` (one :class:`Segments`)."""
    count, points = grid.shape
    ends = np.column_stack([grid[:, 0], grid[:, -1]]).reshape(-1)
    kind = LimitedSegments if plan.limited else Segments
    segments = kind(plan, parameters, _sweep(lines, np.repeat(group, 2), ends))
    best, _ = segments.optimum(np.repeat(np.arange(count), points), grid.reshape(-1))
    values = best.value.reshape(count, points)
    scale = np.abs(values).max(axis=1)
    changed = np.zeros((count, points - 1), dtype=bool)
    for c in best.choices:
        per_line = c.reshape(count, points, -1)
        changed |= (per_line[:, 1:] != per_line[:, :-1]).any(axis=2)
    tasks = []
    for row, g in np.argwhere(changed):
        at, bt = row * points + g, row * points + g + 1
        tasks.append(_Task(group[row], int(row), grid[row, g], grid[row, g + 1],
                           _row(best.choices, at), _row(best.choices, bt),
                           float(best.value[at]), float(best.value[bt]), float(scale[row])))
    found: list[tuple[_Task, float]] = []
    for _ in range(MAX_ROUNDS):
        if not tasks:
            break
        tasks, new = _refine(segments, lines, tasks)
        found.extend(new)
    return best, _breaks(segments, lines, found)


def _breaks(segments: Segments | LimitedSegments, lines: Sequence[Line],
            found: list[tuple[_Task, float]]) -> list[Break]:
    """The kinks found, with the optimal strategies just below and above each; kinks at an
    end of their line (nothing lies beyond) are dropped, and a value within rounding
    (1e-12 of the line's width) of zero is zero."""
    inside = []
    for task, value in found:
        line = lines[task.line]
        margin = 1e-12 * (line.high - line.low)
        if line.low + margin < value < line.high - margin:
            inside.append((task, 0.0 if abs(value) <= margin else value))  # rounding at 0
    if not inside:
        return []
    rows = np.array([t.segment for t, _ in inside])
    at = np.array([v for _, v in inside])
    below, above, reach_below, reach_above = segments.sides(
        rows, at, _stack([t.left for t, _ in inside]), _stack([t.right for t, _ in inside]))
    return [Break(task.line, value, _row(below, i), _row(above, i),
                  tuple(r[i] > POSSIBLE for r in reach_below),
                  tuple(r[i] > POSSIBLE for r in reach_above))
            for i, (task, value) in enumerate(inside)]


def _refine(segments: Segments | LimitedSegments, lines: Sequence[Line], tasks: list[_Task]
            ) -> tuple[list[_Task], list[tuple[_Task, float]]]:
    """One round: cross each segment's two lines; keep the crossings no strategy beats."""
    n = len(tasks)
    rows = np.array([t.segment for t in tasks])
    a = np.array([t.a for t in tasks])
    b = np.array([t.b for t in tasks])
    cross = segments.values(np.concatenate([rows, rows]), np.concatenate([b, a]),
                            _stack([t.left for t in tasks] + [t.right for t in tasks]))
    left_at_b, right_at_a = cross[:n], cross[n:]
    value_a = np.array([t.value_a for t in tasks])
    value_b = np.array([t.value_b for t in tasks])
    tol = TIE_TOLERANCE * np.maximum.reduce([np.abs(value_a), np.abs(value_b),
                                             np.abs(left_at_b), np.abs(right_at_a),
                                             np.array([t.scale for t in tasks])])
    gain_a = value_a - right_at_a  # >= 0: A is optimal at a
    loss_b = left_at_b - value_b  # <= 0: B is optimal at b
    crossing = np.flatnonzero((gain_a > tol) | (loss_b < -tol))
    if crossing.size == 0:
        return [], []
    share = np.clip(gain_a / np.where(gain_a - loss_b > 0, gain_a - loss_b, 1.0), 0.0, 1.0)
    at = a + share * (b - a)
    line_a = value_a + share * (left_at_b - value_a)
    best, _ = segments.optimum(rows[crossing], at[crossing])
    next_tasks: list[_Task] = []
    found: list[tuple[_Task, float]] = []
    for j, i in enumerate(crossing):
        task = tasks[i]
        value = float(best.value[j])
        width = lines[task.line].high - lines[task.line].low
        if value <= line_a[i] + tol[i] or task.b - task.a <= 1e-12 * width:
            found.append((task, float(at[i])))
            continue
        star = _row(best.choices, j)
        for lo, hi, left, right, v_lo, v_hi in (
                (task.a, at[i], task.left, star, task.value_a, value),
                (at[i], task.b, star, task.right, value, task.value_b)):
            if not _same(left, right):
                next_tasks.append(_Task(task.line, task.segment, float(lo), float(hi), left,
                                        right, v_lo, v_hi, task.scale))
    return next_tasks, found


def thresholds_of(plan: Plan, brk: Break) -> list[Threshold]:
    """The break-even values of a kink: one per information state that can occur on either
    side and whose choice differs, decisions in order, information states in table order."""
    out = []
    for k, d in enumerate(plan.diagram.decisions):
        past = plan.past(k)
        left, right = np.asarray(brk.left[k]), np.asarray(brk.right[k])
        differ = (left != right) & (np.asarray(brk.reachable_left[k])
                                    | np.asarray(brk.reachable_right[k]))
        for position in np.argwhere(differ):
            where = tuple(int(x) for x in position)
            state = {v: plan.diagram.node(v).states[i] for v, i in zip(past, where,
                                                                        strict=True)}
            out.append(Threshold(brk.value, d.name, state, d.states[int(left[where])],
                                 d.states[int(right[where])]))
    return out
