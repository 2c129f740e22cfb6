"""The assets working group's services: the register, the map, the underused-asset review and its decisions,
occupancy, Assets of Community Value and community asset transfers, for the web and the command line alike.

Each call takes the `Viewer` it acts for; the boundary (what of an anchor's assets they see) is in
access/assets_views.py, the permissions come from the one table (`Viewer.may`), and every change is audited here.
"""

from __future__ import annotations

from typing import Any

from anchorage.access import assets_views as av
from anchorage.access.gate import Viewer
from anchorage.assets.community import TERMS, TRANSFER_STEPS, acv_register, transfers
from anchorage.assets.review import DECISIONS
from anchorage.services.common import audited
from anchorage.store.assets_records import AssetTransfer
from anchorage.workspace import Workspace

FILTERS = av.FILTERS
Filters = av.Filters
ReviewView = av.ReviewView
register_rows = av.register_rows
filter_options = av.filter_options
register_summary = av.register_summary
colocation = av.colocation
map_layers = av.map_layers
review = av.review
own_assets = av.own_assets
keeps_acv = av.keeps_acv

__all__ = [
    "DECISIONS",
    "FILTERS",
    "TERMS",
    "TRANSFER_STEPS",
    "Filters",
    "ReviewView",
    "acv_register",
    "colocation",
    "decide",
    "filter_options",
    "keeps_acv",
    "map_layers",
    "own_assets",
    "record_occupancy",
    "register_rows",
    "register_summary",
    "review",
    "transfer_action",
    "transfers",
]


def decide(
    ws: Workspace,
    viewer: Viewer,
    org: str,
    asset_key: str,
    decision: str,
    note: str = "",
    *,
    ip: str | None = None,
) -> None:
    """Record a review decision on one of the anchor's assets (its admin or analyst, or the local operator)."""
    av.decide(ws, viewer, org, asset_key, decision, note)
    audited(
        ws,
        viewer,
        "asset-decision",
        org=ws.config.anchor(org).slug,
        ip=ip,
        detail={"asset_key": asset_key[:80], "decision": decision},
    )


def record_occupancy(
    ws: Workspace,
    viewer: Viewer,
    org: str,
    asset_key: str,
    *,
    period: str,
    occupied_floor_m2: float | None,
    hours_per_week: float | None,
    vacancy_pct: float | None,
    surplus: bool | None,
    ip: str | None = None,
) -> None:
    av.record_occupancy(
        ws,
        viewer,
        org,
        asset_key,
        period=period,
        occupied_floor_m2=occupied_floor_m2,
        hours_per_week=hours_per_week,
        vacancy_pct=vacancy_pct,
        surplus=surplus,
    )
    audited(
        ws,
        viewer,
        "asset-occupancy",
        org=ws.config.anchor(org).slug,
        ip=ip,
        detail={"asset_key": asset_key[:80], "period": period[:40]},
    )


def acv_action(
    ws: Workspace, viewer: Viewer, action: str, values: dict[str, str], *, ip: str | None = None
) -> Any:
    """One change to the ACV list (nominate, decide, notice, bid) by a council's admin or analyst; the changed row."""
    row = av.acv_action(ws, viewer, action, values)
    audited(
        ws,
        viewer,
        f"acv-{action}"[:40],
        org=viewer.org,
        ip=ip,
        detail={k: v[:80] for k, v in values.items() if k in ("acv_id", "notice_id", "name")},
    )
    return row


def transfer_action(
    ws: Workspace, viewer: Viewer, values: dict[str, str], *, ip: str | None = None
) -> AssetTransfer:
    """Propose a community asset transfer (of `org`'s asset, else the viewer's anchor's) or move one on; audited."""
    row = av.transfer_action(ws, viewer, values)
    audited(
        ws,
        viewer,
        "asset-transfer",
        org=row.org,
        ip=ip,
        detail={"transfer_id": row.id, "asset_key": row.asset_key[:80], "status": row.status},
    )
    return row
