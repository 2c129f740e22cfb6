"""The data boundary, in one place: who sees which anchor's transaction-level detail.

An anchor's transactions, supplier lists, uploads and quarantine are detail: only its own users see them,
plus the users of anchors it has shared with. Everyone signed in sees aggregates of every anchor and of
the collaborative. Every page, export and API route asks this gate; none decides for itself.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from typing import NoReturn

from sqlalchemy import select
from sqlalchemy.orm import Session

from anchorage.access import audit
from anchorage.access.accounts import Forbidden
from anchorage.core.errors import NotFound
from anchorage.store.accounts import Share, User
from anchorage.workspace import Workspace

UPLOAD_ROLES = {"anchor-admin", "anchor-analyst"}
# The person running a command on the workspace's own machine: they hold its files, so they act for every anchor
# (as the owner of the files could anyway); their actions are audited as the OS user "(command line)".
LOCAL_OPERATOR = "local-operator"
ANCHOR_WIDE = frozenset(
    {"collaborative-admin", LOCAL_OPERATOR}
)  # roles that belong to no one anchor


def _roles(*names: str) -> frozenset[str]:
    return frozenset({*names, LOCAL_OPERATOR})


# The permission table: who may change an anchor's objects. Roles name users *of that same anchor*; the
# collaborative admin (who belongs to no anchor) may act for every anchor only where it is listed; the local
# operator everywhere. The checks (`Viewer.may`) and the pages' buttons both read this table; nothing else
# grants a power.
PERMISSIONS: dict[str, frozenset[str]] = {
    "upload": _roles(*UPLOAD_ROLES),
    "review-suppliers": _roles(*UPLOAD_ROLES, "collaborative-admin"),
    "pledge": _roles(*UPLOAD_ROLES),
    "withdraw-apprentice": _roles("anchor-admin"),
    "withdraw-placement": _roles("anchor-admin"),
    "transfer-levy": _roles("anchor-admin"),
    "share-detail": _roles("anchor-admin"),
    "stop-sharing": _roles("anchor-admin", "collaborative-admin"),
    # An anchor's jobs (loads of its files) name its files and figures: its own users, and the collaborative admin.
    "see-jobs": _roles("anchor-admin", "anchor-analyst", "viewer", "collaborative-admin"),
    "edit-assets": _roles(
        *UPLOAD_ROLES
    ),  # review decisions, occupancy, transfers, spaces and their requests
    "keep-acv": _roles(
        *UPLOAD_ROLES
    ),  # the ACV list: only of a council anchor (services/assets.py)
    "issue-survey": _roles(*UPLOAD_ROLES),  # LM3 one-time survey links
    "record-social-value": _roles(*UPLOAD_ROLES),
    "administer": _roles(
        "anchor-admin", "collaborative-admin"
    ),  # users, sharing, audit log of the anchor
    "grant-collaborative-admin": _roles("collaborative-admin"),
    "publish-pipeline": _roles("anchor-admin", "collaborative-admin"),
    "purge-registrations": _roles("collaborative-admin"),
    # A file whose rows name several anchors (an area's file, loaded without one anchor): the collaborative's.
    "load-area-wide": _roles("collaborative-admin"),
    # The young people's starts in a bid pledge are listed to the anchor that entered it (never to anchors it
    # shares with, nor to the local operator: a bid pack made by command shows them suppressed); those in the
    # collaborative's own list (loaded by file) to the collaborative admin only.
    "see-starts": frozenset({"anchor-admin", "anchor-analyst", "viewer"}),
    "see-collaborative-starts": frozenset({"collaborative-admin"}),
    # The employment programmes' rules a bid is checked against are the collaborative's (workforce/programmes.py).
    "edit-programmes": _roles("collaborative-admin"),
}


@dataclass(frozen=True)
class Viewer:
    """A signed-in user as the gate sees them."""

    user_id: str
    email: str
    role: str
    org: str | None
    detail_orgs: frozenset[str]  # anchors whose detail this user may see (own + shared with them)

    def sees_detail(self, org: str) -> bool:
        return org in self.detail_orgs

    def require_detail(self, org: str, name: str | None = None) -> None:
        """Refused unless this user sees `org`'s detail; the message names the anchor by `name` (never its slug)."""
        if not self.sees_detail(org):
            raise Forbidden(
                f"You cannot see {name or 'this anchor'}'s transactions, suppliers or uploads.",
                fix="Its anchor admin can share them with your anchor.",
            )

    def may(self, action: str, org: str | None = None) -> bool:
        """Whether the permission table lets this user do `action` to an object of anchor `org` (None: an object
        of no one anchor, which only the anchor-wide roles may change)."""
        roles = PERMISSIONS[action]
        if self.role in ANCHOR_WIDE:
            return self.role in roles
        return self.role in roles and bool(self.org) and self.org == org

    def require_upload(self, org: str) -> None:
        if not self.may("upload", org):
            raise Forbidden(
                "Only an admin or analyst of this anchor can upload its files.",
                fix="Ask your anchor admin for the analyst role.",
            )

    def can_review(self, org: str) -> bool:
        """Deciding on an anchor's supplier matches: its detail, and its analyst or admin role (or collaborative admin)."""
        return self.sees_detail(org) and self.may("review-suppliers", org)

    def require_review(self, org: str) -> None:
        self.require_detail(org)
        if not self.can_review(org):
            raise Forbidden(
                "Only an admin or analyst of this anchor can decide on its supplier matches.",
                fix="Ask your anchor admin for the analyst role.",
            )

    def require_admin(self, org: str | None = None) -> None:
        """Collaborative admins administer everyone; anchor admins only their own anchor."""
        if self.may("administer", org):
            return
        raise Forbidden(
            "This needs an admin.", fix="Ask your anchor admin or the collaborative admin."
        )

    @property
    def is_collaborative_admin(self) -> bool:
        """Acts for the whole collaborative (a collaborative admin, or the local operator)."""
        return self.role in ANCHOR_WIDE

    @property
    def is_local_operator(self) -> bool:
        return self.role == LOCAL_OPERATOR


def local_operator(ws: Workspace) -> Viewer:
    """The command line's viewer: the person at the workspace's own machine, audited as their OS user."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (e.g. some containers)
        who = f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"
    return Viewer(
        "local-operator",
        f"{who} (command line)",
        LOCAL_OPERATOR,
        None,
        frozenset(a.slug for a in ws.config.anchors),
    )


def refuse(
    ws: Workspace, viewer: Viewer, what: str, ref: object, reason: str, *, ip: str | None = None
) -> NoReturn:
    """The one answer for a reference this user may not use: it does not exist, or it is another anchor's.

    Both give the same 404 and the same words (never the reference, nor whose it is), so references cannot be
    probed; the attempt is audited as refused, with the real reason for the admins."""
    with ws.session() as s:
        audit.record(
            s,
            viewer.email,
            "refused",
            org=viewer.org,
            ip=ip,
            detail={"what": what, "ref": str(ref)[:80], "reason": reason},
        )
        s.commit()
    refused = NotFound(
        f"There is no {what} here that you can open or change.",
        fix="Go back to the list and choose one from it.",
    )
    refused.audited = True  # the web's error handler does not record it a second time
    raise refused


def viewer_for(s: Session, user: User) -> Viewer:
    shared = (
        set()
        if user.org is None
        else set(s.scalars(select(Share.owner).where(Share.grantee == user.org)).all())
    )
    own = {user.org} if user.org else set()
    return Viewer(user.id, user.email, user.role, user.org, frozenset(own | shared))


def shares(s: Session, owner: str | None = None) -> list[Share]:
    q = select(Share).order_by(Share.owner, Share.grantee)
    return list(s.scalars(q if owner is None else q.where(Share.owner == owner)).all())


def grant(s: Session, by: Viewer, owner: str, grantee: str) -> None:
    """Let `grantee`'s users see `owner`'s detail. Only `owner`'s admin may share its data."""
    if not by.may("share-detail", owner):
        raise Forbidden(
            "Only the anchor's own admin can share its detail.", fix="Ask that anchor's admin."
        )
    if owner == grantee:
        return
    if s.scalar(select(Share).where(Share.owner == owner, Share.grantee == grantee)) is None:
        s.add(Share(owner=owner, grantee=grantee, granted_by=by.user_id))
        audit.record(s, by.email, "share-granted", org=owner, detail={"grantee": grantee})


def revoke(s: Session, by: Viewer, owner: str, grantee: str) -> None:
    if not by.may("stop-sharing", owner):
        raise Forbidden(
            "Only the anchor's own admin can stop sharing its detail.",
            fix="Ask that anchor's admin.",
        )
    row = s.scalar(select(Share).where(Share.owner == owner, Share.grantee == grantee))
    if row is not None:
        s.delete(row)
        audit.record(s, by.email, "share-revoked", org=owner, detail={"grantee": grantee})
