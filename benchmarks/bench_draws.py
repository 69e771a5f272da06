"""Benchmark: many prior draws in bounded memory, on one process or on Dask workers.

Run from the repository root::

    python benchmarks/bench_draws.py                          # 10^7 draws, one process
    python benchmarks/bench_draws.py --draws 1000000 --workers 0 1 2
    python benchmarks/bench_draws.py --draws 4000 --repeat 5  # the default run of evaluate
    python benchmarks/bench_draws.py --draws 1000000 --threads 1 2  # one process, 1 and 2 threads

Each run is a fresh process that evaluates every option of the model (default: the article
model, ``cartel-intervention``) under ``--draws`` prior draws with ``influence.evaluate(...,
prior=True, seed=...)``, and reports its wall time (evaluation only, the model loaded before)
and its peak resident memory (``resource.getrusage``: the process itself, and the largest of
its finished child processes, which with ``--workers`` are the Dask workers). ``--workers 0``
means no Dask (the single-process run, on the threads of ``--threads``: each number is one run
with ``INFLUENCE_THREADS`` set to it; by default the library's own choice, see
docs/scale.md); ``N >= 1`` starts a local cluster of N worker processes (its start-up time is
included). Every run must give the same maximum expected utility, EVPI
and per-option summaries as the first, to 1e-12 relative (the runs on one process, whatever
their threads, to the last bit; Dask workers sum the chunks of a block before merging it,
which may round the last bit otherwise): the script checks it and says which.

Target: 10^7 draws under 2 GB of peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET_PEAK_BYTES = 2 * 2**30


def child(model: str, draws: int, seed: int, workers: int) -> None:
    import influence

    diagram = influence.load(model)
    start = time.perf_counter()
    result = influence.evaluate(diagram, prior=True, draws=draws, seed=seed,
                                workers=workers or None)
    seconds = time.perf_counter() - start
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: kilobytes
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    summary = [[o.id, o.expected_utility, o.sd, list(o.interval_90), o.probability_best,
                o.expected_loss] for o in result.options]
    print(json.dumps({"seconds": seconds, "peak_bytes": own, "children_peak_bytes": children,
                      "draws": result.draws, "kept": result.draws_kept,
                      "meu": result.maximum_expected_utility, "evpi": result.evpi_parameters,
                      "summary": summary}))


def _close(a: object, b: object) -> bool:
    """Equal structures, numbers equal to 1e-12 relative."""
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= 1e-12 * max(abs(a), abs(b), 1.0)
    return a == b


def run(model: str, draws: int, seed: int, workers: int, threads: int | None = None) -> dict:
    env = dict(os.environ)
    if threads is not None:
        env["INFLUENCE_THREADS"] = str(threads)
    out = subprocess.run(
        [sys.executable, __file__, "--child", "--model", model, "--draws", str(draws),
         "--seed", str(seed), "--workers", str(workers)], capture_output=True, text=True,
        check=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="cartel-intervention")
    parser.add_argument("--draws", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, nargs="+", default=[0],
                        help="0: one process without Dask; N: a local Dask cluster of N")
    parser.add_argument("--threads", type=int, nargs="+", default=[None],
                        help="threads of the one-process runs (INFLUENCE_THREADS), one run "
                             "each; default: the library's choice")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.model, args.draws, args.seed, args.workers[0])
        return
    print(f"model: {args.model}; {args.draws:,} prior draws; seed {args.seed}; load average "
          f"{os.getloadavg()[0]:.1f}")
    first = None
    ok = True
    medians = {}
    runs = [(w, t) for w in args.workers for t in (args.threads if w == 0 else [None])]
    for workers, threads in runs:
        results = [run(args.model, args.draws, args.seed, workers, threads)
                   for _ in range(args.repeat)]
        seconds = statistics.median(r["seconds"] for r in results)
        label = (f"{workers} workers" if workers else
                 "one process" + ("" if threads is None else f", {threads} threads"))
        medians[label] = seconds
        peak = max(max(r["peak_bytes"], r["children_peak_bytes"]) for r in results)
        r = results[0]
        exact = first is None or all(r[k] == first[k] for k in ("meu", "evpi", "summary"))
        same = exact or all(_close(r[k], first[k]) for k in ("meu", "evpi", "summary"))
        first = first or r
        ok = ok and same and peak < TARGET_PEAK_BYTES
        where = (f"Dask, {workers} worker processes" if workers else "one process, no Dask"
                 + ("" if threads is None else f", INFLUENCE_THREADS={threads}"))
        kept = "every draw kept" if r["kept"] is None else f"{r['kept']:,} draws kept"
        print(f"{where}: {seconds:.1f} s (median of {args.repeat}), peak RSS "
              f"{r['peak_bytes'] / 2**20:.0f} MiB (largest child "
              f"{r['children_peak_bytes'] / 2**20:.0f} MiB); {kept}; MEU {r['meu']:.6f}, "
              f"EVPI {r['evpi']:.6f}; same as the first run: "
              f"{('yes, to the last bit' if exact else 'yes, to 1e-12') if same else 'NO'}")
    if len(medians) > 1:
        base = next(iter(medians.values()))
        print("speed-up against the first: " + ", ".join(
            f"{label} {base / s:.2f}x" for label, s in list(medians.items())[1:]))
    print(f"target: peak RSS under {TARGET_PEAK_BYTES / 2**30:.0f} GB and identical results: "
          f"{'yes' if ok else 'NO'}")
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()
