"""Figures under parameter uncertainty (influence.io.plotting)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import influence
from influence import QueryError
from influence.errors import OutputError

pytest.importorskip("matplotlib")
az = pytest.importorskip("arviz")

from influence.bayes.uncertainty import evaluate_under_uncertainty  # noqa: E402
from influence.io.plotting import (  # noqa: E402
    moved_parameters,
    plot_format,
    plot_uncertainty,
    write_uncertainty_plot,
)


class IdataPosterior:
    """Parameter draws plus an InferenceData with prior and posterior groups, shaped like
    :class:`influence.bayes.posterior.Posterior`."""

    method = "exact"
    diagnostics = {"divergences": 0, "warnings": [], "parameters": {}}

    def __init__(self, params, idata, moved):
        self.params, self.idata, self.moved = params, idata, moved

    def check(self, diagram):
        pass

    @property
    def draws(self):
        return max(v.shape[0] for v in self.params.values())

    def parameters(self, diagram, max_draws=None):
        return {k: v[:max_draws] for k, v in self.params.items()}

    def iter_parameters(self, diagram, chunk):
        yield self.params

    def summary(self):
        return [{"name": n} for n in self.moved]

    def values(self, name, group="posterior"):
        data = self.idata[group][name].values
        return data.reshape((-1,) + data.shape[2:])


@pytest.fixture(scope="module")
def oil():
    return influence.load("oil-wildcatter")


@pytest.fixture(scope="module")
def posterior(oil):
    rng = np.random.default_rng(3)
    oil_rows = rng.dirichlet([30, 12, 8], 800)
    params = {n.name: np.asarray(n.table)[None] for n in oil.nodes if n.table is not None}
    params["oil"] = oil_rows
    idata = az.from_dict(
        posterior={"p[oil]": oil_rows.reshape(2, 400, 3),
                   "u[payoff|drill=yes,oil=soaking]": rng.normal(210, 5, (2, 400)),
                   "u[unmoved]": rng.normal(0, 1, (2, 400))},
        prior={"p[oil]": rng.dirichlet([5, 3, 2], (1, 800)),
               "u[payoff|drill=yes,oil=soaking]": rng.normal(200, 40, (1, 800)),
               "u[unmoved]": rng.normal(0, 1, (1, 800))},
    )
    return IdataPosterior(params, idata, ["p[oil]", "u[payoff|drill=yes,oil=soaking]"])


@pytest.fixture(scope="module")
def result(oil, posterior):
    return evaluate_under_uncertainty(oil, posterior=posterior)


def test_figure_has_the_eu_panel_and_one_panel_per_moved_parameter(result, posterior, oil):
    fig = plot_uncertainty(result, posterior=posterior, diagram=oil)
    titles = [ax.get_title() for ax in fig.axes]
    assert any("Expected utility across draws" in t for t in titles)
    assert "p[oil]" in titles and "u[payoff|drill=yes,oil=soaking]" in titles
    assert "u[unmoved]" not in titles  # only what the evidence moved
    eu_axis = next(ax for ax in fig.axes if "Expected utility" in ax.get_title())
    labels = [t.get_text() for t in eu_axis.get_yticklabels()]
    assert "optimal strategy" in labels
    assert set(labels) >= {o.id for o in result.options}


def test_prior_only_figure_has_just_the_eu_panel(result):
    fig = plot_uncertainty(result)
    assert [ax.get_title() for ax in fig.axes if ax.get_title()] == [
        "Expected utility across draws: mean (circle), central 50% (thick) and 90% (thin) "
        "intervals, the 5% to 95% quantiles"]


def test_moved_parameters_in_order_of_shift(posterior):
    moved = moved_parameters(posterior)
    # p[oil]: the mean of 'dry' moved from 0.5 to 0.6, 0.66 prior sd (sqrt(0.25 / 11));
    # the payoff from 200 to 210, 0.25 prior sd.
    assert [m.name for m in moved] == ["p[oil]", "u[payoff|drill=yes,oil=soaking]"]
    assert moved[0].shift == pytest.approx(0.1 / np.sqrt(0.25 / 11), rel=0.15)
    assert moved[1].shift == pytest.approx(0.25, rel=0.2)
    oil_row = moved[0]
    assert len(oil_row.components) == 3
    prior, post = oil_row.components[0][1], oil_row.components[0][2]
    assert post.mean() == pytest.approx(30 / 50, abs=0.02)
    assert prior.mean() == pytest.approx(5 / 10, abs=0.03)


@pytest.mark.parametrize("suffix, magic", [(".png", b"\x89PNG"), (".svg", b"<?xml"),
                                           (".pdf", b"%PDF")])
def test_writes_each_format(tmp_path, result, posterior, suffix, magic):
    out = tmp_path / f"plot{suffix}"
    write_uncertainty_plot(result, out, posterior=posterior)
    assert out.read_bytes().startswith(magic)
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary file left


def test_bad_extension_and_point_evaluation_are_refused(tmp_path, oil, result):
    with pytest.raises(QueryError, match=r"expected an output file ending in \.png"):
        plot_format(tmp_path / "plot.jpg")
    with pytest.raises(QueryError, match="point evaluation"):
        plot_uncertainty(influence.evaluate(oil))


def test_never_overwrites_an_input_and_keeps_the_old_file_on_failure(tmp_path, oil, result):
    model = tmp_path / "model.svg"
    model.write_text("input")
    with pytest.raises(OutputError, match="refusing to write"):
        write_uncertainty_plot(result, model, protect=(model,))
    assert model.read_text() == "input"
    old = tmp_path / "old.png"
    old.write_bytes(b"old")
    with pytest.raises(QueryError):
        write_uncertainty_plot(influence.evaluate(oil), old)
    assert old.read_bytes() == b"old"


def test_importing_the_module_does_not_import_matplotlib():
    code = ("import sys, influence.io.plotting; "
            "assert 'matplotlib' not in sys.modules and 'arviz' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_many_draws_are_thinned_evenly():
    from influence.io.plotting import MAX_PLOTTED_DRAWS, _thin

    draws = np.arange(50_000, dtype=float)
    thin = _thin(draws)
    assert len(thin) == MAX_PLOTTED_DRAWS
    assert thin[0] == 0 and thin[-1] == 49_999
    assert np.all(np.diff(thin) > 0)
    assert _thin(draws[:100]) is not None and len(_thin(draws[:100])) == 100
