"""What an explanation is asked: the two options, the node to split by, and the parameter
draws.

Options are those of an evaluation (:meth:`~influence.solve.plan.Plan.evaluate`, or under
uncertainty :meth:`~influence.solve.plan.Plan.evaluate_chunks`), each with its strategy's
choices. The draws are those ``influence evaluate --prior`` or ``--posterior`` uses (the same
seed gives the same draws). The chunk size is the evaluation's (see
:func:`influence.bayes.uncertainty.chunk_size_for`), made smaller if the split by a node's
states needs more memory per draw than the evaluation; the per-draw values an explanation
keeps are counted against the plan's memory limit before any work.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import QueryError
from ..limits import MEMORY_BUDGET, TIE_TOLERANCE
from ..messages import suggest
from ..solve import memory
from ..solve.plan import Plan
from ..solve.results import Evaluation
from ..solve.split import NodeSplit
from ..solve.tables import Parameters

__all__ = ["OPTIMUM", "Option", "pick", "check_options", "check_by", "check_draw_options",
           "DrawSource", "draw_source"]

#: The id of the optimal strategy (as in ``influence evaluate --format csv``).
OPTIMUM = "optimal-strategy"


# -- the options -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Option:
    """An option of an evaluation: its values in each draw and its strategy's choices."""

    id: str
    label: str
    kind: str
    decision: str | None
    state: str | None
    draws: np.ndarray
    choices: list[np.ndarray]


def _catalogue(evaluation: Evaluation) -> dict[str, Option]:
    """Every option of an evaluation with its strategy's choices, the optimum first, then in
    the order :meth:`Evaluation.ranked` ranks them."""
    source = evaluation.extras.source  # the optimum, then each option
    strategies = [source.layout_choices(i) for i in range(len(evaluation.options) + 1)]
    meu = evaluation.meu_draws if evaluation.meu_draws is not None else np.array(
        [evaluation.maximum_expected_utility])
    index = {id(o): i + 1 for i, o in enumerate(evaluation.options)}
    out = {OPTIMUM: Option(OPTIMUM, "Optimal strategy", "optimum", None, None, meu,
                           strategies[0])}
    for o in evaluation.ranked():
        out.setdefault(o.id, Option(o.id, o.label, o.kind, o.decision, o.state, o.draws,
                                    strategies[index[id(o)]]))
    return out


def _unknown(value: Any, ids: list[str], parameter: str, file: str | None) -> QueryError:
    return QueryError(
        f"expected an option of the model (a policy id, an alternative as decision=state, or "
        f"{OPTIMUM}), got {value!r}{suggest(value, ids)}; its options: {', '.join(ids)}",
        file=file, parameter=parameter)


def check_options(plan: Plan, a: Any, b: Any) -> None:
    """Refuse an unknown option id before any work (the ids are known from the plan)."""
    ids = [OPTIMUM] + [o[0] for o in plan.options()]
    for value, parameter in ((a, "a"), (b, "b")):
        if value is not None and not (isinstance(value, str) and value in ids):
            raise _unknown(value, ids, parameter, plan.diagram.file)


def _resolve(catalogue: Mapping[str, Option], value: Any, parameter: str,
             file: str | None) -> Option:
    if isinstance(value, str) and value in catalogue:
        return catalogue[value]
    raise _unknown(value, list(catalogue), parameter, file)


def _default_other(catalogue: Mapping[str, Option], a: Option, file: str | None) -> Option:
    """The first option (optimum first, then best first) whose value differs from ``a``'s in
    some draw; the first other option if none differs."""
    others = [o for o in catalogue.values() if o.id != a.id]
    if not others:
        raise QueryError("expected an option to compare with, got none: the model names no "
                         "policy and no decision of it observes nothing, so the optimal "
                         "strategy is its only option", file=file, parameter="b")
    scale = max(float(np.abs(o.draws).max()) for o in catalogue.values())
    for o in others:
        if np.abs(o.draws - a.draws).max() > TIE_TOLERANCE * scale:
            return o
    return others[0]


def pick(plan: Plan, evaluation: Evaluation, a: Any, b: Any) -> tuple[Option, Option]:
    """The two options compared: ``a`` (default the optimum) and ``b`` (default: see
    :mod:`influence.analysis.explain`)."""
    file = plan.diagram.file
    catalogue = _catalogue(evaluation)
    first = catalogue[OPTIMUM] if a is None else _resolve(catalogue, a, "a", file)
    second = (_default_other(catalogue, first, file) if b is None
              else _resolve(catalogue, b, "b", file))
    if first.id == second.id:
        raise QueryError(f"expected two different options, got {first.id!r} twice", file=file,
                         parameter="b")
    return first, second


# -- checks ----------------------------------------------------------------------------------------
def check_by(plan: Plan, by: Any) -> NodeSplit | None:
    """The split by the states of chance node ``by`` (None without one)."""
    if by is None:
        return None
    d = plan.diagram
    chance = [n.name for n in d.chance_nodes]
    if not isinstance(by, str) or by not in d:
        raise QueryError(f"expected `by` to name a chance node of the model, got "
                         f"{by!r}{suggest(by, chance)}", file=d.file, parameter="by")
    kind = d.node(by).kind
    if kind != "chance":
        raise QueryError(f"expected `by` to name a chance node, got the {kind} node '{by}'",
                         file=d.file, node=by, parameter="by")
    return NodeSplit(plan, by)


def check_draw_options(plan: Plan, prior: bool, posterior: Any, draws: Any,
                       seed: Any) -> None:
    """Refuse inconsistent ``prior``, ``posterior``, ``draws`` and ``seed``."""
    file = plan.diagram.file
    if prior and posterior is not None:
        raise QueryError("expected `prior` or `posterior`, got both", file=file,
                         parameter="prior")
    for name, value, least in (("draws", draws, 2), ("seed", seed, 0)):
        if value is None:
            continue
        if not (prior or posterior is not None):
            raise QueryError(f"expected `{name}` only with `prior` or `posterior`, got "
                             f"{name}={value!r} with neither", file=file, parameter=name)
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < least:
            raise QueryError(f"expected `{name}` to be a whole number of at least {least}, "
                             f"got {value!r}", file=file, parameter=name)



# -- the draws ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class DrawSource:
    """Parameter draws in chunks.

    Attributes
    ----------
    chunks : callable
        Returns a fresh iterator over chunks of tables (as
        :meth:`~influence.solve.plan.Plan.evaluate_chunks` takes them).
    kind : str
        "prior" or "posterior".
    total : int
        The number of draws.
    seed : int or None
        The seed of prior draws.
    diagnostics : dict or None
        A posterior's sampling diagnostics.
    """

    plan: Plan
    chunks: Callable[[], Iterator[Parameters]]
    kind: str
    total: int
    seed: int | None
    diagnostics: dict[str, Any] | None

    def operands(self) -> Iterator[Parameters]:
        """The chunks as operands (utility tables weighted)."""
        for chunk in self.chunks():
            yield self.plan.operands(chunk, check=False)


def _chunk(plan: Plan, total: int, split: NodeSplit | None) -> int:
    from ..bayes.uncertainty import chunk_size_for, kept_bytes

    chunk = chunk_size_for(plan, total)
    utilities = len(plan.diagram.utilities)
    states = 0
    if split is not None:
        chunk = min(chunk, max(1, MEMORY_BUDGET // max(split.per_draw, 1)))
        states = len(plan.diagram.node(split.node).states)
    kept = kept_bytes(plan, total, True) + 8 * total * (2 * utilities + 2 * states + 2)
    memory.check(plan, chunk, rules=True, kept=kept)
    return chunk


def draw_source(plan: Plan, prior: bool, posterior: Any, draws: int | None,
                seed: int | None, split: NodeSplit | None) -> DrawSource:
    """The draws of the priors (``prior``) or of a posterior (a Posterior or its file)."""
    from ..bayes.uncertainty import DEFAULT_PRIOR_DRAWS, prior_chunks

    diagram = plan.diagram
    if posterior is not None:
        if isinstance(posterior, str | Path):
            from ..bayes.fitting import Posterior

            posterior = Posterior.read(posterior)
        posterior.check(diagram)
        total = posterior.draws if draws is None else min(int(draws), posterior.draws)
        chunk = _chunk(plan, total, split)
        diagnostics: dict[str, Any] = {"method": getattr(posterior, "method", None)}
        diagnostics.update(dict(getattr(posterior, "diagnostics", None) or {}))
        return DrawSource(plan, lambda: iter(posterior.iter_parameters(diagram, chunk, draws)),
                          "posterior", total, None, diagnostics)
    if not diagram.has_priors:
        raise QueryError("expected priors in the model to explain under the prior, got none: "
                         "every number is a point value (add a `prior:` to some row or value, "
                         "or explain without `prior`)", file=diagram.file, parameter="prior")
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % 2**63)
    total = int(draws) if draws is not None else DEFAULT_PRIOR_DRAWS
    chunk = _chunk(plan, total, split)
    return DrawSource(plan, prior_chunks(diagram, total, int(seed), chunk), "prior", total,
                      int(seed), None)
