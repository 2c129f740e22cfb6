"""What loading a file will do to an anchor's data, said before and after: replace a snapshot, or add."""

from __future__ import annotations

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
