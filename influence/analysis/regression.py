"""EVPPI by nonparametric regression (Strong, Oakley and Brennan 2014), for parameters that
depend on each other.

Each draw ``i`` of all the parameters gives a stage tensor ``T_i`` (the expected utility of
every strategy is linear in it). Regressing every entry of ``T`` on the group's parameters
``phi`` estimates ``E[T | phi]``; since the regression is linear in the responses, the fitted
tensor gives ``E[EU(s) | phi]`` for every strategy ``s`` at once, and backward induction on it
the best strategy knowing ``phi``:

``EVPPI = mean_i max_s Ê[EU(s) | phi_i] - max_s mean_i Ê[EU(s) | phi_i]``.

The smoother is additive, GAM-like: per parameter (standardised), a cubic regression spline
(``x, x^2, x^3`` and truncated cubes at the quartiles), plus the products of pairs of
parameters when there are at most six, fitted by least squares. The basis shrinks (cubic, then
linear terms only) when there are too few draws for it (fewer than :data:`DRAWS_PER_TERM` per
term). The standard error combines the Monte Carlo error of the mean over draws with that of
the fit, found as Strong et al. do: the estimate recomputed under :data:`FIT_SAMPLES` draws of
the coefficients from their sampling distribution. Only numpy is used.
"""

from __future__ import annotations

import numpy as np

from .valuation import Valuer

__all__ = ["regression_evppi", "basis", "DRAWS_PER_TERM", "FIT_SAMPLES"]

#: Fewest draws per term of the regression basis.
DRAWS_PER_TERM = 10

#: Draws of the regression coefficients behind the standard error of the fit.
FIT_SAMPLES = 40

#: Stage tensors with more entries use the residuals, not their covariance, to draw
#: coefficients.
MAX_COVARIANCE = 2000

_KNOTS = (0.25, 0.5, 0.75)


def basis(features: np.ndarray) -> np.ndarray:
    """The regression basis of ``features`` (S, d): an intercept, per feature a cubic spline
    (or fewer terms when draws are few), and pairwise products for d <= 6. Constant features
    are left out."""
    x = np.asarray(features, dtype=float)
    sd = x.std(axis=0)
    x = (x[:, sd > 0] - x[:, sd > 0].mean(axis=0)) / sd[sd > 0]
    draws, d = x.shape
    for per_feature in (3 + len(_KNOTS), 3, 1):
        pairs = d * (d - 1) // 2 if d <= 6 and per_feature > 1 else 0
        if 1 + d * per_feature + pairs <= max(draws // DRAWS_PER_TERM, 2):
            break
    columns = [np.ones((draws, 1))]
    for j in range(d):
        v = x[:, j]
        terms = [v]
        if per_feature >= 3:
            terms += [v**2, v**3]
        if per_feature > 3:
            terms += [np.maximum(v - k, 0.0) ** 3 for k in np.quantile(v, _KNOTS)]
        columns.append(np.column_stack(terms))
    if per_feature > 1 and d <= 6:
        columns += [(x[:, a] * x[:, b])[:, None] for a in range(d) for b in range(a + 1, d)]
    return np.concatenate(columns, axis=1)


def regression_evppi(valuer: Valuer, features: np.ndarray, stage: np.ndarray, *,
                     seed: int = 0) -> tuple[float, float]:
    """The EVPPI of the parameters ``features`` by regression, and its standard error.

    Parameters
    ----------
    valuer : Valuer
        Built on the mean stage tensor of the same draws (its ``s*`` is the Bayes strategy).
    features : ndarray, shape (S, d)
        The group's parameters in each draw.
    stage : ndarray, shape (S, L)
        The unnormalized stage tensor of each draw (all parameters drawn).
    seed : int
        Seed of the coefficient draws.

    Returns
    -------
    (value, se)
    """
    draws = stage.shape[0]
    design = basis(features)
    left, singular, _ = np.linalg.svd(design, full_matrices=False)
    rank = int((singular > singular[0] * 1e-10).sum()) if singular.size else 0
    left = left[:, :rank]
    fitted = left @ (left.T @ stage)
    gains = valuer.gains(fitted)
    value = float(gains.mean())
    mc = float(gains.std(ddof=1) / np.sqrt(draws)) if draws > 1 else 0.0
    root = _residual_root(stage - fitted, max(draws - rank, 1))
    if root is None or rank == 0:
        return value, mc
    rng = np.random.default_rng(seed)
    samples = []
    for _ in range(FIT_SAMPLES):
        z = rng.standard_normal((rank, root.shape[0]))
        samples.append(float(valuer.gains(fitted + left @ (z @ root)).mean()))
    fit = float(np.std(samples, ddof=1))
    return value, float(np.sqrt(mc**2 + fit**2))


def _residual_root(residual: np.ndarray, dof: int) -> np.ndarray | None:
    """A matrix ``R`` (k, L) with ``R.T @ R`` the residual covariance (L, L): from its
    eigenvectors when L is small, else the scaled residuals themselves (k = S), so that no
    L x L matrix is formed for large stage tensors. None when nothing varies."""
    if not np.any(residual):
        return None
    if residual.shape[1] > MAX_COVARIANCE:
        return residual / np.sqrt(dof)
    eigval, eigvec = np.linalg.eigh(residual.T @ residual / dof)
    keep = eigval > eigval.max() * 1e-12
    if not keep.any():
        return None
    return (eigvec[:, keep] * np.sqrt(eigval[keep])[None]).T
