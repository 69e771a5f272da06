"""Convergence diagnostics of MCMC draws with numpy alone: rank-normalised split R-hat and bulk ESS.

The algorithms are those of Vehtari, Gelman, Simpson, Carpenter and Bürkner (2021), "Rank-
normalization, folding, and localization: an improved R-hat for assessing convergence of MCMC"
(https://arxiv.org/abs/1903.08008), computed the way ArviZ computes them (``az.rhat`` and
``az.ess(method="bulk")``), so that the numbers agree with ArviZ's to rounding. Keeping them here
spares the exact fit from importing ArviZ (and through it xarray, scipy and matplotlib).

Each function takes the draws of one scalar parameter as an array ``(chain, draw)`` and returns a
float, NaN where ArviZ gives NaN (a NaN among the draws; fewer than 2 chains for R-hat; fewer than
4 draws per chain).
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

__all__ = ["rhat", "ess_bulk", "rank_average", "normal_ppf"]

_MIN_DRAWS = 4
_BLOM = 3 / 8  # the fractional offset of the rank back-transformation (Blom, 1958)
_ppf = np.frompyfunc(NormalDist().inv_cdf, 1, 1)
_z_of_size: dict[int, np.ndarray] = {}  # z-scores of the untied ranks 1..n, by n


def normal_ppf(p: np.ndarray) -> np.ndarray:
    """The standard normal quantile function (inverse CDF), elementwise, for ``0 < p < 1``."""
    p = np.asarray(p, dtype=float)
    return np.asarray(_ppf(p.ravel()), dtype=float).reshape(p.shape)


def rank_average(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n of all the values of ``values`` together, ties given their average rank (as
    ``scipy.stats.rankdata(values, method="average")``), in the shape of ``values``."""
    flat = np.asarray(values, dtype=float).ravel()
    order = np.argsort(flat, kind="mergesort")
    ordered = flat[order]
    new = np.concatenate(([True], ordered[1:] != ordered[:-1]))
    dense = np.empty(flat.size, dtype=np.intp)
    dense[order] = np.cumsum(new)
    count = np.concatenate((np.flatnonzero(new), [flat.size]))
    return (0.5 * (count[dense] + count[dense - 1] + 1)).reshape(np.shape(values))


def _z_scale(values: np.ndarray) -> np.ndarray:
    """Rank-normalise: the normal quantiles of the back-transformed ranks of all the draws."""
    rank = rank_average(values)
    n = rank.size
    whole = rank == np.floor(rank)
    table = _z_of_size.get(n)
    if table is None:
        table = normal_ppf((np.arange(1, n + 1) - _BLOM) / (n - 2 * _BLOM + 1))
        if len(_z_of_size) < 16:
            _z_of_size[n] = table
    z = np.empty(rank.shape)
    z[whole] = table[rank[whole].astype(np.intp) - 1]
    if not whole.all():  # tied values share a half-integer rank
        z[~whole] = normal_ppf((rank[~whole] - _BLOM) / (n - 2 * _BLOM + 1))
    return z


def _split_chains(draws: np.ndarray) -> np.ndarray:
    """Each chain's first and last halves as separate chains (the middle draw of an odd-length
    chain left out)."""
    half = draws.shape[1] // 2
    return np.vstack((draws[:, :half], draws[:, draws.shape[1] - half:]))


def _shape_ok(draws: np.ndarray, min_chains: int) -> bool:
    return draws.ndim == 2 and draws.shape[0] >= min_chains and draws.shape[1] >= _MIN_DRAWS


def _plain_rhat(draws: np.ndarray) -> float:
    if np.isnan(draws).any():
        return float("nan")
    n = draws.shape[1]
    between = n * np.var(draws.mean(axis=1), ddof=1)
    within = np.mean(np.var(draws, axis=1, ddof=1))
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.sqrt((between / within + n - 1) / n))


def rhat(draws: np.ndarray) -> float:
    """Rank-normalised split R-hat of one parameter's draws ``(chain, draw)``: the larger of the
    bulk R-hat (of the rank-normalised split chains) and the tail R-hat (of their distances
    from the median, folded and rank-normalised)."""
    draws = np.asarray(draws, dtype=float)
    if np.isnan(draws).any() or not _shape_ok(draws, 2):
        return float("nan")
    split = _split_chains(draws)
    bulk = _plain_rhat(_z_scale(split))
    tail = _plain_rhat(_z_scale(np.abs(split - np.median(split))))
    return tail if tail > bulk else bulk  # as Python's max(bulk, tail): NaN bulk wins


def _next_fast_len(n: int) -> int:
    """The smallest 5-smooth number (2^a 3^b 5^c) at least ``n``: a fast FFT length."""
    best = 2 ** int(np.ceil(np.log2(max(n, 1))))
    power5 = 1
    while power5 < best:
        power35 = power5
        while power35 < best:
            m = power35
            while m < n:
                m *= 2
            best = min(best, m)
            power35 *= 3
        power5 *= 5
    return best


def _autocov(draws: np.ndarray) -> np.ndarray:
    """Autocovariances of each chain at every lag (biased estimate, FFT)."""
    n = draws.shape[1]
    m = _next_fast_len(2 * n)
    centred = draws - draws.mean(axis=1, keepdims=True)
    spectrum = np.fft.rfft(centred, n=m, axis=1)
    spectrum *= np.conjugate(spectrum)
    return np.fft.irfft(spectrum, n=m, axis=1)[:, :n] / n


def _ess(draws: np.ndarray) -> float:
    """Effective sample size of ``(chain, draw)`` draws by Geyer's initial monotone sequence."""
    if np.isnan(draws).any():
        return float("nan")
    if np.max(draws) - np.min(draws) < np.finfo(float).resolution:
        return float(draws.size)
    chains, n = draws.shape
    acov = _autocov(draws)
    mean_var = np.mean(acov[:, 0]) * n / (n - 1.0)
    var_plus = mean_var * (n - 1.0) / n
    if chains > 1:
        var_plus += np.var(draws.mean(axis=1), ddof=1)
    rho = np.zeros(n)
    even = 1.0
    rho[0] = even
    odd = 1.0 - (mean_var - np.mean(acov[:, 1])) / var_plus
    rho[1] = odd
    t = 1
    while t < n - 3 and even + odd > 0.0:  # Geyer's initial positive sequence
        even = 1.0 - (mean_var - np.mean(acov[:, t + 1])) / var_plus
        odd = 1.0 - (mean_var - np.mean(acov[:, t + 2])) / var_plus
        if even + odd >= 0:
            rho[t + 1] = even
            rho[t + 2] = odd
        t += 2
    max_t = t - 2
    if even > 0:
        rho[max_t + 1] = even
    t = 1
    while t <= max_t - 2:  # Geyer's initial monotone sequence
        if rho[t + 1] + rho[t + 2] > rho[t - 1] + rho[t]:
            rho[t + 1] = (rho[t - 1] + rho[t]) / 2.0
            rho[t + 2] = rho[t + 1]
        t += 2
    total = chains * n
    tau = -1.0 + 2.0 * np.sum(rho[:max_t + 1]) + np.sum(rho[max_t + 1:max_t + 2])
    tau = max(tau, 1 / np.log10(total))
    return float("nan") if np.isnan(rho).any() else float(total / tau)


def ess_bulk(draws: np.ndarray) -> float:
    """Bulk effective sample size of one parameter's draws ``(chain, draw)``: the ESS of the
    rank-normalised split chains."""
    draws = np.asarray(draws, dtype=float)
    if draws.ndim == 1:
        draws = draws[np.newaxis]
    if np.isnan(draws).any() or not _shape_ok(draws, 1):
        return float("nan")
    return _ess(_z_scale(_split_chains(draws)))
