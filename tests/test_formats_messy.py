"""Messy files of other tools: rounded rows, all-zero rows, decisions left unordered, names that
are not ids, nodes the readers refuse, hostile XML, and the NET grammar in its odd layouts."""

from __future__ import annotations

import warnings

import pytest

import influence
from influence.errors import FormatWarning, ModelError


def load(path, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", FormatWarning)
        diagram = influence.load(path, **kwargs)
    return diagram, [str(w.message) for w in caught if w.category is FormatWarning]


def net(tmp_path, body: str, name: str = "m.net"):
    path = tmp_path / name
    path.write_text(body)
    return path


TWO_DECISIONS = """
net {}
node X { states = ("a" "b"); }
decision D1 { states = ("y" "n"); }
decision D2 { states = ("y" "n"); }
utility U {}
potential (X) { data = (0.5 0.5); }
potential (D1) {}
potential (D2 | X) {}
potential (U | X D1 D2) { data = (((1 2) (3 4)) ((5 6) (7 8))); }
"""


def test_four_decimal_rows_are_renormalised_with_one_warning(tmp_path):
    path = net(tmp_path, """
net {}
node A { states = ("a1" "a2" "a3"); }
node B { states = ("b1" "b2"); }
decision D { states = ("go" "stop"); }
utility U {}
potential (A) { data = (0.3333 0.3333 0.3333); }
potential (B | A) { data = ((0.6666 0.3333) (0.5 0.5) (0.1 0.9)); }
potential (D | B) {}
potential (U | D A) { data = ((1 2 3) (0 0 0)); }
""")
    diagram, caught = load(path)
    assert len(caught) == 1
    assert "renormalised 2 probability row(s)" in caught[0]
    assert "node 'A'" in caught[0] and "0.9999" in caught[0]  # the worst of the two
    assert sum(diagram.probabilities("A").values()) == pytest.approx(1.0, abs=1e-15)
    assert diagram.probabilities("B", {"A": "a1"})["b1"] == pytest.approx(0.6666 / 0.9999)
    with pytest.raises(ModelError, match=r"node 'A'.*within 1e-06.*0\.9999"):
        influence.load(path, strict=True)


def test_a_row_far_from_one_is_an_error(tmp_path):
    path = net(tmp_path, TWO_DECISIONS.replace("(0.5 0.5)", "(0.5 0.4)"))
    with pytest.raises(ModelError, match=r"node 'X'.*expected probabilities summing to 1.*0\.9"):
        influence.load(path, order=["D1", "D2"])


ZERO_ROW = """
net {}
node A { states = ("yes" "no"); }
node B { states = ("x" "y"); }
decision D { states = ("go" "stop"); }
utility U {}
potential (A) { data = (1 0); }
potential (B | A) { data = ((0.2 0.8) (0 0)); }
potential (D | B) {}
potential (U | D B) { data = ((10 0) (0 1)); }
"""


def test_an_all_zero_row_nothing_can_reach_is_read_as_uniform(tmp_path):
    diagram, caught = load(net(tmp_path, ZERO_ROW))
    assert len(caught) == 1 and "all-zero" in caught[0] and "'B' {A: no}" in caught[0]
    assert diagram.probabilities("B", {"A": "no"}) == {"x": 0.5, "y": 0.5}
    assert influence.evaluate(diagram).maximum_expected_utility == pytest.approx(0.2 * 10 +
                                                                                 0.8 * 1)


def test_an_all_zero_row_that_can_occur_is_an_error(tmp_path):
    path = net(tmp_path, ZERO_ROW.replace("data = (1 0)", "data = (0.9 0.1)"))
    with pytest.raises(ModelError, match=r"node 'B'.*\{A: no\} is all zeros.*can occur"):
        influence.load(path)


def test_a_zero_row_reached_only_through_a_decision_is_an_error(tmp_path):
    body = ZERO_ROW.replace("potential (B | A) { data = ((0.2 0.8) (0 0)); }",
                            "potential (B | A) { data = ((0.2 0.8) (0.5 0.5)); }")
    body = body.replace("utility U {}", "node C { states = (\"c1\" \"c2\"); }\nutility U {}")
    body += "potential (C | D) { data = ((0.5 0.5) (0 0)); }\n"
    body = body.replace("potential (U | D B) { data = ((10 0) (0 1)); }",
                        "potential (U | D C) { data = ((10 0) (0 1)); }")
    with pytest.raises(ModelError, match=r"node 'C'.*\{D: stop\}"):
        influence.load(net(tmp_path, body))


def test_decisions_the_file_leaves_unordered_need_order(tmp_path):
    path = net(tmp_path, TWO_DECISIONS)
    with pytest.raises(ModelError, match=r"no path between D1 and D2.*`order`") as info:
        influence.load(path)
    assert info.value.parameter == "order"
    first = influence.load(path, order=["D1", "D2"])
    second = influence.load(path, order=["D2", "D1"])
    assert [d.name for d in first.decisions] == ["D1", "D2"]
    assert [d.name for d in second.decisions] == ["D2", "D1"]
    # D2 sees X: under D2-first, D1 knows X and D2 too, which is worth more here.
    assert influence.evaluate(first).maximum_expected_utility == pytest.approx(
        influence.evaluate(second).maximum_expected_utility)
    with pytest.raises(ModelError, match="every decision once"):
        influence.load(path, order=["D1"])


def test_an_order_against_the_arcs_is_refused(tmp_path):
    body = TWO_DECISIONS.replace("potential (D2 | X) {}", "potential (D2 | X D1) {}")
    path = net(tmp_path, body)
    assert [d.name for d in influence.load(path).decisions] == ["D1", "D2"]
    with pytest.raises(ModelError, match="arcs make 'D1' come first"):
        influence.load(path, order=["D2", "D1"])


def test_names_that_are_not_ids_are_mapped_and_kept_as_labels(tmp_path):
    path = tmp_path / "odd.xml"
    path.write_text("""<?xml version="1.0"?>
<BIF VERSION="0.3"><NETWORK><NAME>odd</NAME>
<VARIABLE TYPE="nature"><NAME>rain tomorrow?</NAME><OUTCOME>yes</OUTCOME><OUTCOME>no</OUTCOME>
</VARIABLE>
<VARIABLE TYPE="decision"><NAME>2nd choice</NAME><OUTCOME>a</OUTCOME><OUTCOME>b</OUTCOME>
</VARIABLE>
<VARIABLE TYPE="utility"><NAME>value</NAME><OUTCOME>0</OUTCOME></VARIABLE>
<DEFINITION><FOR>rain tomorrow?</FOR><TABLE>0.3 0.7</TABLE></DEFINITION>
<DEFINITION><FOR>2nd choice</FOR><GIVEN>rain tomorrow?</GIVEN></DEFINITION>
<DEFINITION><FOR>value</FOR><GIVEN>rain tomorrow?</GIVEN><GIVEN>2nd choice</GIVEN>
<TABLE>1 0 0 1</TABLE></DEFINITION>
</NETWORK></BIF>""")
    diagram, caught = load(path)
    assert diagram.names == ("rain_tomorrow_", "_2nd_choice", "value")
    assert diagram.node("rain_tomorrow_").label == "rain tomorrow?"
    assert diagram.node("_2nd_choice").label == "2nd choice"
    assert len(caught) == 1 and "'rain tomorrow?' -> rain_tomorrow_" in caught[0]
    assert influence.evaluate(diagram).maximum_expected_utility == pytest.approx(1.0)


@pytest.mark.parametrize("body, node, what", [
    ('<equation id="E"><parents></parents><definition>E=1</definition></equation>', "E",
     "an equation node"),
    ('<noisymax id="N"><state id="a"/><state id="b"/></noisymax>', "N", "noisy-MAX"),
    ('<mau id="M"><parents>U</parents><expression>U*U</expression></mau>', "M",
     "linear multi-attribute utility"),
])
def test_xdsl_nodes_influence_cannot_hold_are_refused_by_name(tmp_path, body, node, what):
    path = tmp_path / "m.xdsl"
    path.write_text('<?xml version="1.0"?><smile version="1.0" id="m"><nodes>'
                    '<decision id="D"><state id="a"/><state id="b"/></decision>'
                    '<utility id="U"><parents>D</parents><utilities>1 2</utilities></utility>'
                    f"{body}</nodes></smile>")
    with pytest.raises(ModelError, match=f"node '{node}'.*{what}"):
        influence.load(path)


@pytest.mark.parametrize("declaration, what", [
    ("continuous node C { }", "continuous node"),
    ("function node F { }", "function node"),
])
def test_net_nodes_influence_cannot_hold_are_refused_by_name(tmp_path, declaration, what):
    with pytest.raises(ModelError, match=what):
        influence.load(net(tmp_path, "net {}\n" + declaration))


def test_xml_entities_are_refused_before_they_expand(tmp_path):
    path = tmp_path / "bomb.xdsl"
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
                    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>\n'
                    '<smile id="x"><nodes>&lol2;</nodes></smile>')
    with pytest.raises(ModelError, match="entity"):
        influence.load(path)
    external = tmp_path / "external.bifxml"
    external.write_text('<?xml version="1.0"?>\n<!DOCTYPE BIF [<!ENTITY x SYSTEM '
                        '"file:///etc/passwd">]>\n<BIF><NETWORK><NAME>&x;</NAME></NETWORK></BIF>')
    with pytest.raises(ModelError, match="entity|External"):
        influence.load(external)


def test_the_net_grammar_in_any_layout(tmp_path):
    path = net(tmp_path, r"""
% a comment line
net
{
    label = "A \"quoted\" title % not a comment";
    HR_Grid_X = 10;
}
discrete node
    Weather { states = ( "sun" "rain" ) ; position = (0 0); label="Weather";}
decision Umbrella{states=("take""leave");}
utility U { }
potential(Weather){data=(7.0E-1
  3e-1);}
potential ( Umbrella | Weather ) { }
potential (U | Weather Umbrella)
{ data = (( 20 100 ) % sun
          ( 70 +0 )); model_nodes = (); model_data = ( 1 + Weather * 2 ); }
""")
    diagram, caught = load(path)
    assert diagram.title == 'A "quoted" title % not a comment'
    assert diagram.probabilities("Weather") == {"sun": 0.7, "rain": 0.3}
    assert influence.evaluate(diagram).maximum_expected_utility == pytest.approx(
        0.7 * 100 + 0.3 * 70)
    assert caught == []


def test_net_syntax_errors_name_the_line(tmp_path):
    path = net(tmp_path, "net {}\nnode A {\n states = (\"a\" \"b\");\n label = ;\n}\n")
    with pytest.raises(ModelError, match=r"m\.net, line 4: node 'A'"):
        influence.load(path)


def test_input_format_overrides_the_suffix(tmp_path):
    path = tmp_path / "model.txt"
    path.write_text(TWO_DECISIONS)
    with pytest.raises(ModelError):  # read as YAML, as any file of no known suffix
        influence.load(path)
    diagram = influence.load(path, format="net", order=["D1", "D2"])
    assert len(diagram.decisions) == 2


def test_dne_deterministic_functable_becomes_one_hot_rows(tmp_path):
    path = tmp_path / "d.dne"
    path.write_text("""bnet d {
node A { kind = NATURE; discrete = TRUE; states = (lo, hi); parents = (); probs = (0.4, 0.6); };
node B { kind = NATURE; discrete = TRUE; chance = DETERMIN; states = (off, on);
         parents = (A); functable = (on, off); };
node D { kind = DECISION; discrete = TRUE; states = (x, y); parents = (B); };
node U { kind = UTILITY; discrete = FALSE; parents = (B, D); utils = (1, 0, 0, 2); };
};""")
    diagram = influence.load(path)
    assert diagram.probabilities("B", {"A": "lo"}) == {"off": 0.0, "on": 1.0}
    assert influence.evaluate(diagram).maximum_expected_utility == pytest.approx(
        0.4 * 2 + 0.6 * 1)
