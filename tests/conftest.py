"""Shared fixtures: real workspaces on real DuckDB and SQLite (or PostgreSQL when a URL is given)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from anchorage import config as cfgmod
from anchorage.workspace import Workspace

pytest_plugins = ["tests.web_support"]  # the `web` fixture for the web tests

REPO = Path(__file__).resolve().parents[1]
# The shared data sit beside the checkout (../shared/data); a worktree may point elsewhere.
SHARED = Path(os.environ.get("ANCHORAGE_SHARED_DATA") or REPO.parent / "shared" / "data")


def make_workspace(root: Path, anchors: list[tuple[str, str]], **place: object) -> Workspace:
    place = {"local": ["E09000023"], "sub_region": ["E09000011"], "region": "E12000007", **place}
    cfg = cfgmod.Config(collaborative="Test collaborative", place=cfgmod.Place(**place))  # type: ignore[arg-type]
    for name, kind in anchors:
        cfg.add_anchor(name, kind)
    return Workspace.create(root, cfg)


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return make_workspace(tmp_path / "ws", [("Council", "council"), ("Acute Trust", "nhs-trust")])


@pytest.fixture
def shared_data() -> Path:
    if not SHARED.exists():
        pytest.fail(f"the shared data folder {SHARED} is missing; tests read real files from it")
    return SHARED


@pytest.fixture(scope="session")
def pg_url() -> str:
    url = os.environ.get("ANCHORAGE_TEST_PG_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI must set ANCHORAGE_TEST_PG_URL: the PostgreSQL tests always run there")
        pytest.skip("set ANCHORAGE_TEST_PG_URL to run PostgreSQL tests")
    return url


@pytest.fixture(scope="module")
def fresh_pg_database(pg_url: str) -> Iterator[str]:
    """A new, empty database for one test, dropped afterwards."""
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    name = f"anchorage_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    finally:
        sa.engine.Engine.dispose(admin)
        with admin.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
