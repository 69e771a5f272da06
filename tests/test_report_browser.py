"""The HTML report in a real browser: headless Chromium (Debian's ``chromium`` and
``chromium-driver``, driven by selenium), as .ci/run installs them.

For the report of each bundled model (and one under the prior, one under a posterior) the
browser must log no error, fetch nothing (the page is self-contained), show each number as
the report's data has it (and that data's evaluation is the JSON of ``influence evaluate``),
give every chart and the diagram a non-empty size, and fit a laptop's screen without
scrolling sideways; a screenshot of each is saved. The PDF is printed on A4.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
from bet_model import BETA_BET, SEVEN_OF_TEN
from click.testing import CliRunner

from influence.cli.main import cli
from influence.io.report import read_data
from influence.io.report.html import FORMATTERS, Numbers
from influence.io.report.pdf import browser_arguments
from influence.model import bundled

#: A laptop's screen, in CSS pixels.
LAPTOP = (1366, 768)

webdriver = pytest.importorskip(
    "selenium.webdriver", reason="selenium is not installed (pip install -e '.[test]')")


def _program(*names: str) -> str | None:
    return next((p for p in map(shutil.which, names) if p), None)


@pytest.fixture(scope="module")
def browser():
    chromium = _program("chromium", "chromium-browser", "google-chrome")
    driver_program = _program("chromedriver")
    if chromium is None or driver_program is None:
        pytest.skip("Chromium and its driver are not installed (Debian: apt-get install "
                    "chromium chromium-driver; .ci/run installs them)")
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="influence-browser-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in browser_arguments(profile):
        options.add_argument(argument)
    options.add_argument(f"--window-size={LAPTOP[0]},{LAPTOP[1]}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(driver_program))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def run(*args: str):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


#: What each number span shows, its JSON pointer and format, read in one call.
_NUMBERS = """return Array.from(document.querySelectorAll('[data-key]')).map(
    e => [e.dataset.key, e.dataset.format, e.innerText]);"""
#: The size of every chart, diagram and figure.
_SIZES = """return Array.from(document.querySelectorAll('svg, figure')).map(e => {
    const r = e.getBoundingClientRect();
    return [e.tagName, e.getAttribute('class') || '', r.width, r.height]; });"""


def open_report(driver, path: Path, screenshot: Path) -> dict:
    """Open the report, check it as the module says, save a screenshot; return its data."""
    driver.set_window_size(*LAPTOP)
    driver.get(path.resolve().as_uri())
    logged = driver.get_log("browser")
    assert [e for e in logged if e["level"] in ("SEVERE", "WARNING")] == []
    assert driver.execute_script("return performance.getEntriesByType('resource').length") == 0
    block = driver.find_element("id", "influence-data").get_attribute("textContent")
    data = json.loads(block)
    shown = driver.execute_script(_NUMBERS)
    numbers = Numbers(data)
    for key, fmt, text in shown:
        assert text.strip() == FORMATTERS[fmt](numbers.get(key)), key
    sizes = driver.execute_script(_SIZES)
    assert sizes and all(w > 0 and h > 0 for _, _, w, h in sizes), sizes
    charts = [c for tag, c, _, _ in sizes if "chart" in c]
    assert "chart tornado" in charts
    # nothing wider than the screen: the page never scrolls sideways (a wide diagram or
    # table scrolls in its own box)
    assert driver.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth")
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(LAPTOP[0], min(height + 120, 12000))
    driver.save_screenshot(str(screenshot))
    assert screenshot.stat().st_size > 20_000
    return {"data": data, "shown": shown, "charts": charts}


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.slow) if n == "cartel-intervention" else n
    for n in bundled.names()])
def test_bundled_model_in_the_browser(browser, tmp_path, name):
    page = tmp_path / f"{name}.html"
    run("report", name, "-o", str(page))
    seen = open_report(browser, page, tmp_path / f"{name}.png")
    evaluated = json.loads(run("evaluate", name, "--format", "json").stdout)
    assert seen["data"]["evaluation"] == evaluated
    assert seen["data"] == read_data(page.read_text())
    keys = {k for k, _, _ in seen["shown"]}
    assert "/evaluation/maximum_expected_utility" in keys
    assert {f"/evaluation/ranking/{i}/expected_utility"
            for i in range(len(evaluated["ranking"]))} <= keys
    assert "chart risk-profiles" in seen["charts"]


@pytest.mark.slow
def test_prior_in_the_browser(browser, tmp_path):
    page = tmp_path / "prior.html"
    args = ("cartel-intervention", "--prior", "--seed", "3", "--draws", "500")
    run("report", *args, "-o", str(page))
    seen = open_report(browser, page, tmp_path / "prior.png")
    assert seen["data"]["evaluation"] == json.loads(run("evaluate", *args, "--format",
                                                        "json").stdout)
    assert "chart distributions" in seen["charts"]
    keys = {k for k, _, _ in seen["shown"]}
    assert {"/evaluation/ranking/0/probability_best", "/evaluation/ranking/0/expected_loss",
            "/evaluation/evpi_parameters", "/value_of_information/evpi_parameters"} <= keys


def test_posterior_in_the_browser(browser, tmp_path):
    pytest.importorskip("arviz")
    (tmp_path / "bet.yaml").write_text(BETA_BET)
    (tmp_path / "evidence.yaml").write_text(SEVEN_OF_TEN)
    posterior = tmp_path / "post.nc"
    run("fit", str(tmp_path / "bet.yaml"), "-e", str(tmp_path / "evidence.yaml"), "-o",
        str(posterior), "--seed", "2")
    page = tmp_path / "posterior.html"
    args = (str(tmp_path / "bet.yaml"), "--posterior", str(posterior))
    run("report", *args, "-o", str(page))
    seen = open_report(browser, page, tmp_path / "posterior.png")
    assert seen["data"]["evaluation"] == json.loads(run("evaluate", *args, "--format",
                                                        "json").stdout)
    assert seen["data"]["evaluation"]["uncertainty"] == "posterior"


@pytest.mark.slow
def test_pdf_on_a4(browser, tmp_path):
    out = tmp_path / "oil.pdf"
    run("report", "oil-wildcatter", "-o", str(out))
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    # every page is A4: 210 x 297 mm = 595.3 x 841.9 points
    boxes = {tuple(round(float(x)) for x in box.split()[2:4])
             for box in _media_boxes(data)}
    assert boxes == {(595, 842)}


def _media_boxes(pdf: bytes) -> list[str]:
    import re

    return [m.decode() for m in re.findall(rb"/MediaBox\s*\[([^\]]*)\]", pdf)]
