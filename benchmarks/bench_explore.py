"""Explore benchmark (issue 17): p95 of the supplier explorer, payments and a supplier's page with 20
concurrent clients, against the old per-request scans in the same run.

    .venv/bin/python benchmarks/bench_explore.py [--rows 10000000] [--clients 20] [--seconds 40] [--keep]

Builds (or reuses, with --keep) the web benchmark's workspace of N generated payments (bench_web.py), times
the build of the explore tables (procurement/explore.py: what the analysis refresh adds after an upload),
starts `anchorage serve` in its own process and runs two timed phases one after the other: the new pages
(they read the explore tables), then the old routes (the JSON API's explorer and payments, which still scan
the payments per request, as the pages did before). Results go to bench-data/explore-results.json.

To compare servers side by side, name each with --variant (environment added to its process) and serve them in
turn, --rounds times, interleaved; each phase reports the CPU the server and the load generator spent a request:

    ... bench_explore.py --rows 3000000 --keep --skip-old --no-serial --rounds 2 --variant this \
        --variant before:PYTHONPATH=/path/to/other/src --variant h11:ANCHORAGE_WEB_HTTP=h11,ANCHORAGE_WEB_LOOP=asyncio

`--client raw` loads the server from a lean HTTP/1.1 client instead of httpx, which leaves more of a small
machine's CPU to the server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

import bench_web  # noqa: E402
from tests.soak_support import wait_until_idle  # noqa: E402

from anchorage.access import explore_queries, queries  # noqa: E402
from anchorage.access.gate import Viewer  # noqa: E402
from anchorage.access.table import read_request  # noqa: E402
from anchorage.procurement import explore  # noqa: E402
from anchorage.store import warehouse  # noqa: E402
from anchorage.workspace import Workspace  # noqa: E402


def summary(lat: dict[str, list[float]], cold: dict[str, float]) -> dict[str, object]:
    every = [x for xs in lat.values() for x in xs]
    return {
        "requests": len(every),
        "p50_ms": statistics.median(every) * 1000,
        "p95_ms": bench_web.p95(every) * 1000,
        "per_url": {
            u: {
                "n": len(xs),
                "p50_ms": statistics.median(xs) * 1000,
                "p95_ms": bench_web.p95(xs) * 1000,
                "first_ms": cold[u] * 1000 if u in cold else None,
            }
            for u, xs in lat.items()
            if xs and len(lat) <= 20  # one line an address, for the phases of a few addresses
        },
    }


def in_process(
    ws: Workspace, org: str, top: str, fy: str, repeat: int, skip_old: bool = False
) -> dict[str, dict[str, float]]:
    """One request's query cost without queueing: each new query and its old counterpart, called in turn on
    the warehouse held as the server holds it (median and p95 of `repeat` calls, ms)."""
    ws.hold_warehouse()
    viewer = Viewer(0, "bench", "anchor-analyst", org, frozenset({org}))
    s, p = explore_queries.SUPPLIERS, explore_queries.PAYMENTS
    calls: dict[str, Callable[[], object]] = {
        "new explorer (all years, by spend)": lambda: explore_queries.suppliers(
            ws, viewer, read_request(s, {})
        ),
        "new explorer (a year, page 3, by payments)": lambda: explore_queries.suppliers(
            ws, viewer, read_request(s, {"year": fy, "sort": "-payments", "page": "3"})
        ),
        "new explorer (category and counted filters)": lambda: explore_queries.suppliers(
            ws, viewer, read_request(s, {"category": "Catering", "counted": "yes"})
        ),
        "new payments (newest first)": lambda: explore_queries.payments(
            ws, viewer, org, read_request(p, {})
        ),
        "new payments (by amount, page 40)": lambda: explore_queries.payments(
            ws, viewer, org, read_request(p, {"sort": "-amount", "page": "40"})
        ),
        "new payments (year, tier, supplier text)": lambda: explore_queries.payments(
            ws, viewer, org, read_request(p, {"year": fy, "tier": "local", "supplier": "care"})
        ),
        "new payments (supplier text)": lambda: explore_queries.payments(
            ws, viewer, org, read_request(p, {"supplier": "care"})
        ),
        "new payments (tier, by amount, page 3)": lambda: explore_queries.payments(
            ws, viewer, org, read_request(p, {"tier": "local", "sort": "-amount", "page": "3"})
        ),
        "new payments (a supplier's, from its page)": lambda: explore_queries.payments(
            ws, viewer, org, read_request(p, {"supplier_key": top})
        ),
        "new payments (category)": lambda: explore_queries.payments(
            ws, viewer, org, read_request(p, {"category": "Catering"})
        ),
        "new payments (search q)": lambda: explore_queries.payments(
            ws, viewer, org, read_request(p, {"q": "care"})
        ),
        "new explorer (category, a year, by payments)": lambda: explore_queries.suppliers(
            ws, viewer, read_request(s, {"category": "Catering", "year": fy, "sort": "-payments"})
        ),
        "new explorer (left out by a rule)": lambda: explore_queries.suppliers(
            ws, viewer, read_request(s, {"counted": "no"})
        ),
        "new explorer (search q, tier)": lambda: explore_queries.suppliers(
            ws, viewer, read_request(s, {"q": "ltd", "tier": "local"})
        ),
        "new supplier page": lambda: explore_queries.supplier(ws, viewer, top),
        "old explorer (queries.suppliers, 100 rows)": lambda: queries.suppliers(
            ws, viewer, limit=100
        ),
        "old payments (queries.transactions, newest first)": lambda: queries.transactions(
            ws, viewer, org
        ),
        "old payments (search, offset 1950)": lambda: queries.transactions(
            ws, viewer, org, search="care", offset=1950
        ),
    }
    out = {}
    for name, call in calls.items():
        if skip_old and name.startswith("old "):
            continue
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            call()
            times.append(time.perf_counter() - t0)
        out[name] = {
            "p50_ms": statistics.median(times) * 1000,
            "p95_ms": bench_web.p95(times) * 1000,
        }
        print(
            f"  {name}: p50 {out[name]['p50_ms']:.0f} ms, p95 {out[name]['p95_ms']:.0f} ms",
            flush=True,
        )
    return out


def serve_phases(
    ws: Workspace,
    env: dict[str, str],
    plan: list[tuple[str, list[str]]],
    clients: int,
    seconds: float,
    raw: bool = False,
) -> tuple[dict[str, dict[str, object]], float]:
    """Start a server (with `env` added), wait out its jobs, and run each phase of `plan` against it: latencies,
    and the CPU the server and this process (the load generator) spent a request."""
    port = bench_web.free_port()
    base = f"http://127.0.0.1:{port}"
    proc = bench_web.start_server(ws, port, env)
    server = psutil.Process(proc.pid)
    phases: dict[str, dict[str, object]] = {}
    try:
        time.sleep(2)  # the server queues its refresh (if the figures are not current) as it starts
        t0 = time.perf_counter()
        wait_until_idle(ws)  # measured only once its jobs are done, as the soak is
        waited = time.perf_counter() - t0
        cookies, token = bench_web.sign_in(base)
        for name, urls in plan:
            cold = {}
            with httpx.Client(
                base_url=base,
                cookies=cookies,
                timeout=300,
                headers={"Authorization": f"Bearer {token}"},
            ) as c:
                for u in urls if name != "varied" else []:  # the varied phase starts cold
                    t = time.perf_counter()
                    r = c.get(u)
                    assert r.status_code == 200, (u, r.status_code, r.text[:300])
                    cold[u] = time.perf_counter() - t
            cpu0, gen0 = sum(server.cpu_times()[:2]), time.process_time()
            lat, done, errors = asyncio.run(
                (bench_web.raw_load if raw else bench_web.load)(
                    base, urls, cookies, token, clients, seconds
                )
            )
            cpu, gen = sum(server.cpu_times()[:2]) - cpu0, time.process_time() - gen0
            phases[name] = {
                **summary(lat, cold),
                "errors": errors,
                "requests_per_second": done / seconds,
                "server_cpu_ms": cpu / max(done, 1) * 1000,
                "generator_cpu_ms": gen / max(done, 1) * 1000,
                "load_average": os.getloadavg()[0],
            }
    finally:
        proc.terminate()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
    return phases, waited


def variant(text: str) -> tuple[str, dict[str, str]]:
    """LABEL or LABEL:NAME=VALUE,NAME=VALUE (e.g. before:PYTHONPATH=/work/main/src)."""
    label, _, pairs = text.partition(":")
    env = dict(p.split("=", 1) for p in pairs.split(",") if p)
    return label, env


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=40)
    ap.add_argument("--data", type=Path, default=ROOT / "bench-data")
    ap.add_argument(
        "--keep", action="store_true", help="reuse the workspace built by an earlier run"
    )
    ap.add_argument(
        "--no-build", action="store_true", help="do not time a full build of the explore tables"
    )
    ap.add_argument(
        "--repeat", type=int, default=15, help="calls of each query in the serial in-process phase"
    )
    ap.add_argument(
        "--skip-old",
        action="store_true",
        help="do not time the old per-request scans (minutes per call at 10M payments)",
    )
    ap.add_argument(
        "--variant",
        type=variant,
        action="append",
        help="a server to measure, LABEL[:NAME=VALUE,...] of environment added to its process (repeat to "
        "compare, e.g. --variant this --variant h11:ANCHORAGE_WEB_HTTP=h11); default one, 'this'",
    )
    ap.add_argument(
        "--rounds", type=int, default=1, help="times each variant is served, interleaved"
    )
    ap.add_argument(
        "--client",
        choices=("httpx", "raw"),
        default="httpx",
        help="the load generator: httpx (as before), or raw HTTP/1.1 (a fraction of the CPU a request, so "
        "more of the machine is the server's)",
    )
    ap.add_argument(
        "--no-serial", action="store_true", help="skip the serial in-process timing of each query"
    )
    a = ap.parse_args()
    a.variant = a.variant or [("this", {})]
    a.data.mkdir(parents=True, exist_ok=True)
    ws = bench_web.build(a.data, a.rows, a.keep)
    org = ws.config.anchors[0].slug
    build_s = build_cpu_s = None
    if not a.no_build:
        with ws.warehouse() as con:  # a full build, timed (what the refresh after an upload costs)
            t0 = time.perf_counter()
            cpu0 = time.process_time()
            explore.build(con, ws.config, full=True)
            build_s = time.perf_counter() - t0
            build_cpu_s = time.process_time() - cpu0
    explore.refresh(ws)
    with ws.warehouse(read_only=True) as con:
        payments = int((con.execute("SELECT count(*) FROM spend").fetchone() or (0,))[0])
        suppliers = int((con.execute("SELECT count(*) FROM explore_names").fetchone() or (0,))[0])
        top = (
            con.execute(
                "SELECT supplier_name_norm FROM explore_spend GROUP BY 1 ORDER BY sum(spend) DESC, 1 "
                "LIMIT 1"
            ).fetchone()
            or ("",)
        )[0]
        mid = (
            con.execute(
                "SELECT supplier_name_norm FROM explore_spend GROUP BY 1 ORDER BY sum(spend) DESC, 1 "
                "LIMIT 1 OFFSET 500"
            ).fetchone()
            or ("",)
        )[0]
        year = (con.execute("SELECT max(financial_year) FROM explore_spend").fetchone() or (2023,))[
            0
        ]
        many = [  # suppliers for the varied phase's supplier pages
            r[0]
            for r in con.execute(
                "SELECT supplier_name_norm FROM explore_spend GROUP BY 1 ORDER BY sum(spend) DESC, 1 "
                "LIMIT 300"
            ).fetchall()
        ]
    fy = f"{year}-{(year + 1) % 100:02d}"
    serial = {} if a.no_serial else in_process(ws, org, top, fy, a.repeat, a.skip_old)
    warehouse.close(ws.warehouse_path)  # the server owns it from here
    new = [
        "/suppliers",
        f"/suppliers?year={fy}&sort=-payments&page=3",
        "/suppliers?q=ltd&tier=local",
        f"/anchors/{org}/transactions",
        f"/anchors/{org}/transactions?sort=-amount&page=40",
        f"/anchors/{org}/transactions?year={fy}&tier=local&supplier=care",
        "/supplier?" + urlencode({"name": top}),
        "/supplier?" + urlencode({"name": mid}),
    ]
    old = [
        "/api/v1/suppliers?limit=100",
        "/api/v1/suppliers?q=ltd&limit=100",
        f"/api/v1/anchors/{org}/transactions",
        f"/api/v1/anchors/{org}/transactions?offset=1950&q=care",
    ]
    # Varied: a different address almost every request (pages, sorts, suppliers), so the server's read cache
    # (access/read_cache.py) rarely holds the answer; "new" repeats eight addresses, which it mostly does.
    varied = [
        u
        for p in range(1, 301)
        for u in (
            f"/anchors/{org}/transactions?page={p}",
            f"/suppliers?page={p}",
            f"/anchors/{org}/transactions?sort=-amount&page={p}",
            f"/suppliers?year={fy}&sort=-payments&page={p}",
            "/supplier?" + urlencode({"name": many[(p - 1) % len(many)]}),
        )
    ]
    plan = [("new", new), ("varied", varied), *([] if a.skip_old else [("old", old)])]
    served: dict[str, list[dict[str, dict[str, object]]]] = {label: [] for label, _ in a.variant}
    first_figures_s = None
    for r in range(a.rounds):
        # Interleaved: each round runs every variant, in turn, in the reverse order of the round before.
        for label, env in a.variant if r % 2 == 0 else a.variant[::-1]:
            print(f"round {r + 1}, {label}…", flush=True)
            phases, waited = serve_phases(ws, env, plan, a.clients, a.seconds, a.client == "raw")
            served[label].append(phases)
            first_figures_s = first_figures_s if first_figures_s is not None else waited
    result = {
        "rows": a.rows,
        "payments_loaded": payments,
        "suppliers": suppliers,
        "clients": a.clients,
        "seconds_per_phase": a.seconds,
        "explore_build_s": build_s,
        "explore_build_cpu_s": build_cpu_s,
        "server_first_figures_s": first_figures_s,
        "load_average": os.getloadavg(),
        "serial_in_process": serial,
        "variants": {label: env for label, env in a.variant},
        "client": a.client,
        "served": served,
        **served[a.variant[0][0]][0],  # the first variant's first round, as before
    }
    (a.data / "explore-results.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))
    print(
        "\nvariant  phase  round: requests/s  p50  p95 (ms)  server CPU / generator CPU (ms a request)  load"
    )
    for label, rounds in served.items():
        for r, phases in enumerate(rounds, 1):
            for name, ph in phases.items():
                print(
                    f"{label}  {name}  {r}: {ph['requests_per_second']:.1f}/s  {ph['p50_ms']:.0f}  "
                    f"{ph['p95_ms']:.0f}  {ph['server_cpu_ms']:.1f} / {ph['generator_cpu_ms']:.1f}  "
                    f"{ph['load_average']:.1f}  errors {ph['errors']}"
                )
    best = min(served[a.variant[0][0]], key=lambda ph: float(ph["new"]["p95_ms"]))  # type: ignore[arg-type]
    ok = best["new"]["p95_ms"] < 200 and best["new"]["errors"] == 0  # type: ignore[operator]
    print(
        f"\n{a.variant[0][0]}: new pages p95 {best['new']['p95_ms']:.0f} ms; varied pages p95 "
        f"{best['varied']['p95_ms']:.0f} ms; old routes p95 "
        f"{best['old']['p95_ms'] if 'old' in best else float('nan'):.0f} ms "
        f"({'PASS' if ok else 'FAIL'}: target p95 < 200 ms, 0 errors)"
    )


if __name__ == "__main__":
    main()
