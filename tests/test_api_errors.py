"""Bad arguments to the public Python API: each call raises an InfluenceError subclass that is
also the standard exception the call would have raised (``TypeError`` for a wrong type,
``LookupError`` for an unknown name, ``ValueError`` otherwise), with a message naming the
argument, never a bare TypeError, AttributeError, KeyError or ValueError from inside."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import influence
from influence import ArgumentTypeError, InfluenceError, QueryError, UnknownNameError
from influence.bayes.evidence import evidence_from_dict, load_evidence

PRIORS = """\
name: pr
nodes:
  rain:
    type: chance
    states: ["yes", "no"]
    p: [0.3, 0.7]
    prior: {beta: [3, 7], state: "yes"}
  umbrella:
    type: decision
    states: [take, leave]
  u:
    type: utility
    parents: [rain, umbrella]
    values:
      - {given: {rain: "yes", umbrella: take}, value: 70, prior: {normal: [70, 5]}}
      - {given: {rain: "yes", umbrella: leave}, value: 0}
      - {given: {rain: "no", umbrella: take}, value: 20}
      - {given: {rain: "no", umbrella: leave}, value: 100}
"""

OIL = influence.load("oil-wildcatter")
PR = influence.loads(PRIORS, file="pr.yaml")
RESULT = influence.evaluate(OIL)


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    """A working folder with a subfolder ``adir`` and an evidence file ``ev.yaml``."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "adir").mkdir()
    (tmp_path / "ev.yaml").write_text("model: pr\nobservations:\n  - node: rain\n"
                                      "    counts: {\"yes\": 3, \"no\": 4}\n")
    return tmp_path


#: (call, the error class, the standard exception it also is, words of the message).
CALLS = {
    # reading and writing models
    "load(None)": (lambda: influence.load(None), ArgumentTypeError, TypeError, "`model`"),
    "load(3)": (lambda: influence.load(3), ArgumentTypeError, TypeError, "int 3"),
    "load(a directory)": (lambda: influence.load("adir"), influence.ModelNotFoundError,
                          LookupError, "it is a directory"),
    "loads(None)": (lambda: influence.loads(None), ArgumentTypeError, TypeError,
                    "expected model text (str), got NoneType"),
    "loads(bytes)": (lambda: influence.loads(b"name: x"), ArgumentTypeError, TypeError,
                     "decode the bytes first"),
    "diagram_from_dict([])": (lambda: influence.diagram_from_dict([]), influence.ModelError,
                              ValueError, "got a list of 0"),
    "save(None, path)": (lambda: influence.save(None, "x.yaml"), ArgumentTypeError, TypeError,
                         "`diagram` to be a Diagram"),
    "save(diagram, 3)": (lambda: influence.save(OIL, 3), ArgumentTypeError, TypeError,
                         "`path`"),
    "save(diagram, a directory)": (lambda: influence.save(OIL, "adir"), QueryError,
                                   ValueError, "got no suffix"),
    "convert(diagram, path)": (lambda: influence.convert(OIL, "x.yaml"), ArgumentTypeError,
                               TypeError, "use influence.save"),
    "convert(source, 3)": (lambda: influence.convert("umbrella", 3), ArgumentTypeError,
                           TypeError, "`target`"),
    # evaluating
    "evaluate(None)": (lambda: influence.evaluate(None), QueryError, ValueError,
                       "expected a Diagram"),
    "evaluate(given='oil=wet')": (lambda: influence.evaluate(OIL, given="oil=wet"), QueryError,
                                  ValueError, "`given` to be a mapping"),
    "evaluate(draws=10) without prior": (lambda: influence.evaluate(OIL, draws=10), QueryError,
                                         ValueError, "`draws` only with"),
    "evaluate(prior, seed=-1)": (lambda: influence.evaluate(PR, prior=True, seed=-1),
                                 QueryError, ValueError, "`seed`"),
    "evaluate(posterior=3)": (lambda: influence.evaluate(OIL, posterior=3), ArgumentTypeError,
                              TypeError, "`posterior` to be a Posterior"),
    "evaluate(posterior=a directory)": (lambda: influence.evaluate(OIL, posterior="adir"),
                                        influence.PosteriorError, ValueError, "directory"),
    "marginal(given='oil=wet')": (lambda: influence.marginal(OIL, "oil", given="oil=wet"),
                                  ArgumentTypeError, TypeError, "`given` to be a mapping"),
    "marginal(tables=3)": (lambda: influence.marginal(OIL, "oil", tables=3), ArgumentTypeError,
                           TypeError, "`tables` to be a mapping"),
    "marginal(unknown node)": (lambda: influence.marginal(OIL, "nope"), QueryError, ValueError,
                               "'nope'"),
    "result.decision('nope')": (lambda: RESULT.decision("nope"), UnknownNameError, LookupError,
                                "'nope'"),
    "result.policy(None)": (lambda: RESULT.policy(None), UnknownNameError, LookupError,
                            "None"),
    # the diagram
    "diagram.node(['a'])": (lambda: OIL.node(["a"]), UnknownNameError, LookupError, "['a']"),
    "diagram.descendants('nope')": (lambda: OIL.descendants("nope"), UnknownNameError,
                                    LookupError, "'nope'"),
    "diagram.ancestors(3)": (lambda: OIL.ancestors(3), ArgumentTypeError, TypeError,
                             "node names"),
    "diagram.information_set('nope')": (lambda: OIL.information_set("nope"), UnknownNameError,
                                        LookupError, "expected a decision"),
    "diagram.policy('nope')": (lambda: OIL.policy("nope"), UnknownNameError, LookupError,
                               "'nope'"),
    "diagram.probabilities(given=3)": (lambda: OIL.probabilities("result", given=3),
                                       ArgumentTypeError, TypeError, "`given`"),
    "diagram.utility(given='x')": (lambda: OIL.utility("payoff", given="x"),
                                   ArgumentTypeError, TypeError, "`given`"),
    "Node(weight='x')": (lambda: influence.Node("u", "utility", table=1.0, weight="x"),
                         influence.ModelError, ValueError, "text 'x'"),
    "Node(weight=-1)": (lambda: influence.Node("u", "utility", table=1.0, weight=-1),
                        influence.ModelError, ValueError, "above 0"),
    "Diagram(nodes=[3])": (lambda: influence.Diagram("x", nodes=[3]), influence.ModelError,
                           ValueError, "Node objects"),
    # analyses
    "sensitivity(parameters=3)": (lambda: influence.sensitivity(OIL, parameters=3),
                                  ArgumentTypeError, TypeError, "`parameters`"),
    "sensitivity(ranges=3)": (lambda: influence.sensitivity(OIL, ranges=3), ArgumentTypeError,
                              TypeError, "`ranges`"),
    "thresholds(diagram, 3)": (lambda: influence.thresholds(OIL, 3), ArgumentTypeError,
                               TypeError, "`parameters`"),
    "value_of_information(nodes=3)": (lambda: influence.value_of_information(OIL, nodes=3),
                                      ArgumentTypeError, TypeError, "`nodes`"),
    "evppi(groups=3)": (lambda: influence.evppi(PR, 3, prior=True, draws=20, seed=1),
                        ArgumentTypeError, TypeError, "`groups`"),
    "evppi(groups={'a': 3})": (lambda: influence.evppi(PR, {"a": 3}, prior=True, draws=20,
                                                       seed=1),
                               ArgumentTypeError, TypeError, "group 'a'"),
    "evsi(studies=3)": (lambda: influence.evsi(PR, 3, prior=True, draws=20, seed=1),
                        ArgumentTypeError, TypeError, "`studies`"),
    # evidence and fitting
    "fit(None, evidence)": (lambda: influence.fit(None, "ev.yaml"), ArgumentTypeError,
                            TypeError, "`diagram` to be a Diagram"),
    "fit(diagram, 3)": (lambda: influence.fit(PR, 3), QueryError, ValueError, "`evidence`"),
    "fit(diagram, a directory)": (lambda: influence.fit(PR, "adir"), influence.EvidenceError,
                                  ValueError, "expected a regular file, got a directory"),
    "load_evidence(3, diagram)": (lambda: load_evidence(3, PR), ArgumentTypeError, TypeError,
                                  "`evidence`"),
    "load_evidence(path, None)": (lambda: load_evidence("ev.yaml", None), ArgumentTypeError,
                                  TypeError, "`diagram`"),
    "evidence_from_dict(count 10**400)": (
        lambda: evidence_from_dict({"model": "pr", "observations": [
            {"node": "rain", "counts": {"yes": 10**400}}]}, PR),
        influence.EvidenceError, ValueError, "what a float holds"),
    # bridges
    "to_pgmpy(None)": (lambda: influence.to_pgmpy(None), ArgumentTypeError, TypeError,
                       "`diagram`"),
    "from_pgmpy(3, ...)": (lambda: influence.from_pgmpy(3, utilities={}, name="x"),
                           ArgumentTypeError, TypeError, "`network`"),
    "to_pyagrum(None)": (lambda: influence.to_pyagrum(None), ArgumentTypeError, TypeError,
                         "`diagram`"),
    "from_pyagrum(None)": (lambda: influence.from_pyagrum(None), ArgumentTypeError, TypeError,
                           "`model`"),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_bad_arguments_raise_an_influence_error_of_the_standard_kind(folder, name):
    call, error, standard, words = CALLS[name]
    with pytest.raises(error) as caught:
        call()
    assert isinstance(caught.value, InfluenceError) and isinstance(caught.value, standard)
    assert words in str(caught.value)


def test_numpy_numbers_are_whole_numbers_too():
    result = influence.evaluate(PR, prior=True, draws=np.int64(20), seed=np.int64(3))
    assert result.draws == 20
    again = influence.evaluate(PR, prior=True, draws=20, seed=3)
    assert result.maximum_expected_utility == again.maximum_expected_utility


#: Calls into the solver, the posterior file and the fit.
LATER = {
    "Plan.evaluate(tables=3)": (lambda: influence.plan(OIL).evaluate(3), "`tables`"),
    "Plan.evaluate(weights=3)": (lambda: influence.plan(OIL).evaluate(weights=3), "`weights`"),
    "Plan.expected_utilities(tables=[1])": (
        lambda: influence.plan(OIL).expected_utilities([1]), "`tables`"),
    "Posterior.read(3)": (lambda: influence.Posterior.read(3), "posterior"),
    "fit(seed=-1)": (lambda: influence.fit(PR, "ev.yaml", seed=-1, draws=10, chains=1), "seed"),
    "fit(start='post.nc')": (lambda: influence.fit(PR, "ev.yaml", start="post.nc"),
                             "post.nc"),
}


@pytest.mark.parametrize("name", sorted(LATER))
def test_calls_into_the_solver_and_the_posterior_raise_influence_errors(folder, name):
    call, words = LATER[name]
    with pytest.raises(InfluenceError) as caught:
        call()
    assert words in str(caught.value)
