"""The review queue: matches a person should look at, and their decisions (kept in the records store)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from anchorage.core.errors import AnchorageError
from anchorage.store.suppliers_records import ACTIONS, SupplierDecision
from anchorage.suppliers import model, record_keys
from anchorage.workspace import Workspace


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
    return list(session.scalars(select(SupplierDecision).where(SupplierDecision.active.is_(True))
                                .order_by(SupplierDecision.created_at, SupplierDecision.id)))


def review_queue(ws: Workspace, *, limit: int | None = 50) -> list[QueueItem]:
    """Undecided records whose best candidate is uncertain (below the automatic-link threshold), by spend."""
    with ws.session() as session:
        decided = {d.record_id for d in active_decisions(session)}
    from anchorage.suppliers.clusters import RECORDS_SQL

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
    items = [QueueItem(record_id=r[0], org=r[1], supplier_name=r[2], postcode=r[3], spend=float(r[4]),
                       register_source=r[5], register_id=r[6], register_name=r[7], register_postcode=r[8],
                       match_probability=float(r[9]), explanation=r[10], linked=bool(r[11]))
             for r in rows if r[0] not in decided]
    return items[:limit] if limit else items


def _known_record(ws: Workspace, record_id: str) -> None:
    with ws.warehouse() as con:
        found = con.execute("SELECT count(*) FROM supplier_resolution WHERE record_id = ?", [record_id]).fetchone()
    if not found or not found[0]:
        raise AnchorageError(f"There is no supplier record {record_id}.",
                             fix="Use a record id from `anchorage suppliers review list` or `suppliers export`.")


def _target(ws: Workspace, record_id: str, register: str | None) -> tuple[str, str]:
    """'source:id' or a bare number (found in the registers); default: the record's best candidate."""
    with ws.warehouse() as con:
        if register is None:
            row = con.execute("SELECT source, register_id FROM supplier_candidates WHERE record_id = ? "
                              "ORDER BY match_probability DESC LIMIT 1", [record_id]).fetchone()
            if row is None:
                raise AnchorageError(f"Supplier record {record_id} has no candidate match to accept or reject.",
                                     fix="Name the register entity, e.g. companies_house:01234567.")
            return row[0], row[1]
        source, _, rid = register.rpartition(":")
        rows = con.execute("SELECT DISTINCT source, register_id FROM register_entities WHERE register_id = ? "
                           "AND (? = '' OR source = ?)", [rid.strip(), source, source]).fetchall()
    if len(rows) != 1:
        raise AnchorageError(
            f"{register} is {'not in the imported registers' if not rows else 'in more than one register'}.",
            fix="Import the register first, or write it as source:number, e.g. charity_commission:1012345.")
    return rows[0][0], rows[0][1]


def decide(ws: Workspace, action: str, record_id: str, *, register: str | None = None,
           other_record_id: str | None = None, note: str | None = None, decided_by: str = "") -> SupplierDecision:
    """Record a decision, then re-apply all decisions to the current candidates (no re-linking needed)."""
    if action not in ACTIONS:
        raise AnchorageError(f"Unknown review action {action!r}.", fix=f"Use one of: {', '.join(ACTIONS)}.")
    _known_record(ws, record_id)
    d = SupplierDecision(action=action, record_id=record_id, note=note, decided_by=decided_by, active=True)
    if action in ("accept", "reject"):
        d.register_source, d.register_id = _target(ws, record_id, register)
    elif action == "merge":
        if not other_record_id:
            raise AnchorageError("A merge needs two supplier records.", fix="Give the second record id.")
        _known_record(ws, other_record_id)
        d.other_record_id = other_record_id
    with ws.session() as session:
        if action == "accept":  # one accepted link per record: a newer acceptance replaces the older
            for old in session.scalars(select(SupplierDecision).where(
                    SupplierDecision.record_id == record_id, SupplierDecision.action == "accept",
                    SupplierDecision.active.is_(True))):
                old.active = False
        session.add(d)
        session.commit()
    from anchorage.suppliers.clusters import finalise

    finalise(ws)
    return d


def undo(ws: Workspace, decision_id: str) -> None:
    """Withdraw a decision; the next finalise behaves as if it had never been made."""
    with ws.session() as session:
        d = session.get(SupplierDecision, decision_id)
        if d is None or not d.active:
            raise AnchorageError(f"There is no active decision {decision_id}.",
                                 fix="See them with `anchorage suppliers review decisions`.")
        d.active = False
        session.commit()
    from anchorage.suppliers.clusters import finalise

    finalise(ws)


def list_decisions(ws: Workspace) -> list[dict[str, Any]]:
    with ws.session() as session:
        return [{"id": d.id, "action": d.action, "record_id": d.record_id,
                 "register": f"{d.register_source}:{d.register_id}" if d.register_id else None,
                 "other_record_id": d.other_record_id, "note": d.note, "decided_by": d.decided_by,
                 "created_at": d.created_at.isoformat()} for d in active_decisions(session)]
