"""In Chromium, as an anchor admin at 1280 px and 375 px: merge two suppliers by finding the other one by name
("Same as…"), with no internal id typed or copied, then undo it; the pages fit the screen and axe finds no
serious or critical violation."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from tests.test_suppliers import _extra_sql
from tests.test_web_axe import WCAG
from tests.test_web_browser import browser_page, server  # noqa: F401  (server is a fixture)
from tests.test_web_pages_layout import sign_in
from tests.web_support import refresh_figures

from anchorage.suppliers import generate
from anchorage.suppliers.export import resolved_suppliers
from anchorage.suppliers.registers import import_register
from anchorage.suppliers.resolve import resolve

pytestmark = pytest.mark.browser
FITS = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"


def supplier_of(ws, name: str) -> str:
    df = resolved_suppliers(ws)
    return df[(df["org"] == "council") & (df["supplier_name"] == name)]["supplier_id"].iloc[0]


def serious(axe: Axe, page, where: str) -> list[str]:
    result = axe.run(page, options=WCAG).response
    return [
        f"{where}: {v['id']} ({v['impact']}): {v['help']}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_an_anchor_admin_merges_two_suppliers_by_name_at_desktop_and_phone_widths(server, tmp_path):  # noqa: F811
    base, web = server
    ch = generate.write_companies_house(tmp_path / "ch", 300, parts=1, extra_sql=_extra_sql())
    import_register(web.ws, "companies_house", ch)
    resolve(web.ws)
    refresh_figures(web.ws)
    axe, problems, found = Axe(), [], []
    for width in (1280, 375):
        with browser_page(problems, viewport={"width": width, "height": 800}) as page:
            sign_in(page, base, "admin@council.org")
            page.goto(f"{base}/suppliers/review")
            found += serious(axe, page, f"{width} px review")
            assert page.evaluate(FITS), f"the review page scrolls sideways at {width} px"
            count = page.locator("#item .hint").inner_text()
            assert count.startswith("1 of ") and count.endswith("to review, largest spend first")
            while "Central Consulting PLC" not in page.locator("#item").inner_text():
                page.get_by_role("link", name="Skip to the next").click()
                page.wait_for_load_state()
            assert page.get_by_role("heading", name="As Council has it").is_visible()
            assert page.get_by_role("link", name="see it on Companies House").first.is_visible()
            assert supplier_of(web.ws, "Central Consulting PLC") != supplier_of(
                web.ws, "Local Caterers Ltd"
            )
            page.get_by_label("Supplier name").fill("caterers")
            page.get_by_role("button", name="Find").click()
            page.wait_for_load_state()
            found += serious(axe, page, f"{width} px search results")
            assert page.evaluate(FITS), f"the search results scroll sideways at {width} px"
            page.get_by_role("button", name="Same as this one").first.click()
            page.wait_for_load_state()
            status = page.get_by_role("status").first.inner_text()
            assert "Saved: same as another supplier for Central Consulting PLC" in status
            assert supplier_of(web.ws, "Central Consulting PLC") == supplier_of(
                web.ws, "Local Caterers Ltd"
            )
            page.get_by_role("button", name="Undo this decision").click()
            page.wait_for_load_state()
            assert "The decision is withdrawn" in page.get_by_role("status").first.inner_text()
            assert supplier_of(web.ws, "Central Consulting PLC") != supplier_of(
                web.ws, "Local Caterers Ltd"
            )
            page.goto(f"{base}/suppliers/resolved")
            found += serious(axe, page, f"{width} px resolved suppliers")
            assert page.evaluate(FITS), (
                f"the resolved suppliers page scrolls sideways at {width} px"
            )
            height = page.evaluate("document.documentElement.scrollHeight")
            assert height < 6000, f"the resolved suppliers page is {height} px tall at {width} px"
    assert found == [], "\n".join(found)
    assert problems == []
