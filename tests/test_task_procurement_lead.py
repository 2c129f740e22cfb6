"""A procurement lead's task in Chromium, at 1280 px and 375 px: sign in, upload the council's payments, check
the proposed column mapping, load the file and follow its job to the end, choose the financial year 2024-25 on
the dashboard and see the figures change, go from the "Local" figure to the payments behind it, and download
the board report for 2024-25 as a PDF."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader
from tests.task_support import WIDTHS, fits_and_shot, menu, sign_in_at, task_page, tile
from tests.test_web_browser import server  # noqa: F401  (server is a fixture)
from tests.web_support import wait_for_jobs

pytestmark = pytest.mark.browser

# The council's finance system export: a March 2024 payment completes 2023-24 (the year the dashboard opens
# on), and 2024-25 so far has one local and one non-local payment.
PAYMENTS = """Supplier Name,Amount,Payment Date,Expense Type
Local Caterers Ltd,700.00,2024-03-15,Catering
Local Caterers Ltd,2400.00,2024-05-10,Catering
Central Consulting PLC,3600.00,2024-06-12,Consultancy
"""
LOCAL_2024 = [
    ("Local Caterers Ltd", "2024-05-10")
]  # (supplier, date) of the 2024-25 local payments above


@pytest.mark.parametrize("width", WIDTHS)
def test_procurement_lead_loads_payments_and_reports_on_2024_25(server, tmp_path, width):  # noqa: F811
    base, web = server
    upload = tmp_path / "council-payments-2024.csv"
    upload.write_text(PAYMENTS, encoding="utf-8")
    problems: list[str] = []
    with task_page(problems, width) as page:
        sign_in_at(page, base, "/upload", "analyst@council.org")
        page.get_by_label("What is in the file").select_option(label="Spend (payments)")
        page.get_by_label(re.compile("^File")).set_input_files(str(upload))
        page.get_by_role("button", name="Upload and preview").click()
        page.wait_for_url("**/upload/*")

        # The preview shows the file's rows and proposes a column for each field, which the lead checks.
        assert page.get_by_role("cell", name="Central Consulting PLC").first.is_visible()
        proposed = {
            "Supplier (required)": "Supplier Name",
            "Amount (required)": "Amount",
            "Payment date (required)": "Payment Date",
            "Expense type": "Expense Type",
        }
        for field, column in proposed.items():
            assert page.get_by_label(field, exact=True).input_value() == column, field
        fits_and_shot(page, "lead-1-preview")
        page.get_by_role("button", name="Load the file").click()

        # The load is a job: its page refreshes itself until the file is in, then leads to the dashboard.
        page.wait_for_url("**/jobs/*")
        to_dashboard = page.get_by_role("link", name="Go to the dashboard")
        to_dashboard.wait_for(timeout=90_000)
        reconciliation = page.locator("#reconciliation")
        assert "3" in reconciliation.locator("tr", has_text="Read").inner_text()
        fits_and_shot(page, "lead-2-loaded")
        wait_for_jobs(web.ws)  # the new figures are worked out as a job after the load
        to_dashboard.click()
        page.wait_for_url(f"{base}/dashboard/council")

        # The dashboard opens on the latest complete year; the lead picks 2024-25 and the figures change.
        year = page.get_by_label("Financial year", exact=True)
        opened_on = year.locator("option:checked").inner_text()
        assert opened_on != "2024-25"
        before = {label: tile(page, label) for label in ("Total spend", "Local")}
        fits_and_shot(page, "lead-3-dashboard-default")
        year.select_option("2024-25")
        page.get_by_role("button", name="Show").click()
        page.wait_for_url(re.compile(r"year=2024-25"))
        assert "2024-25" in page.locator(".period-line").inner_text()
        after = {label: tile(page, label) for label in before}
        assert (
            after["Total spend"] != before["Total spend"] and after["Local"] != before["Local"]
        ), (before, after)
        fits_and_shot(page, "lead-4-dashboard-2024-25")

        # From "Local" to the payments behind it: this anchor's local payments of 2024-25, nothing else.
        page.get_by_role("link", name="Local: the payments behind it").click()
        page.wait_for_url(re.compile(r"/anchors/council/transactions\?"))
        assert "tier=local" in page.url and "year=2024-25" in page.url
        rows = page.locator("table.data-table tbody tr")
        seen = sorted(
            (
                rows.nth(i).locator("td").nth(1).inner_text().strip(),
                rows.nth(i).locator("td").nth(0).inner_text().strip(),
            )
            for i in range(rows.count())
        )
        shown = [(name.upper(), dt.datetime.strptime(day, "%d %b %Y").date()) for name, day in seen]
        assert shown == [(n.upper(), dt.date.fromisoformat(d)) for n, d in LOCAL_2024], seen
        fits_and_shot(page, "lead-5-local-payments")

        # The board report for 2024-25, built as a job and downloaded from its page.
        menu(page, "Reports")
        page.get_by_label("Financial year", exact=True).select_option("2024-25")
        page.get_by_role("button", name="Show").click()
        page.wait_for_url(re.compile(r"year=2024-25"))
        page.get_by_role("link", name="Download the board report for 2024-25 (PDF)").click()
        page.wait_for_url("**/jobs/*")
        with page.expect_download(timeout=120_000) as download:
            page.get_by_role("link", name="Download the report (PDF)").click(timeout=120_000)
        fits_and_shot(page, "lead-6-report-job")
        pdf = download.value.path().read_bytes()
    assert pdf[:5] == b"%PDF-"
    text = "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "2024-25" in text and "Council" in text
    assert "data to" in text  # how far the figures go, as on every page
    assert not re.search(
        r"docs/\w+\.md|\banchorage [a-z]+", text
    )  # no file citations or commands for a board
    assert problems == []
