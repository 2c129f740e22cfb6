"""Register imports as published: Companies House BasicCompanyData, the Charity Commission extract, CIC lists.

Each import takes one snapshot (all its parts, zipped or not), streams every part through DuckDB, and
replaces that register's previous snapshot in one transaction. Rows without a number or a name are
quarantined with their file, row and reason; the same snapshot again adds nothing.
"""

from __future__ import annotations

import hashlib
import shutil
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
from sqlalchemy import select
from sqlalchemy.orm import Session

from anchorage.core.errors import InputFileError
from anchorage.ingest import progress as prog
from anchorage.ingest.kinds import ImportKind, register
from anchorage.ingest.result import ImportSummary
from anchorage.ingest.spend_load import company_number_sql
from anchorage.ingest.unit import run_unit
from anchorage.reference.names import name_norm_sql
from anchorage.reference.postcode import postcode_display_sql
from anchorage.store import records
from anchorage.workspace import Workspace, file_sha256

REGISTER_ORG = "register"  # uploads of a register belong to the collaborative, not to one anchor


@dataclass(frozen=True)
class Layout:
    """A published layout: the columns we need (by trimmed header name) and how to build each field."""

    source: str
    label: str
    required: tuple[str, ...]
    fields: dict[str, str]  # warehouse column -> SQL over {col:Header Name} placeholders
    fix: str


def _ddmmyyyy(col: str) -> str:
    return f"try_strptime(nullif(trim({col}), ''), '%d/%m/%Y')::DATE"


COMPANIES_HOUSE = Layout(
    source="companies_house",
    label="Companies House BasicCompanyData",
    required=(
        "CompanyName",
        "CompanyNumber",
        "RegAddress.PostCode",
        "CompanyCategory",
        "CompanyStatus",
        "Accounts.AccountCategory",
        "SICCode.SicText_1",
    ),
    fields={
        "register_id": company_number_sql("{CompanyNumber}"),
        "name": "trim({CompanyName})",
        "postcode": postcode_display_sql("nullif(trim({RegAddress.PostCode}), '')"),
        "town": "nullif(upper(trim({RegAddress.PostTown})), '')",
        "entity_type": "nullif(trim({CompanyCategory}), '')",
        "status": "nullif(trim({CompanyStatus}), '')",
        "sic_codes": "nullif(concat_ws('; ', nullif({SICCode.SicText_1}, ''), nullif({SICCode.SicText_2}, ''), "
        "nullif({SICCode.SicText_3}, ''), nullif({SICCode.SicText_4}, '')), '')",
        "accounts_category": "nullif(upper(trim({Accounts.AccountCategory})), '')",
        "income": "NULL",
        "company_number": company_number_sql("{CompanyNumber}"),
        "incorporated": _ddmmyyyy("{IncorporationDate}"),
        "dissolved": _ddmmyyyy("{DissolutionDate}"),
    },
    fix="Import the BasicCompanyData files as downloaded from Companies House (every part, zipped or not).",
)

CHARITY_COMMISSION = Layout(
    source="charity_commission",
    label="Charity Commission register extract (publicextract.charity)",
    required=(
        "registered_charity_number",
        "linked_charity_number",
        "charity_name",
        "charity_registration_status",
        "charity_contact_postcode",
        "latest_income",
    ),
    fields={
        "register_id": "trim({registered_charity_number})",
        "name": "trim({charity_name})",
        "postcode": postcode_display_sql("nullif(trim({charity_contact_postcode}), '')"),
        "town": "nullif(upper(trim(coalesce(nullif({charity_contact_address3}, ''), "
        "nullif({charity_contact_address2}, '')))), '')",
        "entity_type": "CASE WHEN upper({charity_is_cio}) = 'TRUE' THEN 'Charitable Incorporated Organisation' "
        "ELSE coalesce(nullif(trim({charity_type}), ''), 'Registered charity') END",
        "status": "nullif(trim({charity_registration_status}), '')",
        "sic_codes": "NULL",
        "accounts_category": "NULL",
        "income": "try_cast(nullif(trim({latest_income}), '') AS DECIMAL(18, 2))",
        "company_number": "CASE WHEN nullif(trim({charity_company_registration_number}), '') IS NOT NULL "
        f"THEN {company_number_sql('{charity_company_registration_number}')} END",
        "incorporated": "try_cast(left({date_of_registration}, 10) AS DATE)",
        "dissolved": "try_cast(left({date_of_removal}, 10) AS DATE)",
    },
    fix="Import publicextract.charity.zip (or the .txt inside it) as downloaded from the Charity Commission.",
)

CIC_LIST = Layout(
    source="cic",
    label="list of community interest companies or social enterprises",
    required=("company_number", "name"),
    fields={
        "register_id": company_number_sql("{company_number}"),
        "name": "trim({name})",
        "postcode": postcode_display_sql("nullif(trim({postcode}), '')"),
        "town": "NULL",
        "entity_type": "'Community Interest Company'",
        "status": "NULL",
        "sic_codes": "NULL",
        "accounts_category": "NULL",
        "income": "NULL",
        "company_number": company_number_sql("{company_number}"),
        "incorporated": "NULL",
        "dissolved": "NULL",
    },
    fix="Give a CSV with at least the columns company_number and name (postcode optional).",
)
LAYOUTS = {
    "companies_house": COMPANIES_HOUSE,
    "charity_commission": CHARITY_COMMISSION,
    "cic": CIC_LIST,
}
_OPTIONAL = {
    "postcode",
    "charity_contact_address2",
    "charity_contact_address3",
    "charity_type",
    "charity_is_cio",
    "charity_company_registration_number",
    "date_of_registration",
    "date_of_removal",
    "RegAddress.PostTown",
    "SICCode.SicText_2",
    "SICCode.SicText_3",
    "SICCode.SicText_4",
    "IncorporationDate",
    "DissolutionDate",
}


def _members(paths: list[Path]) -> list[tuple[Path, str | None]]:
    """Every CSV/TXT to read: plain files, folders of parts, and the members of zips, in name order."""
    out: list[tuple[Path, str | None]] = []
    for path in paths:
        path = Path(path)
        if not path.exists():
            raise InputFileError(str(path), "does not exist.", fix="Check the path.")
        if path.is_dir():
            out += _members(
                sorted(p for p in path.iterdir() if p.suffix.lower() in (".zip", ".csv", ".txt"))
            )
        elif path.suffix.lower() == ".zip":
            try:
                with zipfile.ZipFile(path) as zf:
                    names = sorted(n for n in zf.namelist() if n.lower().endswith((".csv", ".txt")))
            except zipfile.BadZipFile:
                raise InputFileError(
                    str(path), "is not a readable zip file.", fix="Download it again."
                ) from None
            if not names:
                raise InputFileError(
                    str(path), "holds no CSV or TXT file.", fix="Check it is the right download."
                )
            out += [(path, n) for n in names]
        else:
            out.append((path, None))
    if not out:
        raise InputFileError(
            ", ".join(map(str, paths)) or "(no files)",
            "no register files were given.",
            fix="Pass the downloaded files or the folder holding them.",
        )
    return out


@contextmanager
def _as_file(path: Path, member: str | None, workdir: Path) -> Iterator[Path]:
    """The member as a plain file DuckDB can scan (zip members are streamed out, then removed)."""
    if member is None:
        yield path
        return
    dest = workdir / f"register-{uuid.uuid4().hex[:8]}{Path(member).suffix}"
    with zipfile.ZipFile(path) as zf, zf.open(member) as src, dest.open("wb") as out:
        shutil.copyfileobj(src, out, 8 * 1024 * 1024)
    try:
        yield dest
    finally:
        dest.unlink(missing_ok=True)


def _header(path: Path) -> tuple[list[str], str]:
    with path.open("r", encoding="utf-8-sig", errors="replace") as fh:
        first = fh.readline().rstrip("\r\n")
    delim = "\t" if first.count("\t") > first.count(",") else ","
    return [h.strip().strip('"').strip() for h in first.split(delim)], delim


def _select_sql(layout: Layout, header: list[str], label: str) -> str:
    missing = [h for h in layout.required if h not in header]
    if missing:
        raise InputFileError(
            label,
            f"is not the {layout.label} layout: no column {', '.join(missing)}.",
            fix=layout.fix,
        )
    cols = {h: f"c{i}" for i, h in enumerate(header)}
    exprs = []
    for name, sql in layout.fields.items():
        for h in [*layout.required, *_OPTIONAL]:
            sql = sql.replace("{" + h + "}", cols.get(h, "CAST(NULL AS VARCHAR)"))
        exprs.append(f"{sql} AS {name}")
    return ", ".join(exprs)


def _stage_part(
    con: duckdb.DuckDBPyConnection,
    layout: Layout,
    path: Path,
    label: str,
    upload_id: str,
    progress: prog.Progress | None,
) -> None:
    """Parse one part into the temp table `register_stage` (every row, with its reason if bad)."""
    header, delim = _header(path)
    select = _select_sql(layout, header, label)
    cols = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(header))) + "}"
    scan = (
        f"read_csv('{str(path).replace(chr(39), chr(39) * 2)}', header = true, auto_detect = false, "
        f"columns = {cols}, delim = '{delim}', quote = '\"', escape = '\"', max_line_size = 10000000)"
    )
    try:
        prog.run(
            con,
            f"""
            INSERT INTO register_stage
            SELECT '{upload_id}', '{layout.source}', '{label.replace("'", "''")}', row_no, * EXCLUDE (row_no),
                   CASE WHEN register_id IS NULL OR register_id = '' THEN 'the registration number is empty'
                        WHEN name IS NULL OR name = '' THEN 'the name is empty' END
            FROM (SELECT row_number() OVER () AS row_no, {select} FROM {scan})
        """,
            stage=f"Reading {label}",
            progress=progress,
        )
    except duckdb.Error as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputFileError(
            label, f"could not be read: {detail}; nothing was imported.", fix=layout.fix
        ) from None


def import_register(
    ws: Workspace, kind: str, paths: list[Path], *, progress: prog.Progress | None = None
) -> ImportSummary:
    """Import one snapshot of a register (all parts at once); it replaces the previous snapshot. One upload
    of the collaborative on the one unit of work (ingest/unit.py): journaled, all-or-nothing, raw copies kept."""
    layout = LAYOUTS[kind]
    members = _members(paths)
    files = sorted({p for p, _ in members})
    sha = hashlib.sha256("".join(file_sha256(p) for p in files).encode()).hexdigest()
    label = files[0].name + (f" (+{len(files) - 1} more)" if len(files) > 1 else "")
    previous: list[str] = []

    def supersedes(session: Session) -> list[str]:
        previous[:] = [
            u.id
            for u in session.scalars(
                select(records.Upload)
                .where(
                    records.Upload.org == REGISTER_ORG,
                    records.Upload.kind == f"register:{kind}",
                    records.Upload.status == "loaded",
                )
                .order_by(records.Upload.created_at.desc())
            )
        ]
        return previous

    def prepare(con: duckdb.DuckDBPyConnection, upload_id: str) -> None:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE register_stage AS SELECT upload_id, source, "
            "'' AS file, 0::BIGINT AS row_no, * EXCLUDE (upload_id, source, name_norm), '' AS reason "
            "FROM register_entities LIMIT 0"
        )
        for path, member in members:
            with _as_file(path, member, ws.tmp_dir) as plain:
                _stage_part(con, layout, plain, member or path.name, upload_id, progress)

    def load(con: duckdb.DuckDBPyConnection, upload_id: str) -> ImportSummary:
        summary = ImportSummary(kind=kind, file=label)
        _load(con, layout, previous, summary, progress)
        con.execute("DROP TABLE register_stage")
        return summary

    summary = run_unit(
        ws,
        kind=f"register:{kind}",
        label=label,
        org=REGISTER_ORG,
        sha=sha,
        prepare=prepare,
        load=load,
        supersedes=supersedes,
        raw_files=files,
        delete_sql=[
            "DELETE FROM register_entities WHERE upload_id = ?",
            "DELETE FROM quarantine WHERE upload_id = ?",
        ],
    )
    if not summary.duplicate:
        summary.notes.append(
            "a register is reference data: shared by the whole collaborative, not one anchor's"
        )
    return summary


def _load(
    con: duckdb.DuckDBPyConnection,
    layout: Layout,
    previous: list[str],
    summary: ImportSummary,
    progress: prog.Progress | None,
) -> None:
    """Swap the staged snapshot in (inside the unit's transaction); fill the summary."""
    read, bad = con.execute("SELECT count(*), count(reason) FROM register_stage").fetchone()  # type: ignore[misc]
    summary.rows_read, summary.rows_quarantined, summary.rows_loaded = read, bad, read - bad
    for reason, n in con.execute(
        "SELECT reason, count(*) FROM register_stage WHERE reason IS NOT NULL "
        "GROUP BY 1 ORDER BY 2 DESC"
    ).fetchall():
        summary.quarantine_reasons[reason] = n
    con.execute("DELETE FROM register_entities WHERE source = ?", [layout.source])
    for old in previous:
        con.execute("DELETE FROM quarantine WHERE upload_id = ?", [old])
    # Names repeat little, but normalising distinct values keeps the regex work minimal.
    prog.run(
        con,
        f"""
        INSERT INTO register_entities
        SELECT upload_id, source, register_id, name, {name_norm_sql("name")}, postcode, town, entity_type,
               status, sic_codes, accounts_category, income, company_number, incorporated, dissolved
        FROM register_stage WHERE reason IS NULL
    """,
        stage="Loading the register",
        progress=progress,
    )
    con.execute("""
        INSERT INTO quarantine (upload_id, org, kind, source_file, row_no, column_name, reason, raw)
        SELECT upload_id, '', source, file, row_no,
               CASE WHEN reason LIKE '%number%' THEN 'number' ELSE 'name' END, reason,
               concat_ws(' | ', register_id, name, postcode)
        FROM register_stage WHERE reason IS NOT NULL
    """)


def _register_kind(kind: str) -> ImportKind:
    def load(
        ws: Workspace,
        path: Path,
        org: str | None = None,
        *,
        progress: prog.Progress | None = None,
        **_: object,
    ) -> ImportSummary:
        if org:
            raise InputFileError(
                Path(path).name,
                "is a register, which the whole collaborative shares; it is "
                "not loaded for one anchor.",
                fix="Load it without naming an anchor.",
            )
        return import_register(ws, kind, [Path(path)], progress=progress)

    return register(
        ImportKind(f"register:{kind}", LAYOUTS[kind].label, load, scope="collaborative")
    )


for _kind in LAYOUTS:
    _register_kind(_kind)
