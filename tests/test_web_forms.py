"""A form's field is read as a file's cell is (web/forms.py over core/values): what a file accepts, a form accepts;
a blank field is None; what is not a value is a plain error naming the field, never a traceback."""

from __future__ import annotations

import pytest

from anchorage.core.errors import AnchorageError
from anchorage.core.values import parse_amounts, parse_dates
from anchorage.web import forms

AMOUNTS = ["250000", "£250,000", "(12.50)", "1.2E+05", " 99.99 "]
DAYS = ["2026-12-06", "06/12/2026", "6 Dec 2026", "45000"]


def test_a_form_reads_money_and_days_as_a_file_does():
    assert [forms.money(t, "amount") for t in AMOUNTS] == parse_amounts(AMOUNTS)
    assert [forms.date(t, "the day") for t in DAYS] == parse_dates(DAYS)
    assert forms.money("  ", "amount") is None and forms.date("", "the day") is None


def test_a_month_is_its_first_day_however_it_is_written():
    months = {forms.month(t, "the start") for t in ("2026-01", "01/2026", "Jan 2026", "2026-01-17")}
    assert months == {forms.date("01/01/2026", "the start")}


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: forms.money("lots", "minimum value"), 'The minimum value "lots" is not a number'),
        (lambda: forms.money("9" * 200_000, "income"), "is not a number"),
        (lambda: forms.date("yesterday", "From"), '"yesterday" is not a date for From'),
        (lambda: forms.date("31/02/2026", "To"), "is not a date"),
        (lambda: forms.month("", "the transfer"), "is not a month for the transfer"),
        (lambda: forms.month("13/2026", "the change"), "is not a month"),
    ],
)
def test_what_is_not_a_value_is_a_plain_error_naming_the_field(call, words):
    with pytest.raises(AnchorageError, match=words) as err:
        call()
    assert err.value.fix and len(err.value.message) < 120
