"""Web benchmark: p95 latency of the dashboards and the JSON API with 20 concurrent clients on loopback.

    .venv/bin/python benchmarks/bench_web.py [--rows 10000000] [--clients 20] [--seconds 60] [--keep]

Builds (or reuses, with --keep) a workspace of N generated payments, starts `anchorage serve` in its own
process, warms the cache, then runs the clients for the given time. Side by side in the same run it also
times the same pages cold (the first request after an upload, when the analysis is recomputed), so the
cache's effect is measured rather than assumed. Results go to bench-data/web-results.json and are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import generate  # noqa: E402

from anchorage.access import accounts  # noqa: E402
from anchorage.ingest.spend import ingest_spend  # noqa: E402
from anchorage.workspace import Workspace  # noqa: E402

EMAIL, PASSWORD = "bench@anchorage.test", "benchmark password 1"


def build(data: Path, rows: int, keep: bool) -> Workspace:
    ws_dir = data / f"web-ws-{rows}"
    if keep and (ws_dir / "anchorage.toml").exists():
        return Workspace.open(ws_dir)
    tpl = generate.template_workspace(data / "template")
    csv = data / f"spend_{rows}.csv"
    if not csv.exists():
        print(f"generating {rows:,} payments…", flush=True)
        generate.spend_csv(csv, rows, tpl / "warehouse.duckdb")
    ws = Workspace.open(generate.fresh_workspace(tpl, ws_dir))
    print("ingesting…", flush=True)
    t0 = time.perf_counter()
    s = ingest_spend(ws, csv, generate.BODY)
    print(f"  {s.rows_loaded:,} rows in {time.perf_counter() - t0:.1f}s", flush=True)
    with ws.session() as sess:
        accounts.create_user(
            sess, EMAIL, role="anchor-analyst", org=ws.config.anchors[0].slug, password=PASSWORD
        )
        sess.commit()
    return ws


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    ws: Workspace, port: int, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """`anchorage serve` in its own process; `env` adds to this one's environment (e.g. another PYTHONPATH, or
    ANCHORAGE_WEB_HTTP=h11 to compare HTTP parsers)."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "anchorage.cli.main",
            "serve",
            "--workspace",
            str(ws.root),
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        env={**os.environ, "CI": "1", **(env or {})},
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/login", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not start")


def sign_in(base: str) -> tuple[dict[str, str], str]:
    c = httpx.Client(base_url=base, follow_redirects=False)
    page = c.get("/login").text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    r = c.post(
        "/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token, "next": "/"}
    )
    assert r.status_code == 303, r.text
    cookies = dict(c.cookies)
    page = c.get("/account").text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    api = c.post("/account/tokens", data={"name": "bench", "csrf_token": token}).text
    return cookies, api.split('id="api-token">')[1].split("<")[0]


async def load(
    base: str, urls: list[str], cookies: dict[str, str], token: str, clients: int, seconds: float
) -> tuple[dict[str, list[float]], int, int]:
    lat: dict[str, list[float]] = {u: [] for u in urls}
    errors = 0
    done = 0
    stop = time.perf_counter() + seconds

    async def client(i: int) -> None:
        nonlocal errors, done
        async with httpx.AsyncClient(
            base_url=base, cookies=cookies, timeout=30, headers={"Authorization": f"Bearer {token}"}
        ) as c:
            k = i
            while time.perf_counter() < stop:
                url = urls[k % len(urls)]
                k += 1
                t0 = time.perf_counter()
                try:
                    r = await c.get(url)
                    ok = r.status_code == 200
                except httpx.HTTPError:
                    ok = False
                lat[url].append(time.perf_counter() - t0)
                done += 1
                errors += not ok

    await asyncio.gather(*(client(i) for i in range(clients)))
    return lat, done, errors


async def raw_load(
    base: str, urls: list[str], cookies: dict[str, str], token: str, clients: int, seconds: float
) -> tuple[dict[str, list[float]], int, int]:
    """As `load`, from a lean client: HTTP/1.1 written and read by hand on one kept-alive connection a client
    (the responses carry a Content-Length). It spends a fraction of httpx's CPU a request, which on a small
    machine is CPU taken from the server being measured."""
    host, port = base.removeprefix("http://").split(":")
    head = (
        f"Host: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
        f"Cookie: {'; '.join(f'{k}={v}' for k, v in cookies.items())}\r\n\r\n"
    )
    lat: dict[str, list[float]] = {u: [] for u in urls}
    errors = done = 0
    stop = time.perf_counter() + seconds

    async def client(i: int) -> None:
        nonlocal errors, done
        reader, writer = await asyncio.open_connection(host, int(port))
        k = i
        while time.perf_counter() < stop:
            url = urls[k % len(urls)]
            k += 1
            t0 = time.perf_counter()
            try:
                writer.write(f"GET {url} HTTP/1.1\r\n{head}".encode())
                status = await reader.readuntil(b"\r\n")
                headers = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":", 1)[1])
                    for line in headers.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                await reader.readexactly(length)
                ok = status.split(b" ", 2)[1] == b"200"
            except (OSError, asyncio.IncompleteReadError, StopIteration):
                ok = False
                writer.close()
                reader, writer = await asyncio.open_connection(host, int(port))
            lat[url].append(time.perf_counter() - t0)
            done += 1
            errors += not ok
        writer.close()

    await asyncio.gather(*(client(i) for i in range(clients)))
    return lat, done, errors


def p95(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=20)[-1] if len(xs) >= 20 else max(xs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--data", type=Path, default=ROOT / "bench-data")
    ap.add_argument(
        "--keep", action="store_true", help="reuse the workspace built by an earlier run"
    )
    a = ap.parse_args()
    a.data.mkdir(parents=True, exist_ok=True)
    ws = build(a.data, a.rows, a.keep)
    org = ws.config.anchors[0].slug
    urls = [
        "/dashboard",
        f"/dashboard/{org}",
        "/benchmark",
        "/api/v1/dashboard",
        f"/api/v1/dashboard/{org}",
        "/api/v1/benchmark",
    ]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server(ws, port)
    try:
        cookies, token = sign_in(base)
        cold = {}
        with httpx.Client(base_url=base, cookies=cookies, timeout=120) as c:
            for u in urls:  # the first hits compute the analysis and charts: the uncached cost
                t0 = time.perf_counter()
                assert c.get(u).status_code == 200, u
                cold[u] = time.perf_counter() - t0
        lat, done, errors = asyncio.run(load(base, urls, cookies, token, a.clients, a.seconds))
    finally:
        proc.terminate()
        proc.wait(10)
    every = [x for xs in lat.values() for x in xs]
    result = {
        "rows": a.rows,
        "clients": a.clients,
        "seconds": a.seconds,
        "requests": done,
        "errors": errors,
        "requests_per_second": done / a.seconds,
        "p95_ms": p95(every) * 1000,
        "p50_ms": statistics.median(every) * 1000,
        "per_url": {
            u: {
                "n": len(xs),
                "p50_ms": statistics.median(xs) * 1000,
                "p95_ms": p95(xs) * 1000,
                "cold_ms": cold[u] * 1000,
            }
            for u, xs in lat.items()
        },
    }
    (a.data / "web-results.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))
    print(
        f"\np95 {result['p95_ms']:.0f} ms over {done:,} requests, {errors} errors "
        f"({'PASS' if result['p95_ms'] < 300 and errors == 0 else 'FAIL'}: target p95 < 300 ms, 0 errors)"
    )


if __name__ == "__main__":
    main()
