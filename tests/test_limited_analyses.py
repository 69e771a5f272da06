"""Sensitivity analysis and value of information on diagrams of limited memory
(``recall: limited``): against enumeration of every strategy (an expected utility summed over
every configuration, independent of the solver), against pyAgrum's LIMID solver (no
no-forgetting assumption) on the soluble chain, and labelled where they rest on local optima."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from click.testing import CliRunner
from doc_console import assert_in_order

import influence
from influence.analysis.observe import with_observation
from influence.analysis.parameters import parse_parameter
from influence.analysis.sweep import Sweep, settings
from influence.bayes.draws import sample_prior_parameters, uncertain_slots
from influence.errors import QueryError
from influence.io.sensitivity_report import render_sensitivity
from influence.io.voi_text import render_voi
from influence.testing import limid_chain, model_dict, random_limid, to_pyagrum

gum = pytest.importorskip("pyagrum")

#: Soluble random diagrams of limited memory with at most a few hundred strategies:
#: (seed, decisions) of random_limid(seed, chance=4, decisions=..., observes=1, remembers=0.3).
SOLUBLE = [(23, 3), (84, 3), (88, 3), (2, 2), (3, 2), (8, 2), (17, 2), (31, 2)]
#: Not soluble: random_limid(4, chance=4, decisions=3, observes=1, remembers=0.2).
NOT_SOLUBLE = 4


def soluble(seed: int, decisions: int) -> influence.Diagram:
    return random_limid(seed, chance=4, decisions=decisions, observes=1, remembers=0.3)


# -- enumeration of every strategy -------------------------------------------------------------
def _expand(table: np.ndarray, scope: list[str], names: list[str]) -> np.ndarray:
    """``table`` over ``scope`` as an array over ``names`` (size 1 on the axes it lacks)."""
    order = sorted(range(len(scope)), key=lambda i: names.index(scope[i]))
    moved = np.transpose(np.asarray(table, dtype=float), order)
    shape = [1] * len(names)
    for i in order:
        shape[names.index(scope[i])] = np.shape(table)[i]
    return moved.reshape(shape)


def joint_utility(d: influence.Diagram, tables: dict | None = None,
                  weights: dict | None = None) -> tuple[np.ndarray, list[str]]:
    """P(every chance node | decisions) times the total utility, over every chance node and
    decision (the decisions free)."""
    tables, weights = tables or {}, weights or {}
    names = [n.name for n in d.nodes if n.kind != "utility"]
    p = np.ones([1] * len(names))
    u = np.zeros([1] * len(names))
    for n in d.nodes:
        table = tables.get(n.name, n.table)
        if n.kind == "chance":
            p = p * _expand(table, [*n.parents, n.name], names)
        elif n.kind == "utility":
            u = u + float(weights.get(n.name, n.weight)) * _expand(table, list(n.parents),
                                                                   names)
    return p * u, names


def strategies(d: influence.Diagram, plan: influence.Plan) -> list[list[np.ndarray]]:
    """Every deterministic strategy: per decision, an indicator over (what it knows, it)."""
    per = []
    for k, x in enumerate(d.decisions):
        knows = list(plan.knows(k))
        sizes = [plan.sizes[v] for v in knows]
        rules = []
        for combo in itertools.product(range(len(x.states)), repeat=int(np.prod(sizes))):
            rule = np.array(combo).reshape(sizes)
            rules.append((rule[..., None] == np.arange(len(x.states)), [*knows, x.name]))
        per.append(rules)
    return [list(s) for s in itertools.product(*per)]


def values(d: influence.Diagram, plan: influence.Plan, tables: dict | None = None,
           weights: dict | None = None) -> np.ndarray:
    """The expected utility of every strategy (in the order of :func:`strategies`)."""
    joint, names = joint_utility(d, tables, weights)
    out = []
    for strategy in strategies(d, plan):
        mask = np.ones([1] * len(names))
        for indicator, scope in strategy:
            mask = mask * _expand(indicator, scope, names)
        out.append(float((joint * mask).sum()))
    return np.array(out)


def envelope_kinks(low: np.ndarray, high: np.ndarray, a: float, b: float) -> list[float]:
    """The kinks inside (a, b) of the largest of the lines through (a, low_i), (b, high_i)."""
    lines = np.unique(np.round(np.column_stack([low, high]), 10), axis=0)
    lo, slope = lines[:, 0], lines[:, 1] - lines[:, 0]
    tol = 1e-9 * max(1.0, float(np.abs(lines).max()))
    out: list[float] = []
    for i, j in itertools.combinations(range(len(lines)), 2):
        if abs(slope[i] - slope[j]) <= tol:
            continue
        t = (lo[j] - lo[i]) / (slope[i] - slope[j])
        if not 1e-9 < t < 1 - 1e-9:
            continue
        y = lo + t * slope
        on = y >= y.max() - tol
        if on[i] and on[j] and slope[on].max() - slope[on].min() > tol:
            v = a + t * (b - a)
            if all(abs(v - w) > 1e-7 * (b - a) for w in out):
                out.append(v)
    return sorted(out)


def _ends(plan: influence.Plan, parameter_id: str, a: float, b: float) -> list[tuple]:
    par = parse_parameter(plan.diagram, parameter_id)
    tables, weights = settings(plan, [par], Sweep.of([0, 0], [a, b]))
    return [({n: t[i] for n, t in tables.items()}, {n: w[i] for n, w in weights.items()})
            for i in range(2)]


def _some_parameters(d: influence.Diagram, count: int = 6) -> list[str]:
    from influence.analysis.ranges import select

    chosen = select(d, None)
    kinds = {}
    for p in chosen:
        kinds.setdefault(p.kind, []).append(p.id)
    picked = [ids[i] for ids in kinds.values() for i in range(0, len(ids), 5)]
    return picked[:count]


# -- break-even values --------------------------------------------------------------------------
@pytest.mark.parametrize(("seed", "decisions"), SOLUBLE)
def test_break_even_values_are_the_kinks_of_the_best_of_every_strategy(seed, decisions):
    d = soluble(seed, decisions)
    plan = influence.plan(d)
    assert plan.factored.exact
    ids = _some_parameters(d)
    result = influence.thresholds(d, ids)
    assert result.solution["exact"] is True and result.to_dict()["solution"]["soluble"]
    for pid in ids:
        a, b = result.domains[pid]
        (t_low, w_low), (t_high, w_high) = _ends(plan, pid, a, b)
        kinks = envelope_kinks(values(d, plan, t_low, w_low), values(d, plan, t_high, w_high),
                               a, b)
        ours = sorted({t.value for t in result[pid]})
        assert len(ours) == len(kinks), (pid, ours, kinks)
        for mine, theirs in zip(ours, kinks, strict=True):
            assert mine == pytest.approx(theirs, abs=1e-7 * (b - a))


@pytest.mark.parametrize(("seed", "decisions"), SOLUBLE[:4])
def test_one_way_ends_are_the_best_of_every_strategy(seed, decisions):
    d = soluble(seed, decisions)
    plan = influence.plan(d)
    result = influence.sensitivity(d, _some_parameters(d, 4))
    assert result.solution == {"recall": "limited", "method": "single policy updating",
                               "soluble": True, "exact": True}
    assert result.base_expected_utility == pytest.approx(values(d, plan).max(), rel=1e-9,
                                                         abs=1e-9)
    for p in result.parameters:
        for end, eu in ((p.low, p.eu_low), (p.high, p.eu_high)):
            tables, weights = _ends(plan, p.id, end, end)[0]
            assert eu == pytest.approx(values(d, plan, tables, weights).max(), rel=1e-9,
                                       abs=1e-9)


def test_the_chain_one_way_and_two_way_agree_with_pyagrum():
    d = limid_chain(4, seed=2)
    plan = influence.plan(d)
    ids = ["u0[x0=s0,d0=s1]", "x1[x0=s1,d0=s0]:s1", "u3[x3=s1,d3=s0]"]
    result = influence.sensitivity(d, ids, two_way=ids[:2], grid=5)
    assert result.solution["exact"] is True
    for p in result.parameters:
        for end, eu in ((p.low, p.eu_low), (p.high, p.eu_high)):
            tables, _ = _ends(plan, p.id, end, end)[0]
            inference = gum.ShaferShenoyLIMIDInference(to_pyagrum(d, tables))
            inference.makeInference()
            assert eu == pytest.approx(inference.MEU()["mean"], rel=1e-8, abs=1e-8)
    two = result.two_way
    par_a, par_b = (parse_parameter(d, i) for i in ids[:2])
    for i in (0, 2, 4):
        for j in (1, 3):
            sweep = Sweep.of([0], [two.a_values[i]], [1], [two.b_values[j]])
            tables, _ = settings(plan, [par_a, par_b], sweep)
            inference = gum.ShaferShenoyLIMIDInference(
                to_pyagrum(d, {n: t[0] for n, t in tables.items()}))
            inference.makeInference()
            assert two.maximum_expected_utility[i, j] == pytest.approx(
                inference.MEU()["mean"], rel=1e-8, abs=1e-8)
    assert two.to_dict()["solution"]["exact"] is True


def test_a_diagram_that_is_not_soluble_is_analysed_and_labelled():
    d = random_limid(NOT_SOLUBLE, chance=4, decisions=3, observes=1, remembers=0.2)
    plan = influence.plan(d)
    assert not plan.factored.exact
    result = influence.sensitivity(d, top=3)
    assert result.solution["exact"] is False and result.solution["soluble"] is False
    assert json.loads(render_sensitivity(result, "json"))["solution"]["exact"] is False
    assert "not soluble" in render_sensitivity(result, "table")
    for p in result.parameters:  # each end is what single policy updating finds there
        tables, weights = _ends(plan, p.id, p.low, p.low)[0]
        found = plan.expected_utilities(tables, weights=weights).maximum_expected_utility[0]
        assert p.eu_low == pytest.approx(found, rel=1e-12)
        assert p.eu_low <= values(d, plan, tables, weights).max() + 1e-9


# -- value of observing -------------------------------------------------------------------------
def count(d: influence.Diagram, plan: influence.Plan) -> int:
    return int(np.prod([len(x.states) ** int(np.prod([plan.sizes[v] for v in plan.knows(k)]))
                        for k, x in enumerate(d.decisions)]))


@pytest.mark.parametrize(("seed", "decisions"), [(23, 3), (84, 3), (88, 3), (8, 2), (17, 2)])
def test_values_of_observing_against_enumeration(seed, decisions):
    """Each observation whose diagram has at most 1,000 strategies is checked."""
    d = soluble(seed, decisions)
    result = influence.value_of_information(d)
    base = values(d, influence.plan(d)).max()
    assert result.maximum_expected_utility == pytest.approx(base, rel=1e-9, abs=1e-9)
    checked = 0
    for o in result.observe:
        variant = with_observation(d, o.decision, o.nodes)
        assert variant.recall == "limited"
        vplan = influence.plan(variant)
        if count(variant, vplan) > 1000:
            continue
        checked += 1
        best = values(variant, vplan).max()
        if o.exact:
            assert vplan.factored.exact
            assert o.value == pytest.approx(best - base, abs=1e-8 * max(1.0, abs(base)))
            assert o.value >= 0.0
        else:  # the diagram with the observation is not soluble: its local optimum
            found = influence.evaluate(variant).maximum_expected_utility
            assert o.maximum_expected_utility == pytest.approx(found, rel=1e-12)
            assert found <= best + 1e-9
    assert checked >= 2
    assert result.solution["exact"] == all(o.exact for o in result.observe)


def test_values_of_observing_on_the_chain_agree_with_pyagrum():
    d = limid_chain(4, seed=5)

    def meu(diagram):
        inference = gum.ShaferShenoyLIMIDInference(to_pyagrum(diagram))
        inference.makeInference()
        return inference.MEU()["mean"]

    result = influence.value_of_information(d)
    assert result.maximum_expected_utility == pytest.approx(meu(d), rel=1e-8)
    assert len(result.observe) == 6  # x0..x2 before each later decision
    for o in result.observe:
        assert o.exact is True
        theirs = meu(with_observation(d, o.decision, o.nodes)) - meu(d)
        assert o.value == pytest.approx(theirs, abs=1e-8 * abs(meu(d)))


def test_a_negative_value_of_observing_is_reported_and_labelled():
    d = random_limid(NOT_SOLUBLE, chance=4, decisions=3, observes=1, remembers=0.2)
    result = influence.value_of_information(d)
    base = influence.evaluate(d).maximum_expected_utility
    negative = [o for o in result.observe if o.value < 0]
    assert negative and result.solution["exact"] is False
    for o in result.observe:
        variant = influence.evaluate(with_observation(d, o.decision, o.nodes))
        assert o.exact is False
        assert o.value == pytest.approx(variant.maximum_expected_utility - base, abs=1e-9)
    plain = result.to_dict()
    assert plain["solution"]["soluble"] is False
    assert all(o["exact"] is False for o in plain["observe"])
    text = render_voi(result, "table")
    assert "(local)" in text and "negative" in text


# -- under parameter uncertainty ----------------------------------------------------------------
def limited_with_priors(seed: int, decisions: int) -> influence.Diagram:
    """A soluble random diagram of limited memory with a Dirichlet prior on every chance row
    and a normal prior on every utility value."""
    doc = model_dict(soluble(seed, decisions), policies=False)
    rng = np.random.default_rng(seed)
    for spec in doc["nodes"].values():
        if spec["type"] == "chance":
            for row in spec.get("cpt") or []:
                row["prior"] = {"mean": row["p"], "strength": 6.0 * (0.5 + rng.random())}
            if not spec.get("cpt"):
                spec["prior"] = {"mean": spec["p"], "strength": 6.0}
        elif spec["type"] == "utility":
            for row in spec.get("values") or []:
                value = float(row["value"])
                row["prior"] = {"normal": [value, 0.4 * max(abs(value), 10.0)]}
    return influence.diagram_from_dict(doc)


@pytest.mark.parametrize(("seed", "decisions"), [(2, 2), (8, 2), (84, 3)])
def test_evpi_and_evppi_against_every_strategy_draw_by_draw(seed, decisions):
    d = limited_with_priors(seed, decisions)
    plan = influence.plan(d)
    assert plan.factored.exact
    draws = 150
    result = influence.value_of_information(d, prior=True, draws=draws, seed=seed)
    assert result.solution["soluble"] is True  # (an observation's diagram may not be)
    assert result.solution["exact"] == all(o.exact for o in result.observe)
    drawn = sample_prior_parameters(d, draws, seed)
    means = {n.name: np.array(n.table) for n in d.nodes if n.table is not None}
    for slot in uncertain_slots(d):
        means[slot.node][slot.index] = slot.prior.mean()
    at_means = values(d, plan, means)
    star = int(np.argmax(at_means))
    assert result.maximum_expected_utility == pytest.approx(at_means[star], rel=1e-9)

    def gain(nodes):
        total = 0.0
        for i in range(draws):
            tables = {**means, **{n: drawn[n][i] for n in nodes}}
            every = values(d, plan, tables)
            total += every.max() - every[star]
        return total / draws

    scale = max(1.0, abs(result.maximum_expected_utility))
    assert result.evpi_parameters == pytest.approx(gain(list(drawn)), abs=1e-8 * scale)
    for g in sorted(result.evppi, key=lambda g: -g.value)[:2]:
        assert g.method == "conditional-means"
        assert g.value == pytest.approx(gain([g.group]), abs=1e-8 * scale)


def test_evppi_regression_is_refused_on_limited_memory():
    d = limited_with_priors(2, 2)
    b_groups = ["first=" + next(n.name for n in d.chance_nodes if n.parents) + "[" + ",".join(
        f"{p}={d.node(p).states[0]}" for p in next(n for n in d.chance_nodes
                                                   if n.parents).parents) + "]"]
    with pytest.raises(QueryError, match="limited memory"):
        influence.evppi(d, b_groups, prior=True, draws=50, seed=1, method="regression")


# -- the command line ---------------------------------------------------------------------------
def test_the_commands_run_on_a_limited_memory_file(tmp_path):
    from influence.cli.main import cli

    path = tmp_path / "chain.yaml"
    influence.save(limid_chain(3, seed=1), path)
    run = CliRunner().invoke
    sens = run(cli, ["sensitivity", str(path), "--top", "3", "--format", "json"])
    assert sens.exit_code == 0, sens.output
    assert json.loads(sens.stdout)["solution"]["exact"] is True
    voi = run(cli, ["voi", str(path)])
    assert voi.exit_code == 0, voi.output
    assert "soluble" in voi.stdout and "Observing chance nodes" in voi.stdout
    explain = run(cli, ["explain", str(path)])
    assert explain.exit_code != 0 and "perfect recall" in explain.output


# -- the documented examples --------------------------------------------------------------------
def test_the_documented_limited_memory_outputs_are_what_is_printed(tmp_path):
    import re
    import shlex
    from pathlib import Path

    from influence.cli.main import cli

    docs = Path(__file__).resolve().parents[1] / "docs"
    text = (docs / "model-format.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```yaml\n(.*?)```", text, flags=re.S)
                 if "recall: limited" in b)
    model = tmp_path / "two-stages.yaml"
    model.write_text("\n".join(line[2:] if line.startswith("  ") else line
                               for line in block.splitlines()) + "\n", encoding="utf-8")
    page = (docs / "sensitivity.md").read_text(encoding="utf-8")
    command, body = re.search(r"```text\n\$ (influence sensitivity two-stages\.yaml[^\n]*)\n"
                              r"(.*?)```", page, flags=re.S).groups()
    args = [str(model) if a == "two-stages.yaml" else a for a in shlex.split(command)[1:]]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert_in_order(body.splitlines(), result.stdout.splitlines())
    page = (docs / "value-of-information.md").read_text(encoding="utf-8")
    body = re.search(r"```text\n(Maximum expected utility without further information: 67.*?)"
                     r"```", page, flags=re.S).group(1)
    d = random_limid(NOT_SOLUBLE, chance=4, decisions=3, observes=1, remembers=0.2)
    printed = render_voi(influence.value_of_information(d, decision="D2"), "table")
    assert_in_order(body.splitlines(), printed.splitlines())


def test_probabilistic_sensitivity_compares_the_best_options_of_every_strategy():
    """Each option's value in each draw is that of the strategy with the option forced that is
    best on average over the draws (the Bayes strategy, found by enumeration here)."""
    d = limited_with_priors(84, 3)
    plan = influence.plan(d)
    draws = 120
    result = influence.sensitivity(d, top=2, prior=True, draws=draws, seed=3)
    assert result.solution["exact"] is True
    prob = result.probabilistic
    drawn = sample_prior_parameters(d, draws, 3)
    every = np.array([values(d, plan, {n: t[i] for n, t in drawn.items()})
                      for i in range(draws)])  # (draws, strategies)
    first = [int(np.argmax(s[0][0])) for s in strategies(d, plan)]
    states = d.decisions[0].states
    options = {}
    for k, state in enumerate(states):
        allowed = [j for j, c in enumerate(first) if c == k]
        best = allowed[int(np.argmax(every[:, allowed].mean(axis=0)))]
        options[f"{d.decisions[0].name}={state}"] = every[:, best]
    diff = options[prob.best] - options[prob.runner_up]
    assert prob.difference_mean == pytest.approx(diff.mean(), abs=1e-8)
    assert prob.probability_best == pytest.approx(np.mean(diff >= 0))
    assert max(o.mean() for o in options.values()) == pytest.approx(options[prob.best].mean())


def test_probabilistic_sensitivity_without_options_is_refused():
    d = limited_with_priors(8, 2)
    with pytest.raises(QueryError, match="expected options to compare"):
        influence.sensitivity(d, top=1, prior=True, draws=50, seed=1)


def test_the_strategy_averaged_over_draws_is_the_evaluations_bayes_strategy():
    """For parameters dependent across nodes (a posterior's draws) the decision without further
    information is the strategy best on average over the draws: the evaluation's, with the
    same EVPI (here on prior draws, forced through that path)."""
    from influence.analysis.beliefs import beliefs
    from influence.analysis.limited_values import LimitedValuer

    d = limited_with_priors(84, 3)
    b = beliefs(d, prior=True, draws=300, seed=2)
    valuer = LimitedValuer(influence.plan(d), b.means, chunks=lambda: b.chunks(100))
    evaluation = influence.evaluate(d, prior=True, draws=300, seed=2)
    assert valuer.exact and valuer.solution["exact"]
    assert valuer.maximum_expected_utility == pytest.approx(
        evaluation.maximum_expected_utility, rel=1e-12)
    gains = np.concatenate([valuer.gains(valuer.unnormalized(t)) for t in b.chunks(100)])
    assert gains.min() >= 0.0
    assert gains.mean() == pytest.approx(evaluation.evpi_parameters, rel=1e-9)
