"""Column mapping: recognise the usual publications' headers, or take an explicit mapping file."""

from __future__ import annotations

import csv
import json
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from anchorage.core.errors import MappingError

# Canonical field -> header names seen in Transparency Code, NHS "over £25k", LGA template and finance
# exports. Keys are compared after `header_key` (lower-case, letters and digits only).
SPEND_FIELDS: dict[str, list[str]] = {
    "supplier_name": [
        "supplier name", "supplier", "beneficiary", "beneficiary name", "vendor", "vendor name",
        "payee", "payee name", "creditor", "creditor name", "merchant name", "recipient", "supplier_name",
        "name of supplier", "suppliername", "organisation paid", "supplier beneficiary name",
        "supplier(beneficiary) name", "payee name", "vendor description",
    ],
    "amount": [
        "amount", "net amount", "invoice nett amount", "invoice net amount", "nett amount", "value",
        "amount paid", "total", "ap amount", "amount gbp", "amount (£)", "amount £", "net value",
        "invoice line value (net of vat)", "invoice line value", "transaction amount", "line amount",
        "payment amount", "expenditure", "spend", "amount excl vat", "amount ex vat", "net",
        "total amount", "gross amount", "paid amount", "net amount £", "amount paid £",
    ],
    "payment_date": [
        "payment date", "paid date", "date paid", "date", "transaction date", "invoice payment date",
        "effective date", "posting date", "date of payment", "pay date", "payment_date",
        "invoice date",
    ],
    "category": [
        "expense type", "expenses type", "detailed expenditure type", "expenditure category", "expense category",
        "category", "expenditure type", "account", "account description", "purpose of spend",
        "proclass", "proclass description", "cpv", "spend category", "subjective description",
        "expense description", "service category", "merchant category",
    ],
    "service": [
        "service area", "expense area", "expenses area", "service", "directorate", "department", "department family",
        "organisational unit", "service label", "service division label", "cost centre",
        "cost centre description", "service division", "business unit", "directotate",
    ],
    "transaction_id": [
        "transaction number", "transaction no", "trans no", "transaction id", "invoice no",
        "invoice number", "document number", "docno", "doc no", "reference", "payment reference",
        "transaction reference", "transaction", "trans ref", "internal ref number", "payment number",
    ],
    "supplier_ref": [
        "supplier id", "vendor id", "vendorid", "supplier number", "supplier code", "vendor number",
        "creditor number", "supplier reference", "payee id",
    ],
    "supplier_postcode": [
        "supplier postcode", "postcode", "vendor postcode", "supplier post code", "post code",
        "payee postcode", "beneficiary postcode",
    ],
    "company_number": [
        "company number", "company registration number", "companies house number", "crn",
        "company reg no", "beneficiary registration number", "registration number",
        "supplier registered company number", "registered company number",
    ],
    "charity_number": ["charity number", "registered charity number", "supplier registered charity number", "charity registration number", "charity no"],
    "vat_number": ["vat registration number", "vat number", "vat reg no", "vat no", "vat registration"],
    "description": ["description", "narrative", "purpose", "transaction description", "details"],
}
SUPPLIER_FIELDS: dict[str, list[str]] = {
    "supplier_name": SPEND_FIELDS["supplier_name"],
    "supplier_ref": SPEND_FIELDS["supplier_ref"],
    "postcode": [*SPEND_FIELDS["supplier_postcode"], "registered office postcode"],
    "country": ["country", "supplier country", "country code"],
    "company_number": SPEND_FIELDS["company_number"],
    "charity_number": SPEND_FIELDS["charity_number"],
    "vat_number": SPEND_FIELDS["vat_number"],
    "is_sme": ["sme", "is sme", "sme flag", "small or medium enterprise", "sme status"],
    "is_vcse": ["vcse", "is vcse", "vcse flag", "voluntary sector", "charity or social enterprise"],
}
# Staff extracts (HR/payroll systems such as ESR, iTrent, Oracle HCM): one row per employee.
STAFF_FIELDS: dict[str, list[str]] = {
    "staff_id": ["pseudonymous id", "pseudo id", "staff id", "employee id", "employee number", "person id",
                 "assignment number", "payroll number", "staff number", "employee ref", "id"],
    "home_postcode": ["home postcode", "postcode", "home post code", "post code", "employee postcode",
                      "residential postcode", "address postcode"],
    "hourly_pay": ["hourly pay", "hourly rate", "basic hourly rate", "pay per hour", "rate per hour",
                   "hourly rate £", "basic rate"],
    "annual_salary": ["annual salary", "salary", "fte salary", "basic salary", "annual pay"],
    "weekly_hours": ["weekly hours", "contracted hours", "hours per week", "contract hours", "hours"],
    "pay_band": ["pay band", "band", "grade", "pay grade", "payscale", "spinal point", "pay scale"],
    "contract_type": ["contract type", "contract", "employment type", "contract status", "permanent temporary"],
    "start_date": ["start date", "date started", "employment start date", "hire date", "date of joining",
                   "continuous service date", "latest start date"],
    "role_family": ["role family", "job family", "staff group", "occupation group", "role group", "job role"],
    "is_apprentice": ["apprentice", "apprentice flag", "is apprentice", "apprenticeship"],
    "is_new_hire": ["new hire", "new hire flag", "new starter", "is new hire", "new starter flag"],
}
REQUIRED = {
    "spend": ("supplier_name", "amount", "payment_date"),
    "suppliers": ("supplier_name",),
    "workforce": ("staff_id", "home_postcode"),
}
FIELDS = {"spend": SPEND_FIELDS, "suppliers": SUPPLIER_FIELDS, "workforce": STAFF_FIELDS}
HEADER_HINTS = {"spend": "the supplier, amount and date", "suppliers": "the supplier name",
                "workforce": "the staff id and home postcode"}
FUZZY_CUTOFF = 90  # catches publication typos ("Expenditure Catergory", "Service divison label")


def register_kind(kind: str, fields: dict[str, list[str]], required: tuple[str, ...], hint: str) -> None:
    """Add an import kind's field aliases (a higher layer's kind, e.g. asset registers) to the mapper."""
    FIELDS[kind] = fields
    REQUIRED[kind] = required
    HEADER_HINTS[kind] = hint


def header_key(name: str) -> str:
    return re.sub(r"[^a-z0-9£]", "", name.lower())


def _lookup(kind: str) -> dict[str, str]:
    return {header_key(alias): field for field, aliases in FIELDS[kind].items() for alias in aliases}


def match_header(cell: str, kind: str = "spend") -> str | None:
    """The canonical field a header cell names, exactly or by a close spelling."""
    key = header_key(cell)
    if not key:
        return None
    lookup = _lookup(kind)
    if key in lookup:
        return lookup[key]
    if len(key) < 6:
        return None
    best = process.extractOne(key, list(lookup), scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
    return lookup[best[0]] if best else None


@dataclass
class ColumnMapping:
    """Canonical field -> the file's column name, and how it was decided."""

    fields: dict[str, str]
    source: str  # "automatic" or the mapping file's path
    # How each field was chosen (infer.Choice: column, score, confidence, sample values), when inferred.
    choices: list[Any] = field(default_factory=list)
    glued_date: bool = False  # the date is the tail of a text cell ("... CCG31/01/2021")
    found: str = ""  # what the columns hold, for a refusal message

    def require(self, kind: str, path: str, columns: list[str]) -> None:
        missing = [f for f in REQUIRED[kind] if f not in self.fields]
        if missing:
            names = ", ".join(f.replace("_", " ") for f in missing)
            found = f"columns found: {self.found}" if self.found else f"columns found: {', '.join(columns)}"
            if kind == "spend" and missing == ["payment_date"]:
                raise MappingError(
                    path, f"no column holds payment dates ({found}). A file of supplier totals without dates is "
                    "an aggregate, not a list of payments, and cannot be analysed by period.",
                    fix="Load the payments file the totals were made from (one row per payment, with its date), "
                    'or pass --mapping FILE with a line like "payment_date = \"Your column name\"".')
            raise MappingError(
                path,
                f"no column holds the {names} ({found}).",
                fix="Rename the column, or pass --mapping FILE with lines like "
                f'"{missing[0]} = \\"Your column name\\"".',
            )


def automatic_mapping(columns: list[str], kind: str = "spend") -> ColumnMapping:
    """Map each field to the column whose name is its most specific alias; exact beats fuzzy."""
    candidates: list[tuple[int, int, str, str]] = []  # (fuzzy?, alias rank, field, column)
    for col in columns:
        key = header_key(col)
        for fld, aliases in FIELDS[kind].items():
            ranks = [i for i, a in enumerate(aliases) if header_key(a) == key]
            if ranks:
                candidates.append((0, ranks[0], fld, col))
        fuzzy = match_header(col, kind)
        if fuzzy and not any(c[3] == col for c in candidates):
            candidates.append((1, 0, fuzzy, col))
    fields: dict[str, str] = {}
    for _, _, fld, col in sorted(candidates, key=lambda c: (c[0], c[1])):
        if fld not in fields and col not in fields.values():
            fields[fld] = col
    return ColumnMapping(fields, "automatic")


def read_mapping_file(path: Path) -> dict[str, str]:
    """The raw field -> column pairs of a mapping file (TOML, JSON or two-column CSV: field,column)."""
    raw: dict[str, str]
    try:
        if path.suffix.lower() == ".toml":
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        elif path.suffix.lower() == ".json":
            raw = json.loads(path.read_text(encoding="utf-8"))
        else:
            with path.open(encoding="utf-8-sig", newline="") as fh:
                raw = {r[0].strip(): r[1].strip() for r in csv.reader(fh) if len(r) >= 2 and r[0].strip()}
                raw.pop("field", None)
    except (OSError, ValueError, tomllib.TOMLDecodeError) as exc:
        raise MappingError(str(path), f"the mapping file cannot be read ({exc}).") from None
    return {str(k): str(v) for k, v in raw.items()}


def header_scorer(kind: str, mapping_file: Path | None = None) -> Callable[[list[str]], int]:
    """Score a candidate header row: how many fields it names (by alias, or by the mapping file)."""
    named = {header_key(c) for c in read_mapping_file(mapping_file).values()} if mapping_file else set()

    def score(row: list[str]) -> int:
        return len({match_header(c, kind) for c in row} - {None}) + sum(header_key(c) in named for c in row if c)

    return score


def load_mapping_file(path: Path, columns: list[str], kind: str = "spend") -> ColumnMapping:
    """Read an explicit mapping file; its pairs override the automatic mapping."""
    raw = read_mapping_file(path)
    known = FIELDS[kind]
    problems = [f'"{k}" is not a field (fields: {", ".join(known)})' for k in raw if k not in known]
    by_key = {header_key(c): c for c in columns}
    explicit: dict[str, str] = {}
    for fld, col in raw.items():
        if fld not in known:
            continue
        actual = col if col in columns else by_key.get(header_key(str(col)))
        if actual is None:
            problems.append(f'{fld} = "{col}" but the file has no such column')
        else:
            explicit[fld] = actual
    if problems:
        raise MappingError(str(path), "; ".join(problems) + f" (columns found: {', '.join(columns)}).")
    auto = automatic_mapping([c for c in columns if c not in explicit.values()], kind)
    merged = {**{k: v for k, v in auto.fields.items() if k not in explicit}, **explicit}
    return ColumnMapping(merged, str(path))


# --- Workforce files (issue 14): header aliases of the workforce import kinds (see workforce/imports.py).
# Kept in one block, apart from the spend/supplier/staff aliases above. A field's own name (with spaces or
# underscores) is always an alias. The anchor column is not required: an anchor's own file may omit it.
def _aliases(spec: dict[str, tuple[str, ...]]) -> dict[str, list[str]]:
    return {f: [f.replace("_", " "), *extra] for f, extra in spec.items()}


WORKFORCE_FILE_FIELDS: dict[str, dict[str, list[str]]] = {
    "levy-paybill": _aliases({
        "anchor": ("org", "organisation", "anchor name", "employer"), "month": ("pay month", "period"),
        "pay_bill": ("paybill", "pay bill £", "gross pay bill", "total pay bill"),
        "english_share": ("share in england", "england share")}),
    "levy-commitments": _aliases({
        "anchor": ("org", "organisation"), "apprentice": ("apprentice ref", "apprentice reference"),
        "start_month": ("start",), "duration_months": ("duration",), "total_price": ("price",),
        "recipient": (), "recipient_type": ()}),
    "programmes": _aliases({
        "id": ("programme", "programme id"), "standard": (), "level": (), "duration_months": ("duration",),
        "off_the_job_hours": ("otj hours", "off the job hours"), "start_date": ()}),
    "placements": _aliases({
        "id": ("placement", "placement id"), "anchor": ("host", "org"), "department": (), "skill": (),
        "capacity": (), "location": (), "prerequisites": (), "programmes": (), "open_from": (),
        "open_until": ("withdrawn from",)}),
    "apprentices": _aliases({
        "id": ("apprentice", "apprentice id"), "programme": (), "employer": ("anchor",), "start_date": (),
        "preferences": (), "unavailable": (), "pinned": (), "status": ()}),
    "pledges": _aliases({
        "anchor": ("org",), "programme": (), "employer": (), "company_number": ("companies house number",),
        "charity_number": (), "role": (), "placements": (), "hours_per_week": ("hours",),
        "hourly_wage": ("wage",), "duration_months": (), "location": (), "additionality": (), "contact": (),
        "pledged_on": ("date",)}),
    "starts": _aliases({
        "anchor": ("org",), "employer": (), "role": (), "participant": ("participant ref",), "start_date": (),
        "outcome": (), "outcome_date": ()}),
    "he-engagements": _aliases({
        "anchor": ("org",), "partner": (), "partner_type": ("type",), "kind": ("engagement",), "title": (),
        "start_date": (), "outcome": (), "people": ()}),
}
WORKFORCE_FILE_REQUIRED: dict[str, tuple[str, ...]] = {
    "levy-paybill": ("month", "pay_bill"),
    "levy-commitments": ("apprentice", "start_month", "duration_months", "total_price"),
    "programmes": ("id", "standard", "level", "duration_months", "off_the_job_hours", "start_date"),
    "placements": ("id", "department", "skill", "capacity"),
    "apprentices": ("id", "programme", "start_date"),
    "pledges": ("employer", "role", "placements", "hours_per_week", "hourly_wage", "duration_months",
                "additionality", "pledged_on"),
    "starts": ("employer", "role", "participant", "start_date"),
    "he-engagements": ("partner", "partner_type", "kind", "title", "start_date"),
}
for _kind, _fields in WORKFORCE_FILE_FIELDS.items():
    register_kind(_kind, _fields, WORKFORCE_FILE_REQUIRED[_kind],
                  "the " + ", ".join(f.replace("_", " ") for f in WORKFORCE_FILE_REQUIRED[_kind][:2]))
