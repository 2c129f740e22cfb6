"""A web upload between its staging and its load: the preview of its columns (and, for spend, every check the
load would make), the buyers of a file of contract notices, what loading it would change, the load queued as a
job; and, once loaded, an upload's restore and its quarantine as a file. The web routes reach the ingest,
contracts, jobs and exports modules only through here (tests/test_architecture.py)."""

from __future__ import annotations

import io
import json
import shutil
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from anchorage.access import jobs_views
from anchorage.access.gate import Viewer
from anchorage.core.errors import AnchorageError
from anchorage.jobs import queue, worker
from anchorage.services.common import audited
from anchorage.store.records import Upload
from anchorage.workspace import Workspace

# The preview, loaders, restore and exports (pandas, openpyxl, every import kind) load in the functions that
# use them: `anchorage uploads list` reads records only (issue 18).
if TYPE_CHECKING:
    from anchorage.ingest import restore
    from anchorage.ingest.preview import Preview
    from anchorage.jobs.worker import JobRun

# The kinds of file that supersede each other (an ImportKind with a `snapshot`: asset register, supplier
# master, staff extract), whose replaced uploads can be restored. Named here so that listing uploads does not
# import every loader to ask the registry; tests/test_imports_light.py checks it against the registry.
RESTORABLE_KINDS = frozenset({"assets", "suppliers", "workforce"})

__all__ = [
    "buyers",
    "effect",
    "is_notices",
    "load_as_job",
    "preview",
    "quarantine_file",
    "restore_upload",
    "save_mapping",
]


def is_notices(kind: str, path: Path) -> bool:
    """A file of published contract notices (OCDS JSON), whose buyers are confirmed rather than columns mapped."""
    from anchorage.contracts.importer import is_json

    return kind == "contracts" and is_json(path)


def preview(
    ws: Workspace, folder: Path, meta: dict[str, str], *, mapping: dict[str, str] | None = None
) -> Preview:
    """The staged file's header, first rows (none of a staff extract: personal data) and proposed or chosen
    columns (a spend file's whole-file checks: `spend_checks`). A file refused here is not kept on the server, and
    its error does not name where the server keeps it."""
    from anchorage.ingest.preview import preview_file
    from anchorage.services.loads import personal, without_server_path

    try:
        pv = preview_file(
            folder / meta["name"],
            meta["kind"],
            workdir=folder,
            mapping=mapping,
            limit=0 if personal(meta["kind"]) else 10,
            anchor_name=ws.config.anchor(meta["org"]).name,
        )
    except AnchorageError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise without_server_path(exc, folder) from None
    return pv


def spend_checks(
    ws: Workspace,
    viewer: Viewer,
    token: str,
    folder: Path,
    meta: dict[str, str],
    pv: Preview,
    *,
    inline_bytes: int,
    ip: str | None,
) -> str | None:
    """Every check a spend file's load would make, onto its preview: within the request for a file of up to
    `inline_bytes`; for a bigger one (a million rows take a minute) as a job, whose page links back here. The id
    of that job while it runs (the uploader waits on its page), None once `pv` has the checks."""
    path = folder / meta["name"]
    if pv.missing or path.stat().st_size <= inline_bytes:
        _checks(ws, pv, folder, meta)
        return None
    job_id = meta.get("checks_job")
    if not job_id:
        job_id = queue.submit(
            ws,
            "preview-checks",
            requested_by=viewer.email,
            org=meta["org"],
            params={"token": token, "ip": ip},
        )
        (folder / "meta.json").write_text(json.dumps({**meta, "checks_job": job_id}))
        return job_id
    ran = jobs_views.job(ws, viewer, job_id, ip=ip)
    if ran.state in queue.ACTIVE:
        return job_id
    found = ran.result or {}
    pv.warnings = list(found.get("warnings") or [])
    pv.notes += list(
        found.get("notes") or ([] if ran.state == "done" else [f"The checks stopped: {ran.error}"])
    )
    return None


def _checks(ws: Workspace, pv: Preview, folder: Path, meta: dict[str, str]) -> None:
    from anchorage.ingest.preview import run_spend_checks
    from anchorage.services.loads import without_server_path

    try:
        run_spend_checks(ws, pv, folder / meta["name"], meta["org"], folder)
    except AnchorageError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise without_server_path(exc, folder) from None


def _checks_job(ws: Workspace, run: JobRun) -> dict[str, Any]:
    """A big spend file's checks for its preview: read in full with the proposed columns, nothing loaded."""
    from anchorage.services.loads import staged_folder

    token = run.params["token"]
    folder = staged_folder(ws, token)
    meta = json.loads((folder / "meta.json").read_text())
    run.step(f"Checking {meta['name']}")
    pv = preview(ws, folder, meta)
    noted = len(pv.notes)
    _checks(ws, pv, folder, meta)
    return {
        "warnings": pv.warnings,
        "notes": pv.notes[noted:],
        "preview": token,
        "link": f"/upload/{token}",
    }


def register() -> None:
    worker.register("preview-checks", _checks_job)


def save_mapping(pv: Preview, folder: Path) -> Path:
    """The columns chosen on the preview, kept beside the staged file for its load."""
    from anchorage.ingest.preview import write_mapping_file

    return write_mapping_file(pv.mapping, folder / "mapping.json")


def buyers(ws: Workspace, folder: Path, meta: dict[str, str]) -> list[dict[str, Any]]:
    """The buyers a staged file of contract notices names, and where each one's notices would go."""
    from anchorage.contracts.ocds_load import preview_buyers
    from anchorage.services.loads import without_server_path

    try:
        return preview_buyers(ws, folder / meta["name"], meta["org"])
    except AnchorageError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise without_server_path(exc, folder) from None


def effect(ws: Workspace, meta: dict[str, str]) -> str:
    """In words, what loading the staged file would do to the anchor's current files of its kind."""
    from anchorage.ingest.effect import describe
    from anchorage.services import loads as _every_kind  # noqa: F401  (registers every import kind)

    return describe(ws, meta["org"], meta["kind"], meta["name"])


def load_as_job(
    ws: Workspace,
    viewer: Viewer,
    token: str,
    meta: dict[str, str],
    *,
    ip: str | None,
    **options: Any,
) -> str:
    """Queue the staged file's load (services/loads.py `_load`) as a job of the viewer; its id."""
    viewer.require_upload(meta["org"])
    return queue.submit(
        ws,
        "load",
        requested_by=viewer.email,
        org=meta["org"],
        params={"token": token, "name": meta["name"], "ip": ip, **options},
    )


def listing(
    ws: Workspace, viewer: Viewer, org: str, kind: str | None = None
) -> list[dict[str, Any]]:
    """An anchor's finished uploads, newest first (the ones that count have status "loaded"), for those who see
    its detail (its own users and those it shares with)."""
    anchor = ws.config.anchor(org)
    slug = anchor.slug
    viewer.require_detail(slug, anchor.name)
    with ws.session() as session:
        q = select(Upload).where(Upload.org == slug, Upload.status.in_(("loaded", "replaced")))
        if kind:
            q = q.where(Upload.kind == kind)
        rows = session.scalars(q.order_by(Upload.created_at.desc())).all()
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
                "restorable": u.status == "replaced" and u.kind in RESTORABLE_KINDS,
            }
            for u in rows
        ]


def restore_upload(
    ws: Workspace, viewer: Viewer, upload_id: str, *, ip: str | None, revert: bool = False
) -> restore.Restored:
    """Make a superseded upload (register, supplier master, staff extract) the one counted again, or with `revert`
    go back from this upload to the one it replaced; only by those who may upload the anchor's files; audited."""
    from anchorage.access import queries
    from anchorage.ingest import restore
    from anchorage.services import loads as _every_kind  # noqa: F401  (the registry says what restores)

    up = queries.upload(ws, viewer, upload_id)
    viewer.require_upload(up.org)
    done = (restore.revert if revert else restore.restore)(ws, up.id, org=up.org)
    audited(
        ws,
        viewer,
        "restore-upload",
        org=up.org,
        ip=ip,
        detail={
            "upload_id": done.upload_id,
            "file": done.filename,
            "superseded": done.superseded,
            **({"reverted": up.id} if revert else {}),
        },
    )
    return done


def quarantine_workbook(
    ws: Workspace, viewer: Viewer, upload_id: str, target: Path | io.BytesIO, *, ip: str | None
) -> tuple[Upload, int]:
    """An upload's quarantine as a workbook to fix in Excel and load again (ingest/quarantine_fix.py), for those
    who see the anchor's detail (a staff extract's: only those who may upload it again); audited as an export.
    The upload and the rows written."""
    from anchorage.access import queries
    from anchorage.services.loads import fix_workbook, personal

    up = queries.upload(ws, viewer, upload_id)
    if personal(
        up.kind
    ):  # what a staff extract's quarantine keeps goes only to those who may load it again
        viewer.require_upload(up.org)
    n = fix_workbook(ws, up, target)
    audited(
        ws,
        viewer,
        "export",
        org=up.org,
        ip=ip,
        detail={"what": "quarantine fix workbook", "upload_id": up.id},
    )
    return up, n


def quarantine_file(
    ws: Workspace,
    viewer: Viewer,
    upload_id: str,
    rows: list[dict[str, Any]],
    columns: list[str],
    fmt: str,
    *,
    ip: str | None,
) -> tuple[bytes, str]:
    """The quarantined rows kept (all columns) as CSV or XLSX, audited as an export; the bytes and media type."""
    import pandas as pd

    from anchorage.access import queries
    from anchorage.exports import XLSX_MEDIA, csv_bytes, xlsx_bytes

    if fmt not in ("csv", "xlsx"):
        raise AnchorageError(
            f"We do not export .{fmt}.", fix="Use quarantine.csv or quarantine.xlsx."
        )
    df = pd.DataFrame(rows, columns=columns or None)
    audited(
        ws,
        viewer,
        "export",
        org=queries.upload(ws, viewer, upload_id).org,
        ip=ip,
        detail={"what": "quarantine", "upload_id": upload_id, "format": fmt},
    )
    return (
        (xlsx_bytes({"Quarantine": df}), XLSX_MEDIA)
        if fmt == "xlsx"
        else (csv_bytes(df), "text/csv")
    )


def total_lines(rows: list[dict[str, Any]]) -> tuple[int, Decimal]:
    """The file's own total lines among an upload's quarantined rows (not payments, so nothing lost): count, £."""
    from anchorage.ingest.spend import TOTAL_LINE

    found = [r for r in rows if r.get("reason") == TOTAL_LINE]
    return len(found), sum(
        (Decimal(str(r["amount"])) for r in found if r.get("amount") is not None), Decimal(0)
    )
