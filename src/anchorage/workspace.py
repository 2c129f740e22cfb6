"""The workspace: one folder holding a collaborative's config, warehouse, records DB and raw files."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import stat
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session, sessionmaker

from anchorage import config as cfgmod
from anchorage.core.errors import WorkspaceError
from anchorage.store import records

# The warehouse (DuckDB) loads when a command first opens it: `anchorage jobs list` reads records only.
if TYPE_CHECKING:
    import duckdb

    from anchorage.store import warehouse

CONFIG_NAME = "anchorage.toml"
ENV_VAR = "ANCHORAGE_WORKSPACE"
SERVER_FILE = ".anchorage-server.json"


def resolve(path: str | Path | None) -> Path:
    """--workspace, else $ANCHORAGE_WORKSPACE, else the current folder."""
    chosen = path or os.environ.get(ENV_VAR) or "."
    return Path(chosen).expanduser().resolve()


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(8 * 1024 * 1024):
            h.update(chunk)
    return h.hexdigest()


def running_server(root: Path) -> dict[str, Any] | None:
    """The live `anchorage serve` on the workspace at root (host, port, pid, token), if there is one."""
    try:
        info = json.loads((root / SERVER_FILE).read_text())
        os.kill(int(info["pid"]), 0)  # signal 0: is that process alive?
    except (FileNotFoundError, ValueError, KeyError, TypeError, ProcessLookupError):
        return None
    except PermissionError:  # alive, another user's
        pass
    return dict(info)


class Workspace:
    def __init__(self, root: Path, cfg: cfgmod.Config) -> None:
        self.root = root
        self.config = cfg
        self._session_factory: sessionmaker[Session] | None = None
        # Called about once a second while another process holds the warehouse: True keeps waiting.
        self.on_busy: Callable[[int | None, float], bool] | None = None

    # Layout -----------------------------------------------------------------------------------
    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_NAME

    @property
    def warehouse_path(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def raw_dir(self) -> Path:
        return self.root / "raw"

    @property
    def tmp_dir(self) -> Path:
        path = self.root / "tmp"
        path.mkdir(exist_ok=True)
        return path

    @property
    def records_url(self) -> str:
        return (
            os.environ.get("ANCHORAGE_RECORDS_URL")
            or self.config.records_url
            or f"sqlite:///{self.root / 'records.db'}"
        )

    # Lifecycle --------------------------------------------------------------------------------
    @classmethod
    def create(cls, root: Path, cfg: cfgmod.Config) -> Workspace:
        if (root / CONFIG_NAME).exists():
            raise WorkspaceError(
                f"{root} is already a workspace.", fix="Use it, or choose another folder."
            )
        root.mkdir(parents=True, exist_ok=True)
        ws = cls(root, cfg)
        cfgmod.save(cfg, ws.config_path)
        ws.raw_dir.mkdir(exist_ok=True)
        records.migrate(ws.records_url)
        with ws.warehouse():  # creates and migrates the file
            pass
        return ws

    @classmethod
    def open(cls, root: Path, *, migrate: bool = True) -> Workspace:
        path = root / CONFIG_NAME
        if not path.exists():
            raise WorkspaceError(
                f"{root} is not an Anchorage workspace (no {CONFIG_NAME}).",
                web_fix="Ask whoever runs the workspace for Anchorage to do this.",
                fix="Create one with `anchorage init --workspace DIR`, or pass --workspace / set ANCHORAGE_WORKSPACE.",
            )
        ws = cls(root, cfgmod.load(path))
        if migrate:
            records.migrate(
                ws.records_url
            )  # a cheap check of the revision unless the schema is behind
        return ws

    def migrate(self) -> list[str]:
        """Bring both stores to the current schema (`anchorage migrate`); say what changed, one line each."""
        from anchorage.store import warehouse

        done = [f"records database: {step}" for step in records.migrate(self.records_url)]
        with self.warehouse(read_only=True) as con:  # opening the warehouse applies its migrations
            applied = warehouse.migrated(self.warehouse_path)
            at, latest = warehouse.version(con)
        if applied:
            done.append(
                f"warehouse: applied migration{'s' if len(applied) > 1 else ''} "
                f"{', '.join(map(str, applied))} (now at {at} of {latest})"
            )
        return done

    # The owner process -----------------------------------------------------------------------------
    @property
    def server_file(self) -> Path:
        """While `anchorage serve` runs, this file names its address (and a secret for handing it work)."""
        return self.root / SERVER_FILE

    def announce_server(self, host: str, port: int, token: str) -> None:
        tmp = self.server_file.with_suffix(".part")
        tmp.touch(
            mode=0o600
        )  # the token lets a local command run as the server: the owner alone reads it
        tmp.write_text(json.dumps({"host": host, "port": port, "pid": os.getpid(), "token": token}))
        tmp.replace(self.server_file)

    def withdraw_server(self) -> None:
        try:
            if (
                self.running_server() is None
                or json.loads(self.server_file.read_text())["pid"] == os.getpid()
            ):
                self.server_file.unlink()
        except (FileNotFoundError, ValueError, KeyError):
            pass

    def running_server(self) -> dict[str, Any] | None:
        """The live server on this workspace (host, port, pid, token), if there is one."""
        return running_server(self.root)

    def save_config(self) -> None:
        cfgmod.save(self.config, self.config_path)

    # Stores -----------------------------------------------------------------------------------
    def _busy(self) -> WorkspaceError:
        # Never the path or the other process's id: this message may reach a web user.
        return WorkspaceError(
            "The workspace is busy: another Anchorage program is using its data.",
            fix="Wait for it to finish (or stop it) and try again.",
        )

    def _sweep(self, db: warehouse.Database) -> None:
        from anchorage.store import journal

        cur = db.cursor()
        try:
            journal.sweep(cur, self.session)
        finally:
            cur.close()

    def hold_warehouse(self) -> warehouse.Database:
        """Own the warehouse for the life of this process (the web server does)."""
        from anchorage.store import warehouse

        try:
            return warehouse.hold(self.warehouse_path, on_open=self._sweep, wait=self.on_busy)
        except warehouse.WarehouseBusy:
            raise self._busy() from None

    @contextmanager
    def warehouse(self, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor of its own on the process's warehouse instance; writers take turns, readers never wait.

        Opening the instance migrates the schema and finishes any interrupted load (store/journal.py)."""
        from anchorage.store import warehouse

        stack = ExitStack()
        try:
            con = stack.enter_context(
                warehouse.use(
                    self.warehouse_path, write=not read_only, on_open=self._sweep, wait=self.on_busy
                )
            )
        except warehouse.WarehouseBusy:
            raise self._busy() from None
        with stack:
            yield con

    @property
    def warehouse_writes(self) -> int:
        """How many write sections this process has finished on the warehouse (a cache key)."""
        from anchorage.store import warehouse

        return warehouse.writes(self.warehouse_path)

    def warehouse_version(self) -> tuple[object, ...]:
        """Changes whenever the warehouse may have changed: this process's finished writes, and the file's and
        its WAL's modification times for another process's (a WAL a checkpoint removes is simply absent).

        While this process holds the warehouse (the server), no other process can open it, so its own finished
        write sections alone say when it changed: a load's staging and the commits inside a long section (a
        build of the explore tables) change the files' times long before the section ends, and would drop
        every kept read on each of them."""
        from anchorage.store import warehouse

        if hold := warehouse.held(self.warehouse_path):
            return ("held", hold, self.warehouse_writes)
        times: list[int | None] = []
        for p in (
            self.warehouse_path,
            self.warehouse_path.with_name(self.warehouse_path.name + ".wal"),
        ):
            try:
                times.append(p.stat().st_mtime_ns)
            except FileNotFoundError:
                times.append(None)
        return (self.warehouse_writes, *times)

    def session(self) -> Session:
        if self._session_factory is None:
            self._session_factory = sessionmaker(
                records.make_engine(self.records_url), expire_on_commit=False
            )
        return self._session_factory()

    def secret(self, name: str) -> str:
        """A secret of this workspace (e.g. for signing forms), made on first use and kept owner-only in its
        folder, so every process and every run over the workspace agrees."""
        path = self.root / name
        if not path.exists():
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w") as fh:
                    fh.write(secrets.token_hex(32))
            except FileExistsError:
                pass  # another process made it first
        return path.read_text().strip()

    def keep_raw(self, path: Path, sha256: str) -> Path:
        """Keep an immutable, content-addressed copy of an uploaded file so any load can be replayed."""
        self.raw_dir.mkdir(exist_ok=True)
        suffix = "".join(path.suffixes[-1:]).lower()
        dest = self.raw_dir / f"{sha256}{suffix}"
        if not dest.exists():
            tmp = dest.with_suffix(dest.suffix + ".part")
            shutil.copyfile(path, tmp)
            tmp.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
            tmp.replace(dest)
        return dest
