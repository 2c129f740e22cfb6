"""The services' one audited(): every service writes its audit record through it, with the same rows as before."""

from __future__ import annotations

import ast
from pathlib import Path

from anchorage.access import audit
from anchorage.access.gate import local_operator
from anchorage.services import admin
from anchorage.services.common import audited
from anchorage.workspace import Workspace

SERVICES = Path(__file__).resolve().parents[1] / "src" / "anchorage" / "services"


def _actions(ws: Workspace) -> list[tuple[str, str, str | None, dict[str, object]]]:
    with ws.session() as s:
        return [(e.actor, e.action, e.org, dict(e.detail)) for e in reversed(audit.events(s))]


def test_no_service_writes_an_audit_record_by_hand() -> None:
    by_hand = []
    for path in sorted(SERVICES.glob("*.py")):
        if path.name == "common.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "record"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "audit"
            ):
                by_hand.append(f"{path.name}:{node.lineno}")
    assert by_hand == []


def test_a_job_is_audited_as_whoever_requested_it(workspace: Workspace) -> None:
    audited(workspace, "analyst@council.org", "export", org="council", detail={"job": "j1"})
    assert _actions(workspace) == [("analyst@council.org", "export", "council", {"job": "j1"})]


def test_a_record_in_a_transaction_goes_with_it(workspace: Workspace) -> None:
    viewer = local_operator(workspace)
    with workspace.session() as s:
        audited(workspace, viewer, "user-added", org="council", detail={"x": 1}, session=s)
        s.rollback()
    assert _actions(workspace) == []
    with workspace.session() as s:
        audited(workspace, viewer, "user-added", org="council", detail={"x": 2}, session=s)
        s.commit()
    assert _actions(workspace) == [(viewer.email, "user-added", "council", {"x": 2})]


def test_adding_a_user_keeps_its_audit_rows(workspace: Workspace) -> None:
    viewer = local_operator(workspace)
    admin.add_user(workspace, viewer, "new@council.org", "anchor-analyst", "council")
    assert _actions(workspace) == [
        (
            viewer.email,
            "user-added",
            "council",
            {"email": "new@council.org", "role": "anchor-analyst"},
        ),
        ("command line", "password-reset", "council", {"email": "new@council.org"}),
    ]
