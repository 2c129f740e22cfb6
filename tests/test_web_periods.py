"""The financial-year picker: the default is the latest complete year, ?year= picks one, 'all' adds them up,
and every dashboard says what period and data it covers, with the change on the year before."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from tests.web_support import Web, build_web, refresh_figures, signed_in

from anchorage.access.periods import Coverage, chosen_year, parse_fy
from anchorage.ingest.spend import ingest_spend

# Council: £3,000 in 2022-23 (Mar 2023, in the base fixture: 2,000) ... plus two later years added here.
LATER = """Supplier,Amount,Date,Category
Local Caterers Ltd,7000,10/10/2023,Catering
Local Caterers Ltd,11000,10/10/2024,Catering
Central Consulting PLC,13000,31/03/2025,Consultancy
Local Caterers Ltd,17000,02/04/2025,Catering
"""


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    web = build_web(tmp_path_factory.mktemp("periods"))
    later = web.root / "later.csv"
    later.write_text(LATER)
    ingest_spend(web.ws, later, "Council")
    refresh_figures(web.ws)
    yield web


def tiles(html: str) -> dict[str, str]:
    found = re.findall(r'<li><span class="value">([^<]+)</span>([^<\n]+)', html)
    return {label.strip(): value.strip() for value, label in found}


def pounds(text: str) -> int:
    return int(text.lstrip("£").replace(",", ""))


def test_parse_and_choose_years():
    cov = Coverage((2022, 2023, 2024, 2025), dt.date(2022, 6, 1), dt.date(2025, 4, 2), None)
    assert cov.complete_years == (2023, 2024) and cov.default_year == 2024  # 2022-23 starts in June
    assert (
        Coverage((2022, 2023), dt.date(2023, 3, 1), dt.date(2023, 7, 1), None).default_year == 2023
    )
    assert parse_fy("2023-24") == 2023 and parse_fy("ALL") == "all" and parse_fy("x") is None
    assert chosen_year(cov, "2023-24") == 2023 and chosen_year(cov, "1999-00") == 2024
    assert chosen_year(cov, "all") is None and chosen_year(cov, "") == 2024


def test_default_is_the_latest_complete_year_with_its_period_line(web: Web):
    c = signed_in(web, "analyst@council.org")
    html = c.get("/dashboard/council").text
    assert '<option value="2024-25" selected>' in html  # 2025-26 has only April: not complete
    assert (
        "2025-26 (part year)" in html and "2022-23 (part year)" in html
    )  # the base data starts in March
    assert re.search(
        r"2024-25</strong> · data to 31 Mar 2025 · last upload \d{1,2} [A-Z][a-z]{2} \d{4}", html
    )
    assert tiles(html)["Total spend"] == "£24,000"  # 11,000 + 13,000: that year only
    assert "on 2023-24" in html  # change on the previous year


def test_a_year_from_the_url_and_all_years(web: Web):
    c = signed_in(web, "analyst@council.org")
    one = c.get("/dashboard/council?year=2023-24").text
    assert "on 2022-23" in one and "2023-24</strong> · data to 31 Mar 2024" in one
    # A part year's £ are not set against a whole year's (only April of 2025-26 is loaded); shares still are.
    part = c.get("/dashboard/council?year=2025-26").text
    assert "Part year: not compared with 2024-25" in part and not re.search(r"%\s+on 2024-25", part)
    spend = {
        y: pounds(tiles(c.get(f"/dashboard/council?year={y}").text)["Total spend"])
        for y in ("2022-23", "2023-24", "2024-25", "2025-26", "all")
    }
    assert spend["2024-25"] == 24_000 and spend["2025-26"] == 17_000 and spend["2023-24"] > 7_000
    assert spend["all"] == spend["2022-23"] + spend["2023-24"] + spend["2024-25"] + spend["2025-26"]
    every = c.get("/dashboard/council?year=all").text
    assert "All years</strong>" in every and "data to 2 Apr 2025" in every
    assert "on 20" not in every  # no previous year to compare all years with
    assert 'href="/dashboard?year=all"' in every  # the collaborative link keeps the period


def test_anchor_tiles_show_the_collaborative_beside_them(web: Web):
    html = signed_in(web, "analyst@council.org").get("/dashboard/council?year=2024-25").text
    assert html.count('<span class="hint whole">Whole collaborative: ') == 6
    whole = signed_in(web, "analyst@council.org").get("/dashboard?year=2024-25").text
    assert 'class="hint whole"' not in whole


def test_benchmark_follows_the_year(web: Web):
    c = signed_in(web, "viewer@college.org")
    html = c.get("/benchmark?year=2024-25").text
    assert "Headline shares by anchor, 2024-25" in html
    assert "Headline shares by anchor, All years" in c.get("/benchmark?year=all").text
