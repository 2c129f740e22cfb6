"""Single sign-on by OpenID Connect against a real (local) identity provider speaking the protocol over HTTP.

Entra ID cannot run here, so a small provider in the test serves discovery, authorize, token and JWKS, and
signs RS256 ID tokens; Anchorage's side is the real code path end to end."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import httpx
import jwt
import pytest
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Form, HTTPException
from fastapi.responses import RedirectResponse
from tests.web_support import build_web

from anchorage.web.app import create_app
from anchorage.web.settings import OidcSettings, WebSettings

CLIENT_ID, SECRET = "anchorage-test", "s3cret"


def provider_app(base: str, key: rsa.RSAPrivateKey, people: dict[str, str]) -> FastAPI:
    app = FastAPI()
    codes: dict[str, dict[str, str]] = {}
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update(kid="k1", use="sig", alg="RS256")

    @app.get("/.well-known/openid-configuration")
    def discovery() -> dict[str, str]:
        return {
            "issuer": base,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "jwks_uri": f"{base}/jwks",
        }

    @app.get("/jwks")
    def jwks() -> dict[str, list[dict[str, object]]]:
        return {"keys": [jwk]}

    @app.get("/authorize")
    def authorize(
        client_id: str,
        redirect_uri: str,
        state: str,
        nonce: str,
        code_challenge: str,
        login_hint: str,
    ):
        assert client_id == CLIENT_ID
        code = secrets.token_urlsafe(16)
        codes[code] = {
            "sub": people[login_hint],
            "email": login_hint,
            "nonce": nonce,
            "challenge": code_challenge,
        }
        return RedirectResponse(f"{redirect_uri}?code={code}&state={state}", status_code=302)

    @app.post("/token")
    def token(
        code: str = Form(),
        code_verifier: str = Form(),
        client_secret: str = Form(),
        client_id: str = Form(),
    ):
        grant = codes.pop(code, None)
        digest = (
            base64.urlsafe_b64encode(hashlib.sha256(code_verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        if grant is None or digest != grant["challenge"] or client_secret != SECRET:
            raise HTTPException(400, "invalid_grant")
        now = int(time.time())
        claims = {
            "iss": base,
            "aud": client_id,
            "sub": grant["sub"],
            "email": grant["email"],
            "nonce": grant["nonce"],
            "iat": now,
            "exp": now + 300,
        }
        return {
            "id_token": jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"}),
            "token_type": "Bearer",
        }

    return app


@pytest.fixture
def provider() -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    people = {"analyst@council.org": "entra-oid-1", "stranger@council.org": "entra-oid-2"}
    srv = uvicorn.Server(
        uvicorn.Config(
            provider_app(base, key, people), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    threading.Thread(target=srv.run, daemon=True).start()
    while not srv.started:
        time.sleep(0.05)
    yield base
    srv.should_exit = True


def sso(client, email: str):
    r = client.get("/sso/login?next=/benchmark", follow_redirects=False)
    assert r.status_code == 303
    at_provider = httpx.get(r.headers["location"] + f"&login_hint={email}", follow_redirects=False)
    back = urlparse(at_provider.headers["location"])
    return client.get(f"{back.path}?{back.query}", follow_redirects=False)


def test_single_sign_on(tmp_path: Path, provider: str):
    web = build_web(tmp_path)
    settings = WebSettings(
        oidc=OidcSettings(provider, CLIENT_ID, SECRET, "http://testserver/sso/callback")
    )
    from fastapi.testclient import TestClient

    app = create_app(web.ws.root, settings)
    c = TestClient(app)
    assert "Sign in with your organisation" in c.get("/login").text
    r = sso(c, "analyst@council.org")
    assert r.status_code == 303 and r.headers["location"] == "/benchmark", r.text[-800:]
    me = c.get("/api/v1/me").json()
    assert (me["email"], me["org"], me["role"]) == (
        "analyst@council.org",
        "council",
        "anchor-analyst",
    )
    # No account, no entry: the provider vouches for who, Anchorage decides whether and as what.
    stranger = TestClient(app)
    r = sso(stranger, "stranger@council.org")
    assert r.status_code == 401 and "no Anchorage account" in r.text
    # A callback replayed, or not started in this browser, is refused.
    url = urlparse(
        httpx.get(
            c.get("/sso/login", follow_redirects=False).headers["location"]
            + "&login_hint=analyst@council.org",
            follow_redirects=False,
        ).headers["location"]
    )
    assert TestClient(app).get(f"{url.path}?{url.query}").status_code == 401
    with web.ws.session() as s:
        from sqlalchemy import select

        from anchorage.store.accounts import User

        assert s.scalar(
            select(User.oidc_subject).where(User.email == "analyst@council.org")
        ).endswith("|entra-oid-1")
    # Without settings, single sign-on is simply off.
    plain = TestClient(create_app(web.ws.root, WebSettings()))
    assert plain.get("/sso/login").status_code == 400
    assert "organisation" not in plain.get("/login").text
