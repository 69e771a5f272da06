"""``influence voi``: every option, the three formats, the plot, and bad input."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from voi_models import BETA_BET, THREE_WAY

from influence.cli.main import cli
from influence.model import bundled

KEYS = ["model", "maximum_expected_utility", "observe", "evpi_parameters", "evppi", "evsi"]
LONG_GROUP = ("effects=param:cartel_disruption[us_strikes=unilateral,effort_sustained=yes],"
              "param:violence_mexico[us_strikes=unilateral]")


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["voi", *args])


def ok_json(*args: str) -> dict:
    result = run(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == KEYS
    return data


@pytest.fixture
def three_way(tmp_path: Path) -> Path:
    path = tmp_path / "three.yaml"
    path.write_text(THREE_WAY)
    return path


def test_point_values_table_and_json():
    result = run("oil-wildcatter")
    assert result.exit_code == 0
    assert "Maximum expected utility without further information: 22.5" in result.stdout
    assert "  test      oil       32.5          55" in result.stdout
    data = ok_json("oil-wildcatter")
    assert data["observe"] == [{"decision": "test", "nodes": ["oil"], "value": 32.5},
                               {"decision": "drill", "nodes": ["oil"], "value": 32.5}]
    assert (data["evpi_parameters"], data["evppi"], data["evsi"]) == (None, [], [])


def test_nodes_decision_and_given():
    data = ok_json("umbrella", "--nodes", "weather", "--decision", "umbrella")
    assert data["observe"] == [{"decision": "umbrella", "nodes": ["weather"], "value": 14.0}]
    data = ok_json("oil-wildcatter", "--given", "oil=wet")
    assert data["observe"] == [] and data["maximum_expected_utility"] == 50.0
    text = run("oil-wildcatter", "--given", "oil=wet").stdout
    assert "every decision already knows, or influences, every chance node" in text


def test_prior_groups_and_studies(three_way):
    data = ok_json(str(three_way), "--prior", "--draws", "500", "--seed", "3",
                   "--group", "dry=weather:dry", "--group", "both=weather,report",
                   "--study", "weather=3,12", "--study", "report[weather=dry]=5",
                   "--study-cost", "0.25")
    assert [g["group"] for g in data["evppi"]] == ["dry", "both"]
    assert data["evppi"][0] == {"group": "dry", "parameters": ["weather:dry"],
                                "value": pytest.approx(data["evppi"][0]["value"]),
                                "method": "conditional-means",
                                "se": pytest.approx(data["evppi"][0]["se"])}
    assert data["evpi_parameters"] >= data["evppi"][1]["value"] - 1e-9
    assert [(s["study"], s["n"]) for s in data["evsi"]] == [
        ("weather", 3), ("weather", 12), ("report[weather=dry]", 5)]
    for s in data["evsi"]:
        assert s["se"] == 0.0 and s["cost"] == 0.25
        assert s["net"] == pytest.approx(s["value"] - 0.25)


def test_csv_has_one_row_per_value(three_way):
    result = run(str(three_way), "--prior", "--draws", "200", "--seed", "1", "--study",
                 "weather=4", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["kind"] for r in rows][:1] == ["optimum"]
    kinds = {r["kind"] for r in rows}
    assert kinds == {"optimum", "observe", "evpi", "evppi", "evsi"}
    (study,) = [r for r in rows if r["kind"] == "evsi"]
    assert (study["item"], study["n"], study["method"]) == ("weather", "4", "enumeration")
    assert [r["item"] for r in rows if r["kind"] == "evppi"] == ["weather", "report", "value"]


@pytest.mark.slow
def test_tables_fit_100_columns():
    result = run("cartel-intervention", "--prior", "--draws", "200", "--seed", "1",
                 "--group", LONG_GROUP)
    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.stdout.splitlines()) <= 100
    assert "effects" in result.stdout and "regression" in result.stdout
    assert "Perfect information about every parameter (EVPI):" in result.stdout


def test_posterior_file(tmp_path):
    model = tmp_path / "bet.yaml"
    model.write_text(BETA_BET.replace("[A, B]", "[2, 2]"))
    evidence = tmp_path / "seven.yaml"
    evidence.write_text("model: beta-bet\nobservations:\n"
                        "  - {node: win, counts: {\"no\": 3, \"yes\": 7}}\n")
    post = tmp_path / "post.nc"
    fitted = CliRunner().invoke(cli, ["fit", str(model), "-e", str(evidence), "-o", str(post),
                                      "--method", "exact", "--seed", "1"])
    assert fitted.exit_code == 0, fitted.output
    data = ok_json(str(model), "--posterior", str(post), "--study", "win=5")
    assert data["maximum_expected_utility"] == pytest.approx(150 * 9 / 14 - 50)
    assert data["evsi"][0]["n"] == 5 and data["evsi"][0]["value"] >= 0


def test_output_file_and_plot(tmp_path, three_way):
    out, png = tmp_path / "voi.json", tmp_path / "voi.png"
    result = run(str(three_way), "--prior", "--draws", "200", "--seed", "2", "--study",
                 "weather=2,8", "--format", "json", "-o", str(out), "--plot", str(png))
    assert result.exit_code == 0, result.output
    assert list(json.loads(out.read_text())) == KEYS
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = tmp_path / "voi.svg"
    assert run("oil-wildcatter", "--plot", str(svg)).exit_code == 0
    assert b"<svg" in svg.read_bytes()


@pytest.mark.parametrize(("args", "message"), [
    (["--draws", "10"], "--draws applies only with --prior or --posterior"),
    (["--seed", "1"], "--seed applies only with --prior or --posterior"),
    (["--group", "a=oil"], "--group applies only with --prior or --posterior"),
    (["--study", "oil=3"], "--study applies only with --prior or --posterior"),
    (["--study-cost", "3"], "--study-cost applies only with --study"),
    (["--prior", "--posterior", "README.md"], "give --prior or --posterior, not both"),
    (["--prior", "--group", "oil"], "expected NAME=SPEC,SPEC,..."),
    (["--prior", "--group", "a=oil", "--group", "a=result"], "the group 'a' is given twice"),
    (["--prior", "--study", "oil"], "expected SPEC=N or SPEC=N1,N2,..."),
    (["--prior", "--study", "oil=0"], "expected SPEC=N or SPEC=N1,N2,..."),
    (["--prior", "--study", "oil=3,x"], "expected SPEC=N or SPEC=N1,N2,..."),
    (["--nodes", "oil,,result"], "expected NODE or NODE,NODE,..."),
    (["--plot", "voi.gif"], "expected an output file ending in .png, .svg, .pdf"),
    (["--nodes", "oill"], "(did you mean 'oil'?)"),
    (["--decision", "drill", "--nodes", "result"], "'drill' does not already know"),
    (["--prior"], "expected priors in the model"),
    (["--draws", "1", "--prior"], "Invalid value for '--draws'"),
])
def test_bad_input(args, message):
    result = run("oil-wildcatter", *args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_bad_groups_and_studies_are_library_errors(three_way):
    result = run(str(three_way), "--prior", "--group", "g=weight:value")
    assert result.exit_code == 2 and "weights carry no prior" in result.output
    result = run(str(three_way), "--prior", "--study", "value=3")
    assert result.exit_code == 2 and "expected a chance node" in result.output


def test_never_overwrites_the_model(tmp_path):
    model = tmp_path / "oil.yaml"
    model.write_text(bundled.path_of("oil-wildcatter").read_text())
    before = model.read_text()
    for option in ("-o", "--plot"):
        target = str(model) if option == "-o" else str(model.with_suffix(".png"))
        result = run(str(model), option, target)
        if option == "-o":
            assert result.exit_code == 1 and "refusing to write" in result.output
    assert model.read_text() == before
    result = run(str(model), "-o", str(tmp_path / "x.png"), "--plot", str(tmp_path / "x.png"))
    assert result.exit_code == 2 and "name the same file" in result.output


def test_help_lists_the_command():
    result = CliRunner().invoke(cli, ["--help"])
    assert "voi" in result.output
    assert CliRunner().invoke(cli, ["voi", "--help"]).exit_code == 0


@pytest.mark.slow
def test_the_documented_outputs_are_what_the_command_prints():
    import re
    import shlex

    root = Path(__file__).resolve().parents[1]
    checked = 0
    for doc in ("docs/value-of-information.md", "docs/cli.md"):
        text = (root / doc).read_text(encoding="utf-8")
        for command, output in re.findall(r"```console\n\$ (influence voi [^\n\\]*)\n(.*?)```",
                                          text, flags=re.S):
            if "..." in output:
                continue
            result = CliRunner().invoke(cli, shlex.split(command)[1:])
            assert result.exit_code == 0, command
            assert result.stdout == output, command
            checked += 1
    assert checked >= 4


def test_the_figure_has_a_curve_panel_for_several_sample_sizes():
    import influence
    from influence.io.voi_plot import plot_voi

    diagram = influence.loads(THREE_WAY)
    several = influence.value_of_information(diagram, prior=True, draws=100, seed=1,
                                             studies={"weather": [2, 8]}, study_cost=0.5)
    one = influence.value_of_information(diagram, prior=True, draws=100, seed=1,
                                         studies={"weather": 2})
    assert len(plot_voi(several).axes) == 2
    assert len(plot_voi(one).axes) == 1
    labels = [t.get_text() for t in plot_voi(one).axes[0].get_yticklabels()]
    assert "all parameters" in labels and "weather, n=2" in labels


def test_evppi_groups_that_print_the_same_keep_the_model_order(three_way):
    """Largest first as printed: values zero up to rounding (a few 1e-14, whose order is
    rounding's) are listed in the model's order, whatever their last bits."""
    from dataclasses import replace

    import influence
    from influence.io.voi_text import voi_table

    diagram = influence.load(three_way)
    result = influence.value_of_information(diagram, prior=True, draws=50, seed=1)
    assert len(result.evppi) >= 2
    noise = [3e-14, -1e-14, 2e-14, 0.0, 1e-13]
    groups = tuple(replace(g, value=noise[i % len(noise)]) for i, g in enumerate(result.evppi))
    largest = replace(groups[-1], value=5.0)
    table = voi_table(replace(result, evppi=(*groups[:-1], largest)))
    listed = [line.split()[0] for line in table.splitlines()
              if line.strip().endswith(("conditional-means", "regression"))]
    assert listed == [largest.group] + [g.group for g in groups[:-1]]
