"""The public need form's abuse protection, against a real records database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from anchorage.assets.public_form import FormInvalid, FormLimits, confirm_need, submit_need
from anchorage.core.errors import AnchorageError
from anchorage.reference.load import import_reference
from anchorage.store.assets_records import Need
from anchorage.store.forms_records import FormAttempt
from anchorage.workspace import Workspace

T0 = dt.datetime(2025, 5, 1, 12, 0, tzinfo=dt.UTC)
REFERENCE = Path(__file__).resolve().parents[1] / "src" / "anchorage" / "demo" / "reference"


@pytest.fixture
def ws(workspace: Workspace) -> Workspace:
    import_reference(workspace, [REFERENCE / "nspl_SM.csv"])
    return workspace


def form(**over: str) -> dict[str, str]:
    base = {
        "group_name": "Sutton Seniors",
        "contact_email": "chair@seniors.example.org",
        "activity": "Tea dance",
        "people": "25",
        "area": "SM1 1AA",
        "times": "Wed 14:00-16:00",
        "accessibility": "step free",
        "description": "Weekly social for older people.",
        "website": "",
    }
    return {**base, **over}


def needs(ws: Workspace) -> list[Need]:
    with ws.session() as s:
        return list(s.scalars(select(Need)))


def test_accepted_need_waits_for_confirmation(ws: Workspace):
    sub = submit_need(
        ws, form(), ip="203.0.113.5", now=T0, rendered_at=T0 - dt.timedelta(seconds=40)
    )
    assert sub.status == "pending-confirmation" and sub.token
    [need] = needs(ws)
    assert need.status == "pending-confirmation" and need.accessibility == ["step-free"]
    assert need.token_hash != sub.token and "203.0.113.5" not in (
        need.ip_hash or ""
    )  # only hashes stored
    with pytest.raises(AnchorageError, match="expired"):
        confirm_need(ws, sub.token, now=T0 + dt.timedelta(hours=73))
    published = confirm_need(ws, sub.token, now=T0 + dt.timedelta(hours=1))
    assert published.status == "published"
    with pytest.raises(AnchorageError, match="not valid or has already been used"):
        confirm_need(ws, sub.token)


def test_honeypot_and_time_trap_store_nothing(ws: Workspace):
    bot = submit_need(ws, form(website="http://spam.example"), ip="198.51.100.1", now=T0)
    fast = submit_need(
        ws, form(), ip="198.51.100.2", now=T0, rendered_at=T0 - dt.timedelta(seconds=1)
    )
    assert (bot.status, bot.reason, fast.status, fast.reason) == (
        "discarded",
        "honeypot",
        "discarded",
        "too-fast",
    )
    assert bot.message == fast.message == "Thank you."  # a bot learns nothing
    assert needs(ws) == []


def test_validation_lists_every_problem(ws: Workspace):
    with pytest.raises(FormInvalid) as exc:
        submit_need(
            ws,
            form(
                group_name="", contact_email="not-an-email", people="9000", description="x" * 2001
            ),
            ip="192.0.2.1",
            now=T0,
        )
    assert set(exc.value.problems) == {"group_name", "contact_email", "people", "description"}
    with pytest.raises(FormInvalid) as exc:
        submit_need(
            ws,
            form(description="see http://a.example and http://b.example"),
            ip="192.0.2.1",
            now=T0,
        )
    assert "web link" in exc.value.problems["description"]
    with pytest.raises(FormInvalid) as exc:
        submit_need(ws, form(area="Atlantis"), ip="192.0.2.1", now=T0)
    assert "area" in exc.value.problems
    with pytest.raises(FormInvalid):
        submit_need(ws, form(activity="bad\x00byte"), ip="192.0.2.1", now=T0)
    assert needs(ws) == []


def test_only_the_checked_values_are_stored(ws: Workspace):
    """Fields the form does not have (a staff reference) never reach the need; those it has arrive checked."""
    sub = submit_need(
        ws,
        form(ref="PUBLIC-1", contact_email="  chair@seniors.example.org ", budget_per_hour=" £25 "),
        ip="192.0.2.9",
        now=T0,
    )
    [need] = needs(ws)
    assert need.ref is None and need.budget_per_hour == Decimal("25")
    assert need.contact_email == sub.contact_email == "chair@seniors.example.org"


def test_a_budget_that_is_not_money_is_named_as_the_budget(ws: Workspace):
    with pytest.raises(FormInvalid) as exc:
        submit_need(ws, form(budget_per_hour="lots"), ip="192.0.2.9", now=T0)
    assert set(exc.value.problems) == {"budget_per_hour"}
    assert "amount in pounds" in exc.value.problems["budget_per_hour"]
    assert needs(ws) == []


def test_per_ip_rate_limit_counts_only_accepted_submissions(ws: Workspace):
    """A shared library PC: failed tries never lock the next person out; accepted needs do count."""
    limits = FormLimits(per_ip_per_hour=3)
    for i in range(5):
        with pytest.raises(FormInvalid):
            submit_need(
                ws,
                form(people="lots"),
                ip="192.0.2.9",
                now=T0 + dt.timedelta(minutes=i),
                limits=limits,
            )
    for i, activity in enumerate(("Yoga", "Choir", "Chess")):
        ok = submit_need(
            ws,
            form(activity=activity),
            ip="192.0.2.9",
            now=T0 + dt.timedelta(minutes=6 + i),
            limits=limits,
        )
        assert ok.status == "pending-confirmation"
    blocked = submit_need(
        ws,
        form(activity="Knitting"),
        ip="192.0.2.9",
        now=T0 + dt.timedelta(minutes=10),
        limits=limits,
    )
    assert (blocked.status, blocked.reason) == ("rejected", "rate-limited")
    other_ip = submit_need(
        ws,
        form(activity="Knitting", contact_email="b@x.example.org"),
        ip="192.0.2.10",
        now=T0 + dt.timedelta(minutes=10),
        limits=limits,
    )
    later = submit_need(
        ws,
        form(activity="Drama", contact_email="c@x.example.org"),
        ip="192.0.2.9",
        now=T0 + dt.timedelta(minutes=70),
        limits=limits,
    )
    assert other_ip.status == later.status == "pending-confirmation"


def test_area_and_every_other_problem_reported_together(ws: Workspace):
    with pytest.raises(FormInvalid) as exc:
        submit_need(
            ws,
            form(
                group_name="",
                area="Atlantis",
                people="lots",
                max_distance_km="far",
                times="whenever you like",
            ),
            ip="192.0.2.1",
            now=T0,
        )
    assert set(exc.value.problems) == {"group_name", "area", "people", "max_distance_km", "times"}
    assert "postcode" in exc.value.problems["area"]


def test_per_email_rate_limit_and_duplicates(ws: Workspace):
    limits = FormLimits(per_email_per_day=2)
    first = submit_need(ws, form(), ip="10.0.0.1", now=T0, limits=limits)
    dup = submit_need(
        ws,
        form(contact_email="CHAIR@seniors.example.org ", activity="tea dance!"),
        ip="10.0.0.2",
        now=T0 + dt.timedelta(minutes=1),
        limits=limits,
    )
    assert first.status == "pending-confirmation" and (dup.status, dup.reason) == (
        "rejected",
        "duplicate",
    )
    submit_need(
        ws, form(activity="Bingo"), ip="10.0.0.3", now=T0 + dt.timedelta(minutes=2), limits=limits
    )
    third = submit_need(
        ws,
        form(activity="Knitting"),
        ip="10.0.0.4",
        now=T0 + dt.timedelta(minutes=3),
        limits=limits,
    )
    assert (third.status, third.reason) == ("rejected", "rate-limited")
    assert len(needs(ws)) == 2
    with ws.session() as s:
        outcomes = dict(
            s.execute(select(FormAttempt.outcome, func.count()).group_by(FormAttempt.outcome)).all()
        )
    assert outcomes == {"accepted": 2, "duplicate": 1, "rate-limited-email": 1}
