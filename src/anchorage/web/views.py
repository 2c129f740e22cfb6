"""What a dashboard page shows, built once per committed analysis, anchor and detail visibility (charts are
slow). Pages read the last committed analysis only; the refresh job works out new figures (access/committed.py)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from anchorage.access import committed, page_periods, periods, queries
from anchorage.access.gate import Viewer
from anchorage.core.periods import fy_label
from anchorage.core.scope import COLLABORATIVE
from anchorage.reports import charts, maps
from anchorage.reports.build import ward_geography
from anchorage.services.procurement import frame_records
from anchorage.services.runtime import Workspace, latest_refresh

_views: dict[tuple[str, str, str, str, frozenset[str]], dict[str, Any]] = {}
_building: dict[tuple[str, str, str, str, frozenset[str]], threading.Lock] = {}
_lock = threading.Lock()


def cached(
    kind: str, ws: Workspace, viewer: Viewer, org: str, build: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    """A view depends only on the committed analysis, the anchor and what the viewer may see: build it once.
    Views of an older analysis are dropped, so new figures show as soon as they commit."""
    version = committed.run_id(ws)
    if version is None:
        committed.required(ws)  # says the figures are being worked out
    key = (str(ws.root), str(version), kind, org, viewer.detail_orgs)
    with _lock:  # held for the dictionaries only
        found = _views.get(key)
        building = _building.setdefault(key, threading.Lock())
    if found is not None:
        return found
    # One build per view: when new figures commit, the many first requests for a view wait for one of them
    # to build it instead of all drawing the same charts at once (other views are not held up).
    with building:
        with _lock:
            found = _views.get(key)
        if found is not None:
            return found
        built = build()
        with _lock:
            for old in [k for k in _views if k[0] == key[0] and k[1] != key[1]]:
                del _views[old]
            for old in [k for k in _building if k[0] == key[0] and k[1] != key[1]]:
                del _building[old]
            return _views.setdefault(key, built)


TILE_ROWS = (
    ("spend", "Total spend", "money"),
    ("local_pct", "Local", "pct"),
    ("deprived20_pct", "In the 20% most deprived areas", "pct"),
    ("sme_pct_of_known", "SME (where known)", "pct"),
    ("vcse_pct_of_known", "VCSE (where known)", "pct"),
    ("matched_pct", "Matched to Companies House / Charity Commission", "pct"),
)


# How long a page may show the refresh note as it was looked up for an earlier request.
NOTE_SECONDS = 1.0
_notes: dict[str, tuple[float, tuple[object, ...], str | None]] = {}
_note_lock = threading.Lock()


def refresh_note(ws: Workspace) -> str | None:
    """'Newer figures are being worked out (started 10:02)' while a refresh is queued or running.

    Looked up at most once a second while the warehouse is unchanged (every page shows it, and the look-up is
    several queries of the records database, which grow with the uploads and review decisions): one request
    looks it up while the others show the note as it was; a write to the warehouse (a load, a refresh that
    commits) is seen at once."""
    key, token = str(ws.root), ws.warehouse_version()
    seen = _notes.get(key)
    if seen is not None and seen[1] == token:
        if time.monotonic() - seen[0] < NOTE_SECONDS or not _note_lock.acquire(blocking=False):
            return seen[2]
    else:
        _note_lock.acquire()
    try:
        seen = _notes.get(key)
        if seen is not None and seen[1] == token and time.monotonic() - seen[0] < NOTE_SECONDS:
            return seen[2]  # looked up by the request this one waited for
        job = latest_refresh(ws)
        note = None
        if job is not None:
            at = (job.started_at or job.created_at).astimezone().strftime("%H:%M")
            started = "started" if job.started_at else "asked for at"
            note = f"Newer figures are being worked out ({started} {at})."
        _notes[key] = (time.monotonic(), token, note)
        return note
    finally:
        _note_lock.release()


def period_of(ws: Workspace, asked: str | None) -> dict[str, Any]:
    """The period a page shows (from the URL's ?year=), the years to choose from, and its coverage line: those
    of the committed analysis, which is what the page's figures are."""
    cov = periods.committed_coverage(ws)
    year = periods.chosen_year(cov, asked)
    return page_periods.period_view(
        year,
        list(cov.years),
        lambda y: y in cov.complete_years,
        data_to=periods.data_to(cov, year),
        uploaded=cov.last_upload,
        comparable=periods.comparable(cov, year),
        refreshing=refresh_note(ws),
    )


def _tiles(
    dash: queries.Dashboard,
    prev: queries.Dashboard | None,
    whole: queries.Dashboard | None,
    prev_label: str,
    whole_years: bool = True,
) -> list[dict[str, Any]]:
    """Headline tiles with the change on the previous year and the collaborative's figure beside an anchor's.
    £ of a part year are not set against a whole year (`whole_years` False); shares still are."""
    out = []
    for key, label, kind in TILE_ROWS:
        value = dash.tiles.get(key)
        before = prev.tiles.get(key) if prev else None
        change = None
        if value is not None and before is not None:
            if kind == "money" and not whole_years:
                change = f"Part year: not compared with {prev_label}"
            elif kind == "money":
                change = f"{(value - before) / before:+.1%} on {prev_label}" if before else None
            else:
                change = f"{(value - before) * 100:+.1f} points on {prev_label}"
            if change and change.lstrip("+-").startswith(("0.0%", "0.0 ")):  # never "-0.0"
                change = f"No change on {prev_label}"
        out.append(
            {
                "key": key,
                "label": label,
                "kind": kind,
                "value": value,
                "change": change,
                "whole": whole.tiles.get(key) if whole else None,
            }
        )
    return out


@dataclass(frozen=True)
class Drill:
    """Links from a dashboard's figures to the rows behind them: an anchor's payments, or the supplier
    explorer for the whole collaborative, with the figure's period and filter (counted rows only)."""

    path: str
    year: str | None

    def href(self, **filters: Any) -> str:
        q = {
            **({"year": self.year} if self.year else {}),
            "counted": "yes",
            **{k: str(v) for k, v in filters.items() if v is not None},
        }
        return f"{self.path}?{urlencode(q)}"

    def supplier(self, key: str) -> str:
        return "/supplier?" + urlencode({"name": key})


def drill(ws: Workspace, viewer: Viewer, org: str, period: dict[str, Any]) -> Drill | None:
    """Drill-down for those who may see every row behind the figures; None (figures without links) otherwise."""
    year = periods.fy_label(period["year"]) if period["year"] is not None else None
    if org == COLLABORATIVE:
        every = {a.slug for a in ws.config.anchors}
        return Drill("/suppliers", year) if every <= viewer.detail_orgs else None
    return Drill(f"/anchors/{org}/transactions", year) if viewer.sees_detail(org) else None


def dashboard_view(
    ws: Workspace, viewer: Viewer, org: str = COLLABORATIVE, year: str | None = None
) -> dict[str, Any]:
    period = period_of(ws, year)
    view = cached(
        f"page:{period['param']}", ws, viewer, org, lambda: _dashboard_view(ws, viewer, org, period)
    )
    # The figures are kept while the analysis is unchanged, but "newer figures are being worked out" and the
    # last upload change without it: the period is this request's.
    return {**view, "period": period}


def _dashboard_view(
    ws: Workspace, viewer: Viewer, org: str, period: dict[str, Any]
) -> dict[str, Any]:
    result = periods.year_analysis(ws, viewer, period["year"])
    dash = periods.dashboard_of(ws, viewer, org, result)
    prev = (
        periods.dashboard_of(ws, viewer, org, periods.year_analysis(ws, viewer, period["previous"]))
        if period["previous"] is not None
        else None
    )
    whole = (
        periods.dashboard_of(ws, viewer, COLLABORATIVE, result) if org != COLLABORATIVE else None
    )
    t = result.tables
    every_year = queries.analysis(
        ws, viewer
    ).tables  # the trend runs over every year, whatever is chosen
    anchors = {a.slug: a.name for a in ws.config.anchors}
    tiers = t["tiers"] if org == COLLABORATIVE else t["tiers"][t["tiers"]["org"] == org]
    trend = (
        every_year["trend"]
        if org == COLLABORATIVE
        else every_year["trend"][every_year["trend"]["org"] == org]
    )
    features, ward_names = ward_geography(ws)
    wards = t["wards"][t["wards"]["org"] == org]
    built = {
        "tiers": charts.tier_chart(tiers, anchors),
        "trend": charts.trend_chart(trend, anchors),
        "leakage": charts.leakage_chart(t["leakage"], org, org_label=dash.label),
        "deprivation": charts.deprivation_chart(t["deprivation"], org, org_label=dash.label),
        "suppliers": charts.suppliers_chart(t["top_suppliers"], org, org_label=dash.label)
        if dash.detail_visible
        else "",
        "map": maps.ward_map_svg(
            features,
            dict(zip(wards["ward"], wards["spend"], strict=True)),
            f"Local spend by ward: {dash.label}",
        )
        if features
        else "",
    }
    named = dash.tables["wards"].assign(name=lambda d: d["ward"].map(ward_names).fillna(d["ward"]))
    return {
        "dash": dash,
        "period": period,
        "drill": drill(ws, viewer, org, period),
        "tiles": _tiles(
            dash, prev, whole, fy_label(period["previous"]) if prev else "", period["comparable"]
        ),
        "charts": built,
        "tiers": frame_records(dash.tables["tiers"]),
        "trend": frame_records(
            every_year["trend"][every_year["trend"]["org"] == org].drop(columns="org")
        ),
        "leakage": frame_records(dash.tables["leakage"].head(10)),
        "deprivation": frame_records(dash.tables["deprivation"]),
        "top_suppliers": frame_records(dash.tables["top_suppliers"].head(20))
        if dash.detail_visible
        else [],
        "wards": frame_records(named.sort_values("spend", ascending=False)),
    }


def api_dashboard(ws: Workspace, viewer: Viewer, org: str = COLLABORATIVE) -> bytes:
    """The same data as the dashboard page, as a JSON document (serialised once per data version)."""
    return cached("api", ws, viewer, org, lambda: {"json": _api_dashboard(ws, viewer, org)})["json"]


def _api_dashboard(ws: Workspace, viewer: Viewer, org: str) -> bytes:
    dash = queries.dashboard(ws, viewer, org)
    tables = {
        name: frame_records(df)
        for name, df in dash.tables.items()
        if dash.detail_visible or name not in queries.DETAIL_TABLES
    }
    body = {
        "ok": True,
        "org": org,
        "label": dash.label,
        "tiles": dash.tiles,
        "detail_visible": dash.detail_visible,
        "tables": tables,
    }
    return json.dumps(body, default=str).encode()


def benchmark_rows(ws: Workspace, viewer: Viewer, year: int | None = None) -> list[dict[str, Any]]:
    """Anchor against anchor on the headline shares of one financial year (every year when None)."""

    def build() -> dict[str, Any]:
        totals = periods.year_analysis(ws, viewer, year).tables["totals"]
        cols = [
            "org",
            "spend",
            "suppliers",
            "local_pct",
            "deprived20_pct",
            "sme_pct_of_known",
            "vcse_pct_of_known",
            "unknown_pct",
        ]
        return {"rows": frame_records(totals[cols].reset_index(drop=True))}

    return cached(f"benchmark:{year}", ws, viewer, COLLABORATIVE, build)["rows"]
