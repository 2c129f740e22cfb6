"""Identifiers publishers put inside supplier names, split out (in SQL, once per distinct name).

`KINGS COLLEGE LONDON:03529700` has a Companies House number appended; `HRB851100001 : ACME LTD` a vendor
code prefixed; `Supply Chain Coordination Ltd (Sccl) ( 905)` an account number in brackets. The name left
is what is normalised and matched; the original text is kept as the supplier's name."""

from __future__ import annotations

# A Companies House number after a colon at the end: 8 digits, or two letters and 6 digits (SC, NI, OC...).
COMPANY_SUFFIX = r"^(.*[^\s:])\s*:\s*([0-9]{8}|[A-Z]{2}[0-9]{6})\s*$"
# A vendor code before " : " at the start: letters then 4+ digits, or 5+ digits.
CODE_PREFIX = r"^([A-Z]{1,4}[0-9]{4,}|[0-9]{5,})\s+:\s+(.*\S)\s*$"
# An account number in brackets at the end: "( 905)", "(101)".
ACCOUNT_SUFFIX = r"^(.*\S)\s*\(\s*([0-9]{1,6})\s*\)\s*$"


def identifiers_sql(expr: str) -> str:
    """A struct {name, company_number, supplier_ref}: the name without identifiers, and those identifiers."""
    cn = f"regexp_extract({expr}, '{COMPANY_SUFFIX}', ['name', 'id'])"
    code = f"regexp_extract({expr}, '{CODE_PREFIX}', ['id', 'name'])"
    acct = f"regexp_extract({expr}, '{ACCOUNT_SUFFIX}', ['name', 'id'])"
    return f"""CASE
        WHEN strpos({expr}, ':') = 0 AND NOT ends_with({expr}, ')') THEN {{'name': {expr}, 'company_number': NULL::VARCHAR, 'supplier_ref': NULL::VARCHAR}}
        WHEN ({cn}).id <> '' THEN {{'name': ({cn}).name, 'company_number': ({cn}).id, 'supplier_ref': NULL::VARCHAR}}
        WHEN ({code}).id <> '' THEN {{'name': ({code}).name, 'company_number': NULL::VARCHAR, 'supplier_ref': ({code}).id}}
        WHEN ({acct}).id <> '' THEN {{'name': ({acct}).name, 'company_number': NULL::VARCHAR, 'supplier_ref': ({acct}).id}}
        ELSE {{'name': {expr}, 'company_number': NULL::VARCHAR, 'supplier_ref': NULL::VARCHAR}}
    END"""
