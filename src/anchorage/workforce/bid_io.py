"""Collective bids in the workspace: load pledges and starts, check, aggregate, write the bid pack."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select

from anchorage.ingest.result import ImportSummary
from anchorage.store.workforce_records import BidStart, Pledge
from anchorage.workforce.bid import BidSummary, summarise_bid, write_bid_pack
from anchorage.workforce.imports import import_pledges, import_starts
from anchorage.workforce.inputs import Column
from anchorage.workforce.settings import workforce_settings
from anchorage.workforce.suppression import SuppressionRule, suppress
from anchorage.workspace import Workspace

# A pledge entered on the web is parsed with these (one record; files go through workforce.imports).
PLEDGE_COLUMNS = [Column("programme", required=False), Column("employer"),
                  Column("company_number", required=False, aliases=("companies house number",)),
                  Column("charity_number", required=False), Column("role"), Column("placements", "int"),
                  Column("hours_per_week", "money", aliases=("hours",)),
                  Column("hourly_wage", "money", aliases=("wage",)), Column("duration_months", "int"),
                  Column("location", required=False), Column("additionality", "flag"),
                  Column("contact", required=False), Column("pledged_on", "date", aliases=("date",))]


def pledge_fields(r: dict[str, Any]) -> dict[str, Any]:
    return {**r, "programme": (r["programme"] or "kickstart").lower(), "company_number": r["company_number"] or "",
            "charity_number": r["charity_number"] or "", "location": r["location"] or "", "contact": r["contact"] or "",
            "hours_per_week": float(r["hours_per_week"])}


def load_pledges(ws: Workspace, path: Path, org: str | None = None, **options: Any) -> ImportSummary:
    """Pledges loaded by file: the collaborative's own list (no `org` and no anchor column), an anchor's, or
    the anchors a file names; each replaces only those. Pledges entered on the web are kept."""
    return import_pledges(ws, path, org, **options)


def load_starts(ws: Workspace, path: Path, org: str | None = None, **options: Any) -> ImportSummary:
    """Starts and outcomes in the pledges of the same list (matched by employer and role)."""
    return import_starts(ws, path, org, **options)


def workspace_bid(ws: Workspace, programme: str = "kickstart", bid_date: dt.date | None = None) -> BidSummary:
    with ws.session() as session:
        return summarise_bid(list(session.scalars(select(Pledge))), programme, bid_date)


def starts_and_outcomes(ws: Workspace, visible: Callable[[str], bool] | None = None) -> pd.DataFrame:
    """Starts per employer by outcome: counts of young people, so suppressed. Employers in pledges whose anchor
    `visible` rejects are grouped as "pledged through <anchor>"."""
    anchors = {a.slug: a.name for a in ws.config.anchors}
    with ws.session() as session:
        names = {p.id: p.employer if visible is None or visible(p.org) else
                 f"pledged through {anchors.get(p.org, p.org)}" for p in session.scalars(select(Pledge))}
        starts = [(names[s.pledge_id], s.outcome) for s in session.scalars(select(BidStart))]
    if not starts:
        return pd.DataFrame(columns=["employer"])
    table = pd.crosstab(pd.Series([e for e, _ in starts], name="employer"), pd.Series([o for _, o in starts],
                                                                                      name="outcome"))
    s = workforce_settings(ws.config)
    out = suppress(table.values.tolist(), SuppressionRule(s.suppression_threshold, s.round_to))
    cols = [*table.columns, "total"]
    frame = pd.DataFrame(out.values, columns=cols, index=[*table.index, "all employers"], dtype=object)
    return frame.rename_axis("employer").reset_index()


def build_bid_pack(ws: Workspace, out_dir: Path, programme: str = "kickstart", bid_date: dt.date | None = None,
                   visible: Callable[[str], bool] | None = None) -> tuple[BidSummary, dict[str, Path]]:
    """The pack: totals over every pledge; the pledges listed are those whose anchor `visible` accepts (all)."""
    summary = workspace_bid(ws, programme, bid_date)
    with ws.session() as session:
        pledges = [p for p in session.scalars(select(Pledge)) if visible is None or visible(p.org)]
    return summary, write_bid_pack(pledges, summary, starts_and_outcomes(ws, visible), out_dir)
