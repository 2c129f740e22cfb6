"""Loads as jobs: a web upload's load (the staged file, with the columns chosen on its preview) and a command's
load of a file on this machine. Kept apart from the other kinds so that a command loading a file does not
import the analysis and reports.

Every kind of file is looked up in the one registry of import kinds (ingest/kinds.py): importing this module
imports the domains' kind modules, which register theirs, so the CLI and the web name a kind, never a loader
function."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
from pathlib import Path
from typing import Any

# The domains' kind modules: importing them registers their import kinds.
from anchorage.access.accounts import Forbidden
from anchorage.access.gate import Viewer
from anchorage.access.queries import personal
from anchorage.assets import register as _asset_kinds  # noqa: F401
from anchorage.assets import utilisation as _utilisation_kinds  # noqa: F401
from anchorage.contracts import kinds as _procurement_kinds  # noqa: F401
from anchorage.core.errors import AnchorageError, NotFound
from anchorage.ingest import kinds
from anchorage.ingest.dates import DateOrderError
from anchorage.ingest.headline import load_effect, spend_headline
from anchorage.ingest.kinds import ImportKind
from anchorage.ingest.quarantine_fix import write_fix_workbook
from anchorage.ingest.result import ImportSummary
from anchorage.ingest.sanity import SanityWarning
from anchorage.jobs import worker
from anchorage.jobs.worker import JobRun
from anchorage.reference import kinds as _reference_kinds  # noqa: F401
from anchorage.services.common import audited, command_viewer
from anchorage.store.records import Upload
from anchorage.suppliers import registers as _register_kinds  # noqa: F401
from anchorage.workforce import imports as _workforce_kinds  # noqa: F401
from anchorage.workspace import Workspace


def kind(name: str) -> ImportKind:
    """An import kind by name; a plain error naming the kinds there are when there is none."""
    return kinds.get(name)


def all_kinds() -> list[ImportKind]:
    """Every kind of file Anchorage loads, in plain-word order."""
    return sorted(kinds.REGISTRY.values(), key=lambda k: k.label)


def upload_kinds() -> dict[str, str]:
    """The kinds a web upload takes (those with a preview of their columns), name -> plain words."""
    return {k.name: k.label for k in kinds.REGISTRY.values() if k.web}


def kind_label(name: str | None) -> str:
    """A kind's plain words from the registry (what the upload form offers); a kind no longer registered, as its
    name in words."""
    found = kinds.REGISTRY.get(name or "")
    return found.label if found is not None else (name or "").replace("_", " ").capitalize()


def load_file(
    ws: Workspace, name: str, path: Path, org: str | None, **options: Any
) -> ImportSummary:
    """Load one file as the kind it is (options: progress, mapping_file when one is given, and the kind's
    own, such as a staff extract's as_at)."""
    return kind(name).load(ws, path, org, **options)


def is_snapshot(name: str) -> bool:
    """A kind whose new file supersedes the anchor's current one (kept, and restorable)."""
    found = kinds.REGISTRY.get(name)
    return found is not None and found.snapshot is not None


def fix_workbook(ws: Workspace, upload: Upload, target: Path | io.BytesIO) -> int:
    """The quarantine fix workbook of an upload (already checked to be the viewer's); the rows in it."""
    return write_fix_workbook(ws, upload, target, personal=personal(upload.kind))


def staged_folder(ws: Workspace, token: str) -> Path:
    """Where a web upload waits between its preview and its load (tmp/web-uploads/TOKEN)."""
    if not re.fullmatch(r"[A-Za-z0-9_-]{20,64}", token):
        raise NotFound("There is no staged upload here.", fix="Upload the file again.")
    return ws.tmp_dir / "web-uploads" / token


def without_server_path(exc: AnchorageError, folder: Path) -> AnchorageError:
    """Users see their file's name, not where the server keeps it."""
    exc.message = exc.message.replace(f"{folder}/", "")
    return exc


def _load(ws: Workspace, run: JobRun) -> dict[str, Any]:
    """A web upload's load: the staged file, with the columns chosen on its preview."""
    p = run.params
    folder = staged_folder(ws, p["token"])
    meta = json.loads((folder / "meta.json").read_text())
    path, mapping_file = folder / meta["name"], folder / "mapping.json"
    run.step(f"Loading {meta['name']}")
    options: dict[str, Any] = {}
    if meta["kind"] == "workforce" and meta.get("as_at"):
        options["as_at"] = dt.date.fromisoformat(meta["as_at"])
    if meta["kind"] == "spend":
        options.update(
            date_order=p.get("date_order"), accept_warnings=bool(p.get("accept_warnings"))
        )
        before = spend_headline(ws, meta["org"])
    if meta["kind"] == "contracts" and p.get("buyers") is not None:
        options["buyers"] = p["buyers"]
    try:
        if mapping_file.exists():
            options["mapping_file"] = mapping_file
        summary = load_file(ws, meta["kind"], path, meta["org"], progress=run.fraction, **options)
    except (
        SanityWarning,
        DateOrderError,
    ) as exc:  # answered on the preview: the staged file stays for that
        raise without_server_path(exc, folder) from None
    except AnchorageError as exc:
        if personal(meta["kind"]):  # nothing of a staff file stays behind on the server
            shutil.rmtree(folder, ignore_errors=True)
        raise without_server_path(exc, folder) from None
    audited(
        ws,
        run.job.requested_by,
        "upload",
        org=meta["org"],
        ip=p.get("ip"),
        detail={
            "file": meta["name"],
            "kind": meta["kind"],
            "upload_id": summary.upload_id,
            "rows_loaded": summary.rows_loaded,
            "duplicate": summary.duplicate,
            "job": run.job.id,
        },
    )
    shutil.rmtree(folder, ignore_errors=True)
    if not summary.duplicate:
        run.then("refresh")
    out = summary.to_json()
    out["link"] = f"/uploads/{summary.upload_id}" if summary.upload_id else None
    if meta["kind"] == "spend" and summary.upload_id:  # what the file covers, and what it changed
        out["effect"] = load_effect(ws, meta["org"], summary.upload_id, before)
    return out


def _ingest(ws: Workspace, run: JobRun) -> dict[str, Any]:
    """A command's load of a file on this machine (`anchorage spend ingest` and the like)."""
    p = run.params
    options = dict(p.get("options") or {})
    if options.get("as_at"):
        options["as_at"] = dt.date.fromisoformat(options["as_at"])
    run.step(f"Loading {p['name']}")
    if p.get("mapping"):
        options["mapping_file"] = Path(p["mapping"])
    summary = load_file(ws, p["kind"], Path(p["path"]), p["org"], progress=run.fraction, **options)
    run.value = summary
    audited(  # as the web's loads are: the command line's viewer is audited too
        ws,
        run.job.requested_by,
        "upload",
        org=p["org"],
        detail={
            "file": p["name"],
            "kind": p["kind"],
            "upload_id": summary.upload_id,
            "rows_loaded": summary.rows_loaded,
            "duplicate": summary.duplicate,
            "job": run.job.id,
        },
    )
    if not summary.duplicate:
        run.then("refresh")
    return summary.to_json()


def command_uploader(ws: Workspace, org: str | None) -> Viewer:
    """Who a command's load runs as (services.common.command_viewer), once the permission table lets them load
    the anchor's file; a whole area's file (no anchor) is the local operator's or a collaborative admin's."""
    viewer = command_viewer(ws)
    if org is not None:
        viewer.require_upload(org)
    elif not viewer.may("load-area-wide"):
        raise Forbidden(
            "Only the collaborative admin can load a file covering several anchors.",
            web_fix="Upload your anchor's own file, choosing your anchor.",
            fix="Load your anchor's own file with --org.",
        )
    return viewer


def _load_failure(exc: AnchorageError, run: JobRun) -> dict[str, Any] | None:
    """A question the preview can answer (which way dates are written; go ahead despite a warning)."""
    if isinstance(exc, (SanityWarning, DateOrderError)):
        return {"preview": run.params["token"], "ask_accept": isinstance(exc, SanityWarning)}
    return None


def register() -> None:
    worker.register("load", _load, _load_failure)
    worker.register("ingest", _ingest)
