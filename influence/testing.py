"""Random valid influence diagrams, for tests and benchmarks.

:func:`random_model` draws a model document (the mapping a model file parses to) from a seed;
:func:`random_diagram` validates it through :func:`influence.diagram_from_dict`, so every diagram
produced here is one the loader accepts. :func:`model_dict` turns a diagram (optionally with other
tables) back into a document, to build variants of it; :func:`to_pyagrum` builds the same diagram
in pyAgrum, the reference solver the differential tests and benchmarks compare with.

Node names are ``c0, c1, ...`` (chance), ``D1, D2, ...`` (decisions, in the order they are taken)
and ``U0, U1, ...`` (utilities); states are ``s0, s1, ...``.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import numpy as np

from .model.diagram import Diagram
from .model.loader import diagram_from_dict

__all__ = [
    "random_model", "random_diagram", "model_dict", "to_pyagrum", "scenario_candidates",
    "perturbed_parameters", "limid_chain", "random_limid",
]


def _states(rng: np.random.Generator, states: tuple[int, int]) -> list[str]:
    lo, hi = states
    return [f"s{i}" for i in range(int(rng.integers(lo, hi + 1)))]


def _row(rng: np.random.Generator, n: int, zeros: float) -> list[float]:
    p = rng.dirichlet(np.ones(n))
    if zeros > 0 and n > 1:
        drop = rng.random(n) < zeros
        if drop.all():
            drop[rng.integers(n)] = False
        p = np.where(drop, 0.0, p)
        p = p / p.sum()
    return [float(x) for x in p]


def _subset(rng: np.random.Generator, pool: list[str], most: int, least: int = 0) -> list[str]:
    if not pool or most <= 0:
        return []
    k = int(rng.integers(min(least, len(pool)), min(most, len(pool)) + 1))
    picked = rng.choice(len(pool), size=k, replace=False)
    return [pool[i] for i in sorted(picked)]


def random_model(
    seed: int,
    *,
    chance: int = 4,
    decisions: int = 2,
    utilities: int = 2,
    states: tuple[int, int] = (2, 3),
    max_parents: int = 2,
    observes: int = 2,
    policies: int = 0,
    complete_policies: bool = False,
    weights: bool = False,
    zeros: float = 0.0,
    ties: bool = False,
    shuffle: bool = True,
    name: str | None = None,
) -> dict[str, Any]:
    """Draw the document of a random valid influence diagram.

    Parameters
    ----------
    seed : int
        Seed of the random generator; the same arguments give the same document.
    chance, decisions, utilities : int
        Number of nodes of each kind (at least one utility).
    states : (int, int)
        Smallest and largest number of states of a chance or decision node.
    max_parents : int
        Most parents of a chance node (a utility node has up to one more).
    observes : int
        Most chance nodes a decision observes itself (perfect recall adds what earlier
        decisions knew).
    policies : int
        Number of named policies: fixed choices and partial rule rows on random decisions.
    complete_policies : bool
        If True, each policy fixes every decision in every information state (a complete
        deterministic strategy).
    weights : bool
        Give the utility nodes random positive weights other than 1.
    zeros : float
        Probability that a CPT entry is zero (each row keeps a positive entry), which makes
        some information states impossible.
    ties : bool
        Use small integer utilities, which makes tied options common.
    shuffle : bool
        Move chance and utility nodes to random places in the file where the format allows
        (a chance node stays before the decisions that observe it). The graph is unchanged.
    name : str, optional
        The model name (default ``random-<seed>``).

    Returns
    -------
    dict
        A model document for :func:`influence.diagram_from_dict`.
    """
    if utilities < 1:
        raise ValueError(f"expected at least one utility node, got {utilities}")
    rng = np.random.default_rng(seed)
    # A temporal skeleton: chance nodes and decisions interleaved; arcs only go forward.
    kinds = ["chance"] * chance + ["decision"] * decisions
    order = [kinds[i] for i in rng.permutation(len(kinds))]
    names: list[str] = []
    kind_of: dict[str, str] = {}
    space: dict[str, list[str]] = {}
    parents: dict[str, list[str]] = {}
    nc = nd = 0
    for kind in order:
        if kind == "chance":
            n = f"c{nc}"
            nc += 1
            parents[n] = _subset(rng, names, max_parents)
        else:
            nd += 1
            n = f"D{nd}"
            earlier_chance = [m for m in names if kind_of[m] == "chance"]
            earlier_dec = [m for m in names if kind_of[m] == "decision"]
            obs = _subset(rng, earlier_chance, observes)
            if earlier_dec and rng.random() < 0.2:
                obs.append(earlier_dec[int(rng.integers(len(earlier_dec)))])
            parents[n] = sorted(obs, key=names.index)
        names.append(n)
        kind_of[n] = kind
        space[n] = _states(rng, states)
    value_nodes = list(names)
    util_names = [f"U{i}" for i in range(utilities)]
    for u in util_names:
        parents[u] = _subset(rng, value_nodes, max_parents + 1, least=1)
        kind_of[u] = "utility"
    # Every decision influences something: give a childless decision a utility child.
    for d in (m for m in names if kind_of[m] == "decision"):
        if not any(d in parents[m] for m in parents if kind_of.get(m) != "decision"):
            u = util_names[int(rng.integers(len(util_names)))]
            parents[u] = sorted(parents[u] + [d], key=value_nodes.index)

    nodes: dict[str, dict[str, Any]] = {}
    for n in names + util_names:
        kind = kind_of[n]
        spec: dict[str, Any] = {"type": kind}
        ps = parents[n]
        combos = [dict(zip(ps, c, strict=True))
                  for c in itertools.product(*(space[p] for p in ps))]
        if kind == "chance":
            spec["states"] = list(space[n])
            if ps:
                spec["parents"] = list(ps)
                spec["cpt"] = [{"given": g, "p": _row(rng, len(space[n]), zeros)}
                               for g in combos]
            else:
                spec["p"] = _row(rng, len(space[n]), zeros)
        elif kind == "decision":
            spec["states"] = list(space[n])
            if ps:
                spec["observes"] = list(ps)
        else:

            def value() -> float:
                if ties:
                    return float(rng.integers(-3, 4))
                return float(np.round(rng.uniform(-100, 100), 3))

            if ps:
                spec["parents"] = list(ps)
                spec["values"] = [{"given": g, "value": value()} for g in combos]
            else:
                spec["value"] = value()
            if weights:
                spec["weight"] = float(rng.choice([0.25, 0.5, 2.0, 3.0]))
        nodes[n] = spec

    if shuffle:
        nodes = {n: nodes[n] for n in _shuffled(rng, names, util_names, kind_of, parents)}

    doc: dict[str, Any] = {"name": name or f"random-{seed}", "nodes": nodes}
    if policies:
        skeleton = diagram_from_dict(doc)
        doc["policies"] = {
            f"policy-{i}": _random_policy(rng, skeleton, complete_policies)
            for i in range(policies)
        }
    return doc


def _shuffled(rng: np.random.Generator, names: list[str], util_names: list[str],
              kind_of: Mapping[str, str], parents: Mapping[str, list[str]]) -> list[str]:
    """A random file order keeping decisions in order and observed nodes before observers."""
    decisions = [n for n in names if kind_of[n] == "decision"]
    deadline = {}
    for n in names:
        if kind_of[n] == "chance":
            observers = [i for i, d in enumerate(decisions) if n in parents[d]]
            deadline[n] = min(observers) if observers else len(decisions)
    slots: list[list[str]] = [[] for _ in range(len(decisions) + 1)]
    for n in names:
        if kind_of[n] == "chance":
            slots[int(rng.integers(0, deadline[n] + 1))].append(n)
    for u in util_names:
        slots[int(rng.integers(0, len(decisions) + 1))].append(u)
    out: list[str] = []
    for i, slot in enumerate(slots):
        out.extend(slot[j] for j in rng.permutation(len(slot)))
        if i < len(decisions):
            out.append(decisions[i])
    return out


def _random_policy(rng: np.random.Generator, diagram: Diagram, complete: bool) -> dict[str, Any]:
    choose: dict[str, Any] = {}
    decisions = diagram.decisions
    if complete:
        picked = list(decisions)
    else:
        k = int(rng.integers(1, len(decisions) + 1))
        picked = [decisions[i] for i in sorted(rng.choice(len(decisions), k, replace=False))]
    for d in picked:
        knows = diagram.information_set(d.name)
        if complete:
            rows = []
            for combo in itertools.product(*(diagram.node(v).states for v in knows)):
                rows.append({"given": dict(zip(knows, combo, strict=True)),
                             "choose": d.states[int(rng.integers(len(d.states)))]})
            choose[d.name] = rows if knows else rows[0]["choose"]
            continue
        if not knows or rng.random() < 0.4:
            choose[d.name] = d.states[int(rng.integers(len(d.states)))]
            continue
        rows = []
        for _ in range(int(rng.integers(1, 4))):
            named = _subset(rng, list(knows), len(knows))
            given = {v: diagram.node(v).states[int(rng.integers(len(diagram.node(v).states)))]
                     for v in named}
            pick = d.states[int(rng.integers(len(d.states)))]
            clash = any(
                all(r["given"].get(v, s) == s for v, s in given.items()) and r["choose"] != pick
                for r in rows
            )
            if not clash:
                rows.append({"given": given, "choose": pick})
        choose[d.name] = rows
    return {"label": "random policy", "choose": choose}


def limid_chain(stages: int, seed: int = 0, states: int = 2, noisy: bool = False) -> Diagram:
    """A limited-memory chain of states ``x0 -> x1 -> ...``, each moved by the decision of the
    stage before; decision ``d{k}`` observes only ``x{k}`` (soluble: the current state is all
    that matters) or, with ``noisy``, only ``o{k}``, a noisy reading of a hidden ``x{k}`` (not
    soluble: the best reading of ``o{k}`` depends on the earlier rules). Utility ``u{k}``
    depends on ``x{k}`` and ``d{k}``."""
    rng = np.random.default_rng(seed)
    names = [f"s{i}" for i in range(states)]
    nodes: dict[str, dict[str, Any]] = {}

    def rows(parents: list[str], n: int) -> list[dict[str, Any]]:
        return [{"given": dict(zip(parents, combo, strict=True)),
                 "p": _row(rng, n, 0.0)}
                for combo in itertools.product(names, repeat=len(parents))]

    for k in range(stages):
        x = f"x{k}"
        if k == 0:
            nodes[x] = {"type": "chance", "states": names, "p": _row(rng, states, 0.0)}
        else:
            parents = [f"x{k - 1}", f"d{k - 1}"]
            nodes[x] = {"type": "chance", "states": names, "parents": parents,
                        "cpt": rows(parents, states)}
        if noisy:
            nodes[f"o{k}"] = {"type": "chance", "states": names, "parents": [x],
                              "cpt": rows([x], states)}
        nodes[f"d{k}"] = {"type": "decision", "states": names,
                          "observes": [f"o{k}" if noisy else x]}
        nodes[f"u{k}"] = {"type": "utility", "parents": [x, f"d{k}"], "values": [
            {"given": {x: a, f"d{k}": b}, "value": float(np.round(rng.uniform(-10, 10), 3))}
            for a, b in itertools.product(names, repeat=2)]}
    return diagram_from_dict({"name": f"chain-{stages}", "recall": "limited", "nodes": nodes})


def random_limid(seed: int, *, remembers: float = 0.3, **kwargs: Any) -> Diagram:
    """A random diagram of limited memory: :func:`random_model` with ``recall: limited``,
    each decision remembering each earlier decision and observation with probability
    ``remembers`` (whether the result is soluble varies)."""
    doc = random_model(seed, **kwargs)
    doc["recall"] = "limited"
    rng = np.random.default_rng(seed + 7919)
    earlier: dict[str, None] = {}
    for name, spec in doc["nodes"].items():
        if spec["type"] == "decision":
            seen = set(spec.get("observes", []))
            recalled = [e for e in earlier if e not in seen and rng.random() < remembers]
            if recalled:
                spec["remembers"] = recalled
            earlier.update(dict.fromkeys([*spec.get("observes", []), name]))
    return diagram_from_dict(doc)


def random_diagram(seed: int, **kwargs: Any) -> Diagram:
    """A random valid :class:`~influence.diagram.Diagram`; see :func:`random_model`."""
    return diagram_from_dict(random_model(seed, **kwargs))


def model_dict(diagram: Diagram, tables: Mapping[str, np.ndarray] | None = None,
               policies: bool = True) -> dict[str, Any]:
    """The model document of a diagram, optionally with other tables.

    Parameters
    ----------
    diagram : Diagram
    tables : mapping, optional
        Node -> table (shape of the node's table, no draw axis) replacing the diagram's.
    policies : bool
        Keep the named policies.

    Returns
    -------
    dict
        A document that :func:`influence.diagram_from_dict` turns back into the diagram.
    """
    tables = dict(tables or {})
    nodes: dict[str, dict[str, Any]] = {}
    for n in diagram.nodes:
        spec: dict[str, Any] = {"type": n.kind}
        table = np.asarray(tables.get(n.name, n.table)) if n.table is not None else None
        combos = list(diagram.parent_configurations(n.name)) if n.kind != "decision" else []
        index = list(itertools.product(*(range(len(diagram.node(p).states)) for p in n.parents)))
        if n.kind == "decision":
            spec["states"] = list(n.states)
            if n.parents:
                spec["observes"] = list(n.parents)
            if n.remembers:
                spec["remembers"] = list(n.remembers)
        elif n.kind == "chance":
            spec["states"] = list(n.states)
            if n.parents:
                spec["parents"] = list(n.parents)
                spec["cpt"] = [{"given": g, "p": [float(x) for x in table[i]]}
                               for g, i in zip(combos, index, strict=True)]
            else:
                spec["p"] = [float(x) for x in table]
        else:
            if n.parents:
                spec["parents"] = list(n.parents)
                spec["values"] = [{"given": g, "value": float(table[i])}
                                  for g, i in zip(combos, index, strict=True)]
            else:
                spec["value"] = float(table)
            if n.weight != 1.0:
                spec["weight"] = n.weight
        nodes[n.name] = spec
    doc: dict[str, Any] = {"name": diagram.name, "nodes": nodes}
    if diagram.recall != "perfect":
        doc["recall"] = diagram.recall
    if policies and diagram.policies:
        doc["policies"] = {}
        for p in diagram.policies:
            choose: dict[str, Any] = {}
            for d, rows in p.rules.items():
                if len(rows) == 1 and not rows[0].given:
                    choose[d] = rows[0].choose
                else:
                    choose[d] = [{"given": dict(r.given), "choose": r.choose} for r in rows]
            doc["policies"][p.id] = {"label": p.label, "choose": choose}
    return doc


def scenario_candidates(diagram: Diagram) -> list[str]:
    """Chance nodes that no decision influences (those a ``given`` scenario may name)."""
    decisions = {d.name for d in diagram.decisions}
    return [n.name for n in diagram.chance_nodes if not diagram.ancestors(n.name) & decisions]


def to_pyagrum(diagram: Diagram, tables: Mapping[str, np.ndarray] | None = None) -> Any:
    """The same influence diagram as a ``pyagrum.InfluenceDiagram``, without arcs added to order
    the decisions: :func:`influence.io.pyagrum_bridge.to_pyagrum` with ``order_arcs=False``.
    Pass the decisions, in order, to ``addNoForgettingAssumption`` of the inference.

    Parameters
    ----------
    diagram : Diagram
    tables : mapping, optional
        Node -> table replacing the diagram's (no draw axis).
    """
    from .io.pyagrum_bridge import to_pyagrum as convert

    return convert(diagram, tables, order_arcs=False)


def perturbed_parameters(diagram: Diagram, draws: int, seed: int, concentration: float = 30.0,
                         spread: float = 0.3) -> dict[str, np.ndarray]:
    """Synthetic parameter draws around a diagram's tables, as the solver takes them.

    Each probability row is drawn from a Dirichlet centred on it (``concentration`` times the
    row; structural zeros stay zero); each utility value gets normal noise of ``spread`` times
    its size (at least 10).

    Returns
    -------
    dict
        ``{node: array (draws, *table.shape)}``.
    """
    rng = np.random.default_rng(seed)
    out = {}
    for n in diagram.nodes:
        if n.table is None:
            continue
        t = np.asarray(n.table, dtype=float)
        if n.kind == "chance":
            rows = t.reshape(-1, t.shape[-1])
            sampled = np.zeros((draws,) + rows.shape)
            for i, row in enumerate(rows):
                nz = row > 0
                if nz.sum() == 1:
                    sampled[:, i, nz] = 1.0
                else:
                    sampled[:, i, nz] = rng.dirichlet(row[nz] * concentration, draws)
            out[n.name] = sampled.reshape((draws,) + t.shape)
        else:
            scale = spread * np.maximum(np.abs(t), 10.0)
            out[n.name] = t[None] + scale[None] * rng.normal(size=(draws,) + t.shape)
    return out
