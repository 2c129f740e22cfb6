"""Load spaces and needs from CSV/XLSX into the records store, with the import contract's reconciliation.

The files are read by the shared ingest readers (encodings, header detection, spreadsheets) and mapped
with the shared column mapper; each row becomes a record or a quarantine row with its reason. The same
file again is a duplicate (nothing added); spaces are keyed by (anchor, space id), so a new version updates."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy import select

from anchorage.assets.spaces import need_from, space_from
from anchorage.core.errors import AnchorageError
from anchorage.ingest import mapping as mapmod
from anchorage.ingest import sniff
from anchorage.ingest.readers import stage_file
from anchorage.ingest.result import ImportSummary
from anchorage.store import records
from anchorage.store.assets_records import Need, Space
from anchorage.workspace import Workspace, file_sha256


def _load(
    ws: Workspace,
    path: Path,
    org: str,
    kind: str,
    make: Callable[[dict[str, Any], duckdb.DuckDBPyConnection], Any],
    save: Callable[[Any, Any], None],
    mapping_file: Path | None,
) -> ImportSummary:
    path = Path(path)
    sniff.detect_format(path)
    sha = file_sha256(path)
    summary = ImportSummary(kind=kind, file=path.name, org=org)
    with ws.session() as s:
        done = records.loaded_upload(s, org, kind, sha)
        if done is not None:
            summary.duplicate, summary.upload_id = True, done.id
            summary.notes.append(f"already loaded as upload {done.id}; nothing added")
            return summary
    upload_id = uuid.uuid4().hex[:16]
    good: list[Any] = []
    bad: list[tuple[int, str | None, str | None, str, str]] = []
    with ws.warehouse() as con:
        parts, notes = stage_file(
            con,
            path,
            mapmod.header_scorer(kind, mapping_file),
            ws.tmp_dir,
            kind=kind,
            what=mapmod.HEADER_HINTS[kind],
        )
        summary.notes += notes
        for part in parts:
            m = (
                mapmod.load_mapping_file(mapping_file, part.columns, kind)
                if mapping_file
                else mapmod.automatic_mapping(part.columns, kind)
            )
            m.require(kind, str(path), part.columns)
            summary.mapping.update(m.fields)
            names = [f"c{i}" for i in range(len(part.columns))]
            line = "_line_no" if part.sheet is not None else "NULL"
            rows = con.execute(
                f"SELECT rowid + 1, {line}, {', '.join(names)} FROM {part.table} ORDER BY rowid"
            ).fetchall()
            for r in part.rejects:
                bad.append((r.line_no, part.sheet, None, r.reason, r.raw))
            for row_no, line_no, *cells in rows:
                if not any((c or "").strip() for c in cells):
                    continue
                raw = dict(zip(part.columns, cells, strict=True))
                values = {fld: (raw[col] or "").strip() or None for fld, col in m.fields.items()}
                try:
                    good.append(make(values, con))
                except AnchorageError as exc:
                    bad.append((line_no or row_no, part.sheet, None, exc.message, json.dumps(raw)))
            con.execute(f"DROP TABLE IF EXISTS {part.table}")
        summary.rows_read = len(good) + len(bad)
        summary.rows_loaded, summary.rows_quarantined = len(good), len(bad)
        for *_, reason, _raw in bad:
            summary.quarantine_reasons[reason] = summary.quarantine_reasons.get(reason, 0) + 1
        with ws.session() as s:
            previous = records.previous_version(s, org, kind, path.name)
            con.begin()
            con.execute(
                "DELETE FROM quarantine WHERE org = ? AND kind = ? AND source_file = ?",
                [org, kind, path.name],
            )
            con.executemany(
                "INSERT INTO quarantine VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, NULL, ?)",
                [
                    [upload_id, org, kind, path.name, sheet, row, col, reason, raw]
                    for row, sheet, col, reason, raw in bad
                ],
            )
            for item in good:
                save(s, item)
            up = records.Upload(
                id=upload_id,
                org=org,
                kind=kind,
                filename=path.name,
                sha256=sha,
                raw_path=str(ws.keep_raw(path, sha)),
                status="loaded",
                mapping=summary.mapping,
                rows_read=summary.rows_read,
                rows_loaded=summary.rows_loaded,
                rows_quarantined=summary.rows_quarantined,
                replaces=previous.id if previous else None,
            )
            if previous is not None:
                previous.status = "replaced"
                summary.replaced_upload = previous.id
            s.add(up)
            try:
                s.commit()
            except BaseException:
                con.rollback()
                raise
            con.commit()
    summary.upload_id = upload_id
    return summary


def _save_space(s: Any, space: Space) -> None:
    old = s.scalars(select(Space).where(Space.org == space.org, Space.ref == space.ref)).first()
    if old is not None:
        space.id = old.id
    s.merge(space)


def _save_need(s: Any, need: Need) -> None:
    old = s.scalars(select(Need).where(Need.ref == need.ref)).first() if need.ref else None
    if old is not None:
        need.id = old.id
    s.merge(need)


def load_spaces(
    ws: Workspace, path: Path, org: str, *, mapping_file: Path | None = None
) -> ImportSummary:
    """Load an anchor's list of spaces (name, capacity, times, facilities, accessibility, cost, postcode)."""
    slug = ws.config.anchor(org).slug
    return _load(
        ws, path, slug, "spaces", lambda v, con: space_from(v, slug, con), _save_space, mapping_file
    )


def load_needs(
    ws: Workspace, path: Path, org: str, *, mapping_file: Path | None = None
) -> ImportSummary:
    """Load needs gathered by an anchor's staff (e.g. from a partner's intake sheet); they are published."""
    slug = ws.config.anchor(org).slug
    return _load(ws, path, slug, "needs", need_from, _save_need, mapping_file)
