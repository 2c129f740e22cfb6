"""Operational records of the assets workstream: review decisions, spaces, needs, requests, notifications,
Assets of Community Value and transfers (SQLAlchemy 2; SQLite by default, PostgreSQL by URL)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from anchorage.store.records import OPAQUE_ID_LENGTH, Base, opaque_id


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class AssetDecision(Base):
    """A decision on an asset flagged by the underused asset review; the latest one per asset stands."""

    __tablename__ = "asset_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org: Mapped[str] = mapped_column(String(120), index=True)
    asset_key: Mapped[str] = mapped_column(String(300), index=True)
    decision: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str] = mapped_column(String(200), default="")
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class Space(Base):
    """A space an anchor offers to community groups."""

    __tablename__ = "spaces"

    id: Mapped[str] = mapped_column(String(OPAQUE_ID_LENGTH), primary_key=True, default=opaque_id)
    org: Mapped[str] = mapped_column(String(120), index=True)
    ref: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(200))
    asset_key: Mapped[str | None] = mapped_column(String(300), nullable=True)
    postcode: Mapped[str | None] = mapped_column(String(10), nullable=True)
    easting: Mapped[float | None] = mapped_column(Float, nullable=True)
    northing: Mapped[float | None] = mapped_column(Float, nullable=True)
    capacity: Mapped[int] = mapped_column(Integer)
    times: Mapped[list] = mapped_column(JSON, default=list)
    facilities: Mapped[list] = mapped_column(JSON, default=list)
    accessibility: Mapped[list] = mapped_column(JSON, default=list)
    hourly_cost: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class Need(Base):
    """A community group's need for space; public submissions stay unpublished until confirmed."""

    __tablename__ = "needs"

    id: Mapped[str] = mapped_column(String(OPAQUE_ID_LENGTH), primary_key=True, default=opaque_id)
    ref: Mapped[str | None] = mapped_column(String(120), nullable=True, index=True)
    group_name: Mapped[str] = mapped_column(String(120))
    contact_email: Mapped[str] = mapped_column(String(254))
    activity: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    people: Mapped[int] = mapped_column(Integer)
    times: Mapped[list] = mapped_column(JSON, default=list)
    accessibility: Mapped[list] = mapped_column(JSON, default=list)
    facilities: Mapped[list] = mapped_column(JSON, default=list)
    area: Mapped[str] = mapped_column(String(120))
    easting: Mapped[float | None] = mapped_column(Float, nullable=True)
    northing: Mapped[float | None] = mapped_column(Float, nullable=True)
    max_distance_m: Mapped[int] = mapped_column(Integer, default=3000)
    budget_per_hour: Mapped[Decimal | None] = mapped_column(Numeric(10, 2), nullable=True)
    status: Mapped[str] = mapped_column(String(24), default="published", index=True)
    token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    token_expires_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    ip_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    email_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    fingerprint: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class SpaceRequest(Base):
    """A group's request for a space, through offer to booking (see assets.workflow for the statuses)."""

    __tablename__ = "space_requests"

    id: Mapped[str] = mapped_column(String(OPAQUE_ID_LENGTH), primary_key=True, default=opaque_id)
    need_id: Mapped[str] = mapped_column(ForeignKey("needs.id"), index=True)
    space_id: Mapped[str] = mapped_column(ForeignKey("spaces.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="requested")
    message: Mapped[str] = mapped_column(Text, default="")
    history: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class Notification(Base):
    """A message for an anchor (recipient = org slug) or a group (recipient = 'need:<id>'), shown on the web."""

    __tablename__ = "notifications"

    id: Mapped[str] = mapped_column(String(OPAQUE_ID_LENGTH), primary_key=True, default=opaque_id)
    recipient: Mapped[str] = mapped_column(String(140), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(String(OPAQUE_ID_LENGTH), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AcvListing(Base):
    """A nomination of land as an Asset of Community Value and, if listed, its listing (Localism Act 2011)."""

    __tablename__ = "acv_listings"

    id: Mapped[str] = mapped_column(String(OPAQUE_ID_LENGTH), primary_key=True, default=opaque_id)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(500), default="")
    org: Mapped[str | None] = mapped_column(String(120), nullable=True)
    asset_key: Mapped[str | None] = mapped_column(String(300), nullable=True)
    nominated_by: Mapped[str] = mapped_column(String(200))
    nominated_on: Mapped[dt.date] = mapped_column(Date)
    decision_due: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="nominated")
    decided_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    expires_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")


class DisposalNotice(Base):
    """An owner's notice of intended disposal of a listed asset, with its moratorium dates."""

    __tablename__ = "disposal_notices"

    id: Mapped[str] = mapped_column(String(OPAQUE_ID_LENGTH), primary_key=True, default=opaque_id)
    acv_id: Mapped[str] = mapped_column(ForeignKey("acv_listings.id"), index=True)
    notified_on: Mapped[dt.date] = mapped_column(Date)
    interim_ends: Mapped[dt.date] = mapped_column(Date)
    full_ends: Mapped[dt.date] = mapped_column(Date)
    protected_ends: Mapped[dt.date] = mapped_column(Date)
    intent_to_bid_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    intent_from: Mapped[str | None] = mapped_column(String(200), nullable=True)


class AssetTransfer(Base):
    """A community asset transfer of an anchor's asset to a community organisation."""

    __tablename__ = "asset_transfers"

    id: Mapped[str] = mapped_column(String(OPAQUE_ID_LENGTH), primary_key=True, default=opaque_id)
    org: Mapped[str] = mapped_column(String(120), index=True)
    asset_key: Mapped[str] = mapped_column(String(300))
    recipient: Mapped[str] = mapped_column(String(200))
    terms: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(24), default="proposed")
    history: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
