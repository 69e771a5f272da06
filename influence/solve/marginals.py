"""Marginal distributions of chance nodes, by exact inference on a compiled plan."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import QueryError
from ..messages import suggest
from .kernels import Contraction

if TYPE_CHECKING:  # pragma: no cover
    from .plan import Plan

__all__ = ["marginal"]


def marginal(plan: Plan, node: str, given: Mapping[str, str] | None = None,
             tables: Mapping[str, Any] | None = None) -> dict[str, float]:
    """The distribution of chance node ``node``.

    Parameters
    ----------
    plan : Plan
        The compiled diagram; its scenario is part of the evidence.
    node : str
        A chance node.
    given : mapping, optional
        Decisions fixed to a state (interventions) and chance nodes observed (evidence). Every
        decision that influences ``node`` or the evidence must be fixed.
    tables : mapping, optional
        Changed tables (one set of numbers), as in :meth:`Plan.evaluate`.

    Returns
    -------
    dict
        State -> probability.

    Raises
    ------
    QueryError
        For a node that is not a chance node, a bad ``given``, a decision left unfixed, or
        evidence of probability 0.
    """
    diagram = plan.diagram
    if not isinstance(node, str) or node not in diagram:
        raise QueryError(f"expected a chance node of the model, got {node!r}"
                         f"{suggest(node, diagram.names)}", file=diagram.file, node=str(node))
    target = diagram.node(node)
    if target.kind != "chance":
        raise QueryError(f"expected a chance node, got a {target.kind} node", file=diagram.file,
                         node=node)
    evidence = {**dict(plan.given), **_checked_given(plan, given)}
    contraction, names = _contraction(plan, node, tuple(sorted(evidence)))
    ops = plan.operands(tables)
    if any(v.shape[0] != 1 for v in ops.values()):
        raise QueryError("expected one set of numbers in `tables`, got a batch of draws",
                         file=diagram.file, parameter="tables")
    args = []
    for n in names:
        nd = diagram.node(n)
        if nd.kind == "chance":
            args.append(ops[n])
        if n in evidence:
            vec = np.zeros((1, len(nd.states)))
            vec[0, nd.states.index(evidence[n])] = 1.0
            args.append(vec)
    out = contraction(*args)[0]
    total = out.sum()
    if not total > 0:
        raise QueryError("expected evidence of positive probability, got evidence of "
                         "probability 0 under the model", file=diagram.file, node=node,
                         parameter="given")
    return {s: float(v / total) for s, v in zip(target.states, out, strict=True)}


def _checked_given(plan: Plan, given: Mapping[str, str] | None) -> dict[str, str]:
    diagram = plan.diagram
    out = {}
    for g, s in dict(given or {}).items():
        if not isinstance(g, str) or g not in diagram:
            raise QueryError(f"expected `given` to name nodes of the model, got {g!r}"
                             f"{suggest(g, diagram.names)}", file=diagram.file, node=str(g),
                             parameter="given")
        n = diagram.node(g)
        if n.kind == "utility" or s not in n.states:
            raise QueryError(f"expected a state of a chance or decision node in `given`, got "
                             f"{g}={s!r}", file=diagram.file, node=g, parameter="given")
        out[g] = s
    return out


def _contraction(plan: Plan, node: str, evidence: tuple[str, ...]
                 ) -> tuple[Contraction, tuple[str, ...]]:
    """The contraction for P(node, evidence), planned once per node and evidence variables."""
    key = (node, evidence)
    hit = plan._marginals.get(key)
    if hit is not None:
        return hit
    diagram = plan.diagram
    needed = {node, *evidence}
    scope = diagram.ancestors(tuple(needed)) | needed
    missing = [d.name for d in diagram.decisions if d.name in scope and d.name not in evidence]
    if missing:
        raise QueryError(f"expected `given` to fix the decision(s) {', '.join(missing)}: they "
                         f"influence '{node}' or the evidence", file=diagram.file, node=node,
                         parameter="given")
    names = tuple(n for n in diagram.names if n in scope and diagram.node(n).kind != "utility")
    sym = plan._sym
    inputs = []
    for n in names:
        nd = diagram.node(n)
        if nd.kind == "chance":
            inputs.append("".join(sym[p] for p in nd.parents) + sym[n])
        if n in evidence:
            inputs.append(sym[n])
    contraction = Contraction(inputs, sym[node], plan._letter_sizes)
    plan._marginals[key] = (contraction, names)
    return contraction, names
