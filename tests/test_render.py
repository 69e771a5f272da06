"""Renderers of results and models: text tables, JSON and CSV."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest

import influence
from influence.io import evaluation_text, plain, render
from influence.io import text as text_report
from influence.solve.plan import Plan
from influence.solve.results import DecisionResult, Evaluation, OptionResult, RuleResult
from influence.solve.tables import point_parameters


def _strict_json(text: str) -> object:
    def no_constants(token: str) -> object:
        raise AssertionError(f"non-standard JSON constant {token}")

    return json.loads(text, parse_constant=no_constants)


@pytest.fixture(scope="module")
def oil_diagram() -> influence.Diagram:
    return influence.load("oil-wildcatter")


@pytest.fixture(scope="module")
def oil(oil_diagram: influence.Diagram) -> Evaluation:
    return influence.evaluate(oil_diagram)


@pytest.fixture(scope="module")
def oil_uncertain(oil_diagram: influence.Diagram) -> Evaluation:
    """A real evaluation under 300 draws of P(oil) from a Dirichlet(5, 3, 2)."""
    params = point_parameters(oil_diagram)
    params["oil"] = np.random.default_rng(7).dirichlet([5.0, 3.0, 2.0], size=300)
    return Plan(oil_diagram).evaluate(params, uncertainty="prior")


# -- numbers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "text"), [
    (22.5, "22.5"), (20.0, "20"), (22.857142857142854, "22.86"), (-9.999999999999998, "-10"),
    (-40.48780487804878, "-40.49"), (0.24000000000000002, "0.24"), (0.0, "0"), (-0.0, "0"),
    (123456.7, "123457"), (0.000123456, "0.0001235"), (float("nan"), "n/a"),
    (float("inf"), "n/a"), (None, "n/a"),
])
def test_format_number(value: float | None, text: str) -> None:
    assert text_report.format_number(value) == text


def test_json_ready_turns_nan_and_infinity_into_null_and_numpy_into_floats() -> None:
    data = {"a": float("nan"), "b": [float("inf"), -float("inf")], "c": np.float64(0.1 + 0.2),
            "d": np.array([1.0, 2.5]), "e": (1, "x"), "f": np.int64(3), "g": True}
    out = plain.json_ready(data)
    assert out == {"a": None, "b": [None, None], "c": 0.3, "d": [1.0, 2.5], "e": [1, "x"],
                   "f": 3, "g": True}
    assert type(out["c"]) is float
    _strict_json(plain.to_json(data))


# -- evaluation: JSON ---------------------------------------------------------------------------


def test_evaluation_json_is_the_to_dict_contract(oil: Evaluation) -> None:
    data = _strict_json(plain.evaluation_json(oil))
    assert data == plain.json_ready(oil.to_dict())
    assert data["model"] == "oil-wildcatter"
    assert data["maximum_expected_utility"] == 22.5
    assert data["alternatives"] == {"test": {"no": 20.0, "yes": 22.5}}
    assert [p["id"] for p in data["policies"]] == ["drill-blind", "test-and-follow",
                                                   "do-nothing"]
    closed = next(r for r in data["optimal_strategy"]["drill"]
                  if r["given"] == {"test": "yes", "result": "closed"})
    assert closed["probability"] == 0.24  # float noise (0.24000000000000002) rounded away


def test_evaluation_json_has_no_nan_when_a_number_is_missing() -> None:
    broken = Evaluation(
        model="m", maximum_expected_utility=float("nan"), optimal_strategy=(),
        alternatives={}, options=(OptionResult(id="p", label="P", kind="policy"),))
    data = _strict_json(plain.evaluation_json(broken))
    assert data["maximum_expected_utility"] is None
    assert data["policies"][0]["expected_utility"] is None


def test_evaluation_json_under_uncertainty(oil_uncertain: Evaluation) -> None:
    data = _strict_json(plain.evaluation_json(oil_uncertain))
    assert data["uncertainty"] == "prior"
    assert data["draws"] == 300
    assert data["evpi_parameters"] == pytest.approx(oil_uncertain.evpi_parameters)
    assert {"sd", "interval_90", "probability_best", "expected_loss"} <= set(data["policies"][0])


# -- evaluation: CSV ----------------------------------------------------------------------------


def test_evaluation_csv_one_row_per_option(oil: Evaluation) -> None:
    rows = list(csv.reader(io.StringIO(plain.evaluation_csv(oil))))
    assert rows[0] == list(plain.CSV_COLUMNS)
    optimum = dict(zip(rows[0], rows[1], strict=True))
    assert optimum["kind"] == "optimum"
    assert float(optimum["expected_utility"]) == pytest.approx(oil.maximum_expected_utility)
    body = [dict(zip(rows[0], r, strict=True)) for r in rows[2:]]
    assert len(body) == len(oil.options)
    by_id = {r["id"]: r for r in body}
    assert float(by_id["test=yes"]["expected_utility"]) == 22.5
    assert by_id["test=yes"]["decision"] == "test" and by_id["test=yes"]["state"] == "yes"
    assert by_id["test-and-follow"]["label"] == "Test, drill on closed or open"  # quoted comma
    assert by_id["drill-blind"]["decision"] == "" and by_id["drill-blind"]["kind"] == "policy"
    eus = [float(r["expected_utility"]) for r in body]
    assert eus == sorted(eus, reverse=True)


def test_evaluation_csv_uncertainty_columns(oil_uncertain: Evaluation) -> None:
    reader = csv.DictReader(io.StringIO(plain.evaluation_csv(oil_uncertain)))
    assert reader.fieldnames == list(plain.CSV_COLUMNS) + list(plain.CSV_UNCERTAINTY_COLUMNS)
    rows = {r["id"]: r for r in reader}
    assert float(rows["optimal-strategy"]["sd"]) == pytest.approx(oil_uncertain.meu_sd)
    option = oil_uncertain.policy("drill-blind")
    row = rows["drill-blind"]
    assert float(row["sd"]) == pytest.approx(option.sd)
    assert float(row["interval_90_low"]) == pytest.approx(option.interval_90[0])
    assert float(row["interval_90_high"]) == pytest.approx(option.interval_90[1])
    assert float(row["probability_best"]) == pytest.approx(option.probability_best)
    assert float(row["expected_loss"]) == pytest.approx(option.expected_loss)


# -- evaluation: table --------------------------------------------------------------------------


def test_evaluation_table(oil: Evaluation, oil_diagram: influence.Diagram) -> None:
    text = evaluation_text.evaluation_table(oil, diagram=oil_diagram)
    lines = text.splitlines()
    assert lines[0] == "Oil wildcatter (oil-wildcatter)"
    assert lines[1] == "Scenario: none"
    assert ("Maximum expected utility: 22.5 thousands of dollars (sd of the total utility "
            "87.46; 5% and 95% quantiles -80 and 190)") in " ".join(text.split())
    start = lines.index("Policies and alternatives, best first") + 3
    ranked = [ln.split() for ln in lines[start:start + 5]]
    assert [r[0] for r in ranked] == ["1=", "1=", "3=", "3=", "5"]  # ties share a rank
    assert [r[3] for r in ranked] == ["22.5", "22.5", "20", "20", "0"]  # EU
    assert [r[4:7] for r in ranked][:3:2] == [["87.46", "-80", "190"], ["103.9", "-70", "200"]]
    assert " ".join(ranked[0][7:]) == oil.policy("test-and-follow").label
    assert "=: tied with the other options of that rank" in text
    assert any("1. test (Seismic test): choose yes" in ln for ln in lines)
    rows = {ln.split()[0]: ln.split() for ln in lines
            if ln.strip().startswith(("closed ", "open ", "diffuse "))}
    assert rows["closed"][:3] == ["closed", "yes", "0.24"]
    assert rows["open"][:3] == ["open", "yes", "0.35"]
    assert rows["diffuse"][:3] == ["diffuse", "no", "0.41"]
    assert rows["open"][-1] == "22.86"
    assert "5 of 8 information states cannot occur" in text
    assert "sd" not in text.split() and "P(best)" not in text


def test_evaluation_table_columns_are_aligned(oil: Evaluation) -> None:
    lines = evaluation_text.evaluation_table(oil).splitlines()
    start = lines.index("Policies and alternatives, best first") + 1
    header, rule = lines[start], lines[start + 1]
    assert set(rule.strip()) <= {"-", " "}
    eu_end = header.index(" EU ") + 3  # the right-aligned EU column ends here
    label = header.index("label")
    for line in lines[start + 2:start + 7]:
        assert line[eu_end - 1] != " " and line[eu_end] == " "
        assert line[label - 1] == " " and line[label] != " "


def test_evaluation_table_all_states(oil: Evaluation) -> None:
    text = evaluation_text.evaluation_table(oil, all_states=True)
    assert "impossible" in text and "unreachable" in text
    assert "cannot occur under this strategy" not in text
    impossible = [ln for ln in text.splitlines() if "impossible" in ln]
    assert len(impossible) == 4


def test_evaluation_table_scenario(oil_diagram: influence.Diagram) -> None:
    wet = influence.evaluate(oil_diagram, given={"oil": "wet"})
    text = evaluation_text.evaluation_table(wet, diagram=oil_diagram)
    assert "Scenario: oil=wet (results are conditional on it)" in text
    assert "Maximum expected utility: 50 thousands of dollars" in text
    assert "2. drill (Drill): choose yes (knowing test=no, result=none; EU no 0, yes 50)" \
        in text


def test_evaluation_table_under_uncertainty(oil_uncertain: Evaluation) -> None:
    text = evaluation_text.evaluation_table(oil_uncertain)
    assert "Parameter uncertainty: 300 prior draws" in text
    for column in ("sd", "90% interval", "P(best)", "E[loss]", "P(optimal)"):
        assert column in text
    evpi = text_report.format_number(oil_uncertain.evpi_parameters)
    assert f"(EVPI): {evpi} thousands of dollars" in text
    share = oil_uncertain.decision("test").rules[0].probability_optimal
    assert f"optimal in {100 * share:.1f}% of draws" in text or \
        f"optimal in {100 * share:.0f}% of draws" in text


def test_merged_information_states_average_their_expected_utilities() -> None:
    def rule(a: str, b: str, choose: str, p: float, eu_yes: float) -> RuleResult:
        return RuleResult(given={"a": a, "b": b}, choose=choose, reachable=True, probability=p,
                          expected_utilities={"yes": eu_yes, "no": 0.0})

    decision = DecisionResult(decision="d", knows=("a", "b"), rules=(
        rule("x", "1", "yes", 0.2, 10.0), rule("x", "2", "yes", 0.3, 20.0),
        rule("y", "1", "no", 0.1, -5.0), rule("y", "2", "no", 0.4, -1.0)))
    result = Evaluation(model="m", maximum_expected_utility=1.0, optimal_strategy=(decision,),
                        alternatives={}, options=())
    text = evaluation_text.evaluation_table(result)
    rows = {ln.split()[0]: ln.split() for ln in text.splitlines()
            if ln.strip().startswith(("x ", "y "))}
    # a=x merges b=1 (p .2, EU 10) and b=2 (p .3, EU 20): p .5, EU (2 + 6) / .5 = 16
    assert rows["x"] == ["x", "yes", "0.5", "16", "0"]
    assert rows["y"] == ["y", "no", "0.5", "-1.8", "0"]
    assert "b left out (the choice does not depend on it)" in text


# -- show, models, validate ---------------------------------------------------------------------


def test_diagram_dict(oil_diagram: influence.Diagram) -> None:
    data = _strict_json(plain.diagram_json(oil_diagram))
    assert data["model"] == "oil-wildcatter"
    assert [n["name"] for n in data["nodes"]] == list(oil_diagram.names)
    drill = next(n for n in data["nodes"] if n["name"] == "drill")
    assert drill == {"name": "drill", "type": "decision", "label": "Drill",
                     "states": ["no", "yes"], "observes": ["result"], "source": None}
    result = next(n for n in data["nodes"] if n["name"] == "result")
    assert result["parents"] == ["oil", "test"] and len(result["table"]) == 6
    row = next(r for r in result["table"] if r["given"] == {"oil": "dry", "test": "yes"})
    assert row["p"] == {"none": 0.0, "closed": 0.1, "open": 0.3, "diffuse": 0.6}
    assert {"from": "result", "to": "drill", "kind": "informational"} in data["arcs"]
    assert {"from": "oil", "to": "payoff", "kind": "functional"} in data["arcs"]
    assert data["decision_order"] == ["test", "drill"]
    assert data["information_sets"] == {"test": [], "drill": ["test", "result"]}
    follow = next(p for p in data["policies"] if p["id"] == "test-and-follow")
    assert follow["choose"]["test"] == "yes"
    assert {"given": {"result": "diffuse"}, "choose": "no"} in follow["choose"]["drill"]


def test_diagram_table(oil_diagram: influence.Diagram) -> None:
    text = text_report.diagram_table(oil_diagram)
    for name in oil_diagram.names:
        assert f"  {name} " in text
    assert "  1. test: knows nothing" in text
    assert "  2. drill: knows test, result" in text
    assert "observes result" in text
    assert "drill: result=diffuse -> no; result=closed -> yes; result=open -> yes" in text
    assert "test_cost[test=yes]: Raiffa (1968)" in text
    assert "Tables" not in text
    with_tables = text_report.diagram_table(oil_diagram, tables=True)
    assert "result: P(result | oil, test)" in with_tables
    assert "payoff: utility [thousands of dollars]" in with_tables


def test_models_table_and_json() -> None:
    summaries = [("a-model", "A model"), ("longer-name", "Another")]
    assert text_report.models_table(summaries) == "a-model      A model\nlonger-name  Another\n"
    data = _strict_json(plain.models_json(summaries, default="a-model"))
    assert data == [{"name": "a-model", "title": "A model", "default": True, "evidence": []},
                    {"name": "longer-name", "title": "Another", "default": False,
                     "evidence": []}]
    evidence = {"a-model": ["field-data", "more"]}
    assert text_report.models_table(summaries, evidence) == (
        "a-model      A model  (evidence: field-data, more)\nlonger-name  Another\n")
    data = _strict_json(plain.models_json(summaries, evidence=evidence))
    assert data[0]["evidence"] == ["field-data", "more"]


def test_validation_summary(oil_diagram: influence.Diagram) -> None:
    assert text_report.validation_summary(oil_diagram, "oil-wildcatter") == (
        "oil-wildcatter: valid: 6 nodes (2 chance, 2 decision, 2 utility), 3 policies")


def test_render_evaluation_rejects_unknown_format(oil: Evaluation) -> None:
    with pytest.raises(ValueError, match="table, json, csv"):
        render.render_evaluation(oil, "xml")




def test_validation_report_notes_nodes_that_cannot_matter() -> None:
    diagram = influence.loads("""\
name: idle
nodes:
  weather: {type: chance, states: [dry, wet], p: [0.6, 0.4]}
  gossip: {type: chance, states: [a, b], p: [0.5, 0.5]}
  go: {type: decision, states: ["no", "yes"], observes: [weather]}
  shrug: {type: decision, states: [x, y]}
  joy:
    type: utility
    parents: [go, weather]
    values:
      - {given: {go: "no", weather: dry}, value: 0}
      - {given: {go: "no", weather: wet}, value: 0}
      - {given: {go: "yes", weather: dry}, value: 5}
      - {given: {go: "yes", weather: wet}, value: -2}
""", file="idle.yaml")
    assert text_report.model_notes(diagram) == [
        "chance node 'gossip' has no path to a utility node, so it cannot change any expected "
        "utility",
        "decision 'shrug' influences no utility node, so every choice is equally good",
    ]
    assert text_report.validation_report(diagram, "idle.yaml").splitlines() == [
        "idle.yaml: valid: 5 nodes (2 chance, 2 decision, 1 utility), 0 policies",
        "  note: chance node 'gossip' has no path to a utility node, so it cannot change any "
        "expected utility",
        "  note: decision 'shrug' influences no utility node, so every choice is equally good",
    ]
    oil = influence.load("oil-wildcatter")
    assert text_report.model_notes(oil) == []


def test_the_hidden_states_note_names_how_to_show_them(oil: Evaluation) -> None:
    python = evaluation_text.evaluation_table(oil)
    assert "5 of 8 information states cannot occur under this strategy (all_states=True shows " \
           "them)." in python
    cli = render.render_evaluation(oil, "table", all_states_hint="--all-states")
    assert "(--all-states shows them)." in cli
    assert cli.replace("--all-states", "all_states=True") == python


def test_render_picks_the_renderer_of_each_format(oil: Evaluation,
                                                  oil_diagram: influence.Diagram) -> None:
    assert render.render_evaluation(oil, "json") == plain.evaluation_json(oil)
    assert render.render_evaluation(oil, "csv") == plain.evaluation_csv(oil)
    assert render.render_diagram(oil_diagram, "json") == plain.diagram_json(oil_diagram)
    assert render.render_diagram(oil_diagram, tables=True) == text_report.diagram_table(
        oil_diagram, tables=True)
    assert render.render_models([("m", "M")], "json", default="m") == plain.models_json(
        [("m", "M")], default="m")
    with pytest.raises(influence.QueryError, match="expected `fmt` among table, json, got 'csv'"):
        render.render_diagram(oil_diagram, "csv")
