"""Column aliases of social value commitment and delivery returns and LM3 re-spend surveys."""

from __future__ import annotations

from anchorage.ingest.mapping import register_kind

CONTRACT = [
    "contract reference",
    "contract ref",
    "contract id",
    "contract number",
    "contract no",
    "contract",
    "contract code",
]
SUPPLIER = [
    "supplier name",
    "supplier",
    "contractor",
    "provider",
    "supplier_name",
    "contractor name",
]
MEASURE = [
    "measure id",
    "measure",
    "measure code",
    "metric",
    "indicator",
    "social value measure",
    "measure_id",
]

COMMITMENT_FIELDS: dict[str, list[str]] = {
    "contract_ref": CONTRACT,
    "supplier_name": SUPPLIER,
    "measure_id": MEASURE,
    "quantity": [
        "committed",
        "commitment",
        "committed quantity",
        "quantity committed",
        "units committed",
        "target",
        "quantity",
    ],
    "contract_start": ["contract start", "contract start date", "start date", "start"],
    "contract_end": ["contract end", "contract end date", "end date", "end", "expiry date"],
}
DELIVERY_FIELDS: dict[str, list[str]] = {
    "contract_ref": CONTRACT,
    "supplier_name": SUPPLIER,
    "measure_id": MEASURE,
    "quantity": [
        "delivered",
        "quantity delivered",
        "delivered quantity",
        "units delivered",
        "actual",
        "achieved",
        "quantity",
    ],
    "period_end": [
        "period end",
        "period end date",
        "reporting period end",
        "period ending",
        "period to",
        "as at",
        "report date",
        "date",
    ],
    "evidence": ["evidence", "notes", "comment", "comments", "evidence reference"],
}
LM3_FIELDS: dict[str, list[str]] = {
    "supplier_name": SUPPLIER,
    "income": [
        "income from anchor",
        "income from the anchor",
        "anchor spend",
        "spend with supplier",
        "round 1",
        "income",
        "spend",
        "amount",
    ],
    "wages_pct": [
        "wages %",
        "wages pct",
        "share on wages",
        "% of income on wages",
        "% spent on wages",
        "staff costs %",
        "wages share",
    ],
    "local_staff_pct": [
        "local staff %",
        "local staff pct",
        "% of wages to local staff",
        "local wages %",
        "wages to local staff %",
        "local staff share",
    ],
    "purchases_pct": [
        "purchases %",
        "purchases pct",
        "share on purchases",
        "% of income on purchases",
        "% spent on purchases",
        "supplies %",
        "purchases share",
    ],
    "local_purchases_pct": [
        "local purchases %",
        "local purchases pct",
        "% of purchases from local suppliers",
        "local suppliers %",
        "local purchases share",
    ],
    "postcode": ["supplier postcode", "postcode", "post code"],
    "year": ["year", "financial year", "survey year"],
}

COMMITMENT_KIND, DELIVERY_KIND, LM3_KIND = "sv_commitments", "sv_delivery", "lm3"
register_kind(
    COMMITMENT_KIND,
    COMMITMENT_FIELDS,
    tuple(COMMITMENT_FIELDS),
    "the contract, supplier, measure, quantity committed and contract dates",
)
register_kind(
    DELIVERY_KIND,
    DELIVERY_FIELDS,
    ("contract_ref", "supplier_name", "measure_id", "quantity", "period_end"),
    "the contract, supplier, measure, quantity delivered and period end",
)
register_kind(
    LM3_KIND,
    LM3_FIELDS,
    (
        "supplier_name",
        "income",
        "wages_pct",
        "local_staff_pct",
        "purchases_pct",
        "local_purchases_pct",
    ),
    "the supplier, its income from the anchor and its re-spend shares",
)
