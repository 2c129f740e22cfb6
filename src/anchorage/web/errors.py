"""One handler turns every error into a response: an HTML page, or {"ok": false, "error": ...} for the API."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from anchorage.access.accounts import AccessError, Forbidden, LoginRefused
from anchorage.errors import AnchorageError, InputFileError, NotFound, UnknownAnchorError
from anchorage.web.deps import CsrfError, LoginRequired
from anchorage.web.render import render


def status_for(exc: Exception) -> int:
    if isinstance(exc, HTTPException):
        return exc.status_code
    if isinstance(exc, (LoginRequired, LoginRefused)):
        return 401
    if isinstance(exc, (Forbidden, CsrfError)):
        return 403
    if isinstance(exc, (UnknownAnchorError, NotFound)):
        return 404
    if isinstance(exc, RequestValidationError):
        return 422
    if isinstance(exc, (AccessError, InputFileError)):
        return 400
    return 400 if isinstance(exc, AnchorageError) else 500


def message_of(exc: Exception) -> tuple[str, str | None]:
    if isinstance(exc, AnchorageError):
        return exc.message, exc.fix
    if isinstance(exc, HTTPException):
        return str(exc.detail), None
    if isinstance(exc, RequestValidationError):
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors())
        return f"Some of what was sent is not valid: {problems}.", "Correct it and send again."
    return "Something went wrong on our side.", "Try again; if it keeps happening, tell your admin."


def render_error(request: Request, exc: Exception) -> Response:
    status = status_for(exc)
    message, fix = message_of(exc)
    if request.url.path.startswith("/api/"):
        body = {"ok": False, "error": {"status": status, "message": message, "fix": fix}}
        return JSONResponse(body, status_code=status)
    if isinstance(exc, LoginRequired):
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    return render(request, "error.html", {"status": status, "message": message, "fix": fix}, status=status)


def install(app: FastAPI) -> None:
    for exc_type in (AnchorageError, HTTPException, RequestValidationError, Exception):
        app.add_exception_handler(exc_type, render_error)
