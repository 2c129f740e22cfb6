"""Import kinds whose rows live in the records database (the workforce files) on the one pipeline.

Each column is parsed a column at a time in DuckDB (the parsers' macros); a bad row is quarantined with its
file, row, column and reason; a file replaces rows only for the anchors it names (an anchor's own file: that
anchor; a collaborative-wide file: each anchor named in its anchor column), never another anchor's rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, delete, func, insert, select, update
from sqlalchemy.orm import Session

from anchorage.core.errors import MappingError
from anchorage.ingest import progress as prog
from anchorage.ingest.pipeline import Batch, Transform, run_import, tally_reasons
from anchorage.ingest.result import ImportSummary
from anchorage.store.records import Upload
from anchorage.workspace import Workspace

Row = dict[str, Any]
PLAIN_POUNDS = r"£?([0-9]{1,3}(,[0-9]{3})+|[0-9]+)(\.[0-9]{1,2})?"


@dataclass(frozen=True)
class FileColumn:
    """A column of a records file: its field (as named in ingest.mapping), type and whether it must be filled."""

    name: str
    kind: str = "text"  # text | int | money | date | month | flag | list | monthlist
    required: bool = True
    personal: bool = False  # never quoted in a reason, never kept in quarantine

    @property
    def label(self) -> str:
        return self.name.replace("_", " ")


@dataclass(frozen=True)
class Check:
    """A rule over the parsed columns (quoted names; the text as read is "<name>_raw")."""

    cond: str  # SQL: true when the row fails
    reason: str  # SQL text expression
    column: str  # the field whose column is reported


@dataclass
class RecordsKind:
    """One records file kind: its columns, rules, and how its rows replace an anchor's rows."""

    kind: str
    what: str  # plain words for its rows ("pay bills")
    columns: list[FileColumn]
    # Replace the rows of these anchors with these rows (each has "upload_id"); returns the upload ids whose
    # rows it deleted.
    write: Callable[
        [Session, set[str], Any], set[str]
    ]  # rows: list[Row], or BulkRows for a `bulk` kind
    model: Any  # the records table (for the upload each row came from)
    anchor_field: str | None = "anchor"
    # A collaborative file without an anchor column is the collaborative's own list (org "").
    anchor_optional: bool = False
    checks: list[Check] = field(default_factory=list)
    # Domain rules checked in Python over the rows that passed the SQL checks (small files only):
    # (rows, upload org) -> {row_no: (field, reason)}.
    row_check: Callable[[list[Row], str], dict[int, tuple[str, str]]] | None = None
    # May refuse the whole file (an AnchorageError) before anything is written: (anchors, good rows).
    before_write: Callable[[set[str], list[Row]], None] | None = None
    money: str | None = None  # the field holding £, reconciled like spend
    personal: bool = False
    # Large files: the table's columns as SQL over the parsed rows ("_anchor" is the row's anchor). The rows
    # then go from DuckDB to the records database as plain tuples (`write` receives a BulkRows).
    bulk: dict[str, str] | None = None
    # The fields naming a row once per anchor (model columns): a fix workbook's row with a loaded key is quarantined.
    key: tuple[str, ...] = ()


@dataclass
class BulkRows:
    """Rows ready for the records database: its column names and one tuple per row."""

    columns: list[str]
    rows: list[tuple[Any, ...]]

    def __len__(self) -> int:
        return len(self.rows)


def _q(text: str) -> str:
    return text.replace("'", "''")


def slug_sql(expr: str) -> str:
    """config.slugify in SQL: lower case, runs of other characters become one hyphen, trimmed of hyphens."""
    return f"trim(regexp_replace(lower({expr}), '[^a-z0-9]+', '-', 'g'), '-')"


def _parsed(c: FileColumn) -> tuple[str, str]:
    """(SQL parsing "<name>_raw", words for a value that does not parse)."""
    raw = f'"{c.name}_raw"'
    if c.kind == "int":
        num = f"TRY_CAST(replace({raw}, ',', '') AS DECIMAL(18, 4))"
        return (
            f"CASE WHEN {num} = trunc({num}) THEN CAST({num} AS BIGINT) END",
            "is not a whole number",
        )
    if c.kind == "money":
        # "£1,234.56" straight away (anchorage_amount gives the same for at most two decimals); the rest
        # go through anchorage_amount.
        return (
            f"COALESCE(CASE WHEN regexp_full_match({raw}, '{PLAIN_POUNDS}') "
            f"THEN TRY_CAST(replace(replace({raw}, '£', ''), ',', '') AS DECIMAL(18, 2)) END, "
            f"anchorage_amount({raw}))"
        ), "is not an amount"
    if c.kind == "date":
        return f"anchorage_date({raw})", "is not a date (use DD/MM/YYYY)"
    if c.kind == "month":
        # MM/YYYY straight away: anchorage_date would reach that format only after trying every other one
        # (gives the same month; ~50 times faster on a pay bill).
        return (
            f"COALESCE(CASE WHEN regexp_full_match({raw}, '[0-9]{{1,2}}/[0-9]{{4}}') "
            f"THEN CAST(try_strptime({raw}, '%m/%Y') AS DATE) END, "
            f"CAST(date_trunc('month', anchorage_date({raw})) AS DATE))"
        ), "is not a month (use MM/YYYY)"
    if c.kind == "flag":
        return (
            f"CASE WHEN upper({raw}) IN ('Y', 'YES', 'TRUE', '1') THEN TRUE "
            f"WHEN upper({raw}) IN ('N', 'NO', 'FALSE', '0') THEN FALSE END"
        ), "is not Y or N"
    items = (
        f"list_filter(list_transform(string_split(regexp_replace({raw}, '[;|]', ',', 'g'), ','), "
        "x -> trim(x)), x -> x <> '')"
    )
    if c.kind == "list":
        return items, "is not a list"
    if c.kind == "monthlist":  # NULL when any item is not a date
        months = (
            f"list_transform({items}, x -> CAST(date_trunc('month', anchorage_date(x)) AS DATE))"
        )
        return (
            f"CASE WHEN list_count({months}) = len({months}) THEN {months} END",
            "has an item that is not a month",
        )
    return raw, ""


def _value(c: FileColumn) -> str:
    return "" if c.personal else f""" "' || "{c.name}_raw" || '\""""


def _checks(b: Batch, spec: RecordsKind, org_name: str) -> list[Check]:
    """Anchor, blank and type checks for every column, then the kind's own rules."""
    out: list[Check] = []
    af = spec.anchor_field
    if af is not None and af in b.mapping.fields:
        out.append(
            Check(
                "_anchor_raw IS NOT NULL AND _anchor_found IS NULL",
                f"""'{af} "' || _anchor_raw || '" is not an anchor of this workspace'""",
                af,
            )
        )
        if b.org:
            out.append(
                Check(
                    f"_anchor_found IS NOT NULL AND _anchor_found <> '{_q(b.org)}'",
                    f"""'{af} "' || _anchor_raw || '" is not {_q(org_name)}: load a file naming """
                    "several anchors without --org'",
                    af,
                )
            )
        elif not spec.anchor_optional:
            out.append(Check("_anchor_raw IS NULL", f"'the {af} is empty'", af))
    for c in spec.columns:
        if c.required:
            out.append(Check(f'"{c.name}_raw" IS NULL', f"'the {c.label} is empty'", c.name))
        if c.kind != "text":
            out.append(
                Check(
                    f'"{c.name}_raw" IS NOT NULL AND "{c.name}" IS NULL',
                    f"'{c.label}{_value(c)} {_parsed(c)[1]}'",
                    c.name,
                )
            )
    return out + spec.checks


def _anchor_sql(b: Batch, spec: RecordsKind) -> str:
    """The anchor a row belongs to: the upload's anchor, or the one it names in a collaborative file."""
    if spec.anchor_field is None:
        return f"'{_q(b.org)}'"
    if b.org:
        return f"CASE WHEN _anchor_found IS NULL OR _anchor_found = '{_q(b.org)}' THEN '{_q(b.org)}' END"
    return (
        "CASE WHEN _anchor_raw IS NULL THEN '' ELSE _anchor_found END"
        if spec.anchor_optional
        else "_anchor_found"
    )


def _kept_json(b: Batch, spec: RecordsKind) -> str:
    """What quarantine keeps of a row: all of it, or for personal data only its mapped non-personal fields."""
    if not spec.personal:
        return b.raw_json_sql("r0")
    pairs = [
        f"'{_q(b.column_header(c.name))}', {b.col(c.name)}"
        for c in spec.columns
        if not c.personal and c.name in b.mapping.fields
    ]
    return f"CAST(json_object({', '.join(pairs)}) AS VARCHAR)" if pairs else "CAST(NULL AS VARCHAR)"


def _prepare(b: Batch, spec: RecordsKind, ws: Workspace) -> ImportSummary:
    if (
        spec.anchor_field is not None
        and not b.org
        and not spec.anchor_optional
        and spec.anchor_field not in b.mapping.fields
    ):
        raise MappingError(
            b.source_file,
            f"no column for the {spec.anchor_field} (columns found: "
            f"{', '.join(b.part.columns)}), and no anchor was chosen.",
            web_fix="Add a column naming each row's anchor, or upload the file for one anchor.",
            fix=f"Add a column naming each row's {spec.anchor_field}, or load the file for one "
            "anchor with --org.",
        )
    org_name = ws.config.anchor(b.org).name if b.org else ""
    anchors = (
        ", ".join(f"('{_q(a.slug)}', '{_q(a.name.lower())}')" for a in ws.config.anchors)
        or "(NULL, NULL)"
    )
    b.con.execute(
        f"CREATE OR REPLACE TEMP TABLE wf_anchor_slugs AS SELECT * FROM (VALUES {anchors}) a(slug, name)"
    )
    t = b.parsed
    checks = _checks(b, spec, org_name)
    raws = ", ".join(f'{b.col(c.name)} AS "{c.name}_raw"' for c in spec.columns)
    anchor_raw = b.col(spec.anchor_field) if spec.anchor_field else "NULL"
    parsed = ", ".join(f'{_parsed(c)[0]} AS "{c.name}"' for c in spec.columns)
    reason = (
        "concat_ws('; ', "
        + ", ".join(f"CASE WHEN {c.cond} THEN {c.reason} END" for c in checks)
        + ")"
    )
    bad_col = (
        (
            "CASE "
            + " ".join(f"WHEN {c.cond} THEN '{_q(b.column_header(c.column))}'" for c in checks)
            + " END"
        )
        if checks
        else "NULL"
    )
    prog.run(
        b.con,
        f"""
        CREATE TEMP TABLE {t} AS
        WITH r AS (
            SELECT r0.rowid + 1 AS row_no, {b.line_sql()} AS line_no, {raws},
                   CAST({anchor_raw} AS VARCHAR) AS _anchor_raw, r0.rowid AS _source_rowid
            FROM {b.part.table} r0 WHERE NOT ({b.all_blank_sql()})
        ), p AS (
            SELECT r.*, {parsed},
                   (SELECT min(a.slug) FROM wf_anchor_slugs a
                    WHERE a.slug = {slug_sql("r._anchor_raw")} OR a.name = lower(r._anchor_raw)) AS _anchor_found
            FROM r
        ), q AS (SELECT *, {_anchor_sql(b, spec)} AS _anchor FROM p)
        SELECT *, {reason} AS reason, {bad_col} AS bad_column FROM q
    """,
        stage=f"Checking {b.source_file}",
        progress=b.progress,
    )
    if spec.row_check is not None:
        _apply_row_check(b, spec)
    if b.adds_only and spec.key:
        _quarantine_loaded_keys(b, spec, ws)
    out = ImportSummary(kind=spec.kind, file=b.source_file)
    amt = f'"{spec.money}"' if spec.money else "0"
    row = b.con.execute(
        f"SELECT count(*), count(*) FILTER (reason = ''), coalesce(sum({amt}), 0), "
        f"coalesce(sum({amt}) FILTER (reason = ''), 0) FROM {t}"
    ).fetchone()
    assert row is not None
    out.rows_read, out.rows_loaded = int(row[0]), int(row[1])
    out.rows_quarantined = out.rows_read - out.rows_loaded
    if spec.money:
        out.amount_read, out.amount_loaded = Decimal(row[2]), Decimal(row[3])
        out.amount_quarantined = out.amount_read - out.amount_loaded
    tally_reasons(out, b.con, t)
    return out


def _good_rows(b: Batch, spec: RecordsKind) -> list[Row]:
    names = ", ".join(f'"{c.name}"' for c in spec.columns)
    cur = b.con.execute(
        f"SELECT row_no, _anchor, {names} FROM {b.parsed} WHERE reason = '' ORDER BY row_no"
    )
    keys = [d[0] for d in cur.description]
    return [dict(zip(keys, r, strict=True)) for r in cur.fetchall()]


def _apply_row_check(b: Batch, spec: RecordsKind) -> None:
    assert spec.row_check is not None
    failed = spec.row_check(_good_rows(b, spec), b.org)
    if not failed:
        return
    fixes = [(row_no, b.column_header(col), why) for row_no, (col, why) in failed.items()]
    b.con.execute(
        "CREATE OR REPLACE TEMP TABLE wf_row_fixes (row_no BIGINT, bad_column VARCHAR, reason VARCHAR)"
    )
    b.con.executemany("INSERT INTO wf_row_fixes VALUES (?, ?, ?)", fixes)
    b.con.execute(
        f"UPDATE {b.parsed} t SET reason = f.reason, bad_column = f.bad_column FROM wf_row_fixes f "
        "WHERE t.row_no = f.row_no"
    )


def _quarantine_loaded_keys(b: Batch, spec: RecordsKind, ws: Workspace) -> None:
    """A fix workbook's good rows whose key the anchor already has are quarantined, with that reason."""
    with ws.session() as s:
        have = s.execute(
            select(*(getattr(spec.model, k) for k in spec.key)).where(spec.model.org == b.org)
        ).all()
    if not have:
        return
    names = ", ".join(f'"{k}"' for k in spec.key)
    b.con.execute(
        f"CREATE OR REPLACE TEMP TABLE wf_loaded_keys AS SELECT {names} FROM {b.parsed} LIMIT 0"
    )
    b.con.executemany(
        f"INSERT INTO wf_loaded_keys VALUES ({', '.join('?' for _ in spec.key)})",
        [tuple(r) for r in have],
    )
    said = " || ', ' || ".join(
        f"'{k.replace('_', ' ')} \"' || CAST(t.\"{k}\" AS VARCHAR) || '\"'" for k in spec.key
    )
    same = " AND ".join(f't."{k}" = k."{k}"' for k in spec.key)
    b.con.execute(
        f"UPDATE {b.parsed} t SET reason = {said} || ' is already loaded for this anchor', "
        f"bad_column = '{_q(b.column_header(spec.key[0]))}' "
        f"FROM wf_loaded_keys k WHERE t.reason = '' AND {same}"
    )


def _scope(b: Batch, spec: RecordsKind) -> set[str]:
    """The anchors whose rows this file replaces: the upload's anchor, or each anchor a collaborative file names;
    none for a quarantine fix workbook, whose rows are added to the anchor's."""
    if b.adds_only:
        return set()
    if b.org or spec.anchor_field is None:
        return {b.org}
    if spec.anchor_optional and spec.anchor_field not in b.mapping.fields:
        return {""}
    return {
        r[0]
        for r in b.con.execute(
            f"SELECT DISTINCT _anchor FROM {b.parsed} WHERE _anchor IS NOT NULL"
        ).fetchall()
    }


def _bulk_rows(b: Batch, spec: RecordsKind, sqlite: bool) -> BulkRows:
    """The good rows as the records database stores them; SQLite keeps dates as ISO text and numbers as
    REAL (what SQLAlchemy's Date and Numeric write there), so they are cast in DuckDB, not per value."""
    assert spec.bulk is not None
    names = list(spec.bulk)
    kinds = {
        r[0]: r[1]
        for r in b.con.execute(
            f"DESCRIBE SELECT {', '.join(f'{e} AS {n}' for n, e in spec.bulk.items())} FROM {b.parsed}"
        ).fetchall()
    }
    cols = []
    for n, e in spec.bulk.items():
        if sqlite and kinds[n] == "DATE":
            e = f"CAST({e} AS VARCHAR)"
        elif sqlite and kinds[n].startswith("DECIMAL"):
            e = f"CAST({e} AS DOUBLE)"
        cols.append(e)
    rows = b.con.execute(
        f"SELECT {', '.join(cols)}, ? FROM {b.parsed} WHERE reason = '' ORDER BY row_no",
        [b.upload_id],
    ).fetchall()
    return BulkRows([*names, "upload_id"], rows)


def _load(b: Batch, spec: RecordsKind, ws: Workspace) -> ImportSummary:
    scope = _scope(b, spec)
    amt = f'"{spec.money}"' if spec.money else "NULL"
    if scope:  # quarantine of the anchors replaced goes with their rows
        marks = ", ".join("?" for _ in scope)
        b.con.execute(
            f"DELETE FROM quarantine WHERE kind = ? AND upload_id <> ? AND org IN ({marks})",
            [spec.kind, b.upload_id, *sorted(scope)],
        )
    # What is kept of a bad row is read back from the staged part (only bad rows pay for it).
    b.con.execute(
        f"""
        INSERT INTO quarantine
        SELECT ?, coalesce(_anchor, ?), ?, ?, ?, row_no, line_no, bad_column, reason, {amt}, {_kept_json(b, spec)}
        FROM {b.parsed} p JOIN {b.part.table} r0 ON r0.rowid = p._source_rowid WHERE reason <> ''
    """,
        [b.upload_id, b.org, spec.kind, b.source_file, b.part.sheet],
    )
    if spec.bulk is not None:
        b.state["bulk"] = _bulk_rows(b, spec, ws.records_url.startswith("sqlite"))
    else:
        rows = _good_rows(b, spec)
        if spec.before_write is not None:
            spec.before_write(scope, rows)
        b.state["rows"] = rows
    b.state["scope"] = scope
    out = ImportSummary(kind=spec.kind, file=b.source_file)
    names = {a.slug: a.name for a in ws.config.anchors}
    if spec.anchor_field is not None and scope:
        who = ", ".join(sorted(names.get(s, "the collaborative's own list") for s in scope))
        out.notes.append(
            f"replaces the {spec.what} of {who} only; other anchors' rows are unchanged"
        )
    return out


def _write(session: Session, batches: list[Batch], spec: RecordsKind) -> None:
    scope: set[str] = set().union(*(b.state.get("scope", set()) for b in batches))
    rows: list[Row] | BulkRows
    if spec.bulk is not None:
        parts = [b.state["bulk"] for b in batches if "bulk" in b.state]
        rows = BulkRows(parts[0].columns if parts else [], [r for p in parts for r in p.rows])
    else:
        rows = [{**r, "upload_id": b.upload_id} for b in batches for r in b.state.get("rows", [])]
    gone = spec.write(session, scope, rows)
    current = {b.upload_id for b in batches}
    for uid in sorted(gone - current):  # an upload none of whose rows are left has been replaced
        if not session.scalar(
            select(func.count()).select_from(spec.model).where(spec.model.upload_id == uid)
        ):
            session.execute(
                update(Upload)
                .where(Upload.id == uid, Upload.status == "loaded")
                .values(status="replaced")
            )


def replace_rows(
    session: Session, model: Any, where: ColumnElement[bool], rows: list[Row] | BulkRows
) -> set[str]:
    """Delete the rows `where` selects and insert `rows`; the upload ids of the rows deleted."""
    gone = {u for u in session.scalars(select(model.upload_id).where(where).distinct()) if u}
    session.execute(delete(model).where(where))
    if isinstance(rows, BulkRows):
        if rows.rows:  # one DB-API executemany of plain tuples, in the session's transaction
            conn = session.connection()
            mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
            conn.exec_driver_sql(
                f"INSERT INTO {model.__tablename__} ({', '.join(rows.columns)}) "
                f"VALUES ({', '.join(mark for _ in rows.columns)})",
                rows.rows,
            )
    elif rows:  # Core executemany: no ORM objects
        session.execute(insert(model.__table__), rows)
    return gone


def transform_for(spec: RecordsKind, ws: Workspace) -> Transform:
    return Transform(
        lambda b: _prepare(b, spec, ws),
        lambda b: _load(b, spec, ws),
        personal=spec.personal,
        records_load=lambda session, batches: _write(session, batches, spec),
        replaces_by_name=False,
    )


def import_records_file(
    ws: Workspace,
    spec: RecordsKind,
    path: Path,
    org: str | None = None,
    *,
    mapping_file: Path | None = None,
    progress: prog.Progress | None = None,
) -> ImportSummary:
    """Load one records file for an anchor (`org`), or collaborative-wide (None: rows name their anchors)."""
    return run_import(
        ws,
        Path(path),
        org,
        spec.kind,
        transform_for(spec, ws),
        delete_sql=["DELETE FROM quarantine WHERE upload_id = ?"],
        mapping_file=mapping_file,
        progress=progress,
        money=spec.money is not None,
    )
