"""Payments are stored as narrow rows keyed to per-upload supplier and line tables, read through `spend`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb

from anchorage.ingest.spend import ingest_spend
from anchorage.store import warehouse

# The wide table warehouses were made with before the narrow layout (converted when opened).
OLD_SPEND = """
CREATE TABLE spend (
    upload_id VARCHAR NOT NULL, org VARCHAR NOT NULL, row_no BIGINT NOT NULL, payment_date DATE NOT NULL,
    amount DECIMAL(18, 2) NOT NULL, supplier_name VARCHAR NOT NULL, supplier_name_norm VARCHAR NOT NULL,
    supplier_ref VARCHAR, supplier_postcode VARCHAR, company_number VARCHAR, charity_number VARCHAR,
    vat_number VARCHAR, category VARCHAR, service VARCHAR, description VARCHAR, transaction_id VARCHAR,
    is_redacted BOOLEAN NOT NULL
)"""
ROWS = [
    (
        "u1",
        "council",
        1,
        dt.date(2024, 4, 2),
        Decimal("10.50"),
        "Acme Ltd",
        "ACME",
        "S1",
        "SE6 4RU",
        "01234567",
        None,
        "GB123",
        "Catering",
        "Schools",
        "Lunches",
        "T1",
        False,
    ),
    (
        "u1",
        "council",
        2,
        dt.date(2024, 4, 3),
        Decimal("-2.00"),
        "Acme Ltd",
        "ACME",
        "S1",
        "SE6 4RU",
        "01234567",
        None,
        "GB123",
        "Catering",
        "Schools",
        None,
        "42",
        False,
    ),
    (
        "u1",
        "council",
        3,
        dt.date(2024, 5, 1),
        Decimal("99.99"),
        "REDACTED",
        "REDACTED",
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        True,
    ),
    (
        "u2",
        "trust",
        7,
        dt.date(2023, 1, 9),
        Decimal("1000.00"),
        "Acme Limited",
        "ACME",
        None,
        None,
        None,
        "1100",
        None,
        "Catering",
        None,
        None,
        None,
        False,
    ),
]


def test_a_warehouse_with_the_old_wide_table_is_converted_without_losing_a_row(tmp_path):
    db = tmp_path / "old.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute(OLD_SPEND)
        con.executemany(f"INSERT INTO spend VALUES ({', '.join('?' * 17)})", ROWS)
    for _ in range(2):  # converting once; opening again changes nothing
        con = warehouse.connect(db)
        got = con.execute("SELECT * FROM spend ORDER BY upload_id, row_no").fetchall()
        kind = con.execute(
            "SELECT table_type FROM information_schema.tables WHERE table_name = 'spend'"
        ).fetchone()
        stored = con.execute("SELECT count(*) FROM spend_suppliers").fetchone()
        con.close()
        assert got == ROWS
        assert kind == ("VIEW",)
        assert stored == (
            3,
        )  # Acme twice in u1 is stored once; the trust's Acme and REDACTED once each


def test_a_replaced_upload_leaves_no_rows_suppliers_or_lines_behind(workspace, tmp_path):
    f = tmp_path / "spend.csv"
    f.write_text(
        "Supplier Name,Amount,Payment Date,Expense Type\nAcme Ltd,10.00,01/04/2024,Catering\n"
        "Bravo Ltd,5.00,02/04/2024,Cleaning\n"
    )
    first = ingest_spend(workspace, f, "Council", date_order="dmy")
    f.write_text(
        "Supplier Name,Amount,Payment Date,Expense Type\nAcme Ltd,12.00,01/04/2024,Catering\n"
    )
    second = ingest_spend(workspace, f, "Council", date_order="dmy")
    assert second.replaced_upload == first.upload_id
    with workspace.warehouse(read_only=True) as con:
        assert con.execute("SELECT supplier_name, amount, category FROM spend").fetchall() == [
            ("Acme Ltd", Decimal("12.00"), "Catering")
        ]
        counts = [
            con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("spend_uploads", "spend_suppliers", "spend_lines", "spend_rows")
        ]
    assert counts == [1, 1, 1, 1]


def test_the_same_supplier_cells_in_two_uploads_keep_their_own_details(workspace, tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text(
        "Supplier Name,Supplier Postcode,Amount,Payment Date\nAcme Ltd,se6 4ru,1.00,01/04/2024\n"
    )
    b.write_text(
        "Supplier Name,Supplier Postcode,Amount,Payment Date\nAcme Ltd,se6 4ru,2.00,01/04/2024\n"
        " Acme Ltd ,,3.00,02/04/2024\n"
    )
    ingest_spend(workspace, a, "Council", date_order="dmy")
    ingest_spend(workspace, b, "Acute Trust", date_order="dmy")
    with workspace.warehouse(read_only=True) as con:
        got = con.execute(
            "SELECT org, supplier_name, supplier_postcode, amount FROM spend ORDER BY amount"
        ).fetchall()
        profile = con.execute(
            "SELECT org, supplier_name_norm, postcode FROM supplier_profile ORDER BY org"
        ).fetchall()
    assert got == [
        ("council", "Acme Ltd", "SE6 4RU", Decimal("1.00")),
        ("acute-trust", "Acme Ltd", "SE6 4RU", Decimal("2.00")),
        ("acute-trust", "Acme Ltd", None, Decimal("3.00")),
    ]
    assert profile == [("acute-trust", "ACME", "SE6 4RU"), ("council", "ACME", "SE6 4RU")]


def test_transaction_ids_read_back_exactly_as_written(workspace, tmp_path):
    ids = [
        "123",
        "0123",
        "INV-9",
        "",
        "999999999999999999",
        "9999999999999999999",
        "-5",
        "1e3",
        " 77 ",
    ]
    f = tmp_path / "spend.csv"
    f.write_text(
        "Supplier Name,Amount,Payment Date,Transaction Number\n"
        + "".join(f"Acme Ltd,1.00,01/04/2024,{t}\n" for t in ids)
    )
    ingest_spend(workspace, f, "Council", date_order="dmy")
    with workspace.warehouse(read_only=True) as con:
        got = [
            r[0] for r in con.execute("SELECT transaction_id FROM spend ORDER BY row_no").fetchall()
        ]
        numeric = con.execute("SELECT count(transaction_no) FROM spend_rows").fetchone()
    assert got == [t.strip() or None for t in ids]
    assert numeric == (3,)  # 123, the 18-digit id and 77 are stored as numbers; the rest as text
