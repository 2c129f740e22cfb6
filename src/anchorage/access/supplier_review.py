"""The supplier register as each user may see it, and review decisions as each user may make them.

An anchor's supplier records are detail: the review queue, the resolved suppliers, the decisions and the
export hold only the records of anchors whose detail the viewer sees (`Viewer.sees_detail`). Deciding on a
record also needs an analyst or admin role of its anchor, or the collaborative admin role
(`Viewer.require_review`). Every decision is audited and recorded with the deciding user's email.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from anchorage.access import audit
from anchorage.access.gate import Viewer, refuse
from anchorage.exports import csv_bytes
from anchorage.suppliers import records, review
from anchorage.suppliers.export import resolved_suppliers
from anchorage.workspace import Workspace


def _record_orgs(ws: Workspace, record_ids: list[str]) -> dict[str, str]:
    if not record_ids:
        return {}
    with ws.warehouse(read_only=True) as con:
        rows = con.execute(
            "SELECT record_id, org FROM supplier_resolution WHERE record_id IN "
            "(SELECT unnest($ids))",
            {"ids": record_ids},
        ).fetchall()
    return {r[0]: r[1] for r in rows}


def _record_org(ws: Workspace, viewer: Viewer, record_id: str, *, ip: str | None = None) -> str:
    """The anchor of a record this viewer sees; one refusal for a missing record and another anchor's."""
    org = _record_orgs(ws, [record_id]).get(record_id)
    if org is None or not viewer.sees_detail(org):
        refuse(
            ws,
            viewer,
            "supplier record",
            record_id,
            "missing" if org is None else f"belongs to {org}",
            ip=ip,
        )
    return org


def queue(ws: Workspace, viewer: Viewer, *, limit: int | None = 100) -> list[records.QueueItem]:
    """The review queue, for the anchors whose detail the viewer sees (all of it when `limit` is None)."""
    if not viewer.detail_orgs:
        return []
    return [i for i in records.review_queue(ws, limit=None) if viewer.sees_detail(i.org)][:limit]


def decisions(ws: Workspace, viewer: Viewer) -> list[dict[str, Any]]:
    """Active decisions on records the viewer may see, newest first, each with its record's anchor."""
    rows = review.list_decisions(ws)
    orgs = _record_orgs(ws, [d["record_id"] for d in rows])
    return [
        {**d, "org": orgs[d["record_id"]]}
        for d in reversed(rows)
        if d["record_id"] in orgs and viewer.sees_detail(orgs[d["record_id"]])
    ]


def decide(
    ws: Workspace,
    viewer: Viewer,
    action: str,
    record_id: str,
    *,
    register: str | None = None,
    other_record_id: str | None = None,
    note: str | None = None,
    ip: str | None = None,
) -> str:
    """Record a decision as this user (gated and audited); returns its id. A merge needs the right to
    decide on the first record and to see the second."""
    org = _record_org(ws, viewer, record_id, ip=ip)
    viewer.require_review(org)
    if action == "merge" and other_record_id:
        _record_org(ws, viewer, other_record_id, ip=ip)
    d = review.decide(
        ws,
        action,
        record_id,
        register=register or None,
        other_record_id=other_record_id or None,
        note=note or None,
        decided_by=viewer.email,
    )
    with ws.session() as s:
        audit.record(
            s,
            viewer.email,
            f"supplier-{action}",
            org=org,
            ip=ip,
            detail={
                "decision": d.id,
                "record_id": record_id,
                "register": f"{d.register_source}:{d.register_id}" if d.register_id else None,
                "other_record_id": d.other_record_id,
            },
        )
        s.commit()
    return d.id


def undo(ws: Workspace, viewer: Viewer, decision_id: str, *, ip: str | None = None) -> None:
    """Withdraw a decision on a record the viewer may decide on (gated and audited)."""
    found = next((d for d in review.list_decisions(ws) if d["id"] == decision_id), None)
    org = _record_orgs(ws, [found["record_id"]]).get(found["record_id"]) if found else None
    if found is None or org is None or not viewer.sees_detail(org):
        refuse(
            ws,
            viewer,
            "decision",
            decision_id,
            "missing" if org is None else f"belongs to {org}",
            ip=ip,
        )
    viewer.require_review(org)
    review.undo(ws, decision_id)
    with ws.session() as s:
        audit.record(
            s,
            viewer.email,
            "supplier-undo",
            org=org,
            ip=ip,
            detail={
                "decision": decision_id,
                "action": found["action"],
                "record_id": found["record_id"],
            },
        )
        s.commit()


def resolved(ws: Workspace, viewer: Viewer, *, search: str = "") -> pd.DataFrame:
    """Every resolved record of the anchors whose detail the viewer sees (what `suppliers export` writes)."""
    df = resolved_suppliers(ws)
    df = df[df["org"].isin(viewer.detail_orgs)]
    if search:
        hit = (
            df["supplier_name"].str.contains(search, case=False, regex=False, na=False)
            | df["register_name"].str.contains(search, case=False, regex=False, na=False)
            | df["register_id"].eq(search)
        )
        df = df[hit]
    return df.reset_index(drop=True)


def export_csv(ws: Workspace, viewer: Viewer, *, ip: str | None = None) -> bytes:
    """The `suppliers export` CSV of the records the viewer may see (audited as an export)."""
    df = resolved(ws, viewer)
    df["register_id"] = df["register_id"].fillna("")
    with ws.session() as s:
        audit.record(
            s,
            viewer.email,
            "export",
            org=viewer.org,
            ip=ip,
            detail={"what": "resolved suppliers", "rows": len(df)},
        )
        s.commit()
    return csv_bytes(df, bom=False, lineterminator="\n")
