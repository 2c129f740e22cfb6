"""Render analysis results as terminal tables."""

from __future__ import annotations

import math

from rich.table import Table

from anchorage.cli.common import out
from anchorage.procurement.analysis import AnalysisResult


def _pct(v: float | None) -> str:
    return "—" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v * 100:.1f}%"


def render_analysis(result: AnalysisResult) -> None:
    totals = result.tables["totals"]
    t = Table(title="Where the spend goes (after exclusions)")
    for col in (
        "anchor",
        "spend £",
        "suppliers",
        "% local",
        "% unknown",
        "% 20% most deprived",
        "% SME*",
        "% VCSE*",
    ):
        t.add_column(col, justify="left" if col == "anchor" else "right")
    for r in totals.itertuples():
        t.add_row(
            str(r.org),
            f"{r.spend:,.0f}",
            f"{int(r.suppliers):,}",
            _pct(r.local_pct),
            _pct(r.unknown_pct),
            _pct(r.deprived20_pct),
            _pct(r.sme_pct_of_known),
            _pct(r.vcse_pct_of_known),
        )
    out.print(t)
    out.print("* of spend with suppliers whose SME/VCSE status is known.")
    tiers = result.tables["tiers"].pivot(index="org", columns="tier", values="share")
    tt = Table(title="Share of spend by tier")
    tt.add_column("anchor")
    order = ["local", "sub-region", "region", "uk", "abroad", "unknown"]
    for tier in order:
        tt.add_column(tier, justify="right")
    for org, row in tiers.iterrows():
        tt.add_row(str(org), *[_pct(row.get(tier)) for tier in order])
    out.print(tt)
    ex = result.tables["exclusions"]
    if len(ex):
        et = Table(title="Excluded as not procurement (CLES)")
        for col in ("anchor", "rule", "spend £", "payments"):
            et.add_column(col)
        for r in ex.itertuples():
            et.add_row(str(r.org), str(r.rule), f"{r.spend:,.0f}", f"{int(r.transactions):,}")
        out.print(et)
