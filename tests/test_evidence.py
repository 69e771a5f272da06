"""Evidence files: reading, every validation message, and the case-record likelihood."""

from __future__ import annotations

import itertools
import textwrap

import numpy as np
import pytest

import influence
from influence.bayes.evidence import (
    case_log_likelihood,
    evidence_from_dict,
    load_evidence,
    prior_mean_tables,
)
from influence.errors import EvidenceError

MODEL = textwrap.dedent("""\
    name: chain
    nodes:
      a:
        type: chance
        states: [x, y]
        p: [0.3, 0.7]
        prior: {dirichlet: [1, 1]}
      d:
        type: decision
        states: ["off", "on"]
      b:
        type: chance
        states: [u, v, w]
        parents: [a]
        cpt:
          - given: {a: x}
            p: [0.2, 0.3, 0.5]
            prior: {dirichlet: [2, 3, 5]}
          - given: {a: y}
            p: [0.6, 0.4, 0]
      c:
        type: chance
        states: [lo, hi]
        parents: [b, d]
        cpt:
          - {given: {b: u, d: "off"}, p: [0.9, 0.1], prior: {beta: [1, 1]}}
          - {given: {b: u, d: "on"}, p: [0.6, 0.4]}
          - {given: {b: v, d: "off"}, p: [0.5, 0.5]}
          - {given: {b: v, d: "on"}, p: [0.3, 0.7]}
          - {given: {b: w, d: "off"}, p: [0.2, 0.8]}
          - {given: {b: w, d: "on"}, p: [0.1, 0.9]}
      g:
        type: decision
        states: [stop, go]
        observes: [c]
      value:
        type: utility
        parents: [g, c]
        values:
          - {given: {g: stop, c: lo}, value: 0}
          - {given: {g: stop, c: hi}, value: 0}
          - {given: {g: go, c: lo}, value: -1, prior: {normal: [-1, 0.5]}}
          - {given: {g: go, c: hi}, value: 2}
    """)


@pytest.fixture
def diagram():
    return influence.loads(MODEL, file="chain.yaml")


def write(tmp_path, body: str, csv: str | None = None, name: str = "ev.yaml"):
    if csv is not None:
        (tmp_path / "cases.csv").write_text(csv)
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return path


GOOD = """\
    model: chain
    source: "a test"
    observations:
      - node: a
        counts: {x: 3, y: 1}
        source: "field notes"
      - node: b
        given: {a: x}
        counts: [1, 0, 4]
        weight: 0.5
        reason: "another region"
      - cases: cases.csv
        weight: 0.8
    """
CSV = "a,b,c,d\nx,u,lo,off\n,v,hi,on\nx,,,\n,,hi,on\n,,hi,on\n,,,off\n"


def test_a_valid_file(tmp_path, diagram):
    ev = load_evidence(write(tmp_path, GOOD, CSV), diagram)
    assert ev.model == "chain" and ev.source == "a test"
    first, second = ev.counts
    assert (first.node, first.key, first.counts, first.weight) == ("a", (), (3, 1), 1.0)
    assert first.slot == "p[a]" and first.source == "field notes"
    assert (second.key, second.index, second.counts, second.weight) == (("x",), (0,),
                                                                        (1, 0, 4), 0.5)
    np.testing.assert_allclose(second.weighted, [0.5, 0, 2])
    (records,) = ev.cases
    assert records.weight == 0.8 and records.columns == ("a", "b", "c", "d")
    assert records.data.shape == (6, 4)
    assert not ev.counts_only
    assert str(tmp_path / "cases.csv") in ev.inputs and str(tmp_path / "ev.yaml") in ev.inputs
    # the two identical cases (",,hi,on") are one distinct row counted twice
    pattern = next(p for p in records.patterns if p.observed == ("d", "c"))
    assert pattern.counts.tolist() == [2.0] and pattern.chance == ("a", "b", "c")
    # a case observing only a decision says nothing and is left out
    assert sum(p.counts.sum() for p in records.patterns) == 5


def test_the_hash_covers_the_case_file(tmp_path, diagram):
    one = load_evidence(write(tmp_path, GOOD, CSV), diagram).sha256
    two = load_evidence(write(tmp_path, GOOD, CSV + "x,u,lo,off\n"), diagram).sha256
    assert one != two


def test_evidence_from_a_dict(tmp_path, diagram):
    (tmp_path / "cases.csv").write_text(CSV)
    ev = evidence_from_dict({"model": "chain", "observations": [{"cases": "cases.csv"}]},
                            diagram, base_dir=tmp_path)
    assert ev.cases and ev.file is None


# -- every validation message ------------------------------------------------------------------


BAD = [
    ("model: other\nobservations: [{node: a, counts: {x: 1}}]\n",
     "ev.yaml, line 1: field 'model': expected `model: chain` (the model being fitted), got "
     "'other'"),
    ("observations: [{node: a, counts: {x: 1}}]\n",
     "field 'model': missing `model`"),
    ("model: chain\nobservation: []\n",
     "unknown key 'observation' (did you mean 'observations'?)"),
    ("model: chain\nobservations: []\n",
     "field 'observations': expected `observations` to be a non-empty list of counts and cases "
     "entries, got an empty list"),
    ("model: chain\nobservations: [{nod: a, count: {x: 1}}]\n",
     "entry 1: expected `node` and `counts` (counts of a row) or `cases` (a CSV file of cases), "
     "got keys nod, count (did you mean 'node'?)"),
    ("model: chain\nobservations: [{node: aa, counts: {x: 1}}]\n",
     "node 'aa', field 'node': entry 1: unknown node 'aa' (did you mean 'a'?)"),
    ("model: chain\nobservations: [{node: d, counts: {\"on\": 1}}]\n",
     "node 'd', field 'node': entry 1: expected a chance node (counts update a row of its "
     "table), got a decision node"),
    ("model: chain\nobservations: [{node: value, counts: {x: 1}}]\n",
     "expected a chance node (counts update a row of its table), got a utility node"),
    ("model: chain\nobservations: [{node: a, counts: {x: 1}, wieght: 1}]\n",
     "node 'a', field 'wieght': entry 1: unknown key 'wieght' in a counts entry (did you mean "
     "'weight'?)"),
    ("model: chain\nobservations: [{node: b, given: {aa: x}, counts: {u: 1}}]\n",
     "node 'b', field 'given': entry 1: expected `given` to name the parents of 'b' (a), got "
     "'aa' (did you mean 'a'?)"),
    ("model: chain\nobservations: [{node: b, given: {a: z}, counts: {u: 1}}]\n",
     "node 'b', field 'given': entry 1: expected a state of 'a' (x, y) in `given`, got a='z'"),
    ("model: chain\nobservations: [{node: b, counts: {u: 1}}]\n",
     "node 'b', field 'given': entry 1: expected `given` to name every parent of 'b' (a), got no "
     "state for a"),
    ("model: chain\nobservations: [{node: a, given: {b: u}, counts: {x: 1}}]\n",
     "expected `given` to name the parents of 'a' (none), got 'b'"),
    ("model: chain\nobservations: [{node: b, given: {a: y}, counts: {u: 1}}]\n",
     "node 'b', field 'given': entry 1: the row {a: y} has no prior and so cannot be updated"),
    ("model: chain\nobservations: [{node: b, given: {a: x}, counts: {u: 1, q: 2}}]\n",
     "node 'b', field 'counts': entry 1: expected states of 'b' (u, v, w), got unknown state "
     "'q'"),
    ("model: chain\nobservations: [{node: a, counts: {x: -1, y: 2}}]\n",
     "node 'a', field 'counts': entry 1: expected counts >= 0, got -1 for state 'x'"),
    ("model: chain\nobservations: [{node: a, counts: {x: 1.5}}]\n",
     "node 'a', field 'counts': entry 1: expected a whole number of cases for state 'x', got "
     "float 1.5 (to discount evidence use `weight`)"),
    ("model: chain\nobservations: [{node: a, counts: {x: many}}]\n",
     "expected a whole number of cases for state 'x', got text 'many'"),
    ("model: chain\nobservations: [{node: a, counts: [1, 2, 3]}]\n",
     "node 'a', field 'counts': entry 1: expected 2 counts (one per state: x, y), got 3"),
    ("model: chain\nobservations: [{node: a, counts: {x: 0}}]\n",
     "expected at least one case, got counts that are all 0"),
    ("model: chain\nobservations: [{node: a}]\n",
     "node 'a', field 'counts': entry 1: missing `counts`"),
    ("model: chain\nobservations: [{node: a, counts: {x: 1}, weight: 0}]\n",
     "node 'a', field 'weight': entry 1: expected `weight` in (0, 1] (1 takes the evidence at "
     "face value, less discounts it), got 0"),
    ("model: chain\nobservations: [{node: a, counts: {x: 1}, weight: 1.5}]\n",
     "expected `weight` in (0, 1]"),
    ("model: chain\nobservations: [{node: a, counts: {x: 1}, weight: heavy}]\n",
     "expected `weight` to be a number in (0, 1], got text 'heavy'"),
    ("model: chain\nobservations: [{node: c, given: {b: u, d: 'off'}, counts: {lo: 1}},\n"
     "  {node: a, counts: {z: 1}}]\n",
     "node 'a', field 'counts': entry 2"),
    ("model: chain\nobservations: [{cases: missing.csv}]\n",
     "field 'cases': entry 1: cannot read the cases file missing.csv"),
    ("model: chain\nobservations: [{cases: cases.csv, wieght: 1}]\n",
     "field 'wieght': entry 1: unknown key 'wieght' in a cases entry (did you mean 'weight'?)"),
    ("model: chain\nobservations: [{cases: 3}]\n",
     "field 'cases': entry 1: expected `cases` to be the path of a CSV file, got int 3"),
    ("- 1\n- 2\n", "ev.yaml, line 1: expected a mapping with `model` and `observations`, got a "
                   "list"),
    ("model: chain\nobservations: [3]\n",
     "field 'observations': entry 1: expected a mapping with `node` and `counts`, or `cases`, "
     "got int 3"),
    ("model: chain\nobservations: [{counts: {x: 1}}]\n",
     "field 'node': entry 1: missing `node`: expected the chance node whose row is counted"),
    ("model: chain\nobservations: [{node: b, given: [a], counts: {u: 1}}]\n",
     "node 'b', field 'given': entry 1: expected `given` to be a mapping of parent: state, got a "
     "list"),
    ("model: chain\nobservations: [{node: a, counts: 5}]\n",
     "node 'a', field 'counts': entry 1: expected a list of 2 counts (one per state: x, y) or a "
     "mapping state: value, got int 5"),
    ("model: chain\nobservations: [{node: a, counts: {x: 1}, source: [1]}]\n",
     "node 'a', field 'source': entry 1: expected text, got a list"),
    ("model: chain\nobservations:\n  - {node: a, counts: {x: 1}\n",
     "ev.yaml, line 4: YAML syntax error"),
]


@pytest.mark.parametrize(("body", "message"), BAD)
def test_bad_evidence_messages(tmp_path, diagram, body, message):
    path = write(tmp_path, body, CSV)
    with pytest.raises(EvidenceError) as err:
        load_evidence(path, diagram)
    text = str(err.value)
    assert message in text
    assert text.startswith(str(path))


def test_counts_on_a_state_the_beta_prior_excludes(tmp_path):
    text = MODEL.replace("p: [0.6, 0.4, 0]", "p: [0.6, 0.4, 0]\n        prior: {beta: [1, 1], "
                                             "state: u}")
    diagram = influence.loads(text, file="chain.yaml")
    body = "model: chain\nobservations: [{node: b, given: {a: y}, counts: {w: 2}}]\n"
    with pytest.raises(EvidenceError, match="counts 2 of state 'w', which the prior gives no "
                                            "probability"):
        load_evidence(write(tmp_path, body), diagram)


BAD_CSV = [
    ("a,bb\nx,u\n", "cases file cases.csv, line 1, column 2: unknown node 'bb' (did you mean "
                    "'b'?)"),
    ("a,value\nx,0\n", "'value' is a utility node; cases record chance outcomes and decisions"),
    ("a,a\nx,x\n", "expected each node once, got 'a' twice"),
    ("a,\nx,u\n", "expected a node name, got an empty header cell"),
    ("a,b\nx,uu\n", "cases file cases.csv, line 2, column 'b': expected a state of 'b' (u, v, w) "
                    "or an empty cell, got 'uu' (did you mean 'u'?)"),
    ("a,b\nx\n", "cases file cases.csv, line 2: expected 2 cells (a, b), got 1"),
    ("", "cases file cases.csv: expected a header of node names, got an empty file"),
    ("a,b\n", "expected at least one case below the header, got none"),
    ("a,c\nx,lo\n", "cases file cases.csv, line 2: decision 'd' has no column, but 'c' depends on "
                    "it; a case records what was chosen: fill in 'd'"),
    ("c,d\nlo,on\nhi,\n", "cases file cases.csv, line 3: decision 'd' is empty"),
    ("d\non\n", "expected cases that observe a chance node, got only decisions"),
    ("a,b\ny,w\n", "cases file cases.csv, line 2: the case (a=y, b=w) has probability 0 under the "
                   "model"),
]


@pytest.mark.parametrize(("csv", "message"), BAD_CSV)
def test_bad_case_files(tmp_path, diagram, csv, message):
    body = "model: chain\nobservations:\n  - cases: cases.csv\n"
    path = write(tmp_path, body, csv)
    with pytest.raises(EvidenceError) as err:
        load_evidence(path, diagram)
    text = str(err.value)
    assert message in text
    assert text.startswith(f"{path}, line 3:") and "entry 1: " in text and "field 'cases'" in text


def test_a_later_decision_need_not_be_recorded(tmp_path, diagram):
    """'g' observes 'c' but no chance node depends on it: a case need not record it."""
    body = "model: chain\nobservations:\n  - cases: cases.csv\n"
    ev = load_evidence(write(tmp_path, body, "c,d,g\nlo,on,\n"), diagram)
    assert ev.cases[0].patterns[0].observed == ("d", "c")


def test_undecodable_files(tmp_path, diagram):
    path = tmp_path / "ev.yaml"
    path.write_bytes(b"model: chain\n\xff\xfe\n")
    with pytest.raises(EvidenceError, match="expected UTF-8 text, got undecodable bytes"):
        load_evidence(path, diagram)
    path = write(tmp_path, "model: chain\nobservations:\n  - cases: cases.csv\n")
    (tmp_path / "cases.csv").write_bytes(b"a\n\xff\n")
    with pytest.raises(EvidenceError, match="cases file cases.csv: expected UTF-8 text"):
        load_evidence(path, diagram)


def test_unreadable_evidence_file(tmp_path, diagram):
    with pytest.raises(EvidenceError, match="cannot read the evidence file"):
        load_evidence(tmp_path / "nope.yaml", diagram)


# -- the case likelihood against brute-force enumeration ------------------------------------------


def brute_force(diagram, tables, observed: dict[str, int]) -> float:
    """P(observed chance states | observed decisions), summing the full joint."""
    chance = [n.name for n in diagram.chance_nodes]
    spaces = {n.name: range(len(n.states)) for n in diagram.nodes if n.states}
    total = 0.0
    decisions = {n.name: observed.get(n.name, 0) for n in diagram.decisions}
    for combo in itertools.product(*(spaces[c] for c in chance)):
        state = dict(zip(chance, combo, strict=True))
        if any(state[n] != v for n, v in observed.items() if n in state):
            continue
        state.update(decisions)
        prob = 1.0
        for name in chance:
            node = diagram.node(name)
            prob *= tables[name][tuple(state[p] for p in node.parents) + (state[name],)]
        total += prob
    return total


CASES = ("a,b,c,d,g\n"
         "x,u,lo,off,stop\n"   # all observed
         ",,hi,on,\n"          # only c (and the decision it needs)
         ",v,,,\n"             # only b
         "y,,lo,on,\n"         # a and c
         ",w,hi,off,go\n"      # b and c
         "x,,,,\n"             # only a
         "y,,lo,on,\n")        # a repeat


@pytest.mark.slow
def test_case_likelihood_matches_brute_force_enumeration(tmp_path, diagram):
    body = "model: chain\nobservations:\n  - cases: cases.csv\n"
    ev = load_evidence(write(tmp_path, body, CASES), diagram)
    rng = np.random.default_rng(7)
    tables = {n.name: rng.dirichlet(np.ones(len(n.states)), size=n.table.shape[:-1])
              for n in diagram.chance_nodes}
    import pytensor.tensor as pt

    checked = 0
    for pattern in ev.cases[0].patterns:
        ours = case_log_likelihood(diagram, pattern, tables)
        symbolic = case_log_likelihood(diagram, pattern,
                                       {k: pt.as_tensor_variable(v) for k, v in tables.items()},
                                       xp=pt).eval()
        for i, row in enumerate(pattern.values):
            observed = dict(zip(pattern.observed, (int(v) for v in row), strict=True))
            expected = np.log(brute_force(diagram, tables, observed))
            assert ours[i] == pytest.approx(expected, rel=1e-10)
            assert symbolic[i] == pytest.approx(expected, rel=1e-10)
            checked += 1
    assert checked == 6  # seven cases, one repeated
    assert sum(p.counts.sum() for p in ev.cases[0].patterns) == 7


def test_prior_mean_tables_put_prior_means_in_rows_with_priors(diagram):
    tables = prior_mean_tables(diagram)
    np.testing.assert_allclose(tables["a"], [0.5, 0.5])
    np.testing.assert_allclose(tables["b"][0], [0.2, 0.3, 0.5])
    np.testing.assert_allclose(tables["c"][0, 0], [0.5, 0.5])
    np.testing.assert_allclose(tables["c"][0, 1], [0.6, 0.4])
