"""The workforce working group's services: apprenticeship re-plans, the levy pool's transfers, the collective bid
pack and the files people download, for the web and the command line alike.

The boundary (suppression, whose apprentices and pledges a viewer sees) is in access/workforce_queries.py and
access/bid_queries.py; permissions come from the one table (`Viewer.may`); every change and download is audited
here."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from anchorage.access import workforce_queries as wq
from anchorage.access.accounts import Forbidden
from anchorage.access.bid_queries import BidView, lists_starts, sees_pledge
from anchorage.access.bid_queries import bid as bid_view
from anchorage.access.gate import Viewer
from anchorage.core.scope import COLLABORATIVE
from anchorage.services.common import audited
from anchorage.services.procurement import exported
from anchorage.workforce.apprenticeships import write_calendars
from anchorage.workforce.bid_entry import LABELS, OUTCOMES
from anchorage.workforce.bid_io import build_bid_pack
from anchorage.workforce.he_partners import KINDS
from anchorage.workforce.levy import Commitment
from anchorage.workforce.levy_io import export_ledger
from anchorage.workforce.profile import INDICATORS
from anchorage.workforce.programmes import EmploymentProgramme, load_programmes
from anchorage.workforce.programmes import new_programme as copy_programme
from anchorage.workforce.programmes import status as programme_status
from anchorage.workspace import Workspace

__all__ = [
    "COLLABORATIVE",
    "INDICATORS",
    "KINDS",
    "LABELS",
    "OUTCOMES",
    "Commitment",
    "EmploymentProgramme",
    "audited",
    "bid_pack",
    "bid_packs",
    "bid_view",
    "calendars_file",
    "can_transfer_levy",
    "ledger_file",
    "levy",
    "levy_transfer",
    "new_programme",
    "programme_status",
    "programmes",
    "replan",
]


def programmes(ws: Workspace) -> dict[str, EmploymentProgramme]:
    return load_programmes(ws)


def new_programme(ws: Workspace, viewer: Viewer, new_id: str, from_id: str) -> Path:
    """Copy a programme's rules into the workspace as a template to edit (the collaborative's: its admin, or the
    local operator); audited."""
    if not viewer.may("edit-programmes"):
        raise Forbidden(
            "Only the collaborative admin can add an employment programme's rules.",
            fix="Ask the collaborative admin.",
        )
    path = copy_programme(ws, new_id, from_id)
    audited(ws, viewer, "programme-added", detail={"programme": new_id, "from": from_id})
    return path


def replan(
    ws: Workspace,
    viewer: Viewer,
    *,
    dropout: str,
    placement: str,
    from_month: dt.date,
    ip: str | None = None,
) -> dict[str, Any]:
    """Record a dropout or a withdrawn placement and re-plan the rotations (the boundary refuses other anchors')."""
    result = wq.replan(
        ws, viewer, dropout=dropout, placement=placement, from_month=from_month, ip=ip
    )
    audited(
        ws,
        viewer,
        "replan",
        org=viewer.org,
        ip=ip,
        detail={"apprentice": dropout, "placement": placement, "status": result["status"]},
    )
    return result


def can_transfer_levy(viewer: Viewer) -> bool:
    return viewer.org is not None and viewer.may("transfer-levy", viewer.org)


def levy_transfer(
    ws: Workspace, viewer: Viewer, transfer: Commitment, *, ip: str | None = None
) -> None:
    """A transfer out of an anchor's levy funds (its own admin), within the year's cap."""
    wq.add_transfer(ws, viewer, transfer)
    audited(
        ws,
        viewer,
        "levy-transfer",
        org=transfer.org,
        ip=ip,
        detail={"recipient": transfer.recipient, "total_price": str(transfer.total_price)},
    )


def calendars_file(
    ws: Workspace,
    viewer: Viewer,
    out: Path,
    plan_id: int | None = None,
    *,
    ip: str | None = None,
) -> Path:
    """The rotation calendars (of the latest plan, or `plan_id`) of the anchors whose detail this viewer sees, as
    XLSX; audited as an export."""
    path = write_calendars(ws, out, plan_id, orgs=set(viewer.detail_orgs))
    exported(ws, viewer, "rotation calendar", ip=ip)
    return path


def levy(ws: Workspace, viewer: Viewer, as_at: dt.date | None = None) -> wq.LevyView:
    """The levy pool: tax-year totals, caps and warnings for all; ledger lines and commitments of the anchors whose
    detail this viewer sees."""
    return wq.levy(ws, viewer, as_at)


def ledger_file(
    ws: Workspace,
    viewer: Viewer,
    out: Path,
    as_at: dt.date | None = None,
    *,
    ip: str | None = None,
) -> Path:
    """The ledger lines this viewer sees (with every cap and warning) as XLSX or CSV; audited as an export."""
    path = export_ledger(wq.levy(ws, viewer, as_at).ledger, out)
    exported(ws, viewer, "levy ledger", ip=ip)
    return path


def bid_packs(
    ws: Workspace,
    viewer: Viewer,
    out_dir: Path,
    programme: str | None,
    bid_date: dt.date | None,
    *,
    ip: str | None = None,
    what: str = "bid pack",
) -> tuple[BidView, dict[str, Path]]:
    """The bid pack (XLSX, HTML, PDF): totals over every pledge, the pledges listed only of anchors this viewer
    sees; with the bid as this viewer sees it. Audited as an export."""
    view = bid_view(ws, viewer, programme, bid_date)
    _, paths = build_bid_pack(
        ws,
        out_dir,
        programme,
        bid_date,
        visible=lambda org: sees_pledge(viewer, org),
        known=lambda org: lists_starts(viewer, org),
    )
    exported(ws, viewer, what, ip=ip)
    return view, paths


def bid_pack(
    ws: Workspace,
    viewer: Viewer,
    out_dir: Path,
    fmt: str,
    programme: str | None,
    bid_date: dt.date | None,
    *,
    ip: str | None = None,
) -> Path:
    """The bid pack in one format (see `bid_packs`)."""
    return bid_packs(ws, viewer, out_dir, programme, bid_date, ip=ip, what=f"bid pack ({fmt})")[1][
        fmt
    ]
