"""The model card of the article model (models/cartel_intervention.md) shows what its commands
print today, and its examples run.

Every ``console`` block is run again: its lines (``...`` marks lines left out) must appear in
the output, in order. The blocks under parameter uncertainty (``--prior``, ``fit`` and
``--posterior``, which uses the file ``fit`` writes) take a minute or more and are run by a
slow test, in the card's order, from a temporary folder. The ``sh`` and Python examples run
from a temporary folder too.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from doc_console import assert_in_order

from influence.cli.main import cli

ROOT = Path(__file__).resolve().parents[1]
CARD = ROOT / "models" / "cartel_intervention.md"
GOLDEN = ROOT / "tests" / "data" / "golden"


def _text() -> str:
    return CARD.read_text(encoding="utf-8")


def _console_blocks() -> list[tuple[str, list[str]]]:
    blocks = re.findall(r"```console\n\$ (influence [^\n]*)\n(.*?)```", _text(), flags=re.S)
    return [(command, body.splitlines()) for command, body in blocks]


def _heavy(command: str) -> bool:
    return any(word in shlex.split(command) for word in ("--prior", "--posterior", "fit"))


def _run(command: str, shown: list[str]) -> None:
    result = CliRunner().invoke(cli, shlex.split(command)[1:])
    assert result.exit_code == 0, (command, result.output)
    assert_in_order(shown, result.stdout.splitlines())


@pytest.mark.parametrize("command, shown",
                         [b for b in _console_blocks() if not _heavy(b[0])],
                         ids=lambda x: x if isinstance(x, str) else "")
def test_the_card_shows_what_the_command_prints(command, shown):
    _run(command, shown)


@pytest.mark.slow
def test_the_card_shows_what_the_commands_under_uncertainty_print(tmp_path, monkeypatch):
    heavy = [b for b in _console_blocks() if _heavy(b[0])]
    assert [c.split()[1] for c, _ in heavy] == ["evaluate", "fit", "evaluate", "voi", "voi"]
    (tmp_path / "models").mkdir()
    shutil.copytree(ROOT / "models" / "evidence", tmp_path / "models" / "evidence")
    monkeypatch.chdir(tmp_path)
    for command, shown in heavy:  # in the card's order: the fit writes post.nc
        _run(command, shown)


def test_the_sh_and_python_examples_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (sh,) = re.findall(r"```sh\n(.*?)```", _text(), flags=re.S)
    ran = 0
    for line in sh.splitlines():
        words = shlex.split(line, comments=True)
        if not words:
            continue
        if words[0] == "cp":
            shutil.copyfile(ROOT / words[1], tmp_path / words[2])
        else:
            assert words[0] == "influence", line
            result = CliRunner().invoke(cli, words[1:])
            assert result.exit_code == 0, (line, result.output)
            assert "Maximum expected utility: 1187" in result.output
        ran += 1
    assert ran == 2
    (code,) = re.findall(r"```python\n(.*?)```", _text(), flags=re.S)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(CARD), "exec"), {})  # noqa: S102 - our own documentation
    assert out.getvalue().startswith("1187 [('unilateral-strikes-now', -1004)")


def _strategy(name: str) -> dict[str, list[tuple[dict, str]]]:
    data = json.loads((GOLDEN / name).read_text(encoding="utf-8"))
    return {decision: [(rule["given"], rule["choose"]) for rule in rules]
            for decision, rules in data["optimal_strategy"].items()}


def test_the_bayes_strategy_is_the_point_strategy():
    """The card's sentence holds: the golden files (tests/test_golden.py keeps them equal to
    the output of ``influence evaluate cartel-intervention --format json``, without and with
    ``--prior --draws 4000 --seed 1``) hold the same strategy, and the card says so."""
    point = _strategy("cartel-intervention.json")
    bayes = _strategy("cartel-intervention.prior-4000-seed-1.json")
    assert set(point) == set(bayes)
    for decision in point:
        assert point[decision] == bayes[decision], decision
    assert "The Bayes strategy is the same as the point strategy" in _text()
