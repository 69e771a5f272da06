"""Progress of long computations, and a limit on their time.

Computations over parameter draws (:func:`influence.evaluate`, :func:`influence.sensitivity`
and :func:`influence.value_of_information` under ``prior`` or ``posterior``) take an optional
``progress`` callback: ``progress(done, total)`` is called after each chunk of draws, ``done``
and ``total`` counting draws times the passes made over them. An exception the callback raises
stops the computation and propagates: :class:`Deadline` uses that to refuse work projected to
take longer than a limit.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from .errors import QueryError, TooLargeError

__all__ = ["Progress", "Deadline", "format_seconds"]

#: ``progress(done, total)``.
Progress = Callable[[int, int], None]


def format_seconds(seconds: float) -> str:
    """``0.4 s``, ``45 s``, ``12 min``, ``2.5 h``, ``3.1 days``."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


class Deadline:
    """A ``progress`` callback that stops work projected to take longer than ``seconds``.

    The time is counted from the deadline's creation (create it just before the call). After
    each chunk the time the whole run will take is projected from the share already done; a
    projection (or a time already spent) beyond the limit stops the run with
    :class:`~influence.errors.TooLargeError`, after the first chunk when the run is far too
    long.

    Parameters
    ----------
    seconds : float
        The limit, > 0.
    clock : callable, optional
        Seconds from a fixed point (default :func:`time.monotonic`).

    Examples
    --------
    >>> import influence
    >>> from influence.progress import Deadline
    >>> diagram = influence.load("cartel-intervention")
    >>> result = influence.evaluate(diagram, prior=True, draws=200, seed=1,
    ...                             progress=Deadline(600))
    """

    def __init__(self, seconds: float, *, clock: Callable[[], float] | None = None) -> None:
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) \
                or not seconds > 0 or seconds == float("inf"):
            raise QueryError(f"expected `time_limit` to be a number of seconds > 0, got "
                             f"{seconds!r}", parameter="time_limit")
        self.seconds = float(seconds)
        self.clock = clock if clock is not None else time.monotonic
        self.start = self.clock()

    def __call__(self, done: int, total: int) -> None:
        if done <= 0 or total <= 0:
            return
        elapsed = self.clock() - self.start
        projected = elapsed * max(total, done) / done
        if projected <= self.seconds:
            return
        share = min(done / total, 1.0)
        percent = f"{share:.0%}" if share >= 0.01 else f"{share:.2%}"
        raise TooLargeError(
            f"expected to finish within the time limit of {format_seconds(self.seconds)}, got "
            f"a projected {format_seconds(projected)} ({percent} done after "
            f"{format_seconds(elapsed)}); use fewer draws or raise `time_limit`",
            parameter="time_limit")
