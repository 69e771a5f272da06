"""The documentation's examples run and give the numbers the documentation states."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import influence

ROOT = Path(__file__).resolve().parents[1]


def _yaml_blocks(path: Path) -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)


def test_model_format_example_is_the_oil_wildcatter():
    block = _yaml_blocks(ROOT / "docs" / "model-format.md")[0]
    diagram = influence.loads(block, file="model-format.md")
    result = influence.evaluate(diagram)
    assert result.maximum_expected_utility == pytest.approx(22.5)
    assert result.alternatives["test"] == pytest.approx({"no": 20.0, "yes": 22.5})
    # `test-and-follow` leaves result=open uncovered: it is played optimally (drill).
    assert result.policy("test-and-follow").expected_utility == pytest.approx(22.5)
    assert result.policy("drill-blind").expected_utility == pytest.approx(20.0)


def test_model_format_example_matches_the_bundled_model():
    block = _yaml_blocks(ROOT / "docs" / "model-format.md")[0]
    documented = influence.loads(block)
    bundled = influence.load("oil-wildcatter")
    assert documented.fingerprint == bundled.fingerprint
