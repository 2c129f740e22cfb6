"""Request bodies are capped while they stream in: a 600 MB upload is refused (413) after the limit, or at
once when its declared length is over it, instead of being spooled to disk and measured afterwards."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from anchorage.core.errors import AnchorageError

MB = 1024 * 1024
FORM_LIMIT = (
    5 * MB
)  # any request but a file upload: form fields are at most 1 MB each (Starlette's own cap)
UPLOAD_SLACK = 256 * 1024  # the multipart wrapping and the form's other fields around the file
UPLOAD_PATHS = ("/upload",)


class RequestTooLarge(AnchorageError):
    """The request's body is over the size limit (HTTP 413)."""


def too_large(limit: int, upload: bool) -> RequestTooLarge:
    if upload:
        return RequestTooLarge(
            f"The file is larger than the {limit // MB} MB limit.",
            fix="Split it by year, or ask your admin to raise ANCHORAGE_WEB_MAX_UPLOAD_MB.",
        )
    return RequestTooLarge("What was sent is too large.", fix="Shorten it and send it again.")


class BodyLimit:
    """ASGI middleware: counts body bytes as the app reads them and stops past the limit for the path."""

    def __init__(self, app: ASGIApp, *, upload_bytes: int) -> None:
        self.app = app
        self.upload_bytes = upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = scope.get("path", "") in UPLOAD_PATHS
        limit = self.upload_bytes + UPLOAD_SLACK if upload else FORM_LIMIT
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        over = declared.isdigit() and int(declared) > limit
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            if over:  # refused before a byte of the body is read
                raise too_large(self.upload_bytes, upload)
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise too_large(self.upload_bytes, upload)
            return message

        await self.app(scope, limited, send)
