"""The limited-memory chain of ``bench_axes.py`` checked three ways: our solver (single policy
updating), pyAgrum's ``ShaferShenoyLIMIDInference`` (no no-forgetting assumption) and an
independent exact answer by dynamic programming.

Run from the repository root::

    python benchmarks/check_limid_chain.py                 # 1,000 stages, seeds 0 and 1
    python benchmarks/check_limid_chain.py --stages 100 --seeds 1

In the chain (``influence.testing.limid_chain``) decision ``d{k}`` observes only ``x{k}``, and
``x{k+1}`` depends only on ``x{k}`` and ``d{k}``: a Markov decision process, whose optimum over
rules of the current state is found by backward dynamic programming,
``V_k(x) = max_d u_k(x, d) + sum_x' P(x' | x, d) V_{k+1}(x')``, ``MEU = sum_x P(x0 = x) V_0(x)``.
The recursion runs twice: in floating point, and in exact rational arithmetic
(``fractions.Fraction`` of the model's binary numbers), which is the reference. Each line gives
the three maximum expected utilities, their differences from the exact one (relative), and the
seconds each took (one run each).
"""

from __future__ import annotations

import argparse
import sys
import time
from fractions import Fraction

import numpy as np

import influence
from influence.model.diagram import Diagram
from influence.testing import limid_chain, to_pyagrum


def dynamic_programming(diagram: Diagram, stages: int, exact: bool) -> float | Fraction:
    """The chain's maximum expected utility by backward dynamic programming."""
    num = Fraction if exact else float
    value = None
    for k in range(stages - 1, -1, -1):
        u = diagram.node(f"u{k}")
        utility = np.asarray(u.table, dtype=float) * float(u.weight)  # (x_k, d_k)
        states = utility.shape[0]
        if k + 1 < stages:
            move = np.asarray(diagram.node(f"x{k + 1}").table, dtype=float)  # (x_k, d_k, x')
        new = []
        for x in range(states):
            best = None
            for d in range(utility.shape[1]):
                q = num(float(utility[x, d]))
                if value is not None:
                    q += sum((num(float(move[x, d, y])) * value[y] for y in range(states)),
                             num(0))
                best = q if best is None or q > best else best
            new.append(best)
        value = new
    start = np.asarray(diagram.node("x0").table, dtype=float)
    return sum((num(float(p)) * v for p, v in zip(start, value, strict=True)), num(0))


def check(stages: int, seed: int) -> dict:
    import pyagrum as gum

    diagram = limid_chain(stages, seed=seed)
    t0 = time.perf_counter()
    plan = influence.plan(diagram)
    ours = float(plan.factored.solve(plan.operands()).expected_utility[0])
    t_ours = time.perf_counter() - t0
    model = to_pyagrum(diagram)
    t0 = time.perf_counter()
    inference = gum.ShaferShenoyLIMIDInference(model)
    inference.makeInference()
    theirs = float(inference.MEU()["mean"])
    t_theirs = time.perf_counter() - t0
    t0 = time.perf_counter()
    floating = float(dynamic_programming(diagram, stages, exact=False))
    t_dp = time.perf_counter() - t0
    t0 = time.perf_counter()
    exact = dynamic_programming(diagram, stages, exact=True)
    t_exact = time.perf_counter() - t0
    ref = float(exact)
    scale = max(1.0, abs(ref))
    return {"stages": stages, "seed": seed, "exact": ref, "ours": ours, "pyagrum": theirs,
            "dp": floating, "ours_rel": abs(ours - ref) / scale,
            "pyagrum_rel": abs(theirs - ref) / scale, "dp_rel": abs(floating - ref) / scale,
            "ours_s": t_ours, "pyagrum_s": t_theirs, "dp_s": t_dp, "exact_s": t_exact}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stages", type=int, default=1000)
    parser.add_argument("--seeds", type=int, default=2, help="chains (seeds 0, 1, ...)")
    args = parser.parse_args(argv)
    for seed in range(args.seeds):
        r = check(args.stages, seed)
        print(f"stages {r['stages']} seed {r['seed']}: exact {r['exact']!r}\n"
              f"  ours    {r['ours']!r} (rel. diff. {r['ours_rel']:.1e}, {r['ours_s']:.2f} s)\n"
              f"  pyAgrum {r['pyagrum']!r} (rel. diff. {r['pyagrum_rel']:.1e}, "
              f"{r['pyagrum_s']:.2f} s)\n"
              f"  float DP {r['dp']!r} (rel. diff. {r['dp_rel']:.1e}, {r['dp_s']:.2f} s; "
              f"exact DP {r['exact_s']:.2f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
