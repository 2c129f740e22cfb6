"""Collective bids in the workspace: load pledges and starts, check, aggregate, write the bid pack."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import delete, select

from anchorage.errors import InputFileError
from anchorage.store.workforce_records import BidStart, Pledge
from anchorage.workforce.bid import BidSummary, summarise_bid, write_bid_pack
from anchorage.workforce.inputs import Column, parse_table
from anchorage.workforce.settings import workforce_settings
from anchorage.workforce.suppression import SuppressionRule, protect_family, suppress
from anchorage.workspace import Workspace

PLEDGE_COLUMNS = [Column("programme", required=False), Column("employer"),
                  Column("company_number", required=False, aliases=("companies house number",)),
                  Column("charity_number", required=False), Column("role"), Column("placements", "int"),
                  Column("hours_per_week", "money", aliases=("hours",)),
                  Column("hourly_wage", "money", aliases=("wage",)), Column("duration_months", "int"),
                  Column("location", required=False), Column("additionality", "flag"),
                  Column("contact", required=False), Column("pledged_on", "date", aliases=("date",))]
START_COLUMNS = [Column("employer"), Column("role"), Column("participant", aliases=("participant ref",)),
                 Column("start_date", "date"), Column("outcome", required=False),
                 Column("outcome_date", "date", required=False)]


def pledge_fields(r: dict[str, Any]) -> dict[str, Any]:
    return {**r, "programme": (r["programme"] or "kickstart").lower(), "company_number": r["company_number"] or "",
            "charity_number": r["charity_number"] or "", "location": r["location"] or "", "contact": r["contact"] or "",
            "hours_per_week": float(r["hours_per_week"])}


def load_pledges(ws: Workspace, path: Path) -> int:
    """The collaborative's own list of pledges (org ""), replaced by the file's; pledges entered on the web by
    anchors' users are kept."""
    rows = parse_table(path, PLEDGE_COLUMNS)
    with ws.session() as session:
        listed = select(Pledge.id).where(Pledge.org == "")
        session.execute(delete(BidStart).where(BidStart.pledge_id.in_(listed)))
        session.execute(delete(Pledge).where(Pledge.org == ""))
        for r in rows:
            session.add(Pledge(**pledge_fields(r), org=""))
        session.commit()
    return len(rows)


def load_starts(ws: Workspace, path: Path) -> int:
    """Starts and outcomes in the collaborative's own list of pledges, matched by employer and role."""
    rows = parse_table(path, START_COLUMNS)
    with ws.session() as session:
        pledges = {(p.employer.lower(), p.role.lower()): p.id
                   for p in session.scalars(select(Pledge).where(Pledge.org == ""))}
        missing = [f"row {i}: no pledge by {r['employer']} for {r['role']}" for i, r in enumerate(rows, start=2)
                   if (r["employer"].lower(), r["role"].lower()) not in pledges]
        if missing:
            raise InputFileError(str(path), "; ".join(missing[:10]) + ".", fix="Load the pledges first, or fix the names.")
        session.execute(delete(BidStart).where(BidStart.pledge_id.in_(pledges.values())))
        session.add_all(BidStart(pledge_id=pledges[r["employer"].lower(), r["role"].lower()],
                                 participant_ref=r["participant"], start_date=r["start_date"],
                                 outcome=(r["outcome"] or "in placement").lower(), outcome_date=r["outcome_date"])
                        for r in rows)
        session.commit()
    return len(rows)


def workspace_bid(ws: Workspace, programme: str = "kickstart", bid_date: dt.date | None = None) -> BidSummary:
    with ws.session() as session:
        return summarise_bid(list(session.scalars(select(Pledge))), programme, bid_date)


def starts_and_outcomes(ws: Workspace, visible: Callable[[str], bool] | None = None,
                        known: Callable[[str], bool] | None = None) -> pd.DataFrame:
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
    label = {pid: p.employer if visible is None or visible(p.org) else f"pledged through {anchors.get(p.org, p.org)}"
             for pid, p in pledges.items()}
    rows, cols = sorted({label[pid] for pid, _ in starts}), sorted({o for _, o in starts})
    atoms = sorted(set(starts))
    index = {a: i for i, a in enumerate(atoms)}
    values = [starts.count(a) for a in atoms]

    def figure(row: str | None, col: str | None) -> frozenset[int]:
        return frozenset(index[(pid, o)] for pid, o in atoms
                         if (row is None or label[pid] == row) and (col is None or o == col))

    grid = [[figure(r, c) for c in [*cols, None]] for r in [*rows, None]]  # cells, row totals, column totals
    s = workforce_settings(ws.config)
    rule = SuppressionRule(s.suppression_threshold, s.round_to)
    table = suppress([[sum(values[a] for a in grid[r][c]) for c in range(len(cols))] for r in range(len(rows))], rule)
    width = len(cols) + 1
    flat = [f for line in grid for f in line]
    own = {index[a] for a in atoms if known is not None and known(pledges[a[0]].org)}
    out = protect_family(values, flat, rule, known=own, hide={r * width + c for r, c in table.hidden})
    shown = [[None if r * width + c in out.hidden else rule.shown(sum(values[a] for a in grid[r][c]))
              for c in range(width)] for r in range(len(rows) + 1)]
    frame = pd.DataFrame(shown, columns=[*cols, "total"], index=[*rows, "all employers"], dtype=object)
    return frame.rename_axis("employer").reset_index()


def build_bid_pack(ws: Workspace, out_dir: Path, programme: str = "kickstart", bid_date: dt.date | None = None,
                   visible: Callable[[str], bool] | None = None,
                   known: Callable[[str], bool] | None = None) -> tuple[BidSummary, dict[str, Path]]:
    """The pack: totals over every pledge; the pledges listed are those whose anchor `visible` accepts (all)."""
    summary = workspace_bid(ws, programme, bid_date)
    with ws.session() as session:
        pledges = [p for p in session.scalars(select(Pledge)) if visible is None or visible(p.org)]
    return summary, write_bid_pack(pledges, summary, starts_and_outcomes(ws, visible, known), out_dir)
