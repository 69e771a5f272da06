"""Two-way sensitivity: which strategy is optimal as two numbers move together.

Both parameters run over their one-way ranges (see :mod:`influence.analysis.ranges`) on an
``N x N`` grid, solved as one batch of draws. Each cell gets the optimal strategy, told apart
by what it does in the information states that can occur (strategies that differ only where
nothing can happen are the same region). The region boundaries are located exactly along every
grid column and every grid row with the break-even search of
:mod:`influence.analysis.thresholds`: with one parameter held at a grid value, the expected
utility of each strategy is affine in the other.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import QueryError
from ..limits import POSSIBLE
from ..model.diagram import Diagram
from ..solve.plan import Plan
from ..solve.results import DecisionResult, RuleResult
from .ranges import Ranged, parse_ranges, ranged, select
from .sweep import compile_plan
from .thresholds import Break, Line, find_breaks

__all__ = ["Region", "BoundaryPoint", "TwoWayResult", "two_way", "two_way_grid", "DEFAULT_GRID"]

#: Grid values per parameter.
DEFAULT_GRID = 41


@dataclass(frozen=True)
class Region:
    """An optimal strategy of the two-way map.

    Attributes
    ----------
    id : int
        1, 2, ... by decreasing number of cells.
    label : str
        The strategy in one line: ``decision=choice`` where the choice does not depend on what
        is known, ``decision: state -> choice; ...`` where it does.
    strategy : dict
        Decision -> list of (information state, choice) over the states that can occur, the
        variables the choice does not depend on left out.
    cells : int
        Grid cells where it is optimal.
    """

    id: int
    label: str
    strategy: Mapping[str, tuple[tuple[Mapping[str, str], str], ...]]
    cells: int

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "cells": self.cells,
                "strategy": {d: [{"given": dict(g), "choose": c} for g, c in rules]
                             for d, rules in self.strategy.items()}}


@dataclass(frozen=True)
class BoundaryPoint:
    """An exact point of a region boundary: at (``a``, ``b``) the optimal strategy changes
    from region ``before`` to region ``after`` as the parameter named by ``along`` ("a" or
    "b") increases."""

    a: float
    b: float
    along: str
    before: int
    after: int

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "along": self.along, "from": self.before,
                "to": self.after}


@dataclass(frozen=True)
class TwoWayResult:
    """The two-way map of parameters ``a`` and ``b``.

    Attributes
    ----------
    a, b : str
        Parameter ids.
    kinds, points : tuple
        Their kinds and model values.
    a_values, b_values : ndarray, shape (N,)
        The grid.
    region : ndarray of int, shape (N, N)
        ``region[i, j]``: the region id optimal at ``a_values[i]``, ``b_values[j]``.
    maximum_expected_utility : ndarray, shape (N, N)
    regions : tuple of Region
    boundary : tuple of BoundaryPoint
    solution : mapping or None
        On a diagram of limited memory, how its optima are found (``exact`` false: local
        optima of single policy updating); None under perfect recall.
    """

    a: str
    b: str
    kinds: tuple[str, str]
    points: tuple[float, float]
    a_values: np.ndarray
    b_values: np.ndarray
    region: np.ndarray
    maximum_expected_utility: np.ndarray
    regions: tuple[Region, ...]
    boundary: tuple[BoundaryPoint, ...]
    solution: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {"parameters": [self.a, self.b], "kinds": list(self.kinds),
               "points": list(self.points), "a_values": self.a_values.tolist(),
               "b_values": self.b_values.tolist(), "regions": [r.to_dict() for r in
                                                                 self.regions],
               "region": self.region.tolist(),
               "maximum_expected_utility": self.maximum_expected_utility.tolist(),
               "boundary": [p.to_dict() for p in self.boundary]}
        if self.solution is not None:
            out["solution"] = dict(self.solution)
        return out


def _key(choices: Sequence[np.ndarray], reachable: Sequence[np.ndarray]) -> bytes:
    return b"|".join(np.where(r, c, -1).astype(np.int64).tobytes()
                     for c, r in zip(choices, reachable, strict=True))


def _describe(plan: Plan, choices: Sequence[np.ndarray], reachable: Sequence[np.ndarray]
              ) -> tuple[str, dict[str, tuple[tuple[dict[str, str], str], ...]]]:
    """A strategy's label and compact rules, over the information states that can occur."""
    strategy: dict[str, tuple[tuple[dict[str, str], str], ...]] = {}
    parts = []
    for k, d in enumerate(plan.diagram.decisions):
        past = plan.past(k)
        spaces = [plan.diagram.node(v).states for v in past]
        chosen, ok = np.ravel(choices[k]), np.ravel(reachable[k])
        rules = tuple(RuleResult(given=dict(zip(past, combo, strict=True)),
                                 choose=d.states[int(chosen[i])], reachable=bool(ok[i]),
                                 probability=float(ok[i]))
                      for i, combo in enumerate(itertools.product(*spaces)))
        compact = DecisionResult(d.name, past, rules).compact_rules()
        if not compact:
            continue
        strategy[d.name] = compact
        if len(compact) == 1 and not compact[0][0]:
            parts.append(f"{d.name}={compact[0][1]}")
        else:
            parts.append(f"{d.name}: " + "; ".join(
                ",".join(f"{k}={v}" for k, v in g.items()) + f" -> {c}" for g, c in compact))
    return ", ".join(parts), strategy


def two_way_grid(plan: Plan, a: Ranged, b: Ranged, grid: int = DEFAULT_GRID,
                 runner: Any = None) -> TwoWayResult:
    """The two-way map of two parameters over their one-way ranges (see the module's
    documentation); the grid's columns and rows are searched in pieces of work for ``runner``
    (a :class:`influence.parallel.Runner`; here by default)."""
    pa, pb = a.parameter, b.parameter
    if pa.id == pb.id:
        raise QueryError(f"expected two different parameters, got {pa.id} twice",
                         file=plan.diagram.file, parameter="two_way")
    if pa.kind == pb.kind == "probability" and pa.node == pb.node and \
            pa.index[:-1] == pb.index[:-1]:
        raise QueryError(f"expected parameters of different rows, got {pa.id} and {pb.id} "
                         "(moving one moves the other)", file=plan.diagram.file,
                         node=pa.node, parameter="two_way")
    if isinstance(grid, bool) or not isinstance(grid, int | np.integer) or grid < 3:
        raise QueryError(f"expected `grid` to be a whole number of at least 3, got {grid!r}",
                         file=plan.diagram.file, parameter="grid")
    a_values = np.linspace(a.low, a.high, grid)
    b_values = np.linspace(b.low, b.high, grid)
    lines = [Line(1, b.low, b.high, (0, float(x))) for x in a_values]
    lines += [Line(0, a.low, a.high, (1, float(y))) for y in b_values]
    search = find_breaks(plan, [pa, pb], lines, points=grid, runner=runner)
    if len(search.live) < len(lines):
        raise QueryError(f"expected the scenario to be possible over the whole grid, got "
                         f"probability 0 along some of it; narrow the range of {pa.id} or "
                         f"{pb.id}", file=plan.diagram.file, parameter="ranges")
    cells = grid * grid
    best = search.optimum.take(np.arange(cells))
    keys = [_key([c[i] for c in best.choices], [r[i] > POSSIBLE for r in best.reach])
            for i in range(cells)]
    counts: dict[bytes, int] = {}
    for k in keys:
        counts[k] = counts.get(k, 0) + 1
    order = sorted(counts, key=lambda k: (-counts[k], keys.index(k)))
    ids = {k: n + 1 for n, k in enumerate(order)}
    examples = {k: i for i, k in reversed(list(enumerate(keys)))}
    regions = [_region(plan, ids[k], [c[examples[k]] for c in best.choices],
                       [r[examples[k]] > POSSIBLE for r in best.reach], counts[k])
               for k in order]
    boundary = []
    for line, breaks in enumerate(search.breaks):
        for brk in breaks:
            boundary.append(_point(plan, brk, line, grid, a_values, b_values, ids, regions))
    return TwoWayResult(
        a=pa.id, b=pb.id, kinds=(pa.kind, pb.kind), points=(pa.point, pb.point),
        a_values=a_values, b_values=b_values,
        region=np.array([ids[k] for k in keys]).reshape(grid, grid),
        maximum_expected_utility=best.expected_utility.reshape(grid, grid),
        regions=tuple(regions), boundary=tuple(boundary), solution=plan.solution_note())


def _region(plan: Plan, number: int, choices: Sequence[np.ndarray],
            reachable: Sequence[np.ndarray], cells: int) -> Region:
    label, strategy = _describe(plan, choices, reachable)
    return Region(number, label, strategy, cells)


def _point(plan: Plan, brk: Break, line: int, grid: int, a_values: np.ndarray,
           b_values: np.ndarray, ids: dict[bytes, int], regions: list[Region]
           ) -> BoundaryPoint:
    """A boundary point from a kink of a grid column (``line < grid``) or row; a strategy
    optimal on no grid cell becomes a region of its own (with no cells)."""
    found = []
    for choices, reachable in ((brk.left, brk.reachable_left), (brk.right, brk.reachable_right)):
        key = _key(choices, reachable)
        if key not in ids:
            ids[key] = len(regions) + 1
            regions.append(_region(plan, ids[key], choices, reachable, 0))
        found.append(ids[key])
    if line < grid:
        return BoundaryPoint(float(a_values[line]), brk.value, "b", found[0], found[1])
    return BoundaryPoint(brk.value, float(b_values[line - grid]), "a", found[0], found[1])


def two_way(diagram: Diagram | Plan, a: str, b: str, *, given: Mapping[str, str] | None = None,
            ranges: Mapping[str, Sequence[float]] | None = None,
            grid: int = DEFAULT_GRID, workers: int | None = None,
            scheduler: str | None = None) -> TwoWayResult:
    """Which strategy is optimal as two parameters move together.

    Parameters
    ----------
    diagram : Diagram or Plan
    a, b : str
        Parameter names (see :mod:`influence.analysis.parameters`), of different rows.
    given : mapping, optional
        A scenario (see :func:`influence.evaluate`).
    ranges : mapping, optional
        Parameter name -> (low, high); default: each parameter's one-way range (its prior's
        90% interval, or its value ±25%).
    grid : int
        Grid values per parameter (at least 3; default 41).
    workers : int, optional
        Search the grid's rows and columns on a local Dask cluster of this many worker
        processes; the results are the same as in one process (docs/scale.md).
    scheduler : str, optional
        Search them on the running ``dask.distributed`` cluster at this address.

    Returns
    -------
    TwoWayResult
    """
    from ..parallel import runner

    plan = compile_plan(diagram, given)
    chosen = select(plan.diagram, [a, b])
    if len(chosen) < 2:
        raise QueryError(f"expected two different parameters, got {chosen[0].id} twice",
                         file=plan.diagram.file, parameter="two_way")
    items = ranged(plan.diagram, chosen, parse_ranges(plan.diagram, ranges))
    with runner(workers, scheduler) as run:
        return two_way_grid(plan, items[0], items[1], grid, runner=run)
