"""The forms people fill in are typed models (pydantic) checked by one `checked`: every problem at once, keyed by
field, in the form's own words; a good form comes back typed (numbers as numbers, dates as dates, postcodes
written the one way). Against the default social value framework, and a real workspace's geography for the
need form's area."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from tests.conftest import make_workspace
from tests.test_web_assets import REFERENCE

from anchorage.assets.public_form import AREA_UNKNOWN, NeedForm
from anchorage.assets.public_form import validate as need_form
from anchorage.core.forms import checked
from anchorage.opportunities.registration import RegistrationForm
from anchorage.opportunities.registration import validate as registration_form
from anchorage.public_forms.protection import FormInvalid, FormLimits
from anchorage.reference.load import import_reference
from anchorage.socialvalue.entries import CommitmentForm, DeliveryForm, EntryInvalid
from anchorage.socialvalue.framework import DEFAULT_PATH, read_framework

FRAMEWORK = read_framework(DEFAULT_PATH)
MEASURE = next(iter(FRAMEWORK.measures))


def test_a_commitment_lists_every_problem_at_once() -> None:
    with pytest.raises(EntryInvalid) as caught:
        checked(
            CommitmentForm,
            {
                "supplier_name": "x" * 201,
                "measure_id": "no-such-measure",
                "quantity": "-3",
                "contract_start": "2025-04-01",
                "contract_end": "2024-04-01",
            },
            context={"framework": FRAMEWORK},
            error=EntryInvalid,
        )
    assert caught.value.problems == {
        "contract_ref": "Contract reference: this is needed",
        "supplier_name": "Supplier: at most 200 characters",
        "measure_id": "Measure: choose one of the framework's measures",
        "quantity": "Quantity: enter a number of 0 or more",
        "contract_end": "Contract end: must be after the start",
    }


def test_a_good_delivery_comes_back_typed() -> None:
    entry = checked(
        DeliveryForm,
        {
            "contract_ref": " C-1 ",
            "supplier_name": "Acme\tLtd",
            "measure_id": MEASURE.upper(),
            "quantity": "1,250.5",
            "period_end": "2025-03-31",
            "evidence": "",
        },
        context={"framework": FRAMEWORK},
        error=EntryInvalid,
    )
    assert (entry.contract_ref, entry.supplier_name, entry.measure_id) == (
        "C-1",
        "Acme Ltd",
        MEASURE,
    )
    assert entry.quantity == 1250.5 and entry.period_end == dt.date(2025, 3, 31)
    assert entry.evidence is None


def test_a_registration_lists_every_problem_at_once() -> None:
    with pytest.raises(FormInvalid) as caught:
        registration_form(
            {
                "contact_email": "not an address",
                "postcode": "ZZ",
                "size": "huge",
                "org_type": "charity",
                "company_number": "12",
                "description": "see http://a.example and www.b.example",
                "categories": ["Catering", "Nothing like it"],
            },
            FormLimits(),
            ["Catering"],
        )
    assert caught.value.problems == {
        "name": "this is required",
        "contact_email": "this is not an email address",
        "postcode": "this is not a UK postcode",
        "size": "choose one of the options",
        "charity_number": "a registered charity needs its registered number",
        "company_number": "this does not look like a registered number",
        "description": "please include at most 1 web link",
        "categories": "choose up to 6 of the listed categories",
    }


def test_a_good_registration_comes_back_typed() -> None:
    entry = registration_form(
        {
            "name": " Deptford Dinners ",
            "contact_email": "hello@dinners.example.org",
            "postcode": "se6 4ru",
            "size": "micro",
            "org_type": "cic",
            "company_number": "1234 5678",
            "categories": ["Catering"],
        },
        FormLimits(),
        ["Catering"],
    )
    assert isinstance(entry, RegistrationForm)
    assert (entry.name, entry.postcode, entry.company_number) == (
        "Deptford Dinners",
        "SE6 4RU",
        "12345678",
    )


def test_a_need_is_checked_against_the_areas_geography(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "ws", [("Council", "council")])
    import_reference(ws, [REFERENCE / "nspl_SM.csv"])  # Sutton's postcodes, with their positions
    with ws.warehouse(read_only=True) as con:
        postcode = "sm1 1aa"  # written any way
        with pytest.raises(FormInvalid) as caught:
            need_form(
                {
                    "contact_email": "chair@choir.example.org",
                    "activity": "Choir",
                    "people": "900",
                    "area": "Atlantis",
                    "times": "whenever",
                    "max_distance_km": "0",
                },
                FormLimits(),
                con,
            )
        good = need_form(
            {
                "group_name": "Choir",
                "contact_email": "chair@choir.example.org",
                "activity": "Singing",
                "people": "12",
                "area": postcode,
                "max_distance_km": "2.5",
            },
            FormLimits(),
            con,
        )
    assert caught.value.problems == {
        "group_name": "this is required",
        "people": "give the number of people, from 1 to 500",
        "area": AREA_UNKNOWN,
        "times": caught.value.problems["times"],
        "max_distance_km": "give a distance in km, from 0.1 to 20",
    }
    assert "whenever" in caught.value.problems["times"]
    assert isinstance(good, NeedForm)
    assert (good.people, good.max_distance_km) == (12, 2.5)
