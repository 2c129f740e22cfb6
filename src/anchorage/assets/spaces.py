"""Spaces anchors offer and needs community groups post: validation, location, and loading from CSV/XLSX."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import duckdb
from sqlalchemy import select

from anchorage.assets.geo import latlon_to_bng
from anchorage.assets.times import parse_times
from anchorage.core.errors import AnchorageError
from anchorage.core.values import parse_money
from anchorage.ingest.mapping import register_kind
from anchorage.reference.boundaries import load_boundaries
from anchorage.reference.postcode import normalise_postcodes
from anchorage.store.assets_records import Need, Space
from anchorage.workspace import Workspace

# Accessibility and facility words, normalised so a need's "wheelchair access" meets a space's "step-free".
SYNONYMS = {
    "wheelchair": "step-free",
    "wheelchair access": "step-free",
    "step free": "step-free",
    "level access": "step-free",
    "ramp": "step-free",
    "disabled toilet": "accessible toilet",
    "accessible wc": "accessible toilet",
    "induction loop": "hearing loop",
    "loop": "hearing loop",
    "lift access": "lift",
    "elevator": "lift",
    "kitchenette": "kitchen",
    "wi-fi": "wifi",
    "internet": "wifi",
    "car park": "parking",
    "projector": "av",
    "screen": "av",
}
SPACE_FIELDS = {
    "ref": ["space id", "space ref", "space reference", "room id", "room ref", "ref", "id"],
    "name": ["space name", "room", "room name", "name", "space"],
    "asset_key": ["asset key", "asset id", "asset ref", "site code"],
    "postcode": ["postcode", "post code"],
    "capacity": ["capacity", "max people", "maximum capacity", "seats", "people"],
    "times": [
        "available times",
        "availability",
        "times",
        "available",
        "opening hours",
        "when available",
    ],
    "facilities": ["facilities", "equipment"],
    "accessibility": ["accessibility", "access", "accessibility features"],
    "hourly_cost": [
        "cost per hour",
        "hourly rate",
        "£ per hour",
        "cost",
        "price per hour",
        "hourly cost",
    ],
}
NEED_FIELDS = {
    "ref": ["need id", "need ref", "reference", "ref", "id"],
    "group_name": ["group", "group name", "organisation", "organisation name", "community group"],
    "contact_email": ["email", "contact email", "e-mail", "email address"],
    "activity": ["activity", "what for", "use", "purpose"],
    "description": ["description", "details", "more information"],
    "people": ["people", "group size", "size", "attendees", "number of people"],
    "times": ["times", "when", "times needed", "days and times"],
    "accessibility": ["accessibility needs", "access needs", "accessibility"],
    "facilities": ["facilities needed", "facilities", "equipment needed"],
    "area": ["area", "postcode", "ward", "location", "where"],
    "max_distance_km": ["max distance (km)", "max distance", "distance (km)", "how far (km)"],
    "budget_per_hour": ["budget per hour", "budget", "max cost per hour", "budget (£ per hour)"],
}
register_kind("spaces", SPACE_FIELDS, ("name", "capacity"), "the space name and capacity")
register_kind(
    "needs", NEED_FIELDS, ("group_name", "activity", "people"), "the group, activity and size"
)
MAX_DISTANCE_M = 20_000
DEFAULT_DISTANCE_M = 3_000


def word_list(value: Any) -> list[str]:
    """'Step free; kitchen, WiFi' → ['step-free', 'kitchen', 'wifi'] (normalised, de-duplicated, sorted)."""
    if value is None:
        return []
    parts = value if isinstance(value, list) else re.split(r"[;,/]|\band\b", str(value))
    words = {
        SYNONYMS.get(w, w) for p in parts if (w := re.sub(r"\s+", " ", str(p).strip().lower()))
    }
    return sorted(words - {"", "none", "n/a", "no"})


def money(value: Any, what: str) -> Decimal | None:
    if value in (None, ""):
        return None
    amount = parse_money(re.sub(r"per hour|/h(ou)?r?", "", str(value).lower()))
    if amount is None:
        raise AnchorageError(f'{what} "{value}" is not an amount of money.')
    if amount < 0:
        raise AnchorageError(f"{what} cannot be negative.")
    return amount


def whole(value: Any, what: str, low: int, high: int) -> int:
    try:
        n = int(float(str(value).strip()))
    except ValueError:
        raise AnchorageError(f'{what} "{value}" is not a whole number.') from None
    if not low <= n <= high:
        raise AnchorageError(f"{what} must be between {low:,} and {high:,} (got {n:,}).")
    return n


@dataclass
class Place:
    easting: float
    northing: float


def _place_name(text: str) -> str:
    """A ward or borough name as people write it: 'Rushey Green ward', 'rushey-green' -> 'rusheygreen'."""
    t = re.sub(
        r"\b(ward|the|london borough of|borough of)\b", " ", text.lower().replace("&", " and ")
    )
    return re.sub(r"[^a-z0-9]+", "", t)


OUTWARD = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?$")


def locate_area(con: duckdb.DuckDBPyConnection, area: str) -> Place | None:
    """Where a postcode, postcode district, ward code, or ward or borough name is; None if unknown.

    An area is the mean position of its postcodes; where the loaded postcodes have no coordinates, the centre
    of its wards' boundaries. A full postcode missing from the loaded extract falls back to its sector, then
    its district, so any real postcode of the area is found."""
    text = area.strip()
    pc = normalise_postcodes([text])[0]
    where: list[tuple[str, str | list[str]]]
    if pc:
        outward, inward = pc.split(" ")
        where = [
            ("pcds = ?", pc),
            ("starts_with(pcds, ?)", f"{outward} {inward[0]}"),
            ("starts_with(pcds, ?)", f"{outward} "),
        ]
    elif OUTWARD.match(text.upper().replace(" ", "")):
        where = [("starts_with(pcds, ?)", text.upper().replace(" ", "") + " ")]
    else:
        wanted = _place_name(text)
        codes = [
            code
            for code, name in con.execute(
                "SELECT code, name FROM areas WHERE kind IN ('ward', 'lad')"
            ).fetchall()
            if code == text.upper() or (wanted and _place_name(name or "") == wanted)
        ]
        where = [("(list_contains(?, ward) OR list_contains(?, lad))", codes)] if codes else []
    for condition, value in where:
        params = [value, value] if condition.count("?") == 2 else [value]
        row = con.execute(
            f"SELECT avg(lat), avg(long), list(DISTINCT ward) FROM postcodes "
            f"WHERE terminated IS NULL AND {condition}",
            params,
        ).fetchone()
        if not row or not row[2]:
            continue
        lat_long = (
            (row[0], row[1]) if row[0] is not None else _centre(con, [w for w in row[2] if w])
        )
        if lat_long is not None:
            e, n = latlon_to_bng([lat_long[0]], [lat_long[1]])
            return Place(float(e[0]), float(n[0]))
    return None


def _centre(con: duckdb.DuckDBPyConnection, wards: list[str]) -> tuple[float, float] | None:
    """(lat, long) of the middle of the wards' loaded boundaries (the mean of their vertices)."""
    points = [
        pt
        for f in load_boundaries(con, "ward", wards)["features"]
        for pt in _vertices(f["geometry"])
    ]
    if not points:
        return None
    return sum(p[1] for p in points) / len(points), sum(p[0] for p in points) / len(points)


def _vertices(geometry: dict[str, Any]) -> list[tuple[float, float]]:
    """The (long, lat) vertices of a GeoJSON polygon or multipolygon."""
    coords = geometry.get("coordinates") or []
    polygons = coords if geometry.get("type") == "MultiPolygon" else [coords]
    return [(float(x), float(y)) for poly in polygons for ring in poly[:1] for x, y, *_ in ring]


def space_from(values: dict[str, Any], org: str, con: duckdb.DuckDBPyConnection) -> Space:
    """A validated Space from form or file values (raises AnchorageError naming the problem)."""
    name = str(values.get("name") or "").strip()
    if not name:
        raise AnchorageError("the space has no name")
    postcode = normalise_postcodes([values.get("postcode")])[0] if values.get("postcode") else None
    where = locate_area(con, postcode) if postcode else None
    if values.get("postcode") and postcode is None:
        raise AnchorageError(f'postcode "{values["postcode"]}" is not a UK postcode')
    times = [str(values.get("times") or "").strip()] if values.get("times") else []
    parse_times(times)  # validates
    return Space(
        org=org,
        ref=str(values.get("ref") or name).strip()[:120],
        name=name[:200],
        asset_key=values.get("asset_key") or None,
        postcode=postcode,
        easting=where.easting if where else None,
        northing=where.northing if where else None,
        capacity=whole(values.get("capacity"), "capacity", 1, 10_000),
        times=times,
        facilities=word_list(values.get("facilities")),
        accessibility=word_list(values.get("accessibility")),
        hourly_cost=money(values.get("hourly_cost"), "cost per hour") or Decimal(0),
        active=True,
    )


def need_from(values: dict[str, Any], con: duckdb.DuckDBPyConnection) -> Need:
    """A validated Need (status published) from staff-entered or file values."""
    for key, label in (("group_name", "group name"), ("activity", "activity"), ("area", "area")):
        if not str(values.get(key) or "").strip():
            raise AnchorageError(f"the need has no {label}")
    area = str(values["area"]).strip()
    where = locate_area(con, area)
    if where is None:
        raise AnchorageError(
            f'area "{area}" is not a postcode or ward we know',
            fix="Give a full postcode such as SE6 4RU, or a ward name.",
        )
    times = [str(values.get("times")).strip()] if values.get("times") else []
    parse_times(times)
    km = values.get("max_distance_km")
    dist = int(float(km) * 1000) if km not in (None, "") else DEFAULT_DISTANCE_M
    if not 100 <= dist <= MAX_DISTANCE_M:
        raise AnchorageError(
            f"the distance a group will travel must be between 0.1 and {MAX_DISTANCE_M // 1000} km"
        )
    return Need(
        ref=values.get("ref") or None,
        group_name=str(values["group_name"]).strip()[:120],
        contact_email=str(values.get("contact_email") or "").strip()[:254],
        activity=str(values["activity"]).strip()[:200],
        description=str(values.get("description") or "")[:2000],
        people=whole(values.get("people"), "group size", 1, 10_000),
        times=times,
        accessibility=word_list(values.get("accessibility")),
        facilities=word_list(values.get("facilities")),
        area=area[:120],
        easting=where.easting,
        northing=where.northing,
        max_distance_m=dist,
        budget_per_hour=money(values.get("budget_per_hour"), "budget per hour"),
        status="published",
    )


def add_space(ws: Workspace, org: str, **values: Any) -> Space:
    """Add (or, with the same ref, update) one of an anchor's spaces."""
    slug = ws.config.anchor(org).slug
    with ws.warehouse(read_only=True) as con:
        space = space_from(values, slug, con)
    with ws.session() as s:
        old = s.scalars(select(Space).where(Space.org == slug, Space.ref == space.ref)).first()
        if old is not None:
            space.id = old.id
        space = s.merge(space)
        s.commit()
        return space


def add_need(ws: Workspace, **values: Any) -> Need:
    """Add a need entered by staff (published at once; the public form goes through public_form)."""
    with ws.warehouse(read_only=True) as con:
        need = need_from(values, con)
    with ws.session() as s:
        s.add(need)
        s.commit()
        return need
