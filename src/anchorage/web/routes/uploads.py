"""Upload a file: preview and correct the column mapping, then load it as a job (its page shows the
reconciliation and quarantine when done)."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import secrets
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from anchorage.access import jobs_views, queries
from anchorage.access.gate import refuse
from anchorage.access.table import Column, TableSpec, memory_page, memory_rows
from anchorage.core.errors import AnchorageError, InputFileError
from anchorage.services import uploads as staged
from anchorage.services.loads import is_snapshot, personal, upload_kinds
from anchorage.services.runtime import XLSX_MEDIA
from anchorage.web import forms, quarantine_view
from anchorage.web.body_limit import too_large
from anchorage.web.deps import CtxDep, FormDep, client_ip
from anchorage.web.nav import upload_kind
from anchorage.web.render import render
from anchorage.web.settings import UPLOAD_TYPES
from anchorage.web.table import export_response, table_request, table_view

router = APIRouter()
CHUNK = 1024 * 1024
OCDS_TYPES = (".json", ".jsonl")  # published contract notices (Contracts Finder, Find a Tender)


def safe_filename(name: str) -> str:
    """The file's own name without any folder part, in a conservative alphabet (no traversal, no hidden files)."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"[^A-Za-z0-9._ -]", "_", base).strip(" .")
    return base[:150] or "upload"


def _extract_date(text: str) -> dt.date:
    """The date a staff extract was taken (default today): it sets the Living Wage rate and new hires."""
    day = (
        forms.date(text, "the extract", fix="Give the extract date as YYYY-MM-DD.")
        or dt.date.today()
    )
    if day > dt.date.today():
        raise AnchorageError(
            "The extract date is in the future.", fix="Give the date the extract was taken."
        )
    return day


def _sweep_stale(root: Path, max_age_s: float = 6 * 3600) -> None:
    """Files uploaded but never loaded (the preview abandoned) do not stay on the server: staff extracts
    among them are personal data."""
    if not root.is_dir():
        return
    cutoff = time.time() - max_age_s
    for folder in root.iterdir():
        if folder.is_dir() and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)


def _staging(ctx: CtxDep, token: str) -> tuple[Path, dict[str, str]]:
    """A staged upload of this user; one answer for a token that is malformed, unknown, loaded or another's."""
    folder = ctx.ws.tmp_dir / "web-uploads" / token
    meta_path = folder / "meta.json"
    meta = (
        json.loads(meta_path.read_text())
        if re.fullmatch(r"[A-Za-z0-9_-]{20,64}", token) and meta_path.exists()
        else None
    )
    if meta is None or meta["user"] != ctx.user.id:
        refuse(
            ctx.ws,
            ctx.viewer,
            "staged upload",
            token,
            "missing" if meta is None else "another user's",
        )
    return folder, meta


@router.get("/upload")
def upload_form(request: Request, ctx: CtxDep, kind: str = "spend") -> Response:
    return render(
        request,
        "upload.html",
        {
            "kinds": upload_kinds(),
            "kind": kind,
            "types": UPLOAD_TYPES,
            "today": dt.date.today().isoformat(),
        },
    )


@router.post("/upload")
async def upload(request: Request, ctx: CtxDep, form: FormDep) -> Response:
    org = ctx.ws.config.anchor(str(form.get("org") or ctx.viewer.org or "")).slug
    ctx.viewer.require_upload(org)
    kind = str(form.get("kind", "spend"))
    labels = upload_kinds()
    if kind not in labels:
        raise AnchorageError(
            f"'{kind}' is not something we load here.",
            fix="Choose one of: " + ", ".join(labels.values()),
        )
    as_at = _extract_date(str(form.get("as_at") or "")) if personal(kind) else None
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        raise AnchorageError("No file was chosen.", fix="Choose a CSV, XLSX, XLS or ODS file.")
    name = safe_filename(file.filename)
    types = UPLOAD_TYPES + (OCDS_TYPES if kind == "contracts" else ())
    if Path(name).suffix.lower() not in types:
        raise InputFileError(
            name, "is not a file type we load.", fix=f"Use one of: {', '.join(types)}."
        )
    _sweep_stale(ctx.ws.tmp_dir / "web-uploads")
    token = secrets.token_urlsafe(24)
    folder = ctx.ws.tmp_dir / "web-uploads" / token
    folder.mkdir(parents=True)
    limit = request.app.state.settings.max_upload_mb * CHUNK
    size = 0
    with (folder / name).open("wb") as fh:
        while chunk := await file.read(CHUNK):
            size += len(chunk)
            if size > limit:
                fh.close()
                shutil.rmtree(folder)
                raise too_large(limit, upload=True)
            fh.write(chunk)
    meta = {
        "user": ctx.user.id,
        "org": org,
        "kind": kind,
        "name": name,
        "as_at": as_at and as_at.isoformat(),
    }
    (folder / "meta.json").write_text(json.dumps(meta))
    return RedirectResponse(f"/upload/{token}", status_code=303)


@router.get("/upload/{token}")
def preview(request: Request, token: str, ctx: CtxDep, job: str = "") -> Response:
    folder, meta = _staging(ctx, token)
    if staged.is_notices(
        meta["kind"], folder / meta["name"]
    ):  # published notices: whose buyer is whose
        return render(
            request,
            "ocds_buyers.html",
            {
                "buyers": staged.buyers(ctx.ws, folder, meta),
                "token": token,
                "file": meta["name"],
                "anchor": ctx.ws.config.anchor(meta["org"]).name,
            },
        )
    asked: dict[str, object] = {}
    if job:  # back from a load job that stopped on a question the preview answers
        stopped = jobs_views.job(ctx.ws, ctx.viewer, job, ip=client_ip(request))
        if stopped.state == "failed" and (stopped.result or {}).get("preview") == token:
            asked = {
                "error": stopped.error,
                "ask_accept": bool((stopped.result or {}).get("ask_accept")),
            }
    pv = staged.preview(ctx.ws, folder, meta)
    if meta["kind"] == "spend" and (
        checking := staged.spend_checks(
            ctx.ws,
            ctx.viewer,
            token,
            folder,
            meta,
            pv,
            ip=client_ip(request),
            inline_bytes=request.app.state.settings.preview_checks_inline_mb * CHUNK,
        )
    ):
        return RedirectResponse(f"/jobs/{checking}", status_code=303)
    effect = staged.effect(ctx.ws, meta)
    return render(
        request, "preview.html", {"pv": pv, "token": token, "meta": meta, "effect": effect, **asked}
    )


@router.post("/upload/{token}/load")
def load(request: Request, token: str, ctx: CtxDep, form: FormDep) -> Response:
    folder, meta = _staging(ctx, token)
    ctx.viewer.require_upload(meta["org"])
    if staged.is_notices(meta["kind"], folder / meta["name"]):
        return _submit(ctx, request, token, meta, buyers=_confirmed_buyers(ctx, folder, meta, form))
    chosen = {k[4:]: str(v) for k, v in form.items() if k.startswith("map_") and v}
    # a file refused here (loaded without its preview being opened) is not kept either
    pv = staged.preview(ctx.ws, folder, meta, mapping=chosen)
    if pv.missing:
        return render(
            request,
            "preview.html",
            {
                "pv": pv,
                "token": token,
                "meta": meta,
                "error": "Choose a column for: "
                + ", ".join(f.replace("_", " ") for f in pv.missing),
            },
            status=400,
        )
    staged.save_mapping(pv, folder)
    order = str(form.get("date_order") or "")
    return _submit(
        ctx,
        request,
        token,
        meta,
        date_order=order if order in ("dmy", "mdy") else None,
        accept_warnings=form.get("accept_warnings") == "yes",
    )


def _submit(
    ctx: CtxDep, request: Request, token: str, meta: dict[str, str], **options: Any
) -> Response:
    """Queue the staged file's load as a job and send the uploader to its page."""
    job_id = staged.load_as_job(ctx.ws, ctx.viewer, token, meta, ip=client_ip(request), **options)
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


def _confirmed_buyers(ctx: CtxDep, folder: Path, meta: dict[str, str], form: FormDep) -> list[str]:
    """The buyers the uploader confirmed on the preview of a file of contract notices: theirs (this anchor) or
    not an anchor (a public notice). Another anchor's notices stay theirs."""
    confirmed = []
    for i, b in enumerate(staged.buyers(ctx.ws, folder, meta)):
        choice = str(form.get(f"buyer_{i}") or "")
        key = (
            str(b["buyer"])
            if b["buyer"] != "(no buyer given)"
            else next(iter(b["identifiers"]), "")
        )
        if key and choice in ("anchor", "public"):
            confirmed.append(f"{key}={meta['org'] if choice == 'anchor' else 'public'}")
    return confirmed


UPLOADS = TableSpec(
    name="Uploads",
    columns=(
        Column("filename", "File", filter="contains"),
        Column("kind_name", "Kind", filter="equals"),
        Column("status", "Status", filter="equals"),
        Column("rows_read", "Read", "int"),
        Column("rows_loaded", "Loaded", "int"),
        Column("rows_quarantined", "Quarantined", "int"),
        Column("created_at", "When", "datetime"),
    ),
    default_sort="-created_at",
    tie=("id",),
    search=("filename", "kind_name", "status"),
)
QUARANTINE = TableSpec(
    name="Quarantine",
    columns=(
        Column("row_no", "Row", "int"),
        Column("line_no", "Line", "int"),
        Column("column_name", "Column", filter="equals"),
        Column("reason", "Reason", filter="contains"),
        Column("raw", "Content", sortable=False),
        Column("fixed_label", "Fixed by", sortable=False),
    ),
    default_sort="row_no",
    tie=("row_no", "line_no"),
    search=("reason", "column_name", "raw"),
)


def _upload_rows(rows: Sequence[Any]) -> list[dict[str, Any]]:
    return [
        {
            "id": u.id,
            "filename": u.filename,
            "kind_name": upload_kind(u.kind),
            "status": u.status,
            "rows_read": u.rows_read,
            "rows_loaded": u.rows_loaded,
            "rows_quarantined": u.rows_quarantined,
            "created_at": u.created_at,
            "_links": {"filename": f"/uploads/{u.id}"},
        }
        for u in rows
    ]


def _uploads_of(request: Request, ctx: CtxDep, org: str) -> tuple[str | None, list[dict[str, Any]]]:
    slug = (
        ctx.ws.config.anchor(org or ctx.viewer.org or "").slug if (org or ctx.viewer.org) else None
    )
    return slug, _upload_rows(queries.uploads(ctx.ws, ctx.viewer, slug) if slug else [])


@router.get("/uploads")
def uploads(request: Request, ctx: CtxDep, org: str = "") -> Response:
    slug, rows = _uploads_of(request, ctx, org)
    page = memory_page(UPLOADS, table_request(request, UPLOADS), rows)
    visible = sorted(ctx.viewer.detail_orgs)
    view = table_view(page, "/uploads", keep={"org": slug} if slug else None, export=bool(slug))
    # A superseded register, supplier master or staff extract can be made the one counted again.
    restore_rows = (
        [
            u
            for u in queries.uploads(ctx.ws, ctx.viewer, slug)
            if u.status == "replaced" and is_snapshot(u.kind)
        ]
        if slug and ctx.viewer.may("upload", slug)
        else []
    )
    return render(
        request,
        "uploads.html",
        {"t": view, "org": slug, "visible": visible, "restorable": restore_rows},
    )


@router.get("/uploads.{fmt}")
def uploads_export(request: Request, fmt: str, ctx: CtxDep, org: str = "") -> Response:
    slug, rows = _uploads_of(request, ctx, org)
    kept = memory_rows(UPLOADS, table_request(request, UPLOADS), rows)
    return export_response(
        ctx, request, UPLOADS, kept, fmt, f"uploads-{slug or 'none'}", org=slug or None
    )


@router.post("/uploads/{upload_id}/restore")
def upload_restore(request: Request, upload_id: str, ctx: CtxDep) -> Response:
    done = staged.restore_upload(ctx.ws, ctx.viewer, upload_id, ip=client_ip(request))
    return RedirectResponse(f"/uploads?org={done.org}", status_code=303)


@router.get("/uploads/{upload_id}")
def upload_detail(request: Request, upload_id: str, ctx: CtxDep) -> Response:
    up = queries.upload(ctx.ws, ctx.viewer, upload_id)
    rows = [
        {
            **r,
            "fixed_label": f"upload {r['fixed_by']}" if r.get("fixed_by") else None,
            "_links": {"fixed_label": f"/uploads/{r['fixed_by']}"} if r.get("fixed_by") else {},
        }
        for r in queries.quarantine_rows(ctx.ws, ctx.viewer, upload_id)
    ]
    spec, rows = quarantine_view.shaped(rows)
    page = memory_page(spec, table_request(request, spec), rows)
    view = table_view(page, f"/uploads/{up.id}", export_path=f"/uploads/{up.id}/quarantine")
    # A fix workbook for a file read from named columns; a staff extract's only for those who may upload it.
    fixable = (
        bool(rows)
        and any(not k.startswith("_") for k in up.mapping or {})
        and (not personal(up.kind) or ctx.viewer.may("upload", up.org))
    )
    totals = staged.total_lines(rows)
    return render(
        request,
        "upload_detail.html",
        {
            "up": up,
            "t": view,
            "count": len(rows),
            "fixable": fixable,
            "total_rows": totals[0],
            "total_amount": totals[1],
        },
    )


@router.get("/uploads/{upload_id}/fix.xlsx")
def quarantine_fix_download(request: Request, upload_id: str, ctx: CtxDep) -> Response:
    """The quarantine as a workbook to fix in Excel and upload again (ingest/quarantine_fix.py)."""
    buf = io.BytesIO()
    up, _ = staged.quarantine_workbook(ctx.ws, ctx.viewer, upload_id, buf, ip=client_ip(request))
    return Response(
        buf.getvalue(),
        media_type=XLSX_MEDIA,
        headers={"Content-Disposition": f'attachment; filename="fix-{up.id}.xlsx"'},
    )


@router.get("/uploads/{upload_id}/quarantine.{fmt}")
def quarantine_download(request: Request, upload_id: str, fmt: str, ctx: CtxDep) -> Response:
    """The quarantined rows the page's filters and sort show (every one without them), every column kept."""
    rows = queries.quarantine_rows(ctx.ws, ctx.viewer, upload_id)
    kept = (
        [dict(r) for r in memory_rows(QUARANTINE, table_request(request, QUARANTINE), rows)]
        if fmt in ("csv", "xlsx")
        else []
    )
    body, media = staged.quarantine_file(
        ctx.ws,
        ctx.viewer,
        upload_id,
        kept,
        list(rows[0]) if rows else [],
        fmt,
        ip=client_ip(request),
    )
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="quarantine-{upload_id}.{fmt}"'},
    )
