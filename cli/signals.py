"""Interruptions of a running command: Ctrl-C (SIGINT) and SIGTERM.

While a command runs, both signals raise :class:`~influence.errors.Interrupted` in the main
thread. It derives from :class:`BaseException` but not from :class:`KeyboardInterrupt`:
libraries that catch ``KeyboardInterrupt`` to stop quietly and carry on with what they have
(PyMC's samplers return the draws made so far) let it through, so the command stops where it
is. Every ``finally``
block on the way runs: the atomic writer removes its temporary file and the previous output
file is left as it was. The root group reports one line and exits with 128 + the signal's
number (130 for Ctrl-C, 143 for SIGTERM), as shells do.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType

from influence.errors import Interrupted

__all__ = ["Interrupted", "interrupts", "ignore_interrupts", "received", "exit_now"]
#: The signals turned into :class:`~influence.errors.Interrupted`.
SIGNALS = (signal.SIGINT, signal.SIGTERM)


#: The signals received while a command ran, in order.
_RECEIVED: list[int] = []


def _raise(signum: int, frame: FrameType | None) -> None:
    _RECEIVED.append(signum)
    raise Interrupted(signum)


def received() -> tuple[int, ...]:
    """The signals that interrupted a command in this process."""
    return tuple(_RECEIVED)


@contextlib.contextmanager
def interrupts() -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM raise :class:`~influence.errors.Interrupted` in the
    main thread.

    A signal the process was started ignoring (``nohup``, a background job of a
    non-interactive shell) stays ignored. Outside the main thread, where Python cannot set
    handlers, nothing changes. The previous handlers are restored on leaving.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}
    for signum in SIGNALS:
        handler = signal.getsignal(signum)
        if handler is not signal.SIG_IGN:
            previous[signum] = handler
            signal.signal(signum, _raise)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)


def ignore_interrupts() -> None:
    """Ignore further SIGINT and SIGTERM: the command is reporting how it ended and exiting,
    which a second Ctrl-C must not turn into a traceback."""
    if threading.current_thread() is threading.main_thread():
        for signum in SIGNALS:
            signal.signal(signum, signal.SIG_IGN)


def exit_now(code: int) -> None:
    """End the process at once with ``code``, after flushing the standard streams and running
    the exit handlers (temporary directories, worker processes), but without the interpreter's
    teardown of every module, which takes seconds once PyMC and PyTensor are loaded: an
    interrupted command returns to the prompt at once. Only for the console script, never
    inside a host program."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    with contextlib.suppress(Exception):
        atexit._run_exitfuncs()
    os._exit(code)
