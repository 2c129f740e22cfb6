"""What the HE engagement summary's rows can be, in a module of their own so that `anchorage workforce
--help` does not import pandas (workforce/he_partners.py re-exports them)."""

from __future__ import annotations

import enum


class HeBy(enum.StrEnum):
    """What the engagement summary's rows are."""

    anchor = "anchor"
    partner = "partner"
    outcome = "outcome"


GROUPINGS = tuple(b.value for b in HeBy)
