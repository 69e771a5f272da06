"""The risk-profile figure: the cumulative distribution of the total utility per strategy."""

from __future__ import annotations

import pytest

import influence
from influence.io.risk_plot import plot_risk_profiles, render_risk_plot, write_risk_plot


@pytest.fixture(scope="module")
def oil():
    return influence.evaluate(influence.load("oil-wildcatter"))


def test_each_strategy_is_a_cumulative_step_curve(oil) -> None:
    fig = plot_risk_profiles(oil)
    lines = fig.axes[0].get_lines()
    labels = [line.get_label() for line in lines]
    assert labels[0] == "optimal strategy"
    assert len(lines) == 1 + len(oil.policies)
    blind = lines[labels.index("Drill without testing (drill-blind)")]
    # Drill blind: -70 (0.5), 50 (0.3), 200 (0.2): the curve climbs to 0.5, 0.8, 1.
    assert list(blind.get_ydata()) == pytest.approx([0.0, 0.5, 0.8, 1.0])
    assert list(blind.get_xdata()) == pytest.approx([-70.0, -70.0, 50.0, 200.0])
    with_alternatives = plot_risk_profiles(oil, alternatives=True)
    assert len(with_alternatives.axes[0].get_lines()) == 1 + len(oil.options)


@pytest.mark.parametrize("suffix, magic", [(".png", b"\x89PNG"), (".svg", b"<?xml"),
                                           (".pdf", b"%PDF")])
def test_written_atomically_in_each_format(oil, tmp_path, suffix, magic) -> None:
    path = write_risk_plot(oil, tmp_path / f"risk{suffix}")
    assert path.read_bytes().startswith(magic)


def test_an_evaluation_without_profiles_is_refused() -> None:
    article = influence.load("cartel-intervention")
    under_prior = influence.evaluate(article, prior=True, draws=20, seed=1)
    with pytest.raises(influence.QueryError, match="risk profiles"):
        render_risk_plot(under_prior, "png")


def _run(*args: str):
    from click.testing import CliRunner

    from influence.cli.main import cli

    return CliRunner().invoke(cli, list(args), env={"COLUMNS": "100"})


def test_the_plot_command_draws_the_risk_profiles(tmp_path):
    from PIL import Image

    out = tmp_path / "risk.png"
    result = _run("plot", "oil-wildcatter", "--risk-profile", "--alternatives", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "wrote" in result.stderr and "risk profiles of oil-wildcatter" in result.stderr
    assert Image.open(out).size[0] > 300
    svg = tmp_path / "risk.svg"
    assert _run("plot", "umbrella", "--risk-profile", "-o", str(svg)).exit_code == 0
    assert svg.read_text().lstrip().startswith("<?xml")


@pytest.mark.parametrize(("args", "message"), [
    (["--risk-profile", "--prior"], "leave out --prior and --posterior"),
    (["--alternatives", "--prior"], "--alternatives goes with --risk-profile"),
])
def test_risk_profile_usage_errors(tmp_path, args, message):
    result = _run("plot", "oil-wildcatter", *args, "-o", str(tmp_path / "x.png"))
    assert result.exit_code == 2 and message in result.stderr
    assert not (tmp_path / "x.png").exists()


def test_the_console_examples_of_the_risk_documentation_are_real_output():
    import re
    import shlex
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "risk.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```console\n\$ (influence [^\n]*)\n(.*?)```", text, flags=re.S)
    assert len(blocks) == 2
    for command, output in blocks:
        result = _run(*shlex.split(command)[1:])
        assert result.exit_code == 0 and result.stdout == output, command
    profile = influence.evaluate(influence.load("oil-wildcatter")).risk_profile
    assert f"`{[[v, round(p, 12)] for v, p in profile]}`" in text
