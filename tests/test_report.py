"""The HTML report (``influence.report``, ``influence report``) without a browser: its data
against the library's results, every number shown against its data, the page's independence
from the network, the optional sections, and the command. The same reports are opened in
Chromium by tests/test_report_browser.py."""

from __future__ import annotations

import importlib.util
import json
import sys
import types

import pytest
from bet_model import BETA_BET, SEVEN_OF_TEN
from click.testing import CliRunner
from report_checks import check_numbers, check_self_contained, parse

import influence
from influence.cli.main import cli
from influence.errors import GraphvizNotFoundError, QueryError
from influence.io.plain import json_ready
from influence.io.report import collect as collect_module
from influence.io.report import pdf, read_data
from influence.model import bundled


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def plain(x):
    return json.loads(json.dumps(json_ready(x)))


@pytest.fixture(scope="module")
def reports():
    """The report of each bundled model at its own numbers (made once for the module)."""
    return {name: influence.report(influence.load(name)) for name in bundled.names()}


@pytest.mark.parametrize("name", bundled.names())
def test_each_bundled_model(reports, name):
    html = reports[name]
    diagram = influence.load(name)
    data = read_data(html)
    assert data["evaluation"] == plain(influence.evaluate(diagram).to_dict())
    sens = influence.sensitivity(diagram, top=15)
    assert [p["id"] for p in data["sensitivity"]["parameters"]] == [p.id for p in sens.parameters]
    assert data["sensitivity"]["parameters"][0]["swing"] == pytest.approx(sens.parameters[0].swing)
    assert data["value_of_information"]["observe"] == plain(
        influence.value_of_information(diagram).to_dict()["observe"])
    assert data["produced"]["fingerprint"] == diagram.fingerprint
    page = parse(html)
    checked = check_numbers(data, page.numbers)
    keys = {k for k, _, _ in page.numbers}
    # the key numbers are shown: the MEU and every option's expected utility
    assert "/evaluation/maximum_expected_utility" in keys
    for i in range(len(data["evaluation"]["ranking"])):
        assert f"/evaluation/ranking/{i}/expected_utility" in keys
    assert checked > 20
    for section in ("model", "options", "strategy", "risk", "sensitivity", "voi", "produced"):
        assert f'<section id="{section}">' in html
    assert html.count('class="chart tornado"') == 1
    assert "<h1>" + (diagram.title or diagram.name) in html


def test_self_contained(reports):
    for html in reports.values():
        check_self_contained(html)


def test_oil_wildcatter_reads_as_expected(reports):
    html = reports["oil-wildcatter"]
    # the rule of the second decision in words, from compact_rules()
    assert '<span class="choice">yes</span> if Test result is closed or open' in html
    assert '<span class="choice">no</span> if Test result is diffuse' in html
    # risk profiles: one curve per distinct profile (the two best options share one)
    assert html.count('class="series"') == 3
    assert "Test, drill on closed or open = Seismic test: yes" in html
    # the break-even value of oil:dry inside its range, as `influence sensitivity` finds it
    data = read_data(html)
    oil = next(p for p in data["sensitivity"]["parameters"] if p["id"] == "oil:dry")
    assert oil["within"] == [pytest.approx(0.457627, abs=1e-6)]
    assert "Choose <span class=\"choice\">yes</span> (expected utility of each option" in html


@pytest.mark.slow
def test_prior(tmp_path):
    diagram = influence.load("cartel-intervention")
    html = influence.report(diagram, prior=True, seed=1, draws=400)
    data = read_data(html)
    expected = influence.evaluate(diagram, prior=True, seed=1, draws=400)
    assert data["evaluation"] == plain(expected.to_dict())
    voi = influence.value_of_information(diagram, prior=True, seed=1, draws=400)
    assert data["value_of_information"]["evpi_parameters"] == pytest.approx(voi.evpi_parameters)
    assert data["produced"]["seed"] == 1 and not data["produced"]["seed_chosen"]
    check_numbers(data, parse(html).numbers)
    assert html.count('class="chart distributions"') == 1
    assert "P(best)" in html and "EVPPI" in html
    assert "/evaluation/evpi_parameters" in html
    check_self_contained(html)


@pytest.mark.slow
def test_prior_without_seed_records_the_one_chosen():
    diagram = influence.load("cartel-intervention")
    first = read_data(influence.report(diagram, prior=True, draws=50))
    seed = first["produced"]["seed"]
    assert isinstance(seed, int) and first["produced"]["seed_chosen"]
    again = read_data(influence.report(diagram, prior=True, draws=50, seed=seed))
    assert again["evaluation"] == first["evaluation"]


def test_posterior(tmp_path):
    pytest.importorskip("arviz")
    (tmp_path / "bet.yaml").write_text(BETA_BET)
    (tmp_path / "evidence.yaml").write_text(SEVEN_OF_TEN)
    out = run("fit", str(tmp_path / "bet.yaml"), "--evidence", str(tmp_path / "evidence.yaml"),
              "-o", str(tmp_path / "post.nc"), "--seed", "1")
    assert out.exit_code == 0, out.output
    diagram = influence.load(str(tmp_path / "bet.yaml"))
    html = influence.report(diagram, posterior=str(tmp_path / "post.nc"))
    data = read_data(html)
    expected = influence.evaluate(diagram, posterior=str(tmp_path / "post.nc"))
    assert data["evaluation"] == plain(expected.to_dict())
    assert data["produced"]["posterior"]["method"] == "exact"
    check_numbers(data, parse(html).numbers)
    # the numbers are those of the posterior: Beta(9, 5), so betting is worth 150 * 9/14 - 50
    assert data["evaluation"]["alternatives"]["bet"]["bet"] == pytest.approx(150 * 9 / 14 - 50,
                                                                             abs=2)


def test_scenario():
    diagram = influence.load("oil-wildcatter")
    html = influence.report(diagram, given={"oil": "dry"})
    data = read_data(html)
    assert data["evaluation"] == plain(influence.evaluate(diagram, given={"oil": "dry"})
                                       .to_dict())
    assert "Scenario: oil=dry" in html
    check_numbers(data, parse(html).numbers)


@pytest.mark.parametrize("options, word", [
    ({"prior": True, "posterior": "x.nc"}, "`prior` or `posterior`"),
    ({"draws": 10}, "`draws` only with"),
    ({"seed": 1}, "`seed` only with"),
    ({"prior": True}, "prior"),
])
def test_errors(options, word):
    with pytest.raises(QueryError) as err:
        influence.report(influence.load("oil-wildcatter"), **options)
    assert word in str(err.value)


def test_without_graphviz(monkeypatch):
    def missing(*args, **kwargs):
        raise GraphvizNotFoundError("no dot")

    monkeypatch.setattr("influence.io.drawing.render", missing)
    html = influence.report(influence.load("umbrella"))
    assert "The diagram is not drawn" in html and "program is not installed" in html
    assert 'class="diagram"' not in html
    assert read_data(html)["produced"]["graphviz"] is False


def test_without_dot_the_diagram_is_drawn_by_the_own_layout(monkeypatch):
    """Where Graphviz's ``dot`` is not installed, the report draws with the pure-Python layout
    and stays self-contained (its clip paths refer to the page itself)."""
    import shutil

    which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None if name == "dot"
                        else which(name, *a, **k))
    html = influence.report(influence.load("umbrella"))
    produced = read_data(html)["produced"]
    assert produced["graphviz"] is False and produced["drawn_by"].startswith("influence's own")
    assert 'class="diagram"' in html and "own layout (matplotlib)" in html
    check_self_contained(html)


def test_the_attribution_section_uses_explain_where_the_library_has_it(monkeypatch):
    """Where influence.analysis.explain is not installed, the report shows each option's
    expected utility by utility node; where it is, the optimal strategy against the next best
    option (a stand-in module here: the section reads only ``to_dict()``)."""
    diagram = influence.load("oil-wildcatter")
    if importlib.util.find_spec("influence.analysis.explain") is None:
        html = influence.report(diagram)
        assert 'class="by-utility"' in html and read_data(html)["explanation"] is None
    seen = {}

    class Stub:
        def to_dict(self):
            return {"option": {"label": "A", "expected_utility": 3.0},
                    "other": {"label": "B", "expected_utility": 1.0}, "difference": 2.0,
                    "attributes": [{"node": "payoff", "label": "Drilling payoff", "weight": 1.0,
                                    "option": 5.0, "other": 1.0, "difference": 4.0},
                                   {"node": "test_cost", "label": "Cost of the test",
                                    "weight": 1.0, "option": -2.0, "other": 0.0,
                                    "difference": -2.0}]}

    def explain(d, **options):
        seen.update(options)
        return Stub()

    module = types.ModuleType("influence.analysis.explain")
    module.explain = explain
    monkeypatch.setitem(sys.modules, "influence.analysis.explain", module)
    html = influence.report(diagram)
    data = read_data(html)
    assert data["explanation"]["difference"] == 2.0
    assert "Contribution to A" in html and 'class="by-utility"' not in html
    assert seen == {"given": None, "prior": False, "posterior": None, "draws": None,
                    "seed": None}
    check_numbers(data, parse(html).numbers)


def test_explanation_is_the_library_s(monkeypatch):
    explain = pytest.importorskip("influence.analysis.explain",
                                  reason="influence.analysis.explain is not in this "
                                         "installation").explain
    diagram = influence.load("oil-wildcatter")
    data = read_data(influence.report(diagram))
    assert data["explanation"] == plain(explain(diagram).to_dict())


def test_command_writes_the_report(tmp_path):
    out = tmp_path / "oil.html"
    result = run("report", "oil-wildcatter", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert f"wrote {out} (HTML report)" in result.stderr
    data = read_data(out.read_text())
    assert data["produced"]["command"] == f"influence report oil-wildcatter --output {out}"
    evaluated = run("evaluate", "oil-wildcatter", "--format", "json")
    assert data["evaluation"] == json.loads(evaluated.stdout)


def test_command_to_standard_output():
    result = run("report", "umbrella")
    assert result.exit_code == 0
    assert result.stdout.startswith("<!DOCTYPE html>")
    assert read_data(result.stdout)["evaluation"]["model"] == "umbrella"


def test_command_usage_errors(tmp_path):
    out = tmp_path / "x.html"
    for args, message in ((["--draws", "10"], "--draws applies only with --prior"),
                          (["--prior", "--posterior", __file__], "not both"),
                          (["--format", "pdf"], "PDF is binary")):
        result = run("report", "oil-wildcatter", *args, *(["-o", str(out)]
                                                          if "pdf" not in args else []))
        assert result.exit_code == 2, result.output
        assert message in result.output
    assert not out.exists()
    result = run("report", "oil-wildcatter", "--prior", "-o", str(out))
    assert result.exit_code == 2 and "priors" in result.output and "Traceback" not in result.output


def test_command_pdf_without_a_browser(tmp_path, monkeypatch):
    monkeypatch.setattr(pdf, "find_browser", lambda: None)
    out = tmp_path / "oil.pdf"
    result = run("report", "oil-wildcatter", "-o", str(out))
    assert result.exit_code == 1
    assert "needs Chromium or Chrome" in result.output and "--format" not in result.output
    assert not out.exists()


def test_command_never_overwrites_the_model(tmp_path):
    model = tmp_path / "model.yaml"
    model.write_bytes(bundled.path_of("umbrella").read_bytes())
    before = model.read_bytes()
    result = run("report", str(model), "-o", str(model))
    assert result.exit_code == 1
    assert "refusing to write" in result.output
    assert model.read_bytes() == before


def test_the_diagram_is_drawn_in_one_place(monkeypatch):
    """The report draws through :func:`influence.io.report.collect.diagram_svg` only."""
    monkeypatch.setattr(collect_module, "diagram_svg", lambda d: ("<svg id='x'></svg>", None))
    html = influence.report(influence.load("umbrella"))
    assert "<svg id='x'></svg>" in html
