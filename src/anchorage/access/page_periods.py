"""The period of the workforce, social value and LM3 pages, in the shape the dashboards' period line and
financial-year picker (templates/_period.html) read: which financial year a page shows (from ?year=; every
year, or the latest staff extract, by default), the years to choose from, "data to" and the last upload of
the page's own kind of data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import func, select

from anchorage.core.periods import ALL, FINANCIAL_YEAR_SQL, fy_end, fy_label, parse_fy
from anchorage.socialvalue.fields import COMMITMENT_KIND, DELIVERY_KIND, LM3_KIND
from anchorage.store.records import Upload
from anchorage.workspace import Workspace

SOCIAL_VALUE_KINDS = (COMMITMENT_KIND, DELIVERY_KIND)
LM3_KINDS = (LM3_KIND,)
WORKFORCE_KINDS = ("workforce",)


def last_upload(ws: Workspace, kinds: Iterable[str]) -> dt.datetime | None:
    """When a file of one of these kinds was last loaded."""
    with ws.session() as s:
        return s.scalar(
            select(func.max(Upload.created_at)).where(
                Upload.status == "loaded", Upload.kind.in_(list(kinds))
            )
        )


def _years(ws: Workspace, sql: str) -> list[int]:
    with ws.warehouse(read_only=True) as con:
        return sorted(int(y) for (y,) in con.execute(sql).fetchall() if y is not None)


def period_view(
    year: int | None,
    years: list[int],
    complete: Callable[[int], bool],
    *,
    data_to: dt.date | None,
    uploaded: dt.datetime | None,
    comparable: bool = False,
    refreshing: str | None = None,
) -> dict[str, Any]:
    """The period dict _period.html reads (every page with a year picker): the year shown (None: every year), the
    years to choose from, each marked when it is a part year, "data to", the last upload, and the year before
    (`previous`, when it has data; `comparable` when both are whole years)."""
    return {
        "year": year,
        "label": fy_label(year) if year is not None else "All years",
        "param": fy_label(year) if year is not None else ALL,
        "years": [
            (fy_label(y), fy_label(y) + ("" if complete(y) else " (part year)"))
            for y in reversed(years)
        ],
        "data_to": data_to,
        "last_upload": uploaded,
        "previous": year - 1 if year is not None and year - 1 in years else None,
        "comparable": comparable,
        "refreshing": refreshing,
    }


def page_period(
    years: list[int],
    asked: str | None,
    *,
    data_to: dt.date | None,
    uploaded: dt.datetime | None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """The period of a page of dated records: the year asked for when it has data, else every year (None); a
    year is whole once it has ended."""
    want = parse_fy(asked)
    year = want if isinstance(want, int) and want in years else None
    today = today or dt.date.today()
    return period_view(year, years, lambda y: fy_end(y) < today, data_to=data_to, uploaded=uploaded)


def socialvalue_period(ws: Workspace, asked: str | None) -> tuple[dict[str, Any], dt.date]:
    """The social value page's period and the day it compares commitments with delivery to: the end of the
    chosen year (or today, if that is sooner), today for every year."""
    today = dt.date.today()
    years = _years(
        ws,
        f"""SELECT DISTINCT {FINANCIAL_YEAR_SQL.format(col="period_end")} FROM sv_deliveries
                          UNION SELECT DISTINCT {FINANCIAL_YEAR_SQL.format(col="contract_start")} FROM sv_commitments""",
    )
    years = [y for y in years if dt.date(y, 4, 1) <= today]
    period = page_period(
        years, asked, data_to=None, uploaded=last_upload(ws, SOCIAL_VALUE_KINDS), today=today
    )
    as_of = min(today, fy_end(period["year"])) if period["year"] is not None else today
    with ws.warehouse(read_only=True) as con:
        row = con.execute(
            "SELECT max(period_end) FROM sv_deliveries WHERE period_end <= ?", [as_of]
        ).fetchone()
    period["data_to"] = row[0] if row else None
    return period, as_of


def lm3_period(ws: Workspace, asked: str | None) -> dict[str, Any]:
    """The LM3 page's period: the survey years (a survey of 2024 is of 2024-25)."""
    years = _years(ws, "SELECT DISTINCT year FROM lm3_responses")
    return page_period(years, asked, data_to=None, uploaded=last_upload(ws, LM3_KINDS))


def workforce_period(ws: Workspace, asked: str | None) -> tuple[dict[str, Any], dt.date | None]:
    """The workforce page's period and the last extract day it reads (None: each anchor's latest extract)."""
    years = _years(ws, f"SELECT DISTINCT {FINANCIAL_YEAR_SQL.format(col='as_at')} FROM staff")
    period = page_period(years, asked, data_to=None, uploaded=last_upload(ws, WORKFORCE_KINDS))
    to = fy_end(period["year"]) if period["year"] is not None else None
    with ws.warehouse(read_only=True) as con:
        row = con.execute(
            "SELECT max(as_at) FROM staff WHERE as_at <= coalesce(CAST(? AS DATE), DATE '9999-12-31')",
            [to],
        ).fetchone()
    period["data_to"] = row[0] if row else None
    return period, to
