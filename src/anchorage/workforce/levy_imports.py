"""The levy's files as import kinds: monthly pay bills, and commitments and transfers (refused whole when its
transfers would take a tax year over the cap)."""

from __future__ import annotations

from decimal import Decimal
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session

from anchorage.ingest.record_files import (
    BulkRows,
    Check,
    FileColumn,
    RecordsKind,
    Row,
    replace_rows,
)
from anchorage.store.workforce_records import LevyCommitment, LevyPayBill
from anchorage.workforce.import_common import duplicate, positive, sql_in, where_anchor
from anchorage.workforce.levy import Commitment, PayBill, check_caps, levy_ledger
from anchorage.workforce.settings import workforce_settings
from anchorage.workspace import Workspace

RECIPIENT_TYPES = ("own", "anchor", "small-employer")


def _paybill_write(session: Session, scope: set[str], rows: BulkRows) -> set[str]:
    return replace_rows(session, LevyPayBill, where_anchor(LevyPayBill.org, scope), rows)


def paybill_kind(ws: Workspace) -> RecordsKind:
    return RecordsKind(
        "levy-paybill",
        "pay bills",
        [
            FileColumn("month", "month"),
            FileColumn("pay_bill", "money"),
            FileColumn("english_share", "money", required=False),
        ],
        _paybill_write,
        LevyPayBill,
        money="pay_bill",
        bulk={
            "org": "_anchor",
            "month": '"month"',
            "pay_bill": '"pay_bill"',
            "english_share": 'coalesce("english_share", 1)',
        },
        checks=[
            positive("pay_bill", "pay bill", zero_ok=True),
            Check(
                '"english_share" < 0 OR "english_share" > 1',
                """'english share "' || "english_share_raw" || '" is not between 0 and 1'""",
                "english_share",
            ),
            duplicate('_anchor, "month"', "the anchor's pay bill for this month", "month"),
        ],
        key=("month",),
    )


def _commitment(r: Row) -> Commitment:
    recipient = r["recipient"] or ""
    kind = (r["recipient_type"] or ("small-employer" if recipient else "own")).lower()
    return Commitment(
        r["_anchor"],
        r["apprentice"],
        r["start_month"],
        r["duration_months"],
        r["total_price"],
        recipient,
        kind,
    )


def _check_caps(ws: Workspace, scope: set[str], rows: list[Row]) -> None:
    """Refuse the file (nothing saved) when its transfers would take a tax year over the cap."""
    with ws.session() as s:
        bills = [
            PayBill(b.org, b.month, Decimal(b.pay_bill), Decimal(b.english_share))
            for b in s.scalars(select(LevyPayBill))
        ]
        kept = [
            Commitment(
                c.org,
                c.apprentice_ref,
                c.start_month,
                c.duration_months,
                Decimal(c.total_price),
                c.recipient,
                c.recipient_type,
            )
            for c in s.scalars(
                select(LevyCommitment).where(LevyCommitment.org.not_in(sorted(scope)))
            )
        ]
    check_caps(
        levy_ledger(bills, kept + [_commitment(r) for r in rows], workforce_settings(ws.config))
    )


def _commitment_write(session: Session, scope: set[str], rows: list[Row]) -> set[str]:
    new = []
    for r in rows:
        c = _commitment(r)
        new.append(
            {
                "org": c.org,
                "apprentice_ref": c.apprentice_ref,
                "recipient": c.recipient,
                "recipient_type": c.recipient_type,
                "start_month": c.start_month,
                "duration_months": c.duration_months,
                "total_price": c.total_price,
                "upload_id": r["upload_id"],
            }
        )
    # An anchor's commitments file replaces all its commitments (transfers entered on the web included), as
    # loading commitments always has; other anchors' commitments are untouched.
    return replace_rows(session, LevyCommitment, where_anchor(LevyCommitment.org, scope), new)


def commitments_kind(ws: Workspace) -> RecordsKind:
    return RecordsKind(
        "levy-commitments",
        "levy commitments",
        [
            FileColumn("apprentice"),
            FileColumn("start_month", "month"),
            FileColumn("duration_months", "int"),
            FileColumn("total_price", "money"),
            FileColumn("recipient", required=False),
            FileColumn("recipient_type", required=False),
        ],
        _commitment_write,
        LevyCommitment,
        money="total_price",
        checks=[
            positive("duration_months", "duration months"),
            positive("total_price", "total price"),
            Check(
                f'"recipient_type" IS NOT NULL AND lower("recipient_type") NOT IN {sql_in(RECIPIENT_TYPES)}',
                f"""'recipient type "' || "recipient_type" || '" is not one of {", ".join(RECIPIENT_TYPES)}'""",
                "recipient_type",
            ),
        ],
        before_write=partial(_check_caps, ws),
    )
