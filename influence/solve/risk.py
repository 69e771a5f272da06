"""The distribution of the total utility under a strategy: its spread and its risk profile.

Under a fixed strategy every decision is a function of what it knows: a deterministic factor
over its past and its options. Contracting the chance tables with those factors over every
node, keeping the parents of the utility nodes, gives the joint distribution of the
configurations that determine the total utility; each configuration's total is the weighted
sum of the utility values. Equal totals are merged into the exact distribution (the risk
profile); its standard deviation follows. All strategies are contracted in one batch (the
draw axis runs over strategies).
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


def _contraction(plan: Plan, scopes: dict[str, tuple[str, ...]]
                 ) -> tuple[Contraction, tuple[str, ...], tuple[str, ...]]:
    """The joint of the outcome variables given the strategy factors (each decision's rule
    over its scope), planned once per set of scopes."""
    key = tuple(scopes.items())
    cache = plan.__dict__.setdefault("_risk_contractions", {})
    cached = cache.get(key)
    if cached is not None:
        return cached
    diagram = plan.diagram
    outcome = _outcome_vars(plan)
    observed = {v for s in scopes.values() for v in s if diagram.node(v).kind == "chance"}
    chance = plan._relevant(set(outcome) | observed | set(plan.given))
    order = tuple(n for n in diagram.names if n in chance)
    sym = plan._sym
    inputs = ["".join(sym[p] for p in diagram.node(c).parents) + sym[c] for c in order]
    inputs += [sym[g] for g in plan.given if g in chance]
    for d in diagram.decisions:
        inputs.append("".join(sym[v] for v in scopes[d.name]) + sym[d.name])
    output = "".join(sym[v] for v in outcome)
    cached = (Contraction(inputs, output, plan._letter_sizes), order, outcome)
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


def _totals(plan: Plan, ops: Parameters, outcome: tuple[str, ...]) -> np.ndarray:
    """The total utility of each configuration of the outcome variables."""
    shape = tuple(plan.sizes[v] for v in outcome)
    total = np.zeros(shape)
    for u in plan.diagram.utilities:
        values = np.asarray(ops[u.name])[0]  # weighted, one draw
        axes = [outcome.index(p) for p in u.parents]
        expand = values.reshape(values.shape + (1,) * (len(shape) - len(axes)))
        order = axes + [i for i in range(len(shape)) if i not in axes]
        total = total + np.moveaxis(expand, list(range(len(shape))), order)
    return total


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
        None when the utility nodes' parents have more than :data:`MAX_OUTCOMES`
        configurations.
    """
    if scopes is None:
        scopes = {d.name: plan.past(k) for k, d in enumerate(plan.diagram.decisions)}
    contraction, order, outcome = _contraction(plan, scopes)
    size = int(np.prod([plan.sizes[v] for v in outcome], dtype=float))
    if size > MAX_OUTCOMES or any(np.shape(v)[0] != 1 for v in ops.values()):
        return None
    evidence = plan._evidence_vectors() if plan.given else {}
    args = [ops[c] for c in order] + [evidence[g] for g in plan.given if g in order]
    args += _factors(plan, strategies, scopes)
    joint = contraction(*args).reshape(len(strategies), -1)
    pe = plan.evidence_probability(ops)
    joint = joint / pe[0]
    totals = _totals(plan, ops, outcome).reshape(-1)
    values, group = _groups(totals)
    return [_profile(totals, values, group, row) for row in joint]


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
    pairs = tuple((float(v), float(p)) for v, p in zip(values[keep], merged[keep], strict=True))
    return Profile(pairs, mean, float(np.sqrt(max(variance, 0.0))))
