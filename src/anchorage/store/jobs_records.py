"""Queued long work (loads, supplier resolution, the analysis refresh, report builds): one row per job."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from anchorage.store.records import Base

STATES = ("queued", "running", "done", "failed")


class Job(Base):
    """One piece of queued work, its progress and its outcome, in words a user can read."""

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(
        String(32), primary_key=True
    )  # opaque and random: never guessable
    kind: Mapped[str] = mapped_column(String(32), index=True)
    org: Mapped[str | None] = mapped_column(
        String(120), nullable=True, index=True
    )  # None: the whole collaborative
    requested_by: Mapped[str] = mapped_column(String(320))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    step: Mapped[str] = mapped_column(String(300), default="Waiting for its turn")
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
