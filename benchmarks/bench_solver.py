"""Time the exact solver against pyAgrum's LIMID solver on the same diagrams.

Run from the repository root::

    python benchmarks/bench_solver.py            # full table
    python benchmarks/bench_solver.py --quick    # fewer repeats, smaller random diagrams

For each diagram it prints, in one run:

- ``cold``: one solve including planning (``Plan`` + ``solve_batch`` on the point values:
  the MEU, the optimal rule in every information state with its probability and conditional
  expected utilities, every alternative and every named policy);
- ``core``: the part that matches what pyAgrum computes, cold: planning, the stage tensor and
  one backward induction (the MEU and the optimal decision rules as arrays);
- ``warm``: ``solve_batch`` again with the plan reused (what the Bayesian layer pays per batch);
- ``pyagrum``: building ``ShaferShenoyLIMIDInference`` on the already-built pyAgrum diagram,
  ``addNoForgettingAssumption``, ``makeInference`` and ``MEU`` (the pyAgrum diagram itself is
  built once, outside the timing);
- ``ratio``: cold / pyagrum and core / pyagrum (below 1: we are faster);
- whether the two MEUs agree to 1e-8 (relative).

Times are medians over repeats (at least ``--repeat`` runs and at least ``--budget`` seconds per
measurement), measured with ``time.perf_counter``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np

import influence
from influence.model import bundled
from influence.model.diagram import Diagram
from influence.solve.kernels import backward_induction
from influence.solve.plan import Plan
from influence.solve.tables import point_parameters
from influence.testing import random_diagram, to_pyagrum

#: Random diagrams of growing size: (label, keyword arguments of random_diagram).
RANDOM_CASES = [
    ("random 5 nodes", dict(chance=3, decisions=1, utilities=1, observes=1)),
    ("random 10 nodes", dict(chance=6, decisions=2, utilities=2, observes=1)),
    ("random 15 nodes", dict(chance=10, decisions=2, utilities=3, observes=2)),
    ("random 20 nodes", dict(chance=14, decisions=3, utilities=3, observes=1)),
    ("random 30 nodes", dict(chance=22, decisions=4, utilities=4, observes=1)),
    ("random 40 nodes", dict(chance=31, decisions=4, utilities=5, observes=1)),
    ("random 45 nodes", dict(chance=34, decisions=5, utilities=6, observes=1)),
]


def median_time(fn: Callable[[], object], repeat: int, budget: float) -> float:
    """Median wall time of ``fn`` in seconds."""
    times = []
    start = time.perf_counter()
    while len(times) < repeat or time.perf_counter() - start < budget:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        if len(times) >= 2000:
            break
    return statistics.median(times)


def information_states(plan: Plan) -> int:
    """Number of information states over all decisions (rows of the optimal strategy)."""
    total = 0
    for k in range(len(plan.diagram.decisions)):
        total += int(np.prod([plan.sizes[v] for v in plan.past(k)], dtype=np.int64))
    return total


def bench(label: str, diagram: Diagram, repeat: int, budget: float) -> dict:
    params = point_parameters(diagram)

    def cold() -> float:
        return Plan(diagram).evaluate(params).maximum_expected_utility

    plan = Plan(diagram)
    ours = plan.evaluate(params).maximum_expected_utility

    def warm() -> float:
        return plan.evaluate(params).maximum_expected_utility

    def core() -> float:
        fresh = Plan(diagram)
        stage = fresh.stage_tensor(fresh.operands(params))
        return float(backward_induction(stage, fresh.layout).expected_utility[0])

    assert abs(core() - ours) <= 1e-9 * max(1.0, abs(ours))

    row = {
        "model": label,
        "nodes": len(diagram.nodes),
        "decisions": len(diagram.decisions),
        "states": information_states(plan),
        "cold": median_time(cold, repeat, budget),
        "warm": median_time(warm, repeat, budget),
        "core": median_time(core, repeat, budget),
        "pyagrum": None,
        "agree": "n/a",
    }
    try:
        import pyagrum as gum
    except ImportError:
        return row
    model = to_pyagrum(diagram)
    order = [d.name for d in diagram.decisions]

    def pyagrum_solve() -> float:
        inference = gum.ShaferShenoyLIMIDInference(model)
        inference.addNoForgettingAssumption(order)
        inference.makeInference()
        return inference.MEU()["mean"]

    theirs = pyagrum_solve()
    row["pyagrum"] = median_time(pyagrum_solve, repeat, budget)
    same = abs(ours - theirs) <= 1e-8 * max(1.0, abs(ours), abs(theirs))
    row["agree"] = "yes" if same else f"NO ({ours:.6g} vs {theirs:.6g})"
    return row


def fmt_ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1e3:.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, smaller diagrams")
    parser.add_argument("--repeat", type=int, default=15, help="least number of runs")
    parser.add_argument("--budget", type=float, default=0.5, help="least seconds per timing")
    parser.add_argument("--seed", type=int, default=2024, help="seed of the random diagrams")
    args = parser.parse_args(argv)
    repeat, budget = (5, 0.1) if args.quick else (args.repeat, args.budget)
    cases: list[tuple[str, Diagram]] = [(name, influence.load(name)) for name in bundled.names()]
    random_cases = RANDOM_CASES[:4] if args.quick else RANDOM_CASES
    for i, (label, kwargs) in enumerate(random_cases):
        cases.append((label, random_diagram(args.seed + i, states=(2, 3), max_parents=2,
                                            **kwargs)))
    header = (f"{'model':<20} {'nodes':>5} {'dec':>3} {'states':>6} {'cold ms':>8} "
              f"{'warm ms':>8} {'core ms':>8} {'pyAgrum ms':>10} {'cold/pA':>7} "
              f"{'core/pA':>7}  MEU agree")
    print(header)
    print("-" * len(header))
    for label, diagram in cases:
        row = bench(label, diagram, repeat, budget)
        pa = row["pyagrum"]
        cold_ratio = "-" if pa is None else f"{row['cold'] / pa:.2f}"
        core_ratio = "-" if pa is None else f"{row['core'] / pa:.2f}"
        print(f"{row['model']:<20} {row['nodes']:>5} {row['decisions']:>3} {row['states']:>6} "
              f"{fmt_ms(row['cold']):>8} {fmt_ms(row['warm']):>8} {fmt_ms(row['core']):>8} "
              f"{fmt_ms(pa):>10} {cold_ratio:>7} {core_ratio:>7}  {row['agree']}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
