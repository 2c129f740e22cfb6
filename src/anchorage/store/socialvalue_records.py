"""Operational records of social value and LM3: the one-time survey links anchors issue to suppliers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import DateTime, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from anchorage.store.records import Base


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Lm3SurveyLink(Base):
    """A one-time link for one supplier to answer the LM3 re-spend survey; only the token's hash is kept."""

    __tablename__ = "lm3_survey_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org: Mapped[str] = mapped_column(String(120), index=True)
    supplier_name: Mapped[str] = mapped_column(String(200))
    income: Mapped[Decimal | None] = mapped_column(Numeric(18, 2), nullable=True)
    year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
