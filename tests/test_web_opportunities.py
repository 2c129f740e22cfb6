"""The public opportunities pages and feeds (no login), supplier self-registration over HTTP with its abuse
protection and confirmation link, and the signed-in directory, export and management, with their gates."""

from __future__ import annotations

import csv
import datetime as dt
import email
import io
import re
import xml.etree.ElementTree as ET

import openpyxl
import pytest
from fastapi.testclient import TestClient
from tests.test_opportunities_feeds import events
from tests.web_support import XSS, Web, build_web, csrf_of, signed_in

from anchorage.public_forms.outbox import outbox_dir
from anchorage.public_forms.protection import form_secret, stamp
from anchorage.store.accounts import AuditEvent
from anchorage.store.opportunities_records import SupplierRegistration
from anchorage.web.routes import opportunities as routes

TODAY = dt.date.today()
COLUMNS = (
    "upload_id",
    "org",
    "row_no",
    "source",
    "contract_key",
    "ocid",
    "title",
    "value",
    "cpv",
    "stage",
    "tender_deadline",
    "start_date",
    "releases",
    "source_url",
    "is_public",
)


@pytest.fixture(scope="module")
def opps(web: Web) -> Web:
    """Two published notices (one with a script in its title) in the module's workspace."""
    rows = [
        (
            "ocds-test",
            "acute-trust",
            1,
            "ocds",
            "ocds-x-1",
            "ocds-x-1",
            f"Meals {XSS}",
            250_000,
            "55320000",
            "tender",
            TODAY + dt.timedelta(days=30),
            TODAY + dt.timedelta(days=120),
            1,
            "https://www.find-tender.service.gov.uk/Notice/1",
            True,
        ),
        (
            "ocds-test",
            "college",
            2,
            "ocds",
            "ocds-x-2",
            "ocds-x-2",
            "Campus cleaning",
            40_000,
            "90910000",
            "planning",
            None,
            TODAY + dt.timedelta(days=200),
            1,
            "javascript:alert(1)",
            True,
        ),
    ]
    with web.ws.warehouse() as con:
        con.executemany(
            f"INSERT INTO contracts ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)})",
            rows,
        )
    return web


def client(web: Web, ip: str) -> TestClient:
    return TestClient(web.app, base_url="http://testserver", client=(ip, 50000))  # type: ignore[arg-type]


def form_of(web: Web, c: TestClient, age_s: int = 30, **over: object) -> dict[str, object]:
    """A filled-in registration form as its page gives it, stamped `age_s` seconds ago."""
    token = csrf_of(c.get("/opportunities/register").text)
    shown = stamp(
        f"{form_secret(web.ws)}|{token}", dt.datetime.now(dt.UTC) - dt.timedelta(seconds=age_s)
    )
    base = {
        "csrf_token": token,
        "shown": shown,
        "name": "Sunrise Catering",
        "categories": ["Catering", "Cleaning"],
        "postcode": "SE6 4RU",
        "size": "micro",
        "org_type": "company",
        "contact_email": "hi@sunrise.example",
        "description": "Hot lunches",
        "website": "",
    }
    return {**base, **over}


def registrations(web: Web, name: str) -> list[SupplierRegistration]:
    with web.ws.session() as s:
        return list(s.query(SupplierRegistration).filter(SupplierRegistration.name == name))


def test_public_page_and_filters_need_no_login_and_escape_scripts(opps: Web):
    c = opps.client()
    r = c.get("/opportunities")
    assert r.status_code == 200 and '<main id="main"' in r.text and r.text.count("<h1>") == 1
    assert XSS not in r.text and "Meals &lt;script&gt;alert(1)&lt;/script&gt;" in r.text
    assert (
        "Campus cleaning" in r.text and "£100k to £500k" in r.text and "Deadline for bids" in r.text
    )
    assert 'href="javascript:' not in r.text and "Sign out" not in r.text
    assert "Campus cleaning" not in c.get("/opportunities?category=Catering").text
    only_college = c.get("/opportunities?anchor=college").text
    assert "Campus cleaning" in only_college and "Meals" not in only_college
    assert "feed.rss?anchor=college" in only_college  # the feeds follow the choices
    assert c.get("/opportunities?anchor=nowhere").status_code == 404


def test_each_opportunity_links_its_notice_and_names_the_buyers_contact(opps: Web):
    cfg = opps.app.state.ws.config  # type: ignore[attr-defined]  # the server's own copy of the config
    cfg.anchor("acute-trust").contact_email = "procurement@trust.example.nhs.uk"
    try:
        r = opps.client().get("/opportunities")
    finally:
        cfg.anchor("acute-trust").contact_email = ""
    meals, cleaning = (r.text[r.text.index(t) :] for t in ("Meals &lt;", "Campus cleaning"))
    meals = meals[: meals.index("</article>")]
    cleaning = cleaning[: cleaning.index("</article>")]
    assert (
        'href="https://www.find-tender.service.gov.uk/Notice/1"' in meals
        and "documents at the notice" in meals
    )
    assert 'href="mailto:procurement@trust.example.nhs.uk"' in meals
    # no notice of its own (its link is not a web address): it says so, and does not promise documents
    assert "Not yet published" in cleaning and "The procurement team of College" in cleaning
    assert "at the link" not in cleaning and 'href="javascript:' not in cleaning


def test_feeds_parse_back(opps: Web):
    c = opps.client()
    rss = c.get("/opportunities/feed.rss")
    assert rss.headers["content-type"].startswith("application/rss+xml")
    titles = [i.findtext("title") for i in ET.fromstring(rss.content).iter("item")]
    assert f"Meals {XSS} (Acute Trust)" in titles and b"<script>" not in rss.content
    atom = ET.fromstring(c.get("/opportunities/feed.atom?anchor=college").content)
    assert [
        e.findtext("{http://www.w3.org/2005/Atom}title")
        for e in atom.iter("{http://www.w3.org/2005/Atom}entry")
    ] == ["Campus cleaning (College)"]
    ics = c.get("/opportunities/feed.ics")
    assert ics.headers["content-type"].startswith("text/calendar")
    evs = events(ics.content)
    assert {e["DTSTART;VALUE=DATE"] for e in evs} >= {f"{TODAY + dt.timedelta(days=30):%Y%m%d}"}
    assert all(e["URL"].startswith("http") for e in evs)
    rows = list(
        csv.DictReader(
            io.StringIO(
                c.get("/opportunities/feed.csv?category=Catering").content.decode("utf-8-sig")
            )
        )
    )
    assert [r["title"] for r in rows] == [f"Meals {XSS}"] and rows[0]["buyer"] == "Acute Trust"
    assert c.get("/opportunities/feed.pdf").status_code == 400


def link_in_outbox(web: Web, to: str) -> str:
    for path in sorted(outbox_dir(web.ws).glob("*.eml")):
        msg = email.message_from_bytes(path.read_bytes())
        if msg["To"] == to:
            m = re.search(
                r"http://testserver(/opportunities/register/confirm/\S+)",
                msg.get_payload(decode=True).decode(),
            )
            assert m
            return m.group(1)
    raise AssertionError(f"no message to {to}")


def test_registration_confirmation_and_directory(opps: Web):
    c = client(opps, "192.0.2.10")
    r = c.post(
        "/opportunities/register",
        data=form_of(opps, c, name=f"Sunrise {XSS}", contact_email="s@sun.example"),
    )
    assert r.status_code == 200 and "Check your email" in r.text
    link = link_in_outbox(opps, "s@sun.example")
    page = c.get(link)  # a mail scanner's GET confirms nothing
    assert page.status_code == 200 and XSS not in page.text and "&lt;script&gt;" in page.text
    [reg] = registrations(opps, f"Sunrise {XSS}")
    assert reg.status == "pending-confirmation"
    assert c.post(link, data={"csrf_token": "wrong"}).status_code == 403
    done = c.post(link, data={"csrf_token": csrf_of(page.text)})
    assert done.status_code == 200 and "You are in the directory" in done.text
    assert c.get(link).status_code == 400  # spent
    assert (
        c.get("/directory", follow_redirects=False).status_code == 303
    )  # the directory needs a login
    assert c.get("/directory/export.csv", follow_redirects=False).status_code == 303
    viewer = signed_in(opps, "viewer@college.org")
    d = viewer.get("/directory?category=Catering&tier=local&vcse=no")
    assert d.status_code == 200 and "s@sun.example" in d.text and XSS not in d.text
    assert "Sunrise" not in viewer.get("/directory?tier=uk").text
    exported = viewer.get("/directory/export.csv?category=Catering")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [r["name"] for r in rows] == [f"Sunrise {XSS}"] and rows[0]["tier"] == "local"
    book = openpyxl.load_workbook(io.BytesIO(viewer.get("/directory/export.xlsx").content))
    assert book["Local suppliers"].cell(row=2, column=1).value == f"Sunrise {XSS}"
    assert viewer.get("/directory/export.pdf").status_code == 400
    with opps.ws.session() as s:
        assert (
            s.query(AuditEvent)
            .filter(AuditEvent.action == "export", AuditEvent.actor == "viewer@college.org")
            .count()
            == 2
        )
    assert "s@sun.example" not in c.get("/opportunities").text  # never on a public page


def test_abuse_protection_over_http(opps: Web):
    c = client(opps, "192.0.2.20")
    big = form_of(opps, c, name="Big", description="x" * 20_000)
    assert c.post("/opportunities/register", data=big).status_code == 413
    no_csrf = {k: v for k, v in form_of(opps, c, name="NoCsrf").items() if k != "csrf_token"}
    assert c.post("/opportunities/register", data=no_csrf).status_code == 403
    unstamped = c.post(
        "/opportunities/register", data=form_of(opps, c, name="Unstamped", shown="123.abc")
    )
    assert unstamped.status_code == 400 and "expired" in unstamped.text
    fast = c.post("/opportunities/register", data=form_of(opps, c, age_s=0, name="Fast"))
    bot = c.post(
        "/opportunities/register", data=form_of(opps, c, name="Bot", website="http://spam.example")
    )
    assert (
        fast.status_code == bot.status_code == 200
        and "Thank you." in fast.text
        and "Thank you." in bot.text
    )
    bad = c.post(
        "/opportunities/register",
        data=form_of(opps, c, name=XSS, contact_email="nope", postcode="x"),
    )
    assert (
        bad.status_code == 400
        and XSS not in bad.text
        and "this is not an email address" in bad.text
    )
    for name in ("Big", "NoCsrf", "Unstamped", "Fast", "Bot", XSS):
        assert registrations(opps, name) == [], name
    flood = client(opps, "192.0.2.30")
    codes = [
        flood.post(
            "/opportunities/register",
            data=form_of(opps, flood, name=f"Flood {i}", contact_email=f"f{i}@flood.example"),
        ).status_code
        for i in range(12)
    ]
    assert codes == [200] * 5 + [429] * 7
    assert (
        len([p for p in outbox_dir(opps.ws).glob("*.eml") if b"flood.example" in p.read_bytes()])
        == 5
    )
    neighbour = client(opps, "192.0.2.31")  # another address is not held back by the flood
    assert (
        neighbour.post(
            "/opportunities/register", data=form_of(opps, neighbour, name="Neighbour")
        ).status_code
        == 200
    )


def test_management_is_gated(opps: Web):
    assert opps.client().get("/opportunities/manage", follow_redirects=False).status_code == 303
    analyst = signed_in(opps, "analyst@council.org")
    token = csrf_of(analyst.get("/opportunities/manage").text)
    assert (
        analyst.post(
            "/opportunities/manage/publish",
            data={"csrf_token": token, "org": "council", "public": "yes"},
        ).status_code
        == 403
    )
    other = signed_in(opps, "admin@trust.org")
    assert (
        other.post(
            "/opportunities/manage/publish",
            data={
                "csrf_token": csrf_of(other.get("/account").text),
                "org": "council",
                "public": "yes",
            },
        ).status_code
        == 403
    )
    admin = signed_in(opps, "admin@council.org")
    token = csrf_of(admin.get("/opportunities/manage").text)
    assert (
        admin.post(
            "/opportunities/manage/publish", data={"org": "council", "public": "yes"}
        ).status_code
        == 403
    )
    r = admin.post(
        "/opportunities/manage/publish",
        data={"csrf_token": token, "org": "council", "public": "yes"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "Stop publishing" in admin.get("/opportunities/manage").text
    admin.post(
        "/opportunities/manage/publish",
        data={"csrf_token": token, "org": "council", "public": "no"},
    )
    assert "Stop publishing" not in admin.get("/opportunities/manage").text
    assert admin.post("/opportunities/manage/purge", data={"csrf_token": token}).status_code == 403
    collab = signed_in(opps, "collab@x.org")
    purged = collab.post(
        "/opportunities/manage/purge", data={"csrf_token": csrf_of(collab.get("/account").text)}
    )
    assert purged.status_code == 200 and "0 unconfirmed registrations deleted" in purged.text
    with opps.ws.session() as s:
        actions = {
            a for (a,) in s.query(AuditEvent.action).filter(AuditEvent.action.like("pipeline-%"))
        }
    assert actions == {"pipeline-published", "pipeline-unpublished"}


def test_many_notices_are_paged_capped_in_feeds_and_cached(tmp_path, monkeypatch):
    monkeypatch.delenv(
        "ANCHORAGE_RECORDS_URL", raising=False
    )  # its own SQLite, not the module's database
    web = build_web(tmp_path)
    rows = [
        (
            "b",
            "council",
            i,
            "ocds",
            f"ocds-p-{i}",
            f"ocds-p-{i}",
            f"Notice {i:03d}",
            10_000,
            "55520000",
            "tender",
            TODAY + dt.timedelta(days=i + 1),
            None,
            1,
            None,
            True,
        )
        for i in range(120)
    ]
    with web.ws.warehouse() as con:
        con.executemany(
            f"INSERT INTO contracts ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)})",
            rows,
        )
    monkeypatch.setattr(routes, "FEED_ITEMS", 30)
    c = web.client()
    first = c.get("/opportunities").text
    assert first.count("<article") == 50 and "Notice 000" in first and "(page 1 of 3)" in first
    last = c.get("/opportunities?page=99").text  # clamped to the last page
    assert last.count("<article") == 20 and "Notice 119" in last and "(page 3 of 3)" in last
    assert (
        len(ET.fromstring(c.get("/opportunities/feed.rss").content).findall("channel/item")) == 30
    )
    assert (
        len(events(c.get("/opportunities/feed.ics").content)) == 30
    )  # one key date (the deadline) each
    assert (
        len(
            list(
                csv.DictReader(
                    io.StringIO(c.get("/opportunities/feed.csv").content.decode("utf-8-sig"))
                )
            )
        )
        == 120
    )
    with web.ws.warehouse() as con:
        con.execute(
            f"INSERT INTO contracts ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)})",
            [
                "b",
                "council",
                999,
                "ocds",
                "ocds-new",
                "ocds-new",
                "Brand new",
                1,
                "55520000",
                "tender",
                TODAY + dt.timedelta(days=1),
                None,
                1,
                None,
                True,
            ],
        )
    assert "121 upcoming" not in c.get("/opportunities").text  # served from the cache
    monkeypatch.setattr(routes, "CACHE_SECONDS", -1)
    assert "121 upcoming" in c.get("/opportunities").text


def test_an_open_tender_without_a_link_is_never_called_not_yet_published():
    from anchorage.opportunities.notices import Notice

    def notice(stage: str, link: str | None) -> Notice:
        return Notice("k", "Catering", "College", "college", "Catering", stage, link=link)

    open_bids = notice("tender", None)
    assert open_bids.stage_label == "Open for bids" and open_bids.web_link is None
    assert "Not yet published" not in open_bids.notice_status
    assert "ask the buyer" in open_bids.notice_status
    assert "Not yet published" not in notice("tender", "javascript:alert(1)").notice_status
    assert notice("tender", "https://x.example/n/1").web_link == "https://x.example/n/1"
    for stage in ("planning", "reprocurement"):
        assert notice(stage, None).notice_status.startswith("Not yet published")
