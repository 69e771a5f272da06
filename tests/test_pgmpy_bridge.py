"""The pgmpy bridge: layouts, round trips, and the solver's expected utilities checked against
pgmpy's variable elimination on the Bayesian network a strategy induces."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

import influence
from influence import Diagram, ModelError, Node, Policy, QueryError, RuleRow
from influence.io.pgmpy_bridge import from_pgmpy, to_pgmpy
from influence.solve.kernels import backward_induction
from influence.solve.plan import Plan
from influence.solve.tables import point_parameters

with warnings.catch_warnings():
    warnings.simplefilter("ignore", FutureWarning)
    from pgmpy.factors.discrete import TabularCPD
    from pgmpy.inference import VariableElimination
    from pgmpy.models import DiscreteBayesianNetwork

TOL = 1e-9


@pytest.fixture(scope="module")
def oil() -> Diagram:
    return influence.load("oil-wildcatter")


# -- building blocks ---------------------------------------------------------------------------


def pgmpy_eu(diagram: Diagram, network: DiscreteBayesianNetwork,
             evidence: dict[str, str] | None = None) -> float:
    """Sum over utility nodes of weight * sum over parent configurations of
    P(parents | evidence) * U(parents), with P from pgmpy's variable elimination."""
    evidence = evidence or {}
    inference = VariableElimination(network)
    total = 0.0
    for u in diagram.utilities:
        free = [p for p in u.parents if p not in evidence]
        joint = (inference.query(free, evidence=evidence or None, joint=True,
                                 show_progress=False) if free else None)
        for config in diagram.parent_configurations(u.name):
            if any(config[p] != s for p, s in evidence.items() if p in config):
                continue
            prob = joint.get_value(**{p: config[p] for p in free}) if free else 1.0
            total += u.weight * prob * diagram.utility(u.name, config)
    return total


def rule_from_choices(plan: Plan, k: int, choice: np.ndarray):
    """The decision rule of decision ``k`` given as an array of chosen indices over its past."""
    past = plan.past(k)
    d = plan.diagram.decisions[k]
    spaces = {v: plan.diagram.node(v).states for v in past}

    def rule(info: dict[str, str]) -> str:
        index = tuple(spaces[v].index(info[v]) for v in past)
        return d.states[int(np.asarray(choice)[index])]

    return rule


def strategy_from_choices(plan: Plan, choices) -> dict:
    return {d.name: rule_from_choices(plan, k, choices[k])
            for k, d in enumerate(plan.diagram.decisions)}


def close(a: float, b: float) -> bool:
    return abs(a - b) <= TOL * max(1.0, abs(b))


def random_diagram(seed: int, n_chance: int = 4, n_decisions: int = 2,
                   n_utilities: int = 2) -> Diagram:
    """A small random influence diagram: arcs only go forward in a random temporal order, parents
    are listed in random order, CPTs have some zeros (impossible information states)."""
    rng = np.random.default_rng(seed)
    kinds = list(rng.permutation(["chance"] * n_chance + ["decision"] * n_decisions))
    nodes: list[Node] = []
    states: dict[str, tuple[str, ...]] = {}
    for kind in kinds:
        earlier = [n.name for n in nodes]
        count = sum(n.kind == kind for n in nodes)
        name = f"c{count}" if kind == "chance" else f"D{count + 1}"
        states[name] = tuple(f"s{i}" for i in range(int(rng.integers(2, 4))))
        if kind == "decision":
            pool = [n for n in earlier if n.startswith("c") or rng.random() < 0.3]
            k = int(rng.integers(0, min(2, len(pool)) + 1))
            observes = tuple(sorted(rng.choice(pool, size=k, replace=False).tolist(),
                                    key=earlier.index)) if k else ()
            nodes.append(Node(name=name, kind="decision", states=states[name], parents=observes))
            continue
        k = int(rng.integers(0, min(2, len(earlier)) + 1))
        parents = tuple(rng.choice(earlier, size=k, replace=False).tolist()) if k else ()
        shape = tuple(len(states[p]) for p in parents) + (len(states[name]),)
        table = rng.dirichlet(np.ones(shape[-1]), size=shape[:-1])
        table = np.where(rng.random(shape) < 0.2, 0.0, table)
        table[table.sum(axis=-1) == 0, 0] = 1.0
        table = table / table.sum(axis=-1, keepdims=True)
        nodes.append(Node(name=name, kind="chance", states=states[name], parents=parents,
                          table=table))
    pool = [n.name for n in nodes]
    decisions = [n.name for n in nodes if n.kind == "decision"]
    for i in range(n_utilities):
        k = int(rng.integers(1, min(3, len(pool)) + 1))
        parents = tuple(rng.choice(pool, size=k, replace=False).tolist())
        if decisions and rng.random() < 0.8:  # most utilities depend on some decision
            extra = str(rng.choice(decisions))
            parents = parents if extra in parents else parents + (extra,)
        table = rng.normal(0.0, 10.0, size=tuple(len(states[p]) for p in parents))
        nodes.append(Node(name=f"U{i}", kind="utility", parents=parents, table=table,
                          weight=float(rng.choice([1.0, 0.5, 2.0]))))
    return Diagram(name=f"random-{seed}", nodes=tuple(nodes))  # checked as it is built


def random_policy(diagram: Diagram, rng: np.random.Generator, pid: str) -> Policy:
    """Rule rows on part of the information states of some decisions (the rest optimal)."""
    rules = {}
    for d in diagram.decisions:
        if rng.random() < 0.3:
            continue
        knows = diagram.information_set(d.name)
        if not knows or rng.random() < 0.3:
            rules[d.name] = (RuleRow({}, str(rng.choice(d.states))),)
            continue
        var = str(rng.choice(knows))
        picked = rng.choice(diagram.node(var).states, size=1).tolist()
        rules[d.name] = tuple(RuleRow({var: s}, str(rng.choice(d.states))) for s in picked)
    return Policy(id=pid, label=pid, rules=rules)


def roundtrip(diagram: Diagram, network: DiscreteBayesianNetwork | None = None) -> Diagram:
    return from_pgmpy(
        network if network is not None else to_pgmpy(diagram),
        name=diagram.name,
        decisions={d.name: {"states": list(d.states), "observes": list(d.observes)}
                   for d in diagram.decisions},
        utilities={u.name: {"parents": list(u.parents), "table": u.table, "weight": u.weight}
                   for u in diagram.utilities},
    )


def assert_same_nodes(a: Diagram, b: Diagram) -> None:
    assert set(a.names) == set(b.names)
    for node in a.nodes:
        other = b.node(node.name)
        assert other == node, node.name  # kind, states, parents (order too), weight, table
        if node.table is not None:
            assert np.array_equal(other.table, node.table)
    assert [d.name for d in a.decisions] == [d.name for d in b.decisions]


# -- to_pgmpy ----------------------------------------------------------------------------------


def test_to_pgmpy_nodes_edges_and_states(oil: Diagram) -> None:
    network = to_pgmpy(oil)
    assert list(network.nodes()) == ["oil", "test", "result", "drill"]
    assert set(network.edges()) == {("oil", "result"), ("test", "result")}
    for name in network.nodes():
        cpd = network.get_cpds(name)
        assert cpd.state_names[name] == list(oil.node(name).states)
    network.check_model()


def test_cpd_layout_matches_the_table(oil: Diagram) -> None:
    cpd = to_pgmpy(oil).get_cpds("result")
    assert cpd.variables == ["result", "oil", "test"]
    assert cpd.get_values().shape == (4, 6)
    factor = cpd.to_factor()
    for config in oil.parent_configurations("result"):
        row = oil.probabilities("result", config)
        for state, p in row.items():
            assert factor.get_value(result=state, **config) == p
    # the last evidence varies fastest in the columns
    assert list(cpd.get_values()[:, 1]) == list(
        oil.probabilities("result", {"oil": "dry", "test": "yes"}).values())


def test_decisions_are_uniform_root_placeholders(oil: Diagram) -> None:
    network = to_pgmpy(oil)
    for d in ("test", "drill"):
        assert network.get_parents(d) == []
        np.testing.assert_array_equal(network.get_cpds(d).get_values(), [[0.5], [0.5]])


def test_fixed_strategy_gives_deterministic_cpds(oil: Diagram) -> None:
    def drill_rule(info: dict[str, str]) -> str:
        assert set(info) == {"test", "result"}  # the information set, perfect recall
        return "yes" if info["result"] in ("closed", "open") else "no"

    network = to_pgmpy(oil, {"test": "yes", "drill": drill_rule})
    assert network.get_parents("test") == []
    assert network.get_cpds("test").get_values().tolist() == [[0.0], [1.0]]
    cpd = network.get_cpds("drill")
    assert cpd.variables == ["drill", "test", "result"]
    factor = cpd.to_factor()
    for test, result in itertools.product(("no", "yes"), oil.node("result").states):
        chosen = drill_rule({"test": test, "result": result})
        assert factor.get_value(drill=chosen, test=test, result=result) == 1.0
    assert pgmpy_eu(oil, network) == pytest.approx(22.5, abs=TOL)


def test_strategy_as_tables(oil: Diagram) -> None:
    table = {(t, r): "no" for t in ("no", "yes") for r in oil.node("result").states}
    network = to_pgmpy(oil, {"test": {(): "no"}, "drill": table})
    assert pgmpy_eu(oil, network) == pytest.approx(0.0, abs=TOL)


def test_strategy_from_an_evaluation(oil: Diagram) -> None:
    result = influence.evaluate(oil)
    for strategy in (result, result.optimal_strategy, {"drill": result.decision("drill"),
                                                       "test": "yes"}):
        assert pgmpy_eu(oil, to_pgmpy(oil, strategy)) == pytest.approx(22.5, abs=TOL)


def test_strategy_leaving_out_a_decision_keeps_its_placeholder(oil: Diagram) -> None:
    network = to_pgmpy(oil, {"drill": "yes"})
    assert network.get_cpds("test").get_values().tolist() == [[0.5], [0.5]]


@pytest.mark.parametrize(("strategy", "message"), [
    ({"oil": "dry"}, "expected a strategy for decisions (test, drill), got 'oil'"),
    ({"test": "maybe"}, "expected the strategy to choose a state of 'test' (no, yes)"),
    ({"drill": {("yes", "open"): "yes"}}, "got None"),
    ({"drill": lambda info: 1}, "got 1"),
    ({"drill": 3.5}, "expected a state, a function, a mapping or a DecisionResult"),
])
def test_bad_strategies(oil: Diagram, strategy, message: str) -> None:
    with pytest.raises(QueryError) as info:
        to_pgmpy(oil, strategy)
    assert message in str(info.value) and "field 'strategy'" in str(info.value)


# -- from_pgmpy --------------------------------------------------------------------------------


def test_roundtrip_oil(oil: Diagram) -> None:
    back = roundtrip(oil)
    assert_same_nodes(oil, back)
    assert back.names == oil.names
    assert influence.evaluate(back).maximum_expected_utility == pytest.approx(22.5, abs=TOL)


def test_roundtrip_with_a_strategy_built_in(oil: Diagram) -> None:
    # The decision CPDs are ignored: the decisions come from the specs.
    network = to_pgmpy(oil, influence.evaluate(oil))
    assert_same_nodes(oil, roundtrip(oil, network))


@pytest.mark.parametrize("seed", range(6))
def test_roundtrip_random(seed: int) -> None:
    diagram = random_diagram(seed)
    back = roundtrip(diagram)
    assert_same_nodes(diagram, back)
    assert influence.solve(back).maximum_expected_utility == pytest.approx(
        influence.solve(diagram).maximum_expected_utility, abs=TOL)


def test_roundtrip_hand_built_with_parents_out_of_file_order() -> None:
    table = np.array([[[0.1, 0.9], [0.2, 0.8], [0.3, 0.7]],
                      [[0.4, 0.6], [0.5, 0.5], [0.6, 0.4]]])  # (b: 2, a: 3, c: 2)
    nodes = (
        Node(name="a", kind="chance", states=("x", "y", "z"), table=[0.2, 0.3, 0.5]),
        Node(name="d", kind="decision", states=("go", "stay"), parents=("a",)),
        Node(name="b", kind="chance", states=("lo", "hi"), parents=("d",),
             table=[[0.25, 0.75], [1.0, 0.0]]),
        Node(name="c", kind="chance", states=("no", "yes"), parents=("b", "a"), table=table),
        Node(name="u", kind="utility", parents=("c", "d"), table=[[1.0, -2.0], [3.0, 4.5]],
             weight=2.0),
        Node(name="k", kind="utility", table=5.0),
    )
    diagram = Diagram(name="hand", nodes=nodes)
    network = to_pgmpy(diagram)
    assert network.get_cpds("c").variables == ["c", "b", "a"]
    back = roundtrip(diagram)
    assert_same_nodes(diagram, back)
    assert back.names == diagram.names
    assert back.node("k").table == 5.0


def _weather_network(state_order_in_child=("dry", "wet")) -> DiscreteBayesianNetwork:
    network = DiscreteBayesianNetwork([("weather", "forecast")])
    network.add_cpds(
        TabularCPD("weather", 2, [[0.7], [0.3]], state_names={"weather": ["dry", "wet"]}),
        TabularCPD("forecast", 2,
                   [[0.9, 0.2], [0.1, 0.8]] if state_order_in_child == ("dry", "wet")
                   else [[0.2, 0.9], [0.8, 0.1]],
                   evidence=["weather"], evidence_card=[2],
                   state_names={"forecast": ["sunny", "rainy"],
                                "weather": list(state_order_in_child)}),
    )
    return network


UMBRELLA = {"umbrella": {"states": ["no", "yes"], "observes": ["forecast"]}}
COMFORT = {"comfort": {"parents": ["weather", "umbrella"],
                       "table": {"dry": {"no": 10, "yes": 8}, "wet": {"no": 0, "yes": 7}}}}


def test_from_pgmpy_builds_a_diagram() -> None:
    d = from_pgmpy(_weather_network(), decisions=UMBRELLA, utilities=COMFORT, name="weather",
                   title="Umbrella", units="utils")
    assert d.names == ("weather", "forecast", "umbrella", "comfort")
    assert d.title == "Umbrella" and d.units == "utils"
    assert d.probabilities("forecast", {"weather": "wet"}) == {"sunny": 0.2, "rainy": 0.8}
    assert d.utility("comfort", {"weather": "wet", "umbrella": "yes"}) == 7.0
    result = influence.evaluate(d)
    assert result.maximum_expected_utility == pytest.approx(0.63 * 10 + 0.07 * 8 + 0.06 * 0
                                                            + 0.24 * 7)


def test_from_pgmpy_matches_parent_states_by_name() -> None:
    a = from_pgmpy(_weather_network(), decisions=UMBRELLA, utilities=COMFORT, name="w")
    b = from_pgmpy(_weather_network(("wet", "dry")), decisions=UMBRELLA, utilities=COMFORT,
                   name="w")
    assert np.array_equal(a.node("forecast").table, b.node("forecast").table)


def test_from_pgmpy_decision_outside_the_network_is_placed_after_what_it_observes() -> None:
    network = DiscreteBayesianNetwork()
    network.add_nodes_from(["late", "weather", "forecast"])
    network.add_edge("weather", "forecast")
    network.add_cpds(*_weather_network().get_cpds(),
                     TabularCPD("late", 2, [[0.5], [0.5]], state_names={"late": ["a", "b"]}))
    d = from_pgmpy(network, decisions=UMBRELLA, utilities=COMFORT, name="w")
    assert d.names == ("late", "weather", "forecast", "umbrella", "comfort")


def test_from_pgmpy_topological_order_when_nodes_were_added_out_of_order() -> None:
    network = DiscreteBayesianNetwork()
    network.add_nodes_from(["forecast", "weather"])
    network.add_edge("weather", "forecast")
    network.add_cpds(*_weather_network().get_cpds())
    d = from_pgmpy(network, decisions=UMBRELLA, utilities=COMFORT, name="w")
    assert d.names == ("weather", "forecast", "umbrella", "comfort")


def test_from_pgmpy_decision_in_the_network() -> None:
    network = DiscreteBayesianNetwork([("act", "out")])
    network.add_cpds(
        TabularCPD("act", 2, [[0.5], [0.5]]),  # default state names 0, 1
        TabularCPD("out", 2, [[0.9, 0.3], [0.1, 0.7]], evidence=["act"], evidence_card=[2]),
    )
    d = from_pgmpy(network, decisions={"act": {}},
                   utilities={"u": {"parents": ["out"], "table": [0.0, 10.0]},
                              "cost": {"parents": ["act"], "table": [0.0, -1.0]}},
                   name="in-network")
    assert d.node("act").kind == "decision" and d.node("act").states == ("0", "1")
    assert d.node("out").parents == ("act",)
    assert influence.evaluate(d).alternatives["act"] == pytest.approx({"0": 1.0, "1": 6.0})


def test_from_pgmpy_policies() -> None:
    spec = {"always": {"label": "Always", "choose": {"umbrella": "yes"}},
            "follow": {"choose": {"umbrella": [{"given": {"forecast": "rainy"}, "choose": "yes"},
                                               {"given": {"forecast": "sunny"},
                                                "choose": "no"}]}}}
    d = from_pgmpy(_weather_network(), decisions=UMBRELLA, utilities=COMFORT, name="w",
                   policies=spec)
    assert [p.id for p in d.policies] == ["always", "follow"]
    objects = from_pgmpy(_weather_network(), decisions=UMBRELLA, utilities=COMFORT, name="w",
                         policies=d.policies)
    assert objects.policy("follow").rules == d.policy("follow").rules
    with pytest.raises(ModelError, match="node 'umbrella', field 'policies'.*got 'weather'"):
        from_pgmpy(_weather_network(), decisions=UMBRELLA, utilities=COMFORT, name="w",
                   policies=[Policy("p", "p", {"umbrella": (RuleRow({"weather": "wet"}, "yes"),)})])


def test_from_pgmpy_renormalizes_rows_within_the_tolerance() -> None:
    network = DiscreteBayesianNetwork()
    network.add_node("a")
    network.add_cpds(TabularCPD("a", 2, [[0.5], [0.5 + 5e-7]], state_names={"a": ["x", "y"]}))
    d = from_pgmpy(network, utilities={"u": {"parents": ["a"], "table": [1, 2]}}, name="n")
    assert d.node("a").table.sum() == pytest.approx(1.0, abs=1e-15)


def _one_node_network(values, name: str = "a") -> DiscreteBayesianNetwork:
    network = DiscreteBayesianNetwork()
    network.add_node(name)
    network.add_cpds(TabularCPD(name, 2, values, state_names={name: ["x", "y"]}))
    return network


@pytest.mark.parametrize(("kwargs", "node", "field", "message"), [
    (dict(network=_one_node_network([[0.5], [0.6]])), "a", "p",
     "expected probabilities summing to 1, got a sum of 1.1"),
    (dict(network=_one_node_network([[0.5], [0.5]], "a b"),
          utilities={"u": {"parents": ["a b"], "table": [1, 2]}}), "a b", "nodes",
     "expected a node name of letters"),
    (dict(decisions={"d": {"observes": ["a"]}}), "d", "states", "expected `states`"),
    (dict(decisions={"d": {"states": ["p"], "observe": ["a"]}}), "d", "decisions",
     "unknown key 'observe' in the spec of decision 'd' (did you mean 'observes'?)"),
    (dict(decisions={"d": ["p", "q"]}), "d", "decisions", "expected a mapping"),
    (dict(decisions={"d": {"states": ["p", "q"], "observes": ["zz"]}}), "d", "observes",
     "unknown node 'zz'"),
    (dict(utilities={"u": {"parents": ["zz"], "table": [1, 2]}}), "u", "parents",
     "expected nodes of the model, got unknown node 'zz'"),
    (dict(utilities={"u": {"parents": ["a"], "table": [1, 2, 3]}}), "u", "values",
     "expected a table of shape (2,) (parents a), got shape (3,)"),
    (dict(utilities={"u": {"parents": ["a"], "table": {"x": 1}}}), "u", "table",
     "expected a value for a='y'"),
    (dict(utilities={"u": {"parents": ["a"]}}), "u", "table", "expected a `table`"),
    (dict(utilities={"u": {"parents": ["a"], "table": "high"}}), "u", "values",
     "expected a table of numbers, got text 'high'"),
    (dict(utilities={"u": {"parents": ["a"], "table": [1, 2], "weight": float("inf")}}), "u",
     "weight", "expected a finite number, got inf"),
    (dict(utilities={}), None, "nodes", "expected at least one utility node"),
])
def test_from_pgmpy_errors(kwargs: dict, node: str | None, field: str, message: str) -> None:
    args = dict(network=_one_node_network([[0.5], [0.5]]), name="n",
                utilities={"u": {"parents": ["a"], "table": [1.0, 2.0]}})
    args.update(kwargs)
    with pytest.raises(ModelError) as info:
        from_pgmpy(args.pop("network"), **args)
    err = info.value
    assert err.node == node and err.field == field
    assert message in str(err)


def test_from_pgmpy_missing_cpd() -> None:
    network = DiscreteBayesianNetwork([("a", "b")])
    network.add_cpds(TabularCPD("a", 2, [[0.5], [0.5]]))
    with pytest.raises(ModelError, match="node 'b', field 'cpd': expected a CPD"):
        from_pgmpy(network, name="n", utilities={"u": {"parents": ["a"], "table": [1, 2]}})


def test_from_pgmpy_decision_observing_its_own_descendant() -> None:
    network = DiscreteBayesianNetwork([("act", "out")])
    network.add_cpds(TabularCPD("act", 2, [[0.5], [0.5]]),
                     TabularCPD("out", 2, [[0.9, 0.3], [0.1, 0.7]], evidence=["act"],
                                evidence_card=[2]))
    with pytest.raises(ModelError, match="the cycle"):
        from_pgmpy(network, name="n", decisions={"act": {"observes": ["out"]}},
                   utilities={"u": {"parents": ["out"], "table": [0.0, 1.0]}})


# -- the solver against pgmpy ------------------------------------------------------------------


def check_against_pgmpy(diagram: Diagram, seed: int = 0, n_random: int = 3) -> int:
    """The solver's EU of the optimal strategy, of named policies and of random fixed
    deterministic strategies, each equal to pgmpy's on the network the strategy induces.
    Returns the number of strategies compared."""
    plan = Plan(diagram)
    params = point_parameters(diagram)
    result = plan.evaluate(params)
    compared = 0
    # the optimal strategy, read from the result's rules
    assert close(pgmpy_eu(diagram, to_pgmpy(diagram, result)), result.maximum_expected_utility)
    compared += 1
    stage = plan.stage_tensor(plan.operands(params))
    # named policies: the solver's strategy under the policy's masks
    for policy in diagram.policies:
        run = backward_induction(stage, plan.layout, plan.masks_for(policy=policy))
        eu = float(run.expected_utility[0])
        assert close(eu, result.policy(policy.id).expected_utility)
        network = to_pgmpy(diagram, strategy_from_choices(plan, run.choices))
        assert close(pgmpy_eu(diagram, network), eu), policy.id
        compared += 1
    # random fixed deterministic strategies
    rng = np.random.default_rng(seed)
    for _ in range(n_random):
        fixed = []
        for k, d in enumerate(diagram.decisions):
            shape = tuple(plan.sizes[v] for v in plan.past(k))
            fixed.append(rng.integers(len(d.states), size=shape))
        run = backward_induction(stage, plan.layout, fixed=fixed)
        network = to_pgmpy(diagram, strategy_from_choices(plan, fixed))
        assert close(pgmpy_eu(diagram, network), float(run.expected_utility[0]))
        compared += 1
    return compared


def test_oil_wildcatter_against_pgmpy(oil: Diagram) -> None:
    assert check_against_pgmpy(oil, n_random=4) == 1 + 3 + 4


def test_oil_wildcatter_named_policies_by_hand(oil: Diagram) -> None:
    expected = {"drill-blind": 20.0, "test-and-follow": 22.5, "do-nothing": 0.0}
    drill_on = {"closed", "open"}
    strategies = {
        "drill-blind": {"test": "no", "drill": "yes"},
        "test-and-follow": {"test": "yes",
                            "drill": lambda i: "yes" if i["result"] in drill_on else "no"},
        "do-nothing": {"test": "no", "drill": "no"},
    }
    for pid, strategy in strategies.items():
        assert pgmpy_eu(oil, to_pgmpy(oil, strategy)) == pytest.approx(expected[pid], abs=TOL)
        assert influence.evaluate(oil).policy(pid).expected_utility == pytest.approx(
            expected[pid], abs=TOL)


def test_oil_wildcatter_scenario_against_pgmpy(oil: Diagram) -> None:
    for state in oil.node("oil").states:
        plan = Plan(oil, {"oil": state})
        result = plan.evaluate(point_parameters(oil))
        network = to_pgmpy(oil, result)
        eu = pgmpy_eu(oil, network, evidence={"oil": state})
        assert close(eu, result.maximum_expected_utility), state


@pytest.mark.parametrize("seed", range(10))
def test_random_diagrams_against_pgmpy(seed: int) -> None:
    base = random_diagram(seed, n_chance=3 + seed % 3, n_decisions=1 + seed % 3)
    rng = np.random.default_rng(1000 + seed)
    policies = tuple(random_policy(base, rng, f"p{i}") for i in range(2))
    diagram = Diagram(name=base.name, nodes=base.nodes, policies=policies)
    assert check_against_pgmpy(diagram, seed=seed) == 1 + 2 + 3
