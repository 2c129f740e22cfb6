"""The audit log: logins, failed logins, uploads, exports, sharing and role changes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from anchorage.store.accounts import AuditEvent, now


def record(s: Session, actor: str, action: str, *, org: str | None = None, ip: str | None = None,
           detail: dict[str, Any] | None = None) -> None:
    s.add(AuditEvent(at=now(), actor=actor, action=action, org=org, ip=ip, detail=detail or {}))
    s.flush()


def events(s: Session, *, org: str | None = None, limit: int = 200) -> Sequence[AuditEvent]:
    """Newest first; `org` limits to one anchor's events (an anchor admin's view)."""
    q = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if org is not None:
        q = q.where(AuditEvent.org == org)
    return s.scalars(q).all()
