"""The pipeline by quarter: how many contracts, and how much value, each anchor re-procures when."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass
class QuarterRow:
    quarter: str
    org: str
    contracts: int
    value: Decimal


def quarter_range(first: str, last: str) -> list[str]:
    """Every quarter label from first to last inclusive ("2026-Q3" … "2027-Q2")."""
    y, q = int(first[:4]), int(first[-1])
    out = []
    while f"{y}-Q{q}" <= last:
        out.append(f"{y}-Q{q}")
        y, q = (y + 1, 1) if q == 4 else (y, q + 1)
    return out


def by_quarter(rows: list[dict[str, Any]]) -> list[QuarterRow]:
    """Contracts and value per (quarter of re-procurement, anchor); contracts without a date are left out.
    Every quarter between the first and the last appears (with no rows when nothing falls in it)."""
    acc: dict[tuple[str, str], list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    for r in rows:
        if r.get("quarter"):
            cell = acc[(r["quarter"], r["org"])]
            cell[0] += 1
            cell[1] += r["value"] or Decimal(0)
    return [QuarterRow(q, org, n, v) for (q, org), (n, v) in sorted(acc.items())]


def quarters_of(table: list[QuarterRow]) -> list[str]:
    if not table:
        return []
    return quarter_range(table[0].quarter, max(r.quarter for r in table))
