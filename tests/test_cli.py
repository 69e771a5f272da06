"""The ``influence`` command line, through Click's CliRunner (and a few real processes)."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

import influence
from influence.cli.lazy import LazyCommand, LazyGroup
from influence.cli.main import cli
from influence.cli.options import OPTIONS, option_message
from influence.model import bundled

HEAVY = ("pymc", "arviz", "matplotlib", "pgmpy", "graphviz", "pyagrum", "pyAgrum", "dask",
         "distributed")


def run(*args: str) -> Result:
    return CliRunner(catch_exceptions=False).invoke(cli, list(args))


def run_json(*args: str) -> dict:
    result = run(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture
def model_copy(tmp_path: Path) -> Path:
    """A copy of the oil-wildcatter model file, free to be broken."""
    target = tmp_path / "oil.yaml"
    shutil.copy(bundled.path_of("oil-wildcatter"), target)
    return target


# -- the program ------------------------------------------------------------------------------


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"influence {influence.__version__}"


def test_python_dash_m_version() -> None:
    proc = subprocess.run([sys.executable, "-m", "influence", "--version"], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"influence {influence.__version__}"


def test_help_lists_every_command_without_importing_the_bayesian_ones() -> None:
    code = textwrap.dedent("""
        import sys
        from influence.cli.main import cli
        try:
            cli.main(["--help"], prog_name="influence")
        except SystemExit:
            pass
        print("LOADED", [m for m in ("influence.cli.bayes_commands", "pymc", "arviz")
                         if m in sys.modules])
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    for name in ("evaluate", "validate", "show", "models", "graph", "fit", "plot"):
        assert f"\n  {name} " in proc.stdout
    assert "LOADED []" in proc.stdout


def test_evaluate_imports_nothing_heavy() -> None:
    code = textwrap.dedent(f"""
        import sys
        from influence.cli.main import cli
        cli.main(["evaluate", "oil-wildcatter"], prog_name="influence", standalone_mode=False)
        print("HEAVY", sorted(m for m in {HEAVY!r} if m in sys.modules))
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "Maximum expected utility: 22.5" in proc.stdout
    assert "HEAVY []" in proc.stdout


def test_evaluate_imports_no_analysis() -> None:
    """The analyses (their commands and the library's re-exports) are imported when used: not
    by `influence evaluate`, which then still finds them."""
    code = textwrap.dedent("""
        import sys
        from influence.cli.main import cli
        cli.main(["evaluate", "oil-wildcatter"], prog_name="influence", standalone_mode=False)
        print("ANALYSES", sorted(m for m in sys.modules if m.startswith("influence.analysis.")
                                 or m in ("influence.cli.explain", "influence.cli.sensitivity",
                                          "influence.cli.voi")))
        import influence
        print("FOUND", influence.sensitivity.__module__, influence.ValueOfInformation.__name__)
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "ANALYSES []" in proc.stdout
    assert "FOUND influence.analysis.sensitivity ValueOfInformation" in proc.stdout


@pytest.mark.parametrize("command", ["evaluate", "validate", "show", "models", "graph"])
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Examples:" in result.stdout
    assert f"influence {command}" in result.stdout


def test_unknown_command_and_option_are_usage_errors() -> None:
    assert run("frobnicate").exit_code == 2
    assert run("evaluate", "--frobnicate").exit_code == 2


# -- lazy subcommands -------------------------------------------------------------------------


def test_missing_lazy_module_gives_a_clear_error_not_a_crash() -> None:
    group = LazyGroup(name="g", lazy_subcommands={
        "fit": LazyCommand("influence.cli.no_such_module:fit", "Fit things.")})
    runner = CliRunner()
    listing = runner.invoke(group, ["--help"])
    assert listing.exit_code == 0 and "Fit things." in listing.stdout
    for args in (["fit", "--help"], ["fit", "model.yaml", "--draws", "3"]):
        result = runner.invoke(group, args)
        assert isinstance(result.exception, influence.InfluenceError)
        assert "the 'fit' command is not available" in str(result.exception)
        assert "influence.cli.no_such_module" in str(result.exception)


def test_lazy_command_is_imported_only_when_run(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "lazy_probe_commands.py").write_text(textwrap.dedent("""
        import click

        @click.command()
        @click.argument("word")
        def hello(word):
            \"\"\"Say hello.\"\"\"
            click.echo(f"hello {word}")
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    group = LazyGroup(name="g", lazy_subcommands={
        "hello": LazyCommand("lazy_probe_commands:hello", "Greet."),
        "bye": LazyCommand("lazy_probe_commands:bye", "Leave.")})
    runner = CliRunner()
    assert "Greet." in runner.invoke(group, ["--help"]).stdout
    assert "lazy_probe_commands" not in sys.modules
    assert runner.invoke(group, ["hello", "world"]).stdout == "hello world\n"
    assert "lazy_probe_commands" in sys.modules
    missing = runner.invoke(group, ["bye"])
    assert "defines no Click command 'bye'" in str(missing.exception)


def test_fit_and_plot_report_a_missing_module_through_main(monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    group_lazy = dict(cli.lazy_subcommands)
    monkeypatch.setattr(cli, "lazy_subcommands", {
        name: LazyCommand("influence.cli.no_such_module:" + name, spec.short_help)
        for name, spec in group_lazy.items()})
    monkeypatch.setattr(cli, "_loaded", {})
    result = run("fit", "--help")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: the 'fit' command is not available")
    assert "Traceback" not in result.output


# -- evaluate: output -------------------------------------------------------------------------


def test_evaluate_table() -> None:
    result = run("evaluate", "oil-wildcatter")
    assert result.exit_code == 0
    out = result.stdout
    assert out.startswith("Oil wildcatter (oil-wildcatter)\nScenario: none\n")
    assert "Maximum expected utility: 22.5 thousands of dollars" in out
    assert "1. test (Seismic test): choose yes" in out
    assert "5 of 8 information states cannot occur" in out
    assert result.stderr == ""


def test_evaluate_all_states() -> None:
    out = run("evaluate", "oil-wildcatter", "--all-states").stdout
    assert out.count("impossible") == 4 and "unreachable" in out


def test_evaluate_json_fields() -> None:
    data = run_json("evaluate", "oil-wildcatter")
    assert data["model"] == "oil-wildcatter"
    assert isinstance(data["maximum_expected_utility"], float)
    assert data["maximum_expected_utility"] == 22.5
    assert set(data["optimal_strategy"]) == {"test", "drill"}
    for rules in data["optimal_strategy"].values():
        assert isinstance(rules, list)
        assert all({"given", "choose", "reachable", "probability"} <= set(r) for r in rules)
    assert data["optimal_strategy"]["test"][0]["choose"] == "yes"
    assert data["alternatives"] == {"test": {"no": 20.0, "yes": 22.5}}
    assert isinstance(data["policies"], list)
    assert {(p["id"], p["label"], p["expected_utility"]) for p in data["policies"]} == {
        ("drill-blind", "Drill without testing", 20.0),
        ("test-and-follow", "Test, drill on closed or open", 22.5),
        ("do-nothing", "Neither test nor drill", 0.0)}


def test_evaluate_csv_parses() -> None:
    result = run("evaluate", "oil-wildcatter", "--format", "csv")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["id", "label", "kind", "decision", "state", "expected_utility"]
    assert rows[0]["kind"] == "optimum"
    assert {r["id"]: float(r["expected_utility"]) for r in rows} == {
        "optimal-strategy": 22.5, "test=yes": 22.5, "test=no": 20.0, "drill-blind": 20.0,
        "test-and-follow": 22.5, "do-nothing": 0.0}


def test_evaluate_umbrella() -> None:
    data = run_json("evaluate", "umbrella")
    assert data["maximum_expected_utility"] == 77.0
    rules = {r["given"]["forecast"]: r["choose"] for r in data["optimal_strategy"]["umbrella"]}
    assert rules == {"sunny": "leave", "cloudy": "leave", "rainy": "take"}


def test_evaluate_default_model() -> None:
    data = run_json("evaluate")
    assert data["model"] == influence.load(bundled.default_model()).name


def test_evaluate_output_file(tmp_path: Path) -> None:
    target = tmp_path / "result.json"
    result = run("evaluate", "oil-wildcatter", "-f", "json", "-o", str(target))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert f"wrote {target}" in result.stderr
    assert json.loads(target.read_text())["maximum_expected_utility"] == 22.5
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]


def test_evaluate_refuses_to_overwrite_the_model(model_copy: Path) -> None:
    before = model_copy.read_bytes()
    result = run("evaluate", str(model_copy), "-o", str(model_copy))
    assert result.exit_code == 1
    assert "refusing to write" in result.stderr
    assert model_copy.read_bytes() == before


# -- evaluate: scenarios ----------------------------------------------------------------------


def test_given_oil_wet_by_hand() -> None:
    # Knowing the well is wet: drilling pays 50. Not testing: 50. Testing costs 10 and changes
    # nothing: 40. "Test, drill on closed or open": -10 + P(not diffuse | wet) * 50
    # = -10 + 0.7 * 50 = 25. "Drill without testing": 50.
    data = run_json("evaluate", "oil-wildcatter", "--given", "oil=wet")
    assert data["given"] == {"oil": "wet"}
    assert data["maximum_expected_utility"] == pytest.approx(50.0)
    assert data["alternatives"]["test"] == pytest.approx({"no": 50.0, "yes": 40.0})
    eus = {p["id"]: p["expected_utility"] for p in data["policies"]}
    assert eus == pytest.approx({"drill-blind": 50.0, "test-and-follow": 25.0,
                                 "do-nothing": 0.0})
    table = run("evaluate", "oil-wildcatter", "-g", "oil=wet").stdout
    assert "Scenario: oil=wet (results are conditional on it)" in table
    assert "1. test (Seismic test): choose no" in table


def test_given_umbrella_rainy_forecast_by_hand() -> None:
    # P(rain | rainy) = .18 / .25 = .72: take 20*.28 + 70*.72 = 56, leave 100*.28 = 28
    data = run_json("evaluate", "umbrella", "--given", "forecast=rainy")
    assert data["maximum_expected_utility"] == pytest.approx(56.0)
    eus = {p["id"]: p["expected_utility"] for p in data["policies"]}
    assert eus == pytest.approx({"always-take": 56.0, "never-take": 28.0,
                                 "take-if-rainy": 56.0})


def test_given_results_carry_no_uncertainty_fields() -> None:
    data = run_json("evaluate", "oil-wildcatter", "--given", "oil=wet")
    assert "uncertainty" not in data
    uncertainty_fields = {"interval_90", "probability_best", "expected_loss"}
    assert all(not uncertainty_fields & set(p) for p in data["policies"])
    # Given wet oil, drilling blind pays 50 for sure: no spread of the total utility.
    assert next(p for p in data["policies"] if p["id"] == "drill-blind")["sd"] == 0.0
    assert "P(best)" not in run("evaluate", "oil-wildcatter", "-g", "oil=wet").stdout


@pytest.mark.parametrize(("given", "words"), [
    ("result=open", ["'result'", "influenced by the decision", "test"]),
    ("test=yes", ["'test'", "decision node"]),
    ("payoff=1", ["'payoff'", "utility node"]),
    ("oil=damp", ["oil=damp", "dry, wet, soaking"]),
    ("oyl=wet", ["'oyl'", "did you mean 'oil'"]),
])
def test_bad_scenario_is_a_usage_error_naming_the_node(given: str, words: list[str]) -> None:
    result = run("evaluate", "oil-wildcatter", "--given", given)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: oil_wildcatter.yaml")
    for word in words:
        assert word in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("given", ["oil", "=wet", "oil=", "oil wet"])
def test_malformed_given_is_a_usage_error(given: str) -> None:
    result = run("evaluate", "oil-wildcatter", "--given", given)
    assert result.exit_code == 2
    assert "expected NODE=STATE" in result.stderr


def test_conflicting_given_is_a_usage_error() -> None:
    result = run("evaluate", "oil-wildcatter", "-g", "oil=wet", "-g", "oil=dry")
    assert result.exit_code == 2
    assert "'oil' is given twice" in result.stderr


# -- evaluate: parameter uncertainty options --------------------------------------------------


def test_uncertainty_options_pass_through(monkeypatch: pytest.MonkeyPatch, tmp_path: Path
                                          ) -> None:
    calls: list[dict] = []

    def fake_evaluate(diagram: influence.Diagram, **kwargs: object) -> influence.Evaluation:
        calls.append(kwargs)
        return influence.solve(diagram)

    monkeypatch.setattr(influence, "evaluate", fake_evaluate)
    assert run("evaluate", "oil-wildcatter", "--prior", "--draws", "50", "--seed", "3",
               "-g", "oil=dry").exit_code == 0
    assert calls[-1] == {"given": {"oil": "dry"}, "prior": True, "posterior": None,
                         "draws": 50, "seed": 3, "risk_tolerance": None, "memory_limit": None,
                         "progress": None,  # standard error is no terminal: no progress
                         "keep_draws": False, "workers": None, "scheduler": None}
    assert run("evaluate", "oil-wildcatter", "--prior", "--keep-draws", "--workers",
               "2").exit_code == 0
    assert (calls[-1]["keep_draws"], calls[-1]["workers"]) == (True, 2)
    assert run("evaluate", "oil-wildcatter", "--prior", "--scheduler",
               "tcp://10.0.0.5:8786").exit_code == 0
    assert calls[-1]["scheduler"] == "tcp://10.0.0.5:8786"
    posterior = tmp_path / "posterior.nc"
    posterior.write_bytes(b"")
    assert run("evaluate", "oil-wildcatter", "--posterior", str(posterior)).exit_code == 0
    assert calls[-1] == {"given": None, "prior": False, "posterior": str(posterior),
                         "draws": None, "seed": None, "risk_tolerance": None,
                         "memory_limit": None, "progress": None, "keep_draws": False,
                         "workers": None, "scheduler": None}


def test_missing_bayesian_extras_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake_evaluate(diagram: influence.Diagram, **kwargs: object) -> influence.Evaluation:
        raise ModuleNotFoundError("No module named 'pymc'", name="pymc")

    monkeypatch.setattr(influence, "evaluate", fake_evaluate)
    result = run("evaluate", "oil-wildcatter", "--prior")
    assert result.exit_code == 1
    assert "pip install --force-reinstall influence" in result.stderr


@pytest.mark.parametrize("args", [
    ["--prior", "--posterior", "__FILE__"],
    ["--draws", "10"],
    ["--seed", "1"],
    ["--draws", "0", "--prior"],
    ["--all-states", "--format", "json"],
    ["--format", "xml"],
])
def test_inconsistent_options_are_usage_errors(args: list[str], model_copy: Path) -> None:
    args = [str(model_copy) if a == "__FILE__" else a for a in args]
    result = run("evaluate", "oil-wildcatter", *args)
    assert result.exit_code == 2, result.output


# -- invalid models ---------------------------------------------------------------------------


def test_invalid_model_exits_1_naming_file_node_and_field(model_copy: Path) -> None:
    text = model_copy.read_text().replace("p: [0.5, 0.3, 0.2]", "p: [0.5, 0.3, 0.3]")
    model_copy.write_text(text)
    for command in (["evaluate"], ["validate"], ["show"], ["graph"]):
        result = run(*command, str(model_copy))
        assert result.exit_code == 1, command
        err = result.stderr
        assert err.startswith(f"Error: {model_copy}, line ")
        assert "node 'oil'" in err and "field 'p'" in err and "sum of 1.1" in err
        assert "Traceback" not in result.output


def test_unknown_model_exits_1_listing_the_bundled_models() -> None:
    result = run("evaluate", "oil-wildcater")
    assert result.exit_code == 1
    assert "'oil-wildcater'" in result.stderr and "did you mean 'oil-wildcatter'" in result.stderr


def test_yaml_syntax_error_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nnodes: [\n")
    result = run("validate", str(bad))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {bad}") and "YAML syntax error" in result.stderr


# -- validate, show, models -------------------------------------------------------------------


def test_validate() -> None:
    result = run("validate", "oil-wildcatter")
    assert result.exit_code == 0
    assert result.stdout == ("oil-wildcatter: valid: 6 nodes (2 chance, 2 decision, 2 utility), "
                             "3 policies\n")


def test_validate_several_models(model_copy: Path) -> None:
    model_copy.write_text(model_copy.read_text().replace("observes: [result]",
                                                         "observes: [resultt]"))
    result = run("validate", "umbrella", str(model_copy))
    assert result.exit_code == 1
    assert result.stdout.startswith("umbrella: valid: 4 nodes (2 chance, 1 decision, 1 utility), "
                                    "3 policies")
    assert "node 'drill'" in result.stderr and "field 'observes'" in result.stderr
    assert "did you mean 'result'" in result.stderr


def test_validate_notes_nodes_that_cannot_matter(model_copy: Path) -> None:
    text = model_copy.read_text().replace(
        "  test:\n", "  gossip:\n    type: chance\n    states: [a, b]\n    p: [0.5, 0.5]\n"
        "  test:\n", 1)
    model_copy.write_text(text)
    result = run("validate", str(model_copy))
    assert result.exit_code == 0
    assert "note: chance node 'gossip' has no path to a utility node" in result.stdout


def test_show_table() -> None:
    result = run("show", "oil-wildcatter")
    assert result.exit_code == 0
    out = result.stdout
    assert "  result     chance    none, closed, open, diffuse  oil, test" in out
    assert "observes result" in out
    assert "result  drill      informational" in out
    assert "  2. drill: knows test, result" in out
    assert "test-and-follow: Test, drill on closed or open" in out
    assert "P(result | oil, test)" in run("show", "oil-wildcatter", "--tables").stdout


def test_show_json() -> None:
    data = run_json("show", "umbrella")
    assert data["model"] == "umbrella"
    nodes = {n["name"]: n for n in data["nodes"]}
    assert nodes["umbrella"]["type"] == "decision"
    assert nodes["umbrella"]["observes"] == ["forecast"]
    assert nodes["forecast"]["parents"] == ["weather"]
    assert nodes["weather"]["states"] == ["no_rain", "rain"]
    assert data["information_sets"] == {"umbrella": ["forecast"]}
    assert [p["id"] for p in data["policies"]] == ["always-take", "never-take",
                                                   "take-if-rainy"]


def test_models() -> None:
    result = run("models")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == len(bundled.names())
    assert [ln.split()[0] for ln in lines] == bundled.names()
    assert any(ln.split(None, 1) == ["umbrella", "Umbrella"] for ln in lines)
    data = run_json("models")
    assert {m["name"] for m in data} == set(bundled.names())
    assert [m["name"] for m in data if m["default"]] == [bundled.default_model()]
    # the bundled evidence files, by the model they name
    assert {m["name"]: m["evidence"] for m in data}["cartel-intervention"] == \
        ["cartel-operations"]
    assert lines[0].endswith("(evidence: cartel-operations)")


# -- graph ------------------------------------------------------------------------------------


def test_graph_dot(tmp_path: Path) -> None:
    target = tmp_path / "oil.dot"
    result = run("graph", "oil-wildcatter", "-o", str(target))
    assert result.exit_code == 0
    dot = target.read_text()
    assert dot.startswith('digraph "oil-wildcatter"')
    assert "shape=box" in dot and "shape=ellipse" in dot and "shape=diamond" in dot
    assert "style=dashed" in dot
    stdout = run("graph", "oil-wildcatter").stdout
    assert stdout == dot
    assert "cluster_legend" not in run("graph", "oil-wildcatter", "--no-legend").stdout


def test_graph_svg_and_png(tmp_path: Path) -> None:
    svg = tmp_path / "umbrella.svg"
    assert run("graph", "umbrella", "-o", str(svg)).exit_code == 0
    titles = {el.text for el in ET.parse(svg).getroot().iter() if el.tag.endswith("title")}
    assert {"weather", "forecast", "umbrella", "satisfaction"} <= titles
    png = tmp_path / "umbrella.png"
    assert run("graph", "umbrella", "-o", str(png)).exit_code == 0
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    forced = tmp_path / "drawing.out"
    assert run("graph", "umbrella", "-o", str(forced), "--format", "svg").exit_code == 0
    ET.parse(forced)


def test_graph_refuses_to_overwrite_the_model(model_copy: Path) -> None:
    before = model_copy.read_bytes()
    result = run("graph", str(model_copy), "-o", str(model_copy), "--format", "dot")
    assert result.exit_code == 1
    assert "refusing to write" in result.stderr
    assert model_copy.read_bytes() == before


def test_graph_usage_errors(tmp_path: Path) -> None:
    unknown = run("graph", "oil-wildcatter", "-o", str(tmp_path / "oil.jpeg"))
    assert unknown.exit_code == 2 and "suffix" in unknown.stderr
    assert run("graph", "oil-wildcatter", "--format", "png").exit_code == 2
    assert run("graph", "oil-wildcatter", "--format", "bmp").exit_code == 2
    assert not list(tmp_path.iterdir())


def test_graph_without_dot_program(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    drawn = tmp_path / "oil.png"
    result = run("graph", "oil-wildcatter", "-o", str(drawn))
    assert result.exit_code == 0, result.output
    assert drawn.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    result = run("graph", "oil-wildcatter", "-o", str(tmp_path / "oil.svg"), "--engine",
                 "graphviz")
    assert result.exit_code == 1
    assert "Error: drawing SVG needs Graphviz's 'dot' program" in result.stderr
    assert "--engine matplotlib" in result.stderr and "`engine`" not in result.stderr
    assert not (tmp_path / "oil.svg").exists()


def test_the_group_resolves_each_of_its_commands() -> None:
    ctx = click.Context(cli)
    names = cli.list_commands(ctx)
    assert names == ["convert", "evaluate", "explain", "fit", "graph", "models", "plot",
                     "report", "sensitivity", "show", "validate", "voi"]
    assert [cli.get_command(ctx, name).name for name in names] == names
    assert cli.get_command(ctx, "frobnicate") is None


# -- library messages name parameters; the command line names options -------------------------


def _options_of_every_command() -> set[str]:
    ctx = click.Context(cli)
    return {opt for name in cli.list_commands(ctx)
            for param in cli.get_command(ctx, name).params if isinstance(param, click.Option)
            for opt in param.opts}


def test_every_option_of_the_table_is_an_option_of_a_command() -> None:
    assert set(OPTIONS.values()) <= _options_of_every_command()
    # and each names the parameter it is the option of: --all-states for all_states
    # and each names the parameter it is the option of: --all-states for all_states, except
    # where a Python name is plural or shorter than its option
    named_otherwise = {"fmt": "--format", "format": "--input-format", "parameters": "--parameter",
                       "ranges": "--range", "groups": "--group", "studies": "--study"}
    assert all(option == named_otherwise.get(parameter, "--" + parameter.replace("_", "-"))
               for parameter, option in OPTIONS.items())


def test_option_message_replaces_the_parameter_only() -> None:
    err = influence.QueryError("`given` oil=damp: expected a state; `mass` is a field",
                               file="m.yaml", parameter="given")
    assert option_message(err) == "m.yaml: --given oil=damp: expected a state; `mass` is a field"
    # no parameter, or one without an option: the message as the library wrote it
    for parameter in (None, "policy_id"):
        plain = influence.QueryError("`given` and `policy_id`", parameter=parameter)
        assert option_message(plain) == "`given` and `policy_id`"


def test_a_library_error_about_a_parameter_names_the_option(monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    def refuse(diagram, **kwargs):
        raise influence.QueryError("expected `draws` to be at least 2, got 1", parameter="draws")

    monkeypatch.setattr(influence, "evaluate", refuse)
    result = run("evaluate", "oil-wildcatter", "--prior", "--draws", "2")
    assert result.exit_code == 2
    assert result.stderr == "Error: expected --draws to be at least 2, got 1\n"


def test_a_drawing_format_the_library_cannot_tell_names_fmt_there_and_format_here(
        tmp_path: Path) -> None:
    from influence.io.drawing import format_for

    with pytest.raises(influence.DrawingFormatError, match="or give `fmt`$") as info:
        format_for(tmp_path / "oil.jpeg")
    assert info.value.parameter == "fmt"
    result = run("graph", "oil-wildcatter", "-o", str(tmp_path / "oil.jpeg"))
    assert result.exit_code == 2
    assert result.stderr.rstrip().endswith("got .jpeg; or give --format")


def test_a_bad_scenario_names_given_in_python_and_the_option_on_the_command_line() -> None:
    diagram = influence.load("oil-wildcatter")
    with pytest.raises(influence.QueryError) as info:
        influence.evaluate(diagram, given={"oil": "damp"})
    assert info.value.parameter == "given"
    assert "`given`" in str(info.value) and "--given" not in str(info.value)
    result = run("evaluate", "oil-wildcatter", "--given", "oil=damp")
    assert result.exit_code == 2
    assert "--given" in result.stderr and "`given`" not in result.stderr


# -- the documentation ------------------------------------------------------------------------


def _console_blocks() -> list[tuple[str, str]]:
    text = (Path(__file__).resolve().parents[1] / "docs" / "cli.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```console\n\$ influence (.*?)\n(.*?)```", text, flags=re.S)
    assert blocks, "docs/cli.md has no console examples"
    return blocks


@pytest.mark.parametrize(("command", "expected"), _console_blocks(),
                         ids=[c for c, _ in _console_blocks()])
def test_docs_cli_examples_are_real_output(command: str, expected: str, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, shlex.split(command))
    assert result.output == expected


# -- atomic output ----------------------------------------------------------------------------


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    from influence import atomic as io_atomic

    target = tmp_path / "out.json"
    target.write_text("previous")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(io_atomic.os, "replace", broken_replace)
    result = run("evaluate", "oil-wildcatter", "-f", "json", "-o", str(target))
    assert result.exit_code == 1
    assert "cannot write" in result.stderr and "No space left on device" in result.stderr
    assert target.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_atomic_write_permissions(tmp_path: Path) -> None:
    from influence.atomic import write_text_atomic

    old_umask = os.umask(0o022)
    try:
        fresh = write_text_atomic(tmp_path / "new.txt", "x")
    finally:
        os.umask(old_umask)
    assert fresh.stat().st_mode & 0o777 == 0o644  # the umask's mode, not mkstemp's 0o600
    kept = tmp_path / "kept.txt"
    kept.write_text("old")
    kept.chmod(0o640)
    write_text_atomic(kept, "new")
    assert kept.read_text() == "new" and kept.stat().st_mode & 0o777 == 0o640


def test_output_into_a_missing_directory(tmp_path: Path) -> None:
    result = run("evaluate", "oil-wildcatter", "-o", str(tmp_path / "no" / "out.txt"))
    assert result.exit_code == 1
    assert "expected an existing directory" in result.stderr


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_standard_output_that_cannot_be_written_is_an_error_not_a_traceback():
    import subprocess

    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "influence", "evaluate", "oil-wildcatter"],
                              stdout=full, stderr=subprocess.PIPE, text=True)
    assert done.returncode == 1
    assert done.stderr.startswith("Error: cannot write to standard output")
    assert "Traceback" not in done.stderr


def test_output_through_a_symbolic_link_keeps_the_link(tmp_path):
    real = tmp_path / "real.json"
    real.write_text("{}")
    link = tmp_path / "link.json"
    link.symlink_to(real.name)
    result = CliRunner().invoke(cli, ["evaluate", "oil-wildcatter", "-f", "json", "-o",
                                      str(link)])
    assert result.exit_code == 0, result.output
    assert link.is_symlink()
    assert json.loads(real.read_text())["maximum_expected_utility"] == pytest.approx(22.5)
