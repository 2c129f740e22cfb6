"""The records store (operational data): SQLAlchemy 2, SQLite file by default, PostgreSQL by URL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import JSON, DateTime, Integer, Numeric, String, create_engine, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


class Base(DeclarativeBase):
    pass


class Upload(Base):
    """One file loaded into the warehouse, with its provenance and reconciliation."""

    __tablename__ = "uploads"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    org: Mapped[str] = mapped_column(String(120), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    filename: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    raw_path: Mapped[str] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|loaded|replaced
    mapping: Mapped[dict] = mapped_column(JSON, default=dict)
    mapping_source: Mapped[str] = mapped_column(String(1000), default="automatic")
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_loaded: Mapped[int] = mapped_column(Integer, default=0)
    rows_quarantined: Mapped[int] = mapped_column(Integer, default=0)
    amount_read: Mapped[float | None] = mapped_column(Numeric(18, 2), nullable=True)
    amount_loaded: Mapped[float | None] = mapped_column(Numeric(18, 2), nullable=True)
    amount_quarantined: Mapped[float | None] = mapped_column(Numeric(18, 2), nullable=True)
    replaces: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=lambda: dt.datetime.now(dt.UTC))


def make_engine(url: str) -> Engine:
    return create_engine(url, future=True)


def migrate(url: str) -> None:
    """Bring the records schema up to date with Alembic (creates it on a new database)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(cfg, "head")


def loaded_upload(session: Session, org: str, kind: str, sha256: str) -> Upload | None:
    return session.scalars(
        select(Upload).where(Upload.org == org, Upload.kind == kind, Upload.sha256 == sha256, Upload.status == "loaded")
    ).first()


def previous_version(session: Session, org: str, kind: str, filename: str) -> Upload | None:
    """The loaded upload that a new version of the same file (same anchor, kind and name) replaces."""
    return session.scalars(
        select(Upload).where(
            Upload.org == org, Upload.kind == kind, Upload.filename == filename, Upload.status == "loaded"
        )
    ).first()
