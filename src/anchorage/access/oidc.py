"""Single sign-on by OpenID Connect (authorisation code flow with PKCE), e.g. Microsoft Entra ID.

Only people who already have an Anchorage account (invited, or added with `anchorage users add`) can sign
in this way: the identity provider proves who they are; their role and anchor come from Anchorage.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anchorage.access import audit
from anchorage.access.accounts import LoginRefused
from anchorage.store.accounts import User

FLOW_LIFETIME = 600  # seconds a sign-in may take at the identity provider


@dataclass(frozen=True)
class OidcConfig:
    issuer: str
    client_id: str
    client_secret: str
    redirect_url: str


@dataclass
class _Flow:
    nonce: str
    verifier: str
    next: str
    started: float


class OidcClient:
    """Discovery, the redirect to the provider, and the checked exchange of the code for an identity."""

    def __init__(self, cfg: OidcConfig, http: httpx.Client | None = None) -> None:
        self.cfg = cfg
        self.http = http or httpx.Client(timeout=10)
        self._meta: dict[str, Any] | None = None
        self._jwks: jwt.PyJWKClient | None = None
        self._flows: dict[str, _Flow] = {}
        self._lock = threading.Lock()

    def metadata(self) -> dict[str, Any]:
        if self._meta is None:
            url = self.cfg.issuer.rstrip("/") + "/.well-known/openid-configuration"
            try:
                meta = self.http.get(url).raise_for_status().json()
            except (httpx.HTTPError, ValueError) as exc:
                raise LoginRefused(
                    "The single sign-on provider cannot be reached.",
                    fix=f"Check ANCHORAGE_WEB_OIDC_ISSUER ({self.cfg.issuer}): {exc}",
                ) from None
            self._meta = meta
            self._jwks = jwt.PyJWKClient(meta["jwks_uri"])
        return self._meta

    def start(self, next_path: str = "/") -> tuple[str, str]:
        """The provider URL to send the browser to, and the state to keep in a cookie."""
        state, nonce, verifier = (secrets.token_urlsafe(32) for _ in range(3))
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        with self._lock:
            now = time.time()
            self._flows = {k: f for k, f in self._flows.items() if now - f.started < FLOW_LIFETIME}
            self._flows[state] = _Flow(nonce, verifier, next_path, now)
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.cfg.client_id,
                "scope": "openid email profile",
                "redirect_uri": self.cfg.redirect_url,
                "state": state,
                "nonce": nonce,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
        return f"{self.metadata()['authorization_endpoint']}?{query}", state

    def finish(self, code: str, state: str, cookie_state: str | None) -> tuple[dict[str, Any], str]:
        """Exchange the code and verify the ID token (signature, issuer, audience, expiry, nonce)."""
        with self._lock:
            flow = self._flows.pop(state, None)
        if (
            flow is None
            or not cookie_state
            or not secrets.compare_digest(state, cookie_state)
            or time.time() - flow.started > FLOW_LIFETIME
        ):
            raise LoginRefused(
                "This sign-in link has expired or was not started here.", fix="Start again."
            )
        meta = self.metadata()
        try:
            tokens = (
                self.http.post(
                    meta["token_endpoint"],
                    data={
                        "grant_type": "authorization_code",
                        "code": code,
                        "redirect_uri": self.cfg.redirect_url,
                        "client_id": self.cfg.client_id,
                        "client_secret": self.cfg.client_secret,
                        "code_verifier": flow.verifier,
                    },
                )
                .raise_for_status()
                .json()
            )
            assert self._jwks is not None
            key = self._jwks.get_signing_key_from_jwt(tokens["id_token"])
            claims = jwt.decode(
                tokens["id_token"],
                key.key,
                algorithms=["RS256", "ES256"],
                audience=self.cfg.client_id,
                issuer=meta.get("issuer", self.cfg.issuer),
            )
        except (httpx.HTTPError, KeyError, ValueError, jwt.PyJWTError) as exc:
            raise LoginRefused(
                "The single sign-on provider's answer could not be verified.",
                fix=f"Try again, or ask your admin to check the SSO settings ({exc}).",
            ) from None
        if claims.get("nonce") != flow.nonce:
            raise LoginRefused(
                "The single sign-on answer does not match this sign-in.", fix="Start again."
            )
        return claims, flow.next


def user_for_claims(s: Session, claims: dict[str, Any], ip: str | None = None) -> User:
    """The Anchorage account for a verified identity: by subject, else by email (then linked)."""
    subject = f"{claims.get('iss')}|{claims['sub']}"
    user = s.scalar(select(User).where(User.oidc_subject == subject))
    email = str(claims.get("email") or claims.get("preferred_username") or "").strip().lower()
    if user is None and email:
        user = s.scalar(select(User).where(func.lower(User.email) == email))
        if user is not None and user.oidc_subject is None:
            user.oidc_subject = subject
    if user is None or not user.active:
        audit.record(
            s,
            email or subject,
            "login-failed",
            ip=ip,
            detail={"reason": "single sign-on: no account"},
        )
        raise LoginRefused(
            f"There is no Anchorage account for {email or 'this identity'}.",
            fix="Ask your anchor's admin to invite you with this email address.",
        )
    audit.record(s, user.email, "login", org=user.org, ip=ip, detail={"method": "single sign-on"})
    return user
