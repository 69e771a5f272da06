"""Break-even values of parameters in which the expected utility is not affine: a bracketing
search.

A named parameter or a structured table's parameter (``param:NAME``, see
:mod:`influence.analysis.parameters`) enters the expected utility of a fixed strategy through a
table function (a noisy-OR product, a log-linear ratio) or through several nodes at once, so the
exact crossing of two lines (:mod:`influence.analysis.thresholds`) does not apply. Along such a
parameter the optimum is solved at :data:`GRID_POINTS` evenly spaced values, every value solved
on its own numbers (the tables recomputed from the parameter). Between two neighbouring values
whose optimal strategies differ in an information state that can occur, the point where the
two strategies' expected utilities are equal is searched by the Illinois variant of regula
falsi on their difference (a smooth function of the parameter), safeguarded by halving: where
a third strategy is better inside the interval, both parts are searched. The ends of each
interval always carry the strategies optimal there. The search stops when the interval is
shorter than :data:`TOLERANCE` times the width of the domain searched (the break-even value
reported, its middle, is then within that tolerance of the true one), or when at one of its
ends the two strategies' values agree to rounding (:data:`NOISE` of their size: that end is
reported). The choices reported on either side are those optimal at the two ends. Two changes
that undo each other between two grid values are not seen.

The tables such a parameter feeds are not affine in it, but the stage tensor is affine in the
tables: where they meet in no term of the plan (one table, or the tables of different utility
nodes: almost always), each value's stage tensor is the model's plus the change of each table
times the stage tensor's derivative in it, contracted once for the whole search
(:class:`~influence.solve.linear.LinearStage`); only the tables are recomputed at each value.
Other parameters' values are contracted one by one.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..limits import POSSIBLE
from ..model.compute import dependents
from ..solve.evaluation import draw_reach
from ..solve.kernels import backward_induction
from ..solve.linear import LinearStage, separable
from ..solve.plan import Plan
from .parameters import Parameter
from .sweep import Optimum, Sweep, chunk_size, settings

__all__ = ["GRID_POINTS", "TOLERANCE", "bisect_breaks", "nonlinear", "Solver"]

#: Values of the first grid along a parameter searched by bracketing.
GRID_POINTS = 17
#: The search stops when the interval is this share of the domain's width.
TOLERANCE = 1e-9
#: Most rounds of refinement (each refines every interval once).
MAX_ROUNDS = 80
#: The two strategies' values agree to this share of their size: rounding, not a difference
#: (the stage tensor is a sum of many products); the interval is then as short as it can be
#: made.
NOISE = 1e-10

Strategy = tuple[np.ndarray, ...]


def nonlinear(parameter: Parameter) -> bool:
    """Whether the expected utility may be non-affine in ``parameter`` (a ``param:``)."""
    return parameter.kind == "parameter"


#: The affine form of each plan's stage tensor last built (a plan's numbers never change).
_STAGES: weakref.WeakKeyDictionary[Plan, LinearStage] = weakref.WeakKeyDictionary()


class Solver:
    """Solves the plan with one parameter of a line set to a value, draw by draw.

    Draws whose line changes a separable set of operands (no two in one term of the plan; see
    :mod:`influence.solve.linear`) take their stage tensor from its exact affine form in those
    operands, contracted once; the others are contracted draw by draw.
    """

    def __init__(self, plan: Plan, parameters: Sequence[Parameter], lines: Sequence,
                 group: Sequence[int] | None = None) -> None:
        self.plan = plan
        self.parameters = parameters
        self.lines = lines
        #: The lines this solver serves (default all); None entries of ``lines`` are skipped.
        self.group = [i for i in (range(len(lines)) if group is None else group)
                      if lines[i] is not None]
        self.step = chunk_size(plan)
        self._changes: dict[int, frozenset[str] | None] = {}
        self._linear: LinearStage | None = None
        self._dependents = dependents(plan.diagram)

    def _sweep(self, which: np.ndarray, values: np.ndarray) -> Sweep:
        lines = self.lines
        index = [lines[i].parameter for i in which]
        if all(lines[i].fixed is None for i in which):
            return Sweep.of(index, values)
        fixed = [lines[i].fixed or (-1, 0.0) for i in which]
        return Sweep.of(index, values, [f[0] for f in fixed], [f[1] for f in fixed])

    def _changed(self, line: int) -> frozenset[str] | None:
        """The operands line ``line`` changes, if separable (None otherwise)."""
        if line not in self._changes:
            self._changes[line] = None
            found = set(self._operands(self.parameters[self.lines[line].parameter]))
            fixed = self.lines[line].fixed
            if fixed is not None:
                found |= set(self._operands(self.parameters[fixed[0]]))
            if separable(self.plan, found):
                self._changes[line] = frozenset(found)
        return self._changes[line]

    def _operands(self, parameter: Parameter) -> tuple[str, ...]:
        """The operands (chance and utility tables, weighted) a parameter changes."""
        if parameter.kind == "parameter":
            return self._dependents.get(parameter.parameter or "", ())
        return (parameter.node,)

    def _linear_for(self) -> LinearStage:
        """The affine form of the stage tensor in every operand a separable line changes."""
        if self._linear is None:
            # the tables of every line: the groups of one search share one affine form
            nodes = {n for i, line in enumerate(self.lines) if line is not None
                     for n in self._changed(i) or ()}
            known = _STAGES.get(self.plan)
            if known is None or not nodes <= set(known.nodes):
                known = _STAGES[self.plan] = LinearStage(self.plan, sorted(nodes), self.step)
            self._linear = known
        return self._linear

    def solve(self, which: Sequence[int], values: np.ndarray,
              follow: Sequence[Strategy] = ()) -> tuple[Optimum, list[np.ndarray]]:
        """The optimum at each value (line ``which[s]`` at ``values[s]``), and the value
        (times the scenario's probability) of each strategy in ``follow`` (given draw by
        draw) there."""
        which = np.asarray(which, dtype=np.int64)
        values = np.asarray(values, dtype=float)
        if self.plan.limited:
            from .limited_sweep import limited_solve

            return limited_solve(self.plan, self.parameters, self._sweep(which, values), follow)
        served = set(self.group)
        linear = np.array([int(i) in served and self._changed(int(i)) is not None
                           for i in which], dtype=bool)
        if linear.all() or not linear.any():
            return self._solve(which, values, follow, bool(linear.all()))
        parts = [np.flatnonzero(linear), np.flatnonzero(~linear)]
        solved = [self._solve(which[p], values[p], [tuple(c[p] for c in s) for s in follow],
                              flag) for p, flag in zip(parts, (True, False), strict=True)]
        order = np.argsort(np.concatenate(parts), kind="stable")
        (a, fa), (b, fb) = solved
        join = lambda x, y: np.concatenate([x, y])[order]  # noqa: E731
        optimum = Optimum(join(a.value, b.value), join(a.probability, b.probability),
                          tuple(join(x, y) for x, y in zip(a.choices, b.choices, strict=True)),
                          tuple(join(x, y) for x, y in zip(a.reach, b.reach, strict=True)))
        return optimum, [join(x, y) for x, y in zip(fa, fb, strict=True)]

    def _tensors(self, which: np.ndarray, values: np.ndarray, linear: bool
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The stage tensor times the scenario's probability, the reach tensor and that
        probability, of draws ``which`` at ``values`` (at most one chunk)."""
        plan = self.plan
        sweep = self._sweep(which, values)
        tables, weights = settings(plan, self.parameters, sweep)
        ops = plan.operands(tables, weights)
        if linear:
            stage, reach, pe = self._linear_for().evaluate(
                ops, [self._changed(int(i)) for i in which])
            if np.all(pe > 0) and np.isfinite(stage).all():
                return stage, reach / pe.reshape((-1,) + (1,) * (reach.ndim - 1)), pe
        pe = plan.evidence_probability(ops)
        scale = pe.reshape((-1,) + (1,) * len(plan.layout_vars))
        stage = plan.stage_tensor(ops) * scale
        n = len(values)
        stage = np.broadcast_to(stage, (n,) + stage.shape[1:])
        return stage, np.broadcast_to(plan.reach_tensor(ops), stage.shape), \
            np.broadcast_to(pe, (n,))

    def _solve(self, which: np.ndarray, values: np.ndarray, follow: Sequence[Strategy],
               linear: bool) -> tuple[Optimum, list[np.ndarray]]:
        plan, layout = self.plan, self.plan.layout
        parts: list[tuple] = []
        for start in range(0, len(values), self.step):
            rows = slice(start, start + self.step)
            stage, reach, pe = self._tensors(which[rows], values[rows], linear)
            n = len(values[rows])
            best = backward_induction(stage, layout, per_draw=True, values=False)
            choices = tuple(np.broadcast_to(c, (n,) + np.shape(c)[1:]) for c in best.choices)
            followed = [backward_induction(stage, layout, fixed=[c[rows] for c in s],
                                           values=False).expected_utility for s in follow]
            parts.append((best.expected_utility, pe, choices,
                          draw_reach(plan, reach, choices), followed))
        optimum = Optimum(np.concatenate([p[0] for p in parts]),
                          np.concatenate([p[1] for p in parts]),
                          tuple(np.concatenate([p[2][k] for p in parts])
                                for k in range(len(parts[0][2]))),
                          tuple(np.concatenate([p[3][k] for p in parts])
                                for k in range(len(parts[0][3]))))
        followed = [np.concatenate([p[4][j] for p in parts]) for j in range(len(follow))]
        return optimum, followed


def _row(batch: Strategy, i: int) -> Strategy:
    return tuple(np.asarray(c[i]) for c in batch)


Key = tuple[np.ndarray, np.ndarray]


def _keys(choices: Strategy, reach: Strategy) -> tuple[np.ndarray, np.ndarray]:
    """Per draw of a batch, every choice of a strategy in one row, and whether each
    information state can occur."""
    draws = len(choices[0])
    return (np.concatenate([np.reshape(c, (draws, -1)) for c in choices], axis=1),
            np.concatenate([np.reshape(r, (draws, -1)) for r in reach], axis=1) > POSSIBLE)


def _key(strategy: Strategy, reach: Strategy) -> Key:
    return tuple(k[0] for k in _keys(tuple(c[None] for c in strategy),
                                      tuple(r[None] for r in reach)))  # type: ignore[return-value]


def _differ(x: Key, y: Key) -> bool:
    """Whether two strategies (their :func:`_keys`) choose differently in an information
    state that can occur under either."""
    return bool(np.any((x[0] != y[0]) & (x[1] | y[1])))


@dataclass
class _Bracket:
    """The interval ``[a, b]`` of line ``line``: ``left`` optimal at ``a`` (reached with
    probabilities ``reach_a``), ``right`` at ``b``; ``fa``, ``fb`` the value of ``left`` minus
    that of ``right`` at each end (None where not known); ``halve``: take the midpoint next."""

    line: int
    a: float
    b: float
    left: Strategy
    right: Strategy
    reach_a: Strategy
    reach_b: Strategy
    fa: float | None = None
    fb: float | None = None
    halve: bool = False
    scale: float = 0.0
    key_a: Key | None = None
    key_b: Key | None = None

    def __post_init__(self) -> None:
        if self.key_a is None:
            self.key_a = _key(self.left, self.reach_a)
        if self.key_b is None:
            self.key_b = _key(self.right, self.reach_b)

    @property
    def resolved(self) -> bool:
        """Whether the two strategies' values differ by no more than rounding at an end: the
        change is there, as far as the numbers can tell."""
        return self.fa is not None and self.fb is not None and \
            min(abs(self.fa), abs(self.fb)) <= NOISE * self.scale

    @property
    def at(self) -> float:
        """The break-even value: the end where the values agree to rounding, else the
        middle."""
        if self.resolved:
            return self.a if abs(self.fa) <= abs(self.fb) else self.b
        return (self.a + self.b) / 2

    def points(self, tol: float) -> list[float]:
        """Where to solve next: the secant point of the two strategies' value difference with a
        point a quarter of ``tol`` either side of it (the change is then pinned down if it lies
        there), or the midpoint where the secant is not known or the last step was slow."""
        mid = (self.a + self.b) / 2
        if self.halve or self.fa is None or self.fb is None or not self.fa - self.fb > 0:
            return [mid]
        x = self.a + (self.b - self.a) * self.fa / (self.fa - self.fb)
        h = tol / 4
        if not np.isfinite(x) or self.b - self.a <= 4 * h:
            return [mid]
        x = min(max(x, self.a + 2 * h), self.b - 2 * h)
        return [x - h, x, x + h]


def _grid_brackets(best: Optimum, group: Sequence[int], grid: np.ndarray) -> list[_Bracket]:
    count, points = grid.shape
    choice, possible = _keys(best.choices, best.reach)
    choice = choice.reshape(count, points, -1)
    possible = possible.reshape(count, points, -1)
    differ = ((choice[:, 1:] != choice[:, :-1]) & (possible[:, 1:] | possible[:, :-1])).any(2)
    out = []
    for row, g in np.argwhere(differ):
        i, j = row * points + g, row * points + g + 1
        out.append(_Bracket(group[row], float(grid[row, g]), float(grid[row, g + 1]),
                            _row(best.choices, i), _row(best.choices, j),
                            _row(best.reach, i), _row(best.reach, j),
                            key_a=(choice[row, g], possible[row, g]),
                            key_b=(choice[row, g + 1], possible[row, g + 1])))
    return out


def _ends(solver: Solver, brackets: list[_Bracket]) -> list[_Bracket]:
    """The brackets with the difference of their two strategies' values at both ends, for the
    first secant step."""
    if not brackets:
        return brackets
    k = len(brackets[0].left)
    left = tuple(np.stack([b.left[j] for b in brackets] * 2) for j in range(k))
    right = tuple(np.stack([b.right[j] for b in brackets] * 2) for j in range(k))
    lines = [b.line for b in brackets] * 2
    xs = np.array([b.a for b in brackets] + [b.b for b in brackets])
    _, (value_left, value_right) = solver.solve(lines, xs, (left, right))
    f = value_left - value_right
    n = len(brackets)
    for i, b in enumerate(brackets):
        b.fa, b.fb = float(f[i]), float(f[n + i])
    return brackets


def _refine(solver: Solver, brackets: list[_Bracket]) -> list[_Bracket]:
    """One round: solve each bracket at its next points and keep the parts in which the
    optimal strategy changes (every part, where a third strategy lies inside); the ends always
    carry the strategies optimal there (in every information state)."""
    plans = [b.points(TOLERANCE * (solver.lines[b.line].high - solver.lines[b.line].low))
             for b in brackets]
    owner = [i for i, p in enumerate(plans) for _ in p]
    xs = np.array([x for p in plans for x in p])
    k = len(brackets[0].left)
    left = tuple(np.stack([brackets[i].left[j] for i in owner]) for j in range(k))
    right = tuple(np.stack([brackets[i].right[j] for i in owner]) for j in range(k))
    best, (value_left, value_right) = solver.solve([brackets[i].line for i in owner], xs,
                                                   (left, right))
    out: list[_Bracket] = []
    position = 0
    choice, possible = _keys(best.choices, best.reach)
    for b, points in zip(brackets, plans, strict=True):
        # the bracket's ends and its new points, in order, each with its optimum
        stops = [(b.a, b.left, b.reach_a, b.fa, b.key_a)]
        scale = b.scale
        for j, x in enumerate(points):
            i = position + j
            scale = max(scale, abs(float(best.value[i])))
            stops.append((float(x), _row(best.choices, i), _row(best.reach, i),
                          float(value_left[i] - value_right[i]), (choice[i], possible[i])))
        stops.append((b.b, b.right, b.reach_b, b.fb, b.key_b))
        position += len(points)
        parts = [(u, v) for u, v in zip(stops, stops[1:], strict=False) if _differ(u[4], v[4])]
        for u, v in parts:
            part = _Bracket(b.line, u[0], v[0], u[1], v[1], u[2], v[2], scale=scale,
                            key_a=u[4], key_b=v[4])
            # the differences carry over where the new ends' strategies are worth what the
            # bracket's own were (they choose alike wherever that matters)
            if not _differ(u[4], b.key_a) and not _differ(v[4], b.key_b):
                part.fa, part.fb = u[3], v[3]
            part.halve = len(parts) > 1 or (part.b - part.a) > 0.5 * (b.b - b.a) and \
                len(points) == 3
            out.append(part)
    return out


def bisect_breaks(plan: Plan, parameters: Sequence[Parameter], lines: Sequence,
                  group: Sequence[int], grid: np.ndarray) -> tuple[Optimum, list]:
    """The grid optimum of the lines ``group`` (at ``grid``, one row per line) and their
    break-even values (see the module's documentation)."""
    from .thresholds import Break

    count, points = grid.shape
    solver = Solver(plan, parameters, lines, group)
    best, _ = solver.solve(np.repeat(np.asarray(group), points), grid.reshape(-1))
    brackets = _ends(solver, _grid_brackets(best, group, grid))
    done: list[_Bracket] = []
    for _ in range(MAX_ROUNDS):
        width = np.array([lines[b.line].high - lines[b.line].low for b in brackets])
        short = [b.b - b.a <= TOLERANCE * w or b.resolved
                 for b, w in zip(brackets, width, strict=True)]
        done += [b for b, s in zip(brackets, short, strict=True) if s]
        brackets = [b for b, s in zip(brackets, short, strict=True) if not s]
        if not brackets:
            break
        brackets = _refine(solver, brackets)
    done += brackets
    return best, _breaks(done, Break)


def _breaks(done: list[_Bracket], make: type) -> list:
    """A break per bracket, at its middle, with the strategies optimal at its two ends and
    what can occur under each there."""
    return [make(b.line, b.at, b.left, b.right,
                 tuple(r > POSSIBLE for r in b.reach_a), tuple(r > POSSIBLE for r in b.reach_b))
            for b in done]
