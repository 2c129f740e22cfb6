"""Schemathesis drives every operation of the published OpenAPI, in-process, as a signed-in analyst with an API
token: no answer is a 5xx, and every error answer is the JSON error shape. Bounded so it runs in about a minute."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from tests.web_support import Web, build_web

from anchorage.access import accounts
from anchorage.store.accounts import User

ANALYST = "analyst@council.org"
EXAMPLES = 60  # per operation; the 12 operations then take well under two minutes on 2 cores
ORGS = ["council", "acute-trust", "college"]  # own anchor, another anchor, a third


@pytest.fixture(scope="module")
def fuzz_web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Web, str]]:
    web = build_web(tmp_path_factory.mktemp("fuzz"))
    with web.ws.session() as s:
        token = accounts.new_api_token(s, s.query(User).filter_by(email=ANALYST).one(), "fuzz")
        s.commit()
    yield web, token


def check_answer(response: Any) -> None:
    """No server error, and an error answer is {"ok": false, "error": {...}} with its status inside."""
    assert response.status_code < 500, f"{response.status_code}: {response.text[:500]}"
    if response.status_code >= 400:
        body = response.json()
        assert body["ok"] is False, body
        assert (
            isinstance(body["error"], dict) and body["error"]["status"] == response.status_code
        ), body
        assert body["error"]["message"], body


@pytest.mark.slow
def test_no_server_error_in_any_operation(fuzz_web: tuple[Web, str]) -> None:
    web, token = fuzz_web
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", web.app).include(
        path_regex="^/api/"
    )
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12, "the OpenAPI lists fewer operations than the API has"
    failures: dict[str, str] = {}
    answered: dict[str, set[int]] = {}
    for operation in operations:
        # Valid and invalid requests alike: a wrong type or a missing field must be a 4xx, never a 5xx.
        strategy = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        )

        @given(case=strategy, org=st.sampled_from([None, *ORGS]))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            phases=[Phase.explicit, Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def call(case: Any, org: str | None) -> None:
            if org and "org" in (case.path_parameters or {}):
                case.path_parameters["org"] = (
                    org  # real anchors too, not only random names that are 404
                )
            response = case.call(headers={"Authorization": f"Bearer {token}"})
            answered.setdefault(case.operation.label, set()).add(response.status_code)
            check_answer(response)

        try:
            call()
            # And the plain request a user sends (the own anchor, no query), which the generated examples may all
            # miss: how many of them pass the parameters' checks depends on Hypothesis's draws.
            plain = operation.Case(
                path_parameters={"org": ORGS[0]} if "{org}" in operation.path else {}, query={}
            )
            response = plain.call(headers={"Authorization": f"Bearer {token}"})
            answered.setdefault(operation.label, set()).add(response.status_code)
            check_answer(response)
        except Exception as exc:  # one operation's failure must not hide another's
            failures[operation.label] = f"{type(exc).__name__}: {str(exc)[:800]}"
    assert not failures, "\n".join(f"{k}: {v}" for k, v in failures.items())
    # The token worked and the fuzzing reached the handlers: every operation answered 200 at least once.
    assert all(200 in codes for codes in answered.values()) and len(answered) == len(operations), (
        answered
    )
