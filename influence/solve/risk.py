"""The distribution of the total utility under a strategy: its spread and its risk profile.

Under a fixed strategy every decision is a function of what it knows: a deterministic factor
over its past and its options. Contracting the chance tables with those factors over every
node, keeping the parents of the utility nodes, gives the joint distribution of the
configurations that determine the total utility; each configuration's total is the weighted
sum of the utility values. Equal totals are merged into the exact distribution (the risk
profile); its standard deviation follows. All strategies are contracted in one batch (the
draw axis runs over strategies).

Decisions that know no chance node (*open-loop* decisions: under perfect recall their past holds
earlier decisions only) take one option under a strategy, fixed by the options of the earlier
ones. They are left out of the contraction: each table with such a parent is sliced at the
strategy's options (the slices stacked along the draw axis), so the joint runs over the other
outcome variables only, and each strategy's totals are those of its own slice.
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


def _open_loop(plan: Plan) -> tuple[str, ...]:
    """The decisions whose past holds no chance node, in the order they are taken."""
    diagram = plan.diagram
    return tuple(d.name for k, d in enumerate(diagram.decisions)
                 if all(diagram.node(v).kind == "decision" for v in plan.past(k)))


def _outcome_vars(plan: Plan) -> tuple[str, ...]:
    """The parents of the utility nodes but the open-loop decisions, in file order."""
    wanted = {p for u in plan.diagram.utilities for p in u.parents} - set(_open_loop(plan))
    return tuple(n for n in plan.diagram.names if n in wanted)


def _contraction(plan: Plan) -> tuple[Contraction, tuple[str, ...], tuple[str, ...]]:
    """The joint of the outcome variables given the strategy factors, planned once (the
    open-loop decisions sliced out of every operand)."""
    cached = getattr(plan, "_risk_contraction", None)
    if cached is not None:
        return cached
    diagram = plan.diagram
    fixed = set(_open_loop(plan))
    outcome = _outcome_vars(plan)
    observed = {v for v in plan.layout_vars if diagram.node(v).kind == "chance"}
    chance = plan._relevant(set(outcome) | observed | set(plan.given))
    order = tuple(n for n in diagram.names if n in chance)
    sym = plan._sym

    def letters(names: tuple[str, ...]) -> str:
        return "".join(sym[v] for v in names if v not in fixed)

    inputs = [letters(diagram.node(c).parents) + sym[c] for c in order]
    inputs += [sym[g] for g in plan.given if g in chance]
    for k, d in enumerate(diagram.decisions):
        if d.name not in fixed:
            inputs.append(letters(plan.past(k)) + sym[d.name])
    output = "".join(sym[v] for v in outcome)
    cached = (Contraction(inputs, output, plan._letter_sizes), order, outcome)
    plan._risk_contraction = cached
    return cached


def _chosen(plan: Plan, strategies: list[list[np.ndarray]]) -> list[dict[str, int]]:
    """Per strategy, the option each open-loop decision takes."""
    fixed = _open_loop(plan)
    position = {d.name: k for k, d in enumerate(plan.diagram.decisions)}
    out = []
    for s in strategies:
        values: dict[str, int] = {}
        for name in fixed:
            k = position[name]
            values[name] = int(np.asarray(s[k])[tuple(values[v] for v in plan.past(k))])
        out.append(values)
    return out


def _sliced(table: np.ndarray, names: tuple[str, ...], chosen: list[dict[str, int]],
            leading: int = 1) -> np.ndarray:
    """``table`` (a draw axis of 1, then one axis per name, then ``leading - 1`` more) with the
    open-loop decisions among ``names`` fixed at each strategy's options, the strategies
    stacked on the draw axis."""
    table = np.asarray(table)
    if not any(n in chosen[0] for n in names):
        return table
    parts = []
    for values in chosen:
        index = (0,) + tuple(values[n] if n in values else slice(None) for n in names)
        parts.append(table[index])
    return np.stack(parts)


def _factors(plan: Plan, strategies: list[list[np.ndarray]],
             chosen: list[dict[str, int]] | None = None) -> list[np.ndarray]:
    """Per decision, the indicator of the chosen option over its past, one per strategy
    (stacked on the first axis). With ``chosen`` (the options of the open-loop decisions under
    each strategy), the open-loop decisions are left out and the others' pasts sliced at
    those options."""
    out = []
    for k, d in enumerate(plan.diagram.decisions):
        if chosen is not None and d.name in chosen[0]:
            continue
        past = plan.past(k)
        shape = tuple(plan.sizes[v] for v in past)
        choice = np.stack([np.broadcast_to(np.asarray(s[k]), shape) for s in strategies])
        factor = np.zeros(choice.shape + (plan.sizes[d.name],))
        np.put_along_axis(factor, choice[..., None], 1.0, axis=-1)
        if chosen is None:
            out.append(factor)
            continue
        parts = [f[tuple(values.get(v, slice(None)) for v in past)]
                 for f, values in zip(factor, chosen, strict=True)]
        out.append(np.stack(parts))
    return out


def _totals(plan: Plan, ops: Parameters, outcome: tuple[str, ...],
            chosen: list[dict[str, int]]) -> np.ndarray:
    """The total utility of each configuration of the outcome variables, per strategy:
    (strategies, configurations)."""
    shape = tuple(plan.sizes[v] for v in outcome)
    total = np.zeros((len(chosen),) + shape)
    for u in plan.diagram.utilities:
        values = _sliced(np.asarray(ops[u.name])[:1], u.parents, chosen)  # weighted, one draw
        values = np.broadcast_to(values, (len(chosen),) + values.shape[1:])
        kept = [p for p in u.parents if p not in chosen[0]]
        axes = [outcome.index(p) for p in kept]
        expand = values.reshape(values.shape + (1,) * (len(shape) - len(axes)))
        order = [0] + [1 + a for a in axes] + [1 + i for i in range(len(shape))
                                                if i not in axes]
        total = total + np.moveaxis(expand, list(range(len(shape) + 1)), order)
    return total.reshape(len(chosen), -1)


def outcome_distributions(plan: Plan, ops: Parameters, strategies: list[list[np.ndarray]]
                          ) -> list[Profile] | None:
    """The exact distribution of the total utility under each strategy.

    Parameters
    ----------
    plan : Plan
    ops : mapping
        Operands of one draw (from :meth:`Plan.operands`).
    strategies : list
        Each a list of choices per decision (shared choices, no draw axis).

    Returns
    -------
    list of Profile, or None
        None when the utility nodes' parents, but the open-loop decisions, have more than
        :data:`MAX_OUTCOMES` configurations.
    """
    contraction, order, outcome = _contraction(plan)
    size = int(np.prod([plan.sizes[v] for v in outcome], dtype=float))
    if size > MAX_OUTCOMES or any(np.shape(v)[0] != 1 for v in ops.values()):
        return None
    chosen = _chosen(plan, strategies)
    diagram = plan.diagram
    evidence = plan._evidence_vectors() if plan.given else {}
    args = [_sliced(ops[c], diagram.node(c).parents, chosen) for c in order]
    args += [evidence[g] for g in plan.given if g in order]
    args += _factors(plan, strategies, chosen)
    joint = contraction(*args)
    joint = np.broadcast_to(joint, (len(strategies),) + joint.shape[1:]).reshape(
        len(strategies), -1)
    pe = plan.evidence_probability(ops)
    joint = joint / pe[0]
    totals = _totals(plan, ops, outcome, chosen)
    out = []
    for row, total in zip(joint, totals, strict=True):
        values, group = _groups(total)
        out.append(_profile(total, values, group, row))
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
    pairs = tuple((float(v), float(p)) for v, p in zip(values[keep], merged[keep], strict=True))
    return Profile(pairs, mean, float(np.sqrt(max(variance, 0.0))))
