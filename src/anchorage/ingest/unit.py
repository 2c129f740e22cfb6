"""The one unit of work for kinds that read their own input (reference geography, registers).

Such files are read by their own fast readers (an NSPL release is 2.7M rows in one set-based statement, a
register comes in many zipped parts), not through the column mapper; they get everything else of the import
contract from here, with the same steps, journal and test seam as `pipeline.run_import`: an upload record,
the journal (staged → loaded → committed, swept on open), all-or-nothing, the balance check before the
commit, a second load of the same content is a duplicate, and the reconciliation in the same summary.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import duckdb
from sqlalchemy.orm import Session

from anchorage.core.errors import InputFileError
from anchorage.ingest import pipeline
from anchorage.ingest.result import ImportSummary
from anchorage.store import journal, records
from anchorage.workspace import Workspace, file_sha256

# (warehouse connection, upload id) -> the reconciliation; runs inside the load's transaction.
Load = Callable[[duckdb.DuckDBPyConnection, str], ImportSummary]


def _duplicate(summary: ImportSummary, done: records.Upload) -> ImportSummary:
    summary.duplicate, summary.upload_id = True, done.id
    summary.rows_read = summary.rows_loaded = summary.rows_quarantined = 0
    summary.quarantine_reasons = {}
    summary.notes = [f"already loaded as upload {done.id} on {done.created_at:%Y-%m-%d}; nothing added"]
    return summary


def run_unit(ws: Workspace, *, kind: str, label: str, load: Load, delete_sql: list[str], org: str = "",
             sha: str | None = None, prepare: Callable[[duckdb.DuckDBPyConnection, str], None] | None = None,
             supersedes: Callable[[Session], list[str]] | None = None,
             raw_files: list[Path] | None = None) -> ImportSummary:
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
        upload = records.Upload(id=uuid.uuid4().hex[:16], org=org, kind=kind, filename=label[:500],
                                sha256=sha or "", raw_path="", status="staged", mapping={})
        journal.stage(con, upload.id, org, kind, delete_sql)
        pipeline.checkpoint("journal-staged")
        session.add(upload)
        session.commit()
        pipeline.checkpoint("records-staged")
        old = supersedes(session) if supersedes is not None else []
        try:
            if prepare is not None:
                prepare(con, upload.id)
            pipeline.checkpoint("prepared")
            con.begin()
            try:
                got = load(con, upload.id)
                content = sha or got.upload_id or ""
                done = records.loaded_upload(session, org, kind, content) if sha is None else None
                if done is not None:
                    con.rollback()
                    journal.forget(con, upload.id)
                    session.delete(upload)
                    session.commit()
                    return _duplicate(summary, done)
                if not got.balanced:  # a bug, not bad input: never let it pass, nor commit
                    raise InputFileError(label, f"reconciliation failed: {got.to_json()}")
                upload.sha256 = content
                for f in raw_files or []:
                    upload.raw_path = str(ws.keep_raw(f, file_sha256(f)))
                finish = {"mapping": got.mapping, "raw_path": upload.raw_path, "records_backed": False,
                          "sha256": content,
                          "also_replaces": old[1:], **{k: getattr(got, k) for k in journal.SUMMARY_FIELDS}}
                journal.mark_loaded(con, upload.id, old[0] if old else None, finish)
                pipeline.checkpoint("loaded")
                con.commit()
            except BaseException:
                con.rollback()
                raise
        except BaseException:
            journal.forget(con, upload.id)
            session.delete(upload)
            session.commit()
            raise
        pipeline.checkpoint("warehouse-committed")
        session.add(upload)
        journal.finish_records(session, upload, finish, old[0] if old else None)
        pipeline.checkpoint("records-committed")
        journal.mark_committed(con, upload.id)
    got.kind, got.file, got.org, got.upload_id = got.kind or kind, got.file or label, org, upload.id
    if old:
        got.replaced_upload = old[0]
    return got
