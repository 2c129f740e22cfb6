"""The pandas baseline: what an analyst would write in a notebook for the same headline figures.

Load: plain pd.read_csv of the spend CSV, amounts and UK dates parsed, bad rows dropped (the same rules
as Anchorage's quarantine: unparseable or empty amount/date, empty supplier, date out of range).
Analysis: supplier names normalised (the same regexes, run once per distinct name), each supplier's most
common postcode, joined to postcode and IMD frames exported from the warehouse, tier per the workspace
config, CLES exclusion rules, then total / local / tier / IMD-decile spend per anchor and collaborative.
Money is summed in integer pence so totals are exact.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings

import numpy as np
import pandas as pd

from anchorage.config import TIERS, UK_COUNTRY_CODES, Config
from anchorage.ingest.spend import REDACTED_RE

COLLAB = "collaborative"
# anchorage.reference.names' steps in Python `re` ([^\pL\pN ] is RE2-only: [^\w ] plus underscore here).
NAME_STEPS = [
    (r"\s*\(?\s*\b(T\s*/\s*A|TRADING\s+AS)\b.*$", "", 1),
    (r"&", " AND ", 0),
    (r"[.'’-]", "", 0),
    (r"[^\w ]+|_+", " ", 0),
    (r"\s+", " ", 0),
    (r"^\s*(THE\s+)+", "", 1),
    (
        r"(\s+(LIMITED|LTD|PLC|LLP|CIC|CIO|INC|LLC|CO|COMPANY|AND CO|AND COMPANY|UK LTD))+\s*$",
        "",
        1,
    ),
]
_COMPILED = [(re.compile(p), r, n) for p, r, n in NAME_STEPS]
_REDACTED = re.compile(REDACTED_RE)


def norm_name(raw: str) -> tuple[str, bool]:
    up = raw.upper()
    if _REDACTED.search(up):
        return "REDACTED", True
    s = up
    for pat, repl, count in _COMPILED:
        s = pat.sub(repl, s, count=count)
    s = s.strip(" ")
    return (s if s else re.sub(r"\s+", " ", up).strip(" ")), False


def load(path: str, slug_of: dict[str, str]) -> tuple[pd.DataFrame, int]:
    """Read and clean the spend CSV; returns the valid payments and the number of rows dropped."""
    df = pd.read_csv(path, dtype=str)
    amount = pd.to_numeric(df["Amount"].str.strip(), errors="coerce")
    date = pd.to_datetime(df["Payment Date"].str.strip(), format="%d/%m/%Y", errors="coerce")
    supplier = df["Supplier Name"].str.strip()
    latest = pd.Timestamp(dt.date.today() + dt.timedelta(days=366))
    ok = (
        amount.notna()
        & date.notna()
        & supplier.notna()
        & (supplier != "")
        & (date >= pd.Timestamp("1990-01-01"))
        & (date <= latest)
    )
    out = pd.DataFrame(
        {
            "org": df["Body Name"].map(slug_of)[ok],
            "supplier": supplier[ok],
            "pence": (amount[ok] * 100).round().astype("int64"),
            "date": date[ok],
            "category": df["Expenditure Category"].str.strip()[ok],
            "postcode": df["Supplier Postcode"][ok],
        }
    )
    return out.reset_index(drop=True), int((~ok).sum())


def _rule_index(values: pd.Series, cfg: Config, field: str) -> pd.Series:
    """Config-order index of the first matching exclusion rule on `field`, or NaN; run on distinct values."""
    out = pd.Series(np.nan, index=values.index)
    rules = [
        (i, r) for i, r in enumerate(r for r in cfg.exclusions if r.enabled) if r.field == field
    ]
    text = values.fillna("") if field == "supplier" else values.str.upper()
    for i, r in rules:
        with warnings.catch_warnings():  # the rules' groups are for alternation, not extraction
            warnings.simplefilter("ignore", UserWarning)
            hit = text.str.contains(r.pattern, regex=True, na=False) & out.isna()
        out[hit] = i
    return out


def analyse(
    df: pd.DataFrame, postcodes: pd.DataFrame, imd: pd.DataFrame, cfg: Config
) -> dict[str, dict]:
    """Headline figures (in pence) per anchor and for the collaborative."""
    names = pd.Series(df["supplier"].unique())
    normed = [norm_name(n) for n in names]
    lookup = pd.DataFrame(
        {"supplier": names, "norm": [n for n, _ in normed], "redacted": [r for _, r in normed]}
    )
    df = df.merge(lookup, on="supplier", how="left")
    key = df["postcode"].str.upper().str.replace(r"[^A-Z0-9]+", "", regex=True)
    df["pc_key"] = key.where(key != "")
    # Each supplier's most common postcode (per anchor), as the supplier profile does.
    counts = (
        df[~df["redacted"]]
        .groupby(["org", "norm", "pc_key"], observed=True)
        .size()
        .rename("n")
        .reset_index()
    )
    prof = counts.sort_values("n", ascending=False, kind="stable").drop_duplicates(["org", "norm"])[
        ["org", "norm", "pc_key"]
    ]
    lsoa = "lsoa11" if cfg.imd_version == "2019" else "lsoa21"
    geo = postcodes.merge(
        imd[imd["version"] == cfg.imd_version][["lsoa", "imd_decile"]],
        left_on=lsoa,
        right_on="lsoa",
        how="left",
    )[["pcd_key", "lad", "rgn", "ctry", "imd_decile"]]
    sup = prof.merge(geo, left_on="pc_key", right_on="pcd_key", how="left")
    place = cfg.place
    sup["tier"] = np.select(
        [
            sup["lad"].isin(place.local),
            sup["lad"].isin(place.sub_region),
            (sup["rgn"] == place.region) if place.region else pd.Series(False, index=sup.index),
            sup["ctry"].isin(UK_COUNTRY_CODES),
        ],
        ["local", "sub-region", "region", "uk"],
        default="unknown",
    )
    df = df.drop(columns=["pc_key"]).merge(
        sup[["org", "norm", "tier", "imd_decile"]], on=["org", "norm"], how="left"
    )
    df.loc[df["redacted"] | df["tier"].isna(), "tier"] = "unknown"
    # Exclusions: first matching rule in config order, supplier rules on the name, category rules on category.
    sup_rule = pd.Series(
        _rule_index(pd.Series(lookup["norm"].unique()), cfg, "supplier").values,
        index=lookup["norm"].unique(),
    )
    cats = pd.Series(df["category"].dropna().unique())
    cat_rule = pd.Series(_rule_index(cats, cfg, "category").values, index=cats)
    excluded = df["norm"].map(sup_rule).notna() | df["category"].map(cat_rule).notna()
    s = df[~excluded]
    out: dict[str, dict] = {}
    for org, g in [*s.groupby("org"), (COLLAB, s)]:
        by_tier = g.groupby("tier")["pence"].sum()
        by_dec = g.groupby(g["imd_decile"].fillna(0).astype(int))["pence"].sum()
        out[str(org)] = {
            "spend": int(g["pence"].sum()),
            "transactions": len(g),
            "local_spend": int(by_tier.get("local", 0)),
            "tiers": {t: int(by_tier.get(t, 0)) for t in TIERS},
            "deciles": {str(k or "none"): int(v) for k, v in by_dec.items()},
        }
    return out
