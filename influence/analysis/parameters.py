"""Parameters of a diagram: one way to name, find and change every number.

Everywhere (Python and the command line) a parameter is named as

- ``NODE:STATE``: the probability of STATE of a chance node without parents;
- ``NODE[PARENT=STATE,...]:STATE``: one entry of a CPT row (every parent named, in any order);
- ``NODE[PARENT=STATE,...]``: one value of a utility node; ``NODE`` for a utility node
  without parents;
- ``weight:NODE``: the weight of a utility node;
- ``param:NAME``: a parameter of the model, named (top-level ``parameters:``) or of a
  structured table (``param:violence_mexico.base``, ``param:violence_mexico[partnership=yes]``);
  the tables and weights computed from it are recomputed for each value.

Changing one probability moves the other entries of its row proportionally, so that the row
still sums to 1 (proportional co-variation; where the others are all zero they share the rest
equally). :func:`apply` turns values of parameters, one row per draw, into the ``tables`` and
``weights`` a :class:`~influence.solve.plan.Plan` evaluates, so any number of settings of any
parameters are evaluated as one batch.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from ..errors import QueryError
from ..messages import suggest
from ..model.diagram import Diagram, Node

__all__ = ["Parameter", "parse_parameter", "all_parameters", "apply", "ParameterKind",
           "computed"]

ParameterKind = Literal["probability", "utility", "weight", "parameter"]

_SPEC = re.compile(r"^\s*(?P<node>[^\[\]:\s]+)\s*(?:\[(?P<given>[^\]]*)\])?\s*"
                   r"(?::\s*(?P<state>\S(?:.*\S)?))?\s*$")


@dataclass(frozen=True)
class Parameter:
    """One number of a diagram.

    Attributes
    ----------
    id : str
        Its canonical name (parents in the node's order), e.g. ``result[oil=dry,test=yes]:open``.
    kind : {"probability", "utility", "weight"}
    node : str
        The chance or utility node it belongs to.
    given : mapping
        The parent states of its row (empty for a node without parents, and for a weight).
    state : str or None
        The state whose probability it is (probabilities only).
    index : tuple of int
        Its position in the node's table (row index, then the state's for a probability).
    point : float
        Its value in the model.
    prior : Prior or None
        The prior of its row or value (or of the parameter), if the model gives one.
    parameter : str or None
        For ``param:NAME``, the model parameter's name.
    space : str or None
        For ``param:NAME``, its domain: "real", "probability" or "ratio".
    """

    id: str
    kind: ParameterKind
    node: str
    given: Mapping[str, str] = field(default_factory=dict)
    state: str | None = None
    index: tuple[int, ...] = ()
    point: float = 0.0
    prior: Any = field(default=None, compare=False, repr=False)
    parameter: str | None = None
    space: str | None = None

    @property
    def domain(self) -> tuple[float, float]:
        """The values it may take: [0, 1] for a probability (or a probability parameter),
        (0, inf) for a ratio, any real number otherwise."""
        if self.kind == "probability" or self.space == "probability":
            return (0.0, 1.0)
        if self.space == "ratio":
            return (0.0, np.inf)
        return (-np.inf, np.inf)

    def interval(self, mass: float = 0.9) -> tuple[float, float] | None:
        """The central interval holding ``mass`` of its prior (the marginal of its state for
        a probability row), or None without a prior. Weights have no prior."""
        if self.prior is None:
            return None
        low, high = self.prior.interval(mass)
        if self.kind == "probability":
            states = getattr(self.prior, "states", None)
            position = self.index[-1] if states is None else list(states).index(self.state)
            return float(np.ravel(low)[position]), float(np.ravel(high)[position])
        return float(low), float(high)


def _name(node: Node, given: Mapping[str, str], state: str | None) -> str:
    text = node.name
    if node.parents:
        text += "[" + ",".join(f"{p}={given[p]}" for p in node.parents) + "]"
    return f"{text}:{state}" if state is not None else text


def _error(diagram: Diagram, spec: Any, message: str, node: str | None = None) -> QueryError:
    return QueryError(f"parameter {spec!r}: {message}", file=diagram.file, node=node,
                      parameter="parameters")


def parse_parameter(diagram: Diagram, spec: str) -> Parameter:
    """The parameter named ``spec`` (see the module's description for the forms).

    Raises
    ------
    QueryError
        For a malformed name, an unknown node, parent or state (with the closest match), a
        parent left out, or a form that does not fit the node.
    """
    if not isinstance(spec, str):
        raise _error(diagram, spec, "expected text such as NODE:STATE, NODE[PARENT=STATE]:STATE, "
                     "NODE[PARENT=STATE], weight:NODE or param:NAME")
    if spec.strip().startswith("param:"):
        return _model_parameter(diagram, spec)
    if spec.strip().startswith("weight:"):
        name = spec.split(":", 1)[1].strip()
        node = _node(diagram, spec, name, "utility")
        if node.weight_expression is not None:
            raise _error(diagram, spec, f"expected a weight that is a number, got one written "
                         f"with parameters ({node.weight_expression}); vary "
                         + " or ".join(f"param:{n}" for n in node.weight_expression.parameters),
                         node=name)
        return Parameter(id=f"weight:{name}", kind="weight", node=name, point=node.weight)
    match = _SPEC.match(spec)
    if not match:
        raise _error(diagram, spec, "expected NODE:STATE, NODE[PARENT=STATE,...]:STATE, "
                     "NODE[PARENT=STATE,...] or weight:NODE")
    name, state = match["node"], match["state"]
    node = _node(diagram, spec, name, "chance" if state is not None else "utility")
    given = _given(diagram, spec, node, match["given"])
    row = tuple(diagram.node(p).states.index(given[p]) for p in node.parents)
    if node.kind == "utility":
        return Parameter(id=_name(node, given, None), kind="utility", node=name, given=given,
                         index=row, point=float(node.table[row]), prior=node.priors.get(
                             tuple(given[p] for p in node.parents)))
    if state not in node.states:
        raise _error(diagram, spec, f"expected a state of '{name}' ({', '.join(node.states)}), "
                     f"got {state!r}{suggest(state, node.states)}", node=name)
    position = node.states.index(state)
    return Parameter(id=_name(node, given, state), kind="probability", node=name, given=given,
                     state=state, index=row + (position,),
                     point=float(node.table[row + (position,)]),
                     prior=node.priors.get(tuple(given[p] for p in node.parents)))


def _model_parameter(diagram: Diagram, spec: str) -> Parameter:
    from ..model.compute import dependents

    name = spec.strip()[len("param:"):].strip()
    known = [p.name for p in diagram.parameters]
    if name not in known:
        raise _error(diagram, spec, f"expected a parameter of the model "
                     f"({', '.join(known) or 'none'}), got {name!r}{suggest(name, known)}")
    p = diagram.parameter(name)
    nodes = dependents(diagram).get(name, ())
    owner = p.node or (nodes[0] if nodes else "")
    return Parameter(id=f"param:{name}", kind="parameter", node=owner, point=float(p.value),
                     prior=p.prior, parameter=name, space=p.domain)


def _node(diagram: Diagram, spec: str, name: str, kind: str) -> Node:
    if name not in diagram:
        candidates = [n.name for n in diagram.nodes if n.kind == kind]
        raise _error(diagram, spec, f"expected a {kind} node, got {name!r}, which is not a node "
                     f"of the model{suggest(name, candidates)}", node=name)
    node = diagram.node(name)
    if node.kind != kind:
        forms = {"chance": "NODE[PARENT=STATE,...]:STATE (a probability)",
                 "utility": "NODE[PARENT=STATE,...] (a utility value) or weight:NODE",
                 "decision": "nothing: a decision's options are chosen, not parameters"}
        raise _error(diagram, spec, f"expected a {kind} node, got the {node.kind} node "
                     f"'{name}'; for it write {forms[node.kind]}", node=name)
    return node


def _given(diagram: Diagram, spec: str, node: Node, text: str | None) -> dict[str, str]:
    given: dict[str, str] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        parent, eq, state = (x.strip() for x in part.partition("="))
        if not eq or not parent or not state:
            raise _error(diagram, spec, f"expected PARENT=STATE inside [...], got {part.strip()!r}",
                         node=node.name)
        if parent not in node.parents:
            raise _error(diagram, spec, f"expected parents of '{node.name}' "
                         f"({', '.join(node.parents) or 'none'}), got {parent!r}"
                         f"{suggest(parent, node.parents)}", node=node.name)
        states = diagram.node(parent).states
        if state not in states:
            raise _error(diagram, spec, f"expected a state of '{parent}' ({', '.join(states)}), "
                         f"got {state!r}{suggest(state, states)}", node=node.name)
        given[parent] = state
    missing = [p for p in node.parents if p not in given]
    if missing:
        raise _error(diagram, spec, f"expected every parent of '{node.name}' named, got none "
                     f"for {', '.join(missing)}", node=node.name)
    return given


def all_parameters(diagram: Diagram) -> list[Parameter]:
    """Every parameter of a diagram, in file order: each probability of each row of more than
    one state, each utility value, and each utility node's weight, but the numbers computed
    from parameters (structured tables, values and weights written with parameters); then
    every parameter of the model (``param:NAME``)."""
    out = []
    for node in diagram.nodes:
        if node.kind == "decision" or node.structure is not None:
            continue
        spaces = [diagram.node(p).states for p in node.parents]
        for combo in itertools.product(*spaces):
            given = dict(zip(node.parents, combo, strict=True))
            if node.kind == "utility":
                if combo not in node.expressions:
                    out.append(parse_parameter(diagram, _name(node, given, None)))
            elif len(node.states) > 1:
                out.extend(parse_parameter(diagram, _name(node, given, s)) for s in node.states)
        if node.kind == "utility" and node.weight_expression is None:
            out.append(parse_parameter(diagram, f"weight:{node.name}"))
    out.extend(_model_parameter(diagram, f"param:{p.name}") for p in diagram.parameters)
    return out


def apply(diagram: Diagram, parameters: Sequence[Parameter], values: Any
          ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Tables and weights in which ``parameters`` take ``values``, one row per draw.

    Parameters
    ----------
    diagram : Diagram
    parameters : sequence of Parameter
    values : array, shape (S, len(parameters))
        Draw ``s`` sets parameter ``j`` to ``values[s, j]``. Probabilities must be in [0, 1];
        two probabilities of the same row cannot both be set.

    Returns
    -------
    (tables, weights)
        Batches for :meth:`Plan.evaluate` and friends: only the nodes touched appear.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 2 or values.shape[1] != len(parameters):
        raise QueryError(f"expected values of shape (draws, {len(parameters)}), got "
                         f"{values.shape}", file=diagram.file, parameter="values")
    draws = values.shape[0]
    tables, weights = computed(diagram, {par.parameter: values[:, j]
                                         for j, par in enumerate(parameters)
                                         if par.kind == "parameter"}, draws)
    rows_set: set[tuple[str, tuple[int, ...]]] = set()
    for j, par in enumerate(parameters):
        column = values[:, j]
        if par.kind == "parameter":
            continue
        if par.kind == "weight":
            weights[par.node] = column
            continue
        node = diagram.node(par.node)
        table = tables.get(par.node)
        if table is None:
            table = tables[par.node] = np.repeat(node.table[None], draws, axis=0)
        if par.kind == "utility":
            table[(slice(None), *par.index)] = column
            continue
        row_key = (par.node, par.index[:-1])
        if row_key in rows_set:
            raise QueryError(f"expected at most one probability of each row, got two of "
                             f"{_name(node, par.given, None)}", file=diagram.file,
                             node=par.node, parameter="parameters")
        rows_set.add(row_key)
        if np.any((column < 0) | (column > 1)):
            bad = column[(column < 0) | (column > 1)][0]
            raise QueryError(f"expected probabilities in [0, 1] for {par.id}, got {bad}",
                             file=diagram.file, node=par.node, parameter="values")
        table[(slice(None), *par.index[:-1])] = covary(node.table[par.index[:-1]],
                                                       par.index[-1], column)
    return tables, weights


def computed(diagram: Diagram, values: Mapping[str, np.ndarray], draws: int
             ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Tables and weights of the nodes computed from parameters, with the parameters in
    ``values`` (name -> ``draws`` values) and the others at their point values; values
    outside a parameter's domain are refused."""
    from ..model.compute import compute_tables

    if not values:
        return {}, {}
    for name, column in values.items():
        p = diagram.parameter(name)
        column = np.asarray(column, dtype=float)
        bad = ~np.isfinite(column)
        if p.domain == "probability":
            bad |= (column < 0) | (column > 1)
        elif p.domain == "ratio":
            bad |= column <= 0
        if np.any(bad):
            raise QueryError(f"expected values of param:{name} in its domain ({p.domain}), got "
                             f"{column[bad][0]}", file=diagram.file, node=p.node,
                             parameter="values")
    return compute_tables(diagram, values, draws)


def covary(row: np.ndarray, position: int, values: np.ndarray) -> np.ndarray:
    """Rows (S, k) in which entry ``position`` takes ``values`` and the others keep their
    proportions to each other (sharing the rest equally where they are all zero)."""
    row = np.asarray(row, dtype=float)
    rest = np.delete(row, position)
    total = rest.sum()
    share = rest / total if total > 0 else np.full(rest.size, 1.0 / max(rest.size, 1))
    out = np.empty((values.size, row.size))
    out[:, position] = values
    others = [i for i in range(row.size) if i != position]
    out[:, others] = (1.0 - values)[:, None] * share[None, :]
    return out
