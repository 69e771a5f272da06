"""The exact posterior of case records with unobserved nodes: a mixture of conjugate
posteriors, checked against quadrature and importance sampling, and when it gives way to NUTS."""

from __future__ import annotations

import itertools
import textwrap

import numpy as np
import pytest

import influence
from influence.bayes.draws import uncertain_slots
from influence.bayes.evidence import load_evidence
from influence.bayes.mixture import build_mixture, log_marginal
from influence.errors import QueryError
from influence.model.distributions import BetaPrior, DirichletPrior

#: A Beta(2, 3) prior on P(wet); the test result is observed, the oil never.
ONE = textwrap.dedent("""\
    name: mix
    nodes:
      oil:
        type: chance
        states: [dry, wet]
        prior: {beta: [2, 3], state: wet}
      result:
        type: chance
        states: [bad, good]
        parents: [oil]
        cpt:
          - {given: {oil: dry}, p: [0.8, 0.2]}
          - {given: {oil: wet}, p: [0.3, 0.7]}
      drill:
        type: decision
        states: ["no", "yes"]
        observes: [result]
      gain:
        type: utility
        parents: [drill, oil]
        values:
          - {given: {drill: "no", oil: dry}, value: 0}
          - {given: {drill: "no", oil: wet}, value: 0}
          - {given: {drill: "yes", oil: dry}, value: -50}
          - {given: {drill: "yes", oil: wet}, value: 100}
    """)

#: A chain a -> b -> c: Dirichlet priors on a and on one row of b, the other row of b fixed;
#: cases observe c (and sometimes a), never b.
CHAIN = textwrap.dedent("""\
    name: chain
    nodes:
      a:
        type: chance
        states: [x, y, z]
        prior: {dirichlet: [2, 1, 1]}
      b:
        type: chance
        states: [lo, hi]
        parents: [a]
        cpt:
          - {given: {a: x}, prior: {dirichlet: [1, 3]}}
          - {given: {a: y}, p: [0.5, 0.5]}
          - {given: {a: z}, p: [0.9, 0.1]}
      c:
        type: chance
        states: ["off", "on"]
        parents: [b]
        cpt:
          - {given: {b: lo}, p: [0.7, 0.3]}
          - {given: {b: hi}, p: [0.2, 0.8]}
      d:
        type: decision
        states: ["no", "yes"]
        observes: [c]
      u:
        type: utility
        parents: [d, a]
        values:
          - {given: {d: "no", a: x}, value: 0}
          - {given: {d: "no", a: y}, value: 0}
          - {given: {d: "no", a: z}, value: 0}
          - {given: {d: "yes", a: x}, value: 5}
          - {given: {d: "yes", a: y}, value: -1}
          - {given: {d: "yes", a: z}, value: -3}
    """)


def _files(tmp_path, model, csv, weight=1, counts=""):
    (tmp_path / "m.yaml").write_text(model)
    (tmp_path / "cases.csv").write_text(csv)
    (tmp_path / "ev.yaml").write_text(
        f"model: {influence.loads(model).name}\nobservations:\n"
        f"  - {{cases: cases.csv, weight: {weight}}}\n{counts}")
    return influence.load(tmp_path / "m.yaml"), tmp_path / "ev.yaml"


def _mixture(diagram, evidence):
    slots = uncertain_slots(diagram)
    read = load_evidence(evidence, diagram)
    return build_mixture(diagram, slots, {s.name: s.prior for s in slots}, list(read.cases))


def test_log_marginal_is_the_prior_predictive_of_the_counts():
    dirichlet = DirichletPrior(alpha=(2.0, 1.0, 1.0), states=("x", "y", "z"))
    # E[x^2 y] under Dirichlet(2, 1, 1) = (2*3*1) / (4*5*6)
    assert np.isclose(np.exp(log_marginal(dirichlet, np.array([2, 1, 0]))), 6 / 120)
    beta = BetaPrior(a=2.0, b=3.0, states=("dry", "wet", "damp"), state=1, rest=(0.25, 0.0, 0.75))
    # p^1 ((1-p) 0.25)^1 ((1-p) 0.75)^2: E[p (1-p)^3] = B(3, 6) / B(2, 3)
    expected = (2 / 5) * (3 * 4 * 5) / (6 * 7 * 8) * 0.25 * 0.75 ** 2
    assert np.isclose(np.exp(log_marginal(beta, np.array([1, 1, 2]))), expected)


def test_a_hidden_root_matches_quadrature(tmp_path):
    diagram, evidence = _files(tmp_path, ONE, "result\ngood\ngood\nbad\ngood\n")
    mixture = _mixture(diagram, evidence)
    slots = {s.name: s.prior for s in uncertain_slots(diagram)}
    p = np.linspace(0, 1, 400_001)[1:-1]
    density = p * (1 - p) ** 2 * (0.7 * p + 0.2 * (1 - p)) ** 3 * (0.3 * p + 0.8 * (1 - p))
    quadrature = float((p * density).sum() / density.sum())
    assert np.isclose(mixture.mean("p[oil]", slots)[1], quadrature, atol=1e-8)
    post = influence.fit(diagram, evidence, draws=5000, chains=4, seed=2)
    assert post.method == "exact"
    draws = post.parameters(diagram)["oil"].reshape(-1, 2)[:, 1]
    assert abs(draws.mean() - quadrature) < 4 * draws.std() / np.sqrt(len(draws))


def test_a_hidden_middle_node_matches_importance_sampling(tmp_path):
    csv = "a,c\n,on\n,on\nx,off\n,off\ny,on\n,on\n"
    diagram, evidence = _files(tmp_path, CHAIN, csv)
    mixture = _mixture(diagram, evidence)
    priors = {s.name: s.prior for s in uncertain_slots(diagram)}
    # importance sampling: prior draws weighted by the likelihood of every case
    rng = np.random.default_rng(5)
    n = 400_000
    a = priors["p[a]"].sample(rng, n)
    b_x = priors["p[b|a=x]"].sample(rng, n)
    tables = {"a": a, "b": np.stack([b_x, np.broadcast_to([0.5, 0.5], (n, 2)),
                                     np.broadcast_to([0.9, 0.1], (n, 2))], axis=1),
              "c": np.broadcast_to(diagram.node("c").table, (n, 2, 2))}
    read = load_evidence(evidence, diagram)
    loglik = np.zeros(n)
    for pattern in read.cases[0].patterns:
        for u, many in enumerate(pattern.counts):
            one = _log_likelihood(diagram, pattern, u, tables)
            loglik += many * one
    w = np.exp(loglik - loglik.max())
    w /= w.sum()
    for name, draws in (("p[a]", a), ("p[b|a=x]", b_x)):
        estimate = (w[:, None] * draws).sum(axis=0)
        se = np.sqrt((w[:, None] ** 2 * (draws - estimate) ** 2).sum(axis=0))
        exact = mixture.mean(name, priors)
        assert np.all(np.abs(exact - estimate) < 4 * se + 1e-4), (name, exact, estimate, se)
    assert len(mixture.weights) > 1 and np.isclose(mixture.weights.sum(), 1.0)


def _log_likelihood(diagram, pattern, row, tables):
    """One distinct case's log-likelihood under each of a batch of tables (draw axis first):
    the sum over its hidden nodes written out."""
    observed = dict(zip(pattern.observed, pattern.values[row], strict=True))
    hidden = [n for n in pattern.chance if n not in observed]
    total = 0.0
    for states in itertools.product(*(range(len(diagram.node(h).states)) for h in hidden)):
        assign = {**observed, **dict(zip(hidden, states, strict=True))}
        term = 1.0
        for name in pattern.chance:
            index = tuple(assign[p] for p in diagram.node(name).parents) + (assign[name],)
            term = term * tables[name][(slice(None),) + index]
        total = total + term
    return np.log(total)


def test_counts_and_cases_together(tmp_path):
    counts = '  - {node: oil, counts: {dry: 3, wet: 1}}\n'
    diagram, evidence = _files(tmp_path, ONE, "result\ngood\nbad\n", counts=counts)
    priors = {s.name: s.prior for s in uncertain_slots(diagram)}
    read = load_evidence(evidence, diagram)
    base = {"p[oil]": priors["p[oil]"].updated(np.array([3.0, 1.0]))}
    mixture = build_mixture(diagram, uncertain_slots(diagram), base, list(read.cases))
    p = np.linspace(0, 1, 400_001)[1:-1]
    density = p ** 2 * (1 - p) ** 5 * (0.7 * p + 0.2 * (1 - p)) * (0.3 * p + 0.8 * (1 - p))
    quadrature = float((p * density).sum() / density.sum())
    assert np.isclose(mixture.mean("p[oil]", base)[1], quadrature, atol=1e-8)
    post = influence.fit(diagram, evidence, draws=4000, chains=2, seed=1)
    assert post.method == "exact"


def test_whole_powers_of_the_likelihood_are_expanded_others_go_to_nuts(tmp_path):
    # weight 0.5 on two identical cases is one case at full weight
    diagram, evidence = _files(tmp_path, ONE, "result\ngood\ngood\n", weight=0.5)
    half = _mixture(diagram, evidence)
    other = tmp_path / "other"
    other.mkdir()
    diagram1, evidence1 = _files(other, ONE, "result\ngood\n")
    np.testing.assert_allclose(half.counts, _mixture(diagram1, evidence1).counts)
    np.testing.assert_allclose(half.weights, _mixture(diagram1, evidence1).weights)
    # weight 0.5 on three identical cases is a power of 1.5: not a mixture
    third = tmp_path / "third"
    third.mkdir()
    diagram3, evidence3 = _files(third, ONE, "result\ngood\ngood\ngood\n", weight=0.5)
    assert _mixture(diagram3, evidence3) == "a case weight of 0.5"
    with pytest.raises(QueryError, match="gives case records that an exact mixture cannot take "
                                         r"\(a case weight of 0.5\); use `method` 'nuts'"):
        influence.fit(diagram3, evidence3, method="exact")


def test_too_many_components_go_to_nuts(tmp_path, monkeypatch):
    from influence.bayes import mixture as mixture_module

    monkeypatch.setattr(mixture_module, "MIXTURE_COMPONENTS", 3)
    diagram, evidence = _files(tmp_path, CHAIN, "c\non\non\noff\non\n")
    assert _mixture(diagram, evidence).startswith("more than 3 ways of completing")
    seen = {}

    def fake_nuts(*args, **kwargs):
        seen["nuts"] = True
        raise RuntimeError("stop here")

    from influence.bayes import nuts

    monkeypatch.setattr(nuts, "build_model", fake_nuts)
    with pytest.raises(RuntimeError, match="stop here"):
        influence.fit(diagram, evidence)
    assert seen == {"nuts": True}


def test_a_mixture_posterior_cannot_be_continued_from(tmp_path):
    diagram, evidence = _files(tmp_path, ONE, "result\ngood\n")
    post = influence.fit(diagram, evidence, draws=200, chains=2, seed=1)
    with pytest.raises(QueryError, match="an exact posterior of case records is a mixture"):
        influence.fit(diagram, evidence, start=post)


def test_the_exact_path_imports_neither_pymc_nor_scipy(tmp_path):
    import subprocess
    import sys

    diagram, evidence = _files(tmp_path, CHAIN, "a,c\n,on\nx,off\n")
    code = ("import sys, influence\n"
            f"d = influence.load({str(tmp_path / 'm.yaml')!r})\n"
            f"p = influence.fit(d, {str(evidence)!r}, draws=500, seed=1)\n"
            "print(p.method, sorted(m for m in ('pymc', 'scipy', 'arviz', 'pytensor') "
            "if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "exact []"


NOISY = textwrap.dedent("""\
    name: noisy
    nodes:
      cause:
        type: chance
        states: ["no", "yes"]
        prior: {beta: [2, 2], state: "yes"}
      effect:
        type: chance
        states: ["no", "yes"]
        parents: [cause]
        table:
          noisy_or:
            leak: {value: 0.1, prior: {beta: [2, 18]}}
            links:
              - given: {cause: "yes"}
                p: 0.6
      act:
        type: decision
        states: ["no", "yes"]
        observes: [effect]
      u:
        type: utility
        parents: [act, cause]
        values:
          - {given: {act: "no", cause: "no"}, value: 0}
          - {given: {act: "no", cause: "yes"}, value: 0}
          - {given: {act: "yes", cause: "no"}, value: -1}
          - {given: {act: "yes", cause: "yes"}, value: 2}
    """)


def test_a_table_computed_from_uncertain_parameters_is_left_to_nuts(tmp_path):
    diagram, evidence = _files(tmp_path, NOISY, "effect\nyes\nno\n")
    reason = _mixture(diagram, evidence)
    assert isinstance(reason, str) and "the table of 'effect' is computed from a parameter" \
        in reason
    with pytest.raises(QueryError, match="an exact mixture cannot take"):
        influence.fit(diagram, evidence, method="exact")
