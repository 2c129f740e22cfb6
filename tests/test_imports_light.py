"""What a light caller does not pay for (issue 18): the records schema check without Alembic when the schema is
current, and the upload listing without every import kind's loader."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from anchorage.ingest import kinds
from anchorage.services import loads as _every_kind  # noqa: F401  (registers every import kind)
from anchorage.services.uploads import RESTORABLE_KINDS
from anchorage.store import records
from anchorage.workspace import Workspace


def _alembic(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(records.__file__).parent / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def _open_fresh(root: Path) -> tuple[str | None, bool]:
    """Open the workspace at root in a fresh interpreter: its records revision after, and whether Alembic loaded."""
    probe = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from anchorage.store import records\n"
        "from anchorage.workspace import Workspace\n"
        f"ws = Workspace.open(Path({str(root)!r}))\n"
        "print(json.dumps([records.stored_revision(ws.records_url), 'alembic' in sys.modules]))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    revision, alembic = json.loads(done.stdout.splitlines()[-1])
    return revision, alembic


def test_the_head_revision_constant_is_alembics_head():
    """records.HEAD_REVISION spares every open an Alembic import: it must name the newest migration."""
    assert ScriptDirectory.from_config(_alembic("sqlite://")).get_current_head() == (
        records.HEAD_REVISION
    ), "a new records migration: set records.HEAD_REVISION to its revision"


def test_a_current_workspace_opens_without_alembic_and_a_behind_one_still_migrates(
    workspace: Workspace,
):
    assert _open_fresh(workspace.root) == (records.HEAD_REVISION, False)
    url = workspace.records_url
    # As an Anchorage from before the jobs table left it:
    command.downgrade(_alembic(url), "0012_opaque_ids")
    engine = sa.create_engine(url)
    with engine.connect() as c:
        assert not sa.inspect(c).has_table("jobs")
    engine.dispose()
    assert _open_fresh(workspace.root) == (records.HEAD_REVISION, True)
    engine = sa.create_engine(url)
    with engine.connect() as c:
        assert sa.inspect(c).has_table("jobs")
    engine.dispose()
    Path(url.removeprefix("sqlite:///")).unlink()  # no records database at all: made on open
    assert _open_fresh(workspace.root) == (records.HEAD_REVISION, True)


def test_restorable_kinds_are_the_registrys_snapshots():
    """The upload listing names the restorable kinds without importing their loaders: the same as the registry."""
    assert {k.name for k in kinds.REGISTRY.values() if k.snapshot is not None} == RESTORABLE_KINDS
