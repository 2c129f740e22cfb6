"""The offline assets report: register summary, the map, the review list, UPRN duplicates, co-location
candidates, space matches and the ACV register, in one self-contained HTML file plus CSVs."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment
from markupsafe import Markup

from anchorage.assets.colocation import colocation_candidates
from anchorage.assets.community import acv_register, transfers
from anchorage.assets.dedupe import collaborative_register, uprn_duplicates
from anchorage.assets.matching import match_needs, matches_json
from anchorage.assets.review import review_assets
from anchorage.exports import write_csv
from anchorage.reference.boundaries import load_boundaries
from anchorage.reports.assets_map import asset_map_html
from anchorage.workspace import Workspace

TEMPLATE = """<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{{ title }}</title>
<style>body{font-family:system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:0 24px;color:#0b0c0c}
table{border-collapse:collapse;margin-bottom:24px;font-size:15px}th,td{border-bottom:1px solid #b1b4b6;
padding:4px 8px;text-align:left;vertical-align:top}td.num{text-align:right}fieldset{display:inline-block;
margin:0 8px 8px 0;font-size:14px}h2{border-top:2px solid #0b0c0c;padding-top:8px;margin-top:40px}</style>
</head><body><h1>{{ title }}</h1><p>Generated {{ generated }}. Definitions: docs/assets.md.</p>
{% for s in sections %}<h2 id="{{ s.id }}">{{ s.title }}</h2>{% if s.html %}{{ s.html }}{% endif %}
{% if s.text %}<p>{{ s.text }}</p>{% endif %}{% if s.rows %}<table><thead><tr>{% for c in s.cols %}<th>{{ c }}</th>
{% endfor %}</tr></thead><tbody>{% for r in s.rows %}<tr>{% for c in s.cols %}<td>{{ r[c] }}</td>{% endfor %}</tr>
{% endfor %}</tbody></table>{% elif not s.html %}<p>None.</p>{% endif %}{% endfor %}</body></html>"""
LIMIT = 500  # rows shown per table in the page; the CSVs have them all


def _rows(df: pd.DataFrame | list[dict[str, Any]], cols: list[str]) -> list[dict[str, Any]]:
    frame = pd.DataFrame(df) if not isinstance(df, pd.DataFrame) else df
    if frame.empty:
        return []
    return [
        {c: ("" if pd.isna(v) else v) for c, v in r.items()}
        for r in frame[cols].head(LIMIT).to_dict("records")
    ]


def build_assets_report(ws: Workspace, out_dir: Path) -> Path:
    """Write assets.html and csv/assets-*.csv into out_dir; return the HTML path."""
    out = Path(out_dir)
    (out / "csv").mkdir(parents=True, exist_ok=True)
    anchors = {a.slug: a.name for a in ws.config.anchors}
    review = review_assets(ws)
    with ws.warehouse(read_only=True) as con:
        register = collaborative_register(con)
        dups = uprn_duplicates(con)
        coloc = colocation_candidates(con, 250)
        imd = dict(
            con.execute(
                "SELECT lsoa, imd_decile FROM imd WHERE version = ?", [ws.config.imd_version]
            ).fetchall()
        )
        local_wards = [
            c
            for (c,) in con.execute(
                "SELECT code FROM areas WHERE kind = 'ward' AND list_contains(?, parent)",
                [ws.config.place.local],
            ).fetchall()
        ]
        lsoas = load_boundaries(con, "lsoa")
        wards = load_boundaries(con, "ward", local_wards or None)
    flagged = {(i.org, i.asset_key) for i in review.items}
    points = [
        {
            **r,
            "type": r.get("asset_type") or r.get("services"),
            "availability": "available" if (r["org"], r["asset_key"]) in flagged else "in use",
        }
        for r in register.to_dict("records")
    ]
    matches = matches_json(match_needs(ws))
    review_rows = [{**asdict(i), "reasons": "; ".join(i.reasons)} for i in review.items]
    per_anchor = (
        register.groupby("org")
        .agg(
            assets=("asset_key", "count"),
            floor_m2=("building_m2", "sum"),
            land_ha=("land_ha", "sum"),
        )
        .reset_index()
        if not register.empty
        else pd.DataFrame()
    )
    sections = [
        {
            "id": "register",
            "title": "The register",
            "cols": ["org", "assets", "floor_m2", "land_ha"],
            "rows": _rows(per_anchor, ["org", "assets", "floor_m2", "land_ha"]),
            "text": f"{len(register):,} assets after merging {len(dups):,} UPRNs held more than once.",
        },
        {
            "id": "map",
            "title": "Map",
            "html": Markup(asset_map_html(lsoas, imd, wards, points, anchors)),
        },
        {
            "id": "review",
            "title": f"Underused asset review ({len(review.items):,} of {review.assets_checked:,})",
            "cols": ["org", "asset_key", "name", "reasons", "decision"],
            "rows": _rows(review_rows, ["org", "asset_key", "name", "reasons", "decision"]),
        },
        {
            "id": "duplicates",
            "title": "UPRNs held more than once",
            "cols": ["uprn", "held_by", "names"],
            "rows": _rows(dups, ["uprn", "held_by", "names"]),
        },
        {
            "id": "colocation",
            "title": "Co-location candidates (within 250 m)",
            "cols": ["org_a", "name_a", "org_b", "name_b", "distance_m"],
            "rows": _rows(coloc, ["org_a", "name_a", "org_b", "name_b", "distance_m"]),
        },
        {
            "id": "matches",
            "title": "Community space matches",
            "cols": ["need_id", "rank", "space", "org", "reasons"],
            "rows": _rows(matches, ["need_id", "rank", "space", "org", "reasons"]),
        },
        {
            "id": "acv",
            "title": "Assets of Community Value",
            "cols": ["name", "status", "expires_on", "moratorium_ends"],
            "rows": _rows(
                [asdict(a) for a in acv_register(ws)],
                ["name", "status", "expires_on", "moratorium_ends"],
            ),
        },
        {
            "id": "transfers",
            "title": "Community asset transfers",
            "cols": ["org", "asset_key", "recipient", "status"],
            "rows": _rows(
                [
                    {
                        "org": t.org,
                        "asset_key": t.asset_key,
                        "recipient": t.recipient,
                        "status": t.status,
                    }
                    for t in transfers(ws)
                ],
                ["org", "asset_key", "recipient", "status"],
            ),
        },
    ]
    for name, frame in (
        ("register", register.drop(columns=["source_row"], errors="ignore")),
        ("review", review_rows),
        ("duplicates", dups),
        ("colocation", coloc),
        ("matches", matches),
    ):
        write_csv(out / "csv" / f"assets-{name}.csv", pd.DataFrame(frame))
    now = dt.datetime.now()
    page = (
        Environment(autoescape=True)
        .from_string(TEMPLATE)
        .render(
            title=f"{ws.config.collaborative}: land and buildings",
            generated=f"{now:%d %B %Y, %H:%M}",
            sections=sections,
        )
    )
    path = out / "assets.html"
    path.write_text(page, encoding="utf-8")
    return path
