"""The land and buildings register as one table (access/table.py): the assets a viewer may see, after the
register's own filters (anchor, type, tenure, availability), searched, sorted, paged and exported from the URL.
Running costs and backlog are only ever those of anchors whose detail the viewer sees (assets_views)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from anchorage.access.table import Column, TableSpec

REGISTER = TableSpec(
    name="Land and buildings",
    columns=(
        Column("asset", "Asset"),
        Column("held_by", "Held by"),
        Column("uprn", "UPRN"),
        Column("address", "Address"),
        Column("type", "Type"),
        Column("tenure", "Tenure"),
        Column("floor_m2", "Floor m²", "int"),
        Column("energy_rating", "EPC"),
        Column("availability", "Availability"),
        Column("running_cost", "Running cost", "money"),
        Column("backlog_maintenance", "Backlog", "money"),
    ),
    default_sort="asset",
    tie=("org", "asset_key"),
    search=("asset", "held_by", "uprn", "address", "type"),
)


def table_rows(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """register_rows as the table shows them: one name, one address and one floor area per asset."""
    return [
        {
            **r,
            "asset": r.get("name") or r.get("asset_key"),
            "address": " ".join(str(v) for v in (r.get("address"), r.get("postcode")) if v),
            "floor_m2": r.get("gross_floor_m2") or r.get("building_m2"),
        }
        for r in rows
    ]


REVIEW = TableSpec(
    name="Underused assets",
    columns=(
        Column("asset", "Asset"),
        Column("anchor", "Anchor", "anchor", filter="equals"),
        Column("why", "Why"),
        Column("decision", "Decision so far", filter="equals"),
    ),
    default_sort="anchor",
    tie=("anchor", "asset", "asset_key"),
    search=("asset", "why", "decision"),
)


def review_rows(items: Sequence[Any]) -> list[dict[str, Any]]:
    """The underused review's flagged assets (assets.review.ReviewItem, already gated) as the table shows them."""
    return [
        {
            "n": n,
            "asset": i.name or i.asset_key,
            "asset_key": i.asset_key,
            "anchor": i.org,
            "org": i.org,
            "why": "; ".join(i.reasons),
            "decision": i.decision,
            "decision_note": i.decision_note,
        }
        for n, i in enumerate(items, start=1)
    ]
