"""NUTS through table functions: a fit recovers the parameters of structured tables from data
simulated with them, and the table function gives the same numbers in PyTensor as in numpy."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

import influence

MODEL = textwrap.dedent("""
    name: recover
    nodes:
      a:
        type: decision
        states: ["no", "yes"]
      b:
        type: decision
        states: ["no", "yes"]
      c:
        type: chance
        states: ["no", "yes"]
        parents: [a, b]
        table:
          noisy_or:
            leak: {value: 0.5, prior: {beta: [1, 1]}}
            links:
              - given: {a: "yes"}
                p: {value: 0.5, prior: {beta: [1, 1]}}
              - given: {b: "yes"}
                p: 0.3
      f:
        type: chance
        states: ["no", "yes"]
        parents: [a]
        table:
          log_linear:
            base: {value: 0.5, prior: {beta: [1, 1]}}
            effects:
              - given: {a: "yes"}
                ratio: {value: 0.5, prior: {interval: [0.05, 0.95]}}
      u:
        type: utility
        parents: [c, f]
        values:
          - {given: {c: "no", f: "no"}, value: 0}
          - {given: {c: "no", f: "yes"}, value: -1}
          - {given: {c: "yes", f: "no"}, value: -2}
          - {given: {c: "yes", f: "yes"}, value: -3}
""")

TRUTH = {"c.leak": 0.2, "c[a=yes]": 0.6, "f.base": 0.3, "f[a=yes]": 0.4}


@pytest.mark.slow
def test_a_fit_recovers_the_parameters_it_simulated(tmp_path) -> None:
    d = influence.loads(MODEL)
    rng = np.random.default_rng(11)
    n = 600
    leak, link, base, ratio = (TRUTH[k] for k in ("c.leak", "c[a=yes]", "f.base", "f[a=yes]"))
    odds = base / (1 - base) * ratio
    rows = {("c", '{a: "no", b: "no"}'): leak,
            ("c", '{a: "yes", b: "no"}'): 1 - (1 - leak) * (1 - link),
            ("f", '{a: "no"}'): base,
            ("f", '{a: "yes"}'): odds / (1 + odds)}
    entries = []
    for (node, given), p in rows.items():
        yes = int(rng.binomial(n, p))
        entries.append(f"  - node: {node}\n    given: {given}\n"
                       f"    counts: {{\"no\": {n - yes}, \"yes\": {yes}}}\n")
    path = tmp_path / "ev.yaml"
    path.write_text("model: recover\nobservations:\n" + "".join(entries))
    posterior = influence.fit(d, path, seed=3, draws=1000, chains=2, progressbar=False)
    assert posterior.method == "nuts"
    assert not posterior.diagnostics["warnings"], posterior.diagnostics["warnings"]
    for name, truth in TRUTH.items():
        draws = posterior.values(f"param[{name}]")
        assert draws.shape == (2000,)
        # within four posterior sds of the value the data were simulated with, and learned
        assert abs(draws.mean() - truth) < 4 * draws.std(), (name, draws.mean(), truth)
        assert draws.std() < 0.08, (name, draws.std())
    # the ratio keeps its direction in every posterior draw
    assert np.all(posterior.values("param[f[a=yes]]") < 1)
    # the posterior's tables are recomputed from the drawn parameters
    tables = posterior.parameters(d, max_draws=50)
    leak_draws = posterior.values("param[c.leak]")[(np.arange(50) * 2000) // 50]
    assert tables["c"][:, 0, 0, 1] == pytest.approx(leak_draws)


@pytest.mark.slow
def test_table_functions_agree_in_numpy_and_pytensor() -> None:
    import pytensor
    import pytensor.tensor as pt
    from structured_models import FULL, text

    d = influence.loads(text(FULL))
    rng = np.random.default_rng(0)
    for name in ("c", "e", "f", "g"):
        node = d.node(name)
        spaces = {p: d.node(p).states for p in node.parents}
        names = node.structure.parameters
        values = {n: rng.uniform(0.1, 0.9, size=4) for n in names}
        expected = node.structure.compute(values, node.parents, spaces, node.states, 4)
        symbols = {n: pt.vector(n.replace("[", "_").replace("]", "_").replace(".", "_")
                                .replace("=", "_").replace(":", "_")) for n in names}
        table = node.structure.compute(symbols, node.parents, spaces, node.states, 4, xp=pt)
        if names:
            fn = pytensor.function([symbols[n] for n in names], table)
            got = fn(*[values[n] for n in names])
        else:
            got = table.eval()
        assert np.asarray(got) == pytest.approx(expected, abs=1e-12), name
