"""The uncertain rows of a diagram and draws of its parameters from their priors.

A *slot* is one row of a chance node's table, or one value of a utility node, that carries a
prior. :func:`uncertain_slots` lists them; :func:`sample_prior_parameters` draws whole parameter
batches (``{node: array (S, *table shape)}``, the draw axis first) as the solver takes them;
:func:`parameter_tables` builds such batches from per-slot draws of any origin (a posterior, a
sensitivity sweep). Only numpy is used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..model.priors import Prior

if TYPE_CHECKING:  # pragma: no cover
    from ..model.diagram import Diagram

__all__ = ["Slot", "slot_name", "uncertain_slots", "sample_prior_parameters",
           "parameter_tables"]


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
    kind : {"probability", "utility"}
        A probability row or a utility value.
    name : str
        A stable variable name, e.g. ``"p[result|oil=dry,test=yes]"`` or ``"u[cost]"``.
    parents : tuple of str
        The node's parents, in the order of ``key``.
    """

    node: str
    key: tuple[str, ...]
    index: tuple[int, ...]
    prior: Prior
    kind: str
    name: str

    parents: tuple[str, ...] = ()

    @property
    def given(self) -> dict[str, str]:
        """The row's parent states as a mapping (empty for a node without parents)."""
        return dict(zip(self.parents, self.key, strict=True))


def slot_name(kind: str, node: str, parents: tuple[str, ...], key: tuple[str, ...]) -> str:
    """``p[node|a=x,b=y]`` for a probability row, ``u[...]`` for a utility value."""
    letter = "p" if kind == "probability" else "u"
    if not parents:
        return f"{letter}[{node}]"
    given = ",".join(f"{p}={s}" for p, s in zip(parents, key, strict=True))
    return f"{letter}[{node}|{given}]"


def uncertain_slots(diagram: Diagram) -> list[Slot]:
    """Every row or value of ``diagram`` that carries a prior.

    Nodes come in file order; the rows of a node in table order (the order of
    :meth:`Diagram.parent_configurations`).
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
    return slots


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
    for slot in slots:
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
    return params
