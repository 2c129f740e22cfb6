"""The table filters in Chromium at 375 px (issue 17's walk): they share each line two by two in equal widths,
none sticks out of the form, and a filter that matches nothing says so beside the table."""

from __future__ import annotations

import pytest
from tests.test_web_browser import browser_page, server  # noqa: F401  (server is a fixture)
from tests.test_web_pages_layout import sign_in

pytestmark = pytest.mark.browser

BOXES = """() => {
  const form = document.querySelector('form.table-filters').getBoundingClientRect();
  return [...document.querySelectorAll('form.table-filters fieldset')].map(f => {
    const b = f.getBoundingClientRect();
    return {bottom: Math.round(b.bottom), left: b.left, right: b.right, width: b.width, formRight: form.right};
  });
}"""


def test_phone_filters_share_lines_in_equal_widths_and_an_empty_result_says_so(server):  # noqa: F811
    base, _web = server
    problems: list[str] = []
    with browser_page(problems, viewport={"width": 375, "height": 800}) as page:
        sign_in(page, base, "analyst@council.org")
        for path in ("/anchors/council/transactions", "/suppliers"):
            page.goto(base + path)
            boxes = page.evaluate(BOXES)
            assert len(boxes) >= 4, path
            assert all(b["right"] <= b["formRight"] + 0.5 for b in boxes), (path, boxes)
            lines: dict[
                int, list[dict[str, float]]
            ] = {}  # a line's filters end level (align-items: flex-end)
            for b in boxes:
                lines.setdefault(b["bottom"], []).append(b)
            full = [line for line in lines.values() if len(line) == 2]
            # Every line but perhaps the last holds two filters, of the same width.
            assert len(full) >= len(lines) - 1, (path, boxes)
            for a, b in full:
                assert abs(a["width"] - b["width"]) < 2, (path, a, b)
        page.goto(base + "/anchors/council/transactions?supplier=Nobody+Trades+As+This")
        empty = page.locator("p.empty-table")
        assert empty.is_visible()
        assert "No payments match these filters" in empty.inner_text()
        box = empty.bounding_box()
        assert box and box["x"] + box["width"] <= 375
    assert problems == []
