"""The last committed analysis: what every page and download reads. No request computes the analysis.

The refresh job (services/job_kinds.py) works out the analysis of every year and of each financial year, then
replaces the stored one in a single warehouse transaction; until that commits, readers see the previous
figures (DuckDB's MVCC). Each process reads a run's tables once and keeps them while that run is current.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import select

from anchorage.access.read_cache import READS
from anchorage.core.errors import AnchorageError
from anchorage.procurement import explore
from anchorage.procurement.analysis import AnalysisResult
from anchorage.procurement.enrich import AnalysisOptions
from anchorage.procurement.run import analyse_workspace
from anchorage.store.records import Upload
from anchorage.store.suppliers_records import SupplierDecision
from anchorage.workspace import Workspace

EVERY_YEAR = "all"


class FiguresPending(AnchorageError):
    """No analysis has been committed yet: the first refresh is still to run (rendered as 503)."""

    http_status = 503


@dataclass(frozen=True)
class Committed:
    run_id: str
    finished_at: dt.datetime
    coverage: dict[str, Any]  # years, first_paid, last_paid, last_upload as the analysis saw them
    results: dict[str, AnalysisResult]  # "all" and each financial year ("2024" = 2024-25)

    def of_year(self, year: int | None) -> AnalysisResult | None:
        return self.results.get(EVERY_YEAR if year is None else str(year))


_cache: dict[str, Committed] = {}
_lock = threading.Lock()


def _frame_bytes(df: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    return buf.getvalue()


def source_version(ws: Workspace) -> str:
    """What the analysis is worked out from, as the records database knows it: the uploads that count and the
    review decisions in force. A committed analysis of another version is out of date."""
    with ws.session() as s:
        uploads = s.execute(select(Upload.id, Upload.status).order_by(Upload.id)).all()
        decided = s.execute(
            select(SupplierDecision.id)
            .where(SupplierDecision.active.is_(True))
            .order_by(SupplierDecision.id)
        ).all()
    return hashlib.sha256(repr((uploads, decided)).encode()).hexdigest()[:16]


def stale(ws: Workspace) -> bool:
    """No committed analysis yet, or one worked out before the latest change of uploads or decisions, or
    explore tables older than the warehouse's data (e.g. suppliers matched by a command with no server)."""
    found = current(ws)
    return (
        found is None or found.coverage.get("source") != source_version(ws) or explore.outdated(ws)
    )


def run_id(ws: Workspace) -> str | None:
    """The committed run's id (pages key their caches on it), None before the first refresh: read again only
    when the warehouse was written since the last look (access/read_cache.py)."""

    def read() -> str | None:
        with ws.warehouse(read_only=True) as con:
            row = con.execute("SELECT run_id FROM analysis_runs LIMIT 1").fetchone()
        return str(row[0]) if row else None

    return READS.get(ws, "committed run", read)


def current(ws: Workspace) -> Committed | None:
    """The committed analysis, read once per run per process."""
    rid = run_id(ws)
    if rid is None:
        return None
    key = str(ws.root)
    with _lock:
        have = _cache.get(key)
        if have is not None and have.run_id == rid:
            return have
        with ws.warehouse(read_only=True) as con:
            con.begin()  # the run and its tables from one snapshot, whatever commits meanwhile
            run = con.execute(
                "SELECT run_id, coverage, finished_at FROM analysis_runs LIMIT 1"
            ).fetchone()
            rows = con.execute(
                "SELECT period, name, frame FROM analysis_tables WHERE run_id = ?",
                [run[0] if run else ""],
            ).fetchall()
            con.commit()
        if run is None:
            return None
        results: dict[str, AnalysisResult] = {}
        for period, name, frame in rows:
            opts = (
                AnalysisOptions()
                if period == EVERY_YEAR
                else AnalysisOptions(financial_years=(int(period),))
            )
            results.setdefault(period, AnalysisResult(options=opts)).tables[name] = pd.read_parquet(
                io.BytesIO(frame)
            )
        found = _cache[key] = Committed(str(run[0]), run[2], json.loads(run[1]), results)
        return found


def required(ws: Workspace) -> Committed:
    found = current(ws)
    if found is None:
        raise FiguresPending(
            "The figures are being worked out for the first time.",
            fix="Try again in a minute or two.",
        )
    return found


def refresh(
    ws: Workspace, coverage: dict[str, Any], step: Callable[[str, int, int], None]
) -> dict[str, Any]:
    """Work out the analysis of every year and of each financial year in `coverage`, then commit it in one go."""
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    coverage = {
        **coverage,
        "source": source_version(ws),
    }  # before the work: a change meanwhile means stale
    years: list[int] = list(coverage.get("years", []))
    periods: list[int | None] = [None, *years]
    results: dict[str, AnalysisResult] = {}
    for i, year in enumerate(periods):
        label = "every year" if year is None else f"{year}-{(year + 1) % 100:02d}"
        step(f"Working out the figures for {label}", i, len(periods) + 1)
        opts = AnalysisOptions() if year is None else AnalysisOptions(financial_years=(year,))
        results[EVERY_YEAR if year is None else str(year)] = analyse_workspace(ws, opts)
    step("Saving the new figures", len(periods), len(periods) + 1)
    rid = secrets.token_hex(8)
    rows = [
        (rid, period, name, _frame_bytes(df))
        for period, r in results.items()
        for name, df in r.tables.items()
    ]
    with ws.warehouse() as con:
        con.begin()
        try:
            con.execute("DELETE FROM analysis_tables")
            con.execute("DELETE FROM analysis_runs")
            con.executemany("INSERT INTO analysis_tables VALUES (?, ?, ?, ?)", rows)
            con.execute(
                "INSERT INTO analysis_runs VALUES (?, ?, ?, ?)",
                [
                    rid,
                    json.dumps(coverage, default=str),
                    started,
                    dt.datetime.now(dt.UTC).replace(tzinfo=None),
                ],
            )
            con.commit()
        except BaseException:
            con.rollback()
            raise
    return {"years": [f"{y}-{(y + 1) % 100:02d}" for y in years], "tables": len(rows)}
