"""Progress of long runs on standard error, and ``--time-limit``.

A command that evaluates parameter draws passes :func:`progress` to the library as its
``progress`` callback: a bar with the share done and the time left, drawn on standard error when
it is a terminal (never when it is redirected, so logs and pipes stay clean), and, with
``--time-limit``, a :class:`~influence.progress.Deadline` that stops a run projected to take
longer.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator
from typing import TextIO

import click

from influence.progress import Deadline, format_seconds

__all__ = ["stderr_is_terminal", "ProgressBar", "progress", "time_limit_option",
           "parse_duration"]

#: Seconds between two drawings of the bar.
REDRAW = 0.2

#: Seconds a run must have lasted before the bar shows (short runs draw nothing).
DELAY = 0.5


def stderr_is_terminal() -> bool:
    """Whether standard error is a terminal (where progress is drawn)."""
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # a replaced or closed stream
        return False


class ProgressBar:
    """``label [######------]  45%  0:12 left`` on one line of standard error, redrawn in
    place, and erased when closed.

    Parameters
    ----------
    label : str
        What runs (``evaluating``).
    stream : file, optional
        Where to draw (default: standard error).
    clock : callable, optional
        Seconds from a fixed point (default :func:`time.monotonic`).
    """

    width = 30

    def __init__(self, label: str, stream: TextIO | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.label = label
        self.stream = stream
        self.clock = clock
        self.start = clock()
        self.drawn = 0.0
        self.length = 0

    def __call__(self, done: int, total: int) -> None:
        now = self.clock()
        elapsed = now - self.start
        if total <= 0 or elapsed < DELAY or (now - self.drawn < REDRAW and done < total):
            return
        share = min(done / total, 1.0)
        filled = int(round(share * self.width))
        left = f"{format_seconds(elapsed * (1 - share) / share)} left" if share > 0 else ""
        self._write(f"{self.label} [{'#' * filled}{'-' * (self.width - filled)}] "
                    f"{share:4.0%}  {left}")
        self.drawn = now

    def close(self) -> None:
        """Erase the bar (the command's own output follows on a clean line)."""
        if self.length:
            self._write("")
            self.length = 0

    def _write(self, line: str) -> None:
        stream = self.stream if self.stream is not None else sys.stderr
        pad = " " * max(self.length - len(line), 0)
        # the length first: a signal arriving during the write still has the bar erased
        self.length = max(self.length, len(line)) if line else 0
        stream.write(f"\r{line}{pad}" + ("\r" if not line else ""))
        stream.flush()
        self.length = len(line)


@contextlib.contextmanager
def progress(label: str, time_limit: float | None = None
             ) -> Iterator[Callable[[int, int], None] | None]:
    """The ``progress`` callback of a command: a :class:`ProgressBar` on a terminal and a
    :class:`~influence.progress.Deadline` with ``time_limit``; None when neither applies. The
    bar is erased when the block ends, however it ends."""
    deadline = Deadline(time_limit) if time_limit is not None else None
    bar = ProgressBar(label) if stderr_is_terminal() else None
    callbacks = [c for c in (deadline, bar) if c is not None]

    def report(done: int, total: int) -> None:
        for callback in callbacks:
            callback(done, total)

    try:
        yield report if callbacks else None
    finally:
        if bar is not None:
            bar.close()


_UNITS = {"": 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}


def parse_duration(ctx: click.Context | None, param: click.Parameter | None,
                   value: str | None) -> float | None:
    """A duration such as ``90``, ``90s``, ``10m``, ``10min``, ``2h`` or ``1d``, in seconds.

    Raises
    ------
    click.BadParameter
        For anything else, or a duration of zero.
    """
    if value is None:
        return None
    text = value.strip().lower()
    number = text.rstrip("abcdefghijklmnopqrstuvwxyz")
    unit = text[len(number):].strip()
    try:
        seconds = float(number) * _UNITS[unit]
    except (ValueError, KeyError):
        raise click.BadParameter(f"expected a duration such as 90s, 10m or 2h, got {value!r}",
                                 ctx=ctx, param=param) from None
    if not 0 < seconds < float("inf"):
        raise click.BadParameter(f"expected a duration above zero, got {value!r}", ctx=ctx,
                                 param=param)
    return seconds


def time_limit_option(f: Callable) -> Callable:
    """``--time-limit DURATION``: stop a run over draws projected to take longer."""
    return click.option(
        "--time-limit", "time_limit", metavar="DURATION", callback=parse_duration,
        help="Stop, before it ends, a run over parameter draws projected to take longer than "
             "this (e.g. 90s, 10m, 2h); the projection is made after each chunk of draws. "
             "Default: no limit (on a terminal a progress bar shows the time left).")(f)
