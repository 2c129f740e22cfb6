"""What every service shares: the audit record of a viewer's action, and the viewer a command runs as."""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import select

from anchorage.access import audit
from anchorage.access.gate import Viewer, local_operator, viewer_for
from anchorage.core.errors import AnchorageError
from anchorage.store.accounts import User
from anchorage.workspace import Workspace

AS_USER_ENV = "ANCHORAGE_AS"  # run a command as a workspace user: their boundary and permissions apply


def audited(ws: Workspace, viewer: Viewer, action: str, *, org: str | None = None, ip: str | None = None,
            detail: dict[str, Any] | None = None) -> None:
    """One audit record of what `viewer` did (web and command line alike)."""
    with ws.session() as s:
        audit.record(s, viewer.email, action, org=org, ip=ip, detail=detail)
        s.commit()


def command_viewer(ws: Workspace) -> Viewer:
    """Who a command runs as: the local operator (every anchor), or the user named by ANCHORAGE_AS."""
    email = os.environ.get(AS_USER_ENV, "").strip()
    if not email:
        return local_operator(ws)
    with ws.session() as s:
        user = s.scalar(select(User).where(User.email == email.lower()))
        if user is None or not user.active:
            raise AnchorageError(f"{AS_USER_ENV}={email}: there is no active user with that email.",
                                 fix="Use the email of a user in `anchorage users list`, or unset it.")
        return viewer_for(s, user)
