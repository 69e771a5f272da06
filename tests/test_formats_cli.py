"""The command line with files of other tools: evaluate, show and graph read them directly,
convert writes them, and the reading options and warnings reach the user as options and
WARNING lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from influence.cli.main import cli

DATA = Path(__file__).parent / "data" / "formats"


def run(*args: str):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.mark.parametrize("name, meu", [
    ("umbrella.net", 77.0), ("umbrella.xdsl", 77.0), ("umbrella.dne", 77.0),
    ("DecAsia.bifxml", 47.55222),
])
def test_evaluate_reads_each_format(name, meu):
    result = run("evaluate", DATA / name, "--format", "json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["maximum_expected_utility"] == pytest.approx(meu, rel=1e-9)


def test_show_and_graph_read_other_formats():
    assert "Take umbrella?" in run("show", DATA / "umbrella.xdsl").stdout
    result = run("graph", DATA / "umbrella.net")
    assert result.exit_code == 0 and "digraph" in result.stdout


def test_rounded_rows_warn_on_stderr_and_strict_refuses():
    result = run("evaluate", DATA / "OilWildcatter.xml")
    assert result.exit_code == 0
    warnings = [line for line in result.stderr.splitlines() if line.startswith("WARNING:")]
    assert len(warnings) == 1 and "--strict refuses them" in warnings[0]
    refused = run("evaluate", DATA / "OilWildcatter.xml", "--strict")
    assert refused.exit_code == 1 and "0.999999" in refused.stderr


def test_order_left_open_names_the_option(tmp_path):
    path = tmp_path / "two.net"
    path.write_text("""net {}
decision D1 { states = ("a" "b"); }
decision D2 { states = ("a" "b"); }
utility U {}
potential (D1) {}
potential (D2) {}
potential (U | D1 D2) { data = ((1 2) (3 4)); }
""")
    refused = run("evaluate", path)
    assert refused.exit_code == 1
    assert "--order" in refused.stderr and "D1 and D2" in refused.stderr
    result = run("evaluate", path, "--order", "D2,D1", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["maximum_expected_utility"] == 4.0


def test_input_format_overrides_the_suffix(tmp_path):
    path = tmp_path / "umbrella.txt"
    path.write_text((DATA / "umbrella.net").read_text())
    result = run("evaluate", path, "--input-format", "net", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["maximum_expected_utility"] == 77.0


@pytest.mark.slow
def test_convert_round_trip_and_one_dropped_line(tmp_path):
    result = run("convert", "cartel-intervention", tmp_path / "c.xdsl")
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("WARNING:")]
    assert len(warnings) == 1 and "parameters (125)" in warnings[0]
    back = run("convert", tmp_path / "c.xdsl", tmp_path / "c.yaml")
    assert back.exit_code == 0
    original = json.loads(run("evaluate", "cartel-intervention", "--format", "json").stdout)
    again = json.loads(run("evaluate", tmp_path / "c.yaml", "--format", "json").stdout)
    assert again["maximum_expected_utility"] == pytest.approx(
        original["maximum_expected_utility"], rel=1e-12)


def test_convert_never_overwrites_its_input(tmp_path):
    path = tmp_path / "u.net"
    path.write_text((DATA / "umbrella.net").read_text())
    before = path.read_text()
    result = run("convert", path, path)
    assert result.exit_code == 1 and "input file" in result.stderr
    assert path.read_text() == before


def test_convert_refuses_a_read_only_format(tmp_path):
    result = run("convert", "umbrella", tmp_path / "u.dne")
    assert result.exit_code == 2
    assert not (tmp_path / "u.dne").exists()
