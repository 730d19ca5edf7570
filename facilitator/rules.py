"""The rules of a meeting that every way in shares: limits, phases, roles, who may lead.

The session-file importer, the secretariat's forms, curation and the live protocol all
read these, so a limit or a rule is changed here once and holds everywhere.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l

# plain data in a module of their own: the annex's render child needs them without Flask
from .limits import LANGUAGES as LANGUAGES  # re-exported
from .limits import LIMITS as LIMITS  # re-exported

# What one link (token) may store over LIMITS["budget_window"], across reconnects and server
# processes: (changes, bytes written to the database). A rapporteur's report is saved at most
# four times a second (2400 changes in ten minutes); a participant only adds entries.
STORAGE_BUDGET = {
    "participant": (300, 1_000_000),
    "rapporteur": (4000, 8_000_000),
    "chair": (2000, 2_000_000),
    "screen": (0, 0),
    "minutes": (4000, 8_000_000),  # the minute-taker types the plenary feedback as a report is typed
}

PHASES = ("preparation", "round", "feedback", "closed")
# a round's template: the meeting's bollen and horizons, or none (free entries)
ROUND_TEMPLATES = ("bollen", "none")
# whether a table sees only its own entries during the round, or every table's
ROUND_VISIBILITY = ("own", "all")
# participants' entries go live at once, or wait for the rapporteur's approval
ROUND_MODERATION = ("live", "approval")
TABLE_ROLES = ("rapporteur", "participant")
# the minute-taker ("minutes"): the secretariat's link that types the plenary feedback
MEETING_ROLES = ("screen", "chair", "minutes")
ROLES = TABLE_ROLES + MEETING_ROLES

# Roles that must be held by one of the table's participants, with their Dutch word.
PARTICIPANT_ROLES = {"leader": _l("gespreksleider"), "spokesperson": _l("woordvoerder")}


def misplaced_roles(roles: dict[str, str | None], participants: Iterable[str]) -> list[tuple[str, str, str]]:
    """(role, Dutch word, name) for each leader/spokesperson who is not among the participants."""
    people = set(participants)
    return [
        (role, word, name)
        for role, word in PARTICIPANT_ROLES.items()
        if (name := roles.get(role)) and name not in people
    ]


# Who may change or delete an entry while input is open: the rapporteur every entry of the
# table; a participant only the entries added from their own device. The link is shared by
# the table, so a device is known by a random key its page keeps (sent at connect); the
# server stores only its hash, and tells clients a short tag of that hash, never the key.
AUTHOR_KEY_CHARACTERS = (16, 128)  # length range of a device key
AUTHOR_TAG_LENGTH = 16  # hex characters of the hash that clients see


def author_hash(key: object) -> str | None:
    """The stored form of a device key (SHA-256, hex), or None for a missing or malformed key."""
    low, high = AUTHOR_KEY_CHARACTERS
    if not isinstance(key, str) or not low <= len(key) <= high or not key.isascii() or not key.isprintable():
        return None
    return hashlib.sha256(key.encode()).hexdigest()


def author_tag(stored: str | None) -> str | None:
    """What clients see of an entry's author: a prefix of the stored hash (None: unknown)."""
    return stored[:AUTHOR_TAG_LENGTH] if stored else None


def may_change_entry(role: str, author: str | None, entry_author: str | None) -> bool:
    """Whether this caller may update, delete or restore an entry of their own table."""
    if role in ("rapporteur", "secretariat"):
        return True
    return role == "participant" and author is not None and author == entry_author


# Characters no text may hold: XML (so DOCX, ODT and PDF tags) cannot carry them, and no
# person types them. Tab is allowed everywhere; newline and CR only in multi-line text.
_NON_CHARACTERS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(17)
)
_REFUSED_MULTILINE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff{_NON_CHARACTERS}]")
_REFUSED_ONE_LINE = re.compile(f"[\x00-\x08\x0a-\x1f\ud800-\udfff{_NON_CHARACTERS}]")


def _character_kind(code: int) -> Any:
    if code == 0:
        return _l("een NUL-teken")
    if code < 0x20:
        return _l("een stuurteken")
    if 0xD800 <= code <= 0xDFFF:
        return _l("een losse surrogaat (een half teken)")
    return _l("een niet-teken")


def text_problem(text: str, multiline: bool = False) -> Any:
    """What is wrong with the characters of one text a person or a file gave us, or None.

    For every text input (session files, the secretariat's and curation's forms, the live
    protocol): refuses NUL, C0 control characters (tab is fine; newline and CR only when
    ``multiline``), lone surrogates and the Unicode non-characters (U+FDD0–U+FDEF and
    U+xFFFE/U+xFFFF of every plane), which XML and so DOCX cannot hold. The answer is one
    Dutch phrase that completes "<field> …", e.g. "bevat een niet-teken (U+FFFE) op
    positie 3; haal het weg".
    """
    match = (_REFUSED_MULTILINE if multiline else _REFUSED_ONE_LINE).search(text)
    if match is None:
        return None
    code = ord(match.group())
    where = {"code": f"U+{code:04X}", "position": match.start() + 1}
    if match.group() in "\n\r":
        return _l(
            "bevat een regeleinde (%(code)s) op positie %(position)s, maar dit veld is één regel; "
            "haal het weg",
            **where,
        )
    return _l(
        "bevat %(kind)s (%(code)s) op positie %(position)s; haal het weg", kind=_character_kind(code), **where
    )
