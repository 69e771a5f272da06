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
