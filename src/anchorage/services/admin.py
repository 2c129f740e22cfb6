"""Administration services: users (invite, role, password reset, API tokens), sharing of detail between anchors,
and the audit log, for the web and the command line alike. Who may do what comes from the one permission table."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, ValidationInfo, field_validator
from sqlalchemy import select

from anchorage.access import accounts, audit, gate
from anchorage.access.gate import Viewer
from anchorage.core.forms import FormProblems, checked
from anchorage.core.roles import ROLES
from anchorage.public_forms.outbox import Delivery, send_email
from anchorage.services.common import audited
from anchorage.store.accounts import ApiToken, Share, User
from anchorage.workspace import Workspace

EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class InviteForm(BaseModel):
    """The invite form: an email address, a role the inviter may grant, and the anchor (blank: the collaborative)."""

    email: str
    role: str
    org: str = ""

    @field_validator("email")
    @classmethod
    def _email(cls, v: str) -> str:
        v = v.strip()
        if not EMAIL.fullmatch(v) or len(v) > 320:
            raise ValueError("Enter an email address, like name@council.gov.uk.")
        return v.lower()

    @field_validator("role")
    @classmethod
    def _role(cls, v: str) -> str:
        if v not in ROLES:
            raise ValueError("Choose a role from the list.")
        return v

    @field_validator("org")
    @classmethod
    def _org_fits_role(cls, v: str, info: ValidationInfo) -> str:
        role = info.data.get(
            "role"
        )  # absent when the role itself was wrong (said once, under the role)
        if role is not None:
            try:
                accounts.check_role(role, v or None)
            except accounts.AccessError as exc:
                raise ValueError(str(exc)) from None
        return v


def grantable_roles(viewer: Viewer) -> list[str]:
    """The roles this admin may give, least powerful first (so a form never defaults to the most powerful)."""
    return [
        r
        for r in reversed(ROLES)
        if r != "collaborative-admin" or viewer.may("grant-collaborative-admin")
    ]


def _require_grant(viewer: Viewer, role: str) -> None:
    if role in ROLES and role not in grantable_roles(
        viewer
    ):  # an unknown role: check_role names it
        raise accounts.Forbidden(
            "Only a collaborative admin can make another.", fix="Ask the collaborative admin."
        )


def users(ws: Workspace, viewer: Viewer) -> list[User]:
    """The users this admin administers: everyone for the collaborative admin, else their own anchor's."""
    viewer.require_admin(viewer.org)
    with ws.session() as s:
        q = select(User).order_by(User.org, User.email)
        if not viewer.is_collaborative_admin:
            q = q.where(User.org == viewer.org)
        return list(s.scalars(q).all())


def _org(ws: Workspace, value: str) -> str | None:
    return ws.config.anchor(value).slug if value else None


def _actor(s: Any, viewer: Viewer) -> User:
    user = s.get(User, viewer.user_id)
    if user is None:  # the local operator has no account: invitations are made by an account holder
        raise accounts.Forbidden(
            "Invitations are made by a signed-in admin.",
            web_fix="Sign in as an admin to invite people.",
            fix="Use `anchorage users add`.",
        )
    return user


def invite(
    ws: Workspace,
    viewer: Viewer,
    values: dict[str, str],
    *,
    link_for: Callable[[str], str],
    role_words: Callable[[str], str],
) -> tuple[str, Delivery]:
    """Invite someone (every problem of the form at once); the one-time link, and what happened to its email."""
    form: InviteForm = checked(InviteForm, values)
    org = _org(ws, form.org)
    viewer.require_admin(org)
    _require_grant(viewer, form.role)
    try:
        with ws.session() as s:
            token = accounts.invite(s, _actor(s, viewer), form.email, role=form.role, org=org)
            s.commit()
    except accounts.Forbidden:
        raise
    except accounts.AccessError as exc:  # the address already has an account
        raise FormProblems({"email": str(exc)}) from None
    link = link_for(token)
    where = ws.config.anchor(org).name if org else "the whole collaborative"
    sent = send_email(
        ws,
        form.email,
        f"You are invited to {ws.config.collaborative}",
        f"{viewer.email} has invited you to the Anchorage workspace of "
        f"{ws.config.collaborative}, as {role_words(form.role).lower()} for {where}.\n\n"
        f"To choose your password and sign in, open this link within 7 days:\n{link}\n\n"
        "If you did not expect this, ignore this message.",
    )
    return link, sent


def add_user(
    ws: Workspace, viewer: Viewer, email: str, role: str, org: str | None
) -> tuple[User, str]:
    """Create a user with a one-time link to set their password (the command line's `users add`); audited."""
    slug = _org(ws, org or "")
    viewer.require_admin(slug)
    _require_grant(viewer, role)
    with ws.session() as s:
        user = accounts.create_user(s, email, role=role, org=slug)
        audited(
            ws,
            viewer,
            "user-added",
            org=slug,
            detail={"email": user.email, "role": role},
            session=s,
        )
        token = accounts.reset_link(s, None, user)
        s.commit()
        return user, token


def target(ws: Workspace, viewer: Viewer, user_id: str, *, ip: str | None = None) -> User:
    """A user this admin administers; another anchor's user gets the same answer as no user at all."""
    viewer.require_admin(viewer.org)  # not an admin at all: refused as such, whatever the id
    with ws.session() as s:
        user = s.get(User, user_id)
    if user is None or not (
        viewer.is_collaborative_admin or (user.org is not None and user.org == viewer.org)
    ):
        gate.refuse(
            ws, viewer, "user", user_id, "missing" if user is None else f"of {user.org}", ip=ip
        )
    return user


def change_role(ws: Workspace, viewer: Viewer, user_id: str, role: str, org: str) -> None:
    user = target(ws, viewer, user_id)
    slug = _org(ws, org) if viewer.is_collaborative_admin else user.org
    _require_grant(viewer, role)
    with ws.session() as s:
        accounts.change_role(s, _actor(s, viewer), s.merge(user), role, slug)
        s.commit()


def reset_password(
    ws: Workspace, viewer: Viewer, user_id: str, *, link_for: Callable[[str], str]
) -> tuple[str, Delivery]:
    user = target(ws, viewer, user_id)
    with ws.session() as s:
        token = accounts.reset_link(s, _actor(s, viewer), s.merge(user))
        s.commit()
    link = link_for(token)
    sent = send_email(
        ws,
        user.email,
        f"Choose a new password for {ws.config.collaborative}",
        f"{viewer.email} has reset your password for the Anchorage workspace of "
        f"{ws.config.collaborative}. Your old password no longer works.\n\n"
        f"To choose a new one, open this link within 7 days:\n{link}\n\n"
        "If you did not ask for this, tell your admin.",
    )
    return link, sent


def api_tokens(ws: Workspace, viewer: Viewer, user_id: str) -> tuple[User, Sequence[ApiToken]]:
    user = target(ws, viewer, user_id)
    with ws.session() as s:
        return user, accounts.api_tokens(s, user)


def revoke_token(ws: Workspace, viewer: Viewer, user_id: str, public_id: str) -> None:
    user = target(ws, viewer, user_id)
    with ws.session() as s:
        accounts.revoke_token(s, viewer.email, s.merge(user), public_id)
        s.commit()


def shares(ws: Workspace, viewer: Viewer) -> list[Share]:
    viewer.require_admin(viewer.org)
    with ws.session() as s:
        return gate.shares(s, None if viewer.is_collaborative_admin else viewer.org)


def set_sharing(ws: Workspace, viewer: Viewer, owner: str, grantee: str, share: bool) -> None:
    """Let `grantee`'s users see `owner`'s detail (its own admin), or stop (that admin or the collaborative's)."""
    owner_slug, grantee_slug = ws.config.anchor(owner).slug, ws.config.anchor(grantee).slug
    with ws.session() as s:
        (gate.grant if share else gate.revoke)(s, viewer, owner_slug, grantee_slug)
        s.commit()


def audit_log(
    ws: Workspace, viewer: Viewer, filters: audit.AuditSearch, page: int
) -> audit.AuditPage:
    viewer.require_admin(viewer.org)
    with ws.session() as s:
        return audit.search(
            s,
            reader_email=viewer.email,
            detail_orgs=viewer.detail_orgs,
            scope=None if viewer.is_collaborative_admin else viewer.org,
            filters=filters,
            page=page,
        )


AuditSearch = audit.AuditSearch
