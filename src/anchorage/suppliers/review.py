"""Review decisions on supplier matches (kept in the records store); each one re-runs finalise."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from anchorage.core.errors import AnchorageError
from anchorage.store.suppliers_records import ACTIONS, SupplierDecision
from anchorage.suppliers.clusters import finalise
from anchorage.suppliers.records import active_decisions
from anchorage.workspace import Workspace


def _known_record(ws: Workspace, record_id: str) -> None:
    with ws.warehouse() as con:
        found = con.execute(
            "SELECT count(*) FROM supplier_resolution WHERE record_id = ?", [record_id]
        ).fetchone()
    if not found or not found[0]:
        raise AnchorageError(
            f"There is no supplier record {record_id}.",
            web_fix="Choose the supplier from the review page.",
            fix="Use a record id from `anchorage suppliers review list` or `suppliers export`.",
        )


def _target(ws: Workspace, record_id: str, register: str | None) -> tuple[str, str]:
    """'source:id' or a bare number (found in the registers); default: the record's best candidate."""
    with ws.warehouse() as con:
        if register is None:
            row = con.execute(
                "SELECT source, register_id FROM supplier_candidates WHERE record_id = ? "
                "ORDER BY match_probability DESC LIMIT 1",
                [record_id],
            ).fetchone()
            if row is None:
                raise AnchorageError(
                    f"Supplier record {record_id} has no candidate match to accept or reject.",
                    fix="Name the register entity, e.g. companies_house:01234567.",
                )
            return row[0], row[1]
        source, _, rid = register.rpartition(":")
        rows = con.execute(
            "SELECT DISTINCT source, register_id FROM register_entities WHERE register_id = ? "
            "AND (? = '' OR source = ?)",
            [rid.strip(), source, source],
        ).fetchall()
    if len(rows) != 1:
        raise AnchorageError(
            f"{register} is {'not in the imported registers' if not rows else 'in more than one register'}.",
            fix="Import the register first, or write it as source:number, e.g. charity_commission:1012345.",
        )
    return rows[0][0], rows[0][1]


def decide(
    ws: Workspace,
    action: str,
    record_id: str,
    *,
    register: str | None = None,
    other_record_id: str | None = None,
    note: str | None = None,
    decided_by: str = "",
) -> SupplierDecision:
    """Record a decision, then re-apply all decisions to the current candidates (no re-linking needed)."""
    if action not in ACTIONS:
        raise AnchorageError(
            f"Unknown review action {action!r}.", fix=f"Use one of: {', '.join(ACTIONS)}."
        )
    _known_record(ws, record_id)
    d = SupplierDecision(
        action=action, record_id=record_id, note=note, decided_by=decided_by, active=True
    )
    if action in ("accept", "reject"):
        d.register_source, d.register_id = _target(ws, record_id, register)
    elif action == "merge":
        if not other_record_id:
            raise AnchorageError(
                "A merge needs two supplier records.", fix="Give the second record id."
            )
        _known_record(ws, other_record_id)
        d.other_record_id = other_record_id
    with ws.session() as session:
        if (
            action == "accept"
        ):  # one accepted link per record: a newer acceptance replaces the older
            for old in session.scalars(
                select(SupplierDecision).where(
                    SupplierDecision.record_id == record_id,
                    SupplierDecision.action == "accept",
                    SupplierDecision.active.is_(True),
                )
            ):
                old.active = False
        session.add(d)
        session.commit()
    finalise(ws)
    return d


def undo(ws: Workspace, decision_id: str) -> None:
    """Withdraw a decision; the next finalise behaves as if it had never been made."""
    with ws.session() as session:
        d = session.get(SupplierDecision, decision_id)
        if d is None or not d.active:
            raise AnchorageError(
                f"There is no active decision {decision_id}.",
                web_fix="See the decisions on the supplier review page.",
                fix="See them with `anchorage suppliers review decisions`.",
            )
        d.active = False
        session.commit()
    finalise(ws)


def list_decisions(ws: Workspace) -> list[dict[str, Any]]:
    with ws.session() as session:
        return [
            {
                "id": d.id,
                "action": d.action,
                "record_id": d.record_id,
                "register": f"{d.register_source}:{d.register_id}" if d.register_id else None,
                "other_record_id": d.other_record_id,
                "note": d.note,
                "decided_by": d.decided_by,
                "created_at": d.created_at.isoformat(),
            }
            for d in active_decisions(session)
        ]
