"""Web settings, from the environment (ANCHORAGE_WEB_*), with safe defaults for one machine."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from anchorage.core.errors import AnchorageError

UPLOAD_TYPES = (".csv", ".txt", ".xlsx", ".xlsm", ".xls", ".ods")


def _env(name: str, default: str = "") -> str:
    return os.environ.get(f"ANCHORAGE_WEB_{name}", default)


def _choice(name: str, choices: tuple[str, ...]) -> str:
    value = _env(name, choices[0]).strip().lower()
    if value not in choices:
        raise AnchorageError(
            f"ANCHORAGE_WEB_{name} is {value[:20]!r}, which is not one of {', '.join(choices)}.",
            fix=f"Set it to {choices[0]} (the default), or leave it unset.",
        )
    return value


@dataclass
class OidcSettings:
    """Single sign-on by OpenID Connect (e.g. Microsoft Entra ID); off unless an issuer is set."""

    issuer: str = ""  # e.g. https://login.microsoftonline.com/<tenant>/v2.0
    client_id: str = ""
    client_secret: str = ""
    redirect_url: str = ""  # e.g. https://anchorage.example.org/sso/callback

    @property
    def enabled(self) -> bool:
        return bool(self.issuer and self.client_id)


@dataclass
class WebSettings:
    secure_cookies: bool = False  # True behind HTTPS (required outside one's own machine)
    max_upload_mb: int = 200
    # A spend file bigger than this is checked in full for its preview as a job, not within the request.
    preview_checks_inline_mb: int = 5
    oidc: OidcSettings = field(default_factory=OidcSettings)
    # Addresses (or CIDR ranges) of reverse proxies whose X-Forwarded-For/-Proto are believed. None by default:
    # otherwise anyone who can reach the port could claim any address and dodge the login throttle.
    trusted_proxies: tuple[str, ...] = ()
    hsts: bool = (
        False  # send Strict-Transport-Security even when the request did not arrive as https
    )
    # uvicorn's HTTP parser and event loop: "auto" takes httptools and uvloop when installed (faster), else h11
    # and asyncio. Set to "h11" / "asyncio" only to compare (benchmarks/bench_explore.py --http).
    http: str = "auto"
    loop: str = "auto"

    @classmethod
    def from_env(cls) -> WebSettings:
        return cls(
            secure_cookies=_env("SECURE_COOKIES", "0") == "1",
            max_upload_mb=int(_env("MAX_UPLOAD_MB", "200")),
            preview_checks_inline_mb=int(_env("PREVIEW_CHECKS_INLINE_MB", "5")),
            trusted_proxies=tuple(
                p.strip() for p in _env("TRUSTED_PROXIES").split(",") if p.strip()
            ),
            hsts=_env("HSTS", "0") == "1",
            http=_choice("HTTP", ("auto", "h11", "httptools")),
            loop=_choice("LOOP", ("auto", "asyncio", "uvloop")),
            oidc=OidcSettings(
                _env("OIDC_ISSUER"),
                _env("OIDC_CLIENT_ID"),
                _env("OIDC_CLIENT_SECRET"),
                _env("OIDC_REDIRECT_URL"),
            ),
        )
