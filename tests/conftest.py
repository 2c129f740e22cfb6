"""Shared fixtures: real workspaces on real DuckDB and SQLite (or PostgreSQL when a URL is given)."""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from sqlalchemy.engine import make_url

from anchorage import config as cfgmod
from anchorage.access import accounts
from anchorage.core import values
from anchorage.workspace import CONFIG_NAME, Workspace

pytest_plugins = ["tests.web_support"]  # the `web` fixture for the web tests

REPO = Path(__file__).resolve().parents[1]
# The shared data sit beside the checkout (../shared/data); a worktree may point elsewhere.
SHARED = Path(os.environ.get("ANCHORAGE_SHARED_DATA") or REPO.parent / "shared" / "data")


def _config(anchors: list[tuple[str, str]], place: dict[str, object]) -> cfgmod.Config:
    place = {"local": ["E09000023"], "sub_region": ["E09000011"], "region": "E12000007", **place}
    cfg = cfgmod.Config(collaborative="Test collaborative", place=cfgmod.Place(**place))  # type: ignore[arg-type]
    for name, kind in anchors:
        cfg.add_anchor(name, kind)
    return cfg


# Creating a workspace migrates a records database and a warehouse from empty (about a second); a copy of
# one made earlier in the session with the same anchors and place is the same files, in milliseconds.
_templates: dict[str, Path] = {}
_template_root: list[Path] = []


def _template(anchors: list[tuple[str, str]], place: dict[str, object]) -> Path:
    key = repr((anchors, sorted(place.items())))
    if key not in _templates:
        if not _template_root:
            _template_root.append(Path(tempfile.mkdtemp(prefix="anchorage-test-templates-")))
            atexit.register(shutil.rmtree, _template_root[0], True)
        folder = _template_root[0] / f"t{len(_templates)}"
        Workspace.create(folder, _config(anchors, place))
        _templates[key] = folder
    return _templates[key]


def make_workspace(root: Path, anchors: list[tuple[str, str]], **place: object) -> Workspace:
    """A new workspace at root: a copy of a session template when its records are in the folder (SQLite),
    else created from scratch (records in a PostgreSQL database given by ANCHORAGE_RECORDS_URL)."""
    if os.environ.get("ANCHORAGE_RECORDS_URL") or (root / CONFIG_NAME).exists():
        return Workspace.create(
            root, _config(anchors, place)
        )  # (it refuses a folder that is a workspace)
    shutil.copytree(_template(anchors, place), root, dirs_exist_ok=True)
    return Workspace(root, _config(anchors, place))


@pytest.fixture(scope="module")
def memory_con() -> Iterator[duckdb.DuckDBPyConnection]:
    """One in-memory DuckDB connection for a test module, with the parsing macros installed: property tests
    pass it to the parsers so each Hypothesis example does not open a connection of its own."""
    con = duckdb.connect()
    values.install(con)
    yield con
    con.close()


@pytest.fixture(scope="session", autouse=True)
def _light_password_hashing() -> Iterator[None]:
    """Argon2 at its lightest for the test session: the production parameters cost about 0.2 s of CPU a hash
    and the suite signs in hundreds of times. Only the test process's hasher changes; nothing a deployment
    can set weakens it, and a hash made either way verifies either way (the parameters live in the hash)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        yield


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return make_workspace(tmp_path / "ws", [("Council", "council"), ("Acute Trust", "nhs-trust")])


@pytest.fixture
def shared_data() -> Path:
    if not SHARED.exists():
        pytest.fail(f"the shared data folder {SHARED} is missing; tests read real files from it")
    return SHARED


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist (`python3 run.py test` runs the suite on several workers) each worker has a
    PostgreSQL database of its own: ANCHORAGE_TEST_PG_URL's database name with the worker's id added, made on
    first use and kept for the next run. The tests' own databases are made from it, on the same server."""
    worker, url = os.environ.get("PYTEST_XDIST_WORKER"), os.environ.get("ANCHORAGE_TEST_PG_URL")
    if not worker or not url or url.endswith(f"_{worker}"):
        return
    base = make_url(url)
    name = f"{base.database or 'postgres'}_{worker}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            if (
                c.execute(
                    sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
                ).first()
                is None
            ):
                with contextlib.suppress(sa.exc.ProgrammingError):  # another run made it meanwhile
                    c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    os.environ["ANCHORAGE_TEST_PG_URL"] = base.set(database=name).render_as_string(
        hide_password=False
    )


# What xdist hands a worker as one unit (`--dist loadgroup`, as run.py runs the suite): every Spark test together
# (one JVM at a time on the machine), and otherwise a test module, so a module's shared fixtures (a built web
# app, a Spark session) are made once. The units holding slow tests are handed out first, so that none of them
# starts last. (pytest 9 ignores the nodeid suffix that xdist's own `xdist_group` marks rely on, so the units
# are worked out from the test ids here, by the scheduler below.)
SPARK_GROUP = "spark"


def xdist_group(nodeid: str) -> str:
    """The unit a test is scheduled in: "spark" for a Spark test, else its module's path."""
    module, _, name = nodeid.partition("::")
    return SPARK_GROUP if "test_spark_" in module or "spark" in name.lower() else module


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ModuleAndSparkScheduling(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return xdist_group(nodeid)

    return ModuleAndSparkScheduling(config, log)


def _slow(item: pytest.Item) -> bool:
    return any(item.get_closest_marker(m) for m in ("slow", "browser", "spark"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser and Spark tests are slow by nature (a Chromium or a JVM each): `-m "not slow"` leaves them out
    of the quick loop along with the tests marked slow one by one. On an xdist worker, the units that hold a
    slow test come first (the order the scheduler hands the units out in, with --no-loadscope-reorder)."""
    for item in items:
        if item.get_closest_marker("browser") or item.get_closest_marker("spark"):
            item.add_marker(pytest.mark.slow)
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    slow = {xdist_group(i.nodeid) for i in items if _slow(i)}
    order = {i.nodeid: n for n, i in enumerate(items)}
    items.sort(key=lambda i: (xdist_group(i.nodeid) not in slow, order[i.nodeid]))


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
    """A new, empty database for one test module, dropped afterwards."""
    with new_pg_database(pg_url) as url:
        yield url


@contextmanager
def new_pg_database(pg_url: str) -> Iterator[str]:
    """A new, empty database on the server of pg_url, dropped afterwards."""
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
