"""Elicited priors: the ICD 203 table, the exact fits against PyMC's, and the fit cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
from scipy import stats

from influence.errors import ModelError
from influence.model import elicit

# The table of /work/shared/evidence/FACTS.md, section 1 (ICD 203, 2015).
ICD203 = [
    ("almost no chance", "remote", 0.01, 0.05),
    ("very unlikely", "highly improbable", 0.05, 0.20),
    ("unlikely", "improbable", 0.20, 0.45),
    ("roughly even chance", "roughly even odds", 0.45, 0.55),
    ("likely", "probable", 0.55, 0.80),
    ("very likely", "highly probable", 0.80, 0.95),
    ("almost certain", "nearly certain", 0.95, 0.99),
]


@pytest.fixture(autouse=True, scope="module")
def _cache_dir(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("INFLUENCE_CACHE_DIR", str(tmp_path_factory.mktemp("influence-cache")))
        yield


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    """An empty disk cache and an empty in-process cache (restored afterwards)."""
    saved = dict(elicit._MEMORY)
    elicit.clear_memory_cache()
    monkeypatch.setenv("INFLUENCE_CACHE_DIR", str(tmp_path / "cache"))
    yield tmp_path / "cache"
    elicit._MEMORY.clear()
    elicit._MEMORY.update(saved)


# -- the table -------------------------------------------------------------------------------------


def test_shipped_table_matches_icd203():
    phrases = elicit.icd203_phrases()
    for expression, alternative, low, high in ICD203:
        for words in (expression, alternative):
            entry = phrases[words]
            assert (entry.low, entry.high) == (low, high)
            assert (entry.expression, entry.alternative) == (expression, alternative)
            assert entry.note is None


def test_table_cites_its_source():
    source = elicit.icd203_source()
    assert "Intelligence Community Directive 203" in source
    assert "2015" in source


def test_variants_and_the_highly_likely_alias():
    assert elicit.lookup_phrase("Almost  Certainly").expression == "almost certain"
    alias = elicit.lookup_phrase("highly likely")
    assert (alias.low, alias.high, alias.expression) == (0.80, 0.95, "very likely")
    assert "not in ICD 203" in alias.note
    assert alias.label == "very likely / highly probable (80-95%)"


def test_unknown_phrase_lists_the_known_ones_and_suggests_the_nearest():
    with pytest.raises(ModelError) as err:
        elicit.lookup_phrase("probabley")
    text = str(err.value)
    assert "unknown phrase 'probabley' (did you mean 'probable'?)" in text
    for expression, alternative, _, _ in ICD203:
        assert expression in text and alternative in text


# -- the fits --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("expression", "alternative", "low", "high"), ICD203,
                         ids=[row[0] for row in ICD203])
def test_every_phrase_fit_puts_the_mass_in_its_range(expression, alternative, low, high):
    phrase = elicit.lookup_phrase(expression)
    a, b = elicit.fit_beta_interval(phrase.low, phrase.high, elicit.DEFAULT_MASS)
    inside = stats.beta.cdf(high, a, b) - stats.beta.cdf(low, a, b)
    assert abs(inside - 0.9) <= 1e-3
    assert a / (a + b) == pytest.approx((low + high) / 2, abs=1e-4)  # the documented choice
    assert elicit.fit_beta_interval(low, high) == (a, b)  # the alternative shares the fit


@pytest.mark.slow
def test_interval_fit_with_another_mass():
    a, b = elicit.fit_beta_interval(0.6, 0.7, 0.5)
    assert abs(stats.beta.cdf(0.7, a, b) - stats.beta.cdf(0.6, a, b) - 0.5) <= 1e-3
    assert a / (a + b) == pytest.approx(0.65, abs=1e-4)


@pytest.mark.slow
def test_normal_interval_fit():
    mu, sigma = elicit.fit_normal_interval(-20, -5, 0.9)
    assert mu == pytest.approx(-12.5)
    assert sigma == pytest.approx(7.5 / stats.norm.ppf(0.95), rel=1e-4)
    assert stats.norm.cdf(-5, mu, sigma) - stats.norm.cdf(-20, mu, sigma) == pytest.approx(
        0.9, abs=1e-3)


@pytest.mark.parametrize(("low", "high", "mass", "message"), [
    (0.5, 0.4, 0.9, "low < high"),
    (0.0, 0.4, 0.9, "inside (0, 1)"),
    (0.2, 1.0, 0.9, "inside (0, 1)"),
    (0.2, 0.4, 1.0, "expected a mass between 0 and 1"),
    (0.2, 0.4, 0.995, "from 0.01 to 0.99"),
    (0.2, float("nan"), 0.9, "expected finite numbers"),
])
def test_bad_requests(low, high, mass, message):
    with pytest.raises(ModelError, match=message.replace("(", r"\(").replace(")", r"\)")):
        elicit.fit_beta_interval(low, high, mass)


def test_a_fit_that_misses_the_mass_is_an_error(fresh_cache, monkeypatch):
    monkeypatch.setattr(elicit, "_fit_new", lambda *args: {"a": 2.0, "b": 2.0})
    with pytest.raises(ModelError) as err:
        elicit.fit_beta_interval(0.3, 0.4, 0.9)
    text = str(err.value)
    assert "cannot fit a Beta prior with mean 0.35 that puts 0.9 of its probability in " \
           "[0.3, 0.4]" in text
    assert "expected within 0.001" in text
    assert not list(fresh_cache.glob("elicit/*.json"))  # nothing wrong is cached


# -- the cache -------------------------------------------------------------------------------------


def test_cache_directory_precedence(monkeypatch, tmp_path):
    monkeypatch.setenv("INFLUENCE_CACHE_DIR", str(tmp_path / "a"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert elicit.cache_dir() == tmp_path / "a"
    monkeypatch.delenv("INFLUENCE_CACHE_DIR")
    assert elicit.cache_dir() == tmp_path / "xdg" / "influence"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert elicit.cache_dir() == tmp_path / "home" / ".cache" / "influence"


def _good_fit(low: float, high: float, mass: float) -> dict[str, float]:
    """A correct Beta fit with the mean at the midpoint, solved with SciPy (an independent
    check of the exact solver, and a stand-in for it in tests of the cache)."""
    from scipy import optimize

    mid = (low + high) / 2

    def gap(log_k: float) -> float:
        k = float(__import__("math").exp(log_k))
        return stats.beta.cdf(high, mid * k, (1 - mid) * k) - \
            stats.beta.cdf(low, mid * k, (1 - mid) * k) - mass

    log_k = optimize.brentq(gap, -5, 20)
    k = __import__("math").exp(log_k)
    return {"a": mid * k, "b": (1 - mid) * k}


def test_fits_are_cached_on_disk_and_reused_without_pymc(fresh_cache, monkeypatch):
    calls = []

    def fitter(distribution, low, high, mass):
        calls.append((distribution, low, high, mass))
        return _good_fit(low, high, mass)

    monkeypatch.setattr(elicit, "_fit_new", fitter)
    first = elicit.fit_beta_interval(0.3, 0.4, 0.8)
    assert len(calls) == 1
    entries = list(fresh_cache.glob("elicit/*.json"))
    assert len(entries) == 1
    doc = json.loads(entries[0].read_text())
    assert doc["key"] == {"distribution": "beta", "lower": 0.3, "upper": 0.4, "mass": 0.8,
                          "method": elicit.METHOD_VERSION}
    assert not list(fresh_cache.glob("elicit/*.tmp"))
    elicit.clear_memory_cache()

    def no_fit(*args):
        raise AssertionError("the cache should have been used")

    monkeypatch.setattr(elicit, "_fit_new", no_fit)
    assert elicit.fit_beta_interval(0.3, 0.4, 0.8) == first


@pytest.mark.parametrize("content", [
    "not json at all {",
    json.dumps({"key": "something else", "params": {"a": 1, "b": 1}}),
    None,  # the right key, but parameters that miss the mass
])
def test_corrupt_cache_entries_are_refitted_silently(fresh_cache, monkeypatch, content):
    calls = []

    def fitter(distribution, low, high, mass):
        calls.append(1)
        return _good_fit(low, high, mass)

    monkeypatch.setattr(elicit, "_fit_new", fitter)
    good = elicit.fit_beta_interval(0.3, 0.4, 0.8)
    entry = next(fresh_cache.glob("elicit/*.json"))
    if content is None:
        doc = json.loads(entry.read_text())
        doc["params"] = {"a": 1.0, "b": 1.0}
        content = json.dumps(doc)
    entry.write_text(content)
    elicit.clear_memory_cache()
    assert elicit.fit_beta_interval(0.3, 0.4, 0.8) == good
    assert len(calls) == 2
    assert json.loads(entry.read_text())["params"] == {"a": good[0], "b": good[1]}


def test_an_unwritable_cache_directory_is_skipped(fresh_cache, monkeypatch, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("INFLUENCE_CACHE_DIR", str(blocker))
    monkeypatch.setattr(elicit, "_fit_new", lambda d, lo, hi, m: _good_fit(lo, hi, m))
    a, b = elicit.fit_beta_interval(0.3, 0.4, 0.8)
    assert abs(elicit.interval_mass("beta", {"a": a, "b": b}, 0.3, 0.4) - 0.8) <= 1e-3


# -- what gets imported ------------------------------------------------------------------------


def _run(code: str, cache: str) -> str:
    env = {**os.environ, "INFLUENCE_CACHE_DIR": cache}
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                         text=True, env=env, check=True)
    return out.stdout.strip()


def test_loading_a_model_without_priors_imports_no_bayesian_library(tmp_path):
    out = _run("""
        import sys, influence
        influence.load("oil-wildcatter")
        print(sorted(m for m in ("pymc", "arviz", "pytensor", "scipy") if m in sys.modules))
    """, str(tmp_path))
    assert out == "[]"


def test_a_new_fit_and_a_cached_one_load_without_scipy_or_pymc(tmp_path):
    model = tmp_path / "m.yaml"
    model.write_text(textwrap.dedent("""\
        name: m
        nodes:
          x:
            type: chance
            states: ["no", "yes"]
            prior: {interval: [0.31, 0.47], mass: 0.83}
          value:
            type: utility
            parents: [x]
            values:
              - {given: {x: "no"}, value: 0}
              - {given: {x: "yes"}, prior: {interval: [0.5, 1.5], mass: 0.8}}
        """))
    code = f"""
        import sys, influence
        d = influence.load({str(model)!r})
        print(d.node("x").priors[()].a, d.node("value").priors[("yes",)].sigma,
              [m for m in ("pymc", "scipy", "pytensor", "arviz") if m in sys.modules])
    """
    env = {**os.environ, "INFLUENCE_CACHE_DIR": str(tmp_path / "cache")}
    runs = [subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                           text=True, env=env, check=True) for _ in range(2)]
    first, second = (r.stdout.strip() for r in runs)
    assert first == second and first.endswith("[]")
    # the first run says what it fits, on standard error; the second finds both in the cache
    notices = runs[0].stderr.splitlines()
    assert notices[0] == ("influence: fitting a Beta prior with mean 0.39 and 0.83 of its "
                          "probability in [0.31, 0.47] (exact, by root finding); caching it in "
                          f"{tmp_path / 'cache'}")
    assert notices[1].startswith("influence: fitting a Normal prior with mean 1 and 0.8 of its "
                                 "probability in [0.5, 1.5] (closed form)")
    assert runs[1].stderr == ""


@pytest.mark.parametrize(("low", "high", "mass"), [
    (0.2, 0.4, 0.9), (0.8, 0.95, 0.9), (0.01, 0.05, 0.5), (0.3, 0.31, 0.9), (0.05, 0.95, 0.99),
    (0.6, 0.8, 0.5), (0.45, 0.55, 0.2), (0.001, 0.999, 0.99), (0.95, 0.99, 0.95)])
def test_the_exact_beta_fit_solves_the_equation(low, high, mass):
    from influence.model.special import solve_beta_concentration

    mid = (low + high) / 2
    k = solve_beta_concentration(mid, low, high, mass)
    a, b = mid * k, (1 - mid) * k
    assert stats.beta.cdf(high, a, b) - stats.beta.cdf(low, a, b) == pytest.approx(mass,
                                                                                   abs=1e-10)
    expected = _good_fit(low, high, mass)  # SciPy's root finder on SciPy's Beta CDF
    assert (a, b) == pytest.approx((expected["a"], expected["b"]), rel=1e-8)


def test_a_dirichlet_interval_fit():
    alpha = elicit.fit_dirichlet_interval([0.2, 0.5, 0.3], 1, 0.4, 0.6, 0.9)
    total = sum(alpha)
    assert [a / total for a in alpha] == pytest.approx([0.2, 0.5, 0.3], rel=1e-5)
    a, b = alpha[1], total - alpha[1]
    assert stats.beta.cdf(0.6, a, b) - stats.beta.cdf(0.4, a, b) == pytest.approx(0.9,
                                                                                 abs=1e-5)
    with pytest.raises(ModelError, match="cannot fit a Dirichlet"):
        elicit.fit_dirichlet_interval([0.2, 0.5, 0.3], 0, 0.4, 0.6, 0.9)


@pytest.mark.slow
@pytest.mark.parametrize(("distribution", "low", "high", "mass"), [
    ("beta", 0.2, 0.4, 0.9), ("beta", 0.8, 0.95, 0.9), ("beta", 0.01, 0.05, 0.5),
    ("beta", 0.55, 0.8, 0.7), ("beta", 0.05, 0.2, 0.95), ("normal", -20, -5, 0.9),
    ("normal", 100, 300, 0.5)])
def test_the_exact_fit_agrees_with_pymc(distribution, low, high, mass):
    exact = elicit._fit_new(distribution, low, high, mass)
    reference = elicit._fit_with_pymc(distribution, low, high, mass)
    assert set(exact) == set(reference)
    for name, value in exact.items():
        assert value == pytest.approx(reference[name], rel=1e-4), name
