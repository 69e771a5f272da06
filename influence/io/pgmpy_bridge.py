"""Conversion between influence diagrams and ``pgmpy`` Bayesian networks.

A ``pgmpy`` ``DiscreteBayesianNetwork`` holds the chance part of a diagram. :func:`to_pgmpy`
builds one (decisions as root placeholders, or as deterministic nodes under a given strategy),
and :func:`from_pgmpy` builds a :class:`~influence.model.diagram.Diagram` from a network plus
the decisions and utilities it lacks, through the diagram's own constructors, which check it as
they check every diagram. Both are exposed as :func:`influence.to_pgmpy` and
:func:`influence.from_pgmpy`. ``pgmpy`` is imported only inside these functions.

Table layouts. A diagram's chance table has shape ``(*parent cards, n_states)`` with the parents
in ``node.parents`` order. A ``pgmpy`` ``TabularCPD`` has ``values`` of shape
``(n_states, prod(evidence cards))``, evidence in the order given, the last evidence varying
fastest. The two are converted into each other by moving the state axis and reshaping, and the
parents' states are matched by name.
"""

from __future__ import annotations

import heapq
import itertools
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ArgumentTypeError, ModelError, QueryError
from ..messages import describe
from ..model.checks import check_keys, check_parents, check_states
from ..model.diagram import Diagram, Node, Policy, require_diagram
from ..model.policy_reader import parse_policies
from ..model.structure import check_arcs
from ..solve.results import DecisionResult, Evaluation

if TYPE_CHECKING:  # pragma: no cover
    from pgmpy.models import DiscreteBayesianNetwork

__all__ = ["to_pgmpy", "from_pgmpy"]

#: A decision rule: a fixed state, a function of the information state, a table keyed by the
#: tuple of information-state values, or a solved rule.
Rule = str | Callable[[dict[str, str]], str] | Mapping[tuple[str, ...], str] | DecisionResult
Strategy = Mapping[str, Rule] | Evaluation | Sequence[DecisionResult]

_DECISION_KEYS = ("states", "observes", "label", "description", "source")
_UTILITY_KEYS = ("parents", "table", "weight", "unit", "label", "description", "source")


# -- diagram -> pgmpy --------------------------------------------------------------------------


def _rules_of(diagram: Diagram, strategy: Strategy | None) -> dict[str, Rule]:
    if strategy is None:
        return {}
    if isinstance(strategy, Evaluation):
        strategy = strategy.optimal_strategy
    if not isinstance(strategy, Mapping):
        strategy = {r.decision: r for r in strategy}
    names = [d.name for d in diagram.decisions]
    for d in strategy:
        if d not in names:
            raise QueryError(f"expected a strategy for decisions ({', '.join(names)}), got "
                             f"{d!r}", file=diagram.file, node=str(d), field="strategy")
    return dict(strategy)


def _chooser(diagram: Diagram, decision: str, rule: Rule) -> Callable[[dict[str, str]], Any]:
    """The rule as a function of the information state (dict over the information set)."""
    knows = diagram.information_set(decision)
    if isinstance(rule, str):
        return lambda info: rule
    if isinstance(rule, DecisionResult):
        first = diagram.node(decision).states[0]
        table = {tuple(r.given[v] for v in rule.knows): r.choose or first for r in rule.rules}
        return lambda info: table.get(tuple(info[v] for v in rule.knows))
    if isinstance(rule, Mapping):
        return lambda info: rule.get(tuple(info[v] for v in knows))
    if callable(rule):
        return rule
    raise QueryError(f"expected a state, a function, a mapping or a DecisionResult, got "
                     f"{type(rule).__name__}", file=diagram.file, node=decision, field="strategy")


def _decision_values(diagram: Diagram, decision: str, rule: Rule) -> tuple[list, np.ndarray]:
    """Evidence (the information set) and the deterministic CPD values of a decision."""
    node = diagram.node(decision)
    knows = diagram.information_set(decision)
    choose = _chooser(diagram, decision, rule)
    spaces = [diagram.node(v).states for v in knows]
    columns = []
    for combo in itertools.product(*spaces):
        info = dict(zip(knows, combo, strict=True))
        state = choose(info)
        if state not in node.states:
            raise QueryError(
                f"expected the strategy to choose a state of '{decision}' "
                f"({', '.join(node.states)}) when it knows {info or 'nothing'}, got {state!r}",
                file=diagram.file, node=decision, field="strategy")
        col = np.zeros(len(node.states))
        col[node.state_index[state]] = 1.0
        columns.append(col)
    return list(knows), np.stack(columns, axis=1)


def to_pgmpy(diagram: Diagram, strategy: Strategy | None = None) -> DiscreteBayesianNetwork:
    """The chance part of a diagram as a ``pgmpy`` ``DiscreteBayesianNetwork``.

    Parameters
    ----------
    diagram : Diagram
        The influence diagram.
    strategy : mapping, Evaluation or sequence of DecisionResult, optional
        Decision rules to build into the network. A mapping decision -> rule, where a rule is a
        state (a fixed choice), a function from the information state (dict variable -> state
        over :meth:`Diagram.information_set`, perfect recall) to a state, a mapping from the
        tuple of information-state values (in :meth:`Diagram.information_set` order) to a
        state, or a :class:`~influence.results.DecisionResult`. An
        :class:`~influence.results.Evaluation` (or its ``optimal_strategy``) stands for its
        optimal rules; their impossible information states choose the first state.

    Returns
    -------
    pgmpy.models.DiscreteBayesianNetwork
        Chance and decision nodes in file order, with their states as ``state_names``; utility
        nodes are left out. A decision with a rule in ``strategy`` gets a deterministic CPD
        given its information set. Any other decision is a root node with a uniform CPD: a
        placeholder to intervene on (``do``) or to condition on, not a model of the choice.

    Raises
    ------
    QueryError
        If the strategy names something other than a decision, or chooses something other than
        a state of the decision.
    """
    with warnings.catch_warnings():  # pgmpy 1.x warns about its own deprecated modules
        warnings.simplefilter("ignore", FutureWarning)
        from pgmpy.factors.discrete import TabularCPD
        from pgmpy.models import DiscreteBayesianNetwork

    require_diagram(diagram)
    rules = _rules_of(diagram, strategy)
    network = DiscreteBayesianNetwork()
    nodes = [n for n in diagram.nodes if n.kind != "utility"]
    network.add_nodes_from([n.name for n in nodes])
    cpds = []
    for n in nodes:
        if n.kind == "chance":
            evidence = list(n.parents)
            values = np.moveaxis(n.table, -1, 0).reshape(len(n.states), -1)
        elif n.name in rules:
            evidence, values = _decision_values(diagram, n.name, rules[n.name])
        else:
            evidence = []
            values = np.full((len(n.states), 1), 1.0 / len(n.states))
        network.add_edges_from((p, n.name) for p in evidence)
        state_names = {v: list(diagram.node(v).states) for v in [n.name, *evidence]}
        cpds.append(TabularCPD(
            n.name, len(n.states), values, evidence=evidence or None,
            evidence_card=[len(diagram.node(p).states) for p in evidence] or None,
            state_names=state_names,
        ))
    network.add_cpds(*cpds)
    network.check_model()
    return network


# -- pgmpy -> diagram --------------------------------------------------------------------------


def _spec(what: str, name: str, spec: Any, allowed: tuple[str, ...]) -> Mapping:
    if not isinstance(spec, Mapping):
        raise ModelError(f"expected a mapping with {', '.join(allowed[:2])}, got "
                         f"{describe(spec)}", node=name, field=what)
    singular = {"decisions": "decision", "utilities": "utility"}[what]
    check_keys(spec, allowed, what=f"the spec of {singular} '{name}'", node=name, field=what)
    return spec


def _states_of_cpd(cpd: Any, var: Any) -> tuple[str, ...]:
    return tuple(str(s) for s in cpd.state_names[var])


def _chance_node(network: Any, raw_name: Any, spaces: Mapping[str, tuple[str, ...]]) -> Node:
    """A chance node from the network's CPD of ``raw_name``, parents in the CPD's evidence
    order."""
    name = str(raw_name)
    cpd = network.get_cpds(raw_name)
    evidence = [str(v) for v in cpd.variables[1:]]
    cards = [int(c) for c in cpd.cardinality]
    table = np.moveaxis(np.asarray(cpd.get_values(), dtype=float).reshape(cards), 0, -1)
    for axis, (raw, parent) in enumerate(zip(cpd.variables[1:], evidence, strict=True)):
        here = {s: i for i, s in enumerate(_states_of_cpd(cpd, raw))}
        own = spaces[parent]
        if len(here) != len(own) or any(s not in here for s in own):
            raise ModelError(f"expected the states of '{parent}' ({', '.join(own)}) in the CPD, "
                             f"got {', '.join(here)}", node=name, field="cpd")
        table = np.take(table, [here[s] for s in own], axis=axis)
    return Node(name=name, kind="chance", states=spaces[name], parents=tuple(evidence),
                table=table)


def _utility_table(name: str, raw: Any, parents: tuple[str, ...],
                   spaces: Mapping[str, tuple[str, ...]]) -> Any:
    """The values as an array: from a mapping nested by parent, or as given (the node checks
    them)."""
    if not isinstance(raw, Mapping):
        return raw
    index = {p: {s: i for i, s in enumerate(spaces[p])} for p in parents}
    table = np.empty(tuple(len(spaces[p]) for p in parents))
    for combo in itertools.product(*(spaces[p] for p in parents)):
        level: Any = raw
        for p, s in zip(parents, combo, strict=True):
            if not isinstance(level, Mapping) or s not in level:
                raise ModelError(f"expected a value for {p}={s!r} (nested by parents "
                                 f"{', '.join(parents)}), got none", node=name, field="table")
            level = level[s]
        table[tuple(index[p][s] for p, s in zip(parents, combo, strict=True))] = level
    return table


def _utility_node(name: str, spec: Any, spaces: Mapping[str, tuple[str, ...]],
                  kinds: Mapping[str, str]) -> Node:
    spec = _spec("utilities", name, spec, _UTILITY_KEYS)
    parents = spec.get("parents", ())
    parents = check_parents([parents] if isinstance(parents, str) else parents, node=name,
                            field="parents")
    check_arcs(name, "utility", parents, kinds)
    if "table" not in spec:
        raise ModelError("expected a `table` of values, got none", node=name, field="table")
    return Node(name=name, kind="utility", parents=parents,
                table=_utility_table(name, spec["table"], parents, spaces),
                weight=spec.get("weight", 1.0), unit=spec.get("unit"), label=spec.get("label"),
                description=spec.get("description"), source=spec.get("source"))


def _decision_node(name: str, spec: Any, spaces: dict[str, tuple[str, ...]]) -> Node:
    """A decision from its spec; records its states in ``spaces``."""
    spec = _spec("decisions", name, spec, _DECISION_KEYS)
    if "states" in spec:
        spaces[name] = check_states(spec["states"], node=name, numbers=True)
    elif name not in spaces:
        raise ModelError("expected `states` for a decision that is not a node of the network, "
                         "got none", node=name, field="states")
    observes = spec.get("observes") or ()
    if isinstance(observes, str | int):
        observes = (observes,)
    if isinstance(observes, list | tuple):  # network nodes may have names that are not text
        observes = tuple(str(o) for o in observes)
    return Node(name=name, kind="decision", states=spaces[name], parents=observes,
                label=spec.get("label"), description=spec.get("description"),
                source=spec.get("source"))


def _order(by_name: Mapping[str, Node], network_order: list[str],
           decisions: list[Node]) -> list[str]:
    """A topological order of the chance and decision nodes (arcs, information arcs, and each
    decision after the previous one): network nodes keep their place where the arcs allow, a
    decision outside the network goes right after the last node it observes and the previous
    decision."""
    rank: dict[str, tuple[int, int]] = {n: (i, 0) for i, n in enumerate(network_order)}
    previous = (-1, 0)
    for k, d in enumerate(decisions, start=1):
        if d.name not in rank:
            anchor = max([rank.get(p, (-1, 0)) for p in d.parents] + [previous])
            rank[d.name] = (anchor[0], k)
        previous = rank[d.name]
    preds = {n: {p for p in node.parents if p in by_name} for n, node in by_name.items()}
    for a, b in itertools.pairwise(decisions):
        preds[b.name].add(a.name)
    waiting = {n: len(ps) for n, ps in preds.items()}
    children: dict[str, list[str]] = {n: [] for n in preds}
    for n, ps in preds.items():
        for p in ps:
            children[p].append(n)
    ready = [(rank[n], n) for n, k in waiting.items() if k == 0]
    heapq.heapify(ready)
    done: list[str] = []
    while ready:
        _, n = heapq.heappop(ready)
        done.append(n)
        for c in children[n]:
            waiting[c] -= 1
            if waiting[c] == 0:
                heapq.heappush(ready, (rank[c], c))
    if len(done) < len(preds):  # a cycle: the rest in rank order; the Diagram reports it
        placed = set(done)
        done += sorted((n for n in preds if n not in placed), key=lambda n: rank[n])
    return done


def from_pgmpy(
    network: Any,
    *,
    decisions: Mapping[str, Mapping[str, Any]] | None = None,
    utilities: Mapping[str, Mapping[str, Any]],
    name: str,
    policies: Sequence[Policy] | Mapping[str, Any] = (),
    title: str | None = None,
    units: str | None = None,
) -> Diagram:
    """Build a validated diagram from a ``pgmpy`` network plus decisions and utilities.

    Parameters
    ----------
    network : pgmpy.models.DiscreteBayesianNetwork
        The chance part: every node with a ``TabularCPD``. State names become the states (as
        text; pgmpy's default names 0, 1, ... become "0", "1", ...). A node named in
        ``decisions`` is a decision: its CPD and incoming arcs are ignored (as for the uniform
        placeholders :func:`to_pgmpy` writes); its outgoing arcs stay.
    decisions : mapping, optional
        Decision name -> ``{"states": [...], "observes": [...]}``, in the order the decisions
        are taken. ``states`` may be left out for a decision that is a node of the network
        (its state names are used); ``observes`` defaults to nothing. Optional keys: ``label``,
        ``description``, ``source``.
    utilities : mapping
        Utility name -> ``{"parents": [...], "table": ...}``; ``table`` is a number (no
        parents), an array of shape ``(*parent cards)`` with states in the parents' order, or
        a mapping nested by parent in ``parents`` order (``{state of parents[0]: {state of
        parents[1]: value}}``). Optional keys: ``weight`` (default 1), ``unit``, ``label``,
        ``description``, ``source``.
    name : str
        The model's name.
    policies : sequence of Policy, or mapping
        Named policies: :class:`~influence.diagram.Policy` objects, or a mapping in the
        model-file format (``{id: {"label": ..., "choose": {...}}}``).
    title, units : str, optional
        The model's title and the unit of its utilities.

    Returns
    -------
    Diagram
        Nodes in a topological order: the order of ``network.nodes()`` where the arcs allow,
        each decision not in the network right after the last node it observes and the previous
        decision, decisions in the order of ``decisions``, utilities last. Built and checked
        like every diagram (:class:`~influence.model.diagram.Diagram`); CPD rows summing to 1
        within :data:`influence.limits.SUM_TOLERANCE` are divided by their sums.

    Raises
    ------
    ModelError
        If the network, the decisions, the utilities or the policies do not make a valid
        diagram; the message names the node and the field.
    """
    if not all(hasattr(network, a) for a in ("nodes", "get_cpds")):
        raise ArgumentTypeError(f"expected `network` to be a pgmpy DiscreteBayesianNetwork, got "
                                f"{type(network).__name__}", parameter="network")
    decisions = dict(decisions or {})
    raw_of = {str(n): n for n in network.nodes()}
    spaces: dict[str, tuple[str, ...]] = {}
    for n, raw in raw_of.items():
        cpd = network.get_cpds(raw)
        if cpd is not None:
            spaces[n] = _states_of_cpd(cpd, raw)
        elif n not in decisions:
            raise ModelError("expected a CPD for every node of the network, got none",
                             node=n, field="cpd")
    dec_nodes = [_decision_node(d, spec, spaces) for d, spec in decisions.items()]
    chance = [_chance_node(network, raw, spaces) for n, raw in raw_of.items()
              if n not in decisions]
    kinds = {n.name: n.kind for n in chance + dec_nodes}
    kinds.update(dict.fromkeys(utilities, "utility"))
    utility = [_utility_node(u, spec, spaces, kinds) for u, spec in utilities.items()]
    by_name = {n.name: n for n in chance + dec_nodes}
    order = _order(by_name, list(raw_of), dec_nodes)
    if isinstance(policies, Mapping):
        policies = parse_policies(policies)
    return Diagram(name=name, nodes=tuple(by_name[n] for n in order) + tuple(utility),
                   policies=tuple(policies), title=title, units=units)
