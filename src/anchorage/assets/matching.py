"""Community space matching: each published need's best spaces, ranked, with the reasons in words.

Hard rules: within the group's travel distance, enough capacity, open at every time asked for, every
accessibility need met, within budget. Score (0-1): 40% nearness, 30% size fit, 20% wanted facilities,
10% cheapness. Candidate pairs come from a grid join in DuckDB, so 10k needs × 100k spaces is seconds."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

import duckdb
import pandas as pd
from sqlalchemy import select

from anchorage.assets.geo import near_pairs_sql
from anchorage.assets.times import parse_times
from anchorage.core.errors import AnchorageError
from anchorage.store.assets_records import Need, Space
from anchorage.workspace import Workspace

WEIGHTS = {"distance": 0.4, "fit": 0.3, "facilities": 0.2, "cost": 0.1}
CELL_M = 500.0


@dataclass
class Match:
    need_id: str
    rank: int
    space_id: str
    org: str
    space: str
    distance_m: float
    score: float
    reasons: str


@lru_cache(maxsize=4096)
def _parsed(times: tuple[str, ...]) -> tuple[int, ...]:
    return tuple(parse_times(list(times))) if times else (0,) * 7


def _bits(words: pd.Series, vocab: dict[str, int]) -> list[int]:
    """Each list of words as a bit mask over the vocabulary (words outside it are irrelevant)."""
    return [sum(1 << vocab[w] for w in ws if w in vocab) for ws in words]


def _prepared(
    frame: pd.DataFrame, vocab: dict[str, dict[str, int]], keep: list[str]
) -> pd.DataFrame:
    """The columns SQL needs: times as 7 day masks, accessibility and facilities as bit masks."""
    out = frame[keep].copy()
    masks = [_parsed(tuple(t)) for t in frame["times"]]
    for d in range(7):
        out[f"m{d}"] = [m[d] for m in masks]
    out["any_time"] = [not len(t) for t in frame["times"]]
    out["acc"] = _bits(frame["accessibility"], vocab["accessibility"])
    out["fac"] = _bits(frame["facilities"], vocab["facilities"])
    return out


def _vocabulary(needs: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Bit positions for the words needs ask for (only those can change a match)."""
    vocab = {}
    for col in ("accessibility", "facilities"):
        words = sorted({w for ws in needs[col] for w in ws})
        if len(words) > 63:
            raise AnchorageError(
                f"Needs ask for {len(words)} different {col} words; matching handles up to 63.",
                fix="Use the standard words (see docs/assets.md).",
            )
        vocab[col] = {w: i for i, w in enumerate(words)}
    return vocab


def match_frames(
    needs: pd.DataFrame,
    spaces: pd.DataFrame,
    *,
    top: int = 5,
    con: duckdb.DuckDBPyConnection | None = None,
) -> pd.DataFrame:
    """Rank spaces for needs. needs: id, people, times (list of str), accessibility, facilities (lists),
    easting, northing, max_distance_m, budget_per_hour; spaces: id, org, name, capacity, times, facilities,
    accessibility, hourly_cost, easting, northing. A space with no times listed is open any time; a need
    with none fits any open space."""
    own = con is None
    con = con or duckdb.connect()
    try:
        vocab = _vocabulary(needs)
        n = _prepared(
            needs,
            vocab,
            ["id", "people", "easting", "northing", "max_distance_m", "budget_per_hour"],
        )
        s = _prepared(
            spaces, vocab, ["id", "org", "name", "capacity", "hourly_cost", "easting", "northing"]
        )
        n["n_fac"] = [len(f) for f in needs["facilities"]]
        s["ord"] = s["id"].rank(
            method="first"
        )  # ties go to the first space by id (ids may be text)
        con.register("needs_in", n)
        con.register("spaces_in", s)
        con.register("needs_words", needs[["id", "accessibility"]])
        cover = " AND ".join(f"(n.m{d} & ~s.m{d}) = 0" for d in range(7))
        # Only ids and coordinates go through the grid join; attributes join on the pairs within reach.
        pairs = near_pairs_sql("needs_in", "spaces_in", ["id"], ["id"], "max_distance_m", CELL_M)
        w = WEIGHTS
        return con.execute(f"""
            WITH ok AS (
                SELECT p.l_id, p.r_id, p.distance_m, p.l_radius, n.people, n.n_fac, n.budget_per_hour,
                       n.any_time AS n_any, s.any_time AS s_any, s.org, s.name, s.capacity, s.hourly_cost,
                       s.ord AS s_ord, bit_count(n.fac & s.fac) AS fac_hits,
                       {w["distance"]} * (1 - p.distance_m / p.l_radius) + {w["fit"]} * (n.people / s.capacity)
                       + {w["facilities"]} * CASE WHEN n.n_fac = 0 THEN 1.0 ELSE bit_count(n.fac & s.fac) / n.n_fac END
                       + {w["cost"]} * CASE WHEN s.hourly_cost = 0 THEN 1.0 WHEN n.budget_per_hour IS NULL THEN 0.5
                                            ELSE 1 - s.hourly_cost / n.budget_per_hour END AS score
                FROM ({pairs}) p JOIN needs_in n ON n.id = p.l_id JOIN spaces_in s ON s.id = p.r_id
                WHERE s.capacity >= n.people
                  AND (n.acc & ~s.acc) = 0
                  AND (n.budget_per_hour IS NULL OR s.hourly_cost <= n.budget_per_hour)
                  AND (n.any_time OR s.any_time OR ({cover}))
            ), best AS (
                -- Top k per need by score, then nearer, then lower space id: an aggregate, not a full sort.
                SELECT l_id, unnest(max_by(ok, struct_pack(s := score, d := -distance_m, i := -s_ord), {int(top)}))
                           AS m,
                       generate_subscripts(max_by(ok, struct_pack(s := score, d := -distance_m, i := -s_ord),
                                                  {int(top)}), 1) AS rank
                FROM ok GROUP BY l_id
            )
            SELECT l_id AS need_id, rank, m.r_id AS space_id, m.org AS org, m.name AS space,
                   round(m.distance_m) AS distance_m, round(m.score, 4) AS score,
                   concat_ws('; ',
                       printf('%.1f km away (limit %.1f km)', m.distance_m / 1000, m.l_radius / 1000),
                       printf('fits %d of %d places', m.people, m.capacity),
                       CASE WHEN len(w.accessibility) > 0 THEN 'has ' || array_to_string(w.accessibility, ', ') END,
                       CASE WHEN m.n_fac > 0 THEN printf('%d of %d facilities wanted', m.fac_hits, m.n_fac) END,
                       CASE WHEN m.hourly_cost = 0 THEN 'free'
                            ELSE printf('£%.2f an hour', m.hourly_cost)
                                 || CASE WHEN m.budget_per_hour IS NOT NULL
                                         THEN printf(' (budget £%.2f)', m.budget_per_hour) ELSE '' END END,
                       CASE WHEN NOT m.n_any AND NOT m.s_any THEN 'open at the times asked for' END
                   ) AS reasons
            FROM best JOIN needs_words w ON w.id = best.l_id
            ORDER BY need_id, rank
        """).df()
    finally:
        if own:
            con.close()


def needs_frame(ws: Workspace) -> pd.DataFrame:
    """Published needs that have a location, as the frame match_frames takes."""
    with ws.session() as s:
        rows = s.scalars(
            select(Need).where(Need.status == "published", Need.easting.is_not(None))
        ).all()
    return pd.DataFrame(
        [
            {
                "id": r.id,
                "people": r.people,
                "times": list(r.times),
                "accessibility": list(r.accessibility),
                "facilities": list(r.facilities),
                "easting": r.easting,
                "northing": r.northing,
                "max_distance_m": float(r.max_distance_m),
                "budget_per_hour": float(r.budget_per_hour)
                if r.budget_per_hour is not None
                else None,
            }
            for r in rows
        ],
        columns=[
            "id",
            "people",
            "times",
            "accessibility",
            "facilities",
            "easting",
            "northing",
            "max_distance_m",
            "budget_per_hour",
        ],
    )


def spaces_frame(ws: Workspace) -> pd.DataFrame:
    """Active spaces that have a location, as the frame match_frames takes."""
    with ws.session() as s:
        rows = s.scalars(
            select(Space).where(Space.active.is_(True), Space.easting.is_not(None))
        ).all()
    return pd.DataFrame(
        [
            {
                "id": r.id,
                "org": r.org,
                "name": r.name,
                "capacity": r.capacity,
                "times": list(r.times),
                "facilities": list(r.facilities),
                "accessibility": list(r.accessibility),
                "hourly_cost": float(r.hourly_cost),
                "easting": r.easting,
                "northing": r.northing,
            }
            for r in rows
        ],
        columns=[
            "id",
            "org",
            "name",
            "capacity",
            "times",
            "facilities",
            "accessibility",
            "hourly_cost",
            "easting",
            "northing",
        ],
    )


def match_needs(ws: Workspace, *, top: int = 5) -> list[Match]:
    """The best `top` spaces for every published need (a need with no match is simply absent)."""
    needs, spaces = needs_frame(ws), spaces_frame(ws)
    if needs.empty or spaces.empty:
        return []
    df = match_frames(needs, spaces, top=top)
    return [
        Match(**{str(k): (v.item() if hasattr(v, "item") else v) for k, v in r.items()})
        for r in df.to_dict("records")
    ]


def matches_json(matches: list[Match]) -> list[dict[str, Any]]:
    return [asdict(m) for m in matches]
