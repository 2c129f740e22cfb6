"""Every page type, as every role, in Chromium at 375 px and 1280 px: no sideways page scroll, a compact
header with a working menu, every chart whole on the screen and in its box, chart text >= 12 px."""

from __future__ import annotations

from typing import Any

import pytest
from tests.test_web_browser import browser_page, server  # noqa: F401  (server is a fixture)
from tests.test_web_browser_workforce import load_workforce
from tests.web_support import PASSWORD

pytestmark = pytest.mark.browser

SIGNED_IN = [
    "/dashboard",
    "/dashboard/council",
    "/benchmark",
    "/suppliers",
    "/suppliers/resolved",
    "/suppliers/review",
    "/suppliers/review/all",
    "/anchors/council/transactions",
    "/pipeline",
    "/pipeline/opportunities",
    "/directory",
    "/socialvalue",
    "/socialvalue/framework",
    "/socialvalue/record",
    "/lm3",
    "/lm3/simulate",
    "/workforce",
    "/workforce/apprenticeships",
    "/workforce/levy",
    "/workforce/bid",
    "/workforce/he",
    "/assets",
    "/assets/map",
    "/assets/review",
    "/assets/occupancy",
    "/assets/acv",
    "/spaces",
    "/spaces/requests",
    "/spaces/matches",
    "/upload",
    "/uploads",
    "/reports",
    "/notifications",
    "/admin/users",
    "/admin/sharing",
    "/admin/audit",
    "/account",
    "/no-such-page",
]
PUBLIC = ["/login", "/opportunities", "/opportunities/register", "/community/need", "/no-such-page"]
ROLES = [None, "collab@x.org", "admin@council.org", "analyst@council.org", "viewer@college.org"]
HEADER_MAX = {375: 80, 1280: 200}  # px; the header was 718 px tall at 375 px

MEASURE = """() => {
  const header = document.querySelector('header.site').getBoundingClientRect().height;
  const small = [], cut = [], right = document.documentElement.clientWidth;
  for (const svg of document.querySelectorAll('svg.chart')) {
    const view = svg.viewBox.baseVal, box = svg.getBoundingClientRect(), holder = svg.parentElement;
    if (!view || !view.width || !box.width) continue;
    // The whole chart is on the screen and in its box (a box that must scroll hides the chart's right side)...
    if (box.left < -0.5 || box.right > right + 0.5 || holder.scrollWidth > holder.clientWidth + 1)
      cut.push(`${svg.id}: ${box.left.toFixed(0)}-${box.right.toFixed(0)} px in a ${holder.clientWidth} px box`);
    for (const t of svg.querySelectorAll('text')) {
      const px = parseFloat(getComputedStyle(t).fontSize) * box.width / view.width;
      if (px < 11.95) small.push(`${svg.id}: "${t.textContent}" ${px.toFixed(1)} px`);
      // ...and so is each of its words: none runs past the chart's edge.
      const r = t.getBoundingClientRect();
      if (r.width && (r.left < box.left - 1 || r.right > box.right + 1))
        cut.push(`${svg.id}: "${t.textContent}" runs past the chart's edge`);
    }
  }
  return {scroll: document.documentElement.scrollWidth, width: document.documentElement.clientWidth, header,
          small: small.slice(0, 3), cut: cut.slice(0, 3)};
}"""


def sign_in(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("width", [375, 1280])
def test_every_page_fits_the_screen_as_every_role(server, width, tmp_path):  # noqa: F811
    base, web = server
    load_workforce(
        web, tmp_path / "workforce"
    )  # the workforce pages draw their charts (cut off at 375 px once)
    problems: list[str] = []
    failures: list[str] = []
    visited = 0
    with browser_page(problems, viewport={"width": width, "height": 800}) as page:
        for email in ROLES:
            page.context.clear_cookies()
            if email:
                sign_in(page, base, email)
            for path in SIGNED_IN if email else PUBLIC:
                response = page.goto(base + path)
                assert response is not None and response.status < 500, (email, path)
                m = page.evaluate(MEASURE)
                visited += 1
                who = f"{email or 'public'} {path} at {width} px"
                if m["scroll"] > m["width"]:
                    failures.append(f"{who}: page scrolls sideways ({m['scroll']} > {m['width']})")
                if m["header"] > HEADER_MAX[width]:
                    failures.append(f"{who}: header {m['header']:.0f} px tall")
                if m["small"]:
                    failures.append(f"{who}: chart text under 12 px: {m['small']}")
                if m["cut"]:
                    failures.append(f"{who}: chart cut off: {m['cut']}")
    assert visited == 4 * len(SIGNED_IN) + len(PUBLIC)
    assert failures == []


def test_phone_menu_opens_without_script_and_marks_the_current_page(server):  # noqa: F811
    base, _web = server
    problems: list[str] = []
    with browser_page(
        problems, viewport={"width": 375, "height": 800}, java_script_enabled=False
    ) as page:
        sign_in(page, base, "analyst@council.org")
        page.goto(f"{base}/workforce/levy")
        menu_link = page.get_by_role("link", name="Benchmark", exact=True)
        assert not menu_link.is_visible()  # closed on a phone
        page.get_by_text("Menu", exact=True).click()
        assert menu_link.is_visible()
        current = page.locator('header a[aria-current="page"]')
        assert current.count() == 1 and current.inner_text() == "Workforce profile"
        page.goto(f"{base}/benchmark")
        assert page.locator('header a[aria-current="page"]').text_content() == "Benchmark"
        assert page.title().startswith("Benchmark")  # the menu label is the page's title
    with browser_page(problems, viewport={"width": 1280, "height": 800}) as page:
        sign_in(page, base, "analyst@council.org")
        page.goto(f"{base}/benchmark")
        assert page.get_by_role(
            "link", name="Benchmark", exact=True
        ).is_visible()  # always shown on a wide screen
    assert problems == []
