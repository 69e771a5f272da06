"""Result objects of an evaluation, and their plain-data form (what JSON and CSV print).

The solver fills these; renderers (:mod:`influence.render`) only read them. Field names of
:meth:`Evaluation.to_dict` are a public contract: scripts rely on them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

__all__ = ["RuleResult", "DecisionResult", "OptionResult", "Evaluation", "summarize_draws"]


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
    uncertainty fields are None for point values.
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
        return out


def summarize_draws(options: Sequence[OptionResult],
                    compared: Sequence[OptionResult]) -> list[OptionResult]:
    """Fill the mean, and with several draws the sd, 90% interval, probability of being best
    and expected loss, of each option.

    ``probability_best`` and ``expected_loss`` are relative to the options in ``compared``
    (ties share the credit equally); options outside it get them relative to ``compared`` plus
    themselves.
    """
    if not options:
        return []
    draws = options[0].draws.shape[0]
    compared_ids = [o.id for o in compared]
    matrix = np.stack([o.draws for o in compared], axis=1) if compared else None
    out = []
    for o in options:
        eu = o.draws
        fields: dict[str, Any] = {"expected_utility": float(eu.mean())}
        if draws > 1:
            if o.id in compared_ids:
                m = matrix
                col = compared_ids.index(o.id)
            else:
                m = np.column_stack([matrix, eu]) if matrix is not None else eu[:, None]
                col = m.shape[1] - 1
            best = m.max(axis=1)
            scale = np.maximum(np.abs(best), 1.0)
            winners = m >= (best - 1e-9 * scale)[:, None]
            credit = winners[:, col] / winners.sum(axis=1)
            lo, hi = np.quantile(eu, [0.05, 0.95])
            fields.update(
                sd=float(eu.std(ddof=1)),
                interval_90=(float(lo), float(hi)),
                probability_best=float(credit.mean()),
                expected_loss=float(np.mean(best - eu)),
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

    @property
    def policies(self) -> tuple[OptionResult, ...]:
        """The named policies."""
        return tuple(o for o in self.options if o.kind == "policy")

    def policy(self, policy_id: str) -> OptionResult:
        """The result of named policy ``policy_id``."""
        for o in self.policies:
            if o.id == policy_id:
                return o
        raise KeyError(policy_id)

    def ranked(self) -> list[OptionResult]:
        """Policies and alternatives, best expected utility first."""
        return sorted(self.options, key=lambda o: -o.expected_utility)

    def decision(self, name: str) -> DecisionResult:
        """The optimal rule of decision ``name``."""
        for d in self.optimal_strategy:
            if d.decision == name:
                return d
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON: the fields scripts rely on, named as documented."""
        out: dict[str, Any] = {
            "model": self.model,
            "title": self.title,
            "units": self.units,
            "given": dict(self.given),
            "maximum_expected_utility": self.maximum_expected_utility,
            "optimal_strategy": {
                d.decision: [r.to_dict() for r in d.rules] for d in self.optimal_strategy
            },
            "alternatives": {k: dict(v) for k, v in self.alternatives.items()},
            "policies": [o.to_dict() for o in self.policies],
            "ranking": [o.to_dict() for o in self.ranked()],
        }
        if self.uncertainty is not None:
            out["draws"] = self.draws
            out["uncertainty"] = self.uncertainty
            out["evpi_parameters"] = self.evpi_parameters
            if self.meu_draws is not None:
                lo, hi = np.quantile(self.meu_draws, [0.05, 0.95])
                out["maximum_expected_utility_sd"] = float(np.std(self.meu_draws, ddof=1))
                out["maximum_expected_utility_interval_90"] = [float(lo), float(hi)]
            if self.diagnostics is not None:
                out["diagnostics"] = dict(self.diagnostics)
        return out
