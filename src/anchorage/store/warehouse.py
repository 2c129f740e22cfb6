"""The analytics warehouse: one DuckDB file per workspace, with the same tables as a Spark catalogue.

DuckDB lets one process open a file for writing, and inside a process every connection to a file must share
one configuration (a read-only and a read-write connection to the same file cannot coexist). So a process
opens each warehouse once, as a `Database`: every user reads and writes through its own cursor on that one
instance (DuckDB's MVCC lets readers run while a write commits), and writers take the instance's write lock
one at a time. The schema is migrated when the instance opens, not on every connection. The web server
holds its instance for its life; a command-line process lets go of the file as soon as it is not using it.
"""

from __future__ import annotations

import functools
import itertools
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import duckdb

from anchorage.store import warehouse_migrations
from anchorage.store.warehouse_schema import SCHEMA

__all__ = [
    "SCHEMA",
    "Database",
    "WarehouseBusy",
    "close",
    "connect",
    "held",
    "hold",
    "open_databases",
    "use",
    "writes",
]


class WarehouseBusy(Exception):
    """Another process holds the warehouse file (DuckDB's single-writer lock)."""

    def __init__(self, pid: int | None) -> None:
        super().__init__("the warehouse is open in another process")
        self.pid = pid


def _configure(con: duckdb.DuckDBPyConnection, path: Path | str) -> None:
    threads = os.environ.get("ANCHORAGE_THREADS")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    con.execute(f"SET memory_limit = '{os.environ.get('ANCHORAGE_MEMORY_LIMIT', '2GB')}'")
    if str(path) != ":memory:":
        tmp = Path(path).with_suffix(".tmp")
        con.execute(f"SET temp_directory = '{tmp}'")


def _open(path: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" not in str(exc).lower():
            raise
        pid = re.search(r"PID (\d+)", str(exc))
        raise WarehouseBusy(int(pid.group(1)) if pid else None) from None


def connect(path: Path | str, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A standalone connection (tools and tests), migrated unless read-only. Inside the app use `database`."""
    con = _open(path, read_only)
    _configure(con, path)
    if not read_only:
        warehouse_migrations.migrate(con)
    return con


class Database:
    """A process's one open instance of a warehouse file."""

    def __init__(self, path: Path, con: duckdb.DuckDBPyConnection) -> None:
        self.path = path
        self._con = con
        self._write = threading.RLock()
        self.users = 0
        # Held open for the life of the process (the web server), not just while used: its hold's number, else 0.
        self.held = 0
        self.migrated: list[int] = []  # the migrations applied when this instance opened

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A connection of its own (own transaction, own temp tables) on the shared instance."""
        return self._con.cursor()

    def close(self) -> None:
        self._con.close()


@functools.lru_cache(maxsize=64)
def _resolved(path: str | Path) -> Path:
    """The warehouse's absolute path, its registry key (worked out once: a page asks several times)."""
    return Path(path).resolve()


_databases: dict[Path, Database] = {}
_writes: dict[Path, int] = {}
_holds = itertools.count(1)
_registry = threading.Lock()


def _acquire(
    path: Path,
    on_open: Callable[[Database], None] | None,
    wait: Callable[[int | None, float], bool] | None,
) -> Database:
    with _registry:
        db = _databases.get(path)
        if db is None:
            started = time.monotonic()
            while True:
                try:
                    con = _open(path)
                    break
                except WarehouseBusy as busy:
                    if wait is None or not wait(busy.pid, time.monotonic() - started):
                        raise
                    time.sleep(1.0)
            try:
                _configure(con, path)
                db = Database(path, con)
                db.migrated = warehouse_migrations.migrate(con)
                if on_open is not None:
                    with db._write:
                        on_open(db)
            except BaseException:
                con.close()
                raise
            _databases[path] = db
        db.users += 1
        return db


def _release(db: Database) -> None:
    with _registry:
        db.users -= 1
        if db.users == 0 and not db.held and _databases.get(db.path) is db:
            del _databases[db.path]
            db.close()  # outside a server, the file is let go as soon as nobody uses it


@contextmanager
def use(
    path: Path,
    *,
    write: bool,
    on_open: Callable[[Database], None] | None = None,
    wait: Callable[[int | None, float], bool] | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor on the process's instance of a warehouse, opening it (migrated, then `on_open` run) first
    if nobody in the process has it open. Writers take turns; readers never wait for them.

    When another process holds the file, `wait(pid, seconds waited)` is called about once a second: False gives up
    (WarehouseBusy is raised), True keeps waiting."""
    path = _resolved(path)
    db = _acquire(path, on_open, wait)
    try:
        with db._write if write else nullcontext():
            cur = db.cursor()
            try:
                yield cur
            finally:
                cur.close()
                if write:
                    _writes[path] = _writes.get(path, 0) + 1
    finally:
        _release(db)


def hold(
    path: Path,
    *,
    on_open: Callable[[Database], None] | None = None,
    wait: Callable[[int | None, float], bool] | None = None,
) -> Database:
    """Open a warehouse for the life of the process (or until `close`): the web server owns it."""
    db = _acquire(_resolved(path), on_open, wait)
    db.held = db.held or next(_holds)
    _release(db)
    return db


def version(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """(the migration a warehouse is at, the latest there is)."""
    return warehouse_migrations.current_version(con), warehouse_migrations.LATEST


def writes(path: Path) -> int:
    """How many write sections this process has finished on a warehouse (part of a cache key)."""
    return _writes.get(_resolved(path), 0)


def held(path: Path) -> int:
    """The number of this process's hold on the warehouse (`hold`), 0 when it does not hold it. While held,
    DuckDB's file lock keeps every other process out, so only this process's write sections can change it; a
    new hold has a new number, as another process may have written the file between two."""
    db = _databases.get(_resolved(path))
    return db.held if db is not None else 0


def close(path: Path) -> None:
    """Let go of a held warehouse (it closes when its last user finishes)."""
    with _registry:
        db = _databases.get(_resolved(path))
        if db is None:
            return
        db.held = 0
        if db.users == 0:
            del _databases[db.path]
            db.close()


def open_databases() -> list[Path]:
    """The warehouse files this process has open now (a command-line run should leave none)."""
    with _registry:
        return list(_databases)


def migrated(path: Path) -> list[int]:
    """The migrations applied when this process opened the warehouse (empty if it was up to date)."""
    with _registry:
        db = _databases.get(_resolved(path))
        return list(db.migrated) if db is not None else []
