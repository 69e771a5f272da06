"""The JSON contract of ``influence evaluate`` on every bundled model, kept from before the
package was laid out by layer: the numbers and the structure must not change.

Floats are compared to 1e-9 relative (the same computation may round differently in the last
bits with another numpy or BLAS); everything else exactly. Fields added since (new results such
as the risk profile) may appear; none of the old ones may change or go.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from influence.cli.main import cli

GOLDEN = Path(__file__).parent / "data" / "golden"

CASES = [
    (["evaluate", "cartel-intervention", "--format", "json"], "cartel-intervention.json"),
    (["evaluate", "oil-wildcatter", "--format", "json"], "oil-wildcatter.json"),
    (["evaluate", "umbrella", "--format", "json"], "umbrella.json"),
    (["evaluate", "oil-wildcatter", "--given", "oil=wet", "--format", "json"],
     "oil-wildcatter.given-oil-wet.json"),
    (["evaluate", "cartel-intervention", "--format", "json", "--prior", "--draws", "4000",
      "--seed", "1"], "cartel-intervention.prior-4000-seed-1.json"),
]


def same(found: object, expected: object, where: str = "$") -> None:
    """Assert two parsed JSON documents are equal, floats to 1e-9 relative."""
    if isinstance(expected, float) and isinstance(found, int | float):
        assert math.isclose(found, expected, rel_tol=1e-9, abs_tol=1e-9), (where, found, expected)
    elif isinstance(expected, dict):
        assert isinstance(found, dict), where
        missing = [key for key in expected if key not in found]
        assert not missing, (where, missing)
        for key in expected:
            same(found[key], expected[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(found, list) and len(found) == len(expected), where
        for i, (f, e) in enumerate(zip(found, expected, strict=True)):
            same(f, e, f"{where}[{i}]")
    else:
        assert found == expected, (where, found, expected)


@pytest.mark.parametrize("args, name", CASES, ids=[name for _, name in CASES])
def test_evaluate_json_is_unchanged(args: list[str], name: str) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    same(json.loads(result.output), json.loads((GOLDEN / name).read_text()))


def test_the_comparison_sees_a_changed_number() -> None:
    expected = json.loads((GOLDEN / "oil-wildcatter.json").read_text())
    changed = json.loads((GOLDEN / "oil-wildcatter.json").read_text())
    changed["maximum_expected_utility"] *= 1 + 1e-6
    with pytest.raises(AssertionError):
        same(changed, expected)
