"""Accounts: argon2 passwords, login with throttling, invitations, resets, sessions, API tokens.

Failed logins are throttled per account *and* client address, with a back-off, instead of locking the
account: a stranger guessing at someone's password slows only their own attempts, never the real user's
from another address. A known and an unknown email get the same answers, in the same time."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from anchorage.access import audit
from anchorage.core.errors import AnchorageError, NotFound
from anchorage.core.roles import ROLES
from anchorage.store.accounts import ApiToken, AuditEvent, Invitation, User, WebSession, now

_hasher = PasswordHasher()
MIN_PASSWORD = 12
THROTTLE_AFTER = 5  # failed logins for one email from one address before it must wait...
THROTTLE_FIRST = dt.timedelta(seconds=30)  # ...this long, doubling with each further failure...
THROTTLE_MAX = dt.timedelta(minutes=15)  # ...up to this
THROTTLE_MEMORY = dt.timedelta(
    hours=1
)  # failures older than this (or before a successful login) are forgotten
IP_LIMIT = 20  # failed logins from one address within IP_WINDOW are refused without checking
IP_WINDOW = dt.timedelta(minutes=15)
TOKEN_TOUCH = dt.timedelta(minutes=1)  # "last used" is written at most this often per token
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
        raise AccessError(
            f"The password is too short ({len(password)} characters).",
            fix=f"Use at least {MIN_PASSWORD} characters; a few unrelated words work well.",
        )


def check_role(role: str, org: str | None) -> None:
    if role not in ROLES:
        raise AccessError(f"'{role}' is not a role.", fix=f"Use one of: {', '.join(ROLES)}.")
    if role in ("anchor-admin", "anchor-analyst") and org is None:
        who = "An anchor admin" if role == "anchor-admin" else "An analyst"
        raise AccessError(f"{who} works for one anchor.", fix="Choose the anchor they work for.")
    if role == "collaborative-admin" and org is not None:
        raise AccessError(
            "A collaborative admin is not tied to one anchor.", fix="Leave the anchor empty."
        )


def create_user(
    s: Session,
    email: str,
    *,
    role: str,
    org: str | None,
    password: str | None = None,
    name: str = "",
) -> User:
    email = email.strip().lower()
    check_role(role, org)
    if s.scalar(select(User).where(User.email == email)):
        raise AccessError(f"There is already a user {email}.", fix="Reset their password instead.")
    user = User(
        email=email,
        name=name,
        role=role,
        org=org,
        active=True,
        failed_logins=0,
        must_change_password=False,
    )
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
    n = s.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "login-failed", AuditEvent.ip == ip, AuditEvent.at >= since)
    )
    return (n or 0) >= IP_LIMIT


def _same_client(ip: str | None) -> ColumnElement[bool]:
    return AuditEvent.ip.is_(None) if ip is None else AuditEvent.ip == ip


def throttle_wait(s: Session, email: str, ip: str | None) -> dt.timedelta:
    """How long this email must wait before another try from this address (zero when it need not).
    Only failures count, since the last successful login from the same address and within THROTTLE_MEMORY."""
    since = now() - THROTTLE_MEMORY
    last_ok = s.scalar(
        select(func.max(AuditEvent.at)).where(
            AuditEvent.action == "login", AuditEvent.actor == email, _same_client(ip)
        )
    )
    if last_ok is not None and aware(last_ok) > since:
        since = aware(last_ok)
    failures = s.scalars(
        select(AuditEvent.at)
        .where(
            AuditEvent.action == "login-failed",
            AuditEvent.actor == email,
            _same_client(ip),
            AuditEvent.at > since,
        )
        .order_by(AuditEvent.at.desc())
        .limit(THROTTLE_AFTER + 12)
    ).all()
    if len(failures) < THROTTLE_AFTER:
        return dt.timedelta(0)
    delay = min(THROTTLE_FIRST * 2 ** (len(failures) - THROTTLE_AFTER), THROTTLE_MAX)
    return max(dt.timedelta(0), aware(failures[0]) + delay - now())


def _minutes(wait: dt.timedelta) -> str:
    m = max(1, -(-int(wait.total_seconds()) // 60))
    return f"{m} minute{'s' if m != 1 else ''}"


def authenticate(s: Session, email: str, password: str, ip: str | None = None) -> User:
    """Check a password. Failures are audited and throttled per email and address (see the module's note);
    many failures from one address, over any emails, block that address for a while."""
    email = email.strip().lower()
    refused = LoginRefused("The email or password is not right.", fix="Check them and try again.")
    if _ip_blocked(s, ip):
        audit.record(s, email, "login-blocked", ip=ip)
        raise LoginRefused(
            "Too many failed logins from this address.", fix="Wait 15 minutes and try again."
        )
    if (wait := throttle_wait(s, email, ip)) > dt.timedelta(0):
        # Decided before looking the email up, so the answer is the same for every email.
        audit.record(s, email, "login-throttled", ip=ip)
        raise LoginRefused(
            "Too many failed logins for this email from this address.",
            fix=f"Wait {_minutes(wait)} and try again, or ask your admin to reset your password.",
        )
    user = s.scalar(select(User).where(User.email == email))
    if user is None or not user.active or not user.password_hash:
        _hasher.hash(
            password
        )  # the same work as a check, so timing does not tell who has an account
        audit.record(s, email, "login-failed", ip=ip, detail={"reason": "unknown or inactive user"})
        raise refused
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        audit.record(
            s, email, "login-failed", org=user.org, ip=ip, detail={"reason": "wrong password"}
        )
        raise refused from None
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
    s.add(
        WebSession(
            id_hash=digest(cookie),
            user_id=user.id,
            csrf_token=csrf,
            created_at=now(),
            expires_at=now() + SESSION_LIFETIME,
        )
    )
    return NewSession(cookie, csrf)


def session_user(s: Session, cookie: str | None) -> tuple[User, WebSession] | None:
    if not cookie:
        return None
    found = s.execute(  # the session and its user in one look (every signed-in request asks)
        select(WebSession, User)
        .join(User, User.id == WebSession.user_id)
        .where(WebSession.id_hash == digest(cookie))
    ).first()
    if found is None:
        return None
    ws, user = found
    if aware(ws.expires_at) <= now() or not user.active:
        return None
    return user, ws


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
    s.add(
        Invitation(
            token_hash=digest(token),
            email=email,
            org=org,
            role=role,
            invited_by=by.id,
            purpose="invite",
            expires_at=now() + INVITE_LIFETIME,
        )
    )
    audit.record(s, by.email, "user-invited", org=org, detail={"email": email, "role": role})
    return token


def reset_link(s: Session, by: User | None, user: User) -> str:
    """Admin password reset (by=None: from the command line): a one-time link; the old password stops
    working and sessions end."""
    token = secrets.token_urlsafe(32)
    s.add(
        Invitation(
            token_hash=digest(token),
            email=user.email,
            org=user.org,
            role=user.role,
            invited_by=by.id if by else None,
            purpose="reset",
            expires_at=now() + INVITE_LIFETIME,
        )
    )
    user.password_hash = None
    end_all_sessions(s, user)
    actor = by.email if by else "command line"
    audit.record(s, actor, "password-reset", org=user.org, detail={"email": user.email})
    revoke_all_tokens(s, user, "password reset", by=actor)
    return token


def pending_invitation(s: Session, token: str) -> Invitation:
    inv = s.get(Invitation, digest(token))
    if inv is None or inv.used_at is not None or aware(inv.expires_at) <= now():
        raise AccessError(
            "This link is not valid: it has been used or has expired.",
            fix="Ask your admin for a new one.",
        )
    return inv


def accept(s: Session, token: str, password: str, name: str = "") -> User:
    inv = pending_invitation(s, token)
    check_password_strength(password)
    if inv.purpose == "reset":
        user = s.scalar(select(User).where(User.email == inv.email))
        if user is None:
            raise AccessError("The account for this link no longer exists.", fix="Ask your admin.")
        set_password(user, password)
        revoke_all_tokens(s, user, "password reset")
    else:
        user = create_user(s, inv.email, role=inv.role, org=inv.org, password=password, name=name)
    inv.used_at = now()
    audit.record(
        s,
        user.email,
        "invitation-accepted" if inv.purpose == "invite" else "password-set",
        org=user.org,
    )
    return user


def change_role(s: Session, by: User, user: User, role: str, org: str | None) -> None:
    check_role(role, org)
    before = {"role": user.role, "org": user.org}
    user.role, user.org = role, org
    end_all_sessions(s, user)
    audit.record(
        s,
        by.email,
        "role-changed",
        org=org,
        detail={"email": user.email, "before": before, "after": {"role": role, "org": org}},
    )
    revoke_all_tokens(s, user, "role changed", by=by.email)


def change_password(s: Session, user: User, current: str, new: str) -> None:
    """The user's own change: checks the current password; ends every session and revokes every token."""
    try:
        _hasher.verify(user.password_hash or "", current)
    except (VerificationError, InvalidHashError):
        raise AccessError("Your current password is not right.", fix="Type it again.") from None
    set_password(user, new)
    end_all_sessions(s, user)
    audit.record(s, user.email, "password-changed", org=user.org)
    revoke_all_tokens(s, user, "password changed")


# API tokens -------------------------------------------------------------------------------------
def new_api_token(s: Session, user: User, name: str) -> str:
    """A new token for `user`: the secret is returned once and stored only hashed."""
    token = "anc_" + secrets.token_urlsafe(32)
    s.add(
        ApiToken(
            token_hash=digest(token),
            public_id=secrets.token_urlsafe(12),
            user_id=user.id,
            name=name[:200],
            created_at=now(),
        )
    )
    audit.record(
        s, user.email, "api-token-created", org=user.org, detail={"token_name": name[:200]}
    )
    return token


def api_tokens(s: Session, user: User) -> list[ApiToken]:
    """The user's tokens that still work, newest first."""
    return list(
        s.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.created_at.desc())
        ).all()
    )


def working_tokens(s: Session, email: str | None = None) -> list[tuple[ApiToken, User]]:
    """Every token that still works, with its user (only `email`'s when given), by user then newest first."""
    q = (
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.revoked_at.is_(None))
        .order_by(User.email, ApiToken.created_at.desc())
    )
    if email is not None:
        user = s.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None:
            raise NotFound(
                f"There is no user {email}.",
                web_fix="Check the email on the users page.",
                fix="See who there is with: anchorage users list",
            )
        q = q.where(ApiToken.user_id == user.id)
    return [(t, u) for t, u in s.execute(q).tuples()]


def token_owner(s: Session, public_id: str) -> User:
    """The user whose working token this is."""
    owner = s.scalar(
        select(User)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.public_id == public_id, ApiToken.revoked_at.is_(None))
    )
    if owner is None:
        raise NotFound(
            "There is no such API token (it may have been revoked already).",
            web_fix="See the tokens that still work on the API tokens page.",
            fix="See the tokens that still work with: anchorage tokens list",
        )
    return owner


def revoke_token(s: Session, by: str, owner: User, public_id: str) -> None:
    """Revoke one of `owner`'s tokens (the caller has checked that `by` may manage `owner`)."""
    row = s.scalar(
        select(ApiToken).where(
            ApiToken.public_id == public_id,
            ApiToken.user_id == owner.id,
            ApiToken.revoked_at.is_(None),
        )
    )
    if row is None:
        raise NotFound(
            "There is no such API token (it may have been revoked already).",
            fix="Pick one from the list of tokens.",
        )
    row.revoked_at = now()
    audit.record(
        s,
        by,
        "api-token-revoked",
        org=owner.org,
        detail={"email": owner.email, "token_name": row.name},
    )


def revoke_all_tokens(s: Session, user: User, reason: str, by: str | None = None) -> int:
    """Revoke every working token of `user` (on a password reset or change, or a role change)."""
    done = s.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now())
    )
    n = done.rowcount or 0  # type: ignore[attr-defined]
    if n:
        audit.record(
            s,
            by or user.email,
            "api-tokens-revoked",
            org=user.org,
            detail={"email": user.email, "reason": reason, "tokens": n},
        )
    return n


def token_user(s: Session, token: str | None) -> User | None:
    """The active user a token acts as, or None; notes when the token was last used."""
    if not token:
        return None
    found = s.execute(  # the token and its user in one look (every API request asks)
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == digest(token))
    ).first()
    if found is None:
        return None
    row, user = found
    if row.revoked_at is not None or not user.active:
        return None
    if row.last_used_at is None or aware(row.last_used_at) < now() - TOKEN_TOUCH:
        row.last_used_at = now()
    return user
