"""The upload journal: one load is one unit of work across the warehouse and the records database.

A load moves through three states, each written before the next step:

1. staged: a journal row in the warehouse (its own small transaction), then the upload in records
   (status "staged");
2. loaded: the rows, the quarantine, the removal of the version it replaces, and the journal row with
   the balanced reconciliation, in ONE warehouse transaction. This commit is the decision point;
3. committed: the upload marked "loaded" (and the version it replaces "replaced") in records, then the
   journal row marked committed.

`sweep` finishes whatever a killed load left: an upload whose warehouse transaction did not commit is
removed from both stores (nothing of it is counted); one whose warehouse transaction committed is rolled
forward in records from the journal's reconciliation. Rolling forward, not back, because the committed
transaction also removed the replaced version's rows: undoing it would need them back. Either way the
workspace is exactly as before the load or exactly as after it, and loading the file again is a duplicate
(after) or a fresh load (before), never a second count.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import duckdb
from sqlalchemy import select
from sqlalchemy.orm import Session

from anchorage.store.records import Upload
from anchorage.store.spend_store import DELETE_UPLOAD

SUMMARY_FIELDS = (
    "rows_read",
    "rows_loaded",
    "rows_quarantined",
    "amount_read",
    "amount_loaded",
    "amount_quarantined",
)
# The records status of an upload of the journaled pipeline that is not (yet) counted. Loaders not yet on
# run_import write "pending" and keep their own (unjournaled) steps: the sweep leaves those alone.
UNFINISHED = ("staged",)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def stage(
    con: duckdb.DuckDBPyConnection, upload_id: str, org: str, kind: str, delete_sql: list[str]
) -> None:
    """Step 1 (warehouse side): committed on its own, before the records row exists."""
    con.execute(
        "INSERT INTO upload_journal VALUES (?, ?, ?, 'staged', ?, NULL, NULL, ?)",
        [upload_id, org, kind, json.dumps(delete_sql), _now()],
    )


def mark_loaded(
    con: duckdb.DuckDBPyConnection, upload_id: str, replaces: str | None, finish: dict[str, Any]
) -> None:
    """Step 2: call inside the load's transaction, after the balance check."""
    con.execute(
        "UPDATE upload_journal SET state = 'loaded', replaces = ?, summary = ?, updated_at = ? "
        "WHERE upload_id = ?",
        [replaces, json.dumps(finish, default=str), _now(), upload_id],
    )


def mark_committed(con: duckdb.DuckDBPyConnection, upload_id: str) -> None:
    con.execute(
        "UPDATE upload_journal SET state = 'committed', updated_at = ? WHERE upload_id = ?",
        [_now(), upload_id],
    )


def mark_restoring(
    con: duckdb.DuckDBPyConnection, upload_id: str, org: str, kind: str, superseded: list[str]
) -> None:
    """A restore's step 2 (inside its warehouse transaction): the upload counts again, these no longer do."""
    row = con.execute(
        "SELECT delete_sql FROM upload_journal WHERE upload_id = ?", [upload_id]
    ).fetchone()
    con.execute("DELETE FROM upload_journal WHERE upload_id = ?", [upload_id])
    con.execute(
        "INSERT INTO upload_journal VALUES (?, ?, ?, 'loaded', ?, ?, ?, ?)",
        [
            upload_id,
            org,
            kind,
            row[0] if row else "[]",
            superseded[0] if superseded else None,
            json.dumps({"restore": True, "also_replaces": superseded[1:]}),
            _now(),
        ],
    )


def finish_restore(session: Session, upload: Upload, superseded: list[str]) -> None:
    """A restore's step 3 (records side): the restored upload counts, the ones it supersedes do not."""
    upload.status = "loaded"
    for old_id in superseded:
        old = session.get(Upload, old_id)
        if old is not None and old.status == "loaded":
            old.status = "replaced"
    session.commit()


def forget(con: duckdb.DuckDBPyConnection, upload_id: str) -> None:
    """A load that failed before its warehouse commit: its journal row goes (its rows never existed)."""
    con.execute("DELETE FROM upload_journal WHERE upload_id = ?", [upload_id])


def finish_records(
    session: Session, upload: Upload, finish: dict[str, Any], replaces: str | None
) -> None:
    """Step 3 (records side): the upload counts from now on; the version it replaces no longer does."""
    upload.status = "loaded"
    upload.mapping = finish.get("mapping", {})
    upload.mapping_source = finish.get("mapping_source", upload.mapping_source)
    upload.raw_path = finish.get("raw_path", upload.raw_path)
    upload.sha256 = (
        finish.get("sha256") or upload.sha256
    )  # known only after reading, for some kinds
    for key in SUMMARY_FIELDS:
        value = finish.get(key)
        setattr(
            upload,
            key,
            Decimal(str(value)) if key.startswith("amount") and value is not None else value,
        )
    for old_id in [replaces, *finish.get("also_replaces", [])]:
        previous = session.get(Upload, old_id) if old_id is not None else None
        if previous is not None:
            previous.status = "replaced"
    if replaces is not None:
        upload.replaces = replaces
    session.commit()


def _delete_rows(
    con: duckdb.DuckDBPyConnection, upload_id: str, delete_sql: list[str] | None
) -> None:
    """Remove an upload's warehouse rows: its kind's statements, else every table with an upload_id."""
    if delete_sql is None:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.columns WHERE column_name = 'upload_id' "
                "AND table_schema = 'main' AND table_catalog = current_database() AND table_name IN "
                "(SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE') "
                "AND table_name NOT IN ('upload_journal', 'spend_uploads')"
            ).fetchall()
        ]
        # Payments are keyed by upload number, everything else by upload id.
        delete_sql = [*DELETE_UPLOAD, *(f"DELETE FROM {t} WHERE upload_id = ?" for t in tables)]
    for sql in delete_sql:
        con.execute(sql, [upload_id])


def undo(con: duckdb.DuckDBPyConnection, upload_id: str, delete_sql: list[str] | None) -> None:
    """Remove every warehouse row of an upload that is not to count, and its journal row, in one transaction."""
    con.begin()
    try:
        _delete_rows(con, upload_id, delete_sql)
        forget(con, upload_id)
        con.commit()
    except BaseException:
        con.rollback()
        raise


def sweep(con: duckdb.DuckDBPyConnection, session_factory: Callable[[], Session]) -> list[str]:
    """Finish or undo every load that was interrupted; return what was done, one line per upload.

    Call with the warehouse's write lock held and no load of this process in flight."""
    done: list[str] = []
    open_rows = con.execute(
        "SELECT upload_id, state, delete_sql, replaces, summary FROM upload_journal "
        "WHERE state <> 'committed' ORDER BY updated_at"
    ).fetchall()
    with session_factory() as session:
        for upload_id, state, delete_sql, replaces, summary in open_rows:
            upload = session.get(Upload, upload_id)
            # A records-backed kind's rows go in with its records commit: loaded in the warehouse alone, it
            # has not happened, and is undone like a load that never reached its warehouse commit.
            records_backed = state == "loaded" and json.loads(summary).get("records_backed", False)
            if state == "loaded" and upload is not None and json.loads(summary).get("restore"):
                # A restore whose warehouse swap committed: finish it in records too.
                if upload.status != "loaded":
                    finish_restore(
                        session,
                        upload,
                        [u for u in [replaces, *json.loads(summary)["also_replaces"]] if u],
                    )
                    done.append(f"{upload_id}: restored")
                mark_committed(con, upload_id)
                continue
            if (
                state == "loaded"
                and upload is not None
                and not (records_backed and upload.status in UNFINISHED)
            ):
                if upload.status in UNFINISHED:
                    finish_records(session, upload, json.loads(summary), replaces)
                    done.append(f"{upload_id}: completed")
                mark_committed(con, upload_id)
                continue
            undo(con, upload_id, json.loads(delete_sql))
            if upload is not None and upload.status in UNFINISHED:
                session.delete(upload)
                session.commit()
            done.append(f"{upload_id}: removed")
        journaled = {r[0] for r in con.execute("SELECT upload_id FROM upload_journal").fetchall()}
        # Uploads left staged with no journal row: a load that failed and lost its journal row, but whose
        # records row could not be removed (the records database was down, or the process was killed).
        for upload in session.scalars(select(Upload).where(Upload.status.in_(UNFINISHED))).all():
            if upload.id in journaled:
                continue
            con.begin()
            try:
                _delete_rows(con, upload.id, None)
                con.commit()
            except BaseException:
                con.rollback()
                raise
            session.delete(upload)
            session.commit()
            done.append(f"{upload.id}: removed")
    return done
