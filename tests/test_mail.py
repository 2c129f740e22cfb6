"""Email goes out over SMTP when the workspace names a server, and to the outbox when it does not or the server
is down: tested against a real SMTP server (aiosmtpd) on 127.0.0.1, through the web and the domain calls."""

from __future__ import annotations

import datetime as dt
import email
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from tests.fixtures import load_reference
from tests.web_support import Web, build_web, csrf_of, signed_in

from anchorage import config as cfgmod
from anchorage.assets import workflow
from anchorage.core.errors import ConfigError
from anchorage.opportunities.registration import register_supplier
from anchorage.public_forms.outbox import PASSWORD_ENV, outbox_dir, send_email
from anchorage.store.assets_records import Need, Space
from anchorage.web.app import create_app
from anchorage.web.settings import WebSettings
from anchorage.workspace import Workspace


@dataclass
class Inbox:
    """What the local SMTP server received (and who logged in)."""

    messages: list[Message] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]


def _authenticate(inbox: Inbox):  # type: ignore[no-untyped-def]
    def check(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
        assert isinstance(auth_data, LoginPassword)
        user, password = auth_data.login.decode(), auth_data.password.decode()
        inbox.logins.append((user, password))
        return AuthResult(success=password == "relay-secret")

    return check


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=_authenticate(inbox),
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def use_server(ws: Workspace, port: int, **over: object) -> None:
    """Point the workspace's [mail] section at the local server, on disk (as a user would edit config.toml)."""
    ws.config.mail = cfgmod.Mail(
        host="127.0.0.1",
        port=port,
        security="none",
        sender="Test Anchors <anchors@council.example>",
        timeout_seconds=5,
        **over,
    )  # type: ignore[arg-type]
    cfgmod.save(ws.config, ws.config_path)


def body(msg: Message) -> str:
    payload = msg.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def eml_count(ws: Workspace) -> int:
    return len(list(outbox_dir(ws).glob("*.eml"))) if outbox_dir(ws).exists() else 0


def test_mail_settings_are_checked_and_survive_a_save(tmp_path: Path) -> None:
    cfg = cfgmod.Config(
        collaborative="C",
        place=cfgmod.Place(local=["E09000023"], sub_region=[], region="E12000007"),
    )
    cfg.mail = cfgmod.Mail(
        host="smtp.example.org", port=465, security="ssl", username="u", sender="A <a@b.org>"
    )
    cfgmod.save(cfg, tmp_path / "config.toml")
    assert cfgmod.load(tmp_path / "config.toml").mail == cfg.mail
    cfg.mail = cfgmod.Mail(host="smtp.example.org", port=70000, security="tls", sender="nobody")
    with pytest.raises(ConfigError) as err:
        cfgmod.save(cfg, tmp_path / "config.toml")
    text = str(err.value.problems)
    assert (
        "mail.security" in text and "mail.port" in text and "mail.sender" in text
    )  # every problem at once


def test_without_a_server_messages_wait_in_the_outbox(workspace: Workspace) -> None:
    sent = send_email(workspace, "a@b.org", "Hello", "Body text")
    assert (sent.how, sent.problem) == ("outbox", "")
    [path] = outbox_dir(workspace).glob("*.eml")
    assert "Body text" in path.read_text() and "To: a@b.org" in path.read_text()


def test_a_server_that_is_down_leaves_the_message_in_the_outbox(workspace: Workspace) -> None:
    use_server(workspace, free_port())  # nothing listens there
    sent = send_email(workspace, "a@b.org", "Hello", "Kept safe")
    assert sent.how == "outbox" and "127.0.0.1" in sent.problem and eml_count(workspace) == 1


def test_login_uses_the_password_from_the_environment(
    workspace: Workspace, smtp, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    inbox, port = smtp
    use_server(workspace, port, username="relay-user")
    monkeypatch.setenv(PASSWORD_ENV, "relay-secret")
    assert send_email(workspace, "a@b.org", "Hello", "Through the relay").sent
    assert (
        inbox.logins == [("relay-user", "relay-secret")]
        and body(inbox.to("a@b.org")[0]).strip() == "Through the relay"
    )
    monkeypatch.setenv(PASSWORD_ENV, "wrong")
    refused = send_email(workspace, "c@d.org", "Hello", "Refused login")
    assert (
        refused.how == "outbox" and refused.problem and eml_count(workspace) == 1
    )  # refused: kept, not lost
    assert not inbox.to("c@d.org")


@pytest.fixture
def mailing_web(tmp_path: Path, smtp) -> Iterator[tuple[Web, Inbox]]:  # type: ignore[no-untyped-def]
    inbox, port = smtp
    built = build_web(tmp_path)
    use_server(built.ws, port)
    yield Web(built.ws, create_app(built.ws.root, WebSettings()), built.root), inbox


def test_invitations_and_resets_are_emailed(mailing_web) -> None:  # type: ignore[no-untyped-def]
    web, inbox = mailing_web
    admin = signed_in(web, "admin@council.org")
    token = csrf_of(admin.get("/admin/users").text)
    page = admin.post(
        "/admin/users/invite",
        data={
            "csrf_token": token,
            "email": "new.person@council.org",
            "role": "anchor-analyst",
            "org": "council",
        },
    )
    assert (
        page.status_code == 200
        and "We have emailed a one-time link to new.person@council.org" in page.text
    )
    [invite] = inbox.to("new.person@council.org")
    assert invite[
        "From"
    ] == "Test Anchors <anchors@council.example>" and "as analyst for Council" in body(invite)
    path = re.search(r"http://testserver(/\S+)", body(invite)).group(1)  # type: ignore[union-attr]
    newcomer = web.client()
    t = csrf_of(newcomer.get(path).text)
    assert (
        newcomer.post(
            path,
            data={
                "csrf_token": t,
                "password": "a long enough pass",
                "password2": "a long enough pass",
            },
            follow_redirects=False,
        ).status_code
        == 303
    )
    users = admin.get("/admin/users").text
    reset_action = re.search(
        r'action="(/admin/users/[^/"]+/reset)"[^>]*>(?:(?!</form>).)*</form></td>\s*<td><a[^>]*>API'
        r'[^<]*<span class="visually-hidden"> of new\.person@council\.org',
        users,
        re.S,
    )
    assert reset_action, "the users page has a reset button for the newcomer"
    admin.post(reset_action.group(1), data={"csrf_token": token})
    [_, reset] = inbox.to("new.person@council.org")
    assert "Your old password no longer works" in body(reset) and "/invite/" in body(reset)
    assert eml_count(web.ws) == 0  # sent, so nothing waits in the outbox


def test_a_community_group_gets_its_confirmation_and_booking_notices(mailing_web) -> None:  # type: ignore[no-untyped-def]
    web, inbox = mailing_web
    ws = web.ws
    with ws.session() as s:
        space = Space(org="council", ref="HALL-1", name="Church Street Hall", capacity=40, times=[])
        need = Need(
            group_name="Knit Club",
            contact_email="knit@group.example.org",
            activity="Knitting",
            people=12,
            area="Lewisham",
            status="published",
        )
        s.add_all([space, need])
        s.commit()
    req = workflow.request_space(ws, need.id, space.id, "Tuesday mornings")
    workflow.change_request(ws, req.id, "offer", by="council", note="Tuesdays 10-12 are free.")
    [notice] = inbox.to("knit@group.example.org")
    assert notice["Subject"] == 'Your request for "Church Street Hall" is now offered'
    assert "Tuesdays 10-12 are free." in body(notice)
    workflow.change_request(
        ws, req.id, "accept", by="group"
    )  # the group's own action: nothing to tell it
    assert len(inbox.to("knit@group.example.org")) == 1


def test_a_supplier_registration_is_confirmed_by_email(workspace: Workspace, smtp) -> None:  # type: ignore[no-untyped-def]
    inbox, port = smtp
    load_reference(workspace)
    use_server(workspace, port)
    ws = Workspace.open(workspace.root)
    now = dt.datetime(2026, 2, 1, 10, 0, tzinfo=dt.UTC)
    form = {
        "name": "Sunrise Catering CIC",
        "categories": ["Catering"],
        "postcode": "se64ru",
        "size": "micro",
        "org_type": "cic",
        "company_number": "12345678",
        "charity_number": "",
        "contact_email": "hello@sunrise.example",
        "description": "Hot lunches.",
        "website": "",
    }
    sub = register_supplier(
        ws,
        form,
        ip="203.0.113.7",
        confirm_url=lambda t: f"https://x.example/confirm/{t}",
        now=now,
        rendered_at=now - dt.timedelta(seconds=30),
    )
    [msg] = inbox.to("hello@sunrise.example")
    assert (
        sub.token and f"https://x.example/confirm/{sub.token}" in body(msg) and eml_count(ws) == 0
    )
