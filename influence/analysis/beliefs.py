"""What is believed about a diagram's parameters: the prior or a posterior, as the
value-of-information analyses use it.

:class:`Beliefs` gives the uncertain rows and values (slots, see :mod:`influence.bayes.draws`),
the exact distribution of each where there is one (the prior, or the conjugate posterior of an
exact fit), the tables at the means, and the draws in chunks: the same draws
:func:`influence.evaluate` uses with the same ``draws`` and ``seed``.

It also says which slots depend on each other across nodes. Priors are independent row by row,
and so are exact (conjugate) posteriors and NUTS posteriors fitted to counts only, since their
likelihood is a product over rows. Case records with unobserved nodes (or unobserved chance
ancestors) make the likelihood a sum over what was not seen, which couples the rows of the nodes
involved: there, plugging in means is not exact. A parameter used by a chance node and another
node couples them too (the expected utility multiplies their tables); one used by utility nodes
only does not (it adds them).

A table computed from parameters (a structured table, values or a weight written with
parameters) is not linear in them, so its mean is not the table at their means: the means of
such tables are the means over the draws (:attr:`Beliefs.drawn_means`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..bayes.draws import Slot, uncertain_slots
from ..errors import QueryError
from ..model.diagram import Diagram
from ..model.priors import Prior

__all__ = ["Beliefs", "beliefs", "DEFAULT_DRAWS"]

#: Prior draws used when none is asked for (as :func:`influence.evaluate`).
DEFAULT_DRAWS = 4000


@dataclass
class Beliefs:
    """The parameters of a diagram as the analyses see them.

    Attributes
    ----------
    diagram : Diagram
    kind : {"prior", "posterior"}
    method : str
        ``"prior"``, or the posterior's method (``"exact"``, ``"nuts"``).
    slots : list of Slot
        The uncertain rows and values.
    distributions : dict or None
        Slot name -> its exact distribution (a prior object), None when there is none (a NUTS
        posterior).
    draws : int
        Number of draws.
    seed : int or None
        Seed of the prior draws (also seeds Monte Carlo studies).
    coupled : frozenset of str
        Slots whose draws depend on slots of other nodes.
    diagnostics : dict or None
        A posterior's method and sampling diagnostics (None for the prior).
    means : dict
        Node -> table at the means (the diagram's own where no slot is uncertain).
    drawn_means : tuple of str
        The nodes whose mean table is the mean over the draws (computed from uncertain
        parameters), not a closed form.
    parameter_means : dict
        Parameter name -> its mean (of its distribution, else over the draws).
    """

    diagram: Diagram
    kind: str
    method: str
    slots: list[Slot]
    distributions: dict[str, Prior] | None
    draws: int
    seed: int | None
    coupled: frozenset[str]
    source: Callable[[int], Iterator[dict[str, np.ndarray]]] = field(repr=False)
    means: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    diagnostics: dict[str, Any] | None = field(default=None, repr=False)
    drawn_means: tuple[str, ...] = ()
    parameter_means: dict[str, float] = field(default_factory=dict, repr=False)

    def chunks(self, chunk: int) -> Iterator[dict[str, np.ndarray]]:
        """The draws in batches of at most ``chunk``: node -> (S_i, *shape) (or (1, *shape))."""
        return self.source(chunk)

    @property
    def exact_means(self) -> bool:
        """Whether plugging in means is exact for the whole diagram: no slots of different
        nodes depend on each other."""
        return len({n for s in self.slots if s.name in self.coupled for n in s.nodes}) <= 1

    def slot(self, name: str) -> Slot:
        for s in self.slots:
            if s.name == name:
                return s
        raise KeyError(name)


def _check_count(value: Any, name: str, least: int, diagram: Diagram) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < least:
        raise QueryError(f"expected `{name}` to be a whole number of at least {least}, got "
                         f"{value!r}", file=diagram.file, parameter=name)


def beliefs(diagram: Diagram, *, prior: bool = False, posterior: Any = None,
            draws: int | None = None, seed: int | None = None) -> Beliefs:
    """The prior (``prior=True``) or a posterior (a :class:`~influence.Posterior` or its file)
    of ``diagram``.

    Raises
    ------
    QueryError
        For both or neither of ``prior`` and ``posterior``, bad ``draws`` or ``seed``, or a
        model without priors.
    PosteriorError
        For a posterior of another model, or another version of this one.
    """
    if not isinstance(diagram, Diagram):
        raise QueryError(f"expected a Diagram (see influence.load), got "
                         f"{type(diagram).__name__}", parameter="diagram")
    if (posterior is None) == (not prior):
        raise QueryError("expected either `posterior` or `prior`, got "
                         + ("both" if prior else "neither"), file=diagram.file,
                         parameter="prior" if prior else "posterior")
    _check_count(draws, "draws", 2, diagram)
    _check_count(seed, "seed", 0, diagram)
    slots = uncertain_slots(diagram)
    if posterior is not None:
        return _posterior_beliefs(diagram, slots, posterior, draws, seed)
    if not slots:
        raise QueryError("expected priors in the model to value information about its "
                         "parameters, got none: every number is a point value (add a `prior:` "
                         "to some row or value, or leave out `prior`)", file=diagram.file,
                         parameter="prior")
    from ..bayes.uncertainty import prior_chunks

    n = int(draws) if draws is not None else DEFAULT_DRAWS
    if seed is None:
        seed = int(np.random.SeedSequence().entropy)
    source = lambda chunk: prior_chunks(diagram, n, int(seed), chunk)()  # noqa: E731
    out = Beliefs(diagram, "prior", "prior", slots, {s.name: s.prior for s in slots}, n,
                  int(seed), _shared(diagram, slots), source)
    out.means = _mean_tables(diagram, slots, {s.name: s.prior.mean() for s in slots})
    _computed_means(out)
    return out


def _shared(diagram: Diagram, slots: list[Slot]) -> frozenset[str]:
    """Parameters used by a chance node and another node: their draws couple those nodes."""
    return frozenset(s.name for s in slots if len(set(s.nodes)) > 1 and any(
        diagram.node(n).kind == "chance" for n in s.nodes))


def _computed_means(b: Beliefs) -> None:
    """The mean tables of the nodes computed from uncertain parameters (means over the draws),
    and the mean of each parameter (of its distribution where there is one)."""
    params = [s for s in b.slots if s.kind == "parameter"]
    nodes = sorted({n for s in params for n in s.nodes}, key=b.diagram.names.index)
    if not nodes:
        return
    keys = nodes + [s.name for s in params]
    sums: dict[str, np.ndarray] = {}
    count = 0
    for tables in b.chunks(8192):
        k = max(np.shape(v)[0] for v in tables.values())
        for key in keys:
            total = np.broadcast_to(tables[key], (k,) + np.shape(tables[key])[1:]).sum(axis=0)
            sums[key] = total if key not in sums else sums[key] + total
        count += k
    for node in nodes:
        b.means[node] = sums[node] / count
    b.drawn_means = tuple(nodes)
    for s in params:
        exact = b.distributions.get(s.name) if b.distributions is not None else None
        b.parameter_means[s.parameter] = float(exact.mean() if exact is not None
                                               else sums[s.name] / count)


def _posterior_beliefs(diagram: Diagram, slots: list[Slot], posterior: Any,
                       draws: int | None, seed: int | None) -> Beliefs:
    if isinstance(posterior, str | Path):
        from ..bayes.fitting import Posterior

        posterior = Posterior.read(posterior)
    posterior.check(diagram)
    total = posterior.draws if draws is None else min(int(draws), posterior.draws)
    cap = None if draws is None else int(draws)

    def source(chunk: int) -> Iterator[dict[str, np.ndarray]]:
        return iter(posterior.iter_parameters(diagram, chunk, max_draws=cap))

    distributions = None
    if posterior.method == "exact":
        distributions = posterior.conjugate_priors()
    coupled = coupled_slots(posterior, diagram, slots) | _shared(diagram, slots)
    out = Beliefs(diagram, "posterior", str(posterior.method), slots, distributions, total,
                  seed, coupled, source)
    out.diagnostics = {"method": getattr(posterior, "method", None),
                       **dict(getattr(posterior, "diagnostics", None) or {})}
    if distributions is not None and all(s.name in distributions for s in slots):
        means = {s.name: distributions[s.name].mean() for s in slots}
    else:
        out.distributions = None
        means = _draw_means(out)
    out.means = _mean_tables(diagram, slots, means)
    _computed_means(out)
    return out


def _mean_tables(diagram: Diagram, slots: list[Slot], means: Mapping[str, Any]
                 ) -> dict[str, np.ndarray]:
    tables = {n.name: np.array(n.table, dtype=float) for n in diagram.nodes
              if n.table is not None}
    for slot in slots:
        if slot.kind != "parameter":
            tables[slot.node][slot.index] = means[slot.name]
    return tables


def _draw_means(b: Beliefs) -> dict[str, Any]:
    """Slot means from the draws (no closed form)."""
    sums: dict[str, Any] = {}
    count = 0
    for tables in b.chunks(8192):
        n = max(np.shape(v)[0] for v in tables.values())
        for slot in b.slots:
            if slot.kind == "parameter":
                continue
            rows = tables[slot.node][(slice(None), *slot.index)]
            total = np.broadcast_to(rows, (n,) + rows.shape[1:]).sum(axis=0)
            sums[slot.name] = total if slot.name not in sums else sums[slot.name] + total
        count += n
    return {k: v / count for k, v in sums.items()}


def coupled_slots(posterior: Any, diagram: Diagram, slots: list[Slot]) -> frozenset[str]:
    """Slots a posterior makes depend on each other: those of the chance nodes whose case
    records leave something unobserved (a node the likelihood involves with an empty cell or no
    column). Exact posteriors, and NUTS fits to counts or to complete cases, have none."""
    if posterior.method == "exact":
        return frozenset()
    try:
        observed = posterior.idata.observed_data
    except (AttributeError, KeyError):
        return frozenset()
    nodes: set[str] = set()
    for name in getattr(observed, "data_vars", {}):
        if not str(name).startswith("cases_"):
            continue
        var = observed[name]
        columns = [str(c) for c in np.asarray(var.coords[var.dims[1]].values)]
        cells = np.asarray(var.values).astype(str)
        involved = _involved(diagram, [c for c in columns if diagram.node(c).kind == "chance"])
        seen = {c for j, c in enumerate(columns) if np.all(cells[:, j] != "")}
        if involved - seen:
            nodes |= involved
    return frozenset(s.name for s in slots if set(s.nodes) & nodes)


def _involved(diagram: Diagram, observed: list[str]) -> set[str]:
    """The observed chance nodes and their chance ancestors through chance parents."""
    out: set[str] = set()
    stack = list(observed)
    while stack:
        cur = stack.pop()
        if cur in out:
            continue
        out.add(cur)
        stack.extend(p for p in diagram.node(cur).parents if diagram.node(p).kind == "chance")
    return out
