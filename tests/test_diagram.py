"""The immutable Diagram: lookups, graph queries, tables, identity and conversions."""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
import pytest

import influence
from influence import Diagram, Node, QueryError
from influence.model.loader import loads


@pytest.fixture(scope="module")
def oil() -> Diagram:
    return influence.load("oil-wildcatter")


def test_nodes_in_file_order(oil: Diagram) -> None:
    assert oil.names == ("oil", "test", "result", "drill", "test_cost", "payoff")
    assert [n.name for n in oil.chance_nodes] == ["oil", "result"]
    assert [n.name for n in oil.decisions] == ["test", "drill"]
    assert [n.name for n in oil.utilities] == ["test_cost", "payoff"]
    assert [n.name for n in oil] == list(oil.names)


def test_node_lookup(oil: Diagram) -> None:
    assert oil.node("drill").observes == ("result",)
    assert oil.node("result").observes == ()  # only decisions observe
    assert oil.node("oil").display_name == "Amount of oil"
    assert "oil" in oil and "gas" not in oil
    with pytest.raises(QueryError, match="node 'gas': expected one of the model's nodes"):
        oil.node("gas")


def test_cardinality(oil: Diagram) -> None:
    assert oil.cardinality("result") == 4 and oil.cardinality("drill") == 2


def test_information_set_is_perfect_recall(oil: Diagram) -> None:
    assert oil.information_set("test") == ()
    assert oil.information_set("drill") == ("test", "result")
    with pytest.raises(QueryError, match="expected a decision"):
        oil.information_set("oil")


def test_children_ancestors_descendants(oil: Diagram) -> None:
    assert oil.children["test"] == ("result", "test_cost")  # information arcs are explicit
    assert oil.children["payoff"] == ()
    assert oil.ancestors("drill") == {"result", "oil", "test"}
    assert oil.ancestors(("payoff", "test_cost")) == {"drill", "oil", "result", "test"}
    assert oil.descendants("oil") == {"result", "drill", "payoff"}


def test_probabilities_and_utilities(oil: Diagram) -> None:
    assert oil.probabilities("oil") == {"dry": 0.5, "wet": 0.3, "soaking": 0.2}
    row = oil.probabilities("result", {"oil": "wet", "test": "yes"})
    assert row == {"none": 0.0, "closed": 0.3, "open": 0.4, "diffuse": 0.3}
    assert oil.utility("payoff", {"drill": "yes", "oil": "soaking"}) == 200.0
    assert oil.utility("test_cost", {"test": "yes"}) == -10.0


@pytest.mark.parametrize(("call", "message"), [
    (lambda d: d.probabilities("drill"), "expected a chance node, got a decision node"),
    (lambda d: d.utility("oil"), "expected a utility node, got a chance node"),
    (lambda d: d.probabilities("result", {"oil": "wet"}),
     "expected `given` to name every parent of 'result' \\(oil, test\\), got no state for test"),
    (lambda d: d.probabilities("result", {"oil": "wet", "test": "yes", "drill": "no"}),
     "expected `given` to name the parents of 'result' \\(oil, test\\), got 'drill'"),
    (lambda d: d.probabilities("result", {"oil": "moist", "test": "yes"}),
     "expected a state of 'oil'"),
])
def test_table_lookup_errors(oil: Diagram, call, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        call(oil)


def test_parent_configurations_follow_the_table_layout(oil: Diagram) -> None:
    configs = list(oil.parent_configurations("payoff"))
    assert configs[0] == {"drill": "no", "oil": "dry"}
    assert configs[1] == {"drill": "no", "oil": "wet"}  # the last parent varies fastest
    flat = oil.node("payoff").table.reshape(-1)
    assert [oil.utility("payoff", c) for c in configs] == list(flat)
    assert list(oil.parent_configurations("oil")) == [{}]


def test_tables_are_read_only(oil: Diagram) -> None:
    with pytest.raises(ValueError):
        oil.node("oil").table[0] = 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        oil.node("oil").states = ("a",)  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        oil.name = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        oil.node("result").row_sources[("dry", "yes")] = "x"  # type: ignore[index]


def test_node_copies_its_table() -> None:
    table = np.array([0.5, 0.5])
    node = Node(name="a", kind="chance", states=("x", "y"), table=table)
    table[0] = 1.0
    assert node.table[0] == 0.5


def test_node_equality() -> None:
    a = Node(name="a", kind="chance", states=("x", "y"), table=[0.5, 0.5], label="A")
    b = Node(name="a", kind="chance", states=("x", "y"), table=[0.5, 0.5], label="other")
    c = Node(name="a", kind="chance", states=("x", "y"), table=[0.4, 0.6])
    assert a == b and hash(a) == hash(b)
    assert a != c


def test_policies(oil: Diagram) -> None:
    assert [p.id for p in oil.policies] == ["drill-blind", "test-and-follow", "do-nothing"]
    follow = oil.policy("test-and-follow")
    assert follow.label == "Test, drill on closed or open"
    assert follow.rules["test"][0].choose == "yes" and dict(follow.rules["test"][0].given) == {}
    assert [dict(r.given) for r in follow.rules["drill"]] == [
        {"result": "diffuse"}, {"result": "closed"}, {"result": "open"}]
    with pytest.raises(QueryError, match="expected a policy of the model"):
        oil.policy("gamble")


def test_fingerprint_ignores_prose_but_not_numbers() -> None:
    base = influence.model.bundled.path_of("oil-wildcatter").read_text(encoding="utf-8")
    d = loads(base)
    assert d.fingerprint == loads(base.replace("Amount of oil", "Oil in the ground")).fingerprint
    assert d.fingerprint != loads(base.replace("value: -10", "value: -11")).fingerprint
    assert d.fingerprint != loads(base.replace("[0.5, 0.3, 0.2]", "[0.4, 0.4, 0.2]")).fingerprint
    assert d.fingerprint != loads(base.replace("name: oil-wildcatter",
                                               "name: oil-2")).fingerprint


def test_changes_name_the_parameters_of_structured_tables() -> None:
    """A changed, added or removed prior of a structured table's parameter is named, with its
    node and field, not only as a changed fingerprint."""
    from influence.model.fingerprint import changes, fit_content

    base = influence.model.bundled.path_of("cartel-intervention").read_text(encoding="utf-8")
    d = loads(base)
    edited = loads(base.replace("limited: {value: 0.1, prior: {beta: [2, 18]}",
                                "limited: {value: 0.1, prior: {beta: [3, 18]}", 1))
    assert d.fit_fingerprint != edited.fit_fingerprint
    found = changes(fit_content(d), fit_content(edited))
    assert found == ["node 'retaliation_mexico', parameter 'retaliation_mexico.leak:limited', "
                     "field 'prior': ProbabilityBeta(a=2.0, b=18.0) before, "
                     "ProbabilityBeta(a=3.0, b=18.0) now"]
    point = loads(base.replace("limited: {value: 0.1, prior: {beta: [2, 18]}",
                               "limited: {value: 0.1", 1))
    assert changes(fit_content(point), fit_content(d)) == [
        "node 'retaliation_mexico', parameter 'retaliation_mexico.leak:limited', field 'prior': "
        "none before, ProbabilityBeta(a=2.0, b=18.0) now"]
    content = fit_content(d)
    fewer = {**content, "parameters": content["parameters"][1:]}
    name = content["parameters"][0]["name"]
    assert changes(content, fewer) == [f"parameter '{name}' removed"]
    assert changes(fewer, content) == [f"parameter '{name}' added"]


def test_repr(oil: Diagram) -> None:
    assert repr(oil) == ("Diagram(name='oil-wildcatter', chance=2, decisions=2, utilities=2, "
                         "policies=3)")


def test_pgmpy_conversions_are_functions_of_the_package(oil: Diagram) -> None:
    assert not hasattr(Diagram, "to_pgmpy") and not hasattr(Diagram, "from_pgmpy")
    network = influence.to_pgmpy(oil)
    assert set(network.nodes()) == {"oil", "test", "result", "drill"}
    back = influence.from_pgmpy(
        network, name="oil-wildcatter",
        decisions={d.name: {"observes": list(d.observes)} for d in oil.decisions},
        utilities={u.name: {"parents": list(u.parents), "table": u.table} for u in oil.utilities},
    )
    assert all(back.node(n.name) == n for n in oil.nodes)


def test_loading_does_not_import_pgmpy() -> None:
    import subprocess

    code = ("import sys, influence; influence.evaluate(influence.load('oil-wildcatter')); "
            "assert callable(influence.to_pgmpy) and callable(influence.from_pgmpy); "
            "print(any(m.split('.')[0] == 'pgmpy' for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
