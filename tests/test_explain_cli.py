"""``influence explain``: every option, and every bad input."""

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
    result = run("explain", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_help_has_examples_and_the_command_is_listed():
    result = run("explain", "--help")
    assert result.exit_code == 0
    assert "Examples:" in result.stdout
    assert "influence explain oil-wildcatter test-and-follow drill-blind" in result.stdout
    assert "\n  explain " in run("--help").stdout


def test_the_oil_wildcatter_table():
    result = run("explain", "oil-wildcatter", "test-and-follow", "drill-blind")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "A  test-and-follow (Test, drill on closed or open), policy: EU 22.5" in lines
    assert "B  drill-blind (Drill without testing), policy: EU 20" in lines
    assert "A - B = 2.5" in lines
    rows = {line.split()[0]: line.split()[1:5] for line in lines
            if line.startswith(("  payoff", "  test_cost", "  total"))}
    assert rows["payoff"] == ["1", "32.5", "20", "12.5"]
    assert rows["test_cost"] == ["1", "-10", "0", "-10"]
    assert rows["total"] == ["(EU)", "22.5", "20", "2.5"]
    assert max(len(line) for line in lines) <= 100


def test_json_matches_the_library():
    data = run_json("oil-wildcatter", "test-and-follow", "drill-blind", "--by", "oil")
    expected = influence.explain(influence.load("oil-wildcatter"), "test-and-follow",
                                 "drill-blind", by="oil").to_dict()
    assert data["option"]["id"] == "test-and-follow" and data["other"]["id"] == "drill-blind"
    assert [a["node"] for a in data["attributes"]] == ["payoff", "test_cost"]
    assert data["attributes"][0]["option"] == pytest.approx(32.5)
    assert data["difference"] == pytest.approx(expected["difference"])
    assert [s["state"] for s in data["by"]["states"]] == ["dry", "wet", "soaking"]
    assert sum(s["difference"] for s in data["by"]["states"]) == pytest.approx(2.5)
    assert data["by"]["influenced"] is False and data["other_default"] is False


def test_defaults_say_how_the_other_option_was_chosen():
    result = run("explain", "cartel-intervention")
    assert result.exit_code == 0, result.output
    assert "A  optimal-strategy (Optimal strategy), optimum: EU 1187" in result.stdout
    assert "B  anti_corruption=yes" in result.stdout
    assert "B is the best-ranked option whose expected utility differs from A's" in \
        result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 100
    data = run_json("oil-wildcatter", "drill-blind")
    assert data["other"]["id"] == "optimal-strategy" and data["other_default"] is True


def test_csv_one_row_per_attribute_and_per_state():
    rows = list(csv.DictReader(io.StringIO(run(
        "explain", "oil-wildcatter", "test-and-follow", "drill-blind", "-f", "csv").stdout)))
    assert [r["node"] for r in rows] == ["payoff", "test_cost", ""]
    assert [r["row"] for r in rows] == ["attribute", "attribute", "total"]
    assert float(rows[0]["option"]) == pytest.approx(32.5)
    assert float(rows[2]["difference"]) == pytest.approx(2.5)
    states = list(csv.DictReader(io.StringIO(run(
        "explain", "oil-wildcatter", "test-and-follow", "drill-blind", "--by", "result",
        "-f", "csv").stdout)))
    assert [r["state"] for r in states] == ["none", "closed", "open", "diffuse", "total"]
    assert float(states[1]["probability_option"]) == pytest.approx(0.24)
    assert states[0]["conditional_option"] == ""  # impossible under A
    assert sum(float(r["difference"]) for r in states[:-1]) == pytest.approx(2.5)
    assert float(states[1]["difference:payoff"]) == pytest.approx(21)


def test_by_a_node_that_a_decision_influences_shows_both_probabilities():
    result = run("explain", "oil-wildcatter", "test-and-follow", "drill-blind", "--by",
                 "result")
    assert result.exit_code == 0, result.output
    assert "  state    P(A)  P(B)  E[U | state] A  E[U | state] B  share of A - B" in \
        result.stdout
    assert "Each attribute's share of A - B, state by state" in result.stdout
    single = run("explain", "oil-wildcatter", "test-and-follow", "drill-blind", "--by", "oil")
    assert "  state      P  E[U | state] A  E[U | state] B  share of A - B" in single.stdout
    assert "Given each state: E[weight x attribute | state] under A minus under B" in \
        single.stdout


def test_given_conditions_the_explanation():
    data = run_json("oil-wildcatter", "test-and-follow", "drill-blind", "--given", "oil=wet")
    assert data["given"] == {"oil": "wet"}
    assert data["other"]["expected_utility"] == pytest.approx(50)
    table = run("explain", "oil-wildcatter", "-g", "oil=wet").stdout
    assert "Scenario: oil=wet (results are conditional on it)" in table


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_waterfall_plot_and_output_file(tmp_path: Path, suffix: str):
    pytest.importorskip("matplotlib")
    image, report = tmp_path / f"waterfall{suffix}", tmp_path / "report.json"
    result = run("explain", "cartel-intervention", "status-quo", "--plot", str(image), "-o",
                 str(report), "-f", "json")
    assert result.exit_code == 0, result.output
    head = image.read_bytes()[:5]
    assert head[:4] in (b"\x89PNG", b"%PDF") or b"<?xml" in image.read_bytes()[:100]
    assert json.loads(report.read_text())["option"]["id"] == "status-quo"
    assert f"wrote {image} (waterfall chart)" in result.stderr


def test_waterfall_steps_run_from_b_to_a():
    from influence.io.explain_plot import waterfall_steps

    e = influence.explain(influence.load("cartel-intervention"), "optimal-strategy",
                          "status-quo")
    steps = waterfall_steps(e)
    assert e.other.expected_utility + sum(s[1] for s in steps) == pytest.approx(
        e.option.expected_utility)
    assert len(steps) == sum(1 for a in e.attributes if a.difference != 0)
    merged = waterfall_steps(e, top=2)
    assert len(merged) == 3 and merged[-1][0].endswith("other attributes")
    assert sum(s[1] for s in merged) == pytest.approx(e.difference)


def test_prior_and_posterior(tmp_path: Path):
    pytest.importorskip("arviz")
    (tmp_path / "bet.yaml").write_text(BETA_BET)
    (tmp_path / "evidence.yaml").write_text(SEVEN_OF_TEN)
    data = run_json(str(tmp_path / "bet.yaml"), "bet=bet", "bet=pass", "--prior", "--draws",
                    "400", "--seed", "1")
    assert data["uncertainty"] == "prior" and data["draws"] == 400 and data["seed"] == 1
    gain = data["attributes"][0]
    # bet=bet gains 150 p - 50 with p ~ Beta(2, 2): mean 25; better than passing when p > 1/3.
    assert gain["option"] == pytest.approx(25, abs=6)
    assert gain["probability_better"] == pytest.approx(0.74, abs=0.06)
    assert data["probability_better"] == gain["probability_better"]
    posterior = tmp_path / "posterior.nc"
    fitted = run("fit", str(tmp_path / "bet.yaml"), "-e", str(tmp_path / "evidence.yaml"),
                 "-o", str(posterior), "--seed", "2")
    assert fitted.exit_code == 0, fitted.output
    table = run("explain", str(tmp_path / "bet.yaml"), "bet=bet", "bet=pass", "--posterior",
                str(posterior), "--draws", "1000", "--by", "win")
    assert table.exit_code == 0, table.output
    assert "Parameter uncertainty: 1000 posterior draws" in table.stdout
    assert "90% interval of A - B" in table.stdout and "P(A>B)" in table.stdout
    csv_text = run("explain", str(tmp_path / "bet.yaml"), "--prior", "--draws", "50",
                   "--format", "csv").stdout
    assert csv_text.splitlines()[0].endswith("probability_better,probability_worse")


@pytest.mark.parametrize("args, words", [
    (["test-and-folow"], "did you mean 'test-and-follow'"),
    (["drill-blind", "tset=yes"], "did you mean 'test=yes'"),
    (["drill-blind", "drill-blind"], "two different options"),
    (["--by", "oli"], "did you mean 'oil'"),
    (["--by", "drill"], "expected --by to name a chance node"),
    (["--draws", "10"], "--draws applies only"),
    (["--seed", "1"], "--seed applies only"),
    (["--prior", "--posterior", "README.md"], "not both"),
    (["--prior"], "expected priors in the model"),
    (["--format", "xml"], "--format"),
    (["--plot", "waterfall.gif"], "expected an output file ending in .png, .svg, .pdf"),
    (["--given", "oil=dri"], "did you mean 'dry'"),
    (["--given", "result=open"], "influenced by the decision"),
    (["a", "b", "c"], "unexpected extra argument"),
    (["--frobnicate"], "No such option"),
])
def test_bad_input_is_a_usage_error(args, words):
    result = run("explain", "oil-wildcatter", *args)
    assert result.exit_code == 2, result.output
    assert words in result.output
    assert "Traceback" not in result.output


def test_a_missing_model_and_an_overwritten_input_are_refused(tmp_path: Path):
    assert run("explain", str(tmp_path / "missing.yaml")).exit_code == 1
    model = tmp_path / "oil.yaml"
    shutil.copy(bundled.path_of("oil-wildcatter"), model)
    before = model.read_text()
    result = run("explain", str(model), "-o", str(model))
    assert result.exit_code == 1 and model.read_text() == before
    result = run("explain", str(model), "--plot", str(tmp_path / "x.png"), "-o",
                 str(tmp_path / "x.png"))
    assert result.exit_code == 2 and "same file" in result.output


def test_the_command_imports_nothing_heavy_without_a_plot():
    code = textwrap.dedent("""
        import sys
        from influence.cli.main import cli
        cli.main(["explain", "cartel-intervention", "--by", "mexico_response"],
                 prog_name="influence", standalone_mode=False)
        print("HEAVY", sorted(m for m in ("pymc", "arviz", "matplotlib", "scipy", "pyagrum")
                               if m in sys.modules))
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY []" in proc.stdout
