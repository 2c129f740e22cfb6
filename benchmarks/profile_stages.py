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


def _cpu(since: float) -> str:
    """The CPU time of the whole process (every DuckDB thread) since `since`: on a loaded machine the wall time
    of a step is mostly waiting, its CPU time is what it costs. A thread running alongside (the raw copy) adds
    to whatever runs with it."""
    return f"[cpu {time.process_time() - since:5.2f} s] "


def profile_ingest(data: Path, rows: int) -> dict[str, Any]:
    import anchorage.ingest.sniff as sniff
    import anchorage.workspace as wsmod
    from anchorage.ingest.spend import ingest_spend
    from anchorage.store import warehouse

    steps: list[tuple[float, str]] = []
    real_cursor, real_close = warehouse.Database.cursor, warehouse.Database.close

    class Timed:
        def __init__(self, con: Any) -> None:
            self._con = con

        def __getattr__(self, name: str) -> Any:
            return getattr(self._con, name)

        def execute(self, sql: str, *args: Any, **kw: Any) -> Any:
            t, cpu = time.perf_counter(), time.process_time()
            out = self._con.execute(sql, *args, **kw)
            steps.append((time.perf_counter() - t, _cpu(cpu) + _short(sql)))
            return out

        def commit(self) -> Any:
            t = time.perf_counter()
            out = self._con.commit()
            steps.append((time.perf_counter() - t, "COMMIT"))
            return out

    def timed(fn: Any, label: str) -> Any:
        def wrapper(*a: Any, **k: Any) -> Any:
            t, cpu = time.perf_counter(), time.process_time()
            out = fn(*a, **k)
            steps.append((time.perf_counter() - t, _cpu(cpu) + label))
            return out

        return wrapper

    # Every statement goes through a cursor on the process's one instance (store/warehouse.py); closing the
    # instance when its last user lets go is the checkpoint.
    warehouse.Database.cursor = lambda self: Timed(real_cursor(self))  # type: ignore[method-assign]
    warehouse.Database.close = timed(real_close, "close the warehouse (checkpoint)")  # type: ignore[method-assign]
    sniff.fingerprint = timed(
        sniff.fingerprint, "fingerprint: SHA-256 and encoding check (whole file)"
    )
    wsmod.Workspace.keep_raw = timed(wsmod.Workspace.keep_raw, "keep_raw (copy of the file)")
    ws = wsmod.Workspace.open(generate.fresh_workspace(data / "template", data / "ws_profile"))
    t0, cpu = time.perf_counter(), time.process_time()
    ingest_spend(ws, data / f"spend_{rows}.csv", generate.BODY)
    total = time.perf_counter() - t0
    return {
        "seconds": total,
        "cpu_seconds": time.process_time() - cpu,
        "steps": sorted(steps, reverse=True)[:16],
    }


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
