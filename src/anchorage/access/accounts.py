"""Accounts: argon2 passwords, login with rate limiting and lock-out, invitations, resets, sessions, API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anchorage.access import audit
from anchorage.errors import AnchorageError
from anchorage.store.accounts import ROLES, ApiToken, AuditEvent, Invitation, User, WebSession, now

_hasher = PasswordHasher()
MIN_PASSWORD = 12
LOCK_AFTER = 5  # failed logins in a row lock the account...
LOCK_FOR = dt.timedelta(minutes=15)  # ...for this long
IP_LIMIT = 20  # failed logins from one address within IP_WINDOW are refused without checking
IP_WINDOW = dt.timedelta(minutes=15)
SESSION_LIFETIME = dt.timedelta(hours=8)
INVITE_LIFETIME = dt.timedelta(days=7)


class AccessError(AnchorageError):
    """A login, invitation or permission problem (rendered as 401/403 by the web)."""


class LoginRefused(AccessError):
    """Wrong email or password, or too many attempts."""


class Forbidden(AccessError):
    """The user's role or anchor does not allow this."""


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def aware(t: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; everything here is UTC."""
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccessError(f"The password is too short ({len(password)} characters).",
                          fix=f"Use at least {MIN_PASSWORD} characters; a few unrelated words work well.")


def check_role(role: str, org: str | None) -> None:
    if role not in ROLES:
        raise AccessError(f"'{role}' is not a role.", fix=f"Use one of: {', '.join(ROLES)}.")
    if role in ("anchor-admin", "anchor-analyst") and org is None:
        raise AccessError(f"A {role} belongs to an anchor.", fix="Name the anchor.")
    if role == "collaborative-admin" and org is not None:
        raise AccessError("A collaborative admin is not tied to one anchor.", fix="Leave the anchor empty.")


def create_user(s: Session, email: str, *, role: str, org: str | None, password: str | None = None,
                name: str = "") -> User:
    email = email.strip().lower()
    check_role(role, org)
    if s.scalar(select(User).where(User.email == email)):
        raise AccessError(f"There is already a user {email}.", fix="Reset their password instead.")
    user = User(email=email, name=name, role=role, org=org, active=True, failed_logins=0,
                must_change_password=False)
    if password is not None:
        check_password_strength(password)
        user.password_hash = _hasher.hash(password)
    s.add(user)
    s.flush()
    return user


def set_password(user: User, password: str) -> None:
    check_password_strength(password)
    user.password_hash = _hasher.hash(password)
    user.failed_logins = 0
    user.locked_until = None
    user.must_change_password = False


def _ip_blocked(s: Session, ip: str | None) -> bool:
    if not ip:
        return False
    since = now() - IP_WINDOW
    n = s.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "login-failed", AuditEvent.ip == ip, AuditEvent.at >= since))
    return (n or 0) >= IP_LIMIT


def authenticate(s: Session, email: str, password: str, ip: str | None = None) -> User:
    """Check a password. Failures are audited; repeated failures lock the account and the address."""
    email = email.strip().lower()
    refused = LoginRefused("The email or password is not right.", fix="Check them and try again.")
    if _ip_blocked(s, ip):
        audit.record(s, email, "login-blocked", ip=ip)
        raise LoginRefused("Too many failed logins from this address.", fix="Wait 15 minutes and try again.")
    user = s.scalar(select(User).where(User.email == email))
    if user is None or not user.active or not user.password_hash:
        _hasher.hash(password)  # same work either way, so timing does not tell who has an account
        audit.record(s, email, "login-failed", ip=ip, detail={"reason": "unknown or inactive user"})
        raise refused
    if user.locked_until and aware(user.locked_until) > now():
        audit.record(s, email, "login-failed", org=user.org, ip=ip, detail={"reason": "locked"})
        raise LoginRefused("This account is locked after too many failed logins.",
                           fix="Wait 15 minutes, or ask an admin to reset the password.")
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        user.failed_logins += 1
        if user.failed_logins >= LOCK_AFTER:
            user.locked_until = now() + LOCK_FOR
        audit.record(s, email, "login-failed", org=user.org, ip=ip,
                     detail={"reason": "wrong password", "failures": user.failed_logins})
        raise refused from None
    user.failed_logins = 0
    user.locked_until = None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    audit.record(s, email, "login", org=user.org, ip=ip)
    return user


# Sessions ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NewSession:
    cookie: str  # the secret the browser keeps
    csrf_token: str


def start_session(s: Session, user: User) -> NewSession:
    cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    s.add(WebSession(id_hash=digest(cookie), user_id=user.id, csrf_token=csrf, created_at=now(),
                     expires_at=now() + SESSION_LIFETIME))
    return NewSession(cookie, csrf)


def session_user(s: Session, cookie: str | None) -> tuple[User, WebSession] | None:
    if not cookie:
        return None
    ws = s.get(WebSession, digest(cookie))
    if ws is None or aware(ws.expires_at) <= now():
        return None
    user = s.get(User, ws.user_id)
    return (user, ws) if user is not None and user.active else None


def end_session(s: Session, cookie: str | None) -> None:
    if cookie and (ws := s.get(WebSession, digest(cookie))) is not None:
        s.delete(ws)


def end_all_sessions(s: Session, user: User) -> None:
    for ws in s.scalars(select(WebSession).where(WebSession.user_id == user.id)):
        s.delete(ws)


# Invitations and resets -------------------------------------------------------------------------
def invite(s: Session, by: User, email: str, *, role: str, org: str | None) -> str:
    """Create a one-time invitation link token (returned once; stored hashed)."""
    check_role(role, org)
    email = email.strip().lower()
    if s.scalar(select(User).where(User.email == email)):
        raise AccessError(f"{email} already has an account.", fix="Reset their password instead.")
    token = secrets.token_urlsafe(32)
    s.add(Invitation(token_hash=digest(token), email=email, org=org, role=role, invited_by=by.id,
                     purpose="invite", expires_at=now() + INVITE_LIFETIME))
    audit.record(s, by.email, "user-invited", org=org, detail={"email": email, "role": role})
    return token


def reset_link(s: Session, by: User | None, user: User) -> str:
    """Admin password reset (by=None: from the command line): a one-time link; the old password stops
    working and sessions end."""
    token = secrets.token_urlsafe(32)
    s.add(Invitation(token_hash=digest(token), email=user.email, org=user.org, role=user.role,
                     invited_by=by.id if by else None, purpose="reset", expires_at=now() + INVITE_LIFETIME))
    user.password_hash = None
    end_all_sessions(s, user)
    audit.record(s, by.email if by else "command line", "password-reset", org=user.org, detail={"email": user.email})
    return token


def pending_invitation(s: Session, token: str) -> Invitation:
    inv = s.get(Invitation, digest(token))
    if inv is None or inv.used_at is not None or aware(inv.expires_at) <= now():
        raise AccessError("This link is not valid: it has been used or has expired.",
                          fix="Ask your admin for a new one.")
    return inv


def accept(s: Session, token: str, password: str, name: str = "") -> User:
    inv = pending_invitation(s, token)
    check_password_strength(password)
    if inv.purpose == "reset":
        user = s.scalar(select(User).where(User.email == inv.email))
        if user is None:
            raise AccessError("The account for this link no longer exists.", fix="Ask your admin.")
        set_password(user, password)
    else:
        user = create_user(s, inv.email, role=inv.role, org=inv.org, password=password, name=name)
    inv.used_at = now()
    audit.record(s, user.email, "invitation-accepted" if inv.purpose == "invite" else "password-set", org=user.org)
    return user


def change_role(s: Session, by: User, user: User, role: str, org: str | None) -> None:
    check_role(role, org)
    before = {"role": user.role, "org": user.org}
    user.role, user.org = role, org
    end_all_sessions(s, user)
    audit.record(s, by.email, "role-changed", org=org, detail={"email": user.email, "before": before,
                                                              "after": {"role": role, "org": org}})


# API tokens -------------------------------------------------------------------------------------
def new_api_token(s: Session, user: User, name: str) -> str:
    token = "anc_" + secrets.token_urlsafe(32)
    s.add(ApiToken(token_hash=digest(token), user_id=user.id, name=name[:200], created_at=now()))
    audit.record(s, user.email, "api-token-created", org=user.org, detail={"name": name})
    return token


def token_user(s: Session, token: str | None) -> User | None:
    if not token:
        return None
    row = s.get(ApiToken, digest(token))
    if row is None or row.revoked_at is not None:
        return None
    user = s.get(User, row.user_id)
    return user if user is not None and user.active else None
