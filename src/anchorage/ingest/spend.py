"""Spend ingest: payments from any anchor's finance export into the warehouse, bad rows quarantined."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from anchorage.ingest import dates, history, quarantine_fix, sanity
from anchorage.ingest import progress as prog
from anchorage.ingest.identifiers import identifiers_sql
from anchorage.ingest.pipeline import Batch, Transform, run_import, tally_reasons, trimmed_sql
from anchorage.ingest.result import ImportSummary
from anchorage.ingest.spend_load import (
    key_columns,
    keyed_cells,
    load_part,
    rebuild_supplier_profile,
    salt_for,
)
from anchorage.ingest.spend_stage import (
    EARLIEST,
    date_cell_sql,
    stage_slow_rows,
    staged_sql,
)
from anchorage.reference.names import name_norm_sql
from anchorage.reference.postcode import postcode_display_sql
from anchorage.store.spend_store import DELETE_UPLOAD, LINE_CELLS, SUPPLIER_CELLS
from anchorage.workspace import Workspace

REDACTED_RE = r"^\W*(REDACTED|WITHHELD|NAME WITHHELD|PERSONAL DATA|PERSONAL INFORMATION|PRIVATE INDIVIDUAL|INDIVIDUAL|NOT DISCLOSED)\b|REDACT"

TOTAL_LINE = (
    "this looks like a total line, not a payment"  # the quarantine reason of a file's own total
)


@dataclass
class SpendRun:
    """One spend load's options and what its checks found (filled in part by part)."""

    path: str
    date_order: str | None = None  # given by the user: "dmy" or "mdy"
    accept_warnings: bool = False
    earlier_order: str | None = None  # the anchor's earlier files' date order
    context: sanity.Context = field(default_factory=sanity.Context)
    decided_order: str | None = None
    order_told: bool = (
        False  # the order was decided from dates whose day and month could be swapped
    )
    date_precision: str = "day"
    warnings: list[str] = field(default_factory=list)
    columns: list[dict] = field(default_factory=list)
    check_only: bool = False  # run every check, then stop before anything is loaded (check_spend)


class _Checked(Exception):
    """Raised by a check-only run once every part is checked; the import then undoes its staging."""


def _fast_evidence(b: Batch) -> tuple[dates.DateEvidence, Decimal]:
    """The date evidence of the rows the fast path read day-first (DD/MM/YYYY), as dates.evidence_sql counts
    it for the others, and the sum of their amounts, in one pass; each example is formatted once."""
    day, month = "day(_date)", "month(_date)"
    dmy, either = f"{day} > 12", f"{day} <= 12 AND {day} <> {month}"
    row = b.con.execute(f"""
        SELECT count(*) FILTER ({dmy}), count(*) FILTER ({either}),
               strftime(any_value(_date) FILTER ({dmy}), '%d/%m/%Y'),
               strftime(any_value(_date) FILTER ({either}), '%d/%m/%Y'),
               coalesce(sum(_amount), 0)
        FROM {b.part.table} WHERE _fast
    """).fetchone()
    assert row is not None
    ev = dates.DateEvidence(row[0], 0, row[1], 0, row[2], None, row[3], None)
    return ev, Decimal(row[4])


def _decide_dates(b: Batch, run: SpendRun) -> dates.DateDecision:
    """Infer the file's date order from every value of the date column (one aggregate), and bring the rows
    the fast path read day-first round to it: a column is read one way, never some rows each way."""
    stg, dat = b.part.table, trimmed_sql(date_cell_sql(b.mapping, b.part.columns))
    slow = dates.gather(b.con, f"SELECT {dates.evidence_sql(dat)} FROM {b.state['slow']}")
    fast, b.state["fast_amount"] = _fast_evidence(b)
    ev = dates.combine(dates.DateEvidence() if run.date_order else fast, slow)
    decision = dates.decide(
        ev,
        path=run.path,
        column=b.column_header("payment_date"),
        given=run.date_order,
        earlier=run.earlier_order,
    )
    if decision.order == "mdy" and not run.date_order:
        # The fast path read DD/MM/YYYY; no value proved day-first, so every such date swaps cleanly.
        b.con.execute(
            f"UPDATE {stg} SET _date = make_date(year(_date), day(_date), month(_date)) WHERE _fast"
        )
        late = b.con.execute(
            f"SELECT count(*) FROM {stg} WHERE _fast AND _date > current_date + 366"
        ).fetchone()
        if late and late[0]:
            raise dates.DateOrderError(
                run.path,
                f"{late[0]:,} dates lie more than a year ahead when read month-first.",
                web_fix="Check the file's dates, or choose day first on the preview page.",
                fix="Check the file's dates, or pass --date-order dmy.",
            )
    run.decided_order = decision.order
    run.order_told = decision.how != "no numeric dates"
    for note in (decision.note, dates.month_level_note(ev)):
        if note and note not in b.state.setdefault("notes", []):
            b.state["notes"].append(note)
    if ev.month_only:
        run.date_precision = "month"
    return decision


def _reference_sql(b: Batch) -> str:
    """SQL true for an amount that is a reference number pushed into the amount column (PDF extraction):
    a whole number of 8+ digits in the range of the long numbers the file's other columns hold (its
    transaction numbers), widened by 1%. Learnt from the sample, so no step per row."""
    i = b.part.columns.index(b.mapping.fields["amount"])
    ids = [
        int(v)
        for r in b.part.sample
        for j, v in enumerate(r)
        if j != i and v is not None and re.fullmatch(r"[0-9]{8,18}", str(v).strip())
    ]
    if len(ids) < 5:
        return "false"
    lo, hi = min(ids), max(ids)
    span = max(hi - lo, hi // 100)
    return (
        f"coalesce(regexp_full_match(amount_raw, '[0-9]{{8,18}}') "
        f"AND TRY_CAST(amount_raw AS HUGEINT) BETWEEN {lo - span} AND {hi + span}, false)"
    )


def _prepare(b: Batch, run: SpendRun) -> ImportSummary:
    """Rows off the fast path are parsed in full into a temp table; the distinct supplier and line cells of
    every loaded row are gathered and keyed; return the reconciliation of the rows parsed in full."""
    t, stg = b.parsed, b.part.table
    b.state["slow"] = stage_slow_rows(b.con, b)
    decision = _decide_dates(b, run)
    date_fn = "anchorage_date_m" if decision.order == "mdy" else "anchorage_date"
    order_words = dates.ORDER_WORDS[decision.order]
    sup, amt = b.col("supplier_name"), b.col("amount")
    dat = trimmed_sql(date_cell_sql(b.mapping, b.part.columns))
    everything = " || ' ' || ".join(f"coalesce(c{i}, '')" for i in range(len(b.part.columns)))
    q = lambda s: s.replace("'", "''")  # noqa: E731
    h_sup, h_amt, h_dat = (
        q(b.column_header(f)) for f in ("supplier_name", "amount", "payment_date")
    )
    keyed = keyed_cells(b)
    as_keys = ", ".join(f"{c} AS k_{f}" for f, c in keyed.items())
    reference = _reference_sql(b)
    prog.run(
        b.con,
        f"""
        CREATE TEMP TABLE {t} AS
        SELECT
            row_no,
            {b.line_sql()} AS line_no,
            {sup} AS supplier_raw,
            {amt} AS amount_raw,
            {dat} AS date_raw,
            CASE WHEN NOT {reference} THEN anchorage_amount(amount_raw) END AS amount,
            {date_fn}(date_raw) AS payment_date,
            -- CASE, not AND: the regex then runs only on the few rows without a date.
            CASE WHEN date_raw IS NULL THEN regexp_matches(upper({everything}), '\\b(TOTALS?|SUM|GRAND TOTAL)\\b')
                 ELSE false END AS is_total,
            concat_ws('; ',
                CASE WHEN is_total THEN '{TOTAL_LINE}' END,
                CASE WHEN supplier_raw IS NULL AND NOT is_total
                     THEN 'supplier name is empty (write REDACTED if it was withheld)' END,
                CASE WHEN is_total THEN NULL
                     WHEN amount_raw IS NULL THEN 'amount is empty'
                     WHEN {reference} THEN 'amount "' || amount_raw || '" looks like a reference number, not '
                          || 'money (it is in the range of the file''s transaction numbers)'
                     WHEN amount IS NULL THEN 'amount "' || amount_raw || '" is not a number' END,
                CASE WHEN is_total THEN NULL
                     WHEN date_raw IS NULL THEN 'payment date is empty'
                     WHEN payment_date IS NULL
                         THEN 'payment date "' || date_raw || '" is not a date we recognise (this file''s dates '
                              || 'are read {order_words})'
                     WHEN payment_date < DATE '{EARLIEST}' OR payment_date > current_date + 366
                         THEN 'payment date ' || strftime(payment_date, '%d/%m/%Y') || ' is out of range' END
            ) AS reason,
            CASE WHEN reason = '' THEN NULL
                 WHEN supplier_raw IS NULL THEN '{h_sup}'
                 WHEN amount IS NULL THEN '{h_amt}'
                 ELSE '{h_dat}' END AS bad_column,
            CASE WHEN reason <> '' THEN {b.raw_json_sql("s")} END AS raw,
            {b.col("description")} AS description,
            {b.col("transaction_id")} AS transaction_id,
            {as_keys}
        FROM {b.state["slow"]} s
        WHERE NOT ({b.all_blank_sql()})
    """,
        stage=f"Checking {b.source_file}",
        progress=b.progress,
    )
    b.con.execute(f"DROP TABLE {b.state['slow']}")
    # Supplier and line cells repeat: each distinct combination of the loaded rows is stored once, and
    # names and postcodes are normalised once per distinct cell (tens of thousands, not millions).
    ks = [f"k_{f}" for f in keyed]
    sup_k, line_k = key_columns(keyed, SUPPLIER_CELLS), key_columns(keyed, LINE_CELLS)
    pc_cell = "k_supplier_postcode" if "supplier_postcode" in keyed else "CAST(NULL AS VARCHAR)"
    b.con.execute(f"""
        CREATE TEMP TABLE dims_{stg} AS
        SELECT GROUPING(k_supplier_name) = 0 AS is_supplier, {", ".join(ks)}, count(*) AS payments
        FROM (SELECT {as_keys} FROM {stg} WHERE _fast UNION ALL SELECT {", ".join(ks)} FROM {t} WHERE reason = '')
        GROUP BY GROUPING SETS (({", ".join(sup_k)}), ({", ".join(line_k)}))
    """)
    b.con.execute(f"""
        CREATE TEMP TABLE names_{stg} AS
        SELECT cell, supplier_raw,
               -- A supplier given only as a number (a supplier code, or a transaction number where PDF
               -- extraction lost the name) names no one: kept and counted like a withheld name, the number
               -- kept as the supplier reference.
               coalesce(NOT regexp_matches(supplier_raw, '\\pL'), false) AS code_only,
               code_only OR regexp_matches(upper(supplier_raw), '{REDACTED_RE}') AS is_redacted,
               CASE WHEN is_redacted THEN 'REDACTED' ELSE name_norm END AS norm,
               ids.company_number AS name_company_number,
               CASE WHEN code_only THEN supplier_raw ELSE ids.supplier_ref END AS name_supplier_ref
        -- The name is normalised for every name, withheld ones too, in a projection of its own: inside a
        -- CASE, DuckDB evaluates the normalisation's repeated steps once per use (no common subexpressions
        -- are shared there), three times the work.
        FROM (SELECT *, {name_norm_sql("ids.name")} AS name_norm
              FROM (SELECT cell, supplier_raw, {identifiers_sql("supplier_raw")} AS ids
                    FROM (SELECT cell, {trimmed_sql("cell")} AS supplier_raw
                          FROM (SELECT DISTINCT k_supplier_name AS cell FROM dims_{stg} WHERE is_supplier))))
    """)
    b.con.execute(f"""
        CREATE TEMP TABLE postcodes_{stg} AS
        SELECT cell, {postcode_display_sql("postcode_raw")} AS postcode
        FROM (SELECT cell, {trimmed_sql("cell")} AS postcode_raw
              FROM (SELECT DISTINCT {pc_cell} AS cell FROM dims_{stg} WHERE is_supplier))
        WHERE postcode_raw IS NOT NULL
    """)
    coded = b.con.execute(f"""SELECT coalesce(sum(payments), 0), list(DISTINCT supplier_raw ORDER BY supplier_raw)[:3]
                              FROM dims_{stg} d JOIN names_{stg} n ON d.k_supplier_name = n.cell
                              WHERE is_supplier AND code_only""").fetchone()
    if coded and coded[0]:
        b.state.setdefault("notes", []).append(
            f"{coded[0]:,} payments give their supplier only as a number ({', '.join(coded[1])}): they are loaded "
            "and counted like a withheld name (supplier unknown), the number kept as the supplier reference"
        )
    b.state["salt"] = salt_for(b.con, f"dims_{stg}", sup_k, line_k)
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
    out.amount_read, out.amount_loaded, out.amount_quarantined = (
        Decimal(read),
        Decimal(loaded),
        Decimal(bad),
    )
    tally_reasons(out, b.con, t)
    out.notes.extend(b.state.get("notes", []))
    _check(b, run, Decimal(loaded))
    return out


def _check(b: Batch, run: SpendRun, slow_loaded: Decimal) -> None:
    """The sanity checks, before anything is written; refuse unless the user has accepted the warnings."""
    t, stg = b.parsed, b.part.table
    run.columns = [
        {
            "field": c.field,
            "column": c.column,
            "confidence": c.confidence,
            "samples": c.samples,
            "values_look_like": c.kind,
            "chosen_by": c.why,
        }
        for c in b.mapping.choices
    ]
    loaded = (
        f"SELECT _date AS d, _amount AS a FROM {stg} WHERE _fast UNION ALL "
        f"SELECT payment_date, amount FROM {t} WHERE reason = ''"
    )
    total = slow_loaded + b.state["fast_amount"]
    found = [
        sanity.other_body(b.part.columns, b.part.sample, run.context),
        *sanity.date_and_overlap_checks(b.con, loaded, b.org, run.context),
    ]
    warnings = [w for w in found if w and w not in run.warnings]
    run.warnings.extend(warnings)
    if not run.check_only:
        sanity.refuse_unless_accepted(run.path, warnings, run.accept_warnings)
    # A total line that disagrees is reported, not refused: the quarantined rows usually explain it.
    total_line = sanity.total_line_check(b.con, t, total)
    if total_line and total_line not in run.warnings:
        run.warnings.append(total_line)


def _nothing_new(path: Path, org: str, fix: quarantine_fix.Fix) -> ImportSummary:
    """A fix workbook with nothing new in it: loaded before, or every row in it fixed already."""
    out = ImportSummary(
        kind="spend", file=Path(path).name, org=org, duplicate=True, upload_id=fix.duplicate_of
    )
    out.notes.append(
        f"this fix workbook was loaded already as upload {fix.duplicate_of}; nothing added"
        if fix.duplicate_of
        else "every row in this fix workbook was fixed already; nothing added"
    )
    return out


def ingest_spend(
    ws: Workspace,
    path: Path,
    org: str,
    *,
    mapping_file: Path | None = None,
    progress: prog.Progress | None = None,
    date_order: str | None = None,
    accept_warnings: bool = False,
) -> ImportSummary:
    """Load a spend file for an anchor; returns the reconciliation (rows and £).

    `date_order` ("dmy" or "mdy") says how to read numeric dates when the file's values cannot; the sanity
    checks refuse a suspect file unless `accept_warnings`."""
    anchor = ws.config.anchor(org)
    with quarantine_fix.fix_source(ws, Path(path), anchor.slug, "spend") as fix:
        if fix is not None:  # a quarantine fix workbook: read as the original was, never against it
            if fix.duplicate_of or not fix.source_rows:
                return _nothing_new(path, anchor.slug, fix)
            path, mapping_file, date_order = (
                fix.path,
                fix.mapping_file,
                date_order or fix.date_order,
            )
        run = SpendRun(str(path), date_order, accept_warnings)
        with ws.session() as session:
            run.earlier_order, run.context = history.spend_context(
                session, anchor.slug, anchor.name, Path(path).name
            )
        for related in (
            fix.related if fix else []
        ):  # its rows were never loaded: no overlap with them
            run.context.upload_files.pop(related, None)
        summary = _run(ws, path, org, run, mapping_file, progress, fix)
        if fix is not None:
            summary.notes.append(
                f"the fix of upload {fix.original.id} ({fix.original.filename})"
                + (f"; {fix.skipped:,} rows fixed earlier were left out" if fix.skipped else "")
            )
    summary.date_order = run.decided_order if run.order_told else None
    summary.date_precision = run.date_precision
    summary.warnings = run.warnings
    summary.columns = run.columns
    if not summary.duplicate and run.decided_order:
        with ws.session() as session:
            history.remember_date_order(
                session, summary.upload_id, run.decided_order, run.date_precision, run.order_told
            )
    return summary


def _run(
    ws: Workspace,
    path: Path,
    org: str,
    run: SpendRun,
    mapping_file: Path | None,
    progress: prog.Progress | None,
    fix: quarantine_fix.Fix | None = None,
) -> ImportSummary:
    def load(b: Batch) -> ImportSummary:
        if run.check_only:  # every part has been prepared, so checked, before the first is loaded
            raise _Checked()
        return load_part(b)

    return run_import(
        ws,
        path,
        org,
        "spend",
        # A check-only run keeps no raw copy: nothing of it stays behind.
        Transform(
            lambda b: _prepare(b, run),
            load,
            personal=run.check_only,
            staged=lambda m, columns: staged_sql(m, columns, run.date_order or "dmy"),
        ),
        delete_sql=[
            *DELETE_UPLOAD,
            "DELETE FROM quarantine WHERE upload_id = ?",
            quarantine_fix.DELETE_FIXES,
        ],
        after_load=fix.after_load(rebuild_supplier_profile) if fix else rebuild_supplier_profile,
        mapping_file=mapping_file,
        progress=progress,
    )


def check_spend(
    ws: Workspace,
    path: Path,
    org: str,
    *,
    mapping_file: Path | None = None,
    date_order: str | None = None,
) -> list[str]:
    """Every warning a load would give, without loading: another body named, dates far away or in the future,
    overlap with files already loaded (rows and £), a total line that disagrees. Nothing is written; a file
    already loaded gives none (loading it again adds nothing)."""
    anchor = ws.config.anchor(org)
    run = SpendRun(str(path), date_order, check_only=True)
    with ws.session() as session:
        run.earlier_order, run.context = history.spend_context(
            session, anchor.slug, anchor.name, Path(path).name
        )
    with contextlib.suppress(_Checked):  # how a check-only run stops, its staging undone
        _run(ws, path, org, run, mapping_file, None)
    return run.warnings
