"""The exact posterior of case records: a finite mixture of conjugate posteriors.

A case that leaves chance nodes unobserved has a likelihood that is a sum, over the states of
those nodes, of products of table entries (see :func:`influence.bayes.cases.case_log_likelihood`).
Where every row such a product touches either carries a Dirichlet or Beta prior or is a fixed
number, each term is a monomial in the rows' parameters, and so the posterior after all the cases
is a finite mixture: one component per way of completing the cases (completions that give the
same counts merged), each the product of the rows' conjugate posteriors after the completed
counts, weighted by the term's coefficient (the fixed numbers it multiplies) times the prior
predictive probability of those counts (a ratio of multivariate Beta functions).

With few cases and few unobserved states the mixture is small, and draws from it are exact: a
component drawn by its weight, then each row from its conjugate posterior. Where it does not
apply (too many components, a case weight that is not a whole power of the likelihood, a row
with another kind of prior), :func:`build_mixture` returns the reason instead; the fit then
uses NUTS.

numpy and the standard library only: no SciPy, PyMC or ArviZ.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..limits import MIXTURE_COMPONENTS
from ..model.distributions import BetaPrior, DirichletPrior, Prior
from .cases import CaseRecords
from .draws import Slot

__all__ = ["Mixture", "build_mixture", "log_marginal"]


@dataclass(frozen=True)
class Mixture:
    """The posterior of the rows that case records move, as a mixture.

    Attributes
    ----------
    slots : tuple of str
        The rows the cases move (slot names), in the order of their counts.
    sizes : tuple of int
        The number of states of each.
    counts : numpy.ndarray
        ``(K, sum(sizes))``: each component's completed counts, row after row.
    weights : numpy.ndarray
        ``(K,)``: the components' posterior weights, summing to 1.
    """

    slots: tuple[str, ...]
    sizes: tuple[int, ...]
    counts: np.ndarray
    weights: np.ndarray

    def _split(self, k: int) -> dict[str, np.ndarray]:
        bounds = np.cumsum((0,) + self.sizes)
        return {s: self.counts[k, bounds[i]:bounds[i + 1]] for i, s in enumerate(self.slots)}

    def posteriors(self, k: int, priors: Mapping[str, Prior]) -> dict[str, Prior]:
        """Component ``k``: each row's prior updated by its completed counts."""
        return {s: priors[s].updated(n) for s, n in self._split(k).items()}

    def mean(self, slot: str, priors: Mapping[str, Prior]) -> np.ndarray:
        """The exact posterior mean of one row: the weighted mean of the components' means."""
        return sum(w * self.posteriors(k, priors)[slot].mean()
                   for k, w in enumerate(self.weights))

    def sample(self, priors: Mapping[str, Prior], rng: np.random.Generator, n: int
               ) -> dict[str, np.ndarray]:
        """``n`` exact draws of each row: a component by its weight, then each row from its
        conjugate posterior."""
        chosen = rng.choice(len(self.weights), size=n, p=self.weights)
        out = {s: np.empty((n, size)) for s, size in zip(self.slots, self.sizes, strict=True)}
        for k in np.unique(chosen):
            where = np.flatnonzero(chosen == k)
            for slot, dist in self.posteriors(int(k), priors).items():
                out[slot][where] = dist.sample(rng, len(where))
        return out


def _log_beta(alpha: Sequence[float]) -> float:
    """The log of the multivariate Beta function."""
    return sum(math.lgamma(a) for a in alpha) - math.lgamma(sum(alpha))


def log_marginal(prior: Prior, counts: np.ndarray) -> float:
    """The log prior predictive probability of one row's counts (in a given order): the log of
    the integral of ``prod_s theta_s ** n_s`` under ``prior`` (-inf where it is zero)."""
    counts = np.asarray(counts, dtype=float)
    if isinstance(prior, DirichletPrior):
        alpha = np.asarray(prior.alpha, dtype=float)
        return _log_beta(alpha + counts) - _log_beta(alpha)
    if isinstance(prior, BetaPrior):
        hits = float(counts[prior.state])
        misses = float(counts.sum() - hits)
        out = _log_beta((prior.a + hits, prior.b + misses)) - _log_beta((prior.a, prior.b))
        for j, (n, share) in enumerate(zip(counts, prior.rest, strict=True)):
            if j != prior.state and n > 0:
                if share <= 0:
                    return -math.inf
                out += n * math.log(share)
        return out
    return math.nan  # pragma: no cover - build_mixture takes Dirichlet and Beta rows only


def _completions(diagram, pattern, row: int, rows: Mapping[tuple[str, tuple[int, ...]], int],
                 offsets: Mapping[int, int], width: int) -> dict[tuple[int, ...], float] | str:
    """The terms of one distinct case's likelihood: completed counts -> coefficient (or why
    there are too many)."""
    observed = dict(zip(pattern.observed, (int(v) for v in pattern.values[row]), strict=True))
    hidden = [n for n in pattern.chance if n not in observed]
    spaces = [range(len(diagram.node(n).states)) for n in hidden]
    if math.prod(len(s) for s in spaces) > MIXTURE_COMPONENTS:
        return (f"more than {MIXTURE_COMPONENTS:,} ways of completing a case that leaves "
                f"{len(hidden)} nodes unobserved")
    terms: dict[tuple[int, ...], float] = {}
    for states in itertools.product(*spaces):
        assign = {**observed, **dict(zip(hidden, states, strict=True))}
        counts = [0] * width
        coef = 1.0
        for name in pattern.chance:
            node = diagram.node(name)
            index = tuple(assign[p] for p in node.parents)
            slot = rows.get((name, index))
            if slot is None:
                coef *= float(node.table[index + (assign[name],)])
            else:
                counts[offsets[slot] + assign[name]] += 1
        if coef > 0:
            key = tuple(counts)
            terms[key] = terms.get(key, 0.0) + coef
    return terms


def _convolve(left: dict[tuple[int, ...], float], right: dict[tuple[int, ...], float]
              ) -> dict[tuple[int, ...], float] | str:
    out: dict[tuple[int, ...], float] = {}
    for a, x in left.items():
        for b, y in right.items():
            key = tuple(i + j for i, j in zip(a, b, strict=True))
            out[key] = out.get(key, 0.0) + x * y
    if len(out) > MIXTURE_COMPONENTS:
        return f"more than {MIXTURE_COMPONENTS:,} ways of completing the cases"
    top = max(out.values(), default=1.0)
    return {k: v / top for k, v in out.items()}  # only ratios matter: no underflow


def build_mixture(diagram, slots: Sequence[Slot], priors: Mapping[str, Prior],
                  cases: Sequence[CaseRecords]) -> Mixture | str:
    """The exact posterior, after ``cases``, of the rows they move, from ``priors`` (the
    rows' priors after any counts); or why it cannot be formed: a case weight ``w`` such that
    ``w`` times the number of identical cases is not a whole number, a row the cases touch
    with a prior other than Dirichlet or Beta, or more than
    :data:`~influence.limits.MIXTURE_COMPONENTS` components.
    """
    involved = {n for records in cases for n in records.nodes}
    for s in slots:
        touched = involved.intersection(getattr(s, "nodes", ()) or (s.node,))
        if s.kind == "parameter" and touched:
            return (f"the table of '{sorted(touched)[0]}' is computed from a parameter with a "
                    f"prior ({s.name})")
    moved = [s for s in slots if s.kind == "probability" and s.node in involved]
    for s in moved:
        if not isinstance(priors[s.name], DirichletPrior | BetaPrior):
            return f"the row {s.name} has a {priors[s.name].kind} prior"
    index = {s.name: i for i, s in enumerate(moved)}
    rows = {(s.node, s.index): index[s.name] for s in moved}
    sizes = [len(diagram.node(s.node).states) for s in moved]
    offsets = dict(enumerate(np.cumsum([0] + sizes[:-1]).tolist()))
    width = sum(sizes)
    mixture: dict[tuple[int, ...], float] = {(0,) * width: 1.0}
    for records in cases:
        for pattern in records.patterns:
            for u, many in enumerate(pattern.counts):
                power = records.weight * float(many)
                if abs(power - round(power)) > 1e-9 or round(power) < 1:
                    return f"a case weight of {records.weight:g}"
                terms = _completions(diagram, pattern, u, rows, offsets, width)
                for _ in range(round(power)):
                    if isinstance(terms, str):
                        return terms
                    mixture = _convolve(mixture, terms)
                    if isinstance(mixture, str):
                        return mixture
    keys = list(mixture)
    counts = np.array(keys, dtype=float).reshape(len(keys), width)
    bounds = np.cumsum([0] + sizes)
    logw = np.array([math.log(mixture[key]) + sum(
        log_marginal(priors[s.name], counts[k, bounds[i]:bounds[i + 1]])
        for i, s in enumerate(moved)) for k, key in enumerate(keys)])
    logw -= logw.max()
    weights = np.exp(logw)
    return Mixture(slots=tuple(s.name for s in moved), sizes=tuple(sizes), counts=counts,
                   weights=weights / weights.sum())
