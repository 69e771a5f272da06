"""What a path given by the user can be, checked before the operating system is asked.

A file name longer than the file system allows, or a path longer than the system allows, makes
every system call on it fail with ``ENAMETOOLONG``; readers and writers check their paths here
first, so that the message names the path (shortened) and the limit.
"""

from __future__ import annotations

import os
import stat

from .limits import NAME_MAX, PATH_MAX

__all__ = ["shorten", "path_problem", "input_problem"]

#: Characters of a path shown in a message before it is shortened.
SHOWN = 160


def shorten(path: str | os.PathLike[str], width: int = SHOWN) -> str:
    """``path`` as text, its middle replaced by ``...`` when it is longer than ``width``."""
    text = os.fsdecode(path) if isinstance(path, bytes) else str(path)
    if len(text) <= width:
        return text
    keep = (width - 3) // 2
    return f"{text[:keep]}...{text[-keep:]}"


def path_problem(path: str | os.PathLike[str]) -> str | None:
    """Why ``path`` cannot name a file on this system, or None.

    Returns
    -------
    str or None
        ``a file name of 300 bytes, over the limit of 255 bytes`` or ``a path of 5000 bytes,
        over the limit of 4095 bytes``; None when the path's length is acceptable.
    """
    raw = os.fsencode(path)
    if len(raw) > PATH_MAX:
        return f"a path of {len(raw)} bytes, over the limit of {PATH_MAX} bytes"
    longest = max((len(part) for part in raw.split(b"/")), default=0)
    if longest > NAME_MAX:
        return f"a file name of {longest} bytes, over the limit of {NAME_MAX} bytes"
    return None


def input_problem(path: str | os.PathLike[str]) -> str | None:
    """Why ``path`` cannot be read as a file, or None: too long, missing, a directory, or
    not accessible (``no such file``, ``it is a directory``, ...)."""
    problem = path_problem(path)
    if problem is not None:
        return problem
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "no such file"
    except OSError as exc:
        return (exc.strerror or str(exc)).lower()
    if stat.S_ISDIR(mode):
        return "it is a directory"
    return None
