"""Decisions under parameter uncertainty (influence.bayes.uncertainty).

The batched evaluation is checked against three independent references: the point solver run
on each draw's tables, a brute-force enumeration of every deterministic strategy (full joint
enumeration per draw, nothing of the solver used), and numbers computed by hand.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from dataclasses import replace

import numpy as np
import pytest
from bet_model import BETA_BET, SEVEN_OF_TEN

import influence
from influence import PosteriorError, QueryError, solve
from influence.bayes.uncertainty import (
    chunk_size_for,
    evaluate_under_uncertainty,
)
from influence.model.diagram import Diagram, Policy, RuleRow
from influence.model.loader import diagram_from_dict
from influence.solve.plan import Plan
from influence.testing import perturbed_parameters, random_diagram

# -- helpers --------------------------------------------------------------------------------------


class DrawsPosterior:
    """A posterior holding given parameter draws, with the interface of
    :class:`influence.bayes.posterior.Posterior` that the evaluation uses."""

    method = "nuts"

    def __init__(self, params: Mapping[str, np.ndarray], fingerprint: str | None = None,
                 diagnostics: dict | None = None) -> None:
        self.params = dict(params)
        self.fingerprint = fingerprint
        self.diagnostics = diagnostics or {"divergences": 0, "warnings": [], "parameters": {}}
        self.iterated_chunks: list[int] = []

    @property
    def draws(self) -> int:
        return max(v.shape[0] for v in self.params.values())

    def check(self, diagram: Diagram) -> None:
        if self.fingerprint is not None and self.fingerprint != diagram.fingerprint:
            raise PosteriorError("made for another version of the model")

    def parameters(self, diagram: Diagram, max_draws: int | None = None) -> dict:
        return {k: v[:max_draws] for k, v in self.params.items()}

    def iter_parameters(self, diagram: Diagram, chunk: int) -> Iterator[dict]:
        total = max(v.shape[0] for v in self.params.values())
        for start in range(0, total, chunk):
            self.iterated_chunks.append(min(chunk, total - start))
            yield {k: v if v.shape[0] == 1 else v[start:start + chunk]
                   for k, v in self.params.items()}


def perturbed(diagram: Diagram, draws: int, seed: int, concentration: float = 30.0,
              spread: float = 0.3) -> dict[str, np.ndarray]:
    return perturbed_parameters(diagram, draws, seed, concentration, spread)


def with_tables(diagram: Diagram, params: Mapping[str, np.ndarray], s: int) -> Diagram:
    """The diagram with the tables of draw ``s``."""
    nodes = tuple(
        replace(n, table=params[n.name][s if params[n.name].shape[0] > 1 else 0])
        if n.name in params else n
        for n in diagram.nodes)
    return replace(diagram, nodes=nodes)


def strategy_policy(evaluation: influence.Evaluation) -> Policy:
    """The evaluation's optimal strategy as a complete named policy (every possible
    information state)."""
    rules = {}
    for d in evaluation.optimal_strategy:
        rows = [RuleRow(given=dict(r.given), choose=r.choose) for r in d.rules
                if r.choose is not None]
        rules[d.decision] = tuple(rows)
    return Policy(id="bayes", label="Bayes strategy", rules=rules)


class BruteForce:
    """Expected utility of every deterministic strategy in every draw, by full enumeration of
    the joint configurations of the chance nodes (no part of the solver is used)."""

    def __init__(self, diagram: Diagram, params: Mapping[str, np.ndarray]) -> None:
        self.diagram = diagram
        self.params = params
        self.chance = [n.name for n in diagram.chance_nodes]
        self.decisions = [d.name for d in diagram.decisions]
        self.knows = {d: diagram.information_set(d) for d in self.decisions}
        self.info_states = {
            d: list(itertools.product(*(range(len(diagram.node(v).states))
                                        for v in self.knows[d])))
            for d in self.decisions}

    def strategies(self, allowed=None) -> Iterator[dict]:
        """Every strategy: decision -> {information state: option index}; ``allowed(d,
        info, option)`` filters the options."""
        per_decision = []
        for d in self.decisions:
            k = len(self.diagram.node(d).states)
            rows = []
            for info in self.info_states[d]:
                opts = [o for o in range(k) if allowed is None or allowed(d, info, o)]
                rows.append(opts)
            per_decision.append([dict(zip(self.info_states[d], choice, strict=True))
                                 for choice in itertools.product(*rows)])
        for combo in itertools.product(*per_decision):
            yield dict(zip(self.decisions, combo, strict=True))

    def eu(self, strategy: Mapping[str, Mapping[tuple, int]]) -> np.ndarray:
        """EU of the strategy in each draw, shape (S,)."""
        d = self.diagram
        draws = max(v.shape[0] for v in self.params.values())
        total = np.zeros(draws)
        spaces = [range(len(d.node(c).states)) for c in self.chance]
        for config in itertools.product(*spaces):
            state = dict(zip(self.chance, config, strict=True))
            for dec in self.decisions:  # decisions taken in order, on what they know
                state[dec] = strategy[dec][tuple(state[v] for v in self.knows[dec])]
            prob = np.ones(draws)
            for c in self.chance:
                n = d.node(c)
                index = tuple(state[p] for p in n.parents) + (state[c],)
                prob = prob * self.params[c][(slice(None),) + index]
            value = np.zeros(draws)
            for u in d.utilities:
                index = tuple(state[p] for p in u.parents)
                value = value + u.weight * self.params[u.name][(slice(None),) + index]
            total = total + prob * value
        return total


def policy_allows(diagram: Diagram, knows: Mapping[str, tuple], policy: Policy):
    def allowed(d: str, info: tuple, option: int) -> bool:
        rows = policy.rules.get(d, ())
        names = dict(zip(knows[d], (diagram.node(v).states[i] for v, i in
                                    zip(knows[d], info, strict=True)), strict=True))
        picks = {r.choose for r in rows if all(names.get(v) == s for v, s in r.given.items())}
        return not picks or diagram.node(d).states[option] in picks
    return allowed


def close(a, b, tol=1e-9) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return bool(np.allclose(a, b, rtol=tol, atol=tol * max(1.0, float(np.abs(b).max()))))


@pytest.fixture(scope="module")
def oil() -> Diagram:
    return influence.load("oil-wildcatter")


@pytest.fixture(scope="module")
def oil_draws(oil: Diagram) -> dict[str, np.ndarray]:
    return perturbed(oil, 200, seed=1)


@pytest.fixture(scope="module")
def oil_result(oil: Diagram, oil_draws) -> influence.Evaluation:
    return evaluate_under_uncertainty(oil, posterior=DrawsPosterior(oil_draws))


# -- the batch against the point solver, draw by draw ---------------------------------------------


def test_matches_point_solver_draw_by_draw(oil, oil_draws, oil_result):
    draws = 200
    bayes = strategy_policy(oil_result)
    augmented = replace(oil, policies=oil.policies + (bayes,))
    points = [solve(with_tables(augmented, oil_draws, s)) for s in range(draws)]
    # Policies that fix every reachable choice: the same EU in every draw.
    for pid in ("drill-blind", "test-and-follow", "do-nothing"):
        expected = [p.policy(pid).expected_utility for p in points]
        assert close(oil_result.policy(pid).draws, expected)
    # The Bayes strategy, draw by draw.
    assert close(oil_result.meu_draws, [p.policy("bayes").expected_utility for p in points])
    assert oil_result.maximum_expected_utility == pytest.approx(
        np.mean([p.policy("bayes").expected_utility for p in points]), rel=1e-12)
    # The per-draw optimum is the point MEU of each draw: EVPI = its mean minus the Bayes MEU.
    per_draw_meu = np.mean([p.maximum_expected_utility for p in points])
    assert oil_result.evpi_parameters == pytest.approx(
        per_draw_meu - oil_result.maximum_expected_utility, rel=1e-9, abs=1e-9)
    assert oil_result.draws == draws and oil_result.uncertainty == "posterior"


def test_summary_statistics_of_each_option(oil_result):
    for o in oil_result.options:
        eu = o.draws
        assert o.expected_utility == pytest.approx(eu.mean(), rel=1e-12)
        assert o.sd == pytest.approx(np.std(eu, ddof=1), rel=1e-12)
        assert o.interval_90 == pytest.approx(tuple(np.quantile(eu, [0.05, 0.95])), rel=1e-12)
    data = oil_result.to_dict()
    for key in ("draws", "uncertainty", "evpi_parameters"):
        assert key in data
    for p in data["policies"]:
        assert set(p) >= {"expected_utility", "sd", "interval_90", "probability_best",
                          "expected_loss"}
        assert len(p["interval_90"]) == 2 and p["interval_90"][0] <= p["interval_90"][1]


def test_probability_best_and_expected_loss_against_the_draws(oil_result):
    policies = oil_result.policies
    matrix = np.stack([p.draws for p in policies], axis=1)
    best = matrix.max(axis=1)
    winners = matrix >= best[:, None] - 1e-9 * np.maximum(np.abs(best), 1)[:, None]
    credit = winners / winners.sum(axis=1, keepdims=True)
    for j, p in enumerate(policies):
        assert p.probability_best == pytest.approx(credit[:, j].mean(), abs=1e-12)
        assert p.expected_loss == pytest.approx(np.mean(best - p.draws), rel=1e-12, abs=1e-12)
        assert p.expected_loss >= 0
    assert sum(p.probability_best for p in policies) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("seed", [2, 5, 11, 17])
def test_random_diagrams_against_brute_force(seed):
    diagram = random_diagram(seed, chance=3, decisions=2, utilities=2, states=(2, 2),
                             observes=1, policies=2, zeros=0.15, weights=True)
    params = perturbed(diagram, 40, seed=seed)
    result = evaluate_under_uncertainty(diagram, posterior=DrawsPosterior(params),
                                        chunk_size=7)
    brute = BruteForce(diagram, params)
    table = [(s, brute.eu(s)) for s in brute.strategies()]
    means = np.array([eu.mean() for _, eu in table])

    def matches(option_draws, rows) -> bool:
        top = max(eu.mean() for _, eu in rows)
        return any(close(eu, option_draws) for _, eu in rows
                   if abs(eu.mean() - top) <= 1e-9 * max(1.0, abs(top)))

    # The Bayes strategy maximises the mean EU over every deterministic strategy.
    assert result.maximum_expected_utility == pytest.approx(means.max(), rel=1e-9, abs=1e-9)
    assert matches(result.meu_draws, table)
    # EVPI: the mean of the per-draw maxima over strategies, minus the best mean.
    per_draw_best = np.max(np.stack([eu for _, eu in table]), axis=0)
    assert result.evpi_parameters == pytest.approx(per_draw_best.mean() - means.max(),
                                                   rel=1e-9, abs=1e-9)
    assert result.evpi_parameters >= -1e-9
    # Alternatives: a decision that observes nothing forced, the rest Bayes-optimal.
    for free in (d for d in diagram.decisions if not d.observes):
        for j, state in enumerate(free.states):
            rows = [(s, eu) for s, eu in table if all(v == j for v in s[free.name].values())]
            option = next(o for o in result.options if o.id == f"{free.name}={state}")
            assert matches(option.draws, rows)
    # Policies: their rule rows fixed, the uncovered states Bayes-optimal.
    for p in diagram.policies:
        allowed = policy_allows(diagram, brute.knows, p)
        rows = [(s, brute.eu(s)) for s in brute.strategies(allowed)]
        assert matches(result.policy(p.id).draws, rows)


@pytest.mark.parametrize("seed", [3, 8])
def test_random_diagrams_against_point_solver(seed):
    diagram = random_diagram(seed, chance=4, decisions=2, utilities=2, policies=3,
                             complete_policies=True, weights=True)
    params = perturbed(diagram, 30, seed=seed)
    result = evaluate_under_uncertainty(diagram, posterior=DrawsPosterior(params))
    augmented = replace(diagram, policies=diagram.policies + (strategy_policy(result),))
    points = [solve(with_tables(augmented, params, s)) for s in range(30)]
    for p in diagram.policies:  # complete policies: nothing left to optimise
        assert close(result.policy(p.id).draws, [q.policy(p.id).expected_utility
                                                 for q in points])
    assert close(result.meu_draws, [q.policy("bayes").expected_utility for q in points])
    assert result.evpi_parameters == pytest.approx(
        np.mean([q.maximum_expected_utility for q in points])
        - result.maximum_expected_utility, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("state", ["dry", "soaking"])
def test_scenario_matches_point_solver_with_the_same_scenario(oil, oil_draws, state):
    given = {"oil": state}
    result = evaluate_under_uncertainty(oil, given=given, posterior=DrawsPosterior(oil_draws))
    augmented = replace(oil, policies=oil.policies + (strategy_policy(result),))
    points = [solve(with_tables(augmented, oil_draws, s), given) for s in range(200)]
    assert result.given == given
    assert close(result.meu_draws, [q.policy("bayes").expected_utility for q in points])
    for pid in ("drill-blind", "test-and-follow", "do-nothing"):
        assert close(result.policy(pid).draws, [q.policy(pid).expected_utility for q in points])
    assert result.evpi_parameters == pytest.approx(
        np.mean([q.maximum_expected_utility for q in points])
        - result.maximum_expected_utility, rel=1e-9, abs=1e-9)


# -- constructed examples with numbers computed by hand -------------------------------------------

BET = {
    "name": "bet",
    "nodes": {
        "bet": {"type": "decision", "states": ["safe", "up", "down"]},
        "market": {"type": "chance", "states": ["up", "down"], "p": [0.5, 0.5]},
        "gain": {
            "type": "utility", "parents": ["bet", "market"],
            "values": [
                {"given": {"bet": "safe", "market": "up"}, "value": 6},
                {"given": {"bet": "safe", "market": "down"}, "value": 6},
                {"given": {"bet": "up", "market": "up"}, "value": 10},
                {"given": {"bet": "up", "market": "down"}, "value": 0},
                {"given": {"bet": "down", "market": "up"}, "value": 0},
                {"given": {"bet": "down", "market": "down"}, "value": 10},
            ],
        },
    },
}


def bet_draws(p_up: list[float]) -> dict[str, np.ndarray]:
    d = diagram_from_dict(BET)
    p = np.array(p_up)
    return {"market": np.stack([p, 1 - p], axis=1),
            "gain": np.broadcast_to(d.node("gain").table, (len(p),) + (3, 2)).copy()}


def test_bayes_decision_differs_from_the_per_draw_optimum():
    # Two equally likely parameter values: P(up) = 0.9 or 0.1. In each draw a risky bet is
    # optimal (EU 9 against 6), so the per-draw optimum never picks "safe", and averaged it is
    # worth 9; but each risky bet is worth (9 + 1) / 2 = 5 on average, so the Bayes decision
    # is "safe" (6).
    diagram = diagram_from_dict(BET)
    result = evaluate_under_uncertainty(diagram, posterior=DrawsPosterior(bet_draws([0.9, 0.1])))
    rule = result.decision("bet").rules[0]
    assert rule.choose == "safe"
    assert rule.probability_optimal == 0.0
    assert result.maximum_expected_utility == pytest.approx(6.0)
    assert result.alternatives["bet"] == pytest.approx({"safe": 6.0, "up": 5.0, "down": 5.0})
    by_id = {o.id: o for o in result.options}
    assert by_id["bet=safe"].probability_best == 0.0
    assert by_id["bet=up"].probability_best == pytest.approx(0.5)
    assert by_id["bet=down"].probability_best == pytest.approx(0.5)
    assert by_id["bet=safe"].expected_loss == pytest.approx(3.0)  # (9-6 + 9-6) / 2
    assert by_id["bet=up"].expected_loss == pytest.approx(4.0)    # (0 + 9-1) / 2
    assert by_id["bet=down"].expected_loss == pytest.approx(4.0)
    # EVPI about the parameters: mean of the per-draw best (9) minus the best mean (6).
    assert result.evpi_parameters == pytest.approx(3.0)


def test_evpi_is_zero_when_one_option_is_best_in_every_draw():
    diagram = diagram_from_dict(BET)
    result = evaluate_under_uncertainty(diagram,
                                        posterior=DrawsPosterior(bet_draws([0.7, 0.8, 0.95])))
    by_id = {o.id: o for o in result.options}
    assert result.decision("bet").rules[0].choose == "up"
    assert by_id["bet=up"].probability_best == 1.0
    assert by_id["bet=up"].expected_loss == 0.0
    assert by_id["bet=safe"].expected_loss > 0 and by_id["bet=down"].expected_loss > 0
    assert result.evpi_parameters == pytest.approx(0.0, abs=1e-12)
    # By hand: EU(up) = 10 p, EU(safe) = 6, EU(down) = 10 (1 - p).
    assert by_id["bet=up"].expected_utility == pytest.approx(10 * np.mean([0.7, 0.8, 0.95]))
    assert by_id["bet=safe"].expected_loss == pytest.approx(10 * np.mean([0.7, 0.8, 0.95]) - 6)


def test_ties_share_probability_best():
    diagram = diagram_from_dict(BET)
    result = evaluate_under_uncertainty(diagram, posterior=DrawsPosterior(bet_draws([0.5, 0.5])))
    by_id = {o.id: o for o in result.options}
    # up and down both 5 < safe 6: safe always wins; now make up and down tie at the top.
    assert by_id["bet=safe"].probability_best == 1.0
    draws = bet_draws([0.5, 0.5])
    draws["gain"][:, 0, :] = 5.0  # safe = 5 = up = down in every draw
    result = evaluate_under_uncertainty(diagram, posterior=DrawsPosterior(draws))
    shares = [o.probability_best for o in result.options]
    assert shares == pytest.approx([1 / 3] * 3)
    assert all(o.expected_loss == pytest.approx(0.0, abs=1e-12) for o in result.options)


def test_probability_optimal_of_each_rule(oil, oil_draws, oil_result):
    # The share of draws in which the Bayes choice is optimal, checked draw by draw.
    points = [solve(with_tables(oil, oil_draws, s)) for s in range(200)]
    test_rule = oil_result.decision("test").rules[0]
    share = np.mean([p.decision("test").rules[0].choose == test_rule.choose for p in points])
    assert test_rule.probability_optimal == pytest.approx(share)
    for i, rule in enumerate(oil_result.decision("drill").rules):
        if rule.choose is None:
            assert rule.probability_optimal is None
            continue
        conditional = [p.decision("drill").rules[i].expected_utilities for p in points]
        optimal = [c is not None and c[rule.choose] >= max(c.values()) - 1e-9 for c in conditional]
        if all(c is not None for c in conditional):
            assert rule.probability_optimal == pytest.approx(np.mean(optimal))


# -- chunks, memory, errors, diagnostics ----------------------------------------------------------


@pytest.mark.parametrize("chunk", [1, 7, 64, 199])
def test_chunked_equals_unchunked(oil, oil_draws, oil_result, chunk):
    posterior = DrawsPosterior(oil_draws)
    chunked = evaluate_under_uncertainty(oil, posterior=posterior, chunk_size=chunk)
    assert max(posterior.iterated_chunks) == min(chunk, 200)
    assert chunked.maximum_expected_utility == pytest.approx(
        oil_result.maximum_expected_utility, rel=1e-12, abs=1e-12)
    assert chunked.evpi_parameters == pytest.approx(oil_result.evpi_parameters, rel=1e-12,
                                                    abs=1e-12)
    for a, b in zip(chunked.options, oil_result.options, strict=True):
        assert a.id == b.id
        assert np.allclose(a.draws, b.draws, rtol=1e-12, atol=1e-12)
        for f in ("expected_utility", "sd", "probability_best", "expected_loss"):
            assert getattr(a, f) == pytest.approx(getattr(b, f), rel=1e-12, abs=1e-12)
    for da, db in zip(chunked.optimal_strategy, oil_result.optimal_strategy, strict=True):
        for ra, rb in zip(da.rules, db.rules, strict=True):
            assert ra.choose == rb.choose
            assert ra.probability_optimal == rb.probability_optimal


def test_posterior_draw_cap(oil, oil_draws):
    result = evaluate_under_uncertainty(oil, posterior=DrawsPosterior(oil_draws), draws=50)
    full = evaluate_under_uncertainty(
        oil, posterior=DrawsPosterior({k: v[:50] for k, v in oil_draws.items()}))
    assert result.draws == 50
    assert result.maximum_expected_utility == pytest.approx(full.maximum_expected_utility,
                                                            rel=1e-12)


def test_chunk_size_follows_the_memory_budget():
    diagram = influence.load("cartel-intervention")
    plan = Plan(diagram)
    large = chunk_size_for(plan, budget=2**30)
    small = chunk_size_for(plan, budget=2**22)
    assert 1 <= small < large
    assert chunk_size_for(plan, budget=1) == 1
    stage = np.prod([plan.sizes[v] for v in plan.layout_vars])
    assert small * 8 * 10 * stage <= 2**22


def test_diagnostics_come_from_the_posterior(oil, oil_draws):
    diagnostics = {"divergences": 3, "warnings": ["r_hat of p[oil] is 1.02"],
                   "parameters": {"p[oil]": {"r_hat": 1.02, "ess_bulk": 350.0}}}
    result = evaluate_under_uncertainty(
        oil, posterior=DrawsPosterior(oil_draws, diagnostics=diagnostics))
    assert result.diagnostics["divergences"] == 3
    assert result.diagnostics["method"] == "nuts"
    assert result.to_dict()["diagnostics"]["warnings"] == ["r_hat of p[oil] is 1.02"]


def test_a_posterior_that_fails_its_check_is_refused(oil, oil_draws):
    posterior = DrawsPosterior(oil_draws, fingerprint="0000000000000000")
    with pytest.raises(PosteriorError, match="another version"):
        evaluate_under_uncertainty(oil, posterior=posterior)
    assert posterior.iterated_chunks == []


@pytest.mark.parametrize("kwargs, message", [
    ({}, "neither"),
    ({"prior": True, "posterior": object()}, "both"),
    ({"prior": True, "draws": 1}, "at least 2"),
    ({"prior": True, "chunk_size": 0}, "positive `chunk_size`"),
    ({"prior": True}, "expected priors in the model"),
])
def test_bad_requests(oil, kwargs, message):
    with pytest.raises(QueryError, match=message):
        evaluate_under_uncertainty(oil, **kwargs)



# -- with the priors and the fit of the Bayesian layer ---------------------------------------------



@pytest.fixture(scope="module")
def beta_bet(tmp_path_factory):
    folder = tmp_path_factory.mktemp("beta-bet")
    (folder / "bet.yaml").write_text(BETA_BET)
    (folder / "evidence.yaml").write_text(SEVEN_OF_TEN)
    return folder


@pytest.fixture(scope="module")
def beta_posterior(beta_bet):
    pytest.importorskip("arviz")
    diagram = influence.load(str(beta_bet / "bet.yaml"))
    return diagram, influence.fit(diagram, str(beta_bet / "evidence.yaml"), method="exact",
                                  draws=5000, chains=4, seed=7)


def test_conjugate_update_and_linear_eu(beta_posterior):
    # Beta(2, 2) on P(win) updated with 7 wins in 10 is Beta(9, 5), mean 9/14. EU(bet) =
    # 100 p - 50 (1 - p) = 150 p - 50 is linear in p, so its posterior mean is 150 * 9/14 - 50.
    diagram, posterior = beta_posterior
    row = posterior.summary()[0]
    assert row["mean"] == pytest.approx(9 / 14, abs=0.005)
    result = evaluate_under_uncertainty(diagram, posterior=posterior)
    sd_p = np.sqrt(9 * 5 / (14**2 * 15))
    mc_error = 150 * sd_p / np.sqrt(result.draws)
    assert result.draws == 20000
    assert result.alternatives["bet"]["bet"] == pytest.approx(150 * 9 / 14 - 50,
                                                              abs=4 * mc_error)
    bet = next(o for o in result.options if o.id == "bet=bet")
    assert bet.sd == pytest.approx(150 * sd_p, rel=0.03)
    # The prior: Beta(2, 2), mean 1/2, so EU(bet) = 25 on average.
    prior = evaluate_under_uncertainty(diagram, prior=True, draws=20000, seed=3)
    assert prior.alternatives["bet"]["bet"] == pytest.approx(25, abs=4 * 150 * np.sqrt(
        0.25 / 5) / np.sqrt(20000))
    # EVPI by hand for the prior, p ~ Beta(2, 2): E[max(150 p - 50, 0)] - max(E[150 p - 50], 0)
    # = integral_{1/3}^1 (150 p - 50) 6 p (1 - p) dp - 25 = 2400/81 - 25 = 375/81; the Monte
    # Carlo error of 20,000 draws is about 0.06.
    assert prior.evpi_parameters == pytest.approx(375 / 81, abs=0.3)


def test_evaluate_reads_a_posterior_file(beta_posterior, tmp_path):
    diagram, posterior = beta_posterior
    path = tmp_path / "posterior.nc"
    posterior.write(path)
    from_file = influence.evaluate(diagram, posterior=str(path))
    in_memory = evaluate_under_uncertainty(diagram, posterior=posterior)
    assert from_file.uncertainty == "posterior"
    assert from_file.alternatives == in_memory.alternatives
    assert from_file.diagnostics["method"] == "exact"
    assert from_file.diagnostics["parameters"]["p[win]"]["r_hat"] < 1.01


def test_a_posterior_for_another_model_or_version_is_refused(beta_posterior):
    diagram, posterior = beta_posterior
    renamed = influence.loads(BETA_BET.replace("name: beta-bet", "name: other-bet"))
    with pytest.raises(PosteriorError, match="made for model 'beta-bet', not 'other-bet'"):
        evaluate_under_uncertainty(renamed, posterior=posterior)
    # a point value without a prior: the posterior applies, with a note
    edited = influence.loads(BETA_BET.replace("value: 100", "value: 120"))
    result = evaluate_under_uncertainty(edited, posterior=posterior)
    assert result.diagnostics["notes"][0].startswith("fitted on an earlier version of 'beta-bet'")
    assert "notes" not in evaluate_under_uncertainty(diagram, posterior=posterior).diagnostics
    restated = influence.loads(BETA_BET.replace("pass", "hold"))
    with pytest.raises(PosteriorError, match="node 'bet', field 'states': \\[pass, bet\\] "
                                             "before, \\[hold, bet\\] now"):
        evaluate_under_uncertainty(restated, posterior=posterior)
    reprior = influence.loads(BETA_BET.replace("beta: [2, 2]", "beta: [3, 2]"))
    with pytest.raises(PosteriorError, match="another version"):
        influence.evaluate(reprior, posterior=posterior)


@pytest.fixture(scope="module")
def cartel():
    diagram = influence.load("cartel-intervention")
    if not any(n.priors for n in diagram.nodes):
        pytest.skip("the bundled cartel model has no priors")
    return diagram


def test_prior_draws_are_those_of_sample_prior_parameters(cartel):
    from influence.bayes.draws import sample_prior_parameters

    result = evaluate_under_uncertainty(cartel, prior=True, draws=300, seed=5)
    params = sample_prior_parameters(cartel, 300, seed=5)
    direct = evaluate_under_uncertainty(cartel, posterior=DrawsPosterior(params))
    assert result.uncertainty == "prior" and result.diagnostics is None
    assert np.array_equal(result.meu_draws, direct.meu_draws)
    for a, b in zip(result.options, direct.options, strict=True):
        assert np.array_equal(a.draws, b.draws)


def test_prior_chunked_equals_unchunked_across_blocks(cartel, monkeypatch):
    # More draws than one sampling block (made small here): the draws depend on the seed
    # only, never on the chunk size.
    import influence.bayes.uncertainty

    monkeypatch.setattr(influence.bayes.uncertainty, "PRIOR_BLOCK", 256)
    draws = 3 * 256 + 50
    whole = evaluate_under_uncertainty(cartel, prior=True, draws=draws, seed=9,
                                       chunk_size=256)
    for chunk in (7, 97, 300):
        part = evaluate_under_uncertainty(cartel, prior=True, draws=draws, seed=9,
                                          chunk_size=chunk)
        assert part.draws == draws
        assert part.maximum_expected_utility == pytest.approx(
            whole.maximum_expected_utility, rel=1e-12, abs=1e-12)
        assert part.evpi_parameters == pytest.approx(whole.evpi_parameters, rel=1e-12,
                                                     abs=1e-12)
        for a, b in zip(part.options, whole.options, strict=True):
            assert np.allclose(a.draws, b.draws, rtol=1e-12, atol=1e-12)
            assert a.probability_best == pytest.approx(b.probability_best, abs=1e-12)
            assert a.expected_loss == pytest.approx(b.expected_loss, rel=1e-12, abs=1e-12)
    other_seed = evaluate_under_uncertainty(cartel, prior=True, draws=draws, seed=10)
    assert other_seed.maximum_expected_utility != whole.maximum_expected_utility


def test_prior_without_a_seed_is_consistent_between_the_passes(cartel):
    # Two passes over the draws (Bayes strategy, then draw by draw) must see the same draws
    # even without a seed: the Bayes MEU is then the best mean EU over the options.
    result = evaluate_under_uncertainty(cartel, prior=True, draws=3000, chunk_size=500)
    best_option = max(o.expected_utility for o in result.options)
    assert result.maximum_expected_utility >= best_option - 1e-9 * abs(best_option)
    assert result.evpi_parameters >= 0


def test_the_worked_example_of_the_documentation(tmp_path, monkeypatch):
    # docs/decisions-under-uncertainty.md shows real output: rerun each console example.
    import re
    import shlex
    from pathlib import Path

    from click.testing import CliRunner

    from influence.cli.main import cli

    pytest.importorskip("arviz")
    text = (Path(__file__).resolve().parents[1] / "docs" / "decisions-under-uncertainty.md"
            ).read_text(encoding="utf-8")
    model, evidence = re.findall(r"```yaml\n(.*?)```", text, flags=re.S)[:2]
    (tmp_path / "launch.yaml").write_text(model)
    (tmp_path / "test_markets.yaml").write_text(evidence)
    (tmp_path / "relaunch.yaml").write_text(model.replace("name: launch", "name: relaunch"))
    (tmp_path / "launch_v2.yaml").write_text(model.replace("beta: [2, 2]", "beta: [3, 2]"))
    monkeypatch.chdir(tmp_path)
    blocks = re.findall(r"```console\n(.*?)```", text, flags=re.S)
    commands = 0
    for block in blocks:
        for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
            command, _, expected = chunk.partition("\n")
            args = shlex.split(command.split("#")[0])
            assert args[0] == "influence"
            result = CliRunner().invoke(cli, args[1:])
            shown = result.stdout if result.exit_code == 0 else result.stderr
            assert shown.strip() == expected.strip(), command
            commands += 1
    assert commands == 5


def test_evaluating_under_the_prior_imports_neither_pymc_nor_arviz(tmp_path):
    import subprocess
    import sys

    (tmp_path / "bet.yaml").write_text(BETA_BET)
    code = (
        "import sys, influence\n"
        f"d = influence.load({str(tmp_path / 'bet.yaml')!r})\n"
        "r = influence.evaluate(d, prior=True, draws=100, seed=1)\n"
        "assert r.uncertainty == 'prior'\n"
        "heavy = [m for m in ('pymc', 'arviz', 'matplotlib', 'pytensor', 'dask', 'distributed')\n"
        "         if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
