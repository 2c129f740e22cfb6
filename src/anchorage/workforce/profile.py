"""The workforce profile: the anchor indicators per anchor and for the collaborative, suppressed.

Each indicator is a two-way table, anchors × (in the group, not in it), with its margins: headcounts
(row totals), the collaborative's counts (column totals). The table goes through `suppress` whole, so
neither a collaborative total nor an anchor's headcount gives a hidden count away. Headcounts are the
same in every table, so a headcount hidden in one is hidden in all (repeated until nothing changes).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from anchorage.core.scope import COLLABORATIVE
from anchorage.workforce.settings import WorkforceSettings, workforce_settings
from anchorage.workforce.suppression import SuppressionRule, suppress
from anchorage.workspace import Workspace

# Each table partitions a population (all staff, or new hires) into columns counted in SQL; each
# indicator is one column, or the sum of the first two (the 20% most deprived = decile 1 + decile 2).
TABLES: dict[str, tuple[str, list[str]]] = {
    "home": ("staff", ["home_local", "home_elsewhere", "home_unknown"]),
    "deprivation": ("staff", ["decile1", "decile2", "decile_other"]),
    "pay": ("staff", ["below_llw", "at_or_above_llw", "pay_unknown"]),
    "apprentices": ("staff", ["apprentice", "not_apprentice"]),
    "new_hire_deprivation": ("new_hires", ["nh_decile1", "nh_decile2", "nh_decile_other"]),
}
# indicator -> (table, columns summed, label)
INDICATORS: dict[str, tuple[str, tuple[int, ...], str]] = {
    "living_locally": ("home", (0,), "living in the place"),
    "home_unknown": ("home", (2,), "home area unknown"),
    "deprived10": ("deprivation", (0,), "living in the 10% most deprived LSOAs"),
    "deprived20": ("deprivation", (0, 1), "living in the 20% most deprived LSOAs"),
    "below_living_wage": ("pay", (0,), "paid below the London Living Wage"),
    "pay_unknown": ("pay", (2,), "pay unknown"),
    "apprentices": ("apprentices", (0,), "apprentices"),
    "new_hire_deprived10": (
        "new_hire_deprivation",
        (0,),
        "new hires living in the 10% most deprived LSOAs",
    ),
    "new_hire_deprived20": (
        "new_hire_deprivation",
        (0, 1),
        "new hires living in the 20% most deprived LSOAs",
    ),
}


@dataclass
class IndicatorRow:
    org: str  # an anchor's slug, or "collaborative"
    indicator: str
    label: str
    population: str  # "staff" (all) or "new_hires"
    headcount: int | None  # None when suppressed
    count: int | None
    share: float | None


@dataclass
class WorkforceProfile:
    rows: list[IndicatorRow]
    threshold: int
    round_to: int
    living_wage: dict[str, float] = field(
        default_factory=dict
    )  # anchor -> rate used (as at its extract)
    as_at: dict[str, str] = field(default_factory=dict)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame([asdict(r) for r in self.rows])

    def grid(self, names: dict[str, str] | None = None) -> pd.DataFrame:
        """Indicators down, anchors across: "count of headcount (share)", or * where suppressed."""
        names = names or {}
        cells: dict[str, dict[str, str]] = {}
        for r in self.rows:
            text = (
                "*"
                if r.count is None or r.share is None
                else f"{r.count:,} of {r.headcount:,} ({r.share:.1%})"
            )
            cells.setdefault(r.label, {})[names.get(r.org, r.org)] = text
        return pd.DataFrame.from_dict(cells, orient="index").rename_axis("indicator").reset_index()

    def to_json(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold,
            "round_to": self.round_to,
            "living_wage": self.living_wage,
            "as_at": self.as_at,
            "rows": [asdict(r) for r in self.rows],
        }


def _counts_sql(
    s: WorkforceSettings, local: list[str], imd_version: str, to: dt.date | None = None
) -> tuple[str, list[Any]]:
    """Per anchor: headcount, new hires and each indicator's count (latest extract of each anchor, up to `to`)."""
    lsoa = "lsoa11" if imd_version == "2019" else "lsoa21"
    rates = sorted(s.living_wage, key=lambda r: r.start, reverse=True)
    llw = (
        "CASE "
        + " ".join(f"WHEN st.as_at >= DATE '{r.start}' THEN {r.value}" for r in rates)
        + " END"
    )
    bands = ", ".join(f"('{b.replace(chr(39), chr(39) * 2)}', {v})" for b, v in s.pay_bands.items())
    band_join = (
        f"LEFT JOIN (VALUES {bands}) AS b(band, rate) ON upper(b.band) = upper(st.pay_band)"
        if bands
        else "LEFT JOIN (SELECT NULL::VARCHAR AS band, NULL::DECIMAL AS rate) b ON false"
    )
    sql = f"""
        WITH latest AS (SELECT * FROM staff WHERE as_at <= coalesce(CAST(? AS DATE), DATE '9999-12-31')
                        QUALIFY as_at = max(as_at) OVER (PARTITION BY org)),
        st AS (
            SELECT st.*, i.imd_decile, coalesce(st.hourly_pay, b.rate) AS pay, {llw} AS llw
            FROM latest st LEFT JOIN imd i ON i.lsoa = st.{lsoa} AND i.version = ?
            {band_join}
        )
        SELECT org, max(as_at)::VARCHAR AS as_at, max(llw) AS llw,  -- one extract date (so rate) per anchor
               count(*) AS staff, count(*) FILTER (is_new_hire) AS new_hires,
               count(*) FILTER (list_contains(?, lad)) AS home_local,
               count(*) FILTER (lad IS NOT NULL AND NOT list_contains(?, lad)) AS home_elsewhere,
               count(*) FILTER (lad IS NULL) AS home_unknown,
               count(*) FILTER (imd_decile = 1) AS decile1,
               count(*) FILTER (imd_decile = 2) AS decile2,
               count(*) FILTER (imd_decile IS NULL OR imd_decile > 2) AS decile_other,
               count(*) FILTER (pay < llw) AS below_llw,
               count(*) FILTER (pay >= llw) AS at_or_above_llw,
               count(*) FILTER (pay IS NULL) AS pay_unknown,
               count(*) FILTER (is_apprentice) AS apprentice,
               count(*) FILTER (NOT is_apprentice) AS not_apprentice,
               count(*) FILTER (is_new_hire AND imd_decile = 1) AS nh_decile1,
               count(*) FILTER (is_new_hire AND imd_decile = 2) AS nh_decile2,
               count(*) FILTER (is_new_hire AND (imd_decile IS NULL OR imd_decile > 2)) AS nh_decile_other
        FROM st GROUP BY org ORDER BY org
    """
    return sql, [to, imd_version, local, local]


def workforce_profile(
    ws: Workspace, settings: WorkforceSettings | None = None, *, to: dt.date | None = None
) -> WorkforceProfile:
    """The indicators for every anchor with a staff extract (its latest, or its latest up to `to`), and for
    the collaborative, suppressed."""
    s = settings or workforce_settings(ws.config)
    sql, params = _counts_sql(s, ws.config.place.local, ws.config.imd_version, to)
    with ws.warehouse(read_only=True) as con:
        frame = con.execute(sql, params).df()
    rule = SuppressionRule(s.suppression_threshold, s.round_to)
    if frame.empty:  # no staff extract loaded yet: nothing to show (and no table to suppress)
        return WorkforceProfile([], rule.threshold, rule.round_to)
    return profile_from_counts(
        frame,
        rule,
        living_wage={r.org: float(r.llw) for r in frame.itertuples()},
        as_at={r.org: r.as_at for r in frame.itertuples()},
    )


def _cross_check(frame: pd.DataFrame, rule: SuppressionRule) -> set[tuple[int, int]]:
    """New-hire deprivation cells whose difference from the all-staff cell (the existing staff in that
    decile) would be a small count: hidden up front, so that the two tables cannot be subtracted."""
    out: set[tuple[int, int]] = set()
    for c, (all_col, nh_col) in enumerate([("decile1", "nh_decile1"), ("decile2", "nh_decile2")]):
        totals = [
            *zip(frame[all_col], frame[nh_col], strict=True),
            (frame[all_col].sum(), frame[nh_col].sum()),
        ]
        out |= {(r, c) for r, (a, b) in enumerate(totals) if 0 < int(a) - int(b) < rule.threshold}
    return out


def profile_from_counts(
    frame: pd.DataFrame, rule: SuppressionRule, **extra: Any
) -> WorkforceProfile:
    """Suppress each table (anchors × its columns, with margins); headcounts hidden in one are hidden
    in every table of the same population, until nothing changes."""
    orgs = list(frame["org"])
    n = len(orgs)
    hidden_margin: dict[str, set[int]] = {"staff": set(), "new_hires": set()}
    forced = {"new_hire_deprivation": _cross_check(frame, rule)}
    while True:
        results, grown = {}, False
        for name, (pop, cols) in TABLES.items():
            counts = [[int(frame[c].iloc[r]) for c in cols] for r in range(n)]
            m = len(cols)  # the row-total column
            out = suppress(
                counts,
                rule,
                hide={(r, m) for r in hidden_margin[pop]} | forced.get(name, set()),
                avoid={(r, m) for r in range(n + 1)},
            )
            results[name] = out
            newly = {r for r in range(n + 1) if out.cell(r, m) is None} - hidden_margin[pop]
            if newly:
                hidden_margin[pop] |= newly
                grown = True
        if not grown:
            break
    rows = []
    for ind, (name, summed, label) in INDICATORS.items():
        pop, cols = TABLES[name]
        out, m = results[name], len(TABLES[name][1])
        for r, org in enumerate([*orgs, COLLABORATIVE]):
            head = out.cell(r, m)
            parts = [out.cell(r, c) for c in summed]
            rest = [out.cell(r, c) for c in range(len(cols)) if c not in summed]
            count: int | None = None
            if all(p is not None for p in parts):
                count = sum(p or 0 for p in parts)
            elif head is not None and all(p is not None for p in rest):
                count = head - sum(p or 0 for p in rest)  # derivable anyway, and never small
            share = count / head if head and count is not None else None
            rows.append(IndicatorRow(org, ind, label, pop, head, count, share))
    return WorkforceProfile(rows, rule.threshold, rule.round_to, **extra)
