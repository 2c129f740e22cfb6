"""Data boundaries: every route × role × anchor — anchor A never sees B's rows unless B shares them."""

from __future__ import annotations

import io

import openpyxl
import pytest
from tests.web_support import MARKERS, USERS, XSS, csrf_of, report, signed_in

ANCHORS = list(MARKERS)
# Routes that show aggregates to everyone; none may carry another anchor's single-anchor supplier.
# Every year (?year=all): the markers are paid in different financial years, and a page must hide none of
# them by period where the boundary is what is tested.
OPEN_ROUTES = [
    "/dashboard",
    "/dashboard?year=all",
    *[f"/dashboard/{a}{y}" for a in ANCHORS for y in ("", "?year=all")],
    "/benchmark",
    "/suppliers",
    "/api/v1/dashboard",
    *[f"/api/v1/dashboard/{a}" for a in ANCHORS],
    "/api/v1/benchmark",
    "/api/v1/suppliers",
    "/reports/report.html",
    "/reports/report.pdf",
]


def detail_routes(anchor: str, upload_id: str) -> list[str]:
    return [
        f"/anchors/{anchor}/transactions",
        f"/api/v1/anchors/{anchor}/transactions",
        f"/uploads?org={anchor}",
        f"/api/v1/anchors/{anchor}/uploads",
        f"/uploads/{upload_id}",
        f"/uploads/{upload_id}/quarantine.csv",
        f"/uploads/{upload_id}/quarantine.xlsx",
    ]


def upload_ids(web) -> dict[str, str]:
    from sqlalchemy import select

    from anchorage.store.records import Upload

    with web.ws.session() as s:
        return {u.org: u.id for u in s.scalars(select(Upload).where(Upload.kind == "spend"))}


def body_text(response) -> str:
    if response.headers.get("content-type", "").startswith("application/vnd.openxml"):
        wb = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
        return "\n".join(
            str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row
        )
    return response.text


def shows(marker: str, text: str) -> bool:
    """Supplier names may appear as given or normalised ("ZEBRA COUNCIL ONLY"): match the distinctive word."""
    return marker.split()[0].upper() in text.upper()


def own_detail(email: str, shared_with: dict[str, set[str]] | None = None) -> set[str]:
    org = USERS[email][1]
    if org is None:
        return set()
    return {org} | {owner for owner, grantees in (shared_with or {}).items() if org in grantees}


@pytest.mark.parametrize("email", list(USERS))
def test_authorization_matrix(web, email):
    ids = upload_ids(web)
    c = signed_in(web, email)
    sees = own_detail(email)
    for anchor in ANCHORS:
        for route in detail_routes(anchor, ids[anchor]):
            r = c.get(route)
            if anchor in sees:
                assert r.status_code == 200, (email, route, r.text[:300])
            else:  # an upload of another anchor: the same 404 as an upload that does not exist
                assert r.status_code == (404 if route.startswith("/uploads/") else 403), (
                    email,
                    route,
                    r.status_code,
                )
                assert not shows(MARKERS[anchor], r.text)
    for route in OPEN_ROUTES:
        r = c.get(route)
        assert r.status_code == 200, (email, route, r.text[:300])
        text = body_text(r) if not route.endswith(".pdf") else r.content.decode("latin-1")
        for anchor, marker in MARKERS.items():
            assert shows(marker, text) <= (anchor in sees), (
                f"{email} saw {anchor}'s supplier via {route}"
            )
    xlsx = body_text(report(web, c, "xlsx"))
    for anchor, marker in MARKERS.items():
        assert shows(marker, xlsx) <= (anchor in sees), (
            f"{email} saw {anchor}'s supplier in the XLSX report"
        )
    # An anchor's own users do see their own supplier on their dashboard: the gate is not just closed.
    for org in sees:
        assert shows(MARKERS[org], c.get(f"/dashboard/{org}?year=all").text)


def test_sharing_grants_and_revokes_detail(web):
    ids = upload_ids(web)
    trust = signed_in(web, "analyst@trust.org")
    assert trust.get("/api/v1/anchors/council/transactions").status_code == 403
    council_admin = signed_in(web, "admin@council.org")
    token = csrf_of(council_admin.get("/admin/sharing").text)
    r = council_admin.post(
        "/admin/sharing", data={"csrf_token": token, "owner": "council", "grantee": "acute-trust"}
    )
    assert r.status_code == 200 and "Acute Trust" in r.text
    shared = {"council": {"acute-trust"}}
    for route in detail_routes("council", ids["council"]):
        assert trust.get(route).status_code == 200, route
    assert shows(MARKERS["council"], trust.get("/suppliers").text)
    assert shows(MARKERS["council"], trust.get("/dashboard/council?year=all").text)
    assert own_detail("analyst@trust.org", shared) == {"acute-trust", "council"}
    # The college was not granted anything.
    assert (
        signed_in(web, "viewer@college.org").get("/api/v1/anchors/council/transactions").status_code
        == 403
    )
    # Only the owner's admin can share; a trust admin cannot share the council's data.
    trust_admin = signed_in(web, "admin@trust.org")
    t2 = csrf_of(trust_admin.get("/admin/sharing").text)
    assert (
        trust_admin.post(
            "/admin/sharing", data={"csrf_token": t2, "owner": "council", "grantee": "college"}
        ).status_code
        == 403
    )
    r = council_admin.post(
        "/admin/sharing",
        data={
            "csrf_token": token,
            "owner": "council",
            "grantee": "acute-trust",
            "action": "revoke",
        },
    )
    assert r.status_code == 200
    assert trust.get("/api/v1/anchors/council/transactions").status_code == 403
    audit = council_admin.get("/admin/audit").text
    assert "share-granted" in audit and "share-revoked" in audit


def test_supplier_names_render_inert(web):
    c = signed_in(web, "viewer@college.org")
    assert (
        XSS not in c.get("/dashboard/college?year=all").text
    )  # charts and tables show it normalised, and escaped
    for route in ("/suppliers", "/anchors/college/transactions"):
        html = c.get(route).text
        assert XSS not in html, route
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, route
    api = c.get("/api/v1/anchors/college/transactions").json()
    assert XSS in [r["supplier_name"] for r in api["rows"]]  # JSON carries the data as data
    assert "script-src 'self'" in c.get("/dashboard").headers["content-security-policy"]


def test_non_admins_cannot_administer(web):
    for email in ("analyst@council.org", "viewer@college.org"):
        c = signed_in(web, email)
        for route in ("/admin/users", "/admin/sharing", "/admin/audit"):
            assert c.get(route).status_code == 403, (email, route)
    admin = signed_in(web, "admin@council.org")
    users_page = admin.get("/admin/users").text
    assert "analyst@council.org" in users_page and "analyst@trust.org" not in users_page
    assert "analyst@trust.org" in signed_in(web, "collab@x.org").get("/admin/users").text
