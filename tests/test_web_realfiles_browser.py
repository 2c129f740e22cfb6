"""Real-browser test (Chromium): a month-first file and another body's file, through the upload preview."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.test_web_browser import browser_page, server  # noqa: F401 - the server fixture
from tests.web_support import PASSWORD, wait_for_jobs

pytestmark = pytest.mark.browser

MONTH_FIRST = "Supplier,Amount,Date\nUS Style Ltd,10,1/12/2022\nOther US Ltd,20,7/31/2022\n"
OTHER_BODY = "Body Name,Supplier,Amount,Date\nLeeds City Council,Leeds Paid Ltd,10,15/09/2023\n"


def _upload(page, base: str, path) -> None:
    page.goto(f"{base}/upload")
    page.locator("input#file").set_input_files(str(path))
    page.get_by_role("button", name="Upload and preview").click()
    page.wait_for_url("**/upload/*")


def _stored(web, supplier: str) -> list[tuple]:
    with web.ws.warehouse() as con:
        return con.execute(
            "SELECT payment_date, amount FROM spend WHERE org = 'council' AND supplier_name = ?",
            [supplier],
        ).fetchall()


def _load_and_wait(page, web) -> None:  # type: ignore[no-untyped-def]
    """Press Load: the load is a job; once it has ended, its page shows how it went."""
    page.get_by_role("button", name="Load the file").click()
    page.wait_for_url("**/jobs/*")
    wait_for_jobs(web.ws)
    page.reload()


def test_month_first_and_another_bodys_file_through_the_browser(server, tmp_path):  # noqa: F811
    base, web = server
    us, leeds = tmp_path / "us-style.csv", tmp_path / "leeds.csv"
    us.write_text(MONTH_FIRST, encoding="utf-8")
    leeds.write_text(OTHER_BODY, encoding="utf-8")
    problems: list[str] = []
    with browser_page(problems) as page:
        page.goto(f"{base}/login")
        page.get_by_label("Email address").fill("analyst@council.org")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{base}/**")

        # A month-first file: the preview says how its dates will be read, and they load that way.
        _upload(page, base, us)
        assert "Dates will be read month first (MM/DD/YYYY)" in page.locator("main").inner_text()
        assert page.locator("#checks").count() == 0  # nothing to warn about
        _load_and_wait(page, web)
        assert (
            "The payments loaded are dated 12/01/2022 to 31/07/2022."
            in page.locator("#file-dates").inner_text()
        )
        assert _stored(web, "US Style Ltd") == [(dt.date(2022, 1, 12), 10)]
        assert _stored(web, "Other US Ltd") == [(dt.date(2022, 7, 31), 20)]

        # Another body's file: the preview warns before any load; it loads only once the user confirms.
        _upload(page, base, leeds)
        checks = page.locator("#checks").inner_text()
        assert 'names "Leeds City Council", not "Council"' in checks
        _load_and_wait(
            page, web
        )  # the load job stops on the warning and sends the user back to answer it
        assert "Leeds City Council" in page.locator(".error-summary").inner_text()
        assert _stored(web, "Leeds Paid Ltd") == []
        page.get_by_role("link", name="Go back to the file's preview to answer this").click()
        page.wait_for_url("**/upload/*")
        page.get_by_label("Load it anyway: I have checked the warnings above").check()
        _load_and_wait(page, web)
        assert page.locator("#reconciliation").is_visible()
        assert _stored(web, "Leeds Paid Ltd") == [(dt.date(2023, 9, 15), 10)]
    assert problems == []
