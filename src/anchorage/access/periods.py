"""Which financial years a figure covers: the years with data, the default (the latest complete year), the
analysis of one year (gated like the whole one), and the 'data to · last upload' line of every page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from anchorage.access import committed, queries
from anchorage.access.gate import Viewer
from anchorage.core.periods import ALL, FINANCIAL_YEAR_SQL, fy_end, fy_label, parse_fy
from anchorage.procurement.analysis import AnalysisResult
from anchorage.store.records import Upload
from anchorage.workspace import Workspace


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
        return tuple(
            y for y in self.years if first < dt.date(y, 5, 1) and last >= dt.date(y + 1, 3, 1)
        )

    @property
    def default_year(self) -> int | None:
        return (self.complete_years or self.years or (None,))[-1]


def coverage(ws: Workspace) -> Coverage:
    with ws.warehouse(
        read_only=True
    ) as con:  # a reader: never takes a writer's turn nor counts as a write
        row = con.execute("SELECT min(payment_date), max(payment_date) FROM spend").fetchone() or (
            None,
            None,
        )
        years = [
            int(y)
            for (y,) in con.execute(
                f"SELECT DISTINCT {FINANCIAL_YEAR_SQL.format(col='payment_date')} AS fy "
                "FROM spend WHERE payment_date IS NOT NULL ORDER BY fy"
            ).fetchall()
        ]
    with ws.session() as s:
        last_upload = s.scalar(select(func.max(Upload.created_at)).where(Upload.status == "loaded"))
    return Coverage(tuple(years), row[0], row[1], last_upload)


def coverage_record(cov: Coverage) -> dict[str, Any]:
    """A coverage as the committed analysis keeps it (JSON)."""
    return {
        "years": list(cov.years),
        "first_paid": cov.first_paid and cov.first_paid.isoformat(),
        "last_paid": cov.last_paid and cov.last_paid.isoformat(),
        "last_upload": cov.last_upload and cov.last_upload.isoformat(),
    }


def committed_coverage(ws: Workspace) -> Coverage:
    """The years and dates the committed analysis covers (what its figures are of), empty before the first."""
    found = committed.current(ws)
    if found is None:
        return Coverage((), None, None, None)
    c = found.coverage

    def day(v: str | None) -> dt.date | None:
        return dt.date.fromisoformat(v) if v else None

    return Coverage(
        tuple(int(y) for y in c.get("years", [])),
        day(c.get("first_paid")),
        day(c.get("last_paid")),
        dt.datetime.fromisoformat(c["last_upload"]) if c.get("last_upload") else None,
    )


def chosen_year(cov: Coverage, asked: str | None) -> int | None:
    """The year a page shows: the one asked for (if it has data), else the default; None = every year."""
    want = parse_fy(asked)
    if want == ALL:
        return None
    return want if isinstance(want, int) and want in cov.years else cov.default_year


def year_analysis(ws: Workspace, viewer: Viewer, year: int | None) -> AnalysisResult:
    """The committed analysis of one financial year (every year when None), gated for the viewer."""
    if year is None:
        return queries.analysis(ws, viewer)
    result = committed.required(ws).of_year(year)
    if result is None:
        raise committed.FiguresPending(
            f"The figures for {fy_label(year)} are being worked out.",
            fix="Try again in a minute or two, or choose another year.",
        )
    return queries.gated(result, viewer, {a.slug for a in ws.config.anchors})


def dashboard_of(
    ws: Workspace, viewer: Viewer, org: str, result: AnalysisResult
) -> queries.Dashboard:
    """queries.dashboard, on the analysis of a chosen period."""
    if org != queries.COLLABORATIVE:
        ws.config.anchor(org)  # unknown anchors are a plain error, not an empty page
    mine = {
        name: df[df["org"] == org].drop(columns="org").reset_index(drop=True)
        for name, df in result.tables.items()
    }
    row = mine["totals"].iloc[0] if len(mine["totals"]) else None
    tiles = {k: (None if row is None or row[k] != row[k] else float(row[k])) for k in queries.TILES}
    label = "Whole collaborative" if org == queries.COLLABORATIVE else ws.config.anchor(org).name
    return queries.Dashboard(
        org, label, tiles, mine, org == queries.COLLABORATIVE or viewer.sees_detail(org)
    )


def data_to(cov: Coverage, year: int | None) -> dt.date | None:
    """The last payment date the figures of `year` (None: every year) include."""
    if year is None or cov.last_paid is None:
        return cov.last_paid
    return min(cov.last_paid, fy_end(year))


def comparable(cov: Coverage, year: int | None) -> bool:
    """Whether `year`'s figures can be set against the year before's: both are whole years (a part year's
    spend against a whole year's would show a fall that is only the months not yet loaded)."""
    return year is not None and {year, year - 1} <= set(cov.complete_years)


def period_line(ws: Workspace, asked: str | None) -> tuple[int | None, int | None, str]:
    """The year a report covers (from ?year=, else the default), the year before it (None when the two are not
    both whole years), and its line: "2024-25 · data to 31 Mar 2025 · last upload 6 Dec 2026"."""
    cov = committed_coverage(ws)
    year = chosen_year(cov, asked)
    line = (
        "All years"
        if year is None
        else fy_label(year) + ("" if year in cov.complete_years else " (part year)")
    )
    for words, value in (("data to", data_to(cov, year)), ("last upload", cov.last_upload)):
        if value:
            line += f" · {words} {value.day} {value:%b %Y}"
    return year, (year - 1 if year is not None and comparable(cov, year) else None), line
