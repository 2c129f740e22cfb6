"""Suppliers' self-registration and the local directory, against a real records database and warehouse:
validation, oversized input, a flood of submissions, duplicates, the confirmation link from the outbox, the
purge, and the directory's search (tier from the postcode) and exports."""

from __future__ import annotations

import csv
import datetime as dt
import email
import io
import re

import openpyxl
import pytest
from sqlalchemy import select
from tests.fixtures import load_reference

from anchorage.core.errors import AnchorageError
from anchorage.opportunities.directory import export, search
from anchorage.opportunities.registration import (
    confirm_registration,
    purge_unconfirmed,
    register_supplier,
)
from anchorage.public_forms.outbox import outbox_dir
from anchorage.public_forms.protection import FormInvalid, FormLimits, attempt_outcomes
from anchorage.store.opportunities_records import SupplierRegistration
from anchorage.workspace import Workspace

T0 = dt.datetime(2026, 2, 1, 10, 0, tzinfo=dt.UTC)
SLOW = T0 - dt.timedelta(seconds=30)


@pytest.fixture
def ws(workspace: Workspace) -> Workspace:
    load_reference(
        workspace
    )  # SE6 4RU local, SE10 0AA sub-region, WC1A 1AA region, HG1 1AA elsewhere in the UK
    return workspace


def form(**over: object) -> dict[str, object]:
    base = {
        "name": "Sunrise Catering CIC",
        "categories": ["Catering"],
        "postcode": "se64ru",
        "size": "micro",
        "org_type": "cic",
        "company_number": "12345678",
        "charity_number": "",
        "contact_email": "hello@sunrise.example",
        "description": "Hot lunches, cooked locally.",
        "website": "",
    }
    return {**base, **over}


def url(token: str) -> str:
    return f"https://anchors.example/opportunities/register/confirm/{token}"


def register(
    ws: Workspace,
    at: dt.datetime = T0,
    ip: str = "203.0.113.7",
    limits: FormLimits | None = None,
    **over: object,
):  # type: ignore[no-untyped-def]
    return register_supplier(
        ws,
        form(**over),
        ip=ip,
        confirm_url=url,
        now=at,
        rendered_at=at - dt.timedelta(seconds=30),
        limits=limits,
    )


def registrations(ws: Workspace) -> list[SupplierRegistration]:
    with ws.session() as s:
        return list(s.scalars(select(SupplierRegistration).order_by(SupplierRegistration.id)))


def link_in_outbox(ws: Workspace, to: str) -> str:
    for path in sorted(outbox_dir(ws).glob("*.eml")):
        msg = email.message_from_bytes(path.read_bytes())
        if msg["To"] == to:
            m = re.search(r"https://\S+/confirm/(\S+)", msg.get_payload(decode=True).decode())
            assert m
            return m.group(1)
    raise AssertionError(f"no message to {to} in the outbox")


def test_confirmation_flow_through_the_outbox(ws: Workspace):
    sub = register(ws)
    assert sub.status == "pending-confirmation"
    [reg] = registrations(ws)
    assert (reg.status, reg.postcode, reg.categories) == (
        "pending-confirmation",
        "SE6 4RU",
        ["Catering"],
    )
    assert reg.token_hash and sub.token and reg.token_hash != sub.token  # only the digest is kept
    token = link_in_outbox(ws, "hello@sunrise.example")
    assert token == sub.token
    assert search(ws) == []  # not in the directory until confirmed
    with pytest.raises(AnchorageError, match="expired"):
        confirm_registration(ws, token, now=T0 + dt.timedelta(hours=73))
    confirm_registration(ws, token, now=T0 + dt.timedelta(hours=2))
    [entry] = search(ws, include_contact=True)
    assert (entry.name, entry.tier, entry.vcse, entry.contact_email) == (
        "Sunrise Catering CIC",
        "local",
        True,
        "hello@sunrise.example",
    )
    with pytest.raises(AnchorageError, match="not valid or has already been used"):
        confirm_registration(ws, token)


def test_the_checked_address_is_stored_and_mailed(ws: Workspace):
    sub = register(ws, contact_email="  Hello@Sunrise.example ", status="confirmed")
    [reg] = registrations(ws)
    assert reg.contact_email == sub.contact_email == "hello@sunrise.example"
    assert (
        reg.status == "pending-confirmation"
    )  # a posted field the form does not have changes nothing
    assert link_in_outbox(ws, "hello@sunrise.example") == sub.token


def test_validation_lists_every_problem_and_stores_nothing(ws: Workspace):
    with pytest.raises(FormInvalid) as exc:
        register(
            ws,
            name="",
            categories=[],
            postcode="NOT A POSTCODE",
            size="huge",
            org_type="charity",
            contact_email="nope",
            description="x" * 501,
        )
    assert set(exc.value.problems) == {
        "name",
        "categories",
        "postcode",
        "size",
        "charity_number",
        "contact_email",
        "description",
    }
    with pytest.raises(FormInvalid) as exc:
        register(ws, postcode="SE1 9ZZ", categories=["Catering", "Made up"], company_number="")
    assert exc.value.problems == {
        "postcode": "we do not recognise this postcode",
        "categories": "choose up to 6 of the listed categories",
        "company_number": "a community interest company (cic) needs its registered number",
    }
    with pytest.raises(FormInvalid) as exc:
        register(ws, description="see http://a.example and www.b.example", name="Bad\x00byte")
    assert set(exc.value.problems) == {"description", "name"}
    assert registrations(ws) == [] and not outbox_dir(ws).exists()


def test_oversized_input_is_refused_per_field(ws: Workspace):
    huge = "A" * 100_000
    with pytest.raises(FormInvalid) as exc:
        register(ws, name=huge, contact_email=huge + "@x.org", postcode=huge, charity_number=huge)
    assert {"name", "contact_email", "postcode", "charity_number"} <= set(exc.value.problems)
    assert exc.value.problems["name"] == "keep this under 160 characters (it has 100000)"
    assert registrations(ws) == []


def test_honeypot_and_time_trap_look_like_success_and_store_nothing(ws: Workspace):
    bot = register_supplier(
        ws, form(website="http://spam.example"), ip="198.51.100.1", confirm_url=url, now=T0
    )
    fast = register_supplier(ws, form(), ip="198.51.100.2", confirm_url=url, now=T0, rendered_at=T0)
    assert (bot.reason, fast.reason) == (
        "honeypot",
        "too-fast",
    ) and bot.message == fast.message == "Thank you."
    assert registrations(ws) == [] and not outbox_dir(ws).exists()


def test_a_flood_from_one_address_is_cut_off(ws: Workspace):
    limits = FormLimits(per_ip_per_hour=5)
    results = [
        register(
            ws,
            at=T0 + dt.timedelta(seconds=i),
            limits=limits,
            name=f"Flood {i}",
            contact_email=f"f{i}@flood.example",
        )
        for i in range(50)
    ]
    assert [r.status for r in results[:5]] == ["pending-confirmation"] * 5
    assert {r.reason for r in results[5:]} == {"rate-limited"}
    assert len(registrations(ws)) == 5 and len(list(outbox_dir(ws).glob("*.eml"))) == 5
    assert attempt_outcomes(ws, T0 - dt.timedelta(hours=1), "supplier-registration") == {
        "accepted": 5,
        "rate-limited-ip": 45,
    }
    assert (
        attempt_outcomes(ws, T0 - dt.timedelta(hours=1), "space-need") == {}
    )  # each form counts its own
    later = register(ws, at=T0 + dt.timedelta(minutes=61), limits=limits, name="Later")
    assert later.status == "pending-confirmation"


def test_per_email_limit_and_duplicates(ws: Workspace):
    limits = FormLimits(per_email_per_day=2)
    first = register(ws, limits=limits, ip="10.0.0.1")
    dup = register(
        ws,
        limits=limits,
        ip="10.0.0.2",
        name="sunrise catering cic!",
        at=T0 + dt.timedelta(minutes=1),
    )
    assert first.status == "pending-confirmation" and dup.reason == "duplicate"
    register(ws, limits=limits, ip="10.0.0.3", name="Second", at=T0 + dt.timedelta(minutes=2))
    third = register(
        ws, limits=limits, ip="10.0.0.4", name="Third", at=T0 + dt.timedelta(minutes=3)
    )
    assert third.reason == "rate-limited" and len(registrations(ws)) == 2
    again = register(ws, ip="10.0.0.5", at=T0 + dt.timedelta(days=4))  # the first link has expired
    assert again.status == "pending-confirmation" and len(registrations(ws)) == 2


def test_unconfirmed_registrations_are_purged(ws: Workspace):
    register(ws, name="Old")
    keep = register(ws, name="Kept", at=T0 + dt.timedelta(days=6))
    confirm_registration(ws, register(ws, name="Confirmed", ip="10.1.1.1").token or "", now=T0)
    assert purge_unconfirmed(ws, days=7, now=T0 + dt.timedelta(days=8)) == 1
    assert [r.name for r in registrations(ws)] == ["Kept", "Confirmed"]
    assert keep.status == "pending-confirmation"
    register(
        ws, name="Newest", at=T0 + dt.timedelta(days=14)
    )  # every new registration purges the stale ones
    assert [r.name for r in registrations(ws)] == ["Confirmed", "Newest"]


def confirmed(ws: Workspace, ip: str, **over: object) -> None:
    sub = register(ws, ip=ip, **over)
    assert sub.token, sub
    confirm_registration(ws, sub.token, now=T0)


def test_directory_search_by_category_tier_size_and_vcse(ws: Workspace):
    confirmed(ws, "10.0.0.1")
    confirmed(
        ws,
        "10.0.0.2",
        name="Greenwich Cleaners Ltd",
        categories=["Cleaning", "Catering"],
        postcode="SE10 0AA",
        size="small",
        org_type="company",
        company_number="",
        contact_email="c@gc.example",
        description="Offices",
    )
    confirmed(
        ws,
        "10.0.0.3",
        name="Harrogate Helpers",
        categories=["Cleaning"],
        postcode="HG1 1AA",
        size="medium",
        org_type="charity",
        company_number="",
        charity_number="1234567",
        contact_email="h@hh.example",
        description="",
    )
    names = lambda **f: [e.name for e in search(ws, **f)]  # noqa: E731
    assert names() == ["Greenwich Cleaners Ltd", "Harrogate Helpers", "Sunrise Catering CIC"]
    assert names(category="Catering") == ["Greenwich Cleaners Ltd", "Sunrise Catering CIC"]
    assert names(tier="sub-region") == ["Greenwich Cleaners Ltd"] and names(tier="uk") == [
        "Harrogate Helpers"
    ]
    assert names(size="medium") == ["Harrogate Helpers"]
    assert names(vcse=True) == ["Harrogate Helpers", "Sunrise Catering CIC"] and names(
        vcse=False
    ) == ["Greenwich Cleaners Ltd"]
    assert names(q="lunches") == ["Sunrise Catering CIC"]
    assert {e.contact_email for e in search(ws)} == {
        None
    }  # minimised unless asked for by a signed-in page


def test_directory_exports_parse_back_without_formulas(ws: Workspace):
    confirmed(ws, "10.0.0.1", name="=cmd|' /C calc'!A0", description="@SUM(1)")
    rows = search(ws, include_contact=True)
    text = export(rows, "csv").decode("utf-8-sig")
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert row["name"] == "'=cmd|' /C calc'!A0" and row["description"] == "'@SUM(1)"
    assert row["contact_email"] == "hello@sunrise.example" and row["tier"] == "local"
    book = openpyxl.load_workbook(io.BytesIO(export(rows, "xlsx")))
    sheet = book["Local suppliers"]
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("name") + 1)
    assert cell.value == "=cmd|' /C calc'!A0" and cell.data_type == "s"  # a string, never a formula
