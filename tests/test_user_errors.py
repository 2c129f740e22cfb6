"""Errors a user can cause are AnchorageErrors with a fix, never a bare ValueError shown as "This is a bug"."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pyarrow as pa
import pytest

from anchorage.core.errors import AnchorageError
from anchorage.suppliers.link import ENGINES, link

SRC = Path(__file__).resolve().parents[1] / "src" / "anchorage"
BUILTIN = {"ValueError", "KeyError", "TypeError", "LookupError", "IndexError", "Exception"}
# Raised and caught inside the same module (turned into a listed problem), or a programming error in a
# declaration that no user input reaches.
ALLOWED = {
    "workforce/inputs.py": "each column parser's ValueError becomes one problem in parse_record",
    "store/snapshots.py": "a Snapshot declared with a table that has no history twin (code, not input)",
    "services/admin.py": "pydantic validators raise ValueError; checked() turns each into the field's problem",
    "cli/main.py": "a COMMANDS entry naming a module command_module does not import (code, not input)",
}


def builtin_raises(path: Path, root: Path = SRC) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Raise) and node.exc is not None:
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(exc, ast.Name) and exc.id in BUILTIN:
                found.append(f"{path.relative_to(root)}:{node.lineno} raises {exc.id}")
    return sorted(found, key=lambda h: int(h.split(":")[1].split()[0]))


def test_no_builtin_exceptions_for_users():
    bad = [
        hit
        for p in sorted(SRC.rglob("*.py"))
        if str(p.relative_to(SRC)) not in ALLOWED
        for hit in builtin_raises(p)
    ]
    assert not bad, bad


def test_the_allowed_modules_still_need_their_exemption():
    stale = [m for m in ALLOWED if not builtin_raises(SRC / m)]
    assert not stale, f"remove from ALLOWED: {stale}"


def test_the_static_check_sees_a_bare_value_error(tmp_path):
    f = tmp_path / "m.py"
    f.write_text("def f(x):\n    if x:\n        raise ValueError('no')\n    raise KeyError\n")
    assert builtin_raises(f, tmp_path) == ["m.py:3 raises ValueError", "m.py:4 raises KeyError"]


@pytest.mark.parametrize("engine", ["postgres", "DuckDB ", ""])
def test_an_unknown_linking_engine_is_a_plain_error(engine):
    table = pa.table({"uid": ["a"], "name": ["x"]})
    with pytest.raises(AnchorageError) as err:
        link(table, table, backend=engine)
    assert repr(engine) in err.value.message and all(e in (err.value.fix or "") for e in ENGINES)


# Advice that names a command: `anchorage org add …`, or an option such as --mapping.
COMMAND = re.compile(r"\banchorage [a-z]|(?<![\w-])--[a-z]")
# Only the command line raises these: their advice may name commands alone.
CLI_ONLY = ("cli/", "demo/")


def _text(node: ast.AST) -> str:
    """A string expression's literal text (f-string holes as {})."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join("{}" if isinstance(v, ast.FormattedValue) else _text(v) for v in node.values)
    if isinstance(node, ast.BinOp):
        return _text(node.left) + _text(node.right)
    if isinstance(node, ast.IfExp):
        return _text(node.body) + " | " + _text(node.orelse)
    return ""


def command_advice_without_web_advice(path: Path, root: Path = SRC) -> list[str]:
    """Raise sites whose `fix` names a command but that give the web no advice of its own, or web advice that
    names a command."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        kw = {k.arg: k.value for k in node.keywords}
        where = f"{path.relative_to(root)}:{node.lineno}"
        if "web_fix" in kw and COMMAND.search(_text(kw["web_fix"])):
            found.append(f"{where} web advice names a command")
        elif "fix" in kw and "web_fix" not in kw and COMMAND.search(_text(kw["fix"])):
            found.append(f"{where} names a command and has no web advice")
    return found


def test_advice_naming_a_command_has_plain_web_advice_too():
    bad = [
        hit
        for p in sorted(SRC.rglob("*.py"))
        if not str(p.relative_to(SRC)).startswith(CLI_ONLY)
        for hit in command_advice_without_web_advice(p)
    ]
    assert not bad, bad


def test_the_command_check_sees_command_advice(tmp_path):
    f = tmp_path / "m.py"
    f.write_text(
        "E(1, fix='Run anchorage init.')\nE(2, fix=f'Pass --org {x}.', web_fix='Choose one.')\n"
        "E(3, fix='Check it.')\nE(4, fix='x', web_fix='Use --org.')\n"
    )
    assert command_advice_without_web_advice(f, tmp_path) == [
        "m.py:1 names a command and has no web advice",
        "m.py:4 web advice names a command",
    ]


def test_the_web_gets_its_own_advice_and_the_command_line_the_command():
    err = AnchorageError("No such anchor.", fix="Run anchorage org add X.", web_fix="Choose one.")
    assert (str(err), err.web_fix, err.for_web()) == (
        "No such anchor. Run anchorage org add X.",
        "Choose one.",
        "No such anchor. Choose one.",
    )
    plain = AnchorageError("Too long.", fix="Shorten it.")
    assert plain.web_fix == "Shorten it." and plain.for_web() == str(plain)
