"""Priors and evidence of the bundled model models/cartel_intervention.yaml.

Every uncertain number of the model is a parameter (named, or of a structured table) with a
prior centred on its point value. Every effect keeps its direction in every prior draw: a
log-linear effect is one ratio whose prior stays on its side of 1, a noisy-OR / noisy-MAX link
is a probability that can only add. Phrase priors use a verbal likelihood that their own source
states. The evidence file counts rows the decisions use, gives every entry a source, a
power-prior weight in (0, 1] and a reason that says how the weight handles the selection of
notable episodes; and the posterior it gives changes an expected utility the decisions depend
on.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
import yaml

import influence
from influence.bayes.draws import sample_prior_parameters
from influence.model.distributions import UniformPrior
from influence.model.parameter_priors import ProbabilityPrior, RatioPrior

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "cartel_intervention.yaml"
EVIDENCE = ROOT / "models" / "evidence" / "cartel_operations.yaml"

#: ICD 203 (2015) expressions and their ranges, as listed in the project's evidence sheet (§1).
ICD_203 = {
    "almost no chance": (0.01, 0.05),
    "very unlikely": (0.05, 0.20),
    "unlikely": (0.20, 0.45),
    "roughly even chance": (0.45, 0.55),
    "likely": (0.55, 0.80),
    "very likely": (0.80, 0.95),
    "almost certain": (0.95, 0.99),
}

#: A phrase prior is fitted with its mean at the midpoint of the phrase's range, up to 0.025
#: from the value the source gives ("very likely" 0.875 against 0.85, "likely" 0.675 against
#: 0.70, "very unlikely" 0.125 against 0.12).
PHRASE_TOLERANCE = 0.03
#: Other probability priors have the point value as their mean.
PROBABILITY_TOLERANCE = 0.01
#: A ratio prior's median is the geometric midpoint of its interval, within 6% of the value.
RATIO_TOLERANCE = 0.06
#: Draws for the tests of direction.
DRAWS = 4000


@pytest.fixture(scope="module")
def raw() -> dict:
    return yaml.safe_load(MODEL.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def d() -> influence.Diagram:
    return influence.load(str(MODEL))


@pytest.fixture(scope="module")
def draws(d: influence.Diagram) -> dict[str, np.ndarray]:
    return sample_prior_parameters(d, DRAWS, seed=11)


def _priors(raw: dict):
    """(where, the spec of a number with a prior, its source) for every number of every
    structured table of the model file, and every named parameter."""
    for name, spec in raw["parameters"].items():
        yield f"parameter {name}", spec, spec.get("source", "")
    for name, node in raw["nodes"].items():
        for form, body in (node.get("table") or {}).items():
            if form == "deterministic":
                continue
            numbers = []
            for key in ("leak", "base"):
                value = body.get(key)
                if isinstance(value, dict) and "value" not in value:
                    numbers += [(f"{name} {key} {k}", v, "") for k, v in value.items()]
                else:
                    numbers.append((f"{name} {key}", value, ""))
            for entry in (body.get("links") or []) + (body.get("effects") or []):
                value = entry.get("p", entry.get("ratio"))
                if isinstance(value, dict) and "value" not in value:
                    numbers += [(f"{name} {entry['given']} {k}", v, entry.get("source", ""))
                                for k, v in value.items()]
                else:
                    numbers.append((f"{name} {entry['given']}", value, entry.get("source", "")))
            for where, value, source in numbers:
                if isinstance(value, dict):
                    yield where, value, value.get("source") or source


# -- the priors ---------------------------------------------------------------------------------


def test_the_model_has_priors_of_every_kind(d: influence.Diagram) -> None:
    kinds = {type(p.prior).__name__ for p in d.parameters if p.prior is not None}
    assert {"ProbabilityPrior", "RatioPrior", "UniformPrior"} <= kinds
    specs = {next(iter(p.prior.spec)) for p in d.parameters if p.prior is not None}
    assert {"phrase", "interval", "beta", "uniform"} <= specs


def test_every_phrase_prior_is_an_icd_203_phrase_its_source_cites(raw: dict) -> None:
    found = 0
    for where, spec, source in _priors(raw):
        prior = spec.get("prior") or {}
        if "phrase" not in prior:
            continue
        found += 1
        phrase = prior["phrase"]
        assert phrase in ICD_203, f"{where}: {phrase!r} is not an ICD 203 phrase"
        quotes = re.findall(r'Livermore \(2025\): "([^"]+)"', source)
        cited = " ".join([source.split("; prior:")[0], *quotes])
        assert re.search(r"(?<!very )\b" + re.escape(phrase) + r"\b", cited,
                         flags=re.IGNORECASE) or (
            phrase == "very likely" and "highly likely" in cited), (where, phrase)
    assert found >= 5


def test_highly_likely_is_about_any_retaliation_against_any_us_attack(d: influence.Diagram
                                                                      ) -> None:
    """The article's "highly likely to retaliate" (read as very likely) is the prior of the
    step to any retaliation in Mexico under strikes at invitation and unilateral strikes alike,
    not of a severe campaign under unilateral strikes only."""
    for strikes in ("invited", "unilateral"):
        p = d.parameter(f"retaliation_mexico[us_strikes={strikes}]:limited")
        assert isinstance(p.prior, ProbabilityPrior)
        assert p.prior.elicited.phrase == "very likely" and p.prior.elicited.mass == 0.9
        severe = d.parameter(f"retaliation_mexico[us_strikes={strikes}]:severe")
        assert severe.prior.elicited is None


def test_every_prior_is_centred_on_its_point_value(d: influence.Diagram) -> None:
    checked = 0
    for p in d.parameters:
        if p.prior is None:
            continue
        checked += 1
        prior = p.prior
        if isinstance(prior, RatioPrior):
            assert abs(math.log(prior.median() / p.value)) <= RATIO_TOLERANCE, p.name
        elif isinstance(prior, ProbabilityPrior):
            tol = PHRASE_TOLERANCE if prior.elicited and prior.elicited.phrase else \
                PROBABILITY_TOLERANCE
            assert abs(prior.mean() - p.value) <= tol, (p.name, prior.mean(), p.value)
        else:
            assert prior.mean() == pytest.approx(p.value, rel=1e-9), p.name
    assert checked >= 80


def test_every_number_but_definitions_and_reference_weights_has_a_prior(d: influence.Diagram
                                                                        ) -> None:
    """Numbers without a prior are the base weights of a log-linear table of three states that
    the others are measured against (each row is divided by its sum)."""
    for p in d.parameters:
        if p.prior is not None:
            continue
        node = d.node(p.node) if p.node else None
        assert node is not None and node.structure.form == "log_linear", p.name
        assert len(node.states) == 3 and ".base:" in p.name, p.name


def _index(d: influence.Diagram, node: influence.Node, row: dict[str, str]) -> tuple:
    return tuple(d.node(q).states.index(row[q]) for q in node.parents)


def test_every_effect_keeps_its_direction_in_every_draw(d: influence.Diagram,
                                                        draws: dict[str, np.ndarray]) -> None:
    """Each effect is one parameter whose prior stays on its side of 'no effect': every draw of
    a ratio is on the side of 1 its value is on, every draw of a link or leak in (0, 1). And in
    the tables computed from every draw, each log-linear effect moves the odds of its states the
    way its value does, in every row: compared with the same row with its parent in a state no
    effect names."""
    for p in d.parameters:
        if p.prior is None:
            continue
        x = draws[f"param[{p.name}]"]
        if p.domain == "ratio":
            assert np.all(x < 1) if p.value < 1 else np.all(x > 1), p.name
        elif p.domain == "probability":
            assert np.all((x >= 0) & (x <= 1)), p.name
        if isinstance(p.prior, UniformPrior) and p.prior.low >= 0:
            assert np.all(x >= 0), p.name  # magnitudes and costs stay positive
    checked = 0
    for node in d.chance_nodes:
        s = node.structure
        if s is None or s.form != "log_linear":
            continue
        for effect in s.effects:
            if len(effect.given) != 1:
                continue
            ((q, v),) = effect.given
            named = {w for e in s.effects for r, w in e.given if r == q}
            reference = next((w for w in d.node(q).states if w not in named), None)
            if reference is None:
                continue
            direction = np.sign(d.parameter(effect.ratio).value - 1)
            positions = [node.states.index(t) for t in effect.states]
            for row in d.parent_configurations(node.name):
                if row[q] != v:
                    continue
                other = {**row, q: reference}
                differing = [e for e in s.effects
                             if all(row[r] == w for r, w in e.given)
                             != all(other[r] == w for r, w in e.given)]
                if any(e.states != effect.states or np.sign(d.parameter(e.ratio).value - 1)
                       != direction for e in differing):
                    continue
                on = draws[node.name][(slice(None), *_index(d, node, row))][:, positions]
                off = draws[node.name][(slice(None), *_index(d, node, other))][:, positions]
                odds_on = on.sum(axis=1) / (1 - on.sum(axis=1))
                odds_off = off.sum(axis=1) / (1 - off.sum(axis=1))
                assert np.all(np.sign(odds_on - odds_off) == direction), (node.name, row)
                checked += 1
    assert checked > 100


def test_prior_draws_are_valid_tables(d: influence.Diagram,
                                      draws: dict[str, np.ndarray]) -> None:
    for node in d.nodes:
        if node.table is None:
            continue
        x = draws[node.name]
        assert np.all(np.isfinite(x)), node.name
        if node.kind == "chance":
            assert np.all(x >= 0) and np.allclose(x.sum(axis=-1), 1), node.name


# -- the evidence file ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def evidence_raw() -> dict:
    return yaml.safe_load(EVIDENCE.read_text(encoding="utf-8"))


def test_evidence_file_loads_against_the_model(d: influence.Diagram, evidence_raw: dict) -> None:
    """Each entry becomes the counts of the row it names, in state order, with its weight;
    every row counted is computed from parameters with priors, which the counts update."""
    from influence.bayes.evidence import load_evidence

    evidence = load_evidence(EVIDENCE, d)
    assert (evidence.model, evidence.fingerprint) == (d.name, d.fingerprint)
    entries = evidence_raw["observations"]
    assert len(evidence.counts) == len(entries)
    for obs, entry in zip(evidence.counts, entries, strict=True):
        states = d.node(entry["node"]).states
        assert (obs.node, dict(obs.given)) == (entry["node"], entry["given"])
        assert obs.counts == tuple(entry["counts"].get(state, 0) for state in states)
        assert obs.weight == entry["weight"]
        assert obs.parameters, entry["node"]


def test_the_evidence_counts_rows_under_strikes(evidence_raw: dict) -> None:
    """Escalation and retaliation under strikes: the rows the military decision turns on."""
    counted = {e["node"]: e["given"] for e in evidence_raw["observations"]}
    assert counted["retaliation_mexico"]["us_strikes"] == "invited"
    assert counted["violence_mexico"]["us_strikes"] == "invited"


def test_every_evidence_entry_has_source_weight_and_reason(evidence_raw: dict) -> None:
    assert evidence_raw["model"] == "cartel-intervention"
    for i, entry in enumerate(evidence_raw["observations"]):
        where = f"entry {i + 1} ({entry.get('node')})"
        assert isinstance(entry.get("source"), str) and "FACTS.md" in entry["source"], where
        weight = entry.get("weight")
        assert isinstance(weight, int | float) and 0 < weight <= 1, where
        reason = entry.get("reason")
        assert isinstance(reason, str) and len(reason.split()) >= 20, where
        assert "selection" in reason, f"{where}: reason does not say how it weighs selection"


def test_evidence_does_not_count_an_episode_twice_for_the_same_node(evidence_raw: dict) -> None:
    by_node: dict[str, float] = {}
    for entry in evidence_raw["observations"]:
        by_node[entry["node"]] = by_node.get(entry["node"], 0.0) + float(entry["weight"])
    assert all(total <= 1.0 for total in by_node.values())


def _strike_when_invited(d: influence.Diagram, plan: influence.Plan
                         ) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    """The optimal strategy at the point values, and the same strategy with military action
    at Mexico's invitation wherever Mexico invites (the choice the military decision weighs
    there)."""
    optimal = tuple(np.asarray(c)[0] for c in plan.expected_utilities().choices)
    k = [x.name for x in d.decisions].index("military_action")
    axis = plan.past(k).index("mexico_response")
    military = optimal[k].copy()
    invites = [slice(None)] * military.ndim
    invites[axis] = d.node("mexico_response").states.index("invites")
    assert np.all(military[tuple(invites)] == 0)  # the optimal rule: no strikes
    military[tuple(invites)] = d.node("military_action").states.index("at_invitation")
    return optimal, optimal[:k] + (military,) + optimal[k + 1:]


@pytest.mark.slow
def test_the_posterior_changes_an_expected_utility_the_decisions_use(d: influence.Diagram
                                                                      ) -> None:
    """Fitted to the bundled evidence (NUTS through the tables), the posterior changes what the
    military decision weighs where Mexico invites: the expected utility of strikes at Mexico's
    invitation against none (the rest of the optimal strategy kept), computed in every draw
    with the tables of the nodes the evidence reaches drawn and the others at their point
    values. The change of its mean from the prior to the posterior exceeds four standard
    errors (batch means of the NUTS draws, iid prior draws)."""
    posterior = influence.fit(d, EVIDENCE, seed=1, draws=1000, chains=4, progressbar=False)
    assert posterior.method == "nuts"
    assert not posterior.diagnostics["warnings"], posterior.diagnostics["warnings"]
    moved = {row["name"] for row in posterior.summary()}
    assert "param[retaliation_mexico[us_strikes=invited]:severe]" in moved
    assert "param[violence_mexico[us_strikes=invited]]" in moved
    nodes = ("retaliation_mexico", "violence_mexico", "mexico_capitulation")
    plan = influence.plan(d)
    optimal, strike = _strike_when_invited(d, plan)

    def gain(batch: dict[str, np.ndarray]) -> np.ndarray:
        tables = {n: batch[n] for n in nodes}
        return plan.strategy_values(strike, tables) - plan.strategy_values(optimal, tables)

    before = gain(sample_prior_parameters(d, 20000, seed=1))
    after = gain(posterior.parameters(d))
    prior_se = float(before.std(ddof=1) / math.sqrt(before.size))
    batches = [b.mean() for b in np.array_split(after, 20)]
    post_se = float(np.std(batches, ddof=1) / math.sqrt(len(batches)))
    change = float(after.mean() - before.mean())
    assert abs(change) > 4 * math.hypot(prior_se, post_se), (
        before.mean(), prior_se, after.mean(), post_se)
