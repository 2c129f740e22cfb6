"""Real browser: the assets map filters and the public need form work in Chromium under the site's CSP
(no inline scripts run, and none are needed)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from tests.test_web_assets import COUNCIL, REFERENCE, TRUST
from tests.test_web_browser import browser_page, server  # noqa: F401  (the fixture)
from tests.web_support import PASSWORD

from anchorage.assets.register import import_assets
from anchorage.reference.load import import_reference
from anchorage.store.assets_records import Need

pytestmark = pytest.mark.browser


def test_map_filters_and_public_need_form_in_chromium(server, tmp_path):  # noqa: F811
    base, web = server
    import_reference(web.ws, [REFERENCE / "nspl_SM.csv"])
    for org, text in (("council", COUNCIL), ("acute-trust", TRUST)):
        (tmp_path / f"{org}.csv").write_text(text, encoding="utf-8")
        import_assets(web.ws, tmp_path / f"{org}.csv", org)
    problems: list[str] = []
    with browser_page(problems) as page:
        # A community group, not signed in, posts a need.
        page.goto(f"{base}/community/need")
        box = page.locator("#website").bounding_box()
        assert (
            box is None or box["x"] + box["width"] <= 0
        )  # the honeypot is off the screen, out of tab order
        page.get_by_label("Your group's name").fill("Sutton Seniors")
        page.get_by_label("Email address").fill("chair@seniors.example.org")
        page.get_by_label("What is the space for?").fill("Tea dance")
        page.get_by_label("How many people?").fill("25")
        page.get_by_label("Where?").fill("SM1 1AA")
        page.wait_for_timeout(3500)  # people take longer than the 3-second time trap
        page.get_by_role("button", name="Send").click()
        assert page.get_by_role("heading", name="Thank you").is_visible()
        with web.ws.session() as s:
            assert (
                s.scalars(
                    select(Need.status).where(Need.contact_email == "chair@seniors.example.org")
                ).one()
                == "pending-confirmation"
            )
        # An analyst filters the map to one anchor.
        page.goto(f"{base}/login")
        page.get_by_label("Email address").fill("analyst@council.org")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"{base}/assets/map")
        assert page.locator("circle.asset").count() == 4
        page.locator("input[name=org][value=council]").check()
        page.get_by_role("button", name="Show").click()
        page.wait_for_url("**/assets/map?org=council*")
        assert page.locator("circle.asset").count() == 3
        assert page.locator("svg.asset-map").is_visible()
    assert problems == []
