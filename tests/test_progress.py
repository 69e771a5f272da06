"""Progress of runs over parameter draws (the library's ``progress`` callback, the bar on a
terminal) and the time limit (:class:`influence.progress.Deadline`, ``--time-limit``)."""

from __future__ import annotations

import numpy as np
import pytest
from bet_model import BETA_BET
from click.testing import CliRunner

import influence
import influence.cli.progress as cli_progress
from influence.bayes.uncertainty import evaluate_under_uncertainty
from influence.cli.main import cli
from influence.progress import Deadline, format_seconds


class Calls:
    """A progress callback that records its calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []

    def __call__(self, done: int, total: int) -> None:
        self.calls.append((done, total))

    def check(self, total: int) -> None:
        done = [d for d, _ in self.calls]
        assert self.calls, "never called"
        assert {t for _, t in self.calls} == {total}
        assert done == sorted(done) and done[-1] == total and done[0] > 0


@pytest.fixture
def bet() -> influence.Diagram:
    return influence.loads(BETA_BET)


def test_evaluate_reports_each_chunk_of_draws_in_one_pass(bet) -> None:
    from influence.bayes.uncertainty import PRIOR_BLOCK

    diagram = bet
    calls = Calls()
    total = PRIOR_BLOCK + 500
    result = evaluate_under_uncertainty(diagram, prior=True, draws=total, seed=3,
                                        chunk_size=3000, progress=calls)
    calls.check(total)  # one pass, reported as each chunk of a block of prior draws is done
    assert [d for d, _ in calls.calls] == [3000, 6000, 9000, 12000, 15000, PRIOR_BLOCK, total]
    plain = evaluate_under_uncertainty(diagram, prior=True, draws=total, seed=3,
                                       chunk_size=3000)
    assert result.maximum_expected_utility == plain.maximum_expected_utility
    for a, b in zip(result.options, plain.options, strict=True):
        np.testing.assert_array_equal(a.draws, b.draws)


def test_one_chunk_is_one_pass(bet) -> None:
    calls = Calls()
    influence.evaluate(bet, prior=True, draws=500, seed=1, progress=calls)
    assert calls.calls == [(500, 500)]


def test_no_progress_without_draws(bet) -> None:
    calls = Calls()
    influence.evaluate(bet, progress=calls)
    assert calls.calls == []


def test_sensitivity_and_voi_report_their_passes_over_the_draws(bet) -> None:
    calls = Calls()
    result = influence.sensitivity(bet, prior=True, draws=400, seed=2, progress=calls)
    calls.check(800)  # one pass to evaluate (one chunk), one for the parameters' values
    assert result.probabilistic is not None and result.probabilistic.draws == 400
    calls = Calls()
    voi = influence.value_of_information(bet, prior=True, draws=400, seed=2, progress=calls)
    calls.check(400)
    assert voi.draws == 400


def test_an_exception_of_the_callback_stops_the_run(bet) -> None:
    class Stop(Exception):
        pass

    def stop(done: int, total: int) -> None:
        raise Stop

    for call in (lambda: influence.evaluate(bet, prior=True, draws=50, progress=stop),
                 lambda: influence.sensitivity(bet, prior=True, draws=50, progress=stop),
                 lambda: influence.value_of_information(bet, prior=True, draws=50,
                                                        progress=stop)):
        with pytest.raises(Stop):
            call()


# -- the time limit ---------------------------------------------------------------------------


class Clock:
    def __init__(self, step: float) -> None:
        self.now = 0.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def test_a_deadline_refuses_a_run_projected_beyond_it() -> None:
    deadline = Deadline(60, clock=Clock(10.0))  # each look at the clock: 10 s later
    deadline(500, 1000)  # 10 s for 50%: 20 s projected
    deadline(510, 1000)  # 20 s for 51%: 39 s
    deadline(520, 1000)  # 30 s for 52%: 58 s
    with pytest.raises(influence.TooLargeError) as info:
        deadline(530, 1000)  # 40 s for 53%: 75 s
    assert info.value.parameter == "time_limit"
    assert str(info.value) == ("expected to finish within the time limit of 60 s, got a "
                               "projected 75 s (53% done after 40 s); use fewer draws or "
                               "raise `time_limit`")


def test_a_deadline_stops_the_evaluation_after_the_first_chunk() -> None:
    diagram = influence.load("cartel-intervention")
    deadline = Deadline(1.0, clock=Clock(5.0))
    with pytest.raises(influence.TooLargeError, match="projected"):
        evaluate_under_uncertainty(diagram, prior=True, draws=1000, seed=1, chunk_size=100,
                                   progress=deadline)


@pytest.mark.parametrize("bad", [0, -1, float("inf"), float("nan"), "10", True])
def test_a_deadline_needs_a_positive_number_of_seconds(bad) -> None:
    with pytest.raises(influence.QueryError, match="`time_limit`"):
        Deadline(bad)


@pytest.mark.parametrize(("seconds", "text"), [(0.42, "0.4 s"), (45, "45 s"), (720, "12 min"),
                                               (9000, "2.5 h"), (3 * 86400, "3.0 days")])
def test_durations_read_well(seconds, text) -> None:
    assert format_seconds(seconds) == text


@pytest.mark.parametrize(("text", "seconds"), [("90", 90), ("90s", 90), ("10m", 600),
                                               ("10 min", 600), ("2h", 7200), ("1d", 86400),
                                               ("1.5h", 5400)])
def test_time_limit_values(text, seconds) -> None:
    assert cli_progress.parse_duration(None, None, text) == seconds


def test_the_time_limit_on_the_command_line(monkeypatch, tmp_path) -> None:
    class FastTime:
        clock = Clock(30.0)

        @staticmethod
        def monotonic() -> float:
            return FastTime.clock()

    monkeypatch.setattr("influence.progress.time", FastTime)
    model = tmp_path / "bet.yaml"
    model.write_text(BETA_BET)
    result = CliRunner().invoke(cli, ["evaluate", str(model), "--prior", "--draws", "400000",
                                      "--seed", "1", "--time-limit", "1m"])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: expected to finish within the time "
                                                   "limit of 60 s, got a projected ")
    assert lines[0].endswith("use fewer draws or raise --time-limit")
    assert result.stdout == ""


def test_a_time_limit_that_holds_changes_nothing(bet, tmp_path) -> None:
    model = tmp_path / "bet.yaml"
    model.write_text(BETA_BET)
    args = ["evaluate", str(model), "--prior", "--draws", "300", "--seed", "4", "-f", "json"]
    plain = CliRunner().invoke(cli, args)
    limited = CliRunner().invoke(cli, [*args, "--time-limit", "1h"])
    assert plain.exit_code == limited.exit_code == 0
    assert limited.stdout == plain.stdout


# -- the bar on standard error ----------------------------------------------------------------


@pytest.mark.parametrize("command", [
    ["evaluate", "{model}", "--prior", "--draws", "300"],
    ["sensitivity", "{model}", "--prior", "--draws", "300"],
    ["voi", "{model}", "--prior", "--draws", "300"],
])
@pytest.mark.parametrize("terminal", [True, False])
def test_the_bar_shows_on_a_terminal_only(command, terminal, tmp_path, monkeypatch) -> None:
    model = tmp_path / "bet.yaml"
    model.write_text(BETA_BET)
    monkeypatch.setattr(cli_progress, "stderr_is_terminal", lambda: terminal)
    monkeypatch.setattr(cli_progress, "DELAY", 0.0)
    args = [a.format(model=model) for a in command] + ["--seed", "1", "-o",
                                                         str(tmp_path / "out.txt")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    after_bar = result.stderr.split("\r")[-1]
    assert after_bar == f"wrote {tmp_path / 'out.txt'} (table)\n"
    if terminal:
        label = {"evaluate": "evaluating", "sensitivity": "sensitivity",
                 "voi": "value of information"}[command[0]]
        assert f"\r{label} [{'#' * 30}] 100%" in result.stderr
        # erased before the command's own lines: blanks over the bar, back to the start
        assert result.stderr.split("\r")[-2].strip() == ""
    else:
        assert "\r" not in result.stderr and "[" not in result.stderr


def test_the_bar_draws_the_share_done_and_the_time_left() -> None:
    import io

    stream = io.StringIO()
    clock = Clock(1.0)
    bar = cli_progress.ProgressBar("evaluating", stream=stream, clock=clock)
    bar(250, 1000)  # 1 s after the start: 25% done, 3 s left
    bar(500, 1000)  # 2 s: 50%, 2 s left
    bar.close()
    parts = stream.getvalue().split("\r")
    assert parts[1] == f"evaluating [{'#' * 8}{'-' * 22}]  25%  3.0 s left"
    assert parts[2].startswith(f"evaluating [{'#' * 15}{'-' * 15}]  50%  2.0 s left")
    assert parts[3].strip() == "" and parts[4] == ""
