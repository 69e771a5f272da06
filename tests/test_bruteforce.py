"""The solver against brute force on tiny random diagrams.

For each diagram, every deterministic strategy under perfect recall (every function from the
information states of each decision to its options) is enumerated, and its expected utility is
computed by full joint enumeration: the product of every CPT over every configuration of the
chance and decision nodes, times the weighted sum of the utilities. Nothing of the solver is
used: no stages, no pruning, no contraction plans, no backward induction.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from functools import cached_property

import numpy as np
import pytest

from influence import solve
from influence.model.diagram import Diagram, Policy
from influence.solve.results import Evaluation
from influence.testing import random_diagram, scenario_candidates

#: Most strategy profiles enumerated for one diagram.
MAX_PROFILES = 40_000


class Joint:
    """The joint distribution and total utility of a diagram over all its configurations.

    Parameters
    ----------
    diagram : Diagram
    given : mapping, optional
        A scenario: the weights are conditioned on it.
    """

    def __init__(self, diagram: Diagram, given: Mapping[str, str] | None = None) -> None:
        self.diagram = diagram
        self.vars = [n.name for n in diagram.nodes if n.kind != "utility"]
        self.card = [len(diagram.node(v).states) for v in self.vars]
        # coords[x, i]: the state index of variable i in configuration x.
        self.coords = np.array(list(itertools.product(*(range(c) for c in self.card))),
                               dtype=int).reshape(-1, len(self.vars))
        col = {v: i for i, v in enumerate(self.vars)}
        self.col = col
        prob = np.ones(len(self.coords))
        for n in diagram.chance_nodes:
            index = tuple(self.coords[:, col[p]] for p in (*n.parents, n.name))
            prob = prob * n.table[index]
        utility = np.zeros(len(self.coords))
        for u in diagram.utilities:
            index = tuple(self.coords[:, col[p]] for p in u.parents)
            utility = utility + u.weight * (u.table[index] if index else float(u.table))
        if given:
            keep = np.ones(len(self.coords), dtype=bool)
            for g, s in given.items():
                keep &= self.coords[:, col[g]] == diagram.node(g).states.index(s)
            prob = np.where(keep, prob, 0.0)
            # P(scenario): the sum over every configuration counts each decision profile once.
            profiles = np.prod([len(d.states) for d in diagram.decisions])
            prob = prob / (prob.sum() / profiles)
        self.prob = prob
        self.utility = utility
        self.weighted = prob * utility
        self.decisions = [d.name for d in diagram.decisions]
        self.knows = [diagram.information_set(d) for d in self.decisions]
        self.info = []  # info[k][x]: index of the information state of decision k in x
        self.n_info = []
        for knows in self.knows:
            cards = [len(diagram.node(v).states) for v in knows]
            if knows:
                idx = np.ravel_multi_index(tuple(self.coords[:, col[v]] for v in knows), cards)
            else:
                idx = np.zeros(len(self.coords), dtype=int)
            self.info.append(idx)
            self.n_info.append(int(np.prod(cards)) if knows else 1)
        self.options = [len(diagram.node(d).states) for d in self.decisions]
        #: Number of strategy profiles (deterministic strategies of all decisions).
        self.profiles = 1
        for o, n in zip(self.options, self.n_info, strict=True):
            self.profiles *= o**n

    @cached_property
    def strategies(self) -> list[np.ndarray]:
        """For each decision, every function from its information states to its options."""
        assert self.profiles <= MAX_PROFILES, f"{self.profiles} strategy profiles"
        return [
            np.array(list(itertools.product(range(o), repeat=n)), dtype=int).reshape(-1, n)
            for o, n in zip(self.options, self.n_info, strict=True)
        ]

    def states(self, k: int) -> list[dict[str, str]]:
        """The information states of decision ``k``, in the order of its strategy columns."""
        knows = self.knows[k]
        spaces = [self.diagram.node(v).states for v in knows]
        return [dict(zip(knows, c, strict=True)) for c in itertools.product(*spaces)]

    def indicator(self, k: int, strategies: np.ndarray) -> np.ndarray:
        """(n_strategies, N): whether configuration x follows each strategy at decision k."""
        own = self.coords[:, self.col[self.decisions[k]]]
        return strategies[:, self.info[k]] == own[None, :]

    def eu_table(self, weights: np.ndarray | None = None,
                 strategies: list[np.ndarray] | None = None,
                 first: int = 0) -> np.ndarray:
        """Expected utility of every strategy profile of decisions ``first`` onwards: an array
        with one axis per decision (earlier decisions are left as ``weights`` has them)."""
        weights = self.weighted if weights is None else weights
        strategies = self.strategies if strategies is None else strategies
        mats = [self.indicator(k, s).astype(float) for k, s in enumerate(strategies) if k >= first]
        letters = "abcdefgh"[: len(mats)]
        spec = "x," + ",".join(f"{c}x" for c in letters) + "->" + letters
        return np.einsum(spec, weights, *mats, optimize=True)

    def distribution(self, profile: list[np.ndarray]) -> dict[float, float]:
        """The distribution of the total utility under one strategy profile, by enumeration:
        total (rounded to 9 significant digits) -> probability."""
        follow = np.ones(len(self.coords), dtype=bool)
        for k, p in enumerate(profile):
            follow &= self.indicator(k, p[None])[0]
        prob = np.where(follow, self.prob, 0.0)
        out: dict[float, float] = {}
        for value, q in zip(self.utility, prob, strict=True):
            if q > 1e-15:
                key = float(f"{value:.9g}")
                out[key] = out.get(key, 0.0) + float(q)
        return out

    def eu(self, profile: list[np.ndarray]) -> float:
        """Expected utility of one strategy profile (one row per decision)."""
        return float(self.eu_table(strategies=[p[None] for p in profile]).ravel()[0])

    def consistent(self, k: int, rows: list[tuple[Mapping[str, str], str]]) -> np.ndarray:
        """Boolean over the strategies of decision k: those following every rule row."""
        states = self.states(k)
        options = self.diagram.node(self.decisions[k]).states
        ok = np.ones(len(self.strategies[k]), dtype=bool)
        for given, choose in rows:
            for j, state in enumerate(states):
                if all(state[v] == s for v, s in given.items()):
                    ok &= self.strategies[k][:, j] == options.index(choose)
        return ok

    def policy_mask(self, policy: Policy) -> list[np.ndarray]:
        return [
            self.consistent(k, [(r.given, r.choose) for r in policy.rules.get(d, ())])
            for k, d in enumerate(self.decisions)
        ]

    def profile_of(self, result: Evaluation) -> list[np.ndarray]:
        """The solver's optimal strategy as one row per decision (impossible states: option 0)."""
        out = []
        for k, d in enumerate(self.decisions):
            rule = {tuple(sorted(r.given.items())): r for r in result.decision(d).rules}
            options = self.diagram.node(d).states
            row = np.zeros(self.n_info[k], dtype=int)
            for j, state in enumerate(self.states(k)):
                key = tuple(sorted((v, s) for v, s in state.items() if v not in result.given))
                if any(result.given.get(v, s) != s for v, s in state.items()):
                    continue  # another scenario: weight zero
                r = rule[key]
                row[j] = options.index(r.choose) if r.choose is not None else 0
            out.append(row)
        return out


def restricted_max(table: np.ndarray, masks: list[np.ndarray]) -> float:
    return float(table[np.ix_(*masks)].max())


def close(a: float, b: float, scale: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, scale)


def check_against_brute_force(diagram: Diagram, given: Mapping[str, str] | None = None) -> None:
    joint = Joint(diagram, given)
    assert joint.profiles <= MAX_PROFILES
    result = solve(diagram, given)
    table = joint.eu_table()
    scale = float(np.abs(joint.weighted).sum()) + 1.0
    meu = float(table.max())
    assert close(result.maximum_expected_utility, meu, scale), (result.maximum_expected_utility,
                                                                meu)
    ours = joint.profile_of(result)
    assert close(joint.eu(ours), meu, scale)

    # Named policies: the best strategy following the policy's rows (the rest free).
    for p in diagram.policies:
        best = restricted_max(table, joint.policy_mask(p))
        assert close(result.policy(p.id).expected_utility, best, scale), p.id
    # Alternatives: the best strategy with one decision forced everywhere.
    for dname, eus in result.alternatives.items():
        k = joint.decisions.index(dname)
        for state, eu in eus.items():
            masks = [np.ones(len(s), dtype=bool) for s in joint.strategies]
            masks[k] = joint.consistent(k, [({}, state)])
            assert close(eu, restricted_max(table, masks), scale), (dname, state)

    # Every information state: its probability under our strategy, whether it is possible, and
    # the conditional expected utility of each option (later decisions as in our strategy),
    # whose maximum is the best any continuation can do from there.
    for k, dname in enumerate(joint.decisions):
        rules = {tuple(sorted(r.given.items())): r for r in result.decision(dname).rules}
        options = diagram.node(dname).states
        on_path = np.ones(len(joint.coords), dtype=bool)
        for j in range(k):
            on_path &= joint.indicator(j, ours[j][None])[0]
        for j, state in enumerate(joint.states(k)):
            if any(v in (given or {}) and given[v] != s for v, s in state.items()):
                continue
            key = tuple(sorted((v, s) for v, s in state.items() if v not in (given or {})))
            rule = rules[key]
            here = joint.info[k] == j
            # Decision k and later ones do not influence the state: fix them to option 0.
            fixed_later = np.ones(len(joint.coords), dtype=bool)
            for i in range(k, len(joint.decisions)):
                fixed_later &= joint.coords[:, joint.col[joint.decisions[i]]] == 0
            reach = float(joint.prob[here & on_path & fixed_later].sum())
            assert close(rule.probability, reach, 1.0)
            assert rule.reachable == (reach > 1e-12)
            later = np.ones(len(joint.coords), dtype=bool)
            for i in range(k + 1, len(joint.decisions)):
                later &= joint.indicator(i, ours[i][None])[0]
            own = joint.coords[:, joint.col[dname]]
            # P(chance part of the state | its decisions).
            p_state = float(joint.prob[here & fixed_later].sum())
            if p_state <= 1e-12:
                assert rule.choose is None and rule.expected_utilities is None
                continue
            assert rule.choose is not None
            for a, option in enumerate(options):
                sel = here & later & (own == a)
                cond = float(joint.weighted[sel].sum()) / p_state
                assert close(rule.expected_utilities[option], cond, scale / p_state), (
                    dname, state, option)
            # No continuation from this state beats the best option.
            sub = joint.eu_table(weights=np.where(here, joint.weighted, 0.0) / p_state, first=k)
            assert close(max(rule.expected_utilities.values()), float(sub.max()),
                         scale / p_state)
            assert rule.expected_utilities[rule.choose] == max(rule.expected_utilities.values())


def tiny(seed: int) -> Diagram:
    """A random diagram small enough to enumerate, with policies, weights and zeros."""
    rng = np.random.default_rng(seed)
    for attempt in range(50):
        d = random_diagram(
            seed * 100 + attempt,
            chance=int(rng.integers(1, 4)),
            decisions=int(rng.integers(1, 4)),
            utilities=int(rng.integers(1, 3)),
            states=(2, 3) if rng.random() < 0.4 else (2, 2),
            max_parents=2,
            observes=int(rng.integers(1, 3)),
            policies=2,
            weights=bool(rng.random() < 0.5),
            zeros=0.3 if rng.random() < 0.4 else 0.0,
            ties=bool(rng.random() < 0.3),
        )
        if Joint(d).profiles <= MAX_PROFILES // 4:
            return d
    raise AssertionError("no small enough diagram")


@pytest.mark.parametrize("seed", range(60))
def test_random_diagram_matches_brute_force(seed: int) -> None:
    check_against_brute_force(tiny(seed))


@pytest.mark.parametrize("seed", range(25))
def test_scenario_matches_conditional_brute_force(seed: int) -> None:
    attempt = 0
    while not scenario_candidates(diagram := tiny(1000 + seed + 7919 * attempt)):
        attempt += 1  # some diagrams have no chance node free of decisions: draw another
    candidates = scenario_candidates(diagram)
    rng = np.random.default_rng(seed)
    node = diagram.node(candidates[int(rng.integers(len(candidates)))])
    joint = Joint(diagram)
    for state in node.states:
        mass = joint.prob[joint.coords[:, joint.col[node.name]] == node.states.index(state)].sum()
        if mass > 1e-9:
            check_against_brute_force(diagram, {node.name: state})


def test_oil_wildcatter_matches_brute_force() -> None:
    import influence

    check_against_brute_force(influence.load("oil-wildcatter"))
    check_against_brute_force(influence.load("oil-wildcatter"), {"oil": "wet"})
