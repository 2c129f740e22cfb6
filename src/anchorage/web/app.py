"""The FastAPI application over one workspace: `create_app(root)`; `anchorage serve` runs it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from anchorage.access.oidc import OidcClient, OidcConfig
from anchorage.services.runtime import Workspace, start_owner
from anchorage.web import errors
from anchorage.web.body_limit import BodyLimit
from anchorage.web.routes import (
    admin,
    api,
    assets,
    auth,
    community,
    directory,
    jobs,
    lm3,
    opportunities,
    pages,
    pipeline,
    reports,
    socialvalue,
    spaces,
    supplier_review,
    uploads,
    workforce,
    workforce_api,
    workforce_bid,
)
from anchorage.web.settings import WebSettings

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"


def create_app(root: Path, settings: WebSettings | None = None) -> FastAPI:
    app = FastAPI(
        title="Anchorage",
        description="The anchor collaborative's workspace: JSON API.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.ws = ws = Workspace.open(root)
    # The server owns the warehouse while it runs: one instance, a cursor per request (store/warehouse.py).
    # Should a command-line program hold it at this moment, a request waits up to 30 s, then says "busy".
    ws.on_busy = lambda pid, waited: waited < 30.0
    start_owner(ws)  # holds the warehouse and runs the jobs (services/runtime.py)
    app.state.settings = settings or WebSettings.from_env()
    sso = app.state.settings.oidc
    app.state.oidc = (
        OidcClient(OidcConfig(sso.issuer, sso.client_id, sso.client_secret, sso.redirect_url))
        if sso.enabled
        else None
    )
    errors.install(app)
    app.add_middleware(BodyLimit, upload_bytes=app.state.settings.max_upload_mb * 1024 * 1024)

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        if request.url.scheme == "https" or app.state.settings.hsts:
            response.headers["Strict-Transport-Security"] = HSTS
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    for module in (
        auth,
        pages,
        jobs,
        supplier_review,
        uploads,
        reports,
        pipeline,
        admin,
        api,
        workforce,
        workforce_api,
        workforce_bid,
        socialvalue,
        lm3,
        opportunities,
        directory,
        assets,
        spaces,
        community,
    ):
        app.include_router(module.router)
    if (
        app.state.settings.trusted_proxies
    ):  # outermost: the client address is known before anything else runs
        app.add_middleware(
            ProxyHeadersMiddleware, trusted_hosts=list(app.state.settings.trusted_proxies)
        )
    return app
