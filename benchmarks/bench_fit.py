"""Time ``influence.fit``: the exact (conjugate) method and NUTS from a cold and a warm PyTensor
cache.

Run from the repository root::

    python benchmarks/bench_fit.py            # everything (about a minute or two)
    python benchmarks/bench_fit.py --quick    # fewer repeats, fewer NUTS draws

The example is the bundled oil-wildcatter model with priors added (a Dirichlet on ``oil``, Beta
priors on one state of each tested ``result`` row, Normal priors on the drilling payoffs and an
interval prior on the test's cost), written with an evidence file of counts and an evidence file
of counts plus 60 case records (oil unobserved in half of them) into a temporary directory.

It prints:

- ``exact, in process``: ``fit(method="exact")`` on the counts (4 chains x 1000 draws), the
  first call of a process (which imports ArviZ and xarray) and the median of later calls;
- ``exact, new process``: a whole ``python -c`` that imports influence, loads the model and
  fits it (the elicitation cache warm);
- ``nuts, cold`` and ``nuts, warm``: ``fit(method="nuts")`` on counts and cases (2 chains, 1
  core), each in a new process, with an empty PyTensor compile directory and then with the
  directory the cold run filled; the fit call itself and the whole process are timed.
- ``exact, cartel-intervention``: the bundled article model with its bundled evidence.

The target for the exact method is under one second.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import yaml

from influence import bundled

TARGET_EXACT = 1.0


def write_example(root: Path) -> dict[str, Path]:
    """The oil-wildcatter model with priors, an evidence file of counts and one of counts and
    cases."""
    from influence.yamlio import load_yaml_file

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
    model, evidence, method, draws = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    diagram = influence.load(model)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        post = influence.fit(diagram, evidence, method=method, draws=draws, tune=draws,
                             chains=2 if method == "nuts" else 4, cores=1, seed=1,
                             progressbar=False)
    end = time.perf_counter()
    print(json.dumps({"fit": end - start, "process": end - began,
                      "warnings": len(post.diagnostics["warnings"])}))
""")


def run_child(env: dict[str, str], *args: str) -> dict:
    began = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", CHILD, *args], capture_output=True, text=True,
                         env=env, check=False)
    wall = time.perf_counter() - began
    if out.returncode:
        raise SystemExit(f"benchmark child failed:\n{out.stderr}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["wall"] = wall
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and NUTS draws")
    args = parser.parse_args()
    repeats = 3 if args.quick else 7
    nuts_draws = 300 if args.quick else 1000

    import influence

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

        child = run_child(env, str(files["model"]), str(files["counts"]), "exact", "1000")
        rows.append(("exact, new process: fit call", f"{child['fit']:.3f} s"))
        rows.append(("exact, new process: whole process", f"{child['wall']:.3f} s"))

        cartel = bundled.path_of("cartel-intervention")
        evidence = cartel.parent / "evidence" / "cartel_operations.yaml" if cartel else None
        if cartel and evidence.is_file():
            d = influence.load(cartel)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                times = []
                for i in range(repeats):
                    began = time.perf_counter()
                    influence.fit(d, evidence, method="exact", seed=i)
                    times.append(time.perf_counter() - began)
            rows.append((f"exact, cartel-intervention, median of {repeats}",
                         f"{statistics.median(times):.3f} s"))

        compiledir = root / "pytensor"
        nuts_env = {**env, "PYTENSOR_FLAGS": f"compiledir={compiledir}"}
        for label in ("cold", "warm"):
            result = run_child(nuts_env, str(files["model"]), str(files["mixed"]), "nuts",
                               str(nuts_draws))
            rows.append((f"nuts {nuts_draws}+{nuts_draws} x 2 chains, {label} cache: fit call",
                         f"{result['fit']:.2f} s"))
            rows.append((f"nuts, {label} cache: whole process", f"{result['wall']:.2f} s"
                         f" ({result['warnings']} diagnostic warnings)"))

    width = max(len(label) for label, _ in rows)
    print(f"influence.fit on oil-wildcatter with priors (python {sys.version.split()[0]})")
    for label, value in rows:
        print(f"  {label:<{width}}  {value}")
    verdict = "meets" if steady < TARGET_EXACT else "MISSES"
    print(f"exact method {verdict} the {TARGET_EXACT:g} s target ({steady:.3f} s per fit)")


if __name__ == "__main__":
    main()
