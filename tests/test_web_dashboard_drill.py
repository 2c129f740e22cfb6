"""Drill-down from the dashboard's deprivation, SME and VCSE figures to the payments behind them: the rows a
link leads to add up to the figure, for those who may see an anchor's detail; others get the figure only."""

from __future__ import annotations

import csv
import html
import io
import re
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import select
from tests.web_support import signed_in

from anchorage.access import gate, periods
from anchorage.core.periods import parse_fy
from anchorage.store.accounts import User

NUMERATORS = {"deprived": "deprived20_spend", "sme": "sme_spend", "vcse": "vcse_spend"}


def links(page: str) -> list[str]:
    return [
        html.unescape(h) for h in re.findall(r'href="(/anchors/council/transactions\?[^"]+)"', page)
    ]


def total(c, href: str) -> tuple[float, int]:
    url = urlparse(href)
    body = c.get(f"{url.path}.csv?{url.query}").content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    return sum(float(r["Amount"]) for r in rows), len(rows)


@pytest.fixture(scope="module")
def council(web):
    with web.ws.session() as s:
        return gate.viewer_for(s, s.scalar(select(User).where(User.email == "analyst@council.org")))


def test_deprivation_sme_and_vcse_figures_lead_to_the_payments_that_make_them(web, council):
    c = signed_in(web, "analyst@council.org")
    page = c.get("/dashboard/council").text
    found = {k: [h for h in links(page) if f"{k}=" in h] for k in (*NUMERATORS, "decile")}
    assert all(found.values()), found
    year = parse_fy(parse_qs(urlparse(found["sme"][0]).query)["year"][0])
    assert isinstance(year, int)
    totals = periods.year_analysis(web.ws, council, year).tables["totals"]
    row = totals[totals["org"] == "council"].iloc[0]
    shown = 0
    for key, column in NUMERATORS.items():
        href = found[key][0]
        assert parse_qs(urlparse(href).query)[key] == ["yes"]
        amount, n = total(c, href)
        assert amount == pytest.approx(float(row[column]), abs=0.005), key
        shown += n
        # The payments page says which rows it shows, in words.
        assert "Showing only" in c.get(href).text
    assert shown > 0, "the fixture needs deprived, SME or VCSE spend"
    # The supplier explorer (where the whole collaborative's figures lead) filters the same way.
    for key, column in NUMERATORS.items():
        body = c.get(
            f"/suppliers.csv?{key}=yes&counted=yes&anchor=council&year={year}"
        ).content.decode("utf-8-sig")
        spend = sum(float(r["Spend"]) for r in csv.DictReader(io.StringIO(body)))
        assert spend == pytest.approx(float(row[column]), abs=0.005), key
    # Each decile's row of the deprivation table adds up to its spend; deciles 1 and 2 to the "20%" figure.
    by_decile = {
        int(parse_qs(urlparse(h).query)["decile"][0]): total(c, h)[0] for h in found["decile"]
    }
    assert sum(v for d, v in by_decile.items() if d <= 2) == pytest.approx(
        float(row["deprived20_spend"]), abs=0.005
    )


def test_no_links_for_those_who_may_not_see_the_detail(web):
    trust = signed_in(web, "analyst@trust.org")
    page = trust.get("/dashboard/council").text
    assert "SME (where known)" in page and links(page) == []
    assert trust.get("/anchors/council/transactions?sme=yes").status_code in (403, 404)
