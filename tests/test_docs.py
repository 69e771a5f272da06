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


def _python_blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)


def test_readme_model_example_loads_and_solves():
    block = _yaml_blocks(ROOT / "README.md")[0]
    result = influence.evaluate(influence.loads(block, file="README.md"))
    # P(rain) = .3; take only on a rainy forecast: .7*(.8*100 + .2*20) + .3*(.3*0 + .7*70)
    assert result.maximum_expected_utility == pytest.approx(0.7 * 84 + 0.3 * 49)
    rules = dict((r[0]["forecast"], r[1]) for r in result.decision("umbrella").compact_rules())
    assert rules == {"sunny": "leave", "rainy": "take"}


def test_readme_python_example_runs_and_its_comments_hold(capsys):
    block = _python_blocks(ROOT / "README.md")[0]
    namespace: dict = {}
    exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - our own documentation
    result = namespace["result"]
    assert result.maximum_expected_utility == pytest.approx(22.5)
    assert result.alternatives["test"] == pytest.approx({"no": 20.0, "yes": 22.5})
    assert [(p.id, round(p.expected_utility, 9)) for p in result.policies] == [
        ("drill-blind", 20.0), ("test-and-follow", 22.5), ("do-nothing", 0.0)]
    printed = capsys.readouterr().out.splitlines()
    assert printed == [
        "{'test': 'yes', 'result': 'closed'} -> yes",
        "{'test': 'yes', 'result': 'open'} -> yes",
        "{'test': 'yes', 'result': 'diffuse'} -> no",
    ]


def test_readme_plan_example_evaluates_three_sets_of_numbers(capsys):
    namespace: dict = {}
    exec(compile(_python_blocks(ROOT / "README.md")[0], "README.md", "exec"), namespace)  # noqa: S102
    capsys.readouterr()
    exec(compile(_python_blocks(ROOT / "README.md")[1], "README.md", "exec"), namespace)  # noqa: S102
    assert capsys.readouterr().out.splitlines() == [
        "[0.4, 0.3, 0.3] 47.0 test: no", "[0.6, 0.3, 0.1] 1.7 test: yes",
        "[0.55, 0.3, 0.15] 12.1 test: yes"]
    assert namespace["batch"].maximum_expected_utility == pytest.approx([47.0, 1.7, 12.1])
    # The same numbers solved from scratch, one diagram per prior.
    import numpy as np

    from influence.testing import model_dict

    for prior, meu in zip(([0.4, 0.3, 0.3], [0.6, 0.3, 0.1], [0.55, 0.3, 0.15]),
                          (47.0, 1.7, 12.1), strict=True):
        fresh = influence.diagram_from_dict(model_dict(namespace["diagram"],
                                                       {"oil": np.array(prior)}))
        assert influence.evaluate(fresh).maximum_expected_utility == pytest.approx(meu)


def test_readme_building_a_diagram_in_python(capsys):
    block = _python_blocks(ROOT / "README.md")[2]
    namespace: dict = {"influence": influence}
    exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - our own documentation
    result = influence.evaluate(namespace["picnic"])
    expected = {"no": 0.7 * 100 + 0.3 * 0, "yes": 0.7 * 80 + 0.3 * 70}
    assert result.alternatives["take"] == pytest.approx(expected)
    assert capsys.readouterr().out.strip() == (
        "node 'rain', field 'p': expected probabilities summing to 1, got a sum of 1.8")


def test_the_readme_has_no_placeholder_left():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    placeholders = set(re.findall(r"\b[A-Z]{4,}_[A-Z_]{3,}\b", text)) - {"PYTENSOR_FLAGS",
                                                                     "INFLUENCE_THREADS"}
    assert not placeholders, f"placeholders left in README.md: {placeholders}"


@pytest.mark.slow
def test_readme_scripts_and_notebooks_example():
    pytest.importorskip("pandas", reason="pandas is not installed: DataFrames cannot be made")
    block = _python_blocks(ROOT / "README.md")[3]
    namespace: dict = {}
    exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - our own documentation
    result = namespace["result"]
    assert result.ranking[0].id == "partnership=yes" == namespace["table"].index[0]
    share = float((namespace["gap"] > 0).mean())
    assert f"round(float((gap > 0).mean()), 3)  # {share:.3f}:" in block
    assert len(namespace["draws"]) == 2000


@pytest.mark.slow
def test_the_modelers_loop_of_the_readme_runs_as_written_from_any_folder(tmp_path,
                                                                         monkeypatch):
    """Every command of the README's modeler's-loop section, run in an empty folder (slow:
    the article model's bundled evidence is fitted with NUTS)."""
    import re
    import shlex

    from click.testing import CliRunner

    from influence.cli.main import cli

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## The modeler's loop", 1)[1].split("\n## ", 1)[0]
    [block] = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    monkeypatch.chdir(tmp_path)
    commands = [line for line in block.splitlines() if line.strip()]
    assert len(commands) == 5
    for line in commands:
        args = shlex.split(line)
        assert args[0] == "influence"
        result = CliRunner().invoke(cli, args[1:])
        assert result.exit_code == 0, (line, result.output)
    assert (tmp_path / "post.nc").is_file() and (tmp_path / "eu.png").is_file()
