"""An anchor's headline spend figures, so a load can say what it changed, and the dates an upload covers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from anchorage.workspace import Workspace


@dataclass(frozen=True)
class Headline:
    """An anchor's loaded spend: payments, £, distinct suppliers and the dates they cover."""

    payments: int
    amount: Decimal
    suppliers: int
    first: dt.date | None
    last: dt.date | None


def spend_headline(ws: Workspace, org: str) -> Headline:
    with ws.warehouse(read_only=True) as con:
        row = con.execute(
            """SELECT count(*), coalesce(sum(amount), 0), count(DISTINCT supplier_name_norm)
                                    FILTER (NOT is_redacted), min(payment_date), max(payment_date)
                             FROM spend WHERE org = ?""",
            [org],
        ).fetchone()
    assert row is not None
    return Headline(int(row[0]), Decimal(row[1]), int(row[2]), row[3], row[4])


def upload_dates(ws: Workspace, upload_id: str) -> tuple[dt.date | None, dt.date | None]:
    """The first and last payment dates an upload loaded."""
    with ws.warehouse(read_only=True) as con:
        row = con.execute(
            "SELECT min(payment_date), max(payment_date) FROM spend WHERE upload_id = ?",
            [upload_id],
        ).fetchone()
    return (row[0], row[1]) if row else (None, None)


def _plain(h: Headline) -> dict[str, Any]:
    return {
        "payments": h.payments,
        "amount": float(h.amount),
        "suppliers": h.suppliers,
        "first": f"{h.first:%d/%m/%Y}" if h.first else None,
        "last": f"{h.last:%d/%m/%Y}" if h.last else None,
    }


def load_effect(ws: Workspace, org: str, upload_id: str, before: Headline) -> dict[str, Any]:
    """What a committed spend load covers and changed, as plain values a job keeps with its result."""
    first, last = upload_dates(ws, upload_id)
    return {
        "first": f"{first:%d/%m/%Y}" if first else None,
        "last": f"{last:%d/%m/%Y}" if last else None,
        "before": _plain(before),
        "after": _plain(spend_headline(ws, org)),
    }
