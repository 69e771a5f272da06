"""Sensitivity analysis: what drives a decision, and how far a number may move before the best
choice changes.

:func:`sensitivity` answers three questions about a diagram:

- **One-way (tornado).** Each parameter, alone, moves over its range (see
  :mod:`influence.analysis.ranges`: an explicit range, its prior's 90% interval, or ±25%)
  while every other number keeps its value. For each end it reports the maximum expected
  utility and the best option: the top of the ranking of policies and alternatives (as
  ``influence evaluate`` ranks them; options within rounding of each other go to the first in
  the model's order, policies first). The *swing* is ``|eu_high - eu_low|``; parameters are
  ranked by it. All ends of all parameters are one batch of draws.
- **Break-even values** (:mod:`influence.analysis.thresholds`): every value in the
  parameter's whole domain at which the optimal strategy changes in an information state that
  can occur, exactly.
- Optionally a **two-way** map (:mod:`influence.analysis.two_way`) and the **probabilistic**
  sensitivity under the prior or a posterior (:mod:`influence.analysis.probabilistic`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import QueryError
from ..frames import frame, state_text
from ..limits import TIE_TOLERANCE
from ..model.diagram import Diagram
from ..solve.plan import Plan
from .parameters import parse_parameter
from .probabilistic import ProbabilisticSensitivity, probabilistic
from .ranges import Ranged, parse_ranges, ranged, select
from .sweep import Sweep, chunk_size, compile_plan, settings
from .thresholds import Line, Threshold, find_breaks, thresholds_of
from .two_way import DEFAULT_GRID, two_way_grid

__all__ = ["ParameterSensitivity", "SensitivityResult", "sensitivity", "thresholds",
           "ThresholdAnalysis", "one_way", "top_options"]


@dataclass(frozen=True)
class ParameterSensitivity:
    """What one parameter does to the decision.

    Attributes
    ----------
    id, kind : str
        The parameter's name and kind ("probability", "utility", "weight").
    point, low, high : float
        Its value in the model and its one-way range.
    source : str
        Where the range comes from: "range" (explicit), "prior" (90% interval), "default".
    eu_low, eu_high : float
        The maximum expected utility with the parameter at ``low`` and at ``high``.
    swing : float
        ``|eu_high - eu_low|``.
    best_low, best_high : str
        The id of the top-ranked option at each end.
    domain : (float, float)
        Where break-even values were searched.
    thresholds : tuple of Threshold, or None
        The break-even values in the domain (None when they were not searched).
    """

    id: str
    kind: str
    point: float
    low: float
    high: float
    source: str
    eu_low: float
    eu_high: float
    swing: float
    best_low: str
    best_high: str
    domain: tuple[float, float]
    thresholds: tuple[Threshold, ...] | None = None

    @property
    def within(self) -> tuple[float, ...]:
        """The break-even values inside the one-way range, nearest the point value first: the
        decision changes within it."""
        values = {t.value for t in self.thresholds or () if self.low <= t.value <= self.high}
        return tuple(sorted(values, key=lambda v: abs(v - self.point)))

    @property
    def margin(self) -> float | None:
        """How far the nearest break-even value inside the range lies from the point value,
        as a share of the range's width (None when the decision does not change within it)."""
        inside = self.within
        if not inside:
            return None
        return abs(inside[0] - self.point) / max(self.high - self.low, 1e-300)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "point": self.point, "low": self.low,
                "high": self.high, "eu_low": self.eu_low, "eu_high": self.eu_high,
                "swing": self.swing, "best_low": self.best_low, "best_high": self.best_high,
                "thresholds": [t.to_dict() for t in self.thresholds or ()]}


@dataclass(frozen=True)
class SensitivityResult:
    """One-way sensitivity with break-even values, and the optional two-way and probabilistic
    sections.

    Attributes
    ----------
    model, title, units : str
    given : dict
        The scenario the results are conditional on.
    base_expected_utility : float
        The maximum expected utility at the model's own numbers.
    base_best : str
        The top-ranked option there.
    labels : dict
        Option id -> its label.
    parameters : tuple of ParameterSensitivity
        Largest swing first (ties in the model's order).
    fragile : tuple of ParameterSensitivity
        Those with a break-even value inside their range, the smallest
        :attr:`~ParameterSensitivity.margin` first: the judgments that can change the decision.
    total : int
        How many parameters were analysed (``parameters`` may keep only the ``top``).
    two_way : TwoWayResult or None
    probabilistic : ProbabilisticSensitivity or None
    solution : mapping or None
        On a diagram of limited memory, how its optima are found (as
        :attr:`influence.Evaluation.solution`: ``method``, ``soluble``, ``exact``): with
        ``exact`` false every optimum is a local optimum of single policy updating, and the
        values and break-even values rest on them. None under perfect recall.
    """

    model: str
    title: str | None
    units: str | None
    given: Mapping[str, str]
    base_expected_utility: float
    base_best: str
    labels: Mapping[str, str]
    parameters: tuple[ParameterSensitivity, ...]
    total: int
    two_way: Any = None
    probabilistic: Any = None
    solution: Mapping[str, Any] | None = None

    @property
    def fragile(self) -> tuple[ParameterSensitivity, ...]:
        return tuple(sorted((p for p in self.parameters if p.within),
                            key=lambda p: p.margin))

    def parameter(self, parameter_id: str) -> ParameterSensitivity:
        """The result of one parameter, by its canonical id."""
        for p in self.parameters:
            if p.id == parameter_id:
                return p
        raise KeyError(parameter_id)

    def to_frame(self) -> Any:
        """One row per parameter, largest swing first, indexed by parameter ``id``: ``kind``,
        ``point``, ``low``, ``high``, ``source``, ``eu_low``, ``eu_high``, ``swing``,
        ``best_low``, ``best_high``, ``thresholds`` (the number of break-even values found),
        ``nearest_inside`` (the break-even value inside the range nearest the point value, or
        NaN), and with the probabilistic sensitivity ``variance_share``,
        ``variance_share_se`` and ``correlation`` (NaN for a parameter without a prior).
        Needs pandas (:class:`~influence.errors.MissingDependencyError`)."""
        columns = ["id", "kind", "point", "low", "high", "source", "eu_low", "eu_high",
                   "swing", "best_low", "best_high", "thresholds", "nearest_inside"]
        shares = {}
        if self.probabilistic is not None:
            columns += ["variance_share", "variance_share_se", "correlation"]
            shares = {s.id: {"variance_share": s.variance_share,
                             "variance_share_se": s.standard_error,
                             "correlation": s.correlation}
                      for s in self.probabilistic.parameters}
        nan = float("nan")
        rows = [{**{c: getattr(p, c, None) for c in columns[:11]},
                 "thresholds": len({t.value for t in p.thresholds or ()}),
                 "nearest_inside": p.within[0] if p.within else nan,
                 **shares.get(p.id, dict.fromkeys(columns[13:], nan))}
                for p in self.parameters]
        return frame(rows, columns, index="id")

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON: ``model``, ``base_expected_utility``, ``parameters`` (and
        ``two_way``, ``probabilistic`` when computed; ``solution`` on a diagram of limited
        memory)."""
        out: dict[str, Any] = {"model": self.model,
                               "base_expected_utility": self.base_expected_utility,
                               "parameters": [p.to_dict() for p in self.parameters]}
        if self.two_way is not None:
            out["two_way"] = self.two_way.to_dict()
        if self.probabilistic is not None:
            out["probabilistic"] = self.probabilistic.to_dict()
        if self.solution is not None:
            out["solution"] = dict(self.solution)
        return out


@dataclass(frozen=True)
class ThresholdAnalysis:
    """Break-even values of each parameter, in the order asked.

    Attributes
    ----------
    model : str
    thresholds : dict
        Parameter id -> its break-even values (a tuple of :class:`Threshold`, by value);
        ``result[parameter_id]`` reads the same.
    domains : dict
        Parameter id -> the (low, high) searched.
    solution : mapping or None
        As :attr:`SensitivityResult.solution`.
    """

    model: str
    thresholds: Mapping[str, tuple[Threshold, ...]]
    domains: Mapping[str, tuple[float, float]]
    solution: Mapping[str, Any] | None = None

    def __getitem__(self, parameter_id: str) -> tuple[Threshold, ...]:
        return self.thresholds[parameter_id]

    def to_frame(self) -> Any:
        """One row per break-even value (parameters in the order asked, values increasing):
        ``parameter``, ``value``, ``decision``, ``information_state`` (``node=state, ...``),
        ``before`` and ``after`` (the optimal choice just below and just above), ``low`` and
        ``high`` (the domain searched). Needs pandas
        (:class:`~influence.errors.MissingDependencyError`)."""
        columns = ["parameter", "value", "decision", "information_state", "before", "after",
                   "low", "high"]
        rows = [{"parameter": k, "value": t.value, "decision": t.decision,
                 "information_state": state_text(t.information_state), "before": t.before,
                 "after": t.after, "low": self.domains[k][0], "high": self.domains[k][1]}
                for k, found in self.thresholds.items() for t in found]
        return frame(rows, columns)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"model": self.model, "parameters": [
            {"id": k, "domain": list(self.domains[k]),
             "thresholds": [t.to_dict() for t in v]} for k, v in self.thresholds.items()]}
        if self.solution is not None:
            out["solution"] = dict(self.solution)
        return out


def top_options(plan: Plan, options: Mapping[str, np.ndarray], draws: int = 1) -> list[str]:
    """The top-ranked option of each of ``draws`` draws, as :meth:`Evaluation.ranked` ranks
    them: the largest expected utility, options within :data:`~influence.limits.TIE_TOLERANCE`
    of it (relative to the largest magnitude) going to the first named policy, then
    alternative; "" in every draw for a diagram without options (no named policy, and every
    decision observes something)."""
    listed = plan.options()
    order = [o[0] for o in listed if o[2] == "policy"] + [o[0] for o in listed
                                                         if o[2] != "policy"]
    if not order:
        return [""] * draws
    values = np.stack([np.asarray(options[o]) for o in order], axis=1)
    tol = TIE_TOLERANCE * np.abs(values).max(axis=1, keepdims=True)
    first = np.argmax(values >= values.max(axis=1, keepdims=True) - tol, axis=1)
    return [order[i] for i in first]


def one_way(plan: Plan, items: Sequence[Ranged], runner: Any = None
            ) -> tuple[np.ndarray, list[str]]:
    """The maximum expected utility and the best option with each parameter at its low and
    its high end: arrays of shape (P, 2), one batch of 2P draws, in pieces (see
    :func:`influence.parallel.pieces`) each a piece of work for ``runner`` (a
    :class:`influence.parallel.Runner`; here by default)."""
    from ..parallel import Runner, pieces

    parameters = [r.parameter for r in items]
    index = np.repeat(np.arange(len(items)), 2)
    values = np.array([[r.low, r.high] for r in items]).reshape(-1)
    sweep = Sweep.of(index, values)
    if plan.given:
        _check_scenario(plan, items, sweep)
    parts = [sweep.part(rows) for rows in pieces(len(sweep), chunk_size(plan))]
    done = (runner or Runner()).map(_ends, parts, shared=(plan, parameters))
    best = [b for _, part in done for b in part]
    return np.concatenate([eu for eu, _ in done]).reshape(-1, 2), best


def _ends(plan: Plan, parameters: Sequence[Any], sweep: Sweep) -> tuple[np.ndarray, list[str]]:
    """The maximum expected utility and the best option of each draw of a piece of a sweep."""
    tables, weights = settings(plan, parameters, sweep)
    drawn = plan.expected_utilities(tables, weights=weights)
    return drawn.maximum_expected_utility, top_options(plan, drawn.options,
                                                       len(drawn.maximum_expected_utility))


def _check_scenario(plan: Plan, items: Sequence[Ranged], sweep: Sweep) -> None:
    """Refuse a range end at which the scenario is impossible, naming the parameter."""
    tables, weights = settings(plan, [r.parameter for r in items], sweep)
    pe = plan.evidence_probability(plan.operands(tables, weights))
    for i in np.flatnonzero(pe <= 0)[:1]:
        item = items[int(i) // 2]
        end, value = ("low", item.low) if i % 2 == 0 else ("high", item.high)
        given = ", ".join(f"{k}={v}" for k, v in plan.given.items())
        raise QueryError(f"expected a range of {item.parameter.id} over which the scenario "
                         f"{given} can occur, got its {end} end {value:g}, where it has "
                         "probability 0; give a narrower range", file=plan.diagram.file,
                         node=item.parameter.node, parameter="ranges")


def _threshold_lists(plan: Plan, items: Sequence[Ranged], runner: Any = None
                     ) -> list[tuple[Threshold, ...]]:
    parameters = [r.parameter for r in items]
    lines = [Line(i, r.domain[0], r.domain[1]) for i, r in enumerate(items)]
    search = find_breaks(plan, parameters, lines, runner=runner)
    out = []
    for breaks in search.breaks:
        found = [t for b in breaks for t in thresholds_of(plan, b)]
        out.append(tuple(_merged(found)))
    return out


def _merged(found: list[Threshold]) -> list[Threshold]:
    """One break-even value per (value, decision, information state): where two kinks meet
    at the same value the change runs from the first's ``before`` to the last's ``after``."""
    out: dict[tuple, Threshold] = {}
    for t in found:
        key = (round(t.value, 12), t.decision, tuple(t.information_state.items()))
        if key in out:
            first = out[key]
            t = Threshold(first.value, t.decision, t.information_state, first.before, t.after)
        out[key] = t
    return [t for t in out.values() if t.before != t.after]


def thresholds(diagram: Diagram | Plan, parameters: Sequence[str] | None = None, *,
               given: Mapping[str, str] | None = None,
               ranges: Mapping[str, Sequence[float]] | None = None) -> ThresholdAnalysis:
    """The break-even values of parameters: where the optimal strategy changes.

    Parameters
    ----------
    diagram : Diagram or Plan
    parameters : sequence of str, optional
        Parameter names (see :mod:`influence.analysis.parameters`); default: every parameter
        but the entries of deterministic rows and the first state of two-state rows.
    given : mapping, optional
        A scenario (see :func:`influence.evaluate`).
    ranges : mapping, optional
        Parameter name -> (low, high): the domain searched for a utility value or weight
        (default: the point value ±10 times its magnitude). Probabilities are always searched
        over [0, 1].

    Returns
    -------
    ThresholdAnalysis
        ``result[parameter_id]`` is a tuple of :class:`Threshold`, by value.
    """
    plan = compile_plan(diagram, given)
    chosen = select(plan.diagram, parameters)
    items = ranged(plan.diagram, chosen, parse_ranges(plan.diagram, ranges))
    lists = _threshold_lists(plan, items)
    return ThresholdAnalysis(
        model=plan.diagram.name, thresholds={r.parameter.id: t for r, t in zip(items, lists,
                                                                             strict=True)},
        domains={r.parameter.id: r.domain for r in items}, solution=plan.solution_note())


def _check_options(plan: Plan, top: Any, prior: bool, posterior: Any, draws: Any,
                   seed: Any) -> None:
    file = plan.diagram.file
    if top is not None and (isinstance(top, bool) or not isinstance(top, int | np.integer)
                            or top < 1):
        raise QueryError(f"expected `top` to be a whole number of at least 1, got {top!r}",
                         file=file, parameter="top")
    if prior and posterior is not None:
        raise QueryError("expected `prior` or `posterior`, got both", file=file,
                         parameter="prior")
    uncertain = prior or posterior is not None
    for name, value, least in (("draws", draws, 2), ("seed", seed, 0)):
        if value is None:
            continue
        if not uncertain:
            raise QueryError(f"expected `{name}` only with `prior` or `posterior`, got "
                             f"{name}={value!r} with neither", file=file, parameter=name)
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < least:
            raise QueryError(f"expected `{name}` to be a whole number of at least {least}, "
                             f"got {value!r}", file=file, parameter=name)


def sensitivity(diagram: Diagram | Plan, parameters: Sequence[str] | None = None, *,
                given: Mapping[str, str] | None = None,
                ranges: Mapping[str, Sequence[float]] | None = None, top: int | None = None,
                prior: bool = False, posterior: Any = None, draws: int | None = None,
                seed: int | None = None, two_way: Sequence[str] | None = None,
                grid: int | None = None, memory_limit: int | None = None,
                progress: Callable[[int, int], None] | None = None,
                workers: int | None = None, scheduler: str | None = None
                ) -> SensitivityResult:
    """What drives a decision, and how far each number may move before the best choice
    changes.

    Parameters
    ----------
    diagram : Diagram or Plan
        The influence diagram (see :func:`influence.load`) or its compiled plan.
    parameters : sequence of str, optional
        Parameter names such as ``oil:dry``, ``payoff[drill=yes,oil=dry]`` or
        ``weight:payoff`` (see :mod:`influence.analysis.parameters`). Default: every
        parameter, but the entries of deterministic rows (definitions) and the first state of
        each two-state row (the row is one number).
    given : mapping, optional
        A scenario: chance nodes that no decision influences, known before any decision.
    ranges : mapping, optional
        Parameter name -> (low, high): its one-way range (and, for a utility value or a
        weight, the domain of its break-even search). Default: its prior's 90% interval, or
        its value ±25%; break-even values are searched over [0, 1] for a probability, the
        value ±10 times its magnitude otherwise.
    top : int, optional
        Keep only the ``top`` parameters of largest swing (break-even values are searched
        for those only).
    prior, posterior, draws, seed
        Add the probabilistic sensitivity under draws from the priors or a posterior (a
        :class:`~influence.Posterior` or its file), as in :func:`influence.evaluate`.
    two_way : (str, str), optional
        Add the two-way map of these two parameters.
    grid : int, optional
        Grid values per parameter of the two-way map (default 41).
    memory_limit : int, optional
        Bytes of working memory the analysis may use (default: half the machine's memory; a
        plan keeps its own), as in :func:`influence.plan`.
    progress : callable, optional
        ``progress(done, total)`` after each chunk of draws of the probabilistic sensitivity
        (see :mod:`influence.progress`).
    workers : int, optional
        Spread the work (the one-way sweep, the break-even searches, the two-way grid, the
        draws of the probabilistic sensitivity) over a local Dask cluster of this many worker
        processes; the results are the same as in one process (docs/scale.md).
    scheduler : str, optional
        Spread it over the running ``dask.distributed`` cluster at this address.

    Returns
    -------
    SensitivityResult

    Raises
    ------
    QueryError
        For an unknown parameter (with the closest match), a bad range, inconsistent
        options, or bad ``workers`` or ``scheduler``.
    """
    from ..parallel import runner

    plan = compile_plan(diagram, given, memory_limit)
    d = plan.diagram
    _check_options(plan, top, prior, posterior, draws, seed)
    if grid is not None and two_way is None:
        raise QueryError(f"expected `grid` only with `two_way`, got grid={grid!r}",
                         file=d.file, parameter="grid")
    explicit = parse_ranges(d, ranges)
    chosen = select(d, parameters)
    items = ranged(d, chosen, explicit)
    pair = _pair(plan, two_way, explicit)
    with runner(workers, scheduler) as run:
        # The draws first, so that draws beyond the memory limit or a posterior of another
        # model are refused before the point analysis runs.
        uncertain = None if not (prior or posterior is not None) else probabilistic(
            plan, chosen, prior=prior, posterior=posterior, draws=draws, seed=seed,
            progress=progress, runner=run)
        return _analysed(plan, items, pair, grid, top, run, uncertain)


def _analysed(plan: Plan, items: Sequence[Ranged], pair: tuple[Ranged, Ranged] | None,
              grid: int | None, top: int | None, run: Any,
              uncertain: ProbabilisticSensitivity | None) -> SensitivityResult:
    """The point analyses of :func:`sensitivity` once its arguments are checked, run by
    ``run``, with the probabilistic sensitivity ``uncertain``."""
    d = plan.diagram
    base = plan.expected_utilities()
    eus, best = one_way(plan, items, run)
    swing = np.abs(eus[:, 1] - eus[:, 0])
    order = np.argsort(-swing, kind="stable")[:top]
    kept = [items[i] for i in order]
    found = _threshold_lists(plan, kept, run)
    rows = tuple(ParameterSensitivity(
        id=r.parameter.id, kind=r.parameter.kind, point=r.parameter.point, low=r.low,
        high=r.high, source=r.source, eu_low=float(eus[i, 0]), eu_high=float(eus[i, 1]),
        swing=float(swing[i]), best_low=best[2 * i], best_high=best[2 * i + 1],
        domain=r.domain, thresholds=t) for i, r, t in zip(order, kept, found, strict=True))
    return SensitivityResult(
        model=d.name, title=d.title, units=d.units, given=dict(plan.given),
        base_expected_utility=float(base.maximum_expected_utility[0]),
        base_best=top_options(plan, base.options)[0],
        labels={o[0]: o[1] for o in plan.options()}, parameters=rows, total=len(items),
        two_way=None if pair is None else two_way_grid(
            plan, *pair, DEFAULT_GRID if grid is None else grid, runner=run),
        probabilistic=uncertain, solution=plan.solution_note())


def _pair(plan: Plan, pair: Sequence[str] | None, explicit: Mapping[str, tuple[float, float]]
          ) -> tuple[Ranged, Ranged] | None:
    """The two parameters of the two-way map, with their ranges."""
    if pair is None:
        return None
    if isinstance(pair, str) or not isinstance(pair, Sequence) or len(pair) != 2:
        raise QueryError(f"expected `two_way` to be two parameter names, got {pair!r}",
                         file=plan.diagram.file, parameter="two_way")
    chosen = [parse_parameter(plan.diagram, name) for name in pair]
    a, b = ranged(plan.diagram, chosen, explicit)
    return a, b
