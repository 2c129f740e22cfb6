"""Formatting helpers: money, percentages, human column titles and display-ready result tables."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any, Literal

import pandas as pd

from anchorage.core.scope import COLLABORATIVE

COLLABORATIVE_NAME = "Whole collaborative"
TIER_ORDER = ("local", "sub-region", "region", "uk", "abroad", "unknown")
TIER_NAMES = {
    "local": "Local",
    "sub-region": "Sub-region",
    "region": "Region",
    "uk": "Rest of UK",
    "abroad": "Abroad",
    "unknown": "Unknown",
}

TABLE_TITLES = {
    "totals": "Headline totals",
    "tiers": "Spend by tier",
    "deprivation": "Spend by IMD decile",
    "categories": "Spend by category",
    "leakage": "Leakage by category",
    "top_suppliers": "Top suppliers",
    "trend": "Trend by financial year",
    "exclusions": "Exclusions",
    "wards": "Local spend by ward",
    "sv_anchors": "Social value by anchor",
    "sv_themes": "Social value by theme",
    "sv_measures": "Social value by measure",
    "sv_years": "Social value by year",
    "sv_suppliers": "Social value by supplier",
    "sv_behind": "Social value behind",
    "lm3": "Local multiplier LM3",
    "assets_by_anchor": "Assets by anchor",
    "assets_by_type": "Assets by type",
    "assets_by_tenure": "Assets by tenure",
    "assets_review_summary": "Underused review by anchor",
    "assets_review": "Underused assets",
    "space_matching": "Community space matching",
}

COLUMN_TITLES = {
    "org": "Anchor",
    "spend": "Spend (£)",
    "transactions": "Transactions",
    "suppliers": "Suppliers",
    "local_spend": "Local spend (£)",
    "unknown_spend": "Unknown-location spend (£)",
    "deprived10_spend": "Spend in 10% most deprived LSOAs (£)",
    "deprived20_spend": "Spend in 20% most deprived LSOAs (£)",
    "sme_spend": "SME spend (£)",
    "sme_known_spend": "Spend with SME status known (£)",
    "vcse_spend": "VCSE spend (£)",
    "vcse_known_spend": "Spend with VCSE status known (£)",
    "credit_notes": "Credit notes (£)",
    "matched_spend": "Spend matched to a register (£)",
    "unmatched_spend": "Spend not matched to a register (£)",
    "registered_office_spend": "Spend placed by registered office (£)",
    "matched_pct": "% matched to a register",
    "unmatched_pct": "% not matched",
    "registered_office_pct": "% placed by registered office",
    "non_local_spend": "Non-local spend (£)",
    "local_pct": "% local",
    "unknown_pct": "% unknown location",
    "deprived10_pct": "% in 10% most deprived LSOAs",
    "deprived20_pct": "% in 20% most deprived LSOAs",
    "sme_pct_of_known": "% SME (of known)",
    "vcse_pct_of_known": "% VCSE (of known)",
    "sme_known_pct": "% of spend with SME status known",
    "vcse_known_pct": "% of spend with VCSE status known",
    "share": "% of spend",
    "tier": "Tier",
    "imd_decile": "IMD decile",
    "category": "Category",
    "supplier": "Supplier",
    "rank": "Rank",
    "anchors": "Anchors using",
    "financial_year": "Financial year",
    "rule": "Exclusion rule",
    "ward": "Ward code",
    "ward_name": "Ward",
    "theme": "Theme",
    "measure": "Measure",
    "unit": "Unit",
    "contract_ref": "Contract",
    "committed_value": "Committed value (£)",
    "expected_value": "Pro-rata expected value (£)",
    "delivered_value": "Delivered value (£)",
    "delivered_pct": "% of commitment delivered",
    "pro_rata_pct": "% of pro-rata delivered",
    "responses": "Survey responses",
    "round1": "Round 1: anchor spend (£)",
    "round2": "Round 2: local re-spend (£)",
    "round3": "Round 3: local re-spend again (£)",
    "lm3": "LM3",
    "assets": "Assets",
    "floor_m2": "Floor area (m²)",
    "land_ha": "Land (ha)",
    "flagged": "Flagged as underused",
    "asset_key": "Asset key",
    "name": "Name",
    "reasons": "Reasons",
    "decision": "Decision",
    "type": "Type",
    "tenure": "Tenure",
    "spaces": "Spaces offered",
    "needs": "Needs posted",
    "matched_needs": "Needs with a matching space",
}

# Titles that depend on the table: ward spend is all local; exclusion spend is what was taken out.
TABLE_COLUMN_TITLES = {
    "wards": {"spend": "Local spend (£)", "suppliers": "Local suppliers"},
    "exclusions": {"spend": "Excluded spend (£)", "transactions": "Excluded transactions"},
}

Kind = Literal["money", "pct", "int", "text"]
_INT_COLUMNS = {
    "transactions",
    "suppliers",
    "rank",
    "anchors",
    "responses",
    "assets",
    "floor_m2",
    "flagged",
    "spaces",
    "needs",
    "matched_needs",
}
_INT_TITLES = {COLUMN_TITLES[c] for c in _INT_COLUMNS} | {
    "Local suppliers",
    "Excluded transactions",
}


def human_title(col: str) -> str:
    """A column title for people: 'local_pct' → '% local', 'spend' → 'Spend (£)'."""
    if col in COLUMN_TITLES:
        return COLUMN_TITLES[col]
    words = col.replace("_", " ").strip()
    if col.endswith("_pct"):
        return f"% {words[:-4].strip()}"
    if col.endswith("_spend"):
        return f"{words[:1].upper()}{words[1:]} (£)"
    return words[:1].upper() + words[1:]


def column_kind(col: str) -> Kind:
    """'money', 'pct', 'int' or 'text' for a machine column name or a human title."""
    title = COLUMN_TITLES.get(col, col)
    if col in _INT_COLUMNS or title in _INT_TITLES:
        return "int"
    if title.endswith("(£)") or col.endswith("_spend") or col in ("spend", "credit_notes"):
        return "money"
    if title.startswith("%") or col.endswith("_pct") or col == "share" or "_pct_" in col:
        return "pct"
    return "text"


def _missing(x: Any) -> bool:
    """True for None, NaN and pandas NA."""
    if x is None or x is pd.NA:
        return True
    try:
        return bool(isinstance(x, float) and math.isnan(x)) or bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def fmt_money(x: Any, *, short: bool = False, missing: str = "–") -> str:
    """£ with thousands separators (£12,345); short=True gives £1.2m / £3.4bn from a million up."""
    if _missing(x):
        return missing
    v = float(x)
    sign = "−" if v < 0 else ""
    a = abs(v)
    if short:
        for size, suffix in ((1e9, "bn"), (1e6, "m")):
            if a >= size * 0.9995:
                n = a / size
                body = f"{n:,.0f}" if n >= 100 else f"{n:,.1f}".removesuffix(".0")
                return f"{sign}£{body}{suffix}"
    return f"{sign}£{a:,.0f}"


def fmt_pct(x: Any, *, digits: int = 1, missing: str = "n/a") -> str:
    """A 0–1 share as a percentage: 0.1234 → '12.3%'."""
    if _missing(x):
        return missing
    return f"{float(x) * 100:,.{digits}f}%"


def fmt_int(x: Any, *, missing: str = "–") -> str:
    """An integer with thousands separators."""
    if _missing(x):
        return missing
    return f"{round(float(x)):,}"


def fmt_value(x: Any, kind: Kind) -> str:
    """Format one value by column kind (money in full, not short)."""
    if kind == "money":
        return fmt_money(x)
    if kind == "pct":
        return fmt_pct(x)
    if kind == "int":
        return fmt_int(x)
    return "–" if _missing(x) else str(x)


def org_name(slug: Any, anchors: Mapping[str, str]) -> str:
    """An anchor's display name from its slug ('collaborative' → 'Whole collaborative')."""
    s = str(slug)
    if s == COLLABORATIVE:
        return COLLABORATIVE_NAME
    return anchors.get(s, s)


def org_order(tables: Mapping[str, pd.DataFrame], anchors: Mapping[str, str]) -> list[str]:
    """Org slugs in display order: configured anchors first, then any others, then the collaborative."""
    seen: list[str] = []
    for df in tables.values():
        if "org" in df.columns:
            for o in df["org"].dropna().astype(str):
                if o not in seen:
                    seen.append(o)
    ordered = [a for a in anchors if a in seen]
    ordered += sorted(o for o in seen if o not in ordered and o != COLLABORATIVE)
    if COLLABORATIVE in seen:
        ordered.append(COLLABORATIVE)
    return ordered


def decile_label(d: Any) -> str | int:
    """IMD decile as an int, or 'Unknown' when missing."""
    return "Unknown" if _missing(d) else int(d)


def display_frame(
    name: str,
    df: pd.DataFrame,
    anchors: Mapping[str, str],
    ward_names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """One result table with org names, readable tier/decile/ward values and human column titles."""
    out = df.copy()
    if "org" in out.columns:
        out["org"] = out["org"].map(lambda s: org_name(s, anchors)).astype(object)
    if "tier" in out.columns:
        out["tier"] = out["tier"].map(
            lambda t: TIER_NAMES.get(str(t), str(t)) if not _missing(t) else "Unknown"
        )
    if "imd_decile" in out.columns:
        out["imd_decile"] = out["imd_decile"].astype(object).map(decile_label)
    if "ward" in out.columns:
        names = ward_names or {}
        pos = list(out.columns).index("ward") + 1
        out.insert(
            pos, "ward_name", out["ward"].map(lambda c: names.get(str(c), "")).astype(object)
        )
    for col in out.columns:
        if column_kind(col) in ("money", "pct"):
            out[col] = pd.to_numeric(out[col], errors="coerce").astype(float)
        elif column_kind(col) == "int":
            out[col] = pd.to_numeric(out[col], errors="coerce").astype("Int64")
    special = TABLE_COLUMN_TITLES.get(name, {})
    return out.rename(columns={c: special.get(c, human_title(c)) for c in out.columns}).reset_index(
        drop=True
    )


def display_frames(
    result_tables: Mapping[str, pd.DataFrame],
    anchors: Mapping[str, str],
    ward_names: Mapping[str, str] | None = None,
) -> dict[str, pd.DataFrame]:
    """Every result table made readable: org slugs → anchor names, machine columns → human titles."""
    return {
        name: display_frame(name, df, anchors, ward_names) for name, df in result_tables.items()
    }


def sheet_name(name: str) -> str:
    """A valid, readable Excel sheet name (≤31 chars, no []:*?/\\) for a result table name."""
    title = TABLE_TITLES.get(name, name.replace("_", " ").capitalize())
    return re.sub(r"[\[\]:*?/\\]", "-", title)[:31]


def org_rows(df: pd.DataFrame, org: str) -> pd.DataFrame:
    """Rows of a result table for one org slug (none when the table has no org column)."""
    return df[df["org"].astype(str) == org] if "org" in df.columns else df.iloc[0:0]
