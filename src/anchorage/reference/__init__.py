"""Reference data: ONS postcodes, IMD, area names and boundaries, imported into the warehouse."""

from anchorage.reference.boundaries import import_boundaries, load_boundaries
from anchorage.reference.geography import import_any, import_areas, import_imd, import_postcodes
from anchorage.reference.postcode import (
    UK_POSTCODE_RE,
    is_uk_postcode_sql,
    normalise_postcodes,
    postcode_display_sql,
    postcode_key_sql,
)

__all__ = [
    "UK_POSTCODE_RE",
    "import_any",
    "import_areas",
    "import_boundaries",
    "import_imd",
    "import_postcodes",
    "is_uk_postcode_sql",
    "load_boundaries",
    "normalise_postcodes",
    "postcode_display_sql",
    "postcode_key_sql",
]
