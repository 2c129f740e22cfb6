"""The roles a user may have, in a module of their own so that `anchorage users --help` does not import
SQLAlchemy (store/accounts.py, which keeps users, re-exports them)."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    collaborative_admin = "collaborative-admin"
    anchor_admin = "anchor-admin"
    anchor_analyst = "anchor-analyst"
    viewer = "viewer"


ROLES = tuple(r.value for r in Role)
