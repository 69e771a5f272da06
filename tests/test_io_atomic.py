"""Atomic output: symbolic links are written through, special files written in place, and a
failed write leaves the destination as it was."""

from __future__ import annotations

import errno
import os
import threading

import pytest
from bet_model import BETA_BET, SEVEN_OF_TEN
from click.testing import CliRunner

from influence.atomic import atomic_target, write_text_atomic
from influence.errors import OutputError


def test_a_symbolic_link_is_written_through_and_kept(tmp_path):
    real = tmp_path / "real.txt"
    real.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(real.name)
    write_text_atomic(link, "new")
    assert link.is_symlink()
    assert real.read_text() == "new"


def test_a_named_pipe_is_written_in_place(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    write_text_atomic(fifo, "through the pipe")
    reader.join(timeout=10)
    assert received == ["through the pipe"]
    assert fifo.is_fifo()


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_device_is_an_output_error_and_stays_a_device():
    with pytest.raises(OutputError, match="No space left"):
        write_text_atomic("/dev/full", "x")
    assert not os.path.isfile("/dev/full")


def test_a_failure_inside_the_block_leaves_the_destination_unchanged(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("keep me")
    with pytest.raises(RuntimeError), atomic_target(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("renderer failed")
    assert target.read_text() == "keep me"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_permissions_of_an_existing_file_are_kept(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("x")
    target.chmod(0o640)
    write_text_atomic(target, "y")
    assert target.read_text() == "y"
    assert target.stat().st_mode & 0o777 == 0o640


def test_a_missing_directory_is_an_output_error(tmp_path):
    with pytest.raises(OutputError, match="expected an existing directory"):
        write_text_atomic(tmp_path / "nope" / "out.txt", "x")


# -- a full disk ------------------------------------------------------------------------------


def _no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


class _Full:
    """What os.statvfs says of a full file system: 4 KiB free."""

    f_bavail = 1
    f_frsize = 4096


@pytest.mark.parametrize("call", ["write", "fsync"])
def test_a_full_disk_while_writing_is_an_output_error_and_keeps_the_old_file(tmp_path,
                                                                              monkeypatch,
                                                                              call):
    import influence.atomic

    target = tmp_path / "out.txt"
    target.write_text("previous")
    monkeypatch.setattr(influence.atomic.os, call, _no_space)
    with pytest.raises(OutputError) as info:
        write_text_atomic(target, "new " * 1000)
    assert str(info.value) == f"cannot write {target}: No space left on device"
    assert target.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_a_writer_that_fails_on_a_full_disk_in_its_own_words(tmp_path, monkeypatch):
    """netCDF reports a full disk as ``RuntimeError: NetCDF: HDF error``: an output error with
    the free space, when the file system is full."""
    import influence.atomic

    target = tmp_path / "post.nc"
    target.write_text("previous")
    monkeypatch.setattr(influence.atomic.os, "statvfs", lambda path: _Full())
    with pytest.raises(OutputError) as info, atomic_target(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("NetCDF: HDF error")
    assert str(info.value) == (f"cannot write {target}: NetCDF: HDF error (the file system "
                               "has 4 KiB free)")
    assert target.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["post.nc"]


def test_an_os_error_without_the_words_for_it_gets_the_free_space(tmp_path, monkeypatch):
    import influence.atomic

    monkeypatch.setattr(influence.atomic.os, "statvfs", lambda path: _Full())
    with pytest.raises(OutputError, match=r"HDF error \(the file system has 4 KiB free\)$"), \
            atomic_target(tmp_path / "x.nc"):
        raise OSError("HDF error")
    assert list(tmp_path.iterdir()) == []


def test_a_posterior_on_a_full_disk_keeps_the_previous_file(tmp_path, monkeypatch):
    pytest.importorskip("netCDF4")
    import influence
    import influence.atomic
    import influence.bayes.netcdf as netcdf
    from influence.cli.main import cli

    (tmp_path / "bet.yaml").write_text(BETA_BET)
    (tmp_path / "evidence.yaml").write_text(SEVEN_OF_TEN)
    target = tmp_path / "post.nc"
    target.write_text("previous")
    real = netcdf._write_variable

    def full(nc, name, *args, **kwargs):  # the first variables fit, then the disk is full
        if name.startswith("s0") or name == "draw":
            raise RuntimeError("NetCDF: HDF error")
        return real(nc, name, *args, **kwargs)

    monkeypatch.setattr(netcdf, "_write_variable", full)
    monkeypatch.setattr(influence.atomic.os, "statvfs", lambda path: _Full())
    result = CliRunner().invoke(cli, ["fit", str(tmp_path / "bet.yaml"), "-e",
                                      str(tmp_path / "evidence.yaml"), "-o", str(target),
                                      "--seed", "1"])
    assert result.exit_code == 1, result.output
    assert result.stderr == (f"Error: cannot write {target}: NetCDF: HDF error (the file "
                             "system has 4 KiB free)\n")
    assert target.read_text() == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bet.yaml", "evidence.yaml",
                                                          "post.nc"]


def test_a_full_disk_on_the_command_line_is_one_error_line(tmp_path, monkeypatch):
    import influence.atomic
    from influence.cli.main import cli

    target = tmp_path / "out.txt"
    target.write_text("previous")
    monkeypatch.setattr(influence.atomic.os, "write", _no_space)
    for command in (["evaluate", "oil-wildcatter", "-f", "json", "-o", str(target)],
                    ["show", "umbrella", "-o", str(target)],
                    ["graph", "umbrella", "-f", "dot", "-o", str(target)],
                    ["convert", "umbrella", str(tmp_path / "u.yaml")]):
        result = CliRunner().invoke(cli, command)
        assert result.exit_code == 1, result.output
        assert result.stderr == f"Error: cannot write {command[-1]}: No space left on device\n"
    assert target.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
