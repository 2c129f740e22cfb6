"""The shared import pipeline: stage → map → transform (kind-specific) → one transaction → provenance."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from anchorage.core import values
from anchorage.ingest import infer, quarantine_fix, sniff, unit_of_work
from anchorage.ingest import mapping as mapmod
from anchorage.ingest.progress import Progress
from anchorage.ingest.readers import StagedPart, stage_file
from anchorage.ingest.result import ImportSummary
from anchorage.store import journal, records, snapshots
from anchorage.workspace import Workspace

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def trimmed_sql(c: str) -> str:
    """SQL for NULLIF(trim(c), ''), skipping trim() (a copy of every string) when it cannot change the value:
    an ASCII cell that neither starts nor ends with a space. trim() removes only spaces (U+0020 and the
    non-ASCII space separators), so the shortcut gives the same value as trim() for every input."""
    return (
        f"CASE WHEN strlen({c}) = length({c}) AND {c} <> '' AND NOT starts_with({c}, ' ') "
        f"AND NOT ends_with({c}, ' ') THEN {c} ELSE NULLIF(trim({c}), '') END"
    )


@dataclass
class Batch:
    """What a kind-specific transform needs to load one staged part."""

    con: duckdb.DuckDBPyConnection
    part: StagedPart
    mapping: mapmod.ColumnMapping
    upload_id: str
    org: str
    source_file: str
    progress: Progress | None
    state: dict[str, Any] = field(default_factory=dict)  # what a kind's prepare hands to its load
    # A quarantine fix workbook: its rows are added to the anchor's, replacing none (ingest/quarantine_fix.py).
    adds_only: bool = False

    def cell(self, fld: str) -> str | None:
        """The staged column (c0..cN) a field is mapped to, untrimmed; None when unmapped."""
        name = self.mapping.fields.get(fld)
        return None if name is None else f"c{self.part.columns.index(name)}"

    def col(self, fld: str) -> str:
        """SQL for a mapped field's trimmed text, NULL when blank or unmapped."""
        name = self.mapping.fields.get(fld)
        if name is None:
            return "CAST(NULL AS VARCHAR)"
        return trimmed_sql(f"c{self.part.columns.index(name)}")

    def raw_json_sql(self, alias: str = "s") -> str:
        pairs = ", ".join(
            f"'{h.replace(chr(39), chr(39) * 2) or f'column {i + 1}'}', {alias}.c{i}"
            for i, h in enumerate(self.part.columns)
        )
        return f"CAST(json_object({pairs}) AS VARCHAR)"

    def all_blank_sql(self) -> str:
        cells = ", ".join(f"c{i}" for i in range(len(self.part.columns)))
        # A first cell starting above U+0020 cannot be whitespace (RE2 \s is ASCII only): no regex for it.
        return f"CASE WHEN ascii(c0) > 32 THEN false ELSE regexp_full_match(concat({cells}, ''), '\\s*') END"

    @property
    def parsed(self) -> str:
        return f"parsed_{self.part.table}"

    def line_sql(self) -> str:
        return "_line_no" if self.part.sheet is not None else "CAST(NULL AS BIGINT)"

    def column_header(self, fld: str) -> str:
        return self.mapping.fields.get(fld, fld)


@dataclass
class Transform:
    """A kind's two steps: `prepare` parses and validates into a temp table (outside the transaction,
    where DuckDB writes temp tables several times faster) and returns the reconciliation; `load` moves
    the rows into the warehouse inside the all-or-nothing transaction, and may return the reconciliation
    of rows it checked and counted itself (added to prepare's)."""

    prepare: Callable[[Batch], ImportSummary]
    load: Callable[[Batch], ImportSummary | None]
    # The select list that stages a part (see readers.Computed), from the part's mapping and header.
    staged: Callable[[mapmod.ColumnMapping, list[str]], str] | None = None
    # Personal data (staff extracts): no raw copy of the file is kept, and lines the reader cannot split
    # are quarantined without their text; the kind's own load keeps only what it must.
    personal: bool = False
    # Kinds whose rows live in the records database write them here, in the same records commit that marks
    # the upload loaded (after the warehouse commit and the balance check).
    records_load: Callable[[Session, list[Batch]], None] | None = None
    # False for kinds that replace by anchor themselves: a new version of the same file name does not
    # replace the old upload wholesale (it may name other anchors).
    replaces_by_name: bool = True
    # A kind that reads its own format (OCDS JSON) stages the file itself: `stage(con, path, workdir)` gives
    # its parts and notes, and its parts are not column-mapped.
    stage: (
        Callable[[duckdb.DuckDBPyConnection, Path, Path], tuple[list[StagedPart], list[str]]] | None
    ) = None
    # A snapshot kind (an asset register, a supplier master, a staff extract): a new file for an anchor
    # supersedes the anchor's current one whatever its name; the old rows are kept in history, restorable.
    snapshot: snapshots.Snapshot | None = None


def _reject_rows(b: Batch, kind: str, keep_text: bool = True) -> ImportSummary:
    """Lines the CSV reader could not split go to quarantine, with their text unless it is personal."""
    out = ImportSummary(kind=kind, file=b.source_file)
    for r in b.part.rejects:
        b.con.execute(
            "INSERT INTO quarantine VALUES (?, ?, ?, ?, ?, NULL, ?, NULL, ?, NULL, ?)",
            [
                b.upload_id,
                b.org,
                kind,
                b.source_file,
                b.part.sheet,
                r.line_no,
                r.reason,
                r.raw if keep_text else None,
            ],
        )
        out.quarantine_reasons[r.reason] = out.quarantine_reasons.get(r.reason, 0) + 1
    out.rows_read = out.rows_quarantined = len(b.part.rejects)
    return out


def tally_reasons(out: ImportSummary, con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Add a parsed table's quarantine reasons to a summary, grouped by their kind, not by the value quoted
    in them (the 50 commonest; ties by reason, so the summary is the same every time)."""
    for reason, n in con.execute(
        f"SELECT reason, count(*) FROM {table} WHERE reason <> '' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 50"
    ).fetchall():
        key = reason.split('"')[0].strip() + (" …" if '"' in reason else "")
        out.quarantine_reasons[key] = out.quarantine_reasons.get(key, 0) + n


def _add(total: ImportSummary, part: ImportSummary) -> None:
    total.rows_read += part.rows_read
    total.rows_loaded += part.rows_loaded
    total.rows_quarantined += part.rows_quarantined
    if part.amount_read is not None:
        total.amount_read = (total.amount_read or Decimal(0)) + part.amount_read
        total.amount_loaded = (total.amount_loaded or Decimal(0)) + (part.amount_loaded or 0)
        total.amount_quarantined = (total.amount_quarantined or Decimal(0)) + (
            part.amount_quarantined or 0
        )
    for k, v in part.quarantine_reasons.items():
        total.quarantine_reasons[k] = total.quarantine_reasons.get(k, 0) + v
    total.notes.extend(part.notes)
    total.split.update(part.split)


def run_import(
    ws: Workspace,
    path: Path,
    org: str | None,
    kind: str,
    transform: Transform,
    *,
    delete_sql: list[str],
    after_load: Callable[[duckdb.DuckDBPyConnection, str], None] | None = None,
    mapping_file: Path | None = None,
    progress: Progress | None = None,
    money: bool = True,
) -> ImportSummary:
    """Load one file all-or-nothing and idempotently; `delete_sql` removes an upload's rows by id.

    `org` None (or "") is a collaborative-wide file: its upload belongs to no one anchor (org "").
    One unit of work across both stores (ingest/unit_of_work.py): killed at any instant, the workspace is
    left as before the load or as after it. Loads run one at a time (they hold the warehouse's write lock).

    A quarantine fix workbook (ingest/quarantine_fix.py) of an upload of this kind is read with that upload's
    mapping and ADDS the rows now right to what is loaded: it supersedes and replaces nothing, and which
    source rows it loaded is kept, so no row is ever loaded twice."""
    slug = ws.config.anchor(org).slug if org else ""
    path = Path(path)
    sniff.detect_format(path)  # empty / binary / missing files fail before anything is written
    with quarantine_fix.fix_source(ws, path, slug, kind) as fix:
        if fix is None:
            return _run(
                ws,
                path,
                slug,
                kind,
                transform,
                delete_sql,
                after_load,
                mapping_file,
                progress,
                money,
            )
        if fix.duplicate_of or not fix.source_rows:
            return quarantine_fix.nothing_new(path, slug, kind, fix)
        summary = _run(
            ws,
            fix.path,
            slug,
            kind,
            transform,
            [*delete_sql, quarantine_fix.DELETE_FIXES],
            fix.after_load(after_load or (lambda con, org: None)),
            fix.mapping_file,
            progress,
            money,
            adds_only=True,
        )
        summary.file = path.name
        summary.notes.append(
            f"the fix of upload {fix.original.id} ({fix.original.filename})"
            + (f"; {fix.skipped:,} rows fixed earlier were left out" if fix.skipped else "")
        )
        return summary


def _run(
    ws: Workspace,
    path: Path,
    slug: str,
    kind: str,
    transform: Transform,
    delete_sql: list[str],
    after_load: Callable[[duckdb.DuckDBPyConnection, str], None] | None,
    mapping_file: Path | None,
    progress: Progress | None,
    money: bool,
    *,
    adds_only: bool = False,
) -> ImportSummary:
    fmt = sniff.detect_format(path)
    sha, encoding = sniff.fingerprint(path, text=fmt == "csv")
    summary = ImportSummary(kind=kind, file=path.name, org=slug)
    if money:
        summary.amount_read = summary.amount_loaded = summary.amount_quarantined = Decimal(0)
    with ws.warehouse() as con, ws.session() as session:
        journal.sweep(con, ws.session)  # no other load is in flight: we hold the write lock
        done = records.loaded_upload(session, slug, kind, sha)
        if done is not None:
            summary.duplicate = True
            summary.upload_id = done.id
            summary.notes.append(
                f"already loaded as upload {done.id} on {done.created_at:%Y-%m-%d}; nothing added"
            )
            summary.mapping = dict(done.mapping)
            return summary
        if adds_only:  # a fix workbook's rows are added to the anchor's
            superseded = []
        elif transform.snapshot is not None:
            superseded = records.current_uploads(session, slug, kind)
        else:
            named = (
                records.previous_version(session, slug, kind, path.name)
                if transform.replaces_by_name
                else None
            )
            superseded = [named] if named is not None else []
        previous = superseded[0] if superseded else None
        if previous is None and transform.replaces_by_name and slug and not adds_only:
            others = len(records.current_uploads(session, slug, kind))
            if others:
                summary.notes.append(
                    f"this file adds to the {others} file{'s' if others > 1 else ''} of this "
                    "kind already loaded for this anchor"
                )
        upload = records.Upload(
            id=uuid.uuid4().hex[:16],
            org=slug,
            kind=kind,
            filename=path.name,
            sha256=sha,
            raw_path="",
            status="staged",
            mapping={},
        )
        summary.upload_id = upload.id
        # The raw copy is written alongside the load (the copy waits on the disk, the load on the CPU).
        copier = ThreadPoolExecutor(1)
        kept = None if transform.personal else copier.submit(ws.keep_raw, path, sha)
        if transform.personal:
            summary.notes.append("personal data: no copy of the file was kept")

        chosen: dict[tuple[str, ...], mapmod.ColumnMapping] = {}  # a part's mapping, chosen once

        def mapping_for(
            columns: list[str], sample: list[list[str | None]] | None = None
        ) -> mapmod.ColumnMapping:
            if tuple(columns) not in chosen:
                m = (
                    infer.annotate(
                        mapmod.load_mapping_file(mapping_file, columns, kind), columns, sample or []
                    )
                    if mapping_file
                    else infer.automatic(columns, sample or [], kind)
                )
                m.require(kind, str(path), columns)
                chosen[tuple(columns)] = m
            return chosen[tuple(columns)]

        def computed(columns: list[str], sample: list[list[str | None]]) -> str:
            m = mapping_for(columns, sample)
            return transform.staged(m, columns) if transform.staged else "*"

        batches: list[Batch] = []
        parts: list[StagedPart] = []

        def prepare() -> None:
            values.install(con)
            if transform.stage is not None:
                parts[:], notes = transform.stage(con, path, workdir)
            else:
                parts[:], notes = stage_file(
                    con,
                    path,
                    mapmod.header_scorer(kind, mapping_file),
                    workdir,
                    kind=kind,
                    what=mapmod.HEADER_HINTS.get(kind, "its"),
                    encoding=encoding if fmt == "csv" else None,
                    computed=computed,
                )
            summary.notes.extend(notes)
            for part in parts:
                m = (
                    mapping_for(part.columns, part.sample)
                    if transform.stage is None
                    else mapmod.ColumnMapping({}, kind)
                )
                batch = Batch(
                    con, part, m, upload.id, slug, path.name, progress, adds_only=adds_only
                )
                _add(summary, transform.prepare(batch))
                batches.append(batch)
                summary.mapping.update(m.fields)
                upload.mapping_source = m.source

        def load() -> unit_of_work.Loaded:
            if transform.snapshot is not None:
                for old in superseded:  # kept in history, no longer counted
                    snapshots.archive(con, transform.snapshot, old.id)
            elif previous is not None:
                for sql in delete_sql:
                    con.execute(sql, [previous.id])
            for batch in batches:
                _add(summary, _reject_rows(batch, kind, not transform.personal))
                loaded = transform.load(batch)
                if loaded is not None:
                    _add(summary, loaded)
            if after_load is not None:
                after_load(con, slug)
            if kept is not None:
                upload.raw_path = str(kept.result())
            finish = {
                "mapping": summary.mapping,
                "mapping_source": upload.mapping_source,
                "raw_path": upload.raw_path,
                "records_backed": transform.records_load is not None,
                "also_replaces": [u.id for u in superseded[1:]],
                **{k: getattr(summary, k) for k in journal.SUMMARY_FIELDS},
            }
            return unit_of_work.Loaded(summary, finish, previous.id if previous else None)

        records_load = transform.records_load
        # Transcoded copies of the input live only for the import (they may hold personal data).
        with tempfile.TemporaryDirectory(dir=ws.tmp_dir) as tmp, copier:
            workdir = Path(tmp)
            try:
                unit_of_work.commit_load(
                    con,
                    session,
                    upload,
                    label=str(path),
                    delete_sql=delete_sql,
                    load=load,
                    prepare=prepare,
                    records_load=(lambda s: records_load(s, batches))
                    if records_load is not None
                    else None,
                )
            finally:
                for part in parts:
                    con.execute(
                        f"DROP TABLE IF EXISTS {part.table}; DROP TABLE IF EXISTS parsed_{part.table}"
                    )
        if previous is not None:
            summary.replaced_upload = previous.id
            if transform.snapshot is not None:
                summary.notes.append(
                    f"this file replaces the {transform.snapshot.what} loaded on "
                    f"{previous.created_at.day} {previous.created_at:%B %Y} "
                    f"({previous.filename}); that one is kept in history and can be restored"
                )
    return summary
