"""CLES spend analysis: totals, tiers, deprivation, supplier types, categories, leakage, trend.

Aggregation runs as Ibis expressions on the warehouse backend; only the small results are shaped here.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

import duckdb
import ibis
import ibis.expr.types as ir
import pandas as pd

from anchorage.config import TIERS, Config
from anchorage.core.scope import COLLABORATIVE
from anchorage.procurement.enrich import AnalysisOptions, enriched_spend, in_scope, spend_grain
from anchorage.procurement.keep import Keeper, keeper

NON_LOCAL_KNOWN = ("sub-region", "region", "uk", "abroad")


@dataclass
class AnalysisResult:
    """Named result tables (pandas), per anchor plus one 'collaborative' row set."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    options: AnalysisOptions = field(default_factory=AnalysisOptions)

    def to_json(self) -> dict[str, Any]:
        return {name: frame_records(df) for name, df in self.tables.items()}


def frame_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """A result table as JSON-ready rows (missing values as None)."""
    return df.astype(object).where(df.notna(), None).to_dict(orient="records")


def _by_org(t: ir.Table, keys: list[str], **aggs: ir.Scalar) -> pd.DataFrame:
    """Aggregate per anchor and for the whole collaborative, as one frame with an 'org' column."""
    per = t.group_by(["org", *keys]).agg(**aggs)
    whole = (t.group_by(keys).agg(**aggs) if keys else t.aggregate(**aggs)).mutate(
        org=ibis.literal(COLLABORATIVE)
    )
    df = per.union(whole.select(per.columns)).to_pandas()
    for col in aggs:
        if not pd.api.types.is_numeric_dtype(
            df[col]
        ):  # decimals, or no rows at all (pandas gives text)
            df[col] = df[col].astype(float)
    return df


def _share(df: pd.DataFrame, col: str, total: pd.Series) -> pd.Series:
    total = total.astype(float)  # an empty workspace maps to an empty text series
    return (df[col].astype(float) / total.where(total != 0)).round(4)


def _order(df: pd.DataFrame, *by: str, ascending: bool | list[bool] = True) -> pd.DataFrame:
    df = df.assign(_c=df["org"] == COLLABORATIVE)
    return (
        df.sort_values(
            ["_c", *by],
            ascending=[
                True,
                *([ascending] * len(by) if isinstance(ascending, bool) else ascending),
            ],
        )
        .drop(columns="_c")
        .reset_index(drop=True)
    )


def analyse(
    con: ibis.BaseBackend, cfg: Config, opts: AnalysisOptions | None = None
) -> AnalysisResult:
    """Run the whole CLES spend analysis on a warehouse backend (DuckDB or Spark)."""
    opts = opts or AnalysisOptions()
    # One pass over the payments into a small cube, then each supplier placed once and joined back: the
    # cube is kept so the join reads it rather than the payments again.
    # The tables that need neither category nor year read the in-scope spend summed once more per supplier
    # (several times fewer rows).
    # Kept in memory while they fit (a collaborative's millions of payments: the cube is per supplier, not
    # per payment); when DuckDB runs out of its memory limit the run starts again in bounded memory: on disk
    # beside the warehouse (memory-and-disk on Spark, keep.py), and when the payments do not fit the memory
    # limit, a group of anchors at a time (every kept row belongs to one anchor), read back as one.
    try:
        return _kept(con, cfg, opts, keeper(con, spill=con.name != "duckdb"))
    except duckdb.OutOfMemoryException:
        return _kept(con, cfg, opts, keeper(con, spill=True))


def _kept(
    con: ibis.BaseBackend,
    cfg: Config,
    opts: AnalysisOptions,
    kept: contextlib.AbstractContextManager[Keeper],
) -> AnalysisResult:
    with kept as keep:
        bases, sups = [], []
        for part in keep.parts(opts):
            grain = keep(spend_grain(con, part))
            bases.append(keep(enriched_spend(con, cfg, part, grain)))
            sups.append(keep(per_supplier(in_scope(bases[-1], part))))
        return _analyse(_union(bases), _union(sups), opts)


def _union(tables: list[ir.Table]) -> ir.Table:
    return tables[0] if len(tables) == 1 else ibis.union(*tables, distinct=False)


def per_supplier(s: ir.Table) -> ir.Table:
    """In-scope spend per anchor and supplier (and redaction, which sets the tier), with its attributes."""
    return s.group_by(
        [
            "org",
            "supplier_name_norm",
            "is_redacted",
            "tier",
            "imd_decile",
            "ward",
            "is_sme",
            "is_vcse",
            "matched",
            "placed_by_registered_office",
        ]
    ).agg(
        amount=s.amount.sum(), transactions=s.transactions.sum(), credit_notes=s.credit_notes.sum()
    )


def _analyse(base: ir.Table, ps: ir.Table, opts: AnalysisOptions) -> AnalysisResult:
    s = in_scope(base, opts)
    amt = ps.amount
    local = amt.sum(where=ps.tier == "local")

    totals = _by_org(
        ps,
        [],
        spend=amt.sum(),
        transactions=ps.transactions.sum(),
        suppliers=ps.supplier_name_norm.nunique(),
        local_spend=local,
        unknown_spend=amt.sum(where=ps.tier == "unknown"),
        deprived10_spend=amt.sum(where=ps.imd_decile <= 1),
        deprived20_spend=amt.sum(where=ps.imd_decile <= 2),
        sme_spend=amt.sum(where=ps.is_sme),
        sme_known_spend=amt.sum(where=ps.is_sme.notnull()),
        vcse_spend=amt.sum(where=ps.is_vcse),
        vcse_known_spend=amt.sum(where=ps.is_vcse.notnull()),
        credit_notes=ps.credit_notes.sum(),
        matched_spend=amt.sum(where=ps.matched),
        registered_office_spend=amt.sum(where=ps.placed_by_registered_office),
    ).fillna(0)
    totals["unmatched_spend"] = totals["spend"] - totals["matched_spend"]
    for col in (
        "local",
        "unknown",
        "deprived10",
        "deprived20",
        "matched",
        "unmatched",
        "registered_office",
    ):
        totals[f"{col}_pct"] = _share(totals, f"{col}_spend", totals["spend"])
    totals["sme_pct_of_known"] = _share(totals, "sme_spend", totals["sme_known_spend"])
    totals["vcse_pct_of_known"] = _share(totals, "vcse_spend", totals["vcse_known_spend"])
    totals["sme_known_pct"] = _share(totals, "sme_known_spend", totals["spend"])
    totals["vcse_known_pct"] = _share(totals, "vcse_known_spend", totals["spend"])

    tiers = _by_org(
        ps,
        ["tier"],
        spend=amt.sum(),
        transactions=ps.transactions.sum(),
        suppliers=ps.supplier_name_norm.nunique(),
    )
    grid = pd.MultiIndex.from_product([totals["org"], TIERS], names=["org", "tier"]).to_frame(
        index=False
    )
    tiers = grid.merge(tiers, how="left").fillna({"spend": 0.0, "transactions": 0, "suppliers": 0})
    tiers["share"] = _share(tiers, "spend", tiers["org"].map(totals.set_index("org")["spend"]))
    tiers["tier_order"] = tiers["tier"].map({t: i for i, t in enumerate(TIERS)})
    tiers = _order(tiers, "org", "tier_order").drop(columns="tier_order")

    dep = _by_org(ps, ["imd_decile"], spend=amt.sum(), suppliers=ps.supplier_name_norm.nunique())
    dep["share"] = _share(dep, "spend", dep["org"].map(totals.set_index("org")["spend"]))
    dep["imd_decile"] = dep["imd_decile"].astype("Int64")
    dep = _order(dep, "org", "imd_decile")

    cats = _by_org(
        s.mutate(category=s.category.fill_null("(no category)")),
        ["category"],
        spend=s.amount.sum(),
        local_spend=s.amount.sum(where=s.tier == "local"),
        non_local_spend=s.amount.sum(where=s.tier.isin(NON_LOCAL_KNOWN)),
        unknown_spend=s.amount.sum(where=s.tier == "unknown"),
    ).fillna(0)
    cats["local_pct"] = _share(cats, "local_spend", cats["spend"])
    cats = _order(cats, "org", "spend", "category", ascending=[True, False, True])
    leakage = cats[cats["non_local_spend"] > 0].sort_values(
        ["org", "non_local_spend", "category"], ascending=[True, False, True]
    )
    leakage = leakage.groupby("org", sort=False).head(15).reset_index(drop=True)

    sup = ps.group_by(["org", "supplier_name_norm"]).agg(
        spend=amt.sum(),
        transactions=ps.transactions.sum(),
        tier=ps.tier.max(),
        imd_decile=ps.imd_decile.min(),
    )
    # Equal spends rank by normalised name, so the top-N cut-off is the same every run (docs/methodology.md).
    sup = sup.mutate(
        rank=ibis.row_number().over(
            group_by=sup.org, order_by=[ibis.desc(sup.spend), sup.supplier_name_norm]
        )
        + 1
    )
    top = sup.filter(sup["rank"] <= opts.top_suppliers).to_pandas()
    whole = ps.group_by("supplier_name_norm").agg(
        spend=amt.sum(),
        transactions=ps.transactions.sum(),
        tier=ps.tier.max(),
        imd_decile=ps.imd_decile.min(),
        anchors=ps.org.nunique(),
    )
    whole = (
        whole.order_by([ibis.desc("spend"), "supplier_name_norm"])
        .limit(opts.top_suppliers)
        .to_pandas()
    )
    whole["org"], whole["rank"] = COLLABORATIVE, range(1, len(whole) + 1)
    top = pd.concat([top, whole], ignore_index=True)
    top["spend"] = top["spend"].astype(float)
    top["share"] = _share(top, "spend", top["org"].map(totals.set_index("org")["spend"]))
    top = _order(top.rename(columns={"supplier_name_norm": "supplier"}), "org", "rank")

    trend = _by_org(
        s,
        ["financial_year"],
        spend=s.amount.sum(),
        local_spend=s.amount.sum(where=s.tier == "local"),
        deprived20_spend=s.amount.sum(where=s.imd_decile <= 2),
    ).fillna(0)
    trend["local_pct"] = _share(trend, "local_spend", trend["spend"])
    trend["deprived20_pct"] = _share(trend, "deprived20_spend", trend["spend"])
    trend["financial_year"] = trend["financial_year"].map(
        lambda y: f"{int(y)}-{(int(y) + 1) % 100:02d}"
    )
    trend = _order(trend, "org", "financial_year")

    ex = base.filter(base.excluded_by.notnull())
    exclusions = _by_org(
        ex, ["excluded_by"], spend=ex.amount.sum(), transactions=ex.transactions.sum()
    )
    exclusions = _order(
        exclusions.rename(columns={"excluded_by": "rule"}),
        "org",
        "spend",
        "rule",
        ascending=[True, False, True],
    )

    loc = ps.filter((ps.tier == "local") & ps.ward.notnull())
    wards = _order(
        _by_org(loc, ["ward"], spend=loc.amount.sum(), suppliers=loc.supplier_name_norm.nunique()),
        "org",
        "spend",
        "ward",
        ascending=[True, False, True],
    )

    result = AnalysisResult(options=opts)
    result.tables = {
        "totals": _order(totals, "org"),
        "tiers": tiers,
        "deprivation": dep,
        "categories": cats,
        "leakage": leakage,
        "top_suppliers": top,
        "trend": trend,
        "exclusions": exclusions,
        "wards": wards,
    }
    return result
