"""The invite form as a typed model (services/admin.py): every problem at once, the input kept, and only the roles
the inviter may grant on offer."""

from __future__ import annotations

import re

from sqlalchemy import select
from tests.web_support import csrf_of, signed_in

from anchorage.store.accounts import Invitation


def test_the_invite_form_reports_every_problem_at_once_and_keeps_the_input(web):
    admin = signed_in(web, "admin@council.org")
    token = csrf_of(admin.get("/admin/users").text)
    typed = "not-an-email"
    r = admin.post(
        "/admin/users/invite",
        data={"csrf_token": token, "email": typed, "role": "chief", "org": "council"},
    )
    assert r.status_code == 400
    summary = re.search(r'<div class="error-summary".*?</div>', r.text, re.S)
    assert summary, r.text[:500]
    links = re.findall(r'<a href="#(\w+)">', summary.group(0))
    assert sorted(links) == ["email", "role"]  # both problems, in one answer
    assert f'value="{typed}"' in r.text  # what they typed is still in the box
    with web.ws.session() as s:
        assert s.scalar(select(Invitation).where(Invitation.email == typed)) is None


def test_the_invite_form_offers_only_roles_the_inviter_may_grant(web):
    def offered(email: str) -> set[str]:
        page = signed_in(web, email).get("/admin/users").text
        form = page[page.index('action="/admin/users/invite"') :]
        select_box = form[form.index('id="role"') : form.index("</select>")]
        return set(re.findall(r'<option value="([^"]+)"', select_box))

    anchor_admin, collaborative_admin = offered("admin@council.org"), offered("collab@x.org")
    assert (
        "collaborative-admin" not in anchor_admin and "collaborative-admin" in collaborative_admin
    )
    assert anchor_admin < collaborative_admin
