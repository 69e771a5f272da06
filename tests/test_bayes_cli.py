"""The ``influence fit`` and ``influence plot`` commands, through the root group."""

from __future__ import annotations

import json

import pytest
from bet_model import BETA_BET, SEVEN_OF_TEN
from click.testing import CliRunner

import influence
from influence.cli.main import cli
from influence.io.text import fit_table
from influence.model import bundled


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.mark.parametrize("command", ["fit", "plot"])
def test_help_has_examples(command):
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Examples:" in result.output
    assert f"influence {command} " in result.output


def test_plot_needs_exactly_one_source(tmp_path):
    result = run("plot", "oil-wildcatter", "-o", str(tmp_path / "x.png"))
    assert result.exit_code == 2
    assert "exactly one of --prior and --posterior" in result.output
    assert not (tmp_path / "x.png").exists()


def test_plot_refuses_an_unknown_image_format(tmp_path):
    result = run("plot", "oil-wildcatter", "--prior", "-o", str(tmp_path / "x.jpg"))
    assert result.exit_code == 2
    assert "expected an output file ending in .png" in result.output


def test_plot_prior_on_a_model_without_priors(tmp_path):
    result = run("plot", "oil-wildcatter", "--prior", "-o", str(tmp_path / "x.png"))
    assert result.exit_code == 2
    assert "expected priors in the model" in result.output
    assert "Traceback" not in result.output


def test_plot_never_overwrites_the_model(tmp_path):
    from influence.model import bundled

    model = tmp_path / "model.svg"  # an odd name for a model file, but an input all the same
    model.write_bytes(bundled.path_of("oil-wildcatter").read_bytes())
    before = model.read_bytes()
    result = run("plot", str(model), "--prior", "-o", str(model))
    assert result.exit_code == 1
    assert "refusing to write the output" in result.output
    assert model.read_bytes() == before


def test_fit_table_lists_prior_and_posterior():
    from influence import load

    summary = [{"name": "p[oil]", "prior_mean": [0.5, 0.3, 0.2],
                "prior_interval_90": [[0.2, 0.8], [0.05, 0.6], [0.02, 0.5]],
                "mean": [0.6, 0.25, 0.15], "interval_90": [[0.5, 0.7], [0.2, 0.3], [0.1, 0.2]],
                "r_hat": 1.0004, "ess_bulk": 3912.4},
               {"name": "u[payoff]", "prior_mean": 200.0, "prior_interval_90": (150.0, 250.0),
                "mean": 210.0, "interval_90": (205.0, 215.0), "r_hat": 1.02, "ess_bulk": 380}]
    text = fit_table(load("oil-wildcatter"), summary, "nuts", {"divergences": 0}, ["w"],
                     width=200)
    lines = text.splitlines()
    assert "prior mean" in text and "posterior 90%" in text and "ess_bulk" in text
    oil_line = next(line for line in lines if line.strip().startswith("p[oil]"))
    assert "[0.5, 0.3, 0.2]" in oil_line and "[[0.5, 0.7], [0.2, 0.3], [0.1, 0.2]]" in oil_line
    assert "3912" in oil_line and "1" in oil_line
    payoff = next(line for line in lines if line.strip().startswith("u[payoff]"))
    assert "[150, 250]" in payoff and "1.02" in payoff and "380" in payoff
    assert "1 warning above" in text
    # at 100 columns the rows of numbers wrap within their cells
    narrow = fit_table(load("oil-wildcatter"), summary, "nuts", {"divergences": 0}, ["w"])
    assert max(len(line) for line in narrow.splitlines()) <= 100
    assert narrow.splitlines()[3].split()[:2] == ["parameter", "state"]
    assert "".join(narrow.split()).count("[[0.5,0.7],") == 1


def test_fit_refuses_to_overwrite_the_evidence(tmp_path):
    evidence = tmp_path / "data.yaml"
    evidence.write_text("observations: []\n")
    result = run("fit", "oil-wildcatter", "--evidence", str(evidence), "-o", str(evidence))
    assert result.exit_code != 0
    assert "refusing to write" in result.output
    assert evidence.read_text() == "observations: []\n"


# -- end to end: fit, then evaluate and plot under the posterior ----------------------------------

MODEL, EVIDENCE = BETA_BET, SEVEN_OF_TEN


@pytest.fixture()
def files(tmp_path):
    pytest.importorskip("arviz")
    (tmp_path / "bet.yaml").write_text(MODEL)
    (tmp_path / "evidence.yaml").write_text(EVIDENCE)
    return tmp_path


def test_fit_table_then_evaluate_and_plot(files):
    posterior = files / "posterior.nc"
    result = run("fit", str(files / "bet.yaml"), "--evidence", str(files / "evidence.yaml"),
                 "-o", str(posterior), "--draws", "1000", "--chains", "2", "--seed", "1")
    assert result.exit_code == 0, result.output
    assert posterior.is_file()
    line = next(x for x in result.stdout.splitlines() if x.strip().startswith("p[win]"))
    cells = line.split()
    assert cells[1] == "yes"  # the Beta is on 'yes'
    assert float(cells[2]) == 0.5                           # prior mean of Beta(2, 2), exact
    assert float(cells[5]) == pytest.approx(9 / 14, abs=5e-4)  # of Beta(9, 5), exact (0.643)
    assert "no warnings" in result.stdout
    assert f"wrote {posterior}" in result.stderr

    evaluated = run("evaluate", str(files / "bet.yaml"), "--posterior", str(posterior),
                    "--format", "json")
    assert evaluated.exit_code == 0, evaluated.output
    data = json.loads(evaluated.stdout)
    assert data["uncertainty"] == "posterior" and data["draws"] == 2000
    assert data["diagnostics"]["method"] == "exact"
    assert data["alternatives"]["bet"]["bet"] == pytest.approx(150 * 9 / 14 - 50, abs=2)

    image = files / "shift.svg"
    plotted = run("plot", str(files / "bet.yaml"), "--posterior", str(posterior), "-o",
                  str(image))
    assert plotted.exit_code == 0, plotted.output
    svg = image.read_text()
    assert svg.startswith("<?xml") and "p[win]" in svg and "bet=bet" in svg


def test_fit_json_and_warnings(files):
    posterior = files / "posterior.nc"
    # 50 draws in each of 2 chains: too few effective draws, which must be flagged loudly.
    result = run("fit", str(files / "bet.yaml"), "-e", str(files / "evidence.yaml"), "-o",
                 str(posterior), "--draws", "50", "--chains", "2", "--seed", "2",
                 "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["method"] == "exact" and data["model"] == "beta-bet"
    [row] = data["parameters"]
    assert row["name"] == "p[win]" and row["state"] == "yes"
    assert {"prior_mean", "prior_interval_90", "mean", "interval_90", "r_hat",
            "ess_bulk"} <= set(row)
    assert any("bulk ESS" in w for w in data["warnings"])
    assert "WARNING: p[win]: bulk ESS" in result.stderr


def test_plot_under_the_prior(files):
    image = files / "prior.png"
    result = run("plot", str(files / "bet.yaml"), "--prior", "--draws", "500", "--seed", "1",
                 "-o", str(image))
    assert result.exit_code == 0, result.output
    assert image.read_bytes().startswith(b"\x89PNG")
    assert "500 prior draws" in result.stderr


def test_a_posterior_outlives_edits_of_numbers_without_priors(files):
    posterior = files / "posterior.nc"
    assert run("fit", str(files / "bet.yaml"), "-e", str(files / "evidence.yaml"), "-o",
               str(posterior), "--draws", "100", "--chains", "1").exit_code == 0
    # a point value without a prior: the posterior still applies, and the output says the
    # model changed since the fit
    (files / "edited.yaml").write_text(MODEL.replace("value: 100", "value: 90"))
    result = run("evaluate", str(files / "edited.yaml"), "--posterior", str(posterior),
                 "--format", "json")
    assert result.exit_code == 0, result.output
    assert "WARNING: fitted on an earlier version of 'beta-bet'" in result.stderr
    edited = json.loads(result.stdout)
    original = json.loads(run("evaluate", str(files / "bet.yaml"), "--posterior",
                              str(posterior), "--format", "json").stdout)
    assert edited["maximum_expected_utility"] < original["maximum_expected_utility"]
    # the prior changed: refused, saying what changed
    (files / "reprior.yaml").write_text(MODEL.replace("beta: [2, 2]", "beta: [2, 3]"))
    for command in (["evaluate"], ["plot", "-o", str(files / "x.png")]):
        result = run(command[0], str(files / "reprior.yaml"), "--posterior", str(posterior),
                     *command[1:])
        assert result.exit_code == 1
        assert "made for another version of 'beta-bet': node 'win', field 'prior'" in \
            result.stderr
    assert not (files / "x.png").exists()


# -- several evidence files, and updating in two steps --------------------------------------------

MORE_EVIDENCE = """\
model: beta-bet
observations:
  - node: win
    counts: {"no": 4, "yes": 2}
    weight: 0.5
"""


@pytest.fixture()
def two_files(files):
    (files / "more.yaml").write_text(MORE_EVIDENCE)
    return files


def _draws(path):
    from influence.bayes.posterior import Posterior

    posterior = Posterior.read(path)
    return posterior, {name: posterior._values(name) for name in posterior.idata.posterior}


def test_repeated_evidence_is_fitted_together(two_files, monkeypatch):
    import influence

    seen = []
    real_fit = influence.fit

    def spy(diagram, evidence, **kwargs):
        seen.append(evidence)
        return real_fit(diagram, evidence, **kwargs)

    monkeypatch.setattr(influence, "fit", spy)
    out = two_files / "both.nc"
    result = run("fit", str(two_files / "bet.yaml"), "-e", str(two_files / "evidence.yaml"),
                 "--evidence", str(two_files / "more.yaml"), "-o", str(out), "--seed", "5",
                 "--format", "json")
    assert result.exit_code == 0, result.output
    assert seen == [[str(two_files / "evidence.yaml"), str(two_files / "more.yaml")]]
    posterior, _ = _draws(out)
    # Beta(2, 2) + 7 of 10 + half of 2 of 6: Beta(2 + 7 + 1, 2 + 3 + 2) = Beta(10, 7)
    conjugate = posterior.conjugate_priors()["p[win]"]
    assert (conjugate.a, conjugate.b) == (10.0, 7.0)
    assert json.loads(result.stdout)["evidence"] == seen[0]


def test_two_steps_on_the_command_line_equal_one_step(two_files):
    model = str(two_files / "bet.yaml")
    one, first, two = (two_files / n for n in ("one.nc", "first.nc", "two.nc"))
    assert run("fit", model, "-e", str(two_files / "evidence.yaml"), "-e",
               str(two_files / "more.yaml"), "-o", str(one), "--seed", "5").exit_code == 0
    assert run("fit", model, "-e", str(two_files / "evidence.yaml"), "-o", str(first),
               "--seed", "99").exit_code == 0
    result = run("fit", model, "-e", str(two_files / "more.yaml"), "--start", str(first),
                 "-o", str(two), "--seed", "5")
    assert result.exit_code == 0, result.output
    one_post, one_draws = _draws(one)
    two_post, two_draws = _draws(two)
    assert one_post._conjugate == two_post._conjugate
    assert one_draws.keys() == two_draws.keys()
    for name in one_draws:
        assert one_draws[name].tolist() == two_draws[name].tolist(), name
    assert one_post.evidence_sha256 == two_post.evidence_sha256
    # The first posterior is an input of the second: never written over.
    before = first.read_bytes()
    again = run("fit", model, "-e", str(two_files / "more.yaml"), "--start", str(first),
                "-o", str(first))
    assert again.exit_code == 1 and "refusing to write" in again.stderr
    assert first.read_bytes() == before


def test_start_with_nuts_is_refused_by_the_library(two_files):
    first = two_files / "first.nc"
    assert run("fit", str(two_files / "bet.yaml"), "-e", str(two_files / "evidence.yaml"),
               "-o", str(first), "--seed", "1").exit_code == 0
    result = run("fit", str(two_files / "bet.yaml"), "-e", str(two_files / "more.yaml"),
                 "--start", str(first), "--method", "nuts", "-o", str(two_files / "x.nc"))
    assert result.exit_code == 2
    # The library names its parameter, `start`; the command line names the option.
    assert "continuing from a posterior (--start) needs the exact method" in result.stderr
    assert "`start`" not in result.stderr
    assert "Traceback" not in result.output
    assert not (two_files / "x.nc").exists()


# -- the posterior's warnings, whenever it is used ------------------------------------------------

# The bet model with a prior on a utility value that no evidence informs: the fit draws it from
# its prior, so the warnings must not concern it.
UNMOVED = MODEL.replace("value: 100}", "value: 100, prior: {normal: [100, 10]}}")


@pytest.fixture()
def poor(files):
    """A deliberately poor posterior: one chain (r_hat cannot be computed) of 60 draws (bulk
    ESS far below 400), and the fit's own warning lines."""
    (files / "unmoved.yaml").write_text(UNMOVED)
    posterior = files / "poor.nc"
    result = run("fit", str(files / "unmoved.yaml"), "-e", str(files / "evidence.yaml"), "-o",
                 str(posterior), "--draws", "60", "--chains", "1", "--seed", "3")
    assert result.exit_code == 0, result.output
    lines = [x for x in result.stderr.splitlines() if x.startswith("WARNING: ")]
    return files / "unmoved.yaml", posterior, lines, result


def _warning_lines(text):
    return [x for x in text.splitlines() if x.startswith("WARNING: ")]


def test_fit_warns_about_one_chain_and_the_moved_parameters_only(poor):
    _, posterior, lines, result = poor
    assert lines[0].startswith("WARNING: r_hat needs at least 2 chains; got 1")
    assert any(x.startswith("WARNING: p[win]: bulk ESS") for x in lines)
    assert not any("u[gain" in x for x in lines)  # drawn from its prior, not sampled
    assert "no warnings" not in result.stdout
    assert f"{len(lines)} warnings above" in result.stdout
    from influence.bayes.posterior import Posterior

    stored = Posterior.read(posterior).diagnostics["warnings"]
    assert ["WARNING: " + w for w in stored] == lines


@pytest.mark.parametrize("fmt, to_file", [("table", False), ("json", False), ("csv", False),
                                          ("json", True), ("table", True)])
def test_evaluate_prints_the_warnings_of_the_posterior(poor, fmt, to_file):
    model, posterior, lines, _ = poor
    args = ["evaluate", str(model), "--posterior", str(posterior), "--format", fmt]
    if to_file:
        args += ["-o", str(posterior.parent / f"result.{fmt}")]
    result = run(*args)
    assert result.exit_code == 0, result.output
    # the same warnings as `fit` printed, on standard error, whatever the format or destination
    assert _warning_lines(result.stderr) == lines
    if fmt == "table" and not to_file:  # and the table keeps its diagnostics section
        shown: list[str] = []  # each warning wraps onto lines indented under it
        for x in result.stdout.splitlines():
            if x.startswith("  WARNING: "):
                shown.append(x.strip())
            elif shown and x.startswith("    "):
                shown[-1] += " " + x.strip()
        assert shown == lines
    if fmt == "json":
        text = (posterior.parent / "result.json").read_text() if to_file else result.stdout
        assert ["WARNING: " + w for w in json.loads(text)["diagnostics"]["warnings"]] == lines


def test_plot_prints_the_warnings_of_the_posterior(poor):
    model, posterior, lines, _ = poor
    image = posterior.parent / "poor.svg"
    result = run("plot", str(model), "--posterior", str(posterior), "-o", str(image))
    assert result.exit_code == 0, result.output
    assert image.is_file()
    assert _warning_lines(result.stderr) == lines


def test_a_good_posterior_prints_no_warning(files):
    posterior = files / "good.nc"
    assert run("fit", str(files / "bet.yaml"), "-e", str(files / "evidence.yaml"), "-o",
               str(posterior), "--seed", "1").exit_code == 0
    result = run("evaluate", str(files / "bet.yaml"), "--posterior", str(posterior), "-f",
                 "json")
    assert result.exit_code == 0
    assert _warning_lines(result.stderr) == []


# -- options --------------------------------------------------------------------------------------


def test_evaluate_needs_at_least_two_draws(files, monkeypatch):
    import influence

    def never(*args, **kwargs):
        raise AssertionError("the library must not be called")

    monkeypatch.setattr(influence, "evaluate", never)
    for source in (["--prior"], ["--posterior", str(files / "evidence.yaml")]):
        result = run("evaluate", str(files / "bet.yaml"), *source, "--draws", "1")
        assert result.exit_code == 2
        assert "'--draws': 1 is not in the range x>=2" in result.stderr


@pytest.mark.parametrize("terminal", [True, False])
def test_the_progress_bar_follows_standard_error(files, monkeypatch, terminal):
    from influence.cli import progress

    passed = []
    real_fit = influence.fit

    def spy(diagram, evidence, **kwargs):
        passed.append(kwargs["progress"])
        return real_fit(diagram, evidence, **kwargs)

    monkeypatch.setattr(influence, "fit", spy)
    monkeypatch.setattr(progress, "stderr_is_terminal", lambda: terminal)
    monkeypatch.setattr(progress, "DELAY", 0.0)
    for fmt in ("table", "json"):
        result = run("fit", str(files / "bet.yaml"), "-e", str(files / "evidence.yaml"), "-o",
                     str(files / f"p-{fmt}.nc"), "--draws", "200", "--format", fmt)
        assert result.exit_code == 0, result.output
        bars = [line for line in result.stderr.split("\r") if line.startswith("fitting [")]
        if terminal:  # the model has one prior: drawn in one step
            assert callable(passed[-1]) and bars[-1].startswith("fitting [" + "#" * 30 + "] 100%")
        else:
            assert passed[-1] is None and bars == []
        if fmt == "json":
            json.loads(result.stdout)  # the bar never goes to standard output


def test_the_progress_callback_counts_draws_and_iterations(files):
    calls = []
    diagram = influence.load(files / "bet.yaml")
    influence.fit(diagram, files / "evidence.yaml", draws=500, seed=1,
                  progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 1)]


@pytest.mark.slow
@pytest.mark.parametrize("sampler", ["pymc", "blackjax"])
def test_the_progress_callback_follows_nuts(files, sampler, tmp_path, monkeypatch):
    import warnings

    from influence.bayes import jax_sampler

    if sampler == "blackjax" and not jax_sampler.available():
        pytest.skip("JAX and BlackJAX (dependencies of influence) are not installed")
    monkeypatch.setenv("INFLUENCE_CACHE_DIR", str(tmp_path / "cache"))
    calls = []
    diagram = influence.load(files / "bet.yaml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        influence.fit(diagram, files / "evidence.yaml", method="nuts", draws=50, tune=30,
                      chains=2, seed=1, progressbar=False, sampler=sampler,
                      progress=lambda done, total: calls.append((done, total)))
    if sampler == "pymc":  # every iteration
        assert calls[-1] == (160, 160) and len(calls) == 160
        assert [d for d, _ in calls] == list(range(1, 161))
    else:  # each chain's warm-up, then its blocks of draws (one block of 50 here)
        assert calls == [(30, 160), (80, 160), (110, 160), (160, 160)]


def test_standard_error_is_a_terminal_when_isatty_says_so(monkeypatch):
    from influence.cli.progress import stderr_is_terminal

    class Stream:
        def __init__(self, tty):
            self.tty = tty

        def isatty(self):
            return self.tty

    monkeypatch.setattr("sys.stderr", Stream(True))
    assert stderr_is_terminal() is True
    monkeypatch.setattr("sys.stderr", Stream(False))
    assert stderr_is_terminal() is False
    monkeypatch.setattr("sys.stderr", None)
    assert stderr_is_terminal() is False


def test_bundled_evidence_by_name(tmp_path):
    """The name is read as the bundled file: the article model's evidence counts rows of
    structured tables, which the exact method refuses, naming that file (a NUTS fit of it is
    run by the slow tests)."""
    out = tmp_path / "post.nc"
    result = run("fit", "cartel-intervention", "--evidence", "cartel-operations", "-o", str(out),
                 "--method", "exact", "--draws", "200", "--seed", "1", "--format", "json")
    assert result.exit_code == 2 and not out.exists()
    path = bundled.evidence_path("cartel-operations")
    assert f"entry 1 of {path} counts a row of the structured table" in " ".join(
        result.output.split())
    with pytest.raises(influence.QueryError, match="structured table"):
        influence.fit(influence.load("cartel-intervention"), path, method="exact", draws=200,
                      seed=1)
    result = run("fit", "cartel-intervention", "--evidence", "no-such-evidence", "-o",
                 str(tmp_path / "x.nc"))
    assert result.exit_code == 1
    assert "no such file, and no bundled evidence of that name (bundled: cartel-operations)" \
        in result.stderr
