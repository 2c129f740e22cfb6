"""The collective bid through the gate. A pledge entered by an anchor's user is that anchor's detail (employer,
numbers, wage, contact, starts): only users who see its detail get it; the collaborative's own list (loaded by
file, org "") is open to every signed-in user, as are the totals towards the threshold and the suppressed
starts and outcomes. Only an anchor's admin or analyst enters, withdraws and records starts in its pledges."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import select

from anchorage.access.accounts import Forbidden
from anchorage.access.gate import Viewer, refuse
from anchorage.store.workforce_records import BidStart, Pledge
from anchorage.workforce import bid_entry
from anchorage.workforce.bid import BidSummary, PledgeCheck
from anchorage.workforce.bid_io import starts_and_outcomes, workspace_bid
from anchorage.workspace import Workspace


def sees_pledge(viewer: Viewer, org: str) -> bool:
    return org == "" or viewer.sees_detail(org)


def lists_starts(viewer: Viewer, org: str) -> bool:
    """The young people's starts in a pledge (reference, date, outcome) are listed only to the anchor that
    entered it (the collaborative's own list: to the collaborative admin), never to anchors it shares with."""
    return viewer.may("see-starts", org) if org else viewer.may("see-collaborative-starts")


def starts_table(ws: Workspace, viewer: Viewer) -> pd.DataFrame:
    """Starts and outcomes by employer as this viewer may see them: suppressed together with what they know."""
    return starts_and_outcomes(
        ws, lambda org: sees_pledge(viewer, org), lambda org: lists_starts(viewer, org)
    )


def can_pledge(viewer: Viewer) -> bool:
    """Whether this viewer enters pledges (for their own anchor: the local operator and the collaborative admin
    belong to none)."""
    return viewer.org is not None and viewer.may("pledge", viewer.org)


@dataclass
class BidView:
    summary: BidSummary  # every pledge: the totals are open to all
    checks: list[PledgeCheck]  # the pledges this viewer sees, with their reasons
    pledged: list[tuple[str, int]]  # placements by employer (seen) or "through <anchor>" (not seen)
    pledges: list[Pledge] = field(default_factory=list)  # seen
    starts: list[BidStart] = field(
        default_factory=list
    )  # in this viewer's own pledges (`lists_starts`)
    editable: set[str] = field(
        default_factory=set
    )  # pledge ids this viewer may withdraw and record starts in


def bid(
    ws: Workspace, viewer: Viewer, programme: str | None = None, bid_date: dt.date | None = None
) -> BidView:
    summary = workspace_bid(ws, programme, bid_date)
    pledges, starts = bid_entry.pledges_and_starts(ws)
    org_of = {p.id: p.org for p in pledges}
    names = {a.slug: a.name for a in ws.config.anchors}
    totals: dict[str, int] = {}
    for c in summary.checks:
        org = org_of.get(c.pledge_id, "")
        key = c.employer if sees_pledge(viewer, org) else f"Pledged through {names.get(org, org)}"
        totals[key] = totals.get(key, 0) + c.placements
    seen = [p for p in pledges if sees_pledge(viewer, p.org)]
    seen_ids = {p.id for p in seen}
    mine = {p.id for p in seen if can_pledge(viewer) and p.org == viewer.org}
    return BidView(
        summary,
        [c for c in summary.checks if c.pledge_id in seen_ids],
        sorted(totals.items(), key=lambda kv: (-kv[1], kv[0])),
        seen,
        [
            s
            for s in starts
            if s.pledge_id in seen_ids and lists_starts(viewer, org_of[s.pledge_id])
        ],
        mine,
    )


def _require_own(
    ws: Workspace,
    viewer: Viewer,
    pledge_id: str,
    *,
    what: str = "pledge",
    ref: object = None,
    ip: str | None = None,
) -> None:
    """A pledge this viewer may change. A missing pledge and one they cannot see get the same refusal (for a
    start: one whose pledge's starts are not listed to them)."""
    with ws.session() as s:
        org = s.scalar(select(Pledge.org).where(Pledge.id == pledge_id)) if pledge_id else None
    seen = sees_pledge if what == "pledge" else lists_starts
    if org is None or not seen(viewer, org):
        refuse(
            ws,
            viewer,
            what,
            pledge_id if ref is None else ref,
            "missing" if org is None else f"belongs to {org}",
            ip=ip,
        )
    if not (viewer.may("pledge", org) and viewer.org == org):
        raise Forbidden(
            "Only an admin or analyst of the anchor that entered this pledge can change it.",
            fix="Ask that anchor; the collaborative's own list changes by loading its file again.",
        )


def add_pledge(ws: Workspace, viewer: Viewer, values: dict[str, Any]) -> PledgeCheck:
    if not can_pledge(viewer):
        raise Forbidden(
            "Only an anchor's admin or analyst can enter a pledge.", fix="Ask your anchor admin."
        )
    return bid_entry.add_pledge(ws, viewer.org or "", values)


def withdraw_pledge(
    ws: Workspace, viewer: Viewer, pledge_id: str, *, ip: str | None = None
) -> None:
    _require_own(ws, viewer, pledge_id, ip=ip)
    bid_entry.withdraw_pledge(ws, pledge_id)


def record_start(
    ws: Workspace, viewer: Viewer, pledge_id: str, values: dict[str, Any], *, ip: str | None = None
) -> str:
    _require_own(ws, viewer, pledge_id, ip=ip)
    return bid_entry.record_start(ws, pledge_id, values)


def record_outcome(
    ws: Workspace,
    viewer: Viewer,
    start_id: str,
    outcome: str,
    outcome_date: str,
    *,
    ip: str | None = None,
) -> None:
    with ws.session() as s:
        pledge_id = s.scalar(select(BidStart.pledge_id).where(BidStart.id == start_id))
    _require_own(ws, viewer, pledge_id or "", what="start", ref=start_id, ip=ip)
    bid_entry.record_outcome(ws, start_id, outcome, outcome_date)
