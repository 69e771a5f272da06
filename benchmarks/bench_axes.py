"""The exact solver against pyAgrum along each axis of size: chance nodes, decisions, states,
information arcs, and stages of a limited-memory chain.

Run from the repository root::

    python benchmarks/bench_axes.py            # the full sweep (a few minutes)
    python benchmarks/bench_axes.py --short    # the CI form: fewer points and seeds (< 1 min)
    python benchmarks/bench_axes.py --markdown # the table as Markdown (for the README)
    python benchmarks/bench_axes.py -o axes.md # and written to axes.md

For each point of each axis it draws random diagrams (``influence.testing.random_diagram``,
fixed seeds; every other axis at its base value) and times, in the same process:

- ``core``: ``influence.plan(diagram)`` and one solve of the optimal strategy (the maximum
  expected utility and the decision rules as arrays: what pyAgrum computes);
- ``full``: ``influence.plan(diagram).evaluate()``: the optimum, every alternative and named
  policy, and the result objects (each decision's rules are listed when first asked);
- ``pyAgrum``: ``ShaferShenoyLIMIDInference`` on the already-built pyAgrum diagram,
  ``addNoForgettingAssumption`` (perfect recall; left out for the limited-memory chain),
  ``makeInference`` and ``MEU``.

Each time is the median of repeated runs, the three taken in turn (one run of each per round,
so that the machine's load falls on them alike), in CPU time of the process (on a shared
machine the wall clock also counts the other work; ``--wall`` for wall time). The table
gives, per point, the median over the diagrams of ``core / pyAgrum`` (only over diagrams
where the two agree on the maximum expected utility to 1e-8, relative), of ``full / core``,
and the number of diagrams where pyAgrum's maximum expected utility is lower than ours; each
of those is checked against the stage-tensor solver (an independent computation: backward
induction over everything each decision knows) when that fits in memory, or, for the
limited-memory chain, against dynamic programming over its states (``check_limid_chain.py``),
and the table says how many were confirmed. Targets: ``core / pyAgrum`` at most 1.5 and
``full / core`` at most 2.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np

import influence
from influence.model.diagram import Diagram
from influence.solve.kernels import backward_induction
from influence.testing import limid_chain, random_diagram, to_pyagrum

BASE = dict(chance=10, decisions=3, utilities=3, observes=2, states=(2, 3), max_parents=2)
AXES: dict[str, tuple[str, list]] = {
    "chance nodes": ("chance", [10, 20, 40, 80]),
    "decisions": ("decisions", [2, 4, 8, 12, 16]),
    "states": ("states", [2, 3, 4, 5]),
    "information arcs": ("observes", [1, 2, 3, 4]),
}
SHORT: dict[str, list] = {
    "chance nodes": [10, 40], "decisions": [4, 12], "states": [2, 4], "information arcs": [1, 3],
}
STAGES = [10, 100, 1000]
SHORT_STAGES = [10, 100]
CHECK_LIMIT = 2**22  # entries of a stage tensor the independent check may build


#: The clock: the process's CPU time (``--wall``: wall time).
CLOCK = time.process_time


def median_times(fns: list[Callable[[], object]], repeat: int, budget: float) -> list[float]:
    """The median time of each function, run in turn (one call of each per round), so that
    a change of the machine's load falls on all of them alike."""
    times: list[list[float]] = [[] for _ in fns]
    start = time.perf_counter()
    while len(times[0]) < repeat or time.perf_counter() - start < budget * len(fns):
        for fn, out in zip(fns, times, strict=True):
            t0 = CLOCK()
            fn()
            out.append(CLOCK() - t0)
        if len(times[0]) >= 200:
            break
    return [statistics.median(t) for t in times]


def diagram_for(axis: str, value: object, seed: int) -> Diagram:
    kwargs = dict(BASE)
    key = AXES[axis][0]
    kwargs[key] = (value, value) if key == "states" else value
    return random_diagram(seed, **kwargs)


def stage_tensor_meu(diagram: Diagram) -> float | None:
    """The maximum expected utility by backward induction over everything each decision knows
    (None when the stage tensor would be too large to check)."""
    plan = influence.plan(diagram, memory_limit=2**62)
    if plan.information_states > CHECK_LIMIT:
        return None
    stage = plan.stage_tensor(plan.operands())
    return float(backward_induction(stage, plan.layout).expected_utility[0])


def measure(diagram: Diagram, repeat: int, budget: float, *, limited: bool = False) -> dict:
    import pyagrum as gum

    def core() -> float:
        plan = influence.plan(diagram)
        return float(plan.factored.solve(plan.operands()).expected_utility[0])

    def full() -> float:
        return influence.plan(diagram).evaluate().maximum_expected_utility

    model = to_pyagrum(diagram)
    order = [d.name for d in diagram.decisions]

    def theirs() -> float:
        inference = gum.ShaferShenoyLIMIDInference(model)
        if not limited:
            inference.addNoForgettingAssumption(order)
        inference.makeInference()
        return inference.MEU()["mean"]

    ours, pa = core(), theirs()
    t_core, t_full, t_pa = median_times([core, full, theirs], repeat, budget)
    row = {"core": t_core, "full": t_full, "pyagrum": t_pa, "ours": ours, "theirs": pa}
    row["agree"] = abs(ours - pa) <= 1e-8 * max(1.0, abs(ours), abs(pa))
    row["checked"] = None
    if not row["agree"]:
        reference = chain_meu(diagram) if limited else stage_tensor_meu(diagram)
        if reference is not None:
            row["checked"] = abs(reference - ours) <= 1e-8 * max(1.0, abs(ours))
    return row


def chain_meu(diagram: Diagram) -> float:
    """The limited-memory chain's maximum expected utility by backward dynamic programming
    over its states (see ``check_limid_chain.py``)."""
    from check_limid_chain import dynamic_programming

    return float(dynamic_programming(diagram, len(diagram.decisions), exact=False))


def summarize(rows: list[dict]) -> dict:
    agree = [r for r in rows if r["agree"]]
    low = [r for r in rows if not r["agree"] and r["theirs"] < r["ours"]]
    return {
        "diagrams": len(rows),
        "core_pa": statistics.median(r["core"] / r["pyagrum"] for r in agree) if agree else None,
        "full_core": statistics.median(r["full"] / r["core"] for r in rows),
        "core_ms": statistics.median(r["core"] for r in rows) * 1e3,
        "pa_ms": statistics.median(r["pyagrum"] for r in rows) * 1e3,
        "pa_low": len(low),
        "confirmed": sum(1 for r in low if r["checked"]),
        "other": len(rows) - len(agree) - len(low),
    }


def fmt(x: float | None, digits: int = 2) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="the CI form (under a minute)")
    parser.add_argument("--seeds", type=int, default=None, help="diagrams per point")
    parser.add_argument("--repeat", type=int, default=None, help="least number of runs")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--output", "-o", metavar="FILE",
                        help="also write the table, in Markdown, to FILE")
    parser.add_argument("--wall", action="store_true",
                        help="time by the wall clock (default: the process's CPU time)")
    args = parser.parse_args(argv)
    global CLOCK
    CLOCK = time.perf_counter if args.wall else time.process_time
    seeds = args.seeds or (2 if args.short else 5)
    repeat = args.repeat or (3 if args.short else 7)
    budget = 0.0 if args.short else 0.2
    header = ["axis", "value", "diagrams", "core ms", "pyAgrum ms", "core/pyAgrum",
              "full/core", "pyAgrum lower (confirmed)"]
    lines = []
    for axis, (_, values) in AXES.items():
        for value in (SHORT[axis] if args.short else values):
            rows = [measure(diagram_for(axis, value, 1000 + s), repeat, budget)
                    for s in range(seeds)]
            s = summarize(rows)
            lines.append([axis, str(value), str(s["diagrams"]), fmt(s["core_ms"]),
                          fmt(s["pa_ms"]), fmt(s["core_pa"]), fmt(s["full_core"]),
                          f"{s['pa_low']} ({s['confirmed']})"])
            _print(lines[-1], header, args.markdown, first=len(lines) == 1)
    for stages in (SHORT_STAGES if args.short else STAGES):
        rows = [measure(limid_chain(stages, seed=s), 1 if stages > 100 else repeat, 0.0,
                        limited=True) for s in range(1 if args.short else 2)]
        s = summarize(rows)
        lines.append(["LIMID stages", str(stages), str(s["diagrams"]), fmt(s["core_ms"]),
                      fmt(s["pa_ms"]), fmt(s["core_pa"]), fmt(s["full_core"]),
                      f"{s['pa_low']} ({s['confirmed']})"])
        _print(lines[-1], header, args.markdown, first=False)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            out.write("| " + " | ".join(header) + " |\n|" + "---|" * len(header) + "\n")
            out.writelines("| " + " | ".join(line) + " |\n" for line in lines)
    return 0


def _print(line: list[str], header: list[str], markdown: bool, first: bool) -> None:
    if markdown:
        if first:
            print("| " + " | ".join(header) + " |")
            print("|" + "---|" * len(header))
        print("| " + " | ".join(line) + " |", flush=True)
        return
    widths = [16, 6, 8, 9, 10, 12, 9, 24]
    if first:
        print(" ".join(h.rjust(w) if i > 1 else h.ljust(w)
                       for i, (h, w) in enumerate(zip(header, widths, strict=True))))
    print(" ".join(c.rjust(w) if i > 1 else c.ljust(w)
                   for i, (c, w) in enumerate(zip(line, widths, strict=True))), flush=True)


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())
