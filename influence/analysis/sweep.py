"""Sweeps: many settings of a few parameters, evaluated as one batch of draws.

A sweep sets, in each draw, one or two parameters to a value and leaves every other number at
the model's. :class:`Sweep` holds such settings, one row per draw; :func:`settings` turns them
into the ``tables`` and ``weights`` a :class:`~influence.solve.plan.Plan` evaluates.

:class:`Segments` serves the break-even search: segments of values of one parameter, along
which the plan's stage tensor (times the scenario's probability) is affine. It is contracted
at the two ends of each segment only; at any value between, the optimum (the optimal choices
in every information state, their probability, the maximum expected utility) and the value of
any fixed strategy come from the interpolated tensor by backward induction. Everything runs in
chunks of draws sized to the plan's memory budget.

Values here are *unnormalized* when the plan has a scenario: expected utilities times the
probability of the scenario (which rank strategies as the expected utilities do). The expected
utility of a fixed strategy is then affine in any one probability (co-varied), utility value or
weight, which is what the exact break-even search of :mod:`influence.analysis.thresholds`
relies on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import QueryError
from ..limits import TIE_TOLERANCE
from ..model.diagram import Diagram
from ..solve.evaluation import draw_reach
from ..solve.kernels import backward_induction
from ..solve.plan import Plan
from .parameters import Parameter, computed, covary

__all__ = ["Sweep", "settings", "Optimum", "Segments", "one_sided", "chunk_size",
           "compile_plan"]

#: Most draws evaluated at once whatever the plan's memory estimate.
MAX_CHUNK = 8192


def compile_plan(diagram: Diagram | Plan, given: Mapping[str, str] | None,
                 memory_limit: int | None = None) -> Plan:
    """The plan of ``diagram`` (a plan is used as it is, with its own memory limit; its
    scenario must agree)."""
    return _compiled(diagram, given, memory_limit)


def refuse_limited(diagram: Diagram, what: str) -> None:
    """Refuse ``what`` on a diagram of limited memory (``recall: limited``)."""
    if diagram.recall == "limited":
        raise QueryError(f"expected a diagram of perfect recall for {what}, got one of limited "
                         "memory (`recall: limited`): it is evaluated, and its sensitivity and "
                         "value of information are computed, but not this",
                         file=diagram.file, field="recall")


def _compiled(diagram: Diagram | Plan, given: Mapping[str, str] | None,
              memory_limit: int | None) -> Plan:
    if isinstance(diagram, Plan):
        if given is not None and dict(given) != dict(diagram.given):
            raise QueryError("expected `given` to be left out with a plan (its scenario is "
                             "fixed when it is built), got a different scenario",
                             file=diagram.diagram.file, parameter="given")
        return diagram
    if not isinstance(diagram, Diagram):
        raise QueryError(f"expected a Diagram (see influence.load), got "
                         f"{type(diagram).__name__}", parameter="diagram")
    return Plan(diagram, given, memory_limit=memory_limit)


@dataclass(frozen=True)
class Sweep:
    """Settings of parameters, one row per draw.

    Attributes
    ----------
    index : ndarray of int, shape (S, K)
        In each draw, the positions (in the sweep's parameter list) of up to ``K`` parameters
        set; -1 where fewer are set.
    value : ndarray, shape (S, K)
        The values they take.
    """

    index: np.ndarray
    value: np.ndarray

    @classmethod
    def of(cls, index: Sequence[int] | np.ndarray, value: Sequence[float] | np.ndarray,
           fixed_index: np.ndarray | None = None, fixed_value: np.ndarray | None = None
           ) -> Sweep:
        """One parameter set per draw, and optionally a second one (``fixed_*``)."""
        index = np.asarray(index, dtype=np.int64).reshape(-1, 1)
        value = np.asarray(value, dtype=float).reshape(-1, 1)
        if fixed_index is not None:
            index = np.hstack([index, np.asarray(fixed_index, dtype=np.int64).reshape(-1, 1)])
            value = np.hstack([value, np.asarray(fixed_value, dtype=float).reshape(-1, 1)])
        return cls(index, value)

    def __len__(self) -> int:
        return int(self.index.shape[0])

    def part(self, rows: slice | np.ndarray) -> Sweep:
        """The draws ``rows`` of the sweep."""
        return Sweep(self.index[rows], self.value[rows])


def settings(plan: Plan, parameters: Sequence[Parameter], sweep: Sweep
             ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The tables and weights of a sweep, as :meth:`Plan.evaluate` takes them.

    Only the nodes a sweep touches appear; each is the model's table repeated once per draw
    with the draws' settings written in. A probability moves the other entries of its row
    proportionally (see :func:`~influence.analysis.parameters.covary`). A ``param:``
    parameter recomputes the tables and weights of the nodes computed from it, first (a row
    the same sweep sets is then written over them).
    """
    draws = len(sweep)
    diagram = plan.diagram
    tables, weights = computed(diagram, _parameter_columns(parameters, sweep), draws)
    for slot in range(sweep.index.shape[1]):
        column, values = sweep.index[:, slot], sweep.value[:, slot]
        for j in np.unique(column[column >= 0]):
            rows = np.flatnonzero(column == j)
            par = parameters[int(j)]
            if par.kind == "parameter":
                continue
            node = diagram.node(par.node)
            if par.kind == "weight":
                if par.node not in weights:
                    weights[par.node] = np.full(draws, float(node.weight))
                weights[par.node][rows] = values[rows]
                continue
            table = tables.get(par.node)
            if table is None:
                table = tables[par.node] = np.repeat(node.table[None], draws, axis=0)
            if par.kind == "utility":
                table[(rows, *par.index)] = values[rows]
            else:
                table[(rows, *par.index[:-1])] = covary(node.table[par.index[:-1]],
                                                       par.index[-1], values[rows])
    return tables, weights


def _parameter_columns(parameters: Sequence[Parameter], sweep: Sweep) -> dict[str, np.ndarray]:
    """Each ``param:`` parameter a sweep sets: its value in every draw (its point value in
    the draws that leave it alone)."""
    out: dict[str, np.ndarray] = {}
    for slot in range(sweep.index.shape[1]):
        column, values = sweep.index[:, slot], sweep.value[:, slot]
        for j in np.unique(column[column >= 0]):
            par = parameters[int(j)]
            if par.kind != "parameter":
                continue
            rows = np.flatnonzero(column == j)
            if par.parameter not in out:
                out[par.parameter] = np.full(len(sweep), float(par.point))
            out[par.parameter][rows] = values[rows]
    return out


def chunk_size(plan: Plan) -> int:
    """Draws evaluated at once: as many as the plan's memory budget allows."""
    from ..bayes.uncertainty import chunk_size_for

    return max(1, min(MAX_CHUNK, chunk_size_for(plan)))


@dataclass(frozen=True)
class Optimum:
    """Each draw of a sweep solved on its own numbers.

    Attributes
    ----------
    value : ndarray, shape (S,)
        The maximum expected utility times the probability of the scenario (the maximum
        expected utility itself without one).
    probability : ndarray, shape (S,)
        The probability of the scenario in each draw (ones without one).
    choices, reach : tuple of ndarray
        As in :class:`~influence.solve.evaluation.DrawValues`: per decision, shape
        (S, *what it knows).
    """

    value: np.ndarray
    probability: np.ndarray
    choices: tuple[np.ndarray, ...]
    reach: tuple[np.ndarray, ...]

    @property
    def expected_utility(self) -> np.ndarray:
        """The maximum expected utility of each draw (conditional on the scenario)."""
        return self.value / self.probability

    def take(self, rows: np.ndarray) -> Optimum:
        """The draws ``rows``."""
        return Optimum(self.value[rows], self.probability[rows],
                       tuple(c[rows] for c in self.choices), tuple(r[rows] for r in self.reach))


def _in_chunks(draws: int, step: int, run: Callable[[slice], tuple]) -> list[np.ndarray]:
    """Run ``run`` on consecutive slices of the draws and join its outputs along axis 0."""
    parts = [run(slice(start, min(start + step, draws))) for start in range(0, draws, step)]
    return [np.concatenate(p) for p in zip(*parts, strict=True)]


def one_sided(plan: Plan, stage: np.ndarray, slope: np.ndarray, size: np.ndarray
              ) -> tuple[np.ndarray, ...]:
    """Per-draw optimal choices on ``stage + t * slope`` for an infinitely small ``t > 0``.

    Backward induction that, in each information state, chooses among the options tied in
    value the one of largest slope (the first in state order among equal slopes). Options tie
    when they differ by at most :data:`~influence.limits.TIE_TOLERANCE` times ``size``, the
    magnitude of the numbers each value was interpolated from (carried through the induction
    like the values): at a break-even value the tied options are equal up to that rounding,
    whatever their own magnitude (zero included).
    """
    layout = plan.layout
    count = layout.n_decisions
    q, dq, m = stage, slope, size
    tail = layout.chance_counts[count]
    if tail:
        axes = tuple(range(q.ndim - tail, q.ndim))
        q, dq, m = q.sum(axis=axes), dq.sum(axis=axes), m.sum(axis=axes)
    choices: list[np.ndarray] = [np.empty(0)] * count
    for k in range(count - 1, -1, -1):
        best = q.max(axis=-1, keepdims=True)
        scale = np.maximum(np.abs(q), m).max(axis=-1, keepdims=True)
        tied = q >= best - TIE_TOLERANCE * scale
        choice = np.argmax(np.where(tied, dq, -np.inf), axis=-1)[..., None]
        choices[k] = choice[..., 0]
        q, dq, m = (np.take_along_axis(x, choice, axis=-1)[..., 0] for x in (q, dq, m))
        chance = layout.chance_counts[k]
        if chance:
            axes = tuple(range(q.ndim - chance, q.ndim))
            q, dq, m = q.sum(axis=axes), dq.sum(axis=axes), m.sum(axis=axes)
    return tuple(choices)


class Segments:
    """Segments of values of parameters, solved anywhere from their two ends.

    Segment ``l`` runs from ``low[l]`` to ``high[l]`` of one parameter (with, optionally,
    another held at a value). Along it the stage tensor times the scenario's probability, the
    reach tensor times it, and the probability itself are affine, so the plan contracts them
    once at the two ends; at any value between they are interpolated exactly (up to
    rounding), and the optimum or the value of any strategy there costs one backward
    induction.

    Parameters
    ----------
    plan : Plan
    parameters : sequence of Parameter
    ends : Sweep
        Two draws per segment: its low end, then its high end. The scenario must have
        positive probability at both.
    """

    def __init__(self, plan: Plan, parameters: Sequence[Parameter], ends: Sweep) -> None:
        self.plan = plan
        self.step = chunk_size(plan)

        def run(rows: slice) -> tuple:
            tables, weights = settings(plan, parameters, ends.part(rows))
            ops = plan.operands(tables, weights)
            pe = plan.evidence_probability(ops)
            scale = pe.reshape((-1,) + (1,) * len(plan.layout_vars))
            stage = plan.stage_tensor(ops)
            return stage * scale, np.broadcast_to(plan.reach_tensor(ops), stage.shape) * scale, pe

        stage, reach, pe = _in_chunks(len(ends), self.step, run)
        self._stage = stage.reshape((-1, 2) + stage.shape[1:])
        self._reach = reach.reshape((-1, 2) + reach.shape[1:])
        self._pe = pe.reshape(-1, 2)
        self._ends = ends.value[:, 0].reshape(-1, 2)

    def _at(self, lines: np.ndarray, values: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        low, high = self._ends[lines, 0], self._ends[lines, 1]
        width = high - low
        share = np.where(width > 0, (values - low) / np.where(width > 0, width, 1.0), 0.0)
        pe = self._pe[lines, 0] + share * (self._pe[lines, 1] - self._pe[lines, 0])
        shape = (-1,) + (1,) * len(self.plan.layout_vars)
        share = share.reshape(shape)
        stage = self._stage[lines, 0] + share * (self._stage[lines, 1] - self._stage[lines, 0])
        reach = self._reach[lines, 0] + share * (self._reach[lines, 1] - self._reach[lines, 0])
        return stage, reach / pe.reshape(shape), pe

    def optimum(self, lines: np.ndarray, values: np.ndarray,
                follow: Sequence[tuple[np.ndarray, ...]] = ()) -> tuple[Optimum, list]:
        """Each draw (segment ``lines[s]`` at ``values[s]``) solved on its own numbers, and
        the probability of each information state under each strategy of ``follow`` (given
        draw by draw)."""
        decisions = len(self.plan.diagram.decisions)

        def run(rows: slice) -> tuple:
            stage, reach_tensor, pe = self._at(lines[rows], values[rows])
            best = backward_induction(stage, self.plan.layout, per_draw=True, values=False)
            draws = stage.shape[0]
            choices = tuple(np.broadcast_to(c, (draws,) + np.shape(c)[1:])
                            for c in best.choices)
            reach = draw_reach(self.plan, reach_tensor, choices)
            others = [r for strategy in follow for r in
                      draw_reach(self.plan, reach_tensor, tuple(c[rows] for c in strategy))]
            return (best.expected_utility, pe, *choices, *reach, *others)

        out = _in_chunks(len(lines), self.step, run)
        result = Optimum(out[0], out[1], tuple(out[2:2 + decisions]),
                         tuple(out[2 + decisions:2 + 2 * decisions]))
        rest = out[2 + 2 * decisions:]
        return result, [tuple(rest[i:i + decisions]) for i in range(0, len(rest), decisions)]

    def sides(self, lines: np.ndarray, values: np.ndarray, below: object = None,
              above: object = None
              ) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...], tuple[np.ndarray, ...],
                         tuple[np.ndarray, ...]]:
        """The optimal choices just below and just above each value, exactly, and the
        probability of each information state under each.

        The stage tensor is affine along a segment: just above ``v`` an option beats another
        tied with it at ``v`` if its slope is larger, just below if it is smaller. Backward
        induction on (value, slope) pairs, ties in value broken by the slope, gives the
        one-sided optima without moving off ``v``. (``below`` and ``above``, the strategies
        optimal at the ends of the interval each kink was found in, serve diagrams of limited
        memory, :class:`~influence.analysis.limited_sweep.LimitedSegments`; unused here.)
        """
        low, high = self._ends[lines, 0], self._ends[lines, 1]
        forward = np.where(high > low, 1.0, 0.0).reshape((-1,) + (1,) * len(
            self.plan.layout_vars))
        stage, reach_tensor, _ = self._at(lines, values)
        ends = self._stage[lines]
        slope = (ends[:, 1] - ends[:, 0]) * forward
        size = np.abs(ends[:, 0]) + np.abs(ends[:, 1])
        below = one_sided(self.plan, stage, -slope, size)
        above = one_sided(self.plan, stage, slope, size)
        return (below, above, draw_reach(self.plan, reach_tensor, below),
                draw_reach(self.plan, reach_tensor, above))

    def values(self, lines: np.ndarray, values: np.ndarray, choices: tuple[np.ndarray, ...]
               ) -> np.ndarray:
        """The value (expected utility times the scenario's probability) in each draw of the
        strategy given draw by draw in ``choices``."""

        def run(rows: slice) -> tuple:
            stage, _, _ = self._at(lines[rows], values[rows])
            fixed = [c[rows] for c in choices]
            return (backward_induction(stage, self.plan.layout, fixed=fixed,
                                       values=False).expected_utility,)

        return _in_chunks(len(lines), self.step, run)[0]
