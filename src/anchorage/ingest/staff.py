"""Staff extract ingest: one row per employee; home postcodes become LSOA/LAD and are then discarded.

Personal data is minimised at every step of the shared pipeline:
- no raw copy of the file is kept (the upload records only its SHA-256, which detects a repeat load);
- the warehouse keeps the pseudonymous id and the LSOA, LAD and work fields, never the postcode;
- a quarantined row keeps only the mapped work fields (never the postcode, never unmapped columns such
  as names or addresses), and its reason never quotes the postcode;
- lines that cannot be split into columns are quarantined by line number, without their text;
- transcoded copies of the file live in a temporary folder removed when the import ends.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path

from anchorage.ingest import progress as prog
from anchorage.ingest import quarantine_fix
from anchorage.ingest.pipeline import Batch, Transform, run_import
from anchorage.ingest.result import ImportSummary
from anchorage.ingest.suppliers import flag_sql
from anchorage.reference.postcode import is_uk_postcode_sql, postcode_key_sql
from anchorage.store.snapshots import Snapshot
from anchorage.workspace import Workspace

WEEKS_PER_YEAR = "52.1429"
KEPT_IN_QUARANTINE = (
    "staff_id",
    "hourly_pay",
    "annual_salary",
    "weekly_hours",
    "pay_band",
    "contract_type",
    "start_date",
    "role_family",
    "is_apprentice",
    "is_new_hire",
)
# A staff extract is a snapshot: a new one supersedes the anchor's last (kept in history, restorable).
STAFF_SNAPSHOT = Snapshot("staff extract", ("staff",))
FLAG_WORDS = "('Y', 'YES', 'TRUE', '1', 'N', 'NO', 'FALSE', '0')"


def _quarantine_json(b: Batch) -> str:
    """The row's mapped work fields as JSON: what a user needs to find and fix it, and nothing more."""
    pairs = [
        f"'{b.column_header(f).replace(chr(39), chr(39) * 2)}', {b.col(f)}"
        for f in KEPT_IN_QUARANTINE
        if f in b.mapping.fields
    ]
    return f"CAST(json_object({', '.join(pairs)}) AS VARCHAR)"


def _already_loaded(b: Batch) -> str:
    """A fix workbook's rows are added to the anchor's extract: a staff id already in it would count twice."""
    if not b.adds_only:
        return "false"
    org = b.org.replace("'", "''")
    return f"{b.col('staff_id')} IN (SELECT staff_id FROM staff WHERE org = '{org}')"


def _as_at_of(ws: Workspace, upload_id: str) -> dt.date | None:
    with ws.warehouse(read_only=True) as con:
        row = con.execute(
            "SELECT max(as_at) FROM staff WHERE upload_id = ?", [upload_id]
        ).fetchone()
    return row[0] if row else None


def _prepare(b: Batch, as_at: dt.date) -> ImportSummary:
    t = b.parsed
    h = {
        f: b.column_header(f).replace("'", "''")
        for f in (
            "staff_id",
            "home_postcode",
            "hourly_pay",
            "annual_salary",
            "weekly_hours",
            "start_date",
            "is_apprentice",
            "is_new_hire",
        )
    }
    key = postcode_key_sql("pc_raw")
    prog.run(
        b.con,
        f"""
        CREATE TEMP TABLE {t} AS
        WITH rows AS (
            SELECT rowid + 1 AS row_no, {b.line_sql()} AS line_no,
                   {b.col("staff_id")} AS staff_id, {b.col("home_postcode")} AS pc_raw,
                   {b.col("hourly_pay")} AS hourly_raw, {b.col("annual_salary")} AS salary_raw,
                   {b.col("weekly_hours")} AS hours_raw, {b.col("start_date")} AS start_raw,
                   {b.col("is_apprentice")} AS apprentice_raw, {b.col("is_new_hire")} AS new_hire_raw,
                   {b.col("pay_band")} AS pay_band, {b.col("contract_type")} AS contract_type,
                   {b.col("role_family")} AS role_family,
                   {_quarantine_json(b)} AS kept, {_already_loaded(b)} AS already
            FROM {b.part.table} s WHERE NOT ({b.all_blank_sql()})
        )
        SELECT row_no, line_no, staff_id, {key} AS pc_key,
               anchorage_amount(hourly_raw) AS hourly, anchorage_amount(salary_raw) AS salary,
               anchorage_amount(hours_raw) AS hours, anchorage_date(start_raw) AS start_date,
               {flag_sql("apprentice_raw")} AS is_apprentice, {flag_sql("new_hire_raw")} AS is_new_hire,
               pay_band, contract_type, role_family,
               count(*) OVER (PARTITION BY staff_id) AS id_count,
               concat_ws('; ',
                   CASE WHEN staff_id IS NULL THEN 'staff id is empty' END,
                   CASE WHEN staff_id IS NOT NULL AND id_count > 1
                        THEN 'staff id "' || staff_id || '" appears ' || id_count || ' times in the file' END,
                   CASE WHEN already THEN 'staff id "' || staff_id || '" is already loaded for this anchor' END,
                   CASE WHEN pc_raw IS NOT NULL AND NOT {is_uk_postcode_sql(key)}
                        THEN 'home postcode is not a UK postcode (the value is not kept)' END,
                   CASE WHEN hourly_raw IS NOT NULL AND (hourly IS NULL OR hourly <= 0 OR hourly > 1000)
                        THEN 'hourly pay "' || hourly_raw || '" is not an hourly rate in £' END,
                   CASE WHEN salary_raw IS NOT NULL AND (salary IS NULL OR salary <= 0)
                        THEN 'annual salary "' || salary_raw || '" is not an amount in £' END,
                   CASE WHEN hours_raw IS NOT NULL AND (hours IS NULL OR hours <= 0 OR hours > 100)
                        THEN 'weekly hours "' || hours_raw || '" is not a number of hours' END,
                   CASE WHEN start_raw IS NOT NULL AND (start_date IS NULL OR start_date > DATE '{as_at}')
                        THEN 'start date "' || start_raw || '" is not a date on or before the extract date' END,
                   CASE WHEN apprentice_raw IS NOT NULL AND upper(apprentice_raw) NOT IN {FLAG_WORDS}
                        THEN 'apprentice flag "' || apprentice_raw || '" is not Y or N' END,
                   CASE WHEN new_hire_raw IS NOT NULL AND upper(new_hire_raw) NOT IN {FLAG_WORDS}
                        THEN 'new hire flag "' || new_hire_raw || '" is not Y or N' END
               ) AS reason,
               CASE WHEN reason = '' THEN NULL
                    WHEN staff_id IS NULL OR id_count > 1 OR reason LIKE 'staff id%' THEN '{h["staff_id"]}'
                    WHEN reason LIKE 'home postcode%' THEN '{h["home_postcode"]}'
                    WHEN reason LIKE 'hourly pay%' THEN '{h["hourly_pay"]}'
                    WHEN reason LIKE 'annual salary%' THEN '{h["annual_salary"]}'
                    WHEN reason LIKE 'weekly hours%' THEN '{h["weekly_hours"]}'
                    WHEN reason LIKE 'start date%' THEN '{h["start_date"]}'
                    WHEN reason LIKE 'apprentice%' THEN '{h["is_apprentice"]}'
                    ELSE '{h["is_new_hire"]}' END AS bad_column,
               CASE WHEN reason <> '' THEN kept END AS raw
        FROM rows
    """,
        stage=f"Checking {b.source_file}",
        progress=b.progress,
    )
    out = ImportSummary(kind="workforce", file=b.source_file)
    out.rows_read, out.rows_loaded = b.con.execute(  # type: ignore[misc]
        f"SELECT count(*), count(*) FILTER (reason = '') FROM {t}"
    ).fetchone()
    out.rows_quarantined = out.rows_read - out.rows_loaded
    for reason, n in b.con.execute(
        f"SELECT reason, count(*) FROM {t} WHERE reason <> '' GROUP BY 1"
    ).fetchall():
        key_ = reason.split('"')[0].strip() + (" …" if '"' in reason else "")
        out.quarantine_reasons[key_] = out.quarantine_reasons.get(key_, 0) + n
    return out


def _load(b: Batch, as_at: dt.date) -> None:
    t = b.parsed
    b.con.execute(
        f"""
        INSERT INTO staff
        WITH pc AS (
            SELECT pcd_key, any_value(lad) AS lad, any_value(lsoa11) AS lsoa11, any_value(lsoa21) AS lsoa21
            FROM postcodes WHERE pcd_key IN (SELECT DISTINCT pc_key FROM {t}) GROUP BY pcd_key
        )
        SELECT ?, ?, p.row_no, p.staff_id, DATE '{as_at}', pc.lad, pc.lsoa11, pc.lsoa21,
               round(coalesce(p.hourly, p.salary / (p.hours * {WEEKS_PER_YEAR})), 2),
               p.pay_band, p.contract_type, p.start_date, p.role_family,
               coalesce(p.is_apprentice, false),
               coalesce(p.is_new_hire, p.start_date > DATE '{as_at}' - INTERVAL 365 DAY, false)
        FROM {t} p LEFT JOIN pc ON pc.pcd_key = p.pc_key
        WHERE p.reason = ''
    """,
        [b.upload_id, b.org],
    )
    b.con.execute(
        f"""
        INSERT INTO quarantine
        SELECT ?, ?, 'workforce', ?, ?, row_no, line_no, bad_column, reason, NULL, raw
        FROM {t} WHERE reason <> ''
    """,
        [b.upload_id, b.org, b.source_file, b.part.sheet],
    )


def ingest_staff(
    ws: Workspace,
    path: Path,
    org: str,
    *,
    as_at: dt.date | None = None,
    mapping_file: Path | None = None,
    progress: prog.Progress | None = None,
) -> ImportSummary:
    """Load an anchor's staff extract (as at a date, default today); a new version of the file replaces it."""
    if (fixed := quarantine_fix.fixed_upload(ws, path)) is not None:
        # A fix workbook's rows are as at the extract they were quarantined from, whatever date is given.
        as_at = _as_at_of(ws, fixed.id) or as_at
    as_at = as_at or dt.date.today()
    summary = run_import(
        ws,
        path,
        org,
        "workforce",
        Transform(
            partial(_prepare, as_at=as_at),
            partial(_load, as_at=as_at),
            personal=True,
            snapshot=STAFF_SNAPSHOT,
        ),
        delete_sql=[
            "DELETE FROM staff WHERE upload_id = ?",
            "DELETE FROM quarantine WHERE upload_id = ?",
        ],
        mapping_file=mapping_file,
        progress=progress,
        money=False,
    )
    if not summary.duplicate:
        with ws.warehouse(read_only=True) as con:
            row = con.execute(
                "SELECT count(*) FILTER (lad IS NULL), count(*) FILTER (hourly_pay IS NULL "
                "AND pay_band IS NULL) FROM staff WHERE upload_id = ?",
                [summary.upload_id],
            ).fetchone()
        assert row is not None
        if row[0]:
            summary.notes.append(
                f"{row[0]:,} staff have no known home area (postcode empty or not in the "
                "postcode table); they count as 'unknown', never dropped"
            )
        if row[1]:
            summary.notes.append(
                f"{row[1]:,} staff have no hourly pay or band; their pay is 'unknown'"
            )
        summary.notes.append(
            "home postcodes were turned into LSOA and local authority, then discarded"
        )
    return summary
