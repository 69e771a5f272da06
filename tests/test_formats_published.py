"""Files written by other tools (tests/data/formats, sources in its README) give their published
answers: the MEU pyAgrum computes on the same file, or the value the source states."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

import influence
from influence.errors import FormatWarning, ModelError

DATA = Path(__file__).parent / "data" / "formats"


def read(name: str, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", FormatWarning)
        diagram = influence.load(DATA / name, **kwargs)
    return diagram, [str(w.message) for w in caught if w.category is FormatWarning]


def meu(diagram) -> float:
    return influence.evaluate(diagram).maximum_expected_utility


@pytest.mark.parametrize("name", ["umbrella.net", "umbrella.xdsl", "umbrella.dne"])
def test_umbrella_in_three_formats_gives_the_published_77(name):
    # Shachter (1986): with the forecast the optimal policy is worth 77; without it 70.
    diagram, caught = read(name)
    assert caught == []
    assert meu(diagram) == pytest.approx(77.0, abs=1e-12)
    assert diagram.node("Umbrella").parents == ("Forecast",)
    assert diagram.node("Umbrella").label == "Take umbrella?"
    assert diagram.probabilities("Forecast", {"Weather": "rainy"}) == pytest.approx(
        {"sunny": 0.15, "cloudy": 0.25, "rainy": 0.6})
    assert diagram.utility("U", {"Weather": "rainy", "Umbrella": "take"}) == 70.0


def _pyagrum_meu(path: Path) -> float:
    gum = pytest.importorskip("pyagrum")
    model = gum.loadID(str(path))
    inference = gum.ShaferShenoyLIMIDInference(model)
    inference.addNoForgettingAssumption([model.variable(i).name()
                                         for i in model.decisionOrder()])
    inference.makeInference()
    return inference.MEU()["mean"]


def test_pyagrum_decasia_gives_pyagrums_meu():
    diagram, caught = read("DecAsia.bifxml")
    assert caught == []
    assert [d.name for d in diagram.decisions] == ["H", "Ta"]
    assert diagram.node("Ta").parents == ("H",)
    assert diagram.node("S").label == "Smoking?"
    assert meu(diagram) == pytest.approx(_pyagrum_meu(DATA / "DecAsia.bifxml"), rel=1e-9)


def test_pyagrum_oil_wildcatter_renormalises_its_rounded_rows():
    # Three rows of the file are 0.333333 x 3 (sum 0.999999): read as 1/3 each, with one
    # warning. pyAgrum uses them as written, so the MEUs differ by about 1e-6 of the values.
    diagram, caught = read("OilWildcatter.xml")
    assert len(caught) == 1 and "renormalised 3 probability row(s)" in caught[0]
    assert "0.999999" in caught[0]
    row = diagram.probabilities("TestResult", {"Testing": "No", "OilContents": "Dry"})
    assert list(row.values()) == [1 / 3] * 3
    assert meu(diagram) == pytest.approx(_pyagrum_meu(DATA / "OilWildcatter.xml"), abs=1e-4)
    with pytest.raises(ModelError, match="0.999999"):
        influence.load(DATA / "OilWildcatter.xml", strict=True)


def test_genie_pinball_reads_the_genie_file():
    diagram, caught = read("Pinball.xdsl")
    assert caught == []
    assert [d.name for d in diagram.decisions] == ["BusinessDecision", "Location", "Setting"]
    assert diagram.title == "Pinball influence diagram"
    assert diagram.node("RentalRate").label == "Rental  Rate"
    utility = diagram.node("TotalRevenue")
    assert utility.table.shape == (3, 2, 2, 3, 2, 3)
    # The last parent varies fastest: the third value of the file is RevenueLevel=Low.
    assert diagram.utility("TotalRevenue", {
        "BusinessDecision": "Vending", "RentalRate": "HighRent", "Location": "Bar",
        "Setting": "High", "Fun": "Fun", "RevenueLevel": "Low"}) == 79.8
    # The same file through pyAgrum's own format: written by influence, solved by pyAgrum.
    gum = pytest.importorskip("pyagrum")
    from influence.io.pyagrum_bridge import decision_order, to_pyagrum

    inference = gum.ShaferShenoyLIMIDInference(to_pyagrum(diagram))
    inference.addNoForgettingAssumption(decision_order(diagram))
    inference.makeInference()
    assert meu(diagram) == pytest.approx(inference.MEU()["mean"], rel=1e-12)


def test_genie_mau_node_becomes_weights():
    diagram, _ = read("grazing_reference_id.xdsl")
    assert "TotalUtility" not in diagram
    assert [u.weight for u in diagram.utilities] == [1.0, 1.0]
    assert diagram.node("GrazingManagement").description.startswith("Information arcs")


def test_bif_asia_matches_pyagrums_reading():
    gum = pytest.importorskip("pyagrum")
    diagram, caught = read("asia.bif")
    assert any("Bayesian network" in c for c in caught)
    assert any("not influence ids" in c for c in caught)  # names ending in '?'
    bn = gum.loadBN(str(DATA / "asia.bif"))
    for node in diagram.chance_nodes:
        original = node.label or node.name
        cpt = bn.cpt(original)
        parents = [diagram.node(p).label or p for p in node.parents]
        for given in diagram.parent_configurations(node.name):
            where = {diagram.node(p).label or p: s for p, s in given.items()}
            theirs = np.ravel(cpt[where]) if parents else np.ravel(cpt.toarray())
            ours = list(diagram.probabilities(node.name, given).values())
            # pyAgrum's BIF parser keeps single precision (0.01 -> 0.0099999998).
            assert ours == pytest.approx(theirs, abs=1e-7)
