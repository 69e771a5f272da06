"""Limited memory: single policy updating until no rule changes, and the Bayes strategy of a
limited-memory diagram under parameter draws.

A decision of a limited-memory diagram (``recall: limited``) knows only what it observes or
remembers. When the diagram (reduced to requisite information) is soluble, one pass of updates
in an exact order is optimal (:mod:`influence.solve.policies`). Otherwise single policy updating
(Lauritzen and Nilsson 2001) repeats passes: each decision in turn takes, in every configuration
of what it knows, the option of largest expected utility given every other rule, until a whole
pass changes nothing. Each update raises the expected utility or leaves it, and a choice only
changes for a strictly better one, so the passes end, at a *local* optimum: no single rule can
be improved. The result says which: ``solution`` of the evaluation (``exact``, ``iterations``).

Under parameter draws the strategy is one for all draws (the Bayes strategy): each update
maximises the expected utility averaged over the draws, which sums each draw's contraction
(the draws make the parameters an unknown common to every node that carries one, so the
contraction runs over the whole diagram, not only over the factors next to the decision).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING

import numpy as np

from ..errors import QueryError
from ..limits import TIE_TOLERANCE
from .policies import Solution, with_draws

if TYPE_CHECKING:  # pragma: no cover
    from .factored import Factored
    from .plan import Plan
    from .tables import Parameters

__all__ = ["iterate", "strategy_value", "MAX_PASSES", "bayes_strategy"]

#: Most passes of single policy updating (each raises the expected utility; they end long
#: before this in practice).
MAX_PASSES = 1000


def _improve(q: np.ndarray, current: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    """The best allowed option in each configuration, the current one kept unless another is
    better by more than the tie tolerance (relative to the state's largest value)."""
    if mask is not None:
        q = np.where(mask, q, -np.inf)
    best = np.argmax(q, axis=-1)
    top = np.take_along_axis(q, best[..., None], axis=-1)[..., 0]
    now = np.take_along_axis(q, np.broadcast_to(current, top.shape)[..., None],
                             axis=-1)[..., 0]
    finite = np.where(np.isfinite(q), q, 0.0)
    scale = np.abs(finite).max(axis=-1)
    keep = now >= top - TIE_TOLERANCE * scale
    return np.where(keep, np.broadcast_to(current, top.shape), best)


def local_values(f: Factored, ops: Parameters, choices: Mapping[str, np.ndarray],
                 decision: str) -> np.ndarray:
    """``Q(r, option)`` of one decision given the rules in ``choices`` (the others counted
    once per option): the probability-weighted expected utility, draw axis first, over (what
    its rule is over, its options)."""
    output = (*f.info[decision], decision)
    others = [e for e in f.decisions if e != decision and e in choices]
    _, num = f.query(f.factors(ops, choices, output, decisions=others), output)
    if num is None:
        return np.zeros((1,) + tuple(f.plan.sizes[v] for v in output))
    return num


def strategy_value(f: Factored, ops: Parameters, choices: Mapping[str, np.ndarray]
                   ) -> tuple[np.ndarray, np.ndarray]:
    """The expected utility of a strategy in each draw, conditional on the scenario, and the
    scenario's probability."""
    phi, num = f.query(f.factors(ops, choices, ()), ())
    phi = phi.reshape(-1)
    value = np.zeros(np.broadcast_shapes(phi.shape, num.reshape(-1).shape)) \
        if num is not None else np.zeros(phi.shape)
    if num is not None:
        np.divide(num.reshape(-1), phi, out=value, where=phi > 0)
    return value, phi


def iterate(f: Factored, ops: Parameters, masks: Mapping[str, np.ndarray | None]
            ) -> Solution:
    """Single policy updating, each draw on its own numbers: passes over the decisions, the
    first starting with no rule (each option of a decision not yet updated counted once),
    until a pass changes no rule."""
    from .kernels import _choose

    choices: dict[str, np.ndarray] = {}
    passes = 0
    while passes < MAX_PASSES:
        passes += 1
        changed = False
        for d in f.update_order:
            others = {e: c for e, c in choices.items() if e != d}
            q = local_values(f, ops, others, d)
            mask = with_draws(masks.get(d), q.ndim)
            if d not in choices:
                new = _choose(q, mask)
                changed = True
            else:
                new = _improve(q, choices[d], mask)
                changed = changed or new.shape != choices[d].shape or bool(
                    np.any(new != choices[d]))
            choices[d] = new
        if not changed:
            break
    value, evidence = strategy_value(f, ops, choices)
    return Solution(value, evidence, choices, [], passes)


def bayes_strategy(f: Factored, chunks: Callable[[], Iterator[Parameters]],
                   masks: Mapping[str, np.ndarray | None], exact: bool
                   ) -> tuple[dict[str, np.ndarray], int]:
    """The strategy maximising the expected utility averaged over every draw of ``chunks``.

    Starts with no rule (each option of a decision not yet updated counted once) and updates
    the decisions in :attr:`Factored.update_order`, each time summing every chunk's
    contraction; with ``exact`` one pass is optimal, otherwise passes repeat until no rule
    changes. Returns the choices (shared by every draw) and the number of passes.
    """
    sizes = f.plan.sizes
    choices: dict[str, np.ndarray] = {}
    passes = 0
    while passes < MAX_PASSES:
        passes += 1
        changed = False
        for d in f.update_order:
            output = (*f.info[d], d)
            total = np.zeros(tuple(sizes[v] for v in output))
            others = [e for e in f.decisions if e != d and e in choices]
            for chunk in chunks():
                _, num = f.query(f.factors(chunk, choices, output, decisions=others), output)
                if num is not None:
                    total = total + num.sum(axis=0)
            current = choices.get(d)
            mask = with_draws(masks.get(d), total.ndim + 1)
            if current is None:
                from .kernels import _choose

                new = _choose(total[None], mask)
                changed = True
            else:
                new = _improve(total[None], current, mask)
                changed = changed or bool(np.any(new != current))
            choices[d] = new
        if exact or not changed:
            break
    return choices, passes


def check_limited_options(plan: Plan, what: str) -> None:
    """Refuse analyses that need the stage tensor on a limited-memory diagram."""
    if plan.limited:
        raise QueryError(f"expected a diagram of perfect recall for {what}, got one of limited "
                         "memory (`recall: limited`)", file=plan.diagram.file)
