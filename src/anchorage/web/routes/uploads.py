"""Upload a file: preview and correct the column mapping, load it, see the reconciliation and quarantine."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import secrets
import shutil
import time
from pathlib import Path
from typing import Any

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from anchorage.access import audit, queries
from anchorage.access.gate import refuse
from anchorage.access.queries import PERSONAL_KINDS
from anchorage.assets.register import import_assets
from anchorage.assets.utilisation import import_utilisation
from anchorage.contracts.importer import import_contracts, is_json
from anchorage.contracts.ocds_load import preview_buyers
from anchorage.errors import AnchorageError, InputFileError
from anchorage.exports import XLSX_MEDIA, csv_bytes, xlsx_bytes
from anchorage.ingest import kinds, restore
from anchorage.ingest.dates import DateOrderError
from anchorage.ingest.effect import describe
from anchorage.ingest.preview import preview_file, write_mapping_file
from anchorage.ingest.quarantine_fix import write_fix_workbook
from anchorage.ingest.sanity import SanityWarning
from anchorage.ingest.spend import ingest_spend
from anchorage.ingest.staff import ingest_staff
from anchorage.ingest.suppliers import ingest_suppliers
from anchorage.socialvalue.imports import import_commitments, import_deliveries, import_lm3_survey
from anchorage.web.body_limit import too_large
from anchorage.web.deps import CtxDep, FormDep, client_ip
from anchorage.web.render import render
from anchorage.web.settings import UPLOAD_TYPES

router = APIRouter()
KINDS = {"spend": ingest_spend, "suppliers": ingest_suppliers, "workforce": ingest_staff,
         "sv_commitments": import_commitments, "sv_delivery": import_deliveries, "lm3": import_lm3_survey,
         "contracts": import_contracts, "assets": import_assets, "utilisation": import_utilisation}
LABELS = {"spend": "Spend (payments)", "suppliers": "Supplier master", "workforce": "Staff extract (HR)",
          "sv_commitments": "Social value commitments", "sv_delivery": "Social value delivery report",
          "lm3": "LM3 supplier re-spend survey answers", "contracts": "Contract register, or published contract notices",
          "assets": "Land and buildings register (Transparency Code, ERIC or your own)",
          "utilisation": "Occupancy of land and buildings"}
CHUNK = 1024 * 1024
OCDS_TYPES = (".json", ".jsonl")  # published contract notices (Contracts Finder, Find a Tender)


def safe_filename(name: str) -> str:
    """The file's own name without any folder part, in a conservative alphabet (no traversal, no hidden files)."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"[^A-Za-z0-9._ -]", "_", base).strip(" .")
    return base[:150] or "upload"


def _without_server_path(exc: AnchorageError, folder: Path) -> AnchorageError:
    """Users see their file's name, not where the server keeps it; `--mapping` is command-line advice."""
    exc.message = exc.message.replace(f"{folder}/", "")
    if exc.fix:
        exc.fix = exc.fix.replace("pass --mapping FILE naming the columns", "choose the columns on the preview page")
    return exc


def _extract_date(text: str) -> dt.date:
    """The date a staff extract was taken (default today): it sets the Living Wage rate and new hires."""
    if not text.strip():
        return dt.date.today()
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise AnchorageError(f'"{text}" is not a date.', fix="Give the extract date as YYYY-MM-DD.") from None
    if day > dt.date.today():
        raise AnchorageError("The extract date is in the future.", fix="Give the date the extract was taken.")
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
    meta = json.loads(meta_path.read_text()) if re.fullmatch(r"[A-Za-z0-9_-]{20,64}", token) and meta_path.exists() else None
    if meta is None or meta["user"] != ctx.user.id:
        refuse(ctx.ws, ctx.viewer, "staged upload", token, "missing" if meta is None else "another user's")
    return folder, meta


@router.get("/upload")
def upload_form(request: Request, ctx: CtxDep, kind: str = "spend") -> Response:
    return render(request, "upload.html", {"kinds": LABELS, "kind": kind, "types": UPLOAD_TYPES,
                                           "today": dt.date.today().isoformat()})


@router.post("/upload")
async def upload(request: Request, ctx: CtxDep, form: FormDep) -> Response:
    org = ctx.ws.config.anchor(str(form.get("org") or ctx.viewer.org or "")).slug
    ctx.viewer.require_upload(org)
    kind = str(form.get("kind", "spend"))
    if kind not in KINDS:
        raise AnchorageError(f"'{kind}' is not something we load here.", fix="Choose one of: " + ", ".join(LABELS.values()))
    as_at = _extract_date(str(form.get("as_at") or "")) if kind in PERSONAL_KINDS else None
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        raise AnchorageError("No file was chosen.", fix="Choose a CSV, XLSX, XLS or ODS file.")
    name = safe_filename(file.filename)
    types = UPLOAD_TYPES + (OCDS_TYPES if kind == "contracts" else ())
    if Path(name).suffix.lower() not in types:
        raise InputFileError(name, "is not a file type we load.", fix=f"Use one of: {', '.join(types)}.")
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
    meta = {"user": ctx.user.id, "org": org, "kind": kind, "name": name, "as_at": as_at and as_at.isoformat()}
    (folder / "meta.json").write_text(json.dumps(meta))
    return RedirectResponse(f"/upload/{token}", status_code=303)


@router.get("/upload/{token}")
def preview(request: Request, token: str, ctx: CtxDep) -> Response:
    folder, meta = _staging(ctx, token)
    if meta["kind"] == "contracts" and is_json(folder / meta["name"]):
        return render(request, "ocds_buyers.html", {"buyers": _buyers(ctx, folder, meta), "token": token,
                                                    "file": meta["name"],
                                                    "anchor": ctx.ws.config.anchor(meta["org"]).name})
    try:
        # A staff extract is personal data: only its column names are shown, never its rows.
        pv = preview_file(folder / meta["name"], meta["kind"], workdir=folder,
                          limit=0 if meta["kind"] in PERSONAL_KINDS else 10,
                          anchor_name=ctx.ws.config.anchor(meta["org"]).name)
    except AnchorageError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise _without_server_path(exc, folder) from None
    effect = describe(ctx.ws, meta["org"], meta["kind"], meta["name"])
    return render(request, "preview.html", {"pv": pv, "token": token, "meta": meta, "effect": effect})


@router.post("/upload/{token}/load")
def load(request: Request, token: str, ctx: CtxDep, form: FormDep) -> Response:
    folder, meta = _staging(ctx, token)
    ctx.viewer.require_upload(meta["org"])
    path = folder / meta["name"]
    if meta["kind"] == "contracts" and is_json(path):
        return _load_ocds(request, ctx, folder, meta, form)
    chosen = {k[4:]: str(v) for k, v in form.items() if k.startswith("map_") and v}
    try:  # a file refused here (loaded without its preview being opened) is not kept either
        pv = preview_file(path, meta["kind"], workdir=folder, mapping=chosen,
                          limit=0 if meta["kind"] in PERSONAL_KINDS else 10)
    except AnchorageError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise _without_server_path(exc, folder) from None
    if pv.missing:
        return render(request, "preview.html", {"pv": pv, "token": token, "meta": meta,
                                                "error": "Choose a column for: " + ", ".join(pv.missing)}, status=400)
    mapping_file = write_mapping_file(pv.mapping, folder / "mapping.json")
    try:
        if meta["kind"] == "workforce":
            summary = ingest_staff(ctx.ws, path, meta["org"], mapping_file=mapping_file,
                                   as_at=dt.date.fromisoformat(meta["as_at"]) if meta.get("as_at") else None)
        elif meta["kind"] == "spend":
            order = str(form.get("date_order") or "") or None
            summary = ingest_spend(ctx.ws, path, meta["org"], mapping_file=mapping_file,
                                   date_order=order if order in ("dmy", "mdy") else None,
                                   accept_warnings=form.get("accept_warnings") == "yes")
        else:
            summary = KINDS[meta["kind"]](ctx.ws, path, meta["org"], mapping_file=mapping_file)
    except (SanityWarning, DateOrderError) as exc:  # the user can answer these on the preview and go on
        problem = _without_server_path(exc, folder)
        return render(request, "preview.html", {"pv": pv, "token": token, "meta": meta, "error": problem.message,
                                                "ask_accept": isinstance(exc, SanityWarning)}, status=400)
    except AnchorageError as exc:
        if meta["kind"] in PERSONAL_KINDS:  # nothing of a staff file stays behind on the server
            shutil.rmtree(folder, ignore_errors=True)
        raise _without_server_path(exc, folder) from None
    with ctx.ws.session() as s:
        audit.record(s, ctx.user.email, "upload", org=meta["org"], ip=client_ip(request),
                     detail={"file": meta["name"], "kind": meta["kind"], "upload_id": summary.upload_id,
                             "rows_loaded": summary.rows_loaded, "duplicate": summary.duplicate})
        s.commit()
    shutil.rmtree(folder, ignore_errors=True)
    return render(request, "reconcile.html", {"s": summary, "org": meta["org"]})


def _buyers(ctx: CtxDep, folder: Path, meta: dict[str, str]) -> list[dict[str, Any]]:
    try:
        return preview_buyers(ctx.ws, folder / meta["name"], meta["org"])
    except AnchorageError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise _without_server_path(exc, folder) from None


def _load_ocds(request: Request, ctx: CtxDep, folder: Path, meta: dict[str, str], form: FormDep) -> Response:
    """Load a file of contract notices for the uploader's anchor, with the buyers they confirmed on the
    preview: theirs (this anchor) or not an anchor (a public notice). Another anchor's notices stay theirs."""
    confirmed = []
    for i, b in enumerate(_buyers(ctx, folder, meta)):
        choice = str(form.get(f"buyer_{i}") or "")
        key = str(b["buyer"]) if b["buyer"] != "(no buyer given)" else next(iter(b["identifiers"]), "")
        if key and choice in ("anchor", "public"):
            confirmed.append(f"{key}={meta['org'] if choice == 'anchor' else 'public'}")
    try:
        summary = import_contracts(ctx.ws, folder / meta["name"], meta["org"], buyers=confirmed)
    except AnchorageError as exc:
        raise _without_server_path(exc, folder) from None
    with ctx.ws.session() as s:
        audit.record(s, ctx.user.email, "upload", org=meta["org"], ip=client_ip(request),
                     detail={"file": meta["name"], "kind": "ocds", "upload_id": summary.upload_id,
                             "rows_loaded": summary.rows_loaded, "duplicate": summary.duplicate,
                             "buyers_confirmed": confirmed})
        s.commit()
    shutil.rmtree(folder, ignore_errors=True)
    return render(request, "reconcile.html", {"s": summary, "org": meta["org"],
                                              "anchor_names": {a.slug: a.name for a in ctx.ws.config.anchors}})


@router.get("/uploads")
def uploads(request: Request, ctx: CtxDep, org: str = "") -> Response:
    slug = ctx.ws.config.anchor(org or ctx.viewer.org or "").slug if (org or ctx.viewer.org) else None
    rows = queries.uploads(ctx.ws, ctx.viewer, slug) if slug else []
    visible = sorted(ctx.viewer.detail_orgs)
    # A superseded register, supplier master or staff extract can be made the one counted again.
    restorable = ({u.id for u in rows if u.status == "replaced" and getattr(kinds.REGISTRY.get(u.kind), "snapshot", None)}
                  if slug and ctx.viewer.may("upload", slug) else set())
    return render(request, "uploads.html", {"rows": rows, "org": slug, "visible": visible, "restorable": restorable})


@router.post("/uploads/{upload_id}/restore")
def upload_restore(request: Request, upload_id: str, ctx: CtxDep) -> Response:
    up = queries.upload(ctx.ws, ctx.viewer, upload_id)
    ctx.viewer.require_upload(up.org)
    done = restore.restore(ctx.ws, up.id, org=up.org)
    with ctx.ws.session() as s:
        audit.record(s, ctx.user.email, "restore-upload", org=up.org, ip=client_ip(request),
                     detail={"upload_id": up.id, "file": up.filename, "superseded": done.superseded})
        s.commit()
    return RedirectResponse(f"/uploads?org={up.org}", status_code=303)


@router.get("/uploads/{upload_id}")
def upload_detail(request: Request, upload_id: str, ctx: CtxDep) -> Response:
    up = queries.upload(ctx.ws, ctx.viewer, upload_id)
    rows = queries.quarantine_rows(ctx.ws, ctx.viewer, upload_id)
    return render(request, "upload_detail.html", {"up": up, "rows": rows[:200], "count": len(rows)})


@router.get("/uploads/{upload_id}/fix.xlsx")
def quarantine_fix_download(request: Request, upload_id: str, ctx: CtxDep) -> Response:
    """The quarantine as a workbook to fix in Excel and upload again (ingest/quarantine_fix.py)."""
    up = queries.upload(ctx.ws, ctx.viewer, upload_id)
    buf = io.BytesIO()
    write_fix_workbook(ctx.ws, up, buf)
    with ctx.ws.session() as s:
        audit.record(s, ctx.user.email, "export", org=up.org, ip=client_ip(request),
                     detail={"what": "quarantine fix workbook", "upload_id": up.id})
        s.commit()
    return Response(buf.getvalue(), media_type=XLSX_MEDIA,
                    headers={"Content-Disposition": f'attachment; filename="fix-{up.id}.xlsx"'})


@router.get("/uploads/{upload_id}/quarantine.{fmt}")
def quarantine_download(request: Request, upload_id: str, fmt: str, ctx: CtxDep) -> Response:
    if fmt not in ("csv", "xlsx"):
        raise AnchorageError(f"We do not export .{fmt}.", fix="Use quarantine.csv or quarantine.xlsx.")
    df = pd.DataFrame(queries.quarantine_rows(ctx.ws, ctx.viewer, upload_id))
    with ctx.ws.session() as s:
        audit.record(s, ctx.user.email, "export", org=queries.upload(ctx.ws, ctx.viewer, upload_id).org,
                     ip=client_ip(request), detail={"what": "quarantine", "upload_id": upload_id, "format": fmt})
        s.commit()
    body, media = (xlsx_bytes({"Quarantine": df}), XLSX_MEDIA) if fmt == "xlsx" else (csv_bytes(df), "text/csv")
    return Response(body, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="quarantine-{upload_id}.{fmt}"'})
