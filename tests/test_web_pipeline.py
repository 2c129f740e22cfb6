"""Pipeline and opportunity pages: aggregates for every signed-in user, contract rows behind the boundary."""

from __future__ import annotations

import re
from datetime import date

import pytest
from tests.web_support import XSS, job_outcome, signed_in

from anchorage.contracts.importer import import_contracts

NEXT = date.today().year + 1
COUNCIL = f"""Title,Supplier,Value,Start Date,End Date,CPV
Walrus civic catering,Local Caterers Ltd,"900,000",01/04/{NEXT - 2},31/03/{NEXT + 1},55520000
{XSS},Shine Ltd,1000,01/04/{NEXT - 2},31/03/{NEXT + 1},90910000
"""
TRUST = f"""Title,Supplier,Value,Start Date,End Date,Category
Penguin patient meals,Far Away Foods plc,"3,000,000",01/01/{NEXT - 2},31/12/{NEXT},Patient catering
"""


@pytest.fixture(scope="module")
def pipeline_web(web, shared_data_module):
    (web.root / "council-contracts.csv").write_text(COUNCIL)
    (web.root / "trust-contracts.csv").write_text(TRUST)
    import_contracts(web.ws, web.root / "council-contracts.csv", "council")
    import_contracts(web.ws, web.root / "trust-contracts.csv", "acute-trust")
    import_contracts(
        web.ws, shared_data_module / "ocds" / "fictional" / "ocds-213czf-000-00001.json", "college"
    )
    return web


@pytest.fixture(scope="module")
def shared_data_module():
    from tests.conftest import SHARED

    return SHARED


def _opportunity_id(html: str) -> str:
    m = re.search(r'href="/pipeline/opportunities/([0-9a-f]{20})\?', html)
    assert m, "no opportunity link"
    return m.group(1)


def test_pipeline_shows_aggregates_to_all_and_rows_behind_the_boundary(pipeline_web):
    council = signed_in(pipeline_web, "analyst@council.org").get("/pipeline")
    assert council.status_code == 200 and "Walrus civic catering" in council.text
    assert "Penguin patient meals" not in council.text
    assert "<td>Acute Trust</td>" not in council.text  # nor its quarters
    assert "1 contracts of other anchors are not shared with you" in council.text
    assert "<svg" in council.text and XSS not in council.text and "&lt;script&gt;" in council.text
    # The OCDS contract was published openly, so every signed-in user sees it.
    college = signed_in(pipeline_web, "viewer@college.org").get("/pipeline")
    assert "Contract to build new cycle lanes" in college.text and "Walrus" not in college.text
    trust = signed_in(pipeline_web, "admin@trust.org").get("/pipeline?category=Catering")
    assert "Penguin patient meals" in trust.text and "cycle lanes" not in trust.text
    assert "CPV codes starting 553, 554, 555" in trust.text
    filtered = signed_in(pipeline_web, "analyst@council.org").get(
        "/pipeline?org=council&cpv=909&min_value=500"
    )
    assert (
        XSS not in filtered.text
        and "Walrus" not in filtered.text
        and "&lt;script&gt;" in filtered.text
    )
    bad = signed_in(pipeline_web, "analyst@council.org").get("/pipeline?min_value=lots")
    assert bad.status_code == 400 and "is not a number" in bad.text


def test_not_signed_in_goes_to_login(pipeline_web):
    r = pipeline_web.client().get("/pipeline/opportunities", follow_redirects=False)
    assert r.status_code in (303, 307) and "/login" in r.headers["location"]


def test_opportunities_list_detail_and_masked_briefs(pipeline_web):
    college = signed_in(pipeline_web, "viewer@college.org")
    listing = college.get("/pipeline/opportunities")
    assert (
        listing.status_code == 200
        and "Catering" in listing.text
        and "£3,900,000" not in listing.text
    )
    assert (
        "£900,000"
        in signed_in(pipeline_web, "admin@council.org").get("/pipeline/opportunities").text
    )
    opp = _opportunity_id(listing.text)
    detail = college.get(f"/pipeline/opportunities/{opp}")
    assert detail.status_code == 200 and "not shared with you" in detail.text
    assert (
        "Walrus" not in detail.text
        and "Penguin" not in detail.text
        and "Far Away Foods" not in detail.text
    )
    council = signed_in(pipeline_web, "admin@council.org")
    mine = council.get(f"/pipeline/opportunities/{opp}").text
    assert (
        "Walrus civic catering" in mine and "Local Caterers Ltd" in mine and "Penguin" not in mine
    )
    html = council.get(f"/pipeline/opportunities/{opp}/brief.html")
    assert (
        html.status_code == 200
        and "Walrus civic catering" in html.text
        and "Penguin" not in html.text
    )
    pdf = council.get(f"/pipeline/opportunities/{opp}/brief.pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    xlsx = college.get(f"/pipeline/opportunities/{opp}/brief.xlsx")
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    assert council.get(f"/pipeline/opportunities/{opp}/brief.doc").status_code == 400
    assert council.get("/pipeline/opportunities/0000000000").status_code == 404
    assert (
        council.get("/pipeline/opportunities?window=1").text.count("/pipeline/opportunities/") == 0
    )


def test_contract_register_upload_over_the_web(tmp_path, monkeypatch):
    from tests.web_support import build_web, csrf_of

    # A workspace of its own on SQLite, whatever records database the module's `web` fixture has set up.
    monkeypatch.delenv("ANCHORAGE_RECORDS_URL", raising=False)
    web = build_web(tmp_path)
    c = signed_in(web, "analyst@council.org")
    form = c.get("/upload").text
    assert 'value="contracts">Contract register' in form
    r = c.post(
        "/upload",
        data={"csrf_token": csrf_of(form), "org": "council", "kind": "contracts"},
        files={"file": ("register.csv", COUNCIL.encode() + b"No value row,X,abc,,,\n", "text/csv")},
        follow_redirects=False,
    )
    assert r.status_code == 303
    preview = c.get(r.headers["location"])
    assert "Walrus civic catering" in preview.text
    load_url = re.search(r'action="(/upload/[^"]+/load)"', preview.text).group(1)
    assert re.search(
        r'name="map_title".*?<option value="Title" selected', preview.text, re.S
    )  # recognised
    r = job_outcome(
        web,
        c,
        c.post(
            load_url,
            data={
                "csrf_token": csrf_of(preview.text),
                "map_title": "Title",
                "map_supplier_name": "Supplier",
                "map_value": "Value",
                "map_start_date": "Start Date",
                "map_end_date": "End Date",
                "map_cpv": "CPV",
            },
            follow_redirects=False,
        ),
    )
    assert r.status_code == 200, r.text
    rec = re.sub(r"\s+", " ", r.text[r.text.index('id="reconciliation"') :]).replace("> <", "><")
    assert 'Read</th><td class="num">3' in rec and 'Quarantined</th><td class="num">1' in rec
    assert "Walrus civic catering" in c.get("/pipeline").text
    # Without CSRF the upload is refused.
    bad = c.post(
        "/upload",
        data={"org": "council", "kind": "contracts"},
        files={"file": ("register.csv", COUNCIL.encode(), "text/csv")},
        follow_redirects=False,
    )
    assert bad.status_code in (400, 403)
