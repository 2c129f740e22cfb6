"""Header aliases: the names each import kind's fields go by in the files anchors publish (mapping.py matches
them)."""

from __future__ import annotations

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


# Workforce files (issue 14): header aliases of the workforce import kinds (see workforce/imports.py). A field's
# own name (with spaces or underscores) is always an alias. The anchor column is not required: an anchor's own
# file may omit it.
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
