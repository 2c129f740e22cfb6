"""The assets data boundary: what of the anchors' land and buildings each signed-in user sees and may change.

- The published register (what the Transparency Code has councils publish: identity, address, location,
  tenure, holding, size, energy rating, services, ACV flag), the map over it, co-location candidates, the
  ACV list (a public list by law) and transfer statuses are the collaborative's common ground: every
  signed-in user sees them.
- An anchor's running costs, backlog, occupancy and utilisation, its underused-asset review list and
  decisions are its detail: only users with `viewer.sees_detail(org)`. Everyone sees how many of each
  anchor's assets the review flags (an aggregate).
- Changes (decisions, occupancy, transfers) need an admin or analyst of the anchor; the ACV list is kept by
  the local authority, so nominations and notices need an admin or analyst of a council anchor.
Rules in docs/assets.md ("Who sees what")."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import select

from anchorage.access.accounts import Forbidden
from anchorage.access.gate import Viewer, refuse
from anchorage.assets import community
from anchorage.assets.colocation import colocation_candidates
from anchorage.assets.dedupe import collaborative_register
from anchorage.assets.dedupe import register_summary as summarise
from anchorage.assets.review import ReviewItem, record_decision, review_assets
from anchorage.assets.utilisation import enter_utilisation
from anchorage.core.errors import AnchorageError
from anchorage.core.values import parse_date
from anchorage.reference.boundaries import load_boundaries
from anchorage.store.assets_records import AssetTransfer, Space
from anchorage.workspace import Workspace

PUBLIC = [
    "org",
    "held_by",
    "records",
    "asset_key",
    "uprn",
    "asset_ref",
    "name",
    "address",
    "postcode",
    "asset_type",
    "services",
    "tenure",
    "holding_type",
    "building_m2",
    "gross_floor_m2",
    "land_ha",
    "energy_rating",
    "acv_flag",
    "lat",
    "lon",
    "easting",
    "northing",
    "lsoa",
    "ward",
]
DETAIL = ["occupied_floor_m2", "running_cost", "backlog_maintenance"]
FILTERS = ("org", "type", "tenure", "availability")
NOT_SHARED = "not shared"


def require_editor(viewer: Viewer, org: str | None) -> None:
    """Only an admin or analyst of the anchor changes its assets, spaces and requests."""
    if org is None or not viewer.may("edit-assets", org):
        raise Forbidden(
            f"Only an admin or analyst of {org} can change its assets and spaces.",
            fix="Ask that anchor's admin or analyst.",
        )


def keeps_acv(ws: Workspace, viewer: Viewer) -> bool:
    """The Assets of Community Value list is kept by the local authority (Localism Act 2011, s.87): whether this
    viewer may change it (a council anchor's admin or analyst, per the permission table)."""
    return any(viewer.may("keep-acv", a.slug) for a in ws.config.anchors if a.type == "council")


def require_council_editor(ws: Workspace, viewer: Viewer) -> None:
    if not keeps_acv(ws, viewer):
        raise Forbidden(
            "Only an admin or analyst of the council keeps the Assets of Community Value list.",
            fix="Ask the council's asset team.",
        )


@dataclass
class Filters:
    """Chosen values per filter (empty = all): org, type, tenure, availability."""

    chosen: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, **values: list[str]) -> Filters:
        return cls({k: {v for v in values.get(k) or [] if v} for k in FILTERS})

    def keep(self, row: dict[str, Any]) -> bool:
        return all(
            not want or str(row.get(k) or "unknown") in want for k, want in self.chosen.items()
        )


def _clean(v: Any) -> Any:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT:
        return None
    return v.item() if hasattr(v, "item") else v


def offered_assets(ws: Workspace) -> set[tuple[str, str]]:
    """(anchor, asset key) of assets with an active space offered to community groups (published by the anchor)."""
    with ws.session() as s:
        return {
            (o, str(k))
            for o, k in s.execute(
                select(Space.org, Space.asset_key).where(
                    Space.active.is_(True), Space.asset_key.is_not(None)
                )
            ).all()
        }


def register_rows(ws: Workspace, viewer: Viewer) -> list[dict[str, Any]]:
    """The de-duplicated register as this viewer may see it, with `type` and `availability` filled in.

    Availability: for an anchor whose detail the viewer sees, "available" when the underused review flags
    the asset, else "in use"; for other anchors only what is published: "available" when held vacant or
    offered as a community space, else "not shared"."""
    with ws.warehouse(read_only=True) as con:
        frame = collaborative_register(con)
    flagged = {(i.org, i.asset_key) for i in review_assets(ws).items}
    offered = offered_assets(ws)
    rows = []
    for raw in frame.to_dict("records"):
        r = {k: _clean(raw.get(k)) for k in PUBLIC}
        org = r["org"]
        detail = viewer.sees_detail(org)
        for k in DETAIL:
            r[k] = _clean(raw.get(k)) if detail else None
        r["detail"] = detail
        r["type"] = r["asset_type"] or r["services"]
        vacant = (
            "VACANT" in str(r["holding_type"] or "").upper() or (org, r["asset_key"]) in offered
        )
        if detail:
            r["availability"] = "available" if (org, r["asset_key"]) in flagged else "in use"
        else:
            r["availability"] = "available" if vacant else NOT_SHARED
        rows.append(r)
    return rows


def filter_options(rows: list[dict[str, Any]]) -> dict[str, list[str]]:
    return {k: sorted({str(r.get(k) or "unknown") for r in rows}) for k in FILTERS}


def register_summary(rows: list[dict[str, Any]], by: str) -> list[dict[str, Any]]:
    """Assets, floor area and land area by anchor, type or tenure (published figures: everyone sees them)."""
    frame = summarise(pd.DataFrame(rows), by) if rows else pd.DataFrame()
    return [{k: _clean(v) for k, v in r.items()} for r in frame.to_dict("records")]


def colocation(
    ws: Workspace, rows: list[dict[str, Any]], distance_m: float
) -> list[dict[str, Any]]:
    """Co-location candidates within `distance_m` whose two assets are both among `rows` (the filtered ones)."""
    if not 1 <= distance_m <= 5000:
        raise AnchorageError("Choose a distance from 1 to 5,000 metres.")
    keep = {(r["org"], r["asset_key"]) for r in rows}
    with ws.warehouse(read_only=True) as con:
        pairs = colocation_candidates(con, distance_m)
    return [
        {k: _clean(v) for k, v in p.items()}
        for p in pairs.to_dict("records")
        if (p["org_a"], p["asset_a"]) in keep and (p["org_b"], p["asset_b"]) in keep
    ]


def map_layers(ws: Workspace) -> tuple[dict[str, Any], dict[str, int], dict[str, Any]]:
    """LSOA boundaries, their IMD deciles and the local wards' boundaries, all from the workspace."""
    with ws.warehouse(read_only=True) as con:
        imd = dict(
            con.execute(
                "SELECT lsoa, imd_decile FROM imd WHERE version = ?", [ws.config.imd_version]
            ).fetchall()
        )
        local = [
            c
            for (c,) in con.execute(
                "SELECT code FROM areas WHERE kind = 'ward' AND list_contains(?, parent)",
                [ws.config.place.local],
            ).fetchall()
        ]
        return load_boundaries(con, "lsoa"), imd, load_boundaries(con, "ward", local or None)


@dataclass
class ReviewView:
    items: list[ReviewItem]  # only anchors whose detail the viewer sees
    flagged_by_anchor: dict[str, int]  # every anchor: an aggregate
    checked_by_anchor: dict[str, int]


def review(ws: Workspace, viewer: Viewer) -> ReviewView:
    result = review_assets(ws)
    flagged: dict[str, int] = {}
    for i in result.items:
        flagged[i.org] = flagged.get(i.org, 0) + 1
    with ws.warehouse(read_only=True) as con:
        checked = dict(
            con.execute("SELECT org, count(DISTINCT asset_key) FROM assets GROUP BY org").fetchall()
        )
    return ReviewView([i for i in result.items if viewer.sees_detail(i.org)], flagged, checked)


def decide(
    ws: Workspace, viewer: Viewer, org: str, asset_key: str, decision: str, note: str = ""
) -> None:
    slug = ws.config.anchor(org).slug
    require_editor(viewer, slug)
    record_decision(ws, slug, asset_key, decision, note=note[:2000], decided_by=viewer.email)


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
) -> None:
    require_editor(viewer, org)  # before the anchor look-up: users of no anchor get a plain refusal
    slug = ws.config.anchor(org).slug
    enter_utilisation(
        ws,
        slug,
        asset_key,
        period=period[:40] or dt.date.today().isoformat(),
        occupied_floor_m2=occupied_floor_m2,
        hours_per_week=hours_per_week,
        vacancy_pct=vacancy_pct,
        surplus=surplus,
    )


def own_assets(ws: Workspace, viewer: Viewer) -> list[tuple[str, str]]:
    """(asset key, name) of the viewer's own anchor, for its forms."""
    return [] if viewer.org is None else anchor_assets(ws, viewer.org)


def anchor_assets(ws: Workspace, org: str) -> list[tuple[str, str]]:
    """(asset key, name) of one anchor's assets."""
    with ws.warehouse(read_only=True) as con:
        return [
            (k, n or k)
            for k, n in con.execute(
                "SELECT asset_key, min(name) FROM assets WHERE org = ? GROUP BY asset_key ORDER BY 2, 1",
                [org],
            ).fetchall()
        ]


# Assets of Community Value and community asset transfers ----------------------------------------------
def acv_action(ws: Workspace, viewer: Viewer, action: str, values: dict[str, str]) -> Any:
    """One change to the ACV list: nominate, decide, notice (of disposal) or bid (intent to bid)."""
    require_council_editor(ws, viewer)

    def day(key: str) -> dt.date:
        found = parse_date(values.get(key))
        if found is None:
            raise AnchorageError(
                f"The {key.replace('_', ' ')} is not a date.", fix="Use the form YYYY-MM-DD."
            )
        return found

    def ref(key: str) -> str:
        return (values.get(key) or "").strip()[:64]

    if action == "nominate":
        return community.nominate(
            ws,
            values.get("name", "")[:200],
            nominated_by=values.get("nominated_by", "")[:200],
            nominated_on=day("nominated_on"),
            address=values.get("address", "")[:500],
        )
    if action == "decide":
        return community.decide_nomination(
            ws,
            ref("acv_id"),
            listed=values.get("listed") == "yes",
            decided_on=day("decided_on"),
            note=values.get("note", "")[:2000],
        )
    if action == "notice":
        return community.notify_disposal(ws, ref("acv_id"), notified_on=day("notified_on"))
    if action == "bid":
        return community.intent_to_bid(
            ws, ref("notice_id"), group=values.get("group", "")[:200], on=day("on")
        )
    raise AnchorageError(f'"{action}" is not something we do to the ACV list.')


def transfer_action(ws: Workspace, viewer: Viewer, values: dict[str, str]) -> AssetTransfer:
    """Propose a community asset transfer of an anchor's asset (`org`, else the viewer's own anchor), or move one
    to its next status; the transfer as it now is."""
    if values.get("transfer_id"):
        tid = values["transfer_id"].strip()[:64]
        row = next((t for t in community.transfers(ws) if t.id == tid), None)
        if row is None or not viewer.may("edit-assets", row.org):  # one answer for both
            refuse(ws, viewer, "asset transfer", tid, "missing" if row is None else f"of {row.org}")
        return community.advance_transfer(
            ws, tid, values.get("status", ""), note=values.get("note", "")[:2000]
        )
    named = values.get("org", "").strip()
    org = ws.config.anchor(named).slug if named else viewer.org
    if org is None or not viewer.may("edit-assets", org):
        raise Forbidden(
            "Only an admin or analyst of the anchor that holds the asset can propose its transfer.",
            fix="Ask that anchor's admin or analyst.",
        )
    key = values.get("asset_key", "")
    if key not in dict(anchor_assets(ws, org)):
        raise AnchorageError(f'{org} has no asset "{key}".', fix="Choose one of its assets.")
    recipient = values.get("recipient", "").strip()[:200]
    if not recipient:
        raise AnchorageError("Name the community organisation the asset would transfer to.")
    return community.propose_transfer(
        ws, org, key, recipient=recipient, terms=values.get("terms", "")
    )
