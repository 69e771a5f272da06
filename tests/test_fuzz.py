"""Fuzzing the readers: corrupted model files, model documents, evidence files and case files
give an :class:`~influence.InfluenceError` or a clean result, never another exception.

The corruptions start from valid files (the bundled models, an evidence file with counts and
case records): bytes flipped, the text cut short, spans replaced by YAML syntax or by extreme
literals (``1e400``, ``.nan``, an integer of 5,000 digits, ...), numbers replaced by such
literals, values of one type swapped for another. Hypothesis runs derandomized (the same
examples every run) and the number of examples is bounded so that the whole file takes a few
seconds.
"""

from __future__ import annotations

import copy
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from bet_model import BETA_BET, SEVEN_OF_TEN
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import influence
from influence.bayes.evidence import load_evidence
from influence.model import bundled
from influence.model.yamlio import load_yaml_text, plain

#: About a second per test on a laptop (tens of milliseconds per example: a load, an evaluation).
FUZZ = settings(max_examples=60, derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

MODELS = {name: bundled.path_of(name).read_text(encoding="utf-8")
          for name in ("umbrella", "oil-wildcatter")}

#: Literals and fragments a corruption writes in: extreme numbers, other types, YAML syntax.
LITERALS = ["1e400", "-1e400", ".nan", ".inf", "-.inf", "1" + "0" * 400, "-1" + "0" * 5000,
            "0x" + "f" * 300, "1e308", "-1.5e308", "1e-400", "-0", "9007199254740993", "[]",
            "{}", "null", "~", "true", "''", '"\\x1b[31m"', '"a\\nError: b"', "[1, [2]]",
            "{a: {b: c}}"]
SYNTAX = [":", "- ", "[", "]", "{", "}", "\n", "  ", "&a ", "*a", "!!python/object:os.system",
          "<<: *a", "%YAML 1.1\n", "\t", "---\n", "? ", "|", ">", "#", "\x00", "\ufeff",
          "[" * 300 + "]" * 300, "- " * 300 + "x", "&a [*a]", "&b [x, x, x] ",
          "[*b, *b, *b, *b]"]
NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:e[-+]?\d+)?(?![\w.])")


def _flip(data: st.DataObject, text: str) -> str:
    raw = bytearray(text.encode("utf-8"))
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] ^= 1 << data.draw(st.integers(0, 7))
    return raw.decode("utf-8", errors="replace")


def _replace_span(data: st.DataObject, text: str) -> str:
    i = data.draw(st.integers(0, len(text) - 1))
    j = min(len(text), i + data.draw(st.integers(0, 40)))
    return text[:i] + data.draw(st.sampled_from(LITERALS + SYNTAX)) + text[j:]


def _replace_numbers(data: st.DataObject, text: str) -> str:
    for _ in range(data.draw(st.integers(1, 3))):
        found = list(NUMBER.finditer(text))
        if not found:
            break
        m = found[data.draw(st.integers(0, len(found) - 1))]
        text = text[:m.start()] + data.draw(st.sampled_from(LITERALS)) + text[m.end():]
    return text


def _swap_value(data: st.DataObject, text: str) -> str:
    lines = text.splitlines()
    keyed = [i for i, line in enumerate(lines) if ":" in line]
    i = keyed[data.draw(st.integers(0, len(keyed) - 1))]
    head = lines[i][:lines[i].index(":") + 1]
    lines[i] = f"{head} {data.draw(st.sampled_from(LITERALS))}"
    return "\n".join(lines) + "\n"


#: The corruptions, the ones that keep the YAML readable (and so reach the checks of the
#: values) more often.
HOW = ["flip", "cut", "span", "numbers", "numbers", "numbers", "swap", "swap"]


def corrupt(data: st.DataObject, text: str) -> str:
    """``text`` with one or two corruptions."""
    for _ in range(data.draw(st.integers(1, 2))):
        how = data.draw(st.sampled_from(HOW))
        if how == "flip":
            text = _flip(data, text)
        elif how == "cut":
            text = text[:data.draw(st.integers(0, len(text)))]
        elif how == "span":
            text = _replace_span(data, text)
        elif how == "numbers":
            text = _replace_numbers(data, text)
        elif ":" in text:
            text = _swap_value(data, text)
        if not text:
            break
    return text


@FUZZ
@given(st.data())
def test_corrupted_model_files_load_cleanly_or_fail_with_an_influence_error(data):
    name = data.draw(st.sampled_from(sorted(MODELS)))
    text = corrupt(data, MODELS[name])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            diagram = influence.loads(text, file=f"{name}.yaml")
            result = influence.evaluate(diagram)
        except influence.InfluenceError:
            return
    assert np.isfinite(result.maximum_expected_utility)


# -- model documents: values of every type put anywhere ----------------------------------------

DOCUMENTS = {name: plain(load_yaml_text(text)) for name, text in MODELS.items()}
VALUES = [None, True, 0, -1, 10**400, -(10**5000), 1e308, -1e308, float("nan"), float("inf"),
          "", " ", "\x1b[2J", "a\nError: b", [], {}, [1, [2]], {"a": 1}, np.int64(3),
          np.float64(0.5), np.nan, 3.5, "0.5", (1, 2), b"bytes", {"normal": [1e308, 1]},
          {"uniform": [-1e308, 1e308]}, {"beta": [1e308, 1e308]}, {"dirichlet": [0, -1, 1]},
          {"normal": [0, -1]}]


def _paths(value, here=()):
    if here:
        yield here
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*here, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _paths(item, (*here, i))


@FUZZ
@given(st.data())
def test_model_documents_with_values_of_any_type_build_cleanly_or_fail_cleanly(data):
    name = data.draw(st.sampled_from(sorted(DOCUMENTS)))
    doc = copy.deepcopy(DOCUMENTS[name])
    for _ in range(data.draw(st.integers(1, 3))):
        paths = list(_paths(doc))
        path = paths[data.draw(st.integers(0, len(paths) - 1))]
        where = doc
        for step in path[:-1]:
            where = where[step]
        where[path[-1]] = copy.deepcopy(data.draw(st.sampled_from(VALUES)))
    try:
        diagram = influence.diagram_from_dict(doc, file=f"{name}.yaml")
        result = influence.evaluate(diagram)
    except influence.InfluenceError:
        return
    assert np.isfinite(result.maximum_expected_utility)


# -- evidence files and their case records -----------------------------------------------------

PRIORS_MODEL = """\
name: fuzz
nodes:
  oil:
    type: chance
    states: [dry, wet, soaking]
    p: [0.5, 0.3, 0.2]
    prior: {dirichlet: [5, 3, 2]}
  test:
    type: decision
    states: ["no", "yes"]
  result:
    type: chance
    states: [none, closed, open]
    parents: [oil, test]
    cpt:
      - {given: {oil: dry, test: "no"}, p: [1, 0, 0]}
      - {given: {oil: wet, test: "no"}, p: [1, 0, 0]}
      - {given: {oil: soaking, test: "no"}, p: [1, 0, 0]}
      - {given: {oil: dry, test: "yes"}, p: [0, 0.4, 0.6], prior: {beta: [2, 3], state: closed}}
      - {given: {oil: wet, test: "yes"}, p: [0, 0.5, 0.5], prior: {dirichlet: [1, 1, 1]}}
      - {given: {oil: soaking, test: "yes"}, p: [0, 0.8, 0.2]}
  payoff:
    type: utility
    parents: [oil]
    values:
      - {given: {oil: dry}, value: -70, prior: {normal: [-70, 5]}}
      - {given: {oil: wet}, value: 50}
      - {given: {oil: soaking}, value: 200, prior: {uniform: [150, 250]}}
"""
EVIDENCE = """\
model: fuzz
source: "well records"
observations:
  - node: oil
    counts: {dry: 12, wet: 5, soaking: 3}
    weight: 0.5
    source: survey
  - node: result
    given: {oil: dry, test: "yes"}
    counts: [0, 3, 4]
  - cases: cases.csv
    weight: 0.8
"""
CASES = "oil,test,result\ndry,yes,closed\n,yes,open\nwet,yes,\nsoaking,no,none\n"


PRIORS_DIAGRAM = influence.loads(PRIORS_MODEL)


@pytest.fixture(scope="module")
def evidence_folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("evidence")


def test_the_uncorrupted_evidence_reads(evidence_folder):
    (evidence_folder / "e.yaml").write_text(EVIDENCE)
    (evidence_folder / "cases.csv").write_text(CASES)
    evidence = load_evidence(evidence_folder / "e.yaml", PRIORS_DIAGRAM)
    assert len(evidence.counts) == 2 and len(evidence.cases[0].data) == 4


@FUZZ
@given(st.data())
def test_corrupted_evidence_and_case_files_read_cleanly_or_fail_with_an_influence_error(
        evidence_folder, data):
    evidence, cases = EVIDENCE, CASES
    if data.draw(st.booleans()):
        evidence = corrupt(data, EVIDENCE)
    else:
        cases = corrupt(data, CASES)
    (evidence_folder / "e.yaml").write_text(evidence, encoding="utf-8")
    (evidence_folder / "cases.csv").write_text(cases, encoding="utf-8")
    try:
        read = load_evidence(evidence_folder / "e.yaml", PRIORS_DIAGRAM)
    except influence.InfluenceError:
        return
    assert all(0 < c.weight <= 1 for c in (*read.counts, *read.cases))


# -- posterior files ---------------------------------------------------------------------------


#: Values written into a posterior's draws or attributes.
POSTERIOR_NUMBERS = [np.nan, np.inf, -np.inf, -1.0, 1.5, 0.0, 1.0, 1e308, -1e308, 1e-320, 2.0]
POSTERIOR_TEXTS = ["", "{}", "[]", "null", "{not json", "3", '"x"', "[1, 2]", "\x1b[31m",
                   '{"warnings": [1]}', '{"divergences": -1}', '[{"name": 1}]', "nuts",
                   '{"p[win]": {"kind": "beta", "a": -1, "b": 2, "states": ["no", "yes"]}}']
PRIORS_BET = BETA_BET.replace("value: 100}", "prior: {normal: [100, 10]}}")


@pytest.fixture(scope="module")
def posterior_file(tmp_path_factory):
    """A posterior of the betting model (a Beta prior on a row, a normal one on a utility)."""
    root = tmp_path_factory.mktemp("posterior-fuzz")
    (root / "bet.yaml").write_text(PRIORS_BET)
    (root / "evidence.yaml").write_text(SEVEN_OF_TEN)
    diagram = influence.load(root / "bet.yaml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        influence.fit(diagram, root / "evidence.yaml", draws=20, chains=2, seed=1).write(
            root / "post.nc")
    return root, diagram


def _corrupt_posterior(data: st.DataObject, nc) -> None:  # noqa: ANN001 - a netCDF4 Dataset
    groups = [nc] + list(nc.groups.values())
    group = data.draw(st.sampled_from(groups))
    how = data.draw(st.sampled_from(["draws", "draws", "attribute", "delete", "rename"]))
    variables = [v for v in group.variables.values() if getattr(v.dtype, "kind", "") == "f"]
    if how == "draws" and variables:
        var = data.draw(st.sampled_from(variables))
        values = var[...]
        flat = np.ma.getdata(values).reshape(-1)
        for _ in range(data.draw(st.integers(1, 3))):
            flat[data.draw(st.integers(0, flat.size - 1))] = data.draw(
                st.sampled_from(POSTERIOR_NUMBERS))
        var[...] = flat.reshape(values.shape)
    elif how == "attribute" or (how == "delete" and not group.ncattrs()):
        names = list(group.ncattrs()) or ["influence_method"]
        group.setncattr(data.draw(st.sampled_from(names)),
                        data.draw(st.sampled_from(POSTERIOR_TEXTS)))
    elif how == "delete":
        group.delncattr(data.draw(st.sampled_from(list(group.ncattrs()))))
    elif group.variables:
        name = data.draw(st.sampled_from(sorted(group.variables)))
        if name not in group.dimensions:
            group.renameVariable(name, name + "_x")


@FUZZ
@given(st.data())
def test_corrupted_posterior_files_read_cleanly_or_fail_with_an_influence_error(
        posterior_file, tmp_path_factory, data):
    """Draws overwritten with extreme or impossible numbers, attributes replaced by text of
    another type or deleted, variables renamed (in the file's structure, through netCDF4: the
    HDF5 library below it is not fuzzed byte by byte). Reading gives a PosteriorError or a
    posterior whose evaluation is finite."""
    netcdf4 = pytest.importorskip("netCDF4")
    root, diagram = posterior_file
    path = tmp_path_factory.mktemp("edited") / "post.nc"
    path.write_bytes((root / "post.nc").read_bytes())
    with netcdf4.Dataset(path, "r+") as nc:
        _corrupt_posterior(data, nc)
    try:
        posterior = influence.Posterior.read(path)
        result = influence.evaluate(diagram, posterior=posterior)
    except influence.InfluenceError:
        return
    assert np.isfinite(result.maximum_expected_utility)
    assert all(np.isfinite(o.expected_utility) for o in result.options)
