"""The docs a newcomer reads name only modules that exist: every file or folder that
docs/architecture.md and docs/protocol.md put in backticks is in the tree, and every module of
facilitator/live/ is on the architecture page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# where a path in the docs may be written from: the root, the package, its live side, the browser's
BASES = (
    ROOT,
    ROOT / "facilitator",
    ROOT / "facilitator" / "live",
    ROOT / "static" / "js",
    ROOT / "facilitator" / "export",
)
SUFFIXES = (".py", ".js", ".html", ".md", ".cfg", ".toml", ".conf", ".po", ".css")
TREE = {p.name for p in ROOT.rglob("*") if ".git" not in p.parts and "node_modules" not in p.parts}


def named_paths(doc: Path) -> list[str]:
    """The backticked words of a doc that name a file or a folder of the tree."""
    found = []
    for token in re.findall(r"`([^`\s]+)`", doc.read_text()):
        token = token.rstrip(",.:;")
        if token.startswith(("http", "/", "$", "-")) or "*" in token or "<" in token or "{" in token:
            continue  # addresses, pages, commands and patterns, not modules
        if token.endswith("/") or (token.endswith(SUFFIXES) and "(" not in token):
            found.append(token)
    return found


def exists(token: str) -> bool:
    if "/" not in token.rstrip("/"):
        return token.rstrip("/") in TREE
    return any((base / token).exists() for base in BASES)


@pytest.mark.parametrize("doc", ["docs/architecture.md", "docs/protocol.md"])
def test_every_module_a_doc_names_exists(doc):
    names = named_paths(ROOT / doc)
    assert len(names) > 10  # the pattern finds the doc's modules
    assert not [n for n in names if not exists(n)]


def test_the_architecture_page_names_every_live_module():
    page = (ROOT / "docs" / "architecture.md").read_text()
    live = ROOT / "facilitator" / "live"
    modules = [p.relative_to(live).as_posix() for p in live.rglob("*.py") if p.name != "__init__.py"]
    missing = [m for m in modules if f"`{m}`" not in page and f"`{Path(m).name}`" not in page]
    assert not missing
