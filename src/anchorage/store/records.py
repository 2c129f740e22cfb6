"""The records store (operational data): SQLAlchemy 2, SQLite file by default, PostgreSQL by URL."""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Integer,
    Numeric,
    String,
    create_engine,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


class Base(DeclarativeBase):
    pass


OPAQUE_ID_LENGTH = 32  # the column width; new ids are 20 hex digits


def opaque_id() -> str:
    """A random id for an object that a URL or a form names: not sequential and derived from nothing, so one
    anchor cannot guess or count another's."""
    return secrets.token_hex(10)


class Upload(Base):
    """One file loaded into the warehouse, with its provenance and reconciliation."""

    __tablename__ = "uploads"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    org: Mapped[str] = mapped_column(String(120), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    filename: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    raw_path: Mapped[str] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(
        String(16), default="staged"
    )  # staged|loaded|replaced (journal.py)
    mapping: Mapped[dict] = mapped_column(JSON, default=dict)
    mapping_source: Mapped[str] = mapped_column(String(1000), default="automatic")
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_loaded: Mapped[int] = mapped_column(Integer, default=0)
    rows_quarantined: Mapped[int] = mapped_column(Integer, default=0)
    amount_read: Mapped[float | None] = mapped_column(Numeric(18, 2), nullable=True)
    amount_loaded: Mapped[float | None] = mapped_column(Numeric(18, 2), nullable=True)
    amount_quarantined: Mapped[float | None] = mapped_column(Numeric(18, 2), nullable=True)
    replaces: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=lambda: dt.datetime.now(dt.UTC)
    )


def make_engine(url: str) -> Engine:
    return create_engine(url, future=True)


# The revisions were renumbered into the order they apply; a database stamped before keeps working.
RENUMBERED = {
    "0001": "0001_uploads",
    "0002": "0002_accounts",
    "0004": "0003_workforce",
    "0005": "0004_assets",
    "0003": "0005_suppliers",
    "0007": "0006_socialvalue",
    "0011": "0007_opportunities",
    "0012": "0008_pledge_org",
}


def _alembic_config(url: str) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


# The latest migration in migrations/versions, known without importing Alembic (about 0.2 s), so that opening a
# workspace whose records are current costs one query. tests/test_imports_light.py checks it is Alembic's head:
# update it with each new migration.
HEAD_REVISION = "0013_jobs"


def stored_revision(url: str) -> str | None:
    """The revision stamped in a records database (one query; no Alembic), or None when it has none (a new
    database, or one that cannot be read: `migrate` then goes the long way and says why)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            stamped = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except SQLAlchemyError:
        return None
    finally:
        engine.dispose()
    return stamped[0] if len(stamped) == 1 else None


def revision(url: str) -> tuple[str | None, str]:
    """(the revision a records database is at, or None when new; the latest revision)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config(url)).get_current_head()
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
    assert head is not None
    return RENUMBERED.get(current, current) if current else None, head


def migrate(url: str) -> list[str]:
    """Bring the records schema up to date with Alembic (creates it on a new database); return what ran. A
    database already at HEAD_REVISION costs one query: Alembic is imported only when something may need doing."""
    if stored_revision(url) == HEAD_REVISION:
        return []
    from alembic import command

    current, head = revision(url)
    if current == head:
        return []
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            if inspect(conn).has_table("alembic_version"):
                for old, new in RENUMBERED.items():
                    conn.execute(
                        text(
                            "UPDATE alembic_version SET version_num = :new WHERE version_num = :old"
                        ),
                        {"new": new, "old": old},
                    )
    finally:
        engine.dispose()
    command.upgrade(_alembic_config(url), "head")
    return [f"{current or 'new'} -> {head}"]


def loaded_upload(session: Session, org: str, kind: str, sha256: str) -> Upload | None:
    return session.scalars(
        select(Upload).where(
            Upload.org == org,
            Upload.kind == kind,
            Upload.sha256 == sha256,
            Upload.status == "loaded",
        )
    ).first()


def previous_version(session: Session, org: str, kind: str, filename: str) -> Upload | None:
    """The loaded upload that a new version of the same file (same anchor, kind and name) replaces."""
    return session.scalars(
        select(Upload).where(
            Upload.org == org,
            Upload.kind == kind,
            Upload.filename == filename,
            Upload.status == "loaded",
        )
    ).first()


def current_uploads(session: Session, org: str, kind: str) -> list[Upload]:
    """The uploads of a kind an anchor has loaded (counted now), newest first."""
    return list(
        session.scalars(
            select(Upload)
            .where(Upload.org == org, Upload.kind == kind, Upload.status == "loaded")
            .order_by(Upload.created_at.desc(), Upload.id)
        ).all()
    )
