"""Email the workspace would send, written as .eml files to `<workspace>/outbox/` for a mail relay (or a
person) to send: Anchorage itself opens no network connections."""

from __future__ import annotations

import datetime as dt
import secrets
from email.message import EmailMessage
from pathlib import Path

from anchorage.workspace import Workspace


def outbox_dir(ws: Workspace) -> Path:
    return ws.root / "outbox"


def queue_email(ws: Workspace, to: str, subject: str, body: str) -> Path:
    """Write one message to the outbox; returns its path."""
    msg = EmailMessage()
    msg["To"], msg["Subject"] = to, subject
    msg["From"] = f"{ws.config.collaborative} <no-reply@anchorage.invalid>"
    msg.set_content(body, cte="8bit")  # links stay whole (no quoted-printable line breaks)
    folder = outbox_dir(ws)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(4)}.eml"
    path.write_bytes(bytes(msg))
    return path
