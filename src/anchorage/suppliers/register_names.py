"""The public registers a supplier is linked to, in people's words: each register's name, what its number is
called and the address of an entry's public page. The one list for pages, reports and the enrichment's warnings."""

from __future__ import annotations

NAMES = {"companies_house": "Companies House", "charity_commission": "Charity Commission"}
ID_LABELS = {"companies_house": "Company number", "charity_commission": "Charity number"}
PAGES = {
    "companies_house": "https://find-and-update.company-information.service.gov.uk/company/{}",
    "charity_commission": "https://register-of-charities.charitycommission.gov.uk/charity-search/-/charity-details/{}",
}


def register_ref(source: str | None, ref: str | None) -> str:
    """'companies_house', '05275332' -> 'Company number 05275332'."""
    if not ref:
        return ""
    label = ID_LABELS.get(source or "", (source or "Register").replace("_", " ").capitalize())
    return f"{label} {ref}"


def status_word_sql(source_col: str) -> str:
    """SQL naming the register of `source_col` (e.g. 'Charity Commission'), Companies House otherwise."""
    whens = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in NAMES.items() if k != "companies_house")
    return f"CASE {source_col} {whens} ELSE '{NAMES['companies_house']}' END"
