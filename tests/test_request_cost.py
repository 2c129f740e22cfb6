"""What a request costs (issues 14 and 17): reads of the committed analysis and the explore tables are kept per
process (access/read_cache.py) under the warehouse's write token and the viewer's scope. These tests prove the
keeping never changes what a page says: no viewer gets another's figures from it, a new upload's figures show
as soon as they commit, and a change of sharing or of the warehouse is seen at once. Real DuckDB and SQLite."""

from __future__ import annotations

import html
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import pytest
import uvicorn
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import escape
from tests.conftest import make_workspace
from tests.web_support import (
    MARKERS,
    PASSWORD,
    Web,
    build_web,
    csrf_of,
    refresh_figures,
    shut_down,
    signed_in,
)
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from anchorage.access import accounts, committed, queries
from anchorage.access.gate import Viewer
from anchorage.access.read_cache import ReadCache, warehouse_token
from anchorage.core.errors import AnchorageError
from anchorage.ingest.headline import spend_headline, upload_dates
from anchorage.ingest.spend import ingest_spend
from anchorage.store import warehouse
from anchorage.store.accounts import AuditEvent
from anchorage.store.records import Upload
from anchorage.web.settings import WebSettings
from anchorage.web.table import html_text
from anchorage.workspace import Workspace

COUNCIL_ONLY = MARKERS["council"]


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    built = build_web(tmp_path_factory.mktemp("reqcost"))
    yield built
    shut_down(built)


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def shows(marker: str, page: str) -> bool:
    """Supplier names appear as given or normalised ("ZEBRA COUNCIL ONLY"): the distinctive word."""
    return marker.split()[0].upper() in _text(page).upper()


def _api(c, url: str) -> dict:  # type: ignore[no-untyped-def]
    r = c.get(url)
    assert r.status_code == 200, (url, r.text[:300])
    return r.json()  # type: ignore[no-any-return]


def _supplier_key(c, name: str) -> str:  # type: ignore[no-untyped-def]
    rows = _api(c, "/api/v1/suppliers?" + urlencode({"q": name}))["rows"]
    assert rows, f"{name} is not among the suppliers"
    return str(rows[0]["key"])


def test_two_viewers_with_different_scopes_never_get_each_others_kept_reads(web):
    council, trust = (
        signed_in(web, "analyst@council.org"),
        signed_in(web, "analyst@trust.org"),
    )
    key = _supplier_key(council, COUNCIL_ONLY)
    urls = [
        "/suppliers",
        "/api/v1/suppliers",
        "/supplier?" + urlencode({"name": key}),
        "/anchors/council/transactions",
        "/api/v1/anchors/council/transactions",
    ]
    for _ in range(2):  # the second time from what the first kept
        for u in urls:
            r = council.get(u)
            assert r.status_code == 200, u
            assert shows(COUNCIL_ONLY, r.text), u
    # Now the same URLs, with the same query strings, for an anchor that may not see the council's detail.
    for _ in range(2):
        assert not shows(COUNCIL_ONLY, trust.get("/suppliers").text)
        assert not shows(COUNCIL_ONLY, trust.get("/api/v1/suppliers").text)
        assert trust.get("/supplier?" + urlencode({"name": key})).status_code == 404
        assert trust.get("/anchors/council/transactions").status_code == 403
        assert trust.get("/api/v1/anchors/council/transactions").status_code == 403
    # And the other way round: the trust's own supplier never reaches the council analyst.
    trust_only = MARKERS["acute-trust"]
    assert shows(trust_only, trust.get("/suppliers").text)
    assert not shows(trust_only, council.get("/suppliers").text)
    # The dashboards' kept views too: the council's supplier list is the council's users' only.
    assert shows(COUNCIL_ONLY, council.get("/dashboard/council?year=all").text)
    assert not shows(COUNCIL_ONLY, trust.get("/dashboard/council?year=all").text)
    assert not shows(COUNCIL_ONLY, trust.get("/api/v1/dashboard/council").text)


def test_sharing_and_its_revocation_show_at_once_through_the_kept_reads(web):
    trust = signed_in(web, "analyst@trust.org")
    admin = signed_in(web, "admin@council.org")
    assert not shows(COUNCIL_ONLY, trust.get("/suppliers").text)  # kept for the trust's scope
    token = csrf_of(admin.get("/admin/sharing").text)
    share = {"csrf_token": token, "owner": "council", "grantee": "acute-trust"}
    assert admin.post("/admin/sharing", data=share).status_code == 200
    try:
        assert shows(COUNCIL_ONLY, trust.get("/suppliers").text)
        assert shows(COUNCIL_ONLY, trust.get("/api/v1/suppliers").text)
        assert trust.get("/api/v1/anchors/council/transactions").status_code == 200
    finally:
        r = admin.post("/admin/sharing", data={**share, "action": "revoke"})
        assert r.status_code == 200
    assert not shows(COUNCIL_ONLY, trust.get("/suppliers").text)
    assert not shows(COUNCIL_ONLY, trust.get("/api/v1/suppliers").text)
    assert trust.get("/api/v1/anchors/council/transactions").status_code == 403


def test_every_api_page_of_payments_is_still_audited_when_its_rows_are_kept(web):
    council = signed_in(web, "analyst@council.org")
    with web.ws.session() as s:
        before = s.query(AuditEvent).filter(AuditEvent.action == "export").count()
    for _ in range(3):
        assert council.get("/api/v1/anchors/council/transactions").status_code == 200
    with web.ws.session() as s:
        after = s.query(AuditEvent).filter(AuditEvent.action == "export").count()
    assert after == before + 3


def test_a_new_upload_shows_on_every_page_once_its_figures_commit(tmp_path: Path):
    web = build_web(tmp_path / "web")
    try:
        college = signed_in(web, "viewer@college.org")
        pages = (
            "/api/v1/dashboard/college",
            "/api/v1/suppliers",
            "/suppliers",
            "/anchors/college/transactions",
            "/api/v1/anchors/college/transactions",
            "/dashboard/college?year=all",
            "/benchmark?year=all",
        )
        before = {u: college.get(u).text for u in pages}  # kept now
        spend = _api(college, "/api/v1/dashboard/college")["tiles"]["spend"]
        new = tmp_path / "college-more.csv"
        new.write_text(
            "Payee,Net Amount,Paid Date,Expense Type\nOkapi Newly Paid Ltd,12345,06/05/2023,Catering\n"
        )
        ingest_spend(web.ws, new, "College", date_order="dmy")
        # The load's end is seen at once: the pages say new figures are being worked out.
        assert committed.stale(web.ws)
        refresh_figures(web.ws)  # the refresh job works out and commits the new figures
        after = {u: college.get(u).text for u in pages}
        assert _api(college, "/api/v1/dashboard/college")["tiles"]["spend"] == pytest.approx(
            spend + 12345
        )
        for u in pages[1:5]:
            assert shows("Okapi Newly Paid Ltd", after[u]), u
            assert not shows("Okapi Newly Paid Ltd", before[u]), u
        for u in pages[5:]:
            assert after[u] != before[u], u  # new figures, not the kept ones
    finally:
        shut_down(web)


def test_a_kept_read_is_read_again_after_any_warehouse_write(web):
    cache = ReadCache()
    reads: list[int] = []

    def read() -> int:
        reads.append(1)
        return len(reads)

    assert cache.get(web.ws, "k", read) == 1
    assert cache.get(web.ws, "k", read) == 1  # kept: the warehouse is unchanged
    token = warehouse_token(web.ws)
    with web.ws.warehouse() as con:  # a write section, however small
        con.execute("SELECT 1")
    assert warehouse_token(web.ws) != token
    assert cache.get(web.ws, "k", read) == 2
    assert cache.get(web.ws, "other", read) == 3  # keys are apart


def _counted() -> tuple[ReadCache, Callable[[], int]]:
    reads: list[int] = []

    def read() -> int:
        reads.append(1)
        return len(reads)

    return ReadCache(), read


def _file_times(ws: Workspace) -> tuple[int | None, ...]:
    found = []
    for p in (ws.warehouse_path, ws.warehouse_path.with_name(ws.warehouse_path.name + ".wal")):
        found.append(p.stat().st_mtime_ns if p.exists() else None)
    return tuple(found)


def test_inside_the_server_a_write_section_keeps_the_reads_until_it_ends(web):
    """The server holds the warehouse, so no other process can change it: what a section writes and commits
    before it ends (a load's staging, the explore tables' commits after each anchor) changes the files but
    not the kept reads; its end drops them, so the page after it shows what it wrote."""
    cache, read = _counted()
    assert cache.get(web.ws, "k", read) == 1
    times = _file_times(web.ws)
    with web.ws.warehouse() as con:
        time.sleep(0.01)  # the files' times move on even on a coarse clock
        con.execute("CREATE TABLE staged_rows AS SELECT range AS i FROM range(200000)")
        con.execute("DROP TABLE staged_rows")  # each statement its own commit, as the staging's are
        assert _file_times(web.ws) != times  # another process's write would look like this
        assert cache.get(web.ws, "k", read) == 1  # kept all through the section
    assert cache.get(web.ws, "k", read) == 2  # read again once it ended


def test_the_load_jobs_own_reads_of_the_spend_are_not_writes(web):
    """A load reads the anchor's headline before and after (to say what it changed): reads, so they neither wait
    for a writer nor drop the pages' kept reads."""
    writes = web.ws.warehouse_writes
    with web.ws.session() as s:
        upload = s.query(Upload).filter(Upload.org == "council", Upload.kind == "spend").first()
    assert upload is not None
    assert spend_headline(web.ws, "council").payments > 0
    assert upload_dates(web.ws, upload.id)[0] is not None
    assert web.ws.warehouse_writes == writes


def test_a_warehouse_not_held_is_read_again_after_another_process_writes_it(tmp_path: Path):
    """A command with no server does not hold the warehouse: another process may write it between two looks,
    so the files' times are watched, and a new hold starts from nothing kept."""
    ws = make_workspace(tmp_path / "ws", [("Council", "council")])
    cache, read = _counted()
    assert warehouse.held(ws.warehouse_path) == 0
    assert cache.get(ws, "k", read) == 1
    assert cache.get(ws, "k", read) == 1
    time.sleep(0.01)
    other = (
        "import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
        "con.execute('CREATE TABLE written_elsewhere (i INT)'); con.close()"
    )
    subprocess.run([sys.executable, "-c", other, str(ws.warehouse_path)], check=True)
    assert cache.get(ws, "k", read) == 2  # no write of this process: the files told
    ws.hold_warehouse()
    try:
        held = warehouse_token(ws)
        assert cache.get(ws, "k", read) == 3  # a hold is a token of its own
        assert cache.get(ws, "k", read) == 3
    finally:
        warehouse.close(ws.warehouse_path)
    ws.hold_warehouse()  # held again: another process may have written the file in between
    try:
        assert warehouse_token(ws) != held
    finally:
        warehouse.close(ws.warehouse_path)


def test_requests_for_a_read_under_way_wait_for_it_instead_of_reading_again(web):
    cache, reads = ReadCache(), []
    started, release = threading.Event(), threading.Event()

    def slow() -> int:
        reads.append(1)
        started.set()
        release.wait(30)
        return len(reads)

    def fails() -> int:
        started.set()
        release.wait(30)
        raise committed.FiguresPending("not yet", fix="wait")

    with ThreadPoolExecutor(4) as pool:
        first = pool.submit(cache.get, web.ws, "k", slow)
        assert started.wait(30)
        others = [pool.submit(cache.get, web.ws, "k", slow) for _ in range(3)]
        time.sleep(0.3)  # they have asked, and wait
        assert len(reads) == 1 and not any(f.done() for f in others)
        release.set()
        assert [first.result(30), *(f.result(30) for f in others)] == [1, 1, 1, 1]
        # A read that fails is not kept: who waited for it reads for themselves.
        started.clear(), release.clear()
        failing = pool.submit(cache.get, web.ws, "bad", fails)
        assert started.wait(30)
        waiting = pool.submit(cache.get, web.ws, "bad", lambda: 5)
        time.sleep(0.3)
        assert not waiting.done()
        release.set()
        with pytest.raises(committed.FiguresPending):
            failing.result(30)
        assert waiting.result(30) == 5
    assert len(reads) == 1


def test_errors_are_not_kept_and_the_cache_is_bounded(web):
    cache = ReadCache(limit=3)

    def fails() -> int:
        raise committed.FiguresPending("not yet", fix="wait")

    for _ in range(2):
        with pytest.raises(committed.FiguresPending):
            cache.get(web.ws, "bad", fails)
    assert cache.get(web.ws, "bad", lambda: 7) == 7
    for i in range(10):
        cache.get(web.ws, i, lambda i=i: i)  # type: ignore[misc]
    assert len(cache._items) == 3


def test_the_committed_run_id_follows_a_new_commit_at_once(web):
    first = committed.run_id(web.ws)
    assert first is not None and committed.run_id(web.ws) == first
    found = committed.current(web.ws)
    assert found is not None
    done = committed.refresh(web.ws, found.coverage, lambda *step: None)  # as the refresh job does
    assert done["tables"] > 0
    second = committed.run_id(web.ws)
    assert second is not None and second != first
    assert committed.required(web.ws).run_id == second


def test_the_api_sends_the_same_json_as_before_its_bodies_were_kept(web):
    """The kept bodies are what FastAPI's own encoding of the query's answer gives, with the JSON media type."""
    council = signed_in(web, "analyst@council.org")
    viewer = Viewer("x", "analyst@council.org", "anchor-analyst", "council", frozenset({"council"}))
    rows, total = queries.transactions(web.ws, viewer, "council", limit=7, offset=2)
    expected = {
        "/api/v1/anchors/council/transactions?limit=7&offset=2": {
            "ok": True,
            "total": total,
            "rows": rows,
        },
        "/api/v1/suppliers?limit=5&q=ltd": {
            "ok": True,
            "rows": queries.suppliers(web.ws, viewer, search="ltd", limit=5),
        },
    }
    for url, content in expected.items():
        for _ in range(2):
            r = council.get(url)
            assert r.status_code == 200 and r.headers["content-type"] == "application/json"
            assert r.content == JSONResponse(jsonable_encoder(content)).body, url
    assert len(rows) == 7 and total > 9


def _main(page: str) -> str:
    return page.split('<main id="main"', 1)[1].split("</main>", 1)[0]


def test_a_kept_part_of_a_page_carries_nothing_personal(web):
    """Tables and a supplier's page are kept rendered per scope (web/render.py kept_part): a second user of the same
    scope gets the same rows, but their own name and form token, and a viewer of another scope gets neither."""
    with web.ws.session() as s:
        accounts.create_user(
            s, "second@council.org", role="anchor-analyst", org="council", password=PASSWORD
        )
        s.commit()
    first, second = signed_in(web, "analyst@council.org"), signed_in(web, "second@council.org")
    key = _supplier_key(first, COUNCIL_ONLY)
    for url in (
        "/suppliers?sort=-payments",
        "/anchors/council/transactions?sort=-amount&page=2",
        "/supplier?" + urlencode({"name": key}),
    ):
        a = first.get(url)
        b = second.get(url)  # its table or body as the first request kept it
        assert a.status_code == b.status_code == 200, url
        assert _main(a.text) == _main(b.text), url
        assert shows(COUNCIL_ONLY, b.text), url
        assert "analyst@council.org" in a.text and "analyst@council.org" not in b.text, url
        assert "second@council.org" in b.text and "second@council.org" not in a.text, url
        assert csrf_of(a.text) != csrf_of(b.text), url
    trust = signed_in(web, "analyst@trust.org")
    assert not shows(COUNCIL_ONLY, trust.get("/suppliers?sort=-payments").text)


@given(st.text())
def test_table_cells_escape_text_as_jinja_does(text: str):
    assert html_text(text) == str(escape(text))


def test_the_server_parses_http_with_httptools_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch,
):
    """httptools and uvloop are dependencies, so uvicorn's "auto" takes them; h11 stays a choice; a wrong
    value is refused in words, not by a traceback from uvicorn."""

    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        pass

    default = WebSettings.from_env()
    assert (default.http, default.loop) == ("auto", "auto")
    config = uvicorn.Config(app, http=default.http, loop=default.loop)
    config.load()
    assert config.http_protocol_class is HttpToolsProtocol
    monkeypatch.setenv("ANCHORAGE_WEB_HTTP", "H11")
    assert WebSettings.from_env().http == "h11"
    monkeypatch.setenv("ANCHORAGE_WEB_HTTP", "h2")
    with pytest.raises(AnchorageError, match=r"ANCHORAGE_WEB_HTTP is 'h2'.*auto, h11, httptools"):
        WebSettings.from_env()
