"""One set of checks for every way of building a diagram.

1. Each kind of fault the model loader reports, made in Python with the Node, RuleRow, Policy
   and Diagram constructors (no YAML): a ModelError naming the node and the field.
2. The same fault read by the loader, by the constructors, by the prior parser, by the evidence
   reader and by the pgmpy bridge gives the same message.
3. The checks are linear in the size of the input: a node with 20,000 states.
"""

from __future__ import annotations

import dataclasses
import textwrap
import warnings

import numpy as np
import pytest

import influence
from influence import Diagram, EvidenceError, ModelError, Node, Policy, QueryError, RuleRow
from influence.bayes.evidence import evidence_from_dict
from influence.model.loader import diagram_from_dict
from influence.model.priors import DirichletPrior, NormalPrior

# -- a valid diagram, built in Python ------------------------------------------------------------


def chance(name="weather", states=("dry", "wet"), parents=(), table=None, **kw) -> Node:
    if table is None:
        table = np.full((2,) * len(parents) + (len(states),), 1 / len(states))
    return Node(name=name, kind="chance", states=states, parents=parents, table=table, **kw)


def decision(name="umbrella", states=("no", "yes"), observes=(), **kw) -> Node:
    return Node(name=name, kind="decision", states=states, parents=observes, **kw)


def utility(name="comfort", parents=("weather", "umbrella"), table=None, **kw) -> Node:
    if table is None:
        table = np.arange(2 ** len(parents), dtype=float).reshape((2,) * len(parents))
    return Node(name=name, kind="utility", parents=parents, table=table, **kw)


def nodes(**replace: Node) -> tuple[Node, ...]:
    """weather -> forecast -> umbrella (observes forecast) -> comfort(weather, umbrella)."""
    base = {
        "weather": chance(),
        "forecast": chance("forecast", ("sunny", "rainy"), ("weather",),
                           [[0.8, 0.2], [0.3, 0.7]]),
        "umbrella": decision(observes=("forecast",)),
        "comfort": utility(),
    }
    base.update(replace)
    return tuple(base.values())


def diagram(node_list=None, policies=()) -> Diagram:
    return Diagram(name="m", nodes=nodes() if node_list is None else node_list,
                   policies=policies, file="m.yaml")


def follow(*rows: RuleRow, decision_name: str = "umbrella", pid: str = "p") -> Policy:
    return Policy(id=pid, label=pid, rules={decision_name: rows})


def test_the_valid_diagram_solves() -> None:
    result = influence.evaluate(diagram(policies=(follow(RuleRow({"forecast": "rainy"}, "yes")),)))
    # comfort = 2*weather + umbrella: take it (+1) everywhere; weather wet with p 0.5
    assert result.maximum_expected_utility == pytest.approx(2 * 0.5 + 1)


# -- 1. every fault the loader knows, built in Python --------------------------------------------

#: (id, build, node, field, fragment of the message)
FAULTS = [
    # names and kinds
    ("name pattern", lambda: chance("bad name"), "bad name", "nodes",
     "expected a node name of letters, digits, '_' or '-'"),
    ("name not text", lambda: chance(7), "7", "nodes", "got int 7"),
    ("unknown kind", lambda: Node(name="x", kind="random"), "x", "type",
     "expected `type` to be chance, decision or utility, got text 'random'"),
    ("duplicate node name", lambda: diagram(nodes() + (utility(),)), "comfort", "nodes",
     "expected each node name once, got 'comfort' twice"),
    ("no utility node", lambda: diagram(nodes()[:3]), None, "nodes",
     "expected at least one utility node, got none"),
    ("model name", lambda: Diagram(name=" ", nodes=nodes()), None, "name",
     "expected `name` to be the model's id (text)"),
    # states
    ("no states", lambda: chance(states=(), table=np.zeros(0)), "weather", "states",
     "expected a non-empty list of state names, got an empty list"),
    ("states not a list", lambda: decision(states="yes"), "umbrella", "states",
     "expected a non-empty list of state names, got text 'yes'"),
    ("duplicate state", lambda: decision(states=("no", "no")), "umbrella", "states",
     "expected each state once, got 'no' twice"),
    ("state not text", lambda: decision(states=("no", True)), "umbrella", "states",
     "expected a state name, got boolean true"),
    ("states on a utility node", lambda: utility(states=("a",)), "comfort", "states",
     "expected no states on a utility node"),
    # arcs
    ("parents not a list", lambda: chance("f", parents="weather"), "f", "parents",
     "expected a list of node names, got text 'weather'"),
    ("parent not text", lambda: utility(parents=("weather", 3)), "comfort", "parents",
     "expected a node name, got int 3"),
    ("parent twice", lambda: utility(parents=("weather", "weather")), "comfort", "parents",
     "expected each node once, got 'weather' twice"),
    ("own parent", lambda: chance("forecast", parents=("forecast",)), "forecast", "parents",
     "a node cannot be its own parent"),
    ("unknown parent", lambda: diagram(nodes(comfort=utility(parents=("weather", "umbrela")))),
     "comfort", "parents", "got unknown node 'umbrela' (did you mean 'umbrella'?)"),
    ("unknown observed node", lambda: diagram(nodes(umbrella=decision(observes=("forcast",)))),
     "umbrella", "observes", "got unknown node 'forcast' (did you mean 'forecast'?)"),
    ("utility node with children",
     lambda: diagram(nodes() + (utility("extra", parents=("comfort",), table=[1.0, 2.0]),)),
     "extra", "parents", "got utility node 'comfort': utility nodes cannot have children"),
    ("decision observing a utility",
     lambda: diagram(nodes() + (decision("late", observes=("comfort",)),)), "late", "observes",
     "got utility node 'comfort'"),
    ("decision observing a later node",
     lambda: diagram(nodes(umbrella=decision(observes=("forecast", "later")))
                     + (chance("later"),)), "umbrella", "observes",
     "expected nodes listed before 'umbrella' (nodes are in temporal order), got 'later'"),
    ("cycle", lambda: diagram(nodes(weather=chance(parents=("forecast",)))), "weather",
     "parents", "expected a directed acyclic graph, got the cycle weather -> forecast -> weather"),
    ("later decision before an earlier one",
     lambda: diagram((chance("signal", parents=("second",)),
                      decision("first", observes=("signal",)), decision("second"),
                      utility(parents=("first",), table=[0.0, 1.0]))),
     "first", "observes", "expected 'first' to be taken before 'second' (it is listed first), "
     "got the path second -> signal -> first"),
    # numbers
    ("weight not a number", lambda: utility(weight="2"), "comfort", "weight",
     "expected a number, got text '2' (numbers are written without quotes)"),
    ("weight not finite", lambda: utility(weight=float("inf")), "comfort", "weight",
     "expected a finite number, got inf"),
    ("label not text", lambda: chance(label=["a"]), "weather", "label",
     "expected text, got a list of 1"),
    ("no p", lambda: Node(name="weather", kind="chance", states=("dry", "wet")), "weather", "p",
     "expected a table of shape (2,) (states), got no table"),
    ("no cpt", lambda: Node(name="f", kind="chance", states=("a", "b"), parents=("weather",)),
     "f", "cpt", "expected a table (parents weather then states), got no table"),
    ("no value", lambda: Node(name="cost", kind="utility"), "cost", "value",
     "expected a table of shape () (a single number), got no table"),
    ("table on a decision", lambda: decision(table=[1.0, 0.0]), "umbrella", "table",
     "expected no table on a decision, got one of shape (2,)"),
    ("utility not numbers", lambda: utility(table=[["high", 1], [2, 3]]), "comfort", "values",
     "expected a table of numbers"),
    ("utility NaN", lambda: utility(table=[[0, np.nan], [2, 3]]), "comfort", "values",
     "expected finite numbers in the table, got NaN or infinity"),
    ("constant utility shape", lambda: utility("cost", parents=(), table=[1.0]), "cost", "value",
     "expected a table of shape () (a single number), got shape (1,)"),
    ("probability infinite", lambda: chance(table=[np.inf, 0.0]), "weather", "p",
     "expected finite numbers in the table, got NaN or infinity"),
    ("probability negative", lambda: chance(table=[-0.1, 1.1]), "weather", "p",
     "expected probabilities >= 0, got -0.1 for state 'dry'"),
    ("root row not summing to 1", lambda: chance(table=[0.5, 0.4]), "weather", "p",
     "expected probabilities summing to 1, got a sum of 0.9"),
    ("cpt row not summing to 1",
     lambda: chance("f", ("a", "b"), ("weather",), [[0.5, 0.5], [0.5, 0.6]]), "f", "cpt",
     "table[1]: expected probabilities summing to 1, got a sum of 1.1"),
    ("wrong row length", lambda: chance("f", ("a", "b"), ("weather",), np.full((2, 3), 1 / 3)),
     "f", "cpt", "expected a table whose last axis is over the 2 states (a, b), got shape (2, 3)"),
    ("cpt rows missing",
     lambda: diagram(nodes(forecast=chance("forecast", ("sunny", "rainy"), ("weather",),
                                           [[0.8, 0.2]]))), "forecast", "cpt",
     "expected a table of shape (2, 2) (parents weather then states), got shape (1, 2)"),
    ("values rows missing", lambda: diagram(nodes(comfort=utility(table=[1.0, 2.0]))),
     "comfort", "values", "expected a table of shape (2, 2) (parents weather, umbrella), got "
     "shape (2,)"),
    # priors
    ("prior on a decision",
     lambda: decision(priors={(): DirichletPrior(alpha=(1.0, 1.0), states=("no", "yes"))}),
     "umbrella", "priors", "expected priors on a decision node, which takes none"),
    ("utility prior on a probability row",
     lambda: chance(priors={(): NormalPrior(mu=0.0, sigma=1.0)}), "weather", "priors",
     "expected priors on a probability row"),
    ("prior over other states",
     lambda: chance(priors={(): DirichletPrior(alpha=(1.0, 1.0), states=("a", "b"))}), "weather",
     "priors", "expected a prior over the states of 'weather' (dry, wet), got one over a, b"),
    ("prior on an unknown row",
     lambda: diagram(nodes(comfort=utility(priors={("dry", "maybe"): NormalPrior(mu=0.0,
                                                                                 sigma=1.0)}))),
     "comfort", "priors", "'maybe' is not a state of 'umbrella' (no, yes)"),
    # policies
    ("policy for an unknown decision",
     lambda: diagram(policies=(follow(RuleRow({}, "yes"), decision_name="umbrela"),)),
     "umbrela", "policies", "policy 'p': expected to choose for decisions (umbrella), got "
     "'umbrela', which is not a node of the model (did you mean 'umbrella'?)"),
    ("policy for a chance node",
     lambda: diagram(policies=(follow(RuleRow({}, "dry"), decision_name="weather"),)),
     "weather", "policies", "got 'weather', which is a chance node"),
    ("policy choosing an unknown state", lambda: diagram(policies=(follow(RuleRow({}, "yess")),)),
     "umbrella", "policies", "policy 'p': expected to choose a state of 'umbrella' (no, yes), "
     "got 'yess' (did you mean 'yes'?)"),
    ("rule row choosing an unknown state",
     lambda: diagram(policies=(follow(RuleRow({"forecast": "rainy"}, "maybe"),
                                      RuleRow({"forecast": "sunny"}, "no")),)),
     "umbrella", "policies", "policy 'p', rule row 1: expected to choose a state of 'umbrella'"),
    ("rule row naming what is not known",
     lambda: diagram(policies=(follow(RuleRow({"weather": "wet"}, "yes")),)), "umbrella",
     "policies", "expected `given` to name what 'umbrella' knows when it is taken (forecast), "
     "got 'weather', which 'umbrella' does not observe: add 'weather' to the `observes` of "
     "'umbrella'"),
    ("rule row naming an unknown state",
     lambda: diagram(policies=(follow(RuleRow({"forecast": "stormy"}, "yes")),)), "umbrella",
     "policies", "expected a state of 'forecast' (sunny, rainy) in `given`, got "
     "forecast='stormy'"),
    ("overlapping rule rows that disagree",
     lambda: diagram(policies=(follow(RuleRow({"forecast": "rainy"}, "yes"), RuleRow({}, "no")),)),
     "umbrella", "policies", "policy 'p', rule row 2: expected rule rows that agree where they "
     "overlap, got 'no' on {forecast: rainy} where rule row 1 chooses 'yes'"),
    ("empty rule rows", lambda: follow(), "umbrella", "policies",
     "expected a non-empty list of rule rows, got none"),
    ("duplicate policy ids",
     lambda: diagram(policies=(follow(RuleRow({}, "yes")), follow(RuleRow({}, "no")))), None,
     "policies", "expected each policy id once, got 'p' twice"),
    ("rule row not text", lambda: RuleRow({"forecast": 1}, "yes"), None, "policies",
     "expected `given` to map node names to states (text), got 'forecast': 1"),
    ("policy id not text", lambda: Policy(id=3, label="x", rules={}), None, "policies",
     "expected a policy id (text), got int 3"),
]


@pytest.mark.parametrize(("build", "node", "field", "fragment"),
                         [case[1:] for case in FAULTS], ids=[case[0] for case in FAULTS])
def test_each_fault_built_in_python(build, node, field, fragment) -> None:
    with pytest.raises(ModelError) as info:
        build()
    err = info.value
    message = str(err)
    assert err.node == node and err.field == field, message
    assert fragment in message and "expected" in message, message
    assert err.line is None  # no file was read


def test_faults_of_the_whole_diagram_name_its_file() -> None:
    with pytest.raises(ModelError) as info:
        diagram(nodes(weather=chance(parents=("forecast",))))
    assert info.value.file == "m.yaml" and str(info.value).startswith("m.yaml: node 'weather'")


def test_replace_validates_again() -> None:
    d = diagram()
    with pytest.raises(ModelError, match="got the cycle"):
        dataclasses.replace(d, nodes=nodes(weather=chance(parents=("forecast",))))
    with pytest.raises(ModelError, match="expected probabilities summing to 1, got a sum of 1.2"):
        dataclasses.replace(d.node("weather"), table=[0.6, 0.6])
    changed = dataclasses.replace(d.node("weather"), table=[0.25, 0.75])
    assert influence.evaluate(dataclasses.replace(d, nodes=nodes(weather=changed))) \
        .maximum_expected_utility == pytest.approx(2 * 0.75 + 1)


# -- 2. one message per fault, whoever reads it ---------------------------------------------------

MODEL = textwrap.dedent("""\
    name: m
    nodes:
      weather:
        type: chance
        states: [dry, wet]
        P_WEATHER
      forecast:
        type: chance
        states: [sunny, rainy]
        parents: [weather]
        cpt:
          - {given: {weather: dry}, p: [0.8, 0.2]}
          - {given: GIVEN, p: [0.3, 0.7], prior: {beta: [2, 2]}}
      umbrella:
        type: decision
        states: [no, yes]
        observes: [forecast]
      comfort:
        type: utility
        parents: [weather, umbrella]
        values:
          - {given: {weather: dry, umbrella: no}, value: 10}
          - {given: {weather: dry, umbrella: yes}, value: 8}
          - {given: {weather: wet, umbrella: no}, value: 0}
          - {given: {weather: wet, umbrella: yes}, value: 7}
    """)


def model_text(p_weather: str = "p: [0.7, 0.3]", given: str = "{weather: wet}",
               prior: str = "{dirichlet: [1, 1]}") -> str:
    return (MODEL.replace("P_WEATHER", f"{p_weather}\n    prior: {prior}")
            .replace("GIVEN", given))


def from_file(**parts: str) -> str:
    with pytest.raises(ModelError) as info:
        influence.loads(model_text(**parts), file="m.yaml")
    assert info.value.line is not None and info.value.file == "m.yaml"
    return info.value.detail


def raised(call, error=ModelError) -> str:
    with pytest.raises(error) as info:
        call()
    return info.value.detail


def with_pgmpy(values, names=("dry", "wet"), **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        from pgmpy.factors.discrete import TabularCPD
        from pgmpy.models import DiscreteBayesianNetwork
    network = DiscreteBayesianNetwork()
    network.add_node("weather")
    network.add_cpds(TabularCPD("weather", 2, values, state_names={"weather": list(names)}))
    args = dict(utilities={"u": {"parents": ["weather"], "table": [1.0, 2.0]}}, name="n")
    args.update(kwargs)
    return lambda: influence.from_pgmpy(network, **args)


def evidence(observation: dict):
    d = influence.loads(model_text(), file="m.yaml")
    return lambda: evidence_from_dict({"model": "m", "observations": [observation]}, d)


def same(core: str, *details: str) -> None:
    """Every detail says ``core`` (after its own prefix: a row, an entry, a prior)."""
    for detail in details:
        assert detail.endswith(core), (detail, core)


def test_a_row_summing_to_0_9_reads_the_same_everywhere() -> None:
    core = "expected probabilities summing to 1, got a sum of 0.9"
    same(core,
         from_file(p_weather="p: [0.5, 0.4]"),
         raised(lambda: chance(table=[0.5, 0.4])),
         raised(with_pgmpy([[0.5], [0.4]])),
         from_file(prior="{mean: [0.5, 0.4], strength: 10}"))
    assert from_file(prior="{mean: [0.5, 0.4], strength: 10}").startswith("prior: `mean`: ")


def test_a_negative_probability_reads_the_same_everywhere() -> None:
    core = "expected probabilities >= 0, got -0.1 for state 'dry'"  # pgmpy refuses them itself
    same(core,
         from_file(p_weather="p: [-0.1, 1.1]"),
         raised(lambda: chance(table=[-0.1, 1.1])),
         from_file(prior="{mean: [-0.1, 1.1], strength: 10}"))


def test_an_unknown_state_in_a_per_state_mapping_reads_the_same_everywhere() -> None:
    core = "expected states of 'weather' (dry, wet), got unknown state 'wett' (did you mean 'wet'?)"
    same(core,
         from_file(p_weather="p: {dry: 0.7, wett: 0.3}"),
         from_file(prior="{dirichlet: {dry: 1, wett: 1}}"),
         raised(evidence({"node": "weather", "counts": {"dry": 1, "wett": 2}}), EvidenceError))


@pytest.mark.parametrize(("given", "core"), [
    ("{weather: snowy}", "expected a state of 'weather' (dry, wet) in `given`, got "
                         "weather='snowy'"),
    ("{weather: wet, umbrella: no}", "expected `given` to name the parents of 'forecast' "
                                     "(weather), got 'umbrella'"),
    ("{}", "expected `given` to name every parent of 'forecast' (weather), got no state for "
           "weather"),
])
def test_a_bad_given_reads_the_same_everywhere(given: str, core: str) -> None:
    as_dict = dict(influence.model.yamlio.load_yaml_text(f"g: {given}")["g"])
    d = influence.loads(model_text(), file="m.yaml")
    same(core,
         from_file(given=given),
         raised(evidence({"node": "forecast", "given": as_dict, "counts": [1, 2]}),
                EvidenceError),
         raised(lambda: d.probabilities("forecast", as_dict), QueryError))


def test_structure_faults_read_the_same_from_a_file_python_and_pgmpy() -> None:
    name = "expected a node name of letters, digits, '_' or '-' (starting with a letter or " \
           "'_'), got text 'a b'"
    same(name,
         raised(lambda: diagram_from_dict({"name": "m", "nodes": {"a b": {"type": "utility",
                                                                          "value": 1}}})),
         raised(lambda: utility("a b", parents=(), table=1.0)),
         raised(with_pgmpy([[0.5], [0.5]], utilities={"a b": {"table": 1.0}})))
    unknown = "expected nodes of the model, got unknown node 'zz'"
    text = model_text().replace("parents: [weather, umbrella]", "parents: [weather, zz]")
    same(unknown,
         raised(lambda: influence.loads(text)),
         raised(lambda: diagram(nodes(comfort=utility(parents=("weather", "zz"))))),
         raised(with_pgmpy([[0.5], [0.5]], utilities={"u": {"parents": ["zz"], "table": [1]}})))
    twice = "expected each state once, got 'no' twice"
    same(twice,
         raised(lambda: influence.loads(model_text().replace("[no, yes]", "[no, no]"))),
         raised(lambda: decision(states=("no", "no"))),
         raised(with_pgmpy([[0.5], [0.5]], decisions={"d": {"states": ["no", "no"]}})))


def test_policy_faults_read_the_same_from_a_file_python_and_pgmpy() -> None:
    core = ("policy 'p': expected to choose a state of 'umbrella' (no, yes), got 'yess' (did "
            "you mean 'yes'?)")
    spec = {"p": {"choose": {"umbrella": "yess"}}}
    document = influence.model.yamlio.load_yaml_text(model_text())
    document["policies"] = spec
    same(core,
         raised(lambda: diagram_from_dict(document)),
         raised(lambda: diagram(policies=(follow(RuleRow({}, "yess")),))),
         raised(with_pgmpy([[0.5], [0.5]], decisions={"umbrella": {"states": ["no", "yes"]}},
                           policies=spec)))


# -- 3. linear in the size of the input ----------------------------------------------------------


class Counted(str):
    """A state name that counts how often it is compared for equality: looking states up in
    dicts and sets compares (almost) never, scanning a list compares with each element."""

    comparisons = 0

    def __eq__(self, other: object) -> bool:
        Counted.comparisons += 1
        return str.__eq__(self, other)

    __hash__ = str.__hash__


@pytest.mark.slow
def test_a_node_with_20000_states_is_checked_in_linear_time() -> None:
    n = 20_000
    states = [Counted(f"s{i}") for i in range(n)]
    document = {
        "name": "large",
        "nodes": {
            "big": {"type": "chance", "states": states, "p": [1.0] + [0.0] * (n - 1)},
            "sign": {"type": "chance", "states": ["lo", "hi"], "parents": ["big"],
                     "cpt": [{"given": {"big": s}, "p": [0.5, 0.5]} for s in states]},
            "act": {"type": "decision", "states": states, "observes": ["sign"]},
            "gain": {"type": "utility", "parents": ["big", "act"],
                     "values": [{"given": {"big": s, "act": s}, "value": 1.0}
                                for s in states[:1]]
                     + [{"given": {"big": s, "act": a}, "value": 0.0}
                        for s in states[:1] for a in states[1:]]},
        },
        "policies": {"fixed": {"choose": {"act": [{"given": {"sign": v}, "choose": s}
                                                  for v, s in (("lo", states[0]),
                                                               ("hi", states[1]))]}}},
    }
    Counted.comparisons = 0
    with pytest.raises(ModelError, match="expected one row for each of the 400000000 "
                                         "combinations of big, act, got 20000"):
        diagram_from_dict(document)
    # utility over (big, act) would need n * n rows: keep it over `act` alone
    document["nodes"]["gain"] = {"type": "utility", "parents": ["act"],
                                 "values": [{"given": {"act": s}, "value": float(i % 3)}
                                            for i, s in enumerate(states)]}
    Counted.comparisons = 0
    d = diagram_from_dict(document)
    assert Counted.comparisons <= n  # a scan of a list per state would take about n * n / 2
    assert d.cardinality("big") == d.cardinality("act") == n
    assert d.node("sign").table.shape == (n, 2) and d.node("gain").table.shape == (n,)
    assert d.probabilities("sign", {"big": "s19999"}) == {"lo": 0.5, "hi": 0.5}
    assert d.policy("fixed").rules["act"][1].choose == "s1"


def test_a_model_file_with_a_20000_state_node_loads() -> None:
    n = 20_000
    text = (f"name: wide\nnodes:\n  pick:\n    type: decision\n"
            f"    states: [{', '.join(f's{i}' for i in range(n))}]\n"
            f"  cost:\n    type: utility\n    value: -1\n")
    d = influence.loads(text, file="wide.yaml")
    assert d.cardinality("pick") == n and d.node("pick").state_index["s19999"] == n - 1
    duplicated = text.replace("s19999]", "s0]")
    with pytest.raises(ModelError, match="wide.yaml, line 5: node 'pick', field 'states': "
                                         "expected each state once, got 's0' twice"):
        influence.loads(duplicated, file="wide.yaml")
