"""Web under load while a large upload runs (issue 14): p95 of 20 clients for 60 s without and with a web upload
loading, and the time from "upload committed" to "dashboards show the new figures".

    .venv/bin/python benchmarks/bench_soak.py [--rows 2000000] [--upload-rows 1000000] [--clients 20]
                                              [--seconds 60] [--keep]

Builds (or reuses, with --keep) a workspace of --rows generated payments (benchmarks/bench_web.py's), starts
`anchorage serve` in its own process and waits for its first figures. Then, in the same run: the clients
alone for --seconds; the clients again for --seconds while a generated file of --upload-rows payments is
uploaded through the web (upload, preview, Load) for another anchor and loads as a job; then the time
from that job committing to the anchor's dashboard API showing the new spend. The window's p95 is also split
by when each request was sent: during the load job, during the figures' refresh, and the rest. Results go to
bench-data/soak-results.json and are printed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

import bench_web  # noqa: E402
import generate  # noqa: E402
from tests.soak_support import (  # noqa: E402
    Load,
    api_token,
    free_port,
    run_clients,
    serve,
    sign_in,
    wait_for_job,
    wait_until_idle,
    web_upload,
)

from anchorage.access import accounts  # noqa: E402
from anchorage.jobs import queue  # noqa: E402
from anchorage.store.accounts import User  # noqa: E402
from anchorage.workspace import Workspace  # noqa: E402

UPLOADER = "uploader@anchorage.test"


def by_phase(seen: Load, spans: dict[str, tuple[float, float]]) -> dict[str, Any]:
    """p95 of the requests sent in each span of time (the load job, the figures' refresh), and of the rest of the
    window: where the window's p95 comes from, with each span's three slowest URLs at p95."""
    phases: dict[str, list[tuple[float, float, str]]] = {name: [] for name in [*spans, "rest"]}
    for sent in seen.timeline:
        name = next((n for n, (a, b) in spans.items() if a <= sent[0] < b), "rest")
        phases[name].append(sent)
    out: dict[str, Any] = {}
    for name, xs in phases.items():
        if not xs:
            continue
        urls: dict[str, list[float]] = {}
        for _, took, url in xs:
            urls.setdefault(url, []).append(took)
        part = Load(urls)
        slowest = sorted(urls, key=part.p95_ms, reverse=True)[:3]
        out[name] = {
            "requests": len(xs),
            "seconds": round(max(s for s, _, _ in xs) - min(s for s, _, _ in xs), 1),
            "p95_ms": round(part.p95_ms(), 1),
            "slowest": {u: round(part.p95_ms(u), 1) for u in slowest},
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--upload-rows", type=int, default=1_000_000)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--data", type=Path, default=ROOT / "bench-data")
    ap.add_argument(
        "--keep", action="store_true", help="reuse the workspace built by an earlier run"
    )
    a = ap.parse_args()
    a.data.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    built = bench_web.build(a.data, a.rows, a.keep)
    # Each run on a fresh copy: the upload it makes must be new to the workspace.
    ws = Workspace.open(generate.fresh_workspace(built.root, a.data / f"soak-ws-{a.rows}"))
    print(f"workspace ready in {time.perf_counter() - t0:.0f}s", flush=True)
    if (
        len(ws.config.anchors) < 2
    ):  # the upload goes to another anchor (its rows are not the workspace's)
        ws.config.add_anchor("Soak Trust", "nhs-trust")
        ws.save_config()
    org, other = ws.config.anchors[0].slug, ws.config.anchors[1].slug
    with ws.session() as s:
        if s.scalars(select(User).where(User.email == UPLOADER)).first() is None:
            accounts.create_user(
                s, UPLOADER, role="anchor-analyst", org=other, password=bench_web.PASSWORD
            )
            s.commit()
    upload = generate.spend_csv(
        a.data / f"spend_{a.upload_rows}.csv",
        a.upload_rows,
        generate.template_workspace(a.data / "template") / "warehouse.duckdb",
    )
    urls = [
        "/dashboard",
        f"/dashboard/{org}",
        "/benchmark",
        "/suppliers",
        f"/anchors/{org}/transactions",
        "/api/v1/dashboard",
        f"/api/v1/dashboard/{org}",
        "/api/v1/benchmark",
        "/api/v1/suppliers",
        f"/api/v1/anchors/{org}/transactions",
    ]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = serve(ws.root, port)
    result: dict[str, Any] = {
        "rows": a.rows,
        "upload_rows": a.upload_rows,
        "clients": a.clients,
        "seconds": a.seconds,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    try:
        t0 = time.perf_counter()
        wait_until_idle(ws)
        result["first_figures_s"] = round(time.perf_counter() - t0, 1)
        c = sign_in(base, bench_web.EMAIL, bench_web.PASSWORD)
        token = api_token(c)
        for u in urls:  # warm: each page's view is built once per committed analysis
            assert c.get(u, headers={"Authorization": f"Bearer {token}"}).status_code == 200, u
        result["load_before"] = os.getloadavg()
        print("clients alone…", flush=True)
        result["without_upload"] = run_clients(
            base, urls, dict(c.cookies), token, a.clients, a.seconds
        ).summary(a.seconds)
        before = httpx.get(
            f"{base}/api/v1/dashboard/{other}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        ).json()["tiles"]["spend"]
        uploaded: dict[str, Any] = {}

        def upload_it() -> None:
            started = time.time()
            uploaded["job"], uploaded["statuses"] = web_upload(
                sign_in(base, UPLOADER, bench_web.PASSWORD), upload, other
            )
            uploaded["submitted_s"] = round(time.time() - started, 1)

        print(f"uploading {a.upload_rows:,} rows (upload, preview, Load)…", flush=True)
        upload_it()
        # The clients' window opens when the load job starts: the load, then the figures refresh it queues.
        while (running := queue.get(ws, uploaded["job"])) is None or running.state == "queued":
            time.sleep(0.05)
        print("clients while it loads…", flush=True)
        window_start = time.time()
        during = run_clients(base, urls, dict(c.cookies), token, a.clients, a.seconds)
        result["with_upload"] = during.summary(a.seconds)
        window_end = time.time()
        result["load_during"] = os.getloadavg()
        job = wait_for_job(ws, uploaded["job"])
        assert job.state == "done", job.error
        committed = job.finished_at.timestamp() if job.finished_at else time.time()
        assert not (job.result or {}).get("duplicate"), "the upload was loaded before"
        shown, give_up = None, time.time() + 1800
        while shown is None:
            assert time.time() < give_up, "the dashboard never showed the upload"
            r = httpx.get(
                f"{base}/api/v1/dashboard/{other}",
                headers={"Authorization": f"Bearer {token}"},
                timeout=60,
            ).json()
            if r["tiles"]["spend"] != before:
                shown = time.time()
            else:
                time.sleep(0.2)
        refresh = queue.latest(ws, "refresh", ("done",))
        started = job.started_at.timestamp() if job.started_at else window_start
        result["upload"] = {
            "http_statuses": uploaded["statuses"],
            "upload_and_preview_s": uploaded["submitted_s"],
            "load_job_s": round(committed - started, 1),
            "rows_read": (job.result or {}).get("rows_read"),
            "rows_loaded": (job.result or {}).get("rows_loaded"),
            "rows_quarantined": (job.result or {}).get("rows_quarantined"),
            "load_ran_during_window_s": round(
                max(0.0, min(committed, window_end) - max(started, window_start)), 1
            ),
        }
        if refresh is not None and refresh.started_at and refresh.finished_at:
            result["refresh_ran_during_window_s"] = round(
                max(
                    0.0,
                    min(refresh.finished_at.timestamp(), window_end)
                    - max(refresh.started_at.timestamp(), window_start),
                ),
                1,
            )
        result["committed_to_dashboard_s"] = round(shown - committed, 1)
        spans = {"load": (started, committed)}
        if refresh is not None and refresh.started_at and refresh.finished_at:
            spans["refresh"] = (refresh.started_at.timestamp(), refresh.finished_at.timestamp())
        result["with_upload"]["phases"] = by_phase(during, spans)
        if refresh is not None and refresh.started_at and refresh.finished_at:
            result["refresh_job_s"] = round(
                (refresh.finished_at - refresh.started_at).total_seconds(), 1
            )
    finally:
        proc.terminate()
        proc.wait(60)
    (a.data / "soak-results.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))
    for label in ("without_upload", "with_upload"):
        r = result[label]
        print(
            f"{label}: p95 {r['p95_ms']:.0f} ms over {r['requests']:,} requests, {r['errors']} errors"
        )
    for name, ph in result["with_upload"]["phases"].items():
        print(
            f"  {name}: p95 {ph['p95_ms']:.0f} ms over {ph['requests']:,} requests in {ph['seconds']} s"
        )
    print(f"upload committed -> dashboard shows it: {result['committed_to_dashboard_s']} s")


if __name__ == "__main__":
    main()
