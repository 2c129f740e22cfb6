"""A small collaborative behind the web app, with users of every role, for in-process HTTP tests."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url
from tests.conftest import make_workspace
from tests.fixtures import load_reference, write_fixture_files

from anchorage.access import accounts, committed
from anchorage.ingest.spend import ingest_spend
from anchorage.ingest.suppliers import ingest_suppliers
from anchorage.jobs import queue, worker
from anchorage.procurement import explore
from anchorage.store import warehouse
from anchorage.web.app import create_app
from anchorage.web.settings import WebSettings
from anchorage.workspace import Workspace

PASSWORD = "correct horse battery staple"
XSS = "<script>alert(1)</script>"
# A supplier only one anchor uses: it must never reach a user who may not see that anchor's detail.
MARKERS = {
    "council": "Zebra Council Only Ltd",
    "acute-trust": "Quokka Trust Only Ltd",
    "college": "Narwhal College Only Ltd",
}
COLLEGE_SPEND = f"""Payee,Net Amount,Paid Date,Expense Type
{MARKERS["college"]},700,02/05/2023,Catering
{XSS},50,03/05/2023,Catering
Local Caterers Ltd,250,04/05/2023,Catering
"""
USERS = {  # email: (role, anchor)
    "collab@x.org": ("collaborative-admin", None),
    "admin@council.org": ("anchor-admin", "council"),
    "analyst@council.org": ("anchor-analyst", "council"),
    "admin@trust.org": ("anchor-admin", "acute-trust"),
    "analyst@trust.org": ("anchor-analyst", "acute-trust"),
    "viewer@college.org": ("viewer", "college"),
}


@dataclass
class Web:
    ws: Workspace
    app: object
    root: Path

    def client(self) -> TestClient:
        return TestClient(self.app, base_url="http://testserver")  # type: ignore[arg-type]


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "the page has no CSRF token"
    return m.group(1)


def login(client: TestClient, email: str, password: str = PASSWORD) -> httpx.Response:
    token = csrf_of(client.get("/login").text)
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )


def signed_in(web: Web, email: str) -> TestClient:
    c = web.client()
    r = login(c, email)
    assert r.status_code == 303, r.text
    return c


def _build_fresh(root: Path, settings: WebSettings | None = None) -> Web:
    """The collaborative built from nothing: workspace, reference data, three anchors' files, users, app."""
    ws = make_workspace(
        root / "ws", [("Council", "council"), ("Acute Trust", "nhs-trust"), ("College", "college")]
    )
    load_reference(ws)
    files = write_fixture_files(root / "in")
    council = files["council_spend"].read_text().replace("Greenwich Builders", MARKERS["council"])
    files["council_spend"].write_text(council)
    trust = files["trust_spend"].read_text() + f"{MARKERS['acute-trust']},,900,15/05/2023\n"
    files["trust_spend"].write_text(trust)
    college = root / "in" / "college.csv"
    college.write_text(COLLEGE_SPEND)
    ingest_suppliers(ws, files["council_suppliers"], "Council")
    ingest_spend(ws, files["council_spend"], "Council")
    ingest_spend(ws, files["trust_spend"], "Acute Trust")
    ingest_spend(ws, college, "College", date_order="dmy")
    with ws.session() as s:
        for email, (role, org) in USERS.items():
            accounts.create_user(s, email, role=role, org=org, password=PASSWORD)
        s.commit()
    app = create_app(ws.root, settings or WebSettings())
    wait_for_first_figures(ws)  # the server works out the figures as a job when it starts
    return Web(ws, app, root)


# Building the collaborative (reference data, four loads, users, the server's first figures) takes seconds;
# the session builds it once per records store and each caller gets a copy: the same files, and for
# PostgreSQL the same database (CREATE DATABASE ... TEMPLATE), in a fraction of a second.
# By "sqlite" or the PostgreSQL server: the built folder (ws/ and in/), and the built records database's name.
_templates: dict[str, Path] = {}
_template_dbs: dict[str, str] = {}
# Run when the session ends: the built folders and databases go (an xdist worker may skip atexit).
_cleanups: list[Callable[[], object]] = []


def pytest_unconfigure(config: pytest.Config) -> None:
    """The built collaboratives go when the session ends: their folders, and their PostgreSQL databases."""
    while _cleanups:
        _cleanups.pop()()


def _admin_url(records_url: str) -> str:
    """A database on the same server to run CREATE/DROP DATABASE from (never the one being replaced)."""
    given = os.environ.get("ANCHORAGE_TEST_PG_URL")
    if given and make_url(given).set(database="").render_as_string(False) == make_url(
        records_url
    ).set(database="").render_as_string(False):
        return given
    return make_url(records_url).set(database="postgres").render_as_string(hide_password=False)


def _server_key(records_url: str) -> str:
    return make_url(records_url).set(database="").render_as_string(hide_password=False)


def _pg(admin_url: str, *statements: str) -> None:
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            for statement in statements:
                c.execute(sa.text(statement))
    finally:
        admin.dispose()


def shut_down(web: Web) -> None:
    """Stop a built app's job worker (after its current job) and let go of its warehouse and records
    connections, as the server does when it stops: nothing of it keeps polling or holding files."""
    ws = web.app.state.ws  # type: ignore[attr-defined]
    running = worker._workers.get(ws.root)  # (the worker thread, to wait for its current job)
    worker.stop(ws)
    if running is not None:
        running.join(60)
    warehouse.close(ws.warehouse_path)
    for each in (ws, web.ws):
        if each._session_factory is not None:
            each._session_factory.kw["bind"].dispose()


def _template(records_url: str | None) -> tuple[Path, str | None]:
    """The session's built collaborative for this records store (built on first use), and its database."""
    key = "sqlite" if records_url is None else _server_key(records_url)
    if key not in _templates:
        folder = Path(tempfile.mkdtemp(prefix="anchorage-test-web-"))
        _cleanups.append(lambda: shutil.rmtree(folder, True))
        db = None
        with pytest.MonkeyPatch.context() as mp:
            if records_url is not None:
                db = f"anchorage_webtpl_{uuid.uuid4().hex[:10]}"
                admin = _admin_url(records_url)
                _pg(admin, f'CREATE DATABASE "{db}"')
                _cleanups.append(lambda: _pg(admin, f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
                mp.setenv(
                    "ANCHORAGE_RECORDS_URL",
                    make_url(records_url).set(database=db).render_as_string(hide_password=False),
                )
            shut_down(_build_fresh(folder))
        _templates[key] = folder
        if db is not None:
            _template_dbs[key] = db
    return _templates[key], _template_dbs.get(key)


def _empty_database(url: str) -> bool:
    engine = sa.create_engine(url)
    try:
        return not sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()


def build_web(root: Path, settings: WebSettings | None = None) -> Web:
    """The collaborative behind a new app at root: a copy of the session's built one (its files, and its
    records in a copy of its PostgreSQL database when ANCHORAGE_RECORDS_URL names an empty one)."""
    records_url = os.environ.get("ANCHORAGE_RECORDS_URL")
    if (root / "ws").exists() or (records_url is not None and not _empty_database(records_url)):
        return _build_fresh(root, settings)  # (not a place a copy can go: build it as asked)
    template, template_db = _template(records_url)
    shutil.copytree(template, root, dirs_exist_ok=True)
    if records_url is not None and template_db is not None:
        name = make_url(records_url).database
        _pg(
            _admin_url(records_url),
            f'DROP DATABASE "{name}" WITH (FORCE)',
            f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"',
        )
    ws = Workspace.open(root / "ws")
    with ws.session() as s:  # the kept raw files' paths, as a build in this folder writes them
        s.execute(
            sa.text("UPDATE uploads SET raw_path = replace(raw_path, :old, :new)"),
            {"old": str(template), "new": str(root)},
        )
        s.commit()
    app = create_app(ws.root, settings or WebSettings())
    wait_for_first_figures(ws)  # committed in the copy already: no job to wait for
    return Web(ws, app, root)


def upload(
    c: TestClient,
    name: str,
    content: bytes,
    *,
    org: str = "council",
    kind: str = "spend",
    media: str = "application/octet-stream",
) -> httpx.Response:
    """Post a file to the upload page as its form does (the answer: a redirect to its preview, or the error)."""
    token = csrf_of(c.get("/upload").text)
    return c.post(
        "/upload",
        data={"csrf_token": token, "org": org, "kind": kind},
        files={"file": (name, content, media)},
        follow_redirects=False,
    )


def job_outcome(web: Web, c: TestClient, response: httpx.Response) -> httpx.Response:
    """Follow a request that queued a job (303 to its page) to the job's page once the job has ended."""
    assert response.status_code == 303 and response.headers["location"].startswith("/jobs/"), (
        response.text
    )
    wait_for_jobs(web.ws)
    return c.get(response.headers["location"])


def report(web: Web, c: TestClient, fmt: str) -> httpx.Response:
    """A report download: asked for (a job), built, then downloaded from its job's link."""
    asked = c.get(f"/reports/report.{fmt}", follow_redirects=False)
    assert asked.status_code == 303, asked.text
    wait_for_jobs(web.ws)
    return c.get(asked.headers["location"] + "/download")


def refresh_figures(ws: Workspace) -> None:
    """New figures after data loaded behind the server's back (as a command with no server would): queue the
    refresh the server would queue, and wait for it."""
    queue.submit_once(ws, "refresh", requested_by="test")
    wait_for_jobs(ws)


def wait_for_first_figures(ws: Workspace, timeout: float = 300.0) -> None:
    """Until the server's first figures (the analysis and the explore tables) are committed and no job waits:
    the job is queued by the server's worker, which may not have queued it yet when the app is made."""
    deadline = time.monotonic() + timeout
    while True:
        with ws.warehouse(read_only=True) as con:
            built = explore.ready(con)
        if built and committed.current(ws) is not None:
            break
        assert time.monotonic() < deadline, "the first figures were not worked out in time"
        time.sleep(0.1)
    wait_for_jobs(ws, timeout)


def wait_for_jobs(ws: Workspace, timeout: float = 120.0) -> None:
    """Until no job is queued or running (the server's worker runs them), or fail the test."""
    deadline = time.monotonic() + timeout
    while any(not j.finished for j in queue.listing(ws, orgs=None)):
        assert time.monotonic() < deadline, "jobs did not finish in time"
        time.sleep(0.1)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def web(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    """The app over SQLite records, and again over a fresh PostgreSQL database when a URL is given.
    Built once per test module: tests that change sharing or users put them back."""
    with pytest.MonkeyPatch.context() as mp:
        if request.param == "postgres":
            mp.setenv("ANCHORAGE_RECORDS_URL", request.getfixturevalue("fresh_pg_database"))
        built = build_web(tmp_path_factory.mktemp("web"))
        yield built
        shut_down(built)  # its worker stops polling and its database can be dropped
