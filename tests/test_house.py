"""The house's shape, read from the code: imports flow one way (faces → domain → notifications → services →
what reads models → models → leaves), no module imports, at any depth, one that imports it back, pages and the
API never import each other, and no blueprint adds, deletes or audits rows itself."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "portal"

# Lowest first. A module may import modules of its own layer or of the layers below it, never above.
LAYERS = [
    ("leaves", {"portal.config", "portal.extensions", "portal.database", "portal.errors", "portal.urls"}),
    (
        "vocabulary",
        {"portal.ids", "portal.labels", "portal.paging", "portal.search", "portal.security", "portal.signed_links"},
    ),
    ("models", {"portal.models"}),
    ("reading models", {"portal.money", "portal.visibility", "portal.i18n"}),
    ("services", {"portal.services"}),  # plumbing every domain uses the same way, knowing no rule
    ("notifications", {"portal.notifications"}),
    ("domain", {"portal.domain"}),
    ("faces", {"portal.blueprints", "portal.cli", "portal.templating", "portal.request_log"}),
    ("the app", {"portal"}),
]
# Modules every page and every API module may share; anything else in portal.blueprints belongs to one face.
SHARED_FACES = {
    "portal.blueprints",
    "portal.blueprints.files",
    "portal.blueprints.forms",
    "portal.blueprints.guards",
    "portal.blueprints.pages",
}


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _owner(name: str) -> str | None:
    """The module of portal/ that `name` (a module or a name inside one) lives in."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module: str) -> set[str]:
    """Every module of portal/ that `module` imports, at the top or inside a function."""
    path = MODULES[module]
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".") if is_package else module.split(".")[:-1]
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            # `from portal import money` imports the module portal.money; `from portal.x import name`, portal.x.
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
        else:
            continue
        for name in names:
            owner = _owner(name)
            if owner and owner != module:
                found.add(owner)
    return found


GRAPH = {module: _imports(module) for module in MODULES}


def _layer(module: str) -> int:
    best = None
    for index, (_name, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                if best is None or len(prefix) > best[1]:
                    best = (index, len(prefix))
    assert best is not None, f"{module} has no layer: add it to LAYERS in tests/test_house.py"
    return best[0]


def test_every_module_has_a_layer():
    for module in MODULES:
        _layer(module)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_flow_one_way(module):
    own = _layer(module)
    upward = sorted(
        f"{target} ({LAYERS[_layer(target)][0]})"
        for target in GRAPH[module]
        if _layer(target) > own and not target.startswith(module + ".")  # a package may gather its own modules
    )
    assert not upward, f"{module} ({LAYERS[own][0]}) imports from above: {upward}"


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each edge back to a module still on the path of a depth-first walk, as the circle it closes."""
    state: dict[str, str] = {}
    circles = []

    def walk(module, path):
        state[module] = "open"
        for target in sorted(graph.get(module, ())):
            if state.get(target) == "open":
                circles.append(path[path.index(target) :] + [target])
            elif target not in state:
                walk(target, path + [target])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            walk(module, [module])
    return circles


def test_no_module_imports_one_that_imports_it_back():
    edges = {m: {t for t in targets if not t.startswith(m + ".")} for m, targets in GRAPH.items()}
    circles = _circles(edges)
    assert not circles, "import circles: " + "; ".join(" → ".join(c) for c in circles)


def test_pages_and_the_api_do_not_import_each_other():
    faces = [m for m in MODULES if m.startswith("portal.blueprints.") and m not in SHARED_FACES]

    def face(module):
        return module.split(".")[2]

    crossings = sorted(
        f"{m} → {t}"
        for m in faces
        for t in GRAPH[m]
        if t.startswith("portal.blueprints.") and t not in SHARED_FACES and face(t) != face(m)
    )
    assert not crossings, f"a face imports another face (move the shared rule down to the domain): {crossings}"


WRITES = re.compile(
    r"db\.session\.(add|add_all|delete|merge)\(|\baudit\.record\(|^\s*record\(|\.record\(\s*\"|"
    r"session\.execute\(\s*(insert|update|delete)\(",
    re.M,
)


def test_no_blueprint_writes_rows_or_the_audit_log_itself():
    writes = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sorted((PACKAGE / "blueprints").rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if WRITES.search(line)
    ]
    assert not writes, f"blueprints translate, the domain writes: {writes}"


def test_the_checks_see_circles_and_layers():
    """The walk finds what it looks for: a circle of three, an import inside a function, the layers' order."""
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert _circles({"a": {"b"}, "b": {"c"}, "c": set()}) == []
    assert "portal.domain.projects" in GRAPH["portal.blueprints.projects.routes"]
    assert "portal.blueprints.api.projects" in GRAPH["portal.blueprints.api"]  # imported inside register_api
    assert _layer("portal.models.projects") < _layer("portal.domain.projects") < _layer("portal.blueprints.api")
