"""The choices of the assets commands (an asset review's decisions, a transfer's terms and status, a space
request's actions), in a module of their own so that `anchorage assets --help` imports neither pandas nor
SQLAlchemy (assets/review.py, community.py and workflow.py re-export them)."""

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


class Terms(enum.StrEnum):
    freehold = "freehold"
    long_lease = "long-lease"
    lease = "lease"
    licence = "licence"


TERMS = tuple(t.value for t in Terms)


class TransferStatus(enum.StrEnum):
    """Where a community asset transfer stands (assets/community.py's TRANSFER_STEPS: which may follow which)."""

    proposed = "proposed"
    expression_of_interest = "expression-of-interest"
    business_case = "business-case"
    approved = "approved"
    completed = "completed"
    refused = "refused"
    withdrawn = "withdrawn"


class SpaceAction(enum.StrEnum):
    offer = "offer"
    accept = "accept"
    decline = "decline"
    withdraw = "withdraw"
    cancel = "cancel"
