"""Refit the elicitation fits shipped in ``influence/data/elicitation_fits.json``.

Run after changing the ICD 203 table, the fitting method or a bundled model's elicited priors::

    python scripts/refresh_elicitation_fits.py

Every fit is made with PyMC's ``find_constrained_prior`` (as an uncached load would) and checked
to put the requested mass in range before it is written.
"""

from __future__ import annotations

import json
from pathlib import Path

import influence
from influence.model import bundled
from influence.model.elicit import build_packaged_fits, packaged_fit_requests

TARGET = Path(__file__).resolve().parents[1] / "influence" / "data" / "elicitation_fits.json"


def main() -> None:
    models = [influence.load(name) for name in bundled.names()]
    requests = packaged_fit_requests(models)
    doc = build_packaged_fits(requests)
    tmp = TARGET.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(TARGET)
    print(f"wrote {len(doc['fits'])} of {len(requests)} requested fits to {TARGET}")


if __name__ == "__main__":
    main()
