"""The audit log page: each reader sees only what they may see elsewhere, refusals are audited, and the log
can be searched (who, what, when) and paged to its first event."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import delete, select
from tests.web_support import signed_in

from anchorage.access import audit
from anchorage.store.accounts import AuditEvent, now
from anchorage.store.records import Upload

# What the routes record for an anchor's own actions (see uploads, levy, bid pledges, supplier review).
COUNCIL_DETAIL = [
    (
        "upload",
        {
            "file": "Secret Tenders 2025.csv",
            "kind": "spend",
            "upload_id": "u-council-1",
            "rows_loaded": 12,
        },
    ),
    ("levy-transfer", {"recipient": "Hidden Dental Care Ltd", "total_price": "12345.67"}),
    (
        "bid-pledge",
        {"pledge_id": 7, "employer": "Private Employer Plc", "placements": 3, "eligible": True},
    ),
    (
        "supplier-accept",
        {"decision": 9, "record_id": "r-1", "register": "companies_house:09990001"},
    ),
]
SECRETS = (
    "Secret Tenders 2025.csv",
    "Hidden Dental Care Ltd",
    "12345.67",
    "Private Employer Plc",
    "companies_house:09990001",
    "u-council-1",
)


@pytest.fixture(scope="module")
def logged(web):
    with web.ws.session() as s:
        for action, detail in COUNCIL_DETAIL:
            audit.record(
                s, "analyst@council.org", action, org="council", ip="192.0.2.1", detail=detail
            )
        audit.record(s, "collab@x.org", "registrations-purged", detail={"deleted": 4})
        s.commit()
    return web


def test_each_reader_sees_only_the_detail_they_may_see_elsewhere(logged):
    council = signed_in(logged, "admin@council.org").get("/admin/audit?who=analyst%40council").text
    for secret in SECRETS:
        assert secret in council, secret  # the anchor's own admin sees its own detail
    collab = signed_in(logged, "collab@x.org").get("/admin/audit?who=analyst%40council").text
    assert "levy-transfer" in collab and "bid-pledge" in collab and "supplier-accept" in collab
    for secret in SECRETS:
        assert secret not in collab, secret
    assert (
        "fields of the anchor&#39;s detail not shown" in collab
        or "fields of the anchor's detail not shown" in collab
    )
    assert (
        "&#34;kind&#34;" not in collab and '"kind"' not in collab
    )  # even harmless-looking fields are held back
    assert (
        "deleted"
        in signed_in(logged, "collab@x.org").get("/admin/audit?what=registrations-purged").text
    )
    trust = signed_in(logged, "admin@trust.org").get("/admin/audit").text
    assert (
        "levy-transfer" not in trust and "analyst@council.org" not in trust
    )  # another anchor's events
    assert signed_in(logged, "analyst@council.org").get("/admin/audit").status_code == 403


def test_refusals_are_audited_and_found_by_search(logged):
    with logged.ws.session() as s:
        trust_upload = s.scalars(select(Upload.id).where(Upload.org == "acute-trust")).first()
    c = signed_in(logged, "analyst@council.org")
    page = c.get(f"/uploads/{trust_upload}")
    api = c.get("/api/v1/anchors/acute-trust/transactions")
    assert page.status_code in (403, 404) and api.status_code in (403, 404)
    admin = signed_in(logged, "admin@council.org")
    found = admin.get("/admin/audit?what=refused&who=analyst@council.org").text
    rows = re.findall(r"<tr><td>[^<]+</td><td>([^<]+)</td><td>([^<]+)</td>", found)
    assert rows and set(rows) == {("analyst@council.org", "refused")}
    # The upload refusal is recorded once, by the access layer, with the reference tried; the API one by the
    # web's handler, with its path.
    assert trust_upload in found and "/api/v1/anchors/acute-trust/transactions" in found
    assert found.count(trust_upload) == 1
    # The refusal belongs to the council's user, in the council's log (the trust's admin does not get it).
    assert (
        "analyst@council.org"
        not in signed_in(logged, "admin@trust.org").get("/admin/audit?what=refused").text
    )
    collab = signed_in(logged, "collab@x.org").get("/admin/audit?what=refused").text
    assert "analyst@council.org" in collab


def test_search_and_paging_reach_the_first_event(logged):
    start = now() - dt.timedelta(days=200)
    with logged.ws.session() as s:
        s.execute(delete(AuditEvent).where(AuditEvent.actor == "bulk@council.org"))
        for i in range(130):
            s.add(
                AuditEvent(
                    at=start + dt.timedelta(days=i),
                    actor="bulk@council.org",
                    action="export",
                    org="council",
                    detail={"what": f"item {i:03}"},
                )
            )
        s.commit()
    admin = signed_in(logged, "admin@council.org")

    def items(url: str) -> list[str]:
        r = admin.get(url)
        assert r.status_code == 200, r.text
        return re.findall(r"item (\d{3})", r.text)

    first = items("/admin/audit?who=bulk")
    assert first == [f"{i:03}" for i in range(129, 79, -1)]  # 50 a page, newest first
    page = admin.get("/admin/audit?who=bulk").text
    assert "page 1 of 3" in page and 'rel="next"' in page and "who=bulk" in page
    assert items("/admin/audit?who=bulk&page=3") == [
        f"{i:03}" for i in range(29, -1, -1)
    ]  # the very first
    assert items("/admin/audit?who=bulk&page=99999999999999999999") == items(
        "/admin/audit?who=bulk"
    )  # clamped
    assert (
        items("/admin/audit?who=bulk&page=-4") == first
        and items("/admin/audit?who=bulk&page=abc") == first
    )
    day = (start + dt.timedelta(days=10)).date()
    assert items(f"/admin/audit?who=bulk&since={day}&until={day + dt.timedelta(days=2)}") == [
        "012",
        "011",
        "010",
    ]
    # the form takes a day as a file's cell does (core/values), not only as YYYY-MM-DD
    assert items(
        f"/admin/audit?who=bulk&since={day:%d/%m/%Y}&until={day + dt.timedelta(days=2):%d %b %Y}"
    ) == ["012", "011", "010"]
    assert items("/admin/audit?who=nobody-at-all") == []
    assert items("/admin/audit?what=export&who=BULK")[:1] == ["129"]
    bad = admin.get("/admin/audit?since=yesterday")
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.text
