"""What evaluating a plan will cost in memory, estimated before anything is allocated.

An evaluation holds, per draw, the tables it is given, a few copies of the stage tensor (the
utility terms being summed, the probabilities of the information states, backward induction's
values) and the largest intermediate of each planned contraction; once for all draws, one rule
object per information state of each decision. :func:`estimate` adds these up from the plan's
structure and its contraction paths; :func:`check` refuses, with what is too big and by how
much, work that would not fit the memory limit.

The constants were measured on the textbook and random diagrams (``benchmarks/bench_memory.py``
compares the estimate with the peak resident memory of real evaluations); they err on the side
of refusing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..errors import TooLargeError
from ..limits import format_bytes

if TYPE_CHECKING:  # pragma: no cover
    from .plan import Plan

__all__ = ["MemoryEstimate", "estimate", "check"]

#: Copies of the stage tensor an evaluation holds at its peak (per draw, float64).
STAGE_COPIES = 12
#: Bytes of one rule (information state) of a result, plus per known variable and per option.
RULE_BYTES, RULE_BYTES_PER_VARIABLE, RULE_BYTES_PER_OPTION = 450, 50, 80


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes an evaluation of a plan needs.

    Attributes
    ----------
    per_draw : int
        Numeric arrays, per draw evaluated at once.
    rules : int
        Result objects (one per information state), once; only a full evaluation makes them.
    largest : tuple of (str, int)
        What needs the most per draw, and how many bytes.
    """

    per_draw: int
    rules: int
    largest: tuple[str, int]
    node: str | None = None

    def total(self, draws: int = 1, *, rules: bool = True) -> int:
        """Bytes for ``draws`` draws at once, with or without the result objects."""
        return self.per_draw * draws + (self.rules if rules else 0)


def estimate(plan: Plan) -> MemoryEstimate:
    """The memory an evaluation of ``plan`` needs (see the module's description)."""
    diagram = plan.diagram
    params = sum(n.table.size for n in diagram.nodes if n.table is not None)
    stage = plan.information_states
    copies = STAGE_COPIES + len(diagram.utilities)  # and one mean per utility node
    last = diagram.decisions[-1].name if diagram.decisions else None
    what = (f"the strategy tables of '{last}'" if last is not None
            else "the expected utility")
    parts = {f"{what} ({stage:,} entries, {copies} copies)": 8 * copies * stage}
    terms = [(t.node, t) for t in plan.utility_terms] + [("", plan.reach_term)]
    if plan.evidence_term is not None:
        terms.append(("", plan.evidence_term))
    nodes = {next(iter(parts)): last}
    for node, term in terms:
        entries = term.contraction.largest_intermediate()
        what = (f"the expected value of utility node '{node}'" if node
                else "the probabilities of the information states")
        key = f"{what} (an intermediate table of {entries:,} entries)"
        parts[key] = 2 * 8 * entries
        nodes[key] = node or None
    per_draw = 8 * 2 * params + sum(parts.values())
    rules = 0
    for k, d in enumerate(diagram.decisions):
        past = plan.past(k)
        states = int(np.prod([plan.sizes[v] for v in past], dtype=float))
        rules += states * (RULE_BYTES + RULE_BYTES_PER_VARIABLE * len(past)
                           + RULE_BYTES_PER_OPTION * len(d.states))
    largest = max(parts.items(), key=lambda kv: kv[1])
    return MemoryEstimate(per_draw=int(per_draw), rules=int(rules), largest=largest,
                          node=nodes.get(largest[0]))


def check(plan: Plan, draws: int = 1, *, rules: bool = True, kept: int = 0) -> None:
    """Refuse work that would not fit ``plan.memory_limit``.

    Parameters
    ----------
    plan : Plan
    draws : int
        Draws evaluated at once.
    rules : bool
        Whether result objects are made (a full evaluation) or only arrays.
    kept : int
        Further bytes kept for the whole run (per-draw values of every option).

    Raises
    ------
    TooLargeError
        Naming what needs the most memory and how much, against the limit.
    """
    need = plan.memory.total(draws, rules=rules) + kept
    if need <= plan.memory_limit:
        return
    what, size = plan.memory.largest
    node = plan.memory.node
    size *= draws
    if rules and plan.memory.rules > size:
        what, size = "one result row per information state of every decision", plan.memory.rules
        node = None
    elif kept > size:
        what, size, node = "the expected utility of every option in every draw", kept, None
    fewer = "use fewer draws, " if draws > 1 or kept else ""
    raise TooLargeError(
        f"expected an evaluation within the memory limit of "
        f"{format_bytes(plan.memory_limit)}, got an estimated {format_bytes(need)}, mostly "
        f"for {what}: {format_bytes(size)}; observe fewer nodes, merge states, {fewer}or raise "
        "`memory_limit`", file=plan.diagram.file, node=node, parameter="memory_limit")
