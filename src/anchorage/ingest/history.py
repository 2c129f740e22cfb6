"""What a spend load needs to know of the anchor's earlier uploads (records database), and what it leaves."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from anchorage.ingest import sanity
from anchorage.store import records

DATE_ORDER_KEY = "_date_order"  # kept in an upload's mapping: how its numeric dates were read
DATE_PRECISION_KEY = "_date_precision"
# Whether the order was decided from dates whose day and month could be swapped (not so for year-first dates):
# only then is it worth telling a person.
DATE_TOLD_KEY = "_date_order_told"


def decided_order(mapping: dict | None) -> str | None:
    """The date order an upload's values proved or its user chose; None for one that decided nothing (e.g.
    year-first dates), so it never speaks for the anchor's later files. Uploads from before the flag count."""
    m = mapping or {}
    order = m.get(DATE_ORDER_KEY)
    return str(order) if order and m.get(DATE_TOLD_KEY, True) else None


def spend_context(
    session: Session, org: str, name: str, filename: str
) -> tuple[str | None, sanity.Context]:
    """The date order of the anchor's latest spend file that recorded one, and the context of the checks."""
    uploads = session.scalars(
        select(records.Upload)
        .where(
            records.Upload.org == org,
            records.Upload.kind == "spend",
            records.Upload.status == "loaded",
        )
        .order_by(records.Upload.created_at.desc())
    ).all()
    earlier = next((o for u in uploads if (o := decided_order(u.mapping))), None)
    replaced = next((u.id for u in uploads if u.filename == filename), None)
    ctx = sanity.Context(name, org, {u.id: u.filename for u in uploads}, replaced)
    return earlier, ctx


def remember_date_order(
    session: Session, upload_id: str | None, order: str, precision: str, told: bool = True
) -> None:
    upload = session.get(records.Upload, upload_id) if upload_id else None
    if upload is None:
        return
    # An order nothing decided is not kept at all: neither later files nor a fix workbook may follow it.
    kept = {
        k: v for k, v in (upload.mapping or {}).items() if k not in (DATE_ORDER_KEY, DATE_TOLD_KEY)
    }
    upload.mapping = {
        **kept,
        **({DATE_ORDER_KEY: order, DATE_TOLD_KEY: True} if told else {DATE_TOLD_KEY: False}),
        DATE_PRECISION_KEY: precision,
    }
    session.add(upload)
    session.commit()
