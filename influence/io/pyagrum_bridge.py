"""Converting between influence diagrams and pyAgrum's ``InfluenceDiagram``.

:func:`to_pyagrum` builds the same diagram in pyAgrum (utility values multiplied by their
weights, since pyAgrum sums its utility nodes with weight one); :func:`from_pyagrum` reads one
back through the same checks as a file (:func:`influence.io.formats.build.build_diagram`). pyAgrum
is imported only here, when one of them is called.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import ArgumentTypeError
from ..model.diagram import Diagram, require_diagram
from .formats.build import build_diagram, is_placeholder
from .formats.spec import NetworkSpec, NodeSpec, ReadOptions
from .formats.writing import order_arcs as _order_arcs

__all__ = ["to_pyagrum", "from_pyagrum", "decision_order"]


def _pyagrum() -> Any:
    try:
        import pyagrum
    except ImportError:  # pragma: no cover - pyagrum is a test dependency
        raise ImportError("converting to or from pyAgrum needs the package pyagrum "
                          "(pip install pyagrum)") from None
    return pyagrum


def decision_order(diagram: Diagram) -> list[str]:
    """The decisions in the order they are taken: what pyAgrum's
    ``addNoForgettingAssumption`` takes to solve the diagram as influence does."""
    return [d.name for d in diagram.decisions]


def to_pyagrum(diagram: Diagram, tables: Mapping[str, np.ndarray] | None = None, *,
               order_arcs: bool = True) -> Any:
    """The same influence diagram as a ``pyagrum.InfluenceDiagram``.

    Utility tables are multiplied by their weights. Tables are filled by state name, so
    pyAgrum's own variable order does not matter. To solve it as influence does (perfect
    recall), pass :func:`decision_order` to ``addNoForgettingAssumption`` of
    ``pyagrum.ShaferShenoyLIMIDInference``. A placeholder utility (a Bayesian network that was
    read from a file) is left out.

    Parameters
    ----------
    diagram : Diagram
    tables : mapping, optional
        Node -> table replacing the diagram's (no draw axis).
    order_arcs : bool
        Add an arc from each decision to the next where no path orders them, so that the
        pyAgrum diagram (and a file ``pyagrum.saveID`` writes of it) carries the order of the
        decisions. Under perfect recall the arc changes nothing: the later decision knows the
        earlier choice anyway.
    """
    require_diagram(diagram)
    gum = _pyagrum()
    tables = dict(tables or {})
    model = gum.InfluenceDiagram()
    nodes = [n for n in diagram.nodes if not is_placeholder(n)]
    for n in nodes:
        if n.kind == "utility":
            model.addUtilityNode(gum.LabelizedVariable(n.name, n.label or n.name, 1))
            continue
        var = gum.LabelizedVariable(n.name, n.label or n.name, list(n.states))
        (model.addChanceNode if n.kind == "chance" else model.addDecisionNode)(var)
    for n in nodes:
        for p in n.parents:
            model.addArc(p, n.name)
    if order_arcs:
        for later, earlier in _order_arcs(diagram).items():
            model.addArc(earlier, later)
    for n in nodes:
        if n.kind == "decision":
            continue
        table = np.asarray(tables.get(n.name, n.table), dtype=float)
        if n.kind == "utility":
            table = table * n.weight
        target = model.cpt(n.name) if n.kind == "chance" else model.utility(n.name)
        if not n.parents:
            target.fillWith([float(x) for x in np.ravel(table)])
            continue
        spaces = [diagram.node(p).states for p in n.parents]
        for index in itertools.product(*(range(len(s)) for s in spaces)):
            where = {p: s[i] for p, s, i in zip(n.parents, spaces, index, strict=True)}
            row = table[index]
            target[where] = [float(x) for x in np.ravel(row)]
    return model


def _table(model: Any, name: str, kind: str, parents: list[str]) -> np.ndarray:
    target = model.cpt(name) if kind == "chance" else model.utility(name)
    spaces = [list(model.variableFromName(p).labels()) for p in parents]
    rows = []
    for combo in itertools.product(*spaces):
        where = dict(zip(parents, combo, strict=True))
        rows.append(np.ravel(np.asarray(target[where], dtype=float)) if where
                    else np.ravel(target.toarray()))
    out = np.asarray(rows)
    return out if kind == "chance" else out.ravel()


def from_pyagrum(model: Any, *, name: str = "pyagrum", order: Sequence[str] | None = None,
                 strict: bool = False) -> Diagram:
    """Build a validated diagram from a ``pyagrum.InfluenceDiagram``.

    Parameters
    ----------
    model : pyagrum.InfluenceDiagram
    name : str
        The model's name.
    order : sequence of str, optional
        The decisions in the order they are taken, when no path of arcs orders them (by
        default pyAgrum's ``decisionOrder()`` where it exists).
    strict : bool
        Refuse probability rows that do not sum to 1 within 1e-6.

    Returns
    -------
    Diagram
        Warnings (renormalised rows, mapped names) are issued as
        :class:`~influence.errors.FormatWarning`.
    """
    if not all(hasattr(model, a) for a in ("topologicalOrder", "variable", "isDecisionNode")):
        raise ArgumentTypeError(f"expected `model` to be a pyagrum.InfluenceDiagram, got "
                                f"{type(model).__name__}", parameter="model")
    specs = []
    for node_id in model.topologicalOrder():
        var = model.variable(node_id)
        vname = var.name()
        parents = [model.variable(p).name() for p in sorted(model.parents(node_id))]
        kind = ("decision" if model.isDecisionNode(node_id) else
                "utility" if model.isUtilityNode(node_id) else "chance")
        extras = {"label": var.description()} if var.description() not in ("", vname) else {}
        specs.append(NodeSpec(
            name=vname, kind=kind, states=list(var.labels()) if kind != "utility" else [],
            parents=parents, extras=extras,
            table=None if kind == "decision" else _table(model, vname, kind, parents)))
    if order is None and model.decisionNodeSize() and model.decisionOrderExists():
        order = [model.variable(i).name() for i in model.decisionOrder()]
    spec = NetworkSpec(name=name, nodes=specs, format="pyagrum")
    options = ReadOptions(strict=strict, order=tuple(order) if order is not None else None)
    diagram, report = build_diagram(spec, options)
    report.emit(stacklevel=3)
    return diagram
