"""Real-browser test: Playwright drives Debian's Chromium (headless) through the main journey."""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from tests.test_web_uploads import ODD_COLUMNS
from tests.web_support import PASSWORD, Web, build_web, wait_for_jobs

pytestmark = pytest.mark.browser


def chromium_path() -> str:
    path = (
        os.environ.get("ANCHORAGE_CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )
    if not path:
        if os.environ.get("CI"):
            pytest.fail(
                "CI must install Chromium (Debian package chromium): the browser tests always run there"
            )
        pytest.skip("install Chromium (Debian: apt-get install chromium) to run the browser tests")
    return path


# One Chromium for the test process, started on first use: (Playwright, Browser, Playwright's event loop).
# Playwright's sync API leaves its event loop marked as running in this thread between calls, which would
# stop the other tests' asyncio.run(); the mark is put back only while a page is in use (below).
_chromium: list[Any] = []
_open_pages: list[object] = []  # pages open now (one inside another keeps the loop marked)


def _browser() -> Any:
    """The process's Chromium, launched once (a launch costs seconds); again should it have gone away."""
    if _chromium and not _chromium[0][1].is_connected():
        _stop_browser()
    if not _chromium:
        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
        loop = asyncio.events._get_running_loop()
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=["--no-sandbox"]
        )
        _chromium.append((playwright, browser, loop))
        atexit.register(_stop_browser)
    asyncio.events._set_running_loop(_chromium[0][2])
    return _chromium[0][1]


def _stop_browser() -> None:
    while _chromium:
        playwright, browser, loop = _chromium.pop()
        asyncio.events._set_running_loop(loop)
        with suppress(Exception):
            browser.close()
        with suppress(Exception):
            playwright.stop()
        asyncio.events._set_running_loop(None)


@contextmanager
def browser_page(problems: list[str], **page_options: Any) -> Iterator[Any]:
    """A page in Debian's Chromium that records console errors and page errors in `problems`: a context of its
    own (cookies, storage, cache and downloads start empty, as in a new browser), closed afterwards."""
    _open_pages.append(page_options)
    try:
        context = _browser().new_context(**page_options)
        page = context.new_page()
        page.on(
            "console",
            lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
        )
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        try:
            yield page
        finally:
            context.close()
    finally:
        _open_pages.pop()
        if not _open_pages:  # this thread runs no event loop between pages
            asyncio.events._set_running_loop(None)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Web]]:
    web = build_web(tmp_path)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(web.app, host="127.0.0.1", port=port, log_level="warning"))  # type: ignore[arg-type]
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not srv.started:
        assert time.time() < deadline, "the web server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", web
    srv.should_exit = True
    thread.join(10)


def test_login_upload_fix_mapping_dashboard_and_report(server, tmp_path):
    base, _web = server
    upload = tmp_path / "payments-june.csv"
    upload.write_text(ODD_COLUMNS, encoding="utf-8")
    problems: list[str] = []
    with browser_page(problems) as page:
        page.goto(f"{base}/dashboard")
        assert page.url.startswith(f"{base}/login")
        page.get_by_label("Email address").fill("analyst@council.org")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{base}/dashboard")  # back where the user was going
        assert page.get_by_role("heading", name="Whole collaborative").is_visible()
        page.get_by_role("link", name="Upload", exact=True).click()
        page.locator("input#file").set_input_files(str(upload))
        page.get_by_role("button", name="Upload and preview").click()
        page.wait_for_url("**/upload/*")
        assert page.get_by_role("cell", name="New Local Bakery").first.is_visible()
        page.get_by_label("Supplier (required)").select_option("Who we paid")
        page.get_by_label("Amount (required)").select_option("How much (GBP)")
        page.get_by_label("Payment date (required)").select_option("When")
        page.get_by_label("Expense type").select_option("Kind of spend")
        page.get_by_label("Date order").select_option(
            "dmy"
        )  # 01/06/2023 could be either: the lead says
        page.get_by_role("button", name="Load the file").click()
        page.wait_for_url("**/jobs/*")  # the load is a job: its page follows it, refreshing itself
        # The council already has a payment in these days: the check says so, and the lead loads it anyway.
        page.get_by_role("link", name="Go back to the file's preview to answer this").click(
            timeout=60_000
        )
        summary = page.locator(".error-summary")
        assert "overlaps 1 payments (£500.00)" in summary.inner_text()
        page.get_by_label("Supplier (required)").select_option("Who we paid")
        page.get_by_label("Amount (required)").select_option("How much (GBP)")
        page.get_by_label("Payment date (required)").select_option("When")
        page.get_by_label("Expense type").select_option("Kind of spend")
        page.get_by_label("Date order").select_option("dmy")
        page.get_by_label("Load it anyway: I have checked the warnings above").check()
        page.get_by_role("button", name="Load the file").click()
        page.wait_for_url("**/jobs/*")
        table = page.locator("#reconciliation")
        table.wait_for(timeout=60_000)
        assert "3" in table.locator("tr", has_text="Read").inner_text()
        assert "1" in table.locator("tr", has_text="Quarantined").inner_text()
        wait_for_jobs(_web.ws)  # the new figures are worked out as a job after the load
        page.get_by_role("link", name="Go to the dashboard").click()
        page.wait_for_url(f"{base}/dashboard/council")
        assert page.get_by_role("heading", name="Council").is_visible()
        assert "NEW LOCAL BAKERY" in page.content().upper()
        page.keyboard.press("Tab")  # the first Tab lands on the skip link (keyboard use)
        assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
        page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
        assert (tmp_path / "dashboard.png").stat().st_size > 10_000
        page.get_by_role("link", name="Reports", exact=True).click()
        page.get_by_role("link", name="Excel workbook of every table").click()
        page.wait_for_url("**/jobs/*")  # built as a job; its page links to the file when done
        with page.expect_download() as dl:
            page.get_by_role("link", name="Download the report (XLSX)").click(timeout=60_000)
        saved = tmp_path / "report.xlsx"
        dl.value.save_as(saved)
        assert saved.read_bytes()[:2] == b"PK"
    assert problems == []
