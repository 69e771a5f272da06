"""The ``influence fit`` and ``influence plot`` commands, through the root group."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from influence.cli.bayes_commands import fit_table, fit_warnings
from influence.cli.main import cli


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
    assert "expected at least one `prior`" in result.output
    assert "Traceback" not in result.output


def test_plot_never_overwrites_the_model(tmp_path):
    from influence import bundled

    model = tmp_path / "model.svg"  # an odd name for a model file, but an input all the same
    model.write_bytes(bundled.path_of("oil-wildcatter").read_bytes())
    before = model.read_bytes()
    result = run("plot", str(model), "--prior", "-o", str(model))
    assert result.exit_code == 1
    assert "refusing to write the output" in result.output
    assert model.read_bytes() == before


def test_fit_warnings_flag_each_problem():
    summary = [
        {"name": "p[a]", "r_hat": 1.0, "ess_bulk": 2000.0},
        {"name": "p[b]", "r_hat": 1.05, "ess_bulk": 3000.0},
        {"name": "u[c]", "r_hat": 1.001, "ess_bulk": 120.0},
        {"name": "p[d]", "r_hat": None, "ess_bulk": float("nan")},
    ]
    warnings = fit_warnings(summary, {"divergences": 7, "warnings": ["sampler note"]})
    assert len(warnings) == 4
    assert warnings[0].startswith("7 divergent transition(s)")
    assert "p[b]: r_hat 1.050 > 1.01" in warnings[1]
    assert "u[c]: bulk ESS 120 < 400" in warnings[2]
    assert warnings[3] == "sampler note"
    assert fit_warnings(summary[:1], {"divergences": 0, "warnings": []}) == []


def test_fit_table_lists_prior_and_posterior():
    from influence import load

    summary = [{"name": "p[oil]", "prior_mean": [0.5, 0.3, 0.2],
                "prior_interval_90": [[0.2, 0.8], [0.05, 0.6], [0.02, 0.5]],
                "mean": [0.6, 0.25, 0.15], "interval_90": [[0.5, 0.7], [0.2, 0.3], [0.1, 0.2]],
                "r_hat": 1.0004, "ess_bulk": 3912.4},
               {"name": "u[payoff]", "prior_mean": 200.0, "prior_interval_90": (150.0, 250.0),
                "mean": 210.0, "interval_90": (205.0, 215.0), "r_hat": 1.02, "ess_bulk": 380}]
    text = fit_table(load("oil-wildcatter"), summary, "nuts", {"divergences": 0}, ["w"])
    lines = text.splitlines()
    assert "prior mean" in text and "posterior 90%" in text and "ess_bulk" in text
    oil_line = next(line for line in lines if line.strip().startswith("p[oil]"))
    assert "[0.5, 0.3, 0.2]" in oil_line and "[[0.5, 0.7], [0.2, 0.3], [0.1, 0.2]]" in oil_line
    assert "3912" in oil_line and "1" in oil_line
    payoff = next(line for line in lines if line.strip().startswith("u[payoff]"))
    assert "[150, 250]" in payoff and "1.02" in payoff and "380" in payoff
    assert "1 warning(s)" in text


def test_fit_refuses_to_overwrite_the_evidence(tmp_path):
    evidence = tmp_path / "data.yaml"
    evidence.write_text("observations: []\n")
    result = run("fit", "oil-wildcatter", "--evidence", str(evidence), "-o", str(evidence))
    assert result.exit_code != 0
    assert "refusing to write" in result.output
    assert evidence.read_text() == "observations: []\n"


# -- end to end: fit, then evaluate and plot under the posterior ----------------------------------

MODEL = """\
name: beta-bet
nodes:
  win:
    type: chance
    states: ["no", "yes"]
    p: [0.5, 0.5]
    prior: {beta: [2, 2], state: "yes"}
  bet:
    type: decision
    states: [pass, bet]
  gain:
    type: utility
    parents: [bet, win]
    values:
      - {given: {bet: pass, win: "no"}, value: 0}
      - {given: {bet: pass, win: "yes"}, value: 0}
      - {given: {bet: bet, win: "no"}, value: -50}
      - {given: {bet: bet, win: "yes"}, value: 100}
"""

EVIDENCE = """\
model: beta-bet
observations:
  - node: win
    counts: {"no": 3, "yes": 7}
"""


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
    assert float(cells[2]) == pytest.approx(0.5, abs=0.03)       # prior mean, Beta(2, 2)
    assert float(cells[5]) == pytest.approx(9 / 14, abs=0.01)    # posterior mean, Beta(9, 5)
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


def test_evaluating_a_posterior_of_another_model_is_refused(files):
    posterior = files / "posterior.nc"
    assert run("fit", str(files / "bet.yaml"), "-e", str(files / "evidence.yaml"), "-o",
               str(posterior), "--draws", "100", "--chains", "1").exit_code == 0
    (files / "edited.yaml").write_text(MODEL.replace("value: 100", "value: 90"))
    result = run("evaluate", str(files / "edited.yaml"), "--posterior", str(posterior))
    assert result.exit_code == 1
    assert "made for an older version of 'beta-bet'" in result.stderr
    result = run("plot", str(files / "edited.yaml"), "--posterior", str(posterior), "-o",
                 str(files / "x.png"))
    assert result.exit_code == 1
    assert "made for an older version" in result.stderr
    assert not (files / "x.png").exists()
