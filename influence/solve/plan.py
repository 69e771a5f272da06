"""The exact solver: from a :class:`~influence.diagram.Diagram` to contraction plans and results.

:class:`SolvePlan` is built once per diagram and scenario. It orders the variables into the
stages of perfect recall, prunes barren nodes, and plans one ``opt_einsum`` contraction per
utility node (plus those for the probability of each information state and of the scenario).
:func:`solve` runs it on the point values; :func:`solve_batch` runs it on any batch of parameter
draws, which is how the Bayesian layer evaluates decisions under uncertainty.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
import opt_einsum

from ..errors import QueryError, TooLargeError
from ..limits import MAX_STAGE_ENTRIES, POSSIBLE
from ..model.diagram import Diagram, Policy
from .kernels import Contraction, InductionResult, StageLayout, backward_induction
from .results import DecisionResult, Evaluation, OptionResult, RuleResult, summarize_draws

__all__ = [
    "SolvePlan", "solve", "solve_batch", "solve_chunks", "point_parameters", "marginal",
    "check_scenario",
]

Parameters = Mapping[str, np.ndarray]



def point_parameters(diagram: Diagram) -> dict[str, np.ndarray]:
    """The diagram's tables as a batch of one draw: ``{node: table[None]}`` for chance and
    utility nodes (utility tables *not* yet multiplied by their weights)."""
    return {n.name: n.table[None] for n in diagram.nodes if n.table is not None}


def check_scenario(diagram: Diagram, given: Mapping[str, str] | None) -> dict[str, str]:
    """Check a scenario (``--given``): chance nodes that no decision influences, known states.

    Returns
    -------
    dict
        The scenario, node -> state.

    Raises
    ------
    QueryError
        For an unknown node or state, a decision or utility node, or a chance node that a
        decision influences.
    """
    import difflib

    out: dict[str, str] = {}
    for name, state in (given or {}).items():
        if name not in diagram:
            close = difflib.get_close_matches(name, diagram.names, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise QueryError(f"--given names {name!r}, which is not a node of the model{hint}",
                             file=diagram.file, node=name)
        node = diagram.node(name)
        if node.kind != "chance":
            raise QueryError(
                f"--given applies to chance nodes, but '{name}' is a {node.kind} node"
                + ("; use a policy to fix a decision" if node.kind == "decision" else ""),
                file=diagram.file, node=name)
        if state not in node.states:
            raise QueryError(f"--given {name}={state}: expected a state of '{name}' "
                             f"({', '.join(node.states)})", file=diagram.file, node=name)
        influencing = [d.name for d in diagram.decisions if d.name in diagram.ancestors(name)]
        if influencing:
            raise QueryError(
                f"--given {name}={state}: '{name}' is influenced by the decision(s) "
                f"{', '.join(influencing)}, so it cannot be known before they are taken; "
                "scenarios apply to chance nodes that no decision influences",
                file=diagram.file, node=name)
        out[name] = state
    return out


@dataclass(frozen=True)
class _UtilityTerm:
    node: str
    chance: tuple[str, ...]
    contraction: Contraction
    present: tuple[int, ...]  # which layout axes the contraction outputs (others broadcast)


class SolvePlan:
    """Everything about solving a diagram that does not depend on the numbers.

    Parameters
    ----------
    diagram : Diagram
        The influence diagram.
    given : mapping, optional
        A scenario: chance nodes (not influenced by any decision) known before any decision.
    """

    def __init__(self, diagram: Diagram, given: Mapping[str, str] | None = None) -> None:
        self.diagram = diagram
        self.given = check_scenario(diagram, given)
        decisions = diagram.decisions
        observed_before: set[str] = set()
        stages: list[list[str]] = []
        for d in decisions:
            new = [o for o in d.observes
                   if o not in observed_before and diagram.node(o).kind == "chance"
                   and o not in self.given]
            observed_before.update(d.observes)
            stages.append(sorted(new, key=diagram.names.index))
        self.stages: tuple[tuple[str, ...], ...] = tuple(tuple(s) for s in stages)
        layout_vars: list[str] = []
        for s, d in zip(self.stages, decisions, strict=True):
            layout_vars.extend(s)
            layout_vars.append(d.name)
        self.layout_vars: tuple[str, ...] = tuple(layout_vars)
        self.layout = StageLayout(tuple(len(s) for s in self.stages) + (0,))
        self.sizes = {n.name: len(n.states) for n in diagram.nodes if n.kind != "utility"}
        self._check_size()
        symbols = {}
        for i, n in enumerate(x.name for x in diagram.nodes if x.kind != "utility"):
            symbols[n] = opt_einsum.get_symbol(i)
        self._sym = symbols
        self._letter_sizes = {symbols[n]: k for n, k in self.sizes.items()}
        observed_chance = [v for v in self.layout_vars if diagram.node(v).kind == "chance"]
        base = set(observed_chance) | set(self.given)
        base_relevant = self._relevant(base)
        self.utility_terms = tuple(
            self._term(u.name, self._relevant(base | set(u.parents)) | base_relevant)
            for u in diagram.utilities
        )
        self.reach_term = self._term(None, base_relevant)
        self.evidence_term = (
            self._term(None, self._relevant(set(self.given)), output_vars=())
            if self.given else None
        )

    def _check_size(self) -> None:
        entries = 1
        for v in self.layout_vars:
            entries *= self.sizes[v]
        if entries > MAX_STAGE_ENTRIES:
            last = self.diagram.decisions[-1].name
            raise TooLargeError(
                f"expected at most {MAX_STAGE_ENTRIES:,} combinations of what the last decision "
                f"'{last}' knows and chooses under perfect recall, got {entries:,} "
                f"({' x '.join(str(self.sizes[v]) for v in self.layout_vars)} over "
                f"{', '.join(self.layout_vars)}); observe fewer nodes, merge states, or split "
                "the problem", file=self.diagram.file, node=last, field="observes")

    # -- planning -----------------------------------------------------------------------------
    def _relevant(self, targets: set[str]) -> set[str]:
        chance = {t for t in targets if self.diagram.node(t).kind == "chance"}
        for a in self.diagram.ancestors(tuple(targets)) if targets else ():
            if self.diagram.node(a).kind == "chance":
                chance.add(a)
        return chance

    def _term(self, utility: str | None, chance: set[str],
              output_vars: tuple[str, ...] | None = None) -> _UtilityTerm:
        d = self.diagram
        order = [n for n in d.names if n in chance]
        inputs = [
            "".join(self._sym[p] for p in d.node(c).parents) + self._sym[c] for c in order
        ]
        inputs += [self._sym[g] for g in self.given if g in chance]
        if utility is not None:
            inputs.append("".join(self._sym[p] for p in d.node(utility).parents))
        used = set("".join(inputs))
        wanted = self.layout_vars if output_vars is None else output_vars
        present = tuple(i for i, v in enumerate(wanted) if self._sym[v] in used)
        output = "".join(self._sym[wanted[i]] for i in present)
        contraction = Contraction(inputs, output, self._letter_sizes)
        return _UtilityTerm(utility or "", tuple(order), contraction, present)

    # -- numbers ------------------------------------------------------------------------------
    def _evidence_vectors(self) -> dict[str, np.ndarray]:
        out = {}
        for g, state in self.given.items():
            vec = np.zeros((1, self.sizes[g]))
            vec[0, self.diagram.node(g).states.index(state)] = 1.0
            out[g] = vec
        return out

    @staticmethod
    def _draws(params: Parameters) -> int:
        return max((np.shape(v)[0] for v in params.values()), default=1)

    def _run(self, term: _UtilityTerm, params: Parameters, expand: bool = True) -> np.ndarray:
        """Contract one term; with ``expand``, broadcast it to (S, *layout sizes), else return
        the contraction's own output. S is the draw count of ``params`` (a term whose operands
        all have one draw is broadcast to it)."""
        ev = self._evidence_vectors()
        operands = [params[c] for c in term.chance]
        operands += [ev[g] for g in self.given if g in term.chance]
        if term.node:
            node = self.diagram.node(term.node)
            operands.append(np.asarray(params[term.node]) * node.weight)
        out = term.contraction(*operands)
        draws = self._draws(params)
        if not expand:
            return np.broadcast_to(out, (draws,) + out.shape[1:])
        full = tuple(self.sizes[v] for v in self.layout_vars)
        if len(term.present) == len(full) and out.shape[0] == draws:
            return out
        shape = [out.shape[0]] + [1] * len(full)
        for i in term.present:
            shape[1 + i] = full[i]
        return np.broadcast_to(out.reshape(shape), (draws,) + full)

    def evidence_probability(self, params: Parameters) -> np.ndarray:
        """Probability of the scenario in each draw, shape (S,) (ones without a scenario)."""
        if self.evidence_term is None:
            return np.ones(self._draws(params))
        return self._run(self.evidence_term, params, expand=False)

    def stage_tensor(self, params: Parameters) -> np.ndarray:
        """The stage tensor ``T`` (see :mod:`influence.kernels`), conditional on the scenario.

        Parameters
        ----------
        params : mapping
            Node -> table with a leading draw axis (size 1 or S), as from
            :func:`point_parameters`.

        Returns
        -------
        ndarray, shape (S, *layout sizes)
        """
        total = None
        for term in self.utility_terms:
            part = self._run(term, params)
            total = part if total is None else total + part
        pe = self.evidence_probability(params)
        if np.any(pe <= 0):
            where = "in some parameter draws" if pe.shape[0] > 1 else "under the model"
            raise QueryError(
                "expected a scenario of positive probability, got --given "
                + ", ".join(f"{k}={v}" for k, v in self.given.items())
                + f", which has probability 0 {where}", file=self.diagram.file,
                node=", ".join(self.given), field="given")
        return total / pe.reshape((-1,) + (1,) * (total.ndim - 1))

    def reach_tensor(self, params: Parameters) -> np.ndarray:
        """Probability of the observed chance nodes given the decisions (and the scenario), shape
        (S, *layout sizes)."""
        out = self._run(self.reach_term, params)
        pe = self.evidence_probability(params)
        return out / pe.reshape((-1,) + (1,) * (out.ndim - 1))

    # -- strategies ---------------------------------------------------------------------------
    def past(self, k: int) -> tuple[str, ...]:
        """The variables known when decision ``k`` (0-based) is taken, in layout order."""
        end = self.layout.decision_axis(k) - 1
        return self.layout_vars[:end]

    def states_of(self, names: tuple[str, ...]) -> list[tuple[str, ...]]:
        return [self.diagram.node(n).states for n in names]

    def masks_for(self, policy: Policy | None = None,
                  force: tuple[str, str] | None = None) -> list[np.ndarray | None]:
        """Boolean masks of the allowed options of each decision under a policy (rule rows
        restrict the information states they cover) or under forcing one decision to a state.

        The masks are built once per policy and forced choice, and returned read-only."""
        cache = self.__dict__.setdefault("_mask_cache", {})
        key = (id(policy), force)
        hit = cache.get(key)
        if hit is not None and hit[0] is policy:
            return list(hit[1])
        masks = self._build_masks(policy, force)
        for m in masks:
            if m is not None:
                m.setflags(write=False)
        cache[key] = (policy, masks)
        return list(masks)

    def _build_masks(self, policy: Policy | None,
                     force: tuple[str, str] | None) -> list[np.ndarray | None]:
        masks: list[np.ndarray | None] = []
        for k, d in enumerate(self.diagram.decisions):
            past = self.past(k)
            shape = tuple(self.sizes[v] for v in past) + (self.sizes[d.name],)
            rows = []
            if policy is not None and d.name in policy.rules:
                rows = [(dict(r.given), r.choose) for r in policy.rules[d.name]]
            if force is not None and force[0] == d.name:
                rows = [({}, force[1])]
            if not rows:
                masks.append(None)
                continue
            mask = np.ones(shape, dtype=bool)
            for given, choose in rows:
                index: list[object] = []
                skip = False
                for v in past:
                    if v in given:
                        index.append(self.diagram.node(v).states.index(given[v]))
                    else:
                        index.append(slice(None))
                for v, s in given.items():
                    if v not in past and v in self.given and self.given[v] != s:
                        skip = True  # the rule is for another scenario
                if skip:
                    continue
                sub = np.zeros(self.sizes[d.name], dtype=bool)
                sub[d.states.index(choose)] = True
                mask[tuple(index)] = sub
            masks.append(mask)
        return masks

    @cached_property
    def free_decisions(self) -> tuple[str, ...]:
        """Decisions that observe nothing themselves (their alternatives are reported)."""
        return tuple(d.name for d in self.diagram.decisions if not d.observes)


def _past_probability(plan: SolvePlan, reach: np.ndarray, k: int) -> np.ndarray:
    """P(past of decision k | the earlier decisions), averaged over draws."""
    mean = reach.mean(axis=0)
    axis = plan.layout.decision_axis(k) - 1  # axes of the past: 0 .. axis-1 (no draw axis)
    rest = tuple(range(axis, mean.ndim))
    later_chance = [i for i in rest if plan.diagram.node(plan.layout_vars[i]).kind == "chance"]
    later_dec = [i for i in rest if i not in later_chance]
    out = mean.sum(axis=tuple(later_chance), keepdims=True) if later_chance else mean
    index = tuple(0 if i in later_dec else slice(None) for i in range(out.ndim))
    return out[index].reshape(mean.shape[:axis])


def _strategy(plan: SolvePlan, result: InductionResult, reach: np.ndarray,
              optimal_share: list[np.ndarray] | None) -> tuple[DecisionResult, ...]:
    out = []
    on_path = None  # indicator over the past of decision k of earlier choices being followed
    for k, d in enumerate(plan.diagram.decisions):
        past = plan.past(k)
        prob = _past_probability(plan, reach, k)
        if k == 0:
            on_path = np.ones(prob.shape)
        reach_k = prob * on_path
        choice = result.choices[k]
        values = result.values[k]
        # All information states at once, then plain floats row by row.
        probs = np.ravel(prob).tolist()
        reaches = np.ravel(reach_k).tolist()
        chosen = np.ravel(np.broadcast_to(choice, np.shape(prob))).tolist()
        positive = np.reshape(prob, (-1, 1)) > POSSIBLE
        cells = np.reshape(values, (-1, len(d.states)))
        conditional = (cells / np.where(positive, np.reshape(prob, (-1, 1)), 1.0)).tolist()
        shares = (np.ravel(optimal_share[k]).tolist() if optimal_share is not None
                  else [None] * len(probs))
        spaces = [plan.diagram.node(v).states for v in past]
        rows = []
        for i, combo in enumerate(itertools.product(*spaces)):
            p_state = probs[i]
            possible = p_state > POSSIBLE
            eus = None
            if possible:
                eus = dict(zip(d.states, conditional[i], strict=True))
            rows.append(RuleResult(
                given=dict(zip(past, combo, strict=True)),
                choose=d.states[chosen[i]] if possible else None,
                reachable=reaches[i] > POSSIBLE,
                probability=reaches[i],
                expected_utilities=eus,
                probability_optimal=shares[i] if possible else None,
            ))
        out.append(DecisionResult(decision=d.name, knows=past, rules=tuple(rows)))
        # extend the on-path indicator to the past of the next decision
        if k + 1 < len(plan.diagram.decisions):
            follow = np.zeros(prob.shape + (plan.sizes[d.name],))
            np.put_along_axis(follow, np.asarray(choice)[..., None], 1.0, axis=-1)
            nxt = follow * on_path[..., None]
            extra = plan.stages[k + 1]
            nxt = nxt.reshape(nxt.shape + (1,) * len(extra))
            on_path = np.broadcast_to(nxt, nxt.shape[: nxt.ndim - len(extra)]
                                      + tuple(plan.sizes[v] for v in extra))
    return tuple(out)


def solve_batch(plan: SolvePlan, params: Parameters, *, uncertainty: str | None = None,
                policy_ids: tuple[str, ...] | None = None) -> Evaluation:
    """Evaluate every policy, alternative and the optimal strategy on a batch of draws.

    Parameters
    ----------
    plan : SolvePlan
        The planned diagram.
    params : mapping
        Node -> table with a leading draw axis (size S, or 1 for point values).
    uncertainty : {"prior", "posterior"}, optional
        What the draws are; None for point values.
    policy_ids : tuple of str, optional
        Only these named policies (default: all).

    Returns
    -------
    Evaluation
        With the uncertainty fields filled when there is more than one draw.
    """
    return solve_chunks(plan, lambda: iter((params,)), uncertainty=uncertainty,
                        policy_ids=policy_ids)


def solve_chunks(plan: SolvePlan, chunks: Callable[[], Iterator[Parameters]], *,
                 uncertainty: str | None = None,
                 policy_ids: tuple[str, ...] | None = None) -> Evaluation:
    """Like :func:`solve_batch`, over draws that arrive in chunks, in bounded memory.

    Parameters
    ----------
    plan : SolvePlan
        The planned diagram.
    chunks : callable
        Returns a fresh iterator over parameter batches (node -> array (S_i, *table shape));
        it is called twice: once to average the stage tensor over all draws (which fixes the
        Bayes strategies), once to evaluate those strategies draw by draw.
    uncertainty, policy_ids
        As in :func:`solve_batch`.

    Returns
    -------
    Evaluation
    """
    diagram = plan.diagram
    # Pass 1: the stage and reach tensors averaged over every draw.
    stage_sum = reach_sum = None
    draws = 0
    single = None
    for i, chunk in enumerate(chunks()):
        stage = plan.stage_tensor(chunk)
        reach = plan.reach_tensor(chunk)
        single = (stage, reach) if i == 0 else None
        stage_sum = stage.sum(axis=0) if stage_sum is None else stage_sum + stage.sum(axis=0)
        reach_sum = reach.sum(axis=0) if reach_sum is None else reach_sum + reach.sum(axis=0)
        draws += stage.shape[0]
    mean_stage = (stage_sum / draws)[None]
    mean_reach = (reach_sum / draws)[None]

    # The Bayes strategies: the optimum, each alternative forced, each policy. Decisions after
    # the last one a mask constrains are played as in the optimum: those stages are reused.
    strategies: list[tuple[OptionResult | None, InductionResult, int]] = []
    best = backward_induction(mean_stage, plan.layout, keep=True)
    strategies.append((None, best, -1))

    def constrained(masks: list[np.ndarray | None]) -> int:
        return max((k for k, m in enumerate(masks) if m is not None), default=-1)

    for dname in plan.free_decisions:
        d = diagram.node(dname)
        for s in d.states:
            masks = plan.masks_for(force=(dname, s))
            res = backward_induction(mean_stage, plan.layout, masks, resume=best)
            option = OptionResult(id=f"{dname}={s}", label=f"{d.display_name}: {s}",
                                  kind="alternative", decision=dname, state=s)
            strategies.append((option, res, constrained(masks)))
    for p in diagram.policies:
        if policy_ids is None or p.id in policy_ids:
            masks = plan.masks_for(policy=p)
            res = backward_induction(mean_stage, plan.layout, masks, resume=best)
            strategies.append((OptionResult(id=p.id, label=p.label, kind="policy"), res,
                               constrained(masks)))

    # Pass 2: each strategy's expected utility draw by draw, and the per-draw optimum. With a
    # single draw, pass 1 ran on that draw itself and already has the expected utilities.
    eu_parts: list[list[np.ndarray]] = [[] for _ in strategies]
    optimum_parts: list[np.ndarray] = []
    share_sum: list[np.ndarray] | None = None
    for chunk in ([] if draws == 1 else [single[0]] if single is not None else
                  (plan.stage_tensor(c) for c in chunks())):
        base = backward_induction(chunk, plan.layout, fixed=best.choices, values=False,
                                  keep=True)
        for parts, (_, res, last) in zip(eu_parts, strategies, strict=True):
            if last < 0:
                parts.append(base.expected_utility)
                continue
            fixed = [c if k <= last else None for k, c in enumerate(res.choices)]
            parts.append(backward_induction(chunk, plan.layout, fixed=fixed, values=False,
                                            resume=base).expected_utility)
        own = backward_induction(chunk, plan.layout, per_draw=True, values=False)
        optimum_parts.append(own.expected_utility)
        hits = [(c == np.asarray(b)[None]).sum(axis=0)
                for c, b in zip(own.choices, best.choices, strict=True)]
        share_sum = hits if share_sum is None else [a + h for a, h in
                                                    zip(share_sum, hits, strict=True)]
    if draws == 1:
        eus = [res.expected_utility for _, res, _ in strategies]
    else:
        eus = [np.concatenate(parts) for parts in eu_parts]
    share = [s / draws for s in share_sum] if share_sum is not None else None
    strategy = _strategy(plan, best, mean_reach, share)

    options = [replace(opt, draws=eu)
               for (opt, _, _), eu in zip(strategies, eus, strict=True) if opt is not None]
    alternatives: dict[str, dict[str, float]] = {}
    for o in options:
        if o.kind == "alternative":
            alternatives.setdefault(o.decision, {})[o.state] = float(o.draws.mean())
    options = summarize_draws(options)
    meu_draws = eus[0]
    evpi = None
    if optimum_parts:
        evpi = float(np.concatenate(optimum_parts).mean() - meu_draws.mean())
    return Evaluation(
        model=diagram.name,
        title=diagram.title,
        units=diagram.units,
        given=dict(plan.given),
        maximum_expected_utility=float(meu_draws.mean()),
        meu_draws=meu_draws if draws > 1 else None,
        optimal_strategy=strategy,
        alternatives=alternatives,
        options=tuple(options),
        draws=draws if uncertainty else None,
        uncertainty=uncertainty,
        evpi_parameters=evpi,
    )


_PLANS: dict[tuple[int, tuple], SolvePlan] = {}


def plan_for(diagram: Diagram, given: Mapping[str, str] | None = None) -> SolvePlan:
    """The (cached) :class:`SolvePlan` of a diagram and scenario."""
    key = (id(diagram), tuple(sorted((given or {}).items())))
    plan = _PLANS.get(key)
    if plan is None or plan.diagram is not diagram:
        plan = SolvePlan(diagram, given)
        if len(_PLANS) > 64:
            _PLANS.clear()
        _PLANS[key] = plan
    return plan


def solve(diagram: Diagram, given: Mapping[str, str] | None = None) -> Evaluation:
    """Solve a diagram exactly on its point values.

    Parameters
    ----------
    diagram : Diagram
        The influence diagram.
    given : mapping, optional
        A scenario: chance nodes known before any decision (``--given``).

    Returns
    -------
    Evaluation
        Maximum expected utility, optimal strategy, alternatives and policies.
    """
    plan = plan_for(diagram, given)
    return solve_batch(plan, point_parameters(diagram))


def marginal(diagram: Diagram, node: str, given: Mapping[str, str] | None = None,
             params: Parameters | None = None) -> dict[str, float]:
    """The distribution of chance node ``node`` by exact inference.

    Parameters
    ----------
    diagram : Diagram
    node : str
        A chance node.
    given : mapping, optional
        Decisions fixed to a state (interventions) and chance nodes observed (evidence). Every
        decision that influences ``node`` or the evidence must be fixed.
    params : mapping, optional
        Tables to use instead of the point values (one draw).

    Returns
    -------
    dict
        State -> probability.
    """
    given = dict(given or {})
    target = diagram.node(node)
    if target.kind != "chance":
        raise QueryError(f"expected a chance node, got a {target.kind} node", file=diagram.file,
                         node=node)
    for g, s in given.items():
        n = diagram.node(g)
        if n.kind == "utility" or s not in n.states:
            raise QueryError(f"expected a state of a chance or decision node, got {g}={s!r}",
                             file=diagram.file, node=g)
    needed = {node, *given}
    scope = {n for n in diagram.ancestors(tuple(needed)) | needed}
    missing = [d.name for d in diagram.decisions if d.name in scope and d.name not in given]
    if missing:
        raise QueryError(f"fix the decision(s) {', '.join(missing)} in `given`: they influence "
                         f"'{node}' or the evidence", file=diagram.file, node=node)
    params = params or point_parameters(diagram)
    names = [n for n in diagram.names if n in scope and diagram.node(n).kind != "utility"]
    sym = {n: opt_einsum.get_symbol(i) for i, n in enumerate(names)}
    inputs, operands = [], []
    for n in names:
        nd = diagram.node(n)
        if nd.kind == "chance":
            inputs.append("".join(sym[p] for p in nd.parents) + sym[n])
            operands.append(np.asarray(params[n])[0])
        if n in given:
            vec = np.zeros(len(nd.states))
            vec[nd.states.index(given[n])] = 1.0
            inputs.append(sym[n])
            operands.append(vec)
    out = opt_einsum.contract(",".join(inputs) + "->" + sym[node], *operands)
    total = out.sum()
    if total <= 0:
        raise QueryError("the evidence has probability 0 under the model", file=diagram.file,
                         node=node)
    return {s: float(v / total) for s, v in zip(target.states, out, strict=True)}
