"""Enrichment from the register: registered office, sector (SIC), SME and VCSE evidence, warnings.

Definitions are in docs/suppliers.md. What an anchor says of a supplier wins over the register in the
analysis (procurement/enrich.py fills only the gaps).
"""

from __future__ import annotations

import duckdb

from anchorage.suppliers.register_names import status_word_sql

# SIC 2007 sections by two-digit division.
SIC_SECTIONS = [
    (1, 3, "Agriculture, forestry and fishing"),
    (5, 9, "Mining and quarrying"),
    (10, 33, "Manufacturing"),
    (35, 35, "Energy supply"),
    (36, 39, "Water, sewerage and waste"),
    (41, 43, "Construction"),
    (45, 47, "Wholesale and retail"),
    (49, 53, "Transport and storage"),
    (55, 56, "Accommodation and food"),
    (58, 63, "Information and communication"),
    (64, 66, "Finance and insurance"),
    (68, 68, "Real estate"),
    (69, 75, "Professional, scientific and technical"),
    (77, 82, "Administrative and support services"),
    (84, 84, "Public administration"),
    (85, 85, "Education"),
    (86, 88, "Health and social work"),
    (90, 93, "Arts and recreation"),
    (94, 96, "Other services"),
    (97, 98, "Households as employers"),
    (99, 99, "Extraterritorial organisations"),
]
# Companies House accounts categories that only small and medium companies may file.
SME_ACCOUNTS = (
    "MICRO ENTITY",
    "SMALL",
    "TOTAL EXEMPTION SMALL",
    "TOTAL EXEMPTION FULL",
    "UNAUDITED ABRIDGED",
    "MEDIUM",
    "PARTIAL EXEMPTION",
    "AUDITED ABRIDGED",
)
LARGE_ACCOUNTS = ("FULL", "GROUP")
# Company types that are social-economy bodies by their constitution.
VCSE_TYPES = (
    "Community Interest Company",
    "Charitable Incorporated Organisation",
    "Scottish Charitable Incorporated Organisation",
    "Registered Society",
    "Industrial and Provident Society",
    "Royal Charter Company",
    "PRI/LBG/NSC (Private, Limited by guarantee, no share capital, use of 'Limited' exemption)",
    "PRI/LTD BY GUAR/NSC (Private, limited by guarantee, no share capital)",
)
NOT_VCSE_TYPES = (
    "Private Limited Company",
    "Public Limited Company",
    "Limited Liability Partnership",
    "Private Unlimited Company",
    "Limited Partnership",
)
WARNING_STATUSES = (
    "Liquidation",
    "In Administration",
    "Administration Order",
    "Receivership",
    "Receiver Action",
    "Dissolved",
    "Removed",
    "Voluntary Arrangement",
    "Active - Proposal to Strike off",
    "Insolvency Proceedings",
    "Converted / Closed",
)
# The Companies Act turnover limit for a medium company (2016-2025); a charity's income stands in for it.
SME_INCOME_LIMIT = 36_000_000


def _list(values: tuple[str, ...]) -> str:
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


def sector_sql(sic: str) -> str:
    """The SIC 2007 section of a 'NNNNN - description' code (the first code given)."""
    div = f"try_cast(left(trim({sic}), 2) AS INTEGER)"
    cases = " ".join(
        f"WHEN {div} BETWEEN {lo} AND {hi} THEN '{name}'" for lo, hi, name in SIC_SECTIONS
    )
    return f"CASE WHEN left(trim({sic}), 5) = '99999' THEN 'Dormant company' {cases} END"


def enrich_resolution(con: duckdb.DuckDBPyConnection) -> None:
    """Fill supplier_resolution's register columns from each linked entity (inside the caller's transaction)."""
    con.execute(
        f"""
        UPDATE supplier_resolution r SET
            registered_postcode = e.postcode,
            sector = {sector_sql("e.sic_codes")},
            register_sme = CASE
                WHEN e.source = 'charity_commission' AND e.income IS NOT NULL THEN e.income < {SME_INCOME_LIMIT}
                WHEN e.accounts_category IN {_list(SME_ACCOUNTS)} THEN TRUE
                WHEN e.accounts_category IN {_list(LARGE_ACCOUNTS)} THEN FALSE END,
            register_vcse = CASE
                WHEN e.source IN ('charity_commission', 'cic') OR e.entity_type IN {_list(VCSE_TYPES)}
                     OR e.register_id IN (SELECT register_id FROM register_entities WHERE source = 'cic')
                     OR e.register_id IN (SELECT company_number FROM register_entities
                                          WHERE source = 'charity_commission' AND company_number IS NOT NULL)
                    THEN TRUE
                WHEN e.entity_type IN {_list(NOT_VCSE_TYPES)} THEN FALSE END,
            warning = CASE
                WHEN e.dissolved IS NOT NULL OR e.status IN {_list(WARNING_STATUSES)}
                    THEN '{{source}} status: ' || coalesce(e.status, 'dissolved') END
        FROM (SELECT * FROM register_entities
              QUALIFY row_number() OVER (PARTITION BY source, register_id ORDER BY name) = 1) e
        WHERE e.source = r.register_source AND e.register_id = r.register_id
    """.replace(
            "'{source} status: '",
            status_word_sql("e.source") + " || ' status: '",
        )
    )
