"""Records shared by the public (no-login) forms: every submission attempt, for the rate limits."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from anchorage.store.records import Base


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class FormAttempt(Base):
    """Every public-form submission attempt (accepted or not), for per-IP and per-email rate limits.

    `form` names the form, so each has its own limits; the IP address and email are stored only as salted
    hashes."""

    __tablename__ = "form_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    form: Mapped[str] = mapped_column(
        String(32), default="space-need", server_default="space-need", index=True
    )
    ip_hash: Mapped[str] = mapped_column(String(64), index=True)
    email_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    outcome: Mapped[str] = mapped_column(String(24))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now, index=True)
