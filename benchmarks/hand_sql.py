"""Hand-written DuckDB SQL over the loaded warehouse: the floor that Anchorage's analysis is measured against.

`floor` is one statement: spend ⋈ supplier_profile ⋈ postcodes ⋈ imd → share of spend by tier and IMD decile
per anchor (and for the collaborative), with the workspace's tiers and exclusion rules.

`full` computes the same tables analyse() returns (totals, tiers, deprivation, categories, leakage, top
suppliers, trend, exclusions, wards) with the same semantics, written the way a DuckDB expert would: one
pass over spend into a small cube at (anchor, supplier, category, financial year, redacted) grain, and the
per-supplier work (tier, IMD, exclusion regexes) done once per supplier rather than once per payment.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from anchorage.config import TIERS, UK_COUNTRY_CODES, Config
from anchorage.procurement.enrich import UK_COUNTRY_NAMES

COLLAB = "collaborative"


def _q(v: str) -> str:
    return "'" + v.replace("'", "''") + "'"


def _in(values: list[str] | tuple[str, ...]) -> str:
    return "(" + ", ".join(_q(v) for v in values) + ")" if values else "(NULL)"


def tier_sql(
    cfg: Config,
    lad: str = "pc.lad",
    rgn: str = "pc.rgn",
    ctry: str = "pc.ctry",
    country: str = "country",
) -> str:
    """The tier of a supplier (before redaction), innermost first, as in enrich.tier_expr."""
    p = cfg.place
    parts = [f"WHEN {lad} IN {_in(p.local)} THEN 'local'"]
    if p.sub_region:
        parts.append(f"WHEN {lad} IN {_in(p.sub_region)} THEN 'sub-region'")
    if p.region:
        parts.append(f"WHEN {rgn} = {_q(p.region)} THEN 'region'")
    parts.append(f"WHEN {ctry} IN {_in(UK_COUNTRY_CODES)} THEN 'uk'")
    parts.append(
        f"WHEN {country} IS NOT NULL AND upper(trim({country})) NOT IN {_in(UK_COUNTRY_NAMES)} "
        "THEN 'abroad'"
    )
    return "CASE " + " ".join(parts) + " ELSE 'unknown' END"


def rule_sql(cfg: Config, field: str, expr: str) -> str:
    """Index (in config order) of the first enabled exclusion rule on `field` that matches, else NULL."""
    rules = [
        (i, r) for i, r in enumerate(r for r in cfg.exclusions if r.enabled) if r.field == field
    ]
    if not rules:
        return "CAST(NULL AS INTEGER)"
    arg = expr if field == "supplier" else f"upper({expr})"
    return (
        "CASE "
        + " ".join(f"WHEN regexp_matches({arg}, {_q(r.pattern)}) THEN {i}" for i, r in rules)
        + " END"
    )


def rule_names(cfg: Config) -> str:
    return "[" + ", ".join(_q(r.name) for r in cfg.exclusions if r.enabled) + "]"


def _known_sql() -> str:
    return (
        "known AS (SELECT supplier_name_norm, max(postcode) AS any_postcode, max(country) AS any_country, "
        "max(is_sme::TINYINT) AS any_sme, max(is_vcse::TINYINT) AS any_vcse FROM supplier_profile GROUP BY ALL)"
    )


def _geo_join(cfg: Config, prof: str = "p") -> str:
    """The supplier register's row (issue 5: registered office, SME, VCSE where no anchor knows), then
    the postcode (the anchors' own, else the registered office) and its IMD."""
    lsoa = "lsoa11" if cfg.imd_version == "2019" else "lsoa21"
    return (
        f"LEFT JOIN supplier_resolution reg ON reg.org = o.org AND reg.supplier_name_norm = o.supplier_name_norm "
        f"LEFT JOIN postcodes pc ON pc.pcd_key = "
        f"replace(coalesce({prof}.postcode, k.any_postcode, reg.registered_postcode), ' ', '') "
        f"LEFT JOIN imd i ON i.lsoa = pc.{lsoa} AND i.version = {_q(cfg.imd_version)}"
    )


def floor(con: duckdb.DuckDBPyConnection, cfg: Config) -> pd.DataFrame:
    """One statement: spend ⋈ supplier_profile ⋈ postcodes ⋈ imd → spend by tier and IMD decile, with shares.

    Payments are first summed per (anchor, supplier, category, redacted), so the joins, the tier CASE and the
    exclusion regexes run once per supplier or category rather than once per payment.
    """
    return con.execute(f"""
        WITH {_known_sql()},
        agg AS (SELECT org, supplier_name_norm, category, is_redacted, sum(amount) AS spend, count(*) AS n
                FROM spend GROUP BY ALL),
        sup AS (
            SELECT o.org, o.supplier_name_norm, i.imd_decile,
                   {tier_sql(cfg, country="coalesce(p.country, k.any_country)")} AS tier,
                   {rule_sql(cfg, "supplier", "o.supplier_name_norm")} AS r
            FROM (SELECT DISTINCT org, supplier_name_norm FROM agg) o
            LEFT JOIN supplier_profile p USING (org, supplier_name_norm)
            LEFT JOIN known k USING (supplier_name_norm) {_geo_join(cfg)}
        ),
        cats AS (SELECT category, {rule_sql(cfg, "category", "category")} AS r
                 FROM (SELECT DISTINCT category FROM agg)),
        e AS (
            SELECT a.org, a.spend, a.n, d.imd_decile, CASE WHEN a.is_redacted THEN 'unknown' ELSE d.tier END AS tier
            FROM agg a JOIN sup d USING (org, supplier_name_norm)
            JOIN cats c ON c.category IS NOT DISTINCT FROM a.category
            WHERE d.r IS NULL AND c.r IS NULL
        )
        SELECT *, round(spend / sum(spend) OVER (PARTITION BY org), 4) AS share
        FROM (SELECT CASE WHEN grouping(org) = 1 THEN '{COLLAB}' ELSE org END AS org, tier, imd_decile,
                     sum(spend) AS spend, sum(n) AS transactions
              FROM e GROUP BY GROUPING SETS ((org, tier, imd_decile), (tier, imd_decile)))
        ORDER BY org, tier, imd_decile
    """).df()


def _by_org(keys: str, aggs: str, source: str = "h_e", where: str = "NOT excluded") -> str:
    """Per anchor and for the whole collaborative, in one GROUPING SETS aggregate."""
    key_list = f", {keys}" if keys else ""
    sets = f"(org{key_list}), ({keys})" if keys else "(org), ()"
    return (
        f"SELECT CASE WHEN grouping(org) = 1 THEN '{COLLAB}' ELSE org END AS org{key_list}, {aggs} "
        f"FROM {source} WHERE {where} GROUP BY GROUPING SETS ({sets})"
    )


def full(con: duckdb.DuckDBPyConnection, cfg: Config, top: int = 20) -> dict[str, pd.DataFrame]:
    """Every table analyse() returns, by hand."""
    con.execute("""
        CREATE OR REPLACE TEMP TABLE h_cube AS
        SELECT org, supplier_name_norm, category, is_redacted,
               (year(payment_date) - CASE WHEN month(payment_date) < 4 THEN 1 ELSE 0 END)::INTEGER AS fy,
               sum(amount) AS spend, count(*) AS n, sum(amount) FILTER (WHERE amount < 0) AS credit
        FROM spend GROUP BY ALL""")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE h_e AS
        WITH {_known_sql()},
        sup AS (
            SELECT o.org, o.supplier_name_norm, pc.ward, i.imd_decile,
                   coalesce(p.is_sme, k.any_sme = 1, reg.register_sme) AS is_sme,
                   coalesce(p.is_vcse, k.any_vcse = 1, reg.register_vcse) AS is_vcse,
                   reg.register_id IS NOT NULL AS matched,
                   coalesce(p.postcode, k.any_postcode) IS NULL AND reg.registered_postcode IS NOT NULL AS by_office,
                   {tier_sql(cfg, country="coalesce(p.country, k.any_country)")} AS tier,
                   {rule_sql(cfg, "supplier", "o.supplier_name_norm")} AS r
            FROM (SELECT DISTINCT org, supplier_name_norm FROM h_cube) o
            LEFT JOIN supplier_profile p USING (org, supplier_name_norm)
            LEFT JOIN known k USING (supplier_name_norm) {_geo_join(cfg)}
        ),
        cats AS (SELECT category, {rule_sql(cfg, "category", "category")} AS r
                 FROM (SELECT DISTINCT category FROM h_cube))
        SELECT c.*, s.ward, s.imd_decile, s.is_sme, s.is_vcse, s.matched, s.by_office,
               CASE WHEN c.is_redacted THEN 'unknown' ELSE s.tier END AS tier,
               {rule_names(cfg)}[least(coalesce(s.r, 999), coalesce(k.r, 999)) + 1] AS excluded_by,
               excluded_by IS NOT NULL AS excluded
        FROM h_cube c JOIN sup s USING (org, supplier_name_norm)
        JOIN cats k ON k.category IS NOT DISTINCT FROM c.category""")
    money = lambda cond: f"coalesce(sum(spend) FILTER (WHERE {cond}), 0)"  # noqa: E731
    local, unknown, dep20 = (
        money("tier = 'local'"),
        money("tier = 'unknown'"),
        money("imd_decile <= 2"),
    )
    non_local = money("tier IN ('sub-region', 'region', 'uk', 'abroad')")
    n_sup = "count(DISTINCT supplier_name_norm) AS suppliers"
    last = f"ORDER BY org = '{COLLAB}', org"
    totals = _by_org(
        "",
        ", ".join(
            [
                "sum(spend) AS spend",
                "sum(n) AS transactions",
                n_sup,
                f"{local} AS local_spend",
                f"{unknown} AS unknown_spend",
                f"{money('imd_decile <= 1')} AS deprived10_spend",
                f"{dep20} AS deprived20_spend",
                f"{money('is_sme')} AS sme_spend",
                f"{money('is_sme IS NOT NULL')} AS sme_known_spend",
                f"{money('is_vcse')} AS vcse_spend",
                f"{money('is_vcse IS NOT NULL')} AS vcse_known_spend",
                "coalesce(sum(credit), 0) AS credit_notes",
                f"{money('matched')} AS matched_spend",
                f"{money('by_office')} AS registered_office_spend",
            ]
        ),
    )
    pct = lambda a, b, name: f"round({a} / nullif({b}, 0), 4) AS {name}"  # noqa: E731
    t: dict[str, pd.DataFrame] = {}
    t["totals"] = con.execute(f"""
        SELECT *, {pct("local_spend", "spend", "local_pct")}, {pct("unknown_spend", "spend", "unknown_pct")},
               {pct("deprived10_spend", "spend", "deprived10_pct")}, {pct("deprived20_spend", "spend", "deprived20_pct")},
               {pct("sme_spend", "sme_known_spend", "sme_pct_of_known")},
               {pct("vcse_spend", "vcse_known_spend", "vcse_pct_of_known")},
               {pct("sme_known_spend", "spend", "sme_known_pct")}, {pct("vcse_known_spend", "spend", "vcse_known_pct")},
               {pct("matched_spend", "spend", "matched_pct")}, {pct("(spend - matched_spend)", "spend", "unmatched_pct")},
               {pct("registered_office_spend", "spend", "registered_office_pct")},
               spend - matched_spend AS unmatched_spend
        FROM ({totals}) {last}""").df()
    tiers_list = "[" + ", ".join(_q(x) for x in TIERS) + "]"
    t["tiers"] = con.execute(f"""
        WITH a AS ({_by_org("tier", f"sum(spend) AS spend, sum(n) AS transactions, {n_sup}")}),
        g AS (SELECT org, unnest({tiers_list}) AS tier, generate_subscripts({tiers_list}, 1) AS o
              FROM (SELECT DISTINCT org FROM a))
        SELECT g.org, g.tier, coalesce(a.spend, 0) AS spend, coalesce(a.transactions, 0) AS transactions,
               coalesce(a.suppliers, 0) AS suppliers,
               round(coalesce(a.spend, 0) / sum(a.spend) OVER (PARTITION BY g.org), 4) AS share
        FROM g LEFT JOIN a USING (org, tier) ORDER BY g.org = '{COLLAB}', g.org, g.o""").df()
    t["deprivation"] = con.execute(f"""
        SELECT *, round(spend / sum(spend) OVER (PARTITION BY org), 4) AS share
        FROM ({_by_org("imd_decile", f"sum(spend) AS spend, {n_sup}")}) {last}, imd_decile""").df()
    cats = _by_org(
        "category",
        f"sum(spend) AS spend, {local} AS local_spend, {non_local} AS non_local_spend, "
        f"{unknown} AS unknown_spend",
        source="(SELECT * REPLACE (coalesce(category, '(no category)') AS category) FROM h_e)",
    )
    t["categories"] = con.execute(
        f"SELECT *, {pct('local_spend', 'spend', 'local_pct')} FROM ({cats}) {last}, spend DESC"
    ).df()
    c = t["categories"]
    t["leakage"] = (
        c[c["non_local_spend"] > 0]
        .sort_values(["org", "non_local_spend"], ascending=[True, False])
        .groupby("org", sort=False)
        .head(15)
        .reset_index(drop=True)
    )
    per_sup = (
        "SELECT {org} supplier_name_norm AS supplier, sum(spend) AS spend, sum(n) AS transactions, "
        "max(tier) AS tier, min(imd_decile) AS imd_decile{extra} FROM h_e WHERE NOT excluded GROUP BY ALL"
    )
    t["top_suppliers"] = con.execute(f"""
        WITH tot AS (SELECT org, sum(spend) AS total FROM h_e WHERE NOT excluded GROUP BY org
                     UNION ALL SELECT '{COLLAB}', sum(spend) FROM h_e WHERE NOT excluded),
        per AS (SELECT *, row_number() OVER (PARTITION BY org ORDER BY spend DESC, supplier) AS rank
                FROM ({per_sup.format(org="org,", extra="")}) QUALIFY rank <= {top}),
        whole AS (SELECT '{COLLAB}' AS org, *, row_number() OVER (ORDER BY spend DESC, supplier) AS rank
                  FROM ({per_sup.format(org="", extra=", count(DISTINCT org) AS anchors")})
                  ORDER BY spend DESC, supplier LIMIT {top})
        SELECT x.*, round(x.spend / tot.total, 4) AS share
        FROM (SELECT * FROM per UNION ALL BY NAME SELECT * FROM whole) x JOIN tot USING (org)
        {last}, rank""").df()
    trend = _by_org(
        "fy", f"sum(spend) AS spend, {local} AS local_spend, {dep20} AS deprived20_spend"
    )
    t["trend"] = con.execute(f"""
        SELECT org, fy::VARCHAR || '-' || lpad(((fy + 1) % 100)::VARCHAR, 2, '0') AS financial_year,
               spend, local_spend, deprived20_spend, {pct("local_spend", "spend", "local_pct")},
               {pct("deprived20_spend", "spend", "deprived20_pct")}
        FROM ({trend}) {last}, fy""").df()
    excl = _by_org("excluded_by", "sum(spend) AS spend, sum(n) AS transactions", where="excluded")
    t["exclusions"] = (
        con.execute(f"SELECT * FROM ({excl}) {last}, spend DESC")
        .df()
        .rename(columns={"excluded_by": "rule"})
    )
    wards = _by_org(
        "ward",
        f"sum(spend) AS spend, {n_sup}",
        where="NOT excluded AND tier = 'local' AND ward IS NOT NULL",
    )
    t["wards"] = con.execute(f"SELECT * FROM ({wards}) {last}, spend DESC").df()
    con.execute("DROP TABLE h_cube; DROP TABLE h_e")
    return t
