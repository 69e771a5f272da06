"""Make docs/images/report.png, the README's picture of ``influence report``: the report of a
bundled model opened in headless Chromium, its top (title, key figures, diagram, ranking) beside
its charts (risk profiles and tornado).

Needs Debian's chromium and chromium-driver, selenium and Pillow.
Run: python scripts/report_screenshot.py [MODEL]   (default: oil-wildcatter)
"""

from __future__ import annotations

import io
import sys
import tempfile
from pathlib import Path

from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

import influence
from influence.io.report.pdf import browser_arguments

OUT = Path(__file__).resolve().parents[1] / "docs" / "images" / "report.png"
WIDTH, SCALE = 1100, 1.5


def _shot(driver: webdriver.Chrome) -> Image.Image:
    return Image.open(io.BytesIO(driver.get_screenshot_as_png()))


def main(model: str = "oil-wildcatter") -> None:
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(influence.report(influence.load(model),
                                         command=f"influence report {model} -o report.html"))
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for argument in browser_arguments(Path(tmp) / "profile"):
            options.add_argument(argument)
        options.add_argument(f"--force-device-scale-factor={SCALE}")
        driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
        try:
            driver.set_window_size(WIDTH, 800)
            driver.get(page.as_uri())
            height = driver.execute_script("return document.documentElement.scrollHeight")
            driver.set_window_size(WIDTH, height + 200)
            full = _shot(driver)

            def box(selector: str) -> tuple[int, int]:
                r = driver.execute_script(
                    "const r = document.querySelector(arguments[0]).getBoundingClientRect();"
                    "return [r.top + window.scrollY, r.bottom + window.scrollY];", selector)
                return int(r[0] * SCALE), int(r[1] * SCALE)

            top_end = box("#strategy")[0]
            parts = [(box(f"#{s} h2")[0], box(f"#{s} figure")[1])
                     for s in ("risk", "sensitivity")]
        finally:
            driver.quit()
    w = full.width
    left = full.crop((0, 0, w, top_end))
    margin = int(12 * SCALE)
    right_parts = [full.crop((0, a - margin, w, b + margin)) for a, b in parts]
    right_h = sum(p.height for p in right_parts)
    height = max(left.height, right_h)
    sheet = Image.new("RGB", (2 * w, height), "white")
    sheet.paste(left, (0, 0))
    y = 0
    for part in right_parts:
        sheet.paste(part, (w, y))
        y += part.height
    sheet.paste(Image.new("RGB", (2, height), "#d8dde3"), (w - 1, 0))  # between the columns
    sheet = sheet.resize((int(sheet.width / SCALE * 0.9), int(sheet.height / SCALE * 0.9)),
                         Image.LANCZOS)
    sheet = sheet.quantize(colors=256, dither=Image.Dither.NONE)  # a smaller file, same look
    OUT.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(OUT, optimize=True)
    print(f"wrote {OUT} ({sheet.width} x {sheet.height})")


if __name__ == "__main__":
    main(*sys.argv[1:])
