"""Benchmark: value of information of the article model against pyAgrum.

Run from the repository root::

    python benchmarks/bench_voi.py [--model NAME] [--draws 4000] [--inner 100] [--outer 3]

1. **Observing chance nodes.** ``influence.value_of_information`` values observing every chance
   node before every decision that neither knows nor influences it (point values). pyAgrum does
   the same by solving the diagram once, and once more per (decision, node) pair with the
   information arc added (the same re-ordered diagrams, built in pyAgrum and solved with a fresh
   ``ShaferShenoyLIMIDInference``, no-forgetting, decisions in file order). The two must agree
   on every maximum expected utility to 1e-6 (relative).
2. **EVPPI of every node group** under ``--draws`` prior draws (default 4,000): one call of
   ``influence.evppi`` (the EVPI too). Nested Monte Carlo with pyAgrum: for each outer draw of
   the group, the Bayes decision over ``--inner`` draws of every other parameter. pyAgrum
   solves one diagram per outer draw, in which an extra uniform chance node indexes the inner
   draws and is a parent of every other node with priors (its tables stacked draw by draw), so
   that its MEU is ``max_s mean_k EU(s; phi_j, psi_k)``, the nested inner expectation. The
   full nested run (``--draws`` outer draws for each group) would take hours: ``--outer``
   outer draws of every group are timed and the total is extrapolated from their mean time
   per solve; the output says so. One indexed diagram is also solved by influence's own plan,
   to check that the construction gives the same MEU. It needs plain tables with their own
   priors: on a model with parameters (structured tables, named parameters) it is not run.

Targets: (1) under 1 s; (2) under 5 s.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Mapping
from dataclasses import replace

import numpy as np

import influence
from influence.analysis.observe import observation_pairs, with_observation
from influence.bayes.draws import sample_prior_parameters, uncertain_slots
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
def indexed(diagram: Diagram, fixed: Mapping[str, np.ndarray],
            inner: Mapping[str, np.ndarray], k: int) -> Diagram:
    """The diagram in which an extra uniform chance node ``inner_draw`` of ``k`` states indexes
    draws of the nodes in ``inner`` (a parent of each), the nodes in ``fixed`` take the given
    tables, and every other node keeps its table."""
    index = Node(name="inner_draw", kind="chance", states=tuple(f"k{i}" for i in range(k)),
                 table=np.full(k, 1.0 / k))
    nodes = [index]
    for n in diagram.nodes:
        if n.name in inner:
            nodes.append(replace(n, parents=("inner_draw", *n.parents), table=inner[n.name],
                                 priors={}, row_sources={}))
        elif n.name in fixed:
            nodes.append(replace(n, table=fixed[n.name], priors={}, row_sources={}))
        else:
            nodes.append(replace(n, priors={}, row_sources={}))
    return Diagram(name=diagram.name, nodes=tuple(nodes))


def evppi(diagram: Diagram, draws: int, seed: int, inner: int, outer: int,
          repeat: int) -> None:
    influence.evppi(diagram, prior=True, draws=200, seed=seed + 1)  # warm-up
    best, median, result = best_of(
        repeat, lambda: influence.evppi(diagram, prior=True, draws=draws, seed=seed))
    groups = [g.group for g in result.groups]
    print(f"2. EVPPI of every node group ({len(groups)} groups) and the EVPI, {draws} prior "
          f"draws")
    print(f"   influence: {best:.3f} s (best of {repeat}; median {median:.3f} s)  "
          f"target < {TARGET_EVPPI} s: {'met' if best < TARGET_EVPPI else 'MISSED'}")
    if diagram.parameters:
        print("   nested Monte Carlo with pyAgrum: not run; it indexes draws of whole node tables, "
              "and this model's tables are computed from parameters that several nodes share")
        return
    uncertain = list(dict.fromkeys(s.node for s in uncertain_slots(diagram)))
    outer_draws = sample_prior_parameters(diagram, outer, seed)
    inner_draws = sample_prior_parameters(diagram, inner, seed + 99)
    solves, seconds, checked = 0, 0.0, False
    for g in groups:
        others = {n: inner_draws[n] for n in uncertain if n != g}
        for j in range(outer):
            start = time.perf_counter()
            model = indexed(diagram, {g: outer_draws[g][j]}, others, inner)
            pyagrum_meu(model)
            seconds += time.perf_counter() - start
            solves += 1
            if not checked:
                start = time.perf_counter()
                ours = influence.solve(model).maximum_expected_utility
                theirs = pyagrum_meu(model)
                print(f"   check, one indexed diagram ({inner} inner draws): influence "
                      f"{ours:.6f}, pyAgrum {theirs:.6f} "
                      f"(agree: {abs(ours - theirs) <= 1e-6 * max(1.0, abs(ours))})")
                checked = True
    per_solve = seconds / solves
    total = per_solve * draws * len(groups)
    print(f"   nested Monte Carlo with pyAgrum ({inner} inner draws, one solve per outer draw "
          f"and group): {solves} solves timed ({outer} outer draws x {len(groups)} groups), "
          f"{1e3 * per_solve:.1f} ms per solve")
    print(f"   extrapolated to {draws} outer draws x {len(groups)} groups: {total:,.0f} s "
          f"({total / 3600:.1f} hours), not run; ratio influence/nested "
          f"{best / total:.2e} ({total / best:,.0f}x faster)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="cartel-intervention")
    parser.add_argument("--draws", type=int, default=4000)
    parser.add_argument("--inner", type=int, default=100)
    parser.add_argument("--outer", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20250114)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    diagram = influence.load(args.model)
    print(f"model: {args.model}  ({diagram!r})")
    observe(diagram, args.repeat)
    evppi(diagram, args.draws, args.seed, args.inner, args.outer, args.repeat)


if __name__ == "__main__":
    main()
