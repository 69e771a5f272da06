"""Round trips: every bundled model through every format and back keeps every number; pyAgrum
reads what influence writes (same MEU) and influence reads what pyAgrum writes."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

import influence
from influence.errors import FormatWarning, ModelError
from influence.io.formats import read, write
from influence.model import bundled

MODELS = bundled.names()
ID_FORMATS = ["net", "xdsl", "bifxml"]


def quiet_convert(*args, **kwargs) -> list[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FormatWarning)
        return influence.convert(*args, **kwargs)


def same_numbers(a: influence.Diagram, b: influence.Diagram) -> None:
    assert a.names == b.names
    for node in a.nodes:
        other = b.node(node.name)
        assert (node.kind, node.states, node.parents) == (other.kind, other.states,
                                                          other.parents)
        assert node.weight == other.weight
        if node.table is not None:
            assert np.max(np.abs(node.table - other.table), initial=0.0) <= 1e-12


@pytest.mark.parametrize("fmt", ID_FORMATS)
@pytest.mark.parametrize("model", MODELS)
def test_yaml_to_format_to_yaml_keeps_every_number(model, fmt, tmp_path):
    original = influence.load(model)
    quiet_convert(model, tmp_path / f"m.{fmt}")
    quiet_convert(tmp_path / f"m.{fmt}", tmp_path / "back.yaml")
    back = influence.load(tmp_path / "back.yaml")
    same_numbers(original, back)
    for node in original.nodes:  # text the format keeps in its properties
        other = back.node(node.name)
        assert (node.label, node.description, node.source, node.unit) == (
            other.label, other.description, other.source, other.unit)
    assert (back.title, back.units, back.sources) == (original.title, original.units,
                                                      original.sources)
    assert not any(n.priors for n in back.nodes)  # priors cannot be held: dropped
    assert back.policies == ()
    assert influence.evaluate(back).maximum_expected_utility == pytest.approx(
        influence.evaluate(original).maximum_expected_utility, rel=1e-12)


@pytest.mark.parametrize("model", MODELS)
def test_yaml_writer_keeps_everything(model, tmp_path):
    original = influence.load(model)
    assert quiet_convert(model, tmp_path / "copy.yaml") == []
    copy = influence.load(tmp_path / "copy.yaml")
    assert copy.fingerprint == original.fingerprint  # numbers, weights and priors
    assert copy.policies == original.policies
    for node in original.nodes:
        other = copy.node(node.name)
        assert dict(other.row_sources) == dict(node.row_sources)
        assert (other.label, other.description, other.source, other.unit) == (
            node.label, node.description, node.source, node.unit)
    assert (copy.title, copy.description, copy.sources, copy.units) == (
        original.title, original.description, original.sources, original.units)


def test_cartel_priors_are_reported_as_dropped_in_one_line(tmp_path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", FormatWarning)
        influence.convert("cartel-intervention", tmp_path / "cartel.net")
    lines = [str(w.message) for w in caught]
    assert len(lines) == 1
    assert "parameters (125)" in lines[0] and "policies (6)" in lines[0]
    assert "structured tables (29; written as the tables computed" in lines[0]
    assert len(influence.load("cartel-intervention").nodes) == 36


@pytest.mark.parametrize("model", MODELS)
def test_pyagrum_reads_what_influence_writes(model, tmp_path):
    gum = pytest.importorskip("pyagrum")
    diagram = influence.load(model)
    write(diagram, tmp_path / "m.bifxml")
    loaded = gum.loadID(str(tmp_path / "m.bifxml"))
    assert loaded.decisionOrderExists()
    inference = gum.ShaferShenoyLIMIDInference(loaded)
    inference.addNoForgettingAssumption([d.name for d in diagram.decisions])
    inference.makeInference()
    assert inference.MEU()["mean"] == pytest.approx(
        influence.evaluate(diagram).maximum_expected_utility, rel=1e-9)


@pytest.mark.parametrize("model", MODELS)
def test_influence_reads_what_pyagrum_writes(model, tmp_path):
    gum = pytest.importorskip("pyagrum")
    diagram = influence.load(model)
    gum.saveID(influence.to_pyagrum(diagram), str(tmp_path / "m.bifxml"))
    back, report = read(tmp_path / "m.bifxml")
    # pyAgrum writes six significant digits: the MEU agrees to that precision.
    assert influence.evaluate(back).maximum_expected_utility == pytest.approx(
        influence.evaluate(diagram).maximum_expected_utility, rel=1e-5)
    assert [d.name for d in back.decisions] == [d.name for d in diagram.decisions]


def test_from_pyagrum_of_to_pyagrum_gives_the_same_meu():
    pytest.importorskip("pyagrum")
    diagram = influence.load("oil-wildcatter")
    again = influence.from_pyagrum(influence.to_pyagrum(diagram), name="oil")
    assert influence.evaluate(again).maximum_expected_utility == pytest.approx(22.5, rel=1e-12)
    assert again.node("oil").label == "Amount of oil"


@pytest.mark.parametrize("fmt", ["bif", "xmlbif"])
def test_bayesian_network_formats_round_trip(fmt, tmp_path):
    from pathlib import Path

    source = Path(__file__).parent / "data" / "formats" / "asia.bif"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FormatWarning)
        first = influence.load(source)
        influence.convert(source, tmp_path / f"asia.{fmt}")
        second = influence.load(tmp_path / f"asia.{fmt}")
    assert len(second.utilities) == 1  # the placeholder, not written to the file
    assert "utility" not in (tmp_path / f"asia.{fmt}").read_text().lower().replace(
        "utilit", "")  # no utility variable in the file
    for node in first.chance_nodes:
        assert np.allclose(second.node(node.name).table, node.table, atol=1e-12, rtol=0)


def test_an_influence_diagram_is_refused_by_bif(tmp_path):
    with pytest.raises(ModelError, match="decision node 'test'"):
        write(influence.load("oil-wildcatter"), tmp_path / "oil.bif")
    assert not (tmp_path / "oil.bif").exists()


def test_weights_survive_other_formats_and_fold_into_values_for_other_tools(tmp_path):
    diagram = influence.load("cartel-intervention")
    weighted = [u for u in diagram.utilities if u.weight != 1.0]
    assert weighted
    write(diagram, tmp_path / "c.net")
    text = (tmp_path / "c.net").read_text()
    assert "influence_weight" in text
    u = weighted[0]
    back, _ = read(tmp_path / "c.net")
    assert back.node(u.name).weight == u.weight
    write(diagram, tmp_path / "c.xdsl")
    assert "<mau id=" in (tmp_path / "c.xdsl").read_text()


@pytest.mark.parametrize("suffix", ["net", "bifxml", "bif"])
def test_pyagrum_reads_the_networks_influence_writes(suffix, tmp_path):
    """pyAgrum's own readers of NET, BIFXML and BIF find the tables influence wrote (an
    independent check of each writer's table layout). Not XDSL: pyAgrum 3.3.1 reads an XDSL
    table with the first parent fastest, while GeNIe's own files list the last parent fastest
    (Pinball.xdsl, written by GeNIe: see test_genie_pinball_reads_the_genie_file)."""
    gum = pytest.importorskip("pyagrum")
    from pathlib import Path

    source = Path(__file__).parent / "data" / "formats" / "asia.bif"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FormatWarning)
        diagram = influence.load(source)
    write(diagram, tmp_path / f"asia.{suffix}")
    bn = gum.loadBN(str(tmp_path / f"asia.{suffix}"))
    assert bn.size() == len(diagram.chance_nodes)
    names = set(bn.names())

    def name(n: str) -> str:  # pyAgrum names a NET node by its label
        return n if n in names else diagram.node(n).label

    for node in diagram.chance_nodes:
        cpt = bn.cpt(name(node.name))
        # States by position: XDSL state ids are identifiers ('0' is written as '_0').
        for index in itertools.product(*(range(len(diagram.node(p).states))
                                         for p in node.parents)):
            where = {name(p): i for p, i in zip(node.parents, index, strict=True)}
            theirs = np.ravel(cpt[where]) if where else np.ravel(cpt.toarray())
            assert node.table[index] == pytest.approx(theirs, abs=1e-7)
