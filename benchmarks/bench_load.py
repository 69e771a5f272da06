"""Time loading and validating models: the bundled ones, and models with one very large node.

Run from the repository root::

    python benchmarks/bench_load.py                  # bundled models, then 1e3 .. 2e4 states
    python benchmarks/bench_load.py --states 10000   # only the large models with 10,000 states

Two large models per size N:

- ``states``: a decision with N states (``states:`` with N entries) and a constant utility;
- ``tables``: a root chance node ``big`` with N states (``p`` a list), a chance child ``sign``
  of it (N ``cpt`` rows), a decision ``act`` observing ``sign``, a utility ``gain`` of ``big``
  and ``act`` (2 N ``values`` rows) and a policy with a rule row for each state of ``sign``.

For each it prints the time to parse the YAML (``yaml``), to check it and build the diagram
from the parsed document (``check``: :func:`influence.diagram_from_dict`, everything the loader
and the constructors check), and the check time per state. Every check is linear in the size of
the file, so the time per state should stay flat as N grows.

Times are the minimum of ``--repeat`` runs (the least disturbed by other work on the machine)
of the process's CPU time (``time.process_time``), so that other processes on a busy machine
count less; bundled models are loaded by name (:func:`influence.load`).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import influence
from influence.model import bundled
from influence.model.loader import diagram_from_dict
from influence.model.yamlio import load_yaml_text


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


def best_time(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return min(times)


def states_model(n: int) -> str:
    """A decision with ``n`` states and a constant utility."""
    states = ", ".join(f"s{i}" for i in range(n))
    return (f"name: wide\nnodes:\n  pick:\n    type: decision\n    states: [{states}]\n"
            f"  cost:\n    type: utility\n    value: -1\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--states", type=int, nargs="*", default=None,
                        help="sizes of the large node (default: 1000 5000 10000 20000)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if not args.states:
        for name in bundled.names():
            t = best_time(lambda name=name: influence.load(name), 10 * args.repeat)
            print(f"{name:<24} load {1000 * t:9.1f} ms")
    for n in args.states or (1000, 5000, 10000, 20000):
        for label, text in (("states", states_model(n)), ("tables", large_model(n))):
            data = load_yaml_text(text)
            parse = best_time(lambda text=text: load_yaml_text(text), args.repeat)
            check = best_time(lambda data=data: diagram_from_dict(data), args.repeat)
            print(f"{label} {n:>6} states   yaml {1000 * parse:8.1f} ms   check "
                  f"{1000 * check:8.1f} ms   {1e6 * check / n:6.2f} us/state")


if __name__ == "__main__":
    main()
