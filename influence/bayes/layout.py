"""The layout of a posterior file: groups of node tables built from a fit's draws.

A posterior file (netCDF-4, in the layout ArviZ reads: :mod:`influence.bayes.netcdf`) holds
the groups ``posterior``, ``prior``, ``observed_data`` and, for NUTS, ``sample_stats``. In the
``posterior`` group every node with a prior has **one variable holding its whole table draw by
draw**: ``p[NODE]`` for a chance node, dimensions ``(chain, draw, *parents, NODE)``, and
``u[NODE]`` for a utility node, dimensions ``(chain, draw, *parents)``. Each dimension is named
after its node (``state[NODE]`` for a node called ``chain`` or ``draw``) and its coordinate lists
the node's states, so in ArviZ ``idata.posterior["p[result]"].sel(oil="dry", test="yes")`` is
the draws of one row. Rows without a prior hold their point value in every draw (a reader takes
them from the model as it is now, not from the file). A model parameter with a prior (named, or
of a structured table, whose tables are computed from it) has its own variable
``param[NAME]``, dimensions ``(chain, draw)``. The ``prior`` group holds, in the same
layout, the tables of the nodes with a row the evidence moved: the other rows' posterior is
their prior, drawn exactly.

The posterior group's attributes (``influence_*``, JSON where structured) say what the draws
belong to: the model's name, its :attr:`~influence.model.diagram.Diagram.fit_fingerprint` and
the content it hashes (``structure``), its whole-model
:attr:`~influence.model.diagram.Diagram.fingerprint` when fitted (``model_fingerprint``), the
method, the evidence hash, the diagnostics, each slot (uncertain row or value), the conjugate
posterior of an exact fit, the tables a case-record likelihood read (``likelihood_tables``), the
input files and the layout version (``format``, :data:`FORMAT_VERSION`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from ..model.distributions import BetaPrior, DirichletPrior, Prior
from ..model.fingerprint import fit_content
from .draws import Slot
from .netcdf import Group, Variable, from_dataset

if TYPE_CHECKING:  # pragma: no cover
    from ..model.diagram import Diagram

__all__ = ["FORMAT_VERSION", "ATTR", "table_variable", "dimension", "build_groups",
           "table_digests"]

#: The version of the posterior file layout (the ``influence_format`` attribute). Version 1
#: (influence 0.1.0 before it) held one variable per row.
FORMAT_VERSION = 2
#: Prefix of the attributes influence writes on the posterior group.
ATTR = "influence_"
_RESERVED = ("chain", "draw")


def table_variable(kind: str, node: str) -> str:
    """``p[NODE]`` for a chance node's table, ``u[NODE]`` for a utility node's."""
    return f"{'p' if kind == 'chance' else 'u'}[{node}]"


def dimension(node: str) -> str:
    """The dimension named after a node (``state[NODE]`` for ``chain`` and ``draw``)."""
    return f"state[{node}]" if node in _RESERVED else node


def _table_group(diagram: Diagram, slots: list[Slot], values: Mapping[str, np.ndarray],
                 nodes: set[str] | None = None) -> Group:
    """The tables of the nodes with slots (of ``nodes`` if given), each ``(chain, draw,
    *table shape)``, rows without a slot at their point value."""
    group = Group()
    first = next(iter(values.values()))
    chains, draws = first.shape[:2]
    group.coords["chain"] = np.arange(chains)
    group.coords["draw"] = np.arange(draws)
    by_node: dict[str, list[Slot]] = {}
    for slot in slots:
        if nodes is not None and slot.node not in nodes:
            continue
        if slot.kind == "parameter":  # a model parameter: its own variable, (chain, draw)
            group.variables[slot.name] = Variable(
                ("chain", "draw"), np.asarray(values[slot.name], dtype=float).reshape(
                    chains, draws))
            continue
        by_node.setdefault(slot.node, []).append(slot)
    for name, node_slots in by_node.items():
        node = diagram.node(name)
        axes = [*node.parents, name] if node.kind == "chance" else list(node.parents)
        table = np.empty((chains, draws) + node.table.shape)
        table[...] = node.table
        for slot in node_slots:
            table[(slice(None), slice(None), *slot.index)] = values[slot.name]
        dims = ("chain", "draw", *(dimension(a) for a in axes))
        for axis in axes:
            group.coords[dimension(axis)] = np.array(list(diagram.node(axis).states))
        group.variables[table_variable(node.kind, name)] = Variable(dims, table)
    return group


def _observed(diagram: Diagram, counts: list, cases: list, values: list) -> Group:
    group = Group()
    for k, obs in enumerate(counts):
        dim = dimension(obs.node)
        group.coords[dim] = np.array(list(diagram.node(obs.node).states))
        attrs = {"node": obs.node, "given": json.dumps(dict(obs.given)), "slot": obs.slot,
                 "weight": obs.weight, "entry": obs.entry, "file": obs.file or "",
                 "source": obs.source or "", "reason": obs.reason or ""}
        group.variables[f"counts_{k}"] = Variable((dim,), np.asarray(obs.counts, dtype=np.int64),
                                                  attrs)
    for k, records in enumerate(cases):
        case_dim, column_dim = f"case_{k}", f"column_{k}"
        group.coords[column_dim] = np.array(list(records.columns))
        states = [diagram.node(c).states for c in records.columns]
        cells = np.array([[states[j][v] if v >= 0 else "" for j, v in enumerate(row)]
                          for row in records.data], dtype=str)
        attrs = {"path": records.path, "weight": records.weight, "entry": records.entry,
                 "file": records.file or "", "source": records.source or "",
                 "reason": records.reason or ""}
        group.variables[f"cases_{k}"] = Variable((case_dim, column_dim), cells, attrs)
    for k, obs in enumerate(values):
        attrs = {"node": obs.node, "given": json.dumps(dict(obs.given)), "slot": obs.slot,
                 "sd": -1.0 if obs.sd is None else obs.sd, "weight": obs.weight,
                 "entry": obs.entry, "file": obs.file or "", "source": obs.source or "",
                 "reason": obs.reason or ""}
        group.variables[f"values_{k}"] = Variable((f"value_{k}",),
                                                  np.asarray(obs.values, dtype=float), attrs)
    return group


def _slot_docs(diagram: Diagram, slots: list[Slot], moved: set[str]) -> list[dict[str, Any]]:
    """What the file says of each slot: its free components (a Beta row's one state, a
    Dirichlet row's every state, none for a utility value) and its prior, described and as
    data (for exact prior means and intervals)."""
    docs = []
    for slot in slots:
        components: list[int] = []
        if isinstance(slot.prior, BetaPrior):
            components = [slot.prior.state]
        elif isinstance(slot.prior, DirichletPrior):
            components = list(range(len(slot.prior.states)))
        if slot.kind == "parameter":
            p = diagram.parameter(slot.parameter)
            docs.append({"name": slot.name, "node": slot.node, "given": {}, "index": [],
                         "kind": "parameter", "variable": slot.name, "states": [],
                         "components": [], "moved": slot.name in moved, "domain": p.domain,
                         "prior": slot.prior.describe(), "distribution": {}})
            continue
        kind = diagram.node(slot.node).kind
        docs.append({"name": slot.name, "node": slot.node, "given": slot.given,
                     "index": list(slot.index), "kind": slot.kind,
                     "variable": table_variable(kind, slot.node),
                     "states": list(diagram.node(slot.node).states),
                     "components": components, "moved": slot.name in moved,
                     "prior": slot.prior.describe(), "distribution": slot.prior.to_dict()})
    return docs


def table_digests(diagram: Diagram, nodes: set[str]) -> dict[str, str]:
    """A hash of the point table of each node in ``nodes`` (those a case-record likelihood
    reads: a posterior fitted to cases depends on their point rows)."""
    out = {}
    for name in sorted(nodes):
        table = np.ascontiguousarray(np.round(diagram.node(name).table, 12), dtype=float)
        out[name] = hashlib.sha256(table.tobytes()).hexdigest()[:16]
    return out


def build_groups(diagram: Diagram, slots: list[Slot], moved: set[str], *, method: str,
                 posterior: dict[str, np.ndarray], prior: dict[str, np.ndarray],
                 sample_stats: Any, conjugate: Mapping[str, Prior] | None, counts: list,
                 cases: list, values: list, digest: str, inputs: list[str],
                 diagnostics: dict[str, Any]) -> dict[str, Group]:
    """The groups of a posterior file (see the module's description and
    :func:`influence.bayes.posterior.posterior_from_draws`)."""
    from ..version import __version__

    post = _table_group(diagram, slots, posterior)
    likelihood_nodes = {n for records in cases for n in records.nodes}
    post.attrs = {
        ATTR + "model": diagram.name,
        ATTR + "fingerprint": diagram.fit_fingerprint,
        ATTR + "structure": json.dumps(fit_content(diagram)),
        ATTR + "model_fingerprint": diagram.fingerprint,
        ATTR + "method": method,
        ATTR + "evidence_sha256": digest,
        ATTR + "diagnostics": json.dumps(diagnostics, sort_keys=True, default=_json_default),
        ATTR + "slots": json.dumps(_slot_docs(diagram, slots, moved)),
        ATTR + "conjugate": "" if conjugate is None else json.dumps(
            {name: p.to_dict() for name, p in conjugate.items()}),
        ATTR + "likelihood_tables": json.dumps(table_digests(diagram, likelihood_nodes)),
        ATTR + "inputs": json.dumps(list(dict.fromkeys(inputs))),
        ATTR + "version": __version__,
        ATTR + "format": FORMAT_VERSION,
    }
    moved_nodes = {s.node for s in slots if s.name in moved}
    groups = {"posterior": post,
              "prior": _table_group(diagram, slots, prior, moved_nodes or None),
              "observed_data": _observed(diagram, counts, cases, values)}
    if not moved_nodes:  # nothing moved: no prior group to compare with
        del groups["prior"]
    if sample_stats is not None:
        groups["sample_stats"] = _numeric(sample_stats if isinstance(sample_stats, Group)
                                          else from_dataset(sample_stats))
    return groups


def _numeric(group: Group) -> Group:
    """Sampling statistics that netCDF holds as numbers: booleans as int8 marked ``dtype:
    bool`` (as xarray writes them, and reads them back), other kinds left out."""
    out = Group(coords=dict(group.coords), attrs={k: v for k, v in group.attrs.items()
                                                  if isinstance(v, str | int | float)})
    for name, var in group.variables.items():
        values = np.asarray(var.values)
        if values.dtype == bool:
            out.variables[name] = Variable(var.dims, values.astype(np.int8),
                                           {**var.attrs, "dtype": "bool"})
        elif values.dtype.kind in "iuf":
            out.variables[name] = Variable(var.dims, values, dict(var.attrs))
    used = {d for var in out.variables.values() for d in var.dims}
    out.coords = {k: v for k, v in out.coords.items() if k in used}
    return out


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
