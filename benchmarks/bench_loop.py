"""Time the modeler's loop from the command line, each command a new process: fitting the
article model's bundled evidence exactly, evaluating and plotting under the posterior,
validating a model with a new interval prior (empty elicitation cache), and a NUTS fit of a
small case file with BlackJAX and with PyMC's sampler (cold: empty PyTensor compilation
directory and cache of compiled models; warm: filled).

Run from anywhere::

    python benchmarks/bench_loop.py            # everything (a few minutes: the NUTS fits)
    python benchmarks/bench_loop.py --no-nuts  # the fast commands only (under a minute)
    python benchmarks/bench_loop.py --runs 10
    python benchmarks/bench_loop.py --nuts-only --runs 3   # the NUTS fits of the case file
    python benchmarks/bench_loop.py --no-nuts --posterior post.nc  # evaluate and plot with it

The exact fit fits only evidence that counts rows with their own priors: for a model whose
evidence needs NUTS (the present article model), give a posterior file written by ``influence
fit`` with ``--posterior`` (``influence fit cartel-intervention -e cartel-operations -o post.nc
--seed 1``); the exact fit is then not timed.

Each figure is the best (and the median) of ``--runs`` runs of the console script of this
interpreter's environment (not a launcher such as a pyenv shim, which adds a shell and a second
interpreter start), after one untimed run that writes Python's bytecode caches, wall time
(``time.perf_counter`` around ``subprocess.run``), with the user and system CPU time of the
child (``resource.getrusage``), which a busy machine inflates less than wall time. Targets:
``evaluate --posterior`` under 1 s, ``plot --posterior`` under 3 s, ``fit --method exact``
under 1 s, ``validate`` with a new interval prior under 3 s, NUTS of a small case file under
20 s cold (empty caches) and under 5 s warm. It also prints the
posterior file's size and which heavy modules each command imported.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

HEAVY = ("arviz", "xarray", "scipy", "pymc", "pytensor")
OIL_PRIORS = """\
name: oil-wildcatter
nodes:
  oil: {type: chance, states: [dry, wet, soaking], p: [0.5, 0.3, 0.2],
        prior: {dirichlet: [5, 3, 2]}}
  test: {type: decision, states: ["no", "yes"]}
  result:
    type: chance
    states: [none, closed, open, diffuse]
    parents: [oil, test]
    cpt:
      - {given: {oil: dry, test: "no"}, p: [1, 0, 0, 0]}
      - {given: {oil: dry, test: "yes"}, prior: {dirichlet: [0.5, 1.5, 3, 5]}}
      - {given: {oil: wet, test: "no"}, p: [1, 0, 0, 0]}
      - {given: {oil: wet, test: "yes"}, prior: {dirichlet: [1.5, 2, 2, 1.5]}}
      - {given: {oil: soaking, test: "no"}, p: [1, 0, 0, 0]}
      - {given: {oil: soaking, test: "yes"}, prior: {dirichlet: [5, 4, 1, 0.5]}}
  drill: {type: decision, states: ["no", "yes"], observes: [test, result]}
  payoff:
    type: utility
    parents: [drill, oil]
    values:
      - {given: {drill: "no", oil: dry}, value: 0}
      - {given: {drill: "no", oil: wet}, value: 0}
      - {given: {drill: "no", oil: soaking}, value: 0}
      - {given: {drill: "yes", oil: dry}, value: -70}
      - {given: {drill: "yes", oil: wet}, value: 50}
      - {given: {drill: "yes", oil: soaking}, prior: {interval: [150, 250], mass: 0.9}}
  cost:
    type: utility
    parents: [test]
    values:
      - {given: {test: "no"}, value: 0}
      - {given: {test: "yes"}, value: -10}
"""
FOUR_CASES = "oil,test,result\ndry,yes,diffuse\n,yes,open\nwet,yes,open\n,yes,closed\n"
INTERVAL_MODEL = """\
name: new-interval
nodes:
  x: {type: chance, states: ["no", "yes"], prior: {interval: [0.2137, 0.4411], mass: 0.85}}
  act: {type: decision, states: ["no", "yes"]}
  value:
    type: utility
    parents: [act, x]
    values:
      - {given: {act: "no", x: "no"}, value: 0}
      - {given: {act: "no", x: "yes"}, value: 0}
      - {given: {act: "yes", x: "no"}, value: -1}
      - {given: {act: "yes", x: "yes"}, prior: {interval: [2.5, 3.5], mass: 0.8}}
"""


def run(args: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one command in a new process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, env=env, cwd=cwd, check=False)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def imported(args: list[str], env: dict[str, str], cwd: Path) -> list[str]:
    """The heavy modules a command imports (run in-process through the CLI's main)."""
    code = ("import sys\nfrom influence.cli.main import main\n"
            f"try:\n    main({args[1:]!r})\nexcept SystemExit:\n    pass\n"
            f"print(sorted(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          cwd=cwd, check=False)
    return eval(done.stderr.strip().splitlines()[-1])  # noqa: S307 - our own printed list


def timed(label: str, args: list[str], env: dict[str, str], cwd: Path, runs: int,
          fresh: callable | None = None, warm_up: bool = True) -> tuple[str, float]:
    """Best and median of ``runs`` runs; with ``warm_up``, after one untimed run (which
    writes Python's bytecode caches of an editable install, as a regular install does when
    it is installed)."""
    walls, cpus = [], []
    if warm_up:
        if fresh is not None:
            fresh()
        run(args, env, cwd)
    for _ in range(runs):
        if fresh is not None:
            fresh()
        wall, cpu = run(args, env, cwd)
        walls.append(wall)
        cpus.append(cpu)
    best = min(walls)
    line = (f"  {label:<58} best {best:6.2f} s, median {statistics.median(walls):6.2f} s "
            f"wall; CPU best {min(cpus):5.2f} s")
    print(line, flush=True)
    return line, best


def console_script() -> str:
    """The ``influence`` console script of this interpreter's environment (beside it, not a
    launcher found first on PATH, such as pyenv's shims, which add a shell and a second
    interpreter start to every run), else the one on PATH."""
    here = Path(sysconfig.get_path("scripts")) / "influence"
    if here.is_file():
        return str(here)
    return shutil.which("influence") or sys.exit("the `influence` console script is not on "
                                                 "PATH; pip install -e . first")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-nuts", action="store_true", help="skip the NUTS fits")
    parser.add_argument("--nuts-only", action="store_true", help="only the NUTS fits")
    parser.add_argument("--samplers", nargs="+", default=["blackjax", "pymc"],
                        choices=["blackjax", "pymc"], help="the NUTS samplers to time")
    parser.add_argument("--posterior", help="a posterior file to evaluate and plot with (the "
                        "exact fit is then not timed)")
    args = parser.parse_args()
    script = console_script()
    print(f"influence, the modeler's loop, {args.runs} runs each (python "
          f"{sys.version.split()[0]}, load average {os.getloadavg()[0]:.1f})")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        env = {**os.environ, "INFLUENCE_CACHE_DIR": str(root / "elicit")}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        if args.nuts_only:
            verdicts = nuts(script, env, root, min(args.runs, 3), tuple(args.samplers))
            for label, best, target in verdicts:
                print(f"{label}: best {best:.2f} s, target {target:g} s: "
                      f"{'meets' if best < target else 'MISSES'}")
            return
        post = root / "post.nc"
        fit = [script, "fit", "cartel-intervention", "--evidence", "cartel-operations",
               "--method", "exact", "-o", str(post), "--seed", "1"]
        evaluate = [script, "evaluate", "cartel-intervention", "--posterior", str(post)]
        plot = [script, "plot", "cartel-intervention", "--posterior", str(post), "-o",
                str(root / "eu.png")]
        if args.posterior:
            shutil.copyfile(args.posterior, post)
            fit_best = None
        else:
            _, fit_best = timed("fit --method exact (cartel-intervention)", fit, env, root,
                                args.runs)
        print(f"  {'posterior file size':<58} {post.stat().st_size / 1e6:.1f} MB")
        _, eval_best = timed("evaluate --posterior", evaluate, env, root, args.runs)
        _, plot_best = timed("plot --posterior", plot, env, root, args.runs)
        commands = [("evaluate", evaluate), ("plot", plot)]
        if fit_best is not None:
            commands.insert(0, ("fit", fit))
        for label, command in commands:
            print(f"  {label} imports: {imported(command, env, root) or 'none'} of "
                  f"{', '.join(HEAVY)}")
        (root / "new.yaml").write_text(INTERVAL_MODEL)
        cache = root / "elicit"
        _, validate_best = timed("validate, a new interval prior, empty cache",
                                 [script, "validate", "new.yaml"], env, root, args.runs,
                                 fresh=lambda: shutil.rmtree(cache, ignore_errors=True))
        verdicts = [("evaluate --posterior", eval_best, 1.0), ("plot --posterior", plot_best, 3.0),
                    ("fit --method exact", fit_best, 1.0), ("validate", validate_best, 3.0)]
        verdicts = [v for v in verdicts if v[1] is not None]
        if not args.no_nuts:
            verdicts += nuts(script, env, root, min(args.runs, 3), tuple(args.samplers))
    for label, best, target in verdicts:
        print(f"{label}: best {best:.2f} s, target {target:g} s: "
              f"{'meets' if best < target else 'MISSES'}")


def nuts(script: str, env: dict[str, str], root: Path, runs: int = 3,
         samplers: tuple[str, ...] = ("blackjax", "pymc")) -> list[tuple[str, float, float]]:
    """A case file of 4 rows: the default of `influence fit` (the exact mixture), then NUTS
    (`--method nuts`) with each sampler, first cold (an empty PyTensor compilation directory
    and an empty cache of compiled models, ``nuts/`` in the influence cache directory), then
    warm (the directories the cold run filled)."""
    (root / "oil.yaml").write_text(OIL_PRIORS)
    (root / "four.csv").write_text(FOUR_CASES)
    (root / "four.yaml").write_text("model: oil-wildcatter\nobservations:\n  - cases: four.csv\n")
    compiledir = root / "pytensor"
    nuts_env = {**env, "PYTENSOR_FLAGS": f"compiledir={compiledir}"}
    models = Path(env["INFLUENCE_CACHE_DIR"]) / "nuts"
    default = [script, "fit", "oil.yaml", "-e", "four.yaml", "-o", str(root / "mix.nc"),
               "--seed", "1"]
    _, exact = timed("4 case records, the default of `influence fit` (an exact mixture)",
                     default, env, root, runs)
    verdicts = [("4 cases, exact mixture", exact, 5.0)]
    for sampler in samplers:
        command = [*default[:5], "-o", str(root / "nuts.nc"), "--seed", "1", "--method", "nuts",
                   "--sampler", sampler]

        def clear() -> None:
            shutil.rmtree(compiledir, ignore_errors=True)
            shutil.rmtree(models, ignore_errors=True)

        _, cold = timed(f"NUTS ({sampler}), 4 case records, cold caches", command, nuts_env,
                        root, 1, fresh=clear, warm_up=False)
        _, warm = timed(f"NUTS ({sampler}), 4 case records, warm caches", command, nuts_env,
                        root, runs, warm_up=False)
        verdicts += [(f"NUTS {sampler} cold", cold, 20.0), (f"NUTS {sampler} warm", warm, 5.0)]
    return verdicts


if __name__ == "__main__":
    main()
