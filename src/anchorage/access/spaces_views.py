"""The community-space boundary: spaces, needs, matches, and the request → offer → booking workflow as each
signed-in user may see and change them.

- Spaces anchors offer, published needs (activity, size, times, access, area, budget) and the ranked
  matches are for every signed-in user: they exist to be matched.
- A request and its booking are the space's anchor's detail (`viewer.sees_detail(space.org)`).
- A community group's name and email are personal data: shown only to the users of the anchor whose space
  the group has asked for (the people handling the request), never through sharing.
- Staff of the space's anchor take the anchor's steps (offer, decline, cancel) and record the group's
  (accept, withdraw) on its behalf, after hearing from the group by email."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from anchorage.access.assets_views import require_editor
from anchorage.access.gate import Viewer, refuse
from anchorage.assets import workflow
from anchorage.assets.matching import match_needs
from anchorage.assets.spaces import add_space
from anchorage.store.assets_records import Need, Notification, Space, SpaceRequest
from anchorage.workspace import Workspace

GROUP_ACTIONS = {"accept", "withdraw"}  # recorded by the anchor's staff on the group's behalf


def spaces(ws: Workspace) -> list[Space]:
    with ws.session() as s:
        return list(
            s.scalars(select(Space).where(Space.active.is_(True)).order_by(Space.org, Space.name))
        )


def new_space(ws: Workspace, viewer: Viewer, org: str, values: dict[str, str]) -> Space:
    require_editor(viewer, org)  # before the anchor look-up: users of no anchor get a plain refusal
    slug = ws.config.anchor(org).slug
    fields = (
        "ref",
        "name",
        "asset_key",
        "postcode",
        "capacity",
        "times",
        "facilities",
        "accessibility",
        "hourly_cost",
    )
    return add_space(ws, slug, **{k: (values.get(k) or "").strip()[:300] or None for k in fields})


def _handled_needs(s: Any, viewer: Viewer) -> set[int]:
    """Needs that asked for one of the viewer's own anchor's spaces: its users handle them."""
    if viewer.org is None:
        return set()
    return set(
        s.scalars(
            select(SpaceRequest.need_id)
            .join(Space, Space.id == SpaceRequest.space_id)
            .where(Space.org == viewer.org)
        ).all()
    )


@dataclass
class NeedView:
    id: str
    activity: str
    description: str
    people: int
    times: list[str]
    accessibility: list[str]
    facilities: list[str]
    area: str
    budget_per_hour: Any
    max_distance_m: int
    group_name: str | None  # None unless the viewer handles a request from this group
    contact_email: str | None


_POSTCODE = re.compile(r"\s*([A-Za-z]{1,2}\d[A-Za-z\d]?)\s*\d[A-Za-z]{2}\s*")


def public_area(area: str) -> str:
    """Where a group meets, as others see it: a full postcode (perhaps a home) only as its district ("SE6")."""
    found = _POSTCODE.fullmatch(area)
    return f"{found.group(1).upper()} (postcode district)" if found else area


def needs(ws: Workspace, viewer: Viewer) -> list[NeedView]:
    """Published needs; the group's name, email and full postcode only where the viewer's anchor handles its
    request (others see the postcode's district)."""
    with ws.session() as s:
        handled = _handled_needs(s, viewer)
        rows = s.scalars(
            select(Need).where(Need.status == "published").order_by(Need.created_at, Need.id)
        ).all()
        return [
            NeedView(
                n.id,
                n.activity,
                n.description,
                n.people,
                list(n.times),
                list(n.accessibility),
                list(n.facilities),
                n.area if n.id in handled else public_area(n.area),
                n.budget_per_hour,
                n.max_distance_m,
                n.group_name if n.id in handled else None,
                n.contact_email if n.id in handled else None,
            )
            for n in rows
        ]


def matches(ws: Workspace) -> list[dict[str, Any]]:
    """Ranked matches with the need's activity and area (no contact details)."""
    found = match_needs(ws)
    with ws.session() as s:
        info = {
            n.id: (n.activity, public_area(n.area), n.people)
            for n in s.scalars(select(Need).where(Need.status == "published"))
        }
    return [
        {
            "need_id": m.need_id,
            "rank": m.rank,
            "space_id": m.space_id,
            "org": m.org,
            "space": m.space,
            "distance_m": m.distance_m,
            "score": m.score,
            "reasons": m.reasons,
            "activity": info.get(m.need_id, ("", "", 0))[0],
            "area": info.get(m.need_id, ("", "", 0))[1],
            "people": info.get(m.need_id, ("", "", 0))[2],
        }
        for m in found
    ]


@dataclass
class RequestView:
    id: str
    status: str
    need_id: str
    activity: str
    people: int
    times: list[str]
    space_id: str
    space: str
    org: str
    message: str
    history: list[dict[str, Any]]
    group_name: str | None
    contact_email: str | None
    actions: list[str]


def requests(ws: Workspace, viewer: Viewer) -> list[RequestView]:
    """Requests for spaces of anchors whose detail the viewer sees, newest first."""
    with ws.session() as s:
        q = (
            select(SpaceRequest, Space, Need)
            .join(Space, Space.id == SpaceRequest.space_id)
            .join(Need, Need.id == SpaceRequest.need_id)
            .order_by(SpaceRequest.created_at.desc(), SpaceRequest.id)
        )
        out = []
        for req, space, need in s.execute(q).all():
            if not viewer.sees_detail(space.org):
                continue
            mine = viewer.org == space.org
            out.append(
                RequestView(
                    req.id,
                    req.status,
                    need.id,
                    need.activity,
                    need.people,
                    list(need.times),
                    space.id,
                    space.name,
                    space.org,
                    req.message,
                    list(req.history),
                    need.group_name if mine else None,
                    need.contact_email if mine else None,
                    list(workflow.TRANSITIONS[req.status]) if mine else [],
                )
            )
        return out


def _editable(ws: Workspace, viewer: Viewer, org: str | None, what: str, ref: object) -> None:
    """One refusal for a missing object and another anchor's; the anchor's own users then need an editor role."""
    if org is None or viewer.org is None or viewer.org != org:
        refuse(ws, viewer, what, ref, "missing" if org is None else f"of {org}")
    require_editor(viewer, org)


def record_request(
    ws: Workspace, viewer: Viewer, need_id: str, space_id: str, message: str = ""
) -> SpaceRequest:
    """Record a group's request for a space (its anchor's staff, on hearing from the group)."""
    with ws.session() as s:
        space = s.get(Space, space_id)
    _editable(ws, viewer, space.org if space else None, "space", space_id)
    return workflow.request_space(ws, need_id, space_id, message[:2000])


def act(
    ws: Workspace, viewer: Viewer, request_id: str, action: str, note: str = ""
) -> SpaceRequest:
    with ws.session() as s:
        req = s.get(SpaceRequest, request_id)
        space = s.get(Space, req.space_id) if req else None
    _editable(ws, viewer, space.org if req and space else None, "space request", request_id)
    by = "group" if action in GROUP_ACTIONS else space.org  # type: ignore[union-attr]
    return workflow.change_request(ws, request_id, action, by=by, note=note[:500])


def notifications(ws: Workspace, viewer: Viewer) -> list[Notification]:
    """The viewer's anchor's notifications, newest first (none for users of no anchor)."""
    return workflow.notifications_for(ws, viewer.org) if viewer.org else []


def unread_count(ws: Workspace, viewer: Viewer) -> int:
    return len(workflow.notifications_for(ws, viewer.org, unread_only=True)) if viewer.org else 0


def mark_read(ws: Workspace, viewer: Viewer, notification_id: str) -> None:
    with ws.session() as s:
        n = s.get(Notification, notification_id)
    if n is None or viewer.org is None or n.recipient != viewer.org:
        refuse(
            ws,
            viewer,
            "notification",
            notification_id,
            "missing" if n is None else f"for {n.recipient}",
        )
    workflow.mark_read(ws, notification_id)


def group_notifications(ws: Workspace, viewer: Viewer, need_id: str) -> list[Notification]:
    """What the group was told (to pass on by email): for the users handling its request."""
    with ws.session() as s:
        if need_id not in _handled_needs(s, viewer):
            return []
    return workflow.notifications_for(ws, f"need:{need_id}")
