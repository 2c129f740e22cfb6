"""Real-browser test: a supplier registers through the public form as a person would (no JavaScript needed),
never sees the honeypot, and confirms through the link in the outbox."""

from __future__ import annotations

import email
import re
import time

import pytest
from tests.test_web_browser import browser_page, server  # noqa: F401  (the live-server fixture)

from anchorage.public_forms.outbox import outbox_dir

pytestmark = pytest.mark.browser


def test_supplier_registers_and_confirms_in_a_browser(server):  # noqa: F811
    base, web = server
    problems: list[str] = []
    with browser_page(problems) as page:
        page.goto(f"{base}/opportunities")
        assert (
            page.get_by_role("heading", level=1)
            .inner_text()
            .startswith("Opportunities to work with")
        )
        page.get_by_role(
            "link", name="Register as a local supplier"
        ).click()  # the menu label is the page title
        page.wait_for_url("**/opportunities/register")
        trap = page.locator(
            "input[name=website]"
        )  # the honeypot is for bots: off screen, out of the tab order
        box = trap.bounding_box()
        assert (
            box is not None
            and box["x"] + box["width"] <= 0
            and trap.get_attribute("tabindex") == "-1"
        )
        page.get_by_label("Name of your organisation").fill("Browser Bakery CIC")
        page.get_by_label("Catering").check()
        page.get_by_label("Postcode of your base").fill("SE6 4RU")
        page.get_by_label("Size").select_option("micro")
        page.get_by_label("Kind of organisation").select_option("cic")
        page.get_by_label("Company number").fill("12345678")
        page.get_by_label("Contact email").fill("bake@browser.example")
        time.sleep(3.2)  # a person takes longer than the time trap's three seconds
        page.get_by_role("button", name="Register").click()
        page.wait_for_url("**/opportunities/register")
        assert page.get_by_role("heading", name="Check your email").is_visible()
        [message] = [
            email.message_from_bytes(p.read_bytes()) for p in outbox_dir(web.ws).glob("*.eml")
        ]
        link = re.search(r"http://\S+/confirm/\S+", message.get_payload(decode=True).decode())
        assert link and message["To"] == "bake@browser.example"
        page.goto(link.group(0))
        page.get_by_role("button", name="Confirm").click()
        assert page.get_by_role("heading", name="You are in the directory").is_visible()
    assert problems == []
