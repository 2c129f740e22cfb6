"""How the collaboration finder groups contracts, in a module of their own so that `anchorage pipeline
--help` does not import DuckDB (contracts/finder.py re-exports them)."""

from __future__ import annotations

import enum


class Grouping(enum.StrEnum):
    """What groups contracts to buy together: the shared category (else the CPV prefix), or CPV only."""

    mapped = "mapped"
    cpv = "cpv"
