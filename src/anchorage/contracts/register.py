"""Contract register import (CSV/XLSX): one import kind ("contracts") on the shared ingest pipeline. A register
ADDS to the anchor's contracts: registers published in parts (by quarter, by directorate) add up, and a
contract listed again (same reference) is updated, not doubled.

Every row is loaded into `contracts` or quarantined with its reason; definitions in docs/pipeline.md."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from anchorage.config import slugify
from anchorage.contracts.categories import cpv_code
from anchorage.ingest import progress as prog
from anchorage.ingest.mapping import register_kind
from anchorage.ingest.pipeline import Batch, Transform, run_import, tally_reasons
from anchorage.ingest.result import ImportSummary
from anchorage.reference.names import name_norm_sql
from anchorage.reference.postcode import postcode_display_sql
from anchorage.workspace import Workspace

KIND = "contracts"
# Canonical field -> headings seen in council contract registers (Transparency Code "contracts over £5,000"),
# NHS and housing association registers and e-tendering system exports.
CONTRACT_FIELDS: dict[str, list[str]] = {
    "title": [
        "title",
        "contract title",
        "contract name",
        "title of agreement",
        "name of contract",
        "contract",
        "subject of contract",
        "project title",
    ],
    "description": [
        "description",
        "contract description",
        "description of goods and services",
        "scope",
        "summary",
        "details",
        "description of contract",
    ],
    "reference": [
        "reference",
        "contract reference",
        "contract ref",
        "reference number",
        "contract id",
        "contract number",
        "ref",
        "contract no",
        "ocid",
        "notice id",
    ],
    "supplier_name": [
        "supplier",
        "supplier name",
        "contractor",
        "contractor name",
        "provider",
        "provider name",
        "awarded supplier",
        "incumbent",
        "incumbent supplier",
        "vendor",
        "name of supplier",
        "supplier(s)",
    ],
    "supplier_postcode": [
        "supplier postcode",
        "postcode",
        "supplier post code",
        "contractor postcode",
    ],
    "company_number": [
        "company number",
        "companies house number",
        "company registration number",
        "supplier company number",
        "registered company number",
    ],
    "value": [
        "value",
        "contract value",
        "total value",
        "total contract value",
        "estimated value",
        "value (£)",
        "contract value (£)",
        "estimated total value",
        "total value (£)",
        "whole life value",
        "value of contract",
        "estimated contract value",
    ],
    "start_date": [
        "start date",
        "contract start date",
        "start",
        "commencement date",
        "date from",
        "contract start",
    ],
    "end_date": [
        "end date",
        "contract end date",
        "end",
        "expiry date",
        "expiry",
        "date to",
        "contract end",
        "contract expiry date",
    ],
    "end_date_max": [
        "end date including extensions",
        "end date incl extensions",
        "final end date",
        "max end date",
        "latest end date",
        "end date with extensions",
        "maximum end date",
        "end date if extended",
    ],
    "extension_options": [
        "extension options",
        "extension",
        "extensions",
        "option to extend",
        "extension period",
        "possible extension",
        "review date / extension",
        "extension option",
        "options to extend",
    ],
    "category": [
        "category",
        "procurement category",
        "service category",
        "contract category",
        "spend category",
        "category of spend",
        "service area",
        "department",
        "directorate",
    ],
    "cpv": ["cpv", "cpv code", "cpv codes", "main cpv", "main cpv code", "cpv classification"],
    "proclass": ["proclass", "proclass code", "proclass category", "proclass description"],
    "anchor": [
        "anchor",
        "organisation",
        "organisation name",
        "buyer",
        "authority",
        "contracting authority",
        "body",
        "commissioning organisation",
    ],
    "status": ["status", "stage", "contract status"],
    "procurement_start": [
        "procurement start",
        "re-procurement date",
        "reprocurement date",
        "planned procurement start",
        "expected procurement start",
        "next procurement",
        "procurement start date",
    ],
    "tender_deadline": [
        "tender deadline",
        "tender closing date",
        "closing date",
        "tender return date",
    ],
}
register_kind(KIND, CONTRACT_FIELDS, ("title",), "the contract title")
UNITS = {
    "month": 1,
    "months": 1,
    "mth": 1,
    "mths": 1,
    "m": 1,
    "year": 12,
    "years": 12,
    "yr": 12,
    "yrs": 12,
    "y": 12,
    "week": 0,
    "weeks": 0,
}


def extension_months(text: str | None) -> int | None:
    """Months of extension options: "1+1" (years) → 24, "2 x 12 months" → 24, "6m" → 6, "none" → 0;
    None when the text is not a period we recognise. Numbers without a unit are years."""
    if text is None:
        return 0
    t = text.strip().lower()
    if t in ("", "-", "n/a", "na", "none", "no", "nil", "0", "no extension", "no extensions"):
        return 0
    unit = next((UNITS[u] for u in re.findall(r"[a-z]+", t) if u in UNITS), 12)
    if unit == 0:
        return None
    times = re.fullmatch(r"(\d+)\s*[x×]\s*(\d+(?:\.\d+)?)\s*[a-z ]*", t)
    if times:
        return round(int(times.group(1)) * float(times.group(2)) * unit)
    parts = re.fullmatch(
        r"(\d+(?:\.\d+)?)((?:\s*\+\s*\d+(?:\.\d+)?)*)\s*(?:[a-z]+(?:\s+[a-z]+)*)?", t
    )
    if parts:
        total = float(parts.group(1)) + sum(
            float(x) for x in re.findall(r"\d+(?:\.\d+)?", parts.group(2))
        )
        return round(total * unit)
    return None


def _distinct_lookup(b: Batch, column: str, name: str, fn: Callable[[str | None], object]) -> None:
    """Map each distinct value of a parsed column through `fn` once, into a small table `name`."""
    values = [r[0] for r in b.con.execute(f"SELECT DISTINCT {column} FROM {b.parsed}").fetchall()]
    b.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} (v VARCHAR, out VARCHAR)")
    if values:
        b.con.executemany(f"INSERT INTO {name} VALUES (?, ?)", [[v, fn(v)] for v in values])


def _q(s: str) -> str:
    return s.replace("'", "''")


def _prepare(b: Batch, slug: str, name: str) -> ImportSummary:
    t = b.parsed
    head = {k: _q(b.column_header(k)) for k in CONTRACT_FIELDS}
    cols = ",\n".join(f"{b.col(k)} AS {k}_raw" for k in CONTRACT_FIELDS)
    prog.run(
        b.con,
        f"""
        CREATE TEMP TABLE {t} AS
        SELECT rowid + 1 AS row_no, {b.line_sql()} AS line_no, {cols},
               {b.raw_json_sql("s")} AS raw
        FROM {b.part.table} s WHERE NOT ({b.all_blank_sql()})
    """,
        stage=f"Reading {b.source_file}",
        progress=b.progress,
    )
    _distinct_lookup(b, "extension_options_raw", "_ext", lambda v: extension_months(v))
    _distinct_lookup(b, "cpv_raw", "_cpv", cpv_code)
    _distinct_lookup(
        b,
        "anchor_raw",
        "_anchor",
        lambda v: (
            "ok" if v is None or slugify(v) == slug or v.strip().lower() == name.lower() else None
        ),
    )
    dates = ("start_date", "end_date", "end_date_max", "procurement_start", "tender_deadline")
    date_cols = ", ".join(f"anchorage_date({d}_raw) AS {d}" for d in dates)
    checks = [
        ("title_raw IS NULL", "'contract title is empty'", "title"),
        (
            "value_raw IS NOT NULL AND value IS NULL",
            """'value "' || value_raw || '" is not a number'""",
            "value",
        ),
        ("value < 0", """'value "' || value_raw || '" is negative'""", "value"),
        *[
            (
                f"{d}_raw IS NOT NULL AND {d} IS NULL",
                f"""'{d.replace("_", " ")} "' || {d}_raw || '" is not a date we recognise (use DD/MM/YYYY)'""",
                d,
            )
            for d in dates
        ],
        ("end_date < start_date", "'the end date is before the start date'", "end_date"),
        (
            "ext.out IS NULL",
            """'extension options "' || extension_options_raw || '" are not a period we """
            """recognise (write e.g. "1+1 years" or "24 months")'""",
            "extension_options",
        ),
        (
            "cpv_raw IS NOT NULL AND cpv.out IS NULL",
            """'CPV "' || cpv_raw || '" is not a CPV code (8 digits, e.g. 55520000)'""",
            "cpv",
        ),
        (
            "an.out IS NULL",
            f"""'this row is for "' || anchor_raw || '", not {_q(name)}: load it with --org "' ||
         anchor_raw || '"'""",
            "anchor",
        ),
    ]
    b.con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {t} AS
        SELECT p.*, anchorage_amount(value_raw) AS value, {date_cols},
               CAST(ext.out AS INTEGER) AS ext_months, cpv.out AS cpv,
               concat_ws('; ', {", ".join(f"CASE WHEN {c} THEN {m} END" for c, m, _ in checks)}) AS reason,
               CASE {" ".join(f"WHEN {c} THEN '{head[col]}'" for c, _, col in checks)} END AS bad_column
        FROM {t} p
        LEFT JOIN _ext ext ON ext.v IS NOT DISTINCT FROM p.extension_options_raw
        LEFT JOIN _cpv cpv ON cpv.v IS NOT DISTINCT FROM p.cpv_raw
        LEFT JOIN _anchor an ON an.v IS NOT DISTINCT FROM p.anchor_raw
    """)
    out = ImportSummary(kind=KIND, file=b.source_file)
    row = b.con.execute(
        f"SELECT count(*), count(*) FILTER (reason = ''), count(*) FILTER (reason <> ''), "
        f"count(*) FILTER (reason = '' AND end_date IS NULL), coalesce(sum(value), 0), "
        f"coalesce(sum(value) FILTER (reason = ''), 0), coalesce(sum(value) FILTER (reason <> ''), 0) "
        f"FROM {t}"
    ).fetchone()
    assert row is not None
    out.rows_read, out.rows_loaded, out.rows_quarantined, no_end = row[:4]
    out.amount_read, out.amount_loaded, out.amount_quarantined = (Decimal(x) for x in row[4:])
    tally_reasons(out, b.con, t)
    if no_end:
        out.notes.append(
            f"{no_end:,} contracts have no end date, so are not on the pipeline timeline"
        )
    return out


def _stage_sql(status: str) -> str:
    s = f"lower(coalesce({status}, ''))"
    return (
        f"CASE WHEN regexp_matches({s}, 'plan|pipeline|future|intend') THEN 'planning' "
        f"WHEN regexp_matches({s}, 'tender|procur|out to') THEN 'tender' ELSE 'contract' END"
    )


def _supersede(b: Batch) -> ImportSummary:
    """A register ADDS to the anchor's contracts: a contract it holds again (same reference, or for rows
    without one the same title, supplier and start date) replaces the anchor's earlier row of it."""
    t = b.parsed
    same = f"""c.org = ? AND c.source = 'register' AND c.upload_id <> ? AND EXISTS (
        SELECT 1 FROM {t} p WHERE p.reason = '' AND (
            (p.reference_raw IS NOT NULL AND c.reference = p.reference_raw)
            OR (p.reference_raw IS NULL AND c.reference IS NULL AND lower(c.title) = lower(p.title_raw)
                AND c.supplier_name IS NOT DISTINCT FROM p.supplier_name_raw
                AND c.start_date IS NOT DISTINCT FROM p.start_date)))"""
    gone = b.con.execute(
        f"SELECT count(*) FROM contracts c WHERE {same}", [b.org, b.upload_id]
    ).fetchone()
    b.con.execute(f"DELETE FROM contracts c WHERE {same}", [b.org, b.upload_id])
    out = ImportSummary(kind=KIND, file=b.source_file)
    if gone and gone[0]:
        out.notes.append(f"{gone[0]:,} contracts from earlier registers were updated by this one")
    return out


def _load(b: Batch) -> ImportSummary:
    t = b.parsed
    out = _supersede(b)
    end_max = (
        "coalesce(end_date_max, CASE WHEN end_date IS NOT NULL "
        "THEN CAST(end_date + to_months(coalesce(ext_months, 0)) AS DATE) END)"
    )
    prog.run(
        b.con,
        f"""
        INSERT INTO contracts
        SELECT ?, ?, row_no, 'register', coalesce(reference_raw, 'row:' || row_no), NULL, reference_raw,
               title_raw, description_raw, NULL, supplier_name_raw,
               CASE WHEN supplier_name_raw IS NOT NULL THEN {name_norm_sql("supplier_name_raw")} END,
               company_number_raw, {postcode_display_sql("supplier_postcode_raw")},
               CAST(value AS DECIMAL(18, 2)), 'GBP', start_date, end_date, {end_max}, extension_options_raw,
               category_raw, cpv, proclass_raw, {_stage_sql("status_raw")}, status_raw,
               tender_deadline, procurement_start, NULL, NULL, 1, NULL, false
        FROM {t} WHERE reason = ''
    """,
        [b.upload_id, b.org],
        stage=f"Loading {b.source_file}",
        progress=b.progress,
    )
    b.con.execute(
        f"""
        INSERT INTO quarantine
        SELECT ?, ?, '{KIND}', ?, ?, row_no, line_no, bad_column, reason, value, raw
        FROM {t} WHERE reason <> ''
    """,
        [b.upload_id, b.org, b.source_file, b.part.sheet],
    )
    return out


def import_register(
    ws: Workspace,
    path: Path,
    org: str,
    *,
    mapping_file: Path | None = None,
    progress: prog.Progress | None = None,
) -> ImportSummary:
    """Add an anchor's contract register to its contracts (a contract held again is updated, not doubled);
    returns the reconciliation (rows in = loaded + quarantined)."""
    anchor = ws.config.anchor(org)
    return run_import(
        ws,
        path,
        org,
        KIND,
        Transform(lambda b: _prepare(b, anchor.slug, anchor.name), _load, replaces_by_name=False),
        delete_sql=[
            "DELETE FROM contracts WHERE upload_id = ?",
            "DELETE FROM quarantine WHERE upload_id = ?",
        ],
        mapping_file=mapping_file,
        progress=progress,
    )
