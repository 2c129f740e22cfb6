"""The one unit of work for kinds that read their own input (reference geography, registers).

Such files are read by their own fast readers (an NSPL release is 2.7M rows in one set-based statement, a
register comes in many zipped parts), not through the column mapper; they get everything else of the import
contract from here, through the same unit of work as `pipeline.run_import` (ingest/unit_of_work.py): an
upload record, the journal (staged → loaded → committed, swept on open), all-or-nothing, the balance check
before the commit, a second load of the same content is a duplicate, and the reconciliation in the same
summary.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import duckdb
from sqlalchemy.orm import Session

from anchorage.ingest import unit_of_work
from anchorage.ingest.result import ImportSummary
from anchorage.store import journal, records
from anchorage.workspace import Workspace, file_sha256

# (warehouse connection, upload id) -> the reconciliation; runs inside the load's transaction.
Load = Callable[[duckdb.DuckDBPyConnection, str], ImportSummary]


def _duplicate(summary: ImportSummary, done: records.Upload) -> ImportSummary:
    summary.duplicate, summary.upload_id = True, done.id
    summary.rows_read = summary.rows_loaded = summary.rows_quarantined = 0
    summary.quarantine_reasons = {}
    summary.notes = [
        f"already loaded as upload {done.id} on {done.created_at:%Y-%m-%d}; nothing added"
    ]
    return summary


def run_unit(
    ws: Workspace,
    *,
    kind: str,
    label: str,
    load: Load,
    delete_sql: list[str],
    org: str = "",
    sha: str | None = None,
    prepare: Callable[[duckdb.DuckDBPyConnection, str], None] | None = None,
    supersedes: Callable[[Session], list[str]] | None = None,
    raw_files: list[Path] | None = None,
) -> ImportSummary:
    """Load one file (or one release of several files) as one upload of `kind`, all-or-nothing.

    `sha` identifies the content when it is cheap to know beforehand; otherwise the load's summary carries
    it as `upload_id` (a reader that hashes while it parses), and a duplicate is found after reading and
    rolled back. `supersedes` names the uploads this one replaces (marked replaced with it); `raw_files`
    are kept as raw copies. `org` "" is a collaborative-wide upload."""
    summary = ImportSummary(kind=kind, file=label, org=org)
    with ws.warehouse() as con, ws.session() as session:
        journal.sweep(con, ws.session)
        if sha is not None and (done := records.loaded_upload(session, org, kind, sha)) is not None:
            return _duplicate(summary, done)
        upload = records.Upload(
            id=uuid.uuid4().hex[:16],
            org=org,
            kind=kind,
            filename=label[:500],
            sha256=sha or "",
            raw_path="",
            status="staged",
            mapping={},
        )
        old: list[str] = []
        found: list[records.Upload] = []

        def before() -> None:
            old.extend(supersedes(session) if supersedes is not None else [])
            if prepare is not None:
                prepare(con, upload.id)

        def run() -> unit_of_work.Loaded | None:
            got = load(con, upload.id)
            content = sha or got.upload_id or ""
            done = records.loaded_upload(session, org, kind, content) if sha is None else None
            if done is not None:
                found.append(done)
                return None
            upload.sha256 = content
            for f in raw_files or []:
                upload.raw_path = str(ws.keep_raw(f, file_sha256(f)))
            finish = {
                "mapping": got.mapping,
                "raw_path": upload.raw_path,
                "records_backed": False,
                "sha256": content,
                "also_replaces": old[1:],
                **{k: getattr(got, k) for k in journal.SUMMARY_FIELDS},
            }
            return unit_of_work.Loaded(got, finish, old[0] if old else None)

        loaded = unit_of_work.commit_load(
            con, session, upload, label=label, delete_sql=delete_sql, load=run, prepare=before
        )
        if loaded is None:
            return _duplicate(summary, found[0])
    got = loaded.summary
    got.kind, got.file, got.org, got.upload_id = got.kind or kind, got.file or label, org, upload.id
    if loaded.replaces:
        got.replaced_upload = loaded.replaces
    return got
