"""The outbox: Anchorage sends no mail itself; each outgoing message is written to the workspace's
`outbox/` folder as an RFC 5322 `.eml` file, for the collaborative's mail relay (or a person) to send."""

from __future__ import annotations

import datetime as dt
import secrets
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from anchorage.workspace import Workspace


def outbox_dir(ws: Workspace) -> Path:
    return ws.root / "outbox"


def queue_email(ws: Workspace, to: str, subject: str, body: str, *, now: dt.datetime | None = None) -> Path:
    """Write one plain-text message to the outbox and return its path."""
    now = now or dt.datetime.now(dt.UTC)
    msg = EmailMessage()
    msg["To"] = to
    msg["From"] = f"{ws.config.collaborative} <no-reply@anchorage.invalid>"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(now)
    msg.set_content(body, cte="8bit")  # links stay whole for a person reading the file
    folder = outbox_dir(ws)
    folder.mkdir(exist_ok=True)
    path = folder / f"{now:%Y%m%dT%H%M%S}-{secrets.token_hex(4)}.eml"
    tmp = path.with_suffix(".part")
    tmp.write_bytes(msg.as_bytes())
    tmp.replace(path)  # a relay watching the folder never sees half a message
    return path
