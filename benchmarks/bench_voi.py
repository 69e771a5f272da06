"""Benchmark: value of information of the article model against pyAgrum.

Run from the repository root::

    python benchmarks/bench_voi.py [--model NAME] [--draws 4000] [--inner 100] [--outer 1]

1. **Observing chance nodes.** ``influence.value_of_information`` values observing every chance
   node before every decision that neither knows nor influences it (point values). pyAgrum does
   the same by solving the diagram once, and once more per (decision, node) pair with the
   information arc added (the same re-ordered diagrams, built in pyAgrum and solved with a fresh
   ``ShaferShenoyLIMIDInference``, no-forgetting, decisions in file order). The two must agree
   on every maximum expected utility to 1e-6 (relative).
2. **EVPPI of every node group** under ``--draws`` prior draws (default 4,000): one call of
   ``influence.evppi`` (the EVPI too). Nested Monte Carlo with pyAgrum: for each outer draw of
   the group, the Bayes decision over ``--inner`` draws of every other parameter. A group is
   a default group of ``influence.evppi`` (a node's uncertain rows or values with the
   parameters of its structured table, or a named parameter); the outer draw fixes its rows,
   values and parameters, the inner draws vary all the others, and the node tables of each
   (outer, inner) combination are computed from those values (``parameter_tables``: a table
   computed from parameters is recomputed, so a parameter shared by several nodes moves them
   together). pyAgrum solves one diagram per outer draw, in which an extra uniform chance node
   indexes the inner draws and is a parent of every node whose table changes across them (its
   tables stacked draw by draw), so that its MEU is ``max_s mean_k EU(s; phi_j, psi_k)``, the
   nested inner expectation. The full nested run (``--draws`` outer draws for each group) is
   too long to run: ``--outer`` outer draws of every group are timed (building the tables and the
   diagram included) and the total is extrapolated from their mean time per solve; the output
   says so. One indexed diagram is also solved by influence, and influence's plan of the model
   evaluates the same table draws as a batch (its Bayes strategy's mean expected utility), to
   check that the construction gives the same MEU.

Targets: (1) under 1 s; (2) under 5 s.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Mapping
from dataclasses import replace

import numpy as np

import influence
from influence.analysis.groups import default_groups
from influence.analysis.observe import observation_pairs, with_observation
from influence.bayes.draws import Slot, is_parameter_key, parameter_tables, uncertain_slots
from influence.model.diagram import Diagram, Node
from influence.testing import to_pyagrum

TARGET_OBSERVE = 1.0
TARGET_EVPPI = 5.0


def pyagrum_meu(diagram: Diagram) -> float:
    import pyagrum as gum

    inference = gum.ShaferShenoyLIMIDInference(to_pyagrum(diagram))
    inference.addNoForgettingAssumption([d.name for d in diagram.decisions])
    inference.makeInference()
    return float(inference.MEU()["mean"])


def best_of(repeat: int, call) -> tuple[float, float, object]:  # noqa: ANN001
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - start)
    return min(times), float(np.median(times)), result


# -- 1. observing chance nodes ------------------------------------------------------------------
def observe(diagram: Diagram, repeat: int) -> None:
    influence.value_of_information(diagram)  # warm-up
    best, median, voi = best_of(repeat, lambda: influence.value_of_information(diagram))
    pairs = observation_pairs(diagram)
    start = time.perf_counter()
    base = pyagrum_meu(diagram)
    theirs = [pyagrum_meu(with_observation(diagram, d, xs)) for d, xs in pairs]
    seconds = time.perf_counter() - start
    ours = [o.maximum_expected_utility for o in voi.observe]
    scale = max(1.0, abs(base))
    agree = abs(voi.maximum_expected_utility - base) <= 1e-6 * scale and all(
        abs(a - b) <= 1e-6 * scale for a, b in zip(ours, theirs, strict=True))
    values = [o.value for o in voi.observe]
    print(f"1. observing each chance node before each decision: {len(pairs)} (decision, node) "
          f"pairs")
    print(f"   influence: {best:.3f} s (best of {repeat}; median {median:.3f} s)  "
          f"target < {TARGET_OBSERVE} s: {'met' if best < TARGET_OBSERVE else 'MISSED'}")
    print(f"   pyAgrum, one solve per diagram ({len(pairs) + 1} diagrams, built and solved): "
          f"{seconds:.3f} s  ratio influence/pyAgrum {best / seconds:.2f}")
    print(f"   maximum expected utilities with each observation agree to 1e-6: {agree}; "
          f"values from {min(values, default=0.0):.6g} to {max(values, default=0.0):.6g}")


# -- 2. EVPPI -----------------------------------------------------------------------------------
def _plain(node: Node, **changes: object) -> Node:
    """``node`` with the given changes, as a plain table: no priors, no row sources, nothing
    computed from parameters."""
    return replace(node, priors={}, row_sources={}, structure=None, expressions={},
                   weight_expression=None, **changes)


def indexed(diagram: Diagram, fixed: Mapping[str, np.ndarray],
            inner: Mapping[str, np.ndarray], k: int) -> Diagram:
    """The diagram in which an extra uniform chance node ``inner_draw`` of ``k`` states indexes
    draws of the nodes in ``inner`` (a parent of each), the nodes in ``fixed`` take the given
    tables, and every other node keeps its table; every table plain (no parameters)."""
    index = Node(name="inner_draw", kind="chance", states=tuple(f"k{i}" for i in range(k)),
                 table=np.full(k, 1.0 / k))
    nodes = [index]
    for n in diagram.nodes:
        if n.name in inner:
            nodes.append(_plain(n, parents=("inner_draw", *n.parents), table=inner[n.name]))
        elif n.name in fixed:
            nodes.append(_plain(n, table=fixed[n.name]))
        else:
            nodes.append(_plain(n))
    return Diagram(name=diagram.name, nodes=tuple(nodes))


def slot_draws(slots: list[Slot], draws: int, seed: int) -> dict[str, np.ndarray]:
    """Draws of every uncertain row, value and parameter from its prior."""
    rng = np.random.default_rng(seed)
    return {s.name: np.asarray(s.prior.sample(rng, draws), dtype=float) for s in slots}


def nested_tables(diagram: Diagram, slots: list[Slot], group: frozenset[str],
                  outer: Mapping[str, np.ndarray], j: int, inner: Mapping[str, np.ndarray],
                  k: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray],
                                   dict[str, np.ndarray]]:
    """The node tables of the ``k`` (outer draw ``j``, inner draw) combinations: the group's
    slots at outer draw ``j``, the others at the inner draws, every table computed from those
    parameter values (:func:`parameter_tables`). Returns the batch (node -> (k, *table)), the
    tables that do not change across the inner draws and those that do."""
    def values(slot: Slot) -> np.ndarray:
        if slot.name in group:
            return np.repeat(outer[slot.name][j][None], k, axis=0)
        return inner[slot.name]

    batch = {n: t for n, t in parameter_tables(diagram, slots, k, values).items()
             if not is_parameter_key(n)}
    same, varying = {}, {}
    for name, table in batch.items():
        if table.shape[0] == 1 or np.array_equal(table, np.broadcast_to(table[:1], table.shape)):
            same[name] = np.array(table[0])
        else:
            varying[name] = np.array(table)
    return batch, same, varying


def check_construction(diagram: Diagram, batch: Mapping[str, np.ndarray], model: Diagram,
                       k: int) -> None:
    """The indexed diagram's MEU by influence and by pyAgrum, and the Bayes strategy's mean
    expected utility over the same ``k`` table draws by influence's plan of the model."""
    ours = influence.solve(model).maximum_expected_utility
    theirs = pyagrum_meu(model)
    batched = influence.plan(diagram).evaluate(dict(batch)).maximum_expected_utility
    tol = 1e-6 * max(1.0, abs(ours))
    print(f"   check, one indexed diagram ({k} inner draws): influence {ours:.6f}, pyAgrum "
          f"{theirs:.6f}; the model's plan on the {k} draws of its tables {batched:.6f} "
          f"(agree: {abs(ours - theirs) <= tol and abs(batched - theirs) <= tol})")


def evppi(diagram: Diagram, draws: int, seed: int, inner: int, outer: int,
          repeat: int) -> None:
    influence.evppi(diagram, prior=True, draws=200, seed=seed + 1)  # warm-up
    best, median, result = best_of(
        repeat, lambda: influence.evppi(diagram, prior=True, draws=draws, seed=seed))
    print(f"2. EVPPI of every node group ({len(result.groups)} groups) and the EVPI, {draws} "
          f"prior draws")
    print(f"   influence: {best:.3f} s (best of {repeat}; median {median:.3f} s)  "
          f"target < {TARGET_EVPPI} s: {'met' if best < TARGET_EVPPI else 'MISSED'}")
    slots = uncertain_slots(diagram)
    groups = {g.name: g for g in default_groups(diagram, slots)}
    assert [g.group for g in result.groups] == list(groups), "expected the default groups"
    assert not any(g.partial for g in groups.values()), "expected whole rows and parameters"
    outer_draws = slot_draws(slots, outer, seed)
    inner_draws = slot_draws(slots, inner, seed + 99)
    solves, seconds, checked = 0, 0.0, False
    for g in groups.values():
        for j in range(outer):
            start = time.perf_counter()
            batch, same, varying = nested_tables(diagram, slots, g.slot_names, outer_draws, j,
                                                 inner_draws, inner)
            model = indexed(diagram, same, varying, inner)
            pyagrum_meu(model)
            seconds += time.perf_counter() - start
            solves += 1
            if not checked:
                check_construction(diagram, batch, model, inner)
                checked = True
    per_solve = seconds / solves
    total = per_solve * draws * len(groups)
    print(f"   nested Monte Carlo with pyAgrum ({inner} inner draws, one solve per outer draw "
          f"and group, tables computed from the parameters of each draw): {solves} solves "
          f"timed ({outer} outer draws x {len(groups)} groups), {1e3 * per_solve:.1f} ms per "
          f"solve")
    print(f"   extrapolated to {draws} outer draws x {len(groups)} groups: {total:,.0f} s "
          f"({total / 3600:.1f} hours), not run; ratio influence/nested "
          f"{best / total:.2e} ({total / best:,.0f}x faster)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="cartel-intervention")
    parser.add_argument("--draws", type=int, default=4000)
    parser.add_argument("--inner", type=int, default=100)
    parser.add_argument("--outer", type=int, default=1)
    parser.add_argument("--seed", type=int, default=20250114)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    diagram = influence.load(args.model)
    print(f"model: {args.model}  ({diagram!r})")
    observe(diagram, args.repeat)
    evppi(diagram, args.draws, args.seed, args.inner, args.outer, args.repeat)


if __name__ == "__main__":
    main()
