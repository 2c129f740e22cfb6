"""Request → offer → booking for community spaces: validated status changes, each one notifying the other side."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from anchorage.assets.times import overlaps, parse_times
from anchorage.core.errors import AnchorageError
from anchorage.public_forms.outbox import send_email
from anchorage.store.assets_records import Need, Notification, Space, SpaceRequest
from anchorage.workspace import Workspace

# status -> {action: new status}; the action names who may take it (group or anchor).
TRANSITIONS: dict[str, dict[str, str]] = {
    "requested": {"offer": "offered", "decline": "declined", "withdraw": "withdrawn"},
    "offered": {"accept": "booked", "decline": "declined", "withdraw": "withdrawn"},
    "booked": {"cancel": "cancelled"},
    "declined": {},
    "withdrawn": {},
    "cancelled": {},
}


BY_ANCHOR = {"offer", "decline", "cancel"}
BY_GROUP = {"withdraw", "accept", "cancel"}


class WorkflowError(AnchorageError):
    """A status change that the request's current status does not allow."""


def _notify(s: Session, recipient: str, kind: str, message: str, request_id: str) -> None:
    s.add(Notification(recipient=recipient, kind=kind, message=message, request_id=request_id))


def request_space(ws: Workspace, need_id: str, space_id: str, message: str = "") -> SpaceRequest:
    """A group asks for a space for its published need; the anchor is notified."""
    with ws.session() as s:
        need, space = s.get(Need, need_id), s.get(Space, space_id)
        if need is None or need.status != "published":
            raise WorkflowError(
                f"Need {need_id} is not a published need.", fix="Confirm the need first."
            )
        if space is None or not space.active:
            raise WorkflowError(f"Space {space_id} is not an active space.")
        open_ = s.scalars(
            select(SpaceRequest).where(
                SpaceRequest.need_id == need_id,
                SpaceRequest.space_id == space_id,
                SpaceRequest.status.in_(("requested", "offered", "booked")),
            )
        ).first()
        if open_ is not None:
            raise WorkflowError(
                f"Need {need_id} already has request {open_.id} for this space ({open_.status})."
            )
        req = SpaceRequest(
            need_id=need_id,
            space_id=space_id,
            status="requested",
            message=message[:2000],
            history=[{"status": "requested", "at": dt.datetime.now(dt.UTC).isoformat()}],
        )
        s.add(req)
        s.flush()
        _notify(
            s,
            space.org,
            "request",
            f'{need.group_name} asks to use "{space.name}" for {need.activity} '
            f"({need.people} people).",
            req.id,
        )
        s.commit()
        return req


def change_request(
    ws: Workspace, request_id: str, action: str, *, by: str, note: str = ""
) -> SpaceRequest:
    """Apply an action (offer, accept, decline, withdraw, cancel) taken by `by` ("group" or an anchor slug)."""
    with ws.session() as s:
        req = s.get(SpaceRequest, request_id)
        if req is None:
            raise WorkflowError(f"There is no space request {request_id}.")
        need, space = s.get(Need, req.need_id), s.get(Space, req.space_id)
        assert need is not None and space is not None
        allowed = TRANSITIONS[req.status]
        if action not in allowed:
            can = ", ".join(allowed) or "nothing (it is closed)"
            raise WorkflowError(
                f"Request {request_id} is {req.status}; '{action}' is not possible (possible: {can})."
            )
        is_group = by == "group"
        if (is_group and action not in BY_GROUP) or (
            not is_group and (action not in BY_ANCHOR or by != space.org)
        ):
            who = "the group" if is_group else by
            raise WorkflowError(
                f"{who} cannot {action} request {request_id}.",
                fix=f"Only {space.org} can offer or decline; only the group can accept or withdraw.",
            )
        if action == "accept":
            _check_free(s, req, need, space)
        req.status = allowed[action]
        req.updated_at = dt.datetime.now(dt.UTC)
        req.history = [
            *req.history,
            {"status": req.status, "by": by, "note": note, "at": req.updated_at.isoformat()},
        ]
        to = f"need:{need.id}" if not is_group else space.org
        message = (
            f'Request {req.id} for "{space.name}" by {need.group_name} is now {req.status}.'
            + (f" {note}" if note else "")
        )
        _notify(s, to, req.status, message, req.id)
        s.commit()
        group_email = need.contact_email if not is_group else None
    if (
        group_email
    ):  # the group has no login: its notice goes by email (after the commit, outside the session)
        send_email(
            ws,
            group_email,
            f'Your request for "{space.name}" is now {req.status}',
            f"Hello {need.group_name},\n\n{message}\n\nWith thanks,\n{ws.config.collaborative}",
        )
    return req


def _check_free(s: Session, req: SpaceRequest, need: Need, space: Space) -> None:
    """A space cannot be booked twice at overlapping times."""
    mine = parse_times(need.times)
    for other in s.scalars(
        select(SpaceRequest).where(
            SpaceRequest.space_id == space.id,
            SpaceRequest.status == "booked",
            SpaceRequest.id != req.id,
        )
    ):
        other_need = s.get(Need, other.need_id)
        theirs = parse_times(
            other_need.times if other_need else ""
        )  # unknown times count as a clash
        if not any(mine) or not any(theirs) or overlaps(mine, theirs):
            raise WorkflowError(
                f'"{space.name}" is already booked at those times (request {other.id}).',
                fix="Ask the anchor for other times or choose another space.",
            )


def notifications_for(
    ws: Workspace, recipient: str, *, unread_only: bool = False
) -> list[Notification]:
    """Notifications for an anchor (its slug) or a group ('need:<id>'), newest first."""
    with ws.session() as s:
        q = select(Notification).where(Notification.recipient == recipient)
        if unread_only:
            q = q.where(Notification.read_at.is_(None))
        return list(s.scalars(q.order_by(Notification.created_at.desc(), Notification.id.desc())))


def mark_read(ws: Workspace, notification_id: str) -> None:
    with ws.session() as s:
        n = s.get(Notification, notification_id)
        if n is None:
            raise AnchorageError(f"There is no notification {notification_id}.")
        n.read_at = dt.datetime.now(dt.UTC)
        s.commit()
