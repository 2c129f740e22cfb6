"""`anchorage serve`, `anchorage users` and `anchorage tokens`: the web workspace, its accounts and API tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import typer

from anchorage.cli.common import JsonOpt, WorkspaceOpt, open_workspace, out, print_json
from anchorage.core.errors import AnchorageError
from anchorage.core.roles import Role

users_app = typer.Typer(help="Web workspace accounts.", no_args_is_help=True)


def serve(
    workspace: WorkspaceOpt = None,
    host: Annotated[
        str, typer.Option(help="Address to listen on (127.0.0.1 = this machine only).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            help="Server processes: only 1 (one process owns the warehouse; it serves many users at once)."
        ),
    ] = 1,
) -> None:
    """Start the web workspace (pages and JSON API) on this workspace; it owns the workspace's data while it runs."""
    import secrets

    import uvicorn

    from anchorage.cli import handoff
    from anchorage.web.app import create_app

    if workers != 1:
        # DuckDB lets one process open the warehouse file: a second server process could not read it.
        raise AnchorageError(
            f"--workers {workers}: one server process per workspace is supported.",
            fix="Run `anchorage serve` once (it answers many users at once) and, for HTTPS or more machines, put "
            "a reverse proxy such as nginx or Caddy in front of it (docs/web.md).",
        )
    ws = open_workspace(workspace)
    other = ws.running_server()
    if other is not None:
        raise AnchorageError(
            f"The web workspace is already running on this workspace at "
            f"http://{other['host']}:{other['port']}/.",
            fix="Use that one, or stop it first.",
        )
    for line in ws.migrate():
        out.print(line)
    ws.hold_warehouse()  # waits (saying so) while a command finishes with the warehouse
    app = create_app(ws.root)
    handoff.install(app, secrets.token_urlsafe(32))
    ws.announce_server(host, port, app.state.owner_token)
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: Any) -> AsyncIterator[Any]:
        # uvicorn re-raises SIGTERM/SIGINT after shutting down, so `finally` below may never run: withdraw here.
        async with inner(a) as state:
            try:
                yield state
            finally:
                ws.withdraw_server()

    app.router.lifespan_context = lifespan
    out.print(
        f"Anchorage web workspace for {ws.config.collaborative}: http://{host}:{port}/  (Ctrl+C to stop)"
    )
    try:
        # Forwarded headers are handled by the app, and only from ANCHORAGE_WEB_TRUSTED_PROXIES (docs/deploy.md);
        # uvicorn's own default would believe them from any process on this machine.
        uvicorn.run(
            app,
            host=host,
            port=port,
            log_level="warning",
            proxy_headers=False,
            server_header=False,
            http=app.state.settings.http,
            loop=app.state.settings.loop,
        )
    finally:
        ws.withdraw_server()


@users_app.command("add")
def users_add(
    email: str,
    role: Annotated[Role, typer.Option(help="What the user may do.")],
    org: Annotated[
        str | None, typer.Option(help="The user's anchor (not for a collaborative admin).")
    ] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Create a user and print a one-time link to set their password."""
    from anchorage.services import admin
    from anchorage.services.common import command_viewer

    ws = open_workspace(workspace)
    user, token = admin.add_user(ws, command_viewer(ws), email, role.value, org)
    out.print(
        f"Created {user.email} ({role}). They set their password at: http://127.0.0.1:8000/invite/{token}"
    )


@users_app.command("list")
def users_list(workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """List the users and their roles."""
    from sqlalchemy import select

    from anchorage.store.accounts import User

    with open_workspace(workspace).session() as s:
        rows = [
            {"email": u.email, "role": u.role, "org": u.org, "active": u.active}
            for u in s.scalars(select(User).order_by(User.email))
        ]
    if as_json:
        print_json(rows)
    else:
        for r in rows:
            out.print(f"{r['email']}  {r['role']}  {r['org'] or '(whole collaborative)'}")


tokens_app = typer.Typer(
    help="API tokens: list the ones that work and revoke them.", no_args_is_help=True
)


@tokens_app.command("list")
def tokens_list(
    user: Annotated[
        str | None, typer.Option("--user", help="Only this user's tokens (their email).")
    ] = None,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List the API tokens that still work: their id, user, name, when made and last used (never the secret)."""
    from anchorage.access import accounts

    with open_workspace(workspace).session() as s:
        rows = [
            {
                "id": t.public_id,
                "email": u.email,
                "org": u.org,
                "name": t.name,
                "created_at": t.created_at.isoformat(timespec="seconds"),
                "last_used_at": t.last_used_at.isoformat(timespec="seconds")
                if t.last_used_at
                else None,
            }
            for t, u in accounts.working_tokens(s, user)
        ]
    if as_json:
        print_json(rows)
        return
    if not rows:
        out.print("No API tokens work" + (f" for {user}." if user else "."))
    for r in rows:
        used = str(r["last_used_at"] or "never")[:16]
        out.print(
            f"{r['id']}  {r['email']}  {r['name']}  made {str(r['created_at'])[:16]}  last used {used}",
            markup=False,
            highlight=False,
        )
    if rows:
        out.print("Revoke one with: anchorage tokens revoke ID", markup=False)


@tokens_app.command("revoke")
def tokens_revoke(
    token_id: Annotated[
        str, typer.Argument(metavar="ID", help="The token's id, from `anchorage tokens list`.")
    ],
    workspace: WorkspaceOpt = None,
) -> None:
    """Revoke an API token: it stops working at once. Recorded in the audit log."""
    from anchorage.access import accounts

    with open_workspace(workspace).session() as s:
        owner = accounts.token_owner(s, token_id)
        accounts.revoke_token(s, "command line", owner, token_id)
        s.commit()
    out.print(
        f"Revoked the token {token_id} of {owner.email}: it no longer works.",
        markup=False,
        highlight=False,
    )
