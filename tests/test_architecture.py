"""The layout shows the architecture: one-way layers, no import cycles, modules of a readable size."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "anchorage"
# Lower layers never import higher ones (ARCHITECTURE.md); ingest, reference and the public forms' shared
# protection form one layer.
LAYERS = [
    {"core", "config", "exports"},
    {"store"},
    {"workspace"},
    {"jobs"},
    {"ingest", "reference", "public_forms"},
    {"suppliers"},
    {"procurement", "workforce", "assets", "contracts", "opportunities", "socialvalue"},
    {"access"},
    {"reports"},
    {"demo"},
    {"services"},
    {"web"},
    {"cli"},
]


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node, at module level or inside functions, except under `if TYPE_CHECKING:` (never run)."""
    out: list[ast.AST] = []
    todo = [tree]
    while todo:
        node = todo.pop()
        out.append(node)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            todo.extend(node.orelse)
            continue
        todo.extend(ast.iter_child_nodes(node))
    return out


def imports(path: Path, modules: set[str]) -> set[str]:
    """Modules imported anywhere in the file: a lazy import inside a function is still a dependency."""
    found: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("anchorage"):
            subs = {f"{node.module}.{a.name}" for a in node.names} & modules
            # "from pkg import submodule" depends on the submodule; anything else on the module itself.
            found.update(subs if len(subs) == len(node.names) else {node.module, *subs})
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("anchorage"))
    return found


def graph() -> dict[str, set[str]]:
    mods = {module_name(p): p for p in SRC.rglob("*.py")}
    return {m: {i for i in imports(p, set(mods)) if i in mods and i != m} for m, p in mods.items()}


def layer(mod: str) -> int:
    top = mod.split(".")[1] if "." in mod else ""
    return next((i for i, names in enumerate(LAYERS) if top in names), -1)


def test_no_import_cycles():
    g = graph()
    state: dict[str, int] = {}

    def visit(m: str, stack: list[str]) -> None:
        state[m] = 1
        for n in g[m]:
            assert state.get(n) != 1, "import cycle: " + " -> ".join([*stack, m, n])
            if n not in state:
                visit(n, [*stack, m])
        state[m] = 2

    for m in g:
        if m not in state:
            visit(m, [])


def test_lower_layers_do_not_import_higher_ones():
    bad = [
        f"{m} imports {n}"
        for m, deps in graph().items()
        for n in deps
        if layer(m) >= 0 and layer(n) > layer(m)
    ]
    assert not bad, bad


def test_function_level_imports_are_seen(tmp_path):
    """A lazy import inside a function counts; one under `if TYPE_CHECKING:` does not."""
    f = tmp_path / "m.py"
    f.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import anchorage.web\n"
        "def f():\n    from anchorage.cli import main\n    import anchorage.store\n"
    )
    assert imports(f, {"anchorage.cli.main"}) == {"anchorage.cli.main", "anchorage.store"}


def test_modules_stay_small():
    big = {
        str(p.relative_to(SRC)): n
        for p in SRC.rglob("*.py")
        if (n := len(p.read_text().splitlines())) > 500
    }
    assert not big, big


# The web reaches the rest only through the services layer (plus the gate, the reports and core): the data
# boundary, permissions and audit are applied there, for the web and the command line alike (ARCHITECTURE.md).
WEB_MAY_IMPORT = (
    "anchorage.services",
    "anchorage.access",
    "anchorage.reports",
    "anchorage.core",
    "anchorage.web",
)


def every_import(path: Path) -> list[tuple[int, str]]:
    """Each anchorage module a file imports, at module level or inside a function, with its line."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.ImportFrom):  # relative: inside this package
            found.append((node.lineno, "anchorage.web"))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
    return [(n, m) for n, m in found if m == "anchorage" or m.startswith("anchorage.")]


def web_imports_outside_services() -> list[str]:
    bad = []
    for p in sorted((SRC / "web").rglob("*.py")):
        bad += [
            f"{module_name(p)}:{line} imports {mod}"
            for line, mod in every_import(p)
            if not any(mod == ok or mod.startswith(ok + ".") for ok in WEB_MAY_IMPORT)
        ]
    return bad


def test_web_imports_only_services_access_reports_and_core():
    bad = web_imports_outside_services()
    assert not bad, bad


def test_the_web_import_rule_sees_imports_inside_functions(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(
        "def f():\n    from anchorage.workspace import Workspace\n    import anchorage.jobs.queue\n"
    )
    assert every_import(probe) == [(2, "anchorage.workspace"), (3, "anchorage.jobs.queue")]
