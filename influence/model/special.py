"""Special functions of the Beta and Normal distributions with numpy and the standard library.

The regularized incomplete beta function (the Beta CDF) by its continued fraction (modified
Lentz, as in Numerical Recipes, section 6.4), the Beta quantile by safeguarded Newton iteration
on it, and the Normal quantile by :class:`statistics.NormalDist`. Both agree with SciPy to about
1e-12 (``tests/test_sensitivity_ranges.py``, ``tests/test_elicit.py``). They keep SciPy out of
everything that only needs a prior's interval or an elicited prior's fit: importing SciPy alone
takes longer than the work.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["regularized_beta", "beta_quantile", "normal_quantile", "normal_sigma",
           "solve_beta_concentration"]

_TINY = 1e-300
_EPS = 1e-15
_MAX_TERMS = 1000
_MAX_STEPS = 200

_lgamma = np.vectorize(math.lgamma, otypes=[float])


def _continued_fraction(a: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The continued fraction of the incomplete beta function (modified Lentz)."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = np.ones_like(x)
    d = 1.0 - qab * x / qap
    d = 1.0 / np.where(np.abs(d) < _TINY, _TINY, d)
    h = d.copy()
    for m in range(1, _MAX_TERMS + 1):
        m2 = 2.0 * m
        for aa in (m * (b - m) * x / ((qam + m2) * (a + m2)),
                   -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):
            d = 1.0 + aa * d
            d = 1.0 / np.where(np.abs(d) < _TINY, _TINY, d)
            c = 1.0 + aa / c
            c = np.where(np.abs(c) < _TINY, _TINY, c)
            delta = d * c
            h = h * delta
        if m % 4 == 0 and np.all(np.abs(delta - 1.0) < _EPS):
            break
    return h


def _log_beta(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return _lgamma(a) + _lgamma(b) - _lgamma(a + b)


def regularized_beta(x: np.ndarray, a: np.ndarray, b: np.ndarray,
                     log_beta: np.ndarray | None = None) -> np.ndarray:
    """The regularized incomplete beta function ``I_x(a, b)``, the Beta(a, b) CDF at ``x``."""
    x, a, b = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (x, a, b)))
    if log_beta is None:
        log_beta = _log_beta(a, b)
    inside = np.clip(x, _TINY, 1.0 - 1e-16)
    swap = inside > (a + 1.0) / (a + b + 2.0)  # where the fraction converges fast
    aa, bb = np.where(swap, b, a), np.where(swap, a, b)
    xx = np.where(swap, 1.0 - inside, inside)
    log_front = aa * np.log(xx) + bb * np.log1p(-xx) - log_beta
    value = np.exp(log_front) * _continued_fraction(aa, bb, xx) / aa
    out = np.where(swap, 1.0 - value, value)
    return np.where(x <= 0.0, 0.0, np.where(x >= 1.0, 1.0, out))


def _first_guess(q: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A starting point for the Beta quantile (Numerical Recipes, 3rd ed., ``invbetai``)."""
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        pp = np.where(q < 0.5, q, 1.0 - q)
        t = np.sqrt(-2.0 * np.log(np.maximum(pp, _TINY)))
        z = (2.30753 + t * 0.27061) / (1.0 + t * (0.99229 + t * 0.04481)) - t
        z = np.where(q < 0.5, -z, z)
        al = (z * z - 3.0) / 6.0
        ia, ib = 1.0 / (2.0 * a - 1.0), 1.0 / (2.0 * b - 1.0)
        h = 2.0 / (ia + ib)
        w = z * np.sqrt(al + h) / h - (ib - ia) * (al + 5.0 / 6.0 - 2.0 / (3.0 * h))
        large = a / (a + b * np.exp(2.0 * w))
        lna, lnb = np.log(a / (a + b)), np.log(b / (a + b))
        ta, ub = np.exp(a * lna) / a, np.exp(b * lnb) / b
        total = ta + ub
        small = np.where(q < ta / total, (a * total * q) ** (1.0 / a),
                         1.0 - (b * total * (1.0 - q)) ** (1.0 / b))
        x = np.where((a >= 1.0) & (b >= 1.0), large, small)
    return np.where(np.isfinite(x), np.clip(x, 1e-12, 1.0 - 1e-12), a / (a + b))


def beta_quantile(q: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The ``q`` quantile of Beta(a, b), to about 1e-13 (Newton steps kept inside a bracket
    that shrinks at every step, bisection when a step would leave it)."""
    q, a, b = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (q, a, b)))
    low, high = np.zeros(q.shape), np.ones(q.shape)
    x = _first_guess(q, a, b)
    log_beta = _log_beta(a, b)
    for _ in range(_MAX_STEPS):
        gap = regularized_beta(x, a, b, log_beta) - q
        low = np.where(gap < 0, x, low)
        high = np.where(gap >= 0, x, high)
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            density = np.exp((a - 1.0) * np.log(x) + (b - 1.0) * np.log1p(-x) - log_beta)
            step = x - gap / density
        bad = ~np.isfinite(step) | (step <= low) | (step >= high)
        new = np.where(bad, 0.5 * (low + high), step)
        moved = np.abs(new - x)
        x = new
        if np.all((moved <= 1e-14 * np.maximum(x, 1e-300)) | (high - low <= 1e-15)):
            break
    return np.where(q <= 0.0, 0.0, np.where(q >= 1.0, 1.0, x))


def normal_quantile(q: float, mu: float = 0.0, sigma: float = 1.0) -> float:
    """The ``q`` quantile of Normal(mu, sigma), ``0 < q < 1``."""
    from statistics import NormalDist

    return float(NormalDist(mu, sigma).inv_cdf(q))


def normal_sigma(low: float, high: float, mass: float) -> float:
    """The standard deviation of the Normal centred on ``[low, high]`` with ``mass`` of its
    probability in it: ``(high - low) / (2 z)``, ``z`` the ``(1 + mass) / 2`` quantile of the
    standard normal."""
    from statistics import NormalDist

    return (high - low) / (2 * NormalDist().inv_cdf((1 + mass) / 2))


#: The concentrations ``k = a + b`` searched for a bracket of the root (a logarithmic grid).
_CONCENTRATIONS = np.logspace(-2, 7, 46)


def solve_beta_concentration(mean: float, low: float, high: float, mass: float) -> float:
    """The concentration ``k`` of the Beta(``mean k``, ``(1 - mean) k``) that puts ``mass`` of
    its probability in ``[low, high]``.

    The mass in the range grows from 0 (``k -> 0``: the Beta piles up at 0 and 1) towards 1
    (``k -> infinity``: it piles up at the mean, inside the range). The first sign change of
    ``mass(k) - mass`` on a logarithmic grid brackets the root; the Illinois variant of the
    false-position method on ``log k``, kept inside the bracket, finds it to 1e-13.

    Raises
    ------
    ArithmeticError
        If ``mean`` is not inside ``(low, high)`` or the root cannot be bracketed (a range so
        narrow that ``k`` exceeds 1e7).
    """
    if not 0 < low < mean < high < 1:
        raise ArithmeticError(f"the mean {mean:g} is not inside ({low:g}, {high:g})")
    ends = np.array([[low], [high]])

    def gap(log_k: np.ndarray) -> np.ndarray:
        k = np.exp(np.atleast_1d(log_k))
        cdf = regularized_beta(ends, mean * k, (1 - mean) * k)
        return cdf[1] - cdf[0] - mass

    grid = np.log(_CONCENTRATIONS)
    values = gap(grid)
    above = np.flatnonzero(values >= 0)
    if not len(above) or above[0] == 0:
        raise ArithmeticError(f"no concentration between {_CONCENTRATIONS[0]:g} and "
                              f"{_CONCENTRATIONS[-1]:g} puts {mass:g} in [{low:g}, {high:g}]")
    a, b = grid[above[0] - 1], grid[above[0]]
    fa, fb = values[above[0] - 1], values[above[0]]
    side = 0
    for _ in range(100):
        c = (a * fb - b * fa) / (fb - fa)
        fc = float(gap(c)[0])
        if fc == 0 or abs(b - a) < 1e-13:
            a = b = c
            break
        if (fc < 0) == (fa < 0):
            a, fa = c, fc
            if side == -1:
                fb /= 2  # Illinois: halve the stale end's value
            side = -1
        else:
            b, fb = c, fc
            if side == 1:
                fa /= 2
            side = 1
        if abs(b - a) < 1e-13 * max(1.0, abs(b)):
            break
    return float(np.exp(0.5 * (a + b)))
