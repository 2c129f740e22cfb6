"""The registry of import kinds: every file Anchorage loads is one of these, and is loaded by its `load`.

Kinds of the ingest layer (spend, suppliers, staff) are registered here; a domain registers its own kinds
when its import module is loaded (workforce.imports registers the eight workforce files). The CLI and the web
look a kind up by name (services/loads.py imports every domain's kind module): there is no other list."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from anchorage.core.errors import AnchorageError
from anchorage.ingest.result import ImportSummary
from anchorage.ingest.spend import ingest_spend
from anchorage.ingest.staff import STAFF_SNAPSHOT, ingest_staff
from anchorage.ingest.suppliers import SUPPLIER_SNAPSHOT, ingest_suppliers
from anchorage.store.snapshots import Snapshot


@dataclass(frozen=True)
class ImportKind:
    """One kind of input file and how to load it: `load(ws, path, org, **options) -> ImportSummary`."""

    name: str  # the upload kind recorded with each upload
    label: str  # plain words for people
    load: Callable[..., ImportSummary]
    money: bool = False  # the summary reconciles £ as well as rows
    personal: bool = False  # no raw copy of the file is kept
    # "anchor": an anchor's file; "anchor-or-collaborative": also a collaborative-wide file whose rows name
    # their anchors (it replaces only the anchors it names); "collaborative": shared rows (programmes) that
    # a file adds or updates by id, never deleting others.
    scope: str = "anchor"
    # A snapshot (asset register, supplier master, staff extract): a new file supersedes the anchor's current
    # one, which is kept and can be restored (ingest/restore.py). None: each file adds to the others.
    snapshot: Snapshot | None = None
    # Uploaded on the web, with a preview of its columns to check before it loads (the others load from
    # the command line).
    web: bool = False


REGISTRY: dict[str, ImportKind] = {}


def register(kind: ImportKind) -> ImportKind:
    """Add a kind (registering the same name again replaces it, so reloading a module is harmless)."""
    REGISTRY[kind.name] = kind
    return kind


def get(name: str) -> ImportKind:
    try:
        return REGISTRY[name]
    except KeyError:
        raise AnchorageError(
            f'There is no import kind "{name}".',
            fix=f"Choose one of: {', '.join(sorted(REGISTRY))}.",
        ) from None


register(ImportKind("spend", "Spend (payments)", ingest_spend, money=True, web=True))
register(
    ImportKind(
        "suppliers", "Supplier master", ingest_suppliers, snapshot=SUPPLIER_SNAPSHOT, web=True
    )
)
register(
    ImportKind(
        "workforce",
        "Staff extract (HR)",
        ingest_staff,
        personal=True,
        snapshot=STAFF_SNAPSHOT,
        web=True,
    )
)
