"""Checks of an HTML report shared by the report's tests (with and without a browser): the
numbers shown against the report's data, and the page's independence from the network."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from influence.io.report.html import FORMATTERS, Numbers


class _Page(HTMLParser):
    """Collects the numbers shown (``data-key`` spans), the scripts, and every attribute that
    could load something."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.numbers: list[tuple[str, str, str]] = []
        self.scripts: list[dict[str, str | None]] = []
        self.loads: list[tuple[str, str, str]] = []
        self.tags: set[str] = set()
        self._open: list[list] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.add(tag)
        if tag == "script":
            self.scripts.append(found)
        for name, value in attrs:
            if name in ("src", "href", "xlink:href", "srcset", "data", "action") and value:
                self.loads.append((tag, name, value))
        if "data-key" in found:
            self._open.append([found["data-key"], found["data-format"], ""])

    def handle_data(self, data: str) -> None:
        if self._open:
            self._open[-1][2] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "span" and self._open:
            key, fmt, text = self._open.pop()
            self.numbers.append((key, fmt, text))


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


def check_numbers(data: dict, shown: list[tuple[str, str, str]]) -> int:
    """Assert that each number shown is its value in ``data``, formatted as it says; return how
    many were checked."""
    numbers = Numbers(data)
    for key, fmt, text in shown:
        expected = FORMATTERS[fmt](numbers.get(key))
        assert text.strip() == expected, f"{key}: shown {text!r}, data says {expected!r}"
    return len(shown)


def check_self_contained(html: str) -> None:
    """No script but the JSON data block, nothing loaded from anywhere (no src, no href but
    in-page anchors, no style sheet or font from outside)."""
    page = parse(html)
    assert page.scripts == [{"type": "application/json", "id": "influence-data"}]
    assert [x for x in page.loads if not x[2].startswith("#")] == []
    assert not {"link", "img", "iframe", "object", "embed", "video", "audio"} & page.tags
    lowered = html.lower()
    # url(#id) refers to an element of the page itself (the clip paths of a matplotlib drawing)
    assert "url(" not in re.sub(r"url\(#[\w.-]+\)", "", lowered)
    assert "@import" not in lowered and "@font-face" not in lowered
