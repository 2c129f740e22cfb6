"""axe-core (the accessibility engine, bundled by axe-playwright-python) on every page type in Chromium, as an
anchor admin and as the public: no serious or critical violations, at desktop and phone widths."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from tests.test_web_browser import browser_page, server  # noqa: F401  (server is a fixture)
from tests.test_web_pages_layout import PUBLIC, SIGNED_IN, sign_in

pytestmark = pytest.mark.browser
WCAG = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}


@pytest.mark.parametrize("width", [375, 1280])
def test_no_serious_accessibility_violations_on_any_page(server, width):  # noqa: F811
    base, _web = server
    axe, problems, found, checked = Axe(), [], [], 0
    with browser_page(problems, viewport={"width": width, "height": 800}) as page:
        for email, paths in ((None, PUBLIC), ("admin@council.org", SIGNED_IN)):
            page.context.clear_cookies()
            if email:
                sign_in(page, base, email)
            for path in paths:
                page.goto(base + path)
                result = axe.run(page, options=WCAG).response
                checked += 1
                for v in result["violations"]:
                    if v["impact"] in ("serious", "critical"):
                        where = "; ".join(n["target"][0] for n in v["nodes"][:3])
                        found.append(
                            f"{email or 'public'} {path}: {v['id']} ({v['impact']}): {v['help']} at {where}"
                        )
    assert checked == len(PUBLIC) + len(SIGNED_IN)
    assert found == [], "\n".join(found)
