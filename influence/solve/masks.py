"""The masks of policies and forced alternatives: which options of each decision a strategy
allows in each information state of the stage tensor (what the decision knows under perfect
recall)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..model.diagram import Policy

if TYPE_CHECKING:  # pragma: no cover
    from .plan import Plan

__all__ = ["build_masks"]


def build_masks(plan: Plan, policy: Policy | None,
                force: tuple[str, str] | None) -> list[np.ndarray | None]:
    """Per decision, a boolean array over (its past, its options) of the options allowed by
    ``policy`` (its rule rows restrict the information states they cover) or with decision
    ``force[0]`` forced to state ``force[1]``; None for a decision left free."""
    masks: list[np.ndarray | None] = []
    for k, d in enumerate(plan.diagram.decisions):
        rows = []
        if policy is not None and d.name in policy.rules:
            rows = [(dict(r.given), r.choose) for r in policy.rules[d.name]]
        if force is not None and force[0] == d.name:
            rows = [({}, force[1])]
        masks.append(_mask(plan, k, rows) if rows else None)
    return masks


def _mask(plan: Plan, k: int, rows: list[tuple[dict[str, str], str]]) -> np.ndarray:
    d = plan.diagram.decisions[k]
    past = plan.past(k)
    mask = np.ones(tuple(plan.sizes[v] for v in past) + (plan.sizes[d.name],), dtype=bool)
    for given, choose in rows:
        if any(v not in past and v in plan.given and plan.given[v] != s
               for v, s in given.items()):
            continue  # the rule is for another scenario
        index = tuple(plan.diagram.node(v).states.index(given[v]) if v in given
                      else slice(None) for v in past)
        sub = np.zeros(plan.sizes[d.name], dtype=bool)
        sub[d.states.index(choose)] = True
        mask[index] = sub
    return mask
