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

__all__ = ["MemoryEstimate", "estimate", "estimate_stage", "estimate_point", "check",
           "check_point", "check_rules"]

#: Copies of the stage tensor an evaluation holds at its peak (per draw, float64).
STAGE_COPIES = 12
#: Bytes of one rule (information state) of a result, plus per known variable and per option.
RULE_BYTES, RULE_BYTES_PER_VARIABLE, RULE_BYTES_PER_OPTION = 450, 50, 80
#: Copies of the largest array of the potentials solver alive at once (its inputs, the sum of
#: the utilities, the quotient).
POINT_COPIES = 6
#: Bytes the interpreter allocates on its own during an evaluation (modules imported when
#: first used, small objects).
POINT_OVERHEAD = 16 * 2**20


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
    fixed: int = 0

    def total(self, draws: int = 1, *, rules: bool = True) -> int:
        """Bytes for ``draws`` draws at once, with or without the result objects."""
        return self.per_draw * draws + (self.rules if rules else 0) + self.fixed


def estimate(plan: Plan) -> MemoryEstimate:
    """The memory an evaluation of ``plan`` on one set of numbers needs: with the potentials
    solver (:func:`estimate_point`) or on the stage tensor (:func:`estimate_stage`)."""
    return plan.point_memory


def estimate_point(plan: Plan) -> MemoryEstimate:
    """The memory the potentials solver needs for one set of numbers: the tables, every array
    its program makes (the state before each update is kept, to value the alternatives and
    policies from it), a few copies of the largest, and a fixed allowance for the
    interpreter's own allocations. Rules are made later, when asked (:func:`check_rules`)."""
    factored = plan.factored
    params = sum(n.table.size for n in plan.diagram.nodes if n.table is not None)
    if factored.exact:
        largest, created = factored.program.largest, factored.program.created
    else:
        largest = factored.update_size()
        created = largest
    last = factored.update_order[-1] if factored.update_order else None
    what = f"an intermediate table of the solve ({largest:,} entries)"
    per_draw = 8 * (2 * params + created + POINT_COPIES * largest)
    return MemoryEstimate(per_draw=int(per_draw), rules=0, largest=(what, 8 * largest),
                          node=last, fixed=POINT_OVERHEAD)


def check_point(plan: Plan) -> None:
    """Refuse a point evaluation that would not fit ``plan.memory_limit``."""
    need = plan.point_memory.total(1)
    if need <= plan.memory_limit:
        return
    what, size = plan.point_memory.largest
    raise TooLargeError(
        f"expected an evaluation within the memory limit of "
        f"{format_bytes(plan.memory_limit)}, got an estimated {format_bytes(need)}, mostly "
        f"for {what}: {format_bytes(size)}; observe fewer nodes, merge states, or raise "
        "`memory_limit`", file=plan.diagram.file, node=plan.point_memory.node,
        parameter="memory_limit")


def check_rules(plan: Plan, decision: str, knows: tuple[str, ...]) -> None:
    """Refuse to list the rules of a decision (one per information state) that would not fit
    ``plan.memory_limit``."""
    states = int(np.prod([plan.sizes[v] for v in knows], dtype=float))
    options = plan.sizes[decision]
    need = states * (RULE_BYTES + RULE_BYTES_PER_VARIABLE * len(knows)
                     + RULE_BYTES_PER_OPTION * options + 8 * 6 * options)
    if need <= plan.memory_limit:
        return
    raise TooLargeError(
        f"expected the rules of '{decision}' within the memory limit of "
        f"{format_bytes(plan.memory_limit)}, got an estimated {format_bytes(need)} for "
        f"one result row per information state ({states:,} states of what it knows); its "
        "choice depends only on its requisite information: read it from the table report, "
        "or raise `memory_limit`", file=plan.diagram.file, node=decision,
        parameter="memory_limit")


def estimate_stage(plan: Plan) -> MemoryEstimate:
    """The memory an evaluation of ``plan`` on the stage tensor needs (see the module's
    description)."""
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
