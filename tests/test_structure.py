"""The checks of influence.model.structure on diagrams built in Python, where no loader has
looked at the fields first: a Node checks itself as it is built (no file known yet), a Diagram
checks the whole graph (naming its file)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from influence import Diagram, ModelError, Node, Policy, RuleRow
from influence.model.structure import (
    check_policies,
    find_cycle,
    first_conflict,
    rules_conflict,
    topological_order,
)


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
           policies=(), local: bool = False) -> ModelError:
    """Build the diagram (``nodes`` may be a function making them, for faults a Node finds in
    itself) and check the ModelError: the file (none for a node's own faults, which are found
    before the diagram exists), node, field and message fragments."""
    with pytest.raises(ModelError) as info:
        diagram(nodes() if callable(nodes) else nodes, policies)
    err = info.value
    message = str(err)
    if local:
        assert err.file is None, message
    else:
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


def replaced(name: str, **changes):
    """A function building the good nodes with node ``name`` changed (for :func:`expect`)."""
    return lambda: replace(good_nodes(), name, **changes)


def test_valid_diagram_passes() -> None:
    d = diagram(good_nodes())
    assert d.names == ("a", "d1", "b", "d2", "u")


def test_faults_carry_their_path_in_the_model_file_layout() -> None:
    err = expect(replace(good_nodes(), "b", parents=("a", "zz"), table=np.full((2, 2, 2), 0.5)),
                 "unknown node 'zz'", node="b", field="parents")
    assert err.path == ("nodes", "b", "parents", 1) and err.line is None


def test_replace_on_a_diagram_validates_again() -> None:
    d = diagram(good_nodes())
    with pytest.raises(ModelError, match="expected at least one utility node"):
        dataclasses.replace(d, nodes=d.nodes[:-1])
    with pytest.raises(ModelError, match="got the cycle"):
        dataclasses.replace(d, nodes=replace(list(d.nodes), "a", parents=("b",),
                                             table=np.full((2, 2), 0.5)))


def test_duplicate_node_names() -> None:
    expect(good_nodes() + [utility("u")], "expected each node name once, got 'u' twice",
           node="u", field="nodes")


@pytest.mark.parametrize("bad", ["a b", "9lives", "", "x.y"])
def test_invalid_node_names(bad: str) -> None:
    expect(lambda: good_nodes() + [utility(bad)], "expected a node name of letters, digits",
           repr(bad), field="nodes", local=True)


def test_non_text_node_name() -> None:
    expect(lambda: good_nodes() + [Node(name=3, kind="utility", table=np.array(1.0))],  # type: ignore[arg-type]
           "got int 3", node="3", field="nodes", local=True)


def test_unknown_kind() -> None:
    expect(lambda: good_nodes() + [Node(name="z", kind="random")],  # type: ignore[arg-type]
           "expected `type` to be chance, decision or utility, got text 'random'", node="z",
           field="type", local=True)


def test_no_utility_node() -> None:
    expect(good_nodes()[:-1], "expected at least one utility node, got none", field="nodes")


def test_chance_node_without_states() -> None:
    expect(replaced("a", states=(), table=np.zeros(0)),
           "expected a non-empty list of state names, got an empty list", node="a",
           field="states", local=True)


def test_decision_without_states() -> None:
    expect(replaced("d2", states=()), "expected a non-empty list of state names, got an empty "
           "list", node="d2", field="states", local=True)


def test_duplicate_states() -> None:
    expect(replaced("d1", states=("x", "x")), "expected each state once, got 'x' twice",
           node="d1", field="states", local=True)


def test_state_names_must_be_text() -> None:
    expect(replaced("d1", states=("x", 1)), "expected a state name, got int 1", node="d1",
           field="states", local=True)


def test_utility_node_with_states() -> None:
    expect(replaced("u", states=("x",)), "expected no states on a utility node", node="u",
           field="states", local=True)


def test_utility_weight_must_be_finite() -> None:
    expect(replaced("u", weight=float("nan")), "expected a number, got NaN", node="u",
           field="weight", local=True)
    expect(replaced("u", weight=float("inf")), "expected a finite number, got inf", node="u",
           field="weight", local=True)


def test_unknown_parent() -> None:
    expect(replace(good_nodes(), "u", parents=("b", "zz"), table=np.zeros((2, 2))),
           "expected nodes of the model, got unknown node 'zz'", node="u", field="parents")


def test_self_parent() -> None:
    expect(replaced("b", parents=("b",), table=np.full((2, 2), 0.5)),
           "expected other nodes, got 'b' itself", node="b", field="parents", local=True)


def test_parent_twice() -> None:
    expect(replaced("b", parents=("a", "a"), table=np.full((2, 2, 2), 0.5)),
           "expected each node once, got 'a' twice", node="b", field="parents", local=True)


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
    expect(replaced("d1", table=np.ones(2)), "expected no table on a decision", node="d1",
           field="table", local=True)


@pytest.mark.parametrize(("name", "table", "field", "message", "local"), [
    ("a", np.full(3, 1 / 3), "p", "expected a table of shape (2,) (states), got shape (3,)", True),
    ("b", np.full((2, 2), 0.5), "cpt", "expected a table of shape (2, 2, 2) (parents a, d1 then "
     "states), got shape (2, 2)", False),
    ("b", np.full((2, 2, 3), 1 / 3), "cpt", "expected a table whose last axis is over the 2 "
     "states (x, y), got shape (2, 2, 3)", True),
    ("u", np.zeros(2), "values", "expected a table of shape (2, 2) (parents b, d2), got shape "
     "(2,)", False),
    ("b", None, "cpt", "expected a table (parents a, d1 then states), got no table", True),
    ("a", None, "p", "expected a table of shape (2,) (states), got no table", True),
    ("u", [[1, 2], [3, "x"]], "values", "expected a table of numbers, got a list of 2", True),
])
def test_table_of_the_wrong_shape(name: str, table, field: str, message: str,
                                  local: bool) -> None:
    expect(replaced(name, table=table), message, node=name, field=field, local=local)


def test_constant_utility_shape() -> None:
    nodes = good_nodes() + [utility("c", table=np.array(2.0))]
    assert diagram(nodes).utility("c") == 2.0
    expect(lambda: good_nodes() + [utility("c", table=np.array([2.0]))],
           "expected a table of shape () (a single number), got shape (1,)", node="c",
           field="value", local=True)


def test_nan_in_a_table() -> None:
    table = np.zeros((2, 2))
    table[1, 0] = np.nan
    expect(replaced("u", table=table), "expected finite numbers in the table, got NaN or "
           "infinity", node="u", field="values", local=True)


def test_negative_probability() -> None:
    expect(replaced("a", table=np.array([1.5, -0.5])),
           "expected probabilities >= 0, got -0.5 for state 'y'", node="a", field="p",
           local=True)


def test_rows_not_summing_to_one() -> None:
    table = np.full((2, 2, 2), 0.5)
    table[1, 0] = [0.5, 0.6]
    expect(replaced("b", table=table), "table[1, 0]: expected probabilities summing to 1, got a "
           "sum of 1.1", node="b", field="cpt", local=True)


def test_rows_within_the_tolerance_are_divided_by_their_sums() -> None:
    raw = np.array([0.5, 0.5 + 5e-7])
    d = diagram(replace(good_nodes(), "a", table=raw))
    assert np.array_equal(d.node("a").table, raw / raw.sum())
    exact = np.array([0.1, 0.2, 0.7])  # sums to 1 up to rounding: kept as written
    node = Node(name="c", kind="chance", states=("p", "q", "r"), table=exact)
    assert np.array_equal(node.table, exact)
    assert dataclasses.replace(node, label="again") == node


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
    d = diagram(good_nodes(), [policy(rules)])
    assert d.policy("p").rules["d2"][1].choose == "x"


def test_policy_for_an_unknown_decision() -> None:
    expect(good_nodes(), "policy 'p': expected to choose for decisions (d1, d2), got 'b', which "
           "is a chance node", node="b", field="policies",
           policies=[policy({"b": (RuleRow({}, "x"),)})])


def test_policy_choosing_an_unknown_state() -> None:
    expect(good_nodes(), "policy 'p': expected to choose a state of 'd1' (x, y), got 'z'",
           node="d1", field="policies", policies=[policy({"d1": (RuleRow({}, "z"),)})])
    rows = (RuleRow({"a": "x"}, "x"), RuleRow({"a": "y"}, "z"))
    expect(good_nodes(), "policy 'p', rule row 2: expected to choose a state of 'd1' (x, y), "
           "got 'z'", node="d1", field="policies", policies=[policy({"d1": rows})])


def test_rule_given_outside_the_information_set() -> None:
    expect(good_nodes(), "expected `given` to name what 'd1' knows when it is taken (a), got "
           "'b', which is not known when 'd1' is taken", node="d1", field="policies",
           policies=[policy({"d1": (RuleRow({"b": "x"}, "x"),)})])
    expect(good_nodes(), "expected `given` to name what 'd2' knows when it is taken (a, d1, b), "
           "got 'zz', which it does not observe", node="d2", field="policies",
           policies=[policy({"d2": (RuleRow({"zz": "x"}, "x"),)})])


def test_rule_given_an_unknown_state() -> None:
    expect(good_nodes(), "expected a state of 'a' (x, y) in `given`, got a='q'", node="d2",
           field="policies", policies=[policy({"d2": (RuleRow({"a": "q"}, "x"),)})])


def test_conflicting_rule_rows() -> None:
    rows = (RuleRow({"a": "x"}, "x"), RuleRow({"b": "y"}, "y"))
    expect(good_nodes(), "rule row 2: expected rule rows that agree where they overlap, got 'y' "
           "on {a: x, b: y} where rule row 1 chooses 'x'", node="d2", field="policies",
           policies=[policy({"d2": rows})])


def test_empty_rules() -> None:
    with pytest.raises(ModelError, match="node 'd1', field 'policies': policy 'p': expected a "
                                         "non-empty list of rule rows, got none"):
        policy({"d1": ()})


def test_duplicate_policy_ids() -> None:
    p = policy({"d1": (RuleRow({}, "x"),)})
    expect(good_nodes(), "expected each policy id once, got 'p' twice", field="policies",
           policies=[p, p])


def test_check_policies_alone() -> None:
    d = diagram(good_nodes(), [policy({"d1": (RuleRow({}, "x"),)})])
    check_policies(d)  # a valid diagram passes again
    assert d.policy("p").rules["d1"] == (RuleRow({}, "x"),)


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


def test_first_conflict_agrees_with_comparing_every_pair() -> None:
    rng = np.random.default_rng(0)
    variables = ("a", "b", "c")
    found = 0
    for _ in range(300):
        rows = []
        for _ in range(int(rng.integers(1, 7))):
            named = [v for v in variables if rng.random() < 0.5]
            rows.append(RuleRow({v: str(rng.choice(["x", "y"])) for v in named},
                                str(rng.choice(["x", "y"]))))
        pairwise = next(((i, j) for i in range(len(rows)) for j in range(i)
                         if rules_conflict(rows[j], rows[i])), None)
        assert first_conflict(rows) == pairwise, rows
        found += pairwise is not None
    assert 50 < found < 250  # both outcomes are exercised


def test_topological_order() -> None:
    assert topological_order({"a": (), "b": ("c",), "c": ("a",)}) == ["a", "c", "b"]
    assert topological_order({"a": ("b",), "b": ("a",), "c": ()}) is None
