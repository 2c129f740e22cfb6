"""Jobs (issue 14): a web upload returns at once and loads as a job with the command line's totals; no request
works out the analysis; an anchor's job is invisible to another anchor; jobs survive a server restart and a kill."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from tests.conftest import make_workspace, new_pg_database
from tests.test_owner import CLI, _free_port, _spend
from tests.web_support import Web, csrf_of, job_outcome, signed_in, wait_for_jobs

from anchorage.access import committed
from anchorage.access.gate import Viewer
from anchorage.core.errors import AnchorageError
from anchorage.ingest.spend import ingest_spend
from anchorage.jobs import queue, worker
from anchorage.web import views
from anchorage.workspace import Workspace

SPEND = (
    "Supplier,Amount,Date\n"
    + "".join(f"Job Test Supplier {i} Ltd,{100 + i}.25,1{i % 9}/06/2023\n" for i in range(40))
    + "Bad Row Ltd,oops,12/06/2023\n"
)


def _web_load(web: Web, c, name: str, content: str, org: str = "council"):
    """Upload, preview and press Load: the response to the Load."""
    token = csrf_of(c.get("/upload").text)
    r = c.post(
        "/upload",
        data={"csrf_token": token, "org": org, "kind": "spend"},
        files={"file": (name, content.encode(), "text/csv")},
        follow_redirects=False,
    )
    preview = c.get(r.headers["location"])
    load_url = re.search(r'action="(/upload/[^"]+/load)"', preview.text).group(1)
    return c.post(
        load_url,
        data={
            "csrf_token": csrf_of(preview.text),
            "accept_warnings": "yes",
            "map_supplier_name": "Supplier",
            "map_amount": "Amount",
            "map_payment_date": "Date",
        },
        follow_redirects=False,
    )


def _analysis_rows(ws: Workspace) -> list[tuple]:
    with ws.warehouse(read_only=True) as con:
        return con.execute(
            "SELECT r.run_id, r.finished_at, t.period, t.name, md5(t.frame::VARCHAR) FROM analysis_runs r "
            "JOIN analysis_tables t USING (run_id) ORDER BY t.period, t.name"
        ).fetchall()


def test_web_upload_returns_at_once_and_loads_as_a_job_with_the_cli_totals(
    web: Web, tmp_path: Path
):
    c = signed_in(web, "analyst@council.org")
    before = c.get("/api/v1/dashboard/council").json()["tiles"]["spend"]
    r = _web_load(web, c, "june.csv", SPEND)
    assert r.status_code == 303 and r.headers["location"].startswith("/jobs/"), re.sub(
        r"<[^>]+>", " ", r.text
    )[-1500:]
    job_id = r.headers["location"].rsplit("/", 1)[1]
    assert re.fullmatch(r"[0-9a-f]{32}", job_id)  # opaque and random
    page = c.get(r.headers["location"]).text  # the page works whatever the job's state
    assert "<progress" in page or "Finished" in page
    done = job_outcome(web, c, r)
    assert "Finished" in done.text and 'id="reconciliation"' in done.text
    job = queue.get(web.ws, job_id)
    assert job is not None and job.state == "done" and job.result is not None
    # The same file loaded by the command line's code path into a fresh workspace: the same reconciliation.
    path = tmp_path / "june.csv"
    path.write_text(SPEND)
    with pytest.MonkeyPatch.context() as mp:  # a workspace of its own, records and all
        mp.delenv("ANCHORAGE_RECORDS_URL", raising=False)
        other = make_workspace(tmp_path / "cli", [("Council", "council")])
        cli = ingest_spend(other, path, "Council", accept_warnings=True).to_json()
    for key in (
        "rows_read",
        "rows_loaded",
        "rows_quarantined",
        "amount_read",
        "amount_loaded",
        "amount_quarantined",
    ):
        assert job.result[key] == cli[key], key
    assert job.result["rows_quarantined"] == 1
    # The load queued the analysis refresh; once it ran the dashboard has the new spend.
    wait_for_jobs(web.ws)
    after = c.get("/api/v1/dashboard/council").json()["tiles"]["spend"]
    assert after == pytest.approx(before + cli["amount_loaded"])


def test_no_request_works_out_the_analysis(web: Web):
    c = signed_in(web, "analyst@council.org")
    worker.stop(web.ws)  # hold the queue still: a refresh waits
    try:
        # Opened before the upload: the figures' view is kept, but the note must still come with it.
        assert "being worked out" not in c.get("/dashboard/council").text
        ingest_spend(
            web.ws, _spend(web.root / "more.csv", 5, "Pending"), "Council", accept_warnings=True
        )
        job_id = queue.submit_once(web.ws, "refresh", requested_by="test")
        stored = _analysis_rows(web.ws)
        assert stored
        for url in (
            "/dashboard",
            "/dashboard/council",
            "/benchmark",
            "/api/v1/dashboard/council",
            "/dashboard/council?year=all",
        ):
            r = c.get(url)
            assert r.status_code == 200, url
        page = c.get("/dashboard/council").text
        assert re.search(
            r"Newer figures are being worked out \((started|asked for at) \d\d:\d\d\)", page
        )
        assert _analysis_rows(web.ws) == stored  # GETs changed nothing
        assert queue.get(web.ws, job_id).state == "queued"  # nor ran the refresh
    finally:
        worker.start(web.ws)
    wait_for_jobs(web.ws)
    assert queue.get(web.ws, job_id).state == "done"
    assert _analysis_rows(web.ws) != stored
    assert "Newer figures" not in c.get("/dashboard/council").text


def test_api_reads_never_wait_for_a_writer(web: Web):
    """Payments, suppliers and a quarantine through the API read on a cursor of their own: a load holding the
    warehouse's write turn (here, a writer held open) delays none of them, and none counts as a write."""
    c = signed_in(web, "analyst@council.org")
    upload_id = c.get("/api/v1/anchors/council/uploads").json()["rows"][0]["id"]
    held, release = threading.Event(), threading.Event()

    def writer() -> None:
        with web.ws.warehouse():
            held.set()
            release.wait(60)

    holder = threading.Thread(target=writer)
    holder.start()
    try:
        assert held.wait(30)
        writes, started = web.ws.warehouse_writes, time.monotonic()
        for url in (
            "/api/v1/anchors/council/transactions",
            "/api/v1/anchors/council/transactions?q=a",
            "/api/v1/suppliers",
            f"/uploads/{upload_id}",
        ):
            assert c.get(url).status_code == 200, url
        assert (
            time.monotonic() - started < 30
        )  # a request taking the write turn would wait the writer's 60 s
        assert web.ws.warehouse_writes == writes
    finally:
        release.set()
        holder.join()


def test_the_first_requests_for_a_view_after_new_figures_build_it_once(web: Web):
    """When new figures commit, every client's next dashboard is a first request: they wait for one build of
    the view instead of all drawing the same charts at once."""
    viewer = Viewer("1", "analyst@council.org", "anchor-analyst", "council", frozenset({"council"}))
    builds: list[int] = []

    def build() -> dict[str, object]:
        builds.append(1)
        time.sleep(0.5)
        return {"built": len(builds)}

    kind = f"test-view-{time.monotonic_ns()}"
    with ThreadPoolExecutor(10) as pool:
        seen = list(
            pool.map(lambda _: views.cached(kind, web.ws, viewer, "council", build), range(10))
        )
    assert len(builds) == 1 and all(v is seen[0] for v in seen)
    assert (
        views.cached(kind, web.ws, viewer, "acute-trust", build) is not seen[0]
    )  # another view builds its own
    assert len(builds) == 2


def test_an_anchors_job_is_invisible_to_another_anchor(web: Web):
    council = signed_in(web, "analyst@council.org")
    r = _web_load(web, council, "private.csv", SPEND.replace("Job Test", "Secret Council"))
    job_url = r.headers["location"]
    wait_for_jobs(web.ws)
    assert council.get(job_url).status_code == 200
    assert "private.csv" in council.get("/jobs").text
    trust = signed_in(web, "analyst@trust.org")
    mine, missing = trust.get(job_url), trust.get("/jobs/" + "0" * 32)
    assert mine.status_code == missing.status_code == 404
    assert mine.text.replace(job_url.rsplit("/", 1)[1], "X") == missing.text.replace("0" * 32, "X")
    listing = trust.get("/jobs").text
    assert "private.csv" not in listing and job_url not in listing
    assert (
        job_url in signed_in(web, "collab@x.org").get("/jobs").text
    )  # the collaborative admin sees it


def test_first_dashboard_before_any_analysis_says_figures_are_being_worked_out(tmp_path: Path):
    ws = make_workspace(tmp_path / "ws", [("Council", "council")])
    ingest_spend(ws, _spend(tmp_path / "a.csv", 5, "First"), "Council", date_order="dmy")
    assert committed.current(ws) is None
    from anchorage.web.views import (
        period_of,  # the page's period comes from the committed analysis: empty
    )

    assert period_of(ws, None)["years"] == []


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def records_on(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The records database a restart or kill test's server uses: its own SQLite file, or a new PostgreSQL
    database (the server process inherits the URL from the environment)."""
    if request.param == "sqlite":
        monkeypatch.delenv(
            "ANCHORAGE_RECORDS_URL", raising=False
        )  # its own SQLite records, whatever ran before
        yield "sqlite"
        return
    with new_pg_database(request.getfixturevalue("pg_url")) as url:
        monkeypatch.setenv("ANCHORAGE_RECORDS_URL", url)
        yield "postgres"


def _serve(ws: Workspace) -> tuple[subprocess.Popen[str], str]:
    port = _free_port()
    proc = subprocess.Popen(
        [*CLI, "serve", "--workspace", str(ws.root), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/login", timeout=5).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        time.sleep(0.3)
    pytest.fail("the server did not start")


def _wait_state(
    ws: Workspace, job_id: str, states: tuple[str, ...], timeout: float = 180
) -> queue.JobInfo:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = queue.get(ws, job_id)
        if job is not None and job.state in states:
            return job
        time.sleep(0.05)
    pytest.fail(f"job {job_id} never reached {states}")


def _stage(ws: Workspace, path: Path, name: str) -> str:
    """A web upload staged as the preview leaves it (meta.json beside the file), ready for a load job."""
    token = "t" + "x" * 30 + name.split(".")[0]
    folder = ws.tmp_dir / "web-uploads" / token
    folder.mkdir(parents=True)
    (folder / name).write_bytes(path.read_bytes())
    (folder / "meta.json").write_text(
        f'{{"user": 1, "org": "council", "kind": "spend", "name": "{name}", "as_at": null}}'
    )
    (folder / "mapping.json").write_text(
        '{"supplier_name": "Supplier", "amount": "Amount", "payment_date": "Date"}'
    )
    return token


def _totals(ws: Workspace) -> tuple:
    with ws.warehouse(read_only=True) as con:
        return con.execute("SELECT count(*), sum(amount) FROM spend").fetchone()


def test_a_job_queued_before_a_restart_completes_after_it(tmp_path: Path, records_on: str):
    ws = make_workspace(tmp_path / "ws", [("Council", "council")])
    assert ws.records_url.startswith(records_on)
    proc, _ = _serve(ws)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
    token = _stage(ws, _spend(tmp_path / "queued.csv", 30, "Queued"), "queued.csv")
    job_id = queue.submit(
        ws,
        "load",
        requested_by="test",
        org="council",
        params={"token": token, "name": "queued.csv", "date_order": "dmy"},
    )
    proc, _ = _serve(ws)
    try:
        job = _wait_state(ws, job_id, ("done", "failed"))
        assert job.state == "done", job.error
        assert job.result["rows_loaded"] == 30
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    assert _totals(ws)[0] == 30


def test_a_job_killed_mid_way_is_rolled_back_and_run_again_to_the_same_totals(
    tmp_path: Path, records_on: str
):
    ws = make_workspace(tmp_path / "ws", [("Council", "council")])
    assert ws.records_url.startswith(records_on)
    big = _spend(tmp_path / "big.csv", 300_000, "Big")
    with (
        pytest.MonkeyPatch.context() as mp
    ):  # the clean load to compare with: a workspace of its own, records and all
        mp.delenv("ANCHORAGE_RECORDS_URL", raising=False)
        reference = make_workspace(tmp_path / "ref", [("Council", "council")])
        expected = ingest_spend(reference, big, "Council", date_order="dmy").to_json()
    proc, _ = _serve(ws)
    token = _stage(ws, big, "big.csv")
    job_id = queue.submit(
        ws,
        "load",
        requested_by="test",
        org="council",
        params={"token": token, "name": "big.csv", "date_order": "dmy"},
    )
    try:
        _wait_state(ws, job_id, ("running",))
        time.sleep(0.5)  # mid-way through the load
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    killed = queue.get(ws, job_id)
    assert killed is not None and killed.state == "running"  # as the kill left it
    proc, _ = _serve(ws)
    try:
        job = _wait_state(ws, job_id, ("done", "failed"))
        assert job.state == "done", job.error
        assert job.attempts == 2
        for key in ("rows_read", "rows_loaded", "rows_quarantined", "amount_loaded"):
            assert job.result[key] == expected[key], key
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    assert _totals(ws)[0] == expected["rows_loaded"]


@pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="a thread's own priority is Linux's"
)
def test_the_job_thread_gives_way_to_the_requests_for_the_cpu(web: Web):
    """The server's worker runs its jobs at a lower priority than the threads that answer requests, so a long
    load or refresh takes the CPU the requests leave (issue 14's soak), and this process's own priority is
    left as it was."""
    own = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    if own >= 19:
        pytest.skip("the tests already run at the lowest priority")
    seen: dict[str, int] = {}

    def report(ws: Workspace, run: worker.JobRun) -> dict[str, int]:
        seen["job"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        return {}

    worker.register("test-priority", report)
    try:
        job_id = queue.submit(web.ws, "test-priority", requested_by="test")
        wait_for_jobs(web.ws)
    finally:
        worker.HANDLERS.pop("test-priority")
    job = queue.get(web.ws, job_id)
    assert job is not None and job.state == "done"
    assert seen["job"] == min(19, own + worker.job_nice()) > own
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == own


@pytest.mark.parametrize("value", ["high", "-5", "25", "1.5"])
def test_a_wrong_job_priority_is_refused_in_words(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANCHORAGE_JOB_NICE", value)
    with pytest.raises(
        AnchorageError, match=r"ANCHORAGE_JOB_NICE .* not a whole number from 0 to 19"
    ):
        worker.job_nice()
    monkeypatch.setenv("ANCHORAGE_JOB_NICE", " 0 ")
    assert worker.job_nice() == 0
