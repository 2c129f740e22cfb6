"""Which financial years a figure covers: the years with data, the default (the latest complete year), the
analysis of one year (gated like the whole one), and the 'data to · last upload' line of every page."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

from sqlalchemy import func, select

from anchorage.access import queries
from anchorage.access.gate import Viewer
from anchorage.procurement.analysis import AnalysisResult
from anchorage.procurement.enrich import AnalysisOptions
from anchorage.procurement.run import analyse_workspace
from anchorage.store.records import Upload
from anchorage.workspace import Workspace

ALL = "all"
_cache: dict[tuple[str, str, int], AnalysisResult] = {}
_lock = threading.Lock()


def fy_label(year: int) -> str:
    """2024 -> '2024-25'."""
    return f"{year}-{(year + 1) % 100:02d}"


def parse_fy(text: str | None) -> int | str | None:
    """'2024-25' or '2024' -> 2024; 'all' -> 'all'; anything else -> None (the default)."""
    t = (text or "").strip().lower()
    if t == ALL:
        return ALL
    head = t.split("-")[0].split("/")[0]
    return int(head) if head.isdigit() and len(head) == 4 else None


@dataclass(frozen=True)
class Coverage:
    years: tuple[int, ...]  # financial years with payments, oldest first
    first_paid: dt.date | None
    last_paid: dt.date | None
    last_upload: dt.datetime | None

    @property
    def complete_years(self) -> tuple[int, ...]:
        """Years the data covers from their first month (April) to their last (March): whole figures."""
        first, last = self.first_paid, self.last_paid
        if first is None or last is None:
            return ()
        return tuple(y for y in self.years if first < dt.date(y, 5, 1) and last >= dt.date(y + 1, 3, 1))

    @property
    def default_year(self) -> int | None:
        return (self.complete_years or self.years or (None,))[-1]


def coverage(ws: Workspace) -> Coverage:
    with ws.warehouse(read_only=True) as con:  # a reader: never takes a writer's turn nor counts as a write
        row = con.execute("SELECT min(payment_date), max(payment_date) FROM spend").fetchone() or (None, None)
        years = [int(y) for (y,) in con.execute(
            "SELECT DISTINCT year(payment_date) - CASE WHEN month(payment_date) < 4 THEN 1 ELSE 0 END AS fy "
            "FROM spend WHERE payment_date IS NOT NULL ORDER BY fy").fetchall()]
    with ws.session() as s:
        last_upload = s.scalar(select(func.max(Upload.created_at)).where(Upload.status == "loaded"))
    return Coverage(tuple(years), row[0], row[1], last_upload)


def chosen_year(cov: Coverage, asked: str | None) -> int | None:
    """The year a page shows: the one asked for (if it has data), else the default; None = every year."""
    want = parse_fy(asked)
    if want == ALL:
        return None
    return want if isinstance(want, int) and want in cov.years else cov.default_year


def year_analysis(ws: Workspace, viewer: Viewer, year: int | None) -> AnalysisResult:
    """The analysis of one financial year (every year when None), gated for the viewer."""
    if year is None:
        return queries.analysis(ws, viewer)
    key = (str(ws.root), queries.data_version(ws), year)
    with _lock:
        if key not in _cache:
            for old in [k for k in _cache if k[0] == key[0] and k[1] != key[1]]:
                del _cache[old]
            _cache[key] = analyse_workspace(ws, AnalysisOptions(financial_years=(year,)))
        result = _cache[key]
    return queries.gated(result, viewer, {a.slug for a in ws.config.anchors})


def dashboard_of(ws: Workspace, viewer: Viewer, org: str, result: AnalysisResult) -> queries.Dashboard:
    """queries.dashboard, on the analysis of a chosen period."""
    if org != queries.COLLABORATIVE:
        ws.config.anchor(org)  # unknown anchors are a plain error, not an empty page
    mine = {name: df[df["org"] == org].drop(columns="org").reset_index(drop=True)
            for name, df in result.tables.items()}
    row = mine["totals"].iloc[0] if len(mine["totals"]) else None
    tiles = {k: (None if row is None or row[k] != row[k] else float(row[k])) for k in queries.TILES}
    label = "Whole collaborative" if org == queries.COLLABORATIVE else ws.config.anchor(org).name
    return queries.Dashboard(org, label, tiles, mine, org == queries.COLLABORATIVE or viewer.sees_detail(org))
