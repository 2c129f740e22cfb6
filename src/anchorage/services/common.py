"""What every service shares: the audit record of a viewer's action, and the viewer a command runs as."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from anchorage.access import audit
from anchorage.access.gate import Viewer, local_operator, viewer_for
from anchorage.core.errors import AnchorageError
from anchorage.store.accounts import User
from anchorage.workspace import Workspace

AS_USER_ENV = (
    "ANCHORAGE_AS"  # run a command as a workspace user: their boundary and permissions apply
)
# A command handed to the running web server runs in its process: the user it runs as comes with it, not from the
# server's own environment (cli/handoff.py).
_handed_over_as: ContextVar[str | None] = ContextVar("anchorage_handed_over_as", default=None)


@contextmanager
def acting_as(email: str | None) -> Iterator[None]:
    """Run the commands inside as the user a handed-over command was run as (None: the local operator)."""
    token = _handed_over_as.set(email or "")
    try:
        yield
    finally:
        _handed_over_as.reset(token)


def audited(
    ws: Workspace,
    viewer: Viewer | str,
    action: str,
    *,
    org: str | None = None,
    ip: str | None = None,
    detail: dict[str, Any] | None = None,
    session: Session | None = None,
) -> None:
    """One audit record of what `viewer` did (web and command line alike).

    A job's work is audited as whoever requested it: `viewer` is then their name as the job keeps it. With
    `session`, the record joins that open transaction (committed, or rolled back, with the change it records)."""
    actor = viewer if isinstance(viewer, str) else viewer.email
    if session is not None:
        audit.record(session, actor, action, org=org, ip=ip, detail=detail)
        return
    with ws.session() as s:
        audit.record(s, actor, action, org=org, ip=ip, detail=detail)
        s.commit()


def command_viewer(ws: Workspace, by: str = "") -> Viewer:
    """Who a command runs as: the local operator (every anchor; `by` names them in the audit log, else their OS
    user), or the workspace user named by ANCHORAGE_AS, whose boundary and permissions then apply."""
    handed = _handed_over_as.get()
    email = (handed if handed is not None else os.environ.get(AS_USER_ENV, "")).strip()
    if not email:
        operator = local_operator(ws)
        name = by.strip()[:200]
        return (
            replace(operator, email=f"{name} (command line)")
            if name and name != "command line"
            else operator
        )
    with ws.session() as s:
        user = s.scalar(select(User).where(User.email == email.lower()))
        if user is None or not user.active:
            raise AnchorageError(
                f"{AS_USER_ENV}={email}: there is no active user with that email.",
                web_fix="Ask whoever runs the workspace for Anchorage to do this.",
                fix="Use the email of a user in `anchorage users list`, or unset it.",
            )
        return viewer_for(s, user)
