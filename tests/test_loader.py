"""Validation of model files: one test per message of influence.model.loader (and the structural
messages of influence.model.structure, which the loader reaches by building the diagram).

Every error is an ``influence.ModelError`` (a ValueError) whose message names the file, the line
where known, the node and the field, and says what was expected and what was found.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pytest

import influence
from influence import ModelError, ModelNotFoundError
from influence.model.loader import SUM_TOLERANCE, diagram_from_dict, load, loads

FILE = "model.yaml"

BASE = textwrap.dedent("""\
    name: base
    title: Base model
    nodes:
      weather:
        type: chance
        states: [dry, wet]
        p: [0.7, 0.3]
      forecast:
        type: chance
        states: [sunny, cloudy, rainy]
        parents: [weather]
        cpt:
          - given: {weather: dry}
            p: [0.7, 0.2, 0.1]
          - given: {weather: wet}
            p: [0.1, 0.3, 0.6]
      test:
        type: decision
        states: [no, yes]
      umbrella:
        type: decision
        states: [no, yes]
        observes: [forecast]
      cost:
        type: utility
        parents: [test]
        values:
          - given: {test: no}
            value: 0
          - given: {test: yes}
            value: -1
      comfort:
        type: utility
        parents: [weather, umbrella]
        values:
          - given: {weather: dry, umbrella: no}
            value: 10
          - given: {weather: dry, umbrella: yes}
            value: 8
          - given: {weather: wet, umbrella: no}
            value: 0
          - given: {weather: wet, umbrella: yes}
            value: 7
    policies:
      always:
        label: Always take it
        choose:
          test: no
          umbrella: yes
      follow:
        choose:
          umbrella:
            - given: {forecast: rainy}
              choose: yes
            - given: {forecast: sunny}
              choose: no
    """)


def mutate(old: str, new: str, text: str = BASE) -> str:
    """``text`` with its single occurrence of ``old`` replaced by ``new``."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def line(text: str, snippet: str, nth: int = 1) -> int:
    """1-based line number of the ``nth`` line of ``text`` containing ``snippet``."""
    hits = [i + 1 for i, s in enumerate(text.splitlines()) if snippet in s]
    return hits[nth - 1]


def expect_error(text: str, *fragments: str, node: str | None = None, field: str | None = None,
                 at: int | None = None, file: str = FILE) -> ModelError:
    """Load ``text`` and check the ModelError: file, node, field, line and message fragments."""
    with pytest.raises(ModelError) as info:
        loads(text, file=file)
    err = info.value
    message = str(err)
    assert isinstance(err, ValueError)
    assert err.file == file and message.startswith(file), message
    if node is not None:
        assert err.node == node and f"node '{node}'" in message, message
    if field is not None:
        assert err.field == field and f"field '{field}'" in message, message
    if at is not None:
        assert err.line == at and f"line {at}" in message, message
    assert "expected" in message, message
    for fragment in fragments:
        assert fragment in message, message
    return err


def test_base_model_is_valid() -> None:
    d = loads(BASE, file=FILE)
    assert d.names == ("weather", "forecast", "test", "umbrella", "cost", "comfort")
    assert [p.id for p in d.policies] == ["always", "follow"]
    assert influence.evaluate(d).maximum_expected_utility == pytest.approx(8.47)


# -- YAML and the top level --------------------------------------------------------------------


def test_yaml_syntax_error_gives_line() -> None:
    text = mutate("    states: [dry, wet]\n", "    states: [dry, wet\n")
    err = expect_error(text, "YAML syntax error")
    assert err.line is not None and err.line >= line(text, "[dry, wet")


def test_yaml_bad_indentation_gives_line_and_column() -> None:
    text = mutate("    p: [0.7, 0.3]\n", "   p: [0.7, 0.3]\n")
    expect_error(text, "YAML syntax error", "column", at=line(text, "p: [0.7, 0.3]"))


def test_empty_file() -> None:
    expect_error("", "got an empty document")
    expect_error("# only a comment\n\n", "got an empty document")


@pytest.mark.parametrize(("text", "found"), [
    ("- a\n- b\n", "got a list"),
    ("just text\n", "got text 'just text'"),
    ("42\n", "got int 42"),
])
def test_top_level_not_a_mapping(text: str, found: str) -> None:
    expect_error(text, "expected a mapping with `name` and `nodes` at the top", found)


def test_unknown_top_level_key_suggests() -> None:
    text = mutate("title: Base model", "titel: Base model")
    expect_error(text, "unknown key 'titel'", "did you mean 'title'?", field="titel",
                 at=line(text, "titel"))


def test_missing_name() -> None:
    expect_error(mutate("name: base\n", ""), "expected `name` to be the model's id",
                 "got nothing (null)", field="name")


def test_name_not_text() -> None:
    expect_error(mutate("name: base", "name: [base]"), "got a list", field="name", at=1)


@pytest.mark.parametrize(("nodes", "found"), [("nodes: {}", "got an empty mapping"),
                                              ("nodes: [a, b]", "got a list")])
def test_nodes_not_a_mapping(nodes: str, found: str) -> None:
    text = f"name: m\n{nodes}\n"
    expect_error(text, "expected `nodes` to be a mapping of node name to node", found,
                 field="nodes", at=2)


def test_duplicate_key_in_a_node() -> None:
    text = mutate("    p: [0.7, 0.3]\n", "    p: [0.7, 0.3]\n    p: [0.5, 0.5]\n")
    first = line(text, "p: [0.7, 0.3]")
    expect_error(text, "duplicate key 'p'", f"line {first} and again on line {first + 1}",
                 node="weather", field="p", at=first + 1)


def test_duplicate_node_name() -> None:
    text = mutate("  test:\n", "  weather:\n")
    expect_error(text, "duplicate key 'weather' in nodes", node="weather", field="nodes",
                 at=line(text, "  weather:", 2))


def test_duplicate_key_in_given() -> None:
    text = mutate("given: {test: yes}", "given: {test: yes, test: no}")
    at = line(text, "test: yes, test: no")
    expect_error(text, "duplicate key 'test' in nodes > cost > values > row 2 > given",
                 f"got it twice on line {at}", node="cost", field="values", at=at)


def test_duplicate_key_in_a_rule_row_names_the_row_from_1() -> None:
    text = mutate("given: {forecast: sunny}", "given: {forecast: sunny, forecast: rainy}")
    expect_error(text, "in policies > follow > choose > umbrella > rule row 2 > given",
                 field="policies")


# -- node names, types and keys ----------------------------------------------------------------


@pytest.mark.parametrize("bad", ["bad name", "1st", "a.b", "café"])
def test_node_name_with_invalid_characters(bad: str) -> None:
    text = mutate("  test:\n", f"  '{bad}':\n")
    expect_error(text, "expected a node name of letters, digits, '_' or '-'", f"got text '{bad}'",
                 node=bad, field="nodes", at=line(text, bad))


def test_node_name_not_text() -> None:
    text = mutate("  test:\n", "  7:\n")
    expect_error(text, "expected a node name", "got int 7", node="7", field="nodes")


def test_node_spec_not_a_mapping() -> None:
    text = "name: m\nnodes:\n  a: 3\n"
    expect_error(text, "expected a mapping with `type`, got int 3", node="a", at=3)


def test_unknown_node_type_suggests() -> None:
    text = mutate("    type: decision\n    states: [no, yes]\n  umbrella",
                  "    type: decison\n    states: [no, yes]\n  umbrella")
    expect_error(text, "expected `type` to be chance, decision or utility",
                 "got text 'decison'", "did you mean 'decision'?", node="test", field="type",
                 at=line(text, "decison"))


def test_missing_node_type() -> None:
    text = mutate("    type: decision\n    states: [no, yes]\n  umbrella",
                  "    states: [no, yes]\n  umbrella")
    err = expect_error(text, "got no `type`", node="test", field="type")
    assert "did you mean" not in str(err)


def test_misspelt_type_key_suggests() -> None:
    text = mutate("    type: decision\n    states: [no, yes]\n  umbrella",
                  "    typ: decision\n    states: [no, yes]\n  umbrella")
    expect_error(text, "got no `type` but a key 'typ' (did you mean 'type'?)", node="test",
                 field="type")


def test_node_type_not_text() -> None:
    text = mutate("    type: decision\n    states: [no, yes]\n  umbrella",
                  "    type: [decision]\n    states: [no, yes]\n  umbrella")
    expect_error(text, "expected `type` to be chance, decision or utility, got a list",
                 node="test", field="type")


def test_unknown_node_key_suggests_states() -> None:
    text = mutate("    states: [dry, wet]", "    stats: [dry, wet]")
    expect_error(text, "unknown key 'stats' in a chance node", "did you mean 'states'?",
                 node="weather", field="stats", at=line(text, "stats"))


def test_key_of_another_kind_is_unknown() -> None:
    text = mutate("    states: [no, yes]\n    observes", "    states: [no, yes]\n    p: [1, 0]\n"
                  "    observes")
    expect_error(text, "unknown key 'p' in a decision node", "expected one of: type",
                 node="umbrella", field="p")


def test_unknown_key_in_cpt_row_suggests() -> None:
    text = mutate("p: [0.7, 0.2, 0.1]", "pp: [0.7, 0.2, 0.1]")
    expect_error(text, "unknown key 'pp' in cpt row 1", "did you mean 'p'?", node="forecast",
                 field="pp", at=line(text, "pp:"))


def test_unknown_key_in_values_row_suggests() -> None:
    text = mutate("value: -1", "valeu: -1")
    expect_error(text, "unknown key 'valeu' in values row 2", "did you mean 'value'?",
                 node="cost", field="valeu", at=line(text, "valeu"))


def test_label_not_text() -> None:
    text = mutate("    states: [dry, wet]", "    label: [a, b]\n    states: [dry, wet]")
    expect_error(text, "expected text, got a list", node="weather", field="label")


# -- states ------------------------------------------------------------------------------------


def test_missing_states() -> None:
    text = mutate("    states: [dry, wet]\n", "")
    expect_error(text, "missing `states`", "expected a list of state names", node="weather",
                 field="states", at=line(text, "  weather:"))


def test_empty_states() -> None:
    expect_error(mutate("[dry, wet]", "[]"), "got an empty list", node="weather",
                 field="states")


def test_states_not_a_list() -> None:
    expect_error(mutate("[dry, wet]", "dry"), "expected a non-empty list of state names",
                 "got text 'dry'", node="weather", field="states")


def test_duplicate_states() -> None:
    text = mutate("[sunny, cloudy, rainy]", "[sunny, cloudy, sunny]")
    expect_error(text, "expected each state once, got 'sunny' twice", node="forecast",
                 field="states", at=line(text, "[sunny, cloudy, sunny]"))


def test_state_that_is_a_number_needs_quotes() -> None:
    expect_error(mutate("[dry, wet]", "[dry, 0.5]"), "expected a state name, got float 0.5",
                 "quotes", node="weather", field="states")


def test_integer_states_are_text() -> None:
    text = mutate("[dry, wet]", "[1, 2]").replace("weather: dry", "weather: 1")
    text = text.replace("weather: wet", "weather: 2")
    d = loads(text, file=FILE)
    assert d.node("weather").states == ("1", "2")


def test_utility_node_with_states() -> None:
    text = mutate("    parents: [test]", "    states: [a, b]\n    parents: [test]")
    expect_error(text, "expected no `states` on a utility node", node="cost", field="states",
                 at=line(text, "states: [a, b]"))


# -- YAML 1.1 booleans and JSON ----------------------------------------------------------------


def test_yes_no_states_are_strings_and_given_matches_them() -> None:
    text = mutate("[sunny, cloudy, rainy]", "[no, maybe, yes]")
    text = text.replace("forecast: rainy", "forecast: yes").replace("forecast: sunny",
                                                                     "forecast: no")
    d = loads(text, file=FILE)
    assert d.node("forecast").states == ("no", "maybe", "yes")
    assert d.node("test").states == ("no", "yes")
    assert d.utility("cost", {"test": "yes"}) == -1.0
    rules = d.policy("follow").rules["umbrella"]
    assert [(dict(r.given), r.choose) for r in rules] == [({"forecast": "yes"}, "yes"),
                                                          ({"forecast": "no"}, "no")]
    assert d.policy("always").rules["test"][0].choose == "no"


@pytest.mark.parametrize("word", ["on", "off", "y", "n", "Yes", "NO"])
def test_other_yaml11_boolean_words_are_strings(word: str) -> None:
    d = loads(mutate("[dry, wet]", f"[{word}, wet]").replace("weather: dry", f"weather: {word}"),
              file=FILE)
    assert d.node("weather").states == (word, "wet")


def test_true_as_a_state_is_an_error() -> None:
    expect_error(mutate("[dry, wet]", "[true, wet]"), "expected a state name, got boolean true",
                 'write true/false states in quotes', node="weather", field="states")


def _json_model() -> dict:
    return {
        "name": "json-model",
        "nodes": {
            "rain": {"type": "chance", "states": ["no", "yes"], "p": [0.75, 0.25]},
            "take": {"type": "decision", "states": ["no", "yes"]},
            "u": {"type": "utility", "parents": ["rain", "take"], "values": [
                {"given": {"rain": r, "take": t}, "value": v}
                for (r, t), v in {("no", "no"): 10, ("no", "yes"): 8.5e0,
                                  ("yes", "no"): 0, ("yes", "yes"): 7}.items()
            ]},
        },
        "policies": {"take-it": {"choose": {"take": "yes"}}},
    }


def test_json_model_loads(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    path.write_text(json.dumps(_json_model(), indent="\t"), encoding="utf-8")
    d = load(path)
    assert d.name == "json-model" and d.file == str(path)
    assert d.probabilities("rain") == {"no": 0.75, "yes": 0.25}
    assert d.utility("u", {"rain": "no", "take": "yes"}) == 8.5
    assert influence.evaluate(d).policy("take-it").expected_utility == pytest.approx(8.125)


def test_json_numbers_with_exponents() -> None:
    model = _json_model()
    model["nodes"]["rain"]["p"] = [7.5e-1, 2.5E-1]
    d = loads(json.dumps(model), file="model.json")
    assert d.probabilities("rain") == {"no": 0.75, "yes": 0.25}


def test_json_true_as_a_state_is_a_clear_error() -> None:
    model = _json_model()
    model["nodes"]["take"]["states"] = [False, True]
    expect_error(json.dumps(model), "expected a state name, got boolean false",
                 "quotes", node="take", field="states", file="model.json", at=1)


def test_json_duplicate_keys() -> None:
    text = '{"name": "m", "nodes": {"u": {"type": "utility", "value": 1, "value": 2}}}'
    expect_error(text, "duplicate key 'value'", node="u", field="value", file="model.json")


# -- arcs --------------------------------------------------------------------------------------


def test_unknown_parent_suggests() -> None:
    text = mutate("    parents: [weather]\n", "    parents: [wether]\n")
    expect_error(text, "expected nodes of the model, got unknown node 'wether'",
                 "did you mean 'weather'?", node="forecast", field="parents",
                 at=line(text, "[wether]"))


def test_unknown_observed_node() -> None:
    text = mutate("observes: [forecast]", "observes: [forecats]")
    expect_error(text, "unknown node 'forecats'", "did you mean 'forecast'?", node="umbrella",
                 field="observes")


def test_parent_listed_twice() -> None:
    text = mutate("parents: [weather]", "parents: [weather, weather]")
    expect_error(text, "expected each node once, got 'weather' twice", node="forecast",
                 field="parents")


def test_node_is_its_own_parent() -> None:
    text = mutate("parents: [weather]", "parents: [forecast]")
    expect_error(text, "a node cannot be its own parent", node="forecast", field="parents")


def test_parents_not_a_list() -> None:
    text = mutate("parents: [weather]", "parents: {weather: 1}")
    expect_error(text, "expected a list of node names, got a mapping", node="forecast",
                 field="parents")


def test_utility_node_with_children() -> None:
    text = mutate("parents: [weather, umbrella]", "parents: [weather, umbrella, cost]")
    expect_error(text, "expected chance or decision nodes, got utility node 'cost'",
                 "cannot have children", node="comfort", field="parents",
                 at=line(text, "umbrella, cost"))


def test_decision_observing_a_utility_node() -> None:
    text = mutate("observes: [forecast]", "observes: [forecast, cost]")
    expect_error(text, "got utility node 'cost'", node="umbrella", field="observes")


def test_decision_observing_a_later_node() -> None:
    text = textwrap.dedent("""\
        name: m
        nodes:
          act:
            type: decision
            states: [a, b]
            observes: [signal]
          signal:
            type: chance
            states: [lo, hi]
            p: [0.5, 0.5]
          u:
            type: utility
            parents: [act]
            values:
              - {given: {act: a}, value: 1}
              - {given: {act: b}, value: 2}
        """)
    expect_error(text, "expected nodes listed before 'act'", "got 'signal', which comes after",
                 node="act", field="observes", at=line(text, "observes"))


def test_cycle_is_named() -> None:
    text = textwrap.dedent("""\
        name: m
        nodes:
          a:
            type: chance
            states: [x, y]
            parents: [b]
            cpt:
              - {given: {b: x}, p: [1, 0]}
              - {given: {b: y}, p: [0, 1]}
          b:
            type: chance
            states: [x, y]
            parents: [a]
            cpt:
              - {given: {a: x}, p: [1, 0]}
              - {given: {a: y}, p: [0, 1]}
          u:
            type: utility
            parents: [a]
            values:
              - {given: {a: x}, value: 1}
              - {given: {a: y}, value: 2}
        """)
    expect_error(text, "expected a directed acyclic graph, got the cycle a -> b -> a",
                 node="a", field="parents", at=line(text, "parents: [b]"))


def test_cycle_through_a_decision() -> None:
    text = textwrap.dedent("""\
        name: m
        nodes:
          c:
            type: chance
            states: [x, y]
            parents: [d]
            cpt:
              - {given: {d: x}, p: [1, 0]}
              - {given: {d: y}, p: [0, 1]}
          d:
            type: decision
            states: [x, y]
            observes: [c]
          u:
            type: utility
            parents: [d]
            values:
              - {given: {d: x}, value: 1}
              - {given: {d: y}, value: 2}
        """)
    err = expect_error(text, "got the cycle")
    assert "c -> d -> c" in str(err) or "d -> c -> d" in str(err)


def test_later_decision_that_is_an_ancestor_of_an_earlier_one() -> None:
    text = textwrap.dedent("""\
        name: m
        nodes:
          signal:
            type: chance
            states: [lo, hi]
            parents: [second]
            cpt:
              - {given: {second: a}, p: [1, 0]}
              - {given: {second: b}, p: [0, 1]}
          first:
            type: decision
            states: [a, b]
            observes: [signal]
          second:
            type: decision
            states: [a, b]
          u:
            type: utility
            parents: [first]
            values:
              - {given: {first: a}, value: 1}
              - {given: {first: b}, value: 2}
        """)
    expect_error(text, "expected 'first' to be taken before 'second'",
                 "second -> signal -> first", node="first", field="observes",
                 at=line(text, "observes: [signal]"))


def test_no_utility_node() -> None:
    text = BASE.split("  cost:\n")[0]
    expect_error(text, "expected at least one utility node, got none", field="nodes")


# -- probability tables ------------------------------------------------------------------------


def test_root_probabilities_negative() -> None:
    text = mutate("p: [0.7, 0.3]", "p: [-0.1, 1.1]")
    expect_error(text, "expected probabilities >= 0, got -0.1 for state 'dry'", node="weather",
                 field="p", at=line(text, "p: [-0.1"))


def test_cpt_probabilities_negative() -> None:
    text = mutate("p: [0.1, 0.3, 0.6]", "p: [0.1, -0.3, 1.2]")
    expect_error(text, "row 2: expected probabilities >= 0, got -0.3 for state 'cloudy'",
                 node="forecast", field="cpt", at=line(text, "-0.3"))


def test_probability_nan() -> None:
    text = mutate("p: [0.7, 0.2, 0.1]", "p: [.nan, 0.2, 0.1]")
    expect_error(text, "row 1: expected a probability for state 'sunny', got NaN",
                 node="forecast", field="cpt", at=line(text, ".nan"))


def test_probability_infinite() -> None:
    expect_error(mutate("p: [0.7, 0.3]", "p: [.inf, 0.3]"),
                 "expected a finite number for state 'dry', got inf", node="weather", field="p")


def test_probability_as_text() -> None:
    expect_error(mutate("p: [0.7, 0.3]", "p: ['0.7', 0.3]"),
                 "expected a probability for state 'dry', got text '0.7'", node="weather",
                 field="p")


def test_probabilities_not_summing_to_one() -> None:
    text = mutate("p: [0.1, 0.3, 0.6]", "p: [0.1, 0.3, 0.5]")
    expect_error(text, "row 2: expected probabilities summing to 1, got a sum of 0.9",
                 node="forecast", field="cpt", at=line(text, "0.3, 0.5"))


def test_sum_just_beyond_tolerance_is_an_error() -> None:
    text = mutate("p: [0.7, 0.3]", "p: [0.7, 0.300002]")
    expect_error(text, "got a sum of 1.000002", node="weather", field="p")


def test_sum_within_tolerance_is_renormalized_exactly() -> None:
    raw = [0.7, 0.3 + 5e-7]
    assert abs(sum(raw) - 1) < SUM_TOLERANCE
    d = loads(mutate("p: [0.7, 0.3]", f"p: [{raw[0]!r}, {raw[1]!r}]"), file=FILE)
    row = d.node("weather").table
    total = np.float64(raw[0]) + np.float64(raw[1])
    assert total != 1.0
    assert row[0] == raw[0] / total and row[1] == raw[1] / total
    assert abs(row.sum() - 1.0) <= 2e-16


def test_cpt_row_renormalized() -> None:
    d = loads(mutate("p: [0.1, 0.3, 0.6]", "p: [0.1, 0.3, 0.6000005]"), file=FILE)
    row = d.probabilities("forecast", {"weather": "wet"})
    assert sum(row.values()) == pytest.approx(1.0, abs=1e-15)
    assert row["rainy"] == 0.6000005 / (0.1 + 0.3 + 0.6000005)


@pytest.mark.parametrize(("p", "count"), [("[0.7, 0.2]", 2), ("[0.5, 0.2, 0.2, 0.1]", 4)])
def test_wrong_row_length(p: str, count: int) -> None:
    text = mutate("p: [0.7, 0.2, 0.1]", f"p: {p}")
    expect_error(text, f"row 1: expected 3 probabilities (one per state: sunny, cloudy, rainy), "
                 f"got {count}", node="forecast", field="cpt", at=line(text, p))


def test_probabilities_as_mapping() -> None:
    d = loads(mutate("p: [0.7, 0.3]", "p: {wet: 0.3, dry: 0.7}"), file=FILE)
    assert d.probabilities("weather") == {"dry": 0.7, "wet": 0.3}


def test_probability_mapping_with_unknown_state() -> None:
    expect_error(mutate("p: [0.7, 0.3]", "p: {dry: 0.7, wett: 0.3}"),
                 "got unknown state 'wett'", "did you mean 'wet'?", node="weather", field="p")


def test_probability_mapping_missing_a_state() -> None:
    expect_error(mutate("p: [0.7, 0.3]", "p: {dry: 1.0}"), "got none for wet",
                 node="weather", field="p")


def test_probabilities_not_a_list() -> None:
    expect_error(mutate("p: [0.7, 0.3]", "p: 0.7"), "expected a list of 2 probabilities (one "
                 "per state: dry, wet) or a mapping state: value, got float 0.7", node="weather",
                 field="p")


def test_root_chance_node_missing_p() -> None:
    expect_error(mutate("    p: [0.7, 0.3]\n", ""), "missing `p`", node="weather", field="p")


def test_root_chance_node_with_cpt() -> None:
    text = mutate("    p: [0.7, 0.3]\n", "    cpt: []\n")
    expect_error(text, "expected `p` for a node without parents, got `cpt`", node="weather",
                 field="cpt")


def test_chance_node_with_parents_and_p() -> None:
    text = mutate("    parents: [weather]\n", "    parents: [weather]\n    p: [0.3, 0.3, 0.4]\n")
    expect_error(text, "expected `cpt` rows for a node with parents, got `p`", node="forecast",
                 field="p")


def test_chance_node_with_parents_missing_cpt() -> None:
    text = mutate("    cpt:\n      - given: {weather: dry}\n        p: [0.7, 0.2, 0.1]\n"
                  "      - given: {weather: wet}\n        p: [0.1, 0.3, 0.6]\n", "")
    expect_error(text, "missing `cpt`", node="forecast", field="cpt",
                 at=line(text, "  forecast:"))


def test_cpt_not_a_list() -> None:
    text = BASE.replace("    cpt:\n      - given: {weather: dry}\n        p: [0.7, 0.2, 0.1]\n"
                        "      - given: {weather: wet}\n        p: [0.1, 0.3, 0.6]\n",
                        "    cpt: 3\n")
    expect_error(text, "expected a list of rows with `given`, got int 3", node="forecast",
                 field="cpt")


def test_cpt_row_missing() -> None:
    text = mutate("      - given: {weather: wet}\n        p: [0.1, 0.3, 0.6]\n", "")
    expect_error(text, "expected one row for each of the 2 combinations of weather, got 1",
                 "missing 1: {weather: wet}", node="forecast", field="cpt",
                 at=line(text, "    cpt:"))


def test_cpt_row_repeated() -> None:
    text = mutate("given: {weather: wet}", "given: {weather: dry}")
    expect_error(text, "row 2: expected one row per combination of parent states",
                 "got {weather: dry} again (first in row 1)", node="forecast", field="cpt",
                 at=line(text, "given: {weather: dry}", 2))


def test_cpt_extra_row_naming_a_non_parent() -> None:
    text = mutate("      - given: {weather: wet}\n",
                  "      - given: {weather: wet, test: no}\n")
    expect_error(text, "row 2: expected `given` to name the parents of 'forecast' (weather), "
                 "got 'test'", node="forecast", field="cpt", at=line(text, "test: no}"))


def test_cpt_extra_row_outside_the_state_space() -> None:
    text = mutate("        p: [0.1, 0.3, 0.6]\n",
                  "        p: [0.1, 0.3, 0.6]\n      - given: {weather: snowy}\n"
                  "        p: [0.1, 0.3, 0.6]\n")
    expect_error(text, "row 3: expected a state of 'weather' (dry, wet) in `given`, got "
                 "weather='snowy'", node="forecast", field="cpt", at=line(text, "snowy"))


def test_cpt_row_missing_a_parent_in_given() -> None:
    text = mutate("given: {weather: dry, umbrella: yes}", "given: {weather: dry}")
    expect_error(text, "row 2: expected `given` to name every parent of 'comfort' (weather, "
                 "umbrella), got no state for umbrella", node="comfort", field="values")


def test_cpt_row_not_a_mapping() -> None:
    text = mutate("      - given: {weather: wet}\n        p: [0.1, 0.3, 0.6]\n", "      - 5\n")
    expect_error(text, "row 2: expected a mapping with `given`, got int 5", node="forecast",
                 field="cpt")


def test_given_not_a_mapping() -> None:
    text = mutate("given: {weather: wet}", "given: [weather, wet]")
    expect_error(text, "row 2: expected `given` to be a mapping of parent: state, got a list",
                 node="forecast", field="cpt")


def test_cpt_row_missing_p() -> None:
    text = mutate("      - given: {weather: wet}\n        p: [0.1, 0.3, 0.6]\n",
                  "      - given: {weather: wet}\n")
    expect_error(text, "row 2: missing `p`", node="forecast", field="cpt")


# -- utilities ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "found"), [
    ('"5"', "got text '5' (numbers are written without quotes)"),
    ("'-1.5'", "got text '-1.5'"),
    ("five", "got text 'five'"),
    ("true", "got boolean true"),
    ("", "got nothing (null)"),
    ("[5]", "got a list"),
    (".nan", "got NaN"),
])
def test_non_numeric_utility(value: str, found: str) -> None:
    text = mutate("        value: 8\n", f"        value: {value}\n")
    expect_error(text, f"row 2: expected a number, {found}", node="comfort", field="values",
                 at=line(text, "given: {weather: dry, umbrella: yes}") + 1)


def test_infinite_utility() -> None:
    expect_error(mutate("value: 8", "value: -.inf"), "expected a finite number, got -inf",
                 node="comfort", field="values")


def test_constant_utility_quoted_number() -> None:
    text = mutate("  comfort:\n", "  bonus:\n    type: utility\n    value: '5'\n  comfort:\n")
    expect_error(text, "expected a number, got text '5'", node="bonus", field="value",
                 at=line(text, "value: '5'"))


def test_constant_utility_loads() -> None:
    text = mutate("  comfort:\n", "  bonus:\n    type: utility\n    value: 2.5e1\n  comfort:\n")
    d = loads(text, file=FILE)
    assert d.utility("bonus") == 25.0


def test_utility_weight_not_a_number() -> None:
    text = mutate("    parents: [test]\n", "    parents: [test]\n    weight: '2'\n")
    expect_error(text, "expected a number, got text '2'", node="cost", field="weight")


def test_utility_missing_values() -> None:
    text = mutate("  cost:\n    type: utility\n    parents: [test]\n    values:\n"
                  "      - given: {test: no}\n        value: 0\n"
                  "      - given: {test: yes}\n        value: -1\n",
                  "  cost:\n    type: utility\n    parents: [test]\n")
    expect_error(text, "missing `values`", node="cost", field="values")


def test_utility_with_parents_and_value() -> None:
    text = mutate("    parents: [test]\n", "    parents: [test]\n    value: 3\n")
    expect_error(text, "expected `values` rows for a utility node with parents, got `value`",
                 node="cost", field="value")


def test_utility_without_parents_with_values() -> None:
    text = mutate("    parents: [test]\n", "")
    expect_error(text, "expected `value` for a utility node without parents, got `values`",
                 node="cost", field="values")


def test_utility_without_parents_missing_value() -> None:
    text = mutate("  comfort:\n", "  bonus:\n    type: utility\n  comfort:\n")
    expect_error(text, "missing `value`", node="bonus", field="value")


def test_utility_row_missing_value() -> None:
    text = mutate("      - given: {test: yes}\n        value: -1\n",
                  "      - given: {test: yes}\n")
    expect_error(text, "row 2: missing `value`", node="cost", field="values")


def test_utility_row_missing() -> None:
    text = mutate("      - given: {weather: wet, umbrella: yes}\n        value: 7\n", "")
    expect_error(text, "expected one row for each of the 4 combinations of weather, umbrella, "
                 "got 3", "{weather: wet, umbrella: yes}", node="comfort", field="values")


# -- policies ----------------------------------------------------------------------------------


def test_policy_naming_an_unknown_decision_suggests() -> None:
    text = mutate("      umbrella: yes\n", "      umbrela: yes\n")
    expect_error(text, "policy 'always': expected to choose for decisions (test, umbrella)",
                 "got 'umbrela', which is not a node of the model", "did you mean 'umbrella'?",
                 node="umbrela", field="policies", at=line(text, "umbrela"))


def test_policy_choosing_for_a_chance_node() -> None:
    text = mutate("      umbrella: yes\n", "      weather: dry\n")
    expect_error(text, "got 'weather', which is a chance node", node="weather",
                 field="policies")


def test_policy_choosing_an_unknown_state_suggests() -> None:
    text = mutate("      umbrella: yes\n", "      umbrella: yess\n")
    expect_error(text, "policy 'always': expected to choose a state of 'umbrella' (no, yes), "
                 "got 'yess'", "did you mean 'yes'?", node="umbrella", field="policies",
                 at=line(text, "yess"))


def test_rule_row_choosing_an_unknown_state() -> None:
    text = mutate("          choose: yes\n", "          choose: maybe\n")
    expect_error(text, "policy 'follow', rule row 1: expected to choose a state of 'umbrella'",
                 "got 'maybe'", node="umbrella", field="policies", at=line(text, "maybe"))


def test_rule_row_given_a_variable_the_decision_does_not_observe() -> None:
    text = mutate("given: {forecast: rainy}", "given: {weather: wet}")
    err = expect_error(text, "policy 'follow', rule row 1: expected `given` to name what "
                       "'umbrella' knows when it is taken (forecast, test), got 'weather', which "
                       "'umbrella' does not observe: add 'weather' to the `observes` of "
                       "'umbrella' for the policy to depend on it", node="umbrella",
                       field="policies", at=line(text, "given: {weather: wet}", 2))
    assert "did you mean" not in str(err)


def test_rule_row_of_a_decision_that_no_longer_observes_its_variable() -> None:
    # the policy was written when umbrella observed the forecast: say to observe it again,
    # never suggest another node
    text = mutate("    observes: [forecast]\n", "")
    err = expect_error(text, "got 'forecast', which 'umbrella' does not observe: add "
                       "'forecast' to the `observes` of 'umbrella'", node="umbrella",
                       field="policies")
    assert "did you mean" not in str(err)


def test_rule_row_naming_what_comes_after_the_decision() -> None:
    text = mutate("given: {forecast: rainy}", "given: {comfort: wet}")
    err = expect_error(text, "got 'comfort', which is not known when 'umbrella' is taken",
                       node="umbrella", field="policies")
    assert "observes" not in str(err).split("got 'comfort'")[1]


def test_rule_row_for_an_earlier_decision_naming_a_later_observation() -> None:
    text = mutate("      umbrella:\n        - given: {forecast: rainy}",
                  "      test:\n        - given: {forecast: rainy}")
    expect_error(text, "expected `given` to name what 'test' knows when it is taken (nothing)",
                 "got 'forecast'", node="test", field="policies")


def test_rule_rows_may_name_what_is_known_by_perfect_recall() -> None:
    text = mutate("given: {forecast: sunny}", "given: {forecast: sunny, test: yes}")
    d = loads(text, file=FILE)
    rows = d.policy("follow").rules["umbrella"]
    assert dict(rows[1].given) == {"forecast": "sunny", "test": "yes"}


def test_rule_row_given_an_unknown_state() -> None:
    text = mutate("given: {forecast: rainy}", "given: {forecast: stormy}")
    expect_error(text, "policy 'follow', rule row 1: expected a state of 'forecast' (sunny, "
                 "cloudy, rainy) in `given`, got forecast='stormy'", node="umbrella",
                 field="policies")


def test_overlapping_rule_rows_choosing_differently() -> None:
    text = mutate("        - given: {forecast: sunny}\n          choose: no\n",
                  "        - given: {forecast: sunny}\n          choose: no\n"
                  "        - given: {test: yes}\n          choose: no\n")
    expect_error(text, "policy 'follow', rule row 3: expected rule rows that agree where they "
                 "overlap, got 'no' on {forecast: rainy, test: yes} where rule row 1 chooses "
                 "'yes'", node="umbrella", field="policies", at=line(text, "given: {test: yes}", 2))


def test_overlapping_rule_rows_choosing_the_same_are_fine() -> None:
    text = mutate("        - given: {forecast: sunny}\n          choose: no\n",
                  "        - given: {forecast: sunny}\n          choose: no\n"
                  "        - given: {forecast: rainy, test: no}\n          choose: yes\n")
    assert len(loads(text, file=FILE).policy("follow").rules["umbrella"]) == 3


def test_rule_row_missing_choose() -> None:
    text = mutate("          choose: yes\n", "")
    expect_error(text, "rule row 1: missing `choose`", node="umbrella", field="policies")


def test_rule_row_unknown_key() -> None:
    text = mutate("          choose: yes\n", "          chose: yes\n")
    expect_error(text, "unknown key 'chose'", "did you mean 'choose'?", node="umbrella",
                 field="policies")


def test_rule_row_not_a_mapping() -> None:
    text = mutate("        - given: {forecast: sunny}\n          choose: no\n", "        - no\n")
    expect_error(text, "rule row 2: expected a mapping with `given` and `choose`, got text 'no'",
                 node="umbrella", field="policies")


def test_empty_rule_list() -> None:
    text = mutate("      umbrella: yes\n", "      umbrella: []\n")
    expect_error(text, "expected a state or a non-empty list of rule rows", node="umbrella",
                 field="policies")


def test_policy_unknown_key_suggests() -> None:
    text = mutate("    label: Always take it\n", "    lable: Always take it\n")
    expect_error(text, "policy 'always': unknown key 'lable'", "did you mean 'label'?",
                 field="policies", at=line(text, "lable"))


def test_policy_without_choose() -> None:
    text = mutate("    label: Always take it\n    choose:\n      test: no\n      umbrella: yes\n",
                  "    label: Always take it\n")
    expect_error(text, "policy 'always': expected `choose` to map decisions to states or rules",
                 field="policies")


def test_policy_not_a_mapping() -> None:
    text = BASE.split("policies:\n")[0] + "policies:\n  always: yes\n"
    expect_error(text, "policy 'always': expected a mapping with `choose`, got text 'yes'",
                 field="policies")


def test_policies_not_a_mapping() -> None:
    text = BASE.split("policies:\n")[0] + "policies: [always]\n"
    expect_error(text, "expected `policies` to map policy ids to policies, got a list",
                 field="policies")


# -- load: paths and bundled names -------------------------------------------------------------


def test_load_bundled_model_by_name() -> None:
    d = load("oil-wildcatter")
    assert d.name == "oil-wildcatter" and d.file == "oil_wildcatter.yaml"
    assert load("oil_wildcatter").fingerprint == d.fingerprint


def test_load_path(tmp_path: Path) -> None:
    path = tmp_path / "base.yaml"
    path.write_text(BASE, encoding="utf-8")
    assert load(path).name == "base"
    assert load(str(path)).file == str(path)


def test_errors_name_the_path(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(mutate("[dry, wet]", "[dry, dry]"), encoding="utf-8")
    with pytest.raises(ModelError, match="broken.yaml, line 6: node 'weather', field 'states'"):
        load(path)


def test_unknown_bundled_name_suggests_and_lists_models() -> None:
    with pytest.raises(ModelNotFoundError) as info:
        load("oil-wildcater")
    message = str(info.value)
    assert isinstance(info.value, LookupError)
    assert "'oil-wildcater'" in message and "did you mean 'oil-wildcatter'?" in message
    for name in influence.model.bundled.names():
        assert name in message


def test_nonexistent_path(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "model.yaml"
    with pytest.raises(ModelNotFoundError) as info:
        load(missing)
    message = str(info.value)
    assert str(missing) in message and "no such file" in message
    assert "oil-wildcatter" in message


def test_mistyped_path_suggests_the_bundled_model(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="did you mean 'oil-wildcatter'"):
        load(tmp_path / "oil_wildcater.yaml")


def test_directory_is_not_a_model(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="it is a directory"):
        load(tmp_path)


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secret.yaml"
    path.write_text(BASE, encoding="utf-8")

    def refuse(self: Path, *args: object, **kwargs: object) -> str:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_text", refuse)
    with pytest.raises(ModelNotFoundError) as info:
        load(path)
    message = str(info.value)
    assert "secret.yaml" in message and "cannot be read (Permission denied)" in message
    assert "oil-wildcatter" in message


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(ModelError, match="latin1.yaml: expected UTF-8 text"):
        load(path)


def test_diagram_from_dict_accepts_plain_dicts() -> None:
    d = diagram_from_dict(_json_model())
    assert d.file is None and d.names == ("rain", "take", "u")
    with pytest.raises(ModelError, match="node 'rain', field 'p'"):
        bad = _json_model()
        bad["nodes"]["rain"]["p"] = [0.5, 0.4]
        diagram_from_dict(bad)
