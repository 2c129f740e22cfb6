"""Restore a superseded snapshot (an anchor's earlier asset register, supplier master or staff extract).

A restore is one unit of work like a load (store/journal.py): the warehouse swap (the current upload's rows
to history, the restored upload's rows back, anything derived rebuilt) commits with the journal row that
says so; the records database then marks the restored upload loaded and the current one replaced. Killed
between the two, the next open completes it. Only that anchor's rows move.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from anchorage.core.errors import AnchorageError
from anchorage.ingest import kinds, unit_of_work
from anchorage.store import journal, records, snapshots
from anchorage.workspace import Workspace

# Test seam steps (unit_of_work.checkpoint is called with each as a restore passes it).
STEPS = ("restore-swapped", "restore-warehouse-committed", "restore-records-committed")


@dataclass
class Restored:
    """What a restore did: the upload that counts again and the ones it supersedes."""

    upload_id: str
    org: str
    kind: str
    filename: str
    rows: int  # rows (with quarantined ones) brought back
    superseded: list[str] = field(default_factory=list)
    note: str = ""

    def to_json(self) -> dict[str, object]:
        return {
            "upload_id": self.upload_id,
            "org": self.org,
            "kind": self.kind,
            "file": self.filename,
            "rows_restored": self.rows,
            "superseded": self.superseded,
            "note": self.note,
        }


def _snapshot_of(upload: records.Upload) -> snapshots.Snapshot:
    kind = kinds.REGISTRY.get(upload.kind)
    if kind is None or kind.snapshot is None:
        label = kind.label.lower() if kind else upload.kind
        raise AnchorageError(
            f"Upload {upload.id} ({upload.filename}) is a {label} file: each such file adds to the others, so "
            "there is no earlier version to restore.",
            fix="Only asset registers, supplier masters and staff extracts replace each other and can be restored.",
        )
    return kind.snapshot


def restore(ws: Workspace, upload_id: str, *, org: str | None = None) -> Restored:
    """Make a superseded upload the one counted again; `org`, when given, must be its anchor."""
    with ws.warehouse() as con, ws.session() as session:
        journal.sweep(con, ws.session)
        up = session.get(records.Upload, upload_id.strip()[:64])
        if up is None or (org is not None and up.org != org):
            raise AnchorageError(
                f'There is no upload "{upload_id}".',
                web_fix="Choose the upload from the uploads page.",
                fix="Copy the upload id from `anchorage uploads list` or the uploads page.",
            )
        snap = _snapshot_of(up)
        if up.status == "loaded":
            raise AnchorageError(
                f"Upload {up.id} ({up.filename}) is already the {snap.what} counted; "
                "nothing was changed."
            )
        if up.status != "replaced":
            raise AnchorageError(
                f"Upload {up.id} ({up.filename}) did not finish loading, so it cannot be restored.",
                fix="Load the file again.",
            )
        if up.rows_read and not snapshots.kept_rows(con, snap, up.id):
            raise AnchorageError(
                f"The rows of upload {up.id} ({up.filename}) were not kept: it was superseded "
                "before Anchorage kept earlier versions.",
                fix="Load the file again.",
            )
        superseded = [u.id for u in records.current_uploads(session, up.org, up.kind)]
        con.begin()
        try:
            for old in superseded:
                snapshots.archive(con, snap, old)
            moved = snapshots.bring_back(con, snap, up.id)
            if snap.after_swap is not None:
                snap.after_swap(con, up.org)
            journal.mark_restoring(con, up.id, up.org, up.kind, superseded)
            unit_of_work.checkpoint("restore-swapped")
            con.commit()
        except BaseException:
            con.rollback()
            raise
        unit_of_work.checkpoint("restore-warehouse-committed")
        journal.finish_restore(session, up, superseded)
        unit_of_work.checkpoint("restore-records-committed")
        journal.mark_committed(con, up.id)
        note = (
            f"the {snap.what} {up.filename} (loaded {up.created_at.day} {up.created_at:%B %Y}) counts again"
            + ("; the one it replaces is kept and can be restored" if superseded else "")
        )
        return Restored(up.id, up.org, up.kind, up.filename, moved, superseded, note)


def revert(ws: Workspace, upload_id: str, *, org: str | None = None) -> Restored:
    """Go back from an upload to the snapshot it replaced (restores that one)."""
    with ws.session() as session:
        up = session.get(records.Upload, upload_id.strip()[:64])
        if up is None or (org is not None and up.org != org):
            raise AnchorageError(
                f'There is no upload "{upload_id}".',
                web_fix="Choose the upload from the uploads page.",
                fix="Copy the upload id from `anchorage uploads list` or the uploads page.",
            )
        snap = _snapshot_of(up)
        if up.replaces is None:
            raise AnchorageError(
                f"Upload {up.id} ({up.filename}) replaced no earlier {snap.what}; "
                "there is nothing to go back to."
            )
        earlier = up.replaces
    return restore(ws, earlier, org=org)
