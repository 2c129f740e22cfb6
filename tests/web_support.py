"""A small collaborative behind the web app, with users of every role, for in-process HTTP tests."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from tests.conftest import make_workspace
from tests.fixtures import load_reference, write_fixture_files

from anchorage.access import accounts, committed
from anchorage.ingest.spend import ingest_spend
from anchorage.ingest.suppliers import ingest_suppliers
from anchorage.jobs import queue
from anchorage.procurement import explore
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


def build_web(root: Path, settings: WebSettings | None = None) -> Web:
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
        yield build_web(tmp_path_factory.mktemp("web"))
