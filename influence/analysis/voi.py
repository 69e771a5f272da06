"""Value-of-information analysis: what is worth learning before deciding.

:func:`value_of_information` answers, for one diagram,

- what observing chance nodes before a decision is worth (the value of clairvoyance; see
  :mod:`influence.analysis.observe`), exactly;
- under parameter uncertainty (``prior=True`` or ``posterior=``), what learning all the
  parameters (EVPI) and each group of them (EVPPI) is worth (:mod:`influence.analysis.evppi`);
- what proposed studies of new cases are worth (EVSI, :mod:`influence.analysis.evsi`).

Under parameter uncertainty every decision is the Bayes decision, best on average over the
parameters: with parameters independent across nodes (priors, exact posteriors) that is the
decision at the parameters' means, exactly; where a posterior couples nodes, the decision on the
mean over its draws.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..errors import QueryError
from ..model.diagram import Diagram
from .beliefs import Beliefs, beliefs
from .evppi import evppi_from, resolve_groups
from .evsi import evsi_from, resolve_studies
from .observe import bayes_valuer, observe_values, solution_of
from .voi_results import ValueOfInformation

__all__ = ["value_of_information"]


def _method(b: Beliefs) -> str:
    """How decisions without further information are found (see
    :attr:`ValueOfInformation.method`)."""
    if not b.exact_means:
        return "draws"
    return "means" if b.distributions is not None and not b.drawn_means else "draw-means"


def _point_only(diagram: Diagram, **options: Any) -> None:
    for name, value in options.items():
        if value is not None:
            raise QueryError(f"expected `{name}` only with `prior` or `posterior`, got "
                             f"{name}={value!r} with neither", file=diagram.file,
                             parameter=name)


def value_of_information(
    diagram: Diagram,
    *,
    nodes: str | Sequence[str] | None = None,
    decision: str | None = None,
    given: Mapping[str, str] | None = None,
    prior: bool = False,
    posterior: Any = None,
    draws: int | None = None,
    seed: int | None = None,
    groups: Mapping[str, str | Sequence[str]] | Sequence[str] | None = None,
    studies: Mapping[str, int | Sequence[int]] | Sequence[str] | None = None,
    study_cost: float | None = None,
    memory_limit: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
) -> ValueOfInformation:
    """What is worth learning before deciding.

    Parameters
    ----------
    diagram : Diagram
        The influence diagram (see :func:`influence.load`).
    nodes : str or sequence of str, optional
        Value observing these chance nodes together; by default each chance node on its own.
    decision : str, optional
        Only before this decision; by default before every decision that neither knows nor
        influences the nodes.
    given : mapping, optional
        A scenario: chance nodes no decision influences, known before any decision.
    prior : bool
        Under the model's priors: adds the EVPI, the EVPPI of each group and the studies' EVSI.
    posterior : Posterior or path, optional
        Under a posterior from :func:`influence.fit` (or its file) instead.
    draws : int, optional
        Prior draws (default 4000), or a cap on the posterior draws.
    seed : int, optional
        Seed of the prior draws and of Monte Carlo studies.
    groups : mapping or sequence of str, optional
        Parameter groups for the EVPPI (see :func:`influence.evppi`); default one per node with
        priors.
    studies : mapping or sequence of str, optional
        Proposed studies (see :func:`influence.evsi`).
    study_cost : float, optional
        The cost of a study: each EVSI gets its expected net benefit of sampling.
    memory_limit : int, optional
        Bytes of working memory each solve may use (default: half the machine's memory), as
        in :func:`influence.plan`.
    progress : callable, optional
        Under parameter uncertainty: ``progress(done, total)`` after each chunk of draws of
        the pass that values the parameters (see :mod:`influence.progress`).
    workers : int, optional
        Under parameter uncertainty: value the chunks of draws of the EVPI and EVPPI and the
        outcomes of the studies on a local Dask cluster of this many worker processes; the
        results are the same as in one process (docs/scale.md).
    scheduler : str, optional
        Value them on the running ``dask.distributed`` cluster at this address.

    Returns
    -------
    ValueOfInformation
        ``observe`` always; ``evpi_parameters``, ``evppi`` and ``evsi`` under parameter
        uncertainty (``evsi`` when ``studies`` are given).

    Raises
    ------
    QueryError
        For unknown nodes or decisions, nodes a decision influences or already knows (with
        ``decision``), a bad scenario, group or study, ``draws``, ``seed``, ``groups`` or
        ``studies`` without ``prior`` or ``posterior``, ``study_cost`` without ``studies``,
        bad ``workers`` or ``scheduler``, or either without ``prior`` or ``posterior``.

    Examples
    --------
    >>> import influence
    >>> voi = influence.value_of_information(influence.load("oil-wildcatter"))
    >>> [(o.decision, o.nodes, round(o.value, 6)) for o in voi.observe]
    [('test', ('oil',), 32.5), ('drill', ('oil',), 32.5)]
    """
    from ..parallel import runner

    if not isinstance(diagram, Diagram):
        raise QueryError(f"expected a Diagram (see influence.load), got "
                         f"{type(diagram).__name__}", parameter="diagram")
    if study_cost is not None and studies is None:
        raise QueryError(f"expected `study_cost` only with `studies`, got study_cost="
                         f"{study_cost!r} without", file=diagram.file, parameter="study_cost")
    if posterior is None and not prior:
        _point_only(diagram, draws=draws, seed=seed, groups=groups, studies=studies,
                    workers=workers, scheduler=scheduler)
        base = bayes_valuer(diagram, given, None, memory_limit)
        observed = observe_values(diagram, nodes=nodes, decision=decision, given=given,
                                  base=base, memory_limit=memory_limit)
        return ValueOfInformation(model=diagram.name,
                                  maximum_expected_utility=base.maximum_expected_utility,
                                  observe=observed, title=diagram.title, units=diagram.units,
                                  given=dict(given or {}),
                                  solution=solution_of(base, observed))
    b = beliefs(diagram, prior=prior, posterior=posterior, draws=draws, seed=seed)
    chosen = resolve_groups(diagram, b, groups)
    planned = resolve_studies(diagram, b, studies) if studies is not None else []
    base = bayes_valuer(diagram, given, b, memory_limit)
    observed = observe_values(diagram, nodes=nodes, decision=decision, given=given, beliefs=b,
                              base=base, memory_limit=memory_limit)
    with runner(workers, scheduler) as run:
        evpi, se, values = evppi_from(b, base, chosen, progress=progress, runner=run)
        sampled = evsi_from(b, base, planned, study_cost=study_cost,
                            runner=run) if planned else ()
    return ValueOfInformation(
        model=diagram.name, maximum_expected_utility=base.maximum_expected_utility,
        observe=observed, evpi_parameters=evpi, evppi=values, evsi=sampled,
        title=diagram.title, units=diagram.units, given=dict(given or {}), uncertainty=b.kind,
        draws=b.draws, evpi_se=se, method=_method(b),
        diagnostics=b.diagnostics, solution=solution_of(base, observed))
