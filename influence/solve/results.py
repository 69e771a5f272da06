"""Result objects of an evaluation, and their plain-data form (what JSON and CSV print).

The solver fills these; renderers (:mod:`influence.io.render`) only read them. Field names of
:meth:`Evaluation.to_dict` are a public contract: scripts rely on them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..errors import UnknownNameError
from ..limits import TIE_TOLERANCE
from ..messages import suggest

__all__ = [
    "RuleResult", "DecisionResult", "OptionResult", "Evaluation", "summarize_draws",
    "comparison_group", "build_rules", "ArrayRules",
]


@dataclass(frozen=True)
class RuleResult:
    """One information state of a decision and what the strategy does there.

    Attributes
    ----------
    given : dict
        The information state: every variable the decision knows, with its state.
    choose : str or None
        The optimal option; None where the information state is impossible (probability 0
        whatever the strategy).
    reachable : bool
        Whether the information state occurs with positive probability under the strategy.
        Unreachable but possible states keep the choice that would be optimal there.
    probability : float
        Probability of the information state under the strategy (and scenario).
    expected_utilities : dict or None
        Conditional expected utility of each option in this information state.
    probability_optimal : float or None
        Under parameter uncertainty: share of draws in which ``choose`` is optimal here.
    """

    given: Mapping[str, str]
    choose: str | None
    reachable: bool
    probability: float
    expected_utilities: Mapping[str, float] | None = None
    probability_optimal: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "given": dict(self.given),
            "choose": self.choose,
            "reachable": self.reachable,
            "probability": self.probability,
        }
        if self.expected_utilities is not None:
            out["expected_utilities"] = dict(self.expected_utilities)
        if self.probability_optimal is not None:
            out["probability_optimal"] = self.probability_optimal
        return out


class DecisionResult:
    """The optimal decision rule of one decision: one :class:`RuleResult` per information
    state (every combination of what the decision knows: under perfect recall, everything
    observed before it and every earlier choice).

    Parameters
    ----------
    decision : str
    knows : tuple of str
        What the decision knows.
    rules : tuple of RuleResult, optional
        The rules; made from ``source`` when first asked when left out.
    requisite : tuple of str, optional
        The part of ``knows`` the choice depends on (the requisite information: the rest
        cannot change what is best); None when not computed.
    source : object, optional
        Something with a ``rules()`` method making the rules (they can be many: one per
        information state).
    """

    def __init__(self, decision: str, knows: tuple[str, ...],
                 rules: tuple[RuleResult, ...] | None = None, *,
                 requisite: tuple[str, ...] | None = None, source: Any = None) -> None:
        self.decision = decision
        self.knows = tuple(knows)
        self.requisite = None if requisite is None else tuple(requisite)
        self._rules = None if rules is None else tuple(rules)
        self._source = source

    @property
    def rules(self) -> tuple[RuleResult, ...]:
        """One rule per information state (made when first asked)."""
        if self._rules is None:
            self._rules = tuple(self._source.rules()) if self._source is not None else ()
            self._source = None
        return self._rules

    def __repr__(self) -> str:
        return (f"DecisionResult(decision={self.decision!r}, knows={self.knows!r}, "
                f"requisite={self.requisite!r})")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DecisionResult):
            return NotImplemented
        return (self.decision, self.knows, self.rules) == (other.decision, other.knows,
                                                           other.rules)

    __hash__ = None  # type: ignore[assignment]

    def reachable_rules(self) -> tuple[RuleResult, ...]:
        """The rules of information states that occur under the strategy."""
        return tuple(r for r in self.rules if r.reachable)

    def compact_rules(self) -> tuple[tuple[dict[str, str], str], ...]:
        """The reachable rules with the variables the choice does not depend on left out.

        Greedily drops a known variable whenever the choice over reachable states stays a
        function of the others (variables outside the requisite information first, when it is
        known). Returns (given, choose) pairs with distinct ``given``.
        """
        rows = [(dict(r.given), r.choose) for r in self.reachable_rules()]
        keep = list(self.knows)
        first = [v for v in self.knows if self.requisite is not None and v not in self.requisite]
        for var in first + [v for v in self.knows if v not in first]:
            trial = [v for v in keep if v != var]
            seen: dict[tuple, str | None] = {}
            ok = True
            for given, choose in rows:
                key = tuple(given[v] for v in trial)
                if seen.setdefault(key, choose) != choose:
                    ok = False
                    break
            if ok:
                keep = trial
        out: dict[tuple, str] = {}
        for given, choose in rows:
            out.setdefault(tuple(given[v] for v in keep), choose)
        return tuple((dict(zip(keep, k, strict=True)), c) for k, c in out.items())


class ArrayRules:
    """The rules of one decision from arrays over what it knows (see :func:`build_rules`),
    made when first asked."""

    def __init__(self, plan: Any, decision: str, knows: tuple[str, ...], prob: np.ndarray,
                 reach: np.ndarray, choice: np.ndarray, values: np.ndarray,
                 share: np.ndarray | None) -> None:
        self.plan, self.decision, self.knows = plan, decision, knows
        self.arrays = (prob, reach, choice, values, share)

    def rules(self) -> tuple[RuleResult, ...]:
        from .memory import check_rules

        check_rules(self.plan, self.decision, self.knows)
        return build_rules(self.plan, self.decision, self.knows, *self.arrays)


def build_rules(plan: Any, decision: str, knows: tuple[str, ...], prob: np.ndarray,
                reach: np.ndarray, choice: np.ndarray, values: np.ndarray,
                share: np.ndarray | None) -> tuple[RuleResult, ...]:
    """One rule per information state of a decision, as plain floats.

    Parameters
    ----------
    plan : Plan
        For the states of the variables and the memory limit.
    decision : str
    knows : tuple of str
        What the decision knows; the arrays are over it (``values`` also over the options).
    prob : ndarray
        The probability of each state given the choices it records (zero where it cannot
        occur whatever the strategy).
    reach : ndarray
        Its probability under the strategy.
    choice : ndarray
        The chosen option's index.
    values : ndarray
        The probability-weighted expected utility of each option (divided by ``prob`` it is
        the conditional expected utility).
    share : ndarray or None
        Under parameter uncertainty, the share of draws in which the choice is optimal.
    """
    import itertools

    from ..limits import POSSIBLE

    d = plan.diagram.node(decision)
    probs = np.ravel(prob).tolist()
    reaches = np.ravel(np.broadcast_to(reach, np.shape(prob))).tolist()
    chosen = np.ravel(np.broadcast_to(choice, np.shape(prob))).tolist()
    positive = np.reshape(prob, (-1, 1)) > POSSIBLE
    cells = np.reshape(np.broadcast_to(values, np.shape(prob) + (len(d.states),)),
                       (-1, len(d.states)))
    conditional = (cells / np.where(positive, np.reshape(prob, (-1, 1)), 1.0)).tolist()
    shares = (np.ravel(np.broadcast_to(share, np.shape(prob))).tolist() if share is not None
              else [None] * len(probs))
    spaces = [plan.diagram.node(v).states for v in knows]
    rows = []
    for i, combo in enumerate(itertools.product(*spaces)):
        ok = probs[i] > POSSIBLE
        rows.append(RuleResult(
            given=dict(zip(knows, combo, strict=True)),
            choose=d.states[chosen[i]] if ok else None,
            reachable=reaches[i] > POSSIBLE,
            probability=reaches[i],
            expected_utilities=dict(zip(d.states, conditional[i], strict=True)) if ok else None,
            probability_optimal=shares[i] if ok else None,
        ))
    return tuple(rows)


@dataclass(frozen=True)
class OptionResult:
    """A named policy or an alternative (one decision forced, the rest played optimally).

    ``expected_utility`` is the mean over draws (the value itself for point values); the
    uncertainty fields (``sd``: the spread of the expected utility over draws,
    ``interval_90``, ``probability_best``, ``expected_loss``) are None for point values.

    ``by_utility`` maps each utility node to its weighted expected contribution (they sum to
    ``expected_utility``). For point values, ``utility_sd`` is the standard deviation of the
    total utility and ``risk_profile`` its exact distribution, ``(value, probability)`` pairs in
    increasing order of value (None when there are too many outcomes to list).
    """

    id: str
    label: str
    kind: str  # "policy" or "alternative"
    decision: str | None = None
    state: str | None = None
    draws: np.ndarray | None = field(default=None, repr=False, compare=False)
    expected_utility: float = float("nan")
    sd: float | None = None
    interval_90: tuple[float, float] | None = None
    probability_best: float | None = None
    expected_loss: float | None = None
    extras: Any = field(default=None, repr=False, compare=False)
    certainty_equivalent: float | None = None

    @property
    def by_utility(self) -> Mapping[str, float] | None:
        """Utility node -> its weighted expected contribution (computed when first asked)."""
        return None if self.extras is None else self.extras.by_utility

    @property
    def utility_sd(self) -> float | None:
        """Standard deviation of the total utility (point values; computed when first asked)."""
        return None if self.extras is None else self.extras.utility_sd

    @property
    def risk_profile(self) -> tuple[tuple[float, float], ...] | None:
        """Exact distribution of the total utility (point values; computed when first asked)."""
        return None if self.extras is None else self.extras.risk_profile

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "label": self.label, "kind": self.kind}
        if self.decision is not None:
            out["decision"] = self.decision
            out["state"] = self.state
        out["expected_utility"] = self.expected_utility
        if self.sd is not None:
            out["sd"] = self.sd
            out["interval_90"] = list(self.interval_90) if self.interval_90 else None
            out["probability_best"] = self.probability_best
            out["expected_loss"] = self.expected_loss
        out.update(_risk_fields(self.utility_sd, self.risk_profile, self.sd is not None))
        if self.certainty_equivalent is not None:
            out["certainty_equivalent"] = self.certainty_equivalent
        if self.by_utility is not None:
            out["by_utility"] = dict(self.by_utility)
        return out


def _risk_fields(utility_sd: float | None, profile: Any, uncertain: bool) -> dict[str, Any]:
    """``sd`` and ``risk_profile`` of the total utility, for point evaluations (under
    parameter uncertainty ``sd`` is the spread of the expected utility over draws)."""
    if uncertain or utility_sd is None:
        return {}
    return {"sd": utility_sd,
            "risk_profile": None if profile is None else [list(pair) for pair in profile]}


def comparison_group(option: OptionResult) -> str:
    """The options an option is compared with for ``probability_best`` and ``expected_loss``:
    the named policies with each other, the alternatives of a decision with each other."""
    return "policies" if option.kind == "policy" else f"alternatives of {option.decision}"


def summarize_draws(options: Sequence[OptionResult]) -> list[OptionResult]:
    """Fill the mean, and with several draws the sd, 90% interval, probability of being best
    and expected loss, of each option.

    ``probability_best`` (ties share the credit equally) and ``expected_loss`` (mean shortfall
    from the best option of the draw) are taken within each option's
    :func:`comparison_group`.
    """
    if not options:
        return []
    draws = options[0].draws.shape[0]
    groups: dict[str, list[int]] = {}
    for i, o in enumerate(options):
        groups.setdefault(comparison_group(o), []).append(i)
    best_of: dict[str, np.ndarray] = {}
    credit_of: dict[int, np.ndarray] = {}
    if draws > 1:
        for group, members in groups.items():
            m = np.stack([options[i].draws for i in members], axis=1)
            best = m.max(axis=1)
            scale = np.abs(m).max(axis=1)
            winners = m >= (best - TIE_TOLERANCE * scale)[:, None]
            share = winners / winners.sum(axis=1, keepdims=True)
            best_of[group] = best
            for col, i in enumerate(members):
                credit_of[i] = share[:, col]
    out = []
    for i, o in enumerate(options):
        eu = o.draws
        fields: dict[str, Any] = {"expected_utility": float(eu.mean())}
        if draws > 1:
            lo, hi = np.quantile(eu, [0.05, 0.95])
            fields.update(
                sd=float(eu.std(ddof=1)),
                interval_90=(float(lo), float(hi)),
                probability_best=float(credit_of[i].mean()),
                expected_loss=float(np.mean(best_of[comparison_group(o)] - eu)),
            )
        out.append(replace(o, **fields))
    return out


@dataclass(frozen=True)
class Evaluation:
    """Everything an evaluation of a diagram produces.

    Attributes
    ----------
    model : str
        The model's name.
    maximum_expected_utility : float
        The MEU (its mean over draws under uncertainty: the EU of the Bayes strategy).
    optimal_strategy : tuple of DecisionResult
        The optimal (Bayes) decision rules.
    alternatives : dict
        Decision -> {state: EU} for decisions that observe nothing (that decision forced, the
        rest optimal).
    options : tuple of OptionResult
        The named policies and the alternatives, in the model's order.
    given : dict
        The scenario the results are conditional on.
    draws, uncertainty, evpi_parameters
        Under parameter uncertainty: the number of draws, "prior" or "posterior", and the
        expected value of perfect information about the parameters.
    draws_kept : int or None
        When fewer per-draw values were kept than there were draws: how many (a systematic
        subsample, see :mod:`influence.solve.summaries`); the 90% intervals come from them,
        every other summary from every draw.
    solution : dict or None
        For a diagram of limited memory: how its strategy was found (``soluble``, ``exact``,
        ``iterations`` of single policy updating).
    by_utility, utility_sd, risk_profile
        Of the optimal strategy, as in :class:`OptionResult`.
    """

    model: str
    maximum_expected_utility: float
    optimal_strategy: tuple[DecisionResult, ...]
    alternatives: Mapping[str, Mapping[str, float]]
    options: tuple[OptionResult, ...]
    title: str | None = None
    units: str | None = None
    given: Mapping[str, str] = field(default_factory=dict)
    meu_draws: np.ndarray | None = field(default=None, repr=False, compare=False)
    draws: int | None = None
    uncertainty: str | None = None
    evpi_parameters: float | None = None
    diagnostics: Mapping[str, Any] | None = None
    extras: Any = field(default=None, repr=False, compare=False)
    risk_tolerance: float | None = None
    maximum_certainty_equivalent: float | None = None
    solution: Mapping[str, Any] | None = None
    draws_kept: int | None = None
    meu_stats: Mapping[str, Any] | None = field(default=None, repr=False, compare=False)

    @property
    def by_utility(self) -> Mapping[str, float] | None:
        """Of the optimal strategy: utility node -> weighted expected contribution."""
        return None if self.extras is None else self.extras.by_utility

    @property
    def utility_sd(self) -> float | None:
        """Of the optimal strategy: standard deviation of the total utility (point values)."""
        return None if self.extras is None else self.extras.utility_sd

    @property
    def risk_profile(self) -> tuple[tuple[float, float], ...] | None:
        """Of the optimal strategy: exact distribution of the total utility (point values)."""
        return None if self.extras is None else self.extras.risk_profile

    @property
    def meu_sd(self) -> float | None:
        """Standard deviation over draws of the optimal strategy's expected utility."""
        if self.meu_stats is not None:
            return self.meu_stats["sd"]
        if self.meu_draws is None or len(self.meu_draws) < 2:
            return None
        return float(np.std(self.meu_draws, ddof=1))

    @property
    def meu_interval_90(self) -> tuple[float, float] | None:
        """Central 90% interval over draws of the optimal strategy's expected utility."""
        if self.meu_stats is not None:
            return tuple(self.meu_stats["interval_90"])
        if self.meu_draws is None or len(self.meu_draws) < 2:
            return None
        lo, hi = np.quantile(self.meu_draws, [0.05, 0.95])
        return float(lo), float(hi)

    @property
    def policies(self) -> tuple[OptionResult, ...]:
        """The named policies."""
        return tuple(o for o in self.options if o.kind == "policy")

    def policy(self, policy_id: str) -> OptionResult:
        """The result of named policy ``policy_id``.

        Raises
        ------
        UnknownNameError
            If the model has no policy of that id (a ``LookupError`` and a ``ValueError``).
        """
        for o in self.policies:
            if o.id == policy_id:
                return o
        ids = [o.id for o in self.policies]
        raise UnknownNameError(
            f"expected one of the policies of '{self.model}' ({', '.join(ids) or 'none'}), "
            f"got {policy_id!r}{suggest(policy_id, ids)}", parameter="policy_id")

    def ranked(self) -> list[OptionResult]:
        """Policies and alternatives, best first: by expected utility, or by certainty
        equivalent when a risk tolerance is set. Options whose values agree to within rounding
        noise keep the model's order (policies as listed, then alternatives in decision
        order)."""
        if not self.options:
            return []

        def value(o: OptionResult) -> float:
            if self.risk_tolerance is not None and o.certainty_equivalent is not None:
                return o.certainty_equivalent
            return o.expected_utility

        scale = max(abs(value(o)) for o in self.options)
        tol = TIE_TOLERANCE * scale
        ordered = sorted(self.options, key=lambda o: -value(o))
        # Group options into runs of near-equal values, then restore model order in each run.
        position = {id(o): i for i, o in enumerate(
            [o for o in self.options if o.kind == "policy"]
            + [o for o in self.options if o.kind != "policy"])}
        out: list[OptionResult] = []
        run: list[OptionResult] = []
        for o in ordered:
            if run and value(run[0]) - value(o) > tol:
                out.extend(sorted(run, key=lambda r: position[id(r)]))
                run = []
            run.append(o)
        out.extend(sorted(run, key=lambda r: position[id(r)]))
        return out

    def _information(self) -> dict[str, Any]:
        """``requisite_information`` (what each choice depends on) and ``solution`` (how the
        strategy was found, for limited memory), when known."""
        out: dict[str, Any] = {}
        if any(d.requisite is not None for d in self.optimal_strategy):
            out["requisite_information"] = {
                d.decision: None if d.requisite is None else list(d.requisite)
                for d in self.optimal_strategy}
        if self.solution is not None:
            out["solution"] = dict(self.solution)
        return out

    def decision(self, name: str) -> DecisionResult:
        """The optimal rule of decision ``name``.

        Raises
        ------
        UnknownNameError
            If the model has no decision of that name (a ``LookupError`` and a ``ValueError``).
        """
        for d in self.optimal_strategy:
            if d.decision == name:
                return d
        names = [d.decision for d in self.optimal_strategy]
        raise UnknownNameError(
            f"expected one of the decisions of '{self.model}' ({', '.join(names) or 'none'}), "
            f"got {name!r}{suggest(name, names)}", parameter="name")

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON: the fields scripts rely on, named as documented."""
        out: dict[str, Any] = {
            "model": self.model,
            "title": self.title,
            "units": self.units,
            "given": dict(self.given),
            "maximum_expected_utility": self.maximum_expected_utility,
            **({} if self.risk_tolerance is None else {
                "risk_tolerance": self.risk_tolerance,
                "maximum_certainty_equivalent": self.maximum_certainty_equivalent}),
            **_risk_fields(self.utility_sd, self.risk_profile, self.uncertainty is not None),
            "optimal_strategy": {
                d.decision: [r.to_dict() for r in d.rules] for d in self.optimal_strategy
            },
            **self._information(),
            **({} if self.by_utility is None else {"by_utility": dict(self.by_utility)}),
            "alternatives": {k: dict(v) for k, v in self.alternatives.items()},
            "policies": [o.to_dict() for o in self.policies],
            "ranking": [o.to_dict() for o in self.ranked()],
        }
        if self.uncertainty is not None:
            out["draws"] = self.draws
            if self.draws_kept is not None:
                out["draws_kept"] = self.draws_kept
            out["uncertainty"] = self.uncertainty
            out["evpi_parameters"] = self.evpi_parameters
            if self.meu_sd is not None:
                out["maximum_expected_utility_sd"] = self.meu_sd
                out["maximum_expected_utility_interval_90"] = list(self.meu_interval_90)
            if self.diagnostics is not None:
                out["diagnostics"] = dict(self.diagnostics)
        return out
