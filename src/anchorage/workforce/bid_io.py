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
from anchorage.workforce import programmes
from anchorage.workforce.bid import BidSummary, summarise_bid, write_bid_pack
from anchorage.workforce.imports import import_pledges, import_starts
from anchorage.workforce.inputs import Column
from anchorage.workforce.settings import workforce_settings
from anchorage.workforce.suppression import SuppressionRule, protect_family, suppress
from anchorage.workspace import Workspace

# A pledge entered on the web is parsed with these (one record; files go through workforce.imports).
PLEDGE_COLUMNS = [
    Column("programme", required=False),
    Column("employer"),
    Column("company_number", required=False, aliases=("companies house number",)),
    Column("charity_number", required=False),
    Column("role"),
    Column("placements", "int"),
    Column("hours_per_week", "money", aliases=("hours",)),
    Column("hourly_wage", "money", aliases=("wage",)),
    Column("duration_months", "int"),
    Column("location", required=False),
    Column("additionality", "flag"),
    Column("contact", required=False),
    Column("pledged_on", "date", aliases=("date",)),
]


def pledge_fields(r: dict[str, Any]) -> dict[str, Any]:
    return {
        **r,
        "programme": r["programme"].lower(),
        "company_number": r["company_number"] or "",
        "charity_number": r["charity_number"] or "",
        "location": r["location"] or "",
        "contact": r["contact"] or "",
        "hours_per_week": float(r["hours_per_week"]),
    }


def load_pledges(
    ws: Workspace, path: Path, org: str | None = None, **options: Any
) -> ImportSummary:
    """Pledges loaded by file: the collaborative's own list (no `org` and no anchor column), an anchor's, or
    the anchors a file names; each replaces only those. Pledges entered on the web are kept."""
    return import_pledges(ws, path, org, **options)


def load_starts(ws: Workspace, path: Path, org: str | None = None, **options: Any) -> ImportSummary:
    """Starts and outcomes in the pledges of the same list (matched by employer and role)."""
    return import_starts(ws, path, org, **options)


def workspace_bid(
    ws: Workspace, programme: str | None = None, bid_date: dt.date | None = None
) -> BidSummary:
    """The bid for a programme (default: one open today; see workforce/programmes.py)."""
    prog = programmes.programme(ws, programme)
    with ws.session() as session:
        return summarise_bid(list(session.scalars(select(Pledge))), prog, bid_date)


def starts_and_outcomes(
    ws: Workspace,
    visible: Callable[[str], bool] | None = None,
    known: Callable[[str], bool] | None = None,
) -> pd.DataFrame:
    """Starts per employer by outcome: counts of young people, so suppressed. Employers in pledges whose anchor
    `visible` rejects are grouped as "pledged through <anchor>". The table is suppressed as a family with what
    its reader already knows: the starts in pledges whose anchor `known` accepts (their own list), so nothing
    hidden follows by subtracting those from the totals."""
    anchors = {a.slug: a.name for a in ws.config.anchors}
    with ws.session() as session:
        pledges = {p.id: p for p in session.scalars(select(Pledge))}
        starts = [(s.pledge_id, s.outcome) for s in session.scalars(select(BidStart))]
    if not starts:
        return pd.DataFrame(columns=["employer"])
    label = {
        pid: p.employer
        if visible is None or visible(p.org)
        else f"pledged through {anchors.get(p.org, p.org)}"
        for pid, p in pledges.items()
    }
    rows, cols = sorted({label[pid] for pid, _ in starts}), sorted({o for _, o in starts})
    atoms = sorted(set(starts))
    index = {a: i for i, a in enumerate(atoms)}
    values = [starts.count(a) for a in atoms]

    def figure(row: str | None, col: str | None) -> frozenset[int]:
        return frozenset(
            index[(pid, o)]
            for pid, o in atoms
            if (row is None or label[pid] == row) and (col is None or o == col)
        )

    grid = [
        [figure(r, c) for c in [*cols, None]] for r in [*rows, None]
    ]  # cells, row totals, column totals
    s = workforce_settings(ws.config)
    rule = SuppressionRule(s.suppression_threshold, s.round_to)
    table = suppress(
        [[sum(values[a] for a in grid[r][c]) for c in range(len(cols))] for r in range(len(rows))],
        rule,
    )
    width = len(cols) + 1
    flat = [f for line in grid for f in line]
    own = {index[a] for a in atoms if known is not None and known(pledges[a[0]].org)}
    out = protect_family(
        values, flat, rule, known=own, hide={r * width + c for r, c in table.hidden}
    )
    shown = [
        [
            None if r * width + c in out.hidden else rule.shown(sum(values[a] for a in grid[r][c]))
            for c in range(width)
        ]
        for r in range(len(rows) + 1)
    ]
    frame = pd.DataFrame(
        shown, columns=[*cols, "total"], index=[*rows, "all employers"], dtype=object
    )
    return frame.rename_axis("employer").reset_index()


def build_bid_pack(
    ws: Workspace,
    out_dir: Path,
    programme: str | None = None,
    bid_date: dt.date | None = None,
    visible: Callable[[str], bool] | None = None,
    known: Callable[[str], bool] | None = None,
) -> tuple[BidSummary, dict[str, Path]]:
    """The pack: totals over every pledge; the pledges listed are those whose anchor `visible` accepts (all)."""
    summary = workspace_bid(ws, programme, bid_date)
    with ws.session() as session:
        pledges = [p for p in session.scalars(select(Pledge)) if visible is None or visible(p.org)]
    return summary, write_bid_pack(
        pledges, summary, starts_and_outcomes(ws, visible, known), out_dir
    )
