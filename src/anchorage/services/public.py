"""Public services (no sign-in): the area's upcoming opportunities and their feeds, suppliers' self-registration,
and community groups' "we need a space" form, each with its confirmation by email.

No viewer: these serve anyone. Their protection (signed page stamps, honeypot, time trap, per-address and per-email
limits, confirmation links) is the public forms' own (public_forms/protection.py), applied by these calls."""

from __future__ import annotations

from anchorage.assets.public_form import HONEYPOT as NEED_HONEYPOT
from anchorage.assets.public_form import LIMITS as NEED_LIMITS
from anchorage.assets.public_form import FormInvalid as NeedInvalid
from anchorage.assets.public_form import confirm_need, submit_need
from anchorage.opportunities import feeds, ical
from anchorage.opportunities.notices import Notice, filter_notices
from anchorage.opportunities.registration import (
    ORG_TYPES,
    SIZES,
    confirm_registration,
    pending_registration,
    register_supplier,
    supplier_categories,
)
from anchorage.opportunities.source import public_notices
from anchorage.public_forms.outbox import Delivery, send_email
from anchorage.public_forms.protection import (
    HONEYPOT,
    FormInvalid,
    form_secret,
    stamp,
    stamped_time,
)

__all__ = [
    "HONEYPOT",
    "NEED_HONEYPOT",
    "NEED_LIMITS",
    "ORG_TYPES",
    "SIZES",
    "Delivery",
    "FormInvalid",
    "NeedInvalid",
    "Notice",
    "confirm_need",
    "confirm_registration",
    "feeds",
    "filter_notices",
    "form_secret",
    "ical",
    "pending_registration",
    "public_notices",
    "register_supplier",
    "send_email",
    "stamp",
    "stamped_time",
    "submit_need",
    "supplier_categories",
]
