"""The elicitation fits shipped with the package: valid, complete for the bundled models, and
enough to load and evaluate them on a fresh installation without importing PyMC."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources

import pytest

import influence
from influence.model import bundled, elicit


def _doc() -> dict:
    path = resources.files("influence").joinpath("data", elicit.PACKAGED_FITS)
    return json.loads(path.read_text("utf-8"))


def test_every_packaged_fit_puts_its_mass_in_its_range():
    doc = _doc()
    assert doc["method"] == elicit.METHOD_VERSION
    assert doc["fits"]
    for entry in doc["fits"]:
        key, params = entry["key"], entry["params"]
        assert key["method"] == elicit.METHOD_VERSION
        mass = elicit.interval_mass(key["distribution"], params, key["lower"], key["upper"])
        assert mass == pytest.approx(key["mass"], abs=elicit.MASS_TOLERANCE)
        # The mean sits at the middle of the range, as the fit requires.
        mid = (key["lower"] + key["upper"]) / 2
        mean = (params["a"] / (params["a"] + params["b"]) if key["distribution"] == "beta"
                else params["mu"])
        assert mean == pytest.approx(mid, rel=1e-4)


def test_the_packaged_fits_cover_every_elicited_prior_of_the_bundled_models():
    shipped = {elicit._digest(e["key"]) for e in _doc()["fits"]}
    models = [influence.load(name) for name in bundled.names()]
    for dist, low, high, mass in elicit.packaged_fit_requests(models):
        assert elicit._digest(elicit._key(dist, low, high, mass)) in shipped, (dist, low, high)


def test_a_fresh_installation_evaluates_the_article_model_under_its_prior_without_pymc(tmp_path):
    code = (
        "import sys, influence\n"
        "d = influence.load('cartel-intervention')\n"
        "r = influence.evaluate(d, prior=True, draws=200, seed=3)\n"
        "assert r.uncertainty == 'prior' and r.draws == 200\n"
        "print(sorted(m for m in ('pymc', 'pytensor', 'arviz', 'scipy') if m in sys.modules))\n"
    )
    env = {"INFLUENCE_CACHE_DIR": str(tmp_path / "empty-cache"), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True)
    assert out.stdout.strip() == "[]"
    assert not (tmp_path / "empty-cache").exists() or not any(
        (tmp_path / "empty-cache").rglob("*.json"))
