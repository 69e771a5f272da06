"""Text output that fits: every line of every bundled model's reports within COLUMNS (100, and
80, the narrowest reports are laid out for), wrapped text and tables (influence.io.textgrid),
and ``-o FILE`` choosing the format by suffix."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from influence.cli.main import cli
from influence.io import textgrid
from influence.io.textgrid import Column, fits, grid, output_width, wrap
from influence.model import bundled

WITH_PRIORS = [name for name in bundled.names() if name == "cartel-intervention"]

COMMANDS = [(cmd, model) for model in bundled.names()
            for cmd in ("evaluate", "evaluate --all-states", "show --tables", "sensitivity",
                        "voi")]
COMMANDS += [(cmd, model) for model in WITH_PRIORS
             for cmd in ("evaluate --prior --draws 200 --seed 1",
                         "sensitivity --prior --draws 200 --seed 1",
                         "voi --prior --draws 200 --seed 1")]


def run(args: list[str], columns: int | None = None):
    env = {} if columns is None else {"COLUMNS": str(columns)}
    return CliRunner().invoke(cli, args, env=env)


@pytest.mark.parametrize("columns", [100, 80])
@pytest.mark.parametrize(("command", "model"), COMMANDS,
                         ids=[f"{m}: {c}" for c, m in COMMANDS])
def test_every_line_fits(command: str, model: str, columns: int) -> None:
    verb, *options = command.split()
    result = run([verb, model, *options], columns)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) > 5
    too_wide = [line for line in lines if len(line) > columns]
    assert not too_wide, f"{len(too_wide)} lines wider than {columns}: {too_wide[:3]}"


def test_the_article_model_uses_the_width_it_is_given() -> None:
    wide = run(["evaluate", "cartel-intervention"], 160).stdout
    narrow = run(["evaluate", "cartel-intervention"], 100).stdout
    assert max(map(len, wide.splitlines())) > 100  # room for the labels in the table
    assert max(map(len, narrow.splitlines())) == 100
    assert "label" in wide.splitlines()[5] and "Options:" not in wide
    assert "Options:" in narrow  # the labels follow the table
    for label in ("The article's full recommendation", "Status quo"):
        assert label in narrow and label in wide


def test_a_narrower_columns_is_laid_out_at_the_minimum() -> None:
    at_60 = run(["evaluate", "cartel-intervention"], 60).stdout
    assert at_60 == run(["evaluate", "cartel-intervention"], textgrid.MIN_WIDTH).stdout


def test_show_prints_the_priors() -> None:
    text = run(["show", "cartel-intervention"], 100).stdout
    section = text[text.index("\nPriors"):text.index("\nSources")]
    assert "(119 parameters uncertain, each with its prior under Parameters" in \
        " ".join(section.split())
    parameters = text[text.index("\nParameters ("):text.index("\nNodes")]
    assert "usd_to_lives" in parameters and "Uniform(60," in parameters
    assert "(none: every number is a point value)" in run(["show", "oil-wildcatter"]).stdout


# -- the width -----------------------------------------------------------------------------------


def test_output_width(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setenv("COLUMNS", "132")
    assert output_width(io.StringIO()) == 132
    monkeypatch.setenv("COLUMNS", "40")
    assert output_width(io.StringIO()) == textgrid.MIN_WIDTH
    monkeypatch.delenv("COLUMNS")
    assert output_width(io.StringIO()) == textgrid.DEFAULT_WIDTH  # a file or a pipe
    monkeypatch.setattr("shutil.get_terminal_size", lambda fallback: type(
        "Size", (), {"columns": 117, "lines": 40})())
    assert output_width(Terminal()) == 117
    monkeypatch.setenv("COLUMNS", "wide")  # not a number: ignored
    assert output_width(Terminal()) == 117
    assert output_width(sys.stdout) in (117, textgrid.DEFAULT_WIDTH)


@pytest.mark.parametrize("width", [12, 30, 80])
def test_wrap_never_exceeds_the_width(width: int) -> None:
    text = ("model: Livermore (2025). https://www.atlanticcouncil.org/blogs/new-atlanticist/"
            "us-intervention-against-mexican-cartels-carries-major-risks/ and "
            "violence_mexico[us_strikes=none,retaliation_mexico=limited,partnership=yes]:x "
            + "y" * 50)
    lines = wrap(text, width, "  ", "      ")
    assert all(len(line) <= width for line in lines), lines
    # nothing is lost: the words come back when the lines are joined
    assert "".join("".join(lines).split()) == "".join(("model: " + text[7:]).split())


def test_wrap_breaks_long_names_after_commas_first() -> None:
    assert wrap("mexico_cooperation[mexico_response=opposes,us_strikes=none]", 48) == [
        "mexico_cooperation[mexico_response=opposes,", "us_strikes=none]"]
    assert wrap("invitation-after-partnership", 12) == ["invitation-", "after-", "partnership"]


def test_grid_wraps_cells_and_keeps_alignment() -> None:
    rows = [["a", "short", "1.5"], ["b", "a much longer text that has to wrap somewhere", "10"]]
    columns = [Column("id"), Column("text", wrap=True, minimum=10), Column("n", right=True)]
    lines = grid(columns, rows, width=30)
    assert all(len(line) <= 30 for line in lines)
    assert lines[0].split() == ["id", "text", "n"]
    assert lines[2].endswith("1.5") and lines[3].endswith("10")
    text_at = lines[0].index("text")
    continued = lines[4:]
    assert continued and all(line[:text_at].strip() == "" for line in continued)
    assert " ".join(line[text_at:].strip() for line in lines[3:]).startswith(
        "a much longer text")


def test_grid_too_wide_to_fit_lists_each_row() -> None:
    columns = [Column("name"), Column("value", right=True)]
    rows = [["x" * 40, "1"], ["y", "2"]]
    assert not fits(columns, rows, width=30)
    lines = grid(columns, rows, width=30)
    assert all(len(line) <= 30 for line in lines)
    assert lines[-1] == "  name: y; value: 2"


# -- -o FILE: the format from the suffix ---------------------------------------------------------


@pytest.mark.parametrize("command", [["evaluate", "oil-wildcatter"], ["show", "umbrella"],
                                     ["sensitivity", "oil-wildcatter"],
                                     ["voi", "oil-wildcatter"]])
def test_output_format_follows_the_suffix(command: list[str], tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    result = run([*command, "-o", str(target)])
    assert result.exit_code == 0, result.output
    data = json.loads(target.read_text())
    assert data.get("model") in ("oil-wildcatter", "umbrella")
    assert "(json)" in result.stderr
    text = tmp_path / "out.txt"
    assert run([*command, "-o", str(text)]).exit_code == 0
    assert not text.read_text().lstrip().startswith("{")
    forced = tmp_path / "forced.json"
    assert run([*command, "-o", str(forced), "--format", "table"]).exit_code == 0
    assert not forced.read_text().lstrip().startswith("{")  # --format wins


@pytest.mark.parametrize("command", [["evaluate", "oil-wildcatter"],
                                     ["sensitivity", "oil-wildcatter"],
                                     ["voi", "oil-wildcatter"]])
def test_a_csv_suffix_writes_csv(command: list[str], tmp_path: Path) -> None:
    target = tmp_path / "out.CSV"
    assert run([*command, "-o", str(target)]).exit_code == 0
    rows = list(csv.reader(io.StringIO(target.read_text())))
    assert len(rows) > 2 and len({len(r) for r in rows}) == 1


def test_a_suffix_naming_a_format_the_command_does_not_write(tmp_path: Path) -> None:
    result = run(["show", "umbrella", "-o", str(tmp_path / "umbrella.csv")])
    assert result.exit_code == 2
    assert "writes table or json, not CSV; give --format" in result.stderr
    assert not list(tmp_path.iterdir())
    assert run(["show", "umbrella", "-o", str(tmp_path / "u.csv"), "-f", "table"]).exit_code == 0
