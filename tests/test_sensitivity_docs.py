"""The sensitivity documentation shows what the commands print today.

Every ``console`` block of docs/sensitivity.md that runs ``influence sensitivity`` is run again:
its lines (``...`` marks lines left out) must appear in the output, in order. The Python example
must print its documented output. (The blocks of the article model's card are run by
tests/test_cartel_card.py.)
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

from influence.cli.main import cli

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "sensitivity.md"


def _console_blocks(path: Path) -> list[tuple[str, list[str]]]:
    blocks = re.findall(r"```console\n\$ (influence sensitivity[^\n]*)\n(.*?)```",
                        path.read_text(encoding="utf-8"), flags=re.S)
    return [(command, body.splitlines()) for command, body in blocks]


@pytest.mark.parametrize("command, shown", _console_blocks(DOC),
                         ids=lambda x: x if isinstance(x, str) else "")
def test_documented_output_is_what_the_command_prints(command, shown):
    result = CliRunner().invoke(cli, shlex.split(command)[1:])
    assert result.exit_code == 0, result.output
    assert_in_order(shown, result.stdout.splitlines())


def _example() -> tuple[str, str]:
    text = DOC.read_text(encoding="utf-8")
    code, printed = re.search(r"```python\n(import influence\n\ndiagram = .*?)```\n\nprints\n\n"
                              r"```text\n(.*?)```", text, flags=re.S).groups()
    return code, printed


def test_the_python_example_prints_what_the_page_says():
    code, printed = _example()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(DOC), "exec"), {})  # noqa: S102 - our own documentation
    assert out.getvalue() == printed
