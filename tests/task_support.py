"""Shared steps of the browser task tests (tests/test_task_*.py): each user's task is walked in Debian's Chromium
at a desktop and a phone width; every page on the way must fit the screen (no sideways scroll), and leaves a
screenshot in /tmp/tasks-shots for a person to look at."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from tests.test_web_axe import WCAG
from tests.test_web_browser import browser_page
from tests.web_support import PASSWORD

WIDTHS = [1280, 375]
SHOTS = Path(os.environ.get("ANCHORAGE_TASK_SHOTS", "/tmp/tasks-shots"))
WIDTH = "() => ({scroll: document.scrollingElement.scrollWidth, width: window.innerWidth})"


@contextmanager
def task_page(problems: list[str], width: int) -> Iterator[Any]:
    """A Chromium page `width` px wide that takes downloads and records console and page errors."""
    with browser_page(
        problems, viewport={"width": width, "height": 900}, accept_downloads=True
    ) as page:
        yield page


def fits_and_shot(page: Any, name: str) -> Path:
    """The page does not scroll sideways; a full-page screenshot of it is saved (and is not blank)."""
    page.wait_for_load_state()
    m = page.evaluate(WIDTH)
    assert m["scroll"] <= m["width"], (
        f"{name} ({page.url}) scrolls sideways: {m['scroll']} px in {m['width']} px"
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}-{m['width']}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 5_000, path
    return path


def accessible(page: Any) -> None:
    """axe-core finds no serious or critical violation on the page as it stands (e.g. showing a form's errors)."""
    result = Axe().run(page, options=WCAG).response
    serious = [
        f"{v['id']}: {v['help']} at {v['nodes'][0]['target'][0]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], (page.url, serious)


def sign_in_at(page: Any, base: str, path: str, email: str) -> None:
    """Open a page that needs signing in, sign in on the login page it leads to, and land back on it."""
    page.goto(base + path)
    assert "/login" in page.url
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(base + path) + r"(\?.*)?$"))


def menu(page: Any, label: str) -> None:
    """Follow a link of the site menu as a person would: on a phone the menu is closed until opened."""
    link = page.locator("header").get_by_role("link", name=label, exact=True)
    if not link.is_visible():
        page.locator("header summary", has_text="Menu").click()
    link.click()
    page.wait_for_load_state()


def tile(page: Any, label: str) -> str:
    """The figure of the dashboard's headline tile with this label (e.g. "Total spend")."""
    tiles = page.get_by_role("list", name=re.compile("^Headline figures"))
    return tiles.locator("li", has_text=label).first.locator(".value").inner_text()


def unexpected(problems: list[str]) -> list[str]:
    """Console and page errors, less the browser's note of a form sent back for correction (a 400 by design)."""
    return [p for p in problems if "the server responded with a status of 400" not in p]
