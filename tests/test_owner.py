"""One warehouse owner per workspace (issue 14): the web server owns it, commands hand their work to it, a
command waits (saying so) for another command, and nobody ever sees a lock error, a server path or a PID."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from tests.conftest import make_workspace

from anchorage.core.errors import WorkspaceError
from anchorage.workspace import Workspace

CLI = [sys.executable, "-m", "anchorage.cli.main"]


def _cli(*args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _spend(path: Path, rows: int, tag: str) -> Path:
    path.write_text(
        "Supplier,Amount,Date\n"
        + "".join(f"{tag} Supplier {i} Ltd,{10 + i}.50,0{1 + i % 9}/05/2023\n" for i in range(rows))
    )
    return path


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Workspace, str]]:
    ws = make_workspace(tmp_path / "ws", [("Council", "council"), ("Acute Trust", "nhs-trust")])
    port = _free_port()
    proc = subprocess.Popen(
        [*CLI, "serve", "--workspace", str(ws.root), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if ws.running_server() and httpx.get(f"{base}/login", timeout=5).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        time.sleep(0.3)
    else:
        pytest.fail("the server did not start")
    try:
        yield ws, base
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    assert not ws.server_file.exists(), "a stopped server leaves no lock file behind"


@pytest.mark.slow
def test_commands_run_on_the_server_while_it_serves(
    served: tuple[Workspace, str], tmp_path: Path
) -> None:
    ws, base = served
    stop = threading.Event()
    answers: list[int] = []

    def browse() -> None:  # a colleague on the web while the commands run
        with httpx.Client(base_url=base, timeout=30) as c:
            while not stop.is_set():
                answers.append(c.get("/login").status_code)
                stop.wait(0.05)  # a person's pace, not a busy loop taking the commands' CPU

    with ThreadPoolExecutor(1) as pool:
        web = pool.submit(browse)
        loads = [
            _cli(
                "spend",
                "ingest",
                str(_spend(tmp_path / f"{org}.csv", 400, org)),
                "--org",
                org,
                "--date-order",
                "dmy",
                "--workspace",
                str(ws.root),
                "--json",
            )
            for org in ("council", "acute-trust")
        ]
        analysed = _cli("spend", "analyse", "--workspace", str(ws.root), "--json")
        listed = _cli("org", "list", "--workspace", str(ws.root), "--json")
        stop.set()
        web.result(timeout=60)
    for r in (*loads, analysed, listed):
        assert r.returncode == 0, r.stderr
        assert "runs there" in r.stderr
    assert [json.loads(r.stdout)["rows_loaded"] for r in loads] == [400, 400]
    totals = {t["org"]: t for t in json.loads(analysed.stdout)["totals"]}
    assert totals["council"]["transactions"] == 400
    assert totals["council"]["spend"] == pytest.approx(sum(10.5 + i for i in range(400)))
    assert {a["slug"] for a in json.loads(listed.stdout)} == {"council", "acute-trust"}
    assert answers and set(answers) == {200}
    # A second server on the same workspace is refused in plain words; so is more than one worker process.
    second = _cli("serve", "--workspace", str(ws.root), "--port", str(_free_port()))
    assert second.returncode == 1 and "already running" in second.stderr
    workers = _cli("serve", "--workspace", str(ws.root), "--workers", "2")
    assert workers.returncode == 1 and "reverse proxy" in workers.stderr


def test_the_command_endpoint_needs_the_owners_secret(served: tuple[Workspace, str]) -> None:
    ws, base = served
    r = httpx.post(f"{base}/_owner/command", json={"argv": ["org", "list"]}, timeout=30)
    assert r.status_code == 404
    r = httpx.post(
        f"{base}/_owner/command",
        json={"argv": ["org", "list"]},
        timeout=30,
        headers={"x-anchorage-token": "guess"},
    )
    assert r.status_code == 404
    assert oct(ws.server_file.stat().st_mode & 0o777) == "0o600"


HOLD = """
import sys, time
from pathlib import Path
from anchorage.workspace import Workspace
ws = Workspace.open(Path(sys.argv[1]))
with ws.warehouse() as con:
    print("holding", flush=True)
    sys.stdin.readline()  # until the test lets go (a fixed sleep raced the other command's start on a busy machine)
"""


def test_a_command_waits_for_another_and_a_web_user_never_sees_a_pid(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws", [("Council", "council")])
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(ws.root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
    # In-process, as a web request would: a short wait, then a plain sentence.
    other = Workspace.open(ws.root)
    other.on_busy = lambda pid, waited: waited < 1
    with pytest.raises(WorkspaceError) as busy, other.warehouse(read_only=True):
        pass
    said = f"{busy.value.message} {busy.value.fix}"
    assert (
        "busy" in said
        and str(holder.pid) not in said
        and str(tmp_path) not in said
        and "PID" not in said
    )
    command = subprocess.Popen(
        [
            *CLI,
            "spend",
            "ingest",
            str(_spend(tmp_path / "s.csv", 5, "x")),
            "--org",
            "council",
            "--date-order",
            "dmy",
            "--workspace",
            str(ws.root),
            "--json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert command.stderr is not None
    first = (
        command.stderr.readline()
    )  # the command says it waits, and does, while the other holds the data
    assert "Waiting: another Anchorage command" in first, first
    time.sleep(1)
    assert command.poll() is None
    assert holder.stdin is not None
    holder.stdin.write("go\n")
    holder.stdin.flush()
    assert holder.wait(timeout=60) == 0
    out, err = command.communicate(timeout=180)
    assert command.returncode == 0, first + err
    assert json.loads(out)["rows_loaded"] == 5


def test_a_command_handed_to_the_server_runs_as_its_user(
    served: tuple[Workspace, str], tmp_path: Path
) -> None:
    """ANCHORAGE_AS goes with a handed-over command: the server's process applies that user's permissions."""
    ws, _ = served
    added = _cli(
        "users",
        "add",
        "viewer@council.org",
        "--role",
        "viewer",
        "--org",
        "council",
        "--workspace",
        str(ws.root),
    )
    assert added.returncode == 0, added.stderr
    spend = str(_spend(tmp_path / "as.csv", 3, "As"))
    env = {**os.environ, "ANCHORAGE_AS": "viewer@council.org"}
    refused = subprocess.run(
        [
            *CLI,
            "spend",
            "ingest",
            spend,
            "--org",
            "council",
            "--date-order",
            "dmy",
            "--workspace",
            str(ws.root),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    assert refused.returncode == 1 and "runs there" in refused.stderr
    assert "Only an admin or analyst" in refused.stderr, refused.stderr
    done = _cli(
        "spend",
        "ingest",
        spend,
        "--org",
        "council",
        "--date-order",
        "dmy",
        "--workspace",
        str(ws.root),
    )
    assert done.returncode == 0 and "runs there" in done.stderr, done.stderr
