"""Decisions under parameter uncertainty: every option evaluated under every parameter draw.

The draws come from the model's priors (``prior=True``) or from a
:class:`~influence.fitting.Posterior`. They are fed in chunks to
:meth:`influence.solve.plan.Plan.evaluate_chunks`, which runs the same kernels as the point
solver on a whole batch of draws at once. Memory stays bounded whatever the number of draws:
the chunk size is chosen from the size of the stage tensor and of the contraction
intermediates.

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

from collections.abc import Callable, Iterator, Mapping
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
    progress: Progress | None = None,
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
    progress : callable, optional
        ``progress(done, total)`` after each chunk (see :mod:`influence.progress`); an
        exception it raises stops the evaluation.

    Returns
    -------
    Evaluation
        ``maximum_expected_utility`` is the expected utility of the Bayes strategy averaged over
        the draws; every option carries its draws and the fields ``sd``, ``interval_90``,
        ``probability_best`` and ``expected_loss``; ``draws``, ``uncertainty``
        ("prior" or "posterior"), ``evpi_parameters`` and, for a posterior, ``diagnostics`` are
        filled.

    Raises
    ------
    QueryError
        For both or neither of ``posterior`` and ``prior``, fewer than 2 draws, a bad chunk
        size, a model without priors under ``prior=True``, or a bad scenario.
    PosteriorError
        If ``posterior`` was made for another model or another version of this one.
    """
    plan = diagram if isinstance(diagram, Plan) else Plan(diagram, given)
    diagram = plan.diagram
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
    if posterior is not None:
        posterior.check(diagram)
        total = posterior.draws if draws is None else min(int(draws), posterior.draws)
        chunk = _chunk(plan, total, chunk_size)
        chunks = _posterior_chunks(posterior, diagram, chunk, draws)
        kind = "posterior"
        diagnostics = _diagnostics(posterior)
        single = total <= chunk
    else:
        _require_priors(diagram)
        total = int(draws) if draws is not None else DEFAULT_PRIOR_DRAWS
        chunk = _chunk(plan, total, chunk_size)
        if seed is None:
            seed = int(np.random.SeedSequence().entropy)
        chunks = prior_chunks(diagram, total, seed, chunk)
        kind = "prior"
        diagnostics = None
        single = total <= min(chunk, PRIOR_BLOCK)
    # One pass over the draws when they fit one chunk, else two (see evaluate_chunks).
    chunks = counting(chunks, total * (1 if single else 2), progress)
    evaluation = plan.evaluate_chunks(chunks, uncertainty=kind)
    return replace(evaluation, diagnostics=diagnostics)


def _chunk(plan: Plan, draws: int, chunk_size: int | None) -> int:
    if chunk_size is None:
        return chunk_size_for(plan, draws)
    _check_draws(plan, draws, int(chunk_size))
    memory.check(plan, min(int(chunk_size), draws), rules=True, kept=kept_bytes(plan, draws))
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
def prior_chunks(diagram: Diagram, draws: int, seed: int,
                 chunk: int) -> Callable[[], Iterator[Parameters]]:
    """A callable returning a fresh iterator over prior draws in chunks of at most ``chunk``.

    Draws are sampled in blocks of :data:`PRIOR_BLOCK`; block 0 with ``seed``, block ``i``
    with a seed derived from ``(seed, i)``. Every call of the callable yields the same draws.
    With ``draws <= PRIOR_BLOCK`` they are exactly
    ``sample_prior_parameters(diagram, draws, seed)``.
    """
    from .draws import sample_prior_parameters

    def blocks() -> Iterator[Parameters]:
        done = 0
        index = 0
        while done < draws:
            n = min(PRIOR_BLOCK, draws - done)
            yield sample_prior_parameters(diagram, n, seed=_block_seed(seed, index))
            done += n
            index += 1

    def chunks() -> Iterator[Parameters]:
        for block in blocks():
            yield from _split(block, chunk)

    return chunks


def _block_seed(seed: int, index: int) -> int:
    if index == 0:
        return seed
    sequence = np.random.SeedSequence(seed, spawn_key=(index,))
    return int(sequence.generate_state(1, np.uint64)[0])


def _posterior_chunks(posterior: Any, diagram: Diagram, chunk: int,
                      cap: int | None) -> Callable[[], Iterator[Parameters]]:
    if cap is None:
        return lambda: iter(posterior.iter_parameters(diagram, chunk))
    params = posterior.parameters(diagram, max_draws=int(cap))
    return lambda: _split(params, chunk)


def _split(params: Parameters, chunk: int) -> Iterator[Parameters]:
    """Slices of at most ``chunk`` draws (arrays with a leading axis of 1 are shared)."""
    total = max(np.shape(v)[0] for v in params.values())
    for start in range(0, total, chunk):
        stop = min(start + chunk, total)
        if start == 0 and stop == total:
            yield params
            return
        yield {k: (v if np.shape(v)[0] == 1 else v[start:stop]) for k, v in params.items()}


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
def chunk_size_for(plan: Plan, draws: int | None = None, budget: int = MEMORY_BUDGET) -> int:
    """How many draws to evaluate at once.

    A chunk takes at most ``budget`` bytes of numeric arrays (the plan's per-draw estimate, see
    :mod:`influence.solve.memory`); with ``draws``, the whole run (result rows, the expected
    utility of every option in every draw, one chunk) must fit the plan's memory limit.

    Raises
    ------
    TooLargeError
        If ``draws`` draws cannot be evaluated within the plan's memory limit.
    """
    per_draw = max(plan.memory.per_draw, 1)
    chunk = max(1, min(_MAX_CHUNK, budget // per_draw))
    if draws is None:
        return chunk
    _check_draws(plan, draws, chunk)
    chunk = min(chunk, draws)
    memory.check(plan, chunk, rules=True, kept=kept_bytes(plan, draws))
    return chunk


def _check_draws(plan: Plan, draws: int, chunk: int) -> None:
    """Refuse more draws than the values kept for each of them leave room for beside a chunk
    of ``chunk`` draws, saying how many fit (a clearer message than the memory estimate's
    when the number of draws is the cause)."""
    each = kept_bytes(plan, 1)
    room = plan.memory_limit - plan.memory.total(min(chunk, draws), rules=True)
    if draws * each <= room or room < 2 * each:  # the latter: memory.check says why
        return
    raise TooLargeError(
        f"expected at most {max(room // each, 0):,} draws within the memory limit of "
        f"{format_bytes(plan.memory_limit)} (each draw keeps {each} bytes: the expected "
        f"utility of every option in it), got {draws:,}; use fewer draws or raise "
        "`memory_limit`", file=plan.diagram.file, parameter="memory_limit")


def kept_bytes(plan: Plan, draws: int) -> int:
    """Bytes of the per-draw values a run keeps: the expected utility of every option, of the
    Bayes strategy and of each draw's own optimum, in every draw."""
    return 8 * draws * (len(plan.options()) + 3)
