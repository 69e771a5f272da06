"""The posterior of a fit: :class:`Posterior`, its file, and the solver's parameters from it.

A :class:`Posterior` holds the groups of a posterior file (:mod:`influence.bayes.layout`: one
variable per node table in ``posterior`` and ``prior``, the observations in ``observed_data``,
NUTS's ``sample_stats``) as numpy arrays. :func:`posterior_from_draws` lays the draws of a fit
out that way; :meth:`Posterior.read` reads a file with the netCDF4 library alone, checking its
attributes and every draw (:mod:`influence.bayes.posterior_checks`); :meth:`Posterior.write`
writes it atomically; :meth:`Posterior.parameters` turns it into the parameter batches the
solver evaluates, taking the rows without priors from the model as it is now.

Neither reading, writing nor evaluating imports ArviZ, xarray, SciPy or PyMC: ArviZ stays the
tool for users who open the file (``arviz.from_netcdf`` reads it) and :attr:`Posterior.idata`
builds the ``InferenceData`` on first use.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ArgumentTypeError, PosteriorError, QueryError
from ..model.distributions import Prior
from ..model.fingerprint import changes, fit_content
from .draws import Slot, parameter_tables, uncertain_slots
from .layout import FORMAT_VERSION, build_groups, table_digests
from .netcdf import Group, read_groups, to_dataset, write_groups
from .posterior_checks import check_tables, read_attributes
from .summary import summarize

if TYPE_CHECKING:  # pragma: no cover
    import arviz

    from ..model.diagram import Diagram

__all__ = ["Posterior", "posterior_from_draws", "FORMAT_VERSION"]

#: Differences listed when a posterior was fitted for another version of the model.
_SHOWN_CHANGES = 3


class Posterior:
    """Posterior draws of a model's uncertain rows and values, from :func:`influence.fit`.

    Attributes
    ----------
    model_name : str
        The name of the model it was fitted for.
    fingerprint : str
        That model's :attr:`Diagram.fit_fingerprint`: its structure and priors. The posterior
        applies to any version of the model with the same one.
    model_fingerprint : str
        The model's whole :attr:`Diagram.fingerprint` when it was fitted: when it differs from
        the model's now, the output notes it (the draws stay valid; the other numbers are the
        model's own).
    method : {"exact", "nuts"}
        How it was drawn.
    diagnostics : dict
        ``{"divergences": int, "warnings": [str], "parameters": {slot name: {"r_hat": float,
        "ess_bulk": float}}}`` plus ``"method"``, ``"draws"``, ``"chains"`` and
        ``"sampling_seconds"``, and after :meth:`check` ``"notes"`` (the model changed since
        the fit). ``parameters`` and ``warnings`` concern the slots the evidence moved (the
        others are drawn exactly from their priors); a value that cannot be computed is None.
    evidence_sha256 : str
        Hash of the evidence files (and CSV files) it was fitted to.
    file : str or None
        The file it was read from, if any.
    slots : list of dict
        What the file says of each uncertain row and value: ``name``, ``node``, ``given``,
        ``index``, ``kind``, ``variable`` (its table's variable), ``states``, ``components``
        (the free components: a Beta row's state, a Dirichlet row's every state), ``moved``
        (whether the evidence informs it), ``prior`` (its description) and ``distribution``
        (the prior as data).
    """

    def __init__(self, groups: Mapping[str, Group], *, file: str | None = None,
                 inputs: Sequence[str] = ()) -> None:
        if "posterior" not in groups:
            raise PosteriorError("expected a posterior written by influence.fit, got a file "
                                 "without a posterior group", file=file)
        self._groups = dict(groups)
        self._idata: arviz.InferenceData | None = None
        self.file = file
        attributes = read_attributes(self._groups["posterior"], file)
        self._chains, self._draws = check_tables(self._groups, attributes, file)
        self.model_name = attributes.model_name
        self.fingerprint = attributes.fingerprint
        self.model_fingerprint = attributes.model_fingerprint
        self.method = attributes.method
        self.evidence_sha256 = attributes.evidence_sha256
        self._stored_diagnostics = attributes.diagnostics
        self.diagnostics: dict[str, Any] = dict(attributes.diagnostics)
        self.slots: list[dict[str, Any]] = attributes.slots
        self._by_name = {s["name"]: s for s in self.slots}
        self._structure = attributes.structure
        self._conjugate = attributes.conjugate
        self._likelihood_tables = attributes.likelihood_tables
        self._inputs = tuple(dict.fromkeys([*attributes.inputs, *inputs]))
        self._flat: dict[str, np.ndarray] = {}

    @property
    def idata(self) -> arviz.InferenceData:
        """The posterior as an ArviZ ``InferenceData`` (built on first use; imports ArviZ)."""
        if self._idata is None:
            import arviz as az

            datasets = {name: to_dataset(group) for name, group in self._groups.items()}
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self._idata = az.InferenceData(**datasets)
        return self._idata

    @property
    def groups(self) -> dict[str, Group]:
        """The file's groups as numpy arrays (see :mod:`influence.bayes.layout`)."""
        return dict(self._groups)

    # -- files
    @classmethod
    def read(cls, path: str | os.PathLike[str]) -> Posterior:
        """Read a posterior written by :meth:`write`, checking its attributes and every draw.

        Raises
        ------
        PosteriorError
            If the file cannot be read, was not written by influence (or by an earlier version
            of the layout), or holds draws that are not probabilities or finite utilities.
        """
        if isinstance(path, bool) or not isinstance(path, str | os.PathLike):
            raise ArgumentTypeError(f"expected the path of a posterior file, got "
                                    f"{type(path).__name__}", parameter="path")
        path = Path(path)
        if not path.is_file():
            why = "it is a directory" if path.is_dir() else "no such file"
            raise PosteriorError(f"cannot read the posterior: {why}", file=str(path))
        try:
            groups = read_groups(path)
        except ImportError:
            raise PosteriorError("reading posterior files needs the netCDF4 package; reinstall "
                                 "influence to get it", file=str(path)) from None
        except (OSError, MemoryError) as exc:
            raise PosteriorError(f"expected a netCDF posterior file written by influence.fit, "
                                 f"got an unreadable file ({exc})", file=str(path)) from None
        return cls(groups, file=str(path))

    def write(self, path: str | os.PathLike[str], *,
              protect: Sequence[str | os.PathLike[str]] = ()) -> None:
        """Write the posterior as a netCDF file, atomically.

        The file is written next to ``path`` under a temporary name, then moved over it in one
        step: a failure leaves any existing file untouched. It is written with the netCDF4
        library (:func:`~influence.bayes.netcdf.write_groups`) in the layout ArviZ writes,
        uncompressed (random draws hardly compress, and compressing them took most of the
        time).

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
        with atomic_target(target) as tmp, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            write_groups(tmp, self._groups, compress=False)

    # -- identity
    def check(self, diagram: Diagram) -> None:
        """Check that the posterior applies to ``diagram`` as it is now.

        It does while the model's structure and priors (:attr:`Diagram.fit_fingerprint`) are
        those it was fitted with, and, for a fit to case records, the point rows their
        likelihood read. Other edits (a point value without a prior, a label, a policy, a
        weight) keep it valid: :attr:`diagnostics` then gets a ``notes`` entry saying the model
        changed since the fit.

        Raises
        ------
        PosteriorError
            ``made for model 'x', not 'y'``, or ``made for another version of 'y'`` followed by
            what changed (node and field).
        """
        if diagram.name != self.model_name:
            raise PosteriorError(f"made for model '{self.model_name}', not '{diagram.name}'",
                                 file=self.file)
        found = []
        if diagram.fit_fingerprint != self.fingerprint:
            found = changes(self._structure, fit_content(diagram)) or [
                f"fingerprint {self.fingerprint} then, {diagram.fit_fingerprint} now"]
        else:
            now = table_digests(diagram, set(self._likelihood_tables))
            found = [f"node '{n}', field 'p': its point table, which the case records' "
                     "likelihood read, changed" for n, d in self._likelihood_tables.items()
                     if now.get(n) != d]
        if found:
            more = len(found) - _SHOWN_CHANGES
            listed = "; ".join(found[:_SHOWN_CHANGES]) + (f"; and {more} more" if more > 0
                                                          else "")
            raise PosteriorError(f"made for another version of '{diagram.name}': {listed}; fit "
                                 "the evidence again", file=self.file)
        notes = []
        if self.model_fingerprint and diagram.fingerprint != self.model_fingerprint:
            notes.append(f"fitted on an earlier version of '{diagram.name}' (model fingerprint "
                         f"{self.model_fingerprint}, now {diagram.fingerprint}); its structure "
                         "and priors are unchanged, so the draws apply, and the numbers without "
                         "priors are the model's as it is now")
        self.diagnostics = dict(self._stored_diagnostics)
        if notes:
            self.diagnostics["notes"] = notes

    # -- draws
    @property
    def draws(self) -> int:
        """The number of posterior draws (chains times draws per chain)."""
        return self._chains * self._draws

    def _slot(self, name: str) -> dict[str, Any]:
        try:
            return self._by_name[name]
        except KeyError:
            raise QueryError(f"expected a parameter of the posterior ({len(self.slots)} "
                             f"slots, e.g. {self.slots[0]['name'] if self.slots else 'none'}), "
                             f"got {name!r}", file=self.file) from None

    def _rows(self, group: str, slot: dict[str, Any]) -> np.ndarray | None:
        """A slot's draws in ``group``, chains joined: (draws,) or (draws, states)."""
        found = self._groups.get(group)
        var = None if found is None else found.variables.get(slot["variable"])
        if var is None:
            return None
        data = np.asarray(var.values, dtype=float)[(slice(None), slice(None),
                                                     *slot["index"])]
        return data.reshape((-1,) + data.shape[2:])

    def _values(self, name: str) -> np.ndarray:
        if name not in self._flat:
            rows = self._rows("posterior", self._slot(name))
            assert rows is not None  # checked on reading
            self._flat[name] = rows
        return self._flat[name]

    def values(self, name: str, group: str = "posterior") -> np.ndarray | None:
        """The draws of slot ``name`` in ``group`` (``"posterior"`` or ``"prior"``), chains
        joined: ``(draws,)`` for a utility value, ``(draws, states)`` for a probability row;
        None if the group does not hold it (the prior group holds the tables of the nodes the
        evidence moved)."""
        if group == "posterior":
            return self._values(name)
        return self._rows(group, self._slot(name))

    def draw_index(self, max_draws: int | None = None) -> np.ndarray:
        """Positions of the draws used (chains joined): every draw, or ``max_draws`` of them
        evenly spaced over all chains."""
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
            The model (checked with :meth:`check`); rows without priors take its values.
        max_draws : int, optional
            Use at most this many draws, evenly spaced over all chains.

        Returns
        -------
        dict
            ``{node: array (S, *table.shape)}`` for every chance and utility node (utility
            values unweighted); nodes without any prior have a leading axis of 1.
        """
        self.check(diagram)
        return self._batch(diagram, uncertain_slots(diagram), self.draw_index(max_draws))

    def iter_parameters(self, diagram: Diagram, chunk: int, max_draws: int | None = None
                        ) -> Iterator[dict[str, np.ndarray]]:
        """:meth:`parameters` in batches of at most ``chunk`` draws."""
        self.check(diagram)
        if chunk < 1:
            raise QueryError(f"expected `chunk` to be at least 1 draw, got {chunk}",
                             parameter="chunk")
        slots = uncertain_slots(diagram)
        index = self.draw_index(max_draws)
        for start in range(0, len(index), chunk):
            yield self._batch(diagram, slots, index[start:start + chunk])

    def conjugate_priors(self) -> dict[str, Prior]:
        """The exact posterior of each slot as a prior (to continue updating from).

        Raises
        ------
        QueryError
            For a NUTS posterior, which has no closed form (about ``start``, the argument of
            :func:`~influence.bayes.fitting.fit` that continues from a posterior).
        """
        if self._conjugate is None:
            what = (f"a {self.method} posterior has no closed form" if self.method != "exact"
                    else "an exact posterior of case records is a mixture, with no single "
                         "closed form")
            raise QueryError(f"{what} to continue from; fit all the evidence at once instead",
                             file=self.file, parameter="start")
        return dict(self._conjugate)

    def summary(self) -> list[dict[str, Any]]:
        """One entry per parameter the evidence moved (see
        :func:`influence.bayes.summary.summarize`): its prior and posterior mean and central 90%
        interval, r_hat and bulk ESS."""
        return summarize(self)

    def __repr__(self) -> str:
        return (f"Posterior(model={self.model_name!r}, method={self.method!r}, "
                f"draws={self.draws}, warnings={len(self.diagnostics.get('warnings', []))})")


def posterior_from_draws(diagram: Diagram, slots: list[Slot], moved: set[str], *, method: str,
                         posterior: dict[str, np.ndarray], prior: dict[str, np.ndarray],
                         sample_stats: Any, conjugate: Mapping[str, Prior] | None,
                         counts: list, cases: list, digest: str, inputs: list[str],
                         diagnostics: dict[str, Any], values: Sequence[Any] = ()) -> Posterior:
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
    counts, cases, values : list
        The observations fitted (stored in the ``observed_data`` group): counts of rows, case
        records, observed utility values.
    digest : str
        The hash of the evidence.
    inputs : list of str
        Files the posterior must never be written over.
    diagnostics : dict
        See :attr:`Posterior.diagnostics`.
    """
    groups = build_groups(diagram, slots, moved, method=method, posterior=posterior,
                          prior=prior, sample_stats=sample_stats, conjugate=conjugate,
                          counts=counts, cases=cases, values=list(values), digest=digest,
                          inputs=inputs, diagnostics=diagnostics)
    return Posterior(groups)

