"""`anchorage jobs list/show/wait` (issue 14): the queue as the command line sees it, from the records database
only, so it works from another process while the job runs (and while a server owns the warehouse: the soak
test follows a web upload with `jobs wait`)."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

from tests.conftest import make_workspace
from tests.test_owner import CLI, _spend

from anchorage.ingest.spend import ingest_spend
from anchorage.jobs import queue, worker
from anchorage.services import job_kinds


def _jobs(ws_root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, "jobs", *args, "--workspace", str(ws_root)],
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_list_show_and_wait_follow_a_job_run_by_another_process(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.delenv("ANCHORAGE_RECORDS_URL", raising=False)
    ws = make_workspace(tmp_path / "ws", [("Council", "council")])
    loaded = ingest_spend(ws, _spend(tmp_path / "a.csv", 25, "Cli"), "Council", date_order="dmy")
    refresh = queue.submit(ws, "refresh", requested_by="tester")
    unknown = queue.submit(ws, "no-such-kind", requested_by="tester", org="council")

    listed = json.loads(_jobs(ws.root, "list", "--json").stdout)
    assert {j["id"]: j["state"] for j in listed} == {refresh: "queued", unknown: "queued"}
    assert [
        j["id"] for j in json.loads(_jobs(ws.root, "list", "--json", "--state", "done").stdout)
    ] == []

    # `jobs wait` in another process follows the refresh while this process runs it.
    waiting = subprocess.Popen(
        [*CLI, "jobs", "wait", refresh[:8], "--json", "--workspace", str(ws.root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.0)
    assert waiting.poll() is None, waiting.communicate()  # still waiting: the job has not run
    job_kinds.register_all()
    claimed = queue.claim(ws, refresh)
    assert claimed is not None
    worker.execute(ws, claimed)
    stdout, stderr = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, stderr
    ended = json.loads(stdout)
    assert (
        ended["id"] == refresh and ended["state"] == "done" and ended["state_words"] == "Finished"
    )
    assert ended["result"]["years"]  # the figures of the years loaded

    # A job that fails: `show` says what went wrong in plain words; `wait` exits 1 with the same words.
    claimed = queue.claim(ws, unknown)
    assert claimed is not None
    worker.execute(ws, claimed)
    shown = _jobs(ws.root, "show", unknown)
    assert shown.returncode == 0 and "Stopped with a problem" in shown.stdout
    assert "This kind of job is not known to this version of Anchorage." in shown.stdout
    assert "Traceback" not in shown.stdout + shown.stderr
    waited = _jobs(ws.root, "wait", unknown)
    assert waited.returncode == 1 and "not known to this version" in waited.stdout

    by_state = json.loads(_jobs(ws.root, "list", "--json", "--state", "failed").stdout)
    assert [j["id"] for j in by_state] == [unknown]
    table = _jobs(ws.root, "list").stdout
    assert refresh in table and "Working out the figures" in table and "Finished" in table
    assert loaded.rows_loaded == 25


def test_a_job_id_that_matches_nothing_or_several_is_a_plain_error(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.delenv("ANCHORAGE_RECORDS_URL", raising=False)
    ws = make_workspace(tmp_path / "ws", [("Council", "council")])
    ids = [
        queue.submit(ws, "refresh", requested_by="tester") for _ in range(40)
    ]  # 40 ids share some first digit
    missing = _jobs(ws.root, "show", "zz-not-an-id")
    assert missing.returncode == 1 and 'No job has an id beginning "zz-not-an-id"' in missing.stderr
    first = {i[0] for i in ids}
    shared = next(c for c in first if sum(i.startswith(c) for i in ids) > 1)
    several = _jobs(ws.root, "show", shared)
    assert several.returncode == 1 and "More than one job" in several.stderr
    timed_out = _jobs(ws.root, "wait", ids[0], "--timeout", "1")
    assert (
        timed_out.returncode == 1
        and "still waiting for its turn after 1 seconds" in timed_out.stderr
    )
