"""The collaborative's facilitator (a collaborative admin) invites an anchor admin, in Chromium at 1280 px and
375 px: the invite form offers only roles the inviter may grant, a mistake comes back with the input kept, the
invitation is confirmed on the page and lands in the outbox as an email, and the new admin, once in through its
link, is offered only the roles an anchor admin may grant."""

from __future__ import annotations

import email
import email.policy
import re
from typing import Any

import pytest
from playwright.sync_api import expect
from tests.task_support import WIDTHS, accessible, fits_and_shot, sign_in_at, task_page, unexpected
from tests.test_web_browser import server  # noqa: F401  (server is a fixture)

from anchorage.public_forms.outbox import outbox_dir

pytestmark = pytest.mark.browser
NEW_ADMIN = "new.admin@council.org"
NEW_PASSWORD = "a long new password for the council"
EVERY_ROLE = {"Collaborative admin", "Anchor admin", "Analyst", "Viewer"}


def invite_form(page: Any) -> Any:
    return page.locator("form").filter(
        has=page.get_by_role("button", name="Create invitation link")
    )


def options(select: Any) -> list[str]:
    return [t.strip() for t in select.locator("option").all_inner_texts()]


def outbox_messages(root: Any) -> list[email.message.EmailMessage]:
    folder = outbox_dir(root)
    files = sorted(folder.glob("*.eml")) if folder.exists() else []
    return [email.message_from_bytes(f.read_bytes(), policy=email.policy.default) for f in files]  # type: ignore[misc]


@pytest.mark.parametrize("width", WIDTHS)
def test_facilitator_invites_an_anchor_admin(server, width):  # noqa: F811
    base, web = server
    problems: list[str] = []
    with task_page(problems, width) as page:
        sign_in_at(page, base, "/admin/users", "collab@x.org")
        form = invite_form(page)
        role, anchor = (
            form.get_by_label("Role", exact=True),
            form.get_by_label("Anchor", exact=True),
        )
        assert set(options(role)) == EVERY_ROLE  # a collaborative admin may grant every role...
        assert (
            options(role)[0] != "Collaborative admin"
        )  # ...but the form never starts on the most powerful
        fits_and_shot(page, "facilitator-1-users")

        # A mistake: an anchor admin for no anchor. The form comes back saying so, with what was typed.
        form.get_by_label("Email address").fill(NEW_ADMIN)
        role.select_option(label="Anchor admin")
        form.get_by_role("button", name="Create invitation link").click()
        page.wait_for_load_state()
        alert = page.get_by_role("alert")
        expect(alert).to_be_in_viewport()  # seen at once, not below a long table on a phone
        assert "anchor" in alert.inner_text().lower()
        assert not re.search(r"anchor-admin|collaborative-admin|anchor-analyst", alert.inner_text())
        form = invite_form(page)
        role, anchor = (
            form.get_by_label("Role", exact=True),
            form.get_by_label("Anchor", exact=True),
        )
        assert form.get_by_label("Email address").input_value() == NEW_ADMIN
        assert role.locator("option:checked").inner_text().strip() == "Anchor admin"
        fits_and_shot(page, "facilitator-2-mistake")
        accessible(page)
        assert outbox_messages(web.ws) == []  # nothing was sent for the mistaken form

        anchor.select_option(label="Council")
        form.get_by_role("button", name="Create invitation link").click()
        page.wait_for_load_state()
        status = page.get_by_role("status")
        assert NEW_ADMIN in status.inner_text() and "outbox" in status.inner_text()
        link = page.locator("#invite-link").inner_text().strip()
        assert (
            page.get_by_role("cell", name=NEW_ADMIN, exact=True).count() == 0
        )  # invited, not yet a user
        fits_and_shot(page, "facilitator-3-invited")

        # The invitation email is in the outbox, addressed to the new admin, with the link the page showed.
        sent = outbox_messages(web.ws)
        assert len(sent) == 1 and sent[0]["To"] == NEW_ADMIN
        body = sent[0].get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
        assert link in body and "anchor admin for Council" in body

        # The new admin follows the emailed link, chooses a password, and is in.
        page.context.clear_cookies()
        page.goto(link)
        joining = page.locator("main").inner_text()
        assert (
            "anchor admin at Council" in joining and "anchor-admin" not in joining
        )  # the role in words
        page.get_by_label("Your name").fill("New Admin")
        page.get_by_label(re.compile("^Password")).fill(NEW_PASSWORD)
        page.get_by_label("The same password again").fill(NEW_PASSWORD)
        page.get_by_role("button", name="Save and sign in").click()
        page.wait_for_load_state()
        fits_and_shot(page, "facilitator-4-joined")
        page.goto(base + "/admin/users")
        form = invite_form(page)
        assert set(options(form.get_by_label("Role", exact=True))) == EVERY_ROLE - {
            "Collaborative admin"
        }
        assert options(form.get_by_label("Anchor", exact=True)) == ["Council"]
        assert page.get_by_role("cell", name=NEW_ADMIN, exact=True).is_visible()
        fits_and_shot(page, "facilitator-5-new-admin-users")
    assert unexpected(problems) == []
