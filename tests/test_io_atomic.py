"""Atomic output: symbolic links are written through, special files written in place, and a
failed write leaves the destination as it was."""

from __future__ import annotations

import os
import threading

import pytest

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
