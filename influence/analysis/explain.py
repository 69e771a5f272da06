"""Where an option's expected utility comes from: attribute by attribute, scenario by scenario.

:func:`explain` compares two options of a diagram, ``a`` and ``b``: the optimal strategy
(``optimal-strategy``), a named policy (its id) or an alternative (``decision=state``), each
played as ``influence evaluate`` plays it. For every utility node (attribute) it reports the
node's weight and its *contribution* to each option's expected utility (weight times the node's
expected value under the option's strategy) and their difference, largest first; the
contributions add up to each option's expected utility. With ``by``, the difference is split
further by the states of a chance node: the probability of each state under each option (they
differ when a decision influences the node), the conditional expected utility in it, and the
state's share of the difference, ``P_a(x) E_a[U | x] - P_b(x) E_b[U | x]``, which add up to the
difference. Everything is exact.

When ``b`` is left out it is the first option, in the order ``influence evaluate`` ranks them
(the optimal strategy first, then the policies and alternatives by expected utility, options
within rounding of each other in the model's order: policies as listed, then alternatives by
decision), whose expected utility differs from ``a``'s: options that play the same strategy
as ``a`` (such as the alternatives the optimal strategy already chooses) are passed over, their
breakdown being all zeros. ``a`` defaults to the optimal strategy.

Under the prior or a posterior (``prior``, ``posterior``), each option is its Bayes strategy
(fixed once, as ``influence evaluate --prior`` fixes it) valued in every draw: every
contribution gets its mean over the draws and its central 90% interval, and each attribute the
probability that ``a`` beats ``b`` on it (by more than rounding); so does the total.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..limits import POSSIBLE
from ..model.diagram import Diagram
from ..solve.plan import Plan
from .attribution import DrawValues, compare, interval_90, per_draw
from .explain_inputs import (
    OPTIMUM,
    Option,
    check_by,
    check_draw_options,
    check_options,
    draw_source,
    pick,
)
from .sweep import compile_plan, refuse_limited

__all__ = ["explain", "Explanation", "ExplainedOption", "Attribute", "StateSplit",
           "ScenarioSplit", "OPTIMUM"]

@dataclass(frozen=True)
class ExplainedOption:
    """One of the two options compared.

    ``expected_utility`` is the mean over draws under parameter uncertainty, with its central
    90% interval in ``interval_90`` (None for point values).
    """

    id: str
    label: str
    kind: str  # "optimum", "policy" or "alternative"
    expected_utility: float
    decision: str | None = None
    state: str | None = None
    interval_90: tuple[float, float] | None = None
    draws: np.ndarray | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "label": self.label, "kind": self.kind}
        if self.decision is not None:
            out.update(decision=self.decision, state=self.state)
        out["expected_utility"] = self.expected_utility
        if self.interval_90 is not None:
            out["interval_90"] = list(self.interval_90)
        return out


@dataclass(frozen=True)
class Attribute:
    """One utility node's contribution to each option's expected utility.

    Attributes
    ----------
    node, label : str
    weight : float
        The node's weight in the total utility.
    option, other : float
        Its contribution (weight x expected value) to ``a`` and to ``b``; means over draws
        under parameter uncertainty.
    difference : float
        ``option - other``.
    option_interval_90, other_interval_90, difference_interval_90 : (float, float) or None
        Under parameter uncertainty: central 90% intervals over the draws.
    probability_better, probability_worse : float or None
        Under parameter uncertainty: the share of draws in which ``a``'s contribution is
        larger (smaller) than ``b``'s by more than rounding; the rest are ties.
    option_draws, other_draws : ndarray or None
        The contributions in each draw (not in :meth:`to_dict`).
    """

    node: str
    label: str
    weight: float
    option: float
    other: float
    difference: float
    option_interval_90: tuple[float, float] | None = None
    other_interval_90: tuple[float, float] | None = None
    difference_interval_90: tuple[float, float] | None = None
    probability_better: float | None = None
    probability_worse: float | None = None
    option_draws: np.ndarray | None = field(default=None, repr=False, compare=False)
    other_draws: np.ndarray | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"node": self.node, "label": self.label, "weight": self.weight,
                               "option": self.option, "other": self.other,
                               "difference": self.difference}
        if self.difference_interval_90 is not None:
            out.update(option_interval_90=list(self.option_interval_90),
                       other_interval_90=list(self.other_interval_90),
                       difference_interval_90=list(self.difference_interval_90),
                       probability_better=self.probability_better,
                       probability_worse=self.probability_worse)
        return out


def _conditional(part: float, probability: float) -> float | None:
    return part / probability if probability > POSSIBLE else None


@dataclass(frozen=True)
class StateSplit:
    """One state of the node an explanation is split by.

    Attributes
    ----------
    state : str
    probability_option, probability_other : float
        ``P(node = state)`` under each option (means over draws under uncertainty).
    by_utility_option, by_utility_other : dict
        Utility node -> ``E[w u; node = state]``: its contribution earned in this state
        (summed over the states: the attribute's contribution).
    difference_interval_90, probability_better : optional
        Under parameter uncertainty: of the state's share of the difference, over draws.
    """

    state: str
    probability_option: float
    probability_other: float
    by_utility_option: Mapping[str, float]
    by_utility_other: Mapping[str, float]
    difference_interval_90: tuple[float, float] | None = None
    probability_better: float | None = None

    @property
    def contribution_option(self) -> float:
        """``P_a(state) E_a[U | state]``: the part of ``a``'s expected utility earned here."""
        return float(sum(self.by_utility_option.values()))

    @property
    def contribution_other(self) -> float:
        return float(sum(self.by_utility_other.values()))

    @property
    def difference(self) -> float:
        """The state's share of the difference; the shares add up to it."""
        return self.contribution_option - self.contribution_other

    @property
    def conditional_option(self) -> float | None:
        """``E_a[U | state]`` (None where the state cannot occur under ``a``)."""
        return _conditional(self.contribution_option, self.probability_option)

    @property
    def conditional_other(self) -> float | None:
        return _conditional(self.contribution_other, self.probability_other)

    def conditional_difference(self, node: str) -> float | None:
        """``E_a[w u | state] - E_b[w u | state]`` of one utility node (None where the state
        cannot occur under one of the options)."""
        a = _conditional(self.by_utility_option[node], self.probability_option)
        b = _conditional(self.by_utility_other[node], self.probability_other)
        return None if a is None or b is None else a - b

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "state": self.state, "probability_option": self.probability_option,
            "probability_other": self.probability_other,
            "conditional_option": self.conditional_option,
            "conditional_other": self.conditional_other,
            "contribution_option": self.contribution_option,
            "contribution_other": self.contribution_other, "difference": self.difference,
            "by_utility_option": dict(self.by_utility_option),
            "by_utility_other": dict(self.by_utility_other)}
        if self.difference_interval_90 is not None:
            out.update(difference_interval_90=list(self.difference_interval_90),
                       probability_better=self.probability_better)
        return out


@dataclass(frozen=True)
class ScenarioSplit:
    """The difference split by the states of a chance node.

    ``influenced`` says whether a decision influences the node (its probabilities can then
    differ between the options).
    """

    node: str
    label: str
    influenced: bool
    states: tuple[StateSplit, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"node": self.node, "label": self.label, "influenced": self.influenced,
                "states": [s.to_dict() for s in self.states]}


@dataclass(frozen=True)
class Explanation:
    """Where the difference between two options' expected utilities comes from.

    Attributes
    ----------
    model, title, units : str
    given : dict
        The scenario everything is conditional on.
    option, other : ExplainedOption
        ``a`` and ``b``.
    other_default : bool
        Whether ``b`` was chosen by the default rule (see the module's description).
    attributes : tuple of Attribute
        One per utility node, the largest absolute difference first (ties in the model's
        order).
    by : ScenarioSplit or None
    uncertainty : str or None
        "prior" or "posterior" under parameter uncertainty.
    draws, seed : int or None
    difference_interval_90, probability_better, probability_worse : optional
        Of the difference in expected utility, over the draws.
    diagnostics : dict or None
        A posterior's sampling diagnostics (its ``warnings`` among them).
    """

    model: str
    title: str | None
    units: str | None
    given: Mapping[str, str]
    option: ExplainedOption
    other: ExplainedOption
    other_default: bool
    attributes: tuple[Attribute, ...]
    by: ScenarioSplit | None = None
    uncertainty: str | None = None
    draws: int | None = None
    seed: int | None = None
    difference_interval_90: tuple[float, float] | None = None
    probability_better: float | None = None
    probability_worse: float | None = None
    diagnostics: Mapping[str, Any] | None = None

    @property
    def difference(self) -> float:
        """``EU(a) - EU(b)`` (means over draws under uncertainty)."""
        return self.option.expected_utility - self.other.expected_utility

    def attribute(self, node: str) -> Attribute:
        """The row of one utility node."""
        for a in self.attributes:
            if a.node == node:
                return a
        raise KeyError(node)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON (the fields documented in docs/explain.md)."""
        out: dict[str, Any] = {
            "model": self.model, "title": self.title, "units": self.units,
            "given": dict(self.given), "option": self.option.to_dict(),
            "other": self.other.to_dict(), "other_default": self.other_default,
            "difference": self.difference,
            "attributes": [a.to_dict() for a in self.attributes]}
        if self.uncertainty is not None:
            out.update(uncertainty=self.uncertainty, draws=self.draws, seed=self.seed,
                       difference_interval_90=list(self.difference_interval_90),
                       probability_better=self.probability_better,
                       probability_worse=self.probability_worse)
            if self.diagnostics is not None:
                out["diagnostics"] = dict(self.diagnostics)
        if self.by is not None:
            out["by"] = self.by.to_dict()
        return out


# -- the explanation -------------------------------------------------------------------------------
def _attributes(plan: Plan, values: DrawValues, uncertain: bool) -> tuple[Attribute, ...]:
    rows = []
    ca, cb = values.contributions
    for j, u in enumerate(plan.diagram.utilities):
        stats = compare(ca[j], cb[j])
        if not uncertain:
            stats = {k: stats[k] for k in ("option", "other", "difference")}
        rows.append(Attribute(node=u.name, label=u.display_name, weight=float(u.weight),
                              option_draws=ca[j], other_draws=cb[j], **stats))
    return tuple(sorted(rows, key=lambda r: -abs(r.difference)))


def _split(plan: Plan, node: str, values: DrawValues, uncertain: bool) -> ScenarioSplit:
    d = plan.diagram
    names = [u.name for u in d.utilities]
    decisions = {x.name for x in d.decisions}
    states = []
    for j, state in enumerate(d.node(node).states):
        extra: dict[str, Any] = {}
        if uncertain:
            stats = compare(values.state_parts[0, :, j], values.state_parts[1, :, j])
            extra = {"difference_interval_90": stats["difference_interval_90"],
                     "probability_better": stats["probability_better"]}
        states.append(StateSplit(
            state=state, probability_option=float(values.probability[0, j]),
            probability_other=float(values.probability[1, j]),
            by_utility_option={u: float(values.parts[0, i, j]) for i, u in enumerate(names)},
            by_utility_other={u: float(values.parts[1, i, j]) for i, u in enumerate(names)},
            **extra))
    return ScenarioSplit(node=node, label=d.node(node).display_name,
                         influenced=bool(d.ancestors(node) & decisions), states=tuple(states))


def _explained(option: Option, uncertain: bool) -> ExplainedOption:
    interval = interval_90(option.draws) if uncertain else None
    return ExplainedOption(id=option.id, label=option.label, kind=option.kind,
                           expected_utility=float(option.draws.mean()),
                           decision=option.decision, state=option.state,
                           interval_90=interval, draws=option.draws)


def explain(diagram: Diagram | Plan, a: str | None = None, b: str | None = None, *,
            by: str | None = None, given: Mapping[str, str] | None = None,
            prior: bool = False, posterior: Any = None, draws: int | None = None,
            seed: int | None = None) -> Explanation:
    """Where the difference between two options' expected utilities comes from.

    Parameters
    ----------
    diagram : Diagram or Plan
        The influence diagram (see :func:`influence.load`) or its compiled plan.
    a, b : str, optional
        Option ids: a policy id, an alternative (``decision=state``) or ``optimal-strategy``.
        ``a`` defaults to the optimal strategy; ``b`` to the first option, in the order
        ``influence evaluate`` ranks them (the optimal strategy first), whose expected utility
        differs from ``a``'s (see the module's description).
    by : str, optional
        A chance node: split the difference by its states too.
    given : mapping, optional
        A scenario: chance nodes that no decision influences, known before any decision.
    prior, posterior, draws, seed
        Explain under draws from the priors or a posterior (a :class:`~influence.Posterior`
        or its file), as in :func:`influence.evaluate`: each option is its Bayes strategy,
        valued in every draw.

    Returns
    -------
    Explanation

    Raises
    ------
    QueryError
        For an unknown option or node (with the closest match), the same option twice, a model
        with no second option, a bad scenario, or inconsistent options.

    Examples
    --------
    >>> import influence
    >>> e = influence.explain(influence.load("oil-wildcatter"), "test-and-follow",
    ...                       "drill-blind")
    >>> [(r.node, round(r.option, 6), round(r.other, 6)) for r in e.attributes]
    [('payoff', 32.5, 20.0), ('test_cost', -10.0, 0.0)]
    """
    plan = compile_plan(diagram, given)
    refuse_limited(plan.diagram, "`explain`")
    check_draw_options(plan, prior, posterior, draws, seed)
    check_options(plan, a, b)
    split = check_by(plan, by)
    uncertain = prior or posterior is not None
    extra: dict[str, Any] = {}
    if uncertain:
        source = draw_source(plan, prior, posterior, draws, seed, split)
        evaluation = plan.evaluate_chunks(source.chunks, uncertainty=source.kind)
        chunks = source.operands
        extra = {"uncertainty": source.kind, "draws": source.total, "seed": source.seed,
                 "diagnostics": source.diagnostics}
    else:
        ops = plan.operands()
        evaluation = plan.evaluate()

        def chunks():  # noqa: ANN202 - an iterator over the one batch
            return iter((ops,))

    first, second = pick(plan, evaluation, a, b)
    values = per_draw(plan, chunks, [first.choices, second.choices], split)
    if uncertain:
        total = compare(first.draws, second.draws)
        extra.update(difference_interval_90=total["difference_interval_90"],
                     probability_better=total["probability_better"],
                     probability_worse=total["probability_worse"])
    d = plan.diagram
    return Explanation(
        model=d.name, title=d.title, units=d.units, given=dict(plan.given),
        option=_explained(first, uncertain), other=_explained(second, uncertain),
        other_default=b is None, attributes=_attributes(plan, values, uncertain),
        by=None if split is None else _split(plan, split.node, values, uncertain), **extra)

