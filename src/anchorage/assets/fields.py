"""Column aliases of asset registers (Transparency Code, NHS ERIC, free-form) and SQL value parsers."""

from __future__ import annotations

from anchorage.ingest.mapping import register_kind

# Canonical field -> headers seen in Local Government Transparency Code land and building asset lists
# (columns A-U of the LGA practitioner's guide layout), NHS ERIC site returns and estates exports.
ASSET_FIELDS: dict[str, list[str]] = {
    "uprn": [
        "unique property reference number (uprn)",
        "uprn",
        "unique property reference number",
        "property reference number",
        "uprn number",
        "nlpg uprn",
    ],
    "asset_ref": [
        "unique asset id",
        "unique asset identity",
        "asset id",
        "asset identity",
        "asset reference",
        "asset ref",
        "asset number",
        "asset code",
        "site code",
        "site id",
        "site ref",
        "site reference",
        "property id",
        "property reference",
        "property ref",
        "asset no",
    ],
    "name": [
        "name",
        "asset name",
        "property name",
        "site name",
        "building name",
        "name of building/land",
        "name of building or land",
        "building/land name",
        "premises name",
    ],
    "street_number": [
        "no",
        "street number",
        "street number(s)",
        "house number",
        "building number",
        "street no",
        "number",
    ],
    "street": ["street", "street name", "address line 1", "address 1", "road"],
    "address": ["address", "full address", "site address", "property address", "location"],
    "town": ["post town", "town", "posttown", "town/city"],
    "postcode": ["post code", "postcode", "site postcode", "uk postcode", "property postcode"],
    "easting": [
        "x co-ordinate",
        "x coordinate",
        "x co ordinate",
        "easting",
        "eastings",
        "os easting",
        "geox",
        "grid easting",
        "map reference x",
        "x",
    ],
    "northing": [
        "y co-ordinate",
        "y coordinate",
        "y co ordinate",
        "northing",
        "northings",
        "os northing",
        "geoy",
        "grid northing",
        "map reference y",
        "y",
    ],
    "latitude": ["latitude", "lat", "wgs84 latitude"],
    "longitude": ["longitude", "long", "lon", "lng", "wgs84 longitude"],
    "tenure": ["tenure", "tenure type", "freehold/leasehold", "freehold or leasehold", "ownership"],
    "holding_type": [
        "tenure category",
        "holding type",
        "tenure detail",
        "holding",
        "occupancy type",
        "tenure characteristics",
        "how held",
    ],
    "other_holding": [
        "other holding description",
        "other",
        "other description",
        "description of other",
    ],
    "asset_type": [
        "asset type",
        "property type",
        "type",
        "asset category",
        "primary use",
        "site type",
        "property use",
        "use",
        "asset use",
        "category",
    ],
    "building_m2": [
        "size of asset",
        "building size",
        "gross internal area",
        "gia",
        "gia (sq m)",
        "gia m2",
        "floor area",
        "internal area",
        "size (sq m)",
        "building area (m2)",
        "size",
    ],
    "land_ha": [
        "land area",
        "site area",
        "hectares",
        "site area (hectares)",
        "land area (ha)",
        "area (ha)",
        "area hectares",
        "site area (ha)",
        "land area (hectares)",
    ],
    "energy_rating": [
        "energy performance rating",
        "energy rating",
        "epc rating",
        "dec rating",
        "epc",
        "display energy certificate",
        "energy performance certificate",
    ],
    "gross_floor_m2": [
        "gross internal floor area (m²)",
        "gross internal floor area (m2)",
        "gross internal floor area",
        "gross floor area",
        "gross internal area (m2)",
    ],
    "occupied_floor_m2": [
        "occupied floor area (m²)",
        "occupied floor area (m2)",
        "occupied floor area",
        "occupied area",
    ],
    "running_cost": [
        "total building operation costs",
        "total building operation (revenue) costs",
        "running costs",
        "running cost",
        "total running cost",
        "building operation costs",
        "operating costs",
        "total operating cost",
        "annual running cost",
    ],
    "hard_fm_cost": ["hard fm (estates) costs (£)", "hard fm costs", "hard fm (estates) costs"],
    "soft_fm_cost": [
        "soft fm (facilities) costs (£)",
        "soft fm costs",
        "soft fm (facilities) costs",
    ],
    "energy_cost": ["energy costs (all energy supplies) (£)", "energy costs", "energy cost"],
    "backlog_maintenance": [
        "required maintenance",
        "backlog maintenance",
        "backlog",
        "total backlog",
        "cost to eradicate backlog",
        "backlog maintenance cost",
        "maintenance backlog",
    ],
    "backlog_high": ["cost to eradicate high risk backlog (£)", "high risk backlog"],
    "backlog_significant": [
        "cost to eradicate significant risk backlog (£)",
        "significant risk backlog",
    ],
    "backlog_moderate": ["cost to eradicate moderate risk backlog (£)", "moderate risk backlog"],
    "backlog_low": ["cost to eradicate low risk backlog (£)", "low risk backlog"],
    "services": ["services offered", "services offered from the asset", "services", "service"],
    "acv_flag": ["asset of community value", "acv", "asset of community value (acv)", "listed acv"],
}
UTILISATION_FIELDS: dict[str, list[str]] = {
    "uprn": ASSET_FIELDS["uprn"],
    "asset_ref": ASSET_FIELDS["asset_ref"],
    "period": ["period", "year", "financial year", "month", "as at", "date"],
    "occupied_floor_m2": ASSET_FIELDS["occupied_floor_m2"],
    "hours_per_week": [
        "hours used per week",
        "hours per week",
        "hours used",
        "weekly hours",
        "hours in use",
    ],
    "vacancy_pct": [
        "vacancy",
        "vacancy %",
        "vacancy rate",
        "% vacant",
        "vacant %",
        "percent vacant",
        "void %",
        "vacancy percentage",
    ],
    "surplus": [
        "surplus",
        "surplus flag",
        "declared surplus",
        "is surplus",
        "surplus to requirements",
    ],
}
IDENTITY = ("uprn", "asset_ref", "name")

register_kind("assets", ASSET_FIELDS, (), "an asset id, UPRN or name")
register_kind("utilisation", UTILISATION_FIELDS, (), "an asset id or UPRN and occupancy")

MISSING = (
    "N/A",
    "NA",
    "-",
    "--",
    "TBC",
    "TBA",
    "UNKNOWN",
    "NOT KNOWN",
    "N/K",
    "NK",
    "NONE",
    "NIL",
    "NULL",
    "?",
)


def present_sql(expr: str) -> str:
    """The trimmed text, NULL for blanks and placeholders like N/A, TBC, Unknown."""
    missing = ", ".join(f"'{m}'" for m in MISSING)
    return f"CASE WHEN upper({expr}) IN ({missing}) THEN NULL ELSE {expr} END"


def number_sql(expr: str) -> str:
    """A plain number: thousands separators, £ and unit words (m², sq m, ha, %) removed; NULL if not one."""
    cleaned = (
        f"regexp_replace(lower({expr}), '[,£%\\s]|m²|m2|sq\\.?m|sqm|sq|metres?|hectares?|ha$|acres?"
        f"|ft²|ft2|ft|gbp', '', 'g')"
    )
    return f"TRY_CAST({cleaned} AS DOUBLE)"


def area_m2_sql(expr: str) -> str:
    """A floor area in m²: square feet converted (1 sq ft = 0.09290304 m²)."""
    n = number_sql(expr)
    return f"CASE WHEN regexp_matches(lower({expr}), 'sq\\.? ?f|ft') THEN {n} * 0.09290304 ELSE {n} END"


def land_ha_sql(expr: str) -> str:
    """A land area in hectares: acres (0.40468564 ha) and m² (÷ 10,000) converted."""
    n = number_sql(expr)
    return (
        f"CASE WHEN regexp_matches(lower({expr}), 'acre') THEN {n} * 0.40468564224 "
        f"WHEN regexp_matches(lower({expr}), 'm²|m2|sq') THEN {n} / 10000 ELSE {n} END"
    )


def is_land_size_sql(expr: str) -> str:
    """True when a 'Size of Asset' value is a land area (hectares or acres) rather than a floor area."""
    return f"regexp_matches(lower({expr}), '\\d\\s*(ha\\b|hectare|acre)')"


def flag_sql(expr: str) -> str:
    """Y/N, Yes/No, True/False, 1/0, Surplus → boolean; anything else unknown (NULL)."""
    return (
        f"CASE WHEN upper({expr}) IN ('Y', 'YES', 'TRUE', '1', 'SURPLUS', 'LISTED') THEN TRUE "
        f"WHEN upper({expr}) IN ('N', 'NO', 'FALSE', '0', 'NOT SURPLUS') THEN FALSE END"
    )


def energy_rating_sql(expr: str) -> str:
    """EPC/DEC band A+ to G from text like 'C', 'DEC D', 'EPC: B (45)'; the text itself otherwise."""
    band = f"regexp_extract(upper({expr}), '(?:^|[^A-Z])(A\\+|[A-G])(?:$|[^A-Z])', 1)"
    return f"coalesce(nullif({band}, ''), {expr})"


def uprn_ok_sql(expr: str) -> str:
    """A UPRN is a whole number of 1 to 12 digits (a trailing .0 from a spreadsheet is allowed)."""
    return f"regexp_full_match({expr}, '[0-9]{{1,12}}(\\.0+)?')"


def uprn_sql(expr: str) -> str:
    return f"ltrim(regexp_replace({expr}, '\\.0+$', ''), '0')"
