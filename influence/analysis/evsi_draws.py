"""The EVSI of a study of a row that has no closed-form update, by reweighting the draws.

A row of a structured table (noisy-OR, noisy-MAX, logistic: computed from parameters) is not a
Dirichlet or Beta row of its own, and a NUTS posterior has no closed form at all: a study of
``n`` new cases of such a row cannot be valued with the conjugate update of
:mod:`influence.analysis.evsi`. Its preposterior analysis is done on the draws instead (the
prior's or the posterior's, ``theta_1 ... theta_M``), by importance sampling:

- an outcome ``y`` (counts of the row's states in ``n`` cases) has likelihood
  ``L_m(y) = prod_j r_mj ** y_j`` under draw ``m`` (``r_m`` the row in that draw), so its
  probability is ``P(y) = C(n; y) * mean_m L_m(y)`` and the node's table after it is the
  weighted mean ``E[T | y] = sum_m L_m(y) T_m / sum_m L_m(y)``: the whole table moves, since
  its rows share the parameters the study informs;
- the decision after ``y`` is taken on that table, every other node at its mean (exact when
  the node's draws are independent of other nodes', as in priors and in posteriors of counts:
  the expected utility of a strategy is linear in each table);
- ``EVSI = sum_y P(y) max_s EU(s; E[T | y]) - max_s EU(s; E[T])``, over every outcome when
  there are at most :data:`~influence.limits.EVSI_OUTCOMES` and their number times the draws
  is at most :data:`~influence.limits.EVSI_REWEIGHTED_WORK`, else over Monte Carlo outcomes
  drawn from the predictive (a draw, then ``n`` cases from its row): as many as that work
  allows, and at most as many as the draws.

The estimate is approximate: its standard error is a bootstrap over the draws (the whole
computation repeated on :data:`BOOTSTRAP` resamples of them), combined with the Monte Carlo
error of sampled outcomes. Large studies make the weights uneven (few draws agree with many
cases): more draws (``draws``) make the estimate more precise; the standard error says when.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import QueryError
from ..limits import EVSI_OUTCOMES, EVSI_REWEIGHTED_WORK, MEMORY_BUDGET
from .beliefs import Beliefs

__all__ = ["DrawnStudy", "BOOTSTRAP", "drawn_study", "drawn_tables", "drawn_study_value",
           "compositions", "stage_of"]

#: Bootstrap resamples of the draws for the standard error of a reweighted EVSI.
BOOTSTRAP = 20


@dataclass(frozen=True)
class DrawnStudy:
    """A study of one row valued on the draws: its name, node, row index and sample sizes."""

    name: str
    node: str
    row: tuple[int, ...]
    sizes: tuple[int, ...]


def drawn_study(diagram: Any, b: Beliefs, spec: str, node: Any, key: tuple[str, ...],
                name: str, sizes: tuple[int, ...]) -> DrawnStudy:
    """A study of the row ``key`` of ``node``, checked: its draws must not depend on other
    nodes' (else the means of the other nodes are not what the decision after the study
    sees).

    Raises
    ------
    QueryError
        For a node whose draws are coupled with other nodes'.
    """
    coupled = [s.name for s in b.slots if node.name in s.nodes and s.name in b.coupled]
    if coupled:
        raise QueryError(f"study {spec!r}: expected a row whose draws are independent of other "
                         f"nodes', got '{node.name}' coupled with others through "
                         f"{', '.join(coupled[:3])} (a parameter shared with another node, or "
                         "case records with unobserved nodes): no exact conditional means",
                         file=diagram.file, node=node.name, parameter="studies")
    row = tuple(diagram.node(p).states.index(s) for p, s in zip(node.parents, key, strict=True))
    return DrawnStudy(name, node.name, row, sizes)


def drawn_tables(b: Beliefs, node: str, size: int) -> np.ndarray:
    """Every draw of ``node``'s table, (M, *shape), ``size`` numbers per table.

    Raises
    ------
    QueryError
        When they do not fit the memory budget.
    """
    if 8 * b.draws * size * 3 > MEMORY_BUDGET:
        raise QueryError(f"expected the draws of '{node}' to fit {MEMORY_BUDGET // 2**20} MiB "
                         f"for a study of it, got {b.draws:,} draws of {size:,} numbers; use "
                         "fewer draws", file=b.diagram.file, node=node, parameter="draws")
    parts = []
    for tables in b.chunks(max(1, MEMORY_BUDGET // (16 * size))):
        k = max(np.shape(v)[0] for v in tables.values())
        parts.append(np.array(np.broadcast_to(tables[node], (k,) + np.shape(tables[node])[1:]),
                              dtype=float))
    return np.concatenate(parts)


def compositions(n: int, k: int) -> np.ndarray:
    """Every vector of ``k`` counts summing to ``n`` (stars and bars), (C(n+k-1, k-1), k)."""
    from itertools import combinations

    bars = np.array(list(combinations(range(n + k - 1), k - 1)), dtype=np.int64)
    bars = bars.reshape(-1, k - 1)
    edges = np.concatenate([np.full((len(bars), 1), -1), bars,
                            np.full((len(bars), 1), n + k - 1)], axis=1)
    return np.diff(edges, axis=1) - 1


def _reweighted(tables: np.ndarray, log_rows: np.ndarray, counts: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    """The tables after each outcome, (O, size), and each outcome's log mean likelihood
    ``log mean_m L_m(y)``, (O,)."""
    flat = tables.reshape(len(tables), -1)
    step = max(1, MEMORY_BUDGET // (8 * 3 * len(tables)))
    after, logp = [], []
    for start in range(0, len(counts), step):
        loglik = counts[start:start + step] @ log_rows.T  # (c, M)
        top = loglik.max(axis=1, keepdims=True)
        w = np.exp(loglik - top)
        total = w.sum(axis=1)
        after.append((w @ flat) / total[:, None])
        logp.append(top[:, 0] + np.log(total / len(tables)))
    return np.concatenate(after), np.concatenate(logp)


def _log_multinomial(counts: np.ndarray, n: int) -> np.ndarray:
    log_fact = np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, n + 1)))])
    return log_fact[n] - log_fact[counts].sum(axis=1)


def stage_of(valuer: Any, node: str, tables: np.ndarray) -> Any:
    """What the valuer values (``gains``, ``optimum``) for the tables (S, *shape) of
    ``node``, the other nodes at their means: by the affine map of the node's table where it
    fits, else solved."""
    if valuer.linear_fits(node):
        return valuer.stage_of(node, tables)
    return valuer.unnormalized({node: tables})


def _batched(valuer: Any, node: str, tables: np.ndarray, value: Any) -> np.ndarray:
    """``value`` (the valuer's ``gains`` or ``optimum``) of each of ``tables`` (S, *shape) of
    ``node``, the other nodes at their means, in chunks of the valuer's size."""
    step = valuer.chunk()
    return np.concatenate([value(stage_of(valuer, node, tables[start:start + step]))
                           for start in range(0, len(tables), step)])


def _estimate(valuer: Any, study: DrawnStudy, tables: np.ndarray, counts: np.ndarray,
              n: int, enumerated: bool) -> tuple[float, np.ndarray]:
    """The EVSI on the draws ``tables`` for the outcomes ``counts``, and the gain of each
    outcome: its optimum minus the value there of the strategy ``s*`` chosen without the study
    (never negative; on the draws the valuer was built on, they average to the EVSI, since the
    tables after the outcomes average to the tables before). On resampled draws, whose mean may
    choose another strategy, ``s*`` is kept: the gains then bound that resample's EVSI from
    above by the loss of ``s*`` there, which is zero unless the resample changes the decision.
    """
    rows = tables[(slice(None), *study.row)]
    log_rows = np.log(np.maximum(rows, np.finfo(float).tiny))
    after, logp = _reweighted(tables, log_rows, counts.astype(float))
    after = after.reshape((len(counts),) + tables.shape[1:])
    values = _batched(valuer, study.node, after, valuer.gains)
    if not enumerated:
        return float(values.mean()), values
    logp = logp + _log_multinomial(counts, n)
    prob = np.exp(logp - logp.max())
    return float(prob @ values / prob.sum()), values


def _piece(valuer: Any, study: DrawnStudy, tables: np.ndarray, counts: np.ndarray, n: int,
           enumerated: bool, resample: np.ndarray | None) -> tuple[float, np.ndarray | None]:
    """One piece of work of :func:`drawn_study_value`: the estimate on the draws (``resample``
    None, with the gain of each outcome) or on a resample of them (its value only)."""
    if resample is None:
        return _estimate(valuer, study, tables, counts, n, enumerated)
    return _estimate(valuer, study, tables[resample], counts, n, enumerated)[0], None


def drawn_study_value(valuer: Any, b: Beliefs, study: DrawnStudy, n: int,
                      tables: np.ndarray, *, rng: np.random.Generator,
                      max_outcomes: int = EVSI_OUTCOMES, bootstrap: int = BOOTSTRAP,
                      runner: Any = None) -> tuple[float, float, str, int]:
    """The EVSI of ``n`` cases of the study's row on the draws ``tables`` (M, *shape) of its
    node: ``(value, se, method, outcomes)``.

    ``method`` is ``"reweighted draws"`` (every outcome enumerated) or ``"reweighted draws,
    monte-carlo outcomes"``; ``se`` is the bootstrap standard error over the draws, with the
    Monte Carlo error of sampled outcomes added in quadrature. The estimate and each
    resample (drawn here from ``rng``) are pieces of work for ``runner`` (a
    :class:`influence.parallel.Runner`; here by default): the results do not depend on where
    they ran.
    """
    from ..parallel import Runner

    k, m = tables.shape[-1], len(tables)
    count = math.comb(n + k - 1, k - 1)
    enumerated = count <= max_outcomes and count * m <= EVSI_REWEIGHTED_WORK
    if enumerated:
        counts = compositions(n, k)
    else:
        pick = rng.integers(m, size=max(1, min(m, EVSI_REWEIGHTED_WORK // m)))
        counts = rng.multinomial(n, tables[(pick, *study.row)])
    items = [None] + [rng.integers(m, size=m) for _ in range(bootstrap)]
    (value, values), *rest = (runner or Runner()).map(
        _piece, items, shared=(valuer, study, tables, counts, n, enumerated))
    replicates = [r[0] for r in rest]
    var = float(np.var(replicates, ddof=1)) if len(replicates) > 1 else 0.0
    if not enumerated:
        var += float(values.var(ddof=1) / len(values))
    method = "reweighted draws" + ("" if enumerated else ", monte-carlo outcomes")
    return value, math.sqrt(var), method, len(counts)
