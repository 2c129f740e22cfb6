"""Handing a command to the running web server, which owns the workspace's warehouse.

DuckDB lets one process open a database file, and while a process has it open for writing no other process
can open it at all, not even to read. So while `anchorage serve` runs, a command on the same workspace
cannot open the warehouse itself, and the server cannot let go of it while it serves. Instead the command
sends its arguments to the server (the address and a secret are in the workspace's `.anchorage-server.json`,
readable by its owner only), the server runs the very same command in its own process, through its one
warehouse instance, and streams the command's output back as it is written. Reads and writes both work,
and writes take their turn with the web's own writes.
"""

from __future__ import annotations

import hmac
import io
import json
import os
import queue
import re
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

PATH = "/_owner/command"
LOCAL = {"127.0.0.1", "::1", "localhost"}
# Commands that never go to a server: it runs them itself, they make a workspace, they ask questions, they
# do not touch a workspace at all, or they read the records database only (jobs: the server does not lock it).
OWN = {
    "serve",
    "init",
    "demo",
    "docs",
    "jobs",
    "--help",
    "--install-completion",
    "--show-completion",
}
_local = threading.local()
# How this process runs one command (cli.main registers it), so that `serve`, below it, need not import it.
_runner: Callable[[list[str]], int] | None = None


def set_runner(run: Callable[[list[str]], int]) -> None:
    global _runner
    _runner = run


class _Router(io.TextIOBase):
    """sys.stdout / sys.stderr of the server: a thread running a handed-over command writes to its sink."""

    def __init__(self, name: str, fallback: Any) -> None:
        self.name, self.fallback = name, fallback

    def write(self, s: str) -> int:
        sink = getattr(_local, self.name, None)
        if sink is None:
            return int(self.fallback.write(s))
        sink(s)
        return len(s)

    def flush(self) -> None:
        if getattr(_local, self.name, None) is None:
            self.fallback.flush()

    def isatty(self) -> bool:
        return False if getattr(_local, self.name, None) else bool(self.fallback.isatty())

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"


def install(app: Any, token: str) -> None:
    """Let local commands with the token run on this server (only `anchorage serve` installs this)."""
    run = _runner
    assert run is not None, "cli.main registers how a command runs"
    from fastapi import Request
    from fastapi.responses import JSONResponse, StreamingResponse

    app.state.owner_token = token
    if not isinstance(sys.stdout, _Router):
        sys.stdout = _Router("out", sys.stdout)
        sys.stderr = _Router("err", sys.stderr)

    async def command(request: Request) -> Any:
        given = request.headers.get("x-anchorage-token", "")
        if (
            request.client is None
            or request.client.host not in LOCAL
            or not hmac.compare_digest(given, token)
        ):
            return JSONResponse({"ok": False, "error": "Not found."}, status_code=404)
        body = await request.json()
        argv = [str(a) for a in body["argv"]]
        as_user = str(body.get("as") or "")[
            :320
        ]  # the user the command was run as (ANCHORAGE_AS), if any
        events: queue.Queue[dict[str, Any] | None] = queue.Queue()

        def work() -> None:
            from anchorage.services.common import acting_as

            _local.out = lambda s: events.put({"o": s})
            _local.err = lambda s: events.put({"e": s})
            try:
                with acting_as(as_user):
                    code = run(argv)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            finally:
                _local.out = _local.err = None
            events.put({"exit": code})
            events.put(None)

        threading.Thread(target=work, name="anchorage-command", daemon=True).start()

        def stream() -> Iterator[bytes]:
            while (event := events.get()) is not None:
                yield (json.dumps(event) + "\n").encode()

        return StreamingResponse(stream(), media_type="application/x-ndjson")

    command.__annotations__["request"] = (
        Request  # FastAPI reads it; this module imports FastAPI lazily
    )
    app.add_api_route(PATH, command, methods=["POST"], include_in_schema=False)


def _workspace_of(argv: list[str]) -> Path:
    from anchorage.workspace import ENV_VAR, resolve

    for i, a in enumerate(argv):
        if a in ("--workspace", "-w") and i + 1 < len(argv):
            return resolve(argv[i + 1])
        if a.startswith("--workspace="):
            return resolve(a.split("=", 1)[1])
    return resolve(os.environ.get(ENV_VAR))


def _absolute(arg: str) -> str:
    """A path argument made absolute (the server does not share this command's current folder)."""
    if arg.startswith("--") and "=" in arg:
        name, value = arg.split("=", 1)
        return f"{name}={_absolute(value)}"
    if arg.startswith("-") or "@" in arg or "://" in arg:
        return arg
    p = Path(arg).expanduser()
    looks_like_file = (
        re.fullmatch(r"\.[A-Za-z][A-Za-z0-9]{0,5}", p.suffix) is not None and p.parent.exists()
    )
    return str(p.resolve()) if p.exists() or looks_like_file or "/" in arg else arg


def forward(argv: list[str]) -> int | None:
    """Run the command on the workspace's server if one is running; None when there is none."""
    if not argv or argv[0] in OWN or "--help" in argv:
        return None
    # Only now: the workspace module imports the stores (DuckDB, SQLAlchemy), which `--help` need not.
    from anchorage.workspace import running_server

    root = _workspace_of(argv)
    server = running_server(root)
    if server is None:
        return None
    import httpx

    from anchorage.services.common import AS_USER_ENV

    host = "127.0.0.1" if server["host"] in ("0.0.0.0", "::", "") else server["host"]
    url = f"http://{host}:{server['port']}{PATH}"
    sent = [_absolute(a) for a in argv]
    print(
        "The web workspace is running on this workspace: the command runs there.", file=sys.stderr
    )
    try:
        with httpx.stream(
            "POST",
            url,
            json={"argv": sent, "as": os.environ.get(AS_USER_ENV) or None},
            headers={"x-anchorage-token": server["token"]},
            timeout=httpx.Timeout(10.0, read=None),
        ) as response:
            if response.status_code != 200:
                print(
                    f"The web workspace refused the command (HTTP {response.status_code}). Run it again after "
                    "stopping the web workspace, or report this.",
                    file=sys.stderr,
                )
                return 1
            code = 0
            for line in response.iter_lines():
                event = json.loads(line)
                if "o" in event:
                    sys.stdout.write(event["o"])
                    sys.stdout.flush()
                elif "e" in event:
                    sys.stderr.write(event["e"])
                    sys.stderr.flush()
                else:
                    code = int(event["exit"])
            return code
    except httpx.ConnectError:
        return None  # the server has just stopped: run here
