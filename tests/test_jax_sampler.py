"""NUTS with BlackJAX (influence.bayes.jax_sampler) against PyMC's sampler and the exact answer,
and its cache of compiled models: a hit gives the same draws as the miss, and an entry of
other inputs or with damaged files is never used."""

from __future__ import annotations

import json
import textwrap
import warnings

import numpy as np
import pytest

import influence
from influence.bayes import jax_sampler
from influence.errors import ConvergenceWarning, QueryError
from influence.io.text import fit_table

pytestmark = pytest.mark.slow

needs_jax = pytest.mark.skipif(not jax_sampler.available(), reason="JAX and BlackJAX "
                               "(dependencies of influence) are not installed")

MODEL = textwrap.dedent("""\
    name: rain
    nodes:
      rain: {type: chance, states: ["no", "yes"], prior: {beta: [2, 2]}}
      wet:
        type: chance
        states: [dry, damp, soaked]
        parents: [rain]
        cpt:
          - {given: {rain: "no"}, p: [0.9, 0.08, 0.02]}
          - {given: {rain: "yes"}, prior: {dirichlet: [2, 5, 3]}}
      go: {type: decision, states: ["no", "yes"]}
      value:
        type: utility
        parents: [go, rain]
        values:
          - {given: {go: "no", rain: "no"}, value: 0}
          - {given: {go: "no", rain: "yes"}, value: 0}
          - {given: {go: "yes", rain: "no"}, value: 5}
          - {given: {go: "yes", rain: "yes"}, value: -3}
    """)
# Rain observed in every case: the likelihood is that of counts (rain: 7 yes, 3 no; wet given
# rain: dry 1, damp 2, soaked 4), so the posterior is Beta(9, 5) and Dirichlet(3, 7, 7).
CASES_CSV = ("rain,wet\n" + "yes,soaked\n" * 4 + "yes,damp\n" * 2 + "yes,dry\n"
             + "no,\n" * 2 + "no,dry\n")
EXPECTED = {"p[rain]": (1, 9 / 14), "p[wet|rain=yes]": (None, np.array([3, 7, 7]) / 17)}
SETTINGS = {"method": "nuts", "draws": 500, "tune": 500, "chains": 2, "progressbar": False}


@pytest.fixture
def files(tmp_path, monkeypatch):
    monkeypatch.setenv("INFLUENCE_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "rain.yaml").write_text(MODEL)
    (tmp_path / "cases.csv").write_text(CASES_CSV)
    (tmp_path / "cases.yaml").write_text("model: rain\nobservations:\n  - {cases: cases.csv}\n")
    return tmp_path


def nuts(files, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return influence.fit(influence.load(files / "rain.yaml"), files / "cases.yaml",
                             **{**SETTINGS, **options})


def assert_near_exact(posterior):
    for name, (component, expected) in EXPECTED.items():
        values = posterior._values(name)
        values = values if component is None else values[:, component]
        ess = posterior.diagnostics["parameters"][name]["ess_bulk"]
        mcse = values.std(axis=0) / np.sqrt(ess)
        assert np.all(np.abs(values.mean(axis=0) - expected) <= 4 * mcse), (name, mcse)


def entry(files):
    (directory,) = [p for p in (files / "cache" / "nuts").iterdir() if p.name != "xla"]
    return directory


@needs_jax
def test_blackjax_and_pymc_give_the_exact_posterior(files):
    jax_post = nuts(files, sampler="blackjax", seed=3)
    pymc_post = nuts(files, sampler="pymc", seed=3)
    assert jax_post.diagnostics["sampler"] == "blackjax"
    assert pymc_post.diagnostics["sampler"] == "pymc"
    for post in (jax_post, pymc_post):
        assert post.diagnostics["divergences"] == 0
        assert post.diagnostics["warnings"] == []
        assert_near_exact(post)
    # the two samplers agree with each other within their joint Monte Carlo error
    for name in EXPECTED:
        a, b = jax_post._values(name), pymc_post._values(name)
        se = np.hypot(a.std(axis=0) / np.sqrt(jax_post.diagnostics["parameters"][name][
            "ess_bulk"]), b.std(axis=0) / np.sqrt(pymc_post.diagnostics["parameters"][name][
                "ess_bulk"]))
        assert np.all(np.abs(a.mean(axis=0) - b.mean(axis=0)) <= 4 * se)
    stats = jax_post.idata.sample_stats
    assert stats["diverging"].shape == (2, 500)
    assert 0.7 < float(stats["acceptance_rate"].mean()) <= 1.0


@needs_jax
def test_a_cache_hit_gives_the_draws_of_the_miss(files):
    first = nuts(files, seed=5)
    assert first.diagnostics["sampler"] == "blackjax"
    assert first.diagnostics["cache"] == {"model": False, "program": False}
    again = nuts(files, seed=5)
    assert again.diagnostics["cache"] == {"model": True, "program": True}
    np.testing.assert_array_equal(first._values("p[wet|rain=yes]"),
                                  again._values("p[wet|rain=yes]"))
    other_seed = nuts(files, seed=6)
    assert not np.array_equal(first._values("p[rain]"), other_seed._values("p[rain]"))
    longer = nuts(files, seed=5, draws=600, chains=3)  # the programs do not depend on them
    assert longer.diagnostics["cache"] == {"model": True, "program": True}
    assert longer._values("p[rain]").shape[0] == 1800
    assert_near_exact(longer)
    shorter = nuts(files, seed=5, tune=300)  # another warm-up: new programs, the same model
    assert shorter.diagnostics["cache"] == {"model": True, "program": False}
    assert_near_exact(shorter)


@needs_jax
def test_other_inputs_never_use_an_entry(files):
    nuts(files, seed=1)
    (files / "cases.csv").write_text(CASES_CSV.replace("no,dry", "yes,dry"))  # new evidence
    changed = nuts(files, seed=1)
    assert changed.diagnostics["cache"]["model"] is False
    # 8 rainy cases of 10 now: Beta(10, 4), Dirichlet(4, 7, 7)
    values = changed._values("p[rain]")[:, 1]
    mcse = values.std() / np.sqrt(changed.diagnostics["parameters"]["p[rain]"]["ess_bulk"])
    assert abs(values.mean() - 10 / 14) <= 4 * mcse
    (files / "rain.yaml").write_text(MODEL.replace("beta: [2, 2]", "beta: [3, 2]"))
    assert nuts(files, seed=1).diagnostics["cache"]["model"] is False
    assert len([p for p in (files / "cache" / "nuts").iterdir() if p.name != "xla"]) == 3


@needs_jax
def test_a_damaged_or_foreign_entry_is_refused_and_rebuilt(files):
    first = nuts(files, seed=2)
    directory = entry(files)
    blob = directory / "logp.bin"
    data = bytearray(blob.read_bytes())
    data[len(data) // 2] ^= 0xFF
    blob.write_bytes(bytes(data))
    rebuilt = nuts(files, seed=2)
    assert rebuilt.diagnostics["cache"]["model"] is False
    np.testing.assert_array_equal(first._values("p[rain]"), rebuilt._values("p[rain]"))
    manifest = directory / "density.json"
    doc = json.loads(manifest.read_text())
    doc["key"]["evidence"] = ["0" * 64]  # an entry written for other evidence
    manifest.write_text(json.dumps(doc))
    assert nuts(files, seed=2).diagnostics["cache"]["model"] is False
    doc = json.loads(manifest.read_text())  # the entry made again, under the right key
    del doc["slots"]  # as a manifest of another layout would be
    manifest.write_text(json.dumps(doc))
    assert nuts(files, seed=2).diagnostics["cache"]["model"] is False
    (directory / "density.json").unlink()  # an incomplete entry
    assert nuts(files, seed=2).diagnostics["cache"]["model"] is False
    assert nuts(files, seed=2).diagnostics["cache"] == {"model": True, "program": True}


def test_the_sampler_is_checked_and_named(files, monkeypatch):
    with pytest.raises(QueryError, match="expected `sampler` to be one of auto, blackjax, pymc"):
        nuts(files, sampler="stan")
    monkeypatch.setattr(jax_sampler, "available", lambda: False)
    with pytest.raises(QueryError, match="`sampler` 'blackjax' needs JAX and BlackJAX"):
        nuts(files, sampler="blackjax")
    post = nuts(files, seed=1)  # auto without JAX: PyMC's sampler
    assert post.diagnostics["sampler"] == "pymc"
    text = fit_table(influence.load(files / "rain.yaml"), post.summary(), post.method,
                     post.diagnostics, [])
    assert text.splitlines()[0] == "Posterior of rain (method: nuts, sampler: pymc)"
