"""Errors a user can cause are AnchorageErrors with a fix, never a bare ValueError shown as "This is a bug"."""

from __future__ import annotations

import ast
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
