"""Imports of social value commitments, delivery reports and LM3 re-spend surveys (CSV/XLSX/ODS).

Each is one import kind on the shared pipeline: every row is loaded or quarantined with its reason, a load
is all-or-nothing and the same file twice adds nothing. A new version of a commitments or survey file replaces
the old one; delivery reports add up (a row reported again is corrected, not doubled)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from anchorage.ingest import progress as prog
from anchorage.ingest.pipeline import Batch, Transform, run_import, tally_reasons
from anchorage.ingest.result import ImportSummary
from anchorage.reference.names import name_norm_sql
from anchorage.socialvalue import fields as f
from anchorage.socialvalue.framework import Framework, load_framework
from anchorage.workspace import Workspace


def _q(s: str) -> str:
    return s.replace("'", "''")


def number_sql(expr: str) -> str:
    """A plain number (thousands separators, £ and % removed); NULL when not one."""
    return f"TRY_CAST(regexp_replace({expr}, '[,£%\\s]|GBP', '', 'g') AS DOUBLE)"


def measure_sql(expr: str) -> str:
    return f"lower(trim({expr}))"


@dataclass
class Check:
    cond: str  # SQL: true when the row fails
    reason: str  # SQL text expression
    field: str  # the canonical field it names (its column is reported)


def _prepare(
    b: Batch, kind: str, values: dict[str, str], checks: list[Check], amount: str | None
) -> ImportSummary:
    """Parse the part into a temp table with a reason per row ('' when good) and count the reconciliation."""
    t = b.parsed
    reason = (
        "concat_ws('; ', "
        + ", ".join(f"CASE WHEN {c.cond} THEN {c.reason} END" for c in checks)
        + ")"
    )
    bad_col = (
        "CASE "
        + " ".join(f"WHEN {c.cond} THEN '{_q(b.column_header(c.field))}'" for c in checks)
        + " END"
    )
    cols = ",\n".join(f"{sql} AS {name}" for name, sql in values.items())
    prog.run(
        b.con,
        f"""
        CREATE TEMP TABLE {t} AS
        WITH v AS (
            SELECT rowid + 1 AS row_no, {b.line_sql()} AS line_no, {cols}, {b.raw_json_sql("s")} AS source_row
            FROM {b.part.table} s WHERE NOT ({b.all_blank_sql()})
        )
        SELECT *, {reason} AS reason, {bad_col} AS bad_column FROM v
    """,
        stage=f"Checking {b.source_file}",
        progress=b.progress,
    )
    out = ImportSummary(kind=kind, file=b.source_file)
    amt = amount or "0"
    row = b.con.execute(
        f"SELECT count(*), count(*) FILTER (reason = ''), count(*) FILTER (reason <> ''), "
        f"coalesce(sum({amt}), 0), coalesce(sum({amt}) FILTER (reason = ''), 0) FROM {t}"
    ).fetchone()
    assert row is not None
    out.rows_read, out.rows_loaded, out.rows_quarantined = int(row[0]), int(row[1]), int(row[2])
    if amount:
        out.amount_read, out.amount_loaded = Decimal(row[3]), Decimal(row[4])
        out.amount_quarantined = out.amount_read - out.amount_loaded
    tally_reasons(out, b.con, t)
    return out


def _load(b: Batch, kind: str, table: str, select: str, amount: str | None) -> None:
    t = b.parsed
    b.con.execute(
        f"INSERT INTO {table} SELECT ?, ?, row_no, {select}, source_row FROM {t} WHERE reason = ''",
        [b.upload_id, b.org],
    )
    b.con.execute(
        f"""
        INSERT INTO quarantine
        SELECT ?, ?, '{kind}', ?, ?, row_no, line_no, bad_column, reason, {amount or "NULL"}, source_row
        FROM {t} WHERE reason <> ''
    """,
        [b.upload_id, b.org, b.source_file, b.part.sheet],
    )


def _identity(b: Batch) -> tuple[dict[str, str], list[Check]]:
    values = {
        "contract_ref": b.col("contract_ref"),
        "supplier_name": b.col("supplier_name"),
        "measure_raw": b.col("measure_id"),
        "measure_id": measure_sql(b.col("measure_id")),
        "qty_raw": b.col("quantity"),
        "quantity": number_sql(b.col("quantity")),
    }
    checks = [
        Check("contract_ref IS NULL", "'the contract reference is blank'", "contract_ref"),
        Check("supplier_name IS NULL", "'the supplier name is blank'", "supplier_name"),
        Check("measure_raw IS NULL", "'the measure is blank'", "measure_id"),
        Check("qty_raw IS NULL", "'the quantity is blank'", "quantity"),
        Check(
            "qty_raw IS NOT NULL AND (quantity IS NULL OR quantity < 0)",
            """'quantity "' || qty_raw || '" is not a number of 0 or more'""",
            "quantity",
        ),
    ]
    return values, checks


def _measure_check(fw: Framework) -> Check:
    ids = ", ".join(f"'{_q(m)}'" for m in fw.measures)
    return Check(
        f"measure_raw IS NOT NULL AND measure_id NOT IN ({ids})",
        """'measure "' || measure_raw || '" is not in the framework (see anchorage socialvalue framework)'""",
        "measure_id",
    )


def _date_checks(raw: str, label: str, fld: str) -> list[Check]:
    return [
        Check(f"{raw} IS NULL", f"'the {label} is blank'", fld),
        Check(
            f"{raw} IS NOT NULL AND anchorage_date({raw}) IS NULL",
            f"""'{label} "' || {raw} || '" is not a date (use DD/MM/YYYY)'""",
            fld,
        ),
    ]


def _commitments(fw: Framework) -> Transform:
    def prepare(b: Batch) -> ImportSummary:
        values, checks = _identity(b)
        values |= {"start_raw": b.col("contract_start"), "end_raw": b.col("contract_end")}
        checks += [
            _measure_check(fw),
            *_date_checks("start_raw", "contract start", "contract_start"),
            *_date_checks("end_raw", "contract end", "contract_end"),
            Check(
                "anchorage_date(end_raw) <= anchorage_date(start_raw)",
                "'the contract ends on or before it starts'",
                "contract_end",
            ),
        ]
        return _prepare(b, f.COMMITMENT_KIND, values, checks, None)

    def load(b: Batch) -> None:
        _load(
            b,
            f.COMMITMENT_KIND,
            "sv_commitments",
            f"contract_ref, supplier_name, {name_norm_sql('supplier_name')}, measure_id, quantity, "
            "anchorage_date(start_raw), anchorage_date(end_raw)",
            None,
        )

    return Transform(prepare, load)


def _deliveries(fw: Framework) -> Transform:
    def prepare(b: Batch) -> ImportSummary:
        values, checks = _identity(b)
        values |= {"period_raw": b.col("period_end"), "evidence": b.col("evidence")}
        checks += [_measure_check(fw), *_date_checks("period_raw", "period end", "period_end")]
        return _prepare(b, f.DELIVERY_KIND, values, checks, None)

    def load(b: Batch) -> ImportSummary:
        # Reports ADD: each covers its own periods. A row for a contract, supplier, measure and period end
        # already reported replaces the earlier report's row (a corrected figure), never doubles it.
        same = f"""d.org = ? AND d.upload_id <> ? AND EXISTS (
            SELECT 1 FROM {b.parsed} p WHERE p.reason = '' AND d.contract_ref = p.contract_ref
              AND d.supplier_key = {name_norm_sql("p.supplier_name")} AND d.measure_id = p.measure_id
              AND d.period_end = anchorage_date(p.period_raw))"""
        gone = b.con.execute(
            f"SELECT count(*) FROM sv_deliveries d WHERE {same}", [b.org, b.upload_id]
        ).fetchone()
        b.con.execute(f"DELETE FROM sv_deliveries d WHERE {same}", [b.org, b.upload_id])
        _load(
            b,
            f.DELIVERY_KIND,
            "sv_deliveries",
            f"contract_ref, supplier_name, {name_norm_sql('supplier_name')}, measure_id, quantity, "
            "anchorage_date(period_raw), evidence",
            None,
        )
        out = ImportSummary(kind=f.DELIVERY_KIND, file=b.source_file)
        if gone and gone[0]:
            out.notes.append(
                f"{gone[0]:,} rows of earlier delivery reports were corrected by this one"
            )
        return out

    return Transform(prepare, load, replaces_by_name=False)


PCT_FIELDS = {
    "wages_pct": "share of income spent on wages",
    "local_staff_pct": "share of wages paid to local staff",
    "purchases_pct": "share of income spent on purchases",
    "local_purchases_pct": "share of purchases from local suppliers",
}


def _lm3() -> Transform:
    def prepare(b: Batch) -> ImportSummary:
        values = {
            "supplier_name": b.col("supplier_name"),
            "income_raw": b.col("income"),
            "income": "anchorage_amount(" + b.col("income") + ")",
            "postcode": b.col("postcode"),
            "year_raw": b.col("year"),
            "year": f"TRY_CAST(left({b.col('year')}, 4) AS INTEGER)",
        }
        checks = [
            Check("supplier_name IS NULL", "'the supplier name is blank'", "supplier_name"),
            Check("income_raw IS NULL", "'the income from the anchor is blank'", "income"),
            Check(
                "income_raw IS NOT NULL AND (income IS NULL OR income <= 0)",
                """'income "' || income_raw || '" is not an amount above £0'""",
                "income",
            ),
        ]
        for fld, label in PCT_FIELDS.items():
            values[f"{fld}_raw"] = b.col(fld)
            values[fld] = number_sql(b.col(fld)) + " / 100"
            checks += [
                Check(f"{fld}_raw IS NULL", f"'the {label} is blank'", fld),
                Check(
                    f"{fld}_raw IS NOT NULL AND ({fld} IS NULL OR {fld} < 0 OR {fld} > 1)",
                    f"""'{label} "' || {fld}_raw || '" is not a percentage from 0 to 100'""",
                    fld,
                ),
            ]
        checks.append(
            Check(
                "wages_pct + purchases_pct > 1.0000001",
                "'wages and purchases together are more than 100% of income'",
                "purchases_pct",
            )
        )
        checks.append(
            Check(
                "year_raw IS NOT NULL AND year IS NULL",
                """'year "' || year_raw || '" is not a year like 2024'""",
                "year",
            )
        )
        return _prepare(b, f.LM3_KIND, values, checks, "coalesce(income, 0)")

    def load(b: Batch) -> None:
        _load(
            b,
            f.LM3_KIND,
            "lm3_responses",
            f"supplier_name, {name_norm_sql('supplier_name')}, year, income, wages_pct, local_staff_pct, "
            "purchases_pct, local_purchases_pct, upper(postcode)",
            "income",
        )

    return Transform(prepare, load)


def _delete(table: str) -> list[str]:
    return [
        f"DELETE FROM {table} WHERE upload_id = ?",
        "DELETE FROM quarantine WHERE upload_id = ?",
    ]


def import_commitments(
    ws: Workspace,
    path: Path,
    org: str,
    *,
    mapping_file: Path | None = None,
    progress: prog.Progress | None = None,
) -> ImportSummary:
    """Load an anchor's social value commitments: one row per contract, supplier and measure."""
    return run_import(
        ws,
        path,
        org,
        f.COMMITMENT_KIND,
        _commitments(load_framework(ws)),
        delete_sql=_delete("sv_commitments"),
        mapping_file=mapping_file,
        progress=progress,
        money=False,
    )


def import_deliveries(
    ws: Workspace,
    path: Path,
    org: str,
    *,
    mapping_file: Path | None = None,
    progress: prog.Progress | None = None,
) -> ImportSummary:
    """Add a delivery report: what suppliers delivered against a measure, up to a period end (reports add up;
    a row reported again for the same contract, supplier, measure and period end is corrected, not doubled)."""
    return run_import(
        ws,
        path,
        org,
        f.DELIVERY_KIND,
        _deliveries(load_framework(ws)),
        delete_sql=_delete("sv_deliveries"),
        mapping_file=mapping_file,
        progress=progress,
        money=False,
    )


def import_lm3_survey(
    ws: Workspace,
    path: Path,
    org: str,
    *,
    mapping_file: Path | None = None,
    progress: prog.Progress | None = None,
) -> ImportSummary:
    """Load supplier re-spend survey answers (percentages 0-100) for the anchor's LM3."""
    return run_import(
        ws,
        path,
        org,
        f.LM3_KIND,
        _lm3(),
        delete_sql=_delete("lm3_responses"),
        mapping_file=mapping_file,
        progress=progress,
        money=True,
    )
