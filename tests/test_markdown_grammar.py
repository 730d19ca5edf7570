"""One Markdown grammar: the annex (export/richtext.py) and the browser's preview and screen
(static/js/markdown.js, run here under Node) draw every report alike.

tests/fixtures/markdown/ holds the cases, each NAME.md (as typed) with NAME.html (what both
renderers must draw, in the annex's HTML). Beyond those, both parse thousands of made-up texts
built from the characters and line starts that matter and must build the same blocks.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from facilitator import markdown_grammar
from facilitator.export import richtext

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "markdown"
RUNNER = Path(__file__).resolve().parent / "markdown_runner.mjs"
CASES = sorted(path.stem for path in FIXTURES.glob("*.md"))


def typed(name: str) -> str:
    return (FIXTURES / f"{name}.md").read_bytes().decode("utf-8")  # line ends as they are


def expected(name: str) -> str:
    return (FIXTURES / f"{name}.html").read_bytes().decode("utf-8")


def in_browser(texts: list[str], heading_tag: int | None = None) -> list[dict]:
    """static/js/markdown.js's blocks and drawing of each text, under Node."""
    if not shutil.which("node"):
        pytest.fail("node not found: the browser's renderer is tested under Node")
    if not (ROOT / "static" / "vendor" / "markdown-it.js").exists():
        pytest.fail("static/vendor/markdown-it.js is missing: run `make install` (npm run build)")
    payload = {"cases": texts, **({"headingTag": heading_tag} if heading_tag else {})}
    done = subprocess.run(
        ["node", str(RUNNER)],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def blocks(text: str) -> list[dict]:
    """richtext.parse's blocks in the browser's shape (hardBreak for hard_break)."""

    def shape(block: richtext.Block) -> dict:
        return {
            "kind": block.kind,
            "inlines": [
                {"text": run.text, "bold": run.bold, "italic": run.italic, "hardBreak": run.hard_break}
                for run in block.inlines
            ],
            "children": [shape(child) for child in block.children],
            "level": block.level,
            "start": block.start,
            "tight": block.tight,
        }

    return [shape(block) for block in richtext.parse(text)]


@pytest.fixture(scope="module")
def browser_fixtures() -> dict[str, dict]:
    return dict(zip(CASES, in_browser([typed(name) for name in CASES]), strict=True))


def test_there_are_fixtures_for_every_kind_of_block():
    assert {"headings", "quotes", "rules", "lists", "nesting", "links", "long-words", "rtl"} <= set(CASES)
    assert all((FIXTURES / f"{name}.html").exists() for name in CASES)


@pytest.mark.parametrize("name", CASES)
def test_the_annex_draws_the_fixture(name):
    assert richtext.to_html(typed(name)) == expected(name)


@pytest.mark.parametrize("name", CASES)
def test_the_preview_and_the_screen_draw_the_fixture(name, browser_fixtures):
    got = browser_fixtures[name]
    assert got["html"] == expected(name)
    assert got["blocks"] == blocks(typed(name))


def test_a_heading_is_a_heading_everywhere():
    html = richtext.to_html("## Kop")
    assert html == '<h4 class="report-heading">Kop</h4>\n'
    assert in_browser(["## Kop"])[0]["html"] == html
    # a page whose report sits below an h4 (the screen) moves the report's headings down
    assert in_browser(["# Kop\n\n## Kop"], heading_tag=5)[0]["html"] == richtext.to_html(
        "# Kop\n\n## Kop", heading_tag=5
    )
    assert richtext.to_html("# a\n\n## b", heading_tag=5).count("<h5") == 1
    assert "<h6" in richtext.to_html("# a\n\n## b", heading_tag=5)


# what matters to the grammar: block starts, emphasis, links, entities, other scripts, odd spaces
PIECES = [
    *("*", "**", "_", "__", "#", "## ", "> ", "- ", "1. ", "0) ", "+ ", "\n", "\n\n", "  \n", "\\"),
    *("[", "]", "](", ")", "![", "<", ">", "&amp;", "&#10;", "&#xFEFF;", "&#x1c;", "http://x.nl/ä"),
    *("javascript:x", "JavaScript:", "a", "kop", " ", "   ", "    ", "\t", "😀", "🌍", "שלום", "مرحبا"),
    *("\u00a0", "\u2028", "\u3000", "`", "~", "---", "===", "\ufeff", "é", "\u0301", "\ud83d", "(", '"'),
]
LINE_STARTS = [
    *("", " ", "   ", "    ", "\t", "      ", "> ", ">", "> > ", "- ", "* ", "+ ", "1. ", "2) ", "0. "),
    *("# ", "## ", "#### ", "> - ", "1. - ", "- > "),
]
WORDS = [
    *("kop", "**vet**", "*schuin*", "_x_", "__y__", "***z***", "**a *b** c*", "a*😀*b", "**😀**"),
    *("[l](http://a.nl/x?y=1&z=2)", '![i](p.png "t")', "[](u)", "[a](<b c>)", "[A](JAVASCRIPT:x)"),
    *("[a](\u017fjavascript:x)", "[a](&#x1c;javascript:x)", "[a]( http://x )", "[x]", "(y)", "\\*"),
    *("שלום", "مرحبا", "😀", "&#65;", "&nbsp;", "<i>", "`c`", "---", "===", "x" * 60, "ǅ", "İ"),
]


def made_up_texts(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        texts.append("".join(rng.choice(PIECES) for _ in range(rng.randint(0, 30))))
        lines = [
            "".join(rng.choice(LINE_STARTS) for _ in range(rng.randint(0, 3)))
            + " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 5)))
            + rng.choice(["", "", "  ", "\n"])
            for _ in range(rng.randint(1, 8))
        ]
        texts.append("\n".join(lines))
    return texts


def test_both_renderers_read_made_up_texts_alike():
    texts = made_up_texts(seed=20261205, count=2000)
    differences = []
    for text, got in zip(texts, in_browser(texts), strict=True):
        if got["html"] != richtext.to_html(text) or got["blocks"] != blocks(text):
            differences.append((text, richtext.to_html(text), got["html"]))
    assert not differences, differences[:3]


def test_nothing_a_report_holds_becomes_markup_or_a_link():
    nasty = "<img src=x onerror=alert(1)> [a](javascript:alert(1)) ![b](http://tracker.example/p.gif) \"'&"
    html = richtext.to_html(nasty)
    assert in_browser([nasty])[0]["html"] == html
    assert "<img" not in html and "<a" not in html and "&lt;img" in html
    assert "b (http://tracker.example/p.gif)" in html
    assert "[a](javascript:alert(1))" in html  # a refused address stays the text as typed
    assert not markdown_grammar.link_allowed(" JavaScript:x")
    assert markdown_grammar.link_allowed("https://a.nl")
    assert markdown_grammar.link_allowed("\u017fjavascript:x")  # ASCII case only, as in the browser


def test_the_browser_grammar_is_generated_from_the_python_grammar():
    js = (ROOT / "static/js/markdown-grammar.js").read_text(encoding="utf-8")
    assert js == markdown_grammar.js_module(), (
        "run: python -m facilitator.markdown_grammar > static/js/markdown-grammar.js"
    )


def test_the_browser_parses_with_the_version_the_annex_parser_ports():
    import markdown_it

    port = (Path(markdown_it.__file__).parent / "port.yaml").read_text(encoding="utf-8")
    ported = re.search(r"package: markdown-it/markdown-it\s+version: ([\d.]+)", port).group(1)
    package = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    assert package["dependencies"]["markdown-it"] == ported
    assert lock["packages"]["node_modules/markdown-it"]["version"] == ported
