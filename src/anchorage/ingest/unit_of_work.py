"""The one journal sequence every load goes through (store/journal.py): staged → loaded → committed.

`pipeline.run_import` (column-mapped files) and `unit.run_unit` (files read by their own readers: geography,
registers) both call `commit_load`, so there is one copy of the steps, the balance check before the commit,
the clean-up of a load that failed before its warehouse commit, and the test seam (`checkpoint`, called with
each step's name in STEPS as a load passes it; the fault-injection tests replace it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import duckdb
from sqlalchemy.orm import Session

from anchorage.core.errors import InputFileError
from anchorage.ingest.result import ImportSummary
from anchorage.store import journal, records

STEPS = (
    "journal-staged",
    "records-staged",
    "prepared",
    "loaded",
    "warehouse-committed",
    "records-committed",
)
checkpoint: Callable[[str], None] = lambda step: None  # noqa: E731


@dataclass
class Loaded:
    """What a load's transaction decided: its balanced reconciliation, what the journal keeps to finish it in
    records (`finish`), and the upload it replaces (None: it adds to what is there)."""

    summary: ImportSummary
    finish: dict[str, Any]
    replaces: str | None = None


def _abandon(con: duckdb.DuckDBPyConnection, session: Session, upload: records.Upload) -> None:
    """A load that did not reach its warehouse commit: nothing of it is left in either store."""
    journal.forget(con, upload.id)
    session.delete(upload)
    session.commit()


def commit_load(
    con: duckdb.DuckDBPyConnection,
    session: Session,
    upload: records.Upload,
    *,
    label: str,
    delete_sql: list[str],
    load: Callable[[], Loaded | None],
    prepare: Callable[[], None] | None = None,
    records_load: Callable[[Session], None] | None = None,
) -> Loaded | None:
    """Run one upload's load as one unit of work across the warehouse and the records database.

    The caller has swept the journal and holds the warehouse's write lock. `prepare` runs before the load's
    transaction (parsing into temp tables); `load` inside it, and returns the reconciliation, or None to
    abandon the load (a duplicate found only while reading: nothing is kept, None is returned).
    `records_load` writes a records-backed kind's rows in the records commit that marks the upload loaded;
    if it fails the load is undone in the warehouse too. Killed or failing at any step, the workspace is as
    before the load, or (from the warehouse commit on) completed by the next sweep."""
    journal.stage(con, upload.id, upload.org, upload.kind, delete_sql)
    checkpoint("journal-staged")
    session.add(upload)
    session.commit()
    checkpoint("records-staged")
    try:
        if prepare is not None:
            prepare()
        checkpoint("prepared")
        con.begin()
        try:
            got = load()
            if got is None:
                con.rollback()
            else:
                if not got.summary.balanced:  # a bug, not bad input: never let it pass, nor commit
                    raise InputFileError(label, f"reconciliation failed: {got.summary.to_json()}")
                journal.mark_loaded(con, upload.id, got.replaces, got.finish)
                checkpoint("loaded")
                con.commit()
        except BaseException:
            con.rollback()
            raise
    except BaseException:
        _abandon(con, session, upload)
        raise
    if got is None:
        _abandon(con, session, upload)
        return None
    checkpoint("warehouse-committed")
    # From here the load has happened: if a step fails, the next sweep completes it from the journal.
    if records_load is not None:
        # A kind whose rows live in records: they go in with the upload's "loaded" mark, in one records
        # commit. If they cannot, the load is undone in the warehouse too (and a sweep undoes such a load,
        # whose journal says it is records-backed, instead of completing it).
        try:
            records_load(session)
        except BaseException:
            session.rollback()
            journal.undo(con, upload.id, delete_sql)
            session.delete(upload)
            session.commit()
            raise
    session.add(upload)
    journal.finish_records(session, upload, got.finish, got.replaces)
    checkpoint("records-committed")
    journal.mark_committed(con, upload.id)
    return got
