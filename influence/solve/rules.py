"""The rules of a decision under a strategy: one row per information state (what the decision
knows), with its probability, the choice and the conditional expected utility of each option;
made from arrays only when first asked for (table rendering, JSON)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["RuleResult", "DecisionResult", "ArrayRules", "build_rules"]


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
