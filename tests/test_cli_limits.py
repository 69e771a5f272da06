"""Resource limits on the command line: ``--memory-limit`` on every command that solves, and
draws beyond what memory allows refused before the run, saying how many fit."""

from __future__ import annotations

import re

import pytest
from bet_model import BETA_BET
from click.testing import CliRunner

import influence
from influence.bayes.uncertainty import chunk_size_for
from influence.cli.main import cli


def _one_error_line(result) -> str:
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


@pytest.mark.parametrize("command", [
    ["evaluate", "oil-wildcatter"],
    ["sensitivity", "oil-wildcatter"],
    ["voi", "oil-wildcatter"],
    ["evaluate", "cartel-intervention", "--prior", "--draws", "50"],
    ["sensitivity", "cartel-intervention", "--prior", "--draws", "50"],
    ["voi", "cartel-intervention", "--prior", "--draws", "50"],
    ["plot", "cartel-intervention", "--prior", "--draws", "50", "-o", "{tmp}/x.png"],
])
def test_every_command_that_solves_keeps_to_the_memory_limit(command, tmp_path) -> None:
    args = [a.format(tmp=tmp_path) for a in command] + ["--memory-limit", "1KB"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    line = _one_error_line(result)
    assert "expected an evaluation within the memory limit of 1000 bytes, got an estimated" \
        in line
    assert line.endswith("or raise --memory-limit")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("command", "function"), [
    (["sensitivity", "oil-wildcatter"], "sensitivity"),
    (["voi", "oil-wildcatter"], "value_of_information"),
])
def test_the_memory_limit_reaches_the_library(command, function, monkeypatch) -> None:
    seen = {}

    def spy(diagram, *args, **kwargs):
        seen.update(kwargs)
        raise influence.TooLargeError("stop here", parameter="memory_limit")

    monkeypatch.setattr(influence, function, spy)
    result = CliRunner().invoke(cli, [*command, "--memory-limit", "2GiB"])
    assert result.exit_code == 1
    assert seen["memory_limit"] == 2 * 2**30 and seen["progress"] is None


def test_the_library_takes_the_memory_limit() -> None:
    diagram = influence.load("oil-wildcatter")
    for call in (lambda: influence.sensitivity(diagram, memory_limit=1000),
                 lambda: influence.value_of_information(diagram, memory_limit=1000)):
        with pytest.raises(influence.TooLargeError) as info:
            call()
        assert info.value.parameter == "memory_limit"
    assert influence.sensitivity(diagram, memory_limit=10**8).base_expected_utility == \
        pytest.approx(22.5)


def test_draws_beyond_memory_are_refused_saying_how_many_fit() -> None:
    result = CliRunner().invoke(cli, ["evaluate", "cartel-intervention", "--prior", "--draws",
                                      str(10**12), "--memory-limit", "1GB", "--keep-draws"])
    assert result.exit_code == 1
    line = _one_error_line(result)
    pattern = (r"Error: cartel_intervention\.yaml: expected at most ([\d,]+) draws "
               r"within the memory limit of 954 MiB \(each draw keeps (\d+) bytes: "
               r"the expected utility of every option in it\), got "
               r"1,000,000,000,000; use fewer draws{} or raise --memory-limit")
    found = re.fullmatch(pattern.format(r", leave out --keep-draws \(the summaries need no "
                                        r"per-draw values\)"), line)
    assert found, line
    most = int(found.group(1).replace(",", ""))
    plan = influence.plan(influence.load("cartel-intervention"), memory_limit=10**9)
    # one number of each option, of the Bayes strategy and of each draw's optimum: 8 bytes each
    assert int(found.group(2)) == 8 * (len(plan.options()) + 3)
    chunk_size_for(plan, most)  # as many as it says fit
    with pytest.raises(influence.TooLargeError, match="expected at most"):
        chunk_size_for(plan, most + 1)
    # without keep_draws the per-draw values kept are bounded: as many draws as asked fit
    chunk_size_for(plan, 10**12, keep_draws=False)
    # sensitivity keeps every draw's values (plot, like evaluate, keeps a bounded subsample)
    other = CliRunner().invoke(cli, ["sensitivity", "cartel-intervention", "--prior", "--draws",
                                     str(10**12), "--memory-limit", "1GB"])
    assert other.exit_code == 1
    again = re.fullmatch(pattern.format(""), _one_error_line(other))
    assert again and again.groups() == found.groups(), _one_error_line(other)


def test_without_keep_draws_any_number_of_draws_runs_in_bounded_memory(tmp_path) -> None:
    model = tmp_path / "bet.yaml"
    model.write_text(BETA_BET)
    result = CliRunner().invoke(cli, ["evaluate", str(model), "--prior", "--draws",
                                      str(10**12), "--memory-limit", "1GB", "--time-limit",
                                      "2s"])
    assert result.exit_code == 1
    line = _one_error_line(result)  # stopped by the time it would take, not by memory
    assert line.startswith("Error: expected to finish within the time limit of 2.0 s"), line




def test_draws_beyond_memory_are_refused_before_the_point_analysis(monkeypatch) -> None:
    import influence.analysis.sensitivity as sensitivity

    def never(*args, **kwargs):
        raise AssertionError("the one-way analysis ran before the draws were checked")

    monkeypatch.setattr(sensitivity, "one_way", never)
    diagram = influence.loads(BETA_BET)
    with pytest.raises(influence.TooLargeError, match="within the memory limit"):
        influence.sensitivity(diagram, prior=True, draws=10**12, memory_limit=10**9)
