"""Result objects of an evaluation, and their plain-data form (what JSON and CSV print).

The solver fills these; renderers (:mod:`influence.io.render`) only read them. Field names of
:meth:`Evaluation.to_dict` are a public contract: scripts rely on them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..errors import QueryError, UnknownNameError
from ..frames import frame
from ..limits import TIE_TOLERANCE
from ..messages import suggest

__all__ = [
    "RuleResult", "DecisionResult", "OptionResult", "Evaluation", "summarize_draws",
    "comparison_group",
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


@dataclass(frozen=True)
class DecisionResult:
    """The optimal decision rule of one decision: one :class:`RuleResult` per information
    state (every combination of what the decision knows under perfect recall)."""

    decision: str
    knows: tuple[str, ...]
    rules: tuple[RuleResult, ...]

    def reachable_rules(self) -> tuple[RuleResult, ...]:
        """The rules of information states that occur under the strategy."""
        return tuple(r for r in self.rules if r.reachable)

    def compact_rules(self) -> tuple[tuple[dict[str, str], str], ...]:
        """The reachable rules with the variables the choice does not depend on left out.

        Greedily drops a known variable whenever the choice over reachable states stays a
        function of the others. Returns (given, choose) pairs with distinct ``given``.
        """
        rows = [(dict(r.given), r.choose) for r in self.reachable_rules()]
        keep = list(self.knows)
        for var in list(self.knows):
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

    Under parameter uncertainty, :attr:`eu_draws` holds the option's expected utility in each
    draw (the draws of every option of one evaluation are paired: draw ``i`` is the same
    parameter values for all), so that differences between options can be studied draw by
    draw; :meth:`Evaluation.draws_frame` collects them.
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
    def eu_draws(self) -> np.ndarray | None:
        """The option's expected utility in each parameter draw, a read-only array (draw ``i``
        of every option of an evaluation uses the same parameter values); None for a point
        evaluation."""
        if self.draws is None or self.sd is None:
            return None
        out = self.draws.view()
        out.flags.writeable = False
        return out

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
        if self.meu_draws is None or len(self.meu_draws) < 2:
            return None
        return float(np.std(self.meu_draws, ddof=1))

    @property
    def meu_interval_90(self) -> tuple[float, float] | None:
        """Central 90% interval over draws of the optimal strategy's expected utility."""
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

    @property
    def ranking(self) -> tuple[OptionResult, ...]:
        """Policies and alternatives, best first (as ``ranking`` in the JSON): see
        :meth:`ranked`."""
        return tuple(self.ranked())

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

    def to_frame(self) -> Any:
        """The ranked options as a pandas DataFrame, best first, indexed by option ``id``.

        Columns: ``rank`` (tied options share one), ``label``, ``kind``, ``decision``,
        ``state``, ``expected_utility`` (and ``certainty_equivalent`` with a risk tolerance);
        under parameter uncertainty ``sd``, ``interval_90_low``, ``interval_90_high``,
        ``probability_best`` and ``expected_loss``, else ``utility_sd`` (the spread of the
        total utility). Needs pandas (:class:`~influence.errors.MissingDependencyError`).
        """
        ranked = self.ranked()
        averse = self.risk_tolerance is not None
        values = [o.certainty_equivalent if averse else o.expected_utility for o in ranked]
        scale = max((abs(v) for v in values), default=0.0)
        columns = ["id", "rank", "label", "kind", "decision", "state", "expected_utility"]
        columns += ["certainty_equivalent"] if averse else []
        uncertain = self.uncertainty is not None
        columns += (["sd", "interval_90_low", "interval_90_high", "probability_best",
                     "expected_loss"] if uncertain else ["utility_sd"])
        rows = []
        for o, v in zip(ranked, values, strict=True):
            low, high = o.interval_90 if o.interval_90 else (None, None)
            rows.append({**{c: getattr(o, c, None) for c in columns}, "interval_90_low": low,
                         "interval_90_high": high,
                         "rank": 1 + sum(w > v + TIE_TOLERANCE * scale for w in values)})
        return frame(rows, columns, index="id")

    def draws_frame(self) -> Any:
        """The expected utility of every option in every parameter draw, a pandas DataFrame:
        one row per draw, one column per option id (in the model's order), and the column
        ``optimal-strategy`` (the Bayes strategy's). Rows are paired across columns: their
        differences are the differences between options draw by draw.

        Raises
        ------
        QueryError
            For a point evaluation (no draws).
        MissingDependencyError
            Without pandas.
        """
        if self.uncertainty is None or self.meu_draws is None:
            raise QueryError("expected an evaluation under parameter uncertainty (`prior` or "
                             "`posterior`), got a point evaluation: it has no draws",
                             parameter="prior")
        from ..frames import pandas

        data = {o.id: o.eu_draws for o in self.options}
        data["optimal-strategy"] = self.meu_draws
        out = pandas().DataFrame(data)
        out.index.name = "draw"
        return out

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
            **({} if self.by_utility is None else {"by_utility": dict(self.by_utility)}),
            "alternatives": {k: dict(v) for k, v in self.alternatives.items()},
            "policies": [o.to_dict() for o in self.policies],
            "ranking": [o.to_dict() for o in self.ranked()],
        }
        if self.uncertainty is not None:
            out["draws"] = self.draws
            out["uncertainty"] = self.uncertainty
            out["evpi_parameters"] = self.evpi_parameters
            if self.meu_sd is not None:
                out["maximum_expected_utility_sd"] = self.meu_sd
                out["maximum_expected_utility_interval_90"] = list(self.meu_interval_90)
            if self.diagnostics is not None:
                out["diagnostics"] = dict(self.diagnostics)
        return out
