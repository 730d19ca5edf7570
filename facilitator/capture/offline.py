"""What the service worker keeps for an offline reload of a table page: derived, not listed.

The table pages' templates name their stylesheets, icon and entry scripts
(``url_for('static', filename=...)``, following ``extends`` and ``include``); the scripts'
``import`` statements name every other module, transitively. A file that is named but
missing is an error, never skipped: the page would not work offline without it.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable
from pathlib import Path

# the pages the service worker keeps (sw.js: ROLE_PAGE): the table pages and the minute-taker's
TABLE_PAGES = ("capture/rapporteur.html", "capture/participant.html", "minutes/minutes.html")

_STATIC_FILE = re.compile(r"""url_for\(\s*['"]static['"]\s*,\s*filename\s*=\s*['"]([^'"]+)['"]\s*\)""")
_TEMPLATE = re.compile(r"""\{%-?\s*(?:extends|include|import|from)\s+['"]([^'"]+)['"]""")
# import … from "x"; export … from "x"; import "x"; import("x")
_IMPORT = re.compile(
    r"""^[ \t]*(?:import|export)\b[^;'"`]*?\bfrom\s*['"]([^'"]+)['"]"""
    r"""|^[ \t]*import\s*['"]([^'"]+)['"]"""
    r"""|\bimport\(\s*['"]([^'"]+)['"]\s*\)""",
    re.MULTILINE,
)


class MissingAsset(FileNotFoundError):
    """A template or module names a static file that is not there."""


def module_imports(source: str) -> list[str]:
    """The specifiers a JavaScript module imports (static and dynamic), in order."""
    return [next(group for group in match.groups() if group) for match in _IMPORT.finditer(source)]


def _resolve(importer: str, specifier: str) -> str:
    """A relative specifier of a module (path relative to static/) → a path relative to static/."""
    if not specifier.startswith(("./", "../")):
        raise ValueError(f"{importer}: only relative imports can be served: {specifier!r}")
    path = posixpath.normpath(posixpath.join(posixpath.dirname(importer), specifier))
    if path.startswith("../"):
        raise ValueError(f"{importer}: {specifier!r} points outside static/")
    return path


def import_closure(static: Path, roots: Iterable[str]) -> list[str]:
    """The given files and every module they import, transitively (paths relative to static/)."""
    seen: dict[str, str | None] = {root: None for root in roots}
    todo = list(seen)
    while todo:
        name = todo.pop()
        file = static / name
        if not file.is_file():
            named_by = seen[name] or "a table page's template"
            raise MissingAsset(f"{named_by} needs static/{name}, which does not exist")
        if not name.endswith(".js"):
            continue
        for specifier in module_imports(file.read_text(encoding="utf-8")):
            target = _resolve(name, specifier)
            if target not in seen:
                seen[target] = f"static/{name}"
                todo.append(target)
    return sorted(seen)


def template_static_files(get_source: Callable[[str], str], pages: Iterable[str]) -> list[str]:
    """The static files that pages name, through the templates they extend and include."""
    files: set[str] = set()
    seen: set[str] = set()
    todo = list(pages)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        source = get_source(name)
        files.update(_STATIC_FILE.findall(source))
        todo.extend(_TEMPLATE.findall(source))
    return sorted(files)


def offline_assets(static: Path, get_source: Callable[[str], str]) -> list[str]:
    """Everything a table page loads from static/ (relative paths), sorted; raises MissingAsset."""
    return import_closure(static, template_static_files(get_source, TABLE_PAGES))
