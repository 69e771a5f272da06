"""Naming, finding and changing the parameters of a diagram."""

from __future__ import annotations

import numpy as np
import pytest

import influence
from influence import QueryError
from influence.analysis.parameters import all_parameters, apply, covary, parse_parameter


@pytest.fixture(scope="module")
def oil():
    return influence.load("oil-wildcatter")


def test_every_form_of_name(oil) -> None:
    p = parse_parameter(oil, "oil:wet")
    assert (p.kind, p.node, p.state, p.point, p.index) == ("probability", "oil", "wet", 0.3,
                                                           (1,))
    q = parse_parameter(oil, "result[test=yes, oil=dry]:closed")  # parents in any order
    assert q.id == "result[oil=dry,test=yes]:closed"
    assert q.point == pytest.approx(oil.probabilities("result", {"oil": "dry",
                                                                 "test": "yes"})["closed"])
    u = parse_parameter(oil, "payoff[drill=yes,oil=soaking]")
    assert (u.kind, u.point) == ("utility", oil.utility("payoff", {"drill": "yes",
                                                                   "oil": "soaking"}))
    w = parse_parameter(oil, "weight:payoff")
    assert (w.kind, w.point, w.domain) == ("weight", 1.0, (-np.inf, np.inf))


@pytest.mark.parametrize("spec, words", [
    ("oill:wet", "did you mean 'oil'"),
    ("oil:damp", "expected a state of 'oil' (dry, wet, soaking), got 'damp'"),
    ("result[oil=dry]:closed", "got none for test"),
    ("result[oil=dry,tset=yes]:closed", "did you mean 'test'"),
    ("result[oil=dri,test=yes]:closed", "did you mean 'dry'"),
    ("test:yes", "the decision node 'test'"),
    ("payoff[drill=yes,oil=wet]:x", "got the utility node 'payoff'"),
    ("weight:oil", "got the chance node 'oil'"),
    ("result[oil]:closed", "expected PARENT=STATE"),
    ("", "expected NODE:STATE"),
])
def test_bad_names_say_what_was_expected(oil, spec, words) -> None:
    with pytest.raises(QueryError) as info:
        parse_parameter(oil, spec)
    assert words in str(info.value)
    assert info.value.parameter == "parameters"


def test_the_article_model_has_every_number_as_a_parameter() -> None:
    """Every number the modeller wrote: the entries of plain tables, the utility values and
    weights written as numbers, and every parameter (named, or of a structured table); not the
    numbers computed from parameters."""
    article = influence.load("cartel-intervention")
    params = all_parameters(article)
    ids = [p.id for p in params]
    assert len(ids) == len(set(ids))
    probabilities = sum(n.table.size for n in article.chance_nodes
                        if n.table.shape[-1] > 1 and n.structure is None)
    values = sum(n.table.size - len(n.expressions) for n in article.utilities)
    weights = sum(n.weight_expression is None for n in article.utilities)
    assert len(params) == probabilities + values + weights + len(article.parameters)
    assert sum(p.kind == "parameter" for p in params) == len(article.parameters) > 100
    assert all(parse_parameter(article, i).id == i for i in ids)


def test_covariation_keeps_proportions_and_sums() -> None:
    rows = covary(np.array([0.5, 0.3, 0.2]), 0, np.array([0.0, 0.5, 1.0]))
    assert rows == pytest.approx(np.array([[0, 0.6, 0.4], [0.5, 0.3, 0.2], [1, 0, 0]]))
    assert covary(np.array([1.0, 0.0, 0.0]), 0, np.array([0.4]))[0] == pytest.approx(
        [0.4, 0.3, 0.3])


def test_apply_builds_batches_a_plan_evaluates(oil) -> None:
    params = [parse_parameter(oil, "oil:dry"), parse_parameter(oil, "weight:payoff"),
              parse_parameter(oil, "payoff[drill=yes,oil=soaking]")]
    tables, weights = apply(oil, params, [[0.5, 1.0, 200.0], [1.0, 1.0, 200.0],
                                          [0.5, 2.0, 200.0]])
    meu = influence.plan(oil).expected_utilities(tables, weights=weights)
    doubled = influence.plan(oil).evaluate(weights={"payoff": 2.0}).maximum_expected_utility
    assert meu.maximum_expected_utility == pytest.approx([22.5, 0.0, doubled])
    with pytest.raises(QueryError, match="at most one probability of each row"):
        apply(oil, [parse_parameter(oil, "oil:dry"), parse_parameter(oil, "oil:wet")],
              [[0.1, 0.2]])
    with pytest.raises(QueryError, match=r"in \[0, 1\]"):
        apply(oil, params[:1], [[1.5]])
