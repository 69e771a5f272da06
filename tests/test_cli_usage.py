"""How a command ends when it is given something wrong: one ``Error:`` line on standard error
and the documented exit code (2 for bad usage, 1 for files that cannot be read or written),
never Click's usage lines and never a traceback; ``--help`` unchanged."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from bet_model import BETA_BET, SEVEN_OF_TEN
from click.testing import CliRunner

import influence
from influence.cli.main import cli

#: Bad invocations of every command, one per kind of usage error: unknown commands and
#: options, missing arguments and options, values of every option type (choices, whole numbers
#: in a range, numbers, sizes, durations, seeds, scenarios, ranges, lists, pairs), and options
#: that contradict each other. ``{ev}`` is an evidence file, ``{post}`` a file standing for a
#: posterior, ``{out}`` a writable folder.
BAD_USAGE = [
    # the root group
    "frobnicate",
    "--frobnicate",
    "evaluat oil-wildcatter",
    # evaluate
    "evaluate oil-wildcatter --memory-limit lots",
    "evaluate oil-wildcatter --memory-limit 0",
    "evaluate oil-wildcatter --frobnicate",
    "evaluate oil-wildcatter --formt json",
    "evaluate oil-wildcatter -f xml",
    "evaluate oil-wildcatter --prior --draws many",
    "evaluate oil-wildcatter --prior --draws 1",
    "evaluate oil-wildcatter --prior --seed -1",
    "evaluate oil-wildcatter --prior --seed x",
    "evaluate oil-wildcatter --given oil",
    "evaluate oil-wildcatter --given oil=wet --given oil=dry",
    "evaluate oil-wildcatter --given oil=damp",
    "evaluate oil-wildcatter --risk-tolerance abc",
    "evaluate oil-wildcatter --input-format docx",
    "evaluate oil-wildcatter --order ,",
    "evaluate oil-wildcatter --prior --posterior {post}",
    "evaluate oil-wildcatter --draws 10",
    "evaluate oil-wildcatter --seed 1",
    "evaluate oil-wildcatter --all-states --format json",
    "evaluate oil-wildcatter --prior --time-limit soon",
    "evaluate oil-wildcatter --prior --time-limit 0",
    "evaluate oil-wildcatter --time-limit 10s",
    "evaluate oil-wildcatter --output",
    "evaluate oil-wildcatter umbrella",
    # validate, show, models
    "validate",
    "validate oil-wildcatter --frobnicate",
    "validate oil-wildcatter --input-format docx",
    "show",
    "show oil-wildcatter -f xml",
    "show oil-wildcatter --tables=yes",
    "models --format xml",
    "models oil-wildcatter",
    # graph
    "graph",
    "graph oil-wildcatter --format bmp",
    "graph oil-wildcatter --format png",
    "graph oil-wildcatter -o {out}/oil.jpeg",
    # convert
    "convert oil-wildcatter",
    "convert oil-wildcatter {out}/oil.net --output-format docx",
    "convert oil-wildcatter {out}/oil.net --order ,",
    # explain
    "explain oil-wildcatter --frobnicate",
    "explain oil-wildcatter nope",
    "explain oil-wildcatter --by nope",
    # report
    "report oil-wildcatter --frobnicate",
    "report oil-wildcatter --draws 5",
    # sensitivity
    "sensitivity",
    "sensitivity oil-wildcatter --range oil:dry",
    "sensitivity oil-wildcatter --range oil:dry=0.1:0.2 --range oil:dry=0.2:0.3",
    "sensitivity oil-wildcatter --top 0",
    "sensitivity oil-wildcatter --two-way oil:dry",
    "sensitivity oil-wildcatter --two-way oil:dry oil:wet --grid 2",
    "sensitivity oil-wildcatter --grid 5",
    "sensitivity oil-wildcatter --draws 5",
    "sensitivity oil-wildcatter --prior --seed -1",
    "sensitivity oil-wildcatter --memory-limit lots",
    "sensitivity oil-wildcatter -p oil:dyr",
    "sensitivity oil-wildcatter -o {out}/a.txt --plot {out}/a.txt",
    # voi
    "voi",
    "voi oil-wildcatter --nodes oil,,test",
    "voi oil-wildcatter --prior --group costs",
    "voi oil-wildcatter --prior --study oil=0",
    "voi oil-wildcatter --study-cost 5",
    "voi oil-wildcatter --study-cost abc",
    "voi oil-wildcatter --draws 10",
    "voi oil-wildcatter --prior --seed -1",
    "voi oil-wildcatter --memory-limit 12 parsecs",
    "voi oil-wildcatter --plot {out}/voi.bmp",
    # fit (a lazily loaded command)
    "fit",
    "fit {model}",
    "fit {model} -e {ev}",
    "fit {model} -e {ev} -o {out}/p.nc --method magic",
    "fit {model} -e {ev} -o {out}/p.nc --draws 0",
    "fit {model} -e {ev} -o {out}/p.nc --chains 0",
    "fit {model} -e {ev} -o {out}/p.nc --seed -1",
    "fit {model} -e {ev} -o {out}/p.nc --format xml",
    "fit {model} -e {ev} -o {out}/p.nc --frobnicate",
    # plot (a lazily loaded command)
    "plot oil-wildcatter --prior",
    "plot oil-wildcatter -o {out}/x.png",
    "plot oil-wildcatter --prior --posterior {post} -o {out}/x.png",
    "plot oil-wildcatter --prior -o {out}/x.jpg",
    "plot oil-wildcatter --prior -o {out}/x.png --max-parameters -1",
    "plot oil-wildcatter --prior -o {out}/x.png --seed -1",
    "plot oil-wildcatter --prior -o {out}/x.png --memory-limit lots",
]


@pytest.fixture
def places(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "bet.yaml").write_text(BETA_BET)
    (tmp_path / "evidence.yaml").write_text(SEVEN_OF_TEN)
    (tmp_path / "post.nc").write_bytes(b"not read: the usage is wrong first")
    return {"model": str(tmp_path / "bet.yaml"), "ev": str(tmp_path / "evidence.yaml"),
            "post": str(tmp_path / "post.nc"), "out": str(tmp_path)}


def _run(command: str, places: dict[str, str]):
    args = [a.format(**places) for a in command.split()]
    return CliRunner().invoke(cli, args, prog_name="influence")


def _one_error_line(result) -> str:
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: "), result.stderr
    assert "Usage:" not in result.output and "Try " not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return lines[0]


def test_the_list_covers_every_command() -> None:
    commands = set(cli.list_commands(None))  # type: ignore[arg-type]
    covered = {c.split()[0] for c in BAD_USAGE}
    assert commands <= covered, commands - covered
    assert len(BAD_USAGE) >= 36


@pytest.mark.parametrize("command", BAD_USAGE)
def test_bad_usage_is_one_error_line_and_exit_2(command: str, places: dict[str, str]) -> None:
    result = _run(command, places)
    assert result.exit_code == 2, (result.exit_code, result.output)
    _one_error_line(result)
    assert result.stdout == ""


def test_the_message_is_the_one_click_would_give_without_the_usage(places) -> None:
    result = _run("evaluate oil-wildcatter --memory-limit lots", places)
    assert result.stderr == ("Error: Invalid value for '--memory-limit': expected a size such "
                             "as 4GB, 512MiB or 2e9 (bytes), got 'lots'\n")
    assert _run("frobnicate", places).stderr == "Error: No such command 'frobnicate'.\n"
    assert _run("show", places).stderr == "Error: Missing argument 'MODEL'.\n"


def test_the_seed_is_checked_before_any_work(places, monkeypatch) -> None:
    def no_work(*args, **kwargs):
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(influence, "load", no_work)
    for command in ("evaluate", "sensitivity", "voi"):
        result = _run(f"{command} cartel-intervention --prior --seed -1", places)
        assert result.exit_code == 2
        assert result.stderr == ("Error: Invalid value for '--seed': expected a whole number "
                                 ">= 0, got -1\n")


def test_a_negative_seed_in_python_is_a_query_error_naming_seed(places) -> None:
    diagram = influence.load(places["model"])
    with pytest.raises(influence.QueryError, match="expected `seed` to be a whole number >= 0, "
                                                   "got -1") as info:
        influence.fit(diagram, places["ev"], seed=-1)
    assert info.value.parameter == "seed"
    for bad in (True, 1.5, "1"):
        with pytest.raises(influence.QueryError, match="`seed`"):
            influence.fit(diagram, places["ev"], seed=bad)
    with pytest.raises(influence.QueryError, match="`seed`"):
        influence.evaluate(diagram, prior=True, seed=-1)


@pytest.mark.parametrize("command", ["--help", "evaluate --help", "fit --help", "plot -h",
                                     "--version"])
def test_help_and_version_are_unaffected(command: str, places) -> None:
    result = _run(command, places)
    assert result.exit_code == 0
    assert result.stderr == ""
    assert result.stdout.startswith("Usage: influence") or result.stdout.startswith("influence ")


def test_influence_alone_prints_the_help() -> None:
    result = CliRunner().invoke(cli, [])
    assert result.exit_code == 2
    assert "Commands:" in result.output and "Error" not in result.output


def test_the_console_script_reports_usage_errors_the_same_way(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "influence", "evaluate", "oil-wildcatter",
                           "--memory-limit", "lots"], capture_output=True, text=True,
                          cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.splitlines() == ["Error: Invalid value for '--memory-limit': expected a "
                                        "size such as 4GB, 512MiB or 2e9 (bytes), got 'lots'"]
    assert done.stdout == ""


# -- files that cannot be read: exit 1, as for a missing model ------------------------------


@pytest.mark.parametrize(("command", "expected"), [
    ("evaluate oil-wildcatter --posterior {out}/missing.nc",
     "Error: {out}/missing.nc: cannot read the posterior: no such file"),
    ("evaluate oil-wildcatter --posterior {out}",
     "Error: {out}: cannot read the posterior: it is a directory"),
    ("sensitivity oil-wildcatter --posterior {out}/missing.nc",
     "Error: {out}/missing.nc: cannot read the posterior: no such file"),
    ("voi oil-wildcatter --posterior {out}",
     "Error: {out}: cannot read the posterior: it is a directory"),
    ("plot oil-wildcatter --posterior {out}/missing.nc -o {out}/x.png",
     "Error: {out}/missing.nc: cannot read the posterior: no such file"),
    ("fit {model} -e {out}/missing.yaml -o {out}/p.nc",
     "Error: {out}/missing.yaml: cannot read the evidence file: no such file, and no bundled "
     "evidence of that name (bundled: cartel-operations)"),
    ("fit {model} -e {out} -o {out}/p.nc",
     "Error: {out}: cannot read the evidence file: it is a directory"),
    ("fit {model} -e {ev} --start {out}/missing.nc -o {out}/p.nc",
     "Error: {out}/missing.nc: cannot read the posterior: no such file"),
    ("fit {model} -e {ev} --start {out} -o {out}/p.nc",
     "Error: {out}: cannot read the posterior: it is a directory"),
    ("evaluate {out}/missing.yaml",
     "Error: expected a model file or the name of a bundled model (cartel-intervention, "
     "oil-wildcatter, umbrella), got '{out}/missing.yaml': no such file, and no bundled model "
     "of that name"),
    ("evaluate oil-wildcatter -o {out}",
     "Error: expected a file to write, got a directory: {out}"),
])
def test_a_file_that_cannot_be_read_or_written_is_exit_1(command, expected, places) -> None:
    result = _run(command, places)
    assert result.exit_code == 1, result.output
    assert _one_error_line(result) == expected.format(**places)


# -- paths longer than the system allows ----------------------------------------------------


def _long_name(suffix: str) -> str:
    return "a" * 300 + suffix


def _long_path(root: Path, suffix: str) -> str:
    return str(root / "/".join(["d" * 200] * 25) / f"x{suffix}")


@pytest.mark.parametrize("kind", ["name", "path"])
def test_a_model_path_too_long_is_a_clean_error_naming_it_and_the_limit(kind, tmp_path,
                                                                         monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    model = _long_name(".yaml") if kind == "name" else _long_path(tmp_path, ".yaml")
    for command in (["evaluate"], ["show"], ["validate"], ["convert"]):
        args = [*command, model] + ([str(tmp_path / "x.net")] if command == ["convert"] else [])
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 1, (command, result.output)
        line = _one_error_line(result)
        limit = "file name of 305 bytes, over the limit of 255" if kind == "name" else \
            f"path of {len(model)} bytes, over the limit of 4095"
        assert limit in line
        assert "..." in line and len(line) < 320  # the path shortened
        assert model[-20:] in line or "x.yaml" in line


@pytest.mark.parametrize("kind", ["name", "path"])
@pytest.mark.parametrize("command", [
    ["evaluate", "oil-wildcatter", "-o"], ["show", "oil-wildcatter", "-o"],
    ["graph", "oil-wildcatter", "-f", "dot", "-o"], ["convert", "oil-wildcatter"],
    ["sensitivity", "oil-wildcatter", "--top", "1", "-o"],
    ["voi", "oil-wildcatter", "-o"]])
def test_an_output_path_too_long_is_a_clean_error(kind, command, tmp_path, monkeypatch
                                                  ) -> None:
    monkeypatch.chdir(tmp_path)
    suffix = ".net" if command[0] == "convert" else ".txt"
    output = _long_name(suffix) if kind == "name" else _long_path(tmp_path, suffix)
    result = CliRunner().invoke(cli, [*command, output])
    assert result.exit_code == 1, result.output
    line = _one_error_line(result)
    assert line.startswith("Error: cannot write ")
    assert "over the limit of 255 bytes" in line if kind == "name" else \
        "over the limit of 4095 bytes" in line
    assert os.listdir(tmp_path) == []


def test_an_input_file_too_long_is_exit_1(places) -> None:
    result = _run(f"evaluate oil-wildcatter --posterior {_long_name('.nc')}", places)
    assert result.exit_code == 1
    assert "cannot read the posterior: a file name of 303 bytes, over the limit of 255" \
        in _one_error_line(result)


def test_a_name_near_the_limit_is_written(tmp_path: Path) -> None:
    """The temporary file beside the output has a longer name: it is cut to fit."""
    output = tmp_path / ("b" * 251 + ".txt")
    result = CliRunner().invoke(cli, ["evaluate", "oil-wildcatter", "-o", str(output)])
    assert result.exit_code == 0, result.output
    assert "Maximum expected utility" in output.read_text()
