"""The public forms as typed models: the checks every public form shares (required, length, control characters,
the email address, web links), per field, in one base model; each form adds its own fields' checks. Every problem
is reported at once (core/forms.checked), keyed by field, so the page shows them all with the input kept."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

from anchorage.core.forms import checked, problem
from anchorage.public_forms.protection import CONTROL, EMAIL, LINK, FormInvalid, FormLimits

F = TypeVar("F", bound="PublicForm")


class PublicForm(BaseModel):
    """A public form's text fields. `REQUIRED` must be filled in, `LIMITS` bounds each field's length; the email
    field must be an address; the form as a whole carries at most `max_links` web links (said under LINK_FIELD)."""

    model_config = ConfigDict(extra="ignore", validate_default=True)
    REQUIRED: ClassVar[tuple[str, ...]] = ()
    LIMITS: ClassVar[Mapping[str, int]] = {}
    EMAIL_FIELD: ClassVar[str] = "contact_email"
    LINK_FIELD: ClassVar[str] = "description"

    @field_validator("*", mode="before")
    @classmethod
    def _shared_checks(cls, v: Any, info: ValidationInfo) -> Any:
        name = str(info.field_name)
        if name not in cls.LIMITS and name not in cls.REQUIRED:
            return v  # a field with its own type and checks (a number, a list of choices)
        raw = "" if v is None else str(v)
        text = raw.strip()
        if name in cls.REQUIRED and not text:
            raise problem("this is required")
        limit = cls.LIMITS.get(name)
        if limit is not None and len(raw) > limit:
            raise problem(f"keep this under {limit} characters (it has {len(raw)})")
        if CONTROL.search(raw):
            raise problem("this contains characters that are not text")
        if name == cls.EMAIL_FIELD and text and not EMAIL.fullmatch(text):
            raise problem("this is not an email address")
        if name == cls.LINK_FIELD:
            context = info.context or {}
            form, most = context.get("form", {}), context.get("max_links", FormLimits().max_links)
            links = sum(len(LINK.findall(str(form.get(k) or ""))) for k in cls.LIMITS)
            if links > most:
                raise problem(f"please include at most {most} web link")
        return text

    @classmethod
    def of(
        cls: type[F],
        form: Mapping[str, Any],
        limits: FormLimits,
        *,
        values: Mapping[str, Any] | None = None,
        **context: Any,
    ) -> F:
        """The form as this model, or FormInvalid naming every field's problem at once. `values` gives fields the
        posted form holds otherwise (a list of ticked boxes)."""
        return checked(
            cls,
            {**{k: form.get(k) for k in cls.model_fields if k in form}, **(values or {})},
            context={"form": form, "max_links": limits.max_links, **context},
            error=FormInvalid,
        )
