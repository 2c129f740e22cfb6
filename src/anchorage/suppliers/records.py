"""Supplier records (one per anchor and normalised name) and the review queue: the matches a person should
look at. Finalise (clusters) reads both; decisions on them (review) re-run finalise."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from anchorage.reference.names import legal_name_sql, name_norm_sql, trading_name_sql
from anchorage.store.suppliers_records import SupplierDecision
from anchorage.store.ties import modal_sql
from anchorage.suppliers import model, record_keys
from anchorage.workspace import Workspace

_SPEND = "(SELECT * FROM spend WHERE NOT is_redacted)"
_KEYS = ["org", "supplier_name_norm"]
# Every spelling's trading name ("ABC Ltd T/A Tasty Food" -> "Tasty Food"), weighted by spend.
_TRADING = (
    f"(SELECT org, supplier_name_norm, {trading_name_sql('supplier_name')} AS trading_name, amount "
    f"FROM {_SPEND} UNION ALL SELECT org, supplier_name_norm, {trading_name_sql('supplier_name')}, 0 "
    "FROM supplier_master)"
)
# One record per (anchor, normalised supplier name): what the anchor's spend and supplier files say, under its
# random id (record_keys.sync must have run on the connection first). Its
# display name is the spelling on most payments, then with most spend, then alphabetically first (ties.py).
RECORDS_SQL = f"""
    WITH sp AS (
        SELECT org, supplier_name_norm, n.supplier_name, v.vat, t.spend
        FROM (SELECT org, supplier_name_norm, sum(amount) AS spend FROM {_SPEND} GROUP BY ALL) t
        LEFT JOIN ({modal_sql(_SPEND, _KEYS, "supplier_name", "amount")}) n USING (org, supplier_name_norm)
        LEFT JOIN ({modal_sql(_SPEND, _KEYS, "vat_number", "amount", alias="vat")}) v USING (org, supplier_name_norm)
    ), ms AS (
        SELECT org, supplier_name_norm, n.supplier_name, v.vat
        FROM (SELECT DISTINCT org, supplier_name_norm FROM supplier_master) t
        LEFT JOIN ({modal_sql("supplier_master", _KEYS, "supplier_name")}) n USING (org, supplier_name_norm)
        LEFT JOIN ({modal_sql("supplier_master", _KEYS, "vat_number", alias="vat")}) v
            USING (org, supplier_name_norm)
    ), named AS (
        SELECT k.record_id, p.org, p.supplier_name_norm,
           coalesce(ms.supplier_name, sp.supplier_name, p.supplier_name_norm) AS supplier_name, tr.trading_name,
           p.postcode, p.company_number, nullif(trim(p.charity_number), '') AS charity_number,
           nullif(coalesce(ms.vat, sp.vat), '') AS vat_number, coalesce(sp.spend, 0) AS spend
    FROM supplier_profile p
    JOIN supplier_record_keys k USING (org, supplier_name_norm)
    LEFT JOIN sp USING (org, supplier_name_norm)
    LEFT JOIN ms USING (org, supplier_name_norm)
    LEFT JOIN ({modal_sql(_TRADING, _KEYS, "trading_name", "amount")}) tr USING (org, supplier_name_norm)
    WHERE p.supplier_name_norm <> 'REDACTED'
    )
    SELECT *, {legal_name_sql("supplier_name")} AS legal_name,
           {name_norm_sql("trading_name")} AS trading_name_norm
    FROM named
    ORDER BY record_id  -- clusters are built in this order, so it must not vary
"""


@dataclass
class QueueItem:
    """One supplier record to review, with its best candidate register entity."""

    record_id: str
    org: str
    supplier_name: str
    postcode: str | None
    spend: float
    register_source: str
    register_id: str
    register_name: str | None
    register_postcode: str | None
    match_probability: float
    explanation: str | None
    linked: bool

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def active_decisions(session: Session) -> list[SupplierDecision]:
    return list(
        session.scalars(
            select(SupplierDecision)
            .where(SupplierDecision.active.is_(True))
            .order_by(SupplierDecision.created_at, SupplierDecision.id)
        )
    )


def review_queue(ws: Workspace, *, limit: int | None = 50) -> list[QueueItem]:
    """Undecided records whose best candidate is uncertain (below the automatic-link threshold), by spend."""
    with ws.session() as session:
        decided = {d.record_id for d in active_decisions(session)}
    with ws.warehouse(read_only=False) as con:
        record_keys.sync(ws, con)
        rows = con.execute(f"""
            WITH rec AS ({RECORDS_SQL}),
            best AS (
                SELECT record_id, arg_max(source, match_probability) AS source,
                       arg_max(register_id, match_probability) AS register_id,
                       max(match_probability) AS p, arg_max(explanation, match_probability) AS explanation
                FROM supplier_candidates WHERE method = 'model' GROUP BY 1
            )
            SELECT r.record_id, r.org, r.supplier_name, r.postcode, r.spend, b.source, b.register_id,
                   e.name, e.postcode, b.p, b.explanation, res.register_id IS NOT NULL
            FROM best b JOIN rec r USING (record_id)
            LEFT JOIN register_entities e ON e.source = b.source AND e.register_id = b.register_id
            LEFT JOIN supplier_resolution res ON res.record_id = r.record_id
            WHERE b.p < {model.LINK_THRESHOLD}
              AND (res.method IS NULL OR res.method = 'model')
            ORDER BY r.spend DESC, r.record_id
        """).fetchall()
    items = [
        QueueItem(
            record_id=r[0],
            org=r[1],
            supplier_name=r[2],
            postcode=r[3],
            spend=float(r[4]),
            register_source=r[5],
            register_id=r[6],
            register_name=r[7],
            register_postcode=r[8],
            match_probability=float(r[9]),
            explanation=r[10],
            linked=bool(r[11]),
        )
        for r in rows
        if r[0] not in decided
    ]
    return items[:limit] if limit else items
