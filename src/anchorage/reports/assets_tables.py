"""The main report's land-and-buildings tables: the register by anchor, type and tenure, the underused asset
review (each anchor's list only where its detail may be shown) and community space matching in sum."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from anchorage.assets.dedupe import collaborative_register, register_summary
from anchorage.assets.matching import match_needs, needs_frame, spaces_frame
from anchorage.assets.review import review_assets
from anchorage.reports.blocks import ReportSection, Table, frame_table
from anchorage.reports.tables import TABLE_TITLES
from anchorage.workspace import Workspace


def assets_tables(ws: Workspace, orgs: set[str] | None = None) -> dict[str, pd.DataFrame]:
    """The tables (empty dict when there are no assets, spaces or needs). `orgs`: the anchors whose review
    list may be shown (None: all, for whoever holds the workspace)."""
    with ws.warehouse(read_only=True) as con:
        register = collaborative_register(con)
    needs, spaces = needs_frame(ws), spaces_frame(ws)
    if register.empty and needs.empty and spaces.empty:
        return {}
    register = register.assign(type=register["asset_type"].fillna(register["services"]))
    out = {
        "assets_by_anchor": register_summary(register, "org"),
        "assets_by_type": register_summary(register, "type"),
        "assets_by_tenure": register_summary(register, "tenure"),
    }
    review = review_assets(ws)
    checked = register.groupby("org").size() if not register.empty else pd.Series(dtype=int)
    flagged = pd.Series([i.org for i in review.items], dtype=object).value_counts()
    out["assets_review_summary"] = pd.DataFrame(
        {
            "org": checked.index,
            "assets": checked.values,
            "flagged": [int(flagged.get(o, 0)) for o in checked.index],
        }
    )
    out["assets_review"] = pd.DataFrame(
        [
            {
                "org": i.org,
                "asset_key": i.asset_key,
                "name": i.name,
                "reasons": "; ".join(i.reasons),
                "decision": i.decision or "",
            }
            for i in review.items
            if orgs is None or i.org in orgs
        ],
        columns=["org", "asset_key", "name", "reasons", "decision"],
    )
    matches = pd.DataFrame(
        [m.__dict__ for m in match_needs(ws)], columns=["need_id", "org", "space_id"]
    )
    anchors = sorted(set(spaces["org"]) | set(matches["org"]))
    out["space_matching"] = pd.DataFrame(
        {
            "org": ["collaborative", *anchors],
            "spaces": [len(spaces), *[int((spaces["org"] == a).sum()) for a in anchors]],
            "needs": [len(needs), *[None] * len(anchors)],
            "matched_needs": [
                matches["need_id"].nunique(),
                *[matches.loc[matches["org"] == a, "need_id"].nunique() for a in anchors],
            ],
        }
    )
    return out


def assets_section(
    tables: Mapping[str, pd.DataFrame], anchors: Mapping[str, str]
) -> ReportSection | None:
    """The report's "Land and buildings" section (each table as it is in the workbook), or None without data."""
    if not tables:
        return None
    pairs: list[tuple[Any, Table | None]] = [
        ("", frame_table(df, list(df.columns), TABLE_TITLES.get(name, name), anchors=anchors))
        for name, df in tables.items()
    ]
    return ReportSection(
        "assets",
        "Land and buildings",
        "The anchors' registers together (a UPRN held by several anchors counted once), the assets the underused "
        "review flags, and how many community groups' needs have a matching space. Definitions are in "
        "docs/assets.md; the map is in the assets report.",
        pairs,
    )
