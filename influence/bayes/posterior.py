"""The posterior of a fit: :class:`Posterior`, its file, and the solver's parameters from it.

A :class:`Posterior` is an ArviZ ``InferenceData`` with ``prior``, ``posterior`` and
``observed_data`` groups (and ``sample_stats`` for NUTS), whose posterior group's attributes
name the model, its fingerprint, the method, the hash of the evidence, the diagnostics, the
slots and, for an exact fit, the conjugate posterior of each slot (JSON, each prior in the form
of :meth:`~influence.model.distributions.Prior.to_dict`). :func:`posterior_from_draws` lays the
draws of a fit out that way; :meth:`Posterior.read` and :meth:`Posterior.write` read and write
it as netCDF; :meth:`Posterior.parameters` turns it into the parameter batches the solver
evaluates.

ArviZ is imported only to read a file, to write a NUTS posterior, and on first use of
:attr:`Posterior.idata`. An exact posterior stays numpy arrays and is written with the netCDF4
library (:mod:`influence.bayes.netcdf`, in the layout ArviZ writes).
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ModelError, PosteriorError, QueryError
from ..model.distributions import BetaPrior, DirichletPrior, Prior
from .draws import Slot, parameter_tables, uncertain_slots
from .netcdf import Group, Variable, to_dataset, write_groups
from .summary import summarize

if TYPE_CHECKING:  # pragma: no cover
    import arviz

    from ..model.diagram import Diagram

__all__ = ["Posterior", "posterior_from_draws", "FORMAT_VERSION"]

#: Prefix of the attributes influence writes on the posterior group.
_ATTR = "influence_"
#: The version of the posterior file layout (written as an attribute).
FORMAT_VERSION = 1


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
    """Posterior draws of a model's uncertain rows and values, from :func:`influence.fit`.

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
        ``"sampling_seconds"``. ``parameters`` and ``warnings`` concern the slots the evidence
        moved (the others are drawn exactly from their priors); a value that cannot be
        computed is None.
    evidence_sha256 : str
        Hash of the evidence files (and CSV files) it was fitted to.
    file : str or None
        The file it was read from, if any.
    slots : list of dict
        What the file says of each uncertain row and value: ``name``, ``node``, ``given``,
        ``index``, ``kind``, ``states``, ``components`` (the free components: a Beta row's
        state, a Dirichlet row's every state), ``moved`` (whether the evidence informs it)
        and ``prior`` (its description).
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
            self.slots: list[dict[str, Any]] = json.loads(attrs[_ATTR + "slots"])
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

    def values(self, name: str, group: str = "posterior") -> np.ndarray | None:
        """The draws of slot ``name`` in ``group`` (``"posterior"`` or ``"prior"``), chains
        joined: ``(draws,)`` for a utility value, ``(draws, states)`` for a probability row;
        None if the group does not hold it."""
        if group == "posterior":
            return self._values(name) if self._has(group, name) else None
        if not self._has(group, name):
            return None
        data = np.asarray(self._draws_of(group, name), dtype=float)
        return data.reshape((-1,) + data.shape[2:])

    def _index(self, max_draws: int | None) -> np.ndarray:
        total = self.draws
        if max_draws is None or max_draws >= total:
            return np.arange(total)
        if max_draws < 1:
            raise QueryError(f"expected `max_draws` to be at least 1, got {max_draws}",
                             parameter="max_draws")
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
            raise QueryError(f"expected `chunk` to be at least 1 draw, got {chunk}",
                             parameter="chunk")
        slots = uncertain_slots(diagram)
        index = self._index(max_draws)
        for start in range(0, len(index), chunk):
            yield self._batch(diagram, slots, index[start:start + chunk])

    def conjugate_priors(self) -> dict[str, Prior]:
        """The exact posterior of each slot as a prior (to continue updating from).

        Raises
        ------
        QueryError
            For a NUTS posterior, which has no closed form (about ``start``, the argument of
            :func:`~influence.bayes.fitting.fit` that continues from a posterior).
        PosteriorError
            If the file's conjugate posterior of a parameter is malformed.
        """
        if self._conjugate is None:
            raise QueryError(f"a {self.method} posterior has no closed form to continue from; "
                             "fit all the evidence at once instead", file=self.file,
                             parameter="start")
        priors = {}
        for name, doc in self._conjugate.items():
            try:
                priors[name] = Prior.from_dict(doc)
            except ModelError as exc:
                raise PosteriorError(f"the conjugate posterior of {name}: {exc.detail}",
                                     file=self.file) from None
        return priors

    def summary(self) -> list[dict[str, Any]]:
        """One entry per parameter the evidence moved (see
        :func:`influence.bayes.summary.summarize`): its prior and posterior mean and central 90%
        interval, r_hat and bulk ESS."""
        return summarize(self)

    def __repr__(self) -> str:
        return (f"Posterior(model={self.model_name!r}, method={self.method!r}, "
                f"draws={self.draws}, warnings={len(self.diagnostics.get('warnings', []))})")


# -- the layout of a posterior -------------------------------------------------------------------


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


def _slot_docs(diagram: Diagram, slots: list[Slot], moved: set[str]) -> list[dict[str, Any]]:
    """What the posterior file says of each slot (its free components: a Beta row's one state,
    a Dirichlet row's every state, none for a utility value)."""
    docs = []
    for slot in slots:
        components: list[int] = []
        if isinstance(slot.prior, BetaPrior):
            components = [slot.prior.state]
        elif isinstance(slot.prior, DirichletPrior):
            components = list(range(len(slot.prior.states)))
        docs.append({"name": slot.name, "node": slot.node, "given": slot.given,
                     "index": list(slot.index), "kind": slot.kind,
                     "states": list(diagram.node(slot.node).states),
                     "components": components, "moved": slot.name in moved,
                     "prior": slot.prior.describe()})
    return docs


def posterior_from_draws(diagram: Diagram, slots: list[Slot], moved: set[str], *, method: str,
                         posterior: dict[str, np.ndarray], prior: dict[str, np.ndarray],
                         sample_stats: Any, conjugate: Mapping[str, Prior] | None,
                         counts: list, cases: list, digest: str, inputs: list[str],
                         diagnostics: dict[str, Any]) -> Posterior:
    """The :class:`Posterior` of a fit, from its draws.

    Parameters
    ----------
    diagram : Diagram
        The model fitted.
    slots : list of Slot
        Its uncertain rows and values; ``moved`` names those the evidence informs.
    method : {"exact", "nuts"}
    posterior, prior : dict
        Draws ``(chain, draw, ...)`` of each slot, after and before the evidence.
    sample_stats : xarray.Dataset or None
        NUTS's sampling statistics (None for an exact fit).
    conjugate : mapping, optional
        The exact posterior of each slot as a prior (to continue updating from).
    counts, cases : list
        The observations fitted (stored in the ``observed_data`` group).
    digest : str
        The hash of the evidence.
    inputs : list of str
        Files the posterior must never be written over.
    diagnostics : dict
        See :attr:`Posterior.diagnostics`.
    """
    from ..version import __version__

    post_ds = _dataset(diagram, slots, posterior)
    post_ds.attrs = {
        _ATTR + "model": diagram.name,
        _ATTR + "fingerprint": diagram.fingerprint,
        _ATTR + "method": method,
        _ATTR + "evidence_sha256": digest,
        _ATTR + "diagnostics": json.dumps(diagnostics, sort_keys=True, default=_json_default),
        _ATTR + "slots": json.dumps(_slot_docs(diagram, slots, moved)),
        _ATTR + "conjugate": "" if conjugate is None else json.dumps(
            {name: p.to_dict() for name, p in conjugate.items()}),
        _ATTR + "inputs": json.dumps(list(dict.fromkeys(inputs))),
        _ATTR + "version": __version__,
        _ATTR + "format": FORMAT_VERSION,
    }
    groups = {"posterior": post_ds, "prior": _dataset(diagram, slots, prior),
              "observed_data": _observed(diagram, counts, cases)}
    if sample_stats is None:
        return Posterior._from_groups(groups)
    import arviz as az  # NUTS: PyMC has imported ArviZ already

    datasets = {name: to_dataset(group) for name, group in groups.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Posterior(az.InferenceData(**datasets, sample_stats=sample_stats))


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
