"""The concurrency soak (issue 14): a real `anchorage serve` on loopback, 20 web clients on the dashboards, the
explorer, payments and the API for as long as all of this runs: (a) a large web upload loads, (b) a
command-line `spend ingest` hands its load to the server and (c) a command-line `suppliers resolve` runs
there too. No client ever gets an HTTP error, and every upload is accounted for: loaded with read = loaded +
quarantined (rows and £), in the records database and in the warehouse alike, and the dashboards show it
once refreshed.

The web upload is 200,000 rows here (ANCHORAGE_SOAK_ROWS to change it, ANCHORAGE_SOAK_SECONDS for the
clients' least time): a million rows takes minutes on a shared 2-core machine, so the full size runs in
benchmarks/bench_soak.py, which reports the latencies.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import make_workspace
from tests.fixtures import load_reference
from tests.soak_support import (
    api_token,
    cli,
    cli_json,
    free_port,
    run_clients,
    serve,
    sign_in,
    spend_csv,
    wait_for_job,
    wait_until_idle,
    web_upload,
)

from anchorage.access import accounts
from anchorage.ingest.spend import ingest_spend
from anchorage.store.records import Upload

pytestmark = pytest.mark.slow

ROWS = int(os.environ.get("ANCHORAGE_SOAK_ROWS", "200000"))
SECONDS = float(os.environ.get("ANCHORAGE_SOAK_SECONDS", "10"))  # the clients' least time
EMAIL, PASSWORD = "analyst@council.org", "soak test password 1"


def _balanced(result: dict[str, Any], rows: int, bad: int) -> None:
    assert (result["rows_read"], result["rows_quarantined"]) == (rows, bad)
    assert result["rows_read"] == result["rows_loaded"] + result["rows_quarantined"]
    read, loaded, quarantined = (
        Decimal(str(result[k] or 0)) for k in ("amount_read", "amount_loaded", "amount_quarantined")
    )
    assert read == loaded + quarantined and loaded > 0


def test_twenty_clients_see_no_error_while_a_web_upload_a_cli_ingest_and_a_resolve_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANCHORAGE_RECORDS_URL", raising=False)
    ws = make_workspace(tmp_path / "ws", [("Council", "council"), ("Acute Trust", "nhs-trust")])
    load_reference(ws)
    ingest_spend(
        ws,
        spend_csv(tmp_path / "base.csv", 20_000, "Base", year=2022)[0],
        "Council",
        date_order="dmy",
    )
    with ws.session() as s:
        accounts.create_user(s, EMAIL, role="anchor-analyst", org="council", password=PASSWORD)
        s.commit()
    upload, upload_bad = spend_csv(tmp_path / "web-upload.csv", ROWS, "Web")
    by_cli, cli_bad = spend_csv(tmp_path / "cli-ingest.csv", ROWS // 4, "Cli")

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = serve(ws.root, port)
    outcome: dict[str, Any] = {}
    try:
        wait_until_idle(ws)  # the figures the server works out when it starts
        c = sign_in(base, EMAIL, PASSWORD)
        token = api_token(c)
        before = c.get("/api/v1/dashboard/council").json()["tiles"]["spend"]
        urls = [
            "/dashboard",
            "/dashboard/council",
            "/dashboard/council?year=2022-23",
            "/benchmark",
            "/suppliers",
            "/suppliers?q=Base+Supplier+1",
            "/anchors/council/transactions",
            "/anchors/council/transactions?sort=-amount",
            "/supplier?name=BASE+SUPPLIER+7",
            "/api/v1/dashboard",
            "/api/v1/dashboard/council",
            "/api/v1/suppliers",
            "/api/v1/anchors/council/transactions",
            "/jobs",
        ]

        # Set once the upload, the ingest and the resolve have all ended: the clients stop then.
        working = threading.Event()

        def clients() -> None:
            started = time.perf_counter()
            outcome["load"] = run_clients(base, urls, dict(c.cookies), token, 20, SECONDS, working)
            outcome["seconds"] = time.perf_counter() - started

        def web() -> None:
            uploader = sign_in(base, EMAIL, PASSWORD)
            job_id, outcome["upload_statuses"] = web_upload(uploader, upload, "council")
            # The command line follows the web upload's job while the server owns the workspace.
            outcome["jobs_wait"] = cli(
                "jobs", "wait", job_id, "--json", "--workspace", str(ws.root)
            )
            outcome["upload_job"] = job_id

        def ingest() -> None:
            outcome["ingest"] = cli_json(
                "spend",
                "ingest",
                str(by_cli),
                "--org",
                "acute-trust",
                "--date-order",
                "dmy",
                "--json",
                "--workspace",
                str(ws.root),
            )

        def resolve() -> None:
            outcome["resolve"] = cli("suppliers", "resolve", "--json", "--workspace", str(ws.root))

        threads = [threading.Thread(target=t) for t in (clients, web, ingest, resolve)]
        for t in threads:
            t.start()
        for t in threads[1:]:
            t.join(timeout=1800)
        working.set()
        threads[0].join(timeout=SECONDS + 120)
        for name in ("load", "upload_job", "ingest", "resolve"):
            assert name in outcome, f"{name} did not finish"
        load = outcome["load"]
        print(json.dumps(load.summary(outcome["seconds"]), indent=1))
        assert load.requests > 20 and load.errors == 0, (load.failures[:5], load.examples[:5])
        assert all(code in (200, 303) for code in outcome["upload_statuses"]), outcome[
            "upload_statuses"
        ]
        assert outcome["resolve"].returncode == 0, outcome["resolve"].stderr[-2000:]
        assert "Traceback" not in outcome["resolve"].stderr + outcome["jobs_wait"].stderr

        # Every upload accounted for: loaded, and read = loaded + quarantined (rows and £).
        assert outcome["jobs_wait"].returncode == 0, outcome["jobs_wait"].stderr[-2000:]
        followed = json.loads(outcome["jobs_wait"].stdout)
        job = wait_for_job(ws, outcome["upload_job"])
        assert job.state == "done" and followed["state"] == "done", job.error
        assert followed["result"] == job.result
        _balanced(job.result or {}, ROWS, upload_bad)
        _balanced(outcome["ingest"], ROWS // 4, cli_bad)
        wait_until_idle(ws)  # the figures refresh the loads and the resolve asked for
        after = c.get("/api/v1/dashboard/council").json()["tiles"]["spend"]
        assert after == pytest.approx(before + float((job.result or {})["amount_loaded"]))
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=120)

    # With the server stopped, the warehouse agrees with the records database upload by upload.
    with ws.session() as s:
        uploads = {u.id: u for u in s.query(Upload).all()}
    assert {u.status for u in uploads.values()} == {"loaded"}
    with ws.warehouse(read_only=True) as con:
        stored = {
            r[0]: (r[1], r[2])
            for r in con.execute(
                "SELECT upload_id, count(*), sum(amount) FROM spend GROUP BY 1"
            ).fetchall()
        }
        unfinished = con.execute(
            "SELECT count(*) FROM upload_journal WHERE state <> 'committed'"
        ).fetchone()
    assert unfinished == (0,)
    assert set(stored) == set(uploads)
    for upload_id, (rows, amount) in stored.items():
        assert rows == uploads[upload_id].rows_loaded
        assert Decimal(str(amount)) == Decimal(str(uploads[upload_id].amount_loaded))
