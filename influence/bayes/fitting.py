"""Fitting a model's priors to evidence: :func:`fit` and the :class:`Posterior` it returns.

:func:`fit` updates every row and value that carries a prior (see :mod:`influence.priors`) with
the observations of one or more evidence files (see :mod:`influence.evidence`):

* ``method="exact"`` draws from the conjugate posterior. It applies when all the evidence is
  counts (every row with counts has a Dirichlet or Beta prior, phrase and interval priors
  included, since they are Betas once fitted). Counts ``n`` with weight ``w`` add ``w * n`` to a
  Dirichlet's concentrations, or ``w * n_s`` to a Beta's ``a`` and ``w * (N - n_s)`` to its
  ``b``. Rows and values without evidence are drawn from their priors.
* ``method="nuts"`` builds one PyMC model (a Dirichlet or Beta per row, a Normal or Uniform per
  utility value, the weighted count likelihood and the case-record likelihood as
  ``pm.Potential`` terms) and samples it with NUTS.
* ``method="auto"`` (the default) is exact when it applies and NUTS otherwise.

The result is a :class:`Posterior`: an ArviZ ``InferenceData`` with ``prior``, ``posterior`` and
``observed_data`` groups (and ``sample_stats`` for NUTS), whose posterior group's attributes name
the model, its fingerprint, the method, the hash of the evidence and the diagnostics (JSON).
:meth:`Posterior.parameters` turns it into the parameter batches the solver evaluates.

Updating in two steps: ``fit(d, e2, start=fit(d, e1))`` continues from the conjugate posterior of
the first fit, and gives exactly the parameters (and, with the same seed, the same draws) as
``fit(d, [e1, e2])``. Only exact posteriors can be continued from; with case records, fit all the
evidence at once.

PyMC and ArviZ are imported inside the functions that use them. An exact fit needs neither: its
draws stay numpy arrays, its R-hat and ESS come from :mod:`influence.mcmc_diagnostics`, it is
written with the netCDF4 library (:mod:`influence.netcdf_io`, in the layout ArviZ writes), and
its ``InferenceData`` is built on first use of :attr:`Posterior.idata`.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import EvidenceError, PosteriorError, QueryError
from ..limits import ESS_LIMIT, RHAT_LIMIT
from ..model.priors import (
    BetaPrior,
    DirichletPrior,
    NormalPrior,
    Prior,
    UniformPrior,
)
from .draws import Slot, parameter_tables, uncertain_slots
from .evidence import Evidence, case_log_likelihood, load_evidence
from .netcdf import Group, Variable, to_dataset, write_groups

if TYPE_CHECKING:  # pragma: no cover
    import arviz

    from ..model.diagram import Diagram

__all__ = ["fit", "Posterior", "ConvergenceWarning", "RHAT_LIMIT", "ESS_LIMIT", "MIN_CHAINS",
           "MIN_DRAWS", "METHODS"]

#: R-hat needs at least this many chains, and R-hat and the ESS this many draws per chain
#: (ArviZ returns NaN below them); a fit with fewer warns that it cannot be checked.
MIN_CHAINS = 2
MIN_DRAWS = 4
METHODS = ("auto", "exact", "nuts")
_ATTR = "influence_"
FORMAT_VERSION = 1


class ConvergenceWarning(UserWarning):
    """The sampler's diagnostics say the posterior draws are not to be trusted as they are."""


# -- priors as JSON (the conjugate state of an exact posterior) -------------------------------


def _prior_to_json(prior: Prior) -> dict[str, Any]:
    if isinstance(prior, DirichletPrior):
        return {"kind": "dirichlet", "alpha": list(prior.alpha), "states": list(prior.states)}
    if isinstance(prior, BetaPrior):
        return {"kind": "beta", "a": prior.a, "b": prior.b, "state": prior.state,
                "rest": list(prior.rest), "states": list(prior.states)}
    if isinstance(prior, NormalPrior):
        return {"kind": "normal", "mu": prior.mu, "sigma": prior.sigma}
    if isinstance(prior, UniformPrior):
        return {"kind": "uniform", "low": prior.low, "high": prior.high}
    raise TypeError(f"unknown prior {prior!r}")  # pragma: no cover


def _prior_from_json(doc: Mapping[str, Any]) -> Prior:
    kind = doc["kind"]
    if kind == "dirichlet":
        alpha = tuple(float(a) for a in doc["alpha"])
        return DirichletPrior(alpha=alpha, states=tuple(doc["states"]),
                              spec={"dirichlet": list(alpha)})
    if kind == "beta":
        states = tuple(doc["states"])
        return BetaPrior(a=float(doc["a"]), b=float(doc["b"]), states=states,
                         state=int(doc["state"]), rest=tuple(float(r) for r in doc["rest"]),
                         spec={"beta": [doc["a"], doc["b"]], "state": states[doc["state"]]})
    if kind == "normal":
        return NormalPrior(mu=float(doc["mu"]), sigma=float(doc["sigma"]),
                           spec={"normal": [doc["mu"], doc["sigma"]]})
    if kind == "uniform":
        return UniformPrior(low=float(doc["low"]), high=float(doc["high"]),
                            spec={"uniform": [doc["low"], doc["high"]]})
    raise ValueError(f"unknown prior kind {kind!r}")


# -- the posterior -----------------------------------------------------------------------------


def _netcdf_engines() -> list[str]:
    """The netCDF engines installed, in order of preference: netCDF4, then h5netcdf (which
    needs h5py). Both write netCDF-4 (HDF5) files, and each reads what the other wrote."""
    import importlib.util

    engines = []
    if importlib.util.find_spec("netCDF4") is not None:
        engines.append("netcdf4")
    if importlib.util.find_spec("h5netcdf") is not None and \
            importlib.util.find_spec("h5py") is not None:
        engines.append("h5netcdf")
    if not engines:
        raise PosteriorError("reading and writing posterior files needs the netCDF4 package "
                             "(or h5netcdf with h5py); reinstall influence to get them")
    return engines


def _netcdf_engine() -> str:
    """The engine posterior files are written with: netCDF4 if installed, else h5netcdf."""
    return _netcdf_engines()[0]


class Posterior:
    """Posterior draws of a model's uncertain rows and values, from :func:`fit`.

    Attributes
    ----------
    idata : arviz.InferenceData
        Groups ``prior``, ``posterior``, ``observed_data`` (and ``sample_stats`` for NUTS). The
        posterior group has one variable per slot (``p[node|parent=state,...]`` with a state
        dimension, or ``u[node|...]``).
    model_name : str
        The name of the model it was fitted for.
    fingerprint : str
        That model's :attr:`Diagram.fingerprint`.
    method : {"exact", "nuts"}
        How it was drawn.
    diagnostics : dict
        ``{"divergences": int, "warnings": [str], "parameters": {slot name: {"r_hat": float,
        "ess_bulk": float}}}`` plus ``"method"``, ``"draws"``, ``"chains"`` and
        ``"sampling_seconds"``. ``parameters`` has every slot (None where a value cannot be
        computed); ``warnings`` concern the slots the evidence moved.
    evidence_sha256 : str
        Hash of the evidence files (and CSV files) it was fitted to.
    file : str or None
        The file it was read from, if any.
    """

    def __init__(self, idata: arviz.InferenceData, *, file: str | None = None,
                 inputs: Sequence[str] = ()) -> None:
        self._idata: arviz.InferenceData | None = idata
        self._groups: dict[str, Group] | None = None
        self.file = file
        self._read_attrs(lambda: idata.posterior.attrs, inputs)

    @classmethod
    def _from_groups(cls, groups: dict[str, Group], inputs: Sequence[str] = ()) -> Posterior:
        """A posterior held as numpy arrays; its ``InferenceData`` is built when first used."""
        self = cls.__new__(cls)
        self._idata = None
        self._groups = groups
        self.file = None
        self._read_attrs(lambda: groups["posterior"].attrs, inputs)
        return self

    def _read_attrs(self, get_attrs: Any, inputs: Sequence[str]) -> None:
        file = self.file
        try:
            attrs = get_attrs()
            self.model_name = str(attrs[_ATTR + "model"])
            self.fingerprint = str(attrs[_ATTR + "fingerprint"])
            self.method = str(attrs[_ATTR + "method"])
            self.evidence_sha256 = str(attrs[_ATTR + "evidence_sha256"])
            self.diagnostics = json.loads(attrs[_ATTR + "diagnostics"])
            self._slots = json.loads(attrs[_ATTR + "slots"])
            conjugate = attrs.get(_ATTR + "conjugate", "")
            self._conjugate = json.loads(conjugate) if conjugate else None
            stored_inputs = json.loads(attrs.get(_ATTR + "inputs", "[]"))
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise PosteriorError(
                f"expected a posterior written by influence.fit, got a file without its "
                f"attributes ({type(exc).__name__}: {exc})", file=file) from None
        self._inputs = tuple(dict.fromkeys([*stored_inputs, *inputs]))
        self._flat: dict[str, np.ndarray] = {}

    @property
    def idata(self) -> arviz.InferenceData:
        """The posterior as an ArviZ ``InferenceData`` (see the class's attributes)."""
        if self._idata is None:
            import arviz as az

            assert self._groups is not None
            datasets = {name: to_dataset(group) for name, group in self._groups.items()}
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self._idata = az.InferenceData(**datasets)
        return self._idata

    # -- files
    @classmethod
    def read(cls, path: str | os.PathLike[str]) -> Posterior:
        """Read a posterior written by :meth:`write`.

        Raises
        ------
        PosteriorError
            If the file cannot be read or was not written by influence.
        """
        import arviz as az

        path = Path(path)
        if not path.is_file():
            why = "it is a directory" if path.is_dir() else "no such file"
            raise PosteriorError(f"cannot read the posterior: {why}", file=str(path))
        idata = None
        failure: Exception | None = None
        for engine in _netcdf_engines():  # the first that can read it
            try:
                with az.rc_context({"data.load": "eager"}), warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    idata = az.from_netcdf(str(path), engine=engine)
                break
            except Exception as exc:  # noqa: BLE001 - netCDF readers raise many types
                failure = failure or exc
        if idata is None:
            raise PosteriorError(f"expected a netCDF posterior file written by influence.fit, "
                                 f"got an unreadable file ({type(failure).__name__}: {failure})",
                                 file=str(path))
        if "posterior" not in idata.groups():
            raise PosteriorError("expected a posterior written by influence.fit, got a file "
                                 "without a posterior group", file=str(path))
        return cls(idata, file=str(path))

    def write(self, path: str | os.PathLike[str], *,
              protect: Sequence[str | os.PathLike[str]] = ()) -> None:
        """Write the posterior as a netCDF file, atomically.

        The file is written next to ``path`` under a temporary name, then moved over it in one
        step: a failure leaves any existing file untouched. An exact posterior whose
        :attr:`idata` has not been used is written with the netCDF4 library directly, in the
        layout ``idata.to_netcdf`` gives but uncompressed (random draws hardly compress, and
        compressing them took most of the time); otherwise ``idata.to_netcdf`` writes it.

        Parameters
        ----------
        path : path
            The destination.
        protect : sequence of paths
            Files never to overwrite (the model, evidence and case files the posterior was
            fitted from are always protected).

        Raises
        ------
        OutputError
            If ``path`` is one of the protected files or cannot be written.
        """
        from ..atomic import atomic_target, refuse_overwrite

        target = Path(path)
        refuse_overwrite(target, *self._inputs, *protect)
        engine = _netcdf_engine()
        with atomic_target(target) as tmp, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if self._idata is None and self._groups is not None and engine == "netcdf4":
                write_groups(tmp, self._groups, compress=False)  # draws hardly compress
            else:
                self.idata.to_netcdf(str(tmp), engine=engine)

    # -- identity
    def check(self, diagram: Diagram) -> None:
        """Check that the posterior was fitted for ``diagram`` as it is now.

        Raises
        ------
        PosteriorError
            ``made for model 'x', not 'y'`` or ``made for another version of 'y' (fingerprint
            a, the model now b)``. A fingerprint is a hash: it tells that the model changed,
            not whether the posterior's version is older or newer.
        """
        if diagram.name != self.model_name:
            raise PosteriorError(f"made for model '{self.model_name}', not '{diagram.name}'",
                                 file=self.file)
        if diagram.fingerprint != self.fingerprint:
            raise PosteriorError(
                f"made for another version of '{diagram.name}' (fingerprint {self.fingerprint}, "
                f"the model now {diagram.fingerprint}); fit the evidence again", file=self.file)

    # -- draws
    @property
    def draws(self) -> int:
        """The number of posterior draws (chains times draws per chain)."""
        if self._groups is not None:
            sizes = self._groups["posterior"].dims()
        else:
            sizes = self.idata.posterior.sizes
        return int(sizes["chain"] * sizes["draw"])

    def _draws_of(self, group: str, name: str) -> np.ndarray:
        if self._groups is not None:
            return self._groups[group].variables[name].values
        return self.idata[group][name].values

    def _has(self, group: str, name: str) -> bool:
        if self._groups is not None:
            return group in self._groups and name in self._groups[group].variables
        return group in self.idata.groups() and name in self.idata[group]

    def _values(self, name: str) -> np.ndarray:
        if name not in self._flat:
            data = np.asarray(self._draws_of("posterior", name), dtype=float)
            self._flat[name] = data.reshape((-1,) + data.shape[2:])
        return self._flat[name]

    def _index(self, max_draws: int | None) -> np.ndarray:
        total = self.draws
        if max_draws is None or max_draws >= total:
            return np.arange(total)
        if max_draws < 1:
            raise QueryError(f"expected at least one draw, got max_draws={max_draws}")
        return (np.arange(max_draws) * total) // max_draws

    def _batch(self, diagram: Diagram, slots: list[Slot], index: np.ndarray
               ) -> dict[str, np.ndarray]:
        return parameter_tables(diagram, slots, len(index),
                                lambda slot: self._values(slot.name)[index])

    def parameters(self, diagram: Diagram, max_draws: int | None = None
                   ) -> dict[str, np.ndarray]:
        """The posterior as the solver's parameter batch.

        Parameters
        ----------
        diagram : Diagram
            The model (checked with :meth:`check`).
        max_draws : int, optional
            Use at most this many draws, evenly spaced over all chains.

        Returns
        -------
        dict
            ``{node: array (S, *table.shape)}`` for every chance and utility node (utility
            values unweighted); nodes without any prior have a leading axis of 1.
        """
        self.check(diagram)
        return self._batch(diagram, uncertain_slots(diagram), self._index(max_draws))

    def iter_parameters(self, diagram: Diagram, chunk: int, max_draws: int | None = None
                        ) -> Iterator[dict[str, np.ndarray]]:
        """:meth:`parameters` in batches of at most ``chunk`` draws."""
        self.check(diagram)
        if chunk < 1:
            raise QueryError(f"expected a chunk of at least one draw, got {chunk}")
        slots = uncertain_slots(diagram)
        index = self._index(max_draws)
        for start in range(0, len(index), chunk):
            yield self._batch(diagram, slots, index[start:start + chunk])

    def conjugate_priors(self) -> dict[str, Prior]:
        """The exact posterior of each slot as a prior (to continue updating from).

        Raises
        ------
        QueryError
            For a NUTS posterior, which has no closed form.
        """
        if self._conjugate is None:
            raise QueryError(f"a {self.method} posterior has no closed form to continue from; "
                             "fit all the evidence at once instead", file=self.file)
        return {name: _prior_from_json(doc) for name, doc in self._conjugate.items()}

    def summary(self) -> list[dict[str, Any]]:
        """One entry per parameter the evidence moved.

        A Dirichlet row gives one entry per state, a Beta row one for the state it is on, a
        utility value one. Each entry has ``name`` (the slot), ``node``, ``given``, ``state``
        (None for utilities), ``prior_mean``, ``prior_interval_90``, ``mean``, ``interval_90``
        (central 90% intervals of the draws), ``r_hat`` and ``ess_bulk`` (of the slot).
        """
        rows = []
        for slot in self._slots:
            if not slot["moved"]:
                continue
            name = slot["name"]
            post = self._values(name)
            before = None
            if self._has("prior", name):
                data = np.asarray(self._draws_of("prior", name), dtype=float)
                before = data.reshape((-1,) + data.shape[2:])
            diag = self.diagnostics.get("parameters", {}).get(name, {})
            components = slot["components"]
            for j in components if components else [None]:
                def pick(a: np.ndarray, j: int | None = j) -> np.ndarray:
                    return a if j is None else a[:, j]

                entry = {"name": name, "node": slot["node"], "given": slot["given"],
                         "state": None if j is None else slot["states"][j]}
                for label, data in (("prior_", before), ("", post)):
                    if data is None:
                        entry[f"{label}mean"] = None
                        entry[f"{label}interval_90"] = None
                        continue
                    values = pick(data)
                    lo, hi = np.quantile(values, [0.05, 0.95])
                    entry[f"{label}mean"] = float(values.mean())
                    entry[f"{label}interval_90"] = [float(lo), float(hi)]
                entry["r_hat"] = diag.get("r_hat")
                entry["ess_bulk"] = diag.get("ess_bulk")
                rows.append(entry)
        return rows

    def __repr__(self) -> str:
        return (f"Posterior(model={self.model_name!r}, method={self.method!r}, "
                f"draws={self.draws}, warnings={len(self.diagnostics.get('warnings', []))})")


def _discard(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except OSError:
        pass


# -- fitting ------------------------------------------------------------------------------------


def _as_evidence(evidence: Any, diagram: Diagram) -> list[Evidence]:
    items = evidence if isinstance(evidence, list | tuple) else [evidence]
    if not items:
        raise QueryError("expected at least one evidence file, got none")
    out = []
    for item in items:
        if isinstance(item, Evidence):
            if item.model != diagram.name:
                raise EvidenceError(f"expected evidence for model '{diagram.name}', got evidence "
                                    f"for '{item.model}'", file=item.file, field="model")
            if item.fingerprint != diagram.fingerprint:
                raise EvidenceError(f"the evidence was checked against another version of "
                                    f"'{diagram.name}'; load it again for this one",
                                    file=item.file)
            out.append(item)
        elif isinstance(item, str | os.PathLike):
            out.append(load_evidence(item, diagram))
        else:
            raise QueryError(f"expected an evidence file path or an Evidence, got "
                             f"{type(item).__name__}")
    return out


def _positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise QueryError(f"expected `{name}` to be a whole number >= 1, got {value!r}")
    return int(value)


def fit(
    diagram: Diagram,
    evidence: Any,
    *,
    method: str = "auto",
    draws: int = 1000,
    chains: int = 4,
    seed: int | None = None,
    progressbar: bool = True,
    start: Posterior | None = None,
    tune: int = 1000,
    cores: int | None = None,
    target_accept: float = 0.9,
) -> Posterior:
    """Update the model's priors with evidence.

    Parameters
    ----------
    diagram : Diagram
        A model with priors.
    evidence : Evidence, path, or a list of them
        Evidence files (see :mod:`influence.evidence`); several are combined.
    method : {"auto", "exact", "nuts"}
        ``exact`` draws from the conjugate posterior (counts evidence only); ``nuts`` samples
        a PyMC model; ``auto`` is exact when it applies, else NUTS.
    draws : int
        Draws per chain.
    chains : int
        Number of chains (exact draws are split into chains too, so the diagnostics apply).
    seed : int, optional
        Random seed; the same seed gives the same draws.
    progressbar : bool
        Show PyMC's progress bar while sampling (NUTS).
    start : Posterior, optional
        An exact posterior of an earlier fit of the same model: continue updating from it.
    tune : int
        NUTS tuning steps per chain.
    cores : int, optional
        Chains run in parallel on this many cores (NUTS; default: PyMC's choice).
    target_accept : float
        NUTS target acceptance rate.

    Returns
    -------
    Posterior

    Raises
    ------
    EvidenceError
        On invalid evidence, or a model without priors.
    QueryError
        On a bad method or option (for instance ``exact`` with case records).

    Warns
    -----
    ConvergenceWarning
        When, for a parameter the evidence moved, an R-hat exceeds :data:`RHAT_LIMIT` or a bulk
        ESS is below :data:`ESS_LIMIT`; when they cannot be computed (fewer than
        :data:`MIN_CHAINS` chains, fewer than :data:`MIN_DRAWS` draws per chain); or when NUTS
        reports divergences. The same messages are in ``diagnostics["warnings"]``. Parameters
        the evidence did not move are drawn exactly from their priors and not warned about.
    """
    import time

    began = time.perf_counter()
    if method not in METHODS:
        raise QueryError(f"expected a method of {', '.join(METHODS)}, got {method!r}")
    draws = _positive_int(draws, "draws")
    chains = _positive_int(chains, "chains")
    tune = int(tune)
    evidences = _as_evidence(evidence, diagram)
    slots = uncertain_slots(diagram)
    if not slots:
        raise EvidenceError(f"the model '{diagram.name}' has no priors, so the evidence has "
                            "nothing to update; give rows or values a `prior` in the model file",
                            file=diagram.file)
    counts = [c for e in evidences for c in e.counts]
    cases = [c for e in evidences for c in e.cases]
    resolved = method if method != "auto" else ("nuts" if cases else "exact")
    if resolved == "exact" and cases:
        first = cases[0]
        raise QueryError(f"method 'exact' takes counts only, but entry {first.entry} of "
                         f"{first.file or 'the evidence'} gives case records; use method 'nuts' "
                         "or 'auto'")
    priors = {s.name: s.prior for s in slots}
    evidence_hash = [e.sha256 for e in evidences]
    if start is not None:
        start.check(diagram)
        if resolved != "exact":
            raise QueryError("continuing from a posterior (start=) needs the exact method; fit "
                             "all the evidence at once with NUTS instead")
        priors.update(start.conjugate_priors())
        evidence_hash.insert(0, start.evidence_sha256)
    moved = {c.slot for c in counts}
    for records in cases:
        nodes = set(records.nodes)
        moved.update(s.name for s in slots if s.node in nodes)
    if resolved == "exact":
        posterior, prior, conjugate = _exact(slots, priors, counts, draws, chains, seed)
        sample_stats = None
    else:
        posterior, prior, sample_stats = _nuts(diagram, slots, priors, counts, cases, draws,
                                               chains, seed, progressbar, tune, cores,
                                               target_accept, moved)
        conjugate = None
    digest = evidence_hash[0] if len(evidence_hash) == 1 else hashlib.sha256(
        "".join(evidence_hash).encode()).hexdigest()
    inputs = [str(Path(p).resolve()) for e in evidences for p in e.inputs]
    if diagram.file and Path(diagram.file).is_file():
        inputs.insert(0, str(Path(diagram.file).resolve()))
    if start is not None:  # what the first step came from, and its file, are inputs too
        inputs += [*start._inputs, *([str(Path(start.file).resolve())] if start.file else [])]
    return _assemble(diagram, slots, moved, resolved, posterior, prior, sample_stats, conjugate,
                     counts, cases, digest, inputs, draws, chains, time.perf_counter() - began)


def _exact(slots: list[Slot], priors: dict[str, Prior], counts: list, draws: int, chains: int,
           seed: int | None) -> tuple[dict, dict, dict]:
    updated = dict(priors)
    for obs in counts:
        current = updated[obs.slot]
        if not isinstance(current, DirichletPrior | BetaPrior):  # pragma: no cover - checked
            raise EvidenceError(f"the row {obs.slot} has a {current.kind} prior; counts need a "
                                "Dirichlet or Beta", file=obs.file, node=obs.node)
        updated[obs.slot] = current.updated(obs.weighted)
    post_rng, prior_rng = np.random.default_rng(seed).spawn(2)
    n = draws * chains
    posterior, prior = {}, {}
    for slot in slots:
        for store, dist, rng in ((posterior, updated[slot.name], post_rng),
                                 (prior, priors[slot.name], prior_rng)):
            values = dist.sample(rng, n)
            store[slot.name] = values.reshape((chains, draws) + values.shape[1:])
    conjugate = {name: _prior_to_json(p) for name, p in updated.items()}
    return posterior, prior, conjugate


def _nuts(diagram: Diagram, slots: list[Slot], priors: dict[str, Prior], counts: list,
          cases: list, draws: int, chains: int, seed: int | None, progressbar: bool, tune: int,
          cores: int | None, target_accept: float, moved: set[str]
          ) -> tuple[dict, dict, Any]:
    """NUTS over the parameters the evidence touches (``moved``).

    The priors of different rows and values are independent and the likelihood involves only
    the moved ones, so every other parameter's posterior is its prior: it is drawn exactly, not
    sampled, which keeps the sampler's dimension (and time) down to what the evidence informs.
    """
    import pymc as pm
    import pytensor.tensor as pt
    from scipy.special import gammaln

    rows: dict[str, Any] = {}
    free: dict[str, str] = {}
    sampled = [s for s in slots if s.name in moved]
    for slot in slots:  # rows the likelihood reads but the evidence cannot move: point values
        if slot.name not in moved:
            rows[slot.name] = np.asarray(diagram.node(slot.node).table[slot.index])
    with pm.Model() as model:
        for i, slot in enumerate(sampled):
            prior = priors[slot.name]
            var = f"s{i}"
            free[slot.name] = var
            if isinstance(prior, DirichletPrior):
                rows[slot.name] = pm.Dirichlet(var, a=np.asarray(prior.alpha))
            elif isinstance(prior, BetaPrior):
                p = pm.Beta(var, alpha=prior.a, beta=prior.b)
                onehot = np.zeros(len(prior.states))
                onehot[prior.state] = 1.0
                rows[slot.name] = p * onehot + (1 - p) * np.asarray(prior.rest)
            elif isinstance(prior, NormalPrior):
                rows[slot.name] = pm.Normal(var, mu=prior.mu, sigma=prior.sigma)
            else:
                rows[slot.name] = pm.Uniform(var, lower=prior.low, upper=prior.high)
        for k, obs in enumerate(counts):
            n = np.asarray(obs.counts, dtype=float)
            seen = np.flatnonzero(n > 0)
            constant = gammaln(n.sum() + 1) - gammaln(n + 1).sum()
            loglik = constant + pt.sum(n[seen] * pt.log(rows[obs.slot][seen]))
            pm.Potential(f"counts_{k}", obs.weight * loglik)
        if cases:
            tables = _tensor_tables(diagram, slots, rows, cases)
            for k, records in enumerate(cases):
                for j, pattern in enumerate(records.patterns):
                    loglik = case_log_likelihood(diagram, pattern, tables, xp=pt)
                    pm.Potential(f"cases_{k}_{j}",
                                 records.weight * pt.sum(pattern.counts * loglik))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            idata = pm.sample(draws=draws, tune=tune, chains=chains, cores=cores,
                              random_seed=seed, progressbar=progressbar,
                              target_accept=target_accept, compute_convergence_checks=False,
                              return_inferencedata=True, model=model)
    posterior = {}
    post_rng, prior_rng = np.random.default_rng(seed).spawn(2)
    for slot in slots:
        prior = priors[slot.name]
        if slot.name in free:
            values = np.asarray(idata.posterior[free[slot.name]].values, dtype=float)
            posterior[slot.name] = prior.row(values) if isinstance(prior, BetaPrior) else values
        else:
            values = prior.sample(post_rng, draws * chains)
            posterior[slot.name] = values.reshape((chains, draws) + values.shape[1:])
    prior_draws = {}
    for slot in slots:
        values = priors[slot.name].sample(prior_rng, draws * chains)
        prior_draws[slot.name] = values.reshape((chains, draws) + values.shape[1:])
    return posterior, prior_draws, idata.sample_stats


def _tensor_tables(diagram: Diagram, slots: list[Slot], rows: dict[str, Any],
                   cases: list) -> dict[str, Any]:
    import pytensor.tensor as pt

    needed = {n for records in cases for n in records.nodes}
    tables: dict[str, Any] = {}
    for node in diagram.chance_nodes:
        if node.name not in needed:
            continue
        table = pt.as_tensor_variable(np.asarray(node.table, dtype=float))
        for slot in slots:
            if slot.node == node.name:
                table = pt.set_subtensor(table[slot.index], rows[slot.name])
        tables[node.name] = table
    return tables


# -- assembling the InferenceData -------------------------------------------------------------


def _state_dim(node: str) -> str:
    return f"state[{node}]"


def _dataset(diagram: Diagram, slots: list[Slot], values: dict[str, np.ndarray]) -> Group:
    group = Group()
    for slot in slots:
        v = values[slot.name]
        if slot.kind == "probability":
            dim = _state_dim(slot.node)
            group.coords[dim] = np.array(list(diagram.node(slot.node).states))
            group.variables[slot.name] = Variable(("chain", "draw", dim), v)
        else:
            group.variables[slot.name] = Variable(("chain", "draw"), v)
    first = next(iter(values.values()))
    group.coords["chain"] = np.arange(first.shape[0])
    group.coords["draw"] = np.arange(first.shape[1])
    return group


def _observed(diagram: Diagram, counts: list, cases: list) -> Group:
    group = Group()
    for k, obs in enumerate(counts):
        dim = _state_dim(obs.node)
        group.coords[dim] = np.array(list(diagram.node(obs.node).states))
        attrs = {"node": obs.node, "given": json.dumps(dict(obs.given)), "slot": obs.slot,
                 "weight": obs.weight, "entry": obs.entry, "file": obs.file or "",
                 "source": obs.source or "", "reason": obs.reason or ""}
        group.variables[f"counts_{k}"] = Variable((dim,), np.asarray(obs.counts, dtype=np.int64),
                                                  attrs)
    for k, records in enumerate(cases):
        case_dim, column_dim = f"case_{k}", f"column_{k}"
        group.coords[column_dim] = np.array(list(records.columns))
        states = [diagram.node(c).states for c in records.columns]
        cells = np.array([[states[j][v] if v >= 0 else "" for j, v in enumerate(row)]
                          for row in records.data], dtype=str)
        attrs = {"path": records.path, "weight": records.weight, "entry": records.entry,
                 "file": records.file or "", "source": records.source or "",
                 "reason": records.reason or ""}
        group.variables[f"cases_{k}"] = Variable((case_dim, column_dim), cells, attrs)
    return group


def _free(values: np.ndarray, prior: Prior) -> np.ndarray:
    """A slot's free parameters as ``(chain, draw, component)``: a Beta row's one probability,
    a Dirichlet row's whole row, a utility value."""
    v = np.asarray(values, dtype=float)
    if isinstance(prior, BetaPrior):
        v = v[..., prior.state]
    return v.reshape(v.shape[:2] + (-1,))


def _diagnose(slots: list[Slot], priors: Mapping[str, Prior], posterior: dict[str, np.ndarray],
              sample_stats: Any, method: str, moved: set[str] | None = None
              ) -> dict[str, Any]:
    """R-hat and bulk ESS of the slots in ``moved``, and the warnings about them.

    Diagnostics concern the parameters the evidence moved (all slots when ``moved`` is None):
    the others are drawn exactly from their priors, never sampled, so there is nothing to
    check. A check that cannot be made (one chain, too few draws) is a warning too: a missing
    diagnostic is not a passed one.
    """
    from .diagnostics import ess_bulk, rhat

    checked = {s.name for s in slots if moved is None or s.name in moved}
    slots = [s for s in slots if s.name in checked]
    parameters: dict[str, dict[str, float | None]] = {}
    messages: list[str] = []
    chains, draws = next(iter(posterior.values())).shape[:2] if posterior else (0, 0)
    if checked and chains < MIN_CHAINS:
        messages.append(f"r_hat needs at least {MIN_CHAINS} chains; got {chains}: whether the "
                        "sampler converged is unchecked; run 2 or more chains")
    if checked and draws < MIN_DRAWS:
        messages.append(f"r_hat and bulk ESS need at least {MIN_DRAWS} draws per chain; got "
                        f"{draws}: convergence and precision are unchecked; draw more")
    can_check = chains >= MIN_CHAINS and draws >= MIN_DRAWS
    for slot in slots:
        free = _free(posterior[slot.name], priors[slot.name])
        r = np.array([rhat(free[:, :, k]) for k in range(free.shape[2])])
        e = np.array([ess_bulk(free[:, :, k]) for k in range(free.shape[2])])
        r_max = float(np.nanmax(r)) if np.any(np.isfinite(r)) else None
        e_min = float(np.nanmin(e)) if np.any(np.isfinite(e)) else None
        parameters[slot.name] = {"r_hat": r_max, "ess_bulk": e_min}
        if slot.name not in checked:
            continue
        if r_max is not None and r_max > RHAT_LIMIT:
            messages.append(f"{slot.name}: r_hat {r_max:.3f} > {RHAT_LIMIT} (the chains "
                            "disagree; draw more or tune longer)")
        if e_min is not None and e_min < ESS_LIMIT:
            messages.append(f"{slot.name}: bulk ESS {e_min:.0f} < {ESS_LIMIT} (too few "
                            "effective draws for precise summaries; draw more)")
        if can_check and (r_max is None or e_min is None):
            missing = " and ".join(n for n, v in (("r_hat", r_max), ("bulk ESS", e_min))
                                   if v is None)
            messages.append(f"{slot.name}: {missing} cannot be computed from its draws (are "
                            "they constant or not finite?); its convergence is unchecked")
    divergences = 0
    if sample_stats is not None and "diverging" in sample_stats:
        divergences = int(np.asarray(sample_stats["diverging"].values).sum())
    if divergences:
        messages.insert(0, f"{divergences} divergent transitions (the sampler missed part of "
                           "the posterior; raise target_accept or simplify the model)")
    return {"divergences": divergences, "warnings": messages, "parameters": parameters,
            "method": method}


def _assemble(diagram: Diagram, slots: list[Slot], moved: set[str], method: str,
              posterior: dict, prior: dict, sample_stats: Any, conjugate: dict | None,
              counts: list, cases: list, digest: str, inputs: list[str], draws: int,
              chains: int, seconds: float) -> Posterior:
    from .. import __version__

    priors = {s.name: s.prior for s in slots}
    diagnostics = _diagnose(slots, priors, posterior, sample_stats, method, moved)
    diagnostics.update(draws=draws, chains=chains, sampling_seconds=round(seconds, 3))
    slot_docs = []
    for slot in slots:
        components: list[int] = []
        if isinstance(slot.prior, BetaPrior):
            components = [slot.prior.state]
        elif isinstance(slot.prior, DirichletPrior):
            components = list(range(len(slot.prior.states)))
        slot_docs.append({"name": slot.name, "node": slot.node, "given": slot.given,
                          "index": list(slot.index), "kind": slot.kind,
                          "states": list(diagram.node(slot.node).states),
                          "components": components, "moved": slot.name in moved,
                          "prior": slot.prior.describe()})
    post_ds = _dataset(diagram, slots, posterior)
    post_ds.attrs = {
        _ATTR + "model": diagram.name,
        _ATTR + "fingerprint": diagram.fingerprint,
        _ATTR + "method": method,
        _ATTR + "evidence_sha256": digest,
        _ATTR + "diagnostics": json.dumps(diagnostics, sort_keys=True, default=_json_default),
        _ATTR + "slots": json.dumps(slot_docs),
        _ATTR + "conjugate": json.dumps(conjugate) if conjugate is not None else "",
        _ATTR + "inputs": json.dumps(list(dict.fromkeys(inputs))),
        _ATTR + "version": __version__,
        _ATTR + "format": FORMAT_VERSION,
    }
    groups = {"posterior": post_ds, "prior": _dataset(diagram, slots, prior),
              "observed_data": _observed(diagram, counts, cases)}
    if sample_stats is None:
        result = Posterior._from_groups(groups)
    else:  # NUTS: PyMC has imported ArviZ already
        import arviz as az

        datasets = {name: to_dataset(group) for name, group in groups.items()}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = Posterior(az.InferenceData(**datasets, sample_stats=sample_stats))
    if diagnostics["warnings"]:
        warnings.warn("influence.fit: the posterior draws may not be reliable:\n  "
                      + "\n  ".join(diagnostics["warnings"]), ConvergenceWarning, stacklevel=3)
    return result


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
