"""A posterior's draws as units of work for an evaluation over draws.

The draws of every uncertain slot are read from the posterior once; each unit carries those of
its chunk, and its tables are computed where it runs (a thread of this process, or a Dask
worker). The tables at the draws' means give the strategies first tried.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from ..model.diagram import Diagram
from ..solve.batched import split
from ..solve.tables import Parameters

__all__ = ["posterior_units", "posterior_means", "posterior_tables"]


def posterior_units(posterior: Any, diagram: Diagram, chunk: int, cap: int | None
                    ) -> tuple[list[tuple[int, Any]], Callable[[Any], Parameters]]:
    """The posterior draws as units of work: batches of ``chunk`` draws of the parameters,
    carried with the work (a posterior's draws are read from its file here, once); the
    tables are computed from them where the work runs. Another object with the methods
    ``parameters`` and ``iter_parameters`` of a :class:`~influence.bayes.posterior.Posterior`
    gives its batches of tables, made here."""
    from .draws import uncertain_slots
    from .posterior import Posterior

    if not isinstance(posterior, Posterior):
        if cap is None:
            batches = list(posterior.iter_parameters(diagram, chunk))
        else:
            batches = list(split(posterior.parameters(diagram, max_draws=int(cap)), chunk))
        units = []
        start = 0
        for batch in batches:
            units.append((start, batch))
            start += max(np.shape(a)[0] for a in batch.values())
        return units, _identity
    slots = tuple(uncertain_slots(diagram))
    index = posterior.draw_index(None if cap is None else int(cap))
    units = []
    for start in range(0, len(index), chunk):
        part = index[start:start + chunk]
        units.append((start, (len(part), {s.name: posterior.values(s.name)[part]
                                          for s in slots})))
    return units, functools.partial(posterior_tables, diagram, slots)


def _identity(params: Parameters) -> Parameters:
    return params


def posterior_means(posterior: Any, diagram: Diagram, cap: int | None) -> Parameters | None:
    """The tables at the means of the posterior draws used, as one draw: the strategies are
    first taken from them (with draws correlated across nodes their stage tensor is only near
    the mean stage tensor; the strategies are checked on the mean of every draw at the end).
    None for another object than a :class:`~influence.bayes.posterior.Posterior` (the first
    batch's draws then decide first)."""
    from .draws import parameter_tables, uncertain_slots
    from .posterior import Posterior

    if not isinstance(posterior, Posterior):
        return None
    index = posterior.draw_index(None if cap is None else int(cap))
    return parameter_tables(diagram, uncertain_slots(diagram), 1,
                            lambda slot: posterior.values(slot.name)[index].mean(axis=0)[None])


def posterior_tables(diagram: Diagram, slots: tuple[Any, ...],
                     batch: tuple[int, dict[str, np.ndarray]]) -> Parameters:
    """The tables of a batch of posterior draws (see :func:`posterior_units`)."""
    from .draws import parameter_tables

    draws, values = batch
    return parameter_tables(diagram, list(slots), draws, lambda slot: values[slot.name])
