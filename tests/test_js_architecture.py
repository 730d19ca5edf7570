"""The shape of static/js: no import cycles, no module over 400 lines, inline-free pages, and a
service worker that keeps every file the table pages load (read here from the pages and the
modules themselves, not from the code that builds the worker's list)."""

from __future__ import annotations

import json
import posixpath
import re
import sys
from pathlib import Path

import lxml.html
import pytest

from facilitator.capture.offline import MissingAsset, import_closure, module_imports

REPO = Path(__file__).resolve().parent.parent
STATIC = REPO / "static"
JS = STATIC / "js"
MAX_LINES = 400

# static and dynamic imports; a specifier is always a string literal here
IMPORT = re.compile(r"""(?:\bfrom|^\s*import|\bimport\s*\()\s*["']([^"']+)["']""", re.MULTILINE)


def imports_of(name: str) -> list[str]:
    """The modules (relative to static/) that a module in static/ imports."""
    source = (STATIC / name).read_text(encoding="utf-8")
    # drop comments, so that an example in a comment is not taken for an import
    source = re.sub(r"/\*.*?\*/|^\s*//[^\n]*", "", source, flags=re.DOTALL | re.MULTILINE)
    out = []
    for specifier in IMPORT.findall(source):
        assert specifier.startswith(("./", "../")), f"{name}: a bare import {specifier!r}"
        out.append(posixpath.normpath(posixpath.join(posixpath.dirname(name), specifier)))
    return out


def graph() -> dict[str, list[str]]:
    modules = sorted(f"js/{p.name}" for p in JS.glob("*.js"))
    return {name: imports_of(name) for name in modules}


def closure(roots: list[str]) -> set[str]:
    seen, todo = set(roots), list(roots)
    while todo:
        for target in imports_of(todo.pop()):
            assert (STATIC / target).is_file(), f"{target} is imported but missing"
            if target not in seen and target.endswith(".js"):
                seen.add(target)
                if target.startswith("js/"):
                    todo.append(target)
    return seen


def test_every_import_resolves():
    for name, targets in graph().items():
        for target in targets:
            assert (STATIC / target).is_file(), f"{name} imports {target}, which does not exist"


def test_no_import_cycles():
    edges = graph()
    state: dict[str, str] = {}  # absent: not visited; "open": on the current path; "done"

    def visit(name: str, path: list[str]) -> None:
        state[name] = "open"
        for target in edges.get(name, []):
            if state.get(target) == "open":
                cycle = path[path.index(target) :] + [target] if target in path else [name, target]
                pytest.fail("import cycle: " + " → ".join(cycle))
            if target not in state:
                visit(target, path + [target])
        state[name] = "done"

    for name in edges:
        if name not in state:
            visit(name, [name])


def test_cycle_detection_finds_a_cycle(tmp_path, monkeypatch):
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "a.js").write_text('import { b } from "./b.js";\n')
    (tmp_path / "js" / "b.js").write_text('export const b = 1;\nimport("./a.js");\n')
    monkeypatch.setattr(sys.modules[__name__], "STATIC", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "JS", tmp_path / "js")
    with pytest.raises(pytest.fail.Exception, match="import cycle"):
        test_no_import_cycles()


@pytest.mark.parametrize("module", sorted(p.name for p in JS.glob("*.js")))
def test_module_is_at_most_400_lines(module):
    lines = len((JS / module).read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"static/js/{module} has {lines} lines (at most {MAX_LINES})"


def test_one_dom_helper_and_one_socket_factory():
    """h() and svg() are defined once (util.js); only socket.js opens a Socket.IO connection."""
    defines_h = [p.name for p in JS.glob("*.js") if re.search(r"function h\(", p.read_text())]
    assert defines_h == ["util.js"]
    makes_svg = [p.name for p in JS.glob("*.js") if "createElementNS(" in p.read_text()]
    assert makes_svg == ["util.js"]
    uses_io = [p.name for p in JS.glob("*.js") if "vendor/socketio.js" in p.read_text()]
    assert uses_io == ["socket.js"]


def test_the_production_parser_reads_the_same_imports():
    for name, targets in graph().items():
        source = (STATIC / name).read_text(encoding="utf-8")
        found = [posixpath.normpath(posixpath.join("js", s)) for s in module_imports(source)]
        assert sorted(found) == sorted(targets), name


def test_a_missing_module_fails_loudly(tmp_path):
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "page.js").write_text('import { x } from "./gone.js";\n')
    with pytest.raises(MissingAsset, match=r"static/js/page\.js needs static/js/gone\.js"):
        import_closure(tmp_path, ["js/page.js"])
    with pytest.raises(MissingAsset, match="css/gone.css"):
        import_closure(tmp_path, ["css/gone.css"])


@pytest.mark.parametrize("role", ["rapporteur", "participant", "minutes"])
def test_service_worker_keeps_everything_a_table_page_loads(client, meeting_links, role):
    pair = meeting_links["minutes"] if role == "minutes" else meeting_links["tables"]["1"][role]
    url = pair["url"].removeprefix("http://x")
    tree = lxml.html.fromstring(client.get(url).get_data(as_text=True))
    prefix = "/static/"
    loaded = [
        *tree.xpath("//script[@type='module']/@src"),
        *tree.xpath("//link[@rel='stylesheet' or @rel='icon']/@href"),
    ]
    assert loaded and all(src.startswith(prefix) for src in loaded), loaded
    files = {src.removeprefix(prefix).split("?")[0] for src in loaded}
    needed = closure(sorted(files))
    assert any(name.startswith("vendor/") for name in needed)
    body = client.get("/sw.js").get_data(as_text=True)
    precache = json.loads(body.split("const PRECACHE = ", 1)[1].split(";", 1)[0])
    missing = {f"{prefix}{name}" for name in needed} - set(precache)
    assert not missing, f"the service worker does not keep {sorted(missing)}"


def test_templates_have_no_inline_scripts():
    """Strict CSP: a <script> either loads a module from static/ or carries JSON data."""
    for template in (REPO / "templates").rglob("*.html"):
        for tag in re.findall(r"<script\b[^>]*>", template.read_text(encoding="utf-8")):
            assert 'type="application/json"' in tag or ('type="module"' in tag and "src=" in tag), (
                f"{template.relative_to(REPO)}: {tag}"
            )
