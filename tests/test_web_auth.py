"""Accounts over HTTP: login, CSRF, rate limiting and lock-out, invitations, resets, API tokens, errors as JSON."""

from __future__ import annotations

import re

from tests.web_support import PASSWORD, csrf_of, login, signed_in


def test_pages_need_a_session_and_the_api_answers_json(web):
    c = web.client()
    r = c.get("/dashboard", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    r = c.get("/api/v1/me")
    assert r.status_code == 401
    assert r.json()["ok"] is False and "sign in" in r.json()["error"]["message"].lower()
    c = signed_in(web, "analyst@council.org")
    r = c.get("/api/v1/anchors/nowhere/transactions")
    assert (
        r.status_code == 404
        and r.json()["ok"] is False
        and "nowhere" in r.json()["error"]["message"]
    )
    assert c.get("/dashboard/nowhere").status_code == 404
    spec = c.get("/api/openapi.json").json()
    assert {"/api/v1/dashboard", "/api/v1/anchors/{org}/transactions", "/api/v1/suppliers"} <= set(
        spec["paths"]
    )


def test_every_form_needs_its_csrf_token(web):
    c = web.client()
    r = c.post("/login", data={"email": "analyst@council.org", "password": PASSWORD})
    assert r.status_code == 403 and "form" in r.text.lower()
    c = signed_in(web, "analyst@council.org")
    assert c.post("/account/tokens", data={"name": "x"}).status_code == 403
    assert c.post("/account/tokens", data={"name": "x", "csrf_token": "forged"}).status_code == 403
    other = signed_in(web, "analyst@trust.org")
    theirs = csrf_of(other.get("/account").text)
    assert c.post("/account/tokens", data={"name": "x", "csrf_token": theirs}).status_code == 403
    mine = csrf_of(c.get("/account").text)
    assert c.post("/logout", data={}).status_code == 403
    assert c.post("/account/tokens", data={"name": "x", "csrf_token": mine}).status_code == 200


def test_api_token_acts_as_its_user(web):
    c = signed_in(web, "analyst@trust.org")
    r = c.post(
        "/account/tokens", data={"name": "Power BI", "csrf_token": csrf_of(c.get("/account").text)}
    )
    token = re.search(r'id="api-token">([^<]+)<', r.text).group(1)
    api = web.client()
    me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert (me["email"], me["detail_orgs"]) == ("analyst@trust.org", ["acute-trust"])
    assert (
        api.get(
            "/api/v1/anchors/council/transactions", headers={"Authorization": f"Bearer {token}"}
        ).status_code
        == 403
    )
    assert api.get("/api/v1/me", headers={"Authorization": "Bearer anc_wrong"}).status_code == 401


def test_failed_logins_throttle_the_email_from_that_address_and_block_the_address(web):
    from fastapi.testclient import TestClient

    from anchorage.access import accounts

    c = web.client()
    for _ in range(accounts.THROTTLE_AFTER):
        assert login(c, "analyst@trust.org", "wrong password!!").status_code == 401
    r = login(c, "analyst@trust.org")  # from this address, even the right password must wait
    assert r.status_code == 401 and "Too many failed logins for this email" in r.text
    elsewhere = TestClient(web.app, base_url="http://testserver", client=("192.0.2.200", 1))
    assert (
        login(elsewhere, "analyst@trust.org").status_code == 303
    )  # the account itself is not locked
    assert login(c, "admin@trust.org").status_code == 303  # others are not affected
    # Many failures from one address, over any accounts, block that address for everyone.
    for i in range(accounts.IP_LIMIT):
        login(c, f"nobody{i}@x.org", "whatever password")
    r = login(c, "viewer@college.org")
    assert r.status_code == 401 and "Too many failed logins from this address" in r.text
    audit = signed_in_from_elsewhere(web)
    assert "login-failed" in audit and "login-blocked" in audit and "login-throttled" in audit
    unlock(web)


def signed_in_from_elsewhere(web) -> str:
    from anchorage.access import audit

    with web.ws.session() as s:
        return " ".join(e.action for e in audit.events(s, limit=500))


def unlock(web) -> None:
    """Put the module's shared fixture back: clear the lock and the failed-login history."""
    from sqlalchemy import delete, update

    from anchorage.store.accounts import AuditEvent, User

    with web.ws.session() as s:
        s.execute(update(User).values(failed_logins=0, locked_until=None))
        s.execute(
            delete(AuditEvent).where(
                AuditEvent.action.in_(["login-failed", "login-blocked", "login-throttled"])
            )
        )
        s.commit()


def test_invitation_reset_and_role_change(web):
    admin = signed_in(web, "admin@council.org")
    token = csrf_of(admin.get("/admin/users").text)
    r = admin.post(
        "/admin/users/invite",
        data={
            "csrf_token": token,
            "email": "New.Person@Council.org",
            "role": "anchor-analyst",
            "org": "council",
        },
    )
    link = re.search(r'id="invite-link">([^<]+)<', r.text).group(1)
    path = link.replace("http://testserver", "")
    # An anchor admin cannot invite into another anchor, nor make a collaborative admin.
    assert (
        admin.post(
            "/admin/users/invite",
            data={
                "csrf_token": token,
                "email": "x@y.org",
                "role": "anchor-analyst",
                "org": "acute-trust",
            },
        ).status_code
        == 403
    )
    assert (
        admin.post(
            "/admin/users/invite",
            data={
                "csrf_token": token,
                "email": "x@y.org",
                "role": "collaborative-admin",
                "org": "",
            },
        ).status_code
        == 403
    )
    newcomer = web.client()
    page = newcomer.get(path)
    assert page.status_code == 200 and "new.person@council.org" in page.text
    t = csrf_of(page.text)
    short = newcomer.post(path, data={"csrf_token": t, "password": "short", "password2": "short"})
    assert short.status_code == 400 and "too short" in short.text
    ok = newcomer.post(
        path,
        data={"csrf_token": t, "password": "a long enough pass", "password2": "a long enough pass"},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    assert newcomer.get("/api/v1/me").json()["org"] == "council"
    assert web.client().get(path).status_code == 400  # one use only
    # Reset by the admin: the old password stops working, the link sets a new one.
    from sqlalchemy import select

    from anchorage.store.accounts import User

    with web.ws.session() as s:
        uid = s.scalar(select(User.id).where(User.email == "new.person@council.org"))
    r = admin.post(f"/admin/users/{uid}/reset", data={"csrf_token": token})
    reset_path = (
        re.search(r'id="invite-link">([^<]+)<', r.text).group(1).replace("http://testserver", "")
    )
    assert newcomer.get("/api/v1/me").status_code == 401  # its sessions ended
    assert login(web.client(), "new.person@council.org", "a long enough pass").status_code == 401
    c = web.client()
    t = csrf_of(c.get(reset_path).text)
    c.post(
        reset_path,
        data={"csrf_token": t, "password": "another long pass", "password2": "another long pass"},
    )
    assert login(web.client(), "new.person@council.org", "another long pass").status_code == 303
    # Role change, audited.
    admin.post(f"/admin/users/{uid}/role", data={"csrf_token": token, "role": "viewer"})
    with web.ws.session() as s:
        assert s.get(User, uid).role == "viewer"
    audit = admin.get("/admin/audit").text
    for action in (
        "user-invited",
        "invitation-accepted",
        "password-reset",
        "role-changed",
        "login",
    ):
        assert action in audit, action


def test_a_mistaken_invitation_comes_back_to_the_form_with_what_was_typed(web):
    admin = signed_in(web, "collab@x.org")
    token = csrf_of(admin.get("/admin/users").text)
    for data, problem in (
        ({"email": "someone.new@council.org", "role": "anchor-analyst", "org": ""}, "anchor"),
        ({"email": "Analyst@Council.org", "role": "viewer", "org": "council"}, "already"),
    ):
        r = admin.post("/admin/users/invite", data={"csrf_token": token, **data})
        assert r.status_code == 400 and problem in r.text
        assert f'value="{data["email"]}"' in r.text  # the email as typed
        assert f'<option value="{data["role"]}" selected>' in r.text
        assert 'id="invite-link"' not in r.text and "anchor-analyst belongs" not in r.text
