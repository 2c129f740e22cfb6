"""`anchorage tokens list|revoke` on a real workspace: the same tokens the web lists, revoked through the same
accounts code (the token stops working on the API at once) and recorded in the audit log."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.test_assets_cli import cli

from anchorage.access import accounts
from anchorage.store.accounts import AuditEvent
from anchorage.web.app import create_app
from anchorage.workspace import Workspace


def _tokens(ws: Workspace) -> dict[str, str]:
    """Two users with tokens; returns name -> secret."""
    with ws.session() as s:
        ann = accounts.create_user(
            s, "ann@council.org", role="anchor-analyst", org="council", password="x" * 16
        )
        bob = accounts.create_user(
            s, "Bob@trust.org", role="viewer", org="acute-trust", password="y" * 16
        )
        secrets = {
            "Power BI": accounts.new_api_token(s, ann, "Power BI"),
            "Nightly =sync": accounts.new_api_token(s, ann, "Nightly =sync"),
            "Trust feed": accounts.new_api_token(s, bob, "Trust feed"),
        }
        s.commit()
    return secrets


def test_tokens_are_listed_and_revoked_from_the_command_line(workspace: Workspace):
    secrets = _tokens(workspace)
    api = TestClient(create_app(workspace.root), base_url="http://testserver")
    assert (
        api.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {secrets['Power BI']}"}
        ).status_code
        == 200
    )

    listed = cli("tokens", "list", "--json", ws=workspace)
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert sorted((r["email"], r["name"]) for r in rows) == [
        ("ann@council.org", "Nightly =sync"),
        ("ann@council.org", "Power BI"),
        ("bob@trust.org", "Trust feed"),
    ]
    assert not any(s in listed.stdout for s in secrets.values())  # never the secret
    ids = {r["name"]: r["id"] for r in rows}

    only_bob = json.loads(
        cli("tokens", "list", "--user", "BOB@trust.org", "--json", ws=workspace).stdout
    )
    assert [r["name"] for r in only_bob] == ["Trust feed"]
    text = cli("tokens", "list", "--user", "ann@council.org", ws=workspace).stdout
    assert (
        ids["Power BI"] in text
        and "Trust feed" not in text
        and "anchorage tokens revoke ID" in text
    )

    revoked = cli("tokens", "revoke", ids["Power BI"], ws=workspace)
    assert revoked.returncode == 0, revoked.stderr
    assert "ann@council.org" in revoked.stdout and "no longer works" in revoked.stdout
    assert (
        api.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {secrets['Power BI']}"}
        ).status_code
        == 401
    )
    assert (
        api.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {secrets['Trust feed']}"}
        ).status_code
        == 200
    )
    left = json.loads(cli("tokens", "list", "--json", ws=workspace).stdout)
    assert sorted(r["name"] for r in left) == ["Nightly =sync", "Trust feed"]
    with workspace.session() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "api-token-revoked")).one()
    assert (event.actor, event.org, event.detail["email"], event.detail["token_name"]) == (
        "command line",
        "council",
        "ann@council.org",
        "Power BI",
    )

    # Again, a made-up id, and an unknown user: a plain sentence and a non-zero exit, no traceback.
    for args in (
        ("tokens", "revoke", ids["Power BI"]),
        ("tokens", "revoke", "not-a-token"),
        ("tokens", "list", "--user", "nobody@x.org"),
    ):
        r = cli(*args, ws=workspace)
        assert r.returncode != 0 and "Traceback" not in r.stderr + r.stdout, args
        assert ("no such API token" in r.stderr + r.stdout) or (
            "no user nobody@x.org" in r.stderr + r.stdout
        )
    empty = cli("tokens", "list", "--user", "bob@trust.org", ws=workspace)
    cli("tokens", "revoke", ids["Trust feed"], ws=workspace)
    assert "Trust feed" in empty.stdout
    assert (
        "No API tokens work for bob@trust.org."
        in cli("tokens", "list", "--user", "bob@trust.org", ws=workspace).stdout
    )
