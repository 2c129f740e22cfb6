"""The FastAPI application over one workspace: `create_app(root)`; `anchorage serve` runs it."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
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
from anchorage.web.security_headers import SecurityHeaders
from anchorage.web.settings import WebSettings


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

    # Outside the body limit, as the function middleware it replaces was.
    app.add_middleware(SecurityHeaders, hsts=lambda: bool(app.state.settings.hsts))

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
