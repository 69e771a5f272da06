"""The public entry points for solving a diagram: compile it, evaluate it, query it."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from .errors import ArgumentTypeError, QueryError
from .model.diagram import Diagram
from .solve.plan import Plan
from .solve.results import Evaluation

__all__ = ["plan", "evaluate", "solve", "marginal"]


def plan(diagram: Diagram, given: Mapping[str, str] | None = None, *,
         memory_limit: int | None = None, risk_tolerance: float | None = None) -> Plan:
    """Compile a diagram once, to evaluate it many times on changed numbers.

    Parameters
    ----------
    diagram : Diagram
        The influence diagram (see :func:`influence.load`).
    given : mapping, optional
        A scenario: chance nodes that no decision influences, known before any decision.
    memory_limit : int, optional
        Bytes of working memory an evaluation may use (default: half the machine's memory);
        larger work is refused with :class:`~influence.TooLargeError` before it starts.
    risk_tolerance : float, optional
        Choose strategies by expected exponential utility ``-exp(-U/R)`` with this ``R > 0``
        and report certainty equivalents.

    Returns
    -------
    Plan
        Call :meth:`~influence.solve.plan.Plan.evaluate` (an :class:`Evaluation`) or
        :meth:`~influence.solve.plan.Plan.expected_utilities` (per-draw arrays) on the
        diagram's own numbers, on changed tables, or on a batch of parameter draws.

    Examples
    --------
    >>> import influence
    >>> p = influence.plan(influence.load("oil-wildcatter"))
    >>> p.evaluate().maximum_expected_utility                      # doctest: +ELLIPSIS
    22.5...
    >>> p.evaluate({"oil": [0.2, 0.3, 0.5]}).maximum_expected_utility   # doctest: +ELLIPSIS
    101.0
    """
    return Plan(diagram, given, memory_limit=memory_limit, risk_tolerance=risk_tolerance)


def _compiled(diagram: Diagram | Plan, given: Mapping[str, str] | None,
              memory_limit: int | None, risk_tolerance: float | None = None) -> Plan:
    if isinstance(diagram, Plan):
        if given is not None and dict(given) != dict(diagram.given):
            raise QueryError("expected `given` to be left out when evaluating a plan (its "
                             "scenario is fixed when it is built), got a different scenario",
                             file=diagram.diagram.file, parameter="given")
        if risk_tolerance is not None and risk_tolerance != diagram.risk_tolerance:
            raise QueryError("expected `risk_tolerance` to be left out when evaluating a plan "
                             "(it is fixed when the plan is built), got a different one",
                             file=diagram.diagram.file, parameter="risk_tolerance")
        return diagram
    return Plan(diagram, given, memory_limit=memory_limit, risk_tolerance=risk_tolerance)


def evaluate(
    diagram: Diagram | Plan,
    *,
    given: Mapping[str, str] | None = None,
    posterior: Any = None,
    prior: bool = False,
    draws: int | None = None,
    seed: int | None = None,
    memory_limit: int | None = None,
    risk_tolerance: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Evaluation:
    """Evaluate every policy, alternative and the optimal strategy of a diagram.

    Parameters
    ----------
    diagram : Diagram or Plan
        The influence diagram (see :func:`influence.load`), or its compiled :func:`plan`.
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
        Random seed for prior draws (a whole number >= 0).
    memory_limit : int, optional
        Bytes of working memory the evaluation may use (default: half the machine's memory;
        a plan keeps its own).
    risk_tolerance : float, optional
        ``R > 0``: the optimal strategy maximises expected exponential utility
        ``-exp(-U/R)``; every option gets its certainty equivalent
        ``-R ln E[exp(-U/R)]`` and the ranking follows it.
    progress : callable, optional
        Under ``prior`` or ``posterior``: ``progress(done, total)`` after each chunk of draws
        (see :mod:`influence.progress`; :class:`~influence.progress.Deadline` limits the
        time). An exception it raises stops the evaluation.

    Returns
    -------
    Evaluation
        Point values when neither ``posterior`` nor ``prior`` is given; otherwise the means
        over draws, with the uncertainty fields filled.

    Raises
    ------
    QueryError
        For something other than a diagram, a bad scenario, or ``draws`` or ``seed`` without
        ``prior`` or ``posterior``.
    """
    compiled = _compiled(diagram, given, memory_limit, risk_tolerance)
    if posterior is None and not prior:
        for name, value in (("draws", draws), ("seed", seed)):
            if value is not None:
                raise QueryError(f"expected `{name}` only with `prior` or `posterior`, got "
                                 f"{name}={value!r} with neither",
                                 file=compiled.diagram.file, parameter=name)
        return compiled.evaluate()
    from .bayes.uncertainty import evaluate_under_uncertainty

    if posterior is not None:
        from .bayes.posterior import Posterior

        if isinstance(posterior, str | os.PathLike):
            posterior = Posterior.read(posterior)
        elif not isinstance(posterior, Posterior):
            raise ArgumentTypeError(f"expected `posterior` to be a Posterior (see influence.fit) "
                                    f"or the path of a posterior file, got "
                                    f"{type(posterior).__name__}", file=compiled.diagram.file,
                                    parameter="posterior")
    return evaluate_under_uncertainty(compiled, posterior=posterior, prior=prior, draws=draws,
                                      seed=seed, progress=progress)


def solve(diagram: Diagram, given: Mapping[str, str] | None = None) -> Evaluation:
    """Solve a diagram exactly on its own numbers: ``plan(diagram, given).evaluate()``."""
    return Plan(diagram, given).evaluate()


def marginal(diagram: Diagram, node: str, given: Mapping[str, str] | None = None, *,
             tables: Mapping[str, Any] | None = None) -> dict[str, float]:
    """The distribution of chance node ``node`` by exact inference.

    Parameters
    ----------
    diagram : Diagram
    node : str
        A chance node.
    given : mapping, optional
        Decisions fixed to a state (interventions) and chance nodes observed (evidence). Every
        decision that influences ``node`` or the evidence must be fixed.
    tables : mapping, optional
        Changed tables, as in :meth:`Plan.evaluate`.

    Returns
    -------
    dict
        State -> probability.
    """
    compiled = _compiled(diagram, None, None)
    for name, value in (("given", given), ("tables", tables)):
        if value is not None and not isinstance(value, Mapping):
            what = "node to state" if name == "given" else "node to table"
            raise ArgumentTypeError(f"expected `{name}` to be a mapping of {what}, got "
                                    f"{type(value).__name__} {value!r}",
                                    file=compiled.diagram.file, parameter=name)
    return compiled.marginal(node, given, tables)
