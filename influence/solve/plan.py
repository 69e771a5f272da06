"""The compiled plan of a diagram: built once, evaluated many times on changed numbers.

A :class:`Plan` holds everything about solving a diagram that does not depend on its numbers:
the stages of perfect recall, the barren nodes pruned, one contraction per utility node (and
those for the probability of each information state and of the scenario), and the masks of
every policy and alternative. Like ``opt_einsum.contract_expression``, it is planned once and
then called on numbers: the diagram's own, a batch of parameter draws (a posterior, a
sensitivity sweep, a value-of-information question), or changed tables of the same structure::

    plan = influence.plan(diagram)
    plan.evaluate()                                   # the diagram's own numbers
    plan.evaluate({"oil": [0.6, 0.3, 0.1]})           # changed tables
    plan.expected_utilities({"oil": draws})           # per-draw values, shape (S,)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import opt_einsum

from ..errors import ModelError, QueryError
from ..limits import UTILITY_BOUND
from ..model.diagram import Diagram, Policy
from . import memory
from .arguments import check_memory_limit as _memory_limit
from .arguments import check_risk_tolerance as _risk_tolerance
from .kernels import Contraction, StageLayout
from .scenario import check_scenario
from .tables import Parameters, draw_count, operands

__all__ = ["Plan", "Term"]


@dataclass(frozen=True)
class Term:
    """One planned contraction: a utility node's expected value over what is never observed
    (``node`` empty for the probability of the information states or of the scenario)."""

    node: str
    chance: tuple[str, ...]
    contraction: Contraction
    present: tuple[int, ...]  # which layout axes the contraction outputs (others broadcast)


class Plan:
    """A diagram compiled for repeated exact evaluation.

    Parameters
    ----------
    diagram : Diagram
        The influence diagram.
    given : mapping, optional
        A scenario: chance nodes that no decision influences, known before any decision.
    memory_limit : int, optional
        Bytes of working memory an evaluation may use (default
        :func:`~influence.limits.default_memory_limit`, half the machine's memory). Work
        estimated to need more is refused before anything is allocated.
    risk_tolerance : float, optional
        ``R > 0``: choose the strategy maximising expected exponential utility
        ``-exp(-U/R)`` instead of expected utility, and report certainty equivalents (see
        :mod:`influence.solve.exponential`).

    Raises
    ------
    QueryError
        For a bad scenario or memory limit.
    TooLargeError
        If evaluating even one set of numbers would need more than ``memory_limit``: the
        strategy tables of the last decision (what it knows and chooses under perfect recall)
        or an intermediate table of a contraction are too large (see
        :mod:`influence.solve.memory`).

    Notes
    -----
    Numbers are passed as ``tables``: node -> a table of the node's shape, or a batch of
    tables with a leading draw axis; utility tables are values before the node's weight, and
    ``weights`` (utility node -> a number or one per draw) override the model's weights.
    Whatever is not passed keeps the diagram's value.
    """

    def __init__(self, diagram: Diagram, given: Mapping[str, str] | None = None, *,
                 memory_limit: int | None = None,
                 risk_tolerance: float | None = None) -> None:
        if not isinstance(diagram, Diagram):
            raise QueryError(f"expected a Diagram (see influence.load), got "
                             f"{type(diagram).__name__}", parameter="diagram")
        self.diagram = diagram
        #: Limited memory: each decision knows only what it observes or remembers.
        self.limited = diagram.recall == "limited"
        self.memory_limit = _memory_limit(memory_limit, diagram)
        self.given: Mapping[str, str] = check_scenario(diagram, given)
        self.stages = self._stages()
        self.layout_vars: tuple[str, ...] = tuple(
            v for s, d in zip(self.stages, diagram.decisions, strict=True) for v in (*s, d.name))
        self.layout = StageLayout(tuple(len(s) for s in self.stages) + (0,))
        self.sizes = {n.name: len(n.states) for n in diagram.nodes if n.kind != "utility"}
        # Symbol 0 is the draw axis (Contraction.DRAW); nodes take the next ones, so the two
        # can never collide however many nodes there are.
        self._sym = {n: opt_einsum.get_symbol(i + 1) for i, n in enumerate(self.sizes)}
        self._letter_sizes = {self._sym[n]: k for n, k in self.sizes.items()}
        self._masks: dict[tuple[Any, ...], tuple[Policy | None, list[np.ndarray | None]]] = {}
        self._marginals: dict[tuple[Any, ...], tuple[Contraction, tuple[str, ...]]] = {}
        self.risk_tolerance = _risk_tolerance(risk_tolerance, diagram)
        if self.limited and self.risk_tolerance is not None:
            raise QueryError("expected no `risk_tolerance` with limited memory (`recall: "
                             "limited`): exponential utility is solved on the stage tensor of "
                             "perfect recall", file=diagram.file, parameter="risk_tolerance")
        self.exponential = None
        if self.factored_point:
            memory.check_point(self)
        else:
            memory.check(self, 1, rules=False)
        if self.risk_tolerance is not None:
            from .exponential import Exponential

            self.exponential = Exponential(self, self.risk_tolerance)

    def __repr__(self) -> str:
        return (f"Plan({self.diagram.name!r}, given={dict(self.given)!r}, "
                f"information_states={self.information_states})")

    # -- structure ------------------------------------------------------------------------------
    def _stages(self) -> tuple[tuple[str, ...], ...]:
        diagram = self.diagram
        position = {n: i for i, n in enumerate(diagram.names)}
        seen: set[str] = set()
        stages = []
        for d in diagram.decisions:
            new = [o for o in d.observes if o not in seen
                   and diagram.node(o).kind == "chance" and o not in self.given]
            seen.update(d.observes)
            stages.append(tuple(sorted(new, key=position.__getitem__)))
        return tuple(stages)

    def _perfect_recall(self, what: str) -> None:
        if self.limited:
            raise QueryError(f"expected a diagram of perfect recall for {what}, got one of "
                             "limited memory (`recall: limited`)", file=self.diagram.file)

    @cached_property
    def _base(self) -> set[str]:
        observed = {v for v in self.layout_vars if self.diagram.node(v).kind == "chance"}
        return observed | set(self.given)

    @cached_property
    def utility_terms(self) -> tuple[Term, ...]:
        """One planned contraction per utility node: its part of the stage tensor."""
        self._perfect_recall("the stage tensor")
        base_relevant = self._relevant(self._base)
        return tuple(self._term(u.name, self._relevant(self._base | set(u.parents))
                                | base_relevant) for u in self.diagram.utilities)

    @cached_property
    def reach_term(self) -> Term:
        """The contraction of the probability of each information state."""
        self._perfect_recall("the stage tensor")
        return self._term(None, self._relevant(self._base))

    @cached_property
    def evidence_term(self) -> Term | None:
        """The contraction of the scenario's probability (None without a scenario)."""
        if not self.given:
            return None
        return self._term(None, self._relevant(set(self.given)), output_vars=())

    @cached_property
    def memory(self) -> memory.MemoryEstimate:
        """What evaluating batches of draws on the stage tensor needs (see
        :mod:`influence.solve.memory`)."""
        if self.limited:
            return memory.estimate_point(self)
        return memory.estimate_stage(self)

    @cached_property
    def factored(self):  # noqa: ANN201 - a Factored, imported late
        """The potentials solver (requisite information, exact order of updating; see
        :mod:`influence.solve.factored`), built when first used."""
        from .factored import Factored

        return Factored(self)

    @cached_property
    def unreduced(self):  # noqa: ANN201 - a Factored
        """The potentials solver with rules over everything each decision knows (to value
        strategies given that way)."""
        from .factored import Factored

        return Factored(self, varying=())

    @cached_property
    def factored_point(self) -> bool:
        """Whether point values are evaluated with the potentials solver (the default; the
        stage tensor serves exponential utility)."""
        return self.limited or self.risk_tolerance is None

    @cached_property
    def point_memory(self) -> memory.MemoryEstimate:
        """What evaluating one set of numbers needs."""
        return memory.estimate_point(self) if self.factored_point else self.memory

    def knows(self, k: int) -> tuple[str, ...]:
        """What decision ``k`` (0-based) knows: under perfect recall, its past; with limited
        memory, what it observes or remembers (in file order; scenario nodes left out)."""
        if not self.limited:
            return self.past(k)
        return self._limited_knows[k]

    @cached_property
    def _limited_knows(self) -> tuple[tuple[str, ...], ...]:
        position = {n: i for i, n in enumerate(self.diagram.names)}
        return tuple(tuple(sorted((v for v in d.information if v not in self.given),
                                  key=position.__getitem__))
                     for d in self.diagram.decisions)

    def solution_note(self, iterations: int | None = None) -> dict[str, Any] | None:
        """How the strategy is found, when worth saying (limited memory); None otherwise."""
        if not self.limited:
            return None
        f = self.factored
        note: dict[str, Any] = {"recall": "limited", "method": "single policy updating",
                                "soluble": f.exact, "exact": f.exact}
        if iterations is not None:
            note["iterations"] = iterations
        return note

    @cached_property
    def information_states(self) -> int:
        """Entries per draw of the stage tensor: the last decision's information states times
        its options."""
        entries = 1
        for v in self.layout_vars:
            entries *= self.sizes[v]
        return entries

    def _relevant(self, targets: set[str]) -> set[str]:
        diagram = self.diagram
        chance = {t for t in targets if diagram.node(t).kind == "chance"}
        if targets:
            chance |= {a for a in diagram.ancestors(tuple(targets))
                       if diagram.node(a).kind == "chance"}
        return chance

    def _term(self, utility: str | None, chance: set[str],
              output_vars: tuple[str, ...] | None = None) -> Term:
        d = self.diagram
        order = [n for n in d.names if n in chance]
        inputs = ["".join(self._sym[p] for p in d.node(c).parents) + self._sym[c]
                  for c in order]
        inputs += [self._sym[g] for g in self.given if g in chance]
        if utility is not None:
            inputs.append("".join(self._sym[p] for p in d.node(utility).parents))
        used = set("".join(inputs))
        wanted = self.layout_vars if output_vars is None else output_vars
        present = tuple(i for i, v in enumerate(wanted) if self._sym[v] in used)
        output = "".join(self._sym[wanted[i]] for i in present)
        contraction = Contraction(inputs, output, self._letter_sizes)
        return Term(utility or "", tuple(order), contraction, present)

    def past(self, k: int) -> tuple[str, ...]:
        """The variables known when decision ``k`` (0-based) is taken, in layout order (with
        limited memory: what it knows)."""
        if self.limited:
            return self.knows(k)
        return self.layout_vars[: self.layout.decision_axis(k) - 1]

    @cached_property
    def free_decisions(self) -> tuple[str, ...]:
        """Decisions that observe nothing themselves (their alternatives are reported); with
        limited memory, those that know nothing."""
        return tuple(d.name for d in self.diagram.decisions if not d.information)

    # -- numbers --------------------------------------------------------------------------------
    def operands(self, tables: Mapping[str, Any] | None = None,
                 weights: Mapping[str, Any] | None = None, *, check: bool = True
                 ) -> dict[str, np.ndarray]:
        """The numbers to evaluate: see :func:`influence.solve.tables.operands`."""
        return operands(self.diagram, tables, weights, check=check)

    def _evidence_vectors(self) -> dict[str, np.ndarray]:
        out = {}
        for g, state in self.given.items():
            vec = np.zeros((1, self.sizes[g]))
            vec[0, self.diagram.node(g).states.index(state)] = 1.0
            out[g] = vec
        return out

    def _run(self, term: Term, ops: Parameters, expand: bool = True,
             moved: dict[int, Any] | None = None) -> np.ndarray:
        """Contract one term; with ``expand``, broadcast it to (S, *layout sizes). ``moved``:
        see :meth:`Contraction.__call__ <influence.solve.kernels.Contraction.__call__>`."""
        ev = self._evidence_vectors() if self.given else {}
        args = [ops[c] for c in term.chance]
        args += [ev[g] for g in self.given if g in term.chance]
        if term.node:
            args.append(ops[term.node])
        out = term.contraction(*args, moved=moved)
        draws = draw_count(ops)
        if not expand:
            return np.broadcast_to(out, (draws,) + out.shape[1:])
        full = tuple(self.sizes[v] for v in self.layout_vars)
        if len(term.present) == len(full) and out.shape[0] == draws:
            return out
        shape = [out.shape[0]] + [1] * len(full)
        for i in term.present:
            shape[1 + i] = full[i]
        return np.broadcast_to(out.reshape(shape), (draws,) + full)

    def evidence_probability(self, ops: Parameters) -> np.ndarray:
        """Probability of the scenario in each draw, shape (S,) (ones without a scenario)."""
        if self.evidence_term is None:
            return np.ones(draw_count(ops))
        return self._run(self.evidence_term, ops, expand=False)

    def _scenario_probability(self, ops: Parameters) -> np.ndarray | None:
        """The scenario's probability per draw, checked positive; None without a scenario."""
        if self.evidence_term is None:
            return None
        pe = self.evidence_probability(ops)
        if np.any(pe <= 0):
            where = "in some parameter draws" if pe.shape[0] > 1 else "under the model"
            raise QueryError(
                "expected a scenario of positive probability, got `given` "
                + ", ".join(f"{k}={v}" for k, v in self.given.items())
                + f", which has probability 0 {where}", file=self.diagram.file,
                node=", ".join(self.given), field="given", parameter="given")
        return pe

    def stage_tensor(self, ops: Parameters) -> np.ndarray:
        """The stage tensor ``T`` (see :mod:`influence.solve.kernels`), conditional on the
        scenario.

        Parameters
        ----------
        ops : mapping
            Operands from :meth:`operands` (utility tables already weighted).

        Returns
        -------
        ndarray, shape (S, *layout sizes)
        """
        return self.stage_terms(ops)[0]

    def stage_terms(self, ops: Parameters) -> tuple[np.ndarray, list[np.ndarray]]:
        """The stage tensor and its parts, one per utility node (in the diagram's order), each
        conditional on the scenario: the part of utility node ``u`` is the stage tensor of a
        diagram whose only utility is ``u``. Parts may be broadcast views."""
        total = None
        parts = []
        moved: dict[int, Any] = {}  # each table with its draws last, copied once for all terms
        for term in self.utility_terms:
            part = self._run(term, ops, moved=moved)
            parts.append(part)
            if total is None:
                total = part
            elif len(parts) == 2:
                total = part + total
            else:  # the sum made here, added to in place
                np.add(part, total, out=total)
        if not np.isfinite(total).all():
            self._overflow(parts, ops)
        pe = self._scenario_probability(ops)
        if pe is None:
            return total, parts
        shape = (-1,) + (1,) * (total.ndim - 1)
        return total / pe.reshape(shape), [part / pe.reshape(shape) for part in parts]

    def _overflow(self, parts: list[np.ndarray], ops: Parameters) -> None:
        """Raise for expected utilities that are not finite numbers, naming the utility node."""
        for term, part in zip(self.utility_terms, parts, strict=True):
            if not np.isfinite(part).all():
                values = np.asarray(ops[term.node])
                largest = float(np.nanmax(np.abs(values))) if values.size else 0.0
                found = float(part.flat[int(np.argmax(~np.isfinite(part)))])
                raise ModelError(
                    f"expected finite expected utilities, got {found} "
                    f"from values as large as {largest:.3g} (after the weight): sums of such "
                    f"numbers overflow; keep every |value x weight| below {UTILITY_BOUND:.0e}",
                    file=self.diagram.file, node=term.node, field="values")
        raise ModelError(
            "expected finite expected utilities, got a total that overflows: the utility "
            f"nodes' values, summed, exceed double precision; keep their sum below "
            f"{UTILITY_BOUND:.0e}", file=self.diagram.file)

    def reach_tensor(self, ops: Parameters) -> np.ndarray:
        """Probability of the observed chance nodes given the decisions (and the scenario),
        shape (S, *layout sizes)."""
        out = self._run(self.reach_term, ops)
        pe = self._scenario_probability(ops)
        if pe is None:
            return out
        return out / pe.reshape((-1,) + (1,) * (out.ndim - 1))

    # -- strategies -----------------------------------------------------------------------------
    def masks_for(self, policy: Policy | None = None,
                  force: tuple[str, str] | None = None) -> list[np.ndarray | None]:
        """Boolean masks of the allowed options of each decision under a policy (rule rows
        restrict the information states they cover) or with one decision forced to a state.
        Built once per policy and forced choice, returned read-only."""
        key = (id(policy), force)
        hit = self._masks.get(key)
        if hit is not None and hit[0] is policy:
            return list(hit[1])
        from .masks import build_masks

        masks = build_masks(self, policy, force)
        for m in masks:
            if m is not None:
                m.setflags(write=False)
        self._masks[key] = (policy, masks)
        return list(masks)

    def option_specs(self, policies: tuple[str, ...] | None = None
                     ) -> list[tuple[str, str, str, str | None, str | None, Policy | None]]:
        """Every alternative and named policy as ``(id, label, kind, decision, state,
        policy)``, in the order of :meth:`options` (no masks made)."""
        out: list[tuple[str, str, str, str | None, str | None, Policy | None]] = []
        for dname in self.free_decisions:
            d = self.diagram.node(dname)
            out.extend((f"{dname}={s}", f"{d.display_name}: {s}", "alternative", dname, s, None)
                       for s in d.states)
        for p in self.diagram.policies:
            if policies is None or p.id in policies:
                out.append((p.id, p.label, "policy", None, None, p))
        return out

    def options(self, policies: tuple[str, ...] | None = None
                ) -> list[tuple[str, str, str, str | None, str | None, list]]:
        """Every alternative (a decision that observes nothing forced to a state) and named
        policy, as ``(id, label, kind, decision, state, masks)``, in the model's order:
        alternatives by decision, then policies (only ``policies`` if given)."""
        out = []
        for dname in self.free_decisions:
            d = self.diagram.node(dname)
            for s in d.states:
                out.append((f"{dname}={s}", f"{d.display_name}: {s}", "alternative", dname, s,
                            self.masks_for(force=(dname, s))))
        for p in self.diagram.policies:
            if policies is None or p.id in policies:
                out.append((p.id, p.label, "policy", None, None, self.masks_for(policy=p)))
        return out

    # -- answers --------------------------------------------------------------------------------
    def evaluate(self, tables: Mapping[str, Any] | None = None, *,
                 weights: Mapping[str, Any] | None = None,
                 policies: tuple[str, ...] | None = None,
                 uncertainty: str | None = None, keep_draws: bool = False):  # noqa: ANN201
        """Evaluate every policy, alternative and the optimal strategy.

        Parameters
        ----------
        tables : mapping, optional
            Changed tables (node -> table, or a batch of tables with a leading draw axis).
        weights : mapping, optional
            Changed weights of utility nodes (a number, or one per draw).
        policies : tuple of str, optional
            Only these named policies (default: all).
        uncertainty : str, optional
            What a batch of draws stands for ("prior", "posterior"); default "draws" when
            there is more than one draw.
        keep_draws : bool
            With several draws, keep every option's value in every draw (``OptionResult.draws``)
            whatever their number; otherwise they are kept while they fit
            :data:`~influence.limits.KEEP_DRAWS_BUDGET`, a subsample beyond.

        Returns
        -------
        Evaluation
            With several draws: the Bayes strategy (best on average over the draws), each
            option's mean expected utility and its spread, P(best), expected loss and the
            expected value of perfect information about the numbers.
        """
        ops = self.operands(tables, weights)
        draws = draw_count(ops)
        if draws == 1 and uncertainty is None and self.factored_point:
            from .point import evaluate_point

            memory.check_point(self)
            return evaluate_point(self, ops, policies)
        memory.check(self, draws)
        if uncertainty is None and draws > 1:
            uncertainty = "draws"
        return self.evaluate_chunks(lambda: iter((ops,)), uncertainty=uncertainty,
                                    policies=policies, prepared=True, total=draws,
                                    keep_draws=keep_draws)

    def evaluate_chunks(self, chunks: Callable[[], Iterator[Parameters]], *,
                        weights: Mapping[str, Any] | None = None,
                        uncertainty: str | None = None,
                        policies: tuple[str, ...] | None = None, prepared: bool = False,
                        total: int | None = None, keep_draws: bool = False,
                        progress: Callable[[int], None] | None = None):  # noqa: ANN201
        """Like :meth:`evaluate`, over draws that arrive in chunks, in bounded memory.

        Parameters
        ----------
        chunks : callable
            Returns a fresh iterator over batches of tables (node -> (S_i, *shape)); called
            once (twice only when the Bayes strategies of every draw differ from those of the
            first chunk; see :mod:`influence.solve.batched`). Tables it leaves out keep the
            diagram's numbers.
        weights, uncertainty, policies, keep_draws
            As in :meth:`evaluate`.
        prepared : bool
            The chunks are operands already (from :meth:`operands`).
        total : int, optional
            The number of draws, when known (beyond :data:`~influence.limits.
            KEEP_DRAWS_BUDGET` only a subsample of per-draw values is kept; without it, all).
        progress : callable, optional
            Called after each chunk with the number of draws done so far.
        """
        if not prepared:
            raw = chunks

            def chunks() -> Iterator[Parameters]:
                for chunk in raw():
                    yield self.operands(chunk, weights, check=False)

        if self.limited:
            from .limited_draws import evaluate_limited

            return evaluate_limited(self, chunks, uncertainty=uncertainty, policy_ids=policies)
        from .batched import evaluate_chunks

        return evaluate_chunks(self, chunks, uncertainty=uncertainty, policy_ids=policies,
                               total=total, keep_draws=keep_draws, progress=progress)

    def expected_utilities(self, tables: Mapping[str, Any] | None = None, *,
                           weights: Mapping[str, Any] | None = None):  # noqa: ANN201
        """Per-draw values: each draw solved on its own numbers.

        Returns
        -------
        DrawValues
            The maximum expected utility of each draw, each option's expected utility in
            each draw (the rest of the strategy optimal for that draw), and the optimal
            choices of each draw; see :class:`influence.solve.evaluation.DrawValues`.
        """
        from .evaluation import draw_values

        ops = self.operands(tables, weights)
        if self.limited:
            from .limited_draws import draw_values_limited

            return draw_values_limited(self, ops)
        memory.check(self, draw_count(ops), rules=False)
        return draw_values(self, ops)

    def strategy_values(self, choices: tuple[np.ndarray, ...],
                        tables: Mapping[str, Any] | None = None, *,
                        weights: Mapping[str, Any] | None = None) -> np.ndarray:
        """The expected utility, in each draw, of a fixed strategy.

        Parameters
        ----------
        choices : tuple of ndarray
            For each decision, the index of the chosen state in each information state (as in
            :attr:`DrawValues.choices`): shared by every draw, or one strategy per draw.
        tables, weights
            As in :meth:`evaluate`.

        Returns
        -------
        ndarray, shape (S,)
        """
        from .evaluation import strategy_values

        ops = self.operands(tables, weights)
        choices = tuple(np.asarray(c) for c in choices)
        if len(choices) != len(self.diagram.decisions):
            raise QueryError(f"expected one array of choices per decision "
                             f"({len(self.diagram.decisions)}), got {len(choices)}",
                             file=self.diagram.file, parameter="choices")
        if self.limited:
            from .limited_draws import strategy_values_limited

            return strategy_values_limited(self, ops, choices)
        per_draw = [c.shape[0] for k, c in enumerate(choices)
                    if c.ndim == len(self.past(k)) + 1]
        memory.check(self, max([draw_count(ops), *per_draw]), rules=False)
        return strategy_values(self, ops, choices)

    def marginal(self, node: str, given: Mapping[str, str] | None = None,
                 tables: Mapping[str, Any] | None = None) -> dict[str, float]:
        """The distribution of chance node ``node`` by exact inference; see
        :func:`influence.solve.marginals.marginal`."""
        from .marginals import marginal

        return marginal(self, node, given, tables)
