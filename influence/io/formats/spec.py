"""What every reader produces before a :class:`~influence.model.diagram.Diagram` is built.

A reader turns its file into a :class:`NetworkSpec`: nodes with the names, states, parents and
numbers the file gives, in the file's order, tables already laid out as influence lays them out
(parents first, in the node's parent order, then a chance node's states). :func:`build_diagram
<influence.io.formats.build.build_diagram>` then does what is the same for every format: names
that are not influence ids, rounded or all-zero probability rows, the order of the decisions,
and the checks of the model layer.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...errors import FormatWarning

__all__ = ["NodeSpec", "NetworkSpec", "ReadOptions", "Report", "FormatWarning"]


@dataclass
class NodeSpec:
    """One node as a file gives it.

    Parameters
    ----------
    name : str
        The node's name in the file (mapped to an influence id if it is not one).
    kind : {"chance", "decision", "utility"}
    states : sequence of str
        States of a chance or decision node.
    parents : sequence of str
        Parents (for a decision: what it observes), by their names in the file.
    table : array-like, optional
        The numbers, in influence's layout: shape ``(*parent cards, n_states)`` for a chance
        node, ``(*parent cards,)`` for a utility node; or a flat sequence in that order.
    extras : dict
        Text kept by formats that can hold it: ``label``, ``description``, ``source``,
        ``unit``, ``weight`` (a number), ``id`` (the influence id the node had when written).
    """

    name: str
    kind: str
    states: Sequence[str] = ()
    parents: Sequence[str] = ()
    table: Any = None
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass
class NetworkSpec:
    """A whole file: its nodes in file order and the model's own text.

    ``extras`` may hold ``title``, ``description``, ``units`` and ``sources`` (a list).
    ``ignored`` names what the file holds that a diagram cannot (``"positions"``).
    """

    name: str
    nodes: list[NodeSpec]
    format: str
    extras: dict[str, Any] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ReadOptions:
    """How to read a file of another tool.

    Parameters
    ----------
    strict : bool
        Refuse probability rows that do not sum to 1 within the model's tolerance (1e-6),
        instead of renormalising rows within 1e-3 with a warning.
    order : sequence of str, optional
        The decisions in the order they are taken, when the file leaves it open.
    """

    strict: bool = False
    order: tuple[str, ...] | None = None


class Report:
    """The warnings of one read or write, one line each, and what a conversion leaves out."""

    def __init__(self) -> None:
        self.warnings: list[str] = []
        self.ignored: list[str] = []

    def warn(self, message: str) -> None:
        """Add one warning line."""
        self.warnings.append(message)

    def emit(self, stacklevel: int = 3) -> None:
        """Issue every warning through :mod:`warnings` as a :class:`FormatWarning`."""
        for message in self.warnings:
            warnings.warn(message, FormatWarning, stacklevel=stacklevel)


def as_array(values: Any) -> np.ndarray:
    """A float array of ``values`` (a nested sequence, an array or a flat list)."""
    return np.asarray(values, dtype=float)
