"""Time sensitivity analysis of the article model, and re-solving it once per value in pyAgrum.

Run from the repository root::

    python benchmarks/bench_sensitivity.py                # cartel-intervention, every parameter
    python benchmarks/bench_sensitivity.py --repeat 3 --model oil-wildcatter

It prints, in one run:

- ``all``: ``influence.sensitivity(diagram, every parameter)``: the one-way analysis of every
  parameter of the model (``all_parameters``: 138 for the article model) *and* the exact
  break-even values of each over its whole domain, on an already-loaded diagram;
- ``default``: the same over the default parameters (deterministic rows and the mirrored state
  of two-state rows left out);
- ``one-way``: the one-way part alone (2 values per parameter, one batch through
  ``Plan.expected_utilities``);
- ``pyAgrum``: solving the diagram once per value of the one-way part (the same number of
  values: two per parameter) with pyAgrum: ``ShaferShenoyLIMIDInference``,
  ``addNoForgettingAssumption`` and ``makeInference`` per value, on pyAgrum diagrams built
  beforehand (``influence.testing.to_pyagrum``, not timed); and the ratio of that time to ours.

Wall time is the median over ``--repeat`` runs (``time.perf_counter``); CPU time
(``time.process_time``, this process only) is printed beside it, since on a shared machine the
wall time also counts waiting for a processor. pyAgrum is optional: without it its column shows
``-``. The target is the ``all`` row under 2 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np

import influence
from influence.analysis.parameters import all_parameters, apply
from influence.analysis.ranges import parse_ranges, ranged, select
from influence.analysis.sensitivity import one_way
from influence.testing import to_pyagrum


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median wall and CPU seconds of ``fn`` over ``repeat`` runs (after one warm-up run)."""
    fn()
    wall, cpu = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    return statistics.median(wall), statistics.median(cpu)


def pyagrum_per_value(diagram: influence.Diagram, ids: list[str]) -> tuple[float, int, float]:
    """Seconds to solve the diagram once per one-way value with pyAgrum (inference only), the
    number of values, and the largest difference from our maximum expected utilities."""
    import pyagrum as gum

    items = ranged(diagram, select(diagram, ids), parse_ranges(diagram, None))
    plan = influence.plan(diagram)
    ours, _ = one_way(plan, items)
    models = []
    for item in items:
        for value in (item.low, item.high):
            tables, weights = apply(diagram, [item.parameter], [[value]])
            tables = {k: v[0] for k, v in tables.items()}
            for node, weight in (weights or {}).items():
                # a weight (or a parameter in one): pyAgrum takes the weighted table
                base = tables.get(node, diagram.node(node).table)
                tables[node] = base * float(weight[0]) / diagram.node(node).weight
            models.append(to_pyagrum(diagram, tables))
    order = [d.name for d in diagram.decisions]
    start = time.perf_counter()
    meus = []
    for model in models:
        inference = gum.ShaferShenoyLIMIDInference(model)
        inference.addNoForgettingAssumption(order)
        inference.makeInference()
        meus.append(inference.MEU()["mean"])
    seconds = time.perf_counter() - start
    return seconds, len(models), float(np.max(np.abs(np.array(meus) - ours.reshape(-1))))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="cartel-intervention")
    parser.add_argument("--repeat", type=int, default=5, help="runs per timing")
    args = parser.parse_args(argv)
    diagram = influence.load(args.model)
    every = [p.id for p in all_parameters(diagram)]
    default = [p.id for p in select(diagram)]
    all_wall, all_cpu = timed(lambda: influence.sensitivity(diagram, every), args.repeat)
    def_wall, def_cpu = timed(lambda: influence.sensitivity(diagram), args.repeat)
    items = ranged(diagram, select(diagram, every), parse_ranges(diagram, None))
    one_wall, one_cpu = timed(lambda: one_way(influence.plan(diagram), items), args.repeat)
    result = influence.sensitivity(diagram, every)
    found = sum(len(p.thresholds) for p in result.parameters)
    print(f"model {args.model}: {len(every)} parameters ({len(default)} by default), "
          f"{found} break-even values found over every parameter's domain")
    print(f"{'what':<46} {'wall s':>7} {'cpu s':>7}")
    print(f"{'all: one-way + break-even, every parameter':<46} {all_wall:>7.3f} {all_cpu:>7.3f}")
    print(f"{'default: one-way + break-even, default set':<46} {def_wall:>7.3f} {def_cpu:>7.3f}")
    print(f"{'one-way only, every parameter':<46} {one_wall:>7.3f} {one_cpu:>7.3f}")
    try:
        seconds, values, gap = pyagrum_per_value(diagram, every)
    except ImportError:
        print(f"{'pyAgrum, one solve per value':<46} {'-':>7}")
        return 0
    print(f"{f'pyAgrum, one solve per value ({values} values)':<46} {seconds:>7.3f}")
    print(f"pyAgrum / ours: {seconds / one_wall:.1f}x the one-way part, "
          f"{seconds / all_wall:.1f}x one-way with every break-even value; "
          f"largest MEU difference {gap:.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
