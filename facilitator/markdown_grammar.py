"""The one Markdown grammar of a report: the table page's preview, the screen and the annex.

Both renderers parse with markdown-it — the annex with markdown-it-py (``export/richtext.py``),
the browser with the JavaScript original it is a port of (``static/js/markdown.js``, the same
version: 14.1.0) — set up from the constants here, and both turn its tokens into the same
blocks. What the two could still read differently is settled here, once:

* ``prepare``: U+FEFF is dropped (JavaScript's ``trim`` strips it, markdown-it-py's does not)
  and half a surrogate pair becomes U+FFFD (a JavaScript string can hold one);
* which characters are punctuation for ``*emphasis*`` (JavaScript's markdown-it looks at
  UTF-16 code units, so it would miss an emoji next to a ``*``): Python's Unicode tables;
* which characters decide a paragraph's direction (``direction``): Python's Unicode tables;
* a link's address is shown as typed (no percent-encoding, no punycode: the two ports' URL
  libraries disagree at the edges), and ``link_allowed`` alone decides what makes a link.

The browser gets these from ``static/js/markdown-grammar.js``, which is generated from this
module (``python -m facilitator.markdown_grammar > static/js/markdown-grammar.js``); a test
keeps it equal, and ``tests/fixtures/markdown/`` holds the cases both renderers must draw alike.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable

from markdown_it.common.utils import MD_TRIM_CHARS

# markdown-it's "zero" preset enables only paragraphs and text; these are opted in. Off:
# raw HTML, autolinks, link references, code, tables, strikethrough.
ENABLED_RULES = [
    "list",
    "heading",
    "lheading",
    "blockquote",
    "hr",
    "newline",
    "escape",
    "entity",
    "emphasis",
    "link",
    "image",
]
OPTIONS = {"html": False, "linkify": False, "typographer": False, "maxNesting": 12}

# A report's headings have two levels ("#", and "##" or deeper); they come below the page's
# own: in the annex (h1 the annex, h2 the table) a report's "#" is an h3 and "##" an h4.
HEADING_LEVELS = 2
ANNEX_HEADING_TAG = 3

# the whitespace markdown-it strips from a block (JavaScript's trim, U+FEFF aside): a link's
# label is stripped of the same
TRIM = MD_TRIM_CHARS

# A link or image to one of these is no link: it stays the text that was typed. Nothing is
# fetched or clickable either way (a link becomes "label (URL)"); this keeps what the preview
# and the annex show the same, and the same as before. Matched without regard to ASCII case.
REFUSED_ADDRESS = "^(javascript|vbscript|file|data):"
_REFUSED = re.compile(REFUSED_ADDRESS, re.IGNORECASE | re.ASCII)


def link_allowed(url: str) -> bool:
    """Whether ``[label](url)`` is a link (shown as "label (url)") rather than text as typed."""
    return not _REFUSED.match(url.strip(TRIM))


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def prepare(text: str) -> str:
    """The text as both parsers get it: no U+FEFF, no half surrogate pair."""
    return _LONE_SURROGATE.sub("\ufffd", (text or "").replace("\ufeff", ""))


def direction(text: str) -> str | None:
    """The direction "rtl" when the first strong character is right-to-left (Arabic, Hebrew), else None.

    What dir="auto" decides in a browser; WeasyPrint does not implement "auto", so both
    renderers write the direction computed here (dir="rtl" on that paragraph, item or heading).
    """
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return None
    return None


def _strength(ch: str) -> str:
    kind = unicodedata.bidirectional(ch)
    return "R" if kind in ("R", "AL") else "L" if kind == "L" else "N"


def _punctuation(ch: str) -> str:
    # markdown-it-py's isPunctChar: Unicode punctuation and symbols (CommonMark 0.31)
    return "P" if unicodedata.category(ch).startswith(("P", "S")) else "N"


def runs(classify: Callable[[str], str]) -> str:
    """Every code point's class as runs: "<start, base 36, after the previous start><class>"…"""
    out = []
    previous_class, previous_start = "N", 0
    for code in range(0x110000):
        kind = classify(chr(code))
        if kind != previous_class:
            out.append(f"{_base36(code - previous_start)}{kind}")
            previous_class, previous_start = kind, code
    return "".join(out)


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out


def js_module() -> str:
    """static/js/markdown-grammar.js: the same grammar for the browser."""
    return (
        "// Generated from facilitator/markdown_grammar.py\n"
        "// (python -m facilitator.markdown_grammar > static/js/markdown-grammar.js): the one\n"
        "// Markdown grammar of the preview, the screen and the annex. Do not edit.\n"
        f"// Unicode {unicodedata.unidata_version}: runs of code points, each "
        '"<start in base 36, after the previous one><class>".\n\n'
        f"export const ENABLED_RULES = {json.dumps(ENABLED_RULES)};\n"
        f"export const OPTIONS = {json.dumps(OPTIONS)};\n"
        f"export const HEADING_LEVELS = {HEADING_LEVELS};\n"
        f"export const ANNEX_HEADING_TAG = {ANNEX_HEADING_TAG};\n"
        f"export const TRIM = {json.dumps(TRIM)};\n"
        f"export const REFUSED_ADDRESS = {json.dumps(REFUSED_ADDRESS)}; // ASCII case ignored\n"
        "// R: right-to-left (R, AL), L: left-to-right, N: neither\n"
        f"export const STRENGTH = {json.dumps(runs(_strength))};\n"
        "// P: punctuation or symbol (general category P* or S*), N: neither\n"
        f"export const PUNCTUATION = {json.dumps(runs(_punctuation))};\n"
    )


if __name__ == "__main__":  # pragma: no cover
    print(js_module(), end="")
