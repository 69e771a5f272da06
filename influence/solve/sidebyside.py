"""The optimum and every option of a diagram in one pass of updates.

An option (an alternative, or a named policy whose rules are over the requisite information)
constrains some decisions with masks; the rest of its strategy is optimal. Until the first
update where its masks allow other than the optimum's own choice, its pool is the optimum's:
it *rides* with the optimum and costs nothing. At that update it *joins* the pass as a new row
of the draw axis, a copy of the optimum's row (row 0), and from there is solved side by side
with the others. A single pass of updates thus values them all: the work before an option
departs from the optimum is shared, and an option that never departs (an alternative the
optimum takes) is the optimum. The result is the same as solving each option on its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .elimination import run_steps
from .kernels import _choose
from .policies import Program, Solution, _finish, _values, one_hot

__all__ = ["run_side_by_side"]


def run_side_by_side(program: Program, pool: Mapping[int, np.ndarray],
                     options: Sequence[Mapping[str, np.ndarray]]
                     ) -> tuple[Solution, list[Solution]]:
    """Run ``program`` (an exact order of updating) for the optimum and every option.

    Parameters
    ----------
    program : Program
    pool : mapping
        The initial factors, one draw (from :func:`~influence.solve.policies.initial_pool`);
        not modified.
    options : sequence of mapping
        Each option's masks: decision -> boolean array over (what its rule is over, its
        options), no draw axis.

    Returns
    -------
    (Solution, list of Solution)
        The optimum and each option's solution (one draw each).
    """
    pool = dict(pool)
    riding = list(range(len(options)))
    rows: list[int] = []  # the options solved side by side, row r + 1 of the draw axis
    joined: dict[int, int] = {}  # option -> the update at which it joined
    made: list[np.ndarray] = []  # each update's choices, one draw or one per row
    for i, u in enumerate(program.updates):
        run_steps(u.before, pool)
        q = _values(program, u, pool)
        d = u.decision
        choice = _decide(q, [options[j].get(d) for j in rows])
        taken = None  # the optimum's choice as a mask, made when an option asks
        leaving = []
        for j in riding:
            mask = options[j].get(d)
            if mask is not None:
                if taken is None:
                    taken = np.eye(program.sizes[d], dtype=bool)[choice[0]]
                if not np.array_equal(mask, taken):
                    leaving.append(j)
        if leaving:
            riding = [j for j in riding if j not in leaving]
            width = 1 + len(rows)
            _widen(pool, width, len(leaving))
            extra = _choose(np.broadcast_to(q[:1], (len(leaving),) + q.shape[1:]),
                            np.stack([options[j][d] for j in leaving]))
            choice = np.concatenate([np.broadcast_to(choice, (width,) + choice.shape[1:]),
                                     extra])
            rows += leaving
            joined.update(dict.fromkeys(leaving, i))
        made.append(choice)
        pool[u.slot] = one_hot(choice, program.sizes[d])
    run_steps(program.final, pool)
    solved = _finish(program, pool, {}, [])
    optimum = _row(program, solved, made, 0, 0)
    out = [optimum if j not in joined else
           _row(program, solved, made, rows.index(j) + 1, joined[j])
           for j in range(len(options))]
    return optimum, out


def _decide(q: np.ndarray, masks: list[np.ndarray | None]) -> np.ndarray:
    """The choices of the optimum (row 0, unconstrained) and of the rows ``masks`` (None
    leaves a row free)."""
    if all(m is None for m in masks):
        return _choose(q, None)
    shape = q.shape[1:]
    free = np.ones(shape, dtype=bool)
    stacked = np.stack([free] + [free if m is None else m for m in masks])
    return _choose(np.broadcast_to(q, (1 + len(masks),) + shape), stacked)


def _widen(pool: dict[int, np.ndarray], width: int, more: int) -> None:
    """Add ``more`` rows to the arrays of ``pool`` that have ``width`` > 1 rows, copies of
    row 0 (arrays of one row are shared by every row)."""
    if width == 1:
        return
    for slot, a in pool.items():
        if a.shape[0] == width:
            pool[slot] = np.concatenate([a, np.repeat(a[:1], more, axis=0)])


def _row(program: Program, solved: Solution, made: list[np.ndarray], row: int, since: int
         ) -> Solution:
    """Row ``row`` of a pass, joined at update ``since`` (row 0 before it)."""
    def pick(a: np.ndarray, r: int) -> np.ndarray:
        return a[r:r + 1] if a.shape[0] > 1 else a

    choices = {u.decision: pick(c, row if i >= since else 0)
               for i, (u, c) in enumerate(zip(program.updates, made, strict=True))}
    return Solution(pick(solved.expected_utility, row), pick(solved.evidence, row), choices,
                    [], solved.iterations)
