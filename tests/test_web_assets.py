"""The assets pages: register, map, review and decisions, occupancy, upload, spaces, the request workflow, ACV
and transfers: status, the data boundary (costs, review, bookings and groups' contacts), CSRF and escaping."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.web_support import XSS, Web, build_web, csrf_of, job_outcome, report, signed_in

from anchorage.assets.register import import_assets
from anchorage.assets.spaces import add_need, add_space
from anchorage.assets.utilisation import import_utilisation
from anchorage.reference.load import import_reference
from anchorage.store.assets_records import AssetDecision, Need

REFERENCE = Path(__file__).resolve().parents[1] / "src" / "anchorage" / "demo" / "reference"
HEAD = (
    "Unique Asset ID,Unique Property Reference Number (UPRN),Name,Post Code,X Co-ordinate,Y Co-ordinate,"
    "Gross internal floor area,Running costs,Tenure,Tenure Category,Services Offered\n"
)
COUNCIL = (
    HEAD
    + """H1,100000000001,Sutton Hall,SM1 1AA,525900,163850,1000,"123,457",Freehold,Occupied by the LA,Community centre
L1,,Sutton Library,SM1 1AA,526000,163900,500,"150,000",Freehold,Occupied by the LA,Library
D1,,Old Depot,,526100,164000,2000,"100,000",Leasehold,Vacant,Depot
"""
)
TRUST = (
    HEAD
    + f"""T1,100000000001,Trust Clinic,SM1 1AA,525905,163855,800,"987,654",Leasehold,Occupied,Clinic
T2,,Trust Annex {XSS},SM1 1AA,526010,163905,300,"55,555",Freehold,Occupied,Offices
"""
)
UTIL = "Asset ID,Period,Occupied floor area,Hours used per week,Vacancy,Surplus\nL1,2024-25,480,12,0,N\n"
COUNCIL_COST, TRUST_COST = "£123,457", "£55,555"
GROUP_EMAIL = "chair@lunchclub.example.org"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def estate(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Web]:
    """The web fixture's collaborative plus SM postcodes, two anchors' registers, occupancy, spaces and a need."""
    with pytest.MonkeyPatch.context() as mp:
        if request.param == "postgres":
            mp.setenv("ANCHORAGE_RECORDS_URL", request.getfixturevalue("fresh_pg_database"))
        web = build_web(tmp_path_factory.mktemp("web-assets"))
        ws = web.ws
        import_reference(ws, [REFERENCE / "nspl_SM.csv"])
        for org, text in (("council", COUNCIL), ("acute-trust", TRUST)):
            path = web.root / f"{org}-assets.csv"
            path.write_text(text, encoding="utf-8")
            assert import_assets(ws, path, org).rows_quarantined == 0
        (web.root / "util.csv").write_text(UTIL, encoding="utf-8")
        import_utilisation(ws, web.root / "util.csv", "council")
        add_space(
            ws,
            "council",
            name="Sutton Hall main room",
            asset_key="ID:H1",
            postcode="SM1 1AA",
            capacity=40,
            times="Mon-Fri 09:00-21:00",
            accessibility="step free",
            facilities="kitchen",
            hourly_cost="10",
        )
        add_space(
            ws,
            "acute-trust",
            name="Trust meeting room",
            postcode="SM1 1AA",
            capacity=30,
            times="",
            hourly_cost="0",
        )
        add_need(
            ws,
            group_name="Sutton Lunch Club",
            contact_email=GROUP_EMAIL,
            activity="Seniors' lunch club",
            people="25",
            times="Wed 11:00-14:00",
            area="SM1 1AA",
            accessibility="wheelchair access",
            facilities="kitchen",
            budget_per_hour="15",
        )
        yield web


def post(c: TestClient, path: str, data: dict[str, str], page: str = "/account"):
    return c.post(
        path, data={**data, "csrf_token": csrf_of(c.get(page).text)}, follow_redirects=False
    )


def test_register_shows_published_fields_to_all_and_costs_only_with_detail(estate):
    for email, sees_council, sees_trust in (
        ("analyst@council.org", True, False),
        ("admin@trust.org", False, True),
        ("collab@x.org", False, False),
        ("viewer@college.org", False, False),
    ):
        r = signed_in(estate, email).get("/assets")
        assert r.status_code == 200
        assert (
            "Sutton Library" in r.text and "Trust Annex" in r.text
        )  # the published register: everyone
        assert (COUNCIL_COST in r.text) is sees_council, email
        assert (TRUST_COST in r.text) is sees_trust, email
        assert XSS not in r.text and "&lt;script&gt;" in r.text
    text = signed_in(estate, "analyst@council.org").get("/assets").text
    # One UPRN held by two anchors is one asset, held by both (the freehold record is the one shown).
    assert "Trust Clinic" not in text and re.search(
        r"Sutton Hall</td><td>acute-trust, council", text
    )
    assert "4 of 4 assets" in text
    only = (
        signed_in(estate, "analyst@council.org").get("/assets?org=acute-trust&tenure=Freehold").text
    )
    assert "1 of 4 assets" in only and "Trust Annex" in only and "Sutton Library" not in only


def test_map_is_svg_without_scripts_filters_and_colocation(estate):
    c = signed_in(estate, "viewer@college.org")
    r = c.get("/assets/map?distance=50")
    assert r.status_code == 200 and "<svg" in r.text and "<script" not in r.text
    assert r.text.count('<circle class="asset"') == 4
    # Sutton Library (council) and Trust Annex (trust) are 14 m apart: a co-location pair at 50 m, none at 5 m.
    pairs = re.search(r"Co-location candidates: (\d+) pairs", r.text)
    assert (
        pairs and int(pairs.group(1)) >= 1 and "Trust Annex" in r.text.split('id="colocation"')[1]
    )
    assert "Co-location candidates: 0 pairs" in c.get("/assets/map?distance=5").text
    council_only = c.get("/assets/map?org=council&distance=50").text
    assert (
        council_only.count('<circle class="asset"') == 3
        and "Co-location candidates: 0 pairs" in council_only
    )
    assert c.get("/assets/map?distance=999999").status_code == 400


def test_review_list_is_detail_and_decisions_need_the_anchors_editor(estate):
    council = signed_in(estate, "analyst@council.org")
    page = council.get("/assets/review").text
    assert "Sutton Library" in page and "in use 12 hours a week" in page and "Old Depot" in page
    for email in ("admin@trust.org", "collab@x.org", "viewer@college.org"):
        other = signed_in(estate, email).get("/assets/review")
        assert (
            other.status_code == 200
            and "Sutton Library" not in other.text
            and "12 hours" not in other.text
        )
        assert re.search(
            r"Council</td><td class=\"num\">3</td><td class=\"num\">\d", other.text
        )  # the aggregate
    form = {
        "org": "council",
        "asset_key": "ID:L1",
        "decision": "share",
        "note": f"Open it up {XSS}",
    }
    assert council.post("/assets/review/decide", data=form).status_code == 403  # no CSRF token
    for email in ("admin@trust.org", "viewer@college.org"):
        assert post(signed_in(estate, email), "/assets/review/decide", form).status_code == 403
    assert post(council, "/assets/review/decide", form).status_code == 303
    page = council.get("/assets/review").text
    assert "<strong>share</strong> Open it up &lt;script&gt;" in page
    assert (
        post(council, "/assets/review/decide", {**form, "decision": "demolish"}).status_code == 400
    )
    with estate.ws.session() as s:
        rows = s.scalars(select(AssetDecision).where(AssetDecision.asset_key == "ID:L1")).all()
    assert [(d.decision, d.decided_by) for d in rows] == [("share", "analyst@council.org")]


def test_occupancy_entry(estate):
    council = signed_in(estate, "analyst@council.org")
    assert council.get("/assets/occupancy").status_code == 200
    bad = post(
        council,
        "/assets/occupancy",
        {"asset_key": "ID:H1", "period": "2025-26", "hours_per_week": "200"},
    )
    assert bad.status_code == 400 and "between 0 and 168" in bad.text
    assert (
        post(
            council,
            "/assets/occupancy",
            {"asset_key": "ID:H1", "period": "2025-26", "hours_per_week": "abc"},
        ).status_code
        == 400
    )
    ok = post(
        council,
        "/assets/occupancy",
        {
            "asset_key": "ID:H1",
            "period": "2025-26",
            "hours_per_week": "6",
            "vacancy_pct": "50",
            "surplus": "yes",
        },
    )
    assert ok.status_code == 303
    assert "in use 6 hours a week" in council.get("/assets/review").text
    for email in ("viewer@college.org", "collab@x.org"):  # a viewer; an admin of no anchor
        assert (
            post(
                signed_in(estate, email), "/assets/occupancy", {"asset_key": "ID:H1", "period": "x"}
            ).status_code
            == 403
        )


def test_register_upload_through_the_upload_flow(estate):
    c = signed_in(estate, "analyst@council.org")
    assert "Land and buildings register" in c.get("/upload?kind=assets").text
    text = (
        HEAD
        + "X1,abc,Bad UPRN Hall,SM1 1AA,,,,,,,\nX2,100000000099,New Hub,SM1 1AA,,,,,Freehold,,\n"
    )
    r = c.post(
        "/upload",
        data={"csrf_token": csrf_of(c.get("/upload").text), "org": "council", "kind": "assets"},
        files={"file": ("extra assets.csv", text.encode(), "text/csv")},
        follow_redirects=False,
    )
    assert r.status_code == 303
    preview = c.get(r.headers["location"])
    assert preview.status_code == 200
    # A register is a snapshot: this file replaces the council's register (which is kept, and restored below).
    assert (
        "This file replaces the asset register loaded on" in preview.text
        and "council-assets.csv" in preview.text
    )
    form = {}
    for block in preview.text.split("<select")[1:]:  # each column choice as proposed on the preview
        name, chosen = (
            re.search(r'name="(map_[^"]+)"', block),
            re.search(r'<option value="([^"]*)" selected', block),
        )
        if name and chosen and chosen.start() < block.find("</select>"):
            form[name.group(1)] = chosen.group(1)
    loaded = job_outcome(
        estate,
        c,
        c.post(
            r.headers["location"] + "/load",
            data={**form, "csrf_token": csrf_of(preview.text)},
            follow_redirects=False,
        ),
    )
    assert loaded.status_code == 200, loaded.text[:500]
    cells = re.findall(r'<td class="num">(\d+)</td>', loaded.text.split('id="reconciliation"')[1])
    assert cells[:3] == ["2", "1", "1"]  # read = loaded + quarantined; nothing lost
    detail = c.get(re.search(r'href="(/uploads/[^"/]+)"', loaded.text).group(1)).text
    assert (
        "Bad UPRN Hall" in detail
        and "UPRN &#34;abc&#34; is not a number of up to 12 digits" in detail
    )
    assert "New Hub" in c.get("/assets").text and "Old Depot" not in c.get("/assets").text
    uploads = c.get("/uploads?org=council").text
    restore = re.search(r'action="(/uploads/[0-9a-f]+/restore)"', uploads).group(1)
    assert (
        c.post(restore, data={"csrf_token": csrf_of(uploads)}).status_code == 200
    )  # back on the uploads page
    assert "Old Depot" in c.get("/assets").text and "New Hub" not in c.get("/assets").text
    trust = signed_in(estate, "analyst@trust.org")
    r = trust.post(
        "/upload",
        data={"csrf_token": csrf_of(trust.get("/upload").text), "org": "council", "kind": "assets"},
        files={"file": ("a.csv", text.encode(), "text/csv")},
    )
    assert r.status_code == 403


def test_spaces_matches_and_the_booking_workflow(estate):
    council, trust = (
        signed_in(estate, "analyst@council.org"),
        signed_in(estate, "analyst@trust.org"),
    )
    page = council.get("/spaces").text
    assert "Sutton Hall main room" in page and "Seniors&#39; lunch club" in page
    assert GROUP_EMAIL not in page  # nobody handles the group's request yet
    needs = page.split('id="needs"')[1].split("</table>")[0]
    assert (
        "SM1 1AA" not in needs and "SM1 (postcode district)" in needs
    )  # a group's postcode only as its district
    assert (
        post(
            council, "/spaces", {"name": f"Annex {XSS}", "capacity": "12", "postcode": "SM1 1AA"}
        ).status_code
        == 303
    )
    assert "Annex &lt;script&gt;" in council.get("/spaces").text
    assert post(council, "/spaces", {"name": "No size"}).status_code == 400
    for email in ("viewer@college.org", "collab@x.org"):
        assert (
            post(signed_in(estate, email), "/spaces", {"name": "X", "capacity": "5"}).status_code
            == 403
        )
    matches = council.get("/spaces/matches").text
    assert "Sutton Hall main room" in matches and "has step-free" in matches
    with estate.ws.session() as s:
        need = s.scalars(select(Need).where(Need.contact_email == GROUP_EMAIL)).one()
    from anchorage.access.spaces_views import spaces as all_spaces

    hall = next(sp for sp in all_spaces(estate.ws) if sp.name == "Sutton Hall main room")
    req = {"need_id": str(need.id), "space_id": str(hall.id)}
    assert (
        post(trust, "/spaces/requests", req).status_code == 404
    )  # not the trust's space: as if none
    assert post(council, "/spaces/requests", req).status_code == 303
    reqs = council.get("/spaces/requests").text
    assert (
        GROUP_EMAIL in reqs and "requested" in reqs
    )  # the handling anchor sees the group's contact
    rid = re.search(
        r'<tr><td>Sutton Hall main room.*?action="/spaces/requests/([0-9a-f]{20})"', reqs, re.S
    ).group(1)
    assert (
        post(council, f"/spaces/requests/{rid}", {"action": "accept"}).status_code == 400
    )  # must be offered first
    assert post(trust, f"/spaces/requests/{rid}", {"action": "offer"}).status_code == 404
    assert (
        post(
            council, f"/spaces/requests/{rid}", {"action": "offer", "note": "Wednesdays are free"}
        ).status_code
        == 303
    )
    assert post(council, f"/spaces/requests/{rid}", {"action": "accept"}).status_code == 303
    assert "<strong>booked</strong>" in council.get("/spaces/requests").text
    for email in ("analyst@trust.org", "collab@x.org", "viewer@college.org"):
        c = signed_in(estate, email)
        assert (
            "Sutton Hall main room" not in c.get("/spaces/requests").text
        )  # bookings are the anchor's detail
        assert (
            GROUP_EMAIL not in c.get("/spaces").text
        )  # the group's contact is for its handler only
    handled = council.get("/spaces").text.split('id="needs"')[1].split("</table>")[0]
    assert GROUP_EMAIL in handled and "SM1 1AA" in handled
    notes = council.get("/notifications").text
    assert "asks to use" in notes and "is now booked" in notes
    nid = re.search(r'action="/notifications/([0-9a-f]{20})/read"', notes).group(1)
    assert (
        post(trust, f"/notifications/{nid}/read", {}).status_code == 404
    )  # not the trust's notification
    assert post(council, f"/notifications/{nid}/read", {}).status_code == 303
    assert (
        council.get("/notifications").text.count("<strong>New:</strong>")
        == notes.count("<strong>New:</strong>") - 1
    )


def test_acv_and_transfers(estate):
    council, trust = (
        signed_in(estate, "analyst@council.org"),
        signed_in(estate, "analyst@trust.org"),
    )
    nom = {
        "name": f"The Red Lion {XSS}",
        "nominated_by": "Friends of the Red Lion",
        "nominated_on": "2025-03-01",
    }
    assert post(trust, "/assets/acv/nominate", nom).status_code == 403  # the council keeps the list
    assert post(council, "/assets/acv/nominate", nom).status_code == 303
    assert (
        post(council, "/assets/acv/nominate", {**nom, "nominated_on": "1st March"}).status_code
        == 400
    )
    page = council.get("/assets/acv").text
    acv_id = re.search(r'<option value="([0-9a-f]{20})">The Red Lion &lt;script&gt;', page).group(1)
    assert "26 Apr 2025" in page  # decision due 8 weeks after receipt
    assert (
        post(
            council,
            "/assets/acv/decide",
            {"acv_id": acv_id, "listed": "yes", "decided_on": "2025-03-01"},
        ).status_code
        == 303
    )
    assert (
        post(
            council, "/assets/acv/notice", {"acv_id": acv_id, "notified_on": "2026-03-01"}
        ).status_code
        == 303
    )
    page = signed_in(estate, "viewer@college.org").get("/assets/acv").text
    assert "28 Feb 2030" in page  # listed for 5 years: to the day before the fifth anniversary
    assert "11 Apr 2026" in page  # the 6-week interim moratorium
    from anchorage.store.assets_records import DisposalNotice

    with estate.ws.session() as s:
        notice = s.scalars(select(DisposalNotice)).one()
    assert (
        f'<option value="{notice.id}">The Red Lion' in council.get("/assets/acv").text
    )  # chosen by name
    assert (
        post(
            council,
            "/assets/acv/bid",
            {"notice_id": str(notice.id), "group": "Friends", "on": "2026-03-20"},
        ).status_code
        == 303
    )
    assert "31 Aug 2026" in council.get("/assets/acv").text  # the 6-month full moratorium
    assert (
        post(
            council,
            "/assets/transfers",
            {"asset_key": "ID:D1", "recipient": "Sutton Community Trust", "terms": "long-lease"},
        ).status_code
        == 303
    )
    assert (
        post(
            council, "/assets/transfers", {"asset_key": "ID:T1", "recipient": "X", "terms": "lease"}
        ).status_code
        == 400
    )  # not the council's asset
    page = council.get("/assets/acv").text
    tid = re.search(r'name="transfer_id" value="([0-9a-f]{20})"', page).group(1)
    assert (
        post(
            trust, "/assets/transfers", {"transfer_id": tid, "status": "expression-of-interest"}
        ).status_code
        == 404
    )
    assert (
        post(council, "/assets/transfers", {"transfer_id": tid, "status": "completed"}).status_code
        == 400
    )
    assert (
        post(
            council, "/assets/transfers", {"transfer_id": tid, "status": "expression-of-interest"}
        ).status_code
        == 303
    )
    assert "<td>expression-of-interest</td>" in council.get("/assets/acv").text


# The public need form (no sign-in) ----------------------------------------------------------------------
def visitor(web: Web, ip: str) -> TestClient:
    return TestClient(web.app, base_url="http://testserver", client=(ip, 50000))  # type: ignore[arg-type]


def need_form(**over: str) -> dict[str, str]:
    base = {
        "group_name": "Carshalton Choir",
        "contact_email": "sing@choir.example.org",
        "activity": "Choir practice",
        "people": "30",
        "area": "SM1 1AA",
        "times": "Tue 19:00-21:00",
        "accessibility": "step free",
        "description": "",
        "website": "",
    }
    return {**base, **over}


def send_need(c: TestClient, **over: str):
    """Post the form as a person would: a minute after our page showed it (the page's signed stamp)."""
    import datetime as dt

    from anchorage.public_forms.protection import form_secret, stamp

    csrf = csrf_of(c.get("/community/need").text)
    shown = stamp(
        f"{form_secret(c.app.state.ws)}|{csrf}", dt.datetime.now(dt.UTC) - dt.timedelta(seconds=60)
    )
    return c.post(
        "/community/need", data={**need_form(**{"rendered_at": shown, **over}), "csrf_token": csrf}
    )


def pending(web: Web, email: str) -> list[Need]:
    with web.ws.session() as s:
        return list(s.scalars(select(Need).where(Need.contact_email == email)))


def test_public_form_needs_no_login_but_a_csrf_token(estate):
    c = visitor(estate, "192.0.2.1")
    page = c.get("/community/need")
    assert page.status_code == 200 and 'name="website"' in page.text and "<script" not in page.text
    assert c.post("/community/need", data=need_form()).status_code == 403
    assert pending(estate, "sing@choir.example.org") == []


def test_oversized_input_and_script_injection_are_refused_or_escaped(estate):
    c = visitor(estate, "192.0.2.2")
    assert (
        send_need(c, group_name="g" * 100_000).status_code == 413
    )  # refused before the form is read
    r = send_need(c, description="x" * 2001, group_name="g" * 121, contact_email=f"{XSS}@x")
    assert r.status_code == 400
    assert (
        "keep this under 2000 characters" in r.text and "keep this under 120 characters" in r.text
    )
    assert "this is not an email address" in r.text
    assert (
        XSS not in r.text and "&lt;script&gt;alert(1)&lt;/script&gt;@x" in r.text
    )  # echoed back, escaped
    assert pending(estate, f"{XSS}@x") == []
    ok = send_need(
        c,
        contact_email="xss@group.example.org",
        activity=f"Drama {XSS}",
        description=f"<b>{XSS}</b>",
    )
    assert ok.status_code == 200 and "emailed you" in ok.text and XSS not in ok.text
    [need] = pending(estate, "xss@group.example.org")
    assert (
        need.status == "pending-confirmation" and need.activity == f"Drama {XSS}"
    )  # stored as typed


def test_a_flood_from_one_address_is_rate_limited_and_bots_are_discarded(estate):
    c = visitor(estate, "192.0.2.3")
    assert (
        "Thank you"
        in send_need(c, contact_email="bot@spam.example.org", website="http://spam").text
    )
    assert (
        "Thank you" in send_need(c, contact_email="bot@spam.example.org", rendered_at="").text
    )  # no stamp
    forged = f"{int(__import__('time').time()) - 600}.0000"
    assert (
        "Thank you" in send_need(c, contact_email="bot@spam.example.org", rendered_at=forged).text
    )
    assert pending(estate, "bot@spam.example.org") == []  # bots see thanks, nothing is stored
    codes = [
        send_need(c, contact_email=f"flood{i}@spam.example.org", activity=f"Flood {i}").status_code
        for i in range(4)
    ]
    assert codes == [200, 200, 429, 429]  # five accepted or bot posts an hour from one address
    assert sum(len(pending(estate, f"flood{i}@spam.example.org")) for i in range(4)) == 2
    assert (
        send_need(visitor(estate, "192.0.2.4"), contact_email="other@group.example.org").status_code
        == 200
    )


def test_confirmation_link_publishes_the_need_once(estate):
    from anchorage.public_forms.outbox import outbox_dir

    c = visitor(estate, "192.0.2.5")
    before = set(outbox_dir(estate.ws).glob("*.eml")) if outbox_dir(estate.ws).exists() else set()
    assert (
        send_need(
            c, contact_email="confirm@group.example.org", activity="Knitting circle"
        ).status_code
        == 200
    )
    [mail] = set(outbox_dir(estate.ws).glob("*.eml")) - before
    text = mail.read_text()
    assert "To: confirm@group.example.org" in text
    link = re.search(r"http://testserver(/community/need/confirm/\S+)", text).group(1)
    assert (
        "Knitting circle" not in signed_in(estate, "analyst@council.org").get("/spaces").text
    )  # not yet
    page = c.get(link)  # opening the link (or a mail scanner opening it) changes nothing
    assert (
        page.status_code == 200
        and pending(estate, "confirm@group.example.org")[0].status == "pending-confirmation"
    )
    r = c.post(link, data={"csrf_token": csrf_of(page.text)})
    assert r.status_code == 200 and "published" in r.text
    assert pending(estate, "confirm@group.example.org")[0].status == "published"
    spaces = signed_in(estate, "viewer@college.org").get("/spaces").text
    assert "Knitting circle" in spaces and "confirm@group.example.org" not in spaces
    again = c.post(link, data={"csrf_token": csrf_of(c.get(link).text)})
    assert again.status_code == 400 and "already been used" in again.text
    assert (
        c.post(
            "/community/need/confirm/not-a-token", data={"csrf_token": csrf_of(page.text)}
        ).status_code
        == 400
    )


def test_main_report_has_the_assets_section_gated_like_the_pages(estate):
    import io

    import openpyxl

    def sheets(c: TestClient) -> dict[str, str]:
        wb = openpyxl.load_workbook(io.BytesIO(report(estate, c, "xlsx").content), read_only=True)
        return {
            ws.title: "\n".join(str(v) for row in ws.iter_rows(values_only=True) for v in row)
            for ws in wb
        }

    council, trust = (
        signed_in(estate, "analyst@council.org"),
        signed_in(estate, "analyst@trust.org"),
    )
    mine = sheets(council)
    assert {
        "Assets by anchor",
        "Assets by tenure",
        "Underused assets",
        "Community space matching",
    } <= set(mine)
    assert (
        "Sutton Library" in mine["Underused assets"]
        and "in use 12 hours a week" in mine["Underused assets"]
    )
    assert "Council" in mine["Assets by anchor"] and "Acute Trust" in mine["Assets by anchor"]
    theirs = sheets(trust)
    assert (
        "Sutton Library" not in theirs["Underused assets"]
    )  # the council's review list is its detail
    assert "Council" in theirs["Underused review by anchor"]  # the counts are not
    html = report(estate, council, "html").text
    assert 'id="assets"' in html and "Land and buildings" in html and "Sutton Library" in html
    assert "Sutton Library" not in report(estate, trust, "html").text


def test_need_form_mistakes_keep_the_input_list_every_error_and_never_lock_out(estate):
    c = visitor(estate, "192.0.2.77")
    for _ in range(7):  # more than the hourly limit of tries, all sent back to be corrected
        r = send_need(
            c,
            contact_email="library@group.example.org",
            group_name="",
            area="Atlantis",
            people="lots",
        )
        assert r.status_code == 400
    assert (
        'href="#group_name"' in r.text and 'href="#area"' in r.text and 'href="#people"' in r.text
    )
    assert (
        'value="Atlantis"' in r.text and 'value="library@group.example.org"' in r.text
    )  # input kept
    assert send_need(c, contact_email="library@group.example.org").status_code == 200


def test_register_table_sorts_searches_pages_and_exports_from_the_address(estate):
    import csv
    import io

    c = signed_in(estate, "analyst@council.org")
    page = c.get("/assets?sort=-floor_m2").text
    names = re.findall(r"<tr><td>([^<]+)</td><td>[^<]*</td>", page.split('id="register"')[1])
    assert names[:2] == ["Old Depot", "Sutton Hall"] and "rows 1–4 of 4" in page
    # The register's own filters (a key may repeat) are kept in the table's links and its exports.
    both = c.get("/assets?org=council&org=acute-trust&tenure=Freehold&q=sutton").text
    assert "rows 1–2 of 2" in both and "Trust Annex" not in both.split('id="register"')[1]
    assert (
        'href="/assets/register.csv?org=acute-trust&amp;org=council&amp;tenure=Freehold&amp;q=sutton"'
        in both
    )
    r = c.get("/assets/register.csv?org=council&tenure=Freehold&sort=asset")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [x["Asset"] for x in rows] == ["Sutton Hall", "Sutton Library"]
    assert COUNCIL_COST.replace("£", "").replace(",", "") in {
        x["Running cost"].split(".")[0] for x in rows
    }
    trust = list(
        csv.DictReader(
            io.StringIO(
                signed_in(estate, "viewer@college.org")
                .get("/assets/register.csv")
                .content.decode("utf-8-sig")
            )
        )
    )
    assert len(trust) == 4 and all(x["Running cost"] == "" and x["Backlog"] == "" for x in trust)
    assert c.get("/assets/register.xlsx").content[:2] == b"PK"
    assert (
        c.get("/assets?page=2").status_code == 200 and c.get("/assets?sort=nope").status_code == 400
    )


def test_review_list_is_one_table_with_its_forms_and_exports_only_what_the_viewer_sees(estate):
    import csv
    import io

    from anchorage.access import assets_views as av
    from anchorage.access.gate import Viewer

    council = signed_in(estate, "analyst@council.org")
    flagged = av.review(
        estate.ws, Viewer(0, "x@council.org", "anchor-analyst", "council", frozenset({"council"}))
    ).items
    page = council.get("/assets/review").text
    assert f"rows 1–{len(flagged)} of {len(flagged)}" in page and page.count(
        'action="/assets/review/decide"'
    ) == len(flagged)
    one = council.get("/assets/review?q=library").text
    assert "rows 1–1 of 1" in one and "Old Depot" not in one.split('id="review"')[1]
    rows = list(
        csv.DictReader(
            io.StringIO(council.get("/assets/review.csv?sort=asset").content.decode("utf-8-sig"))
        )
    )
    assert [r["Asset"] for r in rows] == sorted(
        (i.name or i.asset_key for i in flagged), key=str.casefold
    )
    assert {r["Anchor"] for r in rows} == {"Council"}
    for email in ("admin@trust.org", "collab@x.org", "viewer@college.org"):
        body = signed_in(estate, email).get("/assets/review.csv").content.decode("utf-8-sig")
        assert "Sutton Library" not in body and "12 hours" not in body, email
