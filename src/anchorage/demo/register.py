"""The demo's registers: the fictional suppliers that are companies or charities, in the published layouts.

Generated deterministically from the same supplier universe as the spend files, plus unrelated companies
so that matching has something to get wrong; a few are in liquidation.
"""

from __future__ import annotations

from pathlib import Path

from anchorage.demo.suppliers_gen import Universe
from anchorage.demo.vocabulary import LARGE, SECTORS, VCSE
from anchorage.suppliers.generate import write_charity_extract, write_companies_house

_SIC = {
    "catering": "56290 - Other food services",
    "cleaning": "81210 - General cleaning of buildings",
    "construction": "41202 - Construction of domestic buildings",
    "it": "62020 - Information technology consultancy activities",
    "care": "88100 - Social work activities without accommodation for the elderly and disabled",
    "community": "88990 - Other social work activities without accommodation n.e.c.",
    "legal": "69102 - Solicitors",
    "transport": "49410 - Freight transport by road",
}


def _q(v: str) -> str:
    return "'" + v.replace("'", "''") + "'"


def write_demo_registers(
    u: Universe, out_dir: Path, *, filler: int = 3000
) -> tuple[list[Path], Path]:
    """Companies House parts (the universe's companies + `filler` others) and a Charity Commission extract."""
    rows, charities = [], []
    for i in range(u.n):
        name = f"{u.core[i]} {u.suffix[i]}".strip().upper()
        if u.charity_no[i]:
            charities.append(
                {
                    "registered_charity_number": u.charity_no[i],
                    "charity_name": u.core[i].upper(),
                    "charity_contact_postcode": u.postcode[i],
                    "latest_income": str(20_000 + (i * 7919) % 900_000),
                    "charity_company_registration_number": u.company_no[i],
                }
            )
        if not u.company_no[i]:
            continue
        kind = int(u.kind[i])
        category = (
            "Community Interest Company"
            if u.suffix[i] == "CIC" or "CIC" in u.core[i]
            else "PRI/LBG/NSC (Private, Limited by guarantee, no share capital, use of 'Limited' exemption)"
            if kind == VCSE
            else "Public Limited Company"
            if u.suffix[i].lower() == "plc"
            else "Limited Liability Partnership"
            if u.suffix[i] == "LLP"
            else "Private Limited Company"
        )
        accounts = (
            "GROUP" if kind == LARGE else ("MICRO ENTITY" if i % 3 else "TOTAL EXEMPTION FULL")
        )
        status = "Liquidation" if i % 97 == 5 else "Active"
        sic = _SIC.get(
            SECTORS[u.sector[i]], "82990 - Other business support service activities n.e.c."
        )
        rows.append(
            f"({10_000_000 + i}, {_q(name)}, {_q(u.company_no[i])}, {_q(u.postcode[i])}, 'LONDON', "
            f"{_q(category)}, {_q(status)}, {_q(accounts)}, {_q(sic)}, DATE '2005-01-01')"
        )
    extra = (
        "SELECT * FROM (VALUES "
        + ", ".join(rows)
        + ") t(i, name, number, postcode, town, category, status, "
        "accounts, sic, incorporated)"
    )
    parts = write_companies_house(
        out_dir / "companies-house", filler, seed=2026, parts=2, extra_sql=extra
    )
    extract = write_charity_extract(
        out_dir / "charity-commission" / "publicextract.charity.txt", charities
    )
    return parts, extract
