"""Properties every solution must have, on random valid diagrams driven by hypothesis.

- The maximum expected utility is at least the value of every policy and alternative, and
  equals the best alternative of a decision that knows nothing when it is taken.
- Observing more never hurts: adding an information arc never lowers the MEU.
- A positive affine change of the utilities changes neither the optimal strategy nor the
  ranking of options, and maps every expected utility by the same affine map.
- The batched evaluation over parameter draws is the point solver run draw by draw: each draw of
  a complete policy is that policy's value in a separate solve of that draw; the Bayes strategy
  is the optimal strategy of the diagram with an extra unobserved chance node "which draw"
  (uniform over the draws, parent of every table); the per-draw optimum is that diagram with the
  draw observed.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from influence import diagram_from_dict, solve
from influence.model.diagram import Diagram
from influence.solve.plan import Plan
from influence.solve.results import Evaluation
from influence.solve.tables import point_parameters
from influence.testing import model_dict, random_diagram, scenario_candidates

SETTINGS = settings(max_examples=40, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


def close(a: float, b: float, scale: float = 1.0) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b), scale)


@st.composite
def diagrams(draw: st.DrawFn, *, policies: int = 2, complete: bool = False,
             zeros: bool = True) -> Diagram:
    seed = draw(st.integers(0, 2**32 - 1))
    kwargs = dict(
        chance=draw(st.integers(1, 5)),
        decisions=draw(st.integers(1, 3)),
        utilities=draw(st.integers(1, 3)),
        states=(2, draw(st.integers(2, 3))),
        max_parents=2,
        observes=draw(st.integers(0, 2)),
        policies=policies,
        complete_policies=complete,
        weights=draw(st.booleans()),
        zeros=draw(st.sampled_from([0.0, 0.3])) if zeros else 0.0,
    )
    note(f"random_diagram({seed}, **{kwargs})")
    return random_diagram(seed, **kwargs)


# -- dominance -----------------------------------------------------------------------------------


@SETTINGS
@given(diagrams())
def test_meu_dominates_every_option(diagram: Diagram) -> None:
    result = solve(diagram)
    meu = result.maximum_expected_utility
    for option in result.options:
        assert option.expected_utility <= meu + 1e-9 * max(1.0, abs(meu)), option.id
    # A decision that knows nothing when it is taken (under perfect recall) has a constant
    # optimal choice, so its best alternative is the optimum.
    for dname, eus in result.alternatives.items():
        if not diagram.information_set(dname):
            assert close(max(eus.values()), meu), dname


# -- value of information ------------------------------------------------------------------------


def extra_observations(diagram: Diagram) -> list[tuple[str, str]]:
    """(decision, chance node) pairs whose information arc keeps the diagram valid and adds
    something the decision did not know."""
    names = diagram.names
    decisions = [d.name for d in diagram.decisions]
    out = []
    for k, d in enumerate(decisions):
        knows = set(diagram.information_set(d))
        later = set(decisions[k:])
        for c in diagram.chance_nodes:
            if (names.index(c.name) < names.index(d) and c.name not in knows
                    and c.name not in diagram.descendants(d)
                    and not diagram.ancestors(c.name) & later):
                out.append((d, c.name))
    return out


@SETTINGS
@given(diagrams(policies=0), st.integers(0, 1000))
def test_observing_more_never_lowers_the_meu(diagram: Diagram, pick: int) -> None:
    candidates = extra_observations(diagram)
    if not candidates:
        return
    dname, extra = candidates[pick % len(candidates)]
    doc = model_dict(diagram)
    spec = doc["nodes"][dname]
    spec["observes"] = list(spec.get("observes", [])) + [extra]
    richer = diagram_from_dict(doc)
    before = solve(diagram).maximum_expected_utility
    after = solve(richer).maximum_expected_utility
    assert after >= before - 1e-9 * max(1.0, abs(before))


# -- affine invariance ---------------------------------------------------------------------------


@SETTINGS
@given(diagrams(), st.floats(0.05, 20.0), st.floats(-500.0, 500.0), st.integers(0, 10))
def test_positive_affine_utilities(diagram: Diagram, a: float, b: float, which: int) -> None:
    utilities = diagram.utilities
    shifted = utilities[which % len(utilities)]
    tables = {u.name: a * u.table + (b if u.name == shifted.name else 0.0) for u in utilities}
    other = diagram_from_dict(model_dict(diagram, tables=tables))
    offset = shifted.weight * b

    def image(x: float) -> float:
        return a * x + offset

    before, after = solve(diagram), solve(other)
    scale = abs(a) * sum(abs(u.weight) * np.abs(u.table).max() for u in utilities) + abs(offset)
    assert close(after.maximum_expected_utility, image(before.maximum_expected_utility), scale)
    for o1, o2 in zip(before.options, after.options, strict=True):
        assert o1.id == o2.id
        assert close(o2.expected_utility, image(o1.expected_utility), scale)
    # The ranking: options apart by more than the tolerance keep their order.
    eus = {o.id: o.expected_utility for o in before.options}
    eus2 = {o.id: o.expected_utility for o in after.options}
    for i, j in ((i, j) for i in eus for j in eus if eus[i] > eus[j] + 1e-6 * max(1.0, scale)):
        assert eus2[i] > eus2[j], (i, j)
    # The strategy: the same choice wherever the optimum is clear, the same reachable states.
    clear = True
    for d1, d2 in zip(before.optimal_strategy, after.optimal_strategy, strict=True):
        for r1, r2 in zip(d1.rules, d2.rules, strict=True):
            assert r1.given == r2.given
            assert (r1.choose is None) == (r2.choose is None)
            if r1.choose is None:
                continue
            p = r1.probability
            for s, v in r1.expected_utilities.items():
                assert close(r2.expected_utilities[s], image(v), scale / max(p, 1e-3))
            ranked = sorted(r1.expected_utilities.values(), reverse=True)
            if len(ranked) > 1 and ranked[0] - ranked[1] <= 1e-6 * max(1.0, scale):
                clear = False
            else:
                assert r2.choose == r1.choose, (d1.decision, r1.given)
    if clear:
        for d1, d2 in zip(before.optimal_strategy, after.optimal_strategy, strict=True):
            assert [r.reachable for r in d1.rules] == [r.reachable for r in d2.rules]
            for r1, r2 in zip(d1.rules, d2.rules, strict=True):
                assert close(r1.probability, r2.probability)


@SETTINGS
@given(st.integers(0, 2**32 - 1), st.integers(-12, 12), st.integers(1, 5))
def test_scaling_the_utilities_never_changes_a_choice(seed: int, exponent: int,
                                                      observes: int) -> None:
    """Utilities times 10**k, k from -12 to 12: every choice in every possible information
    state is the same and every expected utility is scaled, however small the utilities and
    however improbable the information state (ties are relative to each state's own scale)."""
    diagram = random_diagram(seed, chance=6, decisions=2, utilities=2, observes=observes,
                             zeros=0.2, policies=1)
    factor = 10.0 ** exponent
    scaled = diagram_from_dict(model_dict(diagram, tables={
        u.name: u.table * factor for u in diagram.utilities}))
    before, after = solve(diagram), solve(scaled)
    assert after.maximum_expected_utility == pytest.approx(
        before.maximum_expected_utility * factor, rel=1e-12, abs=1e-300)
    for o1, o2 in zip(before.options, after.options, strict=True):
        assert o2.expected_utility == pytest.approx(o1.expected_utility * factor, rel=1e-12,
                                                    abs=1e-300)
    for d1, d2 in zip(before.optimal_strategy, after.optimal_strategy, strict=True):
        assert [r.choose for r in d1.rules] == [r.choose for r in d2.rules]


@pytest.mark.parametrize("exponent", [-12, -6, 0, 6, 12])
def test_the_umbrella_at_every_scale(exponent: int) -> None:
    """The umbrella model with every utility times 10**k keeps its strategy and its MEU
    scales (at 1e-12 an absolute tie tolerance used to choose `take`)."""
    import influence

    umbrella = influence.load("umbrella")
    factor = 10.0 ** exponent
    scaled = diagram_from_dict(model_dict(umbrella, tables={
        u.name: u.table * factor for u in umbrella.utilities}))
    before, after = solve(umbrella), solve(scaled)
    assert after.maximum_expected_utility == pytest.approx(
        before.maximum_expected_utility * factor, rel=1e-12)
    assert after.alternatives == {d: pytest.approx({s: v * factor for s, v in alt.items()},
                                                   rel=1e-12)
                                  for d, alt in before.alternatives.items()}
    for d1, d2 in zip(before.optimal_strategy, after.optimal_strategy, strict=True):
        assert [r.choose for r in d1.rules] == [r.choose for r in d2.rules]


# -- the batch is the point solver draw by draw --------------------------------------------------


def perturbed(diagram: Diagram, draws: int, rng: np.random.Generator,
              shared: float = 0.3) -> dict[str, np.ndarray]:
    """Parameter draws around the diagram's tables; some nodes keep one shared draw (size-1
    draw axis), as a posterior that leaves them fixed would."""
    params = {}
    for n in diagram.nodes:
        if n.table is None:
            continue
        k = 1 if params and rng.random() < shared else draws  # the first node varies
        if n.kind == "chance":
            rows = n.table.reshape(-1, n.table.shape[-1])
            out = np.stack([
                np.stack([rng.dirichlet(20 * row + 0.5) for row in rows]) for _ in range(k)
            ]).reshape((k,) + n.table.shape)
        else:
            out = n.table[None] + rng.normal(0, 10, size=(k,) + n.table.shape)
        params[n.name] = out
    return params


def draw_of(params: dict[str, np.ndarray], s: int) -> dict[str, np.ndarray]:
    return {k: v[s if v.shape[0] > 1 else 0] for k, v in params.items()}


def with_draw_node(diagram: Diagram, params: dict[str, np.ndarray], draws: int,
                   observed: bool) -> Diagram:
    """The diagram with a chance node "which draw" (uniform) as a parent of every table."""
    doc = model_dict(diagram)
    labels = [f"d{s}" for s in range(draws)]
    nodes = {"which_draw": {"type": "chance", "states": labels, "p": [1 / draws] * draws}}
    first = True
    for name, spec in doc["nodes"].items():
        node = diagram.node(name)
        if node.kind == "decision":
            if observed and first:
                spec["observes"] = ["which_draw"] + list(spec.get("observes", []))
            first = False
            nodes[name] = spec
            continue
        tables = [draw_of(params, s)[name] for s in range(draws)]
        combos = list(diagram.parent_configurations(name))
        index = [tuple(diagram.node(p).states.index(c[p]) for p in node.parents)
                 for c in combos]
        rows = []
        for s, label in enumerate(labels):
            for c, i in zip(combos, index, strict=True):
                value = tables[s][i]
                row = {"given": {"which_draw": label, **c}}
                if node.kind == "chance":
                    row["p"] = [float(x) for x in value]
                else:
                    row["value"] = float(value)
                rows.append(row)
        spec = {k: v for k, v in spec.items() if k not in ("p", "cpt", "value", "values")}
        spec["parents"] = ["which_draw"] + list(node.parents)
        spec["cpt" if node.kind == "chance" else "values"] = rows
        nodes[name] = spec
    doc["nodes"] = nodes
    return diagram_from_dict(doc)


def bayes_policy_doc(diagram: Diagram, result: Evaluation) -> dict:
    """The document of the diagram with one more policy: the strategy of ``result``."""
    doc = model_dict(diagram)
    choose = {}
    for dec in result.optimal_strategy:
        rows = [{"given": dict(r.given), "choose": r.choose}
                for r in dec.rules if r.choose is not None]
        if rows:
            choose[dec.decision] = rows if dec.knows else rows[0]["choose"]
    doc.setdefault("policies", {})["bayes"] = {"label": "Bayes strategy", "choose": choose}
    return doc


@settings(max_examples=30, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(diagrams(policies=3, complete=True, zeros=False), st.integers(2, 4),
       st.integers(0, 2**32 - 1))
def test_batch_equals_the_point_solver_draw_by_draw(diagram: Diagram, draws: int,
                                                    seed: int) -> None:
    rng = np.random.default_rng(seed)
    params = perturbed(diagram, draws, rng)
    plan = Plan(diagram)
    batch = plan.evaluate(params, uncertainty="prior")
    assert batch.draws == draws
    apart = [solve(diagram_from_dict(model_dict(diagram, tables=draw_of(params, s))))
             for s in range(draws)]

    # One draw through the same plan is the separate solve of that draw.
    for s in range(draws):
        one = plan.evaluate({k: v[s:s + 1] if v.shape[0] > 1 else v
                                 for k, v in params.items()})
        assert close(one.maximum_expected_utility, apart[s].maximum_expected_utility)

    # A complete policy's draws are its values in the separate solves.
    for policy in diagram.policies:
        got = batch.policy(policy.id).draws
        want = [a.policy(policy.id).expected_utility for a in apart]
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)
        assert close(batch.policy(policy.id).expected_utility, float(np.mean(want)))

    # The Bayes strategy's value in each draw, by a separate solve of that draw.
    for s in range(draws):
        tables = draw_of(params, s)
        doc = bayes_policy_doc(diagram, batch)
        single = diagram_from_dict(model_dict(diagram_from_dict(doc), tables=tables))
        assert close(batch.meu_draws[s], solve(single).policy("bayes").expected_utility)

    # The value of knowing the parameters: the mean of each draw's own optimum, minus the MEU.
    per_draw = float(np.mean([a.maximum_expected_utility for a in apart]))
    assert close(batch.evpi_parameters, per_draw - batch.maximum_expected_utility)
    assert batch.evpi_parameters >= -1e-9

    # The Bayes decision is the decision with "which draw" unobserved...
    hidden = solve(with_draw_node(diagram, params, draws, observed=False))
    assert close(hidden.maximum_expected_utility, batch.maximum_expected_utility)
    for dname, eus in batch.alternatives.items():
        for state, eu in eus.items():
            assert close(hidden.alternatives[dname][state], eu)
    for o1, o2 in zip(batch.options, hidden.options, strict=True):
        assert close(o1.expected_utility, o2.expected_utility)
    for d1, d2 in zip(batch.optimal_strategy, hidden.optimal_strategy, strict=True):
        for r1, r2 in zip(d1.rules, d2.rules, strict=True):
            assert r1.given == r2.given and r1.choose == r2.choose
            assert close(r1.probability, r2.probability)
    # ... and with it observed, the per-draw optimum.
    seen = solve(with_draw_node(diagram, params, draws, observed=True))
    assert close(seen.maximum_expected_utility, per_draw)

    # The share of draws in which each choice is optimal, from the separate solves.
    for k, dec in enumerate(batch.optimal_strategy):
        for j, rule in enumerate(dec.rules):
            if rule.choose is None:
                continue
            hits = [a.optimal_strategy[k].rules[j].choose == rule.choose for a in apart]
            assert close(rule.probability_optimal, float(np.mean(hits)))


@settings(max_examples=20, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(diagrams(policies=2, complete=True, zeros=False), st.integers(2, 3),
       st.integers(0, 2**32 - 1))
def test_batch_with_a_scenario_is_conditional_draw_by_draw(diagram: Diagram, draws: int,
                                                           seed: int) -> None:
    candidates = scenario_candidates(diagram)
    if not candidates:
        return
    rng = np.random.default_rng(seed)
    node = diagram.node(candidates[int(rng.integers(len(candidates)))])
    scenario = {node.name: node.states[int(rng.integers(len(node.states)))]}
    params = perturbed(diagram, draws, rng)
    batch = Plan(diagram, scenario).evaluate(params, uncertainty="prior")
    apart = [solve(diagram_from_dict(model_dict(diagram, tables=draw_of(params, s))), scenario)
             for s in range(draws)]
    for policy in diagram.policies:
        np.testing.assert_allclose(batch.policy(policy.id).draws,
                                   [a.policy(policy.id).expected_utility for a in apart],
                                   rtol=1e-9, atol=1e-9)
    per_draw = float(np.mean([a.maximum_expected_utility for a in apart]))
    assert close(batch.evpi_parameters, per_draw - batch.maximum_expected_utility)
    assert batch.meu_draws.shape == (draws,)


def test_point_parameters_are_one_draw() -> None:
    diagram = random_diagram(7, chance=3, decisions=2)
    params = point_parameters(diagram)
    assert all(v.shape[0] == 1 for v in params.values())
    result = Plan(diagram).evaluate(params)
    assert result.draws is None and result.meu_draws is None and result.evpi_parameters is None
    assert close(result.maximum_expected_utility, solve(diagram).maximum_expected_utility)


@pytest.mark.parametrize("seed", range(3))
def test_identical_draws_change_nothing(seed: int) -> None:
    diagram = random_diagram(seed, chance=3, decisions=2, policies=2)
    params = {k: np.repeat(v, 3, axis=0) for k, v in point_parameters(diagram).items()}
    batch = Plan(diagram).evaluate(params, uncertainty="prior")
    point = solve(diagram)
    assert close(batch.maximum_expected_utility, point.maximum_expected_utility)
    assert close(batch.evpi_parameters, 0.0)
    for o1, o2 in zip(batch.options, point.options, strict=True):
        assert close(o1.expected_utility, o2.expected_utility)
        assert o1.sd == pytest.approx(0.0, abs=1e-9)
