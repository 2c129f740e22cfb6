"""Operational records of the open-opportunities work: local suppliers' self-registrations (the directory)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from anchorage.store.records import Base


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class SupplierRegistration(Base):
    """A local supplier's self-registration; it joins the directory only once its email is confirmed."""

    __tablename__ = "supplier_registrations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(160))
    categories: Mapped[list] = mapped_column(JSON, default=list)
    postcode: Mapped[str] = mapped_column(String(10))
    size: Mapped[str] = mapped_column(String(16))
    org_type: Mapped[str] = mapped_column(String(24))
    charity_number: Mapped[str | None] = mapped_column(String(12), nullable=True)
    company_number: Mapped[str | None] = mapped_column(String(10), nullable=True)
    description: Mapped[str] = mapped_column(Text, default="")
    contact_email: Mapped[str] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(24), default="pending-confirmation", index=True)
    token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    token_expires_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    fingerprint: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=_now, index=True
    )
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class PipelinePublication(Base):
    """An anchor's choice to publish its own contract register's upcoming contracts as open opportunities."""

    __tablename__ = "pipeline_publication"

    org: Mapped[str] = mapped_column(String(120), primary_key=True)
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    changed_by: Mapped[str] = mapped_column(String(200), default="")
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
