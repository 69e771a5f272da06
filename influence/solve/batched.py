"""Evaluating a plan over many parameter draws on the stage tensor, chunk by chunk, in one pass.

The Bayes strategies (the optimum, each alternative, each named policy) maximise the stage
tensor averaged over every draw, so they are known only once every chunk is in. Each chunk's
stage tensor is nevertheless contracted (and its draws made) once: the strategies found on the
first chunk's mean are valued on every chunk as it comes (a strategy's expected utility in a
draw is the stage tensor dotted with the strategy's indicator: the sum of the entries it
follows), and at the end, when the strategies on the mean of every draw are the same ones (as they
are once the first chunk is large), nothing is computed again. Otherwise a second pass values
the final strategies (the answer is the same either way; only the time differs).

Everything a chunk contributes is a :class:`ChunkResult` (sums of tensors, and the summaries of
:mod:`influence.solve.summaries`), made by :func:`first_chunk` or :func:`next_chunk` and
merged in the order of the chunks: whether the chunks run here or on other processes (see
:mod:`influence.parallel`), the results are the same.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from .evaluation import Extras, _constrained, _strategy
from .kernels import InductionResult, backward_induction
from .results import Evaluation, OptionResult
from .summaries import Keep, Partial, merge, sample_step
from .tables import Parameters

if TYPE_CHECKING:  # pragma: no cover
    from .plan import Plan

__all__ = ["Sums", "Strategies", "ChunkResult", "first_chunk", "next_chunk", "value_chunk",
           "strategies_from", "evaluate_chunks", "keep_for", "finish", "evaluate_units",
           "run_unit", "revalue_unit", "split"]


@dataclass
class Sums:
    """Sums over draws of the stage tensor, its part per utility node, the reach tensor and,
    with a risk tolerance, the exponential stage."""

    draws: int
    stage: np.ndarray
    parts: list[np.ndarray]
    reach: np.ndarray
    exponential: np.ndarray | None

    def __add__(self, other: Sums) -> Sums:
        return Sums(self.draws + other.draws, self.stage + other.stage,
                    [a + b for a, b in zip(self.parts, other.parts, strict=True)],
                    self.reach + other.reach,
                    None if self.exponential is None else self.exponential + other.exponential)

    def mean(self, array: np.ndarray) -> np.ndarray:
        return (array / self.draws)[None]


@dataclass
class Strategies:
    """The Bayes strategies found on a mean stage tensor.

    Attributes
    ----------
    best : InductionResult
        The optimum (with the values of its rules).
    results : list
        ``(option or None, induction, last decision constrained)``, the optimum first.
    indicator : ndarray, shape (L, n)
        Each strategy's indicator over the stage tensor's entries.
    equivalents : list
        Certainty equivalents (with a risk tolerance), else None each.
    """

    best: InductionResult
    results: list[tuple[OptionResult | None, InductionResult, int]]
    indicator: np.ndarray
    equivalents: list[float | None]

    def same_as(self, other: Strategies) -> bool:
        """Whether every strategy chooses as in ``other``."""
        for (_, a, _), (_, b, _) in zip(self.results, other.results, strict=True):
            for x, y in zip(a.choices, b.choices, strict=True):
                if not np.array_equal(np.asarray(x), np.asarray(y)):
                    return False
        return True

    @cached_property
    def entries(self) -> np.ndarray:
        """Where each strategy's indicator is 1, shape (n, m): the flat positions in the stage
        tensor of the entries the strategy follows (as many for every strategy: one per
        configuration of the chance axes)."""
        return np.stack([np.flatnonzero(column) for column in self.indicator.T])

    def values(self, stage: np.ndarray) -> np.ndarray:
        """Each strategy's expected utility in each draw, shape (S, n), from a stage tensor
        with the draw axis last: the sum of the entries each strategy follows (the indicator's
        product with the stage tensor, without the products by zero)."""
        draws = stage.shape[-1]
        flat = stage.reshape(-1, draws)
        count, followed = self.entries.shape
        # strategies a block at a time, each block's entries no more than the stage tensor's
        step = max(1, flat.shape[0] // max(followed, 1))
        out = np.empty((draws, count))
        for first in range(0, count, step):
            block = self.entries[first:first + step]
            out[:, first:first + len(block)] = flat[block].sum(axis=1).T
        return out

def indicator(plan: Plan, choices: Sequence[np.ndarray]) -> np.ndarray:
    """1 where every decision follows ``choices`` (shared by every draw), 0 elsewhere: a
    strategy's expected utility is the stage tensor's sum times this, shape (*layout sizes)."""
    full = tuple(plan.sizes[v] for v in plan.layout_vars)
    out = np.ones(full)
    for k, choice in enumerate(choices):
        axis = plan.layout.decision_axis(k) - 1
        onehot = np.arange(full[axis]) == np.broadcast_to(choice, full[:axis])[..., None]
        out = out * onehot.reshape(full[: axis + 1] + (1,) * (len(full) - axis - 1))
    return out


def strategies_from(plan: Plan, sums: Sums, policy_ids: tuple[str, ...] | None
                    ) -> Strategies:
    """The Bayes strategies of the mean tensors: the optimum, then each alternative forced and
    each policy (the decisions after the last one a mask constrains reuse the optimum's
    stages)."""
    stage = sums.mean(sums.stage)
    criterion = stage if sums.exponential is None else -sums.mean(sums.exponential)
    best = backward_induction(criterion, plan.layout, keep=True)
    results: list[tuple[OptionResult | None, InductionResult, int]] = [(None, best, -1)]
    for oid, label, kind, dname, state, masks in plan.options(policy_ids):
        res = backward_induction(criterion, plan.layout, masks, resume=best)
        option = OptionResult(id=oid, label=label, kind=kind, decision=dname, state=state)
        results.append((option, res, _constrained(masks)))
    equivalents: list[float | None] = [None] * len(results)
    if plan.exponential is not None:
        equivalents = [plan.exponential.certainty_equivalent(float(r.expected_utility[0]))
                       for _, r, _ in results]
    matrix = np.stack([indicator(plan, r.choices).reshape(-1) for _, r, _ in results], axis=1)
    return Strategies(best, results, matrix, equivalents)


def keep_for(plan: Plan, strategies: int, total: int, keep_draws: bool,
             policy_ids: tuple[str, ...] | None) -> Keep:
    """What a run of ``total`` draws keeps (see :mod:`influence.solve.summaries`)."""
    groups: dict[str, list[int]] = {}
    for i, spec in enumerate(plan.option_specs(policy_ids), start=1):
        key = "policies" if spec[2] == "policy" else f"alternatives of {spec[3]}"
        groups.setdefault(key, []).append(i)
    return Keep(sample_step(total, strategies, keep_draws),
                tuple(tuple(g) for g in groups.values()))


@dataclass
class ChunkResult:
    """What one chunk of draws contributes (see the module)."""

    sums: Sums
    partial: Partial | None
    strategies: Strategies | None = None
    ops: Parameters | None = None  # a single draw's numbers (for its risk profile)


def _sums(plan: Plan, ops: Parameters) -> tuple[Sums, np.ndarray]:
    """A chunk's sums, and its stage tensor with the draw axis last (*layout sizes, S)."""
    stage, parts = plan.stage_terms(ops)
    reach = plan.reach_tensor(ops)
    exp = None
    if plan.exponential is not None:
        exp = plan.exponential.stage(ops).sum(axis=0)
    draws = stage.shape[0]
    last = np.ascontiguousarray(np.moveaxis(stage, 0, -1))
    sums = Sums(draws, last.sum(axis=-1), [_total(p, draws) for p in parts],
                _total(reach, draws), exp)
    return sums, last


def _total(array: np.ndarray, draws: int) -> np.ndarray:
    """The sum over the draw axis of a tensor that may be shared by every draw."""
    if array.shape[0] != draws:
        return array[0] * draws
    last = np.moveaxis(array, 0, -1)
    # axes along which a term does not vary (broadcast) are summed once, not once per entry
    shared = [i for i in range(last.ndim - 1) if last.strides[i] == 0 and last.shape[i] > 1]
    if not shared:
        return last.sum(axis=-1)
    compact = last[tuple(slice(0, 1) if i in shared else slice(None) for i in range(last.ndim))]
    return np.broadcast_to(compact.sum(axis=-1), last.shape[:-1]).copy()


def own_optimum(plan: Plan, stage: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Backward induction draw by draw on a stage tensor with the draw axis last: each draw's
    maximum expected utility (S,) and its choices (*what each decision knows, S), ties to the
    first option within :data:`~influence.limits.TIE_TOLERANCE` of the state's largest value
    (as :func:`~influence.solve.kernels.backward_induction` with ``per_draw``). The draws
    being innermost, every reduction runs over contiguous memory."""
    from ..limits import TIE_TOLERANCE

    layout = plan.layout
    q = stage
    choices: list[np.ndarray] = [np.empty(0)] * layout.n_decisions
    tail = layout.chance_counts[layout.n_decisions]
    if tail:
        q = q.sum(axis=tuple(range(q.ndim - 1 - tail, q.ndim - 1)))
    for k in range(layout.n_decisions - 1, -1, -1):
        choices[k], q = _own_choice(q, TIE_TOLERANCE)
        count = layout.chance_counts[k]
        if count:
            q = q.sum(axis=tuple(range(q.ndim - 1 - count, q.ndim - 1)))
    return q.reshape(-1, q.shape[-1]).sum(axis=0), choices


def _own_choice(q: np.ndarray, tolerance: float) -> tuple[np.ndarray, np.ndarray]:
    """Each draw's choice along the options axis (second last) of ``q`` (draw axis last) and
    the value of that option: the first option within ``tolerance`` times the largest
    absolute value of the state's options of the best one. Option by option: reductions and
    an argmax over a short middle axis are several times slower than elementwise operations
    on its slices (contiguous along the draws)."""
    options = [q[..., i, :] for i in range(q.shape[-2])]
    best = options[0].copy()
    scale = np.abs(options[0])
    size = np.empty_like(best)
    for option in options[1:]:
        np.maximum(best, option, out=best)
        np.maximum(scale, np.abs(option, out=size), out=scale)
    least = best - tolerance * scale
    choice = np.zeros(best.shape, dtype=np.intp)
    value = options[0].copy()
    for i in range(len(options) - 1, 0, -1):
        chosen = options[i] >= least
        np.copyto(choice, i, where=chosen)
        np.copyto(value, options[i], where=chosen)
    first = options[0] >= least
    np.copyto(choice, 0, where=first)
    np.copyto(value, options[0], where=first)
    return choice, value


def value_chunk(plan: Plan, stage: np.ndarray, start: int, strategies: Strategies,
                keep: Keep) -> Partial:
    """The summaries of one chunk's stage tensor (draw axis last) under fixed strategies: each
    strategy's expected utility in each draw (the entries it follows, summed), each draw's own
    optimum,
    and how often each Bayes choice is the draw's own."""
    values = strategies.values(stage)
    optimum, choices = own_optimum(plan, stage)
    hits = [(c == np.asarray(b)[..., None]).sum(axis=-1)
            for c, b in zip(choices, strategies.best.choices, strict=True)]
    return Partial.of(values, optimum, start, keep, hits)


def first_chunk(plan: Plan, ops: Parameters, keep: Keep,
                policy_ids: tuple[str, ...] | None) -> ChunkResult:
    """The first chunk: its sums, the strategies of its mean, and its summaries under them."""
    sums, stage = _sums(plan, ops)
    strategies = strategies_from(plan, sums, policy_ids)
    return ChunkResult(sums, value_chunk(plan, stage, 0, strategies, keep), strategies,
                       ops if sums.draws == 1 else None)


def next_chunk(plan: Plan, ops: Parameters, start: int, strategies: Strategies,
               keep: Keep) -> ChunkResult:
    """Any other chunk: its sums and its summaries under the strategies of the first."""
    sums, stage = _sums(plan, ops)
    return ChunkResult(sums, value_chunk(plan, stage, start, strategies, keep))


def revalue_chunk(plan: Plan, ops: Parameters, start: int, strategies: Strategies,
                  keep: Keep) -> Partial:
    """The second pass over a chunk, when the final strategies differ from the first chunk's."""
    stage = np.ascontiguousarray(np.moveaxis(plan.stage_tensor(ops), 0, -1))
    return value_chunk(plan, stage, start, strategies, keep)


def evaluate_chunks(plan: Plan, chunks: Callable[[], Iterator[Parameters]], *,
                    uncertainty: str | None = None, policy_ids: tuple[str, ...] | None = None,
                    total: int | None = None, keep_draws: bool = False,
                    progress: Callable[[int], None] | None = None) -> Evaluation:
    """Evaluate every policy, alternative and the Bayes strategy over chunks of operands.

    Parameters
    ----------
    plan : Plan
    chunks : callable
        Returns a fresh iterator over operand batches; called once, twice only when the
        strategies of the mean of every draw differ from those of the first chunk's.
    uncertainty : str, optional
        What the draws stand for; None for point values.
    policy_ids : tuple of str, optional
        Only these named policies (default: all).
    total : int, optional
        The number of draws, when known in advance: without it every per-draw value is kept.
    keep_draws : bool
        Keep every draw's values (for plots, or scripts) whatever their number.
    progress : callable, optional
        Called after each chunk with the number of draws done so far.
    """
    strategies = len(plan.option_specs(policy_ids)) + 1
    keep = keep_for(plan, strategies, total if total is not None else 0,
                    keep_draws or total is None, policy_ids)
    combined: ChunkResult | None = None
    start = 0
    for chunk in chunks():
        if combined is None:
            combined = first_chunk(plan, chunk, keep, policy_ids)
        else:
            combined = _then(combined, next_chunk(plan, chunk, start, combined.strategies,
                                                  keep))
        start = combined.sums.draws
        if progress is not None:
            progress(start)
    return finish(plan, [combined], keep, policy_ids, uncertainty,
                  lambda final: _second_pass(plan, chunks, final, keep))


def _second_pass(plan: Plan, chunks: Callable[[], Iterator[Parameters]],
                 final: Strategies, keep: Keep) -> list[Partial]:
    out = []
    start = 0
    for chunk in chunks():
        out.append(revalue_chunk(plan, chunk, start, final, keep))
        start += out[-1].count
    return out


def finish(plan: Plan, results: Sequence[ChunkResult], keep: Keep,
           policy_ids: tuple[str, ...] | None, uncertainty: str | None,
           second_pass: Callable[[Strategies], list[Partial]]) -> Evaluation:
    """The evaluation from every chunk's contribution (in the order of the chunks)."""
    sums = results[0].sums
    for r in results[1:]:
        sums = sums + r.sums
    final = strategies_from(plan, sums, policy_ids)
    if final.same_as(results[0].strategies):
        partial = merge([r.partial for r in results])
    else:
        partial = merge(second_pass(final))
    point = results[0].ops if len(results) == 1 else None
    return _evaluation(plan, sums, final, partial, uncertainty, point)


def _evaluation(plan: Plan, sums: Sums, strategies: Strategies, partial: Partial,
                uncertainty: str | None, point: Parameters | None) -> Evaluation:
    draws = sums.draws
    shown = strategies.best
    if plan.exponential is not None:
        # The rules show conditional expected utilities of the risk-averse strategy.
        shown = backward_induction(sums.mean(sums.stage), plan.layout,
                                   fixed=strategies.best.choices)
    share = None
    if draws > 1:
        share = [h / draws for h in partial.hits]
    parts = np.concatenate([sums.mean(p) for p in sums.parts], axis=0)
    extras = Extras(plan, parts, [r.choices for _, r, _ in strategies.results], point)
    kept = partial.values()
    sd = partial.sd()
    options = []
    for i, (opt, _, _) in enumerate(strategies.results):
        if opt is None:
            continue
        fields = dict(draws=kept[:, i], expected_utility=float(partial.mean[i]),
                      extras=extras.of(i), certainty_equivalent=strategies.equivalents[i])
        if draws > 1:
            lo, hi = np.quantile(kept[:, i], [0.05, 0.95])
            fields.update(sd=float(sd[i]), interval_90=(float(lo), float(hi)),
                          probability_best=float(partial.credit[i] / draws),
                          expected_loss=float(partial.loss[i] / draws))
        options.append(replace(opt, **fields))
    alternatives: dict[str, dict[str, float]] = {}
    for o in options:
        if o.kind == "alternative":
            alternatives.setdefault(o.decision, {})[o.state] = o.expected_utility
    evpi = None
    if draws > 1 and plan.exponential is None:
        evpi = partial.optimum / draws - float(partial.mean[0])
    meu_stats = None
    if draws > 1:
        lo, hi = np.quantile(kept[:, 0], [0.05, 0.95])
        meu_stats = {"sd": float(sd[0]), "interval_90": (float(lo), float(hi))}
    d = plan.diagram
    return Evaluation(
        model=d.name, title=d.title, units=d.units, given=dict(plan.given),
        maximum_expected_utility=float(partial.mean[0]),
        meu_draws=kept[:, 0] if draws > 1 else None,
        optimal_strategy=_strategy(plan, shown, sums.mean(sums.reach), share),
        alternatives=alternatives, options=tuple(options),
        draws=draws if uncertainty else None, uncertainty=uncertainty, evpi_parameters=evpi,
        extras=extras.of(0), risk_tolerance=plan.risk_tolerance,
        maximum_certainty_equivalent=strategies.equivalents[0], meu_stats=meu_stats,
        draws_kept=kept.shape[0] if kept.shape[0] < draws else None)


# -- units of work: what runs here or on other processes ----------------------------------------
def split(params: Parameters | Iterable[Parameters], chunk: int) -> Iterator[Parameters]:
    """Slices of at most ``chunk`` draws (arrays with a leading axis of 1 are shared). An
    iterable of batches (a unit's draws made a part at a time) is split part by part."""
    if not isinstance(params, Mapping):
        for part in params:
            yield from split(part, chunk)
        return
    total = max(np.shape(v)[0] for v in params.values())
    for start in range(0, total, chunk):
        stop = min(start + chunk, total)
        if start == 0 and stop == total:
            yield params
            return
        yield {k: (v if np.shape(v)[0] == 1 else v[start:stop]) for k, v in params.items()}


def _combined(results: list[ChunkResult]) -> ChunkResult:
    sums = results[0].sums
    for r in results[1:]:
        sums = sums + r.sums
    return ChunkResult(sums, merge([r.partial for r in results]), results[0].strategies,
                       results[0].ops if len(results) == 1 else None)


def run_unit(plan: Plan, load: Callable[[Any], Parameters], chunk: int, keep: Keep,
             policy_ids: tuple[str, ...] | None, strategies: Strategies | None,
             unit: tuple[int, Any]) -> ChunkResult:
    """One unit of work: ``load(descriptor)`` gives its draws (their first at position
    ``start`` in the run), evaluated in chunks of at most ``chunk`` draws under
    ``strategies`` and merged. Without ``strategies`` (the first unit) they are those of the
    unit's mean: its stage tensors are kept until then while they fit
    :data:`~influence.limits.MEMORY_BUDGET` (otherwise the first chunk's mean decides)."""
    start, descriptor = unit
    if strategies is None:
        return _pilot(plan, load(descriptor), start, chunk, keep, policy_ids)
    results: list[ChunkResult] = []
    for raw in split(load(descriptor), chunk):
        results.append(next_chunk(plan, plan.operands(raw, check=False), start, strategies,
                                  keep))
        start += results[-1].sums.draws
    return _combined(results)


def _pilot(plan: Plan, params: Parameters, start: int, chunk: int, keep: Keep,
           policy_ids: tuple[str, ...] | None) -> ChunkResult:
    """The first unit: the strategies of its mean, then its summaries under them."""
    from ..limits import MEMORY_BUDGET

    stages: list[tuple[int, np.ndarray]] = []
    sums: Sums | None = None
    size = 0
    results: list[ChunkResult] = []
    strategies: Strategies | None = None
    single = None
    for raw in split(params, chunk):
        ops = plan.operands(raw, check=False)
        if strategies is not None:  # the unit did not fit: decided on its first chunks
            results.append(next_chunk(plan, ops, start, strategies, keep))
            start += results[-1].sums.draws
            continue
        part, stage = _sums(plan, ops)
        single = ops if part.draws == 1 else None
        sums = part if sums is None else sums + part
        stages.append((start, stage))
        start += part.draws
        size += stage.nbytes
        if size > MEMORY_BUDGET:
            strategies = strategies_from(plan, sums, policy_ids)
            results = [ChunkResult(sums, merge([value_chunk(plan, st, at, strategies, keep)
                                                for at, st in stages]))]
            stages = []
    if strategies is None:
        strategies = strategies_from(plan, sums, policy_ids)
        results = [ChunkResult(sums, merge([value_chunk(plan, st, at, strategies, keep)
                                            for at, st in stages]), ops=single)]
    out = _combined(results)
    out.strategies = strategies
    return out


def revalue_unit(plan: Plan, load: Callable[[Any], Parameters], chunk: int, keep: Keep,
                 strategies: Strategies, unit: tuple[int, Any]) -> Partial:
    """The second pass over one unit of work (see :func:`revalue_chunk`)."""
    start, descriptor = unit
    partials = []
    for raw in split(load(descriptor), chunk):
        partials.append(revalue_chunk(plan, plan.operands(raw, check=False), start, strategies,
                                      keep))
        start += partials[-1].count
    return merge(partials)


def evaluate_units(plan: Plan, units: Sequence[tuple[int, Any]],
                   load: Callable[[Any], Parameters], *, chunk: int, total: int,
                   uncertainty: str | None, keep_draws: bool = False,
                   policy_ids: tuple[str, ...] | None = None, runner: Any = None,
                   progress: Callable[[int], None] | None = None,
                   expected: Parameters | None = None) -> Evaluation:
    """Evaluate every option over draws given as units of work (``(start, descriptor)``,
    ``load(descriptor)`` making the draws) on ``runner`` (a
    :class:`influence.parallel.Runner`; here by default): see the module.

    ``expected``, when given, are tables whose stage tensor is the expectation of the draws'
    or near it (the parameters' means: exactly so for parameters independent of each other
    across nodes, the stage tensor being multilinear in the tables): the strategies are first
    taken from it, which the mean of many draws then rarely contradicts, and every unit runs
    on the runner. Otherwise they are taken from the first unit, run first. Either way the
    strategies of the mean of every draw are checked at the end, and a second pass values
    them when they differ.
    """
    from ..parallel import Runner

    runner = runner or Runner()
    count = len(plan.option_specs(policy_ids)) + 1
    keep = keep_for(plan, count, total, keep_draws, policy_ids)
    done = [0]

    def report(_: int, result: ChunkResult) -> None:
        done[0] += result.sums.draws
        if progress is not None:
            progress(done[0])

    if expected is not None:
        sums, _ = _sums(plan, plan.operands(expected, check=False))
        first = None
        strategies = strategies_from(plan, sums, policy_ids)
        todo = units
    else:
        first = run_unit(plan, load, chunk, keep, policy_ids, None, units[0])
        report(0, first)
        strategies = first.strategies
        todo = units[1:]
    combined = runner.fold(run_unit, todo, shared=(plan, load, chunk, keep, policy_ids,
                                                   strategies),
                           combine=_then, start=first, done=report)
    combined.strategies = strategies
    return finish(plan, [combined], keep, policy_ids, uncertainty,
                  lambda final: [runner.fold(revalue_unit, units,
                                             shared=(plan, load, chunk, keep, final),
                                             combine=_merged, start=None)])


def _then(acc: ChunkResult | None, result: ChunkResult) -> ChunkResult:
    """Two consecutive runs of draws as one (the per-draw numbers of a single draw are kept
    only when it is the whole run)."""
    if acc is None:
        return result
    return ChunkResult(acc.sums + result.sums, acc.partial.merged(result.partial),
                       acc.strategies)


def _merged(acc: Partial | None, partial: Partial) -> Partial:
    return partial if acc is None else acc.merged(partial)
