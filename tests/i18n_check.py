"""Finding Dutch interface text on a page meant to be English (tests/test_i18n.py and the e2e tests).

The Dutch to look for is the catalogue itself: every msgid whose English differs, cut at its
placeholders into fragments (``"Tafel {n} overslaan"`` → "Tafel", "overslaan"). A page's
visible text — text nodes, the accessible names in attributes, ``<title>``, and the strings
the page hands its scripts (``<script type="application/json" id="…-strings">``) — must
contain none of them, once the meeting's own data (title, names, entries, reports, the
labels of its bollen and horizons: user data, in whatever language it was typed) is left out.
"""

from __future__ import annotations

import dataclasses
import json
import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.pofile import read_po
from babel.support import Translations

REPO = Path(__file__).resolve().parent.parent
TRANSLATIONS = REPO / "facilitator" / "translations"
PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")
URL = re.compile(r"(?:https?://|(?<!\w)/)\S+")
ATTRIBUTES = ("aria-label", "title", "alt", "placeholder", "aria-description", "aria-roledescription")


@cache
def catalogue() -> dict[str, str]:
    """msgid → English (plurals by their singular and plural msgid)."""
    with PO.open("rb") as source:
        cat = read_po(source)
    out: dict[str, str] = {}
    for message in cat:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            for msgid, msgstr in zip(message.id, message.string, strict=False):
                out[msgid] = msgstr
        else:
            out[message.id] = message.string
    return out


@cache
def english() -> Translations:
    """The compiled English catalogue (compiled first, as the app does on start)."""
    from facilitator.i18n import compile_catalogues

    compile_catalogues()
    return Translations.load(str(TRANSLATIONS), ["en"], "messages")


def say(dutch: str, lang: str = "en", **values: object) -> str:
    """What a person reads in ``lang`` for the Dutch msgid (placeholders filled with ``values``)."""
    text = english().gettext(dutch) if lang == "en" else dutch
    return text % values if values else text


@cache
def dutch_fragments() -> tuple[str, ...]:
    """The Dutch to look for: fragments (with at least three letters) of msgids whose English differs."""
    found: set[str] = set()
    for msgid, msgstr in catalogue().items():
        if not msgstr or msgstr == msgid:
            continue
        for piece in PLACEHOLDER.split(msgid):
            piece = piece.strip(" .,:;—–-()[]“”„\"'/·")
            if sum(c.isalpha() for c in piece) >= 3 and piece not in msgstr:
                found.add(piece)
    return tuple(sorted(found, key=len, reverse=True))


# Dutch function words no English sentence has: they catch Dutch that never went through _()
DUTCH_WORDS = (
    "de",
    "het",
    "een",
    "niet",
    "naar",
    "voor",
    "wordt",
    "deze",
    "geen",
    "nog",
    "bij",
    "ook",
    "zijn",
    "van",
    "uw",
)


@cache
def _fragment_re() -> re.Pattern[str]:
    words = [*dutch_fragments(), *DUTCH_WORDS, *(w.capitalize() for w in DUTCH_WORDS)]
    return re.compile("|".join(rf"(?<!\w){re.escape(f)}(?!\w)" for f in words))


def user_strings(data: object) -> list[str]:
    """Every string in a meeting's plain data (``meeting_to_data``), longest first."""
    out: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, str):
            if value.strip():
                out.add(value.strip())
                out.update(line.strip() for line in value.splitlines() if line.strip())
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            for field in dataclasses.fields(value):
                walk(getattr(value, field.name))
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(key)
                walk(item)
        elif isinstance(value, list | tuple | set | frozenset):
            for item in value:
                walk(item)

    walk(data)
    return sorted(out, key=len, reverse=True)


def dutch_in(texts: list[str], user: list[str]) -> list[str]:
    """The Dutch interface fragments found in ``texts`` once the user's data is taken out."""
    blob = "\n".join(user)
    whole = set(user)
    found = []
    for raw in texts:
        text = " ".join(raw.split())
        if not text or text in whole or (len(text) >= 12 and text in blob):
            continue  # a whole name, title, entry, or a piece of a rendered report
        text = URL.sub(" ", text)  # addresses keep their Dutch paths (the contract's page names)
        for item in user:
            if len(item) >= 3 and item in text:
                text = text.replace(item, " ")
        for match in _fragment_re().finditer(text):
            found.append(f"{match.group()!r} in {raw.strip()[:80]!r}")
    return found


class _Visible(HTMLParser):
    """Text nodes, accessible attributes, and the script strings of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._skip: list[str] = []
        self._strings = False
        # an element marked lang="nl" inside the page (the language switch's "Nederlands") is Dutch
        # on purpose: WCAG's language of parts, not untranslated interface text
        self._dutch: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag != "html" and values.get("lang") == "nl":
            self._dutch.append(tag)
        if self._dutch:
            return
        for name in ATTRIBUTES:
            if values.get(name):
                self.texts.append(values[name] or "")
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.texts.append(values["value"] or "")
        if tag in ("script", "style"):
            self._skip.append(tag)
            self._strings = tag == "script" and (values.get("id") or "").endswith("-strings")

    def handle_endtag(self, tag: str) -> None:
        if self._dutch and self._dutch[-1] == tag:
            self._dutch.pop()
            return
        if self._skip and self._skip[-1] == tag:
            self._skip.pop()
            self._strings = False

    def handle_data(self, data: str) -> None:
        if self._dutch:
            return
        if self._strings:
            self.texts.extend(_json_strings(json.loads(data)))
        elif not self._skip:
            self.texts.append(data)


def _json_strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _json_strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _json_strings(item)]
    return []


def visible_texts(html: str) -> list[str]:
    """What a person sees or hears of an HTML page (and the strings its scripts will show)."""
    parser = _Visible()
    parser.feed(html)
    return parser.texts


# In the browser: the rendered text, plus the accessible names and titles the scripts set.
BROWSER_TEXTS = """() => {
  const out = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest("script, style, template")) continue;
    if (parent.closest("[lang=nl]:not(html)")) continue; // Dutch on purpose (the language switch)
    if (parent.closest("[hidden], [aria-hidden=true]") && !parent.closest("[role=status], [role=alert]")) continue;
    out.push(node.textContent);
  }
  for (const el of document.querySelectorAll("[aria-label], [title], [alt], [placeholder]")) {
    for (const name of ["aria-label", "title", "alt", "placeholder"]) {
      if (el.getAttribute(name)) out.push(el.getAttribute(name));
    }
  }
  return out;
}"""
