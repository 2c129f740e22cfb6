"""NEF's Local Multiplier 3 (LM3) from supplier re-spend surveys, per anchor and for the collaborative.

    LM3 = (round 1 + round 2 + round 3) / round 1

- round 1: the anchor's spend with the surveyed suppliers (their income from the anchor);
- round 2: what those suppliers spend locally out of it: wages to staff living locally plus purchases from
  local suppliers (income x wages share x local staff share + income x purchases share x local share);
- round 3: what those local recipients spend locally again, at the framework's assumed rates
  (local staff pay x staff_local_respend + local purchases x supplier_local_respend).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from anchorage.procurement.analysis import COLLABORATIVE, frame_records
from anchorage.reference.postcode import postcode_key_sql
from anchorage.socialvalue.framework import Framework, load_framework
from anchorage.workspace import Workspace


@dataclass(frozen=True)
class Rounds:
    round1: float
    round2: float
    round3: float
    responses: int

    @property
    def lm3(self) -> float | None:
        return (self.round1 + self.round2 + self.round3) / self.round1 if self.round1 > 0 else None

    @property
    def local_respend_per_pound(self) -> float | None:
        """(round 2 + round 3) / round 1: what each £ spent with these suppliers adds locally after round 1."""
        return (self.round2 + self.round3) / self.round1 if self.round1 > 0 else None


def response_rounds(
    income: float,
    wages_share: float,
    local_staff_share: float,
    purchases_share: float,
    local_purchases_share: float,
    staff_respend: float,
    supplier_respend: float,
) -> Rounds:
    """One supplier's three rounds (shares as fractions 0-1)."""
    local_wages = income * wages_share * local_staff_share
    local_purchases = income * purchases_share * local_purchases_share
    return Rounds(
        income,
        local_wages + local_purchases,
        local_wages * staff_respend + local_purchases * supplier_respend,
        1,
    )


def with_rounds(responses: pd.DataFrame, fw: Framework) -> pd.DataFrame:
    """Each response with its round 1, 2 and 3 (columns round1, round2, round3)."""
    df = responses.copy()
    inc = df["income"].astype(float)
    local_wages = inc * df["wages_share"] * df["local_staff_share"]
    local_purchases = inc * df["purchases_share"] * df["local_purchases_share"]
    df["round1"] = inc
    df["round2"] = local_wages + local_purchases
    df["round3"] = (
        local_wages * fw.staff_local_respend + local_purchases * fw.supplier_local_respend
    )
    return df


def total_rounds(df: pd.DataFrame) -> Rounds:
    if df.empty:
        return Rounds(0.0, 0.0, 0.0, 0)
    return Rounds(
        float(df["round1"].sum()), float(df["round2"].sum()), float(df["round3"].sum()), len(df)
    )


def read_responses(ws: Workspace) -> pd.DataFrame:
    """Every survey response, each with whether the supplier is local (its postcode in the place's local
    authorities; unknown when no postcode is given or the postcode is not in the reference data)."""
    local = ws.config.place.local
    with ws.warehouse(read_only=True) as con:
        return con.execute(
            f"""
            SELECT r.org, r.supplier_name, r.supplier_key, r.year, r.income, r.wages_share, r.local_staff_share,
                   r.purchases_share, r.local_purchases_share, r.postcode,
                   CASE WHEN p.lad IS NULL THEN NULL ELSE list_contains(?, p.lad) END AS supplier_local
            FROM lm3_responses r
            LEFT JOIN postcodes p ON p.pcd_key = {postcode_key_sql("r.postcode")}
        """,
            [local],
        ).df()


def lm3_table(responses: pd.DataFrame, fw: Framework) -> pd.DataFrame:
    """LM3 per anchor and for the whole collaborative, with the rounds and the number of responses."""
    cols = ["org", "responses", "round1", "round2", "round3", "lm3"]
    if responses.empty:
        return pd.DataFrame(columns=cols)
    df = with_rounds(responses, fw)
    rows = []
    for org, part in [*df.groupby("org"), (COLLABORATIVE, df)]:
        r = total_rounds(part)
        rows.append(
            {
                "org": org,
                "responses": r.responses,
                "round1": r.round1,
                "round2": r.round2,
                "round3": r.round3,
                "lm3": round(r.lm3, 4) if r.lm3 is not None else None,
            }
        )
    return pd.DataFrame(rows, columns=cols)


@dataclass
class Lm3Result:
    table: pd.DataFrame
    responses: pd.DataFrame  # per supplier, with rounds (detail: gate by anchor)
    staff_local_respend: float
    supplier_local_respend: float

    def to_json(self) -> dict[str, Any]:
        return {
            "lm3": frame_records(self.table),
            "assumptions": {
                "staff_local_respend": self.staff_local_respend,
                "supplier_local_respend": self.supplier_local_respend,
            },
        }


def lm3_results(
    ws: Workspace, fw: Framework | None = None, *, year: int | None = None
) -> Lm3Result:
    """LM3 of every survey answer, or of those of one survey year."""
    fw = fw or load_framework(ws)
    raw = read_responses(ws)
    if year is not None and not raw.empty:
        raw = raw[raw["year"] == year].reset_index(drop=True)
    detail = with_rounds(raw, fw) if not raw.empty else raw
    return Lm3Result(lm3_table(raw, fw), detail, fw.staff_local_respend, fw.supplier_local_respend)
