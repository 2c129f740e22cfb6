"""Accounts under attack: API tokens listed, revoked and revoked for you; a login throttle that tells no one
who has an account and that a stranger cannot use against a real user; forwarded headers believed only from
configured proxies; HSTS; error pages without server paths or process ids."""

from __future__ import annotations

import datetime as dt
import re
import statistics
import time

from fastapi import APIRouter
from fastapi.testclient import TestClient
from sqlalchemy import delete, select
from tests.web_support import csrf_of, login, signed_in

from anchorage.access import accounts
from anchorage.core.errors import AnchorageError, InputFileError
from anchorage.store.accounts import ApiToken, AuditEvent, User
from anchorage.web.app import create_app
from anchorage.web.errors import public_text
from anchorage.web.settings import WebSettings


def from_address(web, ip: str, **kw) -> TestClient:
    return TestClient(web.app, base_url="http://testserver", client=(ip, 50000), **kw)


def forget_logins(web) -> None:
    with web.ws.session() as s:
        s.execute(
            delete(AuditEvent).where(
                AuditEvent.action.in_(["login-failed", "login-blocked", "login-throttled"])
            )
        )
        s.commit()


def new_token(c: TestClient, name: str) -> str:
    r = c.post(
        "/account/tokens", data={"name": name, "csrf_token": csrf_of(c.get("/account").text)}
    )
    return re.search(r'id="api-token">([^<]+)<', r.text).group(1)


def listed(html: str) -> set[str]:
    """The token names in the page's table of tokens."""
    table = html[html.index('id="tokens"') :]
    return set(re.findall(r"<tr><td>([^<]+)</td>", table[: table.find("</table>")]))


def works(web, token: str) -> bool:
    r = web.client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code in (200, 401), r.text
    return r.status_code == 200


def user_id(web, email: str) -> int:
    with web.ws.session() as s:
        return s.scalar(select(User.id).where(User.email == email))


def public_ids(web, email: str) -> dict[str, str]:
    with web.ws.session() as s:
        return {
            t.name: t.public_id
            for t in s.scalars(
                select(ApiToken)
                .join(User, User.id == ApiToken.user_id)
                .where(User.email == email, ApiToken.revoked_at.is_(None))
            )
        }


def test_tokens_are_listed_without_their_secret_and_revocable_by_owner_and_admin(web):
    c = signed_in(web, "analyst@council.org")
    first, second, third = (
        new_token(c, "Power BI"),
        new_token(c, "Nightly sync"),
        new_token(c, "Spare"),
    )
    assert works(web, first) and works(web, second)
    page = c.get("/account").text
    assert (
        listed(page) == {"Power BI", "Nightly sync", "Spare"} and "never" in page
    )  # unused so far
    assert first not in page and second not in page and accounts.digest(first) not in page
    ids = public_ids(web, "analyst@council.org")
    # The owner revokes one: it stops working at once; the others still work.
    r = c.post(
        f"/account/tokens/{ids['Power BI']}/revoke",
        data={"csrf_token": csrf_of(page)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert not works(web, first) and works(web, second)
    assert listed(c.get("/account").text) == {"Nightly sync", "Spare"}
    # Someone else's token, a revoked one and a made-up id get the same 404 from one's own account page.
    other = signed_in(web, "analyst@trust.org")
    other_token = new_token(other, "Trust feed")
    theirs = public_ids(web, "analyst@trust.org")["Trust feed"]
    token = csrf_of(c.get("/account").text)
    answers = {
        c.post(f"/account/tokens/{x}/revoke", data={"csrf_token": token}).status_code
        for x in (theirs, ids["Power BI"], "made-up-id")
    }
    assert answers == {404} and works(web, other_token)
    # Admins as the permission table says: the trust's admin cannot touch the council analyst's tokens...
    uid = user_id(web, "analyst@council.org")
    trust_admin = signed_in(web, "admin@trust.org")
    theirs_page, made_up = (
        trust_admin.get(f"/admin/users/{uid}/tokens"),
        trust_admin.get("/admin/users/987654/tokens"),
    )
    assert (
        theirs_page.status_code == made_up.status_code == 404 and theirs_page.text == made_up.text
    )
    assert (
        trust_admin.post(
            f"/admin/users/{uid}/tokens/{ids['Nightly sync']}/revoke",
            data={"csrf_token": csrf_of(trust_admin.get("/account").text)},
        ).status_code
        == 404
    )
    assert (
        signed_in(web, "analyst@trust.org").get(f"/admin/users/{uid}/tokens").status_code == 403
    )  # not an admin
    assert works(web, second)
    # ...the council's admin and the collaborative admin can.
    admin = signed_in(web, "admin@council.org")
    listing = admin.get(f"/admin/users/{uid}/tokens").text
    assert listed(listing) == {"Nightly sync", "Spare"} and second not in listing
    r = admin.post(
        f"/admin/users/{uid}/tokens/{ids['Nightly sync']}/revoke",
        data={"csrf_token": csrf_of(listing)},
        follow_redirects=False,
    )
    assert r.status_code == 303 and not works(web, second)
    collab = signed_in(web, "collab@x.org")
    listing = collab.get(f"/admin/users/{uid}/tokens").text
    collab.post(
        f"/admin/users/{uid}/tokens/{ids['Spare']}/revoke", data={"csrf_token": csrf_of(listing)}
    )
    assert not works(web, third)
    with web.ws.session() as s:
        revoked = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "api-token-revoked")
        ).all()
        assert {e.actor for e in revoked} >= {
            "analyst@council.org",
            "admin@council.org",
            "collab@x.org",
        }


def test_last_used_is_noted(web):
    c = signed_in(web, "viewer@college.org")
    token = new_token(c, "Dashboard")
    assert works(web, token)
    page = c.get("/account").text
    row = re.search(r"<tr><td>Dashboard</td><td>[^<]+</td><td>([^<]+)</td>", page)
    assert (
        row
        and row.group(1) != "never"
        and re.fullmatch(
            rf"\d{{1,2}} [A-Z][a-z]{{2}} {dt.datetime.now(dt.UTC).year} \d\d:\d\d", row.group(1)
        )
    )


def test_password_reset_password_change_and_role_change_revoke_every_token(web):
    admin = signed_in(web, "admin@council.org")
    token = csrf_of(admin.get("/admin/users").text)
    r = admin.post(
        "/admin/users/invite",
        data={
            "csrf_token": token,
            "email": "tokens@council.org",
            "role": "anchor-analyst",
            "org": "council",
        },
    )
    path = re.search(r'id="invite-link">([^<]+)<', r.text).group(1).replace("http://testserver", "")
    me = web.client()
    me.post(
        path,
        data={
            "csrf_token": csrf_of(me.get(path).text),
            "password": "first long password",
            "password2": "first long password",
        },
    )
    uid = user_id(web, "tokens@council.org")
    # 1. The user changes their own password (a wrong current password changes nothing).
    a, b = new_token(me, "a"), new_token(me, "b")
    page = me.get("/account").text
    bad = me.post(
        "/account/password",
        data={
            "csrf_token": csrf_of(page),
            "current_password": "not it at all",
            "new_password": "second long password",
            "new_password2": "second long password",
        },
    )
    assert bad.status_code == 400 and "current password is not right" in bad.text and works(web, a)
    r = me.post(
        "/account/password",
        data={
            "csrf_token": csrf_of(page),
            "current_password": "first long password",
            "new_password": "second long password",
            "new_password2": "second long password",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and not works(web, a) and not works(web, b)
    me.cookies.update(r.cookies)
    assert (
        me.get("/api/v1/me").json()["email"] == "tokens@council.org"
    )  # this browser stays signed in
    assert login(web.client(), "tokens@council.org", "second long password").status_code == 303
    # 2. An admin resets the password.
    t = new_token(signed_in_as(web, "tokens@council.org", "second long password"), "c")
    r = admin.post(f"/admin/users/{uid}/reset", data={"csrf_token": token})
    assert not works(web, t)
    path = re.search(r'id="invite-link">([^<]+)<', r.text).group(1).replace("http://testserver", "")
    c = web.client()
    c.post(
        path,
        data={
            "csrf_token": csrf_of(c.get(path).text),
            "password": "third long password",
            "password2": "third long password",
        },
    )
    # 3. A role change.
    c = signed_in_as(web, "tokens@council.org", "third long password")
    t = new_token(c, "d")
    assert works(web, t)
    admin.post(f"/admin/users/{uid}/role", data={"csrf_token": token, "role": "viewer"})
    assert not works(web, t)
    with web.ws.session() as s:
        reasons = [
            e.detail["reason"]
            for e in s.scalars(
                select(AuditEvent).where(
                    AuditEvent.action == "api-tokens-revoked", AuditEvent.org == "council"
                )
            )
            if e.detail["email"] == "tokens@council.org"
        ]
    assert reasons == ["password changed", "password reset", "role changed"]


def signed_in_as(web, email: str, password: str) -> TestClient:
    c = web.client()
    assert login(c, email, password).status_code == 303
    return c


def _normal(html: str, email: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]+"', "", html).replace(email, "EMAIL")


def test_known_and_unknown_emails_get_the_same_answers_in_the_same_time(web):
    forget_logins(web)
    real, nobody = "analyst@trust.org", "nobody-here@trust.org"
    c = from_address(web, "192.0.2.10")
    times: dict[str, list[float]] = {real: [], nobody: []}
    answers: dict[str, list[tuple[int, str]]] = {real: [], nobody: []}
    token = csrf_of(c.get("/login").text)
    for _ in range(accounts.THROTTLE_AFTER + 2):
        for email in (real, nobody):
            t0 = time.perf_counter()  # the POST alone: the password check is most of its time
            r = c.post(
                "/login",
                data={
                    "email": email,
                    "password": "wrong password!!",
                    "csrf_token": token,
                    "next": "/",
                },
                follow_redirects=False,
            )
            times[email].append(time.perf_counter() - t0)
            answers[email].append((r.status_code, _normal(r.text, email)))
    assert answers[real] == answers[nobody]
    assert "Too many failed logins for this email" in answers[real][-1][1]
    assert "not right" in answers[real][0][1]
    checked = accounts.THROTTLE_AFTER  # attempts that got as far as the password check
    ratio = statistics.median(times[real][:checked]) / statistics.median(times[nobody][:checked])
    assert 1 / 3 < ratio < 3, (
        ratio,
        times,
    )  # without the dummy hash an unknown email answers ~10x faster
    forget_logins(web)


def test_a_stranger_cannot_lock_out_a_real_user(web):
    forget_logins(web)
    stranger = from_address(web, "198.51.100.66")
    for _ in range(accounts.THROTTLE_AFTER + 3):
        assert login(stranger, "analyst@trust.org", "guessing wrongly").status_code == 401
    r = login(
        stranger, "analyst@trust.org"
    )  # even the right password waits, from the stranger's address
    assert r.status_code == 401 and "Wait" in r.text
    assert (
        login(from_address(web, "192.0.2.44"), "analyst@trust.org").status_code == 303
    )  # the real user
    forget_logins(web)


def test_the_back_off_doubles_counts_only_failures_and_expires(web):
    forget_logins(web)
    email, ip = "viewer@college.org", "203.0.113.5"
    c = from_address(web, ip)
    for _ in range(accounts.THROTTLE_AFTER - 1):
        login(c, email, "wrong password!!")
    assert login(c, email).status_code == 303  # a success wipes the slate
    for _ in range(accounts.THROTTLE_AFTER - 1):
        assert login(c, email, "wrong password!!").status_code == 401
    with web.ws.session() as s:
        assert accounts.throttle_wait(s, email, ip) == dt.timedelta(0)
    login(c, email, "wrong password!!")

    def wait() -> float:
        with web.ws.session() as s:
            return accounts.throttle_wait(s, email, ip).total_seconds()

    def age(seconds: float) -> None:  # as if that much time had passed
        with web.ws.session() as s:
            for e in s.scalars(select(AuditEvent).where(AuditEvent.actor == email)):
                e.at = accounts.aware(e.at) - dt.timedelta(seconds=seconds)
            s.commit()

    assert 25 < wait() <= 30
    assert login(c, email).status_code == 401  # throttled: not counted as a failure
    assert 25 < wait() <= 30
    age(31)
    assert wait() == 0
    login(c, email, "wrong password!!")
    assert 55 < wait() <= 60  # doubled
    age(61)
    assert login(c, email).status_code == 303
    forget_logins(web)


def test_forwarded_headers_only_from_configured_proxies_and_hsts(web):
    forget_logins(web)
    spoof = {"X-Forwarded-For": "203.0.113.99", "X-Forwarded-Proto": "https"}

    def failed_from(app) -> str:
        c = TestClient(app, base_url="http://testserver", client=("127.0.0.1", 4000))
        token = csrf_of(c.get("/login").text)
        r = c.post(
            "/login", data={"email": "x@y.org", "password": "p", "csrf_token": token}, headers=spoof
        )
        assert r.status_code == 401
        with web.ws.session() as s:
            return s.scalars(
                select(AuditEvent.ip)
                .where(AuditEvent.action == "login-failed")
                .order_by(AuditEvent.id.desc())
            ).first()

    plain = create_app(web.ws.root, WebSettings())
    assert failed_from(plain) == "127.0.0.1"  # a local process cannot claim another address
    c = TestClient(plain, base_url="http://testserver", client=("127.0.0.1", 4000))
    assert "Strict-Transport-Security" not in c.get("/login", headers=spoof).headers
    proxied = create_app(web.ws.root, WebSettings(trusted_proxies=("127.0.0.1",)))
    assert failed_from(proxied) == "203.0.113.99"
    r = TestClient(proxied, base_url="http://testserver", client=("127.0.0.1", 4000)).get(
        "/login", headers=spoof
    )
    assert r.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    untrusted = TestClient(proxied, base_url="http://testserver", client=("192.0.2.1", 4000))
    assert "Strict-Transport-Security" not in untrusted.get("/login", headers=spoof).headers
    https = TestClient(plain, base_url="https://testserver")
    assert "max-age" in https.get("/login").headers["Strict-Transport-Security"]
    forced = create_app(web.ws.root, WebSettings(hsts=True))
    assert "max-age" in TestClient(forced).get("/login").headers["Strict-Transport-Security"]
    forget_logins(web)


def test_error_pages_show_no_server_path_or_process_id(web):
    root = str(web.ws.root)
    app = create_app(web.ws.root, WebSettings())
    boom = APIRouter()

    @boom.get("/boom")
    def _boom() -> None:
        raise InputFileError(
            f"{root}/tmp/web-uploads/abc/council spend.csv",
            f"cannot be opened: {root}/warehouse.duckdb is locked by PID 31337.",
            fix=f"Close {root}/warehouse.duckdb elsewhere.",
        )

    @boom.get("/api/v1/boom")
    def _boom_api() -> None:
        raise AnchorageError(
            f"Conflicting lock is held in /usr/bin/python3 (PID 4242) on {root}/x.duckdb"
        )

    @boom.get("/crash")
    def _crash() -> None:
        raise RuntimeError(f"{root}/secret/path.py line 3 (PID 99)")

    app.include_router(boom)
    c = TestClient(app, raise_server_exceptions=False)
    page = c.get("/boom").text
    assert "council spend.csv" in page and "warehouse.duckdb" in page
    api = c.get("/api/v1/boom").text
    crash = c.get("/crash").text
    for text in (page, api, crash):
        assert root not in text and "/tmp/" not in text and "/usr/bin" not in text
        assert not re.search(r"PID\s*\d", text) and "31337" not in text and "4242" not in text
    assert "Something went wrong on our side" in crash
    assert public_text("Use 10/20 and see docs/web.md") == "Use 10/20 and see docs/web.md"


def test_the_migration_gives_existing_tokens_an_id(tmp_path):
    """Tokens made before 0010 get a random public id (so they can be listed and revoked) and keep working."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine, text
    from sqlalchemy.orm import Session

    from anchorage.store import records

    url = f"sqlite:///{tmp_path / 'records.db'}"
    cfg = Config()
    cfg.set_main_option(
        "script_location", str(records.__file__).replace("records.py", "migrations")
    )
    cfg.set_main_option("sqlalchemy.url", url)
    command.upgrade(cfg, "0009_workforce_uploads")
    engine = create_engine(url)
    with engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO users (id, email, name, role, active, failed_logins, must_change_password, "
                "created_at) VALUES (1, 'a@b.org', '', 'viewer', 1, 0, 0, '2025-01-01')"
            )
        )
        for i in range(3):
            c.execute(
                text(
                    "INSERT INTO api_tokens (token_hash, user_id, name, created_at) "
                    f"VALUES ('{accounts.digest(f'old{i}')}', 1, 'old {i}', '2025-01-01')"
                )
            )
    records.migrate(url)
    with engine.connect() as c:
        ids = [r[0] for r in c.execute(text("SELECT public_id FROM api_tokens"))]
    assert len(set(ids)) == 3 and all(len(i) >= 16 for i in ids)
    with Session(engine) as s:
        assert accounts.token_user(s, "old1").email == "a@b.org"
