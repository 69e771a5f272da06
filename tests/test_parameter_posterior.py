"""Model parameters in posterior files: each has its own variable ``param[NAME]`` (chain, draw),
read back as it was written, and checked on reading like the tables."""

from __future__ import annotations

import numpy as np
import pytest

import influence
from influence.errors import PosteriorError

MODEL = """
name: prize-bet
parameters:
  prize: {value: 100, prior: {uniform: [50, 150]}, source: "judgment: a test"}
nodes:
  win:
    type: chance
    states: ["no", "yes"]
    p: [0.5, 0.5]
    prior: {beta: [2, 2], state: "yes"}
  bet: {type: decision, states: [pass, bet]}
  gain:
    type: utility
    parents: [bet, win]
    values:
      - {given: {bet: pass, win: "no"}, value: 0}
      - {given: {bet: pass, win: "yes"}, value: 0}
      - {given: {bet: bet, win: "no"}, value: -50}
      - {given: {bet: bet, win: "yes"}, value: "prize"}
"""

EVIDENCE = """
model: prize-bet
observations:
  - {node: win, counts: {"no": 3, "yes": 7}}
"""


@pytest.fixture()
def written(tmp_path):
    model = tmp_path / "bet.yaml"
    model.write_text(MODEL)
    evidence = tmp_path / "evidence.yaml"
    evidence.write_text(EVIDENCE)
    diagram = influence.load(model)
    posterior = influence.fit(diagram, evidence, method="exact", draws=300, chains=2, seed=3)
    path = tmp_path / "post.nc"
    posterior.write(path)
    return diagram, posterior, path


def test_a_parameter_is_its_own_variable_read_back_as_written(written):
    diagram, posterior, path = written
    read = influence.Posterior.read(path)
    drawn = read.values("param[prize]")
    assert drawn.shape == (600,) and np.array_equal(drawn, posterior.values("param[prize]"))
    assert np.all((drawn >= 50) & (drawn <= 150))  # the evidence does not touch it: its prior
    tables = read.parameters(diagram)
    # the utility value written with the parameter is recomputed from its draws
    assert np.array_equal(tables["gain"][:, 1, 1], drawn)
    assert read.values("p[win]").shape == (600, 2)


def test_a_parameter_out_of_its_domain_is_refused_on_reading(written):
    import netCDF4

    _, _, path = written
    with netCDF4.Dataset(path, "r+") as nc:
        nc.groups["posterior"].variables["param[prize]"][0, 0] = np.nan
    with pytest.raises(PosteriorError, match=r"param\[prize\].*chain 0, draw 0"):
        influence.Posterior.read(path)
