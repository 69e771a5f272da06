"""Requisite information: d-separation by Bayes-Ball against the moral-graph criterion, and the
potentials solver (rules over the requisite part) against the stage tensor over everything a
decision knows, rule by rule."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import influence
from influence.solve.plan import Plan
from influence.solve.requisite import Graph, exact_order, requisite_sets, visited
from influence.testing import random_diagram, random_model, scenario_candidates


def _random_dag(rng: np.random.Generator, n: int) -> dict[str, tuple[str, ...]]:
    names = [f"v{i}" for i in range(n)]
    parents = {}
    for i, v in enumerate(names):
        k = int(rng.integers(0, min(i, 3) + 1))
        parents[v] = tuple(sorted(rng.choice(names[:i], size=k, replace=False))) if k else ()
    return parents


def _separated_by_moral_graph(parents: dict, x: str, y: str, given: set[str]) -> bool:
    """x and y d-separated given ``given``: disconnected in the moral graph of the ancestral
    set of {x, y} and ``given``, with ``given`` removed (Lauritzen et al. 1990)."""
    keep = {x, y} | given
    stack = list(keep)
    while stack:
        for p in parents[stack.pop()]:
            if p not in keep:
                keep.add(p)
                stack.append(p)
    edges: dict[str, set[str]] = {v: set() for v in keep}
    for v in keep:
        family = list(parents[v]) + [v]
        for a, b in itertools.combinations(family, 2):
            edges[a].add(b)
            edges[b].add(a)
    seen, stack = {x}, [x]
    while stack:
        for w in edges[stack.pop()]:
            if w not in seen and w not in given:
                seen.add(w)
                stack.append(w)
    return y not in seen


@pytest.mark.parametrize("seed", range(40))
def test_bayes_ball_finds_what_is_d_connected(seed: int) -> None:
    rng = np.random.default_rng(seed)
    parents = _random_dag(rng, 9)
    children: dict[str, list[str]] = {v: [] for v in parents}
    for v, ps in parents.items():
        for p in ps:
            children[p].append(v)
    names = list(parents)
    for _ in range(10):
        x = names[int(rng.integers(len(names)))]
        given = {v for v in names if v != x and rng.random() < 0.3}
        seen = visited(parents, children, [x], given)
        for y in names:
            if y == x:
                continue
            if y in given:  # requisite observation: d-connected given the others
                expected = not _separated_by_moral_graph(parents, x, y, given - {y})
            else:
                expected = not _separated_by_moral_graph(parents, x, y, given)
            assert (y in seen) == expected, (seed, x, y, sorted(given))


def _graph(d: influence.Diagram) -> Graph:
    return Graph(d.names, {n.name: n.kind for n in d.nodes}, {n.name: n.parents for n in d.nodes})


def test_textbook_requisite_information() -> None:
    oil = influence.plan(influence.load("oil-wildcatter")).factored
    assert oil.info == {"test": (), "drill": ("test", "result")}
    # The article model: every past decision of each decision matters to it (its parts are
    # connected through the structured tables); the reduced solver agrees with the unreduced.
    plan = influence.plan(influence.load("cartel-intervention"))
    cartel = plan.factored
    for d in cartel.decisions:
        assert set(cartel.info[d]) <= set(cartel.knows[d])
    ops = plan.operands()
    assert cartel.solve(ops).expected_utility[0] == pytest.approx(
        plan.unreduced.solve(ops).expected_utility[0], rel=1e-12)


def test_an_observation_that_cannot_matter_is_dropped() -> None:
    doc = random_model(3, chance=4, decisions=1, utilities=1, observes=1)
    doc["nodes"]["noise"] = {"type": "chance", "states": ["a", "b", "c"], "p": [0.2, 0.3, 0.5]}
    doc["nodes"] = {"noise": doc["nodes"].pop("noise"), **doc["nodes"]}
    doc["nodes"]["D1"].setdefault("observes", []).append("noise")
    d = influence.diagram_from_dict(doc)
    result = influence.evaluate(d)
    rule = result.decision("D1")
    assert "noise" in rule.knows and "noise" not in rule.requisite
    by_rest: dict[tuple, set] = {}
    for r in rule.rules:
        if r.choose is not None:
            key = tuple(v for k, v in r.given.items() if k != "noise")
            by_rest.setdefault(key, set()).add(r.choose)
    assert all(len(c) == 1 for c in by_rest.values())
    assert result.to_dict()["requisite_information"]["D1"] == list(rule.requisite)


def _cases() -> list[tuple[int, dict]]:
    out = []
    for seed in range(60):
        rng = np.random.default_rng(seed)
        kw = dict(chance=int(rng.integers(3, 9)), decisions=int(rng.integers(1, 5)),
                  utilities=int(rng.integers(1, 4)), observes=int(rng.integers(1, 4)),
                  zeros=0.25 if seed % 3 == 0 else 0.0, weights=seed % 5 == 0,
                  policies=2 if seed % 4 == 1 else 0)
        out.append((seed, kw))
    return out


@pytest.mark.parametrize("seed, kw", _cases(), ids=[str(s) for s, _ in _cases()])
def test_rules_agree_with_the_stage_tensor(seed: int, kw: dict) -> None:
    d = random_diagram(seed, **kw)
    given = None
    candidates = scenario_candidates(d)
    if seed % 2 and candidates:
        node = d.node(candidates[0])
        if not node.parents:
            likeliest = int(np.argmax(list(d.probabilities(node.name, {}).values())))
            given = {node.name: node.states[likeliest]}
    plan = Plan(d, given)
    factored = plan.evaluate()
    ops = plan.operands()
    stage = plan.evaluate_chunks(lambda: iter((ops,)), prepared=True)
    assert factored.maximum_expected_utility == pytest.approx(
        stage.maximum_expected_utility, rel=1e-9, abs=1e-9)
    for a, b in zip(factored.options, stage.options, strict=True):
        assert a.id == b.id
        assert a.expected_utility == pytest.approx(b.expected_utility, rel=1e-9, abs=1e-9)
    for fa, st in zip(factored.optimal_strategy, stage.optimal_strategy, strict=True):
        assert fa.knows == st.knows
        for x, y in zip(fa.rules, st.rules, strict=True):
            assert x.given == y.given
            assert x.probability == pytest.approx(y.probability, abs=1e-12)
            assert x.reachable == y.reachable
            assert (x.choose is None) == (y.choose is None)
            if x.expected_utilities is None:
                continue
            eus = y.expected_utilities
            for s, v in x.expected_utilities.items():
                assert v == pytest.approx(eus[s], rel=1e-9, abs=1e-9)
            best = max(eus.values())
            assert eus[x.choose] >= best - 1e-9 * max(1.0, abs(best))
    assert factored.by_utility == pytest.approx(stage.by_utility, rel=1e-9, abs=1e-9)
    if factored.utility_sd is not None:
        assert factored.utility_sd == pytest.approx(stage.utility_sd, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("seed", range(30))
def test_perfect_recall_reduced_is_soluble_in_reverse_order(seed: int) -> None:
    d = random_diagram(seed, chance=6, decisions=4, observes=2)
    plan = Plan(d)
    graph = _graph(d)
    names = [x.name for x in d.decisions]
    known = {x: plan.past(k) for k, x in enumerate(names)}
    info = requisite_sets(graph, names, known)
    assert all(set(info[x]) <= set(known[x]) for x in names)
    assert exact_order(graph, names, info) == tuple(reversed(names))
