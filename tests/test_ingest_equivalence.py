"""Speeding up the spend ingest must not change what it stores: the warehouse after loading a generated file
with every kind of junk row is pinned, table by table (rows and a digest of their values), as the ingest
stored it before the speed-ups of issue 18 (item 2). A change that alters any stored value, key, quarantine
row or reason fails here; one that is meant to change them updates the pins and says why."""

from __future__ import annotations

import csv
import hashlib
import random
from decimal import Decimal
from pathlib import Path

from anchorage.ingest.spend import ingest_spend
from anchorage.workspace import Workspace

HEADER = [
    "Body Name",
    "Service Area",
    "Expenditure Category",
    "Payment Date",
    "Transaction Number",
    "Amount",
    "Supplier Name",
    "Supplier Postcode",
    "Company Number",
    "Description",
]
NAMES = [
    "ABC Cleaning Ltd",
    "ABC CLEANING LIMITED",
    "The ABC Cleaning Ltd.",
    "ABC Cleaning Ltd (t/a Shiny)",
    "Bromley Com. Svcs",
    "Émile & Sons Ltd",
    "  Padded Name Ltd  ",
    "\u00a0NBSP Trading Ltd",
    "REDACTED - personal data",
    "Name withheld",
    "12345678",
    "Supply Chain Coordination Ltd ( 905)",
    "LIMITED",
    "O'Brien Bros",
    "Amazon.com",
    "Acme Engg Grp PLC",
]
POSTCODES = ["SE6 4RU", "se64ru", " SE13 6LW ", "", "ZE1 0XY", "EC2M 4PQ", "not a postcode"]
AMOUNTS = ["12.50", "£1,234.56", "(12.00)", "-45.10", "1e3", " 7.25 ", "TBC", "", "0.005", "12.5CR"]
DATES = ["01/04/2021", "15/06/2022", " 03/03/2023", "2021-04-01", "1/4/2021", "31/02/2021", ""]
SERVICES = ["Adult Social Care", "Housing", "", "Children & Young People"]
CATEGORIES = ["Catering", "Legal Fees", "Agency Staff", ""]

# Pinned from the ingest before the issue 18 (item 2) speed-ups: (rows, first 16 hex of the SHA-256 of the
# table's rows in sorted order).
EXPECTED = {
    "spend": (2706, "40bc04fc0903fd35"),
    "spend_suppliers": (335, "2620a99c6f47ae01"),
    "spend_lines": (16, "e7fcc7a0cba0b43f"),
    "supplier_profile": (10, "d96a1d844da9fb5d"),
    "quarantine": (288, "f47da1a0f3ef5495"),
}
EMPTY_SUPPLIER = "supplier name is empty (write REDACTED if it was withheld)"
REASONS = {
    "amount is empty": 44,
    "amount is empty; payment date is empty": 11,
    "amount is empty; payment date …": 6,
    "amount …": 57,
    "payment date is empty": 62,
    "payment date …": 60,
    EMPTY_SUPPLIER: 27,
    f"{EMPTY_SUPPLIER}; amount is empty": 3,
    f"{EMPTY_SUPPLIER}; amount …": 5,
    f"{EMPTY_SUPPLIER}; payment date is empty": 2,
    f"{EMPTY_SUPPLIER}; payment date …": 3,
    "the line has fewer cells than the header's 10 columns": 3,
    "the line has more cells than the header's 10 columns (a stray comma or quote?)": 4,
    "this looks like a total line, not a payment": 1,
}
QUERIES = {
    # The view, without the upload's random id: every payment as readers see it.
    "spend": "SELECT org, row_no, payment_date, amount, supplier_name, supplier_name_norm, supplier_ref, "
    "supplier_postcode, company_number, charity_number, vat_number, category, service, description, "
    "transaction_id, is_redacted FROM spend",
    # Keys included: they are DuckDB hash()es, so they pin the salt and the cells that key a supplier.
    "spend_suppliers": "SELECT * FROM spend_suppliers",
    "spend_lines": "SELECT * FROM spend_lines",
    "supplier_profile": "SELECT * FROM supplier_profile",
    "quarantine": "SELECT org, kind, source_file, sheet, row_no, line_no, column_name, reason, amount, raw "
    "FROM quarantine",
}


def write_junk_file(path: Path, rows: int = 3000, seed: int = 18) -> None:
    """A spend CSV of mostly clean rows with every kind of junk mixed in: padded cells, other amount and date
    shapes, blank and bad values, redacted and code-only suppliers, a total line, blank lines and lines with
    too many or too few cells."""
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for i in range(rows):
            clean = rng.random() < 0.8
            row = [
                "Council",
                rng.choice(SERVICES),
                rng.choice(CATEGORIES),
                f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2019, 2024)}"
                if clean
                else rng.choice(DATES),
                str(100000 + i) if rng.random() < 0.9 else f"T-{i:05d}",
                f"{rng.randint(-500, 90000) / 100:.2f}" if clean else rng.choice(AMOUNTS),
                rng.choice(NAMES[:8]) if clean else rng.choice([*NAMES, ""]),
                rng.choice(POSTCODES),
                rng.choice(["", "01234567", "sc 123456", "1234"]),
                rng.choice(["", "Meals", "Invoice 7 of 12", "  spaced  "]),
            ]
            if i % 997 == 5:
                row = row[:-2]  # too few cells
            if i % 991 == 7:
                row = [*row, "extra"]  # too many cells
            if i % 499 == 3:
                row = [""] * len(HEADER)  # a blank row
            w.writerow(row)
        w.writerow(["", "", "", "", "", "123456.78", "TOTAL", "", "", ""])


def warehouse_digest(ws: Workspace) -> dict[str, tuple[int, str]]:
    out = {}
    with ws.warehouse(read_only=True) as con:
        for name, sql in QUERIES.items():
            got = con.execute(f"SELECT * FROM ({sql}) ORDER BY ALL").fetchall()
            out[name] = (len(got), hashlib.sha256(repr(got).encode()).hexdigest()[:16])
    return out


def test_the_ingest_stores_exactly_what_it_stored_before(workspace: Workspace, tmp_path: Path):
    f = tmp_path / "spend.csv"
    write_junk_file(f)
    out = ingest_spend(workspace, f, "Council", accept_warnings=True)
    assert out.balanced
    assert (out.rows_read, out.rows_loaded, out.rows_quarantined) == (2994, 2706, 288)
    assert (out.amount_read, out.amount_loaded, out.amount_quarantined) == (
        Decimal("1325103.60"),
        Decimal("1159256.35"),
        Decimal("165847.25"),
    )
    assert out.quarantine_reasons == REASONS
    assert out.notes == [
        "26 payments give their supplier only as a number (12345678): they are loaded and counted like "
        "a withheld name (supplier unknown), the number kept as the supplier reference"
    ]
    assert out.warnings == [
        "the file's total line says £123,456.78 but the payments loaded add up to £1,159,256.35 "
        "(a difference of £-1,035,799.57)"
    ]
    assert warehouse_digest(workspace) == EXPECTED
