"""The audit log: logins, failed logins, refusals, uploads, exports, sharing and role changes.

Reading it is gated like everything else: an event's detail (file names, employers, amounts, register ids...)
is its anchor's detail, shown in full only to those who see that anchor's detail (or who did it themselves).
Others see who, what, when and the anchor, plus only the administrative fields in ADMIN_FIELDS."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from anchorage.store.accounts import AuditEvent, now

# Fields about accounts and requests rather than an anchor's data: whoever may read the event sees them.
# Anything else is the anchor's detail (a new field is hidden until it is listed here).
ADMIN_FIELDS = frozenset(
    {
        "email",
        "role",
        "before",
        "after",
        "grantee",
        "reason",
        "what",
        "format",
        "method",
        "token_name",
        "tokens",
        "path",
        "status",
    }
)
PER_PAGE = 50


def record(
    s: Session,
    actor: str,
    action: str,
    *,
    org: str | None = None,
    ip: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    s.add(AuditEvent(at=now(), actor=actor, action=action, org=org, ip=ip, detail=detail or {}))
    s.flush()


def events(s: Session, *, org: str | None = None, limit: int = 200) -> Sequence[AuditEvent]:
    """Newest first, unfiltered (for the command line and tests); `org` limits to one anchor's events."""
    q = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if org is not None:
        q = q.where(AuditEvent.org == org)
    return s.scalars(q).all()


@dataclass(frozen=True)
class ShownEvent:
    """An event as one reader may see it."""

    at: dt.datetime
    actor: str
    action: str
    org: str | None
    ip: str | None
    detail: dict[str, Any]
    hidden: int  # detail fields left out for this reader


@dataclass(frozen=True)
class AuditSearch:
    who: str = ""  # part of the actor's email
    what: str = ""  # an action, e.g. "export" or "refused"
    since: dt.date | None = None
    until: dt.date | None = None  # inclusive


@dataclass
class AuditPage:
    events: list[ShownEvent]
    total: int
    page: int
    pages: int
    actions: list[str] = field(
        default_factory=list
    )  # every action in the reader's scope, for the filter


def shown(e: AuditEvent, reader_email: str, detail_orgs: frozenset[str]) -> ShownEvent:
    """The event with its detail cut to what this reader may see elsewhere."""
    full = e.actor == reader_email or (e.org is not None and e.org in detail_orgs)
    detail = dict(e.detail or {})
    kept = detail if full else {k: v for k, v in detail.items() if k in ADMIN_FIELDS}
    return ShownEvent(e.at, e.actor, e.action, e.org, e.ip, kept, len(detail) - len(kept))


def _filtered(q: Select[Any], scope: str | None, f: AuditSearch) -> Select[Any]:
    if scope is not None:
        q = q.where(AuditEvent.org == scope)
    if f.who.strip():
        q = q.where(func.lower(AuditEvent.actor).contains(f.who.strip().lower(), autoescape=True))
    if f.what.strip():
        q = q.where(AuditEvent.action == f.what.strip())
    if f.since:
        q = q.where(AuditEvent.at >= dt.datetime.combine(f.since, dt.time(), dt.UTC))
    if f.until:
        q = q.where(
            AuditEvent.at < dt.datetime.combine(f.until + dt.timedelta(days=1), dt.time(), dt.UTC)
        )
    return q


def search(
    s: Session,
    *,
    reader_email: str,
    detail_orgs: frozenset[str],
    scope: str | None,
    filters: AuditSearch = AuditSearch(),
    page: int = 1,
    per_page: int = PER_PAGE,
) -> AuditPage:
    """One page of events, newest first. `scope` is the one anchor whose events the reader may read (None: all)."""
    total = s.scalar(_filtered(select(func.count()).select_from(AuditEvent), scope, filters)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = s.scalars(
        _filtered(select(AuditEvent), scope, filters)
        .order_by(AuditEvent.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    actions = sorted(
        s.scalars(_filtered(select(AuditEvent.action).distinct(), scope, AuditSearch())).all()
    )
    return AuditPage(
        [shown(e, reader_email, detail_orgs) for e in rows], total, page, pages, actions
    )
