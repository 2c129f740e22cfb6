"""How payments are stored: narrow rows keyed to per-upload supplier and line tables, read through `spend`.

A payment row keeps only what differs from row to row (row number, date, amount, description, transaction
id) and two integer keys: one for the supplier cells it came with (name, postcode, reference, company,
charity and VAT numbers) and one for its category and service. Those repeat thousands of times in a file,
so each distinct combination is stored once per upload. Storing a few numbers a row instead of eight text
columns is what lets a 10M-row file load at about a million rows a second (BENCHMARKS.md).

Every reader uses the view `spend`, which has the columns of one wide payments table; only the spend
ingest writes the tables below.
"""

from __future__ import annotations

import duckdb

TABLES = """
CREATE TABLE IF NOT EXISTS spend_uploads (
    upload_no INTEGER NOT NULL,
    upload_id VARCHAR NOT NULL,
    org VARCHAR NOT NULL
);
-- Two loads in flight at once must never share a number: the view joins payments to their upload by it.
CREATE UNIQUE INDEX IF NOT EXISTS spend_uploads_no ON spend_uploads (upload_no);
CREATE TABLE IF NOT EXISTS spend_suppliers (
    upload_no INTEGER NOT NULL,
    supplier_key UBIGINT NOT NULL,
    supplier_name VARCHAR NOT NULL,
    supplier_name_norm VARCHAR NOT NULL,
    supplier_ref VARCHAR,
    supplier_postcode VARCHAR,
    company_number VARCHAR,
    charity_number VARCHAR,
    vat_number VARCHAR,
    is_redacted BOOLEAN NOT NULL,
    payments BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS spend_lines (
    upload_no INTEGER NOT NULL,
    line_key UBIGINT NOT NULL,
    category VARCHAR,
    service VARCHAR
);
CREATE TABLE IF NOT EXISTS spend_rows (
    upload_no INTEGER NOT NULL,
    row_no BIGINT NOT NULL,
    payment_date DATE NOT NULL,
    amount DECIMAL(18, 2) NOT NULL,
    supplier_key UBIGINT NOT NULL,
    line_key UBIGINT NOT NULL,
    description VARCHAR,
    transaction_no BIGINT,  -- a transaction id that is a plain number is stored as one (see transaction_sql)
    transaction_id VARCHAR
);
CREATE VIEW IF NOT EXISTS spend AS
{spend};
"""
SPEND_SELECT = """SELECT u.upload_id, u.org, r.row_no, r.payment_date, r.amount, s.supplier_name, s.supplier_name_norm,
       s.supplier_ref, s.supplier_postcode, s.company_number, s.charity_number, s.vat_number, l.category,
       l.service, r.description, coalesce(r.transaction_id, CAST(r.transaction_no AS VARCHAR)) AS transaction_id,
       s.is_redacted
FROM {spend_rows} r
JOIN {spend_uploads} u USING (upload_no)
JOIN {spend_suppliers} s USING (upload_no, supplier_key)
JOIN {spend_lines} l USING (upload_no, line_key)"""


def spend_select(uploads: str | None = None) -> str:
    """The view `spend`'s query; with `uploads` (a list of upload numbers, "1, 2, 3") each of its four tables is
    filtered to them first, so a reader of a few uploads never joins every payment (the lake's export)."""
    names = ("spend_rows", "spend_uploads", "spend_suppliers", "spend_lines")
    if uploads is None:
        return SPEND_SELECT.format(**{t: t for t in names})
    return SPEND_SELECT.format(
        **{t: f"(SELECT * FROM {t} WHERE upload_no IN ({uploads}))" for t in names}
    )


TABLES = TABLES.replace("{spend}", spend_select())

SUPPLIER_CELLS = (
    "supplier_name",
    "supplier_postcode",
    "supplier_ref",
    "company_number",
    "charity_number",
    "vat_number",
)
LINE_CELLS = ("category", "service")

DELETE_UPLOAD = [
    *(
        f"DELETE FROM {t} WHERE upload_no IN (SELECT upload_no FROM spend_uploads WHERE upload_id = ?)"
        for t in ("spend_rows", "spend_suppliers", "spend_lines")
    ),
    "DELETE FROM spend_uploads WHERE upload_id = ?",
]


def key_sql(salt: int, cells: list[str]) -> str:
    """The key of a combination of cells: a 64-bit hash, salted so that a clash (checked for on every load,
    about one chance in 10^8 for a million combinations) is resolved by hashing again with another salt."""
    return f"hash({', '.join([str(int(salt)), *cells])})"


def transaction_sql(cell: str, names: tuple[str, str] | None = None) -> str:
    """transaction_no, transaction_id for a trimmed cell (named `names` if given): a plain number (no sign, no
    leading zero, at most 18 digits, so it reads back as the same text) as a number, which costs a tenth as
    much to store."""
    plain = f"regexp_full_match({cell}, '[1-9][0-9]{{0,17}}')"
    no, text = (f" AS {n}" for n in names) if names else ("", "")
    return f"CASE WHEN {plain} THEN CAST({cell} AS BIGINT) END{no}, CASE WHEN NOT {plain} THEN {cell} END{text}"


def next_upload_no(con: duckdb.DuckDBPyConnection, upload_id: str, org: str) -> int:
    """Register an upload's rows and return its number (call inside the load's transaction).

    The number comes from a sequence, which hands out each value once whatever transactions are open:
    `max(upload_no) + 1` inside two concurrent loads gave both the same number, and each upload then held
    the other's payments (issue 15)."""
    row = con.execute("SELECT nextval('spend_upload_no')").fetchone()
    assert row is not None
    con.execute("INSERT INTO spend_uploads VALUES (?, ?, ?)", [row[0], upload_id, org])
    return int(row[0])


def _ensure_sequence(con: duckdb.DuckDBPyConnection) -> None:
    """The upload-number sequence, started after the highest number a warehouse already holds."""
    if con.execute(
        "SELECT count(*) FROM duckdb_sequences() WHERE sequence_name = 'spend_upload_no' "
        "AND database_name = current_database()"
    ).fetchone() == (0,):
        row = con.execute("SELECT coalesce(max(upload_no), 0) + 1 FROM spend_uploads").fetchone()
        assert row is not None
        con.execute(f"CREATE SEQUENCE IF NOT EXISTS spend_upload_no START {int(row[0])}")


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    """Create the tables and view; a warehouse made before them (one wide `spend` table) is converted.

    Warehouse migration 2: it runs inside the migration's transaction, so a conversion is all or nothing."""
    kind = con.execute(
        "SELECT table_type FROM information_schema.tables WHERE table_name = 'spend' AND table_schema = 'main' "
        "AND table_catalog = current_database()"
    ).fetchone()
    if kind is None or kind[0] == "VIEW":
        con.execute(TABLES)
        _ensure_sequence(con)
        return
    con.execute("ALTER TABLE spend RENAME TO spend_wide_old")
    con.execute(TABLES)
    _convert(con)
    con.execute("DROP TABLE spend_wide_old")
    _ensure_sequence(con)


def _convert(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        INSERT INTO spend_uploads
        SELECT row_number() OVER (ORDER BY upload_id, org), upload_id, org
        FROM (SELECT DISTINCT upload_id, org FROM spend_wide_old)
    """)
    for salt in range(8):
        sk = key_sql(salt, [*SUPPLIER_CELLS, "is_redacted", "supplier_name_norm"])
        lk = key_sql(salt, list(LINE_CELLS))
        clashes = con.execute(f"""
            SELECT (SELECT count(*) - count(DISTINCT (upload_no, k)) FROM (
                        SELECT DISTINCT upload_no, {sk} AS k, {", ".join(SUPPLIER_CELLS)}, is_redacted,
                               supplier_name_norm
                        FROM spend_wide_old JOIN spend_uploads USING (upload_id, org)))
                 + (SELECT count(*) - count(DISTINCT (upload_no, k)) FROM (
                        SELECT DISTINCT upload_no, {lk} AS k, category, service
                        FROM spend_wide_old JOIN spend_uploads USING (upload_id, org)))
        """).fetchone()
        if clashes is not None and clashes[0] == 0:
            break
    else:  # pragma: no cover - eight clashing hashes in a row do not happen
        raise RuntimeError("could not key the stored payments; please report this")
    con.execute(f"""
        INSERT INTO spend_suppliers
        SELECT upload_no, {sk}, supplier_name, supplier_name_norm, supplier_ref, supplier_postcode,
               company_number, charity_number, vat_number, is_redacted, count(*)
        FROM spend_wide_old JOIN spend_uploads USING (upload_id, org)
        GROUP BY ALL
    """)
    con.execute(f"""
        INSERT INTO spend_lines
        SELECT DISTINCT upload_no, {lk}, category, service
        FROM spend_wide_old JOIN spend_uploads USING (upload_id, org)
    """)
    con.execute(f"""
        INSERT INTO spend_rows
        SELECT upload_no, row_no, payment_date, amount, {sk}, {lk}, description, {transaction_sql("transaction_id")}
        FROM spend_wide_old JOIN spend_uploads USING (upload_id, org)
    """)
