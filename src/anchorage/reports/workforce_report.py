"""The workforce report: the suppressed profile, HE partners, levy pool, rotations and bid, as one offline
HTML page and an XLSX workbook. Every count of people in it has been through the suppression function."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from anchorage.exports import write_xlsx_frames
from anchorage.workforce.apprenticeships import calendars
from anchorage.workforce.bid_io import starts_and_outcomes, workspace_bid
from anchorage.workforce.he_partners import engagement_summary
from anchorage.workforce.levy import tax_year
from anchorage.workforce.levy_io import workspace_ledger
from anchorage.workforce.profile import workforce_profile
from anchorage.workspace import Workspace


def profile_table(ws: Workspace) -> tuple[pd.DataFrame, str]:
    """Indicators down, anchors across: "count of headcount (share)", or * where suppressed."""
    p = workforce_profile(ws)
    table = p.grid({a.slug: a.name for a in ws.config.anchors} | {"collaborative": "Collaborative"})
    note = (
        f"Counts from 1 to {p.threshold - 1} are hidden (*), and so are the cells that would let them be worked "
        "out from totals."
        + (f" Counts are rounded to the nearest {p.round_to}." if p.round_to > 1 else "")
    )
    return table, note


def levy_summary(ws: Workspace) -> pd.DataFrame:
    led = workspace_ledger(ws)
    rows: dict[tuple[str, str], dict[str, float]] = {}
    for r in led.rows:
        key = (r.org, f"{tax_year(r.month)}-{(tax_year(r.month) + 1) % 100:02}")
        agg = rows.setdefault(
            key, {"funds in £": 0.0, "spent £": 0.0, "transferred £": 0.0, "expired £": 0.0}
        )
        agg["funds in £"] += float(r.funds_in)
        agg["spent £"] += float(r.own_payments)
        agg["transferred £"] += float(r.transfers_out)
        agg["expired £"] += float(r.expired)
        agg["closing £"] = float(r.closing)
    return pd.DataFrame([{"anchor": k[0], "tax year": k[1], **v} for k, v in rows.items()])


def write_workforce_report(ws: Workspace, out_dir: Path) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    profile, note = profile_table(ws)
    sections = [
        ("Workforce profile", profile, note),
        (
            "HE partners: engagements by anchor",
            engagement_summary(ws, "anchor"),
            "People counts suppressed.",
        ),
        (
            "Levy pool by tax year",
            levy_summary(ws),
            "; ".join(w.sentence() for w in workspace_ledger(ws).warnings),
        ),
        (
            "Shared apprenticeships: where each apprentice is, month by month",
            calendars(ws)["apprentices"],
            "",
        ),
        (
            "Collective bid: starts and outcomes",
            starts_and_outcomes(ws),
            workspace_bid(ws).headline(),
        ),
    ]
    xlsx = out_dir / "workforce.xlsx"
    write_xlsx_frames(
        xlsx, {title.split(":")[0]: frame for title, frame, _ in sections}, width=22, freeze=(0, 0)
    )
    body = "".join(
        f"<h2>{html.escape(t)}</h2><p>{html.escape(n)}</p>"
        + (
            f.to_html(index=False, na_rep="*", float_format=lambda v: f"{v:,.2f}")
            if len(f)
            else "<p>No data.</p>"
        )
        for t, f, n in sections
    )
    page = out_dir / "workforce.html"
    page.write_text(
        "<!doctype html><meta charset='utf-8'><title>Workforce report</title><style>body{font-family:"
        "sans-serif;margin:2em;max-width:80em}table{border-collapse:collapse;font-size:90%}td,th{border:"
        "1px solid #ccc;padding:3px 6px;text-align:right}</style>"
        f"<h1>{html.escape(ws.config.collaborative)}: workforce</h1>{body}",
        encoding="utf-8",
    )
    return {"html": page, "xlsx": xlsx}
