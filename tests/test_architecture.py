"""The shape of the package, checked from its source: no import cycles, live/ below the features,
one place that emits, no god-modules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
PACKAGE = TESTS.parent / "facilitator"
# Every subpackage of facilitator is a feature but these: live/ sits below the features, the
# migrations are Alembic's and the translations are catalogues. Read from the tree, so a new
# feature cannot be left out of the rules below.
NOT_FEATURES = {"live", "migrations", "translations"}
FEATURES = tuple(
    sorted(
        folder.name
        for folder in PACKAGE.iterdir()
        if folder.is_dir()
        and not folder.name.startswith(("_", "."))
        and folder.name not in NOT_FEATURES
        and any(folder.rglob("*.py"))
    )
)
MAX_LINES = 500
MAX_TEST_LINES = 600


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {
    module_name(path): path for path in sorted(PACKAGE.rglob("*.py")) if "migrations" not in path.parts
}


def _statements(body: list[ast.stmt], import_time: bool):
    """Every statement; with ``import_time`` only those run on import (not in functions or TYPE_CHECKING)."""
    for node in body:
        yield node
        if import_time and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if import_time and isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from _statements(node.orelse, import_time)
            continue
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                yield from _statements([child], import_time)
        for field in ("body", "orelse", "finalbody", "handlers"):
            for child in getattr(node, field, []) or []:
                if isinstance(child, ast.ExceptHandler):
                    yield from _statements(child.body, import_time)


def imports(name: str, import_time: bool) -> set[str]:
    """The facilitator modules that module ``name`` imports."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in _statements(ast.parse(path.read_text()).body, import_time):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                found.add(submodule if submodule in MODULES else target)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m in MODULES and m != name}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles():
    graph = {name: imports(name, import_time=True) for name in MODULES}
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_features_are_read_from_the_package_tree():
    assert {"auth", "capture", "core", "curation", "export", "housestyle", "minutes", "screen"} <= set(
        FEATURES
    )
    assert "secretariat" in FEATURES and not set(FEATURES) & NOT_FEATURES
    # every module outside the features is in facilitator/ itself or in live/ (migrations are left out)
    for name in MODULES:
        parts = name.split(".")
        assert len(parts) <= 2 or parts[1] in FEATURES or parts[1] == "live", name


def test_live_never_imports_a_feature_package():
    """live/ sits below the features: they call it, it never reaches up (not even inside a function)."""
    for name in MODULES:
        if name.startswith("facilitator.live"):
            upward = {m for m in imports(name, import_time=False) if m.split(".")[1] in FEATURES}
            assert not upward, (name, upward)


def test_only_the_app_factory_imports_the_socket_handlers():
    importers = {name for name in MODULES if "facilitator.live.events" in imports(name, import_time=False)}
    assert importers == {"facilitator.app"}


def test_every_emit_goes_through_broadcast():
    """So that the tests' check of every server event (conftest.server_events) sees them all."""
    for name, path in MODULES.items():
        if name == "facilitator.live.broadcast":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                owner = ast.unparse(func.value) if isinstance(func, ast.Attribute) else ""
                assert not (called == "emit" and owner in ("", "socketio")), f"{name}: {ast.unparse(node)}"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_stay_small(name):
    assert len(MODULES[name].read_text().splitlines()) <= MAX_LINES, name


@pytest.mark.parametrize("path", sorted(TESTS.rglob("*.py")), ids=lambda path: str(path.relative_to(TESTS)))
def test_test_files_stay_small(path):
    """A test file over 600 lines is split by subject, its shared helpers in a *_support.py module."""
    assert len(path.read_text().splitlines()) <= MAX_TEST_LINES, path.name
