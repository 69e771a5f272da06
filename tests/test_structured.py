"""Structured tables and named parameters: the tables computed against hand calculations, the
checks and their messages, draws, exports, and the analyses of ``param:NAME``."""

from __future__ import annotations

import json

import numpy as np
import pytest
from structured_models import BREAK_EVEN, FULL, text

import influence
from influence.analysis.parameters import apply, parse_parameter
from influence.bayes.draws import sample_prior_parameters, uncertain_slots
from influence.errors import EvidenceError, FormatWarning, ModelError, QueryError
from influence.model.parameter_priors import RatioPrior, ratio_from_interval
from influence.model.parameters import parse_expression


@pytest.fixture(scope="module")
def d() -> influence.Diagram:
    return influence.loads(text(FULL), file="st.yaml")


def rows(d: influence.Diagram, name: str) -> np.ndarray:
    node = d.node(name)
    return node.table.reshape(-1, len(node.states))


# -- the tables, by hand ------------------------------------------------------------------------


def test_noisy_or_table(d: influence.Diagram) -> None:
    # P(bad) = 1 - (1 - leak) * prod over active causes (1 - p): leak 0.1, a=yes 0.3,
    # b=low 0.2, b=high 0.5. Rows: a in (no, yes) x b in (off, low, high).
    expected = [1 - 0.9, 1 - 0.9 * 0.8, 1 - 0.9 * 0.5,
                1 - 0.9 * 0.7, 1 - 0.9 * 0.7 * 0.8, 1 - 0.9 * 0.7 * 0.5]
    assert rows(d, "c")[:, 1] == pytest.approx(expected, abs=1e-12)
    assert rows(d, "c").sum(axis=1) == pytest.approx(np.ones(6))


def test_noisy_max_table(d: influence.Diagram) -> None:
    # Each cause alone reaches 'some' or above with p_some, 'lots' with p_some * p_lots.
    # P(Y < some) = prod (1 - P_c(>= some)), P(Y < lots) = prod (1 - P_c(>= lots)).
    def row(causes: list[tuple[float, float]]) -> list[float]:
        below_some = np.prod([1 - s for s, _ in causes])
        below_lots = np.prod([1 - s * t for s, t in causes])
        return [below_some, below_lots - below_some, 1 - below_lots]

    leak, a, high = (0.2, 0.1), (0.5, 0.4), (0.3, 0.2)
    expected = [row([leak]), row([leak]), row([leak, high]),
                row([leak, a]), row([leak, a]), row([leak, a, high])]
    assert rows(d, "e") == pytest.approx(np.array(expected), abs=1e-12)


def test_log_linear_odds_table(d: influence.Diagram) -> None:
    # odds of yes = 0.2/0.8 times 0.5 (a=yes) times 3 (b=high)
    def p(odds: float) -> float:
        return odds / (1 + odds)

    base = 0.25
    expected = [p(base), p(base), p(3 * base), p(0.5 * base), p(0.5 * base),
                p(1.5 * base)]
    assert rows(d, "f")[:, 1] == pytest.approx(expected, abs=1e-12)


RISK = """
name: risk
nodes:
  a:
    type: decision
    states: ["no", "yes"]
  r:
    type: chance
    states: [ok, minor, major]
    parents: [a]
    table:
      log_linear:
        scale: risk
        base: {ok: 0.5, minor: 0.3, major: 0.2}
        effects:
          - given: {a: "yes"}
            ratio: 2.0
  k:
    type: utility
    parents: [r]
    values:
      - {given: {r: ok}, value: 0}
      - {given: {r: minor}, value: -1}
      - {given: {r: major}, value: -2}
"""


def test_log_linear_risk_scale_and_its_cap() -> None:
    m = influence.loads(text(RISK))
    node = m.node("r")
    # risk: the named states (all but the first) keep base x ratio, the reference takes the rest
    assert node.table[0] == pytest.approx([0.5, 0.3, 0.2])
    assert node.table[1] == pytest.approx([0.0, 0.6, 0.4])
    # a draw that would exceed 1 is capped: the named states scaled to sum to 1
    values = {"r[a=yes]": np.array([3.0]), "r.base:ok": 0.5, "r.base:minor": 0.3,
              "r.base:major": 0.2}
    drawn = node.structure.compute(values, ("a",), {"a": ("no", "yes")}, node.states, 1)
    assert drawn[0, 1] == pytest.approx([0.0, 0.6, 0.4])
    values["r[a=yes]"] = np.array([1.5])
    drawn = node.structure.compute(values, ("a",), {"a": ("no", "yes")}, node.states, 1)
    assert drawn[0, 1] == pytest.approx([0.25, 0.45, 0.3])


def test_deterministic_table_first_rule_that_matches(d: influence.Diagram) -> None:
    expected = ["x", "x", "x", "y", "y", "z"]
    states = d.node("g").states
    assert [states[i] for i in rows(d, "g").argmax(axis=1)] == expected
    assert set(np.unique(rows(d, "g"))) == {0.0, 1.0}


def test_expressions_fill_utility_values_and_weights(d: influence.Diagram) -> None:
    u = d.node("u")
    assert u.weight == 0.5
    assert d.utility("u", {"c": "calm", "e": "some"}) == pytest.approx(-5.0)
    assert d.utility("u", {"c": "bad", "e": "lots"}) == -150


def test_parameters_are_listed_with_names_domains_and_owners(d: influence.Diagram) -> None:
    by_name = {p.name: p for p in d.parameters}
    assert by_name["w"].domain == "real" and by_name["w"].node is None
    assert by_name["halve"].domain == "ratio" and by_name["halve"].node is None
    assert by_name["c.leak"].domain == "probability" and by_name["c.leak"].node == "c"
    assert by_name["c[b=high]"].value == 0.5
    assert by_name["e[a=yes]:lots"].value == 0.4
    assert by_name["f.base"].value == 0.2 and by_name["f[b=high]"].domain == "ratio"
    assert isinstance(by_name["halve"].prior, RatioPrior)


# -- Python construction -----------------------------------------------------------------------


def test_a_diagram_built_in_python_computes_structured_tables(d: influence.Diagram) -> None:
    import dataclasses

    nodes = tuple(dataclasses.replace(n, table=None) if n.structure is not None else n
                  for n in d.nodes)
    again = influence.Diagram(name="st", nodes=nodes, parameters=d.parameters)
    for n in d.nodes:
        if n.table is not None:
            assert np.array_equal(n.table, again.node(n.name).table), n.name
    assert again.fingerprint == d.fingerprint
    wrong = tuple(dataclasses.replace(n, table=np.full_like(n.table, 0.5))
                  if n.name == "c" else n for n in d.nodes)
    with pytest.raises(ModelError, match="expected the table computed from its parameters"):
        influence.Diagram(name="st", nodes=wrong, parameters=d.parameters)


# -- checks and their messages -----------------------------------------------------------------


def _bad(model: str) -> str:
    with pytest.raises(ModelError) as err:
        influence.loads(text(model), file="m.yaml")
    return str(err.value)


@pytest.mark.parametrize("edit, fragment", [
    (("- given: {b: low}\n            p: 0.2", "- given: {b: lo}\n            p: 0.2"),
     "expected a state of 'b' (off, low, high) in `given`, got b='lo' (did you mean 'low'?)"),
    (("          - given: {a: \"yes\"}\n            p: 0.3\n", ""),
     "expected every parent of 'c' to have a link"),
    (("- given: {b: low}\n            p: 0.2", "- given: {b: high}\n            p: 0.2"),
     "expected one link per parent state, got b=high again (first in link 2)"),
    (("leak: {value: 0.1, prior: {beta: [2, 18]}}", "leak: 1.5"),
     "expected a probability in [0, 1], got 1.5"),
    (("- given: {a: \"yes\"}\n            p: 0.3", "- given: {aa: \"yes\"}\n            p: 0.3"),
     "expected `given` to name parents of 'c' (a, b), got 'aa' (did you mean 'a'?)"),
    (("noisy_or:\n        leak: {value", "noisy_orr:\n        leak: {value"),
     "got 'noisy_orr' (did you mean 'noisy_or'?)"),
])
def test_noisy_or_faults(edit: tuple[str, str], fragment: str) -> None:
    model = text(FULL)
    assert edit[0] in model, edit[0]
    message = _bad(model.replace(edit[0], edit[1], 1))
    assert fragment in message, message
    assert "m.yaml, line" in message and "node 'c'" in message


@pytest.mark.parametrize("edit, fragment", [
    (("ratio: {value: 3, prior: {interval: [1.5, 6]}}",
      "ratio: {value: 3, prior: {interval: [0.5, 6]}}"),
     "expected a ratio interval above 0 and on one side of 1"),
    (("ratio: {value: 3, prior: {interval: [1.5, 6]}}",
      "ratio: {value: 0.5, prior: {interval: [1.5, 6]}}"),
     "expected a value above 1 like its prior (an effect keeps its direction), got 0.5"),
    (("ratio: halve", "ratio: halv"),
     "expected a number or a named parameter (w, halve), got 'halv' (did you mean 'halve'?)"),
    (("        base: 0.2\n", ""), "missing `base`"),
])
def test_log_linear_faults(edit: tuple[str, str], fragment: str) -> None:
    model = text(FULL)
    assert edit[0] in model, edit[0]
    message = _bad(model.replace(edit[0], edit[1], 1))
    assert fragment in message, message


def test_a_ratio_used_as_probability_elsewhere_is_refused() -> None:
    model = text(FULL).replace("p: 0.2\n", "p: halve\n", 1)
    message = _bad(model)
    assert ("effect 1: expected parameter 'halve' used as a ratio > 0 everywhere, got it used "
            "as a probability in [0, 1] (link 3 of 'c') too") in message


def test_deterministic_faults() -> None:
    model = text(FULL)
    uncovered = model.replace("        - given: {}\n          state: x\n", "")
    assert "expected a rule for every combination of parent states, got none for {a: no, b: " \
        "off}" in _bad(uncovered)
    shadowed = model.replace("        - given: {}\n          state: x\n",
                             "        - given: {}\n          state: x\n"
                             "        - given: {b: low}\n          state: y\n")
    assert "rule 4 ({b: low}) never applies" in _bad(shadowed)


def test_parameter_and_expression_faults() -> None:
    model = text(FULL)
    assert "parameter 'spare' is used by no node" in _bad(
        model.replace("parameters:\n", "parameters:\n  spare: 1\n"))
    assert "got unknown parameter 'ww' (did you mean 'w'?)" in _bad(
        model.replace('value: "-10 * w"', 'value: "-10 * ww"'))
    assert "expected a number or an expression with a parameter, got '2 * 3'" in _bad(
        model.replace('value: "-10 * w"', 'value: "2 * 3"'))
    assert "expected no prior on the row" in _bad(
        model.replace('value: "-10 * w"}', 'value: "-10 * w", prior: {normal: [0, 1]}}'))
    assert "expected a structured `table` or `cpt` rows for a node with a structured `table`, " \
        "got `cpt`" in _bad(model.replace("    table:\n      noisy_or:",
                                          "    cpt: []\n    table:\n      noisy_or:", 1))
    assert "expected a uniform prior within [0, 1]" in _bad(
        model.replace("leak: {value: 0.1, prior: {beta: [2, 18]}}",
                      "leak: {value: 0.1, prior: {uniform: [0, 2]}}"))
    assert "unknown key 'normal'" in _bad(model.replace(
        "leak: {value: 0.1, prior: {beta: [2, 18]}}",
        "leak: {value: 0.1, prior: {normal: [0.1, 0.05]}}"))


def test_expressions() -> None:
    e = parse_expression("-200 * harm + 3 * a * b - c + 4", known={"harm": 1, "a": 1, "b": 1,
                                                                     "c": 1})
    assert e.parameters == ("harm", "a", "b", "c")
    assert e.evaluate({"harm": 2.0, "a": 3.0, "b": 5.0, "c": 7.0}) == -400 + 45 - 7 + 4
    drawn = e.evaluate({"harm": np.array([1.0, 2.0]), "a": 1.0, "b": 1.0, "c": 0.0})
    assert drawn == pytest.approx([-200 + 3 + 4, -400 + 3 + 4])
    for bad in ("-200 *", "a b", "a / 2", ""):
        with pytest.raises(ModelError):
            parse_expression(bad)


# -- priors keep their direction -----------------------------------------------------------------


@pytest.mark.parametrize("low, high", [(0.2, 0.8), (0.6, 0.98), (1.3, 5.0), (8.0, 80.0)])
def test_a_ratio_prior_keeps_its_side_of_one(low: float, high: float) -> None:
    direction, mu, sigma = ratio_from_interval(low, high, 0.9)
    prior = RatioPrior(direction=direction, mu=mu, sigma=sigma)
    x = prior.sample(np.random.default_rng(3), 100_000)
    assert np.all(x < 1) if high < 1 else np.all(x > 1)
    assert np.mean((x >= low) & (x <= high)) == pytest.approx(0.9, abs=0.005)
    assert prior.median() == pytest.approx(np.sqrt(low * high), rel=0.02)
    assert np.median(x) == pytest.approx(prior.median(), rel=0.01)
    assert x.mean() == pytest.approx(prior.mean(), rel=0.01)
    lo, hi = prior.interval(0.5)
    assert np.mean((x >= lo) & (x <= hi)) == pytest.approx(0.5, abs=0.005)


# -- draws ---------------------------------------------------------------------------------------


def test_draws_recompute_the_tables_from_the_drawn_parameters(d: influence.Diagram) -> None:
    slots = {s.name for s in uncertain_slots(d)}
    assert {"param[w]", "param[halve]", "param[c.leak]", "param[c[b=high]]",
            "param[f[b=high]]"} <= slots
    draws = sample_prior_parameters(d, 50, seed=2)
    leak, high = draws["param[c.leak]"], draws["param[c[b=high]]"]
    assert np.all((leak > 0) & (leak < 1)) and len(set(np.round(leak, 12))) == 50
    # row a=no, b=high of c: 1 - (1 - leak)(1 - link)
    assert draws["c"][:, 0, 2, 1] == pytest.approx(1 - (1 - leak) * (1 - high))
    # f at a=yes, b=high: odds 0.25 * halve * ratio
    odds = 0.25 * draws["param[halve]"] * draws["param[f[b=high]]"]
    assert draws["f"][:, 1, 2, 1] == pytest.approx(odds / (1 + odds))
    # u: value -10 w, weight w: folded in as the value times w / 0.5
    w = draws["param[w]"]
    assert draws["u"][:, 0, 1] == pytest.approx(-10 * w * w / 0.5)
    assert draws["e"].shape[0] == 1  # no prior: the point table, shared


def test_prior_evaluation_matches_the_mean_over_draws(d: influence.Diagram) -> None:
    plan = influence.plan(d)
    result = influence.evaluate(d, prior=True, draws=400, seed=5)
    params = sample_prior_parameters(d, 400, seed=5)
    per_draw = plan.expected_utilities(params)
    option = next(o for o in result.ranked() if o.id == "a=yes")
    assert option.expected_utility == pytest.approx(
        float(np.mean(per_draw.options["a=yes"])), rel=1e-9)


# -- analyses of param:NAME ----------------------------------------------------------------------


def test_param_names_parse_and_apply(d: influence.Diagram) -> None:
    par = parse_parameter(d, "param:c[b=high]")
    assert (par.kind, par.node, par.point, par.domain) == ("parameter", "c", 0.5, (0.0, 1.0))
    assert parse_parameter(d, "param:halve").domain == (0.0, np.inf)
    with pytest.raises(QueryError, match="did you mean 'halve'"):
        parse_parameter(d, "param:halv")
    with pytest.raises(QueryError, match="vary param:w"):
        parse_parameter(d, "weight:u")
    tables, weights = apply(d, [par, parse_parameter(d, "param:w")],
                            np.array([[0.9, 2.0], [0.5, 0.5]]))
    assert tables["c"][0, 0, 2, 1] == pytest.approx(1 - 0.9 * 0.1)
    assert tables["c"][1, 0, 2, 1] == pytest.approx(d.node("c").table[0, 2, 1])
    assert weights["u"] == pytest.approx([2.0, 0.5])
    assert tables["u"][0, 0, 1] == pytest.approx(-20.0)
    with pytest.raises(QueryError, match="expected values of param:c\\[b=high\\] in its domain"):
        apply(d, [par], np.array([[1.5]]))


def test_break_even_values_of_parameters_by_bisection() -> None:
    m = influence.loads(text(BREAK_EVEN))
    # EU(no) = -18 - 90 p (p the link); EU(yes) = -30 - 100 leak - 40 q, q = 0.2 r / (0.8 +
    # 0.2 r): with p = 0.3, leak = 0.1, r = 0.5 acting is best by 0.556.
    result = influence.thresholds(m, ["param:bad[act=no]", "param:bad.leak",
                                      "param:odds[act=yes]"])
    (link,) = result["param:bad[act=no]"]
    assert link.value == pytest.approx(26.444444444 / 90, abs=1e-8)
    assert (link.decision, link.before, link.after) == ("act", "no", "yes")
    (leak,) = result["param:bad.leak"]
    assert leak.value == pytest.approx(0.1185185185, abs=1e-8)
    (ratio,) = result["param:odds[act=yes]"]
    assert ratio.value == pytest.approx(4 / 7, abs=1e-8)
    assert (ratio.before, ratio.after) == ("yes", "no")


def test_sensitivity_lists_parameters_not_computed_entries(d: influence.Diagram) -> None:
    result = influence.sensitivity(d)
    ids = {p.id for p in result.parameters}
    assert "param:c.leak" in ids and "param:w" in ids and "param:e[a=yes]:lots" in ids
    assert not any(i.startswith(("c[", "e[", "f[", "g[")) for i in ids)
    assert "weight:u" not in ids and "u[c=calm,e=some]" not in ids
    leak = result.parameter("param:c.leak")
    prior = d.parameter("c.leak").prior
    assert (leak.low, leak.high) == pytest.approx(prior.interval(0.9), abs=1e-9)


def test_value_of_information_groups_parameters(d: influence.Diagram) -> None:
    voi = influence.value_of_information(d, prior=True, seed=1, draws=2000,
                                         groups={"leaks": ["param:c.leak"], "c": ["c"],
                                                 "weight": ["param:w"]})
    by_group = {g.group: g for g in voi.evppi}
    assert by_group["c"].parameters == ("param:c.leak", "param:c[b=high]")
    assert by_group["leaks"].method == "regression"  # part of c's parameters: not exact
    assert by_group["c"].method == "conditional-means"
    for g in voi.evppi:
        assert -3 * g.se <= g.value <= voi.evpi_parameters + 3 * (g.se + voi.evpi_se)
    default = influence.value_of_information(d, prior=True, seed=1, draws=500)
    assert [g.group for g in default.evppi] == ["c", "f", "w", "halve"]


# -- shown and exported --------------------------------------------------------------------------


def test_show_prints_parameters_and_computed_tables(d: influence.Diagram) -> None:
    from influence.io.plain import diagram_dict
    from influence.io.text import diagram_table

    shown = diagram_table(d, tables=True)
    assert "Parameters (named, then those of structured tables)" in shown
    assert "noisy-OR (calm < bad)" in shown and "the table computed from them:" in shown
    assert "log-linear (odds, rows normalised): base, effects on the states named" in shown
    assert "weight = w = 0.5" in shown and "-10 * w" in shown
    data = json.loads(json.dumps(diagram_dict(d)))
    assert {p["name"] for p in data["parameters"]} >= {"w", "halve", "c.leak"}
    c = next(n for n in data["nodes"] if n["name"] == "c")
    assert c["structure"]["form"] == "noisy_or"
    assert c["structure"]["links"][1] == {"given": {"b": "high"},
                                          "steps": [{"level": "bad", "parameter": "c[b=high]",
                                                     "value": 0.5}]}


def test_the_drawing_shows_the_structure(d: influence.Diagram) -> None:
    from influence.io.drawing import to_dot

    dot = to_dot(d)
    assert "noisy-OR: leak 0.1; 3 links" in dot
    assert "log-linear (odds): base 0.2; 2 effects" in dot


def test_yaml_keeps_the_structure_and_other_formats_the_computed_tables(
        d: influence.Diagram, tmp_path) -> None:
    from influence.io.formats.yaml_writer import yaml_text

    again = influence.loads(yaml_text(d))
    assert again.fingerprint == d.fingerprint
    path = tmp_path / "st.xdsl"
    with pytest.warns(FormatWarning):
        dropped = influence.save(d, path)
    assert "structured tables (5; written as the tables computed" in dropped[0], dropped
    back = influence.load(path)
    assert np.allclose(back.node("c").table, d.node("c").table)
    assert influence.evaluate(back).maximum_expected_utility == pytest.approx(
        influence.evaluate(d).maximum_expected_utility)
    assert "influence_parameters" in path.read_text()


# -- evidence about structured rows ------------------------------------------------------------


def test_counts_of_a_structured_row_update_its_parameters_by_nuts(d: influence.Diagram,
                                                                    tmp_path) -> None:
    from influence.bayes.evidence import load_evidence

    path = tmp_path / "ev.yaml"
    path.write_text(text("""
        model: st
        observations:
          - node: c
            given: {a: "no", b: high}
            counts: {calm: 3, bad: 7}
    """))
    evidence = load_evidence(path, d)
    (obs,) = evidence.counts
    # the row a=no, b=high is computed from the leak and the link of b=high (both with priors)
    assert obs.parameters == ("param[c.leak]", "param[c[b=high]]")
    with pytest.raises(QueryError, match="counts a row of the structured table of 'c'"):
        influence.fit(d, evidence, method="exact")
    path.write_text(path.read_text().replace("node: c\n", "node: g\n")
                    .replace("{a: \"no\", b: high}", "{a: \"no\", b: high}")
                    .replace("{calm: 3, bad: 7}", "{x: 3}"))
    with pytest.raises(EvidenceError, match="is fixed by its deterministic table"):
        load_evidence(path, d)
