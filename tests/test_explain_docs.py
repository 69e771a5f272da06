"""The explain documentation shows what the command prints today.

Every ``console`` block of docs/explain.md and of the article model's card that runs
``influence explain`` is run again: a block without ``...`` must be the whole output; in one
with ``...`` (lines left out) its lines must appear in the output, in order. The Python example
must print its documented output, and the card's table of the optimal strategy against each
named policy must hold the numbers ``influence.explain`` computes.
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner
from doc_console import assert_in_order

import influence
from influence.cli.main import cli
from influence.io.text import format_number

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "explain.md"
CARD = ROOT / "models" / "cartel_intervention.md"


def _console_blocks(path: Path) -> list[tuple[str, list[str]]]:
    blocks = re.findall(r"```console\n\$ (influence explain[^\n]*)\n(.*?)```",
                        path.read_text(encoding="utf-8"), flags=re.S)
    return [(command, body.splitlines()) for command, body in blocks]


def test_the_pages_have_examples():
    assert len(_console_blocks(DOC)) >= 4 and len(_console_blocks(CARD)) >= 1


@pytest.mark.parametrize("command, shown", _console_blocks(DOC) + _console_blocks(CARD),
                         ids=lambda x: x if isinstance(x, str) else "")
def test_documented_output_is_what_the_command_prints(command, shown):
    result = CliRunner().invoke(cli, shlex.split(command)[1:])
    assert result.exit_code == 0, result.output
    printed = result.stdout.splitlines()
    if "..." in shown:
        assert_in_order(shown, printed)
    else:
        assert printed == shown


def test_the_python_example_prints_what_the_page_says():
    text = DOC.read_text(encoding="utf-8")
    code, printed = re.search(r"```python\n(import influence\n\ndiagram = .*?)```\n\nprints\n\n"
                              r"```text\n(.*?)```", text, flags=re.S).groups()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(DOC), "exec"), {})  # noqa: S102 - our own documentation
    assert out.getvalue() == printed


def test_the_card_table_is_the_optimal_strategy_against_each_policy():
    text = CARD.read_text(encoding="utf-8")
    section = text[text.index("## Where the differences come from"):]
    header = re.search(r"^\| attribute \| (.*) \|$", section, flags=re.M).group(1)
    policies = re.findall(r"`([^`]+)`", header)
    diagram = influence.load("cartel-intervention")
    assert policies == [p.id for p in diagram.policies]
    explanations = [influence.explain(diagram, "optimal-strategy", p) for p in policies]
    rows = dict(re.findall(r"^\| `(\w+)` \| (.*) \|$", section, flags=re.M))
    assert list(rows) == [u.name for u in diagram.utilities]
    for node, cells in rows.items():
        expected = [format_number(e.attribute(node).difference) for e in explanations]
        assert cells.split(" | ") == expected, node
    total = re.search(r"^\| \*\*total\*\* \| (.*) \|$", section, flags=re.M).group(1)
    assert total.split(" | ") == [f"**{format_number(e.difference)}**" for e in explanations]
