"""NUTS for parameters: counts and case records whose likelihood goes through a table function.

A row of a structured table (see :mod:`influence.model.structured`) is a function of a few
parameters, and a utility or weight written with parameters likewise; the parameters, not the
rows, carry the priors. Evidence about such a row (counts, or case records involving its node)
updates the parameters through the table function: :func:`influence.fit` builds its PyMC model
with the hooks here.

- :func:`variable` makes the PyMC variable of a parameter's prior (a Beta for a probability, a
  ratio as the exponential of a truncated normal, named so that the posterior holds the ratio
  itself; Normal and Uniform priors are made as for utility values);
- :func:`fixed_value` is the value of a parameter that the evidence does not move (its point
  value);
- :func:`row_tensor` is the row a counts entry counts, and :func:`node_tensor` a chance
  node's whole table, computed from the parameters' tensors with the table's own function.

The priors of different parameters are independent, and a structured table's parameters
influence only its node (a named parameter the nodes that use it), so the fit samples only the
parameters the evidence reaches and draws the others from their priors, as for rows.

PyMC and PyTensor are imported inside the functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from ..model.parameter_priors import ProbabilityPrior, RatioPrior

if TYPE_CHECKING:  # pragma: no cover
    from ..model.diagram import Diagram
    from .draws import Slot

__all__ = ["is_parameter_prior", "variable", "fixed_value", "row_tensor", "node_tensor",
           "moved_slots", "needs_nuts", "tensor_tables"]


def is_parameter_prior(prior: Any) -> bool:
    """Whether ``prior`` is one that only parameters take (made by :func:`variable`)."""
    return isinstance(prior, ProbabilityPrior | RatioPrior)


def variable(name: str, prior: Any) -> Any:
    """The PyMC variable ``name`` of a parameter's Beta or ratio prior (inside a model)."""
    import pymc as pm
    import pytensor.tensor as pt

    if isinstance(prior, ProbabilityPrior):
        return pm.Beta(name, alpha=prior.a, beta=prior.b)
    bound = {"upper": 0.0} if prior.direction < 0 else {"lower": 0.0}
    log_ratio = pm.TruncatedNormal(f"{name}_log", mu=prior.mu, sigma=prior.sigma, **bound)
    return pm.Deterministic(name, pt.exp(log_ratio))


def needs_nuts(counts: Iterable[Any]) -> bool:
    """Whether some counts are of rows computed from parameters (no conjugate update)."""
    return any(getattr(obs, "parameters", ()) for obs in counts)


def moved_slots(counts: Iterable[Any], slots: Iterable[Slot], case_nodes: Iterable[str]
                ) -> set[str]:
    """The slots the evidence moves: the rows counted (or the parameters they are computed
    from), and every slot of a node the case records involve."""
    nodes = set(case_nodes)
    moved: set[str] = set()
    for obs in counts:
        moved.update(obs.parameters or (obs.slot,))
    moved.update(s.name for s in slots if set(s.nodes) & nodes)
    return moved


def fixed_value(diagram: Diagram, slot: Slot) -> np.ndarray:
    """The value of a slot the evidence does not move: the row, the utility value or the
    parameter at its point value."""
    if slot.kind == "parameter":
        return np.asarray(diagram.parameter(slot.parameter).value, dtype=float)
    return np.asarray(diagram.node(slot.node).table[slot.index])


def _values(diagram: Diagram, rows: Mapping[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """Parameter name -> its tensor (sampled) or point value (fixed)."""
    import pytensor.tensor as pt

    out: dict[str, Any] = {}
    for name in names:
        key = f"param[{name}]"
        value = rows.get(key)
        if value is None:
            value = np.asarray(diagram.parameter(name).value, dtype=float)
        out[name] = pt.reshape(pt.as_tensor_variable(value), (1,))
    return out


def node_tensor(diagram: Diagram, name: str, rows: Mapping[str, Any]) -> Any:
    """A structured chance node's table as a PyTensor tensor (no draw axis)."""
    import pytensor.tensor as pt

    node = diagram.node(name)
    spaces = {p: diagram.node(p).states for p in node.parents}
    values = _values(diagram, rows, node.structure.parameters)
    table = node.structure.compute(values, node.parents, spaces, node.states, 1, xp=pt)
    return table[0]


def row_tensor(diagram: Diagram, obs: Any, rows: Mapping[str, Any]) -> Any:
    """The row a counts entry ``obs`` counts, as a tensor: its own slot where it has a prior,
    else computed from the parameters of its structured table."""
    if not obs.parameters:
        return rows[obs.slot]
    return node_tensor(diagram, obs.node, rows)[obs.index]


def tensor_tables(diagram: Diagram, slots: Iterable[Slot], rows: Mapping[str, Any],
                  nodes: Iterable[str]) -> dict[str, Any]:
    """The tables of ``nodes`` (chance nodes) as tensors: structured tables from their
    parameters, other tables with their sampled rows written in."""
    import pytensor.tensor as pt

    slots = list(slots)
    tables: dict[str, Any] = {}
    for name in nodes:
        node = diagram.node(name)
        if node.structure is not None:
            tables[name] = node_tensor(diagram, name, rows)
            continue
        table = pt.as_tensor_variable(np.asarray(node.table, dtype=float))
        for slot in slots:
            if slot.kind != "parameter" and slot.node == name:
                table = pt.set_subtensor(table[slot.index], rows[slot.name])
        tables[name] = table
    return tables
