"""Workforce pages and API: suppression on the page and in the JSON, staff uploads that never echo a row,
the gate on apprentices and levy lines, re-planning, levy transfers within the cap and the bid pack."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader
from tests.web_support import build_web, csrf_of, job_outcome, signed_in

from anchorage.ingest.staff import ingest_staff
from anchorage.workforce.apprenticeships import (
    load_apprentices,
    load_placements,
    load_programmes,
    solve_and_save,
)
from anchorage.workforce.bid_io import load_pledges, load_starts
from anchorage.workforce.he_partners import load_engagements
from anchorage.workforce.levy_io import load_pay_bills

AS_AT = "2025-11-01"
# 20 council staff, 3 of them apprentices: a count below 5 that must never reach a page or the API.
COUNCIL_STAFF = (
    "Employee Number,Full Name,Home Postcode,Hourly Rate,Start Date,Apprentice,New Starter\n"
    + "".join(
        f"C{i:03},Person {i},{'SE6 4RU' if i % 2 else 'WC1A 1AA'},{'12.00' if i < 7 else '20.00'},01/01/2020,"
        f"{'Y' if i < 3 else 'N'},N\n"
        for i in range(20)
    )
    + (
        "C900,Jane Doe,ZZ99 9ZQ X,20.00,01/01/2020,N,N\n"  # quarantined: not a postcode (never shown)
        "C901,John Roe,SE6 4RU,lots,01/01/2020,N,N\n"
    )
)  # quarantined: bad pay
TRUST_STAFF = (
    "Assignment Number,Postcode,Basic Hourly Rate,Hire Date,Apprenticeship,New Hire\n"
    + "".join(f"T{i:03},SE6 4RU,20.00,01/01/2020,{'Y' if i < 10 else 'N'},N\n" for i in range(30))
)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def stage_upload(c, name: str, content: str, kind: str = "workforce"):
    token = csrf_of(c.get(f"/upload?kind={kind}").text)
    return c.post(
        "/upload",
        data={"csrf_token": token, "org": "council", "kind": kind, "as_at": AS_AT},
        files={"file": (name, content.encode(), "text/csv")},
        follow_redirects=False,
    )


@pytest.fixture(scope="module")
def wf(tmp_path_factory):
    root = tmp_path_factory.mktemp("wfweb")
    web = build_web(root)
    ws, d = web.ws, root / "wf"
    d.mkdir()
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
            "C2,Council,Admin,admin,1\nT1,Acute Trust,Estates,estates,2\n",
        ),
    )
    load_apprentices(
        ws,
        write(
            d / "a.csv",
            "id,programme,employer,start_date,preferences\n"
            "CA1,BA3,Council,01/09/2025,C1;T1\nCA2,BA3,Council,01/09/2025,T1;C2\n"
            "TA1,BA3,Acute Trust,01/09/2025,T1;C1\n",
        ),
    )
    solve_and_save(ws, months=12, block_months=6, time_limit=10)
    bills = "anchor,month,pay_bill\n" + "".join(
        f"{org},{m:%m/%Y},{pay}\n"
        for org, pay in (("Council", 1_000_000), ("Acute Trust", 2_000_000))
        for m in (dt.date(2023 + (3 + k) // 12, (3 + k) % 12 + 1, 1) for k in range(24))
    )
    load_pay_bills(ws, write(d / "bills.csv", bills))
    load_pledges(
        ws,
        write(
            d / "pledges.csv",
            "programme,employer,company_number,charity_number,role,placements,hours_per_week,"
            "hourly_wage,duration_months,additionality,pledged_on\n"
            "kickstart,Cafe Ltd,12345678,,Barista,20,25,8.72,6,Y,01/12/2020\n"
            "kickstart,Shop Ltd,,,Assistant,5,20,8.72,6,Y,01/12/2020\n",
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
    load_engagements(
        ws,
        write(
            d / "he.csv",
            "anchor,partner,partner_type,kind,title,start_date,outcome,people\n"
            "Council,Goldsmiths,university,placements,Summer interns,01/06/2024,completed,3\n"
            "Council,Goldsmiths,university,research,Housing study,01/09/2024,ongoing,12\n"
            "Acute Trust,Lewisham College,college,curriculum,T-levels,01/09/2024,ongoing,20\n",
        ),
    )
    return web


def test_pages_answer_for_every_role(wf):
    for email in ("collab@x.org", "admin@council.org", "analyst@trust.org", "viewer@college.org"):
        c = signed_in(wf, email)
        for path in (
            "/workforce",
            "/workforce/apprenticeships",
            "/workforce/levy",
            "/workforce/bid?programme=kickstart",
            "/workforce/bid?programme=kickstart&bid_date=2021-02-03",
            "/workforce/he",
            "/workforce/he?by=partner",
            "/workforce/he?by=outcome",
        ):
            r = c.get(path)
            assert r.status_code == 200, (email, path, r.text[:300])
            assert '<main id="main"' in r.text and r.text.count("<h1>") == 1, path
            assert "<svg" in r.text or path.startswith(
                ("/workforce/apprenticeships", "/workforce/levy")
            ), path
        for path in (
            "/api/v1/workforce/profile",
            "/api/v1/workforce/apprenticeships",
            "/api/v1/workforce/levy",
            "/api/v1/workforce/bid?programme=kickstart",
            "/api/v1/workforce/he?by=partner",
        ):
            r = c.get(path)
            assert r.status_code == 200 and r.json()["ok"] is True, (email, path)
    assert wf.client().get("/workforce", follow_redirects=False).status_code in (303, 307)
    assert wf.client().get("/api/v1/workforce/profile").status_code == 401


def test_staff_upload_never_echoes_a_row_and_small_cells_stay_hidden(wf):
    c = signed_in(wf, "analyst@council.org")
    r = stage_upload(c, "council-staff.csv", COUNCIL_STAFF)
    assert r.status_code == 303
    preview = c.get(r.headers["location"]).text
    assert "Home Postcode" in preview and "Full Name" in preview  # the column names, to map
    for personal in ("SE6 4RU", "WC1A", "Person 1", "Jane Doe", "ZZ99"):
        assert personal not in preview
    load_url = re.search(r'action="(/upload/[^"]+/load)"', preview).group(1)
    done = c.post(
        load_url,
        data={
            "csrf_token": csrf_of(preview),
            "map_staff_id": "Employee Number",
            "map_home_postcode": "Home Postcode",
            "map_hourly_pay": "Hourly Rate",
            "map_start_date": "Start Date",
            "map_is_apprentice": "Apprentice",
            "map_is_new_hire": "New Starter",
        },
        follow_redirects=False,
    )
    done = job_outcome(wf, c, done)  # the load is a job: its page, once it has ended
    assert done.status_code == 200 and "Quarantined" in done.text
    upload_id = re.search(r"/uploads/([0-9a-f]+)/quarantine.csv", done.text).group(1)
    shown = [
        done.text,
        c.get(f"/uploads/{upload_id}").text,
        c.get(f"/uploads/{upload_id}/quarantine.csv").text,
    ]
    x = c.get(f"/uploads/{upload_id}/quarantine.xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(x.content), read_only=True)
    shown.append(" ".join(str(v) for row in wb.active.iter_rows(values_only=True) for v in row))
    assert "C901" not in shown[0]
    for text in shown:
        for personal in ("ZZ99", "Jane", "John", "lots", "SE6 4RU"):
            assert personal not in text
    assert (
        "not a UK postcode" in shown[1] and "(value not shown)" in shown[1]
    )  # the reason stays useful
    # Another anchor's analyst cannot see the upload at all.
    assert signed_in(wf, "analyst@trust.org").get(f"/uploads/{upload_id}").status_code == 404

    # The council's 3 apprentices (a count from 1 to 4) are hidden on the page and in the API.
    api = signed_in(wf, "viewer@college.org").get("/api/v1/workforce/profile").json()
    council = {r["indicator"]: r for r in api["rows"] if r["org"] == "council"}
    trust = {r["indicator"]: r for r in api["rows"] if r["org"] == "acute-trust"}
    assert council["apprentices"]["count"] is None and council["apprentices"]["share"] is None
    collab = {r["indicator"]: r for r in api["rows"] if r["org"] == "collaborative"}
    # Secondary suppression: the 3 must not follow from the collaborative total less the trust's 10.
    assert collab["apprentices"]["count"] is None or trust["apprentices"]["count"] is None
    assert (
        trust["living_locally"]["count"] == 30 and council["living_locally"]["count"] == 10
    )  # not everything hidden
    assert all(
        r["count"] is None or r["count"] == 0 or r["count"] >= api["threshold"] for r in api["rows"]
    )
    page = signed_in(wf, "viewer@college.org").get("/workforce").text
    section = page[page.index('id="apprentices"') :]
    section = section[: section.index("</table>")]
    assert re.search(r"<td>Council</td><td class=\"num\">\*</td>", section)
    local = page[page.index('id="living_locally"') :]
    assert re.search(
        r"<td>Acute Trust</td><td class=\"num\">30</td><td class=\"num\">30</td>", local
    )
    assert "3 of 20" not in page and "3 of 2" not in page
    # Workforce uploads need the anchor's upload role: a viewer is refused.
    v = signed_in(wf, "viewer@college.org")
    r = v.post(
        "/upload",
        data={"csrf_token": csrf_of(v.get("/account").text), "org": "college", "kind": "workforce"},
        files={"file": ("s.csv", b"a,b\n1,2\n", "text/csv")},
    )
    assert r.status_code == 403


def test_rotation_detail_is_the_employers_and_hosts(wf):
    council = signed_in(wf, "admin@council.org").get("/workforce/apprenticeships").text
    cal = council[council.index('id="by-apprentice"') :]
    assert "CA1" in cal and "CA2" in cal and '<th scope="row">TA1</th>' not in cal
    host = signed_in(wf, "admin@trust.org").get("/workforce/apprenticeships").text
    hosts = host[host.index('id="by-host"') :]
    assert "T1 (acute-trust)" in hosts and "an apprentice of council" in hosts and "CA1" not in host
    collab = signed_in(wf, "collab@x.org")
    page = collab.get("/workforce/apprenticeships").text
    assert "CA1" not in page and "TA1" not in page and "optimal" in page  # the collaborative view
    api = collab.get("/api/v1/workforce/apprenticeships").json()
    assert api["apprentices"] == [] and api["plan"]["status"] == "optimal"
    assert all(
        v is None or v == 0 or v >= 5
        for r in api["hosted"]
        for k, v in r.items()
        if k != "host anchor"
    )
    x = signed_in(wf, "analyst@trust.org").get("/workforce/apprenticeships/calendar.xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(x.content), read_only=True)
    ids = [row[0] for row in wb["By apprentice"].iter_rows(min_row=2, values_only=True)]
    assert ids == ["TA1"]


def test_replan_after_dropout_and_an_infeasible_withdrawal(wf):
    admin = signed_in(wf, "admin@council.org")
    token = csrf_of(admin.get("/workforce/apprenticeships").text)
    form = {"apprentice": "CA2", "from_month": "2026-03"}
    assert (
        admin.post("/workforce/apprenticeships/replan", data=form).status_code == 403
    )  # no CSRF token
    trust = signed_in(wf, "admin@trust.org")
    ttoken = csrf_of(trust.get("/workforce/apprenticeships").text)
    assert (
        trust.post(
            "/workforce/apprenticeships/replan", data={**form, "csrf_token": ttoken}
        ).status_code
        == 404
    )
    r = admin.post("/workforce/apprenticeships/replan", data={**form, "csrf_token": token})
    assert r.status_code == 200, r.text
    assert "changes <strong>0</strong> block assignment(s)" in r.text  # the others keep every block
    # The trust withdraws its only placement from the start: nobody can rotate through two anchors.
    r = trust.post(
        "/workforce/apprenticeships/replan",
        data={"placement": "T1", "from_month": "2025-09", "csrf_token": ttoken},
    )
    assert r.status_code == 200 and "No plan meets every rule" in r.text
    conflicts = re.findall(r"<li>([^<]+)</li>", r.text[r.text.index('id="replanned"') :])
    assert conflicts and any("T1" in c or "anchors" in c for c in conflicts)
    assert (
        "CA1" not in r.text
    )  # the council's apprentice is named only as "an apprentice of Council"
    assert (
        admin.post(
            "/workforce/apprenticeships/replan", data={"csrf_token": token, "from_month": "2026-01"}
        ).status_code
        == 400
    )


def test_levy_transfers_within_the_cap_and_ledger_gate(wf):
    admin = signed_in(wf, "admin@council.org")
    page = admin.get("/workforce/levy").text
    token = csrf_of(page)
    t = {
        "recipient": "Deptford Dental Care Ltd",
        "recipient_type": "small-employer",
        "apprentice": "TR-1",
        "start_month": "2024-06",
        "duration_months": "10",
        "total_price": "20000",
    }
    assert admin.post("/workforce/levy/transfers", data=t).status_code == 403  # no CSRF token
    analyst = signed_in(wf, "analyst@council.org")
    assert (
        analyst.post(
            "/workforce/levy/transfers",
            data={**t, "csrf_token": csrf_of(analyst.get("/workforce/levy").text)},
        ).status_code
        == 403
    )
    r = admin.post(
        "/workforce/levy/transfers", data={**t, "csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303
    page = admin.get("/workforce/levy").text
    assert "Deptford Dental Care Ltd" in page and "TR-1" in page
    # £16,000 paid in 2024-25 is within the cap (50% of 2023-24's £49,500 funds = £24,750); another is not.
    r = admin.post(
        "/workforce/levy/transfers", data={**t, "apprentice": "TR-2", "csrf_token": token}
    )
    assert r.status_code == 400 and "over its cap of £24,750.00" in r.text
    other = signed_in(wf, "admin@trust.org").get("/workforce/levy").text
    assert (
        "TR-1" not in other and "£24,750" in other
    )  # caps are open to all; commitments are detail
    api = signed_in(wf, "admin@trust.org").get("/api/v1/workforce/levy").json()
    assert {r["org"] for r in api["rows"]} == {"acute-trust"} and api["commitments"] == []
    assert {r["anchor"] for r in api["tax_years"]} == {"Council", "Acute Trust"}
    x = admin.get("/workforce/levy/ledger.xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(x.content), read_only=True)
    assert {row[0] for row in wb["Ledger"].iter_rows(min_row=2, values_only=True)} == {"council"}
    assert signed_in(wf, "collab@x.org").get("/api/v1/workforce/levy").json()["rows"] == []


def test_bid_pages_and_pack_downloads(wf):
    c = signed_in(wf, "viewer@college.org")
    page = c.get("/workforce/bid?programme=kickstart").text
    assert "20 eligible placements: 10 more needed to reach the 30-placement minimum." in page
    assert "offers 20 hours a week" in page
    starts = page[page.index('id="starts"') :]
    assert '<th scope="row">Cafe Ltd</th><td class="num">*</td><td class="num">*</td>' in starts
    api = c.get("/api/v1/workforce/bid?programme=kickstart").json()
    assert api["eligible_placements"] == 20
    assert api["starts_and_outcomes"][0]["moved into work"] is None  # 2 young people: hidden
    pdf = c.get("/workforce/bid/pack.pdf?programme=kickstart")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(pdf.content)).pages
    assert len(pages) == 3 and "Pledges (1 of 1)" in pages[1].extract_text()
    x = c.get("/workforce/bid/pack.xlsx?programme=kickstart&bid_date=2021-02-03")
    wb = openpyxl.load_workbook(io.BytesIO(x.content), read_only=True)
    assert wb.sheetnames == ["Summary", "Pledges", "Starts and outcomes"]
    assert "no minimum applies" in " ".join(
        str(v) for row in wb["Summary"].iter_rows(values_only=True) for v in row
    )
    assert c.get("/workforce/bid/pack.html?programme=kickstart").status_code == 200
    assert c.get("/workforce/bid/pack.exe?programme=kickstart").status_code == 400
    he = c.get("/api/v1/workforce/he").json()["rows"]
    assert {r["anchor"]: r["people"] for r in he} == {"acute-trust": 20, "council": 15}
