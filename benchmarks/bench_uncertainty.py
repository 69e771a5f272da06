"""Benchmark: decisions under parameter uncertainty against a pyAgrum loop, and a million draws.

Run from the repository root::

    python benchmarks/bench_uncertainty.py [--model NAME] [--draws 4000] [--million 1000000]

1. ``influence`` evaluates every policy, every alternative and the Bayes strategy under 4,000
   parameter draws in one batched computation (:func:`influence.evaluate` with ``prior=True``).
2. pyAgrum solves the same diagram once per draw: each draw's tables are written into the
   CPTs and utility tables of one ``pyagrum.InfluenceDiagram`` and a fresh
   ``ShaferShenoyLIMIDInference`` (no-forgetting, decisions in file order) computes the MEU.
   The mean of those per-draw MEUs must equal influence's mean of the per-draw optimum
   (Bayes MEU + EVPI): the two computations are checked against each other.
3. A subprocess evaluates a million draws, chunked, and reports its peak resident memory
   (``resource.getrusage``).

The draws come from the model's priors. A model without priors gets synthetic draws around its
point values instead (Dirichlet rows with concentration 50, utilities with 20% normal noise),
generated chunk by chunk from a seed so that they too never sit in memory all at once; the
output says which.

Targets: 4,000 draws in under 1 s and at least 20 times faster than the pyAgrum loop; a
million draws in under 2 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

import influence
from influence.bayes.uncertainty import evaluate_under_uncertainty
from influence.model import bundled
from influence.model.diagram import Diagram
from influence.parallel import local_threads
from influence.testing import perturbed_parameters

TARGET_SECONDS = 1.0
TARGET_SPEEDUP = 20.0
TARGET_PEAK_BYTES = 2 * 2**30


# -- draws ----------------------------------------------------------------------------------------
def has_priors(diagram: Diagram) -> bool:
    """Whether any number of the model is uncertain: a row or value with a prior, or a
    parameter (of a structured table, or named) with one."""
    from influence.bayes.draws import uncertain_slots

    return bool(uncertain_slots(diagram))


def synthetic_draws(diagram: Diagram, draws: int, seed: int) -> dict[str, np.ndarray]:
    """Draws around the point values: Dirichlet rows (structural zeros kept), noisy utilities."""
    return perturbed_parameters(diagram, draws, seed, concentration=50.0, spread=0.2)


class SyntheticDraws:
    """Synthetic parameter draws served chunk by chunk like a posterior (block ``i`` from
    seed ``(seed, i)``), never all in memory."""

    method = "synthetic"
    diagnostics: Mapping[str, Any] = {}
    block = 16384

    def __init__(self, diagram: Diagram, draws: int, seed: int) -> None:
        self.diagram, self.draws, self.seed = diagram, draws, seed

    def check(self, diagram: Diagram) -> None:
        assert diagram is self.diagram

    def _blocks(self) -> Iterator[dict[str, np.ndarray]]:
        for i, start in enumerate(range(0, self.draws, self.block)):
            n = min(self.block, self.draws - start)
            yield synthetic_draws(self.diagram, n, seed=self.seed * 100003 + i)

    def iter_parameters(self, diagram: Diagram, chunk: int) -> Iterator[dict[str, np.ndarray]]:
        for block in self._blocks():
            n = next(iter(block.values())).shape[0]
            for start in range(0, n, chunk):
                yield {k: v[start:start + chunk] for k, v in block.items()}

    def parameters(self, diagram: Diagram, max_draws: int | None = None) -> dict:
        return synthetic_draws(diagram, max_draws or self.draws, self.seed)

    def all(self) -> dict[str, np.ndarray]:
        parts = list(self._blocks())
        return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def evaluate(diagram: Diagram, draws: int, seed: int) -> tuple[influence.Evaluation, str]:
    if has_priors(diagram):
        return evaluate_under_uncertainty(diagram, prior=True, draws=draws, seed=seed), "prior"
    source = SyntheticDraws(diagram, draws, seed)
    return evaluate_under_uncertainty(diagram, posterior=source), "synthetic"


def draws_used(diagram: Diagram, draws: int, seed: int) -> dict[str, np.ndarray]:
    """The parameter draws :func:`evaluate` used, materialised (for the pyAgrum loop)."""
    if has_priors(diagram):
        from influence.bayes.draws import sample_prior_parameters
        from influence.bayes.uncertainty import PRIOR_BLOCK

        assert draws <= PRIOR_BLOCK  # then the draws are exactly one block, from `seed`
        return sample_prior_parameters(diagram, draws, seed=seed)
    return SyntheticDraws(diagram, draws, seed).all()


# -- pyAgrum --------------------------------------------------------------------------------------
def pyagrum_loop(diagram: Diagram, params: Mapping[str, np.ndarray], draws: int) -> np.ndarray:
    """The MEU of each draw, by pyAgrum: tables rewritten, then a fresh inference, per draw."""
    import pyagrum as gum

    from influence.testing import to_pyagrum

    model = to_pyagrum(diagram)
    order = [d.name for d in diagram.decisions]
    fills = []
    for n in diagram.nodes:
        if n.table is None:
            continue
        target = model.cpt(n.name) if n.kind == "chance" else model.utility(n.name)
        ours = list(n.parents) + ([n.name] if n.kind == "chance" else [])
        theirs = [v for v in reversed(target.names) if v in ours]
        perm = [ours.index(v) for v in theirs]
        weight = n.weight if n.kind == "utility" else 1.0
        fills.append((target, np.asarray(params[n.name]), perm, weight))
    out = np.empty(draws)
    for s in range(draws):
        for target, table, perm, weight in fills:
            values = table[s if table.shape[0] > 1 else 0]
            if perm:
                values = np.transpose(values, perm)
            target.fillWith((values * weight).ravel().tolist())
        inference = gum.ShaferShenoyLIMIDInference(model)
        inference.addNoForgettingAssumption(order)
        inference.makeInference()
        out[s] = inference.MEU()["mean"]
    return out


# -- a million draws ------------------------------------------------------------------------------
def million_child(model: str, draws: int, seed: int) -> None:
    diagram = influence.load(model)
    start = time.perf_counter()
    result, source = evaluate(diagram, draws, seed)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: kilobytes
    print(json.dumps({"seconds": seconds, "peak_bytes": peak, "draws": result.draws,
                      "source": source, "meu": result.maximum_expected_utility,
                      "evpi": result.evpi_parameters}))


def million(model: str, draws: int, seed: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", "--model", model, "--million", str(draws),
         "--seed", str(seed)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = "cartel-intervention" if bundled.path_of("cartel-intervention") \
        else "oil-wildcatter"
    parser.add_argument("--model", default=default)
    parser.add_argument("--draws", type=int, default=4000)
    parser.add_argument("--million", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20250114)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        million_child(args.model, args.million, args.seed)
        return

    diagram = influence.load(args.model)
    print(f"model: {args.model}  ({diagram!r})")
    evaluate(diagram, 100, args.seed + 1)  # warm-up: contraction plans, imports
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        result, source = evaluate(diagram, args.draws, args.seed)
        times.append(time.perf_counter() - start)
    ours = min(times)
    print(f"draws: {args.draws} ({source})")
    print(f"influence: every option ({len(result.options)} policies and alternatives) and the "
          f"Bayes strategy under {args.draws} draws: {ours:.3f} s "
          f"(best of {args.repeat}; median {np.median(times):.3f} s; "
          f"{local_threads()} threads, see docs/scale.md)")
    single = []
    before = os.environ.get("INFLUENCE_THREADS")
    os.environ["INFLUENCE_THREADS"] = "1"  # as pyAgrum's loop: one thread
    try:
        for _ in range(args.repeat):
            start = time.perf_counter()
            evaluate(diagram, args.draws, args.seed)
            single.append(time.perf_counter() - start)
    finally:
        if before is None:
            os.environ.pop("INFLUENCE_THREADS")
        else:
            os.environ["INFLUENCE_THREADS"] = before
    one = min(single)
    print(f"influence on one thread (INFLUENCE_THREADS=1): {one:.3f} s (best of {args.repeat}; "
          f"median {np.median(single):.3f} s)")

    params = draws_used(diagram, args.draws, args.seed)
    start = time.perf_counter()
    meus = pyagrum_loop(diagram, params, args.draws)
    theirs = time.perf_counter() - start
    print(f"pyAgrum: one solve per draw (MEU only), {args.draws} draws: {theirs:.2f} s "
          f"({1e3 * theirs / args.draws:.2f} ms per draw)")
    per_draw_optimum = result.maximum_expected_utility + result.evpi_parameters
    agree = abs(meus.mean() - per_draw_optimum) <= 1e-6 * max(1.0, abs(per_draw_optimum))
    print(f"check: mean per-draw MEU pyAgrum {meus.mean():.6f}, influence "
          f"(Bayes MEU + EVPI) {per_draw_optimum:.6f}: {'agree' if agree else 'DISAGREE'}")
    speedup = theirs / ours
    print(f"speed-up: {speedup:.0f}x ({theirs / one:.0f}x on one thread)")

    big = million(args.model, args.million, args.seed)
    print(f"{big['draws']} draws ({big['source']}), chunked: {big['seconds']:.1f} s, peak RSS "
          f"{big['peak_bytes'] / 2**20:.0f} MiB")
    ok = [ours < TARGET_SECONDS, speedup >= TARGET_SPEEDUP, big["peak_bytes"] < TARGET_PEAK_BYTES,
          agree]
    print(f"targets: under {TARGET_SECONDS:.0f} s: {'yes' if ok[0] else 'NO'}; "
          f"at least {TARGET_SPEEDUP:.0f}x: {'yes' if ok[1] else 'NO'}; "
          f"a million draws under 2 GB: {'yes' if ok[2] else 'NO'}; "
          f"results agree: {'yes' if ok[3] else 'NO'}")
    if not all(ok):
        raise SystemExit(1)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()
