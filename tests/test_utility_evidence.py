"""Evidence on utilities: observed values of a utility value update its prior (normal-normal
conjugacy with a known sd; NUTS with the spread integrated out, or on a Uniform prior)."""

from __future__ import annotations

import math
import textwrap
import warnings

import numpy as np
import pytest

import influence
from influence.bayes.fitting import fit
from influence.bayes.posterior import Posterior
from influence.errors import ConvergenceWarning, EvidenceError, QueryError

MODEL = textwrap.dedent("""\
    name: rain
    nodes:
      rain:
        type: chance
        states: ["no", "yes"]
        prior: {beta: [2, 2]}
      umbrella:
        type: decision
        states: [leave, take]
      comfort:
        type: utility
        parents: [umbrella, rain]
        values:
          - {given: {umbrella: leave, rain: "no"}, value: 10}
          - {given: {umbrella: leave, rain: "yes"}, prior: {normal: [-10, 3]}}
          - {given: {umbrella: take, rain: "no"}, prior: {uniform: [0, 10]}}
          - {given: {umbrella: take, rain: "yes"}, value: 2}
    """)

LEAVE_WET = "{umbrella: leave, rain: \"yes\"}"
SLOT = "u[comfort|umbrella=leave,rain=yes]"


def evidence(*entries: str) -> str:
    return "model: rain\nobservations:\n" + "".join(f"  - {e}\n" for e in entries)


@pytest.fixture()
def files(tmp_path):
    (tmp_path / "rain.yaml").write_text(MODEL)
    return tmp_path


def write(files, name: str, *entries: str):
    path = files / name
    path.write_text(evidence(*entries))
    return path


@pytest.fixture()
def diagram(files):
    return influence.load(files / "rain.yaml")


def test_known_sd_is_normal_normal_conjugate(diagram, files):
    path = write(files, "obs.yaml",
                 f"{{node: comfort, given: {LEAVE_WET}, values: [-4, -6, -5], sd: 2}}")
    post = fit(diagram, path, seed=1)
    assert post.method == "exact"
    precision = 1 / 9 + 3 / 4
    mean = (-10 / 9 - 15 / 4) / precision
    conj = post.conjugate_priors()[SLOT]
    assert (conj.mu, conj.sigma) == pytest.approx((mean, 1 / math.sqrt(precision)), rel=1e-12)
    draws = post.values(SLOT)
    assert abs(draws.mean() - mean) < 4 * conj.sigma / math.sqrt(len(draws))
    assert draws.std() == pytest.approx(conj.sigma, rel=0.05)
    [row] = post.summary()
    assert (row["name"], row["state"], row["exact"]) == (SLOT, None, True)
    assert row["mean"] == pytest.approx(mean, rel=1e-12)
    assert row["prior_mean"] == -10.0
    # what was observed is in the file
    observed = post.groups["observed_data"].variables["values_0"]
    assert observed.values.tolist() == [-4.0, -6.0, -5.0] and observed.attrs["sd"] == 2.0


def test_weight_discounts_the_observations(diagram, files):
    full = fit(diagram, write(files, "a.yaml",
                              f"{{node: comfort, given: {LEAVE_WET}, values: [-4], sd: 2}}"))
    half = fit(diagram, write(files, "b.yaml", f"{{node: comfort, given: {LEAVE_WET}, "
                                               "values: [-4], sd: 2, weight: 0.5}"))
    assert 1 / full.conjugate_priors()[SLOT].sigma ** 2 == pytest.approx(1 / 9 + 1 / 4)
    assert 1 / half.conjugate_priors()[SLOT].sigma ** 2 == pytest.approx(1 / 9 + 1 / 8)


def test_two_steps_equal_one_step(diagram, files):
    a = write(files, "a.yaml", f"{{node: comfort, given: {LEAVE_WET}, values: [-4, -7], sd: 2}}")
    b = write(files, "b.yaml", f"{{node: comfort, given: {LEAVE_WET}, values: -1, sd: 3}}",
              "{node: rain, counts: {\"yes\": 3, \"no\": 1}}")
    one = fit(diagram, [a, b], seed=4)
    two = fit(diagram, b, start=fit(diagram, a, seed=9), seed=4)
    assert one.conjugate_priors()[SLOT].mu == pytest.approx(two.conjugate_priors()[SLOT].mu,
                                                            rel=1e-12)
    np.testing.assert_allclose(one.values(SLOT), two.values(SLOT), rtol=1e-12)


def test_the_posterior_moves_the_decision(diagram, files, tmp_path):
    path = write(files, "obs.yaml",
                 f"{{node: comfort, given: {LEAVE_WET}, values: [30, 32, 31], sd: 1}}")
    post = fit(diagram, path, seed=2)
    post.write(tmp_path / "post.nc")
    result = influence.evaluate(diagram, posterior=tmp_path / "post.nc")
    prior = influence.evaluate(diagram, prior=True, draws=4000, seed=2)
    # leaving in the rain was worth about -10; the observations say about +31
    assert result.alternatives["umbrella"]["leave"] > prior.alternatives["umbrella"]["leave"] + 15
    assert Posterior.read(tmp_path / "post.nc").conjugate_priors()[SLOT].mu > 25


@pytest.mark.parametrize(("entry", "message"), [
    ("{node: rain, values: [1], sd: 1}", "expected `node` to be a utility node of 'rain' "
                                         "(comfort)"),
    ("{node: comfort, given: {umbrella: leave, rain: \"no\"}, values: [1], sd: 1}",
     "the value {umbrella: leave, rain: no} has no prior and so cannot be updated"),
    (f"{{node: comfort, given: {LEAVE_WET}, values: [], sd: 1}}",
     "expected `values` to be a finite number or a non-empty list"),
    (f"{{node: comfort, given: {LEAVE_WET}, values: [1, .nan], sd: 1}}",
     "expected `values` to be a finite number"),
    (f"{{node: comfort, given: {LEAVE_WET}, values: [1, 2], sd: 0}}",
     "expected `sd` to be a number > 0, got int 0"),
    (f"{{node: comfort, given: {LEAVE_WET}, values: [1]}}",
     "expected `sd` (the standard deviation of one observation), or at least two values that "
     "differ to estimate it from, got 1 value"),
    (f"{{node: comfort, given: {LEAVE_WET}, values: [3, 3]}}", "got 2 values all equal"),
    (f"{{node: comfort, given: {LEAVE_WET}, values: [3], sd: 1, sdev: 2}}",
     "unknown key 'sdev' in a values entry"),
    ("{node: comfort, given: {umbrella: leave}, values: [3], sd: 1}", "rain"),
])
def test_bad_entries(diagram, files, entry, message):
    with pytest.raises(EvidenceError) as err:
        fit(diagram, write(files, "bad.yaml", entry))
    assert message in str(err.value)
    assert "entry 1" in str(err.value) and "bad.yaml" in str(err.value)


def test_exact_needs_a_known_sd_and_a_normal_prior(diagram, files):
    unknown = write(files, "u.yaml", f"{{node: comfort, given: {LEAVE_WET}, values: [1, 2]}}")
    with pytest.raises(QueryError, match="entry 1 of .*u.yaml gives observed values without "
                                         "`sd`; use `method` 'nuts'"):
        fit(diagram, unknown, method="exact")
    uniform = write(files, "v.yaml", "{node: comfort, given: {umbrella: take, rain: \"no\"}, "
                                     "values: [1], sd: 1}")
    with pytest.raises(QueryError, match="gives observed values on a value with a uniform "
                                         "prior"):
        fit(diagram, uniform, method="exact")


def _grid_posterior(log_density, low, high):
    grid = np.linspace(low, high, 200001)
    log_p = log_density(grid)
    weights = np.exp(log_p - log_p.max())
    weights /= weights.sum()
    mean = float((weights * grid).sum())
    return mean, float(np.sqrt((weights * (grid - mean) ** 2).sum()))


@pytest.mark.slow
def test_nuts_with_the_spread_unknown_and_on_a_uniform_prior(diagram, files):
    """NUTS against the posterior computed on a fine grid: a Normal(-10, 3) prior with values
    whose spread is integrated out (Student-t likelihood), and a Uniform(0, 10) prior with a
    known sd (a truncated Normal)."""
    path = write(files, "mixed.yaml",
                 f"{{node: comfort, given: {LEAVE_WET}, values: [-4, -6.5, -5, -3]}}",
                 "{node: comfort, given: {umbrella: take, rain: \"no\"}, values: [9.5, 11], "
                 "sd: 2}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        post = fit(diagram, path, seed=3, draws=1500, tune=700, chains=2, progressbar=False)
    assert post.method == "nuts"
    y = np.array([-4, -6.5, -5, -3])
    squares = ((y - y.mean()) ** 2).sum()
    expected = {
        SLOT: _grid_posterior(lambda u: -0.5 * ((u + 10) / 3) ** 2
                              - 2 * np.log(squares + 4 * (y.mean() - u) ** 2), -30, 20),
        "u[comfort|umbrella=take,rain=no]": _grid_posterior(
            lambda u: -0.5 * ((9.5 - u) ** 2 + (11 - u) ** 2) / 4, 0, 10),
    }
    for name, (mean, sd) in expected.items():
        draws = post.values(name)
        ess = post.diagnostics["parameters"][name]["ess_bulk"]
        assert abs(draws.mean() - mean) < 4 * sd / math.sqrt(ess), (name, draws.mean(), mean)
        assert draws.std() == pytest.approx(sd, rel=0.1)
