"""influence.fit: exact conjugate updating, NUTS, their agreement, two-step updating, the
Posterior file and its checks, and the diagnostics."""

from __future__ import annotations

import json
import textwrap
import warnings

import numpy as np
import pytest

import influence
from influence.bayes import fitting, summary
from influence.bayes import posterior as posterior_file
from influence.bayes.fitting import fit
from influence.bayes.posterior import Posterior
from influence.errors import ConvergenceWarning, EvidenceError, PosteriorError, QueryError

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
      wet:
        type: chance
        states: [dry, damp, soaked]
        parents: [rain]
        cpt:
          - given: {rain: "no"}
            p: [0.9, 0.08, 0.02]
          - given: {rain: "yes"}
            prior: {dirichlet: [2, 5, 3]}
      comfort:
        type: utility
        parents: [umbrella, rain]
        values:
          - {given: {umbrella: leave, rain: "no"}, value: 10}
          - {given: {umbrella: leave, rain: "yes"}, prior: {normal: [-10, 3]}}
          - {given: {umbrella: take, rain: "no"}, value: 5}
          - {given: {umbrella: take, rain: "yes"}, value: 2}
    """)

SEVEN_OF_TEN = "model: rain\nobservations:\n  - {node: rain, counts: {\"yes\": 7, \"no\": 3}}\n"
WET = ("model: rain\nobservations:\n"
       "  - {node: wet, given: {rain: \"yes\"}, counts: {dry: 1, damp: 2, soaked: 7}, "
       "weight: 0.5}\n"
       "  - {node: rain, counts: {\"yes\": 2, \"no\": 4}, weight: 0.25}\n")
# Ten cases with rain always observed: the likelihood is that of counts (7 yes, 3 no; and the
# wet states of the rainy cases: dry 1, damp 2, soaked 4), each case weighted 0.8.
CASES_CSV = ("rain,wet\n" + "yes,soaked\n" * 4 + "yes,damp\n" * 2 + "yes,dry\n"
             + "no,\n" * 2 + "no,dry\n")
CASES = "model: rain\nobservations:\n  - {cases: cases.csv, weight: 0.8}\n"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("fit")
    (root / "rain.yaml").write_text(MODEL)
    (root / "seven.yaml").write_text(SEVEN_OF_TEN)
    (root / "wet.yaml").write_text(WET)
    (root / "cases.csv").write_text(CASES_CSV)
    (root / "cases.yaml").write_text(CASES)
    return root


@pytest.fixture(scope="module")
def diagram(files):
    return influence.load(files / "rain.yaml")


def fit_quietly(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fit(*args, **kwargs)


def nuts(diagram, evidence, seed):
    return fit_quietly(diagram, evidence, method="nuts", draws=500, tune=500, chains=2, cores=1,
                       seed=seed, progressbar=False)


@pytest.fixture(scope="module")
def nuts_counts(diagram, files):
    return nuts(diagram, [files / "seven.yaml", files / "wet.yaml"], seed=11)


@pytest.fixture(scope="module")
def nuts_cases(diagram, files):
    return nuts(diagram, files / "cases.yaml", seed=12)


def within_mc_error(posterior, name, expected, component=None, sigmas=4.0):
    values = posterior._values(name)
    values = values if component is None else values[:, component]
    ess = posterior.diagnostics["parameters"][name]["ess_bulk"]
    mcse = values.std() / np.sqrt(ess)
    assert abs(values.mean() - expected) <= sigmas * mcse, (values.mean(), expected, mcse)


# -- exact -------------------------------------------------------------------------------------


def test_beta_2_2_with_7_of_10_is_beta_9_5(diagram, files):
    post = fit(diagram, files / "seven.yaml", method="exact", seed=1)
    assert post.method == "exact"
    conj = post.conjugate_priors()["p[rain]"]
    assert (conj.a, conj.b, conj.state_name) == (9.0, 5.0, "yes")
    assert conj.mean()[1] == 9 / 14
    within_mc_error(post, "p[rain]", 9 / 14, component=1)
    np.testing.assert_allclose(post._values("p[rain]").sum(axis=1), 1.0)


def test_auto_is_exact_for_counts_and_nuts_for_cases(diagram, files, monkeypatch):
    assert fit(diagram, files / "seven.yaml", seed=1, draws=200).method == "exact"
    seen = {}

    def fake_nuts(*args, **kwargs):
        seen["called"] = True
        raise RuntimeError("stop here")

    from influence.bayes import nuts as nuts_module

    monkeypatch.setattr(nuts_module, "fit_nuts", fake_nuts)  # a model cached or not
    with pytest.raises(RuntimeError, match="stop here"):
        fit(diagram, files / "cases.yaml", seed=1)
    assert seen["called"]


def test_weighted_counts_add_weight_times_counts(diagram, files):
    post = fit(diagram, files / "wet.yaml", method="exact", seed=2)
    conj = post.conjugate_priors()
    assert conj["p[wet|rain=yes]"].alpha == (2.5, 6.0, 6.5)
    rain = conj["p[rain]"]
    assert (rain.a, rain.b) == (2.5, 3.0)
    # the utility prior has no evidence: drawn from the prior
    assert conj["u[comfort|umbrella=leave,rain=yes]"].mu == -10.0
    values = post._values("u[comfort|umbrella=leave,rain=yes]")
    assert abs(values.mean() + 10) < 4 * 3 / np.sqrt(len(values))


def test_two_steps_give_exactly_the_one_step_posterior(diagram, files):
    one = fit(diagram, [files / "seven.yaml", files / "wet.yaml"], method="exact", seed=5)
    first = fit(diagram, files / "seven.yaml", method="exact", seed=99)
    two = fit(diagram, files / "wet.yaml", start=first, seed=5)
    assert one._conjugate == two._conjugate
    assert (two.conjugate_priors()["p[rain]"].a, two.conjugate_priors()["p[rain]"].b) == \
        (9.5, 6.0)
    for slot in one.slots:
        np.testing.assert_array_equal(one._values(slot["name"]), two._values(slot["name"]))
    assert one.evidence_sha256 == two.evidence_sha256


def test_same_seed_same_draws(diagram, files):
    a = fit(diagram, files / "seven.yaml", seed=3, draws=100)
    b = fit(diagram, files / "seven.yaml", seed=3, draws=100)
    np.testing.assert_array_equal(a._values("p[rain]"), b._values("p[rain]"))


# -- NUTS and its agreement with the exact posterior ------------------------------------------


@pytest.mark.slow
def test_nuts_beta_2_2_with_7_of_10(nuts_counts):
    # both evidence files: rain gets 7 of 10 at weight 1 and 2 of 6 at weight 0.25
    assert nuts_counts.method == "nuts"
    within_mc_error(nuts_counts, "p[rain]", 9.5 / 15.5, component=1)


@pytest.mark.slow
def test_nuts_agrees_with_exact(nuts_counts, diagram, files):
    exact = fit(diagram, [files / "seven.yaml", files / "wet.yaml"], method="exact", seed=4)
    for name, component in (("p[rain]", 1), ("p[wet|rain=yes]", 0), ("p[wet|rain=yes]", 2),
                            ("u[comfort|umbrella=leave,rain=yes]", None)):
        a = nuts_counts._values(name)
        b = exact._values(name)
        if component is not None:
            a, b = a[:, component], b[:, component]
        # Parameters the evidence does not move are drawn exactly (independent draws).
        ess = nuts_counts.diagnostics["parameters"].get(name, {"ess_bulk": a.shape[0]})[
            "ess_bulk"]
        error = np.hypot(a.std() / np.sqrt(ess), b.std() / np.sqrt(len(b)))
        assert abs(a.mean() - b.mean()) <= 4 * error, name
    alpha = np.array([2.5, 6.0, 6.5])
    within_mc_error(nuts_counts, "p[wet|rain=yes]", alpha[2] / alpha.sum(), component=2)


@pytest.mark.slow
def test_nuts_case_records_match_the_conjugate_answer(nuts_cases):
    # rain: Beta(2 + 0.8 * 7, 2 + 0.8 * 3); wet | yes: Dirichlet(2 + 0.8, 5 + 1.6, 3 + 3.2)
    within_mc_error(nuts_cases, "p[rain]", 7.6 / 12.0, component=1)
    alpha = np.array([2.8, 6.6, 6.2])
    for j in range(3):
        within_mc_error(nuts_cases, "p[wet|rain=yes]", alpha[j] / alpha.sum(), component=j)
    assert "sample_stats" in nuts_cases.idata.groups()
    assert nuts_cases.idata.observed_data["cases_0"].shape == (10, 2)
    moved = {row["name"] for row in nuts_cases.summary()}
    assert moved == {"p[rain]", "p[wet|rain=yes]"}


@pytest.mark.slow
def test_a_nuts_posterior_cannot_be_continued(nuts_counts, diagram, files):
    with pytest.raises(QueryError, match="has no closed form to continue from") as info:
        fit(diagram, files / "seven.yaml", start=nuts_counts)
    assert info.value.parameter == "start"


# -- the Posterior ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def exact(diagram, files):
    return fit(diagram, [files / "seven.yaml", files / "wet.yaml"], seed=8, draws=250)


def test_the_inference_data(exact, diagram):
    idata = exact.idata
    assert {"prior", "posterior", "observed_data"} <= set(idata.groups())
    attrs = idata.posterior.attrs
    assert attrs["influence_model"] == "rain"
    assert attrs["influence_fingerprint"] == diagram.fit_fingerprint
    assert attrs["influence_model_fingerprint"] == diagram.fingerprint
    assert attrs["influence_format"] == 2
    assert attrs["influence_method"] == "exact"
    assert len(attrs["influence_evidence_sha256"]) == 64
    diagnostics = json.loads(attrs["influence_diagnostics"])
    # r_hat and ESS concern what the evidence moved; the utility is drawn from its prior
    assert set(diagnostics["parameters"]) == {"p[rain]", "p[wet|rain=yes]"}
    # 4 x 250 independent draws: nothing to warn about; the file holds the diagnostics as fitted
    assert diagnostics["divergences"] == 0 and diagnostics["warnings"] == []
    assert diagnostics == json.loads(json.dumps(exact.diagnostics))
    # one variable per table: draw axes first, then the table's, named and labelled by node
    assert list(idata.posterior.data_vars) == ["p[rain]", "p[wet]", "u[comfort]"]
    assert idata.posterior["p[rain]"].dims == ("chain", "draw", "rain")
    assert idata.posterior["p[wet]"].dims == ("chain", "draw", "rain", "wet")
    assert idata.posterior["u[comfort]"].dims == ("chain", "draw", "umbrella", "rain")
    assert idata.posterior["wet"].values.tolist() == ["dry", "damp", "soaked"]
    dry = idata.posterior["p[wet]"].sel(rain="no")  # a row without a prior: its point value
    np.testing.assert_array_equal(dry.values, np.broadcast_to([0.9, 0.08, 0.02], (4, 250, 3)))
    rainy = idata.posterior["p[wet]"].sel(rain="yes").values.reshape(-1, 3)
    np.testing.assert_array_equal(rainy, exact.values("p[wet|rain=yes]"))
    assert idata.observed_data["counts_0"].values.tolist() == [3, 7]
    assert idata.observed_data["counts_1"].attrs["weight"] == 0.5
    # the prior group holds the tables of the nodes the evidence moved
    assert list(idata.prior.data_vars) == ["p[rain]", "p[wet]"]
    assert idata.prior["p[rain]"].shape == (4, 250, 2)


def test_summary_lists_the_moved_parameters(exact):
    rows = exact.summary()
    names = [(r["name"], r["state"]) for r in rows]
    assert names == [("p[rain]", "yes"), ("p[wet|rain=yes]", "dry"), ("p[wet|rain=yes]", "damp"),
                     ("p[wet|rain=yes]", "soaked")]
    rain = rows[0]
    assert rain["prior_mean"] == pytest.approx(0.5, abs=0.05)
    assert rain["mean"] == pytest.approx(9.5 / 15.5, abs=0.03)
    assert rain["interval_90"][0] < rain["mean"] < rain["interval_90"][1]
    # r_hat and ESS of the draws of P(rain = yes), chains apart; exact draws are independent
    from influence.bayes.diagnostics import ess_bulk, rhat

    draws = exact.idata.posterior["p[rain]"].values[:, :, 1]
    assert rain["r_hat"] == rhat(draws) and rain["r_hat"] < 1.01
    assert rain["ess_bulk"] == ess_bulk(draws) and rain["ess_bulk"] > 500


def test_parameters_for_the_solver(exact, diagram):
    params = exact.parameters(diagram)
    assert params["rain"].shape == (1000, 2)
    assert params["wet"].shape == (1000, 2, 3)
    assert params["comfort"].shape == (1000, 2, 2)
    np.testing.assert_array_equal(params["wet"][:, 0], np.broadcast_to(diagram.node("wet").table[0],
                                                                        (1000, 3)))
    np.testing.assert_array_equal(params["comfort"][:, 0, 0], 10.0)
    few = exact.parameters(diagram, max_draws=7)
    assert few["rain"].shape == (7, 2)
    chunks = list(exact.iter_parameters(diagram, chunk=300))
    assert [c["rain"].shape[0] for c in chunks] == [300, 300, 300, 100]
    np.testing.assert_array_equal(np.concatenate([c["wet"] for c in chunks]), params["wet"])
    # the batch is the posterior: Beta(9.5, 6) on rain, Dirichlet(2.5, 6, 6.5) on wet | rain
    assert params["rain"][:, 1].mean() == pytest.approx(9.5 / 15.5, abs=0.02)
    np.testing.assert_allclose(params["wet"][:, 1].mean(axis=0), np.array([2.5, 6, 6.5]) / 15,
                               atol=0.02)


def test_nodes_without_priors_keep_one_draw(files):
    text = MODEL.replace("prior: {normal: [-10, 3]}", "value: -10")
    d = influence.loads(text, file="r.yaml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        post = fit(d, files / "seven.yaml", seed=1, draws=50, chains=2)
    assert post.parameters(d)["comfort"].shape == (1, 2, 2)


def test_write_and_read_round_trip(exact, diagram, tmp_path):
    path = tmp_path / "post.nc"
    exact.write(path)
    back = Posterior.read(path)
    assert (back.model_name, back.fingerprint, back.method) == ("rain", diagram.fit_fingerprint,
                                                                "exact")
    assert back.model_fingerprint == diagram.fingerprint
    assert back.diagnostics == exact.diagnostics
    assert back.evidence_sha256 == exact.evidence_sha256
    for name, values in exact.parameters(diagram).items():
        np.testing.assert_array_equal(back.parameters(diagram)[name], values)
    assert back.conjugate_priors()["p[rain]"].a == 9.5
    assert back.summary() == exact.summary()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_the_conjugate_posterior_is_stored_as_plain_priors(exact, tmp_path):
    stored = json.loads(exact.idata.posterior.attrs["influence_conjugate"])
    priors = exact.conjugate_priors()
    assert stored == {name: prior.to_dict() for name, prior in priors.items()}
    assert stored["p[rain]"] == {"kind": "beta", "a": 9.5, "b": 6.0, "states": ["no", "yes"],
                                 "state": "yes", "rest": [1.0, 0.0],
                                 "spec": {"beta": [9.5, 6.0], "state": "yes"}}
    exact.write(tmp_path / "post.nc")
    assert Posterior.read(tmp_path / "post.nc").conjugate_priors() == priors


def _with_attribute(post: Posterior, name: str, value) -> dict:
    """The posterior's groups with one attribute of the posterior group replaced (or left out,
    for None)."""
    import copy

    groups = copy.deepcopy(post.groups)
    attrs = groups["posterior"].attrs
    if value is None:
        attrs.pop("influence_" + name)
    else:
        attrs["influence_" + name] = value
    return groups


def test_a_conjugate_posterior_in_the_earlier_form_is_read(exact):
    """Earlier files stored a Beta's state by its index, and no spec."""
    earlier = Posterior(_with_attribute(exact, "conjugate", json.dumps(
        {"p[rain]": {"kind": "beta", "a": 9.5, "b": 6.0, "state": 1, "rest": [1.0, 0.0],
                     "states": ["no", "yes"]}})))
    rain = earlier.conjugate_priors()["p[rain]"]
    assert rain == exact.conjugate_priors()["p[rain]"]
    assert rain.describe() == "Beta(9.5, 6) on 'yes'"
    bad = _with_attribute(exact, "conjugate", json.dumps({"p[rain]": {"kind": "beta", "a": 9.5}}))
    with pytest.raises(PosteriorError, match=r"attribute `influence_conjugate`: p\[rain\]: "
                                             "expected a beta prior with `states`, got none"):
        Posterior(bad)


def test_write_never_overwrites_the_inputs(exact, files, tmp_path):
    from influence.errors import OutputError

    for name in ("rain.yaml", "seven.yaml", "wet.yaml"):
        before = (files / name).read_bytes()
        with pytest.raises(OutputError, match="refusing to write the output"):
            exact.write(files / name)
        assert (files / name).read_bytes() == before
    other = tmp_path / "keep.nc"
    other.write_text("precious")
    with pytest.raises(OutputError):
        exact.write(other, protect=[other])
    assert other.read_text() == "precious"


@pytest.mark.slow
def test_case_files_are_protected_too(nuts_cases, files):
    from influence.errors import OutputError

    with pytest.raises(OutputError):
        nuts_cases.write(files / "cases.csv")
    assert (files / "cases.csv").read_text() == CASES_CSV


def test_a_failed_write_leaves_the_old_file(exact, tmp_path, monkeypatch):
    path = tmp_path / "post.nc"
    path.write_text("the old posterior")

    def broken(filename, groups, **kwargs):
        with open(filename, "w") as fh:
            fh.write("half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(posterior_file, "write_groups", broken)
    from influence.errors import OutputError

    with pytest.raises(OutputError, match="No space left"):
        exact.write(path)
    assert path.read_text() == "the old posterior"
    assert [p.name for p in tmp_path.iterdir()] == ["post.nc"]


def test_reading_what_is_not_a_posterior(tmp_path):
    with pytest.raises(PosteriorError, match="no such file"):
        Posterior.read(tmp_path / "missing.nc")
    text = tmp_path / "text.nc"
    text.write_text("hello")
    with pytest.raises(PosteriorError, match="unreadable file"):
        Posterior.read(text)
    import arviz as az

    foreign = tmp_path / "foreign.nc"
    az.from_dict(posterior={"x": np.zeros((2, 5))}).to_netcdf(str(foreign), engine="netcdf4")
    with pytest.raises(PosteriorError, match="without its attributes"):
        Posterior.read(foreign)


def test_check_names_the_model_and_the_version(exact):
    other = influence.loads(MODEL.replace("name: rain", "name: snow"), file="snow.yaml")
    with pytest.raises(PosteriorError, match="made for model 'rain', not 'snow'"):
        exact.check(other)
    changed = influence.loads(MODEL.replace("beta: [2, 2]", "beta: [2, 3]"), file="r.yaml")
    with pytest.raises(PosteriorError) as err:
        exact.parameters(changed)
    assert ("made for another version of 'rain': node 'rain', field 'prior': Beta(a=2.0, b=2.0, "
            "state='yes', states=['no', 'yes'], rest=[1.0, 0.0]) before, Beta(a=2.0, b=3.0, "
            "state='yes', states=['no', 'yes'], rest=[1.0, 0.0]) now; fit the evidence again"
            ) in str(err.value)


# -- diagnostics --------------------------------------------------------------------------------


def test_few_draws_warn_about_the_effective_sample_size(diagram, files):
    with pytest.warns(ConvergenceWarning, match="bulk ESS"):
        post = fit(diagram, files / "seven.yaml", seed=1, draws=40, chains=2)
    assert any("bulk ESS" in w and "< 400" in w for w in post.diagnostics["warnings"])


def test_disagreeing_chains_and_divergences_are_reported(diagram):
    import xarray as xr

    from influence.bayes.draws import uncertain_slots

    slots = [s for s in uncertain_slots(diagram) if s.kind == "utility"]
    rng = np.random.default_rng(0)
    draws = np.stack([rng.normal(0, 1, 600), rng.normal(3, 1, 600)])
    stats = xr.Dataset({"diverging": (("chain", "draw"), np.zeros((2, 600), dtype=bool))})
    stats["diverging"][0, :3] = True
    diag = summary.diagnose(slots, {s.name: s.prior for s in slots}, {slots[0].name: draws},
                             stats, "nuts")
    assert diag["divergences"] == 3
    assert diag["warnings"][0].startswith("3 divergent transitions")
    assert any("r_hat" in w and "> 1.01" in w for w in diag["warnings"])
    assert diag["parameters"][slots[0].name]["r_hat"] > 1.01


# -- bad requests ---------------------------------------------------------------------------------


def test_exact_refuses_case_records(diagram, files):
    with pytest.raises(QueryError, match="`method` 'exact' needs observations conjugate to "
                                          "their priors \\(counts; observed values with `sd` "
                                          "on Normal priors\\), but entry 1"):
        fit(diagram, files / "cases.yaml", method="exact")


def test_bad_options(diagram, files):
    with pytest.raises(QueryError,
                       match="expected `method` to be one of auto, exact, nuts, got 'mcmc'"):
        fit(diagram, files / "seven.yaml", method="mcmc")
    with pytest.raises(QueryError, match="expected `draws` to be a whole number >= 1, got 0"):
        fit(diagram, files / "seven.yaml", draws=0)
    with pytest.raises(QueryError, match="`chains`"):
        fit(diagram, files / "seven.yaml", chains=1.5)


def test_a_model_without_priors_has_nothing_to_update():
    oil = influence.load("oil-wildcatter")
    with pytest.raises(EvidenceError, match="'oil-wildcatter' has no priors"):
        from influence.bayes.evidence import Evidence

        fit(oil, Evidence(model="oil-wildcatter", fingerprint=oil.fingerprint, counts=(),
                          cases=(), sha256="0" * 64))


def test_evidence_for_another_model_is_refused(diagram, files):
    from influence.bayes.evidence import load_evidence

    evidence = load_evidence(files / "seven.yaml", diagram)
    changed = influence.loads(MODEL.replace("beta: [2, 2]", "beta: [3, 3]"), file="r.yaml")
    with pytest.raises(EvidenceError, match="checked against another version"):
        fit(changed, evidence)


def test_fit_is_reachable_from_the_package():
    assert influence.fit is fitting.fit
    assert influence.Posterior is fitting.Posterior


@pytest.mark.slow
def test_nuts_draws_parameters_the_evidence_does_not_touch_from_their_prior(nuts_counts):
    # The utility value has a Normal(-10, 3) prior and no evidence: its posterior is its prior,
    # drawn exactly rather than sampled (the sampler only runs over what the evidence informs).
    values = nuts_counts._values("u[comfort|umbrella=leave,rain=yes]")
    n = values.size
    assert abs(values.mean() + 10) <= 4 * 3 / np.sqrt(n)
    assert values.std() == pytest.approx(3, rel=0.1)
    assert "u[comfort|umbrella=leave,rain=yes]" not in {
        row["name"] for row in nuts_counts.summary()}


# -- warnings: about the moved parameters, and never silent when a check cannot be made -----------


def test_warnings_concern_only_the_parameters_the_evidence_moved(diagram, files):
    # Few draws: every parameter's bulk ESS is below 400, but only p[rain] was moved by the
    # evidence; the others are drawn exactly from their priors and are not warned about.
    post = fit_quietly(diagram, files / "seven.yaml", seed=1, draws=50, chains=2)
    assert {row["name"] for row in post.summary()} == {"p[rain]"}
    messages = post.diagnostics["warnings"]
    assert messages and all(m.startswith("p[rain]: ") for m in messages)
    # r_hat and ESS are stored for what the evidence moved only
    assert set(post.diagnostics["parameters"]) == {"p[rain]"}


def test_one_chain_is_a_warning_not_a_silent_pass(diagram, files):
    with pytest.warns(ConvergenceWarning, match="r_hat needs at least 2 chains; got 1"):
        post = fit(diagram, files / "seven.yaml", seed=1, draws=1000, chains=1)
    assert post.diagnostics["parameters"]["p[rain]"]["r_hat"] is None
    assert post.diagnostics["warnings"][0].startswith("r_hat needs at least 2 chains; got 1")
    assert not any("bulk ESS" in m for m in post.diagnostics["warnings"])  # ESS 1000: fine


def test_too_few_draws_is_a_warning_not_a_silent_pass(diagram, files):
    with pytest.warns(ConvergenceWarning, match="need at least 4 draws per chain; got 3"):
        post = fit(diagram, files / "seven.yaml", seed=1, draws=3, chains=2)
    assert post.diagnostics["parameters"]["p[rain]"] == {"r_hat": None, "ess_bulk": None}


def test_a_parameter_whose_diagnostics_cannot_be_computed_is_named(diagram):
    from influence.bayes.draws import uncertain_slots

    slots = [s for s in uncertain_slots(diagram) if s.kind == "utility"]
    constant = np.full((2, 50), 4.0)
    diag = summary.diagnose(slots, {s.name: s.prior for s in slots}, {slots[0].name: constant},
                             None, "nuts")
    assert any(m.startswith(f"{slots[0].name}: r_hat") and "cannot be computed" in m
               for m in diag["warnings"]), diag["warnings"]


def test_arviz_log_lines_do_not_leak(diagram, files, monkeypatch):
    import logging

    import arviz as az

    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage())

    handler = Keep()
    loggers = {logging.getLogger("arviz"), az._log}
    for log in loggers:
        log.addHandler(handler)
    monkeypatch.setattr(az._log, "cache", [])  # ArviZ logs each message once per process
    try:
        fit_quietly(diagram, files / "seven.yaml", seed=1, draws=37, chains=1)
        fit_quietly(diagram, files / "seven.yaml", seed=1, draws=2, chains=3)
    finally:
        for log in loggers:
            log.removeHandler(handler)
    assert records == []
    assert az._log.level != logging.CRITICAL  # the logger is as it was


# -- posterior files: either netCDF engine, plain ArviZ ------------------------------------------


@pytest.mark.slow
def test_files_read_back_and_with_plain_arviz(nuts_counts, exact, diagram, tmp_path):
    """Exact and NUTS posteriors (with sampling statistics) read back the same, and ArviZ reads
    them with its default engine, as the documentation shows."""
    import arviz as az

    for posterior in (exact, nuts_counts):
        path = tmp_path / f"{posterior.method}.nc"
        posterior.write(path)
        back = Posterior.read(path)
        assert back.diagnostics == posterior.diagnostics
        for name, values in posterior.parameters(diagram).items():
            np.testing.assert_array_equal(back.parameters(diagram)[name], values)
        idata = az.from_netcdf(str(path))
        assert idata.posterior.attrs["influence_model"] == "rain"
        assert set(idata.groups()) == set(posterior.idata.groups())
        assert json.loads(idata.posterior.attrs["influence_diagnostics"]) == \
            posterior.diagnostics
        if posterior.method == "nuts":
            assert idata.sample_stats["diverging"].dtype == bool
            assert int(idata.sample_stats["diverging"].sum()) == \
                posterior.diagnostics["divergences"]


def test_continuing_from_a_file_protects_it_and_what_it_came_from(diagram, files, tmp_path):
    from influence.errors import OutputError

    first = tmp_path / "first.nc"
    fit(diagram, files / "seven.yaml", seed=1).write(first)
    second = fit(diagram, files / "wet.yaml", start=Posterior.read(first), seed=1)
    before = first.read_bytes()
    for target in (first, files / "seven.yaml", files / "wet.yaml", files / "rain.yaml"):
        with pytest.raises(OutputError, match="refusing to write the output"):
            second.write(target)
    assert first.read_bytes() == before
