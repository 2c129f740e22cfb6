"""Assets of Community Value and community asset transfers (Localism Act 2011, Part 5 Chapter 3).

Dates follow the Act and the Assets of Community Value (England) Regulations 2012 (SI 2012/2421):
- a nomination is decided within 8 weeks of receipt (reg. 7);
- a listing lasts 5 years from entry on the list (reg. 2(b));
- after an owner's notice of intended disposal (s.95(2)) the interim moratorium is 6 weeks, the full
  moratorium 6 months if a community interest group asks to be treated as a bidder in the interim period,
  and the protected period 18 months, each "beginning with" the date of notice (s.95(6)).
A period "beginning with" a day includes that day, so it ends the day before the same date n later."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from anchorage.assets.choices import TERMS
from anchorage.core.errors import AnchorageError
from anchorage.core.periods import add_months
from anchorage.store.assets_records import AcvListing, AssetTransfer, DisposalNotice
from anchorage.workspace import Workspace

TRANSFER_STEPS: dict[str, tuple[str, ...]] = {
    "proposed": ("expression-of-interest", "withdrawn"),
    "expression-of-interest": ("business-case", "withdrawn", "refused"),
    "business-case": ("approved", "refused", "withdrawn"),
    "approved": ("completed", "withdrawn"),
    "completed": (),
    "refused": (),
    "withdrawn": (),
}


def period_end(start: dt.date, *, weeks: int = 0, months: int = 0) -> dt.date:
    """Last day of a period of `weeks` or `months` beginning with `start` (inclusive)."""
    return (
        start + dt.timedelta(weeks=weeks) if weeks else add_months(start, months)
    ) - dt.timedelta(days=1)


def nominate(
    ws: Workspace,
    name: str,
    *,
    nominated_by: str,
    nominated_on: dt.date,
    address: str = "",
    org: str | None = None,
    asset_key: str | None = None,
) -> AcvListing:
    """Record a community nomination of land as an Asset of Community Value; the decision is due in 8 weeks."""
    if not name.strip() or not nominated_by.strip():
        raise AnchorageError("A nomination needs the asset's name and who nominated it.")
    row = AcvListing(
        name=name.strip(),
        address=address,
        nominated_by=nominated_by.strip(),
        nominated_on=nominated_on,
        decision_due=nominated_on + dt.timedelta(weeks=8),
        org=ws.config.anchor(org).slug if org else None,
        asset_key=asset_key,
        status="nominated",
    )
    with ws.session() as s:
        s.add(row)
        s.commit()
    return row


def decide_nomination(
    ws: Workspace, acv_id: str, *, listed: bool, decided_on: dt.date, note: str = ""
) -> AcvListing:
    """List the asset (for 5 years) or record the nomination as unsuccessful."""
    with ws.session() as s:
        row = s.get(AcvListing, acv_id)
        if row is None:
            raise AnchorageError(f"There is no ACV nomination {acv_id}.")
        if row.status != "nominated":
            raise AnchorageError(f"Nomination {acv_id} was already decided ({row.status}).")
        if decided_on < row.nominated_on:
            raise AnchorageError("The decision date is before the nomination date.")
        row.status, row.decided_on, row.note = (
            ("listed" if listed else "unsuccessful"),
            decided_on,
            note,
        )
        row.expires_on = period_end(decided_on, months=60) if listed else None
        s.commit()
        return row


def notify_disposal(ws: Workspace, acv_id: str, *, notified_on: dt.date) -> DisposalNotice:
    """The owner's notice of intended disposal: starts the interim moratorium and the protected period."""
    with ws.session() as s:
        acv = s.get(AcvListing, acv_id)
        if acv is None or acv.status != "listed":
            raise AnchorageError(f"ACV {acv_id} is not a listed asset, so no moratorium applies.")
        if acv.expires_on and notified_on > acv.expires_on:
            raise AnchorageError(
                f"The listing of ACV {acv_id} expired on {acv.expires_on:%d %B %Y}."
            )
        notice = DisposalNotice(
            acv_id=acv_id,
            notified_on=notified_on,
            interim_ends=period_end(notified_on, weeks=6),
            full_ends=period_end(notified_on, weeks=6),
            protected_ends=period_end(notified_on, months=18),
        )
        s.add(notice)
        s.commit()
        return notice


def intent_to_bid(ws: Workspace, notice_id: str, *, group: str, on: dt.date) -> DisposalNotice:
    """A community interest group's written request to be a bidder: in the interim period it extends the
    moratorium to 6 months from the notice; after it, it changes nothing (and is refused here)."""
    with ws.session() as s:
        notice = s.get(DisposalNotice, notice_id)
        if notice is None:
            raise AnchorageError(f"There is no disposal notice {notice_id}.")
        if not notice.notified_on <= on <= notice.interim_ends:
            raise AnchorageError(
                f"An intent to bid must arrive in the interim moratorium "
                f"({notice.notified_on:%d %B %Y} to {notice.interim_ends:%d %B %Y})."
            )
        if notice.intent_to_bid_on is None:
            notice.intent_to_bid_on, notice.intent_from = on, group
            notice.full_ends = period_end(notice.notified_on, months=6)
        s.commit()
        return notice


@dataclass
class AcvStatus:
    id: str
    name: str
    status: str
    decision_due: dt.date | None
    expires_on: dt.date | None
    moratorium_ends: dt.date | None
    protected_ends: dt.date | None
    note: str
    notice_id: str | None = (
        None  # the live disposal notice, which a community group's intent to bid names
    )


def acv_register(ws: Workspace, *, today: dt.date | None = None) -> list[AcvStatus]:
    """Every nomination and listing with its state today (a listing past its 5 years shows as expired)."""
    today = today or dt.date.today()
    out = []
    with ws.session() as s:
        for acv in s.scalars(
            select(AcvListing).order_by(AcvListing.nominated_on, AcvListing.name, AcvListing.id)
        ):
            status = (
                "expired"
                if acv.status == "listed" and acv.expires_on and acv.expires_on < today
                else acv.status
            )
            notice = s.scalars(
                select(DisposalNotice)
                .where(DisposalNotice.acv_id == acv.id)
                .order_by(DisposalNotice.notified_on.desc())
            ).first()
            live = notice is not None and notice.protected_ends >= today
            note = ""
            if status == "nominated" and today > acv.decision_due:
                note = "decision overdue"
            elif live and notice is not None and notice.full_ends >= today:
                note = "moratorium: the owner may not dispose of it yet"
            out.append(
                AcvStatus(
                    acv.id,
                    acv.name,
                    status,
                    acv.decision_due if status == "nominated" else None,
                    acv.expires_on,
                    notice.full_ends if live and notice else None,
                    notice.protected_ends if live and notice else None,
                    note,
                    notice.id if live and notice else None,
                )
            )
    return out


def propose_transfer(
    ws: Workspace, org: str, asset_key: str, *, recipient: str, terms: str
) -> AssetTransfer:
    if terms not in TERMS:
        raise AnchorageError(
            f'"{terms}" is not a transfer term.', fix=f"Use one of: {', '.join(TERMS)}."
        )
    row = AssetTransfer(
        org=ws.config.anchor(org).slug,
        asset_key=asset_key,
        recipient=recipient,
        terms=terms,
        status="proposed",
        history=[{"status": "proposed", "at": dt.date.today().isoformat()}],
    )
    with ws.session() as s:
        s.add(row)
        s.commit()
    return row


def advance_transfer(
    ws: Workspace, transfer_id: str, status: str, *, note: str = ""
) -> AssetTransfer:
    """Move a transfer to its next status (see TRANSFER_STEPS); other moves are refused."""
    with ws.session() as s:
        row = s.get(AssetTransfer, transfer_id)
        if row is None:
            raise AnchorageError(f"There is no asset transfer {transfer_id}.")
        nxt = TRANSFER_STEPS[row.status]
        if status not in nxt:
            raise AnchorageError(
                f"Transfer {transfer_id} is {row.status}; it cannot move to {status} "
                f"(next: {', '.join(nxt) or 'none, it is closed'})."
            )
        row.status = status
        row.updated_at = dt.datetime.now(dt.UTC)
        row.history = [
            *row.history,
            {"status": status, "note": note, "at": row.updated_at.isoformat()},
        ]
        s.commit()
        return row


def transfers(ws: Workspace) -> list[AssetTransfer]:
    with ws.session() as s:
        return list(
            s.scalars(select(AssetTransfer).order_by(AssetTransfer.created_at, AssetTransfer.id))
        )
