"""The supplier register in the web workspace: review queue, decisions (gated, CSRF-checked, audited, kept
across resolution runs), resolved suppliers and their CSV export."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select
from tests.test_suppliers import _extra_sql
from tests.web_support import MARKERS, csrf_of, refresh_figures, signed_in

from anchorage.access import gate
from anchorage.access.supplier_review import queue as register_queue
from anchorage.reports.tables import fmt_money
from anchorage.store.accounts import AuditEvent, User
from anchorage.suppliers import generate
from anchorage.suppliers.export import resolved_suppliers
from anchorage.suppliers.registers import import_register
from anchorage.suppliers.resolve import resolve
from anchorage.suppliers.review import list_decisions


@pytest.fixture(scope="module")
def reg(web, tmp_path_factory):
    """The web fixture's anchors resolved against a small register (Central Consulting is uncertain: 82%)."""
    ch = generate.write_companies_house(
        tmp_path_factory.mktemp("ch"), 300, parts=1, extra_sql=_extra_sql()
    )
    import_register(web.ws, "companies_house", ch)
    resolve(web.ws)
    refresh_figures(web.ws)  # resolved behind the server's back: the refresh the server would queue
    return web


def record(ws, org: str, name: str) -> dict:
    df = resolved_suppliers(ws)
    row = df[(df["org"] == org) & (df["supplier_name"] == name)].astype(object)
    return row.where(row.notna(), None).to_dict("records")[0]


def viewer(s, email: str) -> gate.Viewer:
    return gate.viewer_for(s, s.scalar(select(User).where(User.email == email)))


def position_of(c, name: str) -> int | None:
    """Where a supplier stands in the one-at-a-time review, walking it as a person would ("Skip to the next")."""
    page = c.get("/suppliers/review").text
    at = 1
    while True:
        if f'<h2 id="item">{name}' in page:
            return at
        if "Skip to the next" not in page:
            return None
        at += 1
        page = c.get(f"/suppliers/review?at={at}").text


def page_of(c, name: str) -> str | None:
    at = position_of(c, name)
    return None if at is None else c.get(f"/suppliers/review?at={at}").text


def audit_actions(ws, actor: str) -> list[str]:
    with ws.session() as s:
        return [
            e.action
            for e in s.scalars(
                select(AuditEvent).where(AuditEvent.actor == actor).order_by(AuditEvent.id)
            )
        ]


def test_review_queue_and_register_are_gated(reg):
    council = signed_in(reg, "analyst@council.org")
    page = page_of(council, "Central Consulting PLC")
    assert "82.4%" in page and "same name (+25.0)" in page
    assert 'value="accept"' in page and 'name="other_record_id"' in page
    resolved = council.get("/suppliers/resolved").text
    assert "Greenwich Builders" in resolved and "Companies House status: Liquidation" in resolved
    assert MARKERS["council"] in resolved and MARKERS["acute-trust"] not in resolved
    assert "Local Caterers" in council.get("/suppliers/resolved?q=caterers").text
    assert "Greenwich" not in council.get("/suppliers/resolved?q=caterers").text
    for email in (
        "analyst@trust.org",
        "viewer@college.org",
        "collab@x.org",
    ):  # no detail of the council
        c = signed_in(reg, email)
        assert page_of(c, "Central Consulting") is None, email
        text = c.get("/suppliers/resolved").text
        assert "Greenwich Builders" not in text and MARKERS["council"] not in text, email
        body = c.get("/suppliers/resolved.csv").text
        assert "council" not in {r["org"] for r in csv.DictReader(io.StringIO(body))}, email
    trust = signed_in(reg, "analyst@trust.org").get("/suppliers/resolved.csv")
    rows = list(csv.DictReader(io.StringIO(trust.text)))
    assert trust.headers["content-type"].startswith("text/csv")
    assert {"org", "supplier_name", "supplier_id", "register_id", "match_probability"} <= set(
        rows[0]
    )
    assert {r["org"] for r in rows} == {"acute-trust"} and MARKERS["acute-trust"] in {
        r["supplier_name"] for r in rows
    }
    assert audit_actions(reg.ws, "analyst@trust.org")[-1] == "export"


def test_decisions_need_csrf_and_the_anchors_analyst_or_admin(reg):
    rid = record(reg.ws, "council", "Central Consulting PLC")["record_id"]
    form = {"action": "reject", "record_id": rid, "register": "companies_house:03333333"}
    council = signed_in(reg, "analyst@council.org")
    council.get("/suppliers/review")
    assert council.post("/suppliers/review/decide", data=form).status_code == 403  # no token
    assert (
        council.post("/suppliers/review/decide", data={**form, "csrf_token": "forged"}).status_code
        == 403
    )
    for email in ("analyst@trust.org", "viewer@college.org", "collab@x.org"):
        c = signed_in(reg, email)
        r = c.post(
            "/suppliers/review/decide",
            data={**form, "csrf_token": csrf_of(c.get("/suppliers/review").text)},
        )
        assert r.status_code == 404 and "belongs" not in r.text, (
            email
        )  # the same answer as for no such record
    # Shared detail lets the trust see the council's queue, but only the council's own people decide.
    with reg.ws.session() as s:
        gate.grant(s, viewer(s, "admin@council.org"), "council", "acute-trust")
        s.commit()
    try:
        trust = signed_in(reg, "admin@trust.org")
        page = page_of(trust, "Central Consulting PLC")
        assert page and "Analysts and admins of Council decide" in page
        r = trust.post("/suppliers/review/decide", data={**form, "csrf_token": csrf_of(page)})
        assert r.status_code == 403 and "Only an admin or analyst of this anchor" in r.text
    finally:
        with reg.ws.session() as s:
            gate.revoke(s, viewer(s, "admin@council.org"), "council", "acute-trust")
            s.commit()
    assert list_decisions(reg.ws) == []
    token = csrf_of(council.get("/suppliers/review").text)
    r = council.post(
        "/suppliers/review/decide", data={**form, "action": "approve", "csrf_token": token}
    )
    assert r.status_code == 400 and "Unknown review action" in r.text
    r = council.post(
        "/suppliers/review/decide", data={**form, "record_id": "nope", "csrf_token": token}
    )
    assert (
        r.status_code == 404
        and "There is no supplier record here" in r.text
        and "nope" not in r.text
    )


def test_web_decisions_persist_override_resolve_and_can_be_undone(reg):
    ws = reg.ws
    central = record(ws, "council", "Central Consulting PLC")
    berlin = record(ws, "council", "Berlin GmbH")["record_id"]
    mystery = record(ws, "council", "Mystery Co")["record_id"]
    assert central["register_id"] == "03333333"
    c = signed_in(reg, "analyst@council.org")
    token = csrf_of(c.get("/suppliers/review").text)
    r = c.post(
        "/suppliers/review/decide",
        follow_redirects=False,
        data={
            "csrf_token": token,
            "action": "reject",
            "record_id": central["record_id"],
            "register": "companies_house:03333333",
            "note": "another Central Consulting",
        },
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/suppliers/review?saved=")
    assert (
        "Saved: different from the register entry for Central Consulting PLC"
        in c.get(r.headers["location"]).text
    )
    for action, extra in (
        ("accept", {"register": "05555555"}),
        ("merge", {"other_record_id": mystery}),
    ):
        r = c.post(
            "/suppliers/review/decide",
            data={"csrf_token": token, "action": action, "record_id": berlin, **extra},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
    made = list_decisions(ws)
    assert [(d["action"], d["decided_by"]) for d in made] == [
        ("reject", "analyst@council.org"),
        ("accept", "analyst@council.org"),
        ("merge", "analyst@council.org"),
    ]
    assert audit_actions(ws, "analyst@council.org")[-3:] == [
        "supplier-reject",
        "supplier-accept",
        "supplier-merge",
    ]
    resolve(ws)  # the next run of the model keeps every decision made on the web
    assert record(ws, "council", "Central Consulting PLC")["register_id"] is None
    after_berlin = record(ws, "council", "Berlin GmbH")
    assert (
        after_berlin["method"] == "review: accepted" and after_berlin["register_id"] == "05555555"
    )
    assert after_berlin["supplier_id"] == record(ws, "council", "Mystery Co")["supplier_id"]
    page = c.get("/suppliers/review").text
    assert (
        "another Central Consulting" in page and page_of(c, "Central Consulting PLC") is None
    )  # decided: off the queue
    # Undo: only the anchor's own people, with a token; then the model's link returns.
    first = made[0]["id"]
    other = signed_in(reg, "analyst@trust.org")
    assert (
        other.post(
            f"/suppliers/review/decisions/{first}/undo",
            data={"csrf_token": csrf_of(other.get("/suppliers/review").text)},
        ).status_code
        == 404
    )
    assert c.post(f"/suppliers/review/decisions/{first}/undo", data={}).status_code == 403
    r = c.post(
        f"/suppliers/review/decisions/{first}/undo",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert (
        r.status_code == 303 and r.headers["location"] == f"/suppliers/review?undone={first}&at=1"
    )
    assert audit_actions(ws, "analyst@council.org")[-1] == "supplier-undo"
    resolve(ws)
    assert record(ws, "council", "Central Consulting PLC")["register_id"] == "03333333"
    assert [d["action"] for d in list_decisions(ws)] == ["accept", "merge"]


def test_dashboard_shows_matched_and_unmatched_spend(reg):
    c = signed_in(reg, "analyst@council.org")
    tiles = c.get("/api/v1/dashboard/council").json()["tiles"]
    assert 0 < tiles["matched_pct"] < 1 and tiles["unmatched_spend"] > 0
    assert "Matched to Companies House / Charity Commission" in c.get("/dashboard/council").text


def test_resolved_csv_names_no_record_id_of_another_anchor(reg):
    """A supplier several anchors use was named 'S-<smallest record id>', which could be another anchor's record:
    now it is a keyed hash of it, the same from run to run."""
    df = resolved_suppliers(reg.ws)
    ids_of = {org: set(g["record_id"]) for org, g in df.groupby("org")}
    orgs = df.groupby("supplier_id")["org"].agg(set)
    # A supplier of both anchors checked below: one of them then saw the other's record id under the old naming.
    assert any({"council", "acute-trust"} <= o for o in orgs), (
        "the fixture needs a supplier of both anchors"
    )
    for email, org in (("analyst@council.org", "council"), ("analyst@trust.org", "acute-trust")):
        body = signed_in(reg, email).get("/suppliers/resolved.csv").text
        rows = list(csv.DictReader(io.StringIO(body)))
        assert rows and {r["org"] for r in rows} == {org}
        others = set().union(*(ids for o, ids in ids_of.items() if o != org))
        assert not [rid for rid in others if rid in body], email
        assert not [
            r["supplier_id"] for r in rows if r["supplier_id"].removeprefix("S-") in others
        ], email
    resolve(reg.ws)  # stable between runs
    assert dict(
        zip(
            resolved_suppliers(reg.ws)["record_id"],
            resolved_suppliers(reg.ws)["supplier_id"],
            strict=True,
        )
    ) == dict(zip(df["record_id"], df["supplier_id"], strict=True))


def test_a_resolution_written_with_record_ids_as_supplier_ids_is_renamed(reg):
    from anchorage.suppliers import record_keys

    df = resolved_suppliers(reg.ws)
    with (
        reg.ws.warehouse() as wh
    ):  # as an older version wrote it: the smallest record id of each supplier
        wh.execute(
            "UPDATE supplier_resolution r SET supplier_id = 'S-' || m.root FROM (SELECT supplier_id, "
            "min(record_id) AS root FROM supplier_resolution GROUP BY 1) m WHERE r.supplier_id = m.supplier_id"
        )
        assert (
            wh.execute(
                "SELECT count(*) FROM supplier_resolution WHERE supplier_id = 'S-' || record_id"
            ).fetchone()[0]
            > 0
        )
        record_keys.sync(reg.ws, wh)
    after = resolved_suppliers(reg.ws)
    assert dict(zip(after["record_id"], after["supplier_id"], strict=True)) == dict(
        zip(df["record_id"], df["supplier_id"], strict=True)
    )


class Forms(HTMLParser):
    """The forms of a page as a person's browser sees them: action, method, fields and buttons (name, value, text)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._button: dict | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "form":
            self.forms.append(
                {
                    "action": a.get("action"),
                    "method": a.get("method", "get"),
                    "fields": {},
                    "buttons": [],
                }
            )
        elif tag == "input" and self.forms and a.get("name"):
            self.forms[-1]["fields"][a["name"]] = a.get("value") or ""
        elif tag == "button" and self.forms:
            self._button = {"name": a.get("name"), "value": a.get("value"), "text": ""}
            self.forms[-1]["buttons"].append(self._button)

    def handle_endtag(self, tag: str) -> None:
        if tag == "button":
            self._button = None

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self._button["text"] += data


def forms_of(html: str) -> list[dict]:
    parser = Forms()
    parser.feed(html)
    return parser.forms


def press(c, html: str, button_text: str, **typed: str):
    """Press the first button whose words start with `button_text`, sending its form as a browser would."""
    for f in forms_of(html):
        for b in f["buttons"]:
            if b["text"].strip().startswith(button_text):
                data = {**f["fields"], **typed, **({b["name"]: b["value"]} if b["name"] else {})}
                if f["method"] == "post":
                    return c.post(f["action"], data=data)
                return c.get(f["action"].split("#")[0], params=data)
    raise AssertionError(f"no button {button_text!r} on the page")


def outside_advanced(html: str) -> str:
    """The words a person reads on the page without opening an "advanced" disclosure (no tags, no hidden fields)."""
    return re.sub(
        r"<[^>]+>", " ", re.sub(r"<details class=\"advanced\">.*?</details>", "", html, flags=re.S)
    )


def test_review_shows_one_record_at_a_time_beside_its_candidates_in_plain_words(reg):
    c = signed_in(reg, "analyst@council.org")
    with reg.ws.session() as s:
        mine = register_queue(reg.ws, viewer(s, "analyst@council.org"), limit=None)
    assert mine, "the fixture needs records to review"
    seen = []
    for at in range(1, len(mine) + 1):
        page = c.get(f"/suppliers/review?at={at}").text
        assert f"{at} of {len(mine)} to review" in page
        item = mine[at - 1]
        assert f'<h2 id="item">{item.supplier_name}' in page and "As Council has it" in page
        assert fmt_money(item.spend) in page
        plain = outside_advanced(page)
        # Plain reasons on the page; weights, probabilities and record ids only in the "advanced" disclosure.
        assert "Why it may be the same" in plain and item.record_id not in plain
        assert not re.search(r"\([+-]\d+\.\d\)", plain) and "(+" in page
        assert f'{item.register_id}" rel="noopener">see it on' in page  # the register's own page
        seen.append(item.supplier_name)
    assert len(set(seen)) == len(seen)
    past_the_end = c.get(f"/suppliers/review?at={len(mine) + 5}").text
    assert (
        f"{len(mine)} of {len(mine)} to review" in past_the_end
        and "Skip to the next" not in past_the_end
    )


def test_plain_reasons_drop_the_weights():
    from anchorage.access.supplier_review_item import plain_reasons
    from anchorage.suppliers import model

    weights = {name: levels[0][0] for name, levels in model.LEVEL_WEIGHTS.items()}
    text = model.explain(weights)
    reasons = plain_reasons(text)
    assert len(reasons) == len(weights) and all("(" not in r and r[0].isupper() for r in reasons)
    assert [r.lower() for r in reasons] == [levels[0][1] for levels in model.LEVEL_WEIGHTS.values()]


def test_same_as_is_chosen_by_searching_names_and_can_be_undone(reg):
    ws = reg.ws
    c = signed_in(reg, "analyst@council.org")
    at = position_of(c, "Central Consulting PLC")
    assert at is not None
    page = c.get(f"/suppliers/review?at={at}").text
    # Search by name: the other anchor's supplier is not offered to the council, its own is.
    found = press(c, page, "Find", q="caterers")
    assert (
        found.status_code == 200
        and "Local Caterers" in found.text
        and "Same as this one" in found.text
    )
    assert MARKERS["acute-trust"] not in press(c, page, "Find", q="Quokka").text
    assert "No supplier of your anchors has a name like" in press(c, page, "Find", q="Quokka").text

    def together() -> bool:
        return (
            record(ws, "council", "Central Consulting PLC")["supplier_id"]
            == record(ws, "council", "Local Caterers Ltd")["supplier_id"]
        )

    assert not together()
    decisions_before = len(list_decisions(ws))
    done = press(c, found.text, "Same as this one")
    assert (
        done.status_code == 200
        and "Saved: same as another supplier for Central Consulting PLC" in done.text
    )
    assert together()
    assert audit_actions(ws, "analyst@council.org")[-1] == "supplier-merge"
    assert len(list_decisions(ws)) == decisions_before + 1
    # Undo from the notice: the two are apart again, and that is audited too.
    undone = press(c, done.text, "Undo this decision")
    assert undone.status_code == 200 and "The decision is withdrawn" in undone.text
    assert not together()
    assert audit_actions(ws, "analyst@council.org")[-1] == "supplier-undo"
    assert len(list_decisions(ws)) == decisions_before


def test_search_is_gated_and_leaves_out_the_record_under_review(reg):
    from anchorage.access.supplier_review_item import find_suppliers

    with reg.ws.session() as s:
        council, trust = viewer(s, "analyst@council.org"), viewer(s, "analyst@trust.org")
    zebra = find_suppliers(reg.ws, council, "zebra")
    assert [f["names"] for f in zebra] == [[MARKERS["council"]]] and zebra[0]["orgs"] == ["council"]
    assert find_suppliers(reg.ws, trust, "zebra") == []
    assert find_suppliers(reg.ws, council, "zebra", besides=zebra[0]["record_id"]) == []
    assert find_suppliers(reg.ws, council, "z") == []  # one letter finds nothing: too many
    assert find_suppliers(reg.ws, council, "%") == []  # a wildcard is a character, not "anything"
    # A shared anchor's suppliers are offered, each once, with every anchor it supplies.
    both = gate.Viewer(
        1, "x@council.org", "anchor-analyst", "council", frozenset({"council", "acute-trust"})
    )
    caterers = find_suppliers(reg.ws, both, "caterers")
    assert (
        len(caterers) == 1
        and caterers[0]["orgs"] == ["acute-trust", "council"]
        and caterers[0]["spend"] > 0
    )


def test_resolved_suppliers_page_sort_filter_and_export_from_the_address(reg):
    ws = reg.ws
    c = signed_in(reg, "analyst@council.org")
    council = resolved_suppliers(ws).query("org == 'council'")
    page = c.get("/suppliers/resolved").text
    assert f"rows 1–{min(50, len(council))} of {len(council)}" in page
    assert (
        'href="https://find-and-update.company-information.service.gov.uk/company/02222222"' in page
    )
    # Filters and search from the URL, and exports of exactly those rows, with the page's labels.
    linked = council[council["register_id"].notna()]
    r = c.get("/suppliers/resolved/table.csv?matched=model&sort=supplier")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert r.headers["content-type"].startswith("text/csv") and rows
    assert [x["Supplier as given"] for x in rows] == sorted(
        council[council["method"] == "model"]["supplier_name"], key=str.casefold
    )
    assert {x["Anchor"] for x in rows} == {"Council"} and len(rows) <= len(linked)
    xlsx = c.get("/suppliers/resolved/table.xlsx?q=caterers")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert audit_actions(ws, "analyst@council.org")[-1] == "export"
    one_row = c.get("/suppliers/resolved?q=caterers").text
    assert "Local Caterers" in one_row and "rows 1–1 of 1" in one_row and "Greenwich" not in one_row
    assert c.get("/suppliers/resolved?sort=nope").status_code == 400
    # Another anchor's people see none of the council's records, in the page or the export.
    for email in ("analyst@trust.org", "viewer@college.org", "collab@x.org"):
        other = signed_in(reg, email)
        assert MARKERS["council"] not in other.get("/suppliers/resolved?q=zebra").text, email
        assert MARKERS["council"] not in other.get("/suppliers/resolved/table.csv").text, email


def test_the_overview_lists_the_queue_and_leads_to_each_item(reg):
    c = signed_in(reg, "analyst@council.org")
    with reg.ws.session() as s:
        mine = register_queue(reg.ws, viewer(s, "analyst@council.org"), limit=None)
    page = c.get("/suppliers/review/all").text
    assert f"rows 1–{len(mine)} of {len(mine)}" in page
    for n, item in enumerate(mine, start=1):
        link = f'<a href="/suppliers/review?at={n}#item">{item.supplier_name}</a>'
        assert link in page
        assert f'<h2 id="item">{item.supplier_name}' in c.get(f"/suppliers/review?at={n}").text
    body = c.get("/suppliers/review/all.csv?sort=-spend").content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [r["Supplier as given"] for r in rows] == [
        i.supplier_name for i in sorted(mine, key=lambda i: -i.spend)
    ]
    assert {r["Anchor"] for r in rows} == {"Council"}
    other = (
        signed_in(reg, "analyst@trust.org")
        .get("/suppliers/review/all.csv")
        .content.decode("utf-8-sig")
    )
    assert not [i for i in mine if i.supplier_name in other]


def test_the_populated_review_pages_speak_plain_words(reg):
    from tests.test_web_plain_words import offences

    c = signed_in(reg, "analyst@council.org")
    pages = [
        "/suppliers/review/all",
        "/suppliers/resolved",
        "/suppliers/resolved?q=caterers",
        "/suppliers/review?q=ltd",
        "/suppliers/review?q=caterers",
    ]
    at = 1
    while True:  # every record in the review, one at a time
        page = c.get(f"/suppliers/review?at={at}").text
        pages.append(f"/suppliers/review?at={at}")
        if "Skip to the next" not in page:
            break
        at += 1
    found = {p: bad[:3] for p in pages if (bad := offences(c.get(p).text))}
    assert found == {}
    assert "Same as this one" in c.get("/suppliers/review?q=ltd").text
