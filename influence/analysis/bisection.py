"""Break-even values of parameters in which the expected utility is not affine: bisection.

A named parameter or a structured table's parameter (``param:NAME``, see
:mod:`influence.analysis.parameters`) enters the expected utility of a fixed strategy through a
table function (a noisy-OR product, a log-linear ratio) or through several nodes at once, so the
exact crossing of two lines (:mod:`influence.analysis.thresholds`) does not apply. Along such a
parameter the optimum is solved at :data:`GRID_POINTS` evenly spaced values; between two
neighbouring values whose optimal strategies differ, the interval is halved until it is shorter
than :data:`TOLERANCE` times the width of the domain searched, every value solved exactly (the
tables recomputed from the parameter). Where the midpoint's strategy differs from both ends,
both halves are searched. The break-even value reported is the midpoint of the last interval:
within ``TOLERANCE`` times the domain's width of the true one. Two changes that undo each other
between two grid values are not seen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..limits import POSSIBLE
from ..solve.plan import Plan
from .parameters import Parameter
from .sweep import Optimum, Segments, Sweep

__all__ = ["GRID_POINTS", "TOLERANCE", "bisect_breaks", "exact_optimum", "nonlinear"]

#: Values of the first grid along a parameter searched by bisection.
GRID_POINTS = 33
#: Bisection stops when the interval is this share of the domain's width.
TOLERANCE = 1e-10
#: Most rounds of halving (each halves every interval).
MAX_ROUNDS = 60

Strategy = tuple[np.ndarray, ...]


def nonlinear(parameter: Parameter) -> bool:
    """Whether the expected utility may be non-affine in ``parameter`` (a ``param:``)."""
    return parameter.kind == "parameter"


def _sweep(lines: Sequence, which: Sequence[int], values: np.ndarray) -> Sweep:
    index = [lines[i].parameter for i in which]
    if all(lines[i].fixed is None for i in which):
        return Sweep.of(index, values)
    fixed = [lines[i].fixed or (-1, 0.0) for i in which]
    return Sweep.of(index, values, [f[0] for f in fixed], [f[1] for f in fixed])


def exact_optimum(plan: Plan, parameters: Sequence[Parameter], lines: Sequence,
                  which: Sequence[int], values: np.ndarray) -> Optimum:
    """The optimum with line ``which[s]``'s parameter at ``values[s]``, solved on its own
    numbers (a segment of zero length at each value)."""
    which = np.asarray(which, dtype=np.int64)
    values = np.asarray(values, dtype=float)
    ends = _sweep(lines, np.repeat(which, 2), np.repeat(values, 2))
    segments = Segments(plan, parameters, ends)
    best, _ = segments.optimum(np.arange(len(values)), values)
    return best


def _row(batch: Strategy, i: int) -> Strategy:
    return tuple(np.asarray(c[i]) for c in batch)


def _same(x: Strategy, y: Strategy) -> bool:
    return all(np.array_equal(a, b) for a, b in zip(x, y, strict=True))


@dataclass
class _Bracket:
    line: int
    a: float
    b: float
    left: Strategy
    right: Strategy


def bisect_breaks(plan: Plan, parameters: Sequence[Parameter], lines: Sequence,
                  group: Sequence[int], grid: np.ndarray) -> tuple[Optimum, list]:
    """The grid optimum of the lines ``group`` (at ``grid``, one row per line) and their
    break-even values found by bisection (see the module's documentation)."""
    from .thresholds import Break

    count, points = grid.shape
    which = np.repeat(np.asarray(group), points)
    best = exact_optimum(plan, parameters, lines, which, grid.reshape(-1))
    brackets = []
    for row in range(count):
        for g in range(points - 1):
            at, bt = row * points + g, row * points + g + 1
            left, right = _row(best.choices, at), _row(best.choices, bt)
            if not _same(left, right):
                brackets.append(_Bracket(group[row], grid[row, g], grid[row, g + 1], left,
                                         right))
    done: list[_Bracket] = []
    for _ in range(MAX_ROUNDS):
        if not brackets:
            break
        width = np.array([lines[b.line].high - lines[b.line].low for b in brackets])
        small = np.array([b.b - b.a for b in brackets]) <= TOLERANCE * width
        done += [b for b, s in zip(brackets, small, strict=True) if s]
        brackets = [b for b, s in zip(brackets, small, strict=True) if not s]
        if not brackets:
            break
        mids = np.array([(b.a + b.b) / 2 for b in brackets])
        at_mid = exact_optimum(plan, parameters, lines, [b.line for b in brackets], mids)
        nxt = []
        for i, b in enumerate(brackets):
            mid, star = float(mids[i]), _row(at_mid.choices, i)
            if not _same(star, b.left):
                nxt.append(_Bracket(b.line, b.a, mid, b.left, star))
            if not _same(star, b.right):
                nxt.append(_Bracket(b.line, mid, b.b, star, b.right))
        brackets = nxt
    done += brackets
    return best, _breaks(plan, parameters, lines, done, Break)


def _breaks(plan: Plan, parameters: Sequence[Parameter], lines: Sequence,
            done: list[_Bracket], make: type) -> list:
    if not done:
        return []
    ends = np.array([[b.a, b.b] for b in done]).reshape(-1)
    which = np.repeat([b.line for b in done], 2)
    found = exact_optimum(plan, parameters, lines, which, ends)
    out = []
    for i, b in enumerate(done):
        lo, hi = 2 * i, 2 * i + 1
        out.append(make(b.line, (b.a + b.b) / 2, _row(found.choices, lo),
                        _row(found.choices, hi),
                        tuple(r[lo] > POSSIBLE for r in found.reach),
                        tuple(r[hi] > POSSIBLE for r in found.reach)))
    return out
