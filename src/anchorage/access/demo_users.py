"""Demo logins for the demo collaborative (never created in a real workspace)."""

from __future__ import annotations

from sqlalchemy import select

from anchorage.access import accounts
from anchorage.store.accounts import User
from anchorage.workspace import Workspace

DEMO_PASSWORD = "demo-password-2026"


def create_demo_users(ws: Workspace) -> list[tuple[str, str, str | None]]:
    """One collaborative admin, and an admin and an analyst for each of the first two anchors, plus a viewer."""
    anchors = [a.slug for a in ws.config.anchors]
    wanted: list[tuple[str, str, str | None]] = [
        ("admin@demo.anchorage.org", "collaborative-admin", None)
    ]
    for slug in anchors[:2]:
        wanted += [
            (f"admin@{slug}.demo", "anchor-admin", slug),
            (f"analyst@{slug}.demo", "anchor-analyst", slug),
        ]
    if len(anchors) > 2:
        wanted.append((f"viewer@{anchors[2]}.demo", "viewer", anchors[2]))
    with ws.session() as s:
        for email, role, org in wanted:
            if s.scalar(select(User).where(User.email == email)) is None:
                accounts.create_user(
                    s, email, role=role, org=org, password=DEMO_PASSWORD, name=email.split("@")[0]
                )
        s.commit()
    return wanted
