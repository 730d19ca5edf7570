"""tomllib's syntax errors in the person's language (Dutch by default), for the secretariat and the CLI.

tomllib says what is wrong in English and where as "(at line 3, column 5)" or "(at end of
document)". ``dutch`` turns the known messages (Python 3.11 to 3.13) into a Dutch sentence
and the place into "regel 3, kolom 5"; a message it does not know becomes a general Dutch
sentence with the line, never the English text.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

_PLACE = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)\s*$")


def _key(text: str) -> str:
    """A key as tomllib prints it, ('tables', 'entries'), as TOML writes it: tables.entries."""
    try:
        parts = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text
    if isinstance(parts, tuple) and all(isinstance(p, str) for p in parts):
        return ".".join(parts)
    return str(parts)


_NAMED_CHARACTERS = {
    "\n": _l("een regeleinde"),
    "\t": _l("een tab"),
    "\r": _l("een regelterugloop"),
    " ": _l("een spatie"),
}


def _character(text: str) -> str:
    """A character as tomllib prints it ('x', '\\x00') for a person: „x” or its name/code."""
    try:
        char = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text
    if not isinstance(char, str):
        return text
    if char in _NAMED_CHARACTERS:
        return str(_NAMED_CHARACTERS[char])
    if len(char) == 1 and (not char.isprintable()):
        return _("het teken %(code)s", code=f"U+{ord(char):04X}")
    return f"„{char}”"


_KEY_START = _l("een sleutel moet beginnen met een letter, cijfer, - of _ (of tussen aanhalingstekens staan)")

# (the English message without its place, its Dutch sentence from the message's groups)
_MESSAGES: list[tuple[str, Callable[..., str]]] = [
    (
        r"Invalid statement",
        lambda: _("hier verwachtte TOML een sleutel = waarde, een [tabel] of een [[lijst]]"),
    ),
    (
        r"Expected '=' after a key in a key/value pair",
        lambda: _("na een sleutel hoort een „=” met een waarde"),
    ),
    (
        r"Expected newline or end of document after a statement",
        lambda: _("na een waarde hoort een nieuwe regel (of zet # voor commentaar)"),
    ),
    (
        r"Expected '\]' at the end of a table declaration",
        lambda: _("een tabelkop als [meeting] moet eindigen op „]”"),
    ),
    (
        r"Expected '\]\]' at the end of an array declaration",
        lambda: _("een kop als [[tables]] moet eindigen op „]]”"),
    ),
    (r"""Expected "'\"""", lambda: _("een tekst tussen enkele aanhalingstekens (') is niet afgesloten")),
    (r"""Expected "'''\"""", lambda: _("een tekst tussen ''' is niet afgesloten")),
    (r"""Expected '\"\"\"'""", lambda: _('een tekst tussen """ is niet afgesloten')),
    (r"Expected (.+)", lambda what: _("hier verwachtte TOML %(what)s", what=_character(what))),
    (r"Found invalid character (.+)", lambda char: _("%(char)s mag hier niet staan", char=_character(char))),
    (
        r"Illegal character (.+)",
        lambda char: _("%(char)s mag niet in een tekst staan", char=_character(char)),
    ),
    (
        r"Cannot declare (.+) twice",
        lambda key: _("de tabel [%(key)s] staat twee keer in het bestand", key=_key(key)),
    ),
    (
        r"Cannot overwrite a value",
        lambda: _("deze sleutel heeft al een waarde: elke sleutel mag maar één keer voorkomen"),
    ),
    (
        r"Cannot mutate immutable namespace (.+)",
        lambda key: _("„%(key)s” is al helemaal gegeven en kan hier niet worden aangevuld", key=_key(key)),
    ),
    (
        r"Cannot redefine namespace (.+)",
        lambda key: _("„%(key)s” is al eerder gegeven en kan niet opnieuw worden begonnen", key=_key(key)),
    ),
    (r"Invalid initial character for a key(?: part)?", lambda: str(_KEY_START)),
    (r"Unclosed array", lambda: _("een lijst [ … ] is niet afgesloten met „]” (of er ontbreekt een komma)")),
    (
        r"Unclosed inline table",
        lambda: _("een tabel { … } is niet afgesloten met „}” (of er ontbreekt een komma)"),
    ),
    (
        r"Duplicate inline table key (.+)",
        lambda key: _("de sleutel „%(key)s” staat twee keer tussen dezelfde { }", key=_key(key)),
    ),
    (
        r"Unescaped '\\' in a string",
        lambda: _(r"een \ in een tekst moet dubbel (\\), of zet de tekst tussen enkele aanhalingstekens"),
    ),
    (r"Invalid hex value", lambda: _(r"na \u of \U in een tekst horen hexadecimale cijfers")),
    (
        r"Escaped character is not a Unicode scalar value",
        lambda: _(r"deze \u- of \U-code is geen geldig teken"),
    ),
    (r"Unterminated string", lambda: _("een tekst is niet afgesloten met een aanhalingsteken")),
    (
        r"Invalid date or datetime",
        lambda: _("deze datum of tijd bestaat niet (schrijf een datum als 2023-01-27)"),
    ),
    (
        r"Invalid value",
        lambda: _('dit is geen geldige waarde: zet tekst tussen aanhalingstekens, bijvoorbeeld "tekst"'),
    ),
]
_COMPILED = [(re.compile(pattern + r"\Z", re.S), sentence) for pattern, sentence in _MESSAGES]

GENERIC = "het bestand is hier geen geldige TOML"  # in Dutch; dutch() says it in the person's language


def _dutch_reason(reason: str) -> str | None:
    for pattern, sentence in _COMPILED:
        match = pattern.match(reason)
        if match:
            return sentence(*match.groups())
    return None


def _last_line(text: str) -> int:
    return text.count("\n") + (0 if text.endswith("\n") else 1) if text else 1


def dutch(message: str, text: str) -> str:
    """tomllib's error message as one Dutch problem line, like the session file's other problems.

    ``text`` is the document, for the line of "end of document".
    """
    place = _PLACE.search(message)
    reason = message[: place.start()] if place else message
    if place and place.group(1):
        where = _("regel %(line)s, kolom %(column)s", line=place.group(1), column=place.group(2))
    elif place:
        where = _("regel %(line)s, aan het eind van het bestand", line=_last_line(text))
    else:
        where = None
    sentence = _dutch_reason(reason.strip()) or _("het bestand is hier geen geldige TOML")
    prefix = _("bestand (%(where)s)", where=where) if where else _("bestand")
    return _("%(prefix)s: geen geldige TOML: %(sentence)s", prefix=prefix, sentence=sentence)
