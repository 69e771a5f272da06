"""Ctrl-C (SIGINT) and SIGTERM: the command stops where it is, reports one line, exits with
130 or 143, keeps the previous output file and leaves no temporary file behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from bet_model import BETA_BET, SEVEN_OF_TEN
from click.testing import CliRunner

import influence
from influence.cli.main import cli
from influence.cli.signals import Interrupted, interrupts

#: Seconds a subprocess may take to reach the point where it is interrupted (imports, PyTensor
#: compilation on a busy machine), and to end after the signal: guards against a hang, not
#: timings.
PATIENCE = 300


# -- in the process ---------------------------------------------------------------------------


@pytest.mark.parametrize(("signum", "code", "line"), [(signal.SIGINT, 130, "Interrupted"),
                                                      (signal.SIGTERM, 143, "Terminated")])
def test_a_signal_during_a_command_is_one_line_and_its_exit_code(signum, code, line, tmp_path,
                                                                 monkeypatch) -> None:
    target = tmp_path / "out.txt"
    target.write_text("previous")
    real = influence.evaluate

    def evaluate(*args, **kwargs):
        os.kill(os.getpid(), signum)  # delivered to this (the main) thread at once
        time.sleep(5)
        return real(*args, **kwargs)

    monkeypatch.setattr(influence, "evaluate", evaluate)
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    result = CliRunner().invoke(cli, ["evaluate", "oil-wildcatter", "-o", str(target)])
    assert result.exit_code == code
    assert result.stderr == f"{line}\n" and result.stdout == ""
    assert target.read_text() == "previous"
    assert {s: signal.getsignal(s) for s in before} == before  # the handlers are restored


def test_an_interruption_wrapped_by_a_library_is_one_line_too(monkeypatch, capsys) -> None:
    """A signal that arrives inside a library's machinery (Numba's loading of compiled code
    turns the exception of the handler into a SystemError) still stops the command with one
    line and its exit code."""
    from influence.cli.main import InfluenceGroup

    def run(*args, **kwargs):
        try:
            raise Interrupted(signal.SIGINT)
        except Interrupted as stop:
            raise SystemError("a result with an exception set") from stop

    monkeypatch.setattr(InfluenceGroup, "_run", run)
    with pytest.raises(SystemExit) as done:
        cli.main(args=["models"], prog_name="influence")
    assert done.value.code == 130
    assert capsys.readouterr().err == "Interrupted\n"
    monkeypatch.setattr(InfluenceGroup, "_run", lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):  # any other error is left alone
        cli.main(args=["models"], prog_name="influence")


def test_an_interruption_is_not_a_keyboard_interrupt() -> None:
    """Libraries that swallow KeyboardInterrupt (PyMC's samplers do) let it through."""
    assert not issubclass(Interrupted, KeyboardInterrupt | Exception)
    with pytest.raises(Interrupted):
        try:
            raise Interrupted(signal.SIGINT)
        except KeyboardInterrupt:  # pragma: no cover - what PyMC does
            pass


def test_a_signal_ignored_at_start_stays_ignored() -> None:
    previous = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        with interrupts():
            assert signal.getsignal(signal.SIGTERM) is signal.SIG_IGN
            assert signal.getsignal(signal.SIGINT) is not signal.default_int_handler
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_outside_the_main_thread_nothing_changes() -> None:
    seen = []

    def run() -> None:
        with interrupts():
            seen.append(signal.getsignal(signal.SIGINT))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert seen == [signal.getsignal(signal.SIGINT)]


def test_the_temporary_file_goes_when_the_write_is_interrupted(tmp_path) -> None:
    from influence.atomic import atomic_target

    target = tmp_path / "out.txt"
    target.write_text("previous")
    with pytest.raises(Interrupted), atomic_target(target) as tmp:
        tmp.write_text("half")
        raise Interrupted(signal.SIGTERM)
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
    assert target.read_text() == "previous"


# -- real processes ---------------------------------------------------------------------------


def _start(args: list[str], cwd: Path, prelude: str = "") -> subprocess.Popen:
    """``influence ARGS`` through the console script's ``main``, after ``prelude`` (Python
    that prepares the run, for instance a writer that waits)."""
    code = textwrap.dedent(prelude) + "\nimport sys\nfrom influence.cli.main import main\n" \
        "main(sys.argv[1:])\n"
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=cwd, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


class _Reader:
    """Collects a process's standard error as it comes, carriage returns included."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.text = ""
        self.thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self.thread.start()

    def _read(self, process: subprocess.Popen) -> None:
        raw = process.stderr.buffer  # bytes: carriage returns kept as they are
        for chunk in iter(lambda: raw.read1(64), b""):
            self.text += chunk.decode(errors="replace")

    def wait_for(self, what: str, process: subprocess.Popen) -> None:
        deadline = time.monotonic() + PATIENCE
        while what not in self.text:
            assert process.poll() is None, self.text
            assert time.monotonic() < deadline, self.text
            time.sleep(0.05)


def _wait_for_file(folder: Path, suffix: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + PATIENCE
    while not any(p.name.endswith(suffix) for p in folder.iterdir()):
        assert process.poll() is None, process.stderr.read()
        assert time.monotonic() < deadline
        time.sleep(0.05)


_SLOW_FSYNC = """
    import time
    import influence.atomic
    real_fsync = influence.atomic.os.fsync
    def fsync(fd):
        time.sleep(60)
    influence.atomic.os.fsync = fsync
"""


def test_sigterm_while_writing_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("previous")
    process = _start(["evaluate", "oil-wildcatter", "-f", "json", "-o", str(target)], tmp_path,
                     _SLOW_FSYNC)
    _wait_for_file(tmp_path, ".tmp", process)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=PATIENCE)
    assert process.returncode == 143
    assert err == "Terminated\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]
    assert target.read_text() == "previous"


def test_sigint_while_writing_a_posterior_leaves_no_temporary_file(tmp_path: Path) -> None:
    pytest.importorskip("netCDF4")
    (tmp_path / "bet.yaml").write_text(BETA_BET)
    (tmp_path / "evidence.yaml").write_text(SEVEN_OF_TEN)
    target = tmp_path / "post.nc"
    target.write_text("previous")
    slow_netcdf = """
        import time
        import influence.bayes.netcdf as netcdf
        def slow(*args, **kwargs):
            time.sleep(60)
        netcdf._write_variable = slow
    """
    process = _start(["fit", "bet.yaml", "-e", "evidence.yaml", "-o", "post.nc", "--seed", "1"],
                     tmp_path, slow_netcdf)
    _wait_for_file(tmp_path, ".tmp", process)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=PATIENCE)
    assert process.returncode == 130
    assert err == "Interrupted\n"
    _nothing_written(tmp_path, target)


_TERMINAL = """
    import influence.cli.progress as progress
    progress.stderr_is_terminal = lambda: True
    progress.DELAY = 0.0
"""


def _long_fit(tmp_path: Path, sampler: str) -> tuple[subprocess.Popen, _Reader, Path]:
    """A NUTS fit of a million draws started in ``tmp_path`` with ``sampler``, beside a
    posterior file it must not replace: the process, its output reader and that file."""
    (tmp_path / "bet.yaml").write_text(BETA_BET)
    (tmp_path / "evidence.yaml").write_text(SEVEN_OF_TEN)
    target = tmp_path / "post.nc"
    target.write_text("previous")
    process = _start(["fit", "bet.yaml", "-e", "evidence.yaml", "-o", "post.nc", "--method",
                      "nuts", "--sampler", sampler, "--draws", "1000000", "--chains", "2",
                      "--seed", "1"], tmp_path)
    return process, _Reader(process), target


def _nothing_written(tmp_path: Path, target: Path) -> None:
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bet.yaml", "evidence.yaml",
                                                          "post.nc"]
    assert target.read_text() == "previous"


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "code", "line"), [(signal.SIGINT, 130, "Interrupted"),
                                                      (signal.SIGTERM, 143, "Terminated")])
def test_a_signal_stops_a_long_evaluation_over_draws(signum, code, line, tmp_path) -> None:
    """Two million prior draws take minutes: the signal comes once the first chunk is done
    (the progress bar, drawn as on a terminal, says so)."""
    target = tmp_path / "result.txt"
    target.write_text("previous")
    process = _start(["evaluate", "cartel-intervention", "--prior", "--draws", "2000000",
                      "--seed", "1", "-o", str(target)], tmp_path, _TERMINAL)
    reader = _Reader(process)
    reader.wait_for("evaluating [", process)
    process.send_signal(signum)
    process.wait(timeout=PATIENCE)
    reader.thread.join(timeout=PATIENCE)
    assert process.returncode == code
    assert reader.text.split("\r")[-1] == f"{line}\n"  # after the erased bar, one line
    assert "Traceback" not in reader.text
    assert [p.name for p in tmp_path.iterdir()] == ["result.txt"]
    assert target.read_text() == "previous"


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "code", "line"), [(signal.SIGINT, 130, "Interrupted"),
                                                      (signal.SIGTERM, 143, "Terminated")])
def test_a_signal_stops_nuts_sampling_and_keeps_the_previous_posterior(signum, code, line,
                                                                       tmp_path) -> None:
    """PyMC swallows KeyboardInterrupt and carries on with the draws made so far; the
    interruption is no KeyboardInterrupt, so sampling stops and nothing is written."""
    pytest.importorskip("pymc")
    process, reader, target = _long_fit(tmp_path, "pymc")
    reader.wait_for("NUTS:", process)  # PyMC's log line: sampling starts
    time.sleep(1.0)
    process.send_signal(signum)
    process.wait(timeout=PATIENCE)
    reader.thread.join(timeout=PATIENCE)
    assert process.returncode == code, reader.text
    after = reader.text.split("NUTS:", 1)[1].splitlines()[1:]
    assert after == [line], reader.text
    _nothing_written(tmp_path, target)


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "code", "line"), [(signal.SIGINT, 130, "Interrupted")])
def test_a_signal_stops_blackjax_sampling_between_blocks(signum, code, line, tmp_path,
                                                         tmp_path_factory, monkeypatch) -> None:
    """BlackJAX's chains run block after block of compiled draws: a signal stops them at the
    end of the block, and nothing is written."""
    from influence.bayes import jax_sampler

    if not jax_sampler.available():
        pytest.skip("JAX and BlackJAX (dependencies of influence) are not installed")
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("INFLUENCE_CACHE_DIR", str(cache))
    process, reader, target = _long_fit(tmp_path, "blackjax")
    deadline = time.monotonic() + PATIENCE
    while not list((cache / "nuts").glob("*/run-*.json")):  # the programs are made: sampling
        assert process.poll() is None and time.monotonic() < deadline, reader.text
        time.sleep(0.2)
    time.sleep(3.0)
    process.send_signal(signum)
    process.wait(timeout=PATIENCE)
    reader.thread.join(timeout=PATIENCE)
    assert process.returncode == code, reader.text
    assert reader.text.strip().splitlines()[-1] == line, reader.text
    _nothing_written(tmp_path, target)
