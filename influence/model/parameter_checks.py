"""Checks of a diagram's parameters and of the nodes computed from them.

Run by the constructors of :class:`~influence.model.diagram.Node` (:func:`check_computed_fields`:
the types of ``structure``, ``expressions`` and ``weight_expression``) and of
:class:`~influence.model.diagram.Diagram` (:func:`computed_nodes`, which checks each structured
table against its parents and the parameters it names, then computes its table and weight at the
parameters' point values; :func:`check_parameters`, which checks the list of parameters as a
whole). Every fault is a :class:`~influence.errors.ModelError` built by
:func:`~influence.model.checks.fault`, naming the node (or the parameter) and the field.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from ..limits import SUM_TOLERANCE
from ..messages import describe, suggest
from .checks import fault, listed
from .compute import compute_node, dependents, is_computed, node_parameters, point_values
from .parameters import Expression, ModelParameter, domain_text
from .structured import Deterministic, LogLinear, NoisyMax

if TYPE_CHECKING:  # pragma: no cover
    from .diagram import Diagram, Node

__all__ = ["check_computed_fields", "computed_nodes", "check_parameters"]

_FORMS = (NoisyMax, LogLinear, Deterministic)


def check_computed_fields(node: Node, name: str, kind: str) -> bool:
    """The types of a node's ``structure``, ``expressions`` and ``weight_expression``; True
    when its table is computed from a structure (so it may be given as None)."""
    if node.structure is not None:
        if kind != "chance":
            raise fault(f"expected a structured table on a chance node only, got one on a {kind} "
                        "node", node=name, field="table", path=("nodes", name, "table"))
        if not isinstance(node.structure, _FORMS):
            raise fault(f"expected a NoisyMax, LogLinear or Deterministic structure, got "
                        f"{describe(node.structure)}", node=name, field="table",
                        path=("nodes", name, "table"))
    expressions = node.expressions
    if not isinstance(expressions, Mapping):
        raise fault(f"expected a mapping from tuples of parent states to expressions, got "
                    f"{describe(expressions)}", node=name, field="values",
                    path=("nodes", name, "values"))
    if (expressions or node.weight_expression is not None) and kind != "utility":
        raise fault(f"expected values written with parameters on a utility node only, got them "
                    f"on a {kind} node", node=name, field="values", path=("nodes", name))
    for key, expression in expressions.items():
        if not isinstance(expression, Expression):
            raise fault(f"expected expressions, got {describe(expression)} for row {key!r}",
                        node=name, field="values", path=("nodes", name, "values"))
        if key in node.priors:
            raise fault(f"expected no prior on the row {key!r}, whose value is written with "
                        f"parameters ({expression}): put the prior on the parameters",
                        node=name, field="values", path=("nodes", name, "values"))
    if node.weight_expression is not None and not isinstance(node.weight_expression,
                                                             Expression):
        raise fault(f"expected an expression, got {describe(node.weight_expression)}",
                    node=name, field="weight", path=("nodes", name, "weight"))
    return node.structure is not None


def _parameter_list(diagram: Diagram) -> dict[str, ModelParameter]:
    out: dict[str, ModelParameter] = {}
    for p in diagram.parameters:
        if not isinstance(p, ModelParameter):
            raise fault(f"expected ModelParameter objects in `parameters`, got {describe(p)}",
                        field="parameters", path=("parameters",))
        if p.name in out:
            raise fault(f"expected each parameter name once, got {p.name!r} twice",
                        node=p.node, field="parameters", path=("parameters", p.name))
        out[p.name] = p
    return out


def _references(node: Node, known: Mapping[str, ModelParameter]) -> None:
    """Every parameter a node names exists, with the domain its place needs."""
    roles: dict[str, str] = dict(node.structure.roles()) if node.structure is not None else {}
    field = "table" if node.structure is not None else "values"
    for name in node_parameters(node):
        if name not in known:
            raise fault(f"expected parameters of the model ({listed(known) or 'none'}), got "
                        f"unknown parameter {name!r}{suggest(name, known)}", node=node.name,
                        field=field, path=("nodes", node.name, field))
        role = roles.get(name)
        if role is not None and known[name].domain != role:
            raise fault(f"expected {domain_text(role)} for parameter {name!r}, got a parameter "
                        f"of domain {known[name].domain} ({domain_text(known[name].domain)})",
                        node=node.name, field=field, path=("nodes", node.name, field))


def _same(given: np.ndarray, computed: np.ndarray) -> bool:
    return given.shape == computed.shape and bool(np.allclose(given, computed, rtol=0,
                                                              atol=SUM_TOLERANCE))


def computed_nodes(diagram: Diagram) -> tuple[Any, ...]:
    """The diagram's nodes, those computed from parameters with their table and weight at the
    parameters' point values. A table or weight given with them must agree.

    Raises
    ------
    ModelError
        For a bad list of parameters, a structure that does not fit the node's parents, an
        unknown parameter or one of the wrong domain, or a given table that differs.
    """
    from .diagram import Node

    known = _parameter_list(diagram)
    values = point_values(diagram)
    nodes = {n.name: n for n in diagram.nodes if isinstance(n, Node)}
    out = []
    for node in diagram.nodes:
        if not isinstance(node, Node) or not is_computed(node) or \
                any(p not in nodes for p in node.parents):
            out.append(node)  # the diagram's own checks report it
            continue
        spaces = {p: nodes[p].states for p in node.parents}
        if node.structure is not None:
            node.structure.check(node.name, node.states, node.parents, spaces)
        _references(node, known)
        out.append(_computed(diagram, node, values, spaces))
    return tuple(out)


def _computed(diagram: Diagram, node: Node, values: Mapping[str, float],
              spaces: Mapping[str, Any]) -> Node:
    changes: dict[str, Any] = {}
    shape = tuple(len(spaces[p]) for p in node.parents)
    if node.kind == "utility" and node.table is not None and \
            np.shape(node.table) != shape:
        return node  # the shape check reports it
    table, weight = compute_node(_Spaces(diagram, spaces), node, values, 1)
    if table is not None:
        computed = np.asarray(table, dtype=float)[0]
        if node.structure is not None and node.table is not None and \
                not _same(np.asarray(node.table, dtype=float), computed):
            raise fault("expected the table computed from its parameters, got a different "
                        "table (give `table=None` to have it computed)", node=node.name,
                        field="table", path=("nodes", node.name, "table"))
        changes["table"] = computed
    if weight is not None:
        w = float(np.asarray(weight)[0])
        if node.weight != 1.0 and abs(node.weight - w) > 1e-12 * max(1.0, abs(w)):
            raise fault(f"expected the weight computed from {node.weight_expression} ({w:g}), "
                        f"got {node.weight:g}", node=node.name, field="weight",
                        path=("nodes", node.name, "weight"))
        changes["weight"] = w
    return dataclasses.replace(node, **changes) if changes else node


class _Spaces:
    """What :func:`compute_node` reads of a diagram that is still being built: the states of
    the parents."""

    def __init__(self, diagram: Diagram, spaces: Mapping[str, Any]) -> None:
        self.parameters = diagram.parameters
        self._spaces = spaces

    def node(self, name: str) -> Any:
        return _States(self._spaces[name])


@dataclasses.dataclass(frozen=True)
class _States:
    states: tuple[str, ...]


def check_parameters(diagram: Diagram) -> None:
    """Each named parameter is used by some node; each structured table's own parameter by
    its node only; a weight written with uncertain parameters is not 0 at the point values
    (draws of it scale the node's values)."""
    uses = dependents(diagram)
    for p in diagram.parameters:
        nodes = uses.get(p.name, ())
        where = dict(field="parameters", path=("parameters", p.name))
        if p.node is None and not nodes:
            raise fault(f"parameter {p.name!r} is used by no node: expected it in a utility "
                        "value, a weight or a structured table (or remove it)", **where)
        if p.node is not None and set(nodes) != {p.node}:
            raise fault(f"expected parameter {p.name!r} of the table of '{p.node}' to be used "
                        f"by that node only, got {listed(nodes) or 'no node'}", node=p.node,
                        field="table", path=("nodes", p.node, "table"))
    uncertain = {p.name for p in diagram.parameters if p.prior is not None}
    for node in diagram.utilities:
        w = node.weight_expression
        if w is not None and set(w.parameters) & uncertain and node.weight == 0.0:
            raise fault(f"expected a weight other than 0 at the point values of its "
                        f"parameters, got 0 from {w}", node=node.name, field="weight",
                        path=("nodes", node.name, "weight"))
