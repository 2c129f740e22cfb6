"""The concurrency soak's moving parts (tests/test_soak.py and benchmarks/bench_soak.py): a real `anchorage
serve` on loopback, web clients reading pages and the API, a web upload through the preview, and CLI commands
that the server runs for them."""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import httpx

from anchorage.jobs import queue
from anchorage.workspace import Workspace

CLI = [sys.executable, "-m", "anchorage.cli.main"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def spend_csv(
    path: Path, rows: int, tag: str, *, bad_every: int = 50, year: int = 2023
) -> tuple[Path, int]:
    """`rows` payments in a Transparency Code-like layout, written by DuckDB (no Python loop over rows); every
    `bad_every`-th has an amount nobody can read (quarantined). Returns the file and how many rows are bad."""
    with duckdb.connect() as con:
        con.execute(f"""
            COPY (SELECT '{tag} Supplier ' || (i % 5000)::VARCHAR || ' Ltd' AS "Supplier Name",
                         CASE WHEN i % {bad_every} = {bad_every} - 1 THEN 'n/a'
                              ELSE ((hash(i, '{tag}') % 900000) / 100.0 + 1)::DECIMAL(12, 2)::VARCHAR END AS "Amount",
                         strftime(DATE '{year}-04-01' + (i % 360)::INTEGER, '%d/%m/%Y') AS "Payment Date",
                         '{tag}-' || i::VARCHAR AS "Transaction Number"
                  FROM range({rows}) t(i))
            TO '{path}' (FORMAT csv, HEADER true)""")
    return path, rows // bad_every


def serve(root: Path, port: int, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """`anchorage serve` in its own process, once it answers."""
    proc = subprocess.Popen(
        [*CLI, "serve", "--workspace", str(root), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "CI": "1", **(env or {})},
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the server stopped while starting"
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login", timeout=5).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    proc.kill()
    raise AssertionError("the server did not start")


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "the page has no CSRF token"
    return m.group(1)


def sign_in(base: str, email: str, password: str) -> httpx.Client:
    c = httpx.Client(base_url=base, follow_redirects=False, timeout=600)
    r = c.post(
        "/login",
        data={
            "email": email,
            "password": password,
            "csrf_token": _csrf(c.get("/login").text),
            "next": "/",
        },
    )
    assert r.status_code == 303, r.text
    return c


def api_token(c: httpx.Client) -> str:
    page = c.post(
        "/account/tokens", data={"name": "soak", "csrf_token": _csrf(c.get("/account").text)}
    ).text
    return page.split('id="api-token">')[1].split("<")[0]


def web_upload(c: httpx.Client, path: Path, org: str) -> tuple[str, list[int]]:
    """Upload a spend file, open its preview and press Load: the load job's id, and each step's HTTP status."""
    with path.open("rb") as fh:
        r = c.post(
            "/upload",
            data={"csrf_token": _csrf(c.get("/upload").text), "org": org, "kind": "spend"},
            files={"file": (path.name, fh, "text/csv")},
        )
    statuses = [r.status_code]
    staged = r.headers["location"]
    preview = c.get(staged)
    statuses.append(preview.status_code)
    # A big file's whole-file checks run as a job first (the preview sends its reader to the job's page): once
    # it has finished, the preview shows what it found, with the Load button.
    deadline = time.monotonic() + 900
    while not (load_url := re.search(r'action="(/upload/[^"]+/load)"', preview.text)):
        assert preview.status_code in (200, 303) and time.monotonic() < deadline, preview.text[
            -2000:
        ]
        time.sleep(1)
        preview = c.get(staged)
    # The columns the preview chose, sent back as a browser sends the form.
    chosen = {
        name: value
        for name, options in re.findall(
            r'<select id="(map_\w+)" name="map_\w+">(.*?)</select>', preview.text, re.S
        )
        for value in re.findall(r'<option value="([^"]*)" selected>', options)
    }
    r = c.post(
        load_url.group(1),
        data={
            "csrf_token": _csrf(preview.text),
            "accept_warnings": "yes",
            "date_order": "dmy",
            **chosen,
        },
    )
    statuses.append(r.status_code)
    assert r.status_code == 303 and r.headers["location"].startswith("/jobs/"), r.text[-2000:]
    return r.headers["location"].rsplit("/", 1)[1], statuses


@dataclass
class Load:
    """What the web clients saw: latency per URL, status codes, requests with no answer."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    # (when it was sent, on time.time(), its latency, its URL) of every request: what a phase of the run saw
    timeline: list[tuple[float, float, str]] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)  # no HTTP answer at all
    examples: list[str] = field(default_factory=list)  # answers of 400 and over

    @property
    def requests(self) -> int:
        return sum(self.statuses.values()) + len(self.failures)

    @property
    def errors(self) -> int:
        return sum(n for code, n in self.statuses.items() if code >= 400) + len(self.failures)

    def p95_ms(self, url: str | None = None) -> float:
        xs = self.latencies.get(url, []) if url else [x for v in self.latencies.values() for x in v]
        return (
            statistics.quantiles(xs, n=20)[-1] if len(xs) >= 20 else max(xs, default=0.0)
        ) * 1000

    def summary(self, seconds: float) -> dict[str, Any]:
        every = [x for v in self.latencies.values() for x in v]
        return {
            "requests": self.requests,
            "errors": self.errors,
            "statuses": dict(self.statuses),
            "failures": self.failures[:5],
            "examples": self.examples[:5],
            "requests_per_second": round(self.requests / seconds, 1),
            "p50_ms": round(statistics.median(every) * 1000, 1) if every else None,
            "p95_ms": round(self.p95_ms(), 1),
            "per_url": {
                u: {"n": len(xs), "p95_ms": round(self.p95_ms(u), 1)}
                for u, xs in self.latencies.items()
            },
        }


def run_clients(
    base: str,
    urls: list[str],
    cookies: dict[str, str],
    token: str,
    clients: int,
    seconds: float,
    until: threading.Event | None = None,
) -> Load:
    """`clients` clients, each requesting the URLs in turn (API URLs with the token) for `seconds`; given
    `until`, for as long as that is not set, and at least `seconds`."""
    seen = Load({u: [] for u in urls})
    started = time.perf_counter()

    def going() -> bool:
        if time.perf_counter() < started + seconds:
            return True
        return until is not None and not until.is_set()

    async def client(i: int) -> None:
        async with httpx.AsyncClient(base_url=base, cookies=cookies, timeout=60) as c:
            k = i
            while going():
                url = urls[k % len(urls)]
                k += 1
                headers = {"Authorization": f"Bearer {token}"} if url.startswith("/api/") else {}
                t0 = time.perf_counter()
                try:
                    r = await c.get(url, headers=headers)
                    seen.statuses[r.status_code] += 1
                    if r.status_code >= 400:
                        seen.examples.append(f"{url}: HTTP {r.status_code} {r.text[:300]}")
                except httpx.HTTPError as exc:
                    seen.failures.append(f"{url}: {type(exc).__name__} {exc}")
                took = time.perf_counter() - t0
                seen.latencies[url].append(took)
                seen.timeline.append((time.time() - took, took, url))

    async def every() -> None:
        await asyncio.gather(*(client(i) for i in range(clients)))

    asyncio.run(every())
    return seen


def wait_for_job(ws: Workspace, job_id: str, timeout: float = 1800) -> queue.JobInfo:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = queue.get(ws, job_id)
        if job is not None and job.finished:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish")


def wait_until_idle(ws: Workspace, timeout: float = 1800) -> None:
    """Until no job is queued or running (the records database says so; the server runs them)."""
    deadline = time.monotonic() + timeout
    while any(not j.finished for j in queue.listing(ws, orgs=None)):
        assert time.monotonic() < deadline, "jobs did not finish in time"
        time.sleep(0.2)


def cli(*args: str, timeout: float = 1800) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "CI": "1"},
    )


def cli_json(*args: str, timeout: float = 1800) -> Any:
    done = cli(*args, timeout=timeout)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)
