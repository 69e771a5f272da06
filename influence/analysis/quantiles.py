"""Central intervals of the priors of parameters, with numpy and the standard library only.

:meth:`Parameter.interval <influence.analysis.parameters.Parameter.interval>` asks each prior
for its interval, and the Beta and Normal priors ask SciPy. Sensitivity analysis needs the
intervals of every parameter of a model, and importing SciPy alone takes longer than the whole
analysis, so the quantiles are computed here: the Normal's with :class:`statistics.NormalDist`,
the Beta's with :mod:`influence.model.special` (safeguarded Newton iteration on the regularized
incomplete beta function). Both agree with SciPy to about 1e-12
(``tests/test_sensitivity_ranges.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import NormalDist

import numpy as np

from ..model.parameter_priors import ProbabilityPrior, RatioPrior
from ..model.priors import BetaPrior, DirichletPrior, NormalPrior, UniformPrior
from ..model.special import beta_quantile, regularized_beta
from .parameters import Parameter

__all__ = ["regularized_beta", "beta_quantile", "prior_interval", "prior_intervals"]

def prior_intervals(parameters: Sequence[Parameter], mass: float = 0.9
                    ) -> list[tuple[float, float] | None]:
    """The central interval holding ``mass`` of each parameter's prior: the same numbers as
    :meth:`Parameter.interval`, without SciPy, every Beta quantile in one vectorized call.
    None for a parameter without a prior."""
    tail = (1.0 - mass) / 2.0
    out: list[tuple[float, float] | None] = [None] * len(parameters)
    betas: list[tuple[int, float, float]] = []  # (parameter position, a, b)
    for i, par in enumerate(parameters):
        prior = par.prior
        if prior is None:
            continue
        if isinstance(prior, DirichletPrior):
            alpha = np.asarray(prior.alpha, dtype=float)
            a = float(alpha[list(prior.states).index(par.state)])
            betas.append((i, a, float(alpha.sum()) - a))
        elif isinstance(prior, BetaPrior | ProbabilityPrior):
            betas.append((i, float(prior.a), float(prior.b)))
        elif isinstance(prior, RatioPrior):
            out[i] = prior.interval(mass)
        elif isinstance(prior, NormalPrior):
            dist = NormalDist(prior.mu, prior.sigma)
            out[i] = (float(dist.inv_cdf(tail)), float(dist.inv_cdf(1.0 - tail)))
        elif isinstance(prior, UniformPrior):
            low, high = prior.interval(mass)
            out[i] = (float(low), float(high))
        else:  # pragma: no cover - a prior class added later
            out[i] = par.interval(mass)
    if betas:
        a = np.repeat([x[1] for x in betas], 2)
        b = np.repeat([x[2] for x in betas], 2)
        q = np.tile([tail, 1.0 - tail], len(betas))
        ends = beta_quantile(q, a, b).reshape(-1, 2)
        for (i, _, _), (low, high) in zip(betas, ends, strict=True):
            out[i] = _beta_ends(parameters[i], float(low), float(high))
    return out


def _beta_ends(par: Parameter, low: float, high: float) -> tuple[float, float]:
    """The interval of a probability from the quantiles of its row's Beta (a Beta prior on
    another state of the row moves this one in the opposite direction)."""
    prior = par.prior
    if isinstance(prior, BetaPrior):
        position = list(prior.states).index(par.state)
        rows = prior.row(np.array([low, high]))[:, position]
        return float(rows.min()), float(rows.max())
    return low, high


def prior_interval(parameter: Parameter, mass: float = 0.9) -> tuple[float, float] | None:
    """:func:`prior_intervals` of one parameter."""
    return prior_intervals([parameter], mass)[0]
