"""Review decisions on supplier matches: they persist and override every future resolution run."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from anchorage.store.records import Base

ACTIONS = ("accept", "reject", "merge", "split")


class SupplierDecision(Base):
    """accept/reject a record's link to a register entity; merge two records; split one off its cluster."""

    __tablename__ = "supplier_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    action: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[str] = mapped_column(String(32), index=True)
    register_source: Mapped[str | None] = mapped_column(String(32), nullable=True)
    register_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    other_record_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    note: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    decided_by: Mapped[str] = mapped_column(String(120), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=lambda: dt.datetime.now(dt.UTC))
