"""Spend ingest: payments from any anchor's finance export into the warehouse, bad rows quarantined."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb

from anchorage.ingest import progress as prog
from anchorage.ingest.pipeline import Batch, Transform, run_import, trimmed_sql
from anchorage.ingest.result import ImportSummary
from anchorage.reference.names import name_norm_sql
from anchorage.reference.postcode import postcode_display_sql
from anchorage.workspace import Workspace

REDACTED_RE = r"^\W*(REDACTED|WITHHELD|NAME WITHHELD|PERSONAL DATA|PERSONAL INFORMATION|PRIVATE INDIVIDUAL|INDIVIDUAL|NOT DISCLOSED)\b|REDACT"
EARLIEST = "1990-01-01"


def company_number_sql(expr: str) -> str:
    """Companies House numbers: upper-case, no spaces, all-digit ones zero-padded to 8."""
    s = f"upper(regexp_replace({expr}, '\\s', '', 'g'))"
    return f"CASE WHEN regexp_full_match({s}, '[0-9]{{1,8}}') THEN lpad({s}, 8, '0') ELSE NULLIF({s}, '') END"


def _fast_ok_sql(b: Batch) -> str:
    """True for rows on the fast path: a supplier starting with a printable ASCII character, an amount that
    is a plain number and a DD/MM/YYYY date in range, all read from the untrimmed cells. For these rows the
    full parsers (on the trimmed cells) give exactly the same amount and date and no reason, so nearly every
    row of a clean file is checked with two cheap casts; every other row takes the full parsers."""
    sup, amt, dat = (b.cell(f) for f in ("supplier_name", "amount", "payment_date"))
    if sup is None or amt is None or dat is None:
        return "false"
    return (f"coalesce(ascii({sup}) BETWEEN 33 AND 126 AND TRY_CAST({amt} AS DECIMAL(18, 2)) IS NOT NULL "
            f"AND NOT starts_with({dat}, ' ') "
            f"AND anchorage_date_dmy({dat}) BETWEEN DATE '{EARLIEST}' AND current_date + 366, false)")


def _prepare(b: Batch) -> ImportSummary:
    """Check every row; rows off the fast path are parsed in full into a temp table; return the reconciliation."""
    t, stg = b.parsed, b.part.table
    sup, amt, dat = b.col("supplier_name"), b.col("amount"), b.col("payment_date")
    everything = " || ' ' || ".join(f"coalesce(c{i}, '')" for i in range(len(b.part.columns)))
    q = lambda s: s.replace("'", "''")  # noqa: E731
    h_sup, h_amt, h_dat = (q(b.column_header(f)) for f in ("supplier_name", "amount", "payment_date"))
    prog.run(b.con, f"""
        CREATE TEMP TABLE {t} AS
        SELECT
            row_no,
            {b.line_sql()} AS line_no,
            {sup} AS supplier_raw,
            {amt} AS amount_raw,
            {dat} AS date_raw,
            anchorage_amount(amount_raw) AS amount,
            anchorage_date(date_raw) AS payment_date,
            -- CASE, not AND: the regex then runs only on the few rows without a date.
            CASE WHEN date_raw IS NULL THEN regexp_matches(upper({everything}), '\\bTOTALS?\\b') ELSE false END
                AS is_total,
            concat_ws('; ',
                CASE WHEN is_total THEN 'this looks like a total line, not a payment' END,
                CASE WHEN supplier_raw IS NULL AND NOT is_total
                     THEN 'supplier name is empty (write REDACTED if it was withheld)' END,
                CASE WHEN is_total THEN NULL
                     WHEN amount_raw IS NULL THEN 'amount is empty'
                     WHEN amount IS NULL THEN 'amount "' || amount_raw || '" is not a number' END,
                CASE WHEN is_total THEN NULL
                     WHEN date_raw IS NULL THEN 'payment date is empty'
                     WHEN payment_date IS NULL
                         THEN 'payment date "' || date_raw || '" is not a date we recognise (use DD/MM/YYYY)'
                     WHEN payment_date < DATE '{EARLIEST}' OR payment_date > current_date + 366
                         THEN 'payment date ' || strftime(payment_date, '%d/%m/%Y') || ' is out of range' END
            ) AS reason,
            CASE WHEN reason = '' THEN NULL
                 WHEN supplier_raw IS NULL THEN '{h_sup}'
                 WHEN amount IS NULL THEN '{h_amt}'
                 ELSE '{h_dat}' END AS bad_column,
            CASE WHEN reason <> '' THEN {b.raw_json_sql("s")} END AS raw,
            {b.col("supplier_ref")} AS supplier_ref,
            {b.col("supplier_postcode")} AS postcode_raw,
            {b.col("company_number")} AS company_raw,
            {b.col("charity_number")} AS charity_number,
            {b.col("vat_number")} AS vat_raw,
            {b.col("category")} AS category,
            {b.col("service")} AS service,
            {b.col("description")} AS description,
            {b.col("transaction_id")} AS transaction_id
        FROM (SELECT rowid + 1 AS row_no, * FROM {stg} WHERE NOT {_fast_ok_sql(b)}) s
        WHERE NOT ({b.all_blank_sql()})
    """, stage=f"Checking {b.source_file}", progress=b.progress)
    # Names and postcodes repeat: normalise each distinct cell once (tens of thousands, not millions);
    # rows join back to them by the cell.
    sup_cell, pc_cell = (b.cell(f) or "CAST(NULL AS VARCHAR)" for f in ("supplier_name", "supplier_postcode"))
    b.con.execute(f"""
        CREATE TEMP TABLE cells_{stg} AS SELECT DISTINCT {sup_cell} AS cell FROM {stg};
        CREATE TEMP TABLE names_{stg} AS
        SELECT cell, supplier_raw,
               regexp_matches(upper(supplier_raw), '{REDACTED_RE}') AS is_redacted,
               CASE WHEN is_redacted THEN 'REDACTED' ELSE {name_norm_sql('supplier_raw')} END AS norm
        FROM (SELECT cell, {trimmed_sql('cell')} AS supplier_raw FROM cells_{stg})
        WHERE supplier_raw IS NOT NULL;
        CREATE TEMP TABLE postcodes_{stg} AS
        SELECT cell, postcode_raw, {postcode_display_sql('postcode_raw')} AS postcode
        FROM (SELECT cell, {trimmed_sql('cell')} AS postcode_raw FROM (SELECT DISTINCT {pc_cell} AS cell FROM {stg}))
        WHERE postcode_raw IS NOT NULL;
        DROP TABLE cells_{stg}
    """)
    out = ImportSummary(kind="spend", file=b.source_file)
    # The fast-path rows are counted as _load inserts them.
    totals = b.con.execute(f"""
        SELECT count(*), count(*) FILTER (reason = ''), count(*) FILTER (reason <> ''),
               coalesce(sum(amount), 0), coalesce(sum(amount) FILTER (reason = ''), 0),
               coalesce(sum(amount) FILTER (reason <> ''), 0)
        FROM {t}
    """).fetchone()
    assert totals is not None
    out.rows_read, out.rows_loaded, out.rows_quarantined, read, loaded, bad = totals
    out.amount_read, out.amount_loaded, out.amount_quarantined = Decimal(read), Decimal(loaded), Decimal(bad)
    for reason, n in b.con.execute(
        f"SELECT reason, count(*) FROM {t} WHERE reason <> '' GROUP BY 1 ORDER BY 2 DESC LIMIT 50"
    ).fetchall():
        # Group reasons by their kind, not by the value quoted in them.
        key = reason.split('"')[0].strip() + (" …" if '"' in reason else "")
        out.quarantine_reasons[key] = out.quarantine_reasons.get(key, 0) + n
    return out


def _insert_spend_sql(b: Batch, rows: str, names: str, postcodes: str) -> str:
    """INSERT the rows of `rows` (row_no, parsed values, trimmed cells, and the keys `names` and `postcodes`
    are joined on) into spend, with normalised supplier names and postcodes."""
    return f"""
        INSERT INTO spend
        SELECT ?, ?, p.row_no, p.payment_date, p.amount, n.supplier_raw, n.norm, p.supplier_ref,
               pc.postcode,
               CASE WHEN p.company_raw IS NOT NULL THEN {company_number_sql('p.company_raw')} END,
               p.charity_number,
               CASE WHEN p.vat_raw IS NOT NULL THEN upper(regexp_replace(p.vat_raw, '[\\s-]', '', 'g')) END,
               p.category, p.service, p.description, p.transaction_id, n.is_redacted
        FROM ({rows}) p JOIN ({names}) n USING (supplier_key)
        LEFT JOIN ({postcodes}) pc USING (postcode_key)
    """


def _other_columns(b: Batch) -> str:
    return f"""{b.col("supplier_ref")} AS supplier_ref, {b.col("company_number")} AS company_raw,
               {b.col("charity_number")} AS charity_number, {b.col("vat_number")} AS vat_raw,
               {b.col("category")} AS category, {b.col("service")} AS service,
               {b.col("description")} AS description, {b.col("transaction_id")} AS transaction_id"""


def _load(b: Batch) -> ImportSummary:
    """Move good rows into spend and bad rows into quarantine (inside the import's transaction); return the
    reconciliation of the fast-path rows, counted as inserted."""
    t, stg = b.parsed, b.part.table
    sup_cell, amt_cell, dat_cell, pc_cell = (
        b.cell(f) or "CAST(NULL AS VARCHAR)" for f in ("supplier_name", "amount", "payment_date", "supplier_postcode"))
    # Fast-path rows straight from the staged cells, joined to their names and postcodes by the raw cell.
    fast = f"""
        SELECT rowid + 1 AS row_no, anchorage_date_dmy({dat_cell}) AS payment_date,
               TRY_CAST({amt_cell} AS DECIMAL(18, 2)) AS amount, {_other_columns(b)},
               {sup_cell} AS supplier_key, {pc_cell} AS postcode_key
        FROM {stg} WHERE {_fast_ok_sql(b)}"""
    upload_sum = "SELECT count(*), coalesce(sum(amount), 0) FROM spend WHERE upload_id = ?"
    before = b.con.execute(upload_sum, [b.upload_id]).fetchone()
    prog.run(b.con, _insert_spend_sql(b, fast, f"SELECT cell AS supplier_key, * FROM names_{stg}",
                                      f"SELECT cell AS postcode_key, postcode FROM postcodes_{stg}"),
             [b.upload_id, b.org], stage=f"Loading {b.source_file}", progress=b.progress)
    after = b.con.execute(upload_sum, [b.upload_id]).fetchone()
    assert before is not None and after is not None
    out = ImportSummary(kind="spend", file=b.source_file, rows_read=after[0] - before[0],
                        rows_loaded=after[0] - before[0], amount_read=Decimal(after[1] - before[1]),
                        amount_loaded=Decimal(after[1] - before[1]), amount_quarantined=Decimal(0))
    # Rows that took the full parsers and passed, joined by their trimmed values.
    b.con.execute(_insert_spend_sql(
        b, f"SELECT *, supplier_raw AS supplier_key, postcode_raw AS postcode_key FROM {t} WHERE reason = ''",
        f"SELECT DISTINCT supplier_raw AS supplier_key, supplier_raw, norm, is_redacted FROM names_{stg}",
        f"SELECT DISTINCT postcode_raw AS postcode_key, postcode FROM postcodes_{stg}",
    ), [b.upload_id, b.org])
    b.con.execute(f"""
        INSERT INTO quarantine
        SELECT ?, ?, 'spend', ?, ?, row_no, line_no, bad_column, reason, amount, raw
        FROM {t} WHERE reason <> ''
    """, [b.upload_id, b.org, b.source_file, b.part.sheet])
    b.con.execute(f"DROP TABLE names_{stg}; DROP TABLE postcodes_{stg}")
    return out


def rebuild_supplier_profile(con: duckdb.DuckDBPyConnection, org: str) -> None:
    """One row per (anchor, supplier) with what is known of it: the seam the supplier register replaces."""
    con.execute("DELETE FROM supplier_profile WHERE org = ?", [org])
    con.execute("""
        INSERT INTO supplier_profile
        WITH s AS (
            SELECT org, supplier_name_norm, mode(supplier_postcode) AS postcode,
                   mode(company_number) AS company_number, mode(charity_number) AS charity_number
            FROM spend WHERE org = $org AND NOT is_redacted GROUP BY ALL
        ), m AS (
            SELECT org, supplier_name_norm, mode(postcode) AS postcode, mode(country) AS country,
                   mode(company_number) AS company_number, mode(charity_number) AS charity_number,
                   bool_or(is_sme) AS is_sme, bool_or(is_vcse) AS is_vcse
            FROM supplier_master WHERE org = $org GROUP BY ALL
        )
        SELECT org, supplier_name_norm,
               coalesce(m.postcode, s.postcode), m.country,
               coalesce(m.company_number, s.company_number),
               coalesce(m.charity_number, s.charity_number),
               m.is_sme,
               coalesce(m.is_vcse, CASE WHEN coalesce(m.charity_number, s.charity_number) IS NOT NULL THEN TRUE END),
               CASE WHEN m.supplier_name_norm IS NOT NULL THEN 'supplier master' ELSE 'spend file' END
        FROM s FULL JOIN m USING (org, supplier_name_norm)
    """, {"org": org})


def ingest_spend(
    ws: Workspace, path: Path, org: str, *, mapping_file: Path | None = None, progress: prog.Progress | None = None
) -> ImportSummary:
    """Load a spend file for an anchor; returns the reconciliation (rows and £)."""
    return run_import(
        ws, path, org, "spend", Transform(_prepare, _load),
        delete_sql=["DELETE FROM spend WHERE upload_id = ?", "DELETE FROM quarantine WHERE upload_id = ?"],
        after_load=rebuild_supplier_profile, mapping_file=mapping_file, progress=progress,
    )
