"""Priors in the model file: every form, the slots, prior draws, and every bad-prior message."""

from __future__ import annotations

import os
import textwrap

import numpy as np
import pytest

import influence
from influence.bayes.draws import sample_prior_parameters, uncertain_slots
from influence.errors import ModelError
from influence.model.priors import (
    BetaPrior,
    DirichletPrior,
    NormalPrior,
    UniformPrior,
)


@pytest.fixture(autouse=True, scope="module")
def _cache_dir(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("INFLUENCE_CACHE_DIR", str(tmp_path_factory.mktemp("influence-cache")))
        yield


TEMPLATE = textwrap.dedent("""\
    name: tiny
    nodes:
      rain:
        type: chance
        states: ["no", "yes"]
        RAIN_P
        prior: RAIN_PRIOR
      umbrella:
        type: decision
        states: [leave, take]
      wet:
        type: chance
        states: [dry, damp, soaked]
        parents: [rain]
        cpt:
          - given: {rain: "no"}
            p: [0.9, 0.08, 0.02]
          - given: {rain: "yes"}
            WET_ROW
      comfort:
        type: utility
        parents: [umbrella, rain]
        values:
          - given: {umbrella: leave, rain: "no"}
            value: 10
            prior: {normal: [10, 2]}
          - given: {umbrella: leave, rain: "yes"}
            value: -10
          - given: {umbrella: take, rain: "no"}
            value: 5
          - given: {umbrella: take, rain: "yes"}
            COMFORT_ROW
    """)


def model(rain_prior: str = "{beta: [2, 2]}", wet_row: str = "", comfort_row: str = "",
          rain_p: str = "p: [0.5, 0.5]") -> str:
    """A small model; the arguments replace its prior-bearing parts (continuation lines of a
    row are indented by 8 spaces)."""
    wet_row = wet_row or "p: [0.2, 0.5, 0.3]\n        prior: {mean: [0.2, 0.5, 0.3], strength: 10}"
    comfort_row = comfort_row or "prior: {uniform: [0, 4]}"
    return (TEMPLATE.replace("RAIN_PRIOR", rain_prior).replace("RAIN_P", rain_p)
            .replace("WET_ROW", wet_row).replace("COMFORT_ROW", comfort_row))


def load(text: str) -> influence.Diagram:
    return influence.loads(text, file="tiny.yaml")


# -- the forms -----------------------------------------------------------------------------------


def test_beta_on_a_two_state_row_is_on_the_second_state_by_default():
    d = load(model())
    prior = d.node("rain").priors[()]
    assert isinstance(prior, BetaPrior)
    assert (prior.a, prior.b, prior.state_name) == (2.0, 2.0, "yes")
    np.testing.assert_allclose(prior.mean(), [0.5, 0.5])
    assert prior.describe() == "Beta(2, 2) on 'yes'"


def test_beta_state_names_the_state():
    d = load(model(rain_prior="{beta: [1, 3], state: 'yes'}"))
    np.testing.assert_allclose(d.node("rain").priors[()].mean(), [0.75, 0.25])
    d = load(model(rain_prior="{beta: [1, 3], state: 'no'}"))
    np.testing.assert_allclose(d.node("rain").priors[()].mean(), [0.25, 0.75])


def test_root_prior_without_p_uses_the_prior_mean():
    d = load(model(rain_prior="{beta: [1, 3]}", rain_p=""))
    np.testing.assert_allclose(d.node("rain").table, [0.75, 0.25])


def test_root_prior_beside_p_keeps_p_as_the_point_value():
    d = load(model(rain_prior="{beta: [1, 3]}", rain_p="p: [0.4, 0.6]"))
    np.testing.assert_allclose(d.node("rain").table, [0.4, 0.6])


def test_dirichlet_as_list_and_as_mapping():
    d = load(model(wet_row="prior: {dirichlet: [1, 2, 7]}"))
    prior = d.node("wet").priors[("yes",)]
    assert isinstance(prior, DirichletPrior)
    assert prior.alpha == (1.0, 2.0, 7.0)
    np.testing.assert_allclose(d.node("wet").table[1], [0.1, 0.2, 0.7])
    d2 = load(model(wet_row="prior: {dirichlet: {soaked: 7, dry: 1, damp: 2}}"))
    assert d2.node("wet").priors[("yes",)].alpha == (1.0, 2.0, 7.0)


def test_mean_and_strength_is_a_dirichlet_with_those_means():
    d = load(model())
    prior = d.node("wet").priors[("yes",)]
    assert isinstance(prior, DirichletPrior)
    np.testing.assert_allclose(prior.alpha, [2.0, 5.0, 3.0])
    np.testing.assert_allclose(prior.mean(), [0.2, 0.5, 0.3])
    assert "strength 10" in prior.describe()


def test_beta_on_a_state_of_a_three_state_row_shares_the_rest_as_in_p():
    d = load(model(wet_row="p: [0.2, 0.6, 0.2]\n        prior: {beta: [3, 1], state: damp}"))
    prior = d.node("wet").priors[("yes",)]
    assert prior.rest == (0.5, 0.0, 0.5)
    np.testing.assert_allclose(prior.mean(), [0.125, 0.75, 0.125])
    draws = prior.sample(np.random.default_rng(0), 500)
    np.testing.assert_allclose(draws.sum(axis=1), 1.0)
    np.testing.assert_allclose(draws[:, 0], draws[:, 2])


def test_phrase_prior_is_a_fitted_beta_on_the_named_state():
    d = load(model(rain_prior="{phrase: likely}"))
    prior = d.node("rain").priors[()]
    assert isinstance(prior, BetaPrior) and prior.state_name == "yes"
    assert prior.elicited.low == 0.55 and prior.elicited.high == 0.8
    assert prior.a / (prior.a + prior.b) == pytest.approx(0.675, abs=1e-4)
    assert "from 'likely': 90% in [0.55, 0.80]" in prior.describe()


def test_interval_prior_on_a_probability():
    d = load(model(rain_prior="{interval: [0.55, 0.8], mass: 0.9, state: 'no'}"))
    prior = d.node("rain").priors[()]
    assert prior.state_name == "no"
    assert prior.a / (prior.a + prior.b) == pytest.approx(0.675, abs=1e-4)


@pytest.mark.slow
def test_utility_priors():
    d = load(model(comfort_row="prior: {interval: [-20, -5], mass: 0.9}"))
    node = d.node("comfort")
    normal = node.priors[("leave", "no")]
    assert isinstance(normal, NormalPrior) and (normal.mu, normal.sigma) == (10.0, 2.0)
    fitted = node.priors[("take", "yes")]
    assert fitted.mu == pytest.approx(-12.5)
    assert fitted.sigma == pytest.approx(7.5 / 1.6448536, rel=1e-4)
    assert node.table[1, 1] == pytest.approx(-12.5)  # no value: the prior mean
    d2 = load(model())
    uniform = d2.node("comfort").priors[("take", "yes")]
    assert isinstance(uniform, UniformPrior)
    assert d2.node("comfort").table[1, 1] == 2.0


def test_parentless_utility_prior():
    d = load(textwrap.dedent("""\
        name: one
        nodes:
          cost:
            type: utility
            prior: {normal: [-5, 1]}
        """))
    assert d.node("cost").table == -5.0
    assert uncertain_slots(d)[0].name == "u[cost]"


def test_repr_is_deterministic_and_carries_the_numbers():
    texts = [model(rain_prior="{phrase: likely}"), model(rain_prior="{phrase: likely}")]
    d1, d2 = (load(t) for t in texts)
    assert d1.fingerprint == d2.fingerprint
    text = repr(d1.node("rain").priors[()])
    assert " at 0x" not in text
    assert "a=" in text and "likely" in text
    d3 = load(model(rain_prior="{beta: [2, 3]}"))
    assert d3.fingerprint != load(model()).fingerprint


# -- slots and prior draws --------------------------------------------------------------------


def test_uncertain_slots_in_file_order_with_stable_names():
    d = load(model())
    names = [s.name for s in uncertain_slots(d)]
    assert names == ["p[rain]", "p[wet|rain=yes]", "u[comfort|umbrella=leave,rain=no]",
                     "u[comfort|umbrella=take,rain=yes]"]
    slot = uncertain_slots(d)[2]
    assert slot.key == ("leave", "no") and slot.index == (0, 0) and slot.kind == "utility"
    assert slot.given == {"umbrella": "leave", "rain": "no"}


def test_sample_prior_parameters_shapes_and_point_rows():
    d = load(model())
    params = sample_prior_parameters(d, 200, seed=3)
    assert params["rain"].shape == (200, 2)
    assert params["wet"].shape == (200, 2, 3)
    assert params["comfort"].shape == (200, 2, 2)
    np.testing.assert_allclose(params["wet"].sum(axis=-1), 1.0)
    np.testing.assert_array_equal(params["wet"][:, 0], np.broadcast_to(d.node("wet").table[0],
                                                                        (200, 3)))
    assert np.all((params["comfort"][:, 1, 1] >= 0) & (params["comfort"][:, 1, 1] <= 4))
    np.testing.assert_array_equal(params["comfort"][:, 1, 0], 5.0)
    again = sample_prior_parameters(d, 200, seed=3)
    for name in params:
        np.testing.assert_array_equal(params[name], again[name])


def test_nodes_without_priors_keep_a_leading_axis_of_one():
    d = influence.load("oil-wildcatter")
    params = sample_prior_parameters(d, 10, seed=0)
    assert params["oil"].shape == (1, 3)
    assert params["payoff"].shape == (1, 2, 3)


# -- bad priors -----------------------------------------------------------------------------------


BAD_ROOT = [
    ("{beta: [-1, 2]}", "expected Beta parameters a > 0 and b > 0, got [-1, 2]"),
    ("{beta: [0, 2]}", "expected Beta parameters a > 0 and b > 0"),
    ("{beta: [1, 2, 3]}", "expected `beta: [a, b]` (two numbers), got a list of 3"),
    ("{beta: [1, yes]}", "expected a number for beta[1], got text 'yes'"),
    ("{dirichlet: [1, 0]}", "expected Dirichlet concentrations > 0, got 0 for state 'yes'"),
    ("{dirichlet: [1, 2, 3]}", "prior: `dirichlet`: expected 2 numbers (one per state: no, yes),"
                               " got 3"),
    ("{dirichlet: {no: 1, maybe: 2}}", "prior: `dirichlet`: expected states of 'rain' (no, yes), "
                                       "got unknown state 'maybe'"),
    ("{dirichlet: {no: 1}}", "prior: `dirichlet`: expected numbers for every state (no, yes), got "
                             "none for yes"),
    ("{dirichlet: [1, true]}", "prior: `dirichlet`: expected a number for state 'yes', got "
                               "boolean true"),
    ("{dirichelt: [1, 1]}", "unknown key 'dirichelt' (did you mean 'dirichlet'?)"),
    ("{beta: [1, 1], sate: 'yes'}", "unknown key 'sate' in a `beta` prior (did you mean "
                                    "'state'?)"),
    ("{beta: [1, 1], state: maybe}", "`state` 'maybe' is not a state of 'rain'"),
    ("{beta: [1, 1], state: yse}", "(did you mean 'yes'?)"),
    ("{interval: [0.2, 1.5]}", "expected a probability interval within [0, 1], got [0.2, 1.5]"),
    ("{interval: [-0.1, 0.5]}", "expected a probability interval within [0, 1]"),
    ("{interval: [0, 0.5]}", "strictly inside (0, 1)"),
    ("{interval: [0.6, 0.4]}", "with low < high, got [0.6, 0.4]"),
    ("{interval: [0.5, 0.5]}", "with low < high"),
    ("{interval: [0.4, 0.6], mass: 1.2}", "expected `mass` between 0 and 1 (exclusive), got 1.2"),
    ("{interval: [0.4, 0.6], mass: 0}", "expected `mass` between 0 and 1 (exclusive), got 0"),
    ("{phrase: likely, mass: -0.5}", "expected `mass` between 0 and 1"),
    ("{interval: [0.4, 0.6], mass: 0.995}", "from 0.01 to 0.99"),
    ("{phrase: very likly}", "unknown phrase 'very likly' (did you mean 'very likely'?); known "
                             "phrases (ICD 203): almost no chance"),
    ("{phrase: 3}", "expected a verbal probability expression"),
    ("{normal: [0, 1]}", "`normal` is not a prior for a probability row"),
    ("{beta: [1, 1], dirichlet: [1, 1]}", "expected one form of prior, got beta and dirichlet"),
    ("{mean: [0.5, 0.5]}", "`mean` needs `strength`"),
    ("{strength: 4}", "`strength` alone is not a prior"),
    ("{mean: [0.6, 0.6], strength: 4}", "prior: `mean`: expected probabilities summing to 1, got "
                                        "a sum of 1.2"),
    ("{mean: [1, 0], strength: 4}", "expected means > 0"),
    ("{mean: [0.5, 0.5], strength: 0}", "expected `strength` > 0"),
    ("{beta: [1, 1], state: [a]}", "expected `state` to be a state of 'rain' (no, yes), got a "
                                   "list of 1"),
    ("{dirichlet: 3}", "prior: `dirichlet`: expected a list of 2 numbers (one per state: no, yes) "
                       "or a mapping state: value, got int 3"),
    ("{interval: 0.5}", "expected `interval: [low, high]` (two numbers), got float 0.5"),
    ("{beta: [.inf, 1]}", "expected a finite number for beta[0], got inf"),
    ("[1, 2]", "expected a mapping such as {beta: [2, 2]}, got a list of 2"),
    ("{}", "expected a mapping such as {beta: [2, 2]}"),
]


@pytest.mark.parametrize(("prior", "message"), BAD_ROOT)
def test_bad_root_prior_messages(prior, message):
    with pytest.raises(ModelError) as err:
        load(model(rain_prior=prior))
    text = str(err.value)
    assert message in text
    assert text.startswith("tiny.yaml, line 7: node 'rain', field 'prior': prior: ")


BAD_ROW = [
    ("p: [0.2, 0.6, 0.2]\n        prior: {beta: [1, 1]}",
     "row 2: prior: a `beta` prior on a row of 3 states needs `state`"),
    ("p: [0.2, 0.6, 0.2]\n        prior: {interval: [0.2, 0.4]}",
     "row 2: prior: an `interval` prior on a row of 3 states needs `state`"),
    ("prior: {beta: [1, 1], state: damp}",
     "row 2: prior: a `beta` prior on state 'damp' of a row of 3 states needs the row's point "
     "`p`"),
    ("prior: {phrase: likely, state: damp}", "needs the row's point `p`"),
    ("p: [0, 1, 0]\n        prior: {interval: [0.2, 0.4], state: damp}",
     "the row's `p` gives the states other than 'damp' no probability"),
    ("p: [0.2, 0.8]\n        prior: {beta: [1, 1], state: damp}",
     "row 2: expected 3 probabilities (one per state: dry, damp, soaked), got 2"),
    ("p: [0.5, 0.6, 0.2]\n        prior: {beta: [1, 1], state: damp}",
     "row 2: expected probabilities summing to 1, got a sum of 1.3"),
    ("prior: {dirichlet: [1, 1]}", "row 2: prior: `dirichlet`: expected 3 numbers (one per "
                                   "state: dry, damp, soaked), got 2"),
    ("prior: {mean: [0.5, 0.5], strength: 3}", "row 2: prior: `mean`: expected 3 probabilities "
                                               "(one per state: dry, damp, soaked), got 2"),
    ("prior: {mean: [0.5, 0.3, 0.1], strength: 3}", "row 2: prior: `mean`: expected "
                                                    "probabilities summing to 1, got a sum of 0.9"),
    ("prior: {beta: [1, 1], state: wet}", "row 2: prior: `state` 'wet' is not a state of 'wet'"),
]


@pytest.mark.parametrize(("row", "message"), BAD_ROW)
def test_bad_row_prior_messages_name_the_row(row, message):
    with pytest.raises(ModelError) as err:
        load(model(wet_row=row))
    text = str(err.value)
    assert message in text
    assert "tiny.yaml, line" in text and "node 'wet', field 'cpt'" in text


BAD_UTILITY = [
    ("prior: {normal: [0, -1]}", "expected a standard deviation > 0 in `normal: [mean, sd]`, got "
                                 "-1"),
    ("prior: {normal: [0, 0]}", "expected a standard deviation > 0"),
    ("prior: {uniform: [4, 0]}", "expected `uniform: [low, high]` with low < high, got [4, 0]"),
    ("prior: {interval: [5, -5]}", "expected `interval: [low, high]` with low < high"),
    ("prior: {interval: [-5, 5], mass: 1}", "expected `mass` between 0 and 1"),
    ("prior: {phrase: likely}", "`phrase` is not a prior for a utility value"),
    ("prior: {beta: [1, 1]}", "`beta` is not a prior for a utility value"),
    ("prior: {normall: [0, 1]}", "unknown key 'normall' (did you mean 'normal'?)"),
    ("prior: {normal: [0, 1], mass: 0.9}", "unknown key 'mass' in a `normal` prior"),
]


@pytest.mark.parametrize(("row", "message"), BAD_UTILITY)
def test_bad_utility_prior_messages(row, message):
    with pytest.raises(ModelError) as err:
        load(model(comfort_row=row))
    text = str(err.value)
    assert message in text
    assert "node 'comfort', field 'values'" in text and "row 4: prior: " in text


def test_a_one_state_row_takes_no_prior():
    text = textwrap.dedent("""\
        name: one
        nodes:
          sure:
            type: chance
            states: [only]
            prior: {dirichlet: [1]}
        """)
    with pytest.raises(ModelError, match="a row of one state is certain"):
        load(text)


def test_a_prior_on_a_decision_is_rejected_by_the_loader():
    text = textwrap.dedent("""\
        name: d
        nodes:
          choice:
            type: decision
            states: [a, b]
            prior: {beta: [1, 1]}
        """)
    with pytest.raises(ModelError, match="prior"):
        load(text)


def test_priors_module_imports_numpy_only():
    import subprocess
    import sys

    code = ("import sys, influence.model.priors, influence.bayes.draws; "
            "print(sorted(m for m in ('pymc', 'arviz', 'scipy', 'pytensor') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ})
    assert out.stdout.strip() == "[]"


def test_a_beta_priors_shares_of_the_other_states_must_sum_to_1():
    """A prior built in Python (or read back from a file) whose `rest` does not sum to 1 is
    refused, with the sum."""
    from influence import Node
    from influence.model.distributions import BetaPrior

    def node(rest):
        prior = BetaPrior(a=2, b=2, states=("x", "y", "z"), state=0, rest=rest)
        return Node(name="a", kind="chance", states=("x", "y", "z"), table=[0.5, 0.3, 0.2],
                    priors={(): prior})

    with pytest.raises(ModelError, match="summing to 1, got a sum of 0.9") as err:
        node((0, 0.5, 0.4))
    assert err.value.node == "a" and err.value.field == "priors"
    with pytest.raises(ModelError, match=r"'x' none\), got \[0.1, 0.5, 0.4\]"):
        node((0.1, 0.5, 0.4))
    assert node((0, 0.5, 0.5)).priors[()].rest == (0, 0.5, 0.5)
