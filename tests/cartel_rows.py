"""The article model written with plain rows, for the tests of the exact fitting path.

The bundled cartel-intervention model defines its tables by parameters (structured tables), whose
evidence only NUTS can fit. The exact path's tests need a large model whose evidence is
conjugate: this is the same model with each structured table written out as its rows, each row
with a Dirichlet prior centred on it (strength 10), and the bundled evidence, which then counts
rows with priors of their own.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import yaml

import influence
from influence.io.formats.yaml_writer import model_document

ROOT = Path(__file__).resolve().parents[1]
EVIDENCE = ROOT / "models" / "evidence" / "cartel_operations.yaml"


def write_rows_model(directory: Path) -> tuple[Path, Path]:
    """Write the model and a copy of its evidence into ``directory``; their paths."""
    diagram = influence.load("cartel-intervention")
    doc = model_document(diagram)
    kept = {p.name for p in diagram.parameters if p.node is None}
    doc["parameters"] = {k: v for k, v in doc.get("parameters", {}).items() if k in kept}
    for node in diagram.chance_nodes:
        if node.structure is None:
            continue
        spec = doc["nodes"][node.name]
        del spec["table"]
        rows = []
        for given in diagram.parent_configurations(node.name):
            p = [float(x) for x in diagram.probabilities(node.name, given).values()]
            row = {"given": given, "p": p}
            if min(p) > 0:
                row["prior"] = {"mean": p, "strength": 10}
            rows.append(row)
        spec["cpt"] = rows
    model = directory / "cartel_rows.yaml"
    model.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    evidence = directory / "evidence.yaml"
    shutil.copyfile(EVIDENCE, evidence)
    assert np.isfinite(influence.evaluate(influence.load(model)).maximum_expected_utility)
    return model, evidence
