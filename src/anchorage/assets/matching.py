"""Community space matching: each published need's best spaces, ranked, with the reasons in words.

Hard rules: within the group's travel distance, enough capacity, open at every time asked for, every
accessibility need met, within budget. Score (0-1): 40% nearness, 30% size fit, 20% wanted facilities,
10% cheapness. Candidate pairs come from a grid join in DuckDB, so 10k needs × 100k spaces is seconds."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import duckdb
import pandas as pd
from sqlalchemy import select

from anchorage.assets.geo import near_pairs_sql
from anchorage.assets.times import parse_times
from anchorage.store.assets_records import Need, Space
from anchorage.workspace import Workspace

WEIGHTS = {"distance": 0.4, "fit": 0.3, "facilities": 0.2, "cost": 0.1}
CELL_M = 1000.0


@dataclass
class Match:
    need_id: int
    rank: int
    space_id: int
    org: str
    space: str
    distance_m: float
    score: float
    reasons: str


def _masks(frame: pd.DataFrame) -> pd.DataFrame:
    masks = [parse_times(t) if len(t) else [0] * 7 for t in frame["times"]]
    any_time = [not len(t) for t in frame["times"]]
    out = frame.drop(columns=["times"]).copy()
    for d in range(7):
        out[f"m{d}"] = [m[d] for m in masks]
    out["any_time"] = any_time
    return out


def match_frames(needs: pd.DataFrame, spaces: pd.DataFrame, *, top: int = 5,
                 con: duckdb.DuckDBPyConnection | None = None) -> pd.DataFrame:
    """Rank spaces for needs. needs: id, people, times (list of str), accessibility, facilities (lists),
    easting, northing, max_distance_m, budget_per_hour; spaces: id, org, name, capacity, times, facilities,
    accessibility, hourly_cost, easting, northing. A space with no times listed is open any time; a need
    with none fits any open space."""
    own = con is None
    con = con or duckdb.connect()
    try:
        n, s = _masks(needs), _masks(spaces)
        con.register("needs_in", n)
        con.register("spaces_in", s)
        cover = " AND ".join(f"(l_m{d} & ~r_m{d}) = 0" for d in range(7))
        pairs = near_pairs_sql(
            "needs_in", "spaces_in",
            ["id", "people", "accessibility", "facilities", "budget_per_hour", "any_time",
             *[f"m{d}" for d in range(7)]],
            ["id", "org", "name", "capacity", "accessibility", "facilities", "hourly_cost", "any_time",
             *[f"m{d}" for d in range(7)]],
            "max_distance_m", CELL_M)
        w = WEIGHTS
        return con.execute(f"""
            WITH p AS ({pairs}),
            ok AS (
                SELECT *,
                    1 - distance_m / l_radius AS s_distance,
                    l_people / r_capacity AS s_fit,
                    CASE WHEN len(l_facilities) = 0 THEN 1.0
                         ELSE len(list_intersect(l_facilities, r_facilities)) / len(l_facilities) END AS s_facilities,
                    CASE WHEN r_hourly_cost = 0 THEN 1.0 WHEN l_budget_per_hour IS NULL THEN 0.5
                         ELSE 1 - r_hourly_cost / l_budget_per_hour END AS s_cost
                FROM p
                WHERE r_capacity >= l_people
                  AND list_has_all(r_accessibility, l_accessibility)
                  AND (l_budget_per_hour IS NULL OR r_hourly_cost <= l_budget_per_hour)
                  AND (l_any_time OR r_any_time OR ({cover}))
            ), ranked AS (
                SELECT *, {w['distance']} * s_distance + {w['fit']} * s_fit + {w['facilities']} * s_facilities
                          + {w['cost']} * s_cost AS score
                FROM ok
                QUALIFY row_number() OVER (PARTITION BY l_id ORDER BY score DESC, distance_m, r_id) <= {int(top)}
            )
            SELECT l_id AS need_id,
                   row_number() OVER (PARTITION BY l_id ORDER BY score DESC, distance_m, r_id) AS rank,
                   r_id AS space_id, r_org AS org, r_name AS space, round(distance_m) AS distance_m,
                   round(score, 4) AS score,
                   concat_ws('; ',
                       printf('%.1f km away (limit %.1f km)', distance_m / 1000, l_radius / 1000),
                       printf('fits %d of %d places', l_people, r_capacity),
                       CASE WHEN len(l_accessibility) > 0 THEN 'has ' || array_to_string(l_accessibility, ', ') END,
                       CASE WHEN len(l_facilities) > 0 THEN printf('%d of %d facilities wanted',
                            len(list_intersect(l_facilities, r_facilities)), len(l_facilities)) END,
                       CASE WHEN r_hourly_cost = 0 THEN 'free'
                            ELSE printf('£%.2f an hour', r_hourly_cost)
                                 || CASE WHEN l_budget_per_hour IS NOT NULL
                                         THEN printf(' (budget £%.2f)', l_budget_per_hour) ELSE '' END END,
                       CASE WHEN NOT l_any_time AND NOT r_any_time THEN 'open at the times asked for' END
                   ) AS reasons
            FROM ranked ORDER BY need_id, rank
        """).df()
    finally:
        if own:
            con.close()


def needs_frame(ws: Workspace) -> pd.DataFrame:
    """Published needs that have a location, as the frame match_frames takes."""
    with ws.session() as s:
        rows = s.scalars(select(Need).where(Need.status == "published", Need.easting.is_not(None))).all()
    return pd.DataFrame([{
        "id": r.id, "people": r.people, "times": list(r.times), "accessibility": list(r.accessibility),
        "facilities": list(r.facilities), "easting": r.easting, "northing": r.northing,
        "max_distance_m": float(r.max_distance_m),
        "budget_per_hour": float(r.budget_per_hour) if r.budget_per_hour is not None else None}
        for r in rows], columns=["id", "people", "times", "accessibility", "facilities", "easting", "northing",
                                 "max_distance_m", "budget_per_hour"])


def spaces_frame(ws: Workspace) -> pd.DataFrame:
    """Active spaces that have a location, as the frame match_frames takes."""
    with ws.session() as s:
        rows = s.scalars(select(Space).where(Space.active.is_(True), Space.easting.is_not(None))).all()
    return pd.DataFrame([{
        "id": r.id, "org": r.org, "name": r.name, "capacity": r.capacity, "times": list(r.times),
        "facilities": list(r.facilities), "accessibility": list(r.accessibility),
        "hourly_cost": float(r.hourly_cost), "easting": r.easting, "northing": r.northing} for r in rows],
        columns=["id", "org", "name", "capacity", "times", "facilities", "accessibility", "hourly_cost",
                 "easting", "northing"])


def match_needs(ws: Workspace, *, top: int = 5) -> list[Match]:
    """The best `top` spaces for every published need (a need with no match is simply absent)."""
    needs, spaces = needs_frame(ws), spaces_frame(ws)
    if needs.empty or spaces.empty:
        return []
    df = match_frames(needs, spaces, top=top)
    return [Match(**{k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()})  # type: ignore[arg-type]
            for r in df.to_dict("records")]


def matches_json(matches: list[Match]) -> list[dict[str, Any]]:
    return [asdict(m) for m in matches]
