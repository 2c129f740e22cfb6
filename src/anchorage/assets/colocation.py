"""Co-location candidates: assets of different anchors within a given distance of each other."""

from __future__ import annotations

import duckdb
import pandas as pd

from anchorage.assets.dedupe import register_sql
from anchorage.assets.geo import near_pairs_sql
from anchorage.core.errors import AnchorageError

COLS = ["org", "asset_key", "name", "postcode", "uprn"]


def colocation_candidates(
    con: duckdb.DuckDBPyConnection, distance_m: float = 250.0
) -> pd.DataFrame:
    """Pairs of assets held by different anchors within `distance_m` metres (British National Grid), nearest
    first. Assets that share a UPRN are one asset (see dedupe), not a pair."""
    if distance_m <= 0:
        raise AnchorageError(
            f"The distance between assets must be more than 0 metres (it was {distance_m:g}).",
            fix="Give a distance in metres, such as 250.",
        )
    con.execute(f"CREATE OR REPLACE TEMP TABLE _reg AS {register_sql()}")
    cell = max(float(distance_m), 50.0)
    pairs = near_pairs_sql("_reg", "_reg", COLS, COLS, str(float(distance_m)), cell)
    return con.execute(f"""
        SELECT l_org AS org_a, l_asset_key AS asset_a, l_name AS name_a, l_postcode AS postcode_a,
               r_org AS org_b, r_asset_key AS asset_b, r_name AS name_b, r_postcode AS postcode_b,
               round(distance_m) AS distance_m
        FROM ({pairs}) WHERE l_org < r_org
        ORDER BY distance_m, org_a, asset_a, org_b, asset_b
    """).df()
