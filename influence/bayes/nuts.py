"""The NUTS path of :func:`influence.fit`: one PyMC model over the parameters the evidence moves.

:func:`build_model` makes the model: a free variable per moved slot (:func:`prior_variable`: a
Dirichlet or Beta per probability row, a Normal or Uniform per utility value) and one
``pm.Potential`` per likelihood term (:func:`add_likelihood`: weighted counts, case records,
observed utility values). :func:`fit_nuts` runs NUTS on it and returns the draws of every
slot: sampled for the moved ones, drawn exactly from their priors for the others (their
posterior is their prior: the priors of different rows are independent and the likelihood does
not involve them). The sampler is BlackJAX's (:mod:`influence.bayes.jax_sampler`: the model
compiled with JAX once and cached, so a later fit of the same model and evidence neither
builds nor compiles it) when JAX and BlackJAX are installed, else PyMC's (``pm.sample``).

Speed of PyMC's sampler, for the small models evidence usually makes (measured in
``benchmarks/bench_fit.py``):
the case-record likelihood is built from broadcast products and sums (:func:`broadcast_einsum`)
rather than ``pytensor.tensor.einsum``, whose graph PyTensor compiled for tens of seconds and
evaluated in Python; chains run one after the other in this process unless ``cores`` says
otherwise (starting a process per chain re-imports PyMC, which took longer than sampling);
PyTensor's compilation cache (its ``compiledir``) makes a second fit of the same shape skip
compiling.

PyMC, PyTensor and SciPy are imported inside the functions.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import QueryError
from ..model.distributions import BetaPrior, DirichletPrior, NormalPrior, Prior
from . import structured_fit
from .cases import case_log_likelihood
from .draws import Slot
from .utility_evidence import log_likelihood as values_log_likelihood

if TYPE_CHECKING:  # pragma: no cover
    from ..model.diagram import Diagram

__all__ = ["build_model", "prior_variable", "add_likelihood", "fit_nuts", "broadcast_einsum",
           "SAMPLERS"]


def broadcast_einsum(expression: str, *operands: Any) -> Any:
    """``einsum`` on PyTensor tensors as broadcast products and sums (each letter one axis;
    the output's letters in order), for the small tables of case likelihoods."""
    import pytensor.tensor as pt

    inputs, output = expression.split("->")
    subscripts = inputs.split(",")
    letters = list(output) + sorted({c for s in subscripts for c in s} - set(output))
    product = None
    for sub, operand in zip(subscripts, operands, strict=True):
        pattern = [sub.index(c) if c in sub else "x" for c in letters]
        term = pt.as_tensor_variable(operand).dimshuffle(*pattern)
        product = term if product is None else product * term
    summed = list(range(len(output), len(letters)))
    return pt.sum(product, axis=summed) if summed else product


class _Tensors:
    """The array functions :func:`~influence.bayes.cases.case_log_likelihood` takes, on
    PyTensor tensors, with :func:`broadcast_einsum` for ``einsum``."""

    def __init__(self) -> None:
        import pytensor.tensor as pt

        self.transpose = pt.transpose
        self.log = pt.log
        self.einsum = broadcast_einsum


def prior_variable(name: str, prior: Prior) -> Any:
    """The PyMC variable of a slot's prior (inside a model context): the row itself for a
    Dirichlet, the full row built from the state's probability for a Beta, the value for a
    Normal or Uniform, a model parameter's Beta or ratio prior as
    :func:`~influence.bayes.structured_fit.variable` makes it."""
    import pymc as pm

    if structured_fit.is_parameter_prior(prior):
        return structured_fit.variable(name, prior)
    if isinstance(prior, DirichletPrior):
        return pm.Dirichlet(name, a=np.asarray(prior.alpha))
    if isinstance(prior, BetaPrior):
        p = pm.Beta(name, alpha=prior.a, beta=prior.b)
        onehot = np.zeros(len(prior.states))
        onehot[prior.state] = 1.0
        return p * onehot + (1 - p) * np.asarray(prior.rest)
    if isinstance(prior, NormalPrior):
        return pm.Normal(name, mu=prior.mu, sigma=prior.sigma)
    return pm.Uniform(name, lower=prior.low, upper=prior.high)


def add_likelihood(diagram: Diagram, slots: list[Slot], rows: dict[str, Any], counts: list,
                   cases: list, values: list) -> None:
    """The likelihood terms, as ``pm.Potential`` (inside a model context). ``rows`` maps every
    slot to its tensor (moved slots) or its point value (the others); a row of a structured
    table is computed from its parameters' (:mod:`influence.bayes.structured_fit`)."""
    import pymc as pm
    import pytensor.tensor as pt
    from scipy.special import gammaln

    for k, obs in enumerate(counts):
        n = np.asarray(obs.counts, dtype=float)
        seen = np.flatnonzero(n > 0)
        constant = gammaln(n.sum() + 1) - gammaln(n + 1).sum()
        row = structured_fit.row_tensor(diagram, obs, rows)
        loglik = constant + pt.sum(n[seen] * pt.log(row[seen]))
        pm.Potential(f"counts_{k}", obs.weight * loglik)
    if cases:
        needed = {n for records in cases for n in records.nodes}
        tables = structured_fit.tensor_tables(
            diagram, slots, rows, [n.name for n in diagram.chance_nodes if n.name in needed])
        xp = _Tensors()
        for k, records in enumerate(cases):
            for j, pattern in enumerate(records.patterns):
                loglik = case_log_likelihood(diagram, pattern, tables, xp=xp)
                pm.Potential(f"cases_{k}_{j}", records.weight * pt.sum(pattern.counts * loglik))
    for k, obs in enumerate(values):
        pm.Potential(f"values_{k}", values_log_likelihood(obs, rows[obs.slot], xp=pt))


def build_model(diagram: Diagram, slots: list[Slot], priors: dict[str, Prior], counts: list,
                cases: list, values: list, moved: set[str]) -> tuple[Any, dict[str, str]]:
    """The PyMC model of a fit, and the name of the free variable of each moved slot."""
    import pymc as pm

    rows: dict[str, Any] = {}
    free: dict[str, str] = {}
    for slot in slots:  # rows the likelihood reads but the evidence cannot move: point values
        if slot.name not in moved:
            rows[slot.name] = structured_fit.fixed_value(diagram, slot)
    with pm.Model() as model:
        for i, slot in enumerate(s for s in slots if s.name in moved):
            free[slot.name] = f"s{i}"
            rows[slot.name] = prior_variable(f"s{i}", priors[slot.name])
        add_likelihood(diagram, slots, rows, counts, cases, values)
    return model, free


def compile_options() -> dict[str, Any]:
    """How PyTensor compiles the model's log density and gradient: with its Numba backend when
    Numba is installed (compiling a small model takes seconds, and the result is cached on
    disk), else with its default C backend (tens of seconds for a new model, cached too)."""
    import importlib.util

    return {"mode": "NUMBA"} if importlib.util.find_spec("numba") is not None else {}


SAMPLERS = ("auto", "blackjax", "pymc")


def fit_nuts(diagram: Diagram, slots: list[Slot], priors: dict[str, Prior], counts: list,
             cases: list, values: list, moved: set[str], *, evidence: list[str],
             sampler: str = "auto", draws: int, tune: int, chains: int, seed: int | None,
             cores: int | None, target_accept: float, progressbar: bool,
             callback: Callable[..., None] | None = None) -> tuple[dict, dict, Any, dict]:
    """NUTS on the model of the evidence: the posterior and prior draws ``(chain, draw, ...)``
    of every slot, the sampling statistics, and how it ran (``sampler``: ``"blackjax"`` or
    ``"pymc"``; for BlackJAX, ``cache``: whether the compiled model and program were cached).

    ``sampler="auto"`` takes BlackJAX (:mod:`influence.bayes.jax_sampler`) when JAX and BlackJAX
    are installed (the ``jax`` extra) and PyMC's sampler otherwise; ``evidence`` (the evidence
    files' hashes) is part of the key of the compiled model's cache entry.
    """
    from . import jax_sampler

    if sampler not in SAMPLERS:
        raise QueryError(f"expected `sampler` to be one of {', '.join(SAMPLERS)}, got "
                         f"{sampler!r}", parameter="sampler")
    if sampler == "blackjax" and not jax_sampler.available():
        raise QueryError("`sampler` 'blackjax' needs JAX and BlackJAX (dependencies of "
                         "influence: reinstall it), which are not installed; use `sampler` "
                         "'pymc' or 'auto'", parameter="sampler")
    if sampler == "pymc" or not jax_sampler.available():
        model, free = build_model(diagram, slots, priors, counts, cases, values, moved)
        sampled, stats = _pymc_sample(model, free, draws=draws, tune=tune, chains=chains,
                                      seed=seed, cores=cores, target_accept=target_accept,
                                      progressbar=progressbar, callback=callback)
        how: dict[str, Any] = {"sampler": "pymc"}
    else:
        key = jax_sampler.model_key(diagram.fingerprint, evidence, priors, moved)
        density = jax_sampler.load_density(key)
        hit = density is not None
        if density is None:
            model, free = build_model(diagram, slots, priors, counts, cases, values, moved)
            density = jax_sampler.compile_density(model, free, key)
        names = dict(zip(density.names, density.slots, strict=True))
        sampled, stats, cached = jax_sampler.sample(
            density, draws=draws, tune=tune, chains=chains, seed=seed,
            target_accept=target_accept,
            progress=None if callback is None else (lambda done: callback(done=done)))
        sampled = {names[name]: value for name, value in sampled.items()}
        how = {"sampler": jax_sampler.NAME, "cache": {"model": hit, **cached}}
    posterior, prior = _draws(sampled, slots, priors, draws, chains, seed)
    return posterior, prior, stats, how


def _pymc_sample(model: Any, free: dict[str, str], *, draws: int, tune: int, chains: int,
                 seed: int | None, cores: int | None, target_accept: float, progressbar: bool,
                 callback: Callable[..., None] | None) -> tuple[dict[str, np.ndarray], Any]:
    """PyMC's own NUTS (``pm.sample``), its chains one after the other unless ``cores``: the
    draws of each moved slot ``(chain, draw, ...)`` and the sampling statistics."""
    import pymc as pm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", UserWarning)  # PyTensor's note about BLAS
        idata = pm.sample(draws=draws, tune=tune, chains=chains, cores=cores or 1,
                          random_seed=seed, progressbar=progressbar,
                          target_accept=target_accept, compute_convergence_checks=False,
                          return_inferencedata=True, model=model, callback=callback,
                          compile_kwargs=compile_options())
    sampled = {slot: np.asarray(idata.posterior[name].values, dtype=float)
               for slot, name in free.items()}
    return sampled, idata.sample_stats


def _draws(sampled: dict[str, np.ndarray], slots: Sequence[Slot], priors: dict[str, Prior],
           draws: int, chains: int, seed: int | None) -> tuple[dict, dict]:
    """The posterior draws of every slot (sampled, or for the slots NUTS left out, drawn from
    their priors) and the prior draws, each ``(chain, draw, ...)``."""
    posterior = {}
    post_rng, prior_rng = np.random.default_rng(seed).spawn(2)
    for slot in slots:
        prior = priors[slot.name]
        if slot.name in sampled:
            values = sampled[slot.name]
            posterior[slot.name] = prior.row(values) if isinstance(prior, BetaPrior) else values
        else:
            values = prior.sample(post_rng, draws * chains)
            posterior[slot.name] = values.reshape((chains, draws) + values.shape[1:])
    prior_draws = {}
    for slot in slots:
        values = priors[slot.name].sample(prior_rng, draws * chains)
        prior_draws[slot.name] = values.reshape((chains, draws) + values.shape[1:])
    return posterior, prior_draws
