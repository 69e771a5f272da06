"""Writing output files atomically, and refusing to write over the input.

Every file influence writes goes first to a temporary file in the destination's directory, which
then replaces the destination in one :func:`os.replace`. A reader never sees a half-written file,
and a failure (a full disk, an interrupted process, an error while rendering) leaves whatever was
there before untouched: the temporary file is removed whatever stops the write (an exception,
or a signal that the command line turns into one).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import InfluenceError, OutputError
from .limits import NAME_MAX, format_bytes
from .paths import path_problem, shorten

__all__ = ["atomic_target", "write_text_atomic", "write_bytes_atomic", "refuse_overwrite"]

#: A write that fails with less than this free on the file system is reported as a full disk.
NEARLY_FULL = 2**20

@contextlib.contextmanager
def atomic_target(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary path beside ``path`` that replaces ``path`` when the block succeeds.

    For writers that need a file name (netCDF, image backends). The destination keeps its
    permission bits if it existed; on any error the temporary file is removed and the
    destination is unchanged. A symbolic link is written through (the file it points to is
    replaced, the link kept); a device or named pipe (``/dev/stdout``, a FIFO) is written to in
    place, since it cannot be replaced.

    Raises
    ------
    OutputError
        If the path is too long for the system, the directory does not exist, the destination
        is a directory, or the file cannot be written (a full disk included).
    """
    _check_length(path)
    shown = Path(path)
    try:
        kind = os.stat(shown).st_mode  # follows symbolic links
    except OSError:
        kind = None
    if kind is not None and not stat.S_ISREG(kind) and not stat.S_ISDIR(kind):
        # A device, pipe or socket: write to it in place; it cannot be replaced atomically.
        with tempfile.TemporaryDirectory() as scratch:
            tmp = Path(scratch) / "output"
            yield tmp
            try:
                with open(tmp, "rb") as src, open(shown, "wb") as dst:
                    dst.write(src.read())
            except OSError as exc:
                raise OutputError(f"cannot write {shorten(shown)}: {_reason(exc, shown)}"
                                  ) from None
        return
    # Write through symbolic links (replace the file they point to, keep the link).
    target = Path(os.path.realpath(shown)) if shown.is_symlink() else shown
    directory = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise OutputError(f"expected a file to write, got a directory: {shorten(target)}")
    if not directory.is_dir():
        raise OutputError(f"cannot write {shorten(target)}: expected an existing directory, "
                          f"got {shorten(directory)}, which does not exist")
    mode = None
    with contextlib.suppress(OSError):  # a new file: the mode the umask gives
        mode = target.stat().st_mode & 0o7777
    # The temporary name (".NAME.random.tmp") must itself fit the limit of a file name.
    stem = os.fsencode(target.name)[:NAME_MAX - 16].decode(errors="ignore")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{stem}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise OutputError(f"cannot write {shorten(target)}: {_reason(exc, directory)}"
                          ) from None
    replaced = False
    try:
        os.close(fd)
        yield Path(tmp)
        if mode is None:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, target)
        replaced = True
    except InfluenceError:
        raise
    except OSError as exc:
        reason = _reason(exc, directory)  # before the temporary file frees its space
        raise OutputError(f"cannot write {shorten(target)}: {reason}") from None
    except Exception as exc:
        # A writer that reports a failed write in its own words (netCDF: "HDF error"): an
        # output error when the file system is full, else the writer's error as it is.
        space = _space(directory)
        if space is None:
            raise
        raise OutputError(f"cannot write {shorten(target)}: {exc}{space}") from None
    finally:
        if not replaced:  # whatever stopped the write, an interruption included
            _discard(tmp)


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_target`).

    Parameters
    ----------
    path : str or PathLike
        The destination. Its directory must exist.
    data : bytes
        The full content.

    Returns
    -------
    Path
        The destination.

    Raises
    ------
    OutputError
        If the directory does not exist or the file cannot be written; the destination is then
        unchanged.
    """
    with atomic_target(path) as tmp:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0),
                     0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
    return Path(path)


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; see :func:`write_bytes_atomic`."""
    return write_bytes_atomic(path, text.encode("utf-8"))


def refuse_overwrite(output: str | os.PathLike[str],
                     *inputs: str | os.PathLike[str] | None) -> None:
    """Raise :class:`OutputError` if ``output`` is the same file as one of ``inputs``.

    Parameters
    ----------
    output : str or PathLike
        The file about to be written.
    *inputs : str or PathLike or None
        Files that must not be overwritten (None and paths that do not exist are ignored).
    """
    _check_length(output)
    out = Path(output)
    for item in inputs:
        if item is None or path_problem(item) is not None:
            continue
        src = Path(item)
        if not src.exists():
            continue
        same = out.exists() and os.path.samefile(out, src)
        if same or out.resolve() == src.resolve():
            raise OutputError(
                f"refusing to write the output to {output}: it is the input file {item}; "
                "choose another output file"
            )


def _check_length(path: str | os.PathLike[str]) -> None:
    problem = path_problem(path)
    if problem is not None:
        raise OutputError(f"cannot write {shorten(path)}: expected a shorter path, got "
                          f"{problem}")


def _reason(exc: OSError, directory: str | os.PathLike[str]) -> str:
    """Why a write failed, in the system's words, with the free space left when the file
    system is (nearly) full and the words do not say so."""
    text = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return text
    return text + (_space(directory) or "")


def _space(directory: str | os.PathLike[str]) -> str | None:
    """`` (the file system has 12 KiB free)`` when less than :data:`NEARLY_FULL` is free
    (some writers, netCDF's among them, report a full disk in their own words), else None."""
    try:
        info = os.statvfs(directory)
    except (OSError, AttributeError):
        return None
    free = info.f_bavail * info.f_frsize
    if free >= NEARLY_FULL:
        return None
    return f" (the file system has {format_bytes(free)} free)"


def _discard(tmp: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(tmp)
