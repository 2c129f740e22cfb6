"""Review decisions on supplier matches: they persist and override every future resolution run."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from anchorage.store.records import OPAQUE_ID_LENGTH, Base, opaque_id

ACTIONS = ("accept", "reject", "merge", "split")


class SupplierDecision(Base):
    """accept/reject a record's link to a register entity; merge two records; split one off its cluster."""

    __tablename__ = "supplier_decisions"

    id: Mapped[str] = mapped_column(String(OPAQUE_ID_LENGTH), primary_key=True, default=opaque_id)
    action: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[str] = mapped_column(String(32), index=True)
    register_source: Mapped[str | None] = mapped_column(String(32), nullable=True)
    register_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    other_record_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    note: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    decided_by: Mapped[str] = mapped_column(String(120), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=lambda: dt.datetime.now(dt.UTC)
    )


class SupplierRecordKey(Base):
    """The opaque id of one supplier record (an anchor's name for a supplier): random, never derived from the
    anchor or the name, so that nobody can compute another anchor's ids. `legacy_id` is the name-derived id a
    record had before (kept only until the record is seen again, so that older decisions follow it)."""

    __tablename__ = "supplier_record_keys"
    __table_args__ = (
        UniqueConstraint("org", "supplier_name_norm", name="uq_supplier_record_keys_name"),
    )

    record_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    org: Mapped[str | None] = mapped_column(String(120), nullable=True)
    supplier_name_norm: Mapped[str | None] = mapped_column(String(500), nullable=True)
    legacy_id: Mapped[str | None] = mapped_column(String(12), nullable=True, index=True)
