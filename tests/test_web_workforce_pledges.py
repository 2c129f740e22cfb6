"""Pledges to the collective bid on the web: the form checks at once and shows every reason, the gate keeps an
anchor's pledges (and its starts) its detail while the totals count them for everyone, starts and outcomes
are recorded by reference and suppressed in every aggregate, and every change needs CSRF and is audited."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select
from tests.web_support import XSS, build_web, csrf_of, signed_in

from anchorage.store.accounts import AuditEvent
from anchorage.workforce.bid_io import load_pledges, load_starts

SECRET = "Quetzal Bakery CIC"  # pledged through the council: its detail
GOOD = {
    "programme": "kickstart",
    "employer": SECRET,
    "company_number": "SC123456",
    "charity_number": "",
    "role": "Baker",
    "placements": "12",
    "hours_per_week": "25",
    "hourly_wage": "8.91",
    "duration_months": "6",
    "location": "Catford",
    "contact": "jobs mailbox",
    "pledged_on": "2021-05-04",
    "additionality": "Y",
}


@pytest.fixture(scope="module")
def bidweb(tmp_path_factory):
    root = tmp_path_factory.mktemp("pledgeweb")
    web = build_web(root)
    d = root / "files"
    d.mkdir()
    (d / "p.csv").write_text(
        "programme,employer,company_number,role,placements,hours_per_week,hourly_wage,"
        "duration_months,additionality,pledged_on\n"
        "kickstart,Cafe Ltd,12345678,Barista,20,25,8.72,6,Y,01/12/2020\n"
    )
    (d / "s.csv").write_text(
        "employer,role,participant,start_date,outcome\n"
        + "".join(f"Cafe Ltd,Barista,P{i},01/03/2021,completed\n" for i in range(6))
    )
    load_pledges(web.ws, d / "p.csv")
    load_starts(web.ws, d / "s.csv")
    return web


def post_pledge(c, values: dict[str, str]):
    token = csrf_of(c.get("/workforce/bid/pledges?programme=kickstart").text)
    return c.post(
        "/workforce/bid/pledges?programme=kickstart", data={**values, "csrf_token": token}
    )


def pledge_id(web, employer: str) -> int:
    from anchorage.store.workforce_records import Pledge

    with web.ws.session() as s:
        return s.scalar(select(Pledge.id).where(Pledge.employer == employer))


def test_pledge_form_checks_at_once_and_gives_every_reason(bidweb):
    c = signed_in(bidweb, "analyst@council.org")
    assert (
        c.post("/workforce/bid/pledges?programme=kickstart", data=GOOD).status_code == 403
    )  # no CSRF token
    bad = {
        **GOOD,
        "employer": "Corner Shop",
        "company_number": "AB12",
        "hours_per_week": "16",
        "hourly_wage": "4.00",
        "additionality": "",
    }
    r = post_pledge(c, bad)
    assert r.status_code == 200 and "does not meet the rules yet" in r.text
    reasons = r.text[
        r.text.index('id="reasons"') : r.text.index("</ul>", r.text.index('id="reasons"'))
    ]
    for why in (
        "no additionality declaration",
        "&#34;AB12&#34; is not a Companies House number",
        "offers 16 hours a week",
        "pays £4.00 an hour, below the £8.91 minimum wage",
    ):
        assert why in reasons, why
    r = post_pledge(c, GOOD)
    assert f"12 placements as Baker at {SECRET} meet the rules" in r.text
    assert (
        "32 eligible placements" in r.text
    )  # the file's 20 and these 12; the corner shop is not counted
    r = post_pledge(
        c, {**GOOD, "placements": "lots", "pledged_on": "31/02/2021", "employer": "Not Saved Ltd"}
    )
    assert r.status_code == 400
    assert (
        "Placements: &#34;lots&#34; is not a whole number" in r.text and "Date pledged:" in r.text
    )
    assert (
        'value="Not Saved Ltd"' in r.text and pledge_id(bidweb, "Not Saved Ltd") is None
    )  # kept, not saved
    with bidweb.ws.session() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "bid-pledge")).all()
    assert len(events) == 2 and {e.actor for e in events} == {"analyst@council.org"}


def test_only_an_anchors_admin_or_analyst_pledges(bidweb):
    anonymous = bidweb.client()
    r = anonymous.get("/workforce/bid/pledges?programme=kickstart", follow_redirects=False)
    assert r.status_code in (302, 303) and r.headers["location"].startswith("/login")
    for email in ("viewer@college.org", "collab@x.org"):
        c = signed_in(bidweb, email)
        page = c.get("/workforce/bid/pledges?programme=kickstart").text
        assert 'id="pledge-form"' not in page and "Only an anchor's admin or analyst" in page
        assert post_pledge(c, {**GOOD, "employer": "Sneaky Ltd"}).status_code == 403
    assert pledge_id(bidweb, "Sneaky Ltd") is None


def test_other_anchors_pledges_are_detail_totals_are_for_all(bidweb):
    council = signed_in(bidweb, "admin@council.org")
    if pledge_id(bidweb, SECRET) is None:
        post_pledge(council, GOOD)
    trust = signed_in(bidweb, "admin@trust.org")
    for path in (
        "/workforce/bid?programme=kickstart",
        "/workforce/bid/pledges?programme=kickstart",
        "/api/v1/workforce/bid?programme=kickstart",
        "/workforce/bid/pack.html?programme=kickstart",
    ):
        text = trust.get(path).text
        assert SECRET not in text and "SC123456" not in text, path
    page = trust.get("/workforce/bid?programme=kickstart").text
    assert (
        "32 eligible placements" in page
        and "Pledged through Council" in page
        and "Cafe Ltd" in page
    )
    api = trust.get("/api/v1/workforce/bid?programme=kickstart").json()
    assert api["eligible_placements"] == 32 and {p["employer"] for p in api["pledges"]} == {
        "Cafe Ltd"
    }
    x = trust.get("/workforce/bid/pack.xlsx?programme=kickstart")
    wb = openpyxl.load_workbook(io.BytesIO(x.content), read_only=True)
    assert {r[0] for r in wb["Pledges"].iter_rows(min_row=2, values_only=True)} == {"Cafe Ltd"}
    assert any(
        "whose detail you do not see" in str(v)
        for r in wb["Summary"].iter_rows(values_only=True)
        for v in r
    )
    assert (
        SECRET in council.get("/workforce/bid?programme=kickstart").text
        and SECRET in council.get("/workforce/bid/pack.html?programme=kickstart").text
    )
    pid = pledge_id(bidweb, SECRET)
    token = csrf_of(trust.get("/workforce/bid/pledges?programme=kickstart").text)
    assert (
        trust.post(f"/workforce/bid/pledges/{pid}/withdraw", data={"csrf_token": token}).status_code
        == 404
    )
    assert (
        trust.post(
            f"/workforce/bid/pledges/{pid}/starts",
            data={"csrf_token": token, "participant": "T1", "start_date": "2021-06-01"},
        ).status_code
        == 404
    )
    cafe = pledge_id(bidweb, "Cafe Ltd")  # the collaborative's list changes by file, not on the web
    token = csrf_of(council.get("/workforce/bid/pledges?programme=kickstart").text)
    assert (
        council.post(
            f"/workforce/bid/pledges/{cafe}/withdraw", data={"csrf_token": token}
        ).status_code
        == 403
    )


def test_starts_and_outcomes_by_reference_and_suppressed(bidweb):
    c = signed_in(bidweb, "admin@council.org")
    if pledge_id(bidweb, SECRET) is None:
        post_pledge(c, GOOD)
    pid = pledge_id(bidweb, SECRET)
    token = csrf_of(c.get("/workforce/bid/pledges?programme=kickstart").text)
    url = f"/workforce/bid/pledges/{pid}/starts"
    start = {
        "participant": "KS-1",
        "start_date": "2021-06-01",
        "outcome": "in placement",
        "outcome_date": "",
    }
    assert c.post(url, data=start).status_code == 403  # no CSRF token
    r = c.post(url, data={**start, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    r = c.post(url, data={**start, "participant": "Jane Doe", "csrf_token": token})
    assert (
        r.status_code == 400
        and "not a name" in r.text
        and "Jane Doe" not in r.text.split("</form>")[-1]
    )
    r = c.post(url, data={**start, "start_date": "2021-01-01", "csrf_token": token})
    assert r.status_code == 400 and "dated before the pledge" in r.text
    assert (
        c.post(url, data={**start, "participant": "KS-2", "csrf_token": token}).status_code == 200
    )
    page = c.get("/workforce/bid/pledges?programme=kickstart").text
    assert "KS-1" in page and "KS-2" in page
    from anchorage.store.workforce_records import BidStart

    with bidweb.ws.session() as s:
        sid = s.scalar(select(BidStart.id).where(BidStart.participant_ref == "KS-1"))
    r = c.post(
        f"/workforce/bid/starts/{sid}/outcome",
        data={"csrf_token": token, "outcome": "moved into work", "outcome_date": "2021-12-01"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    row = (
        c.get("/workforce/bid/pledges?programme=kickstart")
        .text.split("<td>KS-1</td>")[1]
        .split("</tr>")[0]
    )
    assert "<td>moved into work</td><td>1 Dec 2021</td>" in row
    r = c.post(
        f"/workforce/bid/starts/{sid}/outcome", data={"csrf_token": token, "outcome": "vanished"}
    )
    assert r.status_code == 400 and "not an outcome we record" in r.text
    trust = signed_in(bidweb, "admin@trust.org")
    assert (
        trust.post(
            f"/workforce/bid/starts/{sid}/outcome",
            data={
                "csrf_token": csrf_of(trust.get("/workforce/bid/pledges?programme=kickstart").text),
                "outcome": "left early",
            },
        ).status_code
        == 404
    )
    for who, label in ((c, SECRET), (trust, "pledged through Council")):
        starts = who.get("/workforce/bid?programme=kickstart").text.split('id="starts"')[1]
        row = starts[starts.index(f'<th scope="row">{label}</th>') :].split("</tr>")[0]
        if who is trust:  # 2 young people: hidden from others
            assert row.count('<td class="num">*</td>') >= 2 and ">1<" not in row, row
        else:  # the council lists these starts itself: its own counts are not hidden from it
            assert '<td class="num">2</td>' in row, row
        assert "KS-1" not in starts
    api = trust.get("/api/v1/workforce/bid?programme=kickstart").json()["starts_and_outcomes"]
    mine = next(r for r in api if r["employer"] == "pledged through Council")
    assert mine["total"] is None and mine["moved into work"] is None
    assert "KS-1" not in trust.get("/workforce/bid/pledges?programme=kickstart").text
    assert (
        c.post(f"/workforce/bid/starts/{sid}/outcome", data={"outcome": "left early"}).status_code
        == 403
    )
    assert (
        c.post(f"/workforce/bid/pledges/{pid}/withdraw", data={}).status_code == 403
    )  # no CSRF token
    assert pledge_id(bidweb, SECRET) == pid
    r = c.post(
        f"/workforce/bid/pledges/{pid}/withdraw", data={"csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303 and pledge_id(bidweb, SECRET) is None
    assert "KS-1" not in c.get("/workforce/bid/pledges?programme=kickstart").text
    with bidweb.ws.session() as s:
        actions = set(s.scalars(select(AuditEvent.action)).all())
    assert {"bid-start", "bid-outcome", "bid-pledge-withdrawn"} <= actions


def test_pledge_text_is_escaped(bidweb):
    c = signed_in(bidweb, "analyst@trust.org")
    r = post_pledge(c, {**GOOD, "employer": XSS, "role": XSS, "location": XSS})
    assert XSS not in r.text and "&lt;script&gt;" in r.text
    for path in (
        "/workforce/bid?programme=kickstart",
        "/workforce/bid/pledges?programme=kickstart",
        "/workforce/bid/pack.html?programme=kickstart",
    ):
        text = c.get(path).text
        assert XSS not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text, path


def test_the_collaboratives_file_keeps_web_pledges(bidweb, tmp_path: Path):
    c = signed_in(bidweb, "admin@council.org")
    post_pledge(c, {**GOOD, "employer": "Kept Ltd"})
    (tmp_path / "p.csv").write_text(
        "employer,company_number,role,placements,hours_per_week,hourly_wage,"
        "duration_months,additionality,pledged_on\n"
        "Cafe Ltd,12345678,Barista,20,25,8.72,6,Y,01/12/2020\n"
    )
    load_pledges(bidweb.ws, tmp_path / "p.csv")
    assert pledge_id(bidweb, "Kept Ltd") is not None
