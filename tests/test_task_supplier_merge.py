"""An anchor admin merges two suppliers through the supplier review, in Chromium at 1280 px and 375 px.

Written against what a person sees (headings, labels, button and link names, rows by their text), so that it
follows the review as it changes. TODAY's flow: the second supplier is named by its record number, read from the
"Advanced" detail of its row on the resolved suppliers page; when the review offers "Same as…" chosen by a
search, only `name_the_other_supplier` changes."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from tests.task_support import WIDTHS, fits_and_shot, menu, sign_in_at, task_page
from tests.test_suppliers import _extra_sql
from tests.test_web_browser import server  # noqa: F401  (server is a fixture)
from tests.web_support import MARKERS, refresh_figures

from anchorage.suppliers import generate
from anchorage.suppliers.registers import import_register
from anchorage.suppliers.resolve import resolve

pytestmark = pytest.mark.browser
UNSURE = "Central Consulting PLC"  # the council's supplier the register match is unsure of (in the review)
SAME_FIRM = MARKERS["council"]  # another council supplier, which the admin knows to be the same firm


def rows_with(page: Any, text: str) -> Any:
    return page.get_by_role("row").filter(has_text=text)


def supplier_ids(page: Any) -> dict[str, str]:
    """The resolved suppliers' CSV, downloaded from its link: each council record's supplier."""
    with page.expect_download() as download:
        page.get_by_role("link", name="Download all as CSV").click()
    text = download.value.path().read_text(encoding="utf-8")
    return {r["supplier_name"]: r["supplier_id"] for r in csv.DictReader(io.StringIO(text)) if r["org"] == "council"}


def name_the_other_supplier(page: Any, base: str) -> str:
    """Today: find the other supplier on the resolved suppliers page and read its record number."""
    page.locator("main").get_by_role("link", name="resolved suppliers").first.click()
    page.wait_for_load_state()
    page.get_by_label("Search by name or number").fill(SAME_FIRM)
    page.get_by_role("button", name="Search").click()
    page.wait_for_load_state()
    row = rows_with(page, SAME_FIRM).first
    row.get_by_text("Advanced", exact=True).click()
    record = row.get_by_text(re.compile(r"^Record \S+$")).inner_text().removeprefix("Record ").strip()
    fits_and_shot(page, "merge-2-find-the-other")
    page.goto(base + "/suppliers/review")
    return record


@pytest.mark.parametrize("width", WIDTHS)
def test_anchor_admin_merges_two_suppliers(server, tmp_path, width):  # noqa: F811
    base, web = server
    register = generate.write_companies_house(tmp_path / "ch", 300, parts=1, extra_sql=_extra_sql())
    import_register(web.ws, "companies_house", register)
    resolve(web.ws)  # as the analyst's run would, behind the server's back
    refresh_figures(web.ws)
    problems: list[str] = []
    with task_page(problems, width) as page:
        sign_in_at(page, base, "/suppliers/resolved", "admin@council.org")
        before = supplier_ids(page)
        assert before[UNSURE] != before[SAME_FIRM]
        menu(page, "Supplier review")
        assert page.get_by_role("heading", level=1).inner_text().startswith("Supplier")
        assert rows_with(page, UNSURE).count() == 1  # the unsure match is there to decide
        fits_and_shot(page, "merge-1-review")

        other = name_the_other_supplier(page, base)
        row = rows_with(page, UNSURE).first
        row.get_by_label(re.compile("^Same supplier as")).fill(other)
        row.get_by_role("button", name="Merge").click()
        page.wait_for_load_state()
        assert "saved" in page.get_by_role("status").inner_text()
        decisions = page.get_by_role("table").filter(has_text="Undo")
        assert decisions.get_by_role("row").filter(has_text="merge").count() == 1
        assert other not in decisions.inner_text()  # record numbers stay in the "Advanced" detail
        fits_and_shot(page, "merge-3-decided")

        # The two are now one supplier, in what the admin downloads as in what the figures use.
        menu(page, "Resolved suppliers")
        after = supplier_ids(page)
        assert after[UNSURE] == after[SAME_FIRM]
        assert {n for n, s in after.items() if s == after[UNSURE]} == {UNSURE, SAME_FIRM}
        fits_and_shot(page, "merge-4-resolved")
    assert problems == []
