"""The distribution of the total utility under a strategy: its spread and its risk profile.

Under a fixed strategy every decision is a function of what it knows: a deterministic factor
over its past and its options. Contracting the chance tables with those factors over every
node, keeping the parents of the utility nodes, gives the joint distribution of the
configurations that determine the total utility; each configuration's total is the weighted
sum of the utility values. Equal totals are merged into the exact distribution (the risk
profile); its standard deviation follows. All strategies are contracted in one batch (the
draw axis runs over strategies).

Variables whose value is known under each strategy are not contracted: the nodes of the
scenario (``given``), and the decisions that see only such variables (a decision that
observes nothing, then one that sees only it, and so on). Their values are worked out per
strategy, every table and rule over them is sliced there (the slices of different strategies
go on the draw axis), and their axes leave the contraction and the output: the joint is over
the other parents of the utility nodes only, and the totals are per strategy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..limits import POSSIBLE, TIE_TOLERANCE
from .kernels import Contraction

if TYPE_CHECKING:  # pragma: no cover
    from .plan import Plan
    from .tables import Parameters

__all__ = ["Profile", "outcome_distributions", "MAX_OUTCOMES"]

#: Most configurations of the utility nodes' parents for which the distribution is listed.
MAX_OUTCOMES = 2**20


@dataclass(frozen=True)
class Profile:
    """The exact distribution of the total utility under one strategy.

    Attributes
    ----------
    pairs : tuple of (float, float)
        ``(value, probability)`` in increasing order of value, equal values merged, outcomes
        of probability 0 left out.
    mean, sd : float
        Its mean (the strategy's expected utility) and standard deviation.
    """

    pairs: tuple[tuple[float, float], ...]
    mean: float
    sd: float


def _outcome_vars(plan: Plan) -> tuple[str, ...]:
    """The parents of the utility nodes, in file order."""
    wanted = {p for u in plan.diagram.utilities for p in u.parents}
    return tuple(n for n in plan.diagram.names if n in wanted)


@dataclass(frozen=True)
class _Reduced:
    """The contraction of the risk profile once the variables known under each strategy are
    taken out.

    Attributes
    ----------
    contraction : Contraction
        Chance tables (``chance``), then the rules of ``decisions``; the output is over
        ``outcome``.
    chance : tuple of str
        The chance nodes contracted, in file order.
    outcome : tuple of str
        The parents of the utility nodes that are not fixed (the output axes).
    fixed : tuple of str
        The variables of one value per strategy, in an order where each decision comes after
        its scope: the nodes of the scenario, then the decisions that see only fixed variables.
    decisions : tuple of str
        The other decisions, whose rules are contracted.
    """

    contraction: Contraction
    chance: tuple[str, ...]
    outcome: tuple[str, ...]
    fixed: tuple[str, ...]
    decisions: tuple[str, ...]


def _fixed(plan: Plan, scopes: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """The scenario's nodes, then every decision whose scope is made of fixed variables."""
    fixed = list(plan.given)
    grown = True
    while grown:  # in decision order, repeated in case a scope lists a later decision
        grown = False
        for d in plan.diagram.decisions:
            if d.name not in fixed and all(v in fixed for v in scopes[d.name]):
                fixed.append(d.name)
                grown = True
    return tuple(fixed)


def _contraction(plan: Plan, scopes: dict[str, tuple[str, ...]]) -> _Reduced:
    """The joint of the outcome variables that are not fixed, given the rules of the other
    decisions, planned once per set of scopes."""
    key = tuple(scopes.items())
    cache = plan.__dict__.setdefault("_risk_contractions", {})
    cached = cache.get(key)
    if cached is not None:
        return cached
    diagram = plan.diagram
    fixed = _fixed(plan, scopes)
    outcome = _outcome_vars(plan)
    observed = {v for s in scopes.values() for v in s if diagram.node(v).kind == "chance"}
    chance = plan._relevant(set(outcome) | observed | set(plan.given))
    order = tuple(n for n in diagram.names if n in chance)
    decisions = tuple(d.name for d in diagram.decisions if d.name not in fixed)
    sym = plan._sym

    def subscripts(variables: tuple[str, ...]) -> str:
        return "".join(sym[v] for v in variables if v not in fixed)

    inputs = [subscripts((*diagram.node(c).parents, c)) for c in order]
    inputs += [subscripts((*scopes[d], d)) for d in decisions]
    kept = tuple(v for v in outcome if v not in fixed)
    cached = _Reduced(Contraction(inputs, subscripts(kept), plan._letter_sizes), order, kept,
                      fixed, decisions)
    cache[key] = cached
    return cached


def _factors(plan: Plan, strategies: list[list[np.ndarray]],
             scopes: dict[str, tuple[str, ...]] | None = None) -> list[np.ndarray]:
    """Per decision, the indicator of the chosen option over its scope (default: its past on
    the stage tensor), one per strategy."""
    if scopes is None:
        scopes = {d.name: plan.past(k) for k, d in enumerate(plan.diagram.decisions)}
    out = []
    for k, d in enumerate(plan.diagram.decisions):
        shape = tuple(plan.sizes[v] for v in scopes[d.name])
        chosen = np.stack([np.broadcast_to(np.asarray(s[k]), shape) for s in strategies])
        factor = np.zeros(chosen.shape + (plan.sizes[d.name],))
        np.put_along_axis(factor, chosen[..., None], 1.0, axis=-1)
        out.append(factor)
    return out


def _full_choices(plan: Plan, strategies: list[list[np.ndarray]],
                  scopes: dict[str, tuple[str, ...]]) -> dict[str, list[np.ndarray]]:
    """Per decision, each strategy's choices over the whole of its scope."""
    out = {}
    for k, d in enumerate(plan.diagram.decisions):
        shape = tuple(plan.sizes[v] for v in scopes[d.name])
        out[d.name] = [np.broadcast_to(np.asarray(s[k]), shape) for s in strategies]
    return out


def _fixed_values(plan: Plan, reduced: _Reduced, choices: dict[str, list[np.ndarray]],
                  scopes: dict[str, tuple[str, ...]], count: int) -> list[dict[str, int]]:
    """Per strategy, the value of every fixed variable."""
    states = {g: plan.diagram.node(g).states.index(s) for g, s in plan.given.items()}
    out = []
    for i in range(count):
        values = dict(states)
        for v in reduced.fixed:
            if v not in values:  # a decision: its choice where its scope is
                values[v] = int(choices[v][i][tuple(values[w] for w in scopes[v])])
        out.append(values)
    return out


def _sliced(table: np.ndarray, axes: tuple[str, ...], values: list[dict[str, int]],
            fixed: tuple[str, ...]) -> np.ndarray:
    """``table`` (no draw axis, one axis per variable of ``axes``) at each strategy's values
    of the fixed variables, stacked on a leading axis (of size 1 when they are the same for
    every strategy)."""
    if not any(v in fixed for v in axes):
        return table[None]
    index = [tuple(row[v] if v in fixed else slice(None) for v in axes) for row in values]
    if all(i == index[0] for i in index):
        return table[index[0]][None]
    return np.stack([table[i] for i in index])


def _rules(plan: Plan, reduced: _Reduced, choices: dict[str, list[np.ndarray]],
           scopes: dict[str, tuple[str, ...]], values: list[dict[str, int]]
           ) -> list[np.ndarray]:
    """Per decision left in the contraction, the indicator of each strategy's choice over the
    free part of its scope."""
    out = []
    for d in reduced.decisions:
        chosen = np.stack([c[tuple(row[v] if v in reduced.fixed else slice(None)
                                   for v in scopes[d])]
                           for c, row in zip(choices[d], values, strict=True)])
        factor = np.zeros(chosen.shape + (plan.sizes[d],))
        np.put_along_axis(factor, chosen[..., None], 1.0, axis=-1)
        out.append(factor)
    return out


def _totals(plan: Plan, ops: Parameters, reduced: _Reduced, values: list[dict[str, int]]
            ) -> np.ndarray:
    """The total utility of each configuration of the free outcome variables, per strategy:
    shape (strategies, configurations)."""
    outcome = reduced.outcome
    total = np.zeros((len(values),) + tuple(plan.sizes[v] for v in outcome))
    for u in plan.diagram.utilities:
        table = _sliced(np.asarray(ops[u.name])[0], u.parents, values, reduced.fixed)  # weighted
        free = [outcome.index(p) for p in u.parents if p not in reduced.fixed]
        table = np.transpose(table, [0, *(1 + j for j in np.argsort(free))])
        shape = [table.shape[0]] + [plan.sizes[v] if i in free else 1
                                    for i, v in enumerate(outcome)]
        total = total + table.reshape(shape)
    return total.reshape(len(values), -1)


def outcome_distributions(plan: Plan, ops: Parameters, strategies: list[list[np.ndarray]],
                          scopes: dict[str, tuple[str, ...]] | None = None
                          ) -> list[Profile] | None:
    """The exact distribution of the total utility under each strategy.

    Parameters
    ----------
    plan : Plan
    ops : mapping
        Operands of one draw (from :meth:`Plan.operands`).
    strategies : list
        Each a list of choices per decision (shared choices, no draw axis).
    scopes : dict, optional
        Decision -> the variables its choices are over (default: its past on the stage
        tensor).

    Returns
    -------
    list of Profile, or None
        None when the parents of the utility nodes that are not fixed under a strategy (see
        the module's notes) have more than :data:`MAX_OUTCOMES` configurations.
    """
    if scopes is None:
        scopes = {d.name: plan.past(k) for k, d in enumerate(plan.diagram.decisions)}
    reduced = _contraction(plan, scopes)
    size = int(np.prod([plan.sizes[v] for v in reduced.outcome], dtype=float))
    if size > MAX_OUTCOMES or any(np.shape(v)[0] != 1 for v in ops.values()):
        return None
    choices = _full_choices(plan, strategies, scopes)
    values = _fixed_values(plan, reduced, choices, scopes, len(strategies))
    args = [_sliced(np.asarray(ops[c])[0], (*plan.diagram.node(c).parents, c), values,
                    reduced.fixed) for c in reduced.chance]
    args += _rules(plan, reduced, choices, scopes, values)
    joint = reduced.contraction(*args).reshape(-1, size)  # one row when all strategies agree
    joint = np.broadcast_to(joint, (len(strategies), size))
    pe = plan.evidence_probability(ops)
    joint = joint / pe[0]
    totals = _totals(plan, ops, reduced, values)
    out = []
    for row, probabilities in zip(totals, joint, strict=True):
        value, group = _groups(row)
        out.append(_profile(row, value, group, probabilities))
    return out


def _groups(totals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct totals (equal up to rounding merged, each represented by its smallest) and
    the group of each configuration."""
    scale = float(np.abs(totals).max()) if totals.size else 0.0
    order = np.argsort(totals, kind="stable")
    ordered = totals[order]
    new = np.concatenate([[True], np.diff(ordered) > TIE_TOLERANCE * scale])
    group = np.empty(totals.size, dtype=np.int64)
    group[order] = np.cumsum(new) - 1
    return ordered[new], group


def _profile(totals: np.ndarray, values: np.ndarray, group: np.ndarray,
             probabilities: np.ndarray) -> Profile:
    merged = np.bincount(group, weights=probabilities, minlength=values.size)
    keep = merged > POSSIBLE
    # Plain sums, not BLAS dot products: these vectors are small, and BLAS threads woken for
    # them cost far more than the arithmetic on a busy machine.
    mean = float((totals * probabilities).sum())
    variance = float((probabilities * (totals - mean) ** 2).sum())
    pairs = tuple(zip(values[keep].tolist(), merged[keep].tolist(), strict=True))
    return Profile(pairs, mean, float(np.sqrt(max(variance, 0.0))))
