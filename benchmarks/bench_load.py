"""Time loading and validating models: the bundled ones, and models with one very large node.

Run from the repository root::

    python benchmarks/bench_load.py                  # bundled models, then 1e3 .. 2e4 states
    python benchmarks/bench_load.py --states 10000   # only the large model with 10,000 states

The large model has a root chance node ``big`` with N states (``p`` a list), a chance child
``sign`` of it (N ``cpt`` rows), a decision ``act`` observing ``sign``, a utility ``gain`` of
``big`` and ``act`` (2 N ``values`` rows) and a policy with a rule row for each state of
``sign``. Every check the loader makes is linear in the size of the file, so the time per state
should stay flat as N grows.

Times are the median of ``--repeat`` runs of :func:`influence.loads` on text already in memory
(bundled models: :func:`influence.load`), measured with ``time.perf_counter``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import influence
from influence.model import bundled


def large_model(n: int) -> str:
    """Model text with a node of ``n`` states (see the module docstring)."""
    states = [f"s{i}" for i in range(n)]
    lines = ["name: large", "nodes:", "  big:", "    type: chance",
             f"    states: [{', '.join(states)}]",
             f"    p: [{', '.join(['1'] + ['0'] * (n - 1))}]",
             "  sign:", "    type: chance", "    states: [lo, hi]", "    parents: [big]",
             "    cpt:"]
    lines += [f"      - {{given: {{big: {s}}}, p: [0.5, 0.5]}}" for s in states]
    lines += ["  act:", "    type: decision", "    states: [a, b]", "    observes: [sign]",
              "  gain:", "    type: utility", "    parents: [big, act]", "    values:"]
    lines += [f"      - {{given: {{big: {s}, act: {a}}}, value: {i % 7}}}"
              for i, s in enumerate(states) for a in ("a", "b")]
    lines += ["policies:", "  fixed:", "    choose:", "      act:",
              "        - {given: {sign: lo}, choose: a}",
              "        - {given: {sign: hi}, choose: b}"]
    return "\n".join(lines) + "\n"


def median_time(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--states", type=int, nargs="*", default=None,
                        help="sizes of the large node (default: 1000 5000 10000 20000)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if not args.states:
        for name in bundled.names():
            t = median_time(lambda name=name: influence.load(name), args.repeat)
            print(f"{name:<28} {1000 * t:8.1f} ms")
    for n in args.states or (1000, 5000, 10000, 20000):
        text = large_model(n)
        t = median_time(lambda text=text: influence.loads(text), max(1, args.repeat // 2))
        print(f"{n:>6} states {' ' * 15} {1000 * t:8.1f} ms   {1e6 * t / n:6.1f} us/state")


if __name__ == "__main__":
    main()
