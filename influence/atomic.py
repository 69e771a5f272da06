"""Writing output files atomically, and refusing to write over the input.

Every file influence writes goes first to a temporary file in the destination's directory, which
then replaces the destination in one :func:`os.replace`. A reader never sees a half-written file,
and a failure (a full disk, an interrupted process, an error while rendering) leaves whatever was
there before untouched.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import OutputError

__all__ = ["atomic_target", "write_text_atomic", "write_bytes_atomic", "refuse_overwrite"]

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
        If the directory does not exist, the destination is a directory, or the file cannot
        be written.
    """
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
                raise OutputError(f"cannot write {shown}: {exc.strerror or exc}") from None
        return
    # Write through symbolic links (replace the file they point to, keep the link).
    target = Path(os.path.realpath(shown)) if shown.is_symlink() else shown
    directory = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise OutputError(f"expected a file to write, got a directory: {target}")
    if not directory.is_dir():
        raise OutputError(f"cannot write {target}: expected an existing directory, got "
                          f"{directory}, which does not exist")
    mode = None
    with contextlib.suppress(OSError):  # a new file: the mode the umask gives
        mode = target.stat().st_mode & 0o7777
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
        os.close(fd)
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror}") from None
    try:
        yield Path(tmp)
        if mode is None:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except OSError as exc:
        _discard(tmp)
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from None
    except BaseException:
        _discard(tmp)
        raise


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
    with atomic_target(path) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
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
    out = Path(output)
    for item in inputs:
        if item is None:
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


def _discard(tmp: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(tmp)
