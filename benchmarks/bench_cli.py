"""Wall time of ``influence evaluate oil-wildcatter`` from a cold process (target: under 1 s).

Run from the repository root::

    python benchmarks/bench_cli.py              # 20 runs of each command
    python benchmarks/bench_cli.py --runs 50 --model umbrella

Each run is a new process, so every run pays the interpreter start, the imports, loading and
validating the model, solving it and printing the result. Two commands are timed: the
``influence`` console script (found on PATH) and ``python -m influence``. The script also reports
which heavy optional packages the command imported (it should import none of them for a model
without priors).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time

HEAVY = ("pymc", "arviz", "matplotlib", "pgmpy", "graphviz", "pyagrum", "pytensor", "scipy")

PROBE = """
import sys
from influence.cli.main import main
try:
    main([{args}])
except SystemExit:
    pass
heavy = sorted({{m.split('.')[0] for m in sys.modules}} & set({heavy!r}))
print('HEAVY=' + ','.join(heavy), file=sys.stderr)
"""


def time_runs(command: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True, check=False)
        times.append(time.perf_counter() - t0)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr}")
    return times


def heavy_imports(model: str) -> str:
    args = ", ".join(repr(a) for a in ("evaluate", model))
    done = subprocess.run([sys.executable, "-c", PROBE.format(args=args, heavy=HEAVY)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          check=False)
    for line in done.stderr.splitlines():
        if line.startswith("HEAVY="):
            return line.removeprefix("HEAVY=") or "none"
    return f"unknown (probe failed: {done.stderr.strip()[-200:]})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--model", default="oil-wildcatter")
    args = parser.parse_args(argv)
    commands = []
    script = shutil.which("influence")
    if script:
        commands.append(("influence (console script)", [script, "evaluate", args.model]))
    commands.append(("python -m influence", [sys.executable, "-m", "influence", "evaluate",
                                             args.model]))
    commands.append(("python -c pass (interpreter only)", [sys.executable, "-c", "pass"]))
    print(f"influence evaluate {args.model}: {args.runs} cold processes each")
    print(f"{'command':<36} {'median s':>9} {'min s':>7} {'max s':>7}")
    for label, command in commands:
        times = time_runs(command, args.runs)
        print(f"{label:<36} {statistics.median(times):>9.3f} {min(times):>7.3f} "
              f"{max(times):>7.3f}", flush=True)
    print(f"heavy packages imported by the command: {heavy_imports(args.model)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
