"""What loading a file will do to an anchor's data, said before and after: replace a snapshot, or add."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from anchorage.ingest import kinds
from anchorage.store import records
from anchorage.workspace import Workspace


def day(upload: records.Upload) -> str:
    """The date an upload was loaded, as people write it ("6 December 2026")."""
    return f"{upload.created_at.day} {upload.created_at:%B %Y}"


def describe(ws: Workspace, org: str, kind: str, filename: str) -> str:
    """One sentence for the preview: "This file replaces the asset register loaded on …" or "… adds to …"."""
    spec = kinds.REGISTRY.get(kind)
    if spec is None or spec.scope != "anchor" or not org:
        return ""
    anchor = ws.config.anchor(org)
    with ws.session() as session:
        current = records.current_uploads(session, anchor.slug, kind)
    if spec.snapshot is not None:
        what = spec.snapshot.what
        if not current:
            return f"This is the first {what} for {anchor.name}; a later one will replace it."
        return (
            f"This file replaces the {what} loaded on {day(current[0])} ({current[0].filename}). "
            "That one is kept and can be restored."
        )
    same = next((u for u in current if u.filename == filename), None)
    if same is not None:
        return (
            f"This file replaces the earlier version of {filename} loaded on {day(same)}; "
            f"the other {spec.label.lower()} files are kept."
        )
    if not current:
        return f"This is the first {spec.label.lower()} file for {anchor.name}."
    return (
        f"This file adds to the {len(current)} {spec.label.lower()} file{'s' if len(current) > 1 else ''} "
        f"already loaded for {anchor.name}."
    )


def uploads_of(ws: Workspace, org: str, kind: str | None = None) -> list[dict[str, Any]]:
    """An anchor's finished uploads, newest first (the ones that count have status "loaded")."""
    with ws.session() as session:
        q = select(records.Upload).where(
            records.Upload.org == org, records.Upload.status.in_(("loaded", "replaced"))
        )
        if kind:
            q = q.where(records.Upload.kind == kind)
        rows = session.scalars(q.order_by(records.Upload.created_at.desc())).all()
        return [
            {
                "upload_id": u.id,
                "kind": u.kind,
                "file": u.filename,
                "status": u.status,
                "loaded_on": f"{u.created_at:%Y-%m-%d %H:%M}",
                "rows_read": u.rows_read,
                "rows_loaded": u.rows_loaded,
                "rows_quarantined": u.rows_quarantined,
                "replaces": u.replaces,
                "restorable": u.status == "replaced"
                and getattr(kinds.REGISTRY.get(u.kind), "snapshot", None) is not None,
            }
            for u in rows
        ]
