"""Decisions under parameter uncertainty: every option evaluated under every parameter draw.

The draws come from the model's priors (``prior=True``) or from a
:class:`~influence.fitting.Posterior`. They are evaluated in chunks as units of work
(:func:`influence.solve.batched.evaluate_units`, the same kernels as the point solver on a whole
batch of draws at once) on the threads of this process (:func:`_threads`), or on Dask workers;
diagrams of limited memory go through :meth:`influence.solve.plan.Plan.evaluate_chunks`. Memory
stays bounded whatever the number of draws: the chunk size is chosen from the size of the stage
tensor and of the contraction intermediates.

The numbers this produces, per option (named policy, or alternative of a decision that observes
nothing):

- ``expected_utility``, ``sd``, ``interval_90``: mean, standard deviation and central 90%
  interval of its expected utility over the draws;
- ``probability_best``: share of draws in which it has the highest expected utility among the
  options it is compared with (ties share the credit): the named policies with each other, the
  alternatives of one decision with each other;
- ``expected_loss``: mean over draws of the shortfall from the best of those options.

And for the whole diagram: the Bayes strategy (maximising the expected utility averaged over
draws), the share of draws in which each of its rules is optimal, and ``evpi_parameters``, the
expected value of perfect information about the parameters.

Only numpy and the solver are imported here; the posterior brings in what it needs to read
its file.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import replace
from typing import Any

import numpy as np

from ..errors import QueryError, TooLargeError
from ..limits import MEMORY_BUDGET, format_bytes
from ..model.diagram import Diagram
from ..progress import Progress
from ..solve import memory
from ..solve.plan import Plan
from ..solve.results import Evaluation
from ..solve.tables import Parameters
from .posterior_units import posterior_means, posterior_units

__all__ = [
    "evaluate_under_uncertainty",
    "chunk_size_for",
    "prior_chunks",
    "DEFAULT_PRIOR_DRAWS",
    "PRIOR_BLOCK",
    "MEMORY_BUDGET",
    "counting",
]

#: Prior draws used when none is asked for.
DEFAULT_PRIOR_DRAWS = 4000

#: Prior draws are sampled in blocks of this many, block ``i`` from a seed derived from the user's
#: seed and ``i`` (block 0 from the seed itself). The draws therefore depend on the seed and the
#: number of draws only, never on the chunk size used to evaluate them.
PRIOR_BLOCK = 16384

#: Bytes of working memory one chunk of draws may take (parameters, stage tensors,
#: contraction intermediates, backward induction).

_MAX_CHUNK = 65536


def evaluate_under_uncertainty(
    diagram: Diagram | Plan,
    *,
    given: Mapping[str, str] | None = None,
    posterior: Any = None,
    prior: bool = False,
    draws: int | None = None,
    seed: int | None = None,
    chunk_size: int | None = None,
    keep_draws: bool = False,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
    runner: Any = None,
) -> Evaluation:
    """Evaluate every policy, alternative and the Bayes strategy under parameter draws.

    Parameters
    ----------
    diagram : Diagram or Plan
        The influence diagram, or its compiled plan (whose scenario is then used).
    given : mapping, optional
        A scenario: chance nodes that no decision influences, known before any decision. Each
        draw's results are conditional on it.
    posterior : Posterior, optional
        Draws from :func:`influence.fit`. It is checked against ``diagram`` first.
    prior : bool
        Evaluate under draws from the model's priors instead.
    draws : int, optional
        Number of prior draws (default :data:`DEFAULT_PRIOR_DRAWS`), or a cap on the number of
        posterior draws used.
    seed : int, optional
        Seed of the prior draws; without one, fresh entropy is used.
    chunk_size : int, optional
        Draws evaluated at once (default: chosen from :data:`MEMORY_BUDGET`). The results do
        not depend on it, up to floating-point rounding.
    keep_draws : bool
        Keep every option's expected utility in every draw whatever their number; otherwise
        they are kept while they fit :data:`~influence.limits.KEEP_DRAWS_BUDGET`, and beyond it
        a systematic subsample for the 90% intervals (see :mod:`influence.solve.summaries`).
    workers : int, optional
        Spread the draws over a local Dask cluster of this many worker processes.
    scheduler : str, optional
        Spread them over the running ``dask.distributed`` cluster at this address.
    progress : callable, optional
        ``progress(done, total)`` as draws are done (see :mod:`influence.progress`); an
        exception it raises stops the evaluation.
    runner : Runner, optional
        A :class:`influence.parallel.Runner` already open (by an analysis that runs other
        work on it too), instead of ``workers`` or ``scheduler``.

    Returns
    -------
    Evaluation
        ``maximum_expected_utility`` is the expected utility of the Bayes strategy averaged over
        the draws; every option carries its draws and the fields ``sd``, ``interval_90``,
        ``probability_best`` and ``expected_loss``; ``draws``, ``uncertainty``
        ("prior" or "posterior"), ``evpi_parameters`` and, for a posterior, ``diagnostics`` are
        filled. The results are the same whatever ``workers`` or ``scheduler`` (prior draws
        are made in blocks of :data:`PRIOR_BLOCK`, each from its own seed).

    Raises
    ------
    QueryError
        For both or neither of ``posterior`` and ``prior``, fewer than 2 draws, a bad chunk
        size, a model without priors under ``prior=True``, a bad scenario, or bad
        ``workers`` or ``scheduler``.
    PosteriorError
        If ``posterior`` was made for another model or another version of this one.
    """
    plan = diagram if isinstance(diagram, Plan) else Plan(diagram, given)
    diagram = plan.diagram
    _check_arguments(diagram, posterior, prior, draws, seed, chunk_size)
    if posterior is not None:
        posterior.check(diagram)
        total = posterior.draws if draws is None else min(int(draws), posterior.draws)
        chunk = _chunk(plan, total, chunk_size, keep_draws)
        units, load = posterior_units(posterior, diagram, chunk, draws)
        expected = posterior_means(posterior, diagram, draws)
        kind = "posterior"
        diagnostics = _diagnostics(posterior)
    else:
        _require_priors(diagram)
        total = int(draws) if draws is not None else DEFAULT_PRIOR_DRAWS
        chunk = _chunk(plan, total, chunk_size, keep_draws)
        if seed is None:
            seed = int(np.random.SeedSequence().entropy)
        if runner is None and workers is None and scheduler is None and not plan.limited:
            # here, on threads: chunks of the blocks, each block drawn once
            units = PriorChunks(total, chunk)
            load = PriorChunkLoader(diagram, seed, units.step)
        else:
            units, load = _prior_units(diagram, total, seed, chunk)
        expected = prior_means(diagram)
        kind = "prior"
        diagnostics = None
    if plan.limited:
        chunks = counting(_as_chunks(units, load, chunk), total, progress)
        evaluation = plan.evaluate_chunks(chunks, uncertainty=kind)
        return replace(evaluation, diagnostics=diagnostics)
    from ..parallel import runner as make_runner
    from ..solve.batched import evaluate_units

    report = None if progress is None else (lambda done: progress(done, total))
    threads = 1 if workers or scheduler else _threads(plan, chunk, len(units), total,
                                                      keep_draws)
    with (nullcontext(runner) if runner is not None
          else make_runner(workers, scheduler, threads=threads)) as run:
        evaluation = evaluate_units(plan, units, load, chunk=chunk, total=total,
                                    uncertainty=kind, keep_draws=keep_draws, runner=run,
                                    progress=report, expected=expected)
    return replace(evaluation, diagnostics=diagnostics)


def _threads(plan: Plan, chunk: int, units: int, draws: int, keep_draws: bool) -> int:
    """Threads to evaluate ``units`` units of work on here (see
    :func:`influence.parallel.local_threads`): no more than there are units, and no more chunks
    in flight (two per thread) than fit the plan's memory limit beside the values kept."""
    from ..parallel import local_threads

    threads = min(local_threads(), units)
    kept = kept_bytes(plan, draws, keep_draws)
    while threads > 1 and (plan.memory.total(2 * threads * chunk, rules=True) + kept
                           > plan.memory_limit):
        threads -= 1
    return threads


def _check_arguments(diagram: Diagram, posterior: Any, prior: bool, draws: Any, seed: Any,
                     chunk_size: Any) -> None:
    if (posterior is None) == (not prior):
        raise QueryError(
            "expected either `posterior` or `prior`, got "
            + ("both" if prior else "neither"), file=diagram.file,
            parameter="prior" if prior else "posterior")
    if draws is not None and (isinstance(draws, bool) or not isinstance(draws, int | np.integer)
                              or draws < 2):
        raise QueryError(f"expected `draws` to be a whole number of at least 2, got {draws!r}",
                         file=diagram.file, parameter="draws")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer)
                             or seed < 0):
        raise QueryError(f"expected `seed` to be a whole number >= 0, got {seed!r}",
                         file=diagram.file, parameter="seed")
    if chunk_size is not None and (not isinstance(chunk_size, int | np.integer)
                                   or chunk_size < 1):
        raise QueryError(f"expected a positive `chunk_size`, got {chunk_size!r}",
                         file=diagram.file, parameter="chunk_size")


def _chunk(plan: Plan, draws: int, chunk_size: int | None, keep_draws: bool = False) -> int:
    if chunk_size is None:
        return chunk_size_for(plan, draws, keep_draws=keep_draws, optional=keep_draws)
    _check_draws(plan, draws, int(chunk_size), keep_draws, keep_draws)
    memory.check(plan, min(int(chunk_size), draws), rules=True,
                 kept=kept_bytes(plan, draws, keep_draws))
    return int(chunk_size)


def counting(chunks: Callable[[], Iterator[Parameters]], total: int,
             progress: Progress | None) -> Callable[[], Iterator[Parameters]]:
    """``chunks``, calling ``progress(done, total)`` after each chunk has been used, ``done``
    counting the draws of every pass (at most ``total``); ``chunks`` itself without
    ``progress``."""
    if progress is None:
        return chunks
    done = 0

    def run() -> Iterator[Parameters]:
        nonlocal done
        for chunk in chunks():
            yield chunk
            done += max(np.shape(v)[0] for v in chunk.values())
            progress(min(done, total), total)

    return run


# -- where the draws come from --------------------------------------------------------------------
def _prior_block(diagram: Diagram, seed: int, block: tuple[int, int]) -> Parameters:
    """The draws of prior block ``index`` (``n`` of them), its tables made at once: what
    :func:`_prior_block_parts` and :class:`PriorChunkLoader` make a part at a time, to the
    last bit (the reference the tests hold them to)."""
    from .draws import sample_prior_parameters

    index, n = block
    return sample_prior_parameters(diagram, n, seed=_block_seed(seed, index))


class PriorBlocks(Sequence):
    """The prior draws as units of work, ``(start, (index, n))`` for block ``index`` of ``n``
    draws starting at draw ``start``: one per block of :data:`PRIOR_BLOCK`, made when asked
    for (a sequence of any length in constant memory; slices are sequences too)."""

    def __init__(self, draws: int, indices: range | None = None) -> None:
        self.draws = draws
        self.indices = indices if indices is not None else range(-(-draws // PRIOR_BLOCK))

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return PriorBlocks(self.draws, self.indices[i])
        index = self.indices[i]
        start = index * PRIOR_BLOCK
        return start, (index, min(PRIOR_BLOCK, self.draws - start))


def _prior_units(diagram: Diagram, draws: int, seed: int, chunk: int
                 ) -> tuple[PriorBlocks, Callable[[Any], Iterator[Parameters]]]:
    """The prior draws as units of work (see :class:`PriorBlocks`) and what makes them: each
    block's tables a group of chunks of ``chunk`` draws at a time (:func:`_prior_block_parts`)."""
    return PriorBlocks(draws), functools.partial(_prior_block_parts, diagram, seed, chunk)


def _block_parameters(diagram: Diagram, seed: int, index: int, n: int
                      ) -> dict[str, np.ndarray]:
    """The parameters of prior block ``index`` (``n`` draws of each uncertain slot), drawn as
    :func:`_prior_block` draws them: the same generator, the same order."""
    from .draws import uncertain_slots

    rng = np.random.default_rng(_block_seed(seed, index))
    return {slot.name: slot.prior.sample(rng, n) for slot in uncertain_slots(diagram)}


def _tables_of(diagram: Diagram, values: Mapping[str, np.ndarray], low: int, high: int
               ) -> Parameters:
    """The tables of draws ``low`` to ``high`` of a block's parameters ``values``."""
    from .draws import parameter_tables, uncertain_slots

    return parameter_tables(diagram, uncertain_slots(diagram), high - low,
                            lambda slot: values[slot.name][low:high])


def _group_size(tables: Parameters, count: int, step: int) -> int:
    """Draws in a group of whole chunks of ``step`` draws whose tables fit
    :data:`TABLE_BUDGET` (at least one chunk), from the tables of ``count`` draws."""
    per_draw = sum(a.nbytes for a in tables.values() if np.shape(a)[0] == count)
    return step * max(1, int(TABLE_BUDGET // max(per_draw // max(count, 1) * step, 1)))


def _prior_block_parts(diagram: Diagram, seed: int, step: int, block: tuple[int, int]
                       ) -> Iterator[Parameters]:
    """The tables of prior block ``block`` (``(index, n)``) in parts: its first chunk of
    ``step`` draws, then groups of chunks that fit :data:`TABLE_BUDGET` (the draws of
    :func:`_prior_block`, to the last bit, never a whole block of large tables at once)."""
    index, n = block
    values = _block_parameters(diagram, seed, index, n)
    first = _tables_of(diagram, values, 0, min(step, n))
    yield first
    group = _group_size(first, min(step, n), step)
    for low in range(min(step, n), n, group):
        yield _tables_of(diagram, values, low, min(low + group, n))


class PriorChunks(Sequence):
    """The prior draws as units of work of at most ``chunk`` draws each, for threads of this
    process: ``(start, (index, low, high, n))``, draws ``low`` to ``high`` of block ``index``
    (of ``n`` draws, see :class:`PriorBlocks`), starting at draw ``start`` of the run. The
    draws are those of the blocks: a block is drawn once (:class:`PriorChunkLoader`) and cut
    into chunks."""

    def __init__(self, draws: int, chunk: int, indices: range | None = None) -> None:
        self.draws = draws
        self.step = max(1, min(int(chunk), PRIOR_BLOCK))
        blocks = -(-draws // PRIOR_BLOCK)
        last = draws - (blocks - 1) * PRIOR_BLOCK
        self.per_block = -(-PRIOR_BLOCK // self.step)
        count = (blocks - 1) * self.per_block + -(-last // self.step)
        self.indices = indices if indices is not None else range(count)

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return PriorChunks(self.draws, self.step, self.indices[i])
        block, j = divmod(self.indices[i], self.per_block)
        n = min(PRIOR_BLOCK, self.draws - block * PRIOR_BLOCK)
        low = j * self.step
        return block * PRIOR_BLOCK + low, (block, low, min(low + self.step, n), n)


class PriorChunkLoader:
    """Makes the draws of a unit of :class:`PriorChunks`, the chunks of a block being those of
    :func:`_prior_block` to the last bit: the block's parameters are drawn once
    (:func:`_block_parameters`), and its tables computed a group of chunks at a time, a
    group's tables taking at most :data:`TABLE_BUDGET` bytes (at least one chunk), so that a
    model with large tables never holds a whole block of them. Each chunk is a copy of its
    slice of its group's tables. The parameters of the last :attr:`KEEP` blocks and the tables
    of the last :attr:`KEEP` groups are kept. Safe to call from several threads: what is
    missing is made by the first thread that needs it while the others wait for it.

    Parameters
    ----------
    diagram : Diagram
    seed : int
        The run's seed (block ``i`` is drawn from the seed derived from it and ``i``).
    step : int
        The draws of a chunk of :class:`PriorChunks` (groups are whole chunks).
    """

    #: Blocks of parameters, and groups of tables, kept.
    KEEP = 2

    def __init__(self, diagram: Diagram, seed: int, step: int) -> None:
        self.diagram = diagram
        self.seed = seed
        self.step = max(1, int(step))
        self.group: int | None = None  # draws per group of tables, set on the first chunk
        self._lock = threading.Lock()
        self._parameters: dict[int, dict[str, np.ndarray]] = {}
        self._tables: dict[tuple[int, int], Parameters] = {}

    def _drawn(self, index: int, n: int) -> dict[str, np.ndarray]:
        found = self._parameters.get(index)
        if found is None:
            found = _block_parameters(self.diagram, self.seed, index, n)
            _keep(self._parameters, index, found, self.KEEP)
        return found

    def _group_of(self, index: int, low: int, n: int) -> tuple[int, Parameters]:
        with self._lock:
            if self.group is None:
                count = min(self.step, n - low)
                first = _tables_of(self.diagram, self._drawn(index, n), low, low + count)
                self.group = _group_size(first, count, self.step)
            start = (low // self.group) * self.group
            found = self._tables.get((index, start))
            if found is None:
                found = _tables_of(self.diagram, self._drawn(index, n), start,
                                   min(start + self.group, n))
                _keep(self._tables, (index, start), found, self.KEEP)
            return start, found

    def __call__(self, descriptor: tuple[int, int, int, int]) -> Parameters:
        index, low, high, n = descriptor
        start, tables = self._group_of(index, low, n)
        # copies: a group dropped from the cache is freed whatever chunks are in flight
        return {node: table if np.shape(table)[0] == 1 else table[low - start:high - start].copy()
                for node, table in tables.items()}


#: Bytes of tables :class:`PriorChunkLoader` computes at once (a group of chunks).
TABLE_BUDGET = 64 * 2**20


def _keep(cache: dict[Any, Any], key: Any, value: Any, most: int) -> None:
    """Put ``value`` in ``cache`` and drop the oldest entries beyond ``most``."""
    cache[key] = value
    while len(cache) > most:
        del cache[next(iter(cache))]


def prior_means(diagram: Diagram) -> Parameters:
    """The tables at the means of the priors, as one draw: their stage tensor is the expected
    stage tensor of prior draws (each row's prior is drawn on its own, and the stage tensor is
    linear in each table)."""
    from .draws import parameter_tables, uncertain_slots

    return parameter_tables(diagram, uncertain_slots(diagram), 1,
                            lambda slot: np.asarray(slot.prior.mean(), dtype=float)[None])


def prior_chunks(diagram: Diagram, draws: int, seed: int,
                 chunk: int) -> Callable[[], Iterator[Parameters]]:
    """A callable returning a fresh iterator over prior draws in chunks of at most ``chunk``.

    Draws are sampled in blocks of :data:`PRIOR_BLOCK`; block 0 with ``seed``, block ``i``
    with a seed derived from ``(seed, i)``. Every call of the callable yields the same draws.
    With ``draws <= PRIOR_BLOCK`` they are exactly
    ``sample_prior_parameters(diagram, draws, seed)``.
    """
    units, load = _prior_units(diagram, draws, seed, chunk)
    return _as_chunks(units, load, chunk)


def _as_chunks(units: Sequence[tuple[int, Any]], load: Callable[[Any], Parameters],
               chunk: int) -> Callable[[], Iterator[Parameters]]:
    def chunks() -> Iterator[Parameters]:
        for _, descriptor in units:
            yield from _split(load(descriptor), chunk)

    return chunks


def _block_seed(seed: int, index: int) -> int:
    if index == 0:
        return seed
    sequence = np.random.SeedSequence(seed, spawn_key=(index,))
    return int(sequence.generate_state(1, np.uint64)[0])


def _split(params: Parameters, chunk: int) -> Iterator[Parameters]:
    """Slices of at most ``chunk`` draws (arrays with a leading axis of 1 are shared)."""
    from ..solve.batched import split

    return split(params, chunk)


def _require_priors(diagram: Diagram) -> None:
    if not diagram.has_priors:
        raise QueryError(
            "expected priors in the model to evaluate under the prior, got none: every number "
            "is a point value (add a `prior:` to some row or value, or evaluate without "
            "`prior`)", file=diagram.file, parameter="prior")


def _diagnostics(posterior: Any) -> dict[str, Any]:
    """What the evaluation reports about the posterior it used (shown whenever it is used)."""
    out: dict[str, Any] = {"method": getattr(posterior, "method", None)}
    out.update(dict(getattr(posterior, "diagnostics", None) or {}))
    return out


# -- memory ---------------------------------------------------------------------------------------
def chunk_size_for(plan: Plan, draws: int | None = None, budget: int = MEMORY_BUDGET, *,
                   keep_draws: bool = True, optional: bool = False) -> int:
    """How many draws to evaluate at once.

    A chunk takes at most ``budget`` bytes of numeric arrays (the plan's per-draw estimate, see
    :mod:`influence.solve.memory`); with ``draws``, the whole run (result rows, the per-draw
    values kept, one chunk) must fit the plan's memory limit: every draw's values with
    ``keep_draws`` (what the analyses that need their distribution keep), a bounded subsample
    otherwise (see :func:`kept_bytes`). ``optional``: ``keep_draws`` was asked for and could be
    left out (the error message says so).

    Raises
    ------
    TooLargeError
        If ``draws`` draws cannot be evaluated within the plan's memory limit.
    """
    per_draw = max(plan.memory.per_draw, 1)
    chunk = max(1, min(_MAX_CHUNK, budget // per_draw))
    if draws is None:
        return chunk
    _check_draws(plan, draws, chunk, keep_draws, optional)
    chunk = min(chunk, draws)
    memory.check(plan, chunk, rules=True, kept=kept_bytes(plan, draws, keep_draws))
    return chunk


def _check_draws(plan: Plan, draws: int, chunk: int, keep_draws: bool = True,
                 optional: bool = False) -> None:
    """Refuse more draws than the values kept for each of them leave room for beside a chunk
    of ``chunk`` draws, saying how many fit (a clearer message than the memory estimate's
    when the number of draws is the cause). ``optional``: keeping every draw was asked for
    (``keep_draws``), and the message says it can be left out."""
    each = kept_bytes(plan, 1)
    room = plan.memory_limit - plan.memory.total(min(chunk, draws), rules=True)
    if kept_bytes(plan, draws, keep_draws) <= room or room < 2 * each:
        return  # the latter: memory.check says why
    advice = ("use fewer draws, leave out `keep_draws` (the summaries need no per-draw values) "
              "or raise `memory_limit`" if optional else
              "use fewer draws or raise `memory_limit`")
    raise TooLargeError(
        f"expected at most {max(room // each, 0):,} draws within the memory limit of "
        f"{format_bytes(plan.memory_limit)} (each draw keeps {each} bytes: the expected "
        f"utility of every option in it), got {draws:,}; {advice}", file=plan.diagram.file,
        parameter="memory_limit")


def kept_bytes(plan: Plan, draws: int, keep_draws: bool = True) -> int:
    """Bytes of the per-draw values a run keeps: the expected utility of every option, of the
    Bayes strategy and of each draw's own optimum, in every draw kept (every draw when asked or
    when they fit :data:`~influence.limits.KEEP_DRAWS_BUDGET`, a subsample of at most
    :data:`~influence.limits.QUANTILE_SAMPLE` otherwise: the summaries of the others are merged
    as they come, see :mod:`influence.solve.summaries`)."""
    from ..solve.summaries import sample_step

    options = len(plan.option_specs()) + 1
    step = sample_step(draws, options, keep_draws)
    return 8 * -(-draws // step) * (options + 2)
