"""Social value and LM3 services (the procurement working group): the gated dashboards, recording a commitment
or a delivery line, and one-time supplier survey links, for the web and the command line alike.

Permissions come from the one table (`Viewer.may`); every change is audited here, whoever asked."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Literal

from anchorage.access import socialvalue as gated
from anchorage.access.accounts import Forbidden
from anchorage.access.gate import Viewer
from anchorage.services.common import audited
from anchorage.socialvalue.entries import EntryInvalid, add_commitment, add_delivery
from anchorage.socialvalue.framework import Framework, load_framework
from anchorage.socialvalue.simulator import simulate
from anchorage.socialvalue.survey import (
    PERCENT_FIELDS,
    Issued,
    LinkNotValid,
    SurveyInvalid,
    issue_link,
    links,
    open_link,
    submit_answers,
)
from anchorage.store.socialvalue_records import Lm3SurveyLink
from anchorage.workspace import Workspace

status = gated.status
lm3 = gated.lm3
all_responses = gated.all_responses

__all__ = [
    "PERCENT_FIELDS",
    "EntryInvalid",
    "Framework",
    "Issued",
    "LinkNotValid",
    "SurveyInvalid",
    "all_responses",
    "can_issue_links",
    "can_record",
    "framework",
    "issue_survey_link",
    "lm3",
    "open_link",
    "record_entry",
    "require_survey_issuer",
    "simulate",
    "status",
    "submit_answers",
    "survey_links",
]


def framework(ws: Workspace) -> Framework:
    return load_framework(ws)


def can_record(viewer: Viewer, org: str | None) -> bool:
    return org is not None and viewer.may("record-social-value", org)


def record_entry(
    ws: Workspace,
    viewer: Viewer,
    org: str,
    which: Literal["commitment", "delivery"],
    form: Mapping[str, str],
    *,
    ip: str | None = None,
) -> None:
    """Record one commitment or delivery line for the anchor; EntryInvalid lists every problem of the form."""
    if not can_record(viewer, org):
        raise Forbidden(
            "Only an admin or analyst of this anchor can record its social value.",
            fix="Ask your anchor admin for the analyst role.",
        )
    slug = ws.config.anchor(org).slug
    (add_commitment if which == "commitment" else add_delivery)(ws, slug, form)
    audited(
        ws,
        viewer,
        f"socialvalue-{which}",
        org=slug,
        ip=ip,
        detail={"contract_ref": str(form.get("contract_ref", ""))[:200]},
    )


def can_issue_links(viewer: Viewer, org: str | None) -> bool:
    return org is not None and viewer.may("issue-survey", org)


def survey_links(ws: Workspace, viewer: Viewer, org: str | None) -> list[Lm3SurveyLink]:
    """The anchor's survey links (who they went to, used or not): for those who may issue them."""
    return links(ws, org) if org and can_issue_links(viewer, org) else []


def require_survey_issuer(ws: Workspace, viewer: Viewer, org: str) -> str:
    """The anchor's slug, if this viewer may send its suppliers survey links; else Forbidden."""
    if not org or not can_issue_links(viewer, ws.config.anchor(org).slug):
        raise Forbidden(
            "Only an admin or analyst of this anchor can send its suppliers survey links.",
            fix="Ask your anchor admin for the analyst role.",
        )
    return ws.config.anchor(org).slug


def issue_survey_link(
    ws: Workspace,
    viewer: Viewer,
    org: str,
    supplier_name: str,
    *,
    income: Decimal | None = None,
    year: int | None = None,
    ip: str | None = None,
) -> Issued:
    """A one-time LM3 survey link for one supplier of the anchor (its admin or analyst, or the local operator)."""
    slug = require_survey_issuer(ws, viewer, org)
    issued = issue_link(ws, slug, supplier_name, created_by=viewer.email, income=income, year=year)
    audited(ws, viewer, "lm3-survey-link", org=slug, ip=ip, detail={"link_id": issued.link_id})
    return issued
