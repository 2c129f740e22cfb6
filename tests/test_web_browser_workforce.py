"""Real-browser test of the workforce pages: Playwright drives Debian's Chromium (headless) through the staff
profile, rotations, levy pool and collective bid, submits a pledge, downloads the bid pack, and checks that
small counts show as suppressed and that no page logs a console error."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
from tests.test_web_browser import browser_page, server  # noqa: F401 (the fixture)
from tests.test_web_workforce import COUNCIL_STAFF, TRUST_STAFF, write
from tests.web_support import PASSWORD, Web

from anchorage.ingest.staff import ingest_staff
from anchorage.workforce.apprenticeships import (
    load_apprentices,
    load_placements,
    load_programmes,
    solve_and_save,
)
from anchorage.workforce.bid_io import load_pledges, load_starts
from anchorage.workforce.levy_io import load_pay_bills

pytestmark = pytest.mark.browser


def load_workforce(web: Web, d: Path) -> None:
    d.mkdir()
    ws = web.ws
    ingest_staff(ws, write(d / "council.csv", COUNCIL_STAFF), "Council", as_at=dt.date(2025, 11, 1))
    ingest_staff(ws, write(d / "trust.csv", TRUST_STAFF), "Acute Trust", as_at=dt.date(2025, 11, 1))
    load_programmes(
        ws,
        write(
            d / "p.csv",
            "id,standard,level,duration_months,off_the_job_hours,start_date\n"
            "BA3,Business administrator,3,12,400,01/09/2025\n",
        ),
    )
    load_placements(
        ws,
        write(
            d / "pl.csv",
            "id,anchor,department,skill,capacity\nC1,Council,Finance,finance,1\n"
            "T1,Acute Trust,Estates,estates,1\n",
        ),
    )
    load_apprentices(
        ws,
        write(
            d / "a.csv",
            "id,programme,employer,start_date,preferences\n"
            "CA1,BA3,Council,01/09/2025,C1;T1\nTA1,BA3,Acute Trust,01/09/2025,T1;C1\n",
        ),
    )
    solve_and_save(ws, months=12, block_months=6, time_limit=10)
    bills = "anchor,month,pay_bill\n" + "".join(
        f"Council,{dt.date(2023 + (3 + k) // 12, (3 + k) % 12 + 1, 1):%m/%Y},4000000\n"
        for k in range(24)
    )
    load_pay_bills(ws, write(d / "bills.csv", bills))
    load_pledges(
        ws,
        write(
            d / "pledges.csv",
            "programme,employer,company_number,role,placements,hours_per_week,"
            "hourly_wage,duration_months,additionality,pledged_on\n"
            "kickstart,Cafe Ltd,12345678,Barista,20,25,8.72,6,Y,01/12/2020\n",
        ),
    )
    load_starts(
        ws,
        write(
            d / "starts.csv",
            "employer,role,participant,start_date,outcome\n"
            + "".join(
                f"Cafe Ltd,Barista,P{i},01/03/2021,{'completed' if i < 7 else 'moved into work'}\n"
                for i in range(9)
            ),
        ),
    )


def test_workforce_pages_pledge_and_bid_pack(server, tmp_path):  # noqa: F811 (the fixture)
    base, web = server
    load_workforce(web, tmp_path / "wf")
    problems: list[str] = []
    with browser_page(problems, accept_downloads=True) as page:
        page.goto(f"{base}/workforce")
        page.get_by_label("Email address").fill("analyst@council.org")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{base}/workforce")
        assert page.get_by_role("heading", level=1).count() == 1
        # The council has 3 apprentices: below the threshold of 5, so the profile shows * instead.
        council = (
            page.locator("#apprentices")
            .locator("xpath=following::table[1]")
            .locator("tr", has_text="Council")
        )
        assert council.locator("td.num").first.inner_text() == "*"
        nav = page.get_by_role("navigation", name="Workforce")
        nav.get_by_role("link", name="Apprenticeship rotations").click()
        page.wait_for_url(f"{base}/workforce/apprenticeships")
        assert (
            "CA1" in page.content() and "TA1" not in page.content()
        )  # the trust's apprentice is its detail
        nav.get_by_role("link", name="Levy pool").click()
        page.wait_for_url(f"{base}/workforce/levy")
        assert page.get_by_role("heading", level=1).inner_text().strip() != ""
        nav.get_by_role("link", name="Collective bid").click()
        page.wait_for_url(f"{base}/workforce/bid")
        assert (
            page.locator("#programme").input_value() == "local-paid-placements"
        )  # open today, not Kickstart
        page.get_by_label("Programme").select_option("kickstart")
        page.get_by_role("button", name="Check").click()
        page.wait_for_url(f"{base}/workforce/bid?**")
        assert "closed on 31/03/2022" in page.locator("#programme-status").inner_text()
        assert "20 eligible placements" in page.locator("#headline").inner_text()
        starts = page.locator(
            "table", has=page.locator("caption", has_text="Starts by employer and outcome")
        )
        cafe = starts.locator("tr", has_text="Cafe Ltd")
        assert cafe.locator("td").nth(1).inner_text() == "*"  # 2 moved into work: suppressed
        page.get_by_role("link", name="Pledge placements, and record starts and outcomes").click()
        page.wait_for_url(f"{base}/workforce/bid/pledges?programme=kickstart")
        page.get_by_label("Employer", exact=True).fill("Catford Bike Repairs CIC")
        page.get_by_label("Companies House number").fill("SC654321")
        page.get_by_label("Role", exact=True).fill("Mechanic")
        page.get_by_label("Placements", exact=True).fill("10")
        page.get_by_label("Hours a week").fill("25")
        page.get_by_label("Hourly wage (£)").fill("8.91")
        page.get_by_label("Duration (months)").fill("6")
        page.get_by_label("Date pledged").fill("2021-01-15")
        page.get_by_label("The employer declares these jobs are additional").check()
        page.get_by_role("button", name="Check and save the pledge").click()
        page.wait_for_load_state()
        assert "meet the rules" in page.locator("#checked").inner_text()
        assert (
            "30 eligible placements: the bid reaches the 30-placement minimum."
            in page.locator("#headline").inner_text()
        )
        page.goto(f"{base}/workforce/bid?programme=kickstart")
        with page.expect_download() as dl:
            page.get_by_role("link", name="Excel", exact=True).click()
        saved = tmp_path / "bid-pack.xlsx"
        dl.value.save_as(saved)
        wb = openpyxl.load_workbook(io.BytesIO(saved.read_bytes()), read_only=True)
        employers = {r[0] for r in wb["Pledges"].iter_rows(min_row=2, values_only=True)}
        assert employers == {"Cafe Ltd", "Catford Bike Repairs CIC"}
        cafe_row = next(
            r
            for r in wb["Starts and outcomes"].iter_rows(min_row=2, values_only=True)
            if r[0] == "Cafe Ltd"
        )
        assert None in cafe_row[1:]  # the suppressed cell is empty in the pack too
    assert problems == []
