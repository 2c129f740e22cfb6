"""Outgoing email: sent over SMTP when the workspace's `[mail]` section names a server, otherwise (or when the
server cannot take it) written to the workspace's `outbox/` folder as an RFC 5322 `.eml` file, for a mail relay
or a person to send. A message is never lost: a failed send leaves it in the outbox."""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from anchorage.config import Mail
from anchorage.workspace import Workspace

log = logging.getLogger(__name__)
PASSWORD_ENV = "ANCHORAGE_SMTP_PASSWORD"


@dataclass(frozen=True)
class Delivery:
    """What happened to one message: "sent" (the SMTP server accepted it) or "outbox" (written to outbox/)."""

    how: str
    to: str
    problem: str = ""  # why a configured server did not take it, in plain words

    @property
    def sent(self) -> bool:
        return self.how == "sent"


def outbox_dir(ws: Workspace) -> Path:
    return ws.root / "outbox"


def _message(ws: Workspace, to: str, subject: str, body: str, now: dt.datetime) -> EmailMessage:
    msg = EmailMessage()
    msg["To"] = to
    msg["From"] = ws.config.mail.sender or f"{ws.config.collaborative} <no-reply@anchorage.invalid>"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = make_msgid(domain="anchorage.invalid")
    msg.set_content(body, cte="8bit")  # links stay whole for a person reading the file
    return msg


def _to_outbox(ws: Workspace, msg: EmailMessage, now: dt.datetime) -> Path:
    folder = outbox_dir(ws)
    folder.mkdir(exist_ok=True)
    path = folder / f"{now:%Y%m%dT%H%M%S}-{secrets.token_hex(4)}.eml"
    tmp = path.with_suffix(".part")
    tmp.write_bytes(msg.as_bytes())
    tmp.replace(path)  # a relay watching the folder never sees half a message
    return path


def _smtp_send(mail: Mail, msg: EmailMessage) -> None:
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if mail.security == "ssl":
        smtp = smtplib.SMTP_SSL(mail.host, mail.port, timeout=mail.timeout_seconds, context=context)
    else:
        smtp = smtplib.SMTP(mail.host, mail.port, timeout=mail.timeout_seconds)
    with smtp:
        if mail.security == "starttls":
            smtp.starttls(context=context)
        if mail.username:
            smtp.login(mail.username, os.environ.get(PASSWORD_ENV, ""))
        smtp.send_message(msg)


def send_email(
    ws: Workspace, to: str, subject: str, body: str, *, now: dt.datetime | None = None
) -> Delivery:
    """Send one plain-text message; on no server, or a server that refuses or does not answer, keep it in the
    outbox and say why (the caller shows people "emailed" or "waiting to be sent", never the error's details)."""
    now = now or dt.datetime.now(dt.UTC)
    msg = _message(ws, to, subject, body, now)
    mail = ws.config.mail
    if not mail.host:
        _to_outbox(ws, msg, now)
        return Delivery("outbox", to)
    try:
        _smtp_send(mail, msg)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning(
            "mail to %s not sent through %s:%s (%s); kept in the outbox",
            to,
            mail.host,
            mail.port,
            exc,
        )
        _to_outbox(ws, msg, now)
        return Delivery(
            "outbox",
            to,
            problem=f"the mail server {mail.host} did not take it ({type(exc).__name__})",
        )
    return Delivery("sent", to)
