"""Time ``influence.explain`` on the article model: point values and under prior draws.

Run from the repository root::

    python benchmarks/bench_explain.py                 # cartel-intervention, 5 runs
    python benchmarks/bench_explain.py --repeat 3 --draws 20000

It prints the median wall time (and CPU time of this process) of, on an already-loaded
diagram:

- ``point``: ``explain(diagram)`` (the optimal strategy against the default other option);
- ``point --by``: the same split by the states of ``mexico_response``;
- ``prior``: ``explain(diagram, "article-recommendation", prior=True, draws=N, seed=1)``, which
  evaluates every option under the draws (two passes) and values the two strategies' utility
  nodes draw by draw (a third pass);
- ``prior --by``: the same split by ``mexico_response``;
- ``evaluate --prior``: ``influence.evaluate`` under the same draws, for comparison.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import influence


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="cartel-intervention")
    parser.add_argument("--by", default="mexico_response")
    parser.add_argument("--draws", type=int, default=4000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    d = influence.load(args.model)
    other = "article-recommendation" if d.policies else None
    cases = {
        "point": lambda: influence.explain(d),
        "point --by": lambda: influence.explain(d, by=args.by),
        "prior": lambda: influence.explain(d, other, prior=True, draws=args.draws, seed=1),
        "prior --by": lambda: influence.explain(d, other, by=args.by, prior=True,
                                                draws=args.draws, seed=1),
        "evaluate --prior": lambda: influence.evaluate(d, prior=True, draws=args.draws,
                                                       seed=1),
    }
    print(f"{args.model}: {args.draws} prior draws, median of {args.repeat} runs")
    print(f"{'case':<18}{'wall s':>10}{'cpu s':>10}")
    for name, fn in cases.items():
        wall, cpu = timed(fn, args.repeat)
        print(f"{name:<18}{wall:>10.4f}{cpu:>10.4f}")


if __name__ == "__main__":
    main()
