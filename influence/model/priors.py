"""Priors on probability rows and utility values.

Any row of a chance node's table and any value of a utility node may carry a ``prior`` in the
model file (see ``docs/bayesian.md``). The loader reads each with
:func:`influence.model.prior_spec.parse_prior_spec`; the result is one of the frozen
:class:`Prior` classes of :mod:`influence.model.distributions` (importable from here too),
stored in ``Node.priors`` under the row's parent states.
:mod:`influence.bayes.draws` lists a diagram's rows with a prior and draws whole parameter
batches from them for the solver.

Forms on a probability row (``k`` states):

``{dirichlet: [a1, ..., ak]}``
    Dirichlet with those concentrations (a list in state order, or a mapping state: value).
``{mean: [m1, ..., mk], strength: n}``
    Dirichlet with those means and ``n`` pseudo-observations: ``a_i = n * m_i``.
``{beta: [a, b], state: s}``
    Beta(a, b) on the probability of state ``s``.
``{phrase: "very likely", state: s, mass: 0.9}``
    The ICD 203 range of the phrase, fitted as a Beta (see :mod:`influence.elicit`).
``{interval: [low, high], state: s, mass: 0.9}``
    A Beta with ``mass`` of its probability in ``[low, high]``.

On a two-state row ``state`` defaults to the second state. On a row of more than two states a
Beta-type prior (beta, phrase, interval) needs ``state``, and the row's point ``p``: the other
states share the rest, ``1 - p_s``, in proportion to their point probabilities.

Forms on a utility value: ``{normal: [mean, sd]}``, ``{uniform: [low, high]}`` and
``{interval: [low, high], mass: 0.9}`` (a Normal with ``mass`` in the range).

This module imports numpy only; PyMC is imported by :mod:`influence.model.elicit` when a phrase
or an interval has to be fitted.
"""

from __future__ import annotations

from .distributions import (
    BetaPrior,
    DirichletPrior,
    Elicitation,
    NormalPrior,
    Prior,
    UniformPrior,
)

__all__ = [
    "Prior",
    "DirichletPrior",
    "BetaPrior",
    "NormalPrior",
    "UniformPrior",
    "Elicitation",
    "PROBABILITY_FORMS",
    "UTILITY_FORMS",
]

#: The keys each form of prior takes, by the kind of node it is written on.
PROBABILITY_FORMS: dict[str, tuple[str, ...]] = {
    "dirichlet": ("dirichlet",),
    "mean": ("mean", "strength"),
    "beta": ("beta", "state"),
    "phrase": ("phrase", "state", "mass"),
    "interval": ("interval", "state", "mass"),
}
UTILITY_FORMS: dict[str, tuple[str, ...]] = {
    "normal": ("normal",),
    "uniform": ("uniform",),
    "interval": ("interval", "mass"),
}
