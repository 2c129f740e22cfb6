"""The period line and financial-year picker on the workforce, social value and LM3 pages: which year a page
shows comes from ?year=, the figures follow it, and the line says what the data runs to and when it was loaded."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from tests.web_support import signed_in

from anchorage.access import socialvalue as gated
from anchorage.access.gate import Viewer
from anchorage.core.periods import financial_year, fy_label
from anchorage.ingest.staff import ingest_staff
from anchorage.socialvalue.imports import import_commitments, import_deliveries, import_lm3_survey
from anchorage.socialvalue.status import social_value_status
from anchorage.workforce.profile import workforce_profile

# A staff extract replaces the anchor's one before: the council's is of 2024-25, the trust's of 2025-26.
EXTRACTS = {dt.date(2024, 11, 1): ("Council", 30), dt.date(2025, 11, 1): ("Acute Trust", 40)}
SURVEYS = {
    2023: 100_000,
    2024: 250_000,
}  # the council's surveyed supplier income in each survey year
DELIVERED = {
    dt.date(2024, 3, 31): 1,
    dt.date(2025, 3, 31): 4,
}  # local job years reported, by period end
STAFF = "Assignment Number,Postcode,Basic Hourly Rate,Hire Date,Apprenticeship,New Hire\n"


@pytest.fixture(scope="module")
def pw(web):
    folder = web.root / "periods"
    folder.mkdir(exist_ok=True)
    for day, (anchor, n) in EXTRACTS.items():
        f = folder / f"staff-{day}.csv"
        f.write_text(STAFF + "".join(f"T{i:03},SE6 4RU,20.00,01/01/2020,N,N\n" for i in range(n)))
        ingest_staff(web.ws, f, anchor, as_at=day)
    (folder / "c.csv").write_text(
        "Contract reference,Supplier,Measure,Committed,Contract start,Contract end\n"
        "P-1,Local Caterers Ltd,local-job-years,10,01/04/2023,01/04/2026\n"
    )
    (folder / "d.csv").write_text(
        "Contract reference,Supplier,Measure,Delivered,Period end\n"
        + "".join(
            f"P-1,Local Caterers Ltd,local-job-years,{n},{d:%d/%m/%Y}\n"
            for d, n in DELIVERED.items()
        )
    )
    (folder / "s.csv").write_text(
        "Supplier,Income,Wages %,Local staff %,Purchases %,Local purchases %,Postcode,Year\n"
        + "".join(
            f"Supplier {y},{income},40,50,30,20,SE6 4RU,{y}\n" for y, income in SURVEYS.items()
        )
    )
    import_commitments(web.ws, folder / "c.csv", "council")
    import_deliveries(web.ws, folder / "d.csv", "council")
    import_lm3_survey(web.ws, folder / "s.csv", "council")
    return web


def line(html: str) -> str:
    m = re.search(r'<p class="period-line">(.*?)</p>', html, re.S)
    assert m, "the page has no period line"
    return re.sub(r"<[^>]+>", "", m.group(1))


def day_text(d: dt.date) -> str:
    return f"{d.day} {d:%b %Y}"


def options(html: str) -> list[str]:
    return re.findall(r'<option value="([^"]+)"', html.split('id="year"')[1].split("</select>")[0])


def test_workforce_reads_the_latest_extract_up_to_the_chosen_year(pw):
    c = signed_in(pw, "analyst@trust.org")
    page = c.get("/workforce").text
    latest, earlier = max(EXTRACTS), min(EXTRACTS)
    assert options(page) == [
        fy_label(financial_year(d)) for d in sorted(EXTRACTS, reverse=True)
    ] + ["all"]
    assert line(page).startswith(f"All years · data to {day_text(latest)} · last upload ")
    cell = lambda d: f"<td>{day_text(d)}</td>"  # noqa: E731  (an extract's date in the table)
    assert cell(latest) in page and cell(earlier) in page  # all years: each anchor's latest extract
    chosen = c.get(f"/workforce?year={fy_label(financial_year(earlier))}").text
    assert line(chosen).startswith(
        f"{fy_label(financial_year(earlier))} · data to {day_text(earlier)}"
    )
    assert (
        cell(earlier) in chosen and cell(latest) not in chosen
    )  # the trust's later extract is left out
    then = workforce_profile(pw.ws, to=dt.date(financial_year(earlier) + 1, 3, 31))
    assert {r.org for r in then.rows} == {"council", "collaborative"}
    headcount = next(r.headcount for r in then.rows if r.org == "council")
    assert headcount == EXTRACTS[earlier][1] and f'<td class="num">{headcount}</td>' in chosen
    assert f'value="{fy_label(financial_year(earlier))}" selected' in chosen


def test_social_value_compares_to_the_end_of_the_chosen_year(pw):
    c = signed_in(pw, "admin@council.org")
    year = financial_year(min(DELIVERED))  # 2023-24: only the first report counts
    page = c.get(f"/socialvalue?org=council&year={fy_label(year)}").text
    assert line(page).startswith(
        f"{fy_label(year)} · data to {day_text(min(DELIVERED))} · last upload "
    )
    end = dt.date(year + 1, 3, 31)
    assert f"on {day_text(end)}" in page  # the comparison's day, in the lede
    assert '<input type="hidden" name="org" value="council">' in page  # the picker keeps the anchor
    st = social_value_status(pw.ws, end)
    every = social_value_status(pw.ws)
    assert st.as_of == end and every.as_of == dt.date.today()
    assert line(c.get("/socialvalue?org=council").text).startswith(
        f"All years · data to {day_text(max(DELIVERED))}"
    )
    assert c.get("/socialvalue?year=1999-00").status_code == 200  # a year with no data: every year


def test_lm3_counts_the_surveys_of_the_chosen_year(pw):
    c = signed_in(pw, "admin@council.org")
    viewer = Viewer(0, "x@council.org", "anchor-admin", "council", frozenset({"council"}))
    for y in SURVEYS:
        page = c.get(f"/lm3?year={fy_label(y)}").text
        assert line(page).startswith(f"{fy_label(y)} · last upload ")
        res = gated.lm3(pw.ws, viewer, year=y)
        assert list(res.responses["supplier_name"]) == [f"Supplier {y}"]
        assert f"Supplier {y}" in page and f"Supplier {({*SURVEYS} - {y}).pop()}" not in page
    every = c.get("/lm3").text
    assert line(every).startswith("All years") and all(f"Supplier {y}" in every for y in SURVEYS)
