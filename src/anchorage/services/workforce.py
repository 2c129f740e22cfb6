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
from anchorage.access.bid_queries import lists_starts, sees_pledge
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
    "calendars_file",
    "can_transfer_levy",
    "ledger_file",
    "levy_transfer",
    "programme_status",
    "programmes",
    "replan",
]


def programmes(ws: Workspace) -> dict[str, EmploymentProgramme]:
    return load_programmes(ws)


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


def calendars_file(ws: Workspace, viewer: Viewer, out: Path, *, ip: str | None = None) -> Path:
    """The rotation calendars of the anchors whose detail this viewer sees, as XLSX."""
    path = write_calendars(ws, out, orgs=set(viewer.detail_orgs))
    exported(ws, viewer, "rotation calendar", ip=ip)
    return path


def ledger_file(ws: Workspace, viewer: Viewer, out: Path, *, ip: str | None = None) -> Path:
    path = export_ledger(wq.levy(ws, viewer).ledger, out)
    exported(ws, viewer, "levy ledger", ip=ip)
    return path


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
    """The bid pack in one format: totals over every pledge, the pledges listed only of anchors this viewer sees."""
    _, paths = build_bid_pack(
        ws,
        out_dir,
        programme,
        bid_date,
        visible=lambda org: sees_pledge(viewer, org),
        known=lambda org: lists_starts(viewer, org),
    )
    exported(ws, viewer, f"bid pack ({fmt})", ip=ip)
    return paths[fmt]
