"""The table component in Chromium: at 1280 px and 375 px a wide table scrolls inside its own box (the page never
scrolls sideways), and a dashboard figure's link leads to the rows behind it."""

from __future__ import annotations

import pytest
from tests.test_web_browser import browser_page, server  # noqa: F401  (server is a fixture)
from tests.test_web_pages_layout import sign_in

pytestmark = pytest.mark.browser

BOXES = """() => [...document.querySelectorAll('.table-scroll')].map(b => {
  const before = b.scrollLeft; b.scrollLeft = 10000; const moved = b.scrollLeft; b.scrollLeft = before;
  return {scroll: b.scrollWidth, width: b.clientWidth, moved};
})"""
PAGE = "() => ({scroll: document.documentElement.scrollWidth, width: document.documentElement.clientWidth})"


@pytest.mark.parametrize("width", [1280, 375])
def test_tables_scroll_inside_their_box_and_a_figure_leads_to_its_rows(server, width):  # noqa: F811
    base, _web = server
    problems: list[str] = []
    with browser_page(problems, viewport={"width": width, "height": 800}) as page:
        sign_in(page, base, "analyst@council.org")
        for path in ("/anchors/council/transactions?sort=-amount", "/suppliers", "/uploads"):
            page.goto(base + path)
            whole = page.evaluate(PAGE)
            assert whole["scroll"] <= whole["width"], (path, width, whole)
            boxes = page.evaluate(BOXES)
            assert boxes, path
            if width == 375 and path.startswith(
                "/anchors"
            ):  # eight columns cannot fit: the box scrolls
                assert boxes[0]["scroll"] > boxes[0]["width"] and boxes[0]["moved"] > 0, boxes
        # A drill-down: the dashboard's "Local" tier row opens the local payments of the same period.
        page.goto(base + "/dashboard/council?year=all")
        page.locator("table a", has_text="Local").first.click()
        page.wait_for_load_state()
        assert "tier=local" in page.url and "counted=yes" in page.url
        tiers = page.locator("table.data-table tbody tr td:nth-child(7)").all_inner_texts()
        assert tiers and set(tiers) == {"Local"}
        assert "Where the supplier is: Local" in page.locator(".active-filters").inner_text()
        # Sorting by a header keeps the filter.
        page.get_by_role("link", name="Amount").click()
        page.wait_for_load_state()
        assert "tier=local" in page.url and "sort=-amount" in page.url
        amounts = page.locator("table.data-table tbody tr td:nth-child(3)").all_inner_texts()
        values = [float(a.replace("£", "").replace(",", "").replace("−", "-")) for a in amounts]
        assert values == sorted(values, reverse=True)
    assert problems == []
