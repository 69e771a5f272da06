"""The value of observing chance nodes before a decision (the value of clairvoyance).

For a decision ``D`` and chance nodes ``X`` that ``D`` does not know (under perfect recall) and
does not influence (no ``X`` is a descendant of ``D`` or of a later decision), the value of
observing ``X`` before ``D`` is the increase in the maximum expected utility when an information
arc ``X -> D`` is added and every decision, ``D``'s new rule included, is re-optimised under
perfect recall (so every later decision knows ``X`` too).

On a diagram of limited memory (``recall: limited``) the arc ``X -> D`` is added the same way,
but only ``D`` learns ``X`` (a later decision knows it only if it observes it too, or remembers
``D``): the value is the maximum expected utility of the diagram with the arc, found by single
policy updating, minus that of the diagram without it. Both are exact when both diagrams are
soluble (``ObserveValue.exact``); otherwise either may be a local optimum, and the difference
can even be negative (a local optimum found with more information can be worse than one found
without it). It is reported as found, not cut at zero.

Nodes are listed in temporal order and a decision may only observe nodes listed before it. When
``X`` comes after ``D`` in the file, :func:`with_observation` moves ``X`` and those of its
ancestors that also come after ``D`` to just before ``D``, in their order. That is always valid:
none of them is a decision (a decision after ``D`` among ``X``'s ancestors would influence
``X``) nor a descendant of ``D``, and moving chance nodes earlier changes no decision's
information, since what a decision knows is given by its arcs, not by the order of the chance
nodes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from ..errors import ArgumentTypeError, QueryError
from ..limits import MEMORY_BUDGET, TIE_TOLERANCE
from ..messages import describe, suggest
from ..model.diagram import Diagram
from ..solve.plan import Plan
from .beliefs import Beliefs
from .limited_values import LimitedValuer
from .valuation import Valuer, mean_stage
from .voi_results import ObserveValue

__all__ = ["with_observation", "observation_pairs", "observe_values", "bayes_valuer",
           "influenced_by", "solution_of"]


def influenced_by(diagram: Diagram, decision: str) -> frozenset[str]:
    """Nodes that ``decision`` or a later decision influences (their descendants)."""
    names = [d.name for d in diagram.decisions]
    out: set[str] = set()
    for d in names[names.index(decision):]:
        out |= diagram.descendants(d)
    return frozenset(out)


def with_observation(diagram: Diagram, decision: str, nodes: Sequence[str]) -> Diagram:
    """``diagram`` with information arcs from ``nodes`` to ``decision``.

    Parameters
    ----------
    diagram : Diagram
    decision : str
    nodes : sequence of str
        Chance nodes that ``decision`` does not influence (see :func:`observation_pairs`).

    Returns
    -------
    Diagram
        Without the named policies (they play no part in the maximum expected utility).
        Nodes listed after ``decision`` that it now observes, and their ancestors listed after
        it, come just before it.
    """
    names = diagram.names
    position = {n: i for i, n in enumerate(names)}
    at = position[decision]
    new = [x for x in nodes if x not in diagram.node(decision).parents]
    late = {x for x in new if position[x] > at}
    for x in list(late):
        late |= {a for a in diagram.ancestors(x) if position[a] > at}
    order = ([n for n in names[:at]] + [n for n in names if n in late]
             + [n for n in names[at:] if n not in late])
    observes = tuple(sorted((*diagram.node(decision).parents, *new), key=position.__getitem__))
    nodes_out = tuple(replace(diagram.node(n), parents=observes) if n == decision
                      else diagram.node(n) for n in order)
    return Diagram(name=diagram.name, nodes=nodes_out, policies=(), title=diagram.title,
                   description=diagram.description, sources=diagram.sources,
                   units=diagram.units, file=diagram.file, recall=diagram.recall,
                   parameters=diagram.parameters)


def _check_names(diagram: Diagram, nodes: str | Sequence[str] | None,
                 decision: str | None) -> tuple[tuple[str, ...] | None, str | None]:
    if decision is not None:
        known = [d.name for d in diagram.decisions]
        if not isinstance(decision, str) or decision not in known:
            raise QueryError(f"expected `decision` to be a decision of the model "
                             f"({', '.join(known)}), got {decision!r}{suggest(decision, known)}",
                             file=diagram.file, node=str(decision), parameter="decision")
    if nodes is None:
        return None, decision
    if isinstance(nodes, str):
        nodes = (nodes,)
    if isinstance(nodes, Mapping) or not isinstance(nodes, Iterable):
        raise ArgumentTypeError(f"expected `nodes` to be chance node names (a list of text), "
                                f"got {describe(nodes)}", file=diagram.file, parameter="nodes")
    nodes = tuple(nodes)
    chance = [n.name for n in diagram.chance_nodes]
    if not nodes:
        raise QueryError("expected `nodes` to name at least one chance node, got none",
                         file=diagram.file, parameter="nodes")
    for x in nodes:
        if not isinstance(x, str) or x not in diagram or diagram.node(x).kind != "chance":
            what = (f"the {diagram.node(x).kind} node {x!r}"
                    if isinstance(x, str) and x in diagram else f"{x!r}{suggest(x, chance)}")
            raise QueryError(f"expected `nodes` to name chance nodes of the model, got {what}",
                             file=diagram.file, node=str(x), parameter="nodes")
    position = {n: i for i, n in enumerate(diagram.names)}
    return tuple(sorted(set(nodes), key=position.__getitem__)), decision


def observation_pairs(diagram: Diagram, nodes: str | Sequence[str] | None = None,
                      decision: str | None = None, given: Mapping[str, str] | None = None
                      ) -> list[tuple[str, tuple[str, ...]]]:
    """The questions to answer: ``(decision, nodes)`` pairs.

    Without ``nodes``: every chance node that each decision (or ``decision``) neither knows
    nor influences, one at a time. With ``nodes``: those nodes together, before every decision
    (or ``decision``) that influences none of them and does not know them all already.

    Raises
    ------
    QueryError
        For unknown names; with ``decision`` and ``nodes``, when the decision influences one of
        them or knows them all; with ``nodes``, when no decision can learn them.
    """
    nodes, decision = _check_names(diagram, nodes, decision)
    given = dict(given or {})
    decisions = [decision] if decision is not None else [d.name for d in diagram.decisions]
    pairs = []
    for d in decisions:
        influenced = influenced_by(diagram, d)
        known = set(diagram.information_set(d)) | set(given)
        if nodes is None:
            pairs += [(d, (x.name,)) for x in diagram.chance_nodes
                      if x.name not in influenced and x.name not in known]
            continue
        bad = [x for x in nodes if x in influenced]
        if bad and decision is not None:
            raise QueryError(f"expected chance nodes that '{d}' does not influence, got "
                             f"{', '.join(repr(b) for b in bad)}, which '{d}' or a later decision "
                             "influences: it cannot be known before the decision",
                             file=diagram.file, node=bad[0], parameter="nodes")
        if not bad and any(x not in known for x in nodes):
            pairs.append((d, nodes))
        elif not bad and decision is not None:
            raise QueryError(f"expected chance nodes that '{d}' does not already know, got "
                             f"{', '.join(repr(x) for x in nodes)}, which it knows when it is "
                             "taken (what it or an earlier decision observes, or the scenario)",
                             file=diagram.file, node=nodes[0], parameter="nodes")
    if nodes is not None and not pairs:
        raise QueryError(f"expected chance nodes that some decision neither knows nor "
                         f"influences, got {', '.join(repr(x) for x in nodes)}: every decision "
                         "knows them already or influences one of them", file=diagram.file,
                         node=nodes[0], parameter="nodes")
    return pairs


def bayes_valuer(diagram: Diagram, given: Mapping[str, str] | None,
                 beliefs: Beliefs | None, memory_limit: int | None = None
                 ) -> Valuer | LimitedValuer:
    """The diagram's :class:`Valuer`: on its own numbers, at the parameters' means, or (for
    parameters that depend on each other across nodes) on the mean over the draws. Its plan
    has ``memory_limit`` (default: half the machine's memory). A diagram of limited memory
    gets a :class:`~influence.analysis.limited_values.LimitedValuer`."""
    plan = Plan(diagram, given, memory_limit=memory_limit)
    if plan.limited:
        own = {n.name: n.table for n in diagram.nodes if n.table is not None}
        if beliefs is None:
            return LimitedValuer(plan, own)
        if beliefs.exact_means:
            return LimitedValuer(plan, beliefs.means)
        chunk = max(1, MEMORY_BUDGET // max(plan.memory.per_draw, 1))
        return LimitedValuer(plan, beliefs.means, chunks=lambda: beliefs.chunks(chunk))
    if beliefs is None:
        return Valuer(plan, {n.name: n.table for n in diagram.nodes if n.table is not None})
    if beliefs.exact_means:
        return Valuer(plan, beliefs.means)
    chunk = max(1, MEMORY_BUDGET // max(plan.memory.per_draw, 1))
    stage, evidence = mean_stage(plan, beliefs.chunks(chunk))
    return Valuer(plan, beliefs.means, stage=stage, evidence=evidence)


def observe_values(diagram: Diagram, *, nodes: str | Sequence[str] | None = None,
                   decision: str | None = None, given: Mapping[str, str] | None = None,
                   beliefs: Beliefs | None = None,
                   base: Valuer | LimitedValuer | None = None,
                   memory_limit: int | None = None) -> tuple[ObserveValue, ...]:
    """The value of observing chance nodes before decisions; see :func:`observation_pairs`
    for which, and the module's description for how.

    Parameters
    ----------
    diagram : Diagram
    nodes, decision, given
        As in :func:`observation_pairs` (``given`` is a scenario, conditioned on throughout).
    beliefs : Beliefs, optional
        Under parameter uncertainty: the decision is the Bayes decision (at the means).
    base : Valuer, optional
        The diagram's own valuer, if already built.
    memory_limit : int, optional
        Bytes of working memory each solve may use (default: half the machine's memory).

    Returns
    -------
    tuple of ObserveValue
        In the order of the decisions, then of the nodes in the file.
    """
    pairs = observation_pairs(diagram, nodes, decision, given)
    base = base if base is not None else bayes_valuer(diagram, given, beliefs, memory_limit)
    known = {d: set(diagram.information_set(d)) | set(given or {}) for d, _ in pairs}
    out = []
    for d, xs in pairs:
        variant = with_observation(diagram, d, [x for x in xs if x not in known[d]])
        valuer = bayes_valuer(variant, given, beliefs, memory_limit)
        meu = valuer.maximum_expected_utility
        value = meu - base.maximum_expected_utility
        scale = max(abs(meu), abs(base.maximum_expected_utility), 1.0)
        if abs(value) <= TIE_TOLERANCE * scale:
            value = 0.0  # rounding: the two optima are the same
        exact = None if diagram.recall != "limited" else bool(base.exact and valuer.exact)
        out.append(ObserveValue(decision=d, nodes=xs, value=value,
                                maximum_expected_utility=meu, exact=exact))
    return tuple(out)


def solution_of(base: Valuer | LimitedValuer,
                observed: Sequence[ObserveValue] = ()) -> dict[str, Any] | None:
    """How the strategies of a value-of-information analysis are found, on a diagram of
    limited memory (None under perfect recall): ``exact`` only when the optimum without
    further information and every observation's optimum are exact."""
    if not isinstance(base, LimitedValuer):
        return None
    note = base.solution
    note["exact"] = bool(base.exact and all(o.exact for o in observed))
    return note
