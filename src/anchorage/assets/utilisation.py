"""Utilisation: how much of each asset is used (occupied floor area, hours a week, vacancy, surplus)."""

from __future__ import annotations

import uuid
from pathlib import Path

from anchorage.assets import fields as f
from anchorage.core.errors import AnchorageError, MappingError
from anchorage.ingest import progress as prog
from anchorage.ingest.kinds import ImportKind, register
from anchorage.ingest.pipeline import Batch, Transform, run_import, tally_reasons
from anchorage.ingest.result import ImportSummary
from anchorage.workspace import Workspace

HOURS_IN_WEEK = 168


def _checks(b: Batch) -> list[tuple[str, str, str]]:
    h = {k: b.column_header(k).replace("'", "''") for k in f.UTILISATION_FIELDS}
    return [
        (
            "asset_ref IS NULL AND uprn_raw IS NULL",
            "'the row names no asset (asset id or UPRN)'",
            h["asset_ref"],
        ),
        (
            f"uprn_raw IS NOT NULL AND NOT {f.uprn_ok_sql('uprn_raw')}",
            """'UPRN "' || uprn_raw || '" is not a number of up to 12 digits'""",
            h["uprn"],
        ),
        (
            "occ_raw IS NOT NULL AND (occ IS NULL OR occ < 0)",
            """'occupied floor area "' || occ_raw || '" is not a floor area'""",
            h["occupied_floor_m2"],
        ),
        (
            f"hours_raw IS NOT NULL AND (hours IS NULL OR hours < 0 OR hours > {HOURS_IN_WEEK})",
            f"""'hours used per week "' || hours_raw || '" is not between 0 and {HOURS_IN_WEEK}'""",
            h["hours_per_week"],
        ),
        (
            "vac_raw IS NOT NULL AND (vac IS NULL OR vac < 0 OR vac > 100)",
            """'vacancy "' || vac_raw || '" is not a percentage from 0 to 100'""",
            h["vacancy_pct"],
        ),
        (
            "surplus_raw IS NOT NULL AND surplus IS NULL",
            """'surplus "' || surplus_raw || '" is not yes or no'""",
            h["surplus"],
        ),
    ]


def _prepare(b: Batch) -> ImportSummary:
    if not {"asset_ref", "uprn"} & b.mapping.fields.keys():
        raise MappingError(
            b.source_file,
            f"no column for the asset id or UPRN (columns found: {', '.join(b.part.columns)}).",
            web_fix="Rename the column in the file, or choose the columns on the preview page.",
            fix='Rename a column, or pass --mapping FILE with a line like asset_ref = "Your id column".',
        )
    v = {k: f.present_sql(b.col(k)) for k in f.UTILISATION_FIELDS}
    checks = _checks(b)
    # A vacancy written as a fraction (0.25) is read as 25%; a value above 1 is already a percentage.
    vac = (
        f"CASE WHEN {f.number_sql('vac_raw')} <= 1 AND NOT contains(vac_raw, '%') THEN {f.number_sql('vac_raw')} * 100 "
        f"ELSE {f.number_sql('vac_raw')} END"
    )
    b.con.execute(f"""
        CREATE TEMP TABLE {b.parsed} AS
        WITH s AS (SELECT rowid + 1 AS row_no, {b.line_sql()} AS line_no, * FROM {b.part.table}
                   WHERE NOT ({b.all_blank_sql()})),
        v AS (
            SELECT row_no, line_no, {v["asset_ref"]} AS asset_ref, {v["uprn"]} AS uprn_raw, {v["period"]} AS period,
                   {v["occupied_floor_m2"]} AS occ_raw, {f.area_m2_sql("occ_raw")} AS occ,
                   {v["hours_per_week"]} AS hours_raw, {f.number_sql("hours_raw")} AS hours,
                   {v["vacancy_pct"]} AS vac_raw, {vac} AS vac,
                   {v["surplus"]} AS surplus_raw, {f.flag_sql("surplus_raw")} AS surplus,
                   {b.raw_json_sql("s")} AS raw
            FROM s)
        SELECT *, CASE WHEN uprn_raw IS NOT NULL AND {f.uprn_ok_sql("uprn_raw")} THEN {f.uprn_sql("uprn_raw")} END AS uprn,
               concat_ws('; ', {", ".join(f"CASE WHEN {c} THEN {m} END" for c, m, _ in checks)}) AS reason,
               CASE {" ".join(f"WHEN {c} THEN '{col}'" for c, _, col in checks)} END AS bad_column
        FROM v
    """)
    out = ImportSummary(kind="utilisation", file=b.source_file)
    out.rows_read, out.rows_loaded, out.rows_quarantined = b.con.execute(  # type: ignore[misc]
        f"SELECT count(*), count(*) FILTER (reason = ''), count(*) FILTER (reason <> '') FROM {b.parsed}"
    ).fetchone()
    tally_reasons(out, b.con, b.parsed)
    return out


def _load(b: Batch) -> None:
    b.con.execute(
        f"""INSERT INTO asset_utilisation SELECT ?, ?, row_no, asset_ref, uprn, period, occ, hours, vac, surplus
                      FROM {b.parsed} WHERE reason = ''""",
        [b.upload_id, b.org],
    )
    b.con.execute(
        f"""INSERT INTO quarantine SELECT ?, ?, 'utilisation', ?, ?, row_no, line_no, bad_column, reason, NULL, raw
                      FROM {b.parsed} WHERE reason <> ''""",
        [b.upload_id, b.org, b.source_file, b.part.sheet],
    )


def import_utilisation(
    ws: Workspace,
    path: Path,
    org: str,
    *,
    mapping_file: Path | None = None,
    progress: prog.Progress | None = None,
) -> ImportSummary:
    """Load an anchor's occupancy survey (one row per asset and period)."""
    return run_import(
        ws,
        path,
        org,
        "utilisation",
        Transform(_prepare, _load),
        delete_sql=[
            "DELETE FROM asset_utilisation WHERE upload_id = ?",
            "DELETE FROM quarantine WHERE upload_id = ?",
        ],
        mapping_file=mapping_file,
        progress=progress,
        money=False,
    )


def enter_utilisation(
    ws: Workspace,
    org: str,
    asset_key: str,
    *,
    period: str,
    occupied_floor_m2: float | None = None,
    hours_per_week: float | None = None,
    vacancy_pct: float | None = None,
    surplus: bool | None = None,
) -> None:
    """Record one asset's occupancy by hand (a page's form); checked like an imported row."""
    slug = ws.config.anchor(org).slug
    problems = []
    if occupied_floor_m2 is not None and occupied_floor_m2 < 0:
        problems.append("occupied floor area cannot be negative")
    if hours_per_week is not None and not 0 <= hours_per_week <= HOURS_IN_WEEK:
        problems.append(f"hours used per week must be between 0 and {HOURS_IN_WEEK}")
    if vacancy_pct is not None and not 0 <= vacancy_pct <= 100:
        problems.append("vacancy must be a percentage from 0 to 100")
    if problems:
        raise AnchorageError(f"Occupancy for {asset_key} not recorded: {'; '.join(problems)}.")
    with ws.warehouse() as con:
        found = con.execute(
            "SELECT asset_ref, uprn FROM assets WHERE org = ? AND asset_key = ? LIMIT 1",
            [slug, asset_key],
        ).fetchone()
        if found is None:
            raise AnchorageError(
                f'{slug} has no asset "{asset_key}" in its register.',
                web_fix="Choose the asset from the register or the review page.",
                fix="Use the asset key shown by `anchorage assets review` or the register.",
            )
        con.execute(
            "INSERT INTO asset_utilisation VALUES (?, ?, 0, ?, ?, ?, ?, ?, ?, ?)",
            [
                f"manual-{uuid.uuid4().hex[:12]}",
                slug,
                found[0],
                found[1],
                period,
                occupied_floor_m2,
                hours_per_week,
                vacancy_pct,
                surplus,
            ],
        )


register(ImportKind("utilisation", "Occupancy of land and buildings", import_utilisation, web=True))
