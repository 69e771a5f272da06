"""Running independent pieces of work here or on a Dask cluster.

Draws, sensitivity grids and value-of-information questions split into chunks that need nothing
from each other. A :class:`Runner` maps a function over such chunks and returns the results in
the order of the chunks, whoever computed them: :func:`runner` gives one that runs them here, one
after the other, or one that hands them to Dask (``dask.distributed``, an optional dependency:
``pip install "influence[dask]"``): a local cluster of worker processes started for the run
(``workers``), or a running cluster (``scheduler``, its address). Each piece of work carries
its own seed, so the results do not depend on where it ran.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from . import limits
from .errors import QueryError

__all__ = ["Runner", "runner", "pieces", "local_threads"]


class Runner:
    """Maps functions over pieces of work here: one after the other, or on ``threads``
    threads of this process (for work that spends its time in numpy routines that release
    the interpreter lock, such as the contractions of draws).

    Parameters
    ----------
    threads : int
        Threads the pieces run on (1: in the calling thread). Whatever their number, results
        are combined in the order of the pieces, in the calling thread, so that they are the
        same; at most two pieces per thread are taken ahead of those combined.
    """

    #: Worker processes the work is spread over (1 here).
    workers = 1

    def __init__(self, threads: int = 1) -> None:
        self.threads = max(1, int(threads))

    def map(self, fn: Callable[..., Any], items: Iterable[Any], *,
            shared: Sequence[Any] = (), done: Callable[[int, Any], None] | None = None
            ) -> list[Any]:
        """``[fn(*shared, item) for item in items]``, in order; ``done(index, result)`` is
        called as each finishes."""
        return self.fold(fn, items, shared=shared, combine=_append, start=[], done=done)

    def fold(self, fn: Callable[..., Any], items: Iterable[Any], *, combine: Callable,
             start: Any, shared: Sequence[Any] = (),
             done: Callable[[int, Any], None] | None = None) -> Any:
        """``combine(... combine(start, fn(*shared, items[0])) ..., fn(*shared, items[-1]))``:
        the results combined in the order of the items as they come, so that at most a few of
        them are held at once whatever their number. ``items`` may be any iterable (an
        iterator is consumed as the work goes, never ahead of it by more than a few)."""
        if self.threads > 1:
            return _fold_on_threads(self.threads, fn, items, combine, start, shared, done)
        acc = start
        for i, item in enumerate(items):
            result = fn(*shared, item)
            if done is not None:
                done(i, result)
            acc = combine(acc, result)
        return acc


def _fold_on_threads(threads: int, fn: Callable[..., Any], items: Iterable[Any],
                     combine: Callable, start: Any, shared: Sequence[Any],
                     done: Callable[[int, Any], None] | None) -> Any:
    """:meth:`Runner.fold` on ``threads`` daemon threads: a window of two pieces per thread
    is queued, results are combined in order here as they come. An exception (from a piece,
    ``done`` or ``combine``, or an interruption) stops the queueing and is raised here; a
    piece already running finishes on its thread, which holds nothing of the caller's and is
    never waited for (a daemon: the process may exit before it ends)."""
    todo: queue.Queue[Any] = queue.Queue()
    window = 2 * threads
    slots: list[Any] = []  # per piece in the window: [result or exception, finished event]

    def work() -> None:
        while True:
            job = todo.get()
            if job is None:
                return
            item, slot = job
            try:
                slot[0] = (True, fn(*shared, item))
            except BaseException as exc:  # handed to the caller, raised there
                slot[0] = (False, exc)
            slot[1].set()

    workers = [threading.Thread(target=work, name=f"influence-{i}", daemon=True)
               for i in range(threads)]
    for t in workers:
        t.start()
    source = iter(items)

    def queue_next() -> bool:
        item = next(source, _END)
        if item is _END:
            return False
        slot = [None, threading.Event()]
        slots.append(slot)
        todo.put((item, slot))
        return True

    acc = start
    try:
        while len(slots) < window and queue_next():
            pass
        i = 0
        while slots:
            slot = slots.pop(0)
            while not slot[1].wait(0.1):  # in short waits: signals are handled here
                pass
            ok, value = slot[0]
            if not ok:
                raise value
            queue_next()
            if done is not None:
                done(i, value)
            acc = combine(acc, value)
            i += 1
    finally:
        while True:  # what was queued and not started is dropped
            try:
                todo.get_nowait()
            except queue.Empty:
                break
        for _ in workers:
            todo.put(None)
    return acc


def _append(acc: list[Any], result: Any) -> list[Any]:
    acc.append(result)
    return acc


class DaskRunner(Runner):
    """Maps functions over pieces of work on a ``dask.distributed`` client."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.workers = max(1, len(client.scheduler_info().get("workers", {})))

    #: Pieces of work submitted ahead of those done, per worker.
    AHEAD = 4

    def fold(self, fn: Callable[..., Any], items: Iterable[Any], *, combine: Callable,
             start: Any, shared: Sequence[Any] = (),
             done: Callable[[int, Any], None] | None = None) -> Any:
        """As :meth:`Runner.fold`, the pieces computed on the cluster: a window of
        :attr:`AHEAD` per worker is submitted at a time (taken from ``items`` as it goes),
        results arriving out of order wait until those before them are combined."""
        from distributed import as_completed

        todo = iter(items)
        first = next(todo, _END)
        if first is _END:
            return start
        # (hash=False: a fresh key each time, never one being released by an earlier fold;
        # each in a list of one: a list scattered is scattered element by element)
        scattered = [self.client.scatter([s], broadcast=True, hash=False)[0] for s in shared]
        window = max(2, self.AHEAD * self.workers)
        index: dict[str, int] = {}
        waiting: dict[int, Any] = {}
        acc, combined, submitted = start, 0, 0
        held = [first]  # taken from the items to see whether there were any

        def submit() -> Any | None:
            nonlocal submitted
            item = held.pop() if held else next(todo, _END)
            if item is _END:
                return None
            future = self.client.submit(fn, *scattered, item, pure=False)
            index[future.key] = submitted
            submitted += 1
            return future

        futures = [f for f in (submit() for _ in range(window)) if f is not None]
        pending = as_completed(futures, with_results=True)
        for future, result in pending:
            i = index.pop(future.key)
            if done is not None:
                done(i, result)
            waiting[i] = result
            while combined in waiting:
                acc = combine(acc, waiting.pop(combined))
                combined += 1
            more = submit()
            if more is not None:
                pending.add(more)
        return acc


#: The end of the items of a fold.
_END = object()


def pieces(count: int, most: int) -> list[slice]:
    """The pieces ``count`` things are split into, as slices: at most ``most`` things in each,
    and :data:`~influence.limits.PIECES` pieces or more when there are that many things (each
    piece is then one piece of work, see :meth:`Runner.map`). They depend on ``count`` and
    ``most`` only."""
    step = max(1, min(int(most), -(-int(count) // limits.PIECES)))
    return [slice(start, start + step) for start in range(0, int(count), step)]


def _check(workers: Any, scheduler: Any) -> None:
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or workers < 1):
        raise QueryError(f"expected `workers` to be a whole number of at least 1, got "
                         f"{workers!r}", parameter="workers")
    if scheduler is not None and (not isinstance(scheduler, str) or not scheduler.strip()):
        raise QueryError(f"expected `scheduler` to be the address of a running Dask scheduler "
                         f"(such as tcp://10.0.0.5:8786), got {scheduler!r}",
                         parameter="scheduler")
    if workers is not None and scheduler is not None:
        raise QueryError("expected either `workers` (a local cluster) or `scheduler` (a running "
                         "one), got both", parameter="workers")


def local_threads() -> int:
    """Threads the draws of an evaluation may run on in this process: the ``INFLUENCE_THREADS``
    environment variable if set (a whole number >= 1), otherwise the processors this process
    may use, at most :data:`~influence.limits.LOCAL_THREADS`.

    Raises
    ------
    QueryError
        If ``INFLUENCE_THREADS`` is set to something other than a whole number >= 1.
    """
    text = os.environ.get("INFLUENCE_THREADS", "").strip()
    if text:
        if not text.isdigit() or int(text) < 1:
            raise QueryError(f"expected the environment variable INFLUENCE_THREADS to be a "
                             f"whole number of at least 1, got {text!r}",
                             parameter="INFLUENCE_THREADS")
        return int(text)
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on every platform
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, limits.LOCAL_THREADS))


@contextmanager
def runner(workers: int | None = None, scheduler: str | None = None, *,
           threads: int = 1) -> Iterator[Runner]:
    """A :class:`Runner` for the duration of a ``with`` block.

    Parameters
    ----------
    workers : int, optional
        Start a local Dask cluster of this many worker processes (one thread each) for the
        block, and close it after.
    scheduler : str, optional
        Use the running ``dask.distributed`` cluster at this address (its workers need
        ``influence`` installed, the same version).

    threads : int
        Without either: the threads of this process the pieces run on (see :class:`Runner`).

    Without either, the work runs here, one piece after the other (or on ``threads``
    threads).

    Raises
    ------
    QueryError
        For a bad ``workers`` or ``scheduler``, both given, Dask not installed, or a scheduler
        that cannot be reached.
    """
    _check(workers, scheduler)
    if workers is None and scheduler is None:
        yield Runner(threads)
        return
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise QueryError("expected Dask to run on several workers (`workers` or `scheduler`), "
                         "got no dask.distributed installed: pip install \"influence[dask]\"",
                         parameter="workers" if workers is not None else "scheduler") from None
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=f"{limits.SCHEDULER_TIMEOUT}s")
        except OSError as exc:
            raise QueryError(f"expected a running Dask scheduler at {scheduler!r}, got no "
                             f"answer ({exc})", parameter="scheduler") from None
        try:
            yield DaskRunner(client)
        finally:
            client.close()
        return
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        yield DaskRunner(client)
