"""The uncertain rows of a diagram and draws of its parameters from their priors.

A *slot* is one row of a chance node's table, or one value of a utility node, that carries a
prior, or one parameter (a named parameter or a structured table's, see
:mod:`influence.model.parameters`) that carries a prior. :func:`uncertain_slots` lists them;
:func:`sample_prior_parameters` draws whole parameter batches (``{node: array (S, *table
shape)}``, the draw axis first) as the solver takes them; :func:`parameter_tables` builds such
batches from per-slot draws of any origin (a posterior, a sensitivity sweep).

The tables of nodes computed from parameters are recomputed in every draw. A weight written with
uncertain parameters enters a batch folded into its node's values (the values times the drawn
weight over the node's weight), since batches carry tables only. The draws of each parameter
ride along in the batch under its slot name (``param[NAME]``, shape ``(S,)``), for the analyses
that read them; the solver ignores them. Only numpy is used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..model.priors import Prior

if TYPE_CHECKING:  # pragma: no cover
    from ..model.diagram import Diagram

__all__ = ["Slot", "slot_name", "uncertain_slots", "parameter_slots",
           "sample_prior_parameters", "parameter_tables", "computed_tables", "is_parameter_key"]


def is_parameter_key(name: str) -> bool:
    """Whether a key of a batch is a parameter's draws (``param[NAME]``), not a node."""
    return name.startswith("param[") and name.endswith("]")


@dataclass(frozen=True)
class Slot:
    """One uncertain row (or value) of a diagram: a row of a table that carries a prior.

    Attributes
    ----------
    node : str
        The node.
    key : tuple of str
        Parent states of the row (``()`` for a node without parents).
    index : tuple of int
        Index of the row in ``node.table``.
    prior : Prior
        Its prior.
    kind : {"probability", "utility", "parameter"}
        A probability row, a utility value, or a parameter.
    name : str
        A stable variable name, e.g. ``"p[result|oil=dry,test=yes]"``, ``"u[cost]"`` or
        ``"param[usd_to_lives]"``.
    parents : tuple of str
        The node's parents, in the order of ``key``.
    parameter : str or None
        A parameter slot's parameter.
    nodes : tuple of str
        The nodes whose numbers the slot sets: ``(node,)`` for a row or value; for a
        parameter, every node computed from it (``node`` is the first, or the structured
        table's own node).
    """

    node: str
    key: tuple[str, ...]
    index: tuple[int, ...]
    prior: Prior
    kind: str
    name: str

    parents: tuple[str, ...] = ()
    parameter: str | None = None
    nodes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.nodes:
            object.__setattr__(self, "nodes", (self.node,))

    @property
    def given(self) -> dict[str, str]:
        """The row's parent states as a mapping (empty for a node without parents)."""
        return dict(zip(self.parents, self.key, strict=True))


def slot_name(kind: str, node: str, parents: tuple[str, ...], key: tuple[str, ...]) -> str:
    """``p[node|a=x,b=y]`` for a probability row, ``u[...]`` for a utility value,
    ``param[NAME]`` for a parameter (``node`` is then the parameter's name)."""
    if kind == "parameter":
        return f"param[{node}]"
    letter = "p" if kind == "probability" else "u"
    if not parents:
        return f"{letter}[{node}]"
    given = ",".join(f"{p}={s}" for p, s in zip(parents, key, strict=True))
    return f"{letter}[{node}|{given}]"


def uncertain_slots(diagram: Diagram) -> list[Slot]:
    """Every row, value or parameter of ``diagram`` that carries a prior.

    Nodes come in file order, the rows of a node in table order (the order of
    :meth:`Diagram.parent_configurations`); then the parameters, in the order of
    ``diagram.parameters`` (the named ones, then those of structured tables in file order).
    """
    slots = []
    for node in diagram.nodes:
        if not node.priors or node.kind not in ("chance", "utility"):
            continue
        spaces = [diagram.node(p).states for p in node.parents]
        kind = "probability" if node.kind == "chance" else "utility"
        for config in diagram.parent_configurations(node.name):
            key = tuple(config[p] for p in node.parents)
            prior = node.priors.get(key)
            if prior is None:
                continue
            index = tuple(space.index(s) for space, s in zip(spaces, key, strict=True))
            slots.append(Slot(node=node.name, key=key, index=index, prior=prior, kind=kind,
                              name=slot_name(kind, node.name, node.parents, key),
                              parents=node.parents))
    return slots + parameter_slots(diagram)


def parameter_slots(diagram: Diagram) -> list[Slot]:
    """The parameters of ``diagram`` that carry a prior, as slots."""
    from ..model.compute import dependents

    uses = dependents(diagram)
    out = []
    for p in diagram.parameters:
        if p.prior is None:
            continue
        nodes = uses.get(p.name, ())
        owner = p.node or (nodes[0] if nodes else "")
        out.append(Slot(node=owner, key=(), index=(), prior=p.prior, kind="parameter",
                        name=slot_name("parameter", p.name, (), ()), parameter=p.name,
                        nodes=nodes or (owner,)))
    return out

def sample_prior_parameters(diagram: Diagram, draws: int,
                            seed: int | None = None) -> dict[str, np.ndarray]:
    """Parameter draws from the diagram's priors, as the solver takes them.

    Parameters
    ----------
    diagram : Diagram
    draws : int
        Number of draws ``S``.
    seed : int, optional
        Random seed.

    Returns
    -------
    dict
        ``{node: array (S, *node.table.shape)}`` for every chance and utility node; rows
        without a prior keep their point value. Nodes without any prior have a leading axis of
        size 1 instead of ``S``. Utility values are not multiplied by the node's weight.
    """
    if draws < 1:
        raise ValueError(f"expected at least one draw, got {draws}")
    rng = np.random.default_rng(seed)
    return parameter_tables(diagram, uncertain_slots(diagram), draws,
                            lambda slot: slot.prior.sample(rng, draws))


def parameter_tables(diagram: Diagram, slots: list[Slot], draws: int,
                     values: Callable[[Slot], np.ndarray]) -> dict[str, np.ndarray]:
    """Tables with a leading draw axis, as the solver takes them, from per-slot draws.

    Parameters
    ----------
    diagram : Diagram
    slots : list of Slot
        The uncertain rows and values to fill.
    draws : int
        Number of draws ``S``.
    values : callable
        ``values(slot)`` gives the slot's ``S`` draws: (S, k) for a probability row, (S,) for
        a utility value. Called once per slot, in the order of ``slots``.

    Returns
    -------
    dict
        ``{node: array (S, *node.table.shape)}``; nodes without a slot keep their point table
        with a leading axis of size 1.
    """
    by_node: dict[str, list[Slot]] = {}
    drawn: dict[str, np.ndarray] = {}
    for slot in slots:
        if slot.kind == "parameter":
            drawn[slot.parameter] = np.asarray(values(slot), dtype=float).reshape(draws)
        else:
            by_node.setdefault(slot.node, []).append(slot)
    params: dict[str, np.ndarray] = {}
    for node in diagram.nodes:
        if node.table is None:
            continue
        node_slots = by_node.get(node.name)
        if not node_slots:
            params[node.name] = node.table[None]
            continue
        table = np.repeat(node.table[None], draws, axis=0)
        for slot in node_slots:
            table[(slice(None), *slot.index)] = values(slot)
        params[node.name] = table
    if drawn:
        _computed(diagram, drawn, draws, params)
    return params


def _computed(diagram: Diagram, drawn: dict[str, np.ndarray], draws: int,
              params: dict[str, np.ndarray]) -> None:
    """Recompute the nodes computed from the drawn parameters, and add the draws."""
    params.update(computed_tables(diagram, drawn, draws, base=params))
    for name, values in drawn.items():
        params[slot_name("parameter", name, (), ())] = values


def computed_tables(diagram: Diagram, values: dict[str, np.ndarray], draws: int,
                    base: dict[str, np.ndarray] | None = None,
                    nodes: list[str] | None = None) -> dict[str, np.ndarray]:
    """The tables, in a batch of ``draws``, of the nodes computed from the parameters in
    ``values`` (the others at their point values), a drawn weight folded into its node's
    values; ``base`` gives the other rows of a utility node (default its own)."""
    from ..model.compute import compute_tables

    tables, weights = compute_tables(diagram, values, draws, nodes=nodes, base=base)
    for name, weight in weights.items():
        node = diagram.node(name)
        table = tables.get(name)
        if table is None:
            table = np.asarray(base[name] if base and name in base else node.table[None])
        scale = (weight / node.weight).reshape((-1,) + (1,) * (table.ndim - 1))
        tables[name] = np.broadcast_to(table, (draws,) + table.shape[1:]) * scale
    return tables
