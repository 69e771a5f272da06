"""Graph-level checks (influence.model.checks) on diagrams built in Python, where no loader has
looked at the fields first."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from influence import Diagram, ModelError, Node, Policy, RuleRow
from influence.model.checks import check_policies, check_structure, find_cycle, rules_conflict


def chance(name: str, states=("x", "y"), parents=(), table=None) -> Node:
    if table is None:
        shape = (2,) * len(parents) + (len(states),)
        table = np.full(shape, 1.0 / len(states))
    return Node(name=name, kind="chance", states=states, parents=parents, table=table)


def decision(name: str, states=("x", "y"), observes=()) -> Node:
    return Node(name=name, kind="decision", states=states, parents=observes)


def utility(name: str, parents=(), table=None, weight: float = 1.0) -> Node:
    if table is None:
        table = np.arange(2 ** len(parents), dtype=float).reshape((2,) * len(parents))
    return Node(name=name, kind="utility", parents=parents, table=table, weight=weight)


def good_nodes() -> list[Node]:
    return [chance("a"), decision("d1", observes=("a",)), chance("b", parents=("a", "d1")),
            decision("d2", observes=("b",)), utility("u", parents=("b", "d2"))]


def diagram(nodes, policies=(), file: str | None = "built.yaml") -> Diagram:
    return Diagram(name="m", nodes=tuple(nodes), policies=tuple(policies), file=file)


def expect(nodes, *fragments: str, node: str | None = None, field: str | None = None,
           policies=(), lines=None) -> ModelError:
    with pytest.raises(ModelError) as info:
        check_structure(diagram(nodes, policies), lines=lines)
    err = info.value
    message = str(err)
    assert err.file == "built.yaml" and message.startswith("built.yaml"), message
    assert "expected" in message, message
    if node is not None:
        assert err.node == node and f"node '{node}'" in message, message
    if field is not None:
        assert err.field == field and f"field '{field}'" in message, message
    for fragment in fragments:
        assert fragment in message, message
    return err


def replace(nodes: list[Node], name: str, **changes) -> list[Node]:
    return [dataclasses.replace(n, **changes) if n.name == name else n for n in nodes]


def test_valid_diagram_passes() -> None:
    check_structure(diagram(good_nodes()))


def test_line_numbers_are_used() -> None:
    nodes = replace(good_nodes(), "b", parents=("a", "zz"))
    err = expect(nodes, "unknown node 'zz'", node="b", field="parents", lines={"b": 12})
    assert err.line == 12 and "line 12" in str(err)


def test_duplicate_node_names() -> None:
    expect(good_nodes() + [utility("u")], "expected each node name once, got 'u' twice",
           node="u", field="nodes")


@pytest.mark.parametrize("bad", ["a b", "9lives", "", "x.y"])
def test_invalid_node_names(bad: str) -> None:
    expect(good_nodes() + [utility(bad)], "expected a node name of letters, digits",
           repr(bad), field="nodes")


def test_non_text_node_name() -> None:
    expect(good_nodes() + [Node(name=3, kind="utility", table=np.array(1.0))],  # type: ignore[arg-type]
           "got 3", node="3", field="nodes")


def test_unknown_kind() -> None:
    expect(good_nodes() + [Node(name="z", kind="random")],  # type: ignore[arg-type]
           "expected `type` to be chance, decision or utility, got 'random'", node="z",
           field="type")


def test_no_utility_node() -> None:
    expect(good_nodes()[:-1], "expected at least one utility node, got none", field="nodes")


def test_chance_node_without_states() -> None:
    expect(replace(good_nodes(), "a", states=(), table=np.zeros(0)), "expected at least one state",
           node="a", field="states")


def test_decision_without_states() -> None:
    expect(replace(good_nodes(), "d2", states=()), "expected at least one state, got none",
           node="d2", field="states")


def test_duplicate_states() -> None:
    expect(replace(good_nodes(), "d1", states=("x", "x")), "expected each state once, got 'x' "
           "twice", node="d1", field="states")


def test_state_names_must_be_text() -> None:
    expect(replace(good_nodes(), "d1", states=("x", 1)), "expected state names (text), got 1",
           node="d1", field="states")


def test_utility_node_with_states() -> None:
    expect(replace(good_nodes(), "u", states=("x",)), "expected no states on a utility node",
           node="u", field="states")


def test_utility_weight_must_be_finite() -> None:
    expect(replace(good_nodes(), "u", weight=float("nan")), "expected a finite weight, got nan",
           node="u", field="weight")


def test_unknown_parent() -> None:
    expect(replace(good_nodes(), "u", parents=("b", "zz"), table=np.zeros((2, 2))),
           "expected nodes of the model, got unknown node 'zz'", node="u", field="parents")


def test_self_parent() -> None:
    expect(replace(good_nodes(), "b", parents=("b",), table=np.full((2, 2), 0.5)),
           "expected other nodes, got 'b' itself", node="b", field="parents")


def test_parent_twice() -> None:
    expect(replace(good_nodes(), "b", parents=("a", "a"), table=np.full((2, 2, 2), 0.5)),
           "expected each node once, got 'a' twice", node="b", field="parents")


def test_utility_with_children() -> None:
    nodes = good_nodes() + [chance("c", parents=("u",))]
    expect(nodes, "expected chance or decision nodes, got utility node 'u'", node="c",
           field="parents")


def test_decision_observing_a_later_node() -> None:
    nodes = replace(good_nodes(), "d1", parents=("a", "late"))
    nodes.insert(-1, chance("late"))
    expect(nodes, "expected nodes listed before 'd1'", "got 'late', which comes after it",
           node="d1", field="observes")


def test_decision_with_a_table() -> None:
    expect(replace(good_nodes(), "d1", table=np.ones(2)), "expected no table on a decision",
           node="d1")


@pytest.mark.parametrize(("name", "table", "field"), [
    ("a", np.full(3, 1 / 3), "p"),
    ("b", np.full((2, 2), 0.5), "cpt"),
    ("u", np.zeros(2), "values"),
    ("b", None, "cpt"),
])
def test_table_of_the_wrong_shape(name: str, table, field: str) -> None:
    err = expect(replace(good_nodes(), name, table=table), "expected a table of shape",
                 node=name, field=field)
    assert "got no table" in str(err) if table is None else f"got shape {table.shape}" in str(err)


def test_constant_utility_shape() -> None:
    nodes = good_nodes() + [utility("c", table=np.array(2.0))]
    check_structure(diagram(nodes))
    expect(good_nodes() + [utility("c", table=np.array([2.0]))], "expected a table of shape ()",
           node="c", field="value")


def test_nan_in_a_table() -> None:
    table = np.zeros((2, 2))
    table[1, 0] = np.nan
    expect(replace(good_nodes(), "u", table=table), "expected finite numbers in the table, got "
           "NaN or infinity", node="u", field="values")


def test_negative_probability() -> None:
    expect(replace(good_nodes(), "a", table=np.array([1.5, -0.5])),
           "expected probabilities >= 0, got -0.5", node="a", field="p")


def test_rows_not_summing_to_one() -> None:
    table = np.full((2, 2, 2), 0.5)
    table[1, 0] = [0.5, 0.6]
    expect(replace(good_nodes(), "b", table=table), "expected each row to sum to 1, got sums "
           "from 1 to 1.1", node="b", field="cpt")


def test_rows_within_the_tolerance_pass() -> None:
    check_structure(diagram(replace(good_nodes(), "a", table=np.array([0.5, 0.5 + 5e-7]))))


def test_cycle_is_named() -> None:
    nodes = [chance("a", parents=("b",)), chance("b", parents=("a",)), utility("u", ("a",))]
    err = expect(nodes, "expected a directed acyclic graph, got the cycle a -> b -> a",
                 node="a", field="parents")
    assert err.node == "a"


def test_three_cycle() -> None:
    nodes = [chance("a", parents=("c",)), chance("b", parents=("a",)),
             chance("c", parents=("b",)), utility("u", ("a",))]
    expect(nodes, "a -> b -> c -> a")


def test_later_decision_ancestor_of_an_earlier_one() -> None:
    nodes = [chance("s", parents=("d2",)), decision("d1", observes=("s",)), decision("d2"),
             utility("u", ("d1",))]
    expect(nodes, "expected 'd1' to be taken before 'd2'", "d2 -> s -> d1", node="d1",
           field="observes")


def test_later_decision_ancestor_through_a_chain() -> None:
    nodes = [chance("s", parents=("t",)), decision("d1", observes=("s",)),
             decision("d2"), chance("t", parents=("d2",)), utility("u", ("d1",))]
    expect(nodes, "d2 -> t -> s -> d1")


# -- policies ----------------------------------------------------------------------------------


def policy(rules: dict, pid: str = "p") -> Policy:
    return Policy(id=pid, label=pid, rules=rules)


def test_valid_policies_pass() -> None:
    rules = {"d1": (RuleRow({}, "x"),),
             "d2": (RuleRow({"a": "x", "b": "y"}, "y"), RuleRow({"a": "y", "d1": "x"}, "x"))}
    check_structure(diagram(good_nodes(), [policy(rules)]))


def test_policy_for_an_unknown_decision() -> None:
    expect(good_nodes(), "policy 'p': expected to choose for decisions (d1, d2), got 'b'",
           node="b", field="policies", policies=[policy({"b": (RuleRow({}, "x"),)})])


def test_policy_choosing_an_unknown_state() -> None:
    expect(good_nodes(), "policy 'p', rule row 1: expected to choose a state of 'd1' (x, y), "
           "got 'z'", node="d1", field="policies", policies=[policy({"d1": (RuleRow({}, "z"),)})])


def test_rule_given_outside_the_information_set() -> None:
    expect(good_nodes(), "expected `given` to name what 'd1' knows when it is taken (a), got "
           "'b'", node="d1", field="policies",
           policies=[policy({"d1": (RuleRow({"b": "x"}, "x"),)})])


def test_rule_given_an_unknown_state() -> None:
    expect(good_nodes(), "expected a state of 'a' (x, y) in `given`, got a='q'", node="d2",
           field="policies", policies=[policy({"d2": (RuleRow({"a": "q"}, "x"),)})])


def test_conflicting_rule_rows() -> None:
    rows = (RuleRow({"a": "x"}, "x"), RuleRow({"b": "y"}, "y"))
    expect(good_nodes(), "rule row 2: expected rule rows that agree where they overlap, got 'y' "
           "where rule row 1 chooses 'x'", node="d2", field="policies",
           policies=[policy({"d2": rows})])


def test_empty_rules() -> None:
    expect(good_nodes(), "expected a non-empty list of rule rows", node="d1", field="policies",
           policies=[policy({"d1": ()})])


def test_duplicate_policy_ids() -> None:
    p = policy({"d1": (RuleRow({}, "x"),)})
    expect(good_nodes(), "expected each policy id once, got 'p' twice", field="policies",
           policies=[p, p])


def test_check_policies_alone() -> None:
    d = diagram(good_nodes(), [policy({"d1": (RuleRow({}, "x"),)})])
    check_policies(d)


# -- find_cycle and rules_conflict -------------------------------------------------------------


def test_find_cycle() -> None:
    assert find_cycle({"a": (), "b": ("a",), "c": ("a", "b")}) is None
    assert find_cycle({"a": ("a",)}) == ["a", "a"]
    cycle = find_cycle({"a": (), "b": ("a", "d"), "c": ("b",), "d": ("c",)})
    assert cycle is not None and cycle[0] == cycle[-1] and set(cycle) == {"b", "c", "d"}


def test_rules_conflict() -> None:
    assert rules_conflict(RuleRow({"a": "x"}, "x"), RuleRow({"b": "y"}, "y"))
    assert not rules_conflict(RuleRow({"a": "x"}, "x"), RuleRow({"a": "y"}, "y"))
    assert not rules_conflict(RuleRow({"a": "x"}, "x"), RuleRow({}, "x"))
    assert rules_conflict(RuleRow({}, "x"), RuleRow({"a": "x", "b": "y"}, "y"))
