"""Priors and evidence of the bundled model models/cartel_intervention.yaml.

The priors must describe the uncertainty of the reviewed point model without changing it: each
prior sits beside its row's point value, with a mean close to it, and each phrase prior uses a
verbal likelihood that the row's own source states. The evidence file must load against the model
and give every entry a source, a power-prior weight in (0, 1] and the reason for that weight.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import numpy as np
import pytest
import yaml

import influence

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

#: How far a prior's mean may lie from its row's point value.
#: Explicit priors (mean/strength, the centred interval, normals and uniforms) have the point
#: value as their mean. Phrase priors are fitted with their mean at the midpoint of the phrase's
#: ICD 203 range, which lies up to 0.025 from the row's value: "very likely" 0.875 against 0.85,
#: "likely" 0.675 against 0.70, "almost no chance" 0.03 against 0.05, "unlikely" 0.325 against
#: 0.35 and 0.30, "very unlikely" 0.125 against 0.12.
PROBABILITY_TOLERANCE = 0.01
PHRASE_TOLERANCE = 0.03
UTILITY_TOLERANCE = 0.01  # relative

#: Rows whose prior mean may lie further from the point value, with the reason (none so far).
MEAN_EXCEPTIONS: dict[tuple[str, tuple[str, ...]], str] = {}

#: Rows that carry no prior on purpose: definitions, combinations that cannot occur, zero points.
NO_PRIOR_NODES = {
    "us_strikes": "definition (deterministic bookkeeping node)",
}
#: The attribute "programme costs": one utility node per programme, so that each programme's
#: cost has one prior, the same whatever else is decided.
PROGRAMME_COSTS = ("cost_partnership", "cost_preparedness", "cost_strikes",
                   "cost_demand_reduction", "cost_development")
IMPOSSIBLE_ROWS = {
    ("mexico_cooperation", ("opposes", "invited")),
    ("mexico_cooperation", ("cooperates", "invited")),
}


@pytest.fixture(scope="module")
def raw() -> dict:
    return yaml.safe_load(MODEL.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def d() -> influence.Diagram:
    return influence.load(str(MODEL))


def _rows(raw: dict):
    """(node name, node spec, row) for every cpt and values row of the model file."""
    for name, node in raw["nodes"].items():
        for row in (node.get("cpt") or []) + (node.get("values") or []):
            yield name, node, row


def _strip_priors(data):
    if isinstance(data, dict):
        return {k: _strip_priors(v) for k, v in data.items() if k != "prior"}
    if isinstance(data, list):
        return [_strip_priors(v) for v in data]
    return data


def _key(d: influence.Diagram, name: str, given: dict) -> tuple[str, ...]:
    return tuple(given[p] for p in d.node(name).parents)


def _cites(source: str, phrase: str) -> bool:
    """Whether ``source`` uses ``phrase`` itself (not only inside 'very likely' or 'unlikely')."""
    pattern = r"(?<!very )\b" + re.escape(phrase) + r"\b"
    return re.search(pattern, source, flags=re.IGNORECASE) is not None


# -- the priors ---------------------------------------------------------------------------------


def test_the_model_has_priors_of_every_kind(raw: dict) -> None:
    kinds = {next(iter(k for k in row["prior"] if k in
                       ("phrase", "interval", "mean", "uniform", "normal", "beta", "dirichlet")))
             for _, _, row in _rows(raw) if "prior" in row}
    assert {"phrase", "interval", "mean", "uniform"} <= kinds


def test_every_phrase_prior_is_an_icd_203_phrase_its_source_cites(raw: dict) -> None:
    found = 0
    for name, node, row in _rows(raw):
        prior = row.get("prior") or {}
        if "phrase" not in prior:
            continue
        found += 1
        phrase = prior["phrase"]
        assert phrase in ICD_203, f"{name} {row['given']}: {phrase!r} is not an ICD 203 phrase"
        assert prior.get("state") in node["states"], f"{name} {row['given']}: no valid state"
        # The phrase must be in the row's source as reviewed (before the prior's own note) or
        # in a sentence of the article quoted in the source.
        quotes = re.findall(r'Livermore \(2025\): "([^"]+)"', row["source"])
        cited = " ".join([row["source"].split("; prior:")[0], *quotes])
        assert _cites(cited, phrase), f"{name} {row['given']}: source does not cite {phrase!r}"
    assert found >= 5


def test_article_phrases_are_used_where_the_article_states_a_likelihood(raw: dict) -> None:
    """'highly likely to retaliate' (read as very likely) and 'would likely adopt terrorist
    tactics' (any retaliation likely, so none unlikely) are phrase priors of their rows."""
    rows = {(n, tuple(sorted(r["given"].items()))): r for n, _, r in _rows(raw)}
    unilateral = rows[("retaliation_mexico", (("mexico_cooperation", "low"),
                                              ("us_strikes", "unilateral")))]
    assert unilateral["prior"] == {"phrase": "very likely", "state": "severe"}
    terror = rows[("retaliation_us", (("preparedness", "no"), ("us_strikes", "unilateral")))]
    assert terror["prior"] == {"phrase": "unlikely", "state": "none"}


def test_every_prior_keeps_its_point_value_and_a_source(raw: dict) -> None:
    for name, _, row in _rows(raw):
        if "prior" in row:
            assert "p" in row or "value" in row, f"{name} {row['given']}: prior without point"
            assert "; prior: " in row["source"], f"{name} {row['given']}: prior not justified"


def test_prior_means_are_close_to_the_point_values(d: influence.Diagram, raw: dict) -> None:
    checked = 0
    for name, _, row in _rows(raw):
        if "prior" not in row:
            continue
        node = d.node(name)
        key = _key(d, name, row["given"])
        prior = node.priors[key]
        point = np.asarray(row["p"] if "p" in row else row["value"], dtype=float)
        mean = np.asarray(prior.mean(), dtype=float)
        where = f"{name} {row['given']}: prior mean {mean} against point {point}"
        if (name, key) in MEAN_EXCEPTIONS:
            continue
        if node.kind == "utility":
            assert abs(float(mean) - float(point)) <= UTILITY_TOLERANCE * abs(float(point)), where
        else:
            tol = PHRASE_TOLERANCE if "phrase" in row["prior"] else PROBABILITY_TOLERANCE
            assert mean.shape == point.shape, where
            assert np.max(np.abs(mean - point)) <= tol, where
        checked += 1
    assert checked >= 100


def test_every_uncertain_row_has_a_prior(d: influence.Diagram) -> None:
    """Rows without a prior are definitions, impossible combinations or zero points only."""
    for node in d.nodes:
        if node.kind == "decision" or node.name in NO_PRIOR_NODES:
            continue
        for given in d.parent_configurations(node.name):
            key = _key(d, node.name, given)
            if key in node.priors or (node.name, key) in IMPOSSIBLE_ROWS:
                continue
            assert node.kind == "utility" and d.utility(node.name, given) == 0, (
                f"{node.name} {given}: uncertain row without a prior")


def test_each_programme_cost_has_an_honestly_wide_prior(d: influence.Diagram) -> None:
    """Every non-zero programme cost has a Normal prior centred on it, wide (90% at least
    within 0.5-1.5 times the cost) and rarely of the wrong sign (at most 2% of draws make the
    programme cost nothing or less)."""
    from scipy.stats import norm

    checked = 0
    for name in PROGRAMME_COSTS:
        node = d.node(name)
        assert len(node.parents) == 1, name
        for given in d.parent_configurations(name):
            point = d.utility(name, given)
            key = _key(d, name, given)
            if point == 0:
                assert key not in node.priors, (name, given)
                continue
            prior = node.priors[key]
            assert prior.kind == "normal", (name, given)
            low, high = prior.interval(0.9)
            assert low <= 1.5 * point and high >= 0.5 * point, (name, given, low, high)
            assert prior.mean() == pytest.approx(point)
            assert norm.sf(0, loc=prior.mu, scale=prior.sigma) <= 0.02, (name, given)
            checked += 1
    assert checked == 6


def test_rows_left_without_a_prior_have_none(d: influence.Diagram) -> None:
    for name in NO_PRIOR_NODES:
        assert not d.node(name).priors, name
    for name, key in IMPOSSIBLE_ROWS:
        assert key not in d.node(name).priors, (name, key)


# -- the point model is unchanged -----------------------------------------------------------------


def test_priors_leave_the_point_model_unchanged(d: influence.Diagram, raw: dict) -> None:
    bare = influence.diagram_from_dict(_strip_priors(copy.deepcopy(raw)), file=str(MODEL))
    assert not any(n.priors for n in bare.nodes)
    for node, other in zip(d.nodes, bare.nodes, strict=True):
        assert node.name == other.name
        if node.table is not None:
            assert np.array_equal(node.table, other.table), node.name
    with_priors, without = influence.evaluate(d), influence.evaluate(bare)
    assert with_priors.maximum_expected_utility == without.maximum_expected_utility
    assert ([(p.id, p.expected_utility) for p in with_priors.policies]
            == [(p.id, p.expected_utility) for p in without.policies])
    mine, theirs = with_priors.to_dict(), without.to_dict()
    for field in ("optimal_strategy", "alternatives", "policies", "ranking"):
        assert mine[field] == theirs[field], field


def test_bundled_name_loads_the_model_with_priors() -> None:
    bundled = influence.load("cartel-intervention")
    assert any(n.priors for n in bundled.nodes)
    assert influence.evaluate(bundled).maximum_expected_utility == pytest.approx(
        influence.evaluate(influence.load(str(MODEL))).maximum_expected_utility, abs=0)


# -- the evidence file ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def evidence_raw() -> dict:
    return yaml.safe_load(EVIDENCE.read_text(encoding="utf-8"))


def test_evidence_file_loads_against_the_model(d: influence.Diagram,
                                               evidence_raw: dict) -> None:
    """Each entry of the file becomes the counts of the row it names, in state order, with its
    weight, on the slot of that row's prior."""
    from influence.bayes.draws import uncertain_slots
    from influence.bayes.evidence import load_evidence

    evidence = load_evidence(EVIDENCE, d)
    assert (evidence.model, evidence.fingerprint) == (d.name, d.fingerprint)
    assert evidence.cases == () and evidence.inputs == (str(EVIDENCE),)
    slots = {s.name: s for s in uncertain_slots(d)}
    entries = evidence_raw["observations"]
    assert [obs.entry for obs in evidence.counts] == list(range(1, len(entries) + 1))
    for obs, entry in zip(evidence.counts, entries, strict=True):
        states = d.node(entry["node"]).states
        given = entry.get("given") or {}
        assert (obs.node, dict(obs.given)) == (entry["node"], given)
        assert obs.counts == tuple(entry["counts"].get(state, 0) for state in states)
        assert obs.weight == entry["weight"]
        slot = slots[obs.slot]
        assert (slot.node, slot.key) == (entry["node"], _key(d, entry["node"], given))


def test_every_evidence_entry_has_source_weight_and_reason(evidence_raw: dict) -> None:
    assert evidence_raw["model"] == "cartel-intervention"
    entries = evidence_raw["observations"]
    assert entries
    for i, entry in enumerate(entries):
        where = f"entry {i + 1} ({entry.get('node')})"
        assert isinstance(entry.get("source"), str) and "FACTS.md" in entry["source"], where
        weight = entry.get("weight")
        assert isinstance(weight, int | float) and 0 < weight <= 1, where
        reason = entry.get("reason")
        assert isinstance(reason, str) and len(reason.split()) >= 20, where
        # The table is selected for notable episodes: the reason must say how that is weighed.
        if "§5" in entry["source"]:
            assert "select" in reason, f"{where}: reason does not address the selection effect"


def test_evidence_rows_have_beta_or_dirichlet_priors(d: influence.Diagram,
                                                     evidence_raw: dict) -> None:
    for entry in evidence_raw["observations"]:
        node = d.node(entry["node"])
        key = _key(d, entry["node"], entry.get("given") or {})
        assert key in node.priors, f"{entry['node']} {entry.get('given')}: no prior to update"
        assert node.priors[key].kind in ("beta", "dirichlet")
        assert set(entry["counts"]) <= set(node.states)
        assert all(isinstance(c, int) and c >= 0 for c in entry["counts"].values())


def test_evidence_does_not_count_an_episode_more_than_once(evidence_raw: dict) -> None:
    """Entries built from the same episodes share one unit of weight between them."""
    by_source: dict[str, float] = {}
    for entry in evidence_raw["observations"]:
        rows = re.search(r"§5 rows ([0-9, and-]+)", entry["source"])
        if rows:
            episodes = rows.group(1).strip(" ,")
            by_source[episodes] = by_source.get(episodes, 0.0) + float(entry["weight"])
    assert by_source and all(total <= 1.0 for total in by_source.values())


def test_prior_draws_are_valid_parameters(d: influence.Diagram) -> None:
    from influence.bayes.draws import sample_prior_parameters

    params = sample_prior_parameters(d, 200, seed=3)
    for node in d.nodes:
        if node.table is None:
            continue
        draws = params[node.name]
        assert np.all(np.isfinite(draws)), node.name
        if node.kind == "chance":
            assert np.all(draws >= 0) and np.allclose(draws.sum(axis=-1), 1), node.name
