"""The demo's workforce half: staff extracts, apprenticeship rotations, levy pool, bid and HE partners."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from anchorage.demo.anchors import ANCHORS
from anchorage.demo.workforce_gen import AS_AT, generate_workforce_files
from anchorage.ingest.result import ImportSummary
from anchorage.ingest.staff import ingest_staff
from anchorage.reports.workforce_report import write_workforce_report
from anchorage.workforce.apprenticeships import (
    load_apprentices,
    load_placements,
    load_programmes,
    solve_and_save,
    write_calendars,
)
from anchorage.workforce.bid_io import build_bid_pack, load_pledges, load_starts
from anchorage.workforce.he_partners import load_engagements
from anchorage.workforce.levy_io import (
    export_ledger,
    load_commitments,
    load_pay_bills,
    workspace_ledger,
)
from anchorage.workspace import Workspace


def run_workforce_demo(
    ws: Workspace, root: Path, *, seed: int = 2026, say: Callable[[str], None] = print
) -> Path:
    """Load the generated workforce inputs and write the workforce report; returns its HTML path."""
    files = generate_workforce_files(root / "inputs" / "workforce", seed)
    say("Workforce: staff extracts (home postcodes become LSOA, then are discarded)…")
    for spec in ANCHORS:
        s = ingest_staff(ws, files[f"staff:{spec.key}"], spec.name, as_at=AS_AT)
        say(
            f"  {spec.name}: {s.rows_read:,} staff read, {s.rows_loaded:,} loaded, {s.rows_quarantined:,} quarantined"
        )

    def loaded(s: ImportSummary) -> None:
        say(
            f"  {s.file}: {s.rows_read:,} read, {s.rows_loaded:,} loaded, {s.rows_quarantined:,} quarantined"
        )

    # The collaborative's files name each row's anchor; each replaces only the anchors it names.
    for load, key in (
        (load_programmes, "programmes"),
        (load_placements, "placements"),
        (load_apprentices, "apprentices"),
    ):
        loaded(load(ws, files[key]))
    result, plan = solve_and_save(ws, months=24, block_months=6, time_limit=10)
    say(
        f"  Rotations: {result.status}, objective {result.objective}, {len(result.assignments)} blocks placed"
    )
    report_dir = root / "report"
    if result.assignments:
        write_calendars(ws, report_dir / "rotations.xlsx", plan)
    loaded(load_pay_bills(ws, files["paybill"]))
    loaded(load_commitments(ws, files["commitments"]))
    export_ledger(workspace_ledger(ws, dt.date(2025, 11, 1)), report_dir / "levy-ledger.xlsx")
    loaded(load_pledges(ws, files["pledges"]))
    loaded(load_starts(ws, files["starts"]))
    summary, _ = build_bid_pack(
        ws, report_dir / "bid-pack", "kickstart"
    )  # a closed scheme, as a worked example
    say(f"  Kickstart bid (closed 2022; a worked example): {summary.headline()}")
    loaded(load_engagements(ws, files["he"]))
    page = write_workforce_report(ws, report_dir)["html"]
    say(f"  Workforce report: {page}")
    return page
