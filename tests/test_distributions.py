"""The prior distributions as plain data: to_dict and from_dict, for every kind of prior."""

from __future__ import annotations

import json

import numpy as np
import pytest

import influence
from influence.errors import ModelError
from influence.io.plain import diagram_dict
from influence.model.distributions import (
    BetaPrior,
    DirichletPrior,
    Elicitation,
    NormalPrior,
    Prior,
    UniformPrior,
)

VERY_LIKELY = Elicitation(0.8, 0.95, 0.9, phrase="Highly likely",
                          expression="very likely / highly probable (80-95%)",
                          note="not in ICD 203; mapped to 'very likely'")

PRIORS = {
    "dirichlet": DirichletPrior(alpha=(2.0, 5.0, 3.0), states=("dry", "damp", "soaked"),
                                spec={"dirichlet": [2, 5, 3]}),
    "dirichlet from means": DirichletPrior(alpha=(2.0, 5.0, 3.0), states=("dry", "damp", "soaked"),
                                           spec={"mean": [0.2, 0.5, 0.3], "strength": 10}),
    "beta": BetaPrior(a=2.0, b=3.0, states=("no", "yes"), state=1, rest=(1.0, 0.0),
                      spec={"beta": [2, 3]}),
    "beta on a row of three": BetaPrior(a=9.0, b=5.0, states=("a", "b", "c"), state=0,
                                        rest=(0.0, 0.25, 0.75),
                                        spec={"beta": [9, 5], "state": "a"}),
    "beta from a phrase": BetaPrior(a=41.8429, b=5.97756, states=("no", "yes"), state=1,
                                    rest=(1.0, 0.0), elicited=VERY_LIKELY,
                                    spec={"phrase": "Highly likely"}),
    "beta from an interval": BetaPrior(a=20.1, b=10.3, states=("no", "yes"), state=0,
                                       rest=(0.0, 1.0), elicited=Elicitation(0.55, 0.8, 0.7),
                                       spec={"interval": [0.55, 0.8], "mass": 0.7,
                                             "state": "no"}),
    "normal": NormalPrior(mu=-10.0, sigma=3.0, spec={"normal": [-10, 3]}),
    "normal from an interval": NormalPrior(mu=-12.5, sigma=4.55971,
                                           elicited=Elicitation(-20.0, -5.0, 0.9),
                                           spec={"interval": [-20, -5], "mass": 0.9}),
    "uniform": UniformPrior(low=0.0, high=4.0, spec={"uniform": [0, 4]}),
}


@pytest.mark.parametrize("prior", PRIORS.values(), ids=PRIORS.keys())
def test_every_kind_round_trips_through_json(prior: Prior) -> None:
    doc = json.loads(json.dumps(prior.to_dict()))
    again = Prior.from_dict(doc)
    assert type(again) is type(prior)
    assert again == prior
    assert again.spec == prior.spec
    assert repr(again) == repr(prior) and again.describe() == prior.describe()
    np.testing.assert_array_equal(again.mean(), prior.mean())
    assert type(prior).from_dict(doc) == prior  # the subclass reads its own kind too


def test_the_plain_data_of_a_beta_from_a_phrase() -> None:
    assert PRIORS["beta from a phrase"].to_dict() == {
        "kind": "beta", "a": 41.8429, "b": 5.97756, "states": ["no", "yes"], "state": "yes",
        "rest": [1.0, 0.0],
        "elicited": {"low": 0.8, "high": 0.95, "mass": 0.9, "phrase": "Highly likely",
                     "expression": "very likely / highly probable (80-95%)",
                     "note": "not in ICD 203; mapped to 'very likely'"},
        "spec": {"phrase": "Highly likely"},
    }
    assert PRIORS["uniform"].to_dict() == {"kind": "uniform", "low": 0.0, "high": 4.0,
                                           "spec": {"uniform": [0, 4]}}


def test_the_dict_is_a_copy() -> None:
    prior = PRIORS["dirichlet from means"]
    doc = prior.to_dict()
    doc["spec"]["mean"][0] = 99
    doc["alpha"][0] = 99
    assert prior.spec["mean"][0] == 0.2 and prior.alpha[0] == 2.0


def test_the_form_of_earlier_posterior_files_is_read() -> None:
    """Posterior files written before to_dict stored a Beta's state by index and no spec."""
    beta = Prior.from_dict({"kind": "beta", "a": 9.5, "b": 6.0, "state": 1, "rest": [1.0, 0.0],
                            "states": ["no", "yes"]})
    assert beta == BetaPrior(a=9.5, b=6.0, states=("no", "yes"), state=1, rest=(1.0, 0.0))
    assert beta.spec == {"beta": [9.5, 6.0], "state": "yes"}
    dirichlet = Prior.from_dict({"kind": "dirichlet", "alpha": [2.5, 6, 6.5],
                                 "states": ["dry", "damp", "soaked"]})
    assert dirichlet.alpha == (2.5, 6.0, 6.5) and dirichlet.describe() == "Dirichlet(2.5, 6, 6.5)"
    assert Prior.from_dict({"kind": "normal", "mu": 1, "sigma": 2}).spec == {"normal": [1.0, 2.0]}


@pytest.mark.parametrize(("doc", "message"), [
    ({"kind": "gamma"}, "expected a prior of kind beta, dirichlet, normal, probability, ratio, "
                        "uniform, got text 'gamma'"),
    ([], "got nothing (null)"),
    ({"kind": "beta", "a": 1, "b": 2, "states": ["no", "yes"], "rest": [1, 0]},
     "expected a beta prior with `state`, got none"),
    ({"kind": "beta", "a": 1, "b": 2, "states": ["no", "yes"], "state": "maybe",
      "rest": [1, 0]}, "`state` 'maybe', not one of no, yes"),
    ({"kind": "normal", "mu": "high", "sigma": 1}, "expected a normal prior with valid "
                                                   "parameters"),
])
def test_bad_documents_are_model_errors(doc: object, message: str) -> None:
    with pytest.raises(ModelError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Prior.from_dict(doc)


def test_a_subclass_reads_only_its_own_kind() -> None:
    with pytest.raises(ModelError, match="expected a prior of kind normal, got text 'uniform'"):
        NormalPrior.from_dict(PRIORS["uniform"].to_dict())


def test_every_prior_of_the_article_model_round_trips_and_is_shown() -> None:
    """``influence show --format json`` gives each row's and each parameter's prior as to_dict
    with its description, and from_dict reads every one of them back."""
    from influence.bayes.draws import uncertain_slots

    diagram = influence.load("cartel-intervention")
    data = diagram_dict(diagram)
    shown = {n["name"]: n for n in data["nodes"]}
    documents = []
    for node in diagram.nodes:
        rows = {tuple(r["given"][p] for p in node.parents): r
                for r in shown[node.name].get("table", [])}
        documents += [(rows[key]["prior"], prior) for key, prior in node.priors.items()]
    by_name = {p["name"]: p for p in data["parameters"]}
    documents += [(by_name[p.name]["prior"], p.prior) for p in diagram.parameters
                  if p.prior is not None]
    kinds = set()
    for doc, prior in documents:
        assert doc == {**prior.to_dict(), "description": prior.describe()}
        again = Prior.from_dict(json.loads(json.dumps(doc)))
        assert again == prior and again.spec == prior.spec and repr(again) == repr(prior)
        kinds.add((prior.kind, "elicited" in doc))
    assert len(documents) == len(uncertain_slots(diagram))
    assert {("probability", True), ("probability", False), ("ratio", True),
            ("uniform", False)} <= kinds
