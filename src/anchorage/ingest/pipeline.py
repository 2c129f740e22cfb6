"""The shared import pipeline: stage → map → transform (kind-specific) → one transaction → provenance."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from anchorage.errors import InputFileError
from anchorage.ingest import infer, parsers, sniff
from anchorage.ingest import mapping as mapmod
from anchorage.ingest.progress import Progress
from anchorage.ingest.readers import StagedPart, stage_file
from anchorage.ingest.result import ImportSummary
from anchorage.store import records
from anchorage.workspace import Workspace


def trimmed_sql(c: str) -> str:
    """SQL for NULLIF(trim(c), ''), skipping trim() (a copy of every string) when it cannot change the value:
    an ASCII cell that neither starts nor ends with a space. trim() removes only spaces (U+0020 and the
    non-ASCII space separators), so the shortcut gives the same value as trim() for every input."""
    return (f"CASE WHEN strlen({c}) = length({c}) AND {c} <> '' AND NOT starts_with({c}, ' ') "
            f"AND NOT ends_with({c}, ' ') THEN {c} ELSE NULLIF(trim({c}), '') END")


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


def _reject_rows(b: Batch, kind: str, keep_text: bool = True) -> ImportSummary:
    """Lines the CSV reader could not split go to quarantine, with their text unless it is personal."""
    out = ImportSummary(kind=kind, file=b.source_file)
    for r in b.part.rejects:
        b.con.execute(
            "INSERT INTO quarantine VALUES (?, ?, ?, ?, ?, NULL, ?, NULL, ?, NULL, ?)",
            [b.upload_id, b.org, kind, b.source_file, b.part.sheet, r.line_no, r.reason, r.raw if keep_text else None],
        )
        out.quarantine_reasons[r.reason] = out.quarantine_reasons.get(r.reason, 0) + 1
    out.rows_read = out.rows_quarantined = len(b.part.rejects)
    return out


def _add(total: ImportSummary, part: ImportSummary) -> None:
    total.rows_read += part.rows_read
    total.rows_loaded += part.rows_loaded
    total.rows_quarantined += part.rows_quarantined
    if part.amount_read is not None:
        total.amount_read = (total.amount_read or Decimal(0)) + part.amount_read
        total.amount_loaded = (total.amount_loaded or Decimal(0)) + (part.amount_loaded or 0)
        total.amount_quarantined = (total.amount_quarantined or Decimal(0)) + (part.amount_quarantined or 0)
    for k, v in part.quarantine_reasons.items():
        total.quarantine_reasons[k] = total.quarantine_reasons.get(k, 0) + v
    total.notes.extend(part.notes)


def run_import(
    ws: Workspace,
    path: Path,
    org: str,
    kind: str,
    transform: Transform,
    *,
    delete_sql: list[str],
    after_load: Callable[[duckdb.DuckDBPyConnection, str], None] | None = None,
    mapping_file: Path | None = None,
    progress: Progress | None = None,
    money: bool = True,
) -> ImportSummary:
    """Load one file all-or-nothing and idempotently; `delete_sql` removes an upload's rows by id."""
    anchor = ws.config.anchor(org)
    path = Path(path)
    fmt = sniff.detect_format(path)  # empty / binary / missing files fail before anything is written
    sha, encoding = sniff.fingerprint(path, text=fmt == "csv")
    summary = ImportSummary(kind=kind, file=path.name, org=anchor.slug)
    if money:
        summary.amount_read = summary.amount_loaded = summary.amount_quarantined = Decimal(0)
    with ws.session() as session:
        done = records.loaded_upload(session, anchor.slug, kind, sha)
        if done is not None:
            summary.duplicate = True
            summary.upload_id = done.id
            summary.notes.append(f"already loaded as upload {done.id} on {done.created_at:%Y-%m-%d}; nothing added")
            summary.mapping = dict(done.mapping)
            return summary
        previous = records.previous_version(session, anchor.slug, kind, path.name)
        upload = records.Upload(
            id=uuid.uuid4().hex[:16], org=anchor.slug, kind=kind, filename=path.name, sha256=sha,
            raw_path="", status="pending", mapping={},
        )
        # The raw copy is written alongside the load (the copy waits on the disk, the load on the CPU).
        copier = ThreadPoolExecutor(1)
        kept = None if transform.personal else copier.submit(ws.keep_raw, path, sha)
        if transform.personal:
            summary.notes.append("personal data: no copy of the file was kept")
        session.add(upload)
        session.commit()
        summary.upload_id = upload.id

        chosen: dict[tuple[str, ...], mapmod.ColumnMapping] = {}  # a part's mapping, chosen once

        def mapping_for(columns: list[str], sample: list[list[str | None]] | None = None) -> mapmod.ColumnMapping:
            if tuple(columns) not in chosen:
                m = (infer.annotate(mapmod.load_mapping_file(mapping_file, columns, kind), columns, sample or [])
                     if mapping_file else infer.automatic(columns, sample or [], kind))
                m.require(kind, str(path), columns)
                chosen[tuple(columns)] = m
            return chosen[tuple(columns)]

        def computed(columns: list[str], sample: list[list[str | None]]) -> str:
            m = mapping_for(columns, sample)
            return transform.staged(m, columns) if transform.staged else "*"

        # Transcoded copies of the input live only for the import (they may hold personal data).
        with ws.warehouse() as con, tempfile.TemporaryDirectory(dir=ws.tmp_dir) as tmp, copier:
            workdir = Path(tmp)
            parsers.install(con)
            parts: list[StagedPart] = []
            try:
                parts, notes = stage_file(con, path, mapmod.header_scorer(kind, mapping_file), workdir,
                                          kind=kind, what=mapmod.HEADER_HINTS.get(kind, "its"),
                                          encoding=encoding if fmt == "csv" else None, computed=computed)
                summary.notes.extend(notes)
                batches = []
                for part in parts:
                    m = mapping_for(part.columns, part.sample)
                    batch = Batch(con, part, m, upload.id, anchor.slug, path.name, progress)
                    _add(summary, transform.prepare(batch))
                    batches.append(batch)
                    summary.mapping.update(m.fields)
                    upload.mapping_source = m.source
                con.begin()
                try:
                    if previous is not None:
                        for sql in delete_sql:
                            con.execute(sql, [previous.id])
                    for batch in batches:
                        _add(summary, _reject_rows(batch, kind, not transform.personal))
                        loaded = transform.load(batch)
                        if loaded is not None:
                            _add(summary, loaded)
                    if after_load is not None:
                        after_load(con, anchor.slug)
                    if kept is not None:
                        upload.raw_path = str(kept.result())
                    con.commit()
                except BaseException:
                    con.rollback()
                    raise
            except BaseException:
                session.delete(upload)
                session.commit()
                raise
            finally:
                for part in parts:
                    con.execute(f"DROP TABLE IF EXISTS {part.table}; DROP TABLE IF EXISTS parsed_{part.table}")
        if not summary.balanced:  # a bug, not bad input: never let it pass silently
            raise InputFileError(str(path), f"reconciliation failed: {summary.to_json()}")
        upload.status = "loaded"
        upload.mapping = summary.mapping
        for key in ("rows_read", "rows_loaded", "rows_quarantined", "amount_read", "amount_loaded",
                    "amount_quarantined"):
            setattr(upload, key, getattr(summary, key))
        if previous is not None:
            previous.status = "replaced"
            session.add(previous)
            upload.replaces = previous.id
            summary.replaced_upload = previous.id
        session.add(upload)
        session.commit()
    return summary
