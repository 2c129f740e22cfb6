"""The board summary: each anchor's and the collaborative's headline figures in plain sentences, with the
change on the year before. Used by the PDF report (and any page that prints a summary)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from anchorage.reports.tables import COLLABORATIVE, fmt_money, fmt_pct, org_name


@dataclass(frozen=True)
class Summary:
    org: str
    name: str
    sentences: list[str]


def _num(row: pd.Series | None, key: str) -> float | None:
    if row is None or key not in row.index:
        return None
    value = row[key]
    return None if value is None or value != value else float(value)


def _change(now: float | None, before: float | None, *, points: bool) -> str:
    """ ", up 0.5 points on the year before" (or "" when there is nothing to compare)."""
    if now is None or before is None:
        return ""
    if points:
        diff = (now - before) * 100
        if abs(diff) < 0.05:
            return ", the same as the year before"
        return f", {'up' if diff > 0 else 'down'} {abs(diff):.1f} points on the year before"
    if not before:
        return ""
    pct = (now - before) / abs(before) * 100
    return f", {'up' if pct >= 0 else 'down'} {abs(pct):.1f}% on the year before"


def summary_of(
    org: str, row: pd.Series, before: pd.Series | None, anchors: Mapping[str, str]
) -> Summary:
    """Plain sentences for one anchor (or the whole collaborative)."""
    name = org_name(org, anchors)
    who = "Together the anchors" if org == COLLABORATIVE else name
    spend = _num(row, "spend")
    out = [
        f"{who} spent {fmt_money(spend, short=True)} with {int(_num(row, 'suppliers') or 0):,} suppliers"
        f"{_change(spend, _num(before, 'spend'), points=False)}."
    ]
    for key, pct, words in (
        ("local_spend", "local_pct", "went to suppliers based in the local area"),
        (
            "deprived20_spend",
            "deprived20_pct",
            "went to suppliers in the 20% most deprived neighbourhoods of England",
        ),
    ):
        out.append(
            f"{fmt_money(_num(row, key), short=True)} ({fmt_pct(_num(row, pct))}) {words}"
            f"{_change(_num(row, pct), _num(before, pct), points=True)}."
        )
    sme, vcse = _num(row, "sme_pct_of_known"), _num(row, "vcse_pct_of_known")
    out.append(
        f"Of the spend whose suppliers' size is known ({fmt_pct(_num(row, 'sme_known_pct'))} of it), "
        f"{fmt_pct(sme)} went to small and medium-sized firms"
        f"{_change(sme, _num(before, 'sme_pct_of_known'), points=True)}, and {fmt_pct(vcse)} to charities and "
        "social enterprises."
    )
    out.append(
        f"For {fmt_money(_num(row, 'unknown_spend'), short=True)} ({fmt_pct(_num(row, 'unknown_pct'))}) the "
        "supplier's location is not known: it stays in the totals, so the local share is not overstated."
    )
    return Summary(org, name, out)


def summaries(
    tables: Mapping[str, pd.DataFrame],
    previous: Mapping[str, pd.DataFrame] | None,
    orgs: list[str],
    anchors: Mapping[str, str],
) -> list[Summary]:
    """The collaborative first, then each anchor in `orgs` that has figures."""
    totals = tables["totals"].set_index("org")
    before = (
        previous["totals"].set_index("org")
        if previous is not None and len(previous["totals"])
        else None
    )
    order = [o for o in [COLLABORATIVE, *orgs] if o in totals.index]
    return [
        summary_of(
            o,
            totals.loc[o],
            before.loc[o] if before is not None and o in before.index else None,
            anchors,
        )
        for o in dict.fromkeys(order)
    ]
