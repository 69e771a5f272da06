"""``influence sensitivity``: every option, and every bad input."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from bet_model import BETA_BET, SEVEN_OF_TEN
from click.testing import CliRunner, Result

import influence
from influence.cli.main import cli
from influence.model import bundled


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def run_json(*args: str) -> dict:
    result = run("sensitivity", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_help_has_examples_and_the_command_is_listed():
    result = run("sensitivity", "--help")
    assert result.exit_code == 0
    assert "Examples:" in result.stdout and "influence sensitivity oil-wildcatter" in \
        result.stdout
    assert "\n  sensitivity " in run("--help").stdout


def test_the_table_fits_100_columns_and_shows_15_by_default():
    result = run("sensitivity", "cartel-intervention")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(x) for x in lines) <= 100
    from influence.analysis.ranges import select

    count = len(select(influence.load("cartel-intervention")))
    assert f"the 15 of {count} parameters with the largest swing" in result.stdout
    assert "param:overdose_deaths.base:lower" in result.stdout


def test_json_and_csv_list_every_parameter():
    data = run_json("oil-wildcatter")
    assert len(data["parameters"]) == 25
    text = run("sensitivity", "oil-wildcatter", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 25 and rows[0]["id"] == data["parameters"][0]["id"]
    assert [float(v) for v in rows[0]["thresholds"].split(";")] == pytest.approx(
        [t["value"] for t in data["parameters"][0]["thresholds"]])
    assert float(rows[0]["swing"]) == pytest.approx(data["parameters"][0]["swing"])


def test_parameter_range_and_top():
    data = run_json("oil-wildcatter", "-p", "oil:dry", "--parameter", "test_cost[test=yes]",
                    "--range", "oil:dry=0.4:0.6", "--top", "1")
    assert [p["id"] for p in data["parameters"]] == ["oil:dry"]
    dry = data["parameters"][0]
    assert (dry["low"], dry["high"]) == (0.4, 0.6)
    top = run("sensitivity", "oil-wildcatter", "--top", "2")
    assert "the 2 of 25 parameters" in top.stdout


def test_given_conditions_the_analysis():
    data = run_json("oil-wildcatter", "-p", "payoff[drill=yes,oil=wet]", "--given", "oil=wet")
    assert data["base_expected_utility"] == pytest.approx(50.0)


def test_two_way_table_json_and_plot(tmp_path: Path):
    image = tmp_path / "map.svg"
    result = run("sensitivity", "oil-wildcatter", "-p", "oil:dry", "--two-way", "oil:dry",
                 "payoff[drill=yes,oil=soaking]", "--grid", "9", "--plot", str(image))
    assert result.exit_code == 0, result.output
    assert "Two-way sensitivity: oil:dry (across)" in result.stdout
    assert max(len(x) for x in result.stdout.splitlines()) <= 100
    assert f"wrote {image} (two-way region map)" in result.stderr
    svg = image.read_text()
    assert svg.startswith("<?xml") and "test=yes" in svg
    data = run_json("oil-wildcatter", "-p", "oil:dry", "--two-way", "oil:dry",
                    "payoff[drill=yes,oil=soaking]", "--grid", "5")
    assert len(data["two_way"]["region"]) == 5 and data["two_way"]["regions"]


@pytest.mark.parametrize("suffix", ["png", "pdf"])
def test_tornado_plot_and_output_file(tmp_path: Path, suffix: str):
    image, report = tmp_path / f"tornado.{suffix}", tmp_path / "report.json"
    result = run("sensitivity", "oil-wildcatter", "--plot", str(image), "--format", "json",
                 "-o", str(report))
    assert result.exit_code == 0, result.output
    assert image.read_bytes()[:4] in (b"\x89PNG", b"%PDF")
    assert json.loads(report.read_text())["model"] == "oil-wildcatter"
    assert f"wrote {image} (tornado chart)" in result.stderr


def test_prior_and_posterior(tmp_path: Path):
    pytest.importorskip("arviz")
    (tmp_path / "bet.yaml").write_text(BETA_BET)
    (tmp_path / "evidence.yaml").write_text(SEVEN_OF_TEN)
    data = run_json(str(tmp_path / "bet.yaml"), "--prior", "--draws", "400", "--seed", "1")
    prob = data["probabilistic"]
    assert prob["draws"] == 400 and prob["seed"] == 1 and prob["uncertainty"] == "prior"
    assert prob["parameters"][0]["id"] == "win:yes"
    assert prob["parameters"][0]["variance_share"] == pytest.approx(1.0)
    posterior = tmp_path / "posterior.nc"
    fitted = run("fit", str(tmp_path / "bet.yaml"), "-e", str(tmp_path / "evidence.yaml"),
                 "-o", str(posterior), "--seed", "2")
    assert fitted.exit_code == 0, fitted.output
    table = run("sensitivity", str(tmp_path / "bet.yaml"), "--posterior", str(posterior),
                "--draws", "1000")
    assert table.exit_code == 0, table.output
    assert "Probabilistic sensitivity: 1000 posterior draws" in table.stdout
    csv_text = run("sensitivity", str(tmp_path / "bet.yaml"), "--prior", "--draws", "50",
                   "--format", "csv").stdout
    assert csv_text.splitlines()[0].endswith("variance_share,variance_share_se,correlation")


@pytest.mark.parametrize("args, words", [
    (["-p", "oill:dry"], "did you mean 'oil'"),
    (["-p", "oil:dri"], "did you mean 'dry'"),
    (["-p", "result[oil=dry]:closed"], "got none for test"),
    (["--range", "oil:dry=0.3"], "expected SPEC=LOW:HIGH"),
    (["--range", "oil:dry=a:b"], "expected SPEC=LOW:HIGH"),
    (["--range", "oil:dry=0.2:0.3", "--range", "oil:dry=0.1:0.4"], "two ranges"),
    (["--range", "oil:dry=0.7:0.3"], "low < high"),
    (["--range", "oil:dry=0.2:1.5"], "[0, 1]"),
    (["--range", "oill:dry=0.2:0.3"], "did you mean 'oil'"),
    (["--two-way", "oil:dry", "oil:wet"], "different rows"),
    (["--two-way", "oil:dry", "oill:wet"], "did you mean 'oil'"),
    (["--grid", "11"], "--grid applies only with --two-way"),
    (["--two-way", "oil:dry", "weight:payoff", "--grid", "2"], "--grid"),
    (["--draws", "10"], "--draws applies only"),
    (["--seed", "1"], "--seed applies only"),
    (["--prior", "--posterior", "README.md"], "not both"),
    (["--prior"], "expected priors in the model"),
    (["--top", "0"], "--top"),
    (["--format", "xml"], "--format"),
    (["--plot", "tornado.gif"], "expected an output file ending in .png, .svg, .pdf"),
    (["--given", "oil=dri"], "did you mean 'dry'"),
    (["--frobnicate"], "No such option"),
])
def test_bad_input_is_a_usage_error(args, words):
    result = run("sensitivity", "oil-wildcatter", *args)
    assert result.exit_code == 2, result.output
    assert words in result.output
    assert "Traceback" not in result.output


def test_a_missing_model_and_an_overwritten_input_are_refused(tmp_path: Path):
    assert run("sensitivity", str(tmp_path / "missing.yaml")).exit_code == 1
    model = tmp_path / "oil.yaml"
    shutil.copy(bundled.path_of("oil-wildcatter"), model)
    before = model.read_text()
    result = run("sensitivity", str(model), "-o", str(model))
    assert result.exit_code == 1 and model.read_text() == before
    result = run("sensitivity", str(model), "--plot", str(tmp_path / "x.png"), "-o",
                 str(tmp_path / "x.png"))
    assert result.exit_code == 2 and "same file" in result.output


def test_the_command_imports_nothing_heavy_without_a_plot():
    code = textwrap.dedent("""
        import sys
        from influence.cli.main import cli
        cli.main(["sensitivity", "oil-wildcatter", "--top", "2"], prog_name="influence",
                 standalone_mode=False)
        print("HEAVY", sorted(m for m in ("pymc", "arviz", "matplotlib", "scipy", "pyagrum")
                               if m in sys.modules))
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY []" in proc.stdout
