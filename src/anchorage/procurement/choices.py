"""The kinds of file a lake takes, in a module of their own so that `anchorage lake --help` does not
import every import kind and Ibis (procurement/lake_ingest.py re-exports them)."""

from __future__ import annotations

import enum


class LakeKind(enum.StrEnum):
    """What files a lake takes: payments, or an anchor's supplier master."""

    spend = "spend"
    suppliers = "suppliers"
