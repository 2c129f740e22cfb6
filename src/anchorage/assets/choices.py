"""The decisions an asset review records, in a module of their own so that `anchorage assets --help`
does not import pandas (assets/review.py re-exports them)."""

from __future__ import annotations

import enum


class Decision(enum.StrEnum):
    """What an anchor decides about an asset under review."""

    retain = "retain"
    share = "share"
    community_use = "community-use"
    transfer = "transfer"
    dispose = "dispose"
    investigate = "investigate"
    not_underused = "not-underused"


DECISIONS = tuple(d.value for d in Decision)
