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
    "anti_corruption",
    "preparedness",
    "sanctions",
    "demand_reduction",
    "development",
    "military_action",
]
PROGRAMMES = DECISION_ORDER[:-1]
#: The programme costs: each programme's cost is one named parameter.
COSTS = {
    "partnership": "cost_partnership",
    "anti_corruption": "cost_anti_corruption",
    "preparedness": "cost_preparedness",
    "sanctions": "cost_sanctions",
    "demand_reduction": "cost_demand_reduction",
    "development": "cost_development",
}
#: The value judgments that must be named parameters with ranges.
JUDGMENTS = {"mexican_death_weight": "u_violence_mexico", "usd_to_lives": "cost_programmes",
             "relations_weight": "u_relations"}
#: Elements the article names, each a node of the model.
ELEMENTS = {
    "sanctions": "decision", "anti_corruption": "decision", "preemptive_attack": "chance",
    "us_corruption": "chance", "public_pressure": "chance", "mexico_capitulation": "chance",
    "retaliation_cycle": "chance", "effort_sustained": "chance", "u_institutions": "utility",
    "nonmilitary_progress": "chance",
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


def every_decision(d, *fixed):
    """Every combination of the programme decisions other than `fixed`, as dicts."""
    others = [n for n in PROGRAMMES if n not in fixed]
    for values in itertools.product(*(d.node(n).states for n in others)):
        yield dict(zip(others, values, strict=True))


# ------------------------------------------------------------------------------------------
# Structure, sources and size
# ------------------------------------------------------------------------------------------


def test_bundled_name_loads_the_same_model(d):
    bundled = influence.load("cartel-intervention")
    assert bundled.fingerprint == d.fingerprint


def _check_source(where, src):
    assert isinstance(src, str) and src.strip(), f"{where}: no source"
    assert src.startswith("judgment:") or "FACTS.md" in src or "Livermore (2025)" in src, (
        f"{where}: source is neither a quote, a FACTS.md figure nor a judgment"
    )
    for quote in re.findall(r'Livermore \(2025\): "([^"]+)"', src):
        assert not re.search(r"[.!?]\s+[A-Z]", quote), f"{where}: quote longer than a sentence"
    if "highly likely" in src:  # no ICD 203 entry: the mapping must be stated
        assert "very likely 80-95%" in src, f"{where}: 'highly likely' not mapped"


def test_every_node_row_value_and_parameter_has_a_source(d, raw):
    """Every node, utility row, entry of a structured table and parameter carries a source of a
    stated kind: a quote of the article, a FACTS.md figure, or a judgment with its reasoning."""
    for name, node in raw["nodes"].items():
        _check_source(name, node.get("source"))
        for i, row in enumerate(node.get("values") or []):
            _check_source(f"{name} value row {i}", row.get("source"))
        table = node.get("table") or {}
        for form, body in table.items():
            entries = body if isinstance(body, list) else (body.get("links") or []) + (
                body.get("effects") or [])
            for i, entry in enumerate(entries):
                _check_source(f"{name} {form} entry {i}", entry.get("source"))
    for p in d.parameters:
        _check_source(f"parameter {p.name}", p.source)
    assert not any("cpt" in node for node in raw["nodes"].values()), "use structured tables"


def test_judgments_are_labelled_with_their_reasoning(d):
    for name in (*JUDGMENTS, *COSTS.values(), "retaliation_harm", "preparedness_protection"):
        p = d.parameter(name)
        assert p.source.startswith("judgment:") and len(p.source.split()) >= 15, name
        assert p.prior is not None, name


def test_size_limits(raw):
    """Small enough to read: at most 40 nodes, four parents, three states."""
    nodes = raw["nodes"]
    assert 15 <= len(nodes) <= 40
    for name, node in nodes.items():
        assert len(node.get("parents") or []) <= 4, name
        if node["type"] == "chance":
            assert 2 <= len(node["states"]) <= 3, name


def test_the_elements_the_article_names_are_nodes(d):
    for name, kind in ELEMENTS.items():
        assert d.node(name).kind == kind, name


def test_decision_order_and_observations(d, raw):
    """Programmes first, in the article's order; the military decision last, knowing Mexico's
    response and whether the other options advance ("when and where no other options
    exist")."""
    decisions = [n for n, node in raw["nodes"].items() if node["type"] == "decision"]
    assert decisions == DECISION_ORDER
    assert set(d.node("military_action").observes) == {"mexico_response",
                                                         "nonmilitary_progress"}
    for name in PROGRAMMES:
        assert not d.node(name).observes, name


def test_utilities_have_units_and_weights(d, raw):
    utilities = {n: node for n, node in raw["nodes"].items() if node["type"] == "utility"}
    assert set(utilities) == {"u_overdose", "u_us_security", "u_violence_mexico", "u_relations",
                              "u_institutions", "cost_programmes", "cost_operations"}
    for name, node in utilities.items():
        assert node.get("unit"), name
        assert d.node(name).weight > 0, name
    for name, node in JUDGMENTS.items():
        assert str(d.node(node).weight_expression) == name
    assert str(d.node("cost_operations").weight_expression) == "usd_to_lives"


def test_each_programme_costs_its_named_cost_when_taken(d):
    """Each row of the cost nodes is minus the sum of the named costs of the programmes it
    takes (strikes: of the strikes carried out), so a programme's cost is the same number in
    every row."""
    for name in ("cost_programmes", "cost_operations"):
        node = d.node(name)
        for given in d.parent_configurations(name):
            key = tuple(given[p] for p in node.parents)
            taken = {COSTS[p] for p, s in given.items() if p in COSTS and s == "yes"}
            if given.get("us_strikes") in ("invited", "unilateral"):
                taken.add(f"cost_strikes_{given['us_strikes']}")
            expression = node.expressions.get(key)
            found = set(expression.parameters) if expression is not None else set()
            assert found == taken, (name, given)
            expected = -sum(d.parameter(c).value for c in taken)
            assert d.utility(name, given) == pytest.approx(expected), (name, given)


def test_harms_are_negative(d):
    """Sign convention: higher is better, so harms and costs are never positive."""
    for name in ("u_us_security", "u_violence_mexico", "u_institutions", "cost_programmes",
                 "cost_operations"):
        for given in other_parents(d, name):
            assert d.utility(name, given=given) <= 0, (name, given)
    assert d.utility("u_overdose", given={"overdose_deaths": "higher"}) < 0
    assert d.utility("u_overdose", given={"overdose_deaths": "lower"}) > 0


def test_named_policies(d, raw):
    """The required policies exist, fix what their names say, and evaluate below the optimum."""
    policies = raw["policies"]
    assert REQUIRED_POLICIES <= set(policies)
    assert policies["status-quo"]["choose"] == {**dict.fromkeys(PROGRAMMES, "no"),
                                                "military_action": "none"}
    article = policies["article-recommendation"]["choose"]
    assert {k: article[k] for k in PROGRAMMES} == {**dict.fromkeys(PROGRAMMES, "yes"),
                                                  "sanctions": "no"}
    assert article["military_action"] == [
        {"given": {"nonmilitary_progress": "stalled"}, "choose": "at_invitation"},
        {"given": {"nonmilitary_progress": "advancing"}, "choose": "none"}]
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
    assert d.node("us_strikes").structure.form == "deterministic"
    for response in d.node("mexico_response").states:
        got = d.probabilities(
            "us_strikes", given={"military_action": "at_invitation", "mexico_response": response}
        )
        expected = "invited" if response == "invites" else "none"
        assert got[expected] == pytest.approx(1.0)


# ------------------------------------------------------------------------------------------
# The article's causal claims
# ------------------------------------------------------------------------------------------


def test_strikes_raise_retaliation_on_us_soil(d):
    """Livermore (2025): "Cartels have a history of assassinating government officials in Mexico,
    and they would likely adopt terrorist tactics in the United States against political figures,
    law-enforcement leaders, and even military personnel." About a US campaign of any kind; more
    for strikes without Mexico (the model's judgment)."""
    for rest in other_parents(d, "retaliation_us", "us_strikes"):
        p = {s: d.probabilities("retaliation_us", given={**rest, "us_strikes": s})
             for s in ("none", "invited", "unilateral")}
        assert p["unilateral"]["none"] < p["invited"]["none"] < p["none"]["none"], rest
        assert p["none"]["campaign"] < p["invited"]["campaign"] < p["unilateral"]["campaign"]


def test_any_retaliation_on_us_soil_is_likely_under_strikes_without_preparedness(d):
    """"would likely adopt terrorist tactics": ICD 203 "likely" is 55-80%, for the strikes,
    their preemptive attacks and the cycle they start, summed over all that is uncertain."""
    for military, response, low in (("at_invitation", "invites", 0.55),
                                    ("unilateral", "cooperates", 0.55)):
        given = {**dict.fromkeys(PROGRAMMES, "no"), "partnership": "yes",
                 "military_action": military, "mexico_response": response}
        m = influence.marginal(d, "retaliation_us", given=given)
        assert low <= 1 - m["none"] <= 0.8, (military, m)


def test_cartels_retaliate_preemptively(d):
    """Livermore (2025): "Instead, as history shows, cartels are highly likely to retaliate both
    preemptively and reactively." Preemptive attacks come with a campaign; preparedness made
    before it foils them ("...prepare for such retaliation before Washington even considers such
    action")."""
    for prep in ("no", "yes"):
        p = [prob(d, "preemptive_attack", "yes", us_strikes=s, preparedness=prep)
             for s in ("none", "invited", "unilateral")]
        assert p[0] < p[1] < p[2], prep
    for strikes in d.node("us_strikes").states:
        assert prob(d, "preemptive_attack", "yes", us_strikes=strikes, preparedness="yes") < \
            prob(d, "preemptive_attack", "yes", us_strikes=strikes, preparedness="no")
    for rest in other_parents(d, "retaliation_us", "preemptive_attack"):
        assert prob(d, "retaliation_us", "none", **rest, preemptive_attack="yes") < \
            prob(d, "retaliation_us", "none", **rest, preemptive_attack="no"), rest


def test_cartels_are_highly_likely_to_retaliate_against_any_us_attack(d):
    """"highly likely to retaliate" (read as ICD 203 very likely, 80-95%) is about any
    retaliation against any US attack: P(any retaliation in Mexico) at least 0.8 under strikes
    at invitation and unilateral strikes alike."""
    for strikes in ("invited", "unilateral"):
        for coop in ("low", "high"):
            assert 1 - prob(d, "retaliation_mexico", "none", us_strikes=strikes,
                            mexico_cooperation=coop) >= 0.8, (strikes, coop)


def test_collaboration_with_mexico_lowers_retaliation_in_mexico(d):
    """Livermore (2025): "Strong military action absent conscientious preparations and close
    collaboration with the Mexican government risks triggering a cycle of retaliation."
    """
    for rest in other_parents(d, "retaliation_mexico", "us_strikes"):
        p = [prob(d, "retaliation_mexico", "severe", **rest, us_strikes=s)
             for s in ("none", "invited", "unilateral")]
        assert p[0] < p[1] < p[2], rest
    for rest in other_parents(d, "retaliation_mexico", "mexico_cooperation"):
        assert prob(d, "retaliation_mexico", "severe", **rest, mexico_cooperation="high") < \
            prob(d, "retaliation_mexico", "severe", **rest, mexico_cooperation="low"), rest


def test_a_cycle_of_retaliation_needs_strong_action_absent_preparation_and_collaboration(d):
    """Livermore (2025): "Strong military action absent conscientious preparations and close
    collaboration with the Mexican government risks triggering a cycle of retaliation." """
    for rest in other_parents(d, "retaliation_cycle", "preparedness"):
        assert prob(d, "retaliation_cycle", "yes", **rest, preparedness="yes") < \
            prob(d, "retaliation_cycle", "yes", **rest, preparedness="no"), rest
    for rest in other_parents(d, "retaliation_cycle", "mexico_cooperation"):
        assert prob(d, "retaliation_cycle", "yes", **rest, mexico_cooperation="high") < \
            prob(d, "retaliation_cycle", "yes", **rest, mexico_cooperation="low"), rest
    for rest in other_parents(d, "retaliation_cycle", "retaliation_mexico"):
        p = [prob(d, "retaliation_cycle", "yes", **rest, retaliation_mexico=s)
             for s in ("none", "limited", "severe")]
        assert p[0] < p[1] < p[2], rest
    for rest in other_parents(d, "retaliation_us", "retaliation_cycle"):
        assert prob(d, "retaliation_us", "campaign", **rest, retaliation_cycle="yes") > \
            prob(d, "retaliation_us", "campaign", **rest, retaliation_cycle="no"), rest


def test_severe_retaliation_can_make_the_government_give_in(d):
    """Livermore (2025): "And amid all the violence, the government released Guzmán." """
    for rest in other_parents(d, "mexico_capitulation", "retaliation_mexico"):
        p = [prob(d, "mexico_capitulation", "yes", **rest, retaliation_mexico=s)
             for s in ("none", "limited", "severe")]
        assert p[0] < p[1] < p[2], rest


def test_public_calls_to_stop_follow_terror_and_cyber_attacks(d):
    """Livermore (2025): "By potentially coordinating cyber activities with campaigns of terror
    in cartel-influenced US neighborhoods, these groups could sow panic and destabilize
    communities, driving Americans to call for a cessation of operations against the cartels in
    Mexico." """
    for rest in other_parents(d, "public_pressure", "retaliation_us"):
        p = [prob(d, "public_pressure", "high", **rest, retaliation_us=s)
             for s in ("none", "isolated", "campaign")]
        assert p[0] < p[1] < p[2], rest
    for rest in other_parents(d, "public_pressure", "cyber_ops"):
        assert prob(d, "public_pressure", "high", **rest, cyber_ops="disruptive") > \
            prob(d, "public_pressure", "high", **rest, cyber_ops="minor"), rest


def test_the_effort_is_less_sustainable_under_pressure_capitulation_or_lost_cooperation(d):
    """Livermore (2025): "Integrating increased military pressure with strengthened
    partnerships, domestic preparedness, and systemic investments would ensure that the effort is
    more sustainable and effective." """
    for parent, bad, good in (("public_pressure", "high", "low"),
                              ("mexico_capitulation", "yes", "no"),
                              ("mexico_cooperation", "low", "high")):
        for rest in other_parents(d, "effort_sustained", parent):
            assert prob(d, "effort_sustained", "yes", **rest, **{parent: bad}) < \
                prob(d, "effort_sustained", "yes", **rest, **{parent: good}), (parent, rest)


def test_strikes_disrupt_cartels_more_when_the_effort_is_sustained(d):
    """Livermore (2025): "Any US military campaign to combat the cartels would only succeed if
    accompanied by a robust partnership with the new Mexican administration ...": the gain in
    disruption from strikes is larger when the effort (with Mexico's cooperation) is carried
    through."""
    for rest in other_parents(d, "cartel_disruption", "us_strikes", "effort_sustained"):
        for strikes in ("invited", "unilateral"):
            gain = {}
            for sustained in ("no", "yes"):
                base = prob(d, "cartel_disruption", "high", **rest, effort_sustained=sustained,
                            us_strikes="none")
                hit = prob(d, "cartel_disruption", "high", **rest, effort_sustained=sustained,
                           us_strikes=strikes)
                gain[sustained] = hit - base
            assert 0 < gain["no"] < gain["yes"], (rest, strikes)


def test_unilateral_action_lowers_mexican_cooperation(d):
    """No sentence of Livermore (2025) states that strikes without Mexico's consent lower its
    cooperation: the direction is the model's judgment (such strikes breach Mexican sovereignty),
    reading the article's argument that the campaign depends on the partnership."""
    for rest in other_parents(d, "mexico_cooperation", "us_strikes"):
        assert prob(d, "mexico_cooperation", "high", **rest, us_strikes="unilateral") < \
            prob(d, "mexico_cooperation", "high", **rest, us_strikes="none"), rest


def test_partnership_raises_the_chance_of_an_invitation(d):
    """The model's judgment, reading the article's argument: the partnership (joint task forces,
    intelligence sharing, training) builds the trust an invitation needs."""
    for rest in other_parents(d, "mexico_response", "partnership"):
        assert prob(d, "mexico_response", "invites", **rest, partnership="yes") > \
            prob(d, "mexico_response", "invites", **rest, partnership="no"), rest


def test_anti_corruption_is_its_own_decision_and_lowers_corruption(d):
    """Livermore (2025): "Equally important is addressing systemic corruption within Mexico,
    which has long hindered efforts to dismantle cartel operations." """
    assert d.node("mexico_corruption").parents == ("anti_corruption",)
    assert prob(d, "mexico_corruption", "pervasive", anti_corruption="yes") < \
        prob(d, "mexico_corruption", "pervasive", anti_corruption="no")
    for rest in other_parents(d, "nonmilitary_progress", "mexico_corruption"):
        assert prob(d, "nonmilitary_progress", "advancing", **rest,
                    mexico_corruption="pervasive") < \
            prob(d, "nonmilitary_progress", "advancing", **rest, mexico_corruption="contained")


def test_the_other_options_advance_with_partnership_and_sanctions(d):
    for decision in ("partnership", "sanctions"):
        for rest in other_parents(d, "nonmilitary_progress", decision):
            assert prob(d, "nonmilitary_progress", "advancing", **rest, **{decision: "yes"}) > \
                prob(d, "nonmilitary_progress", "advancing", **rest, **{decision: "no"})
    for rest in other_parents(d, "cartel_disruption", "nonmilitary_progress"):
        assert prob(d, "cartel_disruption", "high", **rest, nonmilitary_progress="advancing") > \
            prob(d, "cartel_disruption", "high", **rest, nonmilitary_progress="stalled"), rest


def test_demand_reduction_lowers_overdose_deaths(d):
    """Livermore (2025): "The demand for illicit drugs in the United States fuels the cartels’
    operations, making it imperative to invest in addiction treatment resources and public
    education programs."
    """
    def expected(dist):
        return sum(p * d.utility("u_overdose", given={"overdose_deaths": s})
                   for s, p in dist.items())

    for rest in every_decision(d, "demand_reduction"):
        given = {**rest, "military_action": "none"}
        no = influence.marginal(d, "overdose_deaths", given={**given, "demand_reduction": "no"})
        yes = influence.marginal(d, "overdose_deaths", given={**given, "demand_reduction": "yes"})
        assert yes["lower"] > no["lower"] and yes["higher"] < no["higher"], rest
        assert expected(yes) > expected(no), rest


def test_the_sources_of_cartel_power(d):
    """Livermore (2025): "Reducing demand would undermine a significant source of cartel
    revenue." and development "to weaken the cartels’ influence"; sanctions (the related
    reading) cut into cartel finance."""
    for parent, on in (("us_demand", "reduced"), ("development", "yes"), ("sanctions", "yes")):
        for rest in other_parents(d, "cartel_resources", parent):
            off = next(s for s in d.node(parent).states if s != on)
            assert prob(d, "cartel_resources", "weakened", **rest, **{parent: on}) > \
                prob(d, "cartel_resources", "weakened", **rest, **{parent: off}), (parent, rest)
    for rest in other_parents(d, "cartel_disruption", "cartel_resources"):
        assert prob(d, "cartel_disruption", "high", **rest, cartel_resources="weakened") > \
            prob(d, "cartel_disruption", "high", **rest, cartel_resources="intact"), rest


def test_action_by_invitation_escalates_violence_less_than_unilateral_action(d):
    """Livermore (2025): "By empowering its partners, the United States can achieve a greater
    impact without exacerbating the violence that unilateral actions alone often provoke."
    """
    for rest in other_parents(d, "violence_mexico", "us_strikes"):
        p = [prob(d, "violence_mexico", "escalates", **rest, us_strikes=s)
             for s in ("none", "invited", "unilateral")]
        assert p[0] < p[1] < p[2], rest


def test_partnership_and_development_lower_escalation(d):
    """The partnership half of the sentence above, and development ("to weaken the cartels’
    influence", slowly)."""
    for decision in ("partnership", "development"):
        for rest in other_parents(d, "violence_mexico", decision):
            assert prob(d, "violence_mexico", "escalates", **rest, **{decision: "yes"}) < \
                prob(d, "violence_mexico", "escalates", **rest, **{decision: "no"})


def test_preparedness_protects(d):
    """Livermore (2025): "...to safeguard likely US targets and strengthen the United States’
    ability to identify and neutralize cartel threats." and "measures to protect from potential
    cartel-led hacking": fewer attacks, less harm per attack, fewer disruptive cyber operations,
    less corruption of US officials, and (gang policing) a little less supply."""
    for rest in other_parents(d, "retaliation_us", "preparedness"):
        no = d.probabilities("retaliation_us", given={**rest, "preparedness": "no"})
        yes = d.probabilities("retaliation_us", given={**rest, "preparedness": "yes"})
        assert yes["none"] > no["none"] and yes["campaign"] < no["campaign"], rest
    for rest in other_parents(d, "u_us_security", "retaliation_us", "preparedness"):
        for attack in ("isolated", "campaign"):
            harm = {}
            for prep in ("no", "yes"):
                calm = d.utility("u_us_security", {**rest, "retaliation_us": "none",
                                                   "preparedness": prep})
                hit = d.utility("u_us_security", {**rest, "retaliation_us": attack,
                                                  "preparedness": prep})
                harm[prep] = calm - hit
            assert 0 < harm["yes"] < harm["no"], (rest, attack)
    for node, state in (("cyber_ops", "disruptive"), ("us_corruption", "spreading")):
        for rest in other_parents(d, node, "preparedness"):
            assert prob(d, node, state, **rest, preparedness="yes") < \
                prob(d, node, state, **rest, preparedness="no"), (node, rest)
    for rest in other_parents(d, "fentanyl_flow", "preparedness"):
        assert prob(d, "fentanyl_flow", "reduced", **rest, preparedness="yes") > \
            prob(d, "fentanyl_flow", "reduced", **rest, preparedness="no"), rest


def test_strikes_invite_cartel_cyber_operations(d):
    """Livermore (2025): "Beyond physical attacks, cartels could engage in cyber operations,
    employing such capabilities to gather information on potential targets as part of criminal
    dealings." """
    for prep in ("no", "yes"):
        p = [prob(d, "cyber_ops", "disruptive", us_strikes=s, preparedness=prep)
             for s in ("none", "invited", "unilateral")]
        assert p[0] < p[1] and p[0] < p[2], prep


def test_cartel_corruption_of_us_officials(d):
    """Livermore (2025): "Their financial power also enables them to influence local politics and
    law enforcement through intimidation and corruption ." A cycle of retaliation brings
    intimidation; disruption takes away money."""
    for rest in other_parents(d, "us_corruption", "retaliation_cycle"):
        assert prob(d, "us_corruption", "spreading", **rest, retaliation_cycle="yes") > \
            prob(d, "us_corruption", "spreading", **rest, retaliation_cycle="no"), rest
    for rest in other_parents(d, "us_corruption", "cartel_disruption"):
        assert prob(d, "us_corruption", "spreading", **rest, cartel_disruption="high") < \
            prob(d, "us_corruption", "spreading", **rest, cartel_disruption="low"), rest
    assert d.utility("u_institutions", {"us_corruption": "spreading"}) < 0


def test_retaliation_on_us_soil_destabilizes_border_communities(d):
    """Livermore (2025): "It could, for example, bring a surge of violence to US soil, destabilize
    border communities, and strain domestic resources."
    """
    for rest in other_parents(d, "border_stability", "retaliation_us"):
        p = [prob(d, "border_stability", "destabilized", **rest, retaliation_us=r)
             for r in ("none", "isolated", "campaign")]
        assert p[0] < p[1] < p[2], rest


def test_us_influence_follows_the_weakening_of_the_cartels(d):
    """Livermore (2025): "Successfully doing so would also increase US influence in Mexico and the
    region, incentivizing mutually beneficial economic endeavors ." "Doing so" is weakening the
    cartels' influence: influence follows disruption, not the programmes themselves."""
    assert "development" not in d.node("us_influence").parents
    for rest in other_parents(d, "us_influence", "cartel_disruption"):
        assert prob(d, "us_influence", "increased", **rest, cartel_disruption="high") > \
            prob(d, "us_influence", "increased", **rest, cartel_disruption="low"), rest


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
