"""One handler turns every error into a response: an HTML page, or {"ok": false, "error": ...} for the API.
Only the plain message and its web advice (AnchorageError.web_fix, never a command) reach the user, with any server path cut to its file name and any process id
removed; a refusal (403, or 404 for something that is not there or not yours) of a signed-in user is audited."""

from __future__ import annotations

import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from anchorage.access import audit
from anchorage.access.accounts import AccessError, Forbidden, LoginRefused
from anchorage.core.errors import AnchorageError, InputFileError, NotFound, UnknownAnchorError
from anchorage.web.body_limit import RequestTooLarge
from anchorage.web.deps import CsrfError, LoginRequired
from anchorage.web.render import render


def status_for(exc: Exception) -> int:
    if isinstance(exc, HTTPException):
        return exc.status_code
    if isinstance(
        getattr(exc, "http_status", None), int
    ):  # an error that knows its status (e.g. 503 for later)
        return int(exc.http_status)  # type: ignore[attr-defined]
    if isinstance(exc, (LoginRequired, LoginRefused)):
        return 401
    if isinstance(exc, (Forbidden, CsrfError)):
        return 403
    if isinstance(exc, UnknownAnchorError | NotFound):
        return 404
    if isinstance(exc, RequestValidationError):
        return 422
    if isinstance(exc, RequestTooLarge):
        return 413
    if isinstance(exc, (AccessError, InputFileError)):
        return 400
    return 400 if isinstance(exc, AnchorageError) else 500


# An absolute path (POSIX, or Windows with a drive letter): only its last part is for the user.
_PATH = re.compile(
    r"""(?<![\w:/.])(?:[A-Za-z]:[\\/]|/)(?:[^\s'"`<>|\\/]+[\\/])+([^\s'"`<>|\\/]*)"""
)
_PID = re.compile(r"\s*\(?\bPID[:= ]*\d+\)?", re.IGNORECASE)


def public_text(text: str | None) -> str | None:
    """A message fit for a web user: server paths cut to their file name, process ids removed."""
    if text is None:
        return None
    return _PID.sub("", _PATH.sub(lambda m: m.group(1) or "(a folder on the server)", text))


def message_of(exc: Exception) -> tuple[str, str | None]:
    if isinstance(exc, AnchorageError):
        return public_text(exc.message) or "", public_text(exc.web_fix)
    if isinstance(exc, HTTPException):
        return str(exc.detail), None
    if isinstance(exc, RequestValidationError):
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors()
        )
        return f"Some of what was sent is not valid: {problems}.", "Correct it and send again."
    return "Something went wrong on our side.", "Try again; if it keeps happening, tell your admin."


def _audit_refusal(request: Request, exc: Exception, status: int) -> None:
    """Record a signed-in user's refused attempt (who, what path, which answer); never fails the response.
    A refusal the access layer has already recorded, with its reference and real reason, is not recorded twice."""
    ctx = getattr(request.state, "ctx", None)
    if ctx is None or status not in (403, 404) or getattr(exc, "audited", False):
        return
    try:
        with ctx.ws.session() as s:
            audit.record(
                s,
                ctx.user.email,
                "refused",
                org=ctx.user.org,
                ip=request.client.host if request.client else None,
                detail={"method": request.method, "path": request.url.path[:300], "status": status},
            )
            s.commit()
    except Exception:  # the refusal itself must still reach the user
        pass


def render_error(request: Request, exc: Exception) -> Response:
    status = status_for(exc)
    message, fix = message_of(exc)
    _audit_refusal(request, exc, status)
    if request.url.path.startswith("/api/"):
        body = {"ok": False, "error": {"status": status, "message": message, "fix": fix}}
        return JSONResponse(body, status_code=status)
    if isinstance(exc, LoginRequired):
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    return render(
        request, "error.html", {"status": status, "message": message, "fix": fix}, status=status
    )


def install(app: FastAPI) -> None:
    for exc_type in (AnchorageError, HTTPException, RequestValidationError, Exception):
        app.add_exception_handler(exc_type, render_error)
