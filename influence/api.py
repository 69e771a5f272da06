"""The one entry point for evaluating a diagram, with or without parameter uncertainty."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .model.diagram import Diagram
from .solve.plan import solve
from .solve.results import Evaluation

__all__ = ["evaluate"]


def evaluate(
    diagram: Diagram,
    *,
    given: Mapping[str, str] | None = None,
    posterior: Any = None,
    prior: bool = False,
    draws: int | None = None,
    seed: int | None = None,
) -> Evaluation:
    """Evaluate every policy, alternative and the optimal strategy of a diagram.

    Parameters
    ----------
    diagram : Diagram
        The influence diagram (see :func:`influence.load`).
    given : mapping, optional
        A scenario: chance nodes that no decision influences, known before any decision.
    posterior : Posterior or path, optional
        Parameter draws from :func:`influence.fit` (or a netCDF file it wrote): evaluate under
        them.
    prior : bool
        Evaluate under draws from the model's priors.
    draws : int, optional
        Number of prior draws (default 4000), or a cap on the posterior draws used.
    seed : int, optional
        Random seed for prior draws.

    Returns
    -------
    Evaluation
        Point values when neither ``posterior`` nor ``prior`` is given; otherwise the means
        over draws, with the uncertainty fields filled.
    """
    if posterior is None and not prior:
        return solve(diagram, given)
    from .bayes.uncertainty import evaluate_under_uncertainty  # imports numpy only; PyMC lazily

    if isinstance(posterior, str | Path):
        from .bayes.fitting import Posterior

        posterior = Posterior.read(posterior)
    return evaluate_under_uncertainty(
        diagram, given=given, posterior=posterior, prior=prior, draws=draws, seed=seed
    )
