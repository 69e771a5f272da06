"""Hostile input: numbers that could overflow, utility weights, evidence counts, case files
outside their folder, control characters in printed text, and several files to validate.

Each class of bad input gets a clean :class:`~influence.InfluenceError` naming the file, node,
field and line (never a traceback nor a wrong answer), and what is printed from a file cannot
act on a terminal.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import influence
from influence.bayes.evidence import evidence_from_dict, load_evidence
from influence.cli.main import cli
from influence.errors import EvidenceError, ModelError
from influence.limits import MAX_COUNT, UTILITY_BOUND
from influence.messages import json_printable, printable, printable_text
from influence.model.yamlio import load_yaml_text

#: What a terminal acts on: the control characters but the newline and the tab (which DOT text
#: indents with), and the bidirectional overrides.
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def run(*args: str):
    return CliRunner(catch_exceptions=False).invoke(cli, list(args))


def utility_model(*lines: str) -> str:
    """A model of one utility node ``u`` with the given lines (4 spaces in) after its type."""
    return "name: m\nnodes:\n  u:\n    type: utility\n" + "".join(f"    {x}\n" for x in lines)


# -- numbers that could overflow are refused when the model is loaded --------------------------


@pytest.mark.parametrize(("lines", "field", "line"), [
    (["value: 1.5e308"], "value", 5),
    (["value: 1.0e300"], "value", 5),
    (["value: 10", "weight: 1e308"], "weight", 6),
    (["value: 1e200", "weight: 1e150"], "weight", 6),
    (["prior: {normal: [1e308, 1]}"], "prior", 5),
    (["prior: {normal: [0, 1e299]}"], "prior", 5),
    (["prior: {uniform: [-1e308, 1e308]}"], "prior", 5),
])
def test_utilities_whose_sums_could_overflow_are_refused_with_the_bound(lines, field, line):
    with pytest.raises(ModelError) as caught:
        influence.loads(utility_model(*lines), file="m.yaml")
    err = caught.value
    assert (err.file, err.node, err.field, err.line) == ("m.yaml", "u", field, line)
    assert f"{UTILITY_BOUND:.0e}" in str(err)


def test_the_bound_is_on_the_sum_over_utility_nodes():
    text = ("name: m\nnodes:\n  a:\n    type: utility\n    value: 6e299\n"
            "  b:\n    type: utility\n    value: -7e299\n")
    with pytest.raises(ModelError, match=r"got 1\.3e\+300; 'b' alone reaches 7e\+299") as caught:
        influence.loads(text, file="m.yaml")
    assert (caught.value.node, caught.value.line) == ("b", 8)
    # Each alone is within the bound, and so is a model just under it: solved, finite.
    for value in ("6e299", "-7e299", "9.9e299"):
        result = influence.evaluate(influence.loads(utility_model(f"value: {value}")))
        assert result.maximum_expected_utility == pytest.approx(float(value))


def test_a_uniform_prior_over_every_float_never_reaches_the_solver():
    text = utility_model("prior: {uniform: [-1e308, 1e308]}")
    with pytest.raises(ModelError, match="stay within"):
        influence.evaluate(influence.loads(text), prior=True, draws=10, seed=1)


@pytest.mark.parametrize("prior", ["{dirichlet: [1e300, 1e300]}",
                                   "{mean: [0.5, 0.5], strength: 1e301}",
                                   "{beta: [1e308, 1e308]}"])
def test_prior_concentrations_that_could_overflow_are_refused(prior):
    text = ("name: m\nnodes:\n  c:\n    type: chance\n    states: [a, b]\n"
            f"    prior: {prior}\n  u:\n    type: utility\n    parents: [c]\n    values:\n"
            "      - {given: {c: a}, value: 1}\n      - {given: {c: b}, value: 0}\n")
    with pytest.raises(ModelError, match="concentrations summing to less than 1e\\+300") as err:
        influence.loads(text, file="m.yaml")
    assert (err.value.node, err.value.field) == ("c", "prior")


@pytest.mark.parametrize("literal", ["1" + "0" * 400, "-1" + "0" * 400, "1" + "0" * 5000,
                                     "0x" + "f" * 300])
def test_integer_literals_a_float_cannot_hold_are_errors_at_their_line(literal):
    for text, line in ((utility_model(f"value: {literal}"), 5),
                       ('{"name": "m",\n "nodes": {"u": {"type": "utility",\n'
                        f' "value": {literal}}}}}}}\n', 3)):
        with pytest.raises(ModelError) as caught:
            influence.loads(text, file="m.yaml")
        err = caught.value
        assert (err.line, err.node, err.field) == (line, "u", "value")
        assert "what a float holds" in str(err) and "digits" in str(err)


def test_python_integers_a_float_cannot_hold_are_refused_without_a_traceback():
    for value in (10**400, -(10**5000)):
        doc = {"name": "m", "nodes": {"u": {"type": "utility", "value": value}}}
        with pytest.raises(ModelError, match="what a float holds"):
            influence.diagram_from_dict(doc)
        with pytest.raises(ModelError, match="expected a number"):
            influence.Node("u", "utility", table=1.0, weight=value)


def test_numpy_numbers_are_accepted_wherever_numbers_are():
    def doc(num, integer, text):
        return {
            "name": "np", "title": text("T"), "nodes": {
                "c": {"type": "chance", "states": [integer(1), text("b")],
                      "p": [num(0.25), num(0.75)], "label": integer(5)},
                "d": {"type": "decision", "states": ["x", "y"]},
                "u": {"type": "utility", "parents": ["c", "d"], "weight": integer(3),
                      "values": [
                          {"given": {"c": integer(1), "d": "x"}, "value": integer(3)},
                          {"given": {"c": "b", "d": "x"}, "value": num(1.5)},
                          {"given": {"c": 1, "d": "y"}, "value": num(0.0),
                           "prior": {"normal": [integer(0), num(2.0)]}},
                          {"given": {"c": "b", "d": "y"}, "value": integer(2)}]},
            }}

    plain = influence.diagram_from_dict(doc(float, int, str))
    numpy = influence.diagram_from_dict(doc(np.float64, np.int64, np.str_))
    assert numpy.fingerprint == plain.fingerprint
    assert numpy.node("c").states == ("1", "b") and numpy.node("c").label == "5"
    assert influence.evaluate(numpy).maximum_expected_utility == pytest.approx(
        influence.evaluate(plain).maximum_expected_utility)
    evidence = evidence_from_dict({"model": "np", "observations": [
        {"node": "c", "counts": {"1": np.int64(2)}, "weight": np.float32(0.5)}]},
        influence.diagram_from_dict({**doc(float, int, str), "nodes": {
            **doc(float, int, str)["nodes"],
            "c": {**doc(float, int, str)["nodes"]["c"], "prior": {"beta": [2, 2]}}}}))
    assert evidence.counts[0].counts == (2, 0) and evidence.counts[0].weight == 0.5


# -- utility weights are above zero ------------------------------------------------------------


@pytest.mark.parametrize("weight", ["-1", "0", "-0.0", "-1e-9"])
def test_weights_not_above_zero_are_refused(weight):
    with pytest.raises(ModelError, match="expected a weight above 0") as caught:
        influence.loads(utility_model("value: 10", f"weight: {weight}"), file="m.yaml")
    assert (caught.value.node, caught.value.field, caught.value.line) == ("u", "weight", 6)
    with pytest.raises(ModelError, match="expected a weight above 0"):
        influence.Node("u", "utility", table=10.0, weight=float(weight))


def test_a_positive_weight_multiplies_the_utility():
    result = influence.evaluate(influence.loads(utility_model("value: 10", "weight: 0.25")))
    assert result.maximum_expected_utility == pytest.approx(2.5)


def test_the_weight_rule_is_documented():
    text = (Path(__file__).resolve().parents[1] / "docs" / "model-format.md").read_text()
    assert "finite number **above 0**" in text


# -- evidence: counts and weights bounded ------------------------------------------------------

BET = """\
name: bet
nodes:
  win:
    type: chance
    states: ["no", "yes"]
    p: [0.5, 0.5]
    prior: {beta: [2, 2], state: "yes"}
  bet:
    type: decision
    states: [pass, bet]
  gain:
    type: utility
    parents: [bet, win]
    values:
      - {given: {bet: pass, win: "no"}, value: 0}
      - {given: {bet: pass, win: "yes"}, value: 0}
      - {given: {bet: bet, win: "no"}, value: -50}
      - {given: {bet: bet, win: "yes"}, value: 100}
"""


@pytest.fixture
def bet():
    return influence.loads(BET, file="bet.yaml")


@pytest.mark.parametrize(("entry", "field", "what"), [
    ('counts: {"yes": 1e300}', "counts", "at most 9007199254740992 cases"),
    ('counts: {"yes": 9007199254740992, "no": 1}', "counts", "in all"),
    ('counts: {"yes": 3}\n    weight: ' + "1" + "0" * 30, "weight", "in (0, 1]"),
    ('counts: {"yes": 3}\n    weight: 1e400', "weight", "a number in (0, 1]"),
    # Read by the YAML reader: the line of the literal.
    ('counts: {"yes": ' + "1" + "0" * 400 + "}", None, "what a float holds"),
    ('counts: {"yes": ' + "1" + "0" * 5000 + "}", None, "what a float holds"),
    ('counts: {"yes": 3}\n    weight: ' + "1" + "0" * 400, None, "what a float holds"),
])
def test_evidence_counts_and_weights_are_bounded(bet, tmp_path, entry, field, what):
    path = tmp_path / "e.yaml"
    path.write_text(f"model: bet\nobservations:\n  - node: win\n    {entry}\n")
    with pytest.raises(EvidenceError, match=re.escape(what)) as caught:
        load_evidence(path, bet)
    assert caught.value.line == 4 + ("weight" in entry)
    if field is not None:
        assert (caught.value.field, caught.value.node) == (field, "win")
    for value in (10**400, 1e300, 2 * MAX_COUNT):  # from Python: the same checks
        with pytest.raises(EvidenceError, match="what a float holds|at most"):
            evidence_from_dict({"model": "bet", "observations": [
                {"node": "win", "counts": {"yes": value}}]}, bet)


def test_the_largest_count_is_kept_exactly(bet):
    evidence = evidence_from_dict({"model": "bet", "observations": [
        {"node": "win", "counts": {"yes": MAX_COUNT}}]}, bet)
    assert evidence.counts[0].counts == (0, MAX_COUNT)


# -- evidence: case files confined to their folder ---------------------------------------------


@pytest.fixture
def folders(tmp_path, bet):
    """An evidence folder and a shared folder beside it, each with a case file."""
    (tmp_path / "ev").mkdir()
    (tmp_path / "shared").mkdir()
    (tmp_path / "ev" / "mine.csv").write_text('win\nyes\n"no"\n')
    (tmp_path / "shared" / "theirs.csv").write_text("win\nyes\nyes\n")
    return tmp_path


def evidence_naming(folder: Path, cases: str) -> Path:
    path = folder / "ev" / "e.yaml"
    path.write_text(f"model: bet\nobservations:\n  - cases: {json.dumps(cases)}\n")
    return path


def test_a_case_file_in_the_evidence_folder_is_read(folders, bet):
    evidence = load_evidence(evidence_naming(folders, "mine.csv"), bet)
    assert evidence.cases[0].data.tolist() == [[1], [0]]


@pytest.mark.parametrize("cases", ["/etc/shadow", "/proc/self/environ", "/etc/passwd"])
def test_absolute_case_paths_are_refused_without_reading_them(folders, bet, cases):
    with pytest.raises(EvidenceError, match="expected a path relative to the evidence") as err:
        load_evidence(evidence_naming(folders, cases), bet)
    assert "root:" not in str(err.value)  # nothing of the file is echoed
    assert (err.value.field, err.value.line) == ("cases", 3)


def test_paths_leading_out_of_the_folder_need_cases_dir(folders, bet):
    (folders / "ev" / "link.csv").symlink_to(folders / "shared" / "theirs.csv")
    for cases in ("../shared/theirs.csv", "link.csv"):
        path = evidence_naming(folders, cases)
        with pytest.raises(EvidenceError, match="name its folder with `cases_dir`") as caught:
            load_evidence(path, bet)
        assert caught.value.parameter == "cases_dir"
        assert str(folders / "shared" / "theirs.csv") in str(caught.value)
        allowed = load_evidence(path, bet, cases_dir=folders / "shared")
        assert allowed.cases[0].data.tolist() == [[1], [1]]
    outside = evidence_naming(folders, "../../" * 10 + "etc/passwd")
    with pytest.raises(EvidenceError, match="expected a file inside"):
        load_evidence(outside, bet, cases_dir=folders / "shared")


def test_cases_dir_must_be_a_folder(folders, bet):
    path = evidence_naming(folders, "mine.csv")
    with pytest.raises(EvidenceError, match="expected `cases_dir` to be an existing folder"):
        load_evidence(path, bet, cases_dir=folders / "ev" / "mine.csv")
    with pytest.raises(influence.ArgumentTypeError, match="`cases_dir`"):
        load_evidence(path, bet, cases_dir=3)


def _load_in_thread(path, diagram):
    outcome: list = []

    def target():
        try:
            outcome.append(load_evidence(path, diagram))
        except Exception as exc:  # noqa: BLE001 - reported by the test
            outcome.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(10)
    return thread, outcome


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need a POSIX system")
def test_a_named_pipe_as_case_file_is_refused_without_blocking(folders, bet):
    fifo = folders / "ev" / "pipe.csv"
    os.mkfifo(fifo)
    thread, outcome = _load_in_thread(evidence_naming(folders, "pipe.csv"), bet)
    if thread.is_alive():  # unblock the reader before failing
        with open(fifo, "w") as fh:
            fh.write("win\nyes\n")
        pytest.fail("reading a named pipe blocked")
    assert isinstance(outcome[0], EvidenceError)
    assert "expected a regular file, got a named pipe" in str(outcome[0])


def test_a_device_as_case_file_is_refused(folders, bet):
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    (folders / "ev" / "zero.csv").symlink_to("/dev/zero")
    path = evidence_naming(folders, "zero.csv")
    with pytest.raises(EvidenceError, match="expected a file inside"):
        load_evidence(path, bet)
    # Inside a folder it may read, it is still no regular file: refused, not read for ever.
    with pytest.raises(EvidenceError, match="expected a regular file, got a character device"):
        load_evidence(path, bet, cases_dir="/dev")


def test_messages_quote_a_short_escaped_excerpt_of_a_case_file(folders, bet):
    secret = "root:$6$" + "s3cr3t" * 40 + "\x1b[2J"
    (folders / "ev" / "bad.csv").write_text(f"{secret}\nyes\n")
    with pytest.raises(EvidenceError, match="unknown node") as caught:
        load_evidence(evidence_naming(folders, "bad.csv"), bet)
    message = str(caught.value)
    assert secret[:40] in message and secret[:41] not in message
    (folders / "ev" / "cell.csv").write_text(f"win\n{secret}\n")
    with pytest.raises(EvidenceError, match="expected a state of 'win'") as caught:
        load_evidence(evidence_naming(folders, "cell.csv"), bet)
    assert secret[:41] not in str(caught.value) and not RAW_CONTROL.search(str(caught.value))


def test_fit_takes_cases_dir_on_the_command_line(folders, bet, tmp_path):
    model = folders / "ev" / "bet.yaml"
    model.write_text(BET)
    evidence = evidence_naming(folders, "../shared/theirs.csv")
    out = tmp_path / "post.nc"
    refused = run("fit", str(model), "-e", str(evidence), "-o", str(out))
    assert refused.exit_code == 1 and not out.exists()
    assert "name its folder with --cases-dir to allow it" in refused.stderr
    assert refused.stderr.count("\n") == 1
    # the library call for the same option (the command reads the evidence with it)
    allowed = load_evidence(evidence, bet, cases_dir=str(folders / "shared"))
    assert allowed.inputs[-1].endswith("theirs.csv")


# -- control characters in printed text are escaped --------------------------------------------

HOSTILE = """\
name: hostile
title: "Title\\x1b[31m red\\nError: fake title line"
description: "Desc\\rover\\x07"
units: "pts\\x1b[0m"
source: "src\\nError: fake source"
nodes:
  weather:
    type: chance
    label: "Weather\\x1b[2J"
    description: "d\\x9b2J"
    source: "s\\u202eevil"
    states: ["rain\\nError: fake state", "sun\\x1b[1m"]
    p: [0.4, 0.6]
  umbrella:
    type: decision
    label: "Umb\\rrella"
    states: ["take\\x1b[5m", leave]
    observes: [weather]
  joy:
    type: utility
    unit: "u\\x1b]0;title\\x07"
    parents: [weather, umbrella]
    values:
      - {given: {weather: "rain\\nError: fake state", umbrella: "take\\x1b[5m"}, value: 70}
      - {given: {weather: "rain\\nError: fake state", umbrella: leave}, value: 0}
      - {given: {weather: "sun\\x1b[1m", umbrella: "take\\x1b[5m"}, value: 20}
      - {given: {weather: "sun\\x1b[1m", umbrella: leave}, value: 100}
policies:
  always:
    label: "Always\\nError: fake policy"
    choose: {umbrella: "take\\x1b[5m"}
"""


@pytest.fixture
def hostile(tmp_path):
    path = tmp_path / "hostile.yaml"
    path.write_text(HOSTILE)
    return path


def assert_inert(text: str) -> None:
    """No control character but the newline, and no line that a file's text put there."""
    assert not RAW_CONTROL.search(text), repr(text[:200])
    assert not any(line.startswith("Error: fake") for line in text.splitlines())


def test_printable_escapes_controls_and_keeps_unicode():
    assert printable("a\x1b[31mb\nError: c\r\t\x00\x9b\u202e") == \
        "a\\x1b[31mb\\nError: c\\r\\t\\x00\\x9b\\u202e"
    assert printable("Pétrole 油 ✓") == "Pétrole 油 ✓"
    assert printable(printable("x\x1by")) == printable("x\x1by")  # escaping twice: no change
    assert printable_text("a\nb\x1b") == "a\nb\\x1b"
    assert json.loads(json_printable(json.dumps("\x9b\u2028x", ensure_ascii=False))) == \
        "\x9b\u2028x"


@pytest.mark.parametrize("args", [
    ("show",), ("show", "--tables"), ("evaluate",), ("evaluate", "--all-states"),
    ("evaluate", "--format", "csv"), ("validate",), ("graph",),
])
def test_text_from_a_model_file_is_printed_inert(hostile, args):
    result = run(args[0], str(hostile), *args[1:])
    assert result.exit_code == 0, result.output
    assert_inert(result.stdout)
    assert_inert(result.stderr)
    assert "\\x1b[31m" in result.stdout or args[0] in ("validate", "graph") or \
        "--format" in args


def test_json_output_stays_json_and_keeps_the_text(hostile):
    for args in (("evaluate",), ("show",)):
        result = run(args[0], str(hostile), "--format", "json")
        assert result.exit_code == 0
        assert not RAW_CONTROL.search(result.stdout)
        data = json.loads(result.stdout)
        assert data["title"] == "Title\x1b[31m red\nError: fake title line"


def test_errors_quoting_a_file_are_one_inert_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(HOSTILE.replace('p: [0.4, 0.6]', 'p: {"rain\\nError: fake state": 0.4, '
                                                       '"\\x1b[2Jsnow": 0.6}'))
    with pytest.raises(ModelError) as caught:
        influence.load(path)
    assert_inert(str(caught.value))
    result = run("evaluate", str(path))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert_inert(result.stderr)


def test_posterior_names_and_warnings_are_printed_inert(hostile, capsys):
    from influence.cli.evaluate import echo_posterior_warnings
    from influence.io.evaluation_text import evaluation_table

    diagnostics = {"method": "nuts\x1b[31m", "chains": "4\nError: fake chains", "draws": 10,
                   "divergences": "2\x1b[2J", "parameters": {},
                   "warnings": ["p[rain]\x1b[31m: r_hat 1.2\nError: fake warning"]}
    result = influence.evaluate(influence.load(hostile))
    table = evaluation_table(dataclasses.replace(result, diagnostics=diagnostics))
    assert_inert(table)
    assert "nuts\\x1b[31m" in table and "Error: fake warning" in table  # on a line of its own: no
    echo_posterior_warnings(diagnostics)
    err = capsys.readouterr().err
    assert_inert(err)
    assert err.count("\n") == 1 and err.startswith("WARNING: p[rain]\\x1b[31m")


def test_names_from_files_of_other_tools_are_printed_inert(tmp_path):
    name = "x&#10;Error: fake&#13;y"  # XML keeps a newline and a carriage return in a name
    path = tmp_path / "w.bifxml"
    path.write_text(
        '<?xml version="1.0"?>\n<BIF VERSION="0.3"><NETWORK><NAME>n</NAME>'
        f'<VARIABLE TYPE="nature"><NAME>{name}</NAME><OUTCOME>a</OUTCOME><OUTCOME>b</OUTCOME>'
        '</VARIABLE><VARIABLE TYPE="utility"><NAME>U</NAME><OUTCOME>0</OUTCOME></VARIABLE>'
        f'<DEFINITION><FOR>{name}</FOR><TABLE>0.5 0.5</TABLE></DEFINITION>'
        f'<DEFINITION><FOR>U</FOR><GIVEN>{name}</GIVEN><TABLE>1 2</TABLE></DEFINITION>'
        '</NETWORK></BIF>')
    for args in (("validate",), ("show",), ("evaluate",)):
        result = run(args[0], str(path))
        assert result.exit_code == 0
        assert_inert(result.stdout)
        assert_inert(result.stderr)
        assert result.stderr.startswith("WARNING: 1 node name(s) are not influence ids")
    assert "x\\nError: fake\\ry" in run("show", str(path)).stdout  # the label, escaped


# -- validate checks every file ----------------------------------------------------------------


def test_validate_reports_every_file_and_exits_1_if_one_fails(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(utility_model("value: 3"))
    big = tmp_path / "big.yaml"
    big.write_text(utility_model("value: 1" + "0" * 400))
    huge = tmp_path / "huge.yaml"
    huge.write_text(utility_model("value: 1" + "0" * 5000))
    weight = tmp_path / "weight.yaml"
    weight.write_text(utility_model("value: 3", "weight: -2"))
    result = run("validate", str(big), str(good), str(huge), "umbrella", str(weight))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{good}: valid: 1 node (0 chance, 0 decision, 1 utility), 0 policies",
        "umbrella: valid: 4 nodes (2 chance, 1 decision, 1 utility), 3 policies"]
    errors = result.stderr.splitlines()
    assert [e.split(",")[0] for e in errors] == [f"Error: {big}", f"Error: {huge}",
                                                 f"Error: {weight}"]
    assert "line 5" in errors[0] and "line 5" in errors[1] and "line 6" in errors[2]
    assert run("validate", str(good), "umbrella").exit_code == 0


# -- YAML: nesting and aliases bounded before the document is built ---------------------------


def test_deep_nesting_is_refused_before_libyaml_composes_it():
    """100,000 levels overflow libyaml's recursive composer (a segmentation fault, not an
    exception): run in another process so that a regression cannot take the tests down."""
    code = ("import influence\n"
            "for text in ('[' * 100000 + ']' * 100000, '- ' * 100000 + 'a',\n"
            "             'name: m\\nnodes: ' + '[' * 300 + ']' * 300):\n"
            "    try:\n"
            "        influence.loads(text, file='deep.yaml')\n"
            "    except influence.ModelError as err:\n"
            "        print(err)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.splitlines() == [
        "deep.yaml, line 1: expected at most 100 levels of nesting, got more"] * 2 + [
        "deep.yaml, line 2: expected at most 100 levels of nesting, got more"]


def test_one_hundred_levels_are_read():
    doc = load_yaml_text("[" * 100 + "1" + "]" * 100)
    for _ in range(99):
        doc = doc[0]
    assert doc == [1]


def _alias_bomb(levels: int) -> str:
    lines = ["x0: &x0 [a, a, a, a, a, a, a, a, a, a]"]
    lines += [f"x{i}: &x{i} [{', '.join([f'*x{i - 1}'] * 10)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def _merge_bomb(levels: int) -> str:
    lines = ["p0: &p0 {" + ", ".join(f"k{i}: 1" for i in range(10)) + "}"]
    lines += [f"p{i}: &p{i} {{<<: [*p{i - 1}, *p{i - 1}]}}" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("text", [_alias_bomb(6), _merge_bomb(17)])
def test_aliases_that_multiply_the_document_are_refused(text):
    with pytest.raises(ModelError, match="expected aliases .* that repeat at most 10 times"):
        load_yaml_text(text, file="bomb.yaml")
    # inside a model: refused before any of its checks
    with pytest.raises(ModelError, match="repeat at most"):
        influence.loads("name: m\nnodes:\n" + textwrap.indent(text, "  "), file="m.yaml")


def test_a_recursive_alias_is_refused():
    with pytest.raises(ModelError, match="recursive aliases") as caught:
        load_yaml_text("a: &a [1, *a]\n", file="r.yaml")
    assert caught.value.line == 1


def test_anchors_and_merges_within_bounds_still_work():
    text = utility_model("value: 1").replace("nodes:", "nodes:\n  base: &base\n    type: utility\n"
                                             "    value: 2").replace(
        "  u:\n    type: utility", "  u:\n    <<: *base")
    diagram = influence.loads(text)
    assert [(u.name, float(u.table)) for u in diagram.utilities] == [("base", 2.0), ("u", 1.0)]


# -- XML: entities refused, external DTDs not fetched ------------------------------------------


def test_xml_entities_external_dtds_and_inclusions_are_inert(tmp_path):
    dtd = tmp_path / "x.dtd"
    dtd.write_text('<!ENTITY secret "from the DTD">')
    cases = {
        "parameter.bifxml": '<!DOCTYPE BIF [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>'
                            "<BIF/>",
        "quadratic.bifxml": '<!DOCTYPE BIF [<!ENTITY a "' + "x" * 10000 + '">]><BIF>'
                            + "&a;" * 1000 + "</BIF>",
        "external.xdsl": f'<!DOCTYPE smile SYSTEM "{dtd.as_uri()}"><smile>&secret;</smile>',
    }
    for name, body in cases.items():
        path = tmp_path / name
        path.write_text('<?xml version="1.0"?>\n' + body)
        with pytest.raises(ModelError) as caught:
            influence.load(path)
        assert "from the DTD" not in str(caught.value)
        assert "root:" not in str(caught.value)
    # An XInclude is not followed: the file reads as a network without /etc/passwd in it.
    include = tmp_path / "include.bifxml"
    include.write_text('<?xml version="1.0"?>\n<BIF VERSION="0.3" '
                       'xmlns:xi="http://www.w3.org/2001/XInclude"><NETWORK><NAME>n</NAME>'
                       '<xi:include href="/etc/passwd" parse="text"/></NETWORK></BIF>')
    try:
        diagram = influence.load(include)
    except ModelError as err:
        assert "root:" not in str(err)
    else:
        shown = [(n.name, n.label, n.description, n.states) for n in diagram.nodes]
        assert "root:" not in repr(shown)


# -- the documentation states the limits the code has -------------------------------------------


def test_the_security_page_states_the_limits_in_force():
    from influence import limits
    from influence.bayes import cases

    text = (Path(__file__).resolve().parents[1] / "docs" / "security.md").read_text()
    text = " ".join(text.split())
    assert f"below {limits.UTILITY_BOUND:.0e}".replace("e+", "e") in text
    assert f"mean ± {limits.PRIOR_SPREAD:g} standard deviations" in text
    assert f"less than {limits.CONCENTRATION_BOUND:.0e}".replace("e+", "e") in text
    assert limits.MAX_COUNT == 2**53 and "at most 2**53 cases" in text
    assert f"deeper than {limits.YAML_NESTING} levels" in text
    assert limits.YAML_EXPANSION == 10 and "beyond ten times what is written" in text
    assert f"first {cases._CELL} characters" in text
    assert limits.MEMORY_FRACTION == 0.5 and "half the machine's physical memory" in text
    assert f"{limits.MEMORY_BUDGET // 2**20} MiB" in text
