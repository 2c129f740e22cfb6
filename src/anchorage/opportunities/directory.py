"""The local supplier directory: confirmed self-registrations, searchable by category, tier (from the
postcode, through the workspace's reference geography), size and VCSE status, and exportable."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields

import ibis
import pandas as pd
from sqlalchemy import select

from anchorage.exports import csv_bytes, xlsx_bytes
from anchorage.opportunities.registration import ORG_TYPES, SIZES, VCSE_TYPES
from anchorage.procurement.enrich import tier_expr
from anchorage.store.opportunities_records import SupplierRegistration
from anchorage.workspace import Workspace


@dataclass
class DirectoryEntry:
    name: str
    categories: str
    postcode: str
    tier: str
    size: str
    organisation: str
    vcse: bool
    charity_number: str
    company_number: str
    description: str
    contact_email: str | None  # None unless the reader is a signed-in anchor user
    registered_on: str


def postcode_tiers(ws: Workspace, postcodes: Sequence[str]) -> dict[str, str]:
    """Each postcode's tier (local … uk) by the workspace's place definition; unknown postcodes are absent."""
    wanted = sorted(set(postcodes))
    if not wanted:
        return {}
    with ws.warehouse(read_only=True) as con:
        t = ibis.duckdb.from_connection(con).table("postcodes")
        t = t.filter(t.pcds.isin(wanted))
        expr = t.select(
            t.pcds,
            tier=tier_expr(
                ws.config, t.lad, t.rgn, t.ctry, ibis.literal("UK"), ibis.literal(False)
            ),
        )
        return dict(expr.execute().itertuples(index=False, name=None))


def search(
    ws: Workspace,
    *,
    category: str | None = None,
    tier: str | None = None,
    size: str | None = None,
    vcse: bool | None = None,
    q: str = "",
    include_contact: bool = False,
) -> list[DirectoryEntry]:
    """Confirmed registrations matching every filter given, by name."""
    query = select(SupplierRegistration).where(SupplierRegistration.status == "confirmed")
    if size:
        query = query.where(SupplierRegistration.size == size)
    with ws.session() as s:
        regs = list(s.scalars(query.order_by(SupplierRegistration.name)))
    tiers = postcode_tiers(ws, [r.postcode for r in regs])
    words = q.lower().split()
    out = []
    for r in regs:
        is_vcse = r.org_type in VCSE_TYPES or bool(r.charity_number)
        r_tier = tiers.get(r.postcode, "unknown")
        text = f"{r.name} {r.description}".lower()
        if (
            (category and category not in r.categories)
            or (tier and r_tier != tier)
            or (vcse is not None and is_vcse != vcse)
            or not all(w in text for w in words)
        ):
            continue
        out.append(
            DirectoryEntry(
                name=r.name,
                categories="; ".join(r.categories),
                postcode=r.postcode,
                tier=r_tier,
                size=SIZES.get(r.size, r.size),
                organisation=ORG_TYPES.get(r.org_type, r.org_type),
                vcse=is_vcse,
                charity_number=r.charity_number or "",
                company_number=r.company_number or "",
                description=r.description,
                contact_email=r.contact_email if include_contact else None,
                registered_on=f"{r.confirmed_at:%Y-%m-%d}" if r.confirmed_at else "",
            )
        )
    return out


def export(entries: Sequence[DirectoryEntry], fmt: str) -> bytes:
    """The entries as CSV (UTF-8 with BOM, for Excel) or XLSX; no cell can run as a formula."""
    columns = [f.name for f in fields(DirectoryEntry)]
    df = pd.DataFrame([asdict(e) for e in entries], columns=columns)
    return xlsx_bytes({"Local suppliers": df}) if fmt == "xlsx" else csv_bytes(df)
