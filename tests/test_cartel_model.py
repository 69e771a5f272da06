"""Property tests for the bundled model models/cartel_intervention.yaml.

They pin the causal claims the model takes from Livermore (2025), "US intervention against
Mexican cartels carries major risks. Here's how to mitigate them" (Atlantic Council), each one for
every combination of the other parents of the node it concerns. They pin the article's causal
claims, not its conclusion: no test says which policy is best (the ranking is the model's output).
"""

import itertools
import math
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

import influence

MODEL = Path(__file__).resolve().parents[1] / "models" / "cartel_intervention.yaml"
PICTURE = MODEL.with_suffix(".svg")

DECISION_ORDER = [
    "partnership",
    "preparedness",
    "military_action",
    "demand_reduction",
    "development",
]
#: The attribute "programme costs": one node per programme, summed (same unit and weight).
PROGRAMME_COSTS = {
    "cost_partnership": "partnership",
    "cost_preparedness": "preparedness",
    "cost_strikes": "us_strikes",
    "cost_demand_reduction": "demand_reduction",
    "cost_development": "development",
}
REQUIRED_POLICIES = {
    "unilateral-strikes-now",
    "invitation-after-partnership",
    "partnership-preparedness",
    "article-recommendation",
    "status-quo",
}


@pytest.fixture(scope="module")
def d():
    return influence.load(str(MODEL))


@pytest.fixture(scope="module")
def raw():
    return yaml.safe_load(MODEL.read_text(encoding="utf-8"))


def other_parents(d, node, *fixed):
    """Every combination of the parents of `node` other than `fixed`, as dicts."""
    others = [p for p in d.node(node).parents if p not in fixed]
    for values in itertools.product(*(d.node(p).states for p in others)):
        yield dict(zip(others, values, strict=True))


def prob(d, node, state, **given):
    return d.probabilities(node, given=given)[state]


# ------------------------------------------------------------------------------------------
# Structure, sources and size
# ------------------------------------------------------------------------------------------


def test_bundled_name_loads_the_same_model(d):
    bundled = influence.load("cartel-intervention")
    for name in DECISION_ORDER + ["mexico_response", "retaliation_us", "overdose_deaths"]:
        assert bundled.node(name).states == d.node(name).states


def test_every_node_row_and_value_has_a_source(raw):
    """Every node, probability row and utility row carries a source of a stated kind."""

    def check(where, src):
        assert isinstance(src, str) and src.strip(), f"{where}: no source"
        assert src.startswith("judgment:") or "FACTS.md" in src or "Livermore (2025)" in src, (
            f"{where}: source is neither a quote, a FACTS.md figure nor a judgment"
        )
        for quote in re.findall(r'Livermore \(2025\): "([^"]+)"', src):
            assert not re.search(r"[.!?]\s+[A-Z]", quote), f"{where}: quote longer than a sentence"
        if "highly likely" in src:  # no ICD 203 entry: the mapping must be stated
            assert "very likely 80-95%" in src, f"{where}: 'highly likely' not mapped"

    for name, node in raw["nodes"].items():
        check(name, node.get("source"))
        for i, row in enumerate(node.get("cpt") or []):
            check(f"{name} cpt row {i}", row.get("source"))
        for i, row in enumerate(node.get("values") or []):
            check(f"{name} value row {i}", row.get("source"))


def test_size_limits(raw):
    """Small enough to read on one page: at most 30 nodes, four parents, three states."""
    nodes = raw["nodes"]
    assert 15 <= len(nodes) <= 30
    for name, node in nodes.items():
        assert len(node.get("parents") or []) <= 4, name
        if node["type"] == "chance":
            assert 2 <= len(node["states"]) <= 3, name


def test_decision_order_and_observations(d, raw):
    """Decisions in the article's order; only Mexico's response is observed, by military action."""
    decisions = [n for n, node in raw["nodes"].items() if node["type"] == "decision"]
    assert decisions == DECISION_ORDER
    assert "mexico_response" in d.node("military_action").observes
    for name in DECISION_ORDER:
        observed_chance = {o for o in d.node(name).observes if o not in DECISION_ORDER}
        assert observed_chance <= {"mexico_response"}, name
    for name in ("partnership", "preparedness"):
        assert "mexico_response" not in d.node(name).observes


def test_utilities_have_units_and_weights(raw):
    """One utility node per attribute, each with a unit and a weight. The attribute "programme
    costs" is the sum of one node per programme (each programme's cost is uncertain on its own),
    which share unit and weight and each say so."""
    utilities = {n: node for n, node in raw["nodes"].items() if node["type"] == "utility"}
    assert set(utilities) == {
        "u_overdose",
        "u_us_security",
        "u_violence_mexico",
        "u_relations",
        *PROGRAMME_COSTS,
    }
    for name, node in utilities.items():
        assert node.get("unit"), name
        assert isinstance(node.get("weight"), (int, float)) and node["weight"] > 0, name
    costs = [utilities[name] for name in PROGRAMME_COSTS]
    assert len({c["unit"] for c in costs}) == 1
    assert len({c["weight"] for c in costs}) == 1
    for name, programme in PROGRAMME_COSTS.items():
        node = utilities[name]
        assert node["parents"] == [programme], name
        assert node["label"].startswith("Programme costs:"), name
        assert 'attribute "programme costs", which is the sum of the five' in node["description"]
        assert all(other in node["description"] for other in PROGRAMME_COSTS), name


def test_each_programme_costs_nothing_unless_it_is_taken(d):
    """A programme's cost node is zero for "no" (or no strikes) and negative otherwise."""
    for name, programme in PROGRAMME_COSTS.items():
        for state in d.node(programme).states:
            value = d.utility(name, given={programme: state})
            if state in ("no", "none"):
                assert value == 0, (name, state)
            else:
                assert value < 0, (name, state)


def test_harms_are_negative(d):
    """Sign convention: higher is better, so harms and costs are never positive."""
    for name in ("u_us_security", "u_violence_mexico", *PROGRAMME_COSTS):
        for given in other_parents(d, name):
            assert d.utility(name, given=given) <= 0, (name, given)
    assert d.utility("u_overdose", given={"overdose_deaths": "higher"}) < 0
    assert d.utility("u_overdose", given={"overdose_deaths": "lower"}) > 0


def test_named_policies(d, raw):
    """The required policies exist, fix what their names say, and evaluate below the optimum."""
    policies = raw["policies"]
    assert REQUIRED_POLICIES <= set(policies)
    assert policies["status-quo"]["choose"] == {
        "partnership": "no",
        "preparedness": "no",
        "military_action": "none",
        "demand_reduction": "no",
        "development": "no",
    }
    assert policies["article-recommendation"]["choose"] == {
        "partnership": "yes",
        "preparedness": "yes",
        "military_action": "at_invitation",
        "demand_reduction": "yes",
        "development": "yes",
    }
    assert policies["unilateral-strikes-now"]["choose"]["military_action"] == "unilateral"
    assert policies["unilateral-strikes-now"]["choose"]["partnership"] == "no"
    inv = policies["invitation-after-partnership"]["choose"]
    assert inv["partnership"] == "yes" and inv["military_action"] == "at_invitation"
    pp = policies["partnership-preparedness"]["choose"]
    assert (pp["partnership"], pp["preparedness"], pp["military_action"]) == ("yes", "yes", "none")

    result = influence.evaluate(d)
    by_id = {p.id: p for p in result.policies}
    assert REQUIRED_POLICIES <= set(by_id)
    for p in by_id.values():
        assert math.isfinite(p.expected_utility)
        assert p.expected_utility <= result.maximum_expected_utility + 1e-6


def test_at_invitation_means_no_strikes_without_an_invitation(d):
    """Definition: US strikes "at the invitation of the Mexican government" need an invitation."""
    for response in d.node("mexico_response").states:
        got = d.probabilities(
            "us_strikes", given={"military_action": "at_invitation", "mexico_response": response}
        )
        expected = "invited" if response == "invites" else "none"
        assert got[expected] == pytest.approx(1.0)


# ------------------------------------------------------------------------------------------
# The article's causal claims
# ------------------------------------------------------------------------------------------


def test_unilateral_strikes_raise_retaliation_on_us_soil(d):
    """Livermore (2025): "Cartels have a history of assassinating government officials in Mexico,
    and they would likely adopt terrorist tactics in the United States against political figures,
    law-enforcement leaders, and even military personnel."
    """
    for rest in other_parents(d, "retaliation_us", "us_strikes"):
        none = d.probabilities("retaliation_us", given={**rest, "us_strikes": "none"})
        uni = d.probabilities("retaliation_us", given={**rest, "us_strikes": "unilateral"})
        assert uni["none"] < none["none"], rest
        assert uni["campaign"] > none["campaign"], rest


def test_preparedness_lowers_the_harm_of_retaliation(d):
    """Livermore (2025): "Washington should enhance interagency coordination—specifically between
    the Drug Enforcement Agency, the Federal Bureau of Investigation, and the Department of Homeland
    Security—to safeguard likely US targets and strengthen the United States’ ability to identify
    and neutralize cartel threats."
    """
    for rest in other_parents(d, "u_us_security", "retaliation_us", "preparedness"):
        for attack in ("isolated", "campaign"):
            harm = {}
            for prep in ("no", "yes"):
                calm = d.utility(
                    "u_us_security", {**rest, "retaliation_us": "none", "preparedness": prep}
                )
                hit = d.utility(
                    "u_us_security", {**rest, "retaliation_us": attack, "preparedness": prep}
                )
                harm[prep] = calm - hit
            assert 0 <= harm["yes"] < harm["no"], (rest, attack)


def test_preparedness_neutralizes_threats_before_they_strike(d):
    """Livermore (2025): "... strengthen the United States’ ability to identify and neutralize
    cartel threats." (same sentence as above): preparedness lowers the chance of a campaign."""
    for rest in other_parents(d, "retaliation_us", "preparedness"):
        no = d.probabilities("retaliation_us", given={**rest, "preparedness": "no"})
        yes = d.probabilities("retaliation_us", given={**rest, "preparedness": "yes"})
        assert yes["none"] > no["none"], rest
        assert yes["campaign"] < no["campaign"], rest


def test_partnership_raises_the_chance_of_an_invitation(d):
    """No sentence of Livermore (2025) states that a partnership makes an invitation more likely:
    the direction is the model's judgment, reading the article's argument. The article puts the
    partnership first ("Any US military campaign to combat the cartels would only succeed if
    accompanied by a robust partnership with the new Mexican administration ...") and wants
    strikes only "at the invitation of the Mexican government and in support of
    counter-narcotics objectives shared by the United States and Mexico"; the model reads the
    partnership (joint task forces, intelligence sharing, training) as building the trust that
    such an invitation needs.
    """
    for rest in other_parents(d, "mexico_response", "partnership"):
        no = prob(d, "mexico_response", "invites", **rest, partnership="no")
        yes = prob(d, "mexico_response", "invites", **rest, partnership="yes")
        assert yes > no, rest
    # also once corruption (itself moved by the partnership) is summed out
    no = influence.marginal(d, "mexico_response", given={"partnership": "no", "preparedness": "no"})
    yes = influence.marginal(
        d, "mexico_response", given={"partnership": "yes", "preparedness": "no"}
    )
    assert yes["invites"] > no["invites"]


def test_unilateral_action_lowers_mexican_cooperation(d):
    """No sentence of Livermore (2025) states that strikes without Mexico's consent lower its
    cooperation: the direction is the model's judgment (such strikes breach Mexican sovereignty),
    reading the article's argument. The article makes the partnership the condition of success
    ("Any US military campaign to combat the cartels would only succeed if accompanied by a
    robust partnership with the new Mexican administration ..."), wants strikes only "at the
    invitation of the Mexican government", and sets empowering partners against "the violence
    that unilateral actions alone often provoke".
    """
    for rest in other_parents(d, "mexico_cooperation", "us_strikes"):
        none = prob(d, "mexico_cooperation", "high", **rest, us_strikes="none")
        uni = prob(d, "mexico_cooperation", "high", **rest, us_strikes="unilateral")
        assert uni < none, rest


def test_demand_reduction_lowers_overdose_deaths(d):
    """Livermore (2025): "The demand for illicit drugs in the United States fuels the cartels’
    operations, making it imperative to invest in addiction treatment resources and public
    education programs."
    """
    others = [n for n in DECISION_ORDER if n != "demand_reduction"]
    for values in itertools.product(*(d.node(n).states for n in others)):
        rest = dict(zip(others, values, strict=True))
        no = influence.marginal(d, "overdose_deaths", given={**rest, "demand_reduction": "no"})
        yes = influence.marginal(d, "overdose_deaths", given={**rest, "demand_reduction": "yes"})
        assert yes["lower"] > no["lower"], rest
        assert yes["higher"] < no["higher"], rest

        def expected(dist):
            return sum(
                p * d.utility("u_overdose", given={"overdose_deaths": s}) for s, p in dist.items()
            )

        assert expected(yes) > expected(no), rest


def test_collaboration_with_mexico_lowers_retaliation_in_mexico(d):
    """Livermore (2025): "Strong military action absent conscientious preparations and close
    collaboration with the Mexican government risks triggering a cycle of retaliation."
    """
    for rest in other_parents(d, "retaliation_mexico", "us_strikes"):
        none = prob(d, "retaliation_mexico", "severe", **rest, us_strikes="none")
        invited = prob(d, "retaliation_mexico", "severe", **rest, us_strikes="invited")
        uni = prob(d, "retaliation_mexico", "severe", **rest, us_strikes="unilateral")
        assert none < invited < uni, rest


def test_action_by_invitation_escalates_violence_less_than_unilateral_action(d):
    """Livermore (2025): "By empowering its partners, the United States can achieve a greater
    impact without exacerbating the violence that unilateral actions alone often provoke."
    """
    for rest in other_parents(d, "violence_mexico", "us_strikes"):
        invited = prob(d, "violence_mexico", "escalates", **rest, us_strikes="invited")
        uni = prob(d, "violence_mexico", "escalates", **rest, us_strikes="unilateral")
        assert invited < uni, rest


def test_partnership_lowers_escalation_of_violence_in_mexico(d):
    """Livermore (2025): "By empowering its partners, the United States can achieve a greater
    impact without exacerbating the violence that unilateral actions alone often provoke."
    (the partnership half of the sentence)."""
    for rest in other_parents(d, "violence_mexico", "partnership"):
        no = prob(d, "violence_mexico", "escalates", **rest, partnership="no")
        yes = prob(d, "violence_mexico", "escalates", **rest, partnership="yes")
        assert yes < no, rest


def test_strikes_raise_escalation_of_violence_in_mexico(d):
    """Livermore (2025), on Calderón's deployment against the cartels: "The result was a sharp
    escalation in violence."
    """
    for rest in other_parents(d, "violence_mexico", "us_strikes"):
        none = prob(d, "violence_mexico", "escalates", **rest, us_strikes="none")
        for strikes in ("invited", "unilateral"):
            assert prob(d, "violence_mexico", "escalates", **rest, us_strikes=strikes) > none


def test_cyber_defence_lowers_the_harm_of_cyber_operations(d):
    """Livermore (2025): "Such coordination is outlined in the Department of Homeland Security’s
    2016 National Protection Framework; it should include increased support to law enforcement
    countering cartel-affiliated gangs in the United States and measures to protect from
    potential cartel-led hacking or other cyber activity."
    """
    for rest in other_parents(d, "u_us_security", "cyber_ops", "preparedness"):
        harm = {}
        for prep in ("no", "yes"):
            minor = d.utility("u_us_security", {**rest, "cyber_ops": "minor", "preparedness": prep})
            hit = d.utility(
                "u_us_security", {**rest, "cyber_ops": "disruptive", "preparedness": prep}
            )
            harm[prep] = minor - hit
        assert 0 <= harm["yes"] < harm["no"], rest


def test_strikes_invite_cartel_cyber_operations(d):
    """Livermore (2025): "Beyond physical attacks, cartels could engage in cyber operations,
    employing such capabilities to gather information on potential targets as part of criminal
    dealings."
    """
    none = prob(d, "cyber_ops", "disruptive", us_strikes="none")
    for strikes in ("invited", "unilateral"):
        assert prob(d, "cyber_ops", "disruptive", us_strikes=strikes) > none


def test_corruption_hinders_disruption_of_cartels(d):
    """Livermore (2025): "Equally important is addressing systemic corruption within Mexico,
    which has long hindered efforts to dismantle cartel operations."
    """
    for rest in other_parents(d, "cartel_disruption", "corruption"):
        contained = prob(d, "cartel_disruption", "high", **rest, corruption="contained")
        pervasive = prob(d, "cartel_disruption", "high", **rest, corruption="pervasive")
        assert pervasive < contained, rest


def test_strikes_disrupt_cartels_more_with_mexican_cooperation(d):
    """Livermore (2025): "Any US military campaign to combat the cartels would only succeed if
    accompanied by a robust partnership with the new Mexican administration ..." : the gain in
    disruption from strikes is larger when Mexico cooperates."""
    for rest in other_parents(d, "cartel_disruption", "us_strikes", "mexico_cooperation"):
        for strikes in ("invited", "unilateral"):
            gain = {}
            for coop in ("low", "high"):
                base = prob(
                    d,
                    "cartel_disruption",
                    "high",
                    **rest,
                    mexico_cooperation=coop,
                    us_strikes="none",
                )
                hit = prob(
                    d,
                    "cartel_disruption",
                    "high",
                    **rest,
                    mexico_cooperation=coop,
                    us_strikes=strikes,
                )
                gain[coop] = hit - base
            assert 0 < gain["low"] < gain["high"], (rest, strikes)


def test_reduced_demand_undermines_cartel_revenue(d):
    """Livermore (2025): "Reducing demand would undermine a significant source of cartel
    revenue."
    """
    for rest in other_parents(d, "cartel_disruption", "us_demand"):
        steady = prob(d, "cartel_disruption", "high", **rest, us_demand="steady")
        reduced = prob(d, "cartel_disruption", "high", **rest, us_demand="reduced")
        assert reduced > steady, rest


def test_retaliation_on_us_soil_destabilizes_border_communities(d):
    """Livermore (2025): "It could, for example, bring a surge of violence to US soil, destabilize
    border communities, and strain domestic resources."
    """
    for rest in other_parents(d, "border_stability", "retaliation_us"):
        p = [
            prob(d, "border_stability", "destabilized", **rest, retaliation_us=r)
            for r in ("none", "isolated", "campaign")
        ]
        assert p[0] < p[1] < p[2], rest


def test_development_increases_us_influence(d):
    """Livermore (2025): "Successfully doing so would also increase US influence in Mexico and the
    region, incentivizing mutually beneficial economic endeavors."
    """
    for rest in other_parents(d, "us_influence", "development"):
        no = prob(d, "us_influence", "increased", **rest, development="no")
        yes = prob(d, "us_influence", "increased", **rest, development="yes")
        assert yes > no, rest


# ------------------------------------------------------------------------------------------
# The picture in the model card
# ------------------------------------------------------------------------------------------

_SVG = "{http://www.w3.org/2000/svg}"
_XLINK_TITLE = "{http://www.w3.org/1999/xlink}title"


def _picture_content(svg: bytes) -> dict:
    """What an SVG drawing shows, leaving out the layout: every node's name, tooltip and text
    lines, every arc's name and style, and the graph's title."""
    root = ET.fromstring(svg)
    nodes, edges = set(), set()
    for g in root.iter(f"{_SVG}g"):
        classes = (g.get("class") or "").split()
        title = g.findtext(f"{_SVG}title")
        if "node" in classes:
            tips = tuple(a.get(_XLINK_TITLE) for a in g.iter(f"{_SVG}a"))
            texts = tuple(t.text for t in g.iter(f"{_SVG}text"))
            nodes.add((title, tips, texts))
        elif "edge" in classes:
            edges.add((title, g.get("class")))
    return {"title": root.findtext(f"{_SVG}g/{_SVG}title"), "nodes": nodes, "edges": edges}


@pytest.mark.skipif(shutil.which("dot") is None, reason="the committed picture is Graphviz's "
                    "output, and Graphviz's dot program is not installed")
def test_the_committed_picture_is_the_drawing_of_the_model():
    """models/cartel_intervention.svg is what `influence graph cartel-intervention` draws now.

    The coordinates of the layout depend on the Graphviz version and the fonts installed, so
    the test compares what the picture shows (nodes with their labels, states, units and
    tooltips; arcs with their style) rather than the bytes. Regenerate the picture with
    `influence graph cartel-intervention --engine graphviz -o models/cartel_intervention.svg`.
    """
    from influence.io.drawing import render

    drawn = _picture_content(render(influence.load("cartel-intervention"), "svg",
                                    engine="graphviz"))
    committed = _picture_content(PICTURE.read_bytes())
    assert drawn["title"] == committed["title"]
    assert drawn["nodes"] == committed["nodes"], (
        "models/cartel_intervention.svg is out of date: regenerate it with `influence graph "
        "cartel-intervention --engine graphviz -o models/cartel_intervention.svg`")
    assert drawn["edges"] == committed["edges"]
    names = {title for title, _, _ in committed["nodes"]}
    assert {n.name for n in influence.load("cartel-intervention").nodes} <= names
