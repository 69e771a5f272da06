"""Groups of uncertain parameters, and rows a study observes, named as everywhere else.

A group is a list of specifications, each one of

- ``NODE``: every uncertain row of a chance node, or every uncertain value of a utility node;
- ``NODE[PARENT=STATE,...]``: one row of a chance node, or one value of a utility node;
- ``NODE:STATE``, ``NODE[PARENT=STATE,...]:STATE``: one probability of a row (the parameter
  names of :mod:`influence.analysis.parameters`);
- ``param:NAME``: a parameter of the model (named, or of a structured table). ``NODE`` takes
  in the parameters of its structured table too.

Only rows and values with a prior are uncertain; naming anything else is an error. One
probability of a row of two states, or of a row with a Beta prior (whose other states keep fixed
shares of the rest), determines the whole row. Of a Dirichlet row of more states, the named
probabilities are learned and the rest of the row keeps its conditional mean: the other states
share what is left in proportion to their concentrations, which is exact for a Dirichlet.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..bayes.draws import Slot
from ..errors import ArgumentTypeError, QueryError
from ..messages import suggest
from ..model.diagram import Diagram, Node
from ..model.priors import BetaPrior, DirichletPrior, Prior

__all__ = ["Piece", "Group", "parse_group", "default_groups", "parse_row", "split_specs",
           "parameter_name", "conditional_rows", "group_tables", "group_features", "complete",
           "complete_nodes", "recomputable"]

_SPEC = re.compile(r"^\s*(?P<node>[^\[\]:=,\s]+)\s*(?:\[(?P<given>[^\]]*)\])?\s*"
                   r"(?::\s*(?P<state>\S(?:.*\S)?))?\s*$")


@dataclass(frozen=True)
class Piece:
    """One uncertain row or value of a group, whole (``components`` None) or some of its
    probabilities (state indices)."""

    slot: Slot
    components: frozenset[int] | None = None


@dataclass(frozen=True)
class Group:
    """A named group of parameters learned together."""

    name: str
    pieces: tuple[Piece, ...]
    parameters: tuple[str, ...]

    @property
    def nodes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(n for p in self.pieces for n in p.slot.nodes))

    @property
    def slot_names(self) -> frozenset[str]:
        return frozenset(p.slot.name for p in self.pieces)

    @property
    def partial(self) -> bool:
        return any(p.components is not None for p in self.pieces)


def parameter_name(node: Node, given: Mapping[str, str], state: str | None = None) -> str:
    """``NODE[PARENT=STATE,...]:STATE`` (parents in the node's order; parts left out when
    there are none)."""
    text = node.name
    if node.parents:
        text += "[" + ",".join(f"{p}={given[p]}" for p in node.parents) + "]"
    return f"{text}:{state}" if state is not None else text


def split_specs(text: str) -> list[str]:
    """Split ``A,B[x=1,y=2]:s,C`` at the commas outside brackets."""
    out, depth, current = [], 0, ""
    for ch in text:
        depth += ch == "["
        depth -= ch == "]"
        if ch == "," and depth == 0:
            out.append(current)
            current = ""
        else:
            current += ch
    out.append(current)
    return [s.strip() for s in out]


def _error(diagram: Diagram, spec: Any, message: str, parameter: str,
           node: str | None = None) -> QueryError:
    return QueryError(f"{spec!r}: {message}", file=diagram.file, node=node, parameter=parameter)


def parse_row(diagram: Diagram, spec: str, parameter: str, kinds: tuple[str, ...] = ("chance",)
              ) -> tuple[Node, dict[str, str] | None, str | None]:
    """The node, the row's parent states (None when no brackets were given) and the state of
    ``spec``.

    Raises
    ------
    QueryError
        For a malformed spec, an unknown node, parent or state, or a node of another kind.
    """
    match = _SPEC.match(spec) if isinstance(spec, str) else None
    if not match:
        raise _error(diagram, spec, "expected NODE, NODE[PARENT=STATE,...] or "
                     "NODE[PARENT=STATE,...]:STATE", parameter)
    name = match["node"]
    if name not in diagram:
        candidates = [n.name for n in diagram.nodes if n.kind in kinds]
        raise _error(diagram, spec, f"expected a {' or '.join(kinds)} node, got {name!r}, which "
                     f"is not a node of the model{suggest(name, candidates)}", parameter, name)
    node = diagram.node(name)
    if node.kind not in kinds:
        raise _error(diagram, spec, f"expected a {' or '.join(kinds)} node, got the {node.kind} "
                     f"node '{name}'", parameter, name)
    given = None
    if match["given"] is not None:
        given = {}
        for part in match["given"].split(","):
            parent, eq, state = (x.strip() for x in part.partition("="))
            if not eq or parent not in node.parents:
                raise _error(diagram, spec, f"expected PARENT=STATE with parents of '{name}' "
                             f"({', '.join(node.parents) or 'none'}), got {part.strip()!r}"
                             f"{suggest(parent, node.parents)}", parameter, name)
            states = diagram.node(parent).states
            if state not in states:
                raise _error(diagram, spec, f"expected a state of '{parent}' "
                             f"({', '.join(states)}), got {state!r}{suggest(state, states)}",
                             parameter, name)
            given[parent] = state
        missing = [p for p in node.parents if p not in given]
        if missing:
            raise _error(diagram, spec, f"expected every parent of '{name}' named, got none "
                         f"for {', '.join(missing)}", parameter, name)
    state = match["state"]
    if state is not None and (node.kind != "chance" or state not in node.states):
        what = (f"a state of '{name}' ({', '.join(node.states)})" if node.kind == "chance"
                else "no state on a utility node")
        raise _error(diagram, spec, f"expected {what}, got {state!r}"
                     f"{suggest(state, node.states)}", parameter, name)
    return node, given, state


def _whole_parameters(diagram: Diagram, slot: Slot) -> list[str]:
    if slot.kind == "parameter":
        return [f"param:{slot.parameter}"]
    node = diagram.node(slot.node)
    if node.kind == "utility":
        return [parameter_name(node, slot.given)]
    return [parameter_name(node, slot.given, s) for s in node.states]


def _pieces(diagram: Diagram, slots: Sequence[Slot], spec: str) -> list[Piece]:
    if isinstance(spec, str) and spec.strip().startswith("weight:"):
        raise _error(diagram, spec, "expected parameters with a prior, got a weight (weights "
                     "carry no prior)", "groups")
    if isinstance(spec, str) and spec.strip().startswith("param:"):
        name = spec.strip()[len("param:"):].strip()
        found = [s for s in slots if s.kind == "parameter" and s.parameter == name]
        if not found:
            known = [s.parameter for s in slots if s.kind == "parameter"]
            raise _error(diagram, spec, f"expected a parameter with a prior "
                         f"({', '.join(known) or 'none'}), got {name!r}{suggest(name, known)}",
                         "groups")
        return [Piece(found[0])]
    node, given, state = parse_row(diagram, spec, "groups", ("chance", "utility"))
    own = [s for s in slots if s.node == node.name and s.kind != "parameter"]
    if given is None and state is None:
        own += [s for s in slots if s.kind == "parameter"
                and diagram.parameter(s.parameter).node == node.name]
    if given is None and node.parents and state is not None:
        raise _error(diagram, spec, f"expected the row's parents named "
                     f"({', '.join(node.parents)}) before the state", "groups", node.name)
    if given is not None or not node.parents:
        key = tuple((given or {})[p] for p in node.parents)
        own = [s for s in own if s.key == key]
    if not own:
        raise _error(diagram, spec, "expected parameters with a prior, got "
                     + ("a row or value without one" if given is not None or not node.parents
                        else f"a node without any (the nodes with priors: "
                        f"{', '.join(dict.fromkeys(s.node for s in slots)) or 'none'})"),
                     "groups", node.name)
    if state is None:
        return [Piece(s) for s in own]
    (slot,) = own
    j = node.states.index(state)
    prior = slot.prior
    if isinstance(prior, BetaPrior) and j != prior.state and prior.rest[j] == 0:
        raise _error(diagram, spec, "expected an uncertain probability, got one its Beta "
                     "prior fixes at 0", "groups", node.name)
    if len(node.states) <= 2 or isinstance(prior, BetaPrior):
        return [Piece(slot)]
    return [Piece(slot, frozenset({j}))]


def _merge(diagram: Diagram, pieces: list[Piece]) -> list[Piece]:
    by_slot: dict[str, Piece] = {}
    for p in pieces:
        old = by_slot.get(p.slot.name)
        if old is None:
            by_slot[p.slot.name] = p
        elif old.components is not None and p.components is not None:
            both = old.components | p.components
            k = len(diagram.node(p.slot.node).states)
            by_slot[p.slot.name] = Piece(p.slot, None if len(both) >= k - 1 else both)
        else:
            by_slot[p.slot.name] = Piece(p.slot)
    return list(by_slot.values())


def parse_group(diagram: Diagram, slots: Sequence[Slot], name: str,
                specs: str | Sequence[str]) -> Group:
    """The group ``name`` of the parameters named in ``specs`` (see the module's description).

    Raises
    ------
    QueryError
        For a bad name or spec, or one naming no parameter with a prior.
    """
    if not isinstance(name, str) or not name.strip():
        raise QueryError(f"expected a group name (text), got {name!r}", file=diagram.file,
                         parameter="groups")
    if isinstance(specs, str):
        specs = split_specs(specs)
    if isinstance(specs, Mapping) or not isinstance(specs, Sequence):
        raise ArgumentTypeError(f"group {name!r}: expected parameters (text, or a list of "
                                f"texts), got {type(specs).__name__}", file=diagram.file,
                                parameter="groups")
    if not specs:
        raise QueryError(f"group {name!r}: expected at least one parameter, got none",
                         file=diagram.file, parameter="groups")
    pieces = _merge(diagram, [p for spec in specs for p in _pieces(diagram, slots, spec)])
    order = {s.name: i for i, s in enumerate(slots)}
    pieces.sort(key=lambda p: order[p.slot.name])
    names: list[str] = []
    for p in pieces:
        if p.components is None:
            names += _whole_parameters(diagram, p.slot)
        else:
            node = diagram.node(p.slot.node)
            names += [parameter_name(node, p.slot.given, node.states[j])
                      for j in sorted(p.components)]
    return Group(name.strip(), tuple(pieces), tuple(names))


def default_groups(diagram: Diagram, slots: Sequence[Slot]) -> list[Group]:
    """One group per node with priors (all its uncertain rows or values, and the parameters of
    its structured table), in file order; then one per named parameter with a prior."""
    named = [s for s in slots if s.kind == "parameter"
             and diagram.parameter(s.parameter).node is None]
    nodes = list(dict.fromkeys(s.node for s in slots if s not in named))
    return [parse_group(diagram, slots, n, [n]) for n in nodes] + [
        parse_group(diagram, slots, s.parameter, [f"param:{s.parameter}"]) for s in named]


# -- draws of a group -----------------------------------------------------------------------------
def conditional_rows(prior: Prior, components: frozenset[int], rows: np.ndarray) -> np.ndarray:
    """Rows (S, k) with the ``components`` of ``rows`` kept and the rest of each row at its
    conditional mean under the Dirichlet ``prior``: the others share what is left in
    proportion to their concentrations."""
    alpha = np.asarray(prior.alpha, dtype=float)
    known = sorted(components)
    rest = np.ones(alpha.size, dtype=bool)
    rest[known] = False
    out = np.empty_like(rows)
    out[:, known] = rows[:, known]
    left = 1.0 - rows[:, known].sum(axis=1)
    out[:, rest] = left[:, None] * (alpha[rest] / alpha[rest].sum())[None]
    return out


def group_tables(group: Group, tables: Mapping[str, np.ndarray],
                 means: Mapping[str, np.ndarray],
                 distributions: Mapping[str, Prior] | None,
                 diagram: Diagram | None = None,
                 parameter_means: Mapping[str, float] | None = None) -> dict[str, np.ndarray]:
    """The tables of a group's nodes in each draw of ``tables``: the group's rows as drawn
    (or, for some probabilities of a row, at their conditional mean), the rest at the means.

    A node computed from the group's parameters takes its table as drawn when the group holds
    every uncertain number of it; otherwise (a utility node, whose values are multilinear in
    independent parameters) it is recomputed from the group's draws and the other parameters'
    means (``parameter_means``), its other rows at their means."""
    draws = max(np.shape(tables[n])[0] for p in group.pieces for n in p.slot.nodes)
    out: dict[str, np.ndarray] = {}
    for node in group.nodes:
        out[node] = np.repeat(np.asarray(means[node])[None], draws, axis=0)
    whole = {n for p in group.pieces if p.slot.kind == "parameter" for n in p.slot.nodes}
    partial = set() if diagram is None or parameter_means is None else \
        whole - set(complete_nodes(group, diagram))
    for node in whole - partial:  # computed from the group's parameters: the table as drawn
        out[node] = np.array(np.broadcast_to(tables[node], (draws,) + np.shape(tables[node])[1:]))
    if partial:
        from ..bayes.draws import computed_tables

        values = {name: np.full(draws, float(v)) for name, v in parameter_means.items()}
        for p in group.pieces:
            if p.slot.kind == "parameter":
                values[p.slot.parameter] = np.asarray(tables[p.slot.name], dtype=float)
        base = {n: np.asarray(means[n])[None] for n in partial}
        out.update(computed_tables(diagram, values, draws, base=base, nodes=sorted(partial)))
    for p in group.pieces:
        if p.slot.kind == "parameter" or p.slot.node in whole:
            continue
        index = (slice(None), *p.slot.index)
        rows = np.broadcast_to(tables[p.slot.node][index], (draws,)
                               + np.shape(tables[p.slot.node][index])[1:])
        if p.components is not None:
            rows = conditional_rows(distributions[p.slot.name], p.components, np.asarray(rows))
        out[p.slot.node][index] = rows
    return out


def group_features(group: Group, tables: Mapping[str, np.ndarray]) -> np.ndarray:
    """The group's free parameters in each draw, (S, d): a Beta row's probability, a Dirichlet
    row's probabilities but the last (or the components named), a utility value."""
    columns = []
    for p in group.pieces:
        if p.slot.kind == "parameter":
            columns.append(np.asarray(tables[p.slot.name], dtype=float).reshape(-1, 1))
            continue
        values = np.asarray(tables[p.slot.node][(slice(None), *p.slot.index)], dtype=float)
        if p.slot.kind == "utility":
            columns.append(values.reshape(-1, 1))
        elif p.components is not None:
            columns.append(values[:, sorted(p.components)])
        elif isinstance(p.slot.prior, BetaPrior):
            columns.append(values[:, [p.slot.prior.state]])
        else:
            columns.append(values[:, :-1])
    return np.concatenate(columns, axis=1)


def complete_nodes(group: Group, diagram: Diagram) -> list[str]:
    """The nodes computed from the group's parameters all of whose uncertain numbers the group
    holds."""
    from ..bayes.draws import uncertain_slots

    slots = uncertain_slots(diagram)
    names = group.slot_names
    computed = {n for p in group.pieces if p.slot.kind == "parameter" for n in p.slot.nodes}
    return [n for n in computed if all(s.name in names for s in slots if n in s.nodes)]


def complete(group: Group, slots: Sequence[Slot]) -> bool:
    """Whether every uncertain number of the nodes a group's parameters are computed into is
    in the group, so that those nodes' drawn tables are exactly the group's draws."""
    computed = {n for p in group.pieces if p.slot.kind == "parameter" for n in p.slot.nodes}
    if not computed:
        return True
    names = group.slot_names
    return all(s.name in names for s in slots if set(s.nodes) & computed)


def recomputable(group: Group, diagram: Diagram) -> bool:
    """Whether the nodes computed from the group's parameters that it does not hold whole are
    utility nodes: their conditional means are their values recomputed at the other parameters'
    means (the values are multilinear in independent parameters)."""
    partial = {n for p in group.pieces if p.slot.kind == "parameter" for n in p.slot.nodes} - \
        set(complete_nodes(group, diagram))
    return all(diagram.node(n).kind == "utility" for n in partial)


def is_dirichlet(prior: Any) -> bool:
    return isinstance(prior, DirichletPrior)
