"""Storing a checked spend part: its distinct supplier and line cells keyed once, its good rows, its bad rows
in quarantine; and each anchor's supplier profile rebuilt from what is stored (spend.py checks the rows)."""

from __future__ import annotations

from decimal import Decimal

import duckdb

from anchorage.ingest import progress as prog
from anchorage.ingest.pipeline import Batch, trimmed_sql
from anchorage.ingest.result import ImportSummary
from anchorage.ingest.spend_stage import STAGED_SALT
from anchorage.store.spend_store import (
    LINE_CELLS,
    SUPPLIER_CELLS,
    key_sql,
    next_upload_no,
    transaction_sql,
)
from anchorage.store.ties import heaviest_sql, modal_sql


def company_number_sql(expr: str) -> str:
    """Companies House numbers: upper-case, no spaces, all-digit ones zero-padded to 8."""
    s = f"upper(regexp_replace({expr}, '\\s', '', 'g'))"
    return f"CASE WHEN regexp_full_match({s}, '[0-9]{{1,8}}') THEN lpad({s}, 8, '0') ELSE NULLIF({s}, '') END"


def keyed_cells(b: Batch) -> dict[str, str]:
    """The mapped supplier and line fields (what keys a payment's supplier and line) → their untrimmed cells."""
    return {f: c for f in SUPPLIER_CELLS + LINE_CELLS if (c := b.cell(f))}


def key_columns(keyed: dict[str, str], fields: tuple[str, ...]) -> list[str]:
    return [f"k_{f}" for f in fields if f in keyed]


def salt_for(con: duckdb.DuckDBPyConnection, dims: str, sup_k: list[str], line_k: list[str]) -> int:
    """The first salt under which no two distinct supplier (or line) combinations share a key."""
    for salt in range(8):
        row = con.execute(f"""
            SELECT count(*) FILTER (is_supplier) - count(DISTINCT {key_sql(salt, sup_k)}) FILTER (is_supplier),
                   count(*) FILTER (NOT is_supplier) - count(DISTINCT {key_sql(salt, line_k)}) FILTER (NOT is_supplier)
            FROM {dims}
        """).fetchone()
        if row == (0, 0):
            return salt
    raise RuntimeError(
        "could not key the payments' suppliers; please report this"
    )  # pragma: no cover


def load_part(b: Batch) -> ImportSummary:
    """Store the upload's suppliers, lines and good rows, and bad rows in quarantine (inside the import's
    transaction); return the reconciliation of the fast-path rows, counted as inserted."""
    t, stg, salt = b.parsed, b.part.table, b.state["salt"]
    keyed = keyed_cells(b)
    sup_k, line_k = key_columns(keyed, SUPPLIER_CELLS), key_columns(keyed, LINE_CELLS)

    def value(f: str, sql: str = "{}") -> str:
        return (
            f"CASE WHEN k_{f} IS NOT NULL THEN {sql.replace('{}', trimmed_sql(f'k_{f}'))} END"
            if f in keyed
            else "NULL"
        )

    vat = value("vat_number", "upper(regexp_replace({}, '[\\s-]', '', 'g'))")
    upload_no = next_upload_no(b.con, b.upload_id, b.org)
    b.con.execute(
        f"""
        INSERT INTO spend_suppliers
        SELECT $u, {key_sql(salt, sup_k)}, n.supplier_raw, n.norm,
               coalesce({value("supplier_ref")}, n.name_supplier_ref), pc.postcode,
               coalesce({value("company_number", company_number_sql("{}"))}, n.name_company_number),
               {value("charity_number")},
               {vat}, n.is_redacted, payments
        FROM dims_{stg} d JOIN names_{stg} n ON d.k_supplier_name = n.cell
        LEFT JOIN postcodes_{stg} pc ON {"d.k_supplier_postcode = pc.cell" if "supplier_postcode" in keyed else "false"}
        WHERE is_supplier
    """,
        {"u": upload_no},
    )
    b.con.execute(
        f"""
        INSERT INTO spend_lines
        SELECT $u, {key_sql(salt, line_k)}, {value("category")}, {value("service")}
        FROM dims_{stg} WHERE NOT is_supplier
    """,
        {"u": upload_no},
    )
    # The staged keys were hashed with STAGED_SALT; under another salt they are hashed again from the cells.
    sup_cells = [keyed[f] for f in SUPPLIER_CELLS if f in keyed]
    line_cells = [keyed[f] for f in LINE_CELLS if f in keyed]
    sk, lk = (
        ("_sk", "_lk")
        if salt == STAGED_SALT
        else (key_sql(salt, sup_cells), key_sql(salt, line_cells))
    )
    prog.run(
        b.con,
        f"""
        INSERT INTO spend_rows
        SELECT ?, rowid + 1, _date, _amount, {sk}, {lk}, {b.col("description")}, _tn, _tid
        FROM {stg} WHERE _fast
    """,
        [upload_no],
        stage=f"Loading {b.source_file}",
        progress=b.progress,
    )
    fast = b.con.execute(
        "SELECT count(*), coalesce(sum(amount), 0) FROM spend_rows WHERE upload_no = ?", [upload_no]
    ).fetchone()
    assert fast is not None
    out = ImportSummary(
        kind="spend",
        file=b.source_file,
        rows_read=fast[0],
        rows_loaded=fast[0],
        amount_read=Decimal(fast[1]),
        amount_loaded=Decimal(fast[1]),
        amount_quarantined=Decimal(0),
    )
    # Rows that took the full parsers and passed.
    b.con.execute(
        f"""
        INSERT INTO spend_rows
        SELECT ?, row_no, payment_date, amount, {key_sql(salt, sup_k)}, {key_sql(salt, line_k)},
               description, {transaction_sql("transaction_id")}
        FROM {t} WHERE reason = ''
    """,
        [upload_no],
    )
    b.con.execute(
        f"""
        INSERT INTO quarantine
        SELECT ?, ?, 'spend', ?, ?, row_no, line_no, bad_column, reason, amount, raw
        FROM {t} WHERE reason <> ''
    """,
        [b.upload_id, b.org, b.source_file, b.part.sheet],
    )
    b.con.execute(f"DROP TABLE dims_{stg}; DROP TABLE names_{stg}; DROP TABLE postcodes_{stg}")
    return out


def rebuild_supplier_profile(con: duckdb.DuckDBPyConnection, org: str) -> None:
    """One row per (anchor, supplier) with what is known of it: the seam the supplier register replaces.
    A supplier's postcode and numbers are the ones its payments give most often (from the stored supplier
    combinations and their payment counts, not from every payment), ties to the first in code-point order;
    its supplier-master values likewise the most frequent (store/ties.py)."""
    con.execute("DELETE FROM supplier_profile WHERE org = ?", [org])
    most = lambda col: (  # noqa: E731
        f"{heaviest_sql(col, 'w')} AS {col} FROM (SELECT supplier_name_norm, {col}, sum(payments) AS w FROM d "
        f"WHERE {col} IS NOT NULL GROUP BY ALL) GROUP BY ALL"
    )
    con.execute(
        f"""
        INSERT INTO supplier_profile
        WITH d AS (
            SELECT s.* FROM spend_suppliers s JOIN spend_uploads u USING (upload_no)
            WHERE u.org = $org AND NOT s.is_redacted
        ), s AS (
            SELECT $org AS org, supplier_name_norm, p.supplier_postcode AS postcode, c.company_number,
                   ch.charity_number
            FROM (SELECT DISTINCT supplier_name_norm FROM d) n
            LEFT JOIN (SELECT supplier_name_norm, {most("supplier_postcode")}) p USING (supplier_name_norm)
            LEFT JOIN (SELECT supplier_name_norm, {most("company_number")}) c USING (supplier_name_norm)
            LEFT JOIN (SELECT supplier_name_norm, {most("charity_number")}) ch USING (supplier_name_norm)
        ), ms AS (SELECT * FROM supplier_master WHERE org = $org), m AS (
            SELECT org, supplier_name_norm, mp.postcode, mc.country, mn.company_number, mh.charity_number,
                   bool_or(is_sme) AS is_sme, bool_or(is_vcse) AS is_vcse
            FROM ms
            LEFT JOIN ({modal_sql("ms", ["supplier_name_norm"], "postcode")}) mp USING (supplier_name_norm)
            LEFT JOIN ({modal_sql("ms", ["supplier_name_norm"], "country")}) mc USING (supplier_name_norm)
            LEFT JOIN ({modal_sql("ms", ["supplier_name_norm"], "company_number")}) mn USING (supplier_name_norm)
            LEFT JOIN ({modal_sql("ms", ["supplier_name_norm"], "charity_number")}) mh USING (supplier_name_norm)
            GROUP BY ALL
        )
        SELECT org, supplier_name_norm,
               coalesce(m.postcode, s.postcode), m.country,
               coalesce(m.company_number, s.company_number),
               coalesce(m.charity_number, s.charity_number),
               m.is_sme,
               coalesce(m.is_vcse, CASE WHEN coalesce(m.charity_number, s.charity_number) IS NOT NULL THEN TRUE END),
               CASE WHEN m.supplier_name_norm IS NOT NULL THEN 'supplier master' ELSE 'spend file' END
        FROM s FULL JOIN m USING (org, supplier_name_norm)
    """,
        {"org": org},
    )
