"""Workforce records: apprenticeship programmes, placements, apprentices and plans; levy; bids; HE partners."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from anchorage.store.records import OPAQUE_ID_LENGTH, Base, opaque_id


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Programme(Base):
    """An apprenticeship programme: a standard at a level, its duration and off-the-job hours."""

    __tablename__ = "wf_programmes"
    # The upload the row was loaded from (NULL: entered on the web, or loaded before uploads were kept).
    upload_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    standard: Mapped[str] = mapped_column(String(300))
    level: Mapped[int] = mapped_column(Integer)
    duration_months: Mapped[int] = mapped_column(Integer)
    off_the_job_hours: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[dt.date] = mapped_column(Date)


class HostPlacement(Base):
    """A placement an anchor hosts: a department or skill, capacity per month, location, prerequisites."""

    __tablename__ = "wf_placements"
    upload_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    org: Mapped[str] = mapped_column(String(120), index=True)
    department: Mapped[str] = mapped_column(String(300))
    skill: Mapped[str] = mapped_column(String(120))
    capacity: Mapped[int] = mapped_column(Integer)
    location: Mapped[str] = mapped_column(String(300), default="")
    prerequisites: Mapped[list] = mapped_column(JSON, default=list)
    programmes: Mapped[list] = mapped_column(JSON, default=list)
    open_from: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    open_until: Mapped[dt.date | None] = mapped_column(
        Date, nullable=True
    )  # withdrawn from this date


class ApprenticeRecord(Base):
    """An apprentice (pseudonymous reference), their programme, employer, preferences and time away."""

    __tablename__ = "wf_apprentices"
    upload_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    programme_id: Mapped[str] = mapped_column(ForeignKey("wf_programmes.id"))
    employer: Mapped[str] = mapped_column(String(120))
    start_date: Mapped[dt.date] = mapped_column(Date)
    preferences: Mapped[list] = mapped_column(JSON, default=list)
    unavailable: Mapped[list] = mapped_column(JSON, default=list)  # ISO months "YYYY-MM"
    pinned: Mapped[dict] = mapped_column(
        JSON, default=dict
    )  # block number (from 1) -> placement id
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | withdrawn


class RotationPlan(Base):
    __tablename__ = "wf_rotation_plans"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    first_month: Mapped[dt.date] = mapped_column(Date)
    months: Mapped[int] = mapped_column(Integer)
    block_months: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    objective: Mapped[float | None] = mapped_column(Float, nullable=True)
    bound: Mapped[float | None] = mapped_column(Float, nullable=True)
    seconds: Mapped[float] = mapped_column(Float)
    changes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    conflicts: Mapped[list] = mapped_column(JSON, default=list)
    replaces: Mapped[int | None] = mapped_column(Integer, nullable=True)


class RotationBlock(Base):
    __tablename__ = "wf_rotation_blocks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("wf_rotation_plans.id"), index=True)
    apprentice_id: Mapped[str] = mapped_column(String(64))
    block: Mapped[int] = mapped_column(Integer)
    placement_id: Mapped[str] = mapped_column(String(64))
    org: Mapped[str] = mapped_column(String(120))
    start_month: Mapped[dt.date] = mapped_column(Date)
    end_month: Mapped[dt.date] = mapped_column(Date)  # the block's last month


class LevyPayBill(Base):
    """An anchor's pay bill for one month, and the share of its workforce living in England."""

    __tablename__ = "wf_levy_paybill"
    upload_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org: Mapped[str] = mapped_column(String(120), index=True)
    month: Mapped[dt.date] = mapped_column(Date)
    pay_bill: Mapped[float] = mapped_column(Numeric(14, 2))
    english_share: Mapped[float] = mapped_column(Numeric(6, 4), default=1)


class LevyCommitment(Base):
    """Levy funds committed to one apprenticeship: the anchor's own, or a transfer to another employer."""

    __tablename__ = "wf_levy_commitments"
    upload_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org: Mapped[str] = mapped_column(String(120), index=True)
    apprentice_ref: Mapped[str] = mapped_column(String(64))
    recipient: Mapped[str] = mapped_column(
        String(300), default=""
    )  # empty: the anchor's own apprentice
    recipient_type: Mapped[str] = mapped_column(
        String(32), default="own"
    )  # own | anchor | small-employer
    start_month: Mapped[dt.date] = mapped_column(Date)
    duration_months: Mapped[int] = mapped_column(Integer)
    total_price: Mapped[float] = mapped_column(Numeric(12, 2))


class Pledge(Base):
    """An employer's pledge of placements to a collective employment-programme bid."""

    __tablename__ = "wf_pledges"
    upload_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    id: Mapped[str] = mapped_column(String(OPAQUE_ID_LENGTH), primary_key=True, default=opaque_id)
    # The anchor whose admin or analyst entered it on the web ("": the collaborative's list, loaded by file).
    org: Mapped[str] = mapped_column(String(120), default="", server_default="", index=True)
    programme: Mapped[str] = mapped_column(String(64))
    employer: Mapped[str] = mapped_column(String(300))
    company_number: Mapped[str] = mapped_column(String(16), default="")
    charity_number: Mapped[str] = mapped_column(String(16), default="")
    role: Mapped[str] = mapped_column(String(300))
    placements: Mapped[int] = mapped_column(Integer)
    hours_per_week: Mapped[float] = mapped_column(Float)
    hourly_wage: Mapped[float] = mapped_column(Numeric(8, 2))
    duration_months: Mapped[int] = mapped_column(Integer)
    location: Mapped[str] = mapped_column(String(300), default="")
    additionality: Mapped[bool] = mapped_column(Boolean, default=False)
    contact: Mapped[str] = mapped_column(String(300), default="")
    pledged_on: Mapped[dt.date] = mapped_column(Date)


class BidStart(Base):
    """A young person who started in a pledged placement, and what happened next."""

    __tablename__ = "wf_bid_starts"
    upload_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    id: Mapped[str] = mapped_column(String(OPAQUE_ID_LENGTH), primary_key=True, default=opaque_id)
    pledge_id: Mapped[str] = mapped_column(ForeignKey("wf_pledges.id"), index=True)
    participant_ref: Mapped[str] = mapped_column(String(64))
    start_date: Mapped[dt.date] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(64), default="in placement")
    outcome_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)


class HEEngagement(Base):
    """An engagement between an anchor and a university or college."""

    __tablename__ = "wf_he_engagements"
    upload_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org: Mapped[str] = mapped_column(String(120), index=True)
    partner: Mapped[str] = mapped_column(String(300))
    partner_type: Mapped[str] = mapped_column(String(32))  # university | college
    kind: Mapped[str] = mapped_column(
        String(32)
    )  # placements | curriculum | research | recruitment | civic
    title: Mapped[str] = mapped_column(String(500))
    start_date: Mapped[dt.date] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(64), default="ongoing")
    people: Mapped[int] = mapped_column(Integer, default=0)
