"""Social value and LM3 pages: status, the data boundary, CSRF, roles, escaping, and the one-time survey."""

from __future__ import annotations

import re

import pytest
from tests.web_support import MARKERS, XSS, csrf_of, job_outcome, signed_in

from anchorage.socialvalue.imports import import_commitments, import_deliveries, import_lm3_survey

COUNCIL_ONLY = MARKERS["council"]  # "Zebra Council Only Ltd"


@pytest.fixture(scope="module")
def sv_web(web):
    folder = web.root / "sv"
    folder.mkdir(exist_ok=True)
    (folder / "c.csv").write_text(
        "Contract reference,Supplier,Measure,Committed,Contract start,Contract end\n"
        f"ZC-1,{COUNCIL_ONLY},local-job-years,10,01/04/2023,01/04/2025\n"
        f'ZC-2,"{XSS}",community-hours,100,01/04/2023,01/04/2025\n'
    )
    (folder / "d.csv").write_text(
        "Contract reference,Supplier,Measure,Delivered,Period end\n"
        f"ZC-1,{COUNCIL_ONLY},local-job-years,1,31/03/2024\n"
    )
    (folder / "s.csv").write_text(
        "Supplier,Income,Wages %,Local staff %,Purchases %,Local purchases %,Postcode\n"
        "Local Caterers Ltd,100000,40,50,30,20,SE6 4RU\n"
    )
    import_commitments(web.ws, folder / "c.csv", "council")
    import_deliveries(web.ws, folder / "d.csv", "council")
    import_lm3_survey(web.ws, folder / "s.csv", "council")
    return web


def test_pages_answer(sv_web):
    c = signed_in(sv_web, "admin@council.org")
    for path in (
        "/socialvalue",
        "/socialvalue?org=council",
        "/socialvalue/framework",
        "/socialvalue/record",
        "/lm3",
        "/lm3/simulate",
        "/lm3/simulate?category=Catering&shift=20&org=council",
    ):
        r = c.get(path)
        assert r.status_code == 200, path
        assert '<main id="main"' in r.text and r.text.count("<h1>") == 1, path
    assert "<svg" in c.get("/socialvalue").text and "<svg" in c.get("/lm3").text
    sim = c.get("/lm3/simulate?category=Catering&shift=20&org=council").text
    assert "Estimate" in sim and "Assumptions" in sim
    assert c.get("/lm3/simulate?category=Catering&shift=lots").status_code == 400
    assert c.get("/socialvalue?as_of=nonsense").status_code == 400
    assert signed_in(sv_web, "viewer@college.org").get("/socialvalue").status_code == 200
    anonymous = sv_web.client()
    assert anonymous.get("/socialvalue", follow_redirects=False).status_code == 303


def test_contract_and_supplier_detail_stay_with_the_anchor(sv_web):
    own = (
        signed_in(sv_web, "admin@council.org").get("/socialvalue?org=council&as_of=2025-01-01").text
    )
    assert COUNCIL_ONLY in own and "ZC-1" in own and "of pro-rata" in own
    for email in ("admin@trust.org", "viewer@college.org"):
        c = signed_in(sv_web, email)
        for path in (
            "/socialvalue?org=council&as_of=2025-01-01",
            "/socialvalue?as_of=2025-01-01",
            "/lm3",
        ):
            text = c.get(path).text
            assert COUNCIL_ONLY not in text and "ZC-1" not in text, (email, path)
        whole = c.get("/socialvalue?as_of=2025-01-01").text
        assert "belong to anchors whose detail you cannot see" in whole  # the count is an aggregate
        assert "Local Caterers Ltd" not in c.get("/lm3").text  # survey answers are detail


def test_supplier_names_are_escaped(sv_web):
    text = (
        signed_in(sv_web, "admin@council.org").get("/socialvalue?org=council&as_of=2025-01-01").text
    )
    assert XSS not in text and "&lt;script&gt;" in text


def test_forms_need_csrf_and_the_upload_role(sv_web):
    c = signed_in(sv_web, "analyst@council.org")
    good = {
        "contract_ref": "ZC-3",
        "supplier_name": "Form Supplier Ltd",
        "measure_id": "carbon-saved",
        "quantity": "12",
        "contract_start": "2024-04-01",
        "contract_end": "2026-04-01",
    }
    assert c.post("/socialvalue/commitments", data=good).status_code == 403
    token = csrf_of(c.get("/socialvalue/record").text)
    r = c.post(
        "/socialvalue/commitments", data={**good, "csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == "/socialvalue/record?done=commitment"
    assert "Form Supplier Ltd" in c.get("/socialvalue?org=council").text
    bad = c.post(
        "/socialvalue/deliveries",
        data={
            **good,
            "quantity": "-1",
            "period_end": "soon",
            "supplier_name": XSS,
            "csrf_token": token,
        },
    )
    assert bad.status_code == 400 and "Quantity: enter a number" in bad.text and XSS not in bad.text
    viewer = signed_in(sv_web, "viewer@college.org")
    vt = csrf_of(viewer.get("/socialvalue/record").text)
    assert (
        viewer.post("/socialvalue/commitments", data={**good, "csrf_token": vt}).status_code == 403
    )
    assert (
        viewer.post("/lm3/links", data={"supplier_name": "X", "csrf_token": vt}).status_code == 403
    )
    assert c.post("/lm3/links", data={"supplier_name": "X"}).status_code == 403


def test_one_time_survey_link(sv_web):
    c = signed_in(sv_web, "analyst@council.org")
    page = c.post(
        "/lm3/links",
        data={
            "supplier_name": "Survey Supplier Ltd",
            "income": "50,000",
            "csrf_token": csrf_of(c.get("/lm3").text),
        },
    )
    assert page.status_code == 200
    url = re.search(r"http://testserver(/survey/[A-Za-z0-9_-]+)", page.text).group(1)
    supplier = sv_web.client()  # no account
    form = supplier.get(url)
    assert (
        form.status_code == 200
        and "Survey Supplier Ltd" in form.text
        and 'name="income"' not in form.text
    )
    token = csrf_of(form.text)
    assert supplier.post(url, data={"wages_pct": "50"}).status_code == 403  # no CSRF token
    wrong = supplier.post(
        url,
        data={
            "csrf_token": token,
            "wages_pct": "80",
            "local_staff_pct": "50",
            "purchases_pct": "40",
            "local_purchases_pct": "10",
            "postcode": XSS,
        },
    )
    assert wrong.status_code == 400 and "more than 100%" in wrong.text and XSS not in wrong.text
    ok = supplier.post(
        url,
        data={
            "csrf_token": token,
            "wages_pct": "20",
            "local_staff_pct": "100",
            "purchases_pct": "0",
            "local_purchases_pct": "0",
            "postcode": "",
        },
    )
    assert ok.status_code == 200 and "Thank you" in ok.text
    assert (
        supplier.post(
            url,
            data={
                "csrf_token": token,
                "wages_pct": "1",
                "local_staff_pct": "1",
                "purchases_pct": "1",
                "local_purchases_pct": "1",
            },
        ).status_code
        == 404
    )
    assert supplier.get(url).status_code == 404
    assert supplier.get("/survey/" + "x" * 32).status_code == 404
    lm3 = c.get("/lm3").text
    assert "Survey Supplier Ltd" in lm3 and "answered" in lm3
    # Council: Local Caterers (round 1 £100,000 -> LM3 contribution 33,200) and Survey Supplier (£50,000:
    # round 2 £10,000, round 3 £3,000): LM3 = 196,200 / 150,000 = 1.31.
    assert "1.31" in lm3


def test_commitments_upload_on_the_web_as_xlsx(sv_web):
    import io

    import openpyxl

    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.append(["Social value return, Q4"])  # a title line above the header
    sheet.append(
        ["Contract reference", "Supplier", "Measure", "Committed", "Contract start", "Contract end"]
    )
    sheet.append(["XL-1", "Spreadsheet Ltd", "wellbys", 3, "01/04/2024", "01/04/2027"])
    sheet.append(["XL-2", "Spreadsheet Ltd", "wellbys", "many", "01/04/2024", "01/04/2027"])
    buf = io.BytesIO()
    wb.save(buf)
    c = signed_in(sv_web, "analyst@council.org")
    token = csrf_of(c.get("/upload").text)
    r = c.post(
        "/upload",
        data={"csrf_token": token, "org": "council", "kind": "sv_commitments"},
        files={"file": ("returns.xlsx", buf.getvalue())},
        follow_redirects=False,
    )
    assert r.status_code == 303
    preview = c.get(r.headers["location"])
    assert preview.status_code == 200 and "Spreadsheet Ltd" in preview.text
    load = re.search(r'action="(/upload/[^"]+/load)"', preview.text).group(1)
    chosen = dict(
        re.findall(
            r'<select[^>]*name="(map_[a-z_]+)"[^>]*>(?:(?!</select>).)*?<option value="([^"]*)" selected',
            preview.text,
            flags=re.S,
        )
    )  # what the browser sends: the automatic mapping, pre-selected
    assert chosen["map_measure_id"] == "Measure" and chosen["map_quantity"] == "Committed"
    done = job_outcome(
        sv_web,
        c,
        c.post(load, data={"csrf_token": csrf_of(preview.text), **chosen}, follow_redirects=False),
    )
    assert done.status_code == 200 and "Finished" in done.text, done.text
    rec = re.sub(r"\s+", " ", done.text).replace("> <", "><")
    assert 'Read</th><td class="num">2' in rec and 'Quarantined</th><td class="num">1' in rec
    assert "XL-1" in c.get("/socialvalue?org=council").text


def test_survey_refuses_oversized_and_scripted_input(sv_web):
    from anchorage.socialvalue.survey import issue_link

    url = "/survey/" + issue_link(sv_web.ws, "council", "Big Input Ltd", created_by="t@x.org").token
    supplier = sv_web.client()
    token = csrf_of(supplier.get(url).text)
    huge = {
        "csrf_token": token,
        "income": "9" * 200_000,
        "wages_pct": "<img src=x onerror=alert(1)>",
        "local_staff_pct": "50",
        "purchases_pct": "10",
        "local_purchases_pct": "10",
        "postcode": "A" * 100_000,
    }
    r = supplier.post(url, data=huge)
    assert r.status_code == 400 and "<img src=x" not in r.text and "&lt;img src=x" in r.text
    assert "Income from the anchor" in r.text and "9" * 201 not in r.text
    assert supplier.get(url).status_code == 200  # a refused answer does not use the link up
