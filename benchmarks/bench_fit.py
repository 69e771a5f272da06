"""Time ``influence.fit``: the exact (conjugate) method and NUTS from a cold and a warm PyTensor
cache.

Run from the repository root::

    python benchmarks/bench_fit.py            # everything (a few minutes)
    python benchmarks/bench_fit.py --quick    # fewer repeats, fewer NUTS draws on oil-wildcatter
    python benchmarks/bench_fit.py --exact-only   # the exact method only (seconds)
    python benchmarks/bench_fit.py --quick --samplers blackjax   # NUTS with BlackJAX only

The example is the bundled oil-wildcatter model with priors added (a Dirichlet on ``oil``, Beta
priors on one state of each tested ``result`` row, Normal priors on the drilling payoffs and an
interval prior on the test's cost), written with an evidence file of counts and an evidence file
of counts plus 60 case records (oil unobserved in half of them) into a temporary directory.

It prints:

- ``exact, in process``: ``fit(method="exact")`` on the counts (4 chains x 1000 draws), the
  first call of a process and the median of later calls (the exact path imports neither ArviZ
  nor xarray nor scipy);
- ``exact, new process``: a whole ``python -c`` that imports influence, loads the model and
  fits it (the elicitation cache warm);
- ``nuts (SAMPLER), cold`` and ``warm``: ``fit(method="nuts", sampler=SAMPLER)`` on counts
  and cases (2 chains), for BlackJAX and PyMC's sampler (``--samplers``), each in a new
  process, with an empty PyTensor compile directory and an empty cache of compiled models
  (``nuts/`` in the influence cache directory), then with the directories the cold run
  filled; the fit call itself and the whole process (wall and CPU time) are timed.
- ``exact, cartel-intervention``: the bundled article model with its bundled evidence
  (``models/evidence/cartel_operations.yaml``), in process: the fit, and writing its posterior
  file, when the exact method applies to that evidence (it does not since the evidence counts
  rows of structured tables: those rows are then left out);
- ``cli exact, cartel-intervention``: ``influence fit cartel-intervention -e ... --method exact
  -o FILE`` run as a new process (``python -m influence``, and the ``influence`` console script
  when it is on PATH): the wall time a user waits, imports included (median of the runs);
- ``nuts, cartel-intervention, cold`` and ``warm``: ``fit(method="nuts")`` of the article
  model's bundled evidence with the defaults of ``influence fit`` (4 chains x 1000 draws after
  500 tuning steps, chains in the process), each in a new process, first with an empty
  PyTensor compile directory (``PYTENSOR_FLAGS=compiledir=<new temporary directory>``), then
  with the directory the cold run filled.

Targets: the exact method under one second (in process, and the CLI's whole process); the NUTS
fit of the bundled evidence under 60 seconds from a cold cache.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import yaml

from influence.model import bundled

TARGET_EXACT = 1.0
TARGET_NUTS_COLD = 60.0


def write_example(root: Path) -> dict[str, Path]:
    """The oil-wildcatter model with priors, an evidence file of counts and one of counts and
    cases."""
    from influence.model.yamlio import load_yaml_file

    doc = _plain(load_yaml_file(bundled.path_of("oil-wildcatter")))
    nodes = doc["nodes"]
    nodes["oil"]["prior"] = {"dirichlet": [5, 3, 2]}
    on_state = {"dry": "diffuse", "wet": "open", "soaking": "closed"}
    beta = {"dry": [6, 4], "wet": [4, 6], "soaking": [5, 5]}
    for row in nodes["result"]["cpt"]:
        if row["given"]["test"] == "yes":
            oil = row["given"]["oil"]
            row["prior"] = {"beta": beta[oil], "state": on_state[oil]}
    sd = {"dry": 10, "wet": 15, "soaking": 30}
    for row in nodes["payoff"]["values"]:
        if row["given"]["drill"] == "yes":
            row["prior"] = {"normal": [row["value"], sd[row["given"]["oil"]]]}
    for row in nodes["test_cost"]["values"]:
        if row["given"]["test"] == "yes":
            row["prior"] = {"interval": [-12, -8], "mass": 0.9}
    model = root / "oil_priors.yaml"
    model.write_text(yaml.safe_dump(doc, sort_keys=False))
    counts = [
        {"node": "oil", "counts": {"dry": 12, "wet": 5, "soaking": 3}},
        {"node": "result", "given": {"oil": "dry", "test": "yes"},
         "counts": {"closed": 1, "open": 2, "diffuse": 6}, "weight": 0.5},
        {"node": "result", "given": {"oil": "soaking", "test": "yes"},
         "counts": {"closed": 3, "open": 1, "diffuse": 0}},
    ]
    counts_file = root / "counts.yaml"
    counts_file.write_text(yaml.safe_dump({"model": "oil-wildcatter",
                                           "observations": counts}, sort_keys=False))
    rows = ["oil,test,result"]
    pattern = [("dry", "diffuse"), ("dry", "open"), ("wet", "open"), ("wet", "diffuse"),
               ("soaking", "closed"), ("dry", "diffuse")]
    for i in range(60):
        oil, result = pattern[i % len(pattern)]
        rows.append(f"{oil if i % 2 else ''},yes,{result}")
    (root / "wells.csv").write_text("\n".join(rows) + "\n")
    mixed = root / "mixed.yaml"
    mixed.write_text(yaml.safe_dump({"model": "oil-wildcatter", "observations": counts + [
        {"cases": "wells.csv", "weight": 0.8}]}, sort_keys=False))
    return {"model": model, "counts": counts_file, "mixed": mixed}


def _plain(value):
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


CHILD = textwrap.dedent("""\
    import json, sys, time, warnings
    began = time.perf_counter()
    import influence
    model, evidence, options = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    diagram = influence.load(model)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        post = influence.fit(diagram, evidence, seed=1, progressbar=False, **options)
    end = time.perf_counter()
    print(json.dumps({"fit": end - start, "process": end - began,
                      "warnings": len(post.diagnostics["warnings"]),
                      "sampled": sum(1 for row in post.summary()),
                      "seconds": post.diagnostics.get("sampling_seconds")}))
""")


def run_child(env: dict[str, str], model: str, evidence: str, **options: object) -> dict:
    """``influence.fit(model, evidence, **options)`` in a new process: the fit call, the whole
    process and the wall time seen from here."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", CHILD, model, evidence, json.dumps(options)],
                         capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode:
        raise SystemExit(f"benchmark child failed:\n{out.stderr}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["wall"] = wall
    result["cpu"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and NUTS draws")
    parser.add_argument("--exact-only", action="store_true", help="skip the NUTS fits")
    parser.add_argument("--samplers", nargs="+", default=["blackjax", "pymc"],
                        choices=["blackjax", "pymc"], help="the NUTS samplers to time")
    args = parser.parse_args()
    repeats = 3 if args.quick else 7
    nuts_draws = 300 if args.quick else 1000

    import influence

    cli_exact: float | None = None
    nuts_cold: float | None = None
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        files = write_example(root)
        env = {**os.environ, "INFLUENCE_CACHE_DIR": str(root / "elicit-cache")}
        os.environ["INFLUENCE_CACHE_DIR"] = env["INFLUENCE_CACHE_DIR"]
        diagram = influence.load(files["model"])  # fits the interval prior once (cached)

        import warnings

        rows: list[tuple[str, str]] = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            began = time.perf_counter()
            influence.fit(diagram, files["counts"], method="exact", seed=0)
            first = time.perf_counter() - began
            times = []
            for i in range(repeats):
                began = time.perf_counter()
                influence.fit(diagram, files["counts"], method="exact", seed=i)
                times.append(time.perf_counter() - began)
        steady = statistics.median(times)
        rows.append(("exact, in process, first call", f"{first:.3f} s"))
        rows.append((f"exact, in process, median of {repeats}", f"{steady:.3f} s"))

        child = run_child(env, str(files["model"]), str(files["counts"]), method="exact",
                          draws=1000, chains=4)
        rows.append(("exact, new process: fit call", f"{child['fit']:.3f} s"))
        rows.append(("exact, new process: whole process", f"{child['wall']:.3f} s"))

        cartel = bundled.path_of("cartel-intervention")
        evidence = cartel.parent / "evidence" / "cartel_operations.yaml" if cartel else None
        if cartel and evidence.is_file() and _exact_applies(cartel, evidence):
            d = influence.load(cartel)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                times, writes = [], []
                for i in range(repeats):
                    began = time.perf_counter()
                    post = influence.fit(d, evidence, method="exact", seed=i)
                    times.append(time.perf_counter() - began)
                    began = time.perf_counter()
                    post.write(root / "cartel.nc")
                    writes.append(time.perf_counter() - began)
            rows.append((f"exact, cartel-intervention, median of {repeats}",
                         f"{statistics.median(times):.3f} s"))
            rows.append((f"exact, cartel-intervention, writing the posterior, median of "
                         f"{repeats}", f"{statistics.median(writes):.3f} s"))

            cli_rows, cli_exact = cli_exact_rows(env, root, cartel, evidence, repeats)
            rows += cli_rows

        compiledir = root / "pytensor"
        nuts_env = {**env, "PYTENSOR_FLAGS": f"compiledir={compiledir}"}
        models = Path(env["INFLUENCE_CACHE_DIR"]) / "nuts"
        for sampler in () if args.exact_only else args.samplers:
            for label in ("cold", "warm"):
                if label == "cold":  # empty PyTensor and compiled-model caches
                    shutil.rmtree(compiledir, ignore_errors=True)
                    shutil.rmtree(models, ignore_errors=True)
                result = run_child(nuts_env, str(files["model"]), str(files["mixed"]),
                                   method="nuts", sampler=sampler, draws=nuts_draws,
                                   tune=nuts_draws, chains=2, cores=1)
                rows.append((f"nuts ({sampler}) {nuts_draws}+{nuts_draws} x 2 chains, {label}: "
                             "fit call", f"{result['fit']:.2f} s"))
                rows.append((f"nuts ({sampler}), {label}: whole process",
                             f"{result['wall']:.2f} s wall, {result['cpu']:.2f} s CPU "
                             f"({result['warnings']} diagnostic warnings)"))

        if cartel and evidence.is_file() and not args.quick and not args.exact_only:
            # The article model's bundled evidence with the defaults of `influence fit`.
            cartel_dir = root / "pytensor-cartel"
            cartel_env = {**env, "PYTENSOR_FLAGS": f"compiledir={cartel_dir}"}
            for label in ("cold", "warm"):
                result = run_child(cartel_env, str(cartel), str(evidence), method="nuts")
                if label == "cold":
                    nuts_cold = result["wall"]
                rows.append((f"nuts, cartel-intervention, 4 x 1000+500, {label} cache: "
                             "fit call", f"{result['fit']:.2f} s"))
                rows.append((f"nuts, cartel-intervention, {label} cache: whole process",
                             f"{result['wall']:.2f} s ({result['warnings']} diagnostic "
                             f"warnings, {result['sampled']} summary rows)"))

    width = max(len(label) for label, _ in rows)
    print("influence.fit on oil-wildcatter with priors and on the bundled cartel-intervention "
          f"model (python {sys.version.split()[0]})")
    for label, value in rows:
        print(f"  {label:<{width}}  {value}")
    verdict = "meets" if steady < TARGET_EXACT else "MISSES"
    print(f"exact method {verdict} the {TARGET_EXACT:g} s target ({steady:.3f} s per fit)")
    if cli_exact is not None:
        verdict = "meets" if cli_exact < TARGET_EXACT else "MISSES"
        print(f"`influence fit --method exact` from a new process {verdict} the "
              f"{TARGET_EXACT:g} s target ({cli_exact:.2f} s)")
    if nuts_cold is not None:
        verdict = "meets" if nuts_cold < TARGET_NUTS_COLD else "MISSES"
        print(f"NUTS of the bundled evidence from a cold cache {verdict} the "
              f"{TARGET_NUTS_COLD:g} s target ({nuts_cold:.1f} s)")


def _exact_applies(model: Path, evidence: Path) -> bool:
    """Whether the exact method can fit the evidence (it cannot when the evidence counts rows
    of structured tables, as the bundled evidence of the article model does)."""
    import influence
    from influence.bayes.evidence import load_evidence
    from influence.bayes.structured_fit import needs_nuts

    loaded = load_evidence(evidence, influence.load(model))
    return not loaded.cases and not needs_nuts(loaded.counts)


def cli_exact_rows(env: dict[str, str], root: Path, model: Path, evidence: Path,
                   repeats: int) -> tuple[list[tuple[str, str]], float]:
    """``influence fit MODEL -e EVIDENCE --method exact -o FILE`` in new processes: the rows
    to print and the best median wall time."""
    best = math.inf
    commands = [("python -m influence", [sys.executable, "-m", "influence"])]
    script = shutil.which("influence")
    if script:
        commands.append(("influence (console script)", [script]))
    rows = []
    for label, command in commands:
        times = []
        for i in range(repeats):
            out = root / f"cli-{i}.nc"
            began = time.perf_counter()
            done = subprocess.run([*command, "fit", str(model), "-e", str(evidence),
                                   "--method", "exact", "-o", str(out), "--seed", str(i)],
                                  capture_output=True, text=True, env=env, check=False)
            times.append(time.perf_counter() - began)
            if done.returncode:
                raise SystemExit(f"`influence fit` failed:\n{done.stderr}")
            out.unlink()
        median = statistics.median(times)
        best = min(best, median)
        rows.append((f"cli exact, cartel-intervention, {label}, median of {repeats}",
                     f"{median:.2f} s"))
    return rows, best


if __name__ == "__main__":
    main()
