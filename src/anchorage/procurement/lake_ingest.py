"""`anchorage lake ingest`: a national body builds one lake from many workspaces, or straight from files.

Each source is a lake of its own under sources/NAME/ (written by the same incremental `lake export`), and the
national lake's manifest lists the sources; readers take the union of their payments and anchor tables
(store/lake.py, table_files). Files are loaded with the same import kinds as `anchorage load` into a
workspace the lake keeps for them (_files/), then exported as the source "files". Every step is incremental
and idempotent: a source whose uploads have not changed writes nothing, a file loaded before is not loaded
again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from anchorage import config as cfgmod
from anchorage.core.errors import AnchorageError, UnknownAnchorError
from anchorage.ingest import kinds
from anchorage.procurement.choices import LakeKind as LakeKind
from anchorage.procurement.lake import export_lake
from anchorage.store import lake
from anchorage.workspace import Workspace

FILES_SOURCE = "files"


@dataclass
class IngestSummary:
    """What one `lake ingest` did, source by source."""

    lake: str
    version: int = 0
    sources: list[dict[str, Any]] = field(default_factory=list)
    files_loaded: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "lake": self.lake,
            "version": self.version,
            "sources": self.sources,
            "files_loaded": self.files_loaded,
        }


def source_name(ws: Workspace) -> str:
    """A stable name for a workspace's source: its collaborative's name and a hash of where it lives."""
    digest = hashlib.sha256(str(ws.root.resolve()).encode()).hexdigest()[:8]
    return f"{cfgmod.slugify(ws.config.collaborative) or 'workspace'}-{digest}"


def _register(root: Path, name: str, ws: Workspace, export: lake.ExportSummary) -> None:
    """List the source in the national manifest; an anchor may come from one source only."""
    orgs = sorted(
        {u["org"] for u in lake.read_manifest(root / "sources" / name)["uploads"].values()}
    )
    with lake.locked(root):
        old = lake.read_manifest(root)
        clash = {
            org: other
            for other, s in old.get("sources", {}).items()
            if other != name
            for org in s["orgs"]
            if org in orgs
        }
        if clash:
            org, other = next(iter(clash.items()))
            raise lake.LakeError(
                f"The anchor {org} is already in this lake from the source {other}; a lake takes "
                "each anchor's payments from one workspace, so the totals are not doubled.",
                fix="Load that anchor's files in one workspace only, or ingest into another lake.",
            )
        entry = {
            "path": f"sources/{name}",
            "orgs": orgs,
            "workspace": ws.root.name,
            "version": export.version,
            "payments": export.payments,
        }
        if old.get("sources", {}).get(name) == entry:
            return
        new = json.loads(json.dumps(old))
        new.setdefault("sources", {})[name] = entry
        lake.commit(root, old, new)


def ingest_workspace(root: Path, ws: Workspace, name: str | None = None) -> dict[str, Any]:
    """Bring the source for this workspace up to date in the lake at `root`, and list it."""
    name = name or source_name(ws)
    export = export_lake(ws, root / "sources" / name)
    _register(root, name, ws, export)
    return {"source": name, **export.to_json(), "lake": str(root)}


def files_workspace(root: Path) -> Workspace:
    """The workspace the lake keeps for loaded files (made on first use)."""
    path = root / "_files"
    if (path / "anchorage.toml").exists():
        return Workspace.open(path)
    cfg = cfgmod.Config(
        collaborative="National lake", place=cfgmod.Place(local=["E06000001"], name="(national)")
    )
    return Workspace.create(path, cfg)


def ingest_files(
    root: Path, kind: str, org: str, files: list[Path], *, org_type: str = "council", **options: Any
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Load files with the import kind (as `anchorage load` does), then ingest the files' source."""
    import_kind = kinds.get(kind)
    ws = files_workspace(root)
    try:
        ws.config.anchor(org)
    except UnknownAnchorError:
        ws.config.add_anchor(org, org_type)
        cfgmod.save(ws.config, ws.config_path)
    loaded = []
    for path in files:
        s = import_kind.load(ws, path, org, **options)
        loaded.append(
            {
                "file": path.name,
                "org": s.org,
                "rows_loaded": s.rows_loaded,
                "rows_quarantined": s.rows_quarantined,
            }
        )
    return loaded, ingest_workspace(root, ws, FILES_SOURCE)


def ingest(
    root: Path,
    *,
    workspaces: list[Path] | None = None,
    kind: str | None = None,
    org: str | None = None,
    files: list[Path] | None = None,
    org_type: str = "council",
    **options: Any,
) -> IngestSummary:
    """Every workspace given, then the files (if any), into the lake at `root`."""
    if kind is not None and kind not in tuple(LakeKind):
        raise AnchorageError(
            f"A lake takes spend or suppliers files, not {kind}.",
            web_fix="Ask whoever runs the workspace for Anchorage to do this.",
            fix="Use --kind spend or --kind suppliers.",
        )
    if files and not (kind and org):
        raise lake.LakeError(
            "Files to ingest need their kind and their anchor.",
            web_fix="Ask whoever runs the workspace for Anchorage to do this.",
            fix='Add --kind spend --org "Anchor name" before the files.',
        )
    if not files and not workspaces:
        raise lake.LakeError(
            "Nothing to ingest.",
            web_fix="Ask whoever runs the workspace for Anchorage to do this.",
            fix="Give --from-workspace PATH (repeatable), or --kind, --org and the files.",
        )
    summary = IngestSummary(lake=str(root))
    for path in workspaces or []:
        summary.sources.append(ingest_workspace(root, Workspace.open(Path(path))))
    if files:
        assert kind is not None and org is not None
        summary.files_loaded, source = ingest_files(
            root, kind, org, list(files), org_type=org_type, **options
        )
        summary.sources.append(source)
    summary.version = lake.read_manifest(root)["version"]
    return summary
