"""Posterior files as input: every draw and attribute is checked on reading, and edited or
crafted files are refused with a PosteriorError naming the variable, draw and value."""

from __future__ import annotations

import json
import warnings

import netCDF4
import numpy as np
import pytest
from bet_model import BETA_BET

import influence
from influence.bayes.posterior import Posterior
from influence.errors import ConvergenceWarning, PosteriorError

MODEL = BETA_BET.replace('''  bet:
    type: decision''', '''  payout:
    type: chance
    states: [low, high]
    parents: [win]
    cpt:
      - {given: {win: "no"}, p: [1, 0]}
      - {given: {win: "yes"}, prior: {dirichlet: [2, 3]}}
  bet:
    type: decision''').replace("value: 100}", "prior: {normal: [100, 10]}}")
EVIDENCE = ("model: beta-bet\nobservations:\n  - {node: win, counts: {\"no\": 3, \"yes\": 7}}\n"
            "  - {node: payout, given: {win: \"yes\"}, counts: {low: 2, high: 5}}\n")


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("posterior-file")
    (root / "bet.yaml").write_text(MODEL)
    (root / "evidence.yaml").write_text(EVIDENCE)
    diagram = influence.load(root / "bet.yaml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        post = influence.fit(diagram, root / "evidence.yaml", draws=50, chains=2, seed=3)
    post.write(root / "post.nc")
    return root, diagram, post


def _copy(setup, tmp_path, edit):
    root, _, _ = setup
    path = tmp_path / "edited.nc"
    path.write_bytes((root / "post.nc").read_bytes())
    with netCDF4.Dataset(path, "r+") as nc:
        edit(nc["posterior"])
    return path


def _set(name, index, values):
    def edit(group):
        var = group[name]
        data = var[...]
        data[index] = values
        var[...] = data
    return edit


def test_the_file_reads_back(setup):
    root, diagram, post = setup
    back = Posterior.read(root / "post.nc")
    for node, table in post.parameters(diagram).items():
        np.testing.assert_array_equal(back.parameters(diagram)[node], table)


@pytest.mark.parametrize(("name", "index", "values", "message"), [
    ("p[win]", (0, 7), [1.5, -0.5], "variable 'p[win]', chain 0, draw 7, row (the only one): "
                                    "expected probabilities in [0, 1], got [1.5, -0.5]"),
    ("p[win]", (1, 3), [np.nan, 0.5], "variable 'p[win]', chain 1, draw 3, row (the only one): "
                                      "expected probabilities in [0, 1], got [nan, 0.5]"),
    ("p[payout]", (0, 2, 1), [0.5, 0.6], "variable 'p[payout]', chain 0, draw 2, row win=yes: "
                                         "expected probabilities summing to 1 (within 1e-06), "
                                         "got [0.5, 0.6] (sum 1.1)"),
    ("u[gain]", (1, 0, 1, 1), np.inf, "variable 'u[gain]', chain 1, draw 0, value bet=bet,"
                                      "win=yes: expected a finite utility within 1e+300, got inf"),
])
def test_draws_that_are_not_probabilities_or_utilities_are_refused(setup, tmp_path, name,
                                                                   index, values, message):
    path = _copy(setup, tmp_path, _set(name, index, values))
    with pytest.raises(PosteriorError) as err:
        Posterior.read(path)
    assert str(err.value) == f"{path}: {message}"


def _attribute(name, value):
    def edit(group):
        group.setncattr("influence_" + name, value)
    return edit


@pytest.mark.parametrize(("name", "value", "message"), [
    ("diagnostics", "[1, 2]", "attribute `influence_diagnostics`: expected a JSON object, got "
                              "a list of 2"),
    ("diagnostics", json.dumps({"warnings": 3}), "expected `warnings` to be a list of text"),
    ("diagnostics", json.dumps({"divergences": "many"}), "expected `divergences` to be a whole "
                                                        "number >= 0"),
    ("diagnostics", json.dumps({"parameters": {"p[win]": {"r_hat": "high"}}}),
     "expected `parameters` to map each parameter to its `r_hat` and `ess_bulk`"),
    ("diagnostics", "{not json", "attribute `influence_diagnostics`: expected JSON"),
    ("method", "magic", "attribute `influence_method`: expected one of exact, nuts"),
    ("slots", json.dumps([{"name": "p[win]"}]), "attribute `influence_slots`: slot 1: "
                                                "expected `name` (str), `node` (str)"),
    ("conjugate", json.dumps({"p[win]": {"kind": "normal", "mu": 1, "sigma": 1}}),
     "attribute `influence_conjugate`: p[win]: expected a prior on a probability"),
    ("conjugate", json.dumps({"p[win]": {"kind": "beta", "a": 1}}),
     "attribute `influence_conjugate`: p[win]: expected a beta prior with `states`, got none"),
    ("conjugate", json.dumps({"p[nothing]": {"kind": "beta"}}),
     "'p[nothing]' is not a slot of the posterior"),
    ("format", 7, "written by a later version of influence (posterior file format 7)"),
])
def test_crafted_attributes_are_refused(setup, tmp_path, name, value, message):
    path = _copy(setup, tmp_path, _attribute(name, value))
    with pytest.raises(PosteriorError) as err:
        Posterior.read(path)
    assert message in str(err.value)
    assert str(err.value).startswith(str(path))


def test_a_missing_table_is_refused(setup, tmp_path):
    path = _copy(setup, tmp_path, lambda group: group.renameVariable("p[payout]", "other"))
    with pytest.raises(PosteriorError, match=r"expected the variable 'p\[payout\]' \(the table "
                                             "of 'payout'\\), got none"):
        Posterior.read(path)


def test_a_file_of_the_earlier_layout_says_to_fit_again(setup, tmp_path):
    path = _copy(setup, tmp_path, lambda group: group.delncattr("influence_format"))
    with pytest.raises(PosteriorError, match="written by an earlier version of influence "
                                             "\\(posterior file format 1, one variable per "
                                             "row\\).*fit the evidence again"):
        Posterior.read(path)


def test_start_takes_a_path_and_a_bad_conjugate_is_a_clean_error(setup, tmp_path):
    root, diagram, post = setup
    second = tmp_path / "second.yaml"
    second.write_text("model: beta-bet\nobservations:\n  - {node: win, counts: {\"yes\": 1}}\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        from_path = influence.fit(diagram, second, start=root / "post.nc", draws=50, chains=2,
                                  seed=1)
        from_object = influence.fit(diagram, second, start=post, draws=50, chains=2, seed=1)
    assert from_path.conjugate_priors() == from_object.conjugate_priors()
    assert from_path.conjugate_priors()["p[win]"].a == 2 + 7 + 1
    bad = _copy(setup, tmp_path, _attribute("conjugate", json.dumps(
        {"p[win]": {"kind": "dirichlet", "alpha": [1, 2, 3], "states": ["a", "b", "c"]}})))
    with pytest.raises(PosteriorError, match="attribute `influence_conjugate`: p\\[win\\]: "
                                             "expected a prior on a probability row"):
        influence.fit(diagram, second, start=bad)
    with pytest.raises(influence.QueryError, match="expected `start` to be a Posterior or the "
                                                   "path of a posterior file, got int"):
        influence.fit(diagram, second, start=3)


def test_the_cli_refuses_an_edited_file_with_one_line(setup, tmp_path):
    from click.testing import CliRunner

    from influence.cli.main import cli

    root, _, _ = setup
    path = _copy(setup, tmp_path, _set("p[win]", (0, 7), [1.5, -0.5]))
    result = CliRunner().invoke(cli, ["evaluate", str(root / "bet.yaml"), "--posterior",
                                      str(path)])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"Error: {path}: variable 'p[win]', chain 0, draw 7, row (the only one): expected "
        "probabilities in [0, 1], got [1.5, -0.5]"]
