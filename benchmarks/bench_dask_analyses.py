"""Benchmark: a two-way grid and the EVPPI of every group, on one process or on Dask workers.

Run from the repository root::

    python benchmarks/bench_dask_analyses.py                        # both, workers 0 1 2
    python benchmarks/bench_dask_analyses.py --only evppi --draws 4000 --repeat 3
    python benchmarks/bench_dask_analyses.py --only two-way --grid 101 --workers 0 2

Each run is a fresh process that loads the model (default: the article model,
``cartel-intervention``) and times, model loaded:

- ``two-way``: ``influence.two_way(diagram, A, B, grid=N)``, A and B the two parameters of
  largest swing (``param:overdose_deaths.base:lower`` and
  ``u_overdose[overdose_deaths=baseline]``): the grid's rows and columns, searched exactly for
  their region boundaries;
- ``evppi``: ``influence.evppi(diagram, prior=True, draws=D, seed=S)``, every default group (one
  per node with priors and one per named parameter with a prior).

``--workers 0`` means no Dask (one process); ``N >= 1`` starts a local cluster of N worker
processes for the run (its start-up time is included). Every run must give the results of the
first, to 1e-12 relative (Dask workers run their numeric libraries on one thread, which may
round the last bit of a product otherwise): the script checks it. The load average is printed
before and after: the machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

PAIR = ("param:overdose_deaths.base:lower", "u_overdose[overdose_deaths=baseline]")


def child(what: str, model: str, grid: int, draws: int, seed: int, workers: int) -> None:
    import influence

    diagram = influence.load(model)
    start = time.perf_counter()
    if what == "two-way":
        result = influence.two_way(diagram, *PAIR, grid=grid, workers=workers or None)
    else:
        result = influence.evppi(diagram, prior=True, draws=draws, seed=seed,
                                 workers=workers or None)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "result": result.to_dict()}))


def run(what: str, args: argparse.Namespace, workers: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", what, "--model", args.model, "--grid",
         str(args.grid), "--draws", str(args.draws), "--seed", str(args.seed), "--workers",
         str(workers)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def same(a: object, b: object) -> bool:
    """Equal structure and texts, numbers to 1e-12 relative."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float):
        return a == b or abs(a - b) <= 1e-12 * max(abs(a), abs(b), 1.0)
    return a == b


def measure(what: str, args: argparse.Namespace) -> bool:
    label = (f"two-way grid {args.grid} x {args.grid}" if what == "two-way" else
             f"EVPPI of every group, {args.draws:,} prior draws")
    print(f"{label} ({args.model}, seed {args.seed}); load average {os.getloadavg()[0]:.1f}")
    first, ok, medians = None, True, {}
    for workers in args.workers:
        results = [run(what, args, workers) for _ in range(args.repeat)]
        seconds = statistics.median(r["seconds"] for r in results)
        medians[workers] = seconds
        identical = first is None or all(same(r["result"], first) for r in results)
        first = first or results[0]["result"]
        ok = ok and identical
        where = "one process, no Dask" if workers == 0 else f"Dask, {workers} worker processes"
        times = ", ".join(f"{r['seconds']:.1f}" for r in results)
        print(f"  {where}: {seconds:.1f} s (median of {times}); same as the first: "
              f"{'yes' if identical else 'NO'}; load average {os.getloadavg()[0]:.1f}")
    if len(medians) > 1:
        base = next(iter(medians.values()))
        print("  speed-up against the first: " + ", ".join(
            f"{w} workers {base / s:.2f}x" for w, s in list(medians.items())[1:]))
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="cartel-intervention")
    parser.add_argument("--only", choices=["two-way", "evppi"])
    parser.add_argument("--grid", type=int, default=101)
    parser.add_argument("--draws", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, nargs="+", default=[0, 1, 2],
                        help="0: one process without Dask; N: a local Dask cluster of N")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--child", choices=["two-way", "evppi"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.model, args.grid, args.draws, args.seed, args.workers[0])
        return
    ok = all([measure(what, args) for what in ("two-way", "evppi")
              if args.only in (None, what)])
    print(f"identical results: {'yes' if ok else 'NO'}")
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()
