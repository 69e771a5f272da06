"""The YAML/JSON reader: YAML 1.2 core-schema scalars, line numbers, duplicate keys, errors."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from influence import ModelError
from influence.model.yamlio import LineDict, LineList, line_of, load_yaml_file, load_yaml_text


def scalars(text: str) -> list:
    return load_yaml_text(f"v: [{text}]")["v"]


@pytest.mark.parametrize("word", ["no", "yes", "No", "YES", "on", "off", "On", "OFF", "y", "n"])
def test_yaml11_boolean_words_stay_text(word: str) -> None:
    assert scalars(word) == [word]


@pytest.mark.parametrize(("word", "value"), [("true", True), ("True", True), ("TRUE", True),
                                             ("false", False), ("False", False)])
def test_true_and_false_are_booleans(word: str, value: bool) -> None:
    assert scalars(word) == [value]


def test_block_mapping_with_yes_no_keys_and_values() -> None:
    doc = load_yaml_text("given:\n  test: yes\n  no: off\n")
    assert doc == {"given": {"test": "yes", "no": "off"}}


@pytest.mark.parametrize(("text", "value"), [
    ("10", 10), ("-3", -3), ("+4", 4), ("010", 10), ("0o17", 15), ("0x1f", 31),
])
def test_integers_follow_yaml12(text: str, value: int) -> None:
    (got,) = scalars(text)
    assert got == value and type(got) is int


@pytest.mark.parametrize(("text", "value"), [
    ("0.5", 0.5), (".5", 0.5), ("1e-3", 0.001), ("1E2", 100.0), ("-2.5e+1", -25.0),
    ("5.", 5.0), (".inf", math.inf), ("-.Inf", -math.inf),
])
def test_floats_follow_yaml12(text: str, value: float) -> None:
    (got,) = scalars(text)
    assert got == value and type(got) is float


def test_nan() -> None:
    (got,) = scalars(".nan")
    assert math.isnan(got)


@pytest.mark.parametrize("text", ["1:30", "2024-01-01", "1_000", "0b101", "e5", "1.2.3", "0x"])
def test_yaml11_only_numbers_and_dates_stay_text(text: str) -> None:
    assert scalars(text) == [text]


def test_nulls() -> None:
    assert scalars("null, ~, Null") == [None, None, None]
    assert load_yaml_text("a:\nb: null\n") == {"a": None, "b": None}


def test_quoted_scalars_stay_text() -> None:
    assert scalars("'true', \"5\", '1e-3'") == ["true", "5", "1e-3"]


def test_empty_document_is_none() -> None:
    assert load_yaml_text("") is None
    assert load_yaml_text("# nothing here\n") is None


def test_line_numbers_of_keys_and_items() -> None:
    doc = load_yaml_text("name: m\nnodes:\n  a:\n    states:\n      - x\n      - y\n")
    assert isinstance(doc, LineDict) and doc.line == 1
    assert doc.key_lines == {"name": 1, "nodes": 2}
    assert line_of(doc, "nodes") == 2 and line_of(doc["nodes"], "a") == 3
    states = doc["nodes"]["a"]["states"]
    assert isinstance(states, LineList) and states.item_lines == [5, 6]
    assert line_of(states, 1) == 6 and line_of(states) == 5
    assert line_of(states, 7) == 5  # out of range: the list's own line
    assert line_of(doc, "missing") == 1
    assert line_of({"plain": 1}, "plain") is None


def test_syntax_error_has_file_line_and_column() -> None:
    with pytest.raises(ModelError) as info:
        load_yaml_text("a: 1\nb: [1, 2\nc: 3\n", file="m.yaml")
    err = info.value
    assert err.file == "m.yaml" and err.line is not None and err.line >= 2
    assert str(err).startswith(f"m.yaml, line {err.line}: YAML syntax error, column ")


def test_tab_indentation_is_a_syntax_error() -> None:
    with pytest.raises(ModelError, match=r"m.yaml, line 2: YAML syntax error.*'\\t'"):
        load_yaml_text("a:\n\tb: 1\n", file="m.yaml")


def test_duplicate_key_names_both_lines() -> None:
    with pytest.raises(ModelError) as info:
        load_yaml_text("a: 1\nb: 2\na: 3\n", file="m.yaml")
    err = info.value
    assert err.line == 3 and err.field == "a" and err.node is None
    assert "duplicate key 'a' in the top level" in str(err)
    assert "expected each key once in a mapping, got it on line 1 and again on line 3" in str(err)


def test_duplicate_key_inside_a_node_names_node_and_field() -> None:
    text = "nodes:\n  n1:\n    cpt:\n      - given: {x: a}\n        p: [1]\n        p: [1]\n"
    with pytest.raises(ModelError) as info:
        load_yaml_text(text, file="m.yaml")
    err = info.value
    assert (err.node, err.field, err.line) == ("n1", "cpt", 6)
    assert "in nodes > n1 > cpt > row 1:" in str(err)  # rows are numbered from 1


def test_duplicate_node_names() -> None:
    with pytest.raises(ModelError) as info:
        load_yaml_text("nodes:\n  a: {}\n  b: {}\n  a: {}\n", file="m.yaml")
    assert (info.value.node, info.value.field, info.value.line) == ("a", "nodes", 4)


def test_duplicate_key_outside_nodes_names_the_top_field() -> None:
    with pytest.raises(ModelError) as info:
        load_yaml_text("policies:\n  p:\n    label: x\n    label: y\n")
    assert info.value.field == "policies" and info.value.node is None


def test_duplicate_keys_through_merge_are_not_duplicates() -> None:
    doc = load_yaml_text("base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\n")
    assert doc["other"] == {"x": 1, "y": 3}


def test_complex_key_is_an_error() -> None:
    with pytest.raises(ModelError, match="expected a plain key in the top level, got a list"):
        load_yaml_text("? [a, b]\n: 1\n")


def test_json_text() -> None:
    data = {"name": "m", "nodes": {"a": {"states": ["no", "yes"], "p": [0.25, 7.5e-1]}}}
    assert load_yaml_text(json.dumps(data)) == data


def test_json_with_tab_indentation() -> None:
    data = {"name": "m", "list": [1, 2, {"k": "v\tw"}]}
    text = json.dumps(data, indent="\t")
    assert "\t" in text
    doc = load_yaml_text(text)
    assert doc == data
    assert line_of(doc, "list") == 3


def test_invalid_json_with_tabs_is_still_a_syntax_error() -> None:
    with pytest.raises(ModelError, match="YAML syntax error"):
        load_yaml_text('{\n\t"a": 1,\n\t"a" 2\n}', file="m.json")


def test_json_duplicate_keys() -> None:
    with pytest.raises(ModelError, match="duplicate key 'a'"):
        load_yaml_text('{"a": 1, "a": 2}')


def test_load_yaml_file(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("states: [no, yes]\n", encoding="utf-8")
    assert load_yaml_file(path) == {"states": ["no", "yes"]}


def test_load_yaml_file_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"a: \xff\n")
    with pytest.raises(ModelError, match="bad.yaml: expected UTF-8 text, got undecodable"):
        load_yaml_file(bad)
    with pytest.raises(ModelError, match="missing.yaml: cannot read the file"):
        load_yaml_file(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("a: [\n", encoding="utf-8")
    with pytest.raises(ModelError, match=r"broken.yaml, line \d+: YAML syntax error"):
        load_yaml_file(broken)
