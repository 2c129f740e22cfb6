"""Periods, written once: the UK public sector's financial year (1 April to 31 March), the tax year (6 April to
5 April; pay bills are kept by month, and a month belongs to the tax year of its tax month), their labels, and
month arithmetic. Years are named by the calendar year they start in: 2024 is 2024-25."""

from __future__ import annotations

import calendar
import datetime as dt

ALL = "all"
# The same rule for a DuckDB date column (the warehouse and the lake partition by it).
FINANCIAL_YEAR_SQL = "CAST(year({col}) - CASE WHEN month({col}) < 4 THEN 1 ELSE 0 END AS INTEGER)"


def financial_year(day: dt.date) -> int:
    """1 April 2024 – 31 March 2025 is 2024."""
    return day.year if day.month >= 4 else day.year - 1


def tax_year(day: dt.date) -> int:
    """6 April 2024 – 5 April 2025 is 2024."""
    return day.year if (day.month, day.day) >= (4, 6) else day.year - 1


def tax_year_of_month(month: dt.date) -> int:
    """A pay month's tax year: April (tax month 1, from 6 April) to March (tax month 12) of 2024-25 is 2024."""
    return financial_year(month)


def fy_end(year: int) -> dt.date:
    """The last day of a financial year: 2024 -> 31 March 2025."""
    return dt.date(year + 1, 3, 31)


def fy_label(year: int) -> str:
    """2024 -> '2024-25'."""
    return f"{year}-{(year + 1) % 100:02d}"


def parse_fy(text: str | None) -> int | str | None:
    """'2024-25', '2024/25' or '2024' -> 2024; 'all' -> 'all'; anything else -> None (the default)."""
    t = (text or "").strip().lower()
    if t == ALL:
        return ALL
    head = t.split("-")[0].split("/")[0]
    return int(head) if head.isdigit() and len(head) == 4 else None


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (or earlier), clamped to the month's end: 31 Jan + 1 month = 28/29 Feb."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
