"""One register across anchors: assets that share a UPRN are reported, never silently dropped."""

from __future__ import annotations

import duckdb
import pandas as pd


def uprn_duplicates(con: duckdb.DuckDBPyConnection, *, org: str | None = None) -> pd.DataFrame:
    """UPRNs that appear more than once in the registers (across anchors or within one), with who holds them.

    `org` limits the answer to UPRNs that anchor holds."""
    return con.execute(
        """
        SELECT uprn, count(DISTINCT org) AS anchors, count(*) AS records,
               string_agg(DISTINCT org, ', ' ORDER BY org) AS held_by,
               string_agg(DISTINCT coalesce(name, asset_ref, ''), ' | ') AS names,
               string_agg(DISTINCT coalesce(tenure, '?'), ', ') AS tenures
        FROM assets WHERE uprn IS NOT NULL
        GROUP BY uprn HAVING count(*) > 1 AND ($org IS NULL OR bool_or(org = $org))
        ORDER BY anchors DESC, uprn
    """,
        {"org": org},
    ).df()


def register_sql() -> str:
    """SQL for the collaborative's register: one row per asset. Records sharing a UPRN are merged into one
    (the freehold record first, then by anchor), with `held_by` naming every anchor and `records` counting
    them; assets without a UPRN are kept one per record."""
    grp = "coalesce(uprn, org || '|' || row_no || '|' || upload_id)"
    return f"""
        WITH agg AS (
            SELECT {grp} AS grp, count(*) AS records, string_agg(DISTINCT org, ', ' ORDER BY org) AS held_by
            FROM assets GROUP BY ALL
        ), first AS (
            SELECT {grp} AS grp, * FROM assets
            QUALIFY row_number() OVER (PARTITION BY grp ORDER BY (upper(coalesce(tenure, '')) LIKE 'FREEHOLD%') DESC,
                                                                 org, row_no) = 1
        )
        SELECT first.* EXCLUDE (grp), agg.records, agg.held_by FROM first JOIN agg USING (grp)
    """


def collaborative_register(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The de-duplicated register as a frame (see register_sql)."""
    return con.execute(register_sql() + " ORDER BY org, asset_key").df()


def register_summary(register: pd.DataFrame, by: str) -> pd.DataFrame:
    """Assets, floor area (m²; ERIC gross internal area, else building size) and land (ha) of the
    de-duplicated register by one column (org, type, tenure…), largest first; missing values as "unknown"."""
    cols = [by, "assets", "floor_m2", "land_ha"]
    if register.empty:
        return pd.DataFrame(columns=cols)
    floor = (
        register["gross_floor_m2"].fillna(register["building_m2"])
        if "gross_floor_m2" in register
        else register["building_m2"]
    )
    df = pd.DataFrame(
        {
            by: register[by].fillna("unknown").astype(str),
            "floor_m2": floor,
            "land_ha": register["land_ha"],
            "asset_key": register["asset_key"],
        }
    )
    out = (
        df.groupby(by)
        .agg(
            assets=("asset_key", "count"), floor_m2=("floor_m2", "sum"), land_ha=("land_ha", "sum")
        )
        .reset_index()
    )
    out["floor_m2"] = out["floor_m2"].round(0)
    out["land_ha"] = out["land_ha"].round(2)
    return out.sort_values(["assets", by], ascending=[False, True])[cols].reset_index(drop=True)
