"""CPU per web request (issues 14 and 17): what the server spends on each soak URL, served and in-process, and
the served throughput and p50/p95 of 20 closed-loop clients.

    .venv/bin/python benchmarks/bench_reqcost.py [--rows 1000000] [--per-url 60] [--clients 20] [--seconds 30]
                                                 [--keep] [--profile] [--no-serve]

Builds (or reuses, with --keep) benchmarks/bench_web.py's workspace of --rows payments. Served: starts `anchorage
serve`, waits for the first figures, then asks each URL --per-url times one after another and reads the server
process's CPU time (user + system) around them: CPU ms per request. Then --clients clients for --seconds (the
soak's clients). In-process (--profile): the app in this process, each URL --per-url times through Starlette's
test client, CPU ms per request (the test client's own share included) and a sampling profile of every thread:
the functions the samples were in (inclusive), most first. Results go to bench-data/reqcost-results.json.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

import bench_web  # noqa: E402
from tests.soak_support import (  # noqa: E402
    api_token,
    free_port,
    run_clients,
    serve,
    sign_in,
    wait_until_idle,
)


def soak_urls(org: str) -> list[str]:
    """benchmarks/bench_soak.py's URLs: the pages and their JSON API twins."""
    return [
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


def _headers(url: str, token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if url.startswith("/api/") else {}


def _cpu(proc: psutil.Process) -> float:
    t = proc.cpu_times()
    return float(t.user + t.system)


def served(a: argparse.Namespace, root: Path, org: str) -> dict[str, Any]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = serve(root, port)
    try:
        from anchorage.workspace import Workspace

        wait_until_idle(Workspace.open(root))
        c = sign_in(base, bench_web.EMAIL, bench_web.PASSWORD)
        token = api_token(c)
        first = c.get("/api/v1/suppliers?limit=1", headers=_headers("/api/", token)).json()
        urls = soak_urls(org)
        if first["rows"]:
            urls.append("/supplier?" + urlencode({"name": first["rows"][0]["key"]}))
        for u in urls:  # warm: each page's view is built once per committed analysis
            r = c.get(u, headers=_headers(u, token))
            assert r.status_code == 200, (u, r.status_code, r.text[:300])
        server = psutil.Process(proc.pid)
        per_url: dict[str, Any] = {}
        for u in urls:
            cpu0, t0 = _cpu(server), time.perf_counter()
            for _ in range(a.per_url):
                assert c.get(u, headers=_headers(u, token)).status_code == 200, u
            per_url[u] = {
                "cpu_ms": round((_cpu(server) - cpu0) * 1000 / a.per_url, 2),
                "wall_ms": round((time.perf_counter() - t0) * 1000 / a.per_url, 2),
            }
            print(
                f"  {u}: {per_url[u]['cpu_ms']} ms CPU, {per_url[u]['wall_ms']} ms wall", flush=True
            )
        load_before = os.getloadavg()
        cpu0 = _cpu(server)
        seen = run_clients(base, urls, dict(c.cookies), token, a.clients, a.seconds)
        summary = seen.summary(a.seconds)
        summary["server_cpu_ms_per_request"] = round(
            (_cpu(server) - cpu0) * 1000 / max(1, seen.requests), 2
        )
        summary["load_before"] = load_before
        summary["load_after"] = os.getloadavg()
        return {"per_url": per_url, "clients": summary}
    finally:
        proc.terminate()
        proc.wait(60)


IDLE = {"wait", "select", "_worker", "acquire", "sleep"}  # a thread waiting is not spending CPU
SERVER_SIDE = ("starlette/", "fastapi/", "/anchorage/")  # the app's side of a request
CLIENT_SIDE = ("bench_reqcost.py", "jobs/worker.py")  # the test client's thread; the jobs' worker


def _name(frame: Any) -> str:
    return f"{frame.f_code.co_filename.rsplit('/site-packages/', 1)[-1]}:{frame.f_code.co_name}"


class Sampler:
    """Every thread's stack every `interval` s: how many samples each function was on the stack of."""

    def __init__(self, interval: float = 0.001) -> None:
        self.interval = interval
        self.counts: collections.Counter[str] = collections.Counter()
        self.leaves: collections.Counter[str] = collections.Counter()
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = threading.get_ident()
        while not self._stop.wait(self.interval):
            for ident, frame in sys._current_frames().items():
                if ident == me or frame.f_code.co_name in IDLE:
                    continue
                seen: set[str] = set()
                f: Any = frame
                while f is not None:
                    code = f.f_code
                    seen.add(f"{code.co_filename.rsplit('/site-packages/', 1)[-1]}:{code.co_name}")
                    f = f.f_back
                if any(m in s for s in seen for m in SERVER_SIDE) and not any(
                    m in s for s in seen for m in CLIENT_SIDE
                ):
                    self.samples += 1
                    self.counts.update(seen)
                    self.leaves[_name(frame)] += 1

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def in_process(a: argparse.Namespace, root: Path, org: str) -> dict[str, Any]:
    from fastapi.testclient import TestClient

    from anchorage.web.app import create_app
    from anchorage.workspace import Workspace

    app = create_app(root)
    wait_until_idle(Workspace.open(root))
    with TestClient(app, base_url="http://127.0.0.1") as c:
        page = c.get("/login").text
        csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
        r = c.post(
            "/login",
            data={"email": bench_web.EMAIL, "password": bench_web.PASSWORD, "csrf_token": csrf},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        page = c.get("/account").text
        csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
        token = (
            c.post("/account/tokens", data={"name": "cpu", "csrf_token": csrf})
            .text.split('id="api-token">')[1]
            .split("<")[0]
        )
        urls = soak_urls(org)
        for u in urls:
            assert c.get(u, headers=_headers(u, token)).status_code == 200, u
        per_url: dict[str, Any] = {}
        profile: dict[str, Any] = {}
        for u in urls:
            with Sampler() as sampler:
                t0 = time.process_time()
                for _ in range(a.per_url):
                    c.get(u, headers=_headers(u, token))
                cpu = (time.process_time() - t0) * 1000 / a.per_url
            per_url[u] = round(cpu, 2)
            top = [
                (name, round(100 * n / max(1, sampler.samples)))
                for name, n in sampler.counts.most_common(40)
            ]
            profile[u] = {
                "inclusive": top,
                "self": [
                    (name, round(100 * n / max(1, sampler.samples)))
                    for name, n in sampler.leaves.most_common(15)
                ],
            }
            print(f"  {u}: {cpu:.2f} ms CPU per request (in-process)", flush=True)
            for name, pct in top[:30]:
                print(f"      {pct:3d}%  {name}")
            print("      self:")
            for name, pct in profile[u]["self"][:10]:
                print(f"      {pct:3d}%  {name}")
    return {"per_url_cpu_ms": per_url, "profile": profile}


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--per-url", type=int, default=60)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--data", type=Path, default=ROOT / "bench-data")
    ap.add_argument("--keep", action="store_true", help="reuse the workspace of an earlier run")
    ap.add_argument("--profile", action="store_true", help="also in-process, with a profile")
    ap.add_argument("--no-serve", action="store_true", help="skip the served measurements")
    a = ap.parse_args()
    a.data.mkdir(parents=True, exist_ok=True)
    ws = bench_web.build(a.data, a.rows, a.keep)
    org = ws.config.anchors[0].slug
    result: dict[str, Any] = {
        "rows": a.rows,
        "per_url": a.per_url,
        "load_at_start": os.getloadavg(),
    }
    if not a.no_serve:
        print("served…", flush=True)
        result["served"] = served(a, ws.root, org)
        cl = result["served"]["clients"]
        print(
            f"{a.clients} clients: {cl['requests_per_second']} requests/s, p50 {cl['p50_ms']} ms, "
            f"p95 {cl['p95_ms']} ms, {cl['errors']} errors, "
            f"server {cl['server_cpu_ms_per_request']} ms CPU a request",
            flush=True,
        )
    if a.profile:
        print("in-process…", flush=True)
        result["in_process"] = in_process(a, ws.root, org)
    (a.data / "reqcost-results.json").write_text(json.dumps(result, indent=1, default=str))


if __name__ == "__main__":
    main()
