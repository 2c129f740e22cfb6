"""Forms as typed models (pydantic): a form's fields are checked by its model, and every problem is reported at
once, keyed by field (the pages' error summary links to each), so the page can show them with the input kept."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticCustomError

from anchorage.core.errors import AnchorageError

M = TypeVar("M", bound=BaseModel)


class FormProblems(AnchorageError):
    """A form with problems: `problems` names each field's, all at once (GOV.UK error summary)."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(
            "There is a problem with what you entered: " + " ".join(problems.values()),
            fix="Correct the fields named and send the form again.",
        )
        self.problems = problems


def problem(message: str) -> PydanticCustomError:
    """A field's problem, in words for the person filling in the form (raise it in a model's validator)."""
    return PydanticCustomError("form", message)


def problems_of(exc: ValidationError) -> dict[str, str]:
    """Each field's first problem, in the words its check gave (pydantic's own prefix taken off)."""
    problems: dict[str, str] = {}
    for err in exc.errors():
        field = str(err["loc"][0]) if err["loc"] else "form"
        problems.setdefault(field, str(err["msg"]).removeprefix("Value error, "))
    return problems


def checked(
    model: type[M],
    values: Mapping[str, Any],
    *,
    context: Mapping[str, Any] | None = None,
    error: Callable[[dict[str, str]], AnchorageError] = FormProblems,
) -> M:
    """The form as its typed model, or `error` (FormProblems) listing every field's problem at once. `context`
    carries what a check needs beyond the form (the framework's measures, the area's geography, limits)."""
    try:
        return model.model_validate(dict(values), context=dict(context or {}))
    except ValidationError as exc:
        raise error(problems_of(exc)) from None
