"""Where the time goes (run with --profile): per-statement timings of an ingest and of an analysis.

The ingest is profiled by wrapping the warehouse connection so every SQL statement Anchorage runs is timed,
plus the one read of the file that hashes it and checks its encoding, and the raw copy (made in a
thread alongside the load, so its time overlaps the SQL's). The analysis is profiled by timing Ibis's cache() (the
enriched relation) and each to_pandas() (one per result table). These are extra runs: the headline timings
come from unwrapped runs.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import generate


def _short(sql: str, n: int = 90) -> str:
    return " ".join(sql.split())[:n]


def profile_ingest(data: Path, rows: int) -> dict[str, Any]:
    import anchorage.ingest.sniff as sniff
    import anchorage.workspace as wsmod
    from anchorage.ingest.spend import ingest_spend

    steps: list[tuple[float, str]] = []
    real_connect = wsmod.warehouse.connect

    class Timed:
        def __init__(self, con: Any) -> None:
            self._con = con

        def __getattr__(self, name: str) -> Any:
            return getattr(self._con, name)

        def execute(self, sql: str, *args: Any, **kw: Any) -> Any:
            t = time.perf_counter()
            out = self._con.execute(sql, *args, **kw)
            steps.append((time.perf_counter() - t, _short(sql)))
            return out

        def commit(self) -> Any:
            t = time.perf_counter()
            out = self._con.commit()
            steps.append((time.perf_counter() - t, "COMMIT"))
            return out

        def close(self) -> Any:
            t = time.perf_counter()
            out = self._con.close()
            steps.append((time.perf_counter() - t, "close (checkpoint)"))
            return out

    def timed(fn: Any, label: str) -> Any:
        def wrapper(*a: Any, **k: Any) -> Any:
            t = time.perf_counter()
            out = fn(*a, **k)
            steps.append((time.perf_counter() - t, label))
            return out

        return wrapper

    wsmod.warehouse.connect = lambda *a, **k: Timed(real_connect(*a, **k))
    sniff.fingerprint = timed(
        sniff.fingerprint, "fingerprint: SHA-256 and encoding check (whole file)"
    )
    wsmod.Workspace.keep_raw = timed(wsmod.Workspace.keep_raw, "keep_raw (copy of the file)")
    ws = wsmod.Workspace.open(generate.fresh_workspace(data / "template", data / "ws_profile"))
    t0 = time.perf_counter()
    ingest_spend(ws, data / f"spend_{rows}.csv", generate.BODY)
    total = time.perf_counter() - t0
    return {"seconds": total, "steps": sorted(steps, reverse=True)[:12]}


def profile_analyse(data: Path) -> dict[str, Any]:
    import ibis.expr.types.relations as rel

    from anchorage.procurement import explore
    from anchorage.procurement.run import analyse_workspace
    from anchorage.workspace import Workspace

    steps: list[tuple[float, str]] = []
    names = iter(
        [
            "totals",
            "tiers",
            "deprivation",
            "categories",
            "top suppliers (per anchor)",
            "top suppliers (collaborative)",
            "trend",
            "exclusions",
            "wards",
        ]
    )
    real_pandas, real_cache = rel.Table.to_pandas, rel.Table.cache

    def to_pandas(self: Any, *a: Any, **k: Any) -> Any:
        t = time.perf_counter()
        out = real_pandas(self, *a, **k)
        steps.append(
            (time.perf_counter() - t, f"query for {next(names, 'table')} ({len(out)} rows)")
        )
        return out

    def cache(self: Any, *a: Any, **k: Any) -> Any:
        t = time.perf_counter()
        out = real_cache(self, *a, **k)
        steps.append(
            (time.perf_counter() - t, "cache() the enriched relation (every payment, materialised)")
        )
        return out

    rel.Table.to_pandas, rel.Table.cache = to_pandas, cache
    ws = Workspace.open(data / "ws")
    explore.refresh(ws)  # built before, untimed: the analysis alone is profiled
    t0 = time.perf_counter()
    analyse_workspace(ws)
    return {"seconds": time.perf_counter() - t0, "steps": steps}
