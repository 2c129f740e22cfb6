"""A community group asks for a space on the public form, in Chromium at 1280 px and 375 px, without signing in:
a first try with several mistakes shows every problem at once (by the field's own label) and keeps what was
typed; the corrected form, with a postcode of the area, is taken; the confirmation email lands in the outbox and
its link publishes the request."""

from __future__ import annotations

import email
import email.policy
import re

import pytest
from playwright.sync_api import expect
from tests.fixtures import POSTCODES
from tests.task_support import WIDTHS, accessible, fits_and_shot, task_page, unexpected
from tests.test_web_browser import server  # noqa: F401  (server is a fixture)

from anchorage.public_forms.outbox import outbox_dir

pytestmark = pytest.mark.browser
# A postcode of the area: one whose borough is the collaborative's place ("local" in the workspace config).
LOCAL_POSTCODE = next(pcds for _, pcds, lad, *_ in POSTCODES if lad == "E09000023")
WHERE_IT_IS = (
    51.4415,
    -0.0190,
)  # its latitude and longitude, as the ONS postcode directory gives them
GROUP = "Rushey Green Lunch Club"
DESCRIPTION = (
    "We are twenty retired neighbours.\nWe cook together and need a kitchen on Wednesdays."
)
THINKING_TIME_MS = (
    3_200  # people take a few seconds to fill in a form; the form discards faster posts as a bot's
)


def send(page) -> None:
    page.wait_for_timeout(THINKING_TIME_MS)
    page.get_by_role("button", name="Send").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("width", WIDTHS)
def test_community_group_posts_a_need_from_a_postcode_of_the_area(server, width):  # noqa: F811
    base, web = server
    with (
        web.ws.warehouse() as con
    ):  # the postcodes as loaded from the directory, with their positions
        con.execute(
            "UPDATE postcodes SET lat = ?, long = ? WHERE pcds = ?", [*WHERE_IT_IS, LOCAL_POSTCODE]
        )
    problems: list[str] = []
    with task_page(problems, width) as page:
        page.goto(base + "/community/need")
        assert "/login" not in page.url
        fits_and_shot(page, "community-1-form")

        # First try: what the space is for left out, people in words and a place that is not of the area.
        page.get_by_label("Your group's name").fill(GROUP)
        page.get_by_label(re.compile("^Email address")).fill("lunchclub@example.org")
        page.get_by_label(re.compile("^How many people")).fill("about twenty")
        page.get_by_label(re.compile("^When")).fill("Wed 11:00-14:00")
        page.get_by_label(re.compile("^Where")).fill("Atlantis")
        page.get_by_label(re.compile("^Anything else")).fill(DESCRIPTION)
        send(page)
        summary = page.get_by_role("alert")
        expect(summary).to_be_in_viewport()
        listed = summary.get_by_role("listitem").all_inner_texts()
        # Every problem at once, each named by the label the person sees on the form.
        for label in ("What is the space for?", "How many people?", "Where?"):
            assert any(item.startswith(label.rstrip("?") + ": ") for item in listed), (
                label,
                listed,
            )
        assert len(listed) == 3, listed
        # Nothing typed is lost.
        assert page.get_by_label("Your group's name").input_value() == GROUP
        assert page.get_by_label(re.compile("^Anything else")).input_value() == DESCRIPTION
        assert page.get_by_label(re.compile("^Where")).input_value() == "Atlantis"
        assert page.get_by_label(re.compile("^When")).input_value() == "Wed 11:00-14:00"
        fits_and_shot(page, "community-2-problems")
        accessible(page)

        # A problem's link in the summary takes the person to its field.
        summary.get_by_role("link", name=re.compile("^How many people")).click()
        expect(page.get_by_label(re.compile("^How many people"))).to_be_focused()

        page.get_by_label(re.compile("^What is the space for")).fill("Seniors' lunch club")
        page.get_by_label(re.compile("^How many people")).fill("20")
        page.get_by_label(re.compile("^Where")).fill(LOCAL_POSTCODE)
        send(page)
        status = page.get_by_role("status")
        assert "emailed you" in status.inner_text(), status.inner_text()
        fits_and_shot(page, "community-3-sent")

        # The confirmation email is in the outbox; its link, and one press of a button, publish the request.
        files = sorted(outbox_dir(web.ws).glob("*.eml"))
        assert len(files) == 1
        message = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
        assert message["To"] == "lunchclub@example.org"
        body = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
        link = re.search(r"https?://\S+/community/need/confirm/\S+", body)
        assert link, body
        page.goto(link.group(0))
        page.get_by_role("button", name="Publish my request").click()
        page.wait_for_load_state()
        assert "Seniors' lunch club" in page.get_by_role("status").inner_text()
        fits_and_shot(page, "community-4-published")
    assert unexpected(problems) == []
