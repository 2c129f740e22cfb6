"""The procurement working group's services: the pipeline and the collaboration finder, the local supplier
directory and its exports, which anchors publish their pipeline, the registrations' purge, and reports asked for
as jobs, for the web and the command line alike.

The boundary for contracts is access/pipeline.py; permissions come from the one table (`Viewer.may`); every
change and every export of rows is audited here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from anchorage.access.accounts import Forbidden
from anchorage.access.gate import Viewer
from anchorage.access.pipeline import PipelineView, opportunities_for, pipeline_for
from anchorage.config import TIERS
from anchorage.contracts.categories import CategoryMap, load_category_map
from anchorage.contracts.finder import FinderOptions, Opportunity
from anchorage.contracts.pipeline import PipelineFilter
from anchorage.contracts.timeline import quarters_of
from anchorage.core.scope import COLLABORATIVE
from anchorage.jobs import queue
from anchorage.opportunities.directory import DirectoryEntry, export, search
from anchorage.opportunities.registration import FORM, SIZES, purge_unconfirmed, supplier_categories
from anchorage.opportunities.source import public_pipelines, set_pipeline_public
from anchorage.procurement.analysis import frame_records
from anchorage.public_forms.protection import attempt_outcomes
from anchorage.services.common import audited
from anchorage.workspace import Workspace

__all__ = [
    "COLLABORATIVE",
    "SIZES",
    "TIERS",
    "CategoryMap",
    "FinderOptions",
    "Opportunity",
    "PipelineFilter",
    "PipelineView",
    "ask_report",
    "categories",
    "directory",
    "directory_export",
    "exported",
    "frame_records",
    "opportunities",
    "pipeline",
    "publish_pipeline",
    "published_pipelines",
    "purge_registrations",
    "quarters_of",
    "registration_outcomes",
    "supplier_categories",
]


def exported(
    ws: Workspace,
    viewer: Viewer,
    what: str,
    *,
    org: str | None = None,
    ip: str | None = None,
    **detail: Any,
) -> None:
    """The audit record of rows leaving the workspace (a download, an API page of rows)."""
    audited(
        ws,
        viewer,
        "export",
        org=org if org is not None else viewer.org,
        ip=ip,
        detail={"what": what, **detail},
    )


def categories(ws: Workspace) -> CategoryMap:
    return load_category_map(ws.root)


def pipeline(
    ws: Workspace, viewer: Viewer, flt: PipelineFilter, category: str = ""
) -> PipelineView:
    """The matching contracts this viewer may see; a shared category matches by CPV prefix, ProClass name or the
    anchors' own labels."""
    cmap = categories(ws)
    keep: Callable[[dict[str, Any]], bool] | None = (
        (lambda r: cmap.category_of(r.get("cpv"), r.get("proclass"), r.get("category")) == category)
        if category
        else None
    )
    return pipeline_for(ws, viewer, flt, keep)


def opportunities(ws: Workspace, viewer: Viewer, window_months: int) -> list[Opportunity]:
    return opportunities_for(ws, viewer, FinderOptions(window_months=window_months))


def directory(ws: Workspace, viewer: Viewer, **filters: Any) -> list[DirectoryEntry]:
    """The local supplier directory with contacts: for signed-in anchor users (the web's pages need a login)."""
    return search(ws, include_contact=True, **filters)


def directory_export(
    ws: Workspace, viewer: Viewer, fmt: str, *, ip: str | None = None, **filters: Any
) -> bytes:
    rows = directory(ws, viewer, **filters)
    exported(ws, viewer, "supplier-directory", ip=ip, format=fmt, rows=len(rows))
    return export(rows, fmt)


def published_pipelines(ws: Workspace) -> set[str]:
    return public_pipelines(ws)


def publish_pipeline(
    ws: Workspace, viewer: Viewer, org: str, public: bool, *, ip: str | None = None
) -> None:
    """Show (or stop showing) the anchor's own pipeline on the public opportunities page."""
    slug = ws.config.anchor(org).slug
    if not viewer.may("publish-pipeline", slug):
        raise Forbidden(
            "Only the anchor's admin or the collaborative admin can publish its pipeline.",
            fix="Ask your anchor admin.",
        )
    set_pipeline_public(ws, slug, public, viewer.email)
    audited(ws, viewer, "pipeline-published" if public else "pipeline-unpublished", org=slug, ip=ip)


def purge_registrations(ws: Workspace, viewer: Viewer, *, ip: str | None = None) -> int:
    """Delete supplier registrations never confirmed; how many went."""
    if not viewer.may("purge-registrations"):
        raise Forbidden(
            "Only the collaborative admin can purge registrations.",
            fix="Ask the collaborative admin.",
        )
    gone = purge_unconfirmed(ws)
    audited(ws, viewer, "registrations-purged", ip=ip, detail={"deleted": gone})
    return gone


def registration_outcomes(ws: Workspace, days: int = 7) -> dict[str, int]:
    return attempt_outcomes(ws, dt.datetime.now(dt.UTC) - dt.timedelta(days=days), FORM)


def ask_report(
    ws: Workspace, viewer: Viewer, fmt: str, year: str = "", *, ip: str | None = None
) -> str:
    """Queue a report as the viewer may see it (the job audits its export); the job's id."""
    return queue.submit(
        ws,
        "report",
        requested_by=viewer.email,
        org=viewer.org,
        params={"format": fmt, "ip": ip, "year": year},
    )
