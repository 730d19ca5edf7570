"""A table's report as a CRDT document (pycrdt): what the live pages co-edit without losing text.

The plenary feedback, which the minute-takers co-edit, is a document of the same kind
(``FEEDBACK``); every function takes the kind, the report being the default.
A report document holds one root, the ``Y.Text`` named ``report``. An update is merged only
when the server has everything it builds on: Yrs keeps an update whose predecessors it lacks
"pending" and never stores it, so such an update is refused ``out_of_sync`` (with the
server's state vector) and the client sends what the server lacks. The stored state is
capped at LIMITS['report_state'] bytes.
"""

from __future__ import annotations

import base64
import difflib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from pycrdt import Doc, Text, get_update

from ..extensions import db
from ..models import RoundTable
from ..round_reports import RoundReport
from ..rules import LIMITS
from .errors import ProtocolError

REPORT_KEY = "report"


@dataclass(frozen=True)
class TextDoc:
    """A kind of co-edited text of a table: its root (also the table's text column), state column,
    and its refusals (lazy strings, said in the connection's language)."""

    key: str
    state: str
    messages: dict[str, Any] = field(hash=False, compare=False)


REPORT = TextDoc(
    REPORT_KEY,
    "report_state",
    {
        "foreign": _l("Deze wijziging hoort niet bij het verslag en is niet opgeslagen."),
        "plain": _l("Het verslag is platte tekst; opmaak wordt niet opgeslagen."),
        "too_large": _l("Het verslag is te groot geworden om op te slaan; maak het korter."),
        "unreadable": _l("De wijziging van het verslag is onleesbaar."),
    },
)
FEEDBACK = TextDoc(
    "feedback",
    "feedback_state",
    {
        "foreign": _l("Deze wijziging hoort niet bij de terugkoppeling en is niet opgeslagen."),
        "plain": _l("De terugkoppeling is platte tekst; opmaak wordt niet opgeslagen."),
        "too_large": _l("De terugkoppeling is te groot geworden om op te slaan; maak haar korter."),
        "unreadable": _l("De wijziging van de terugkoppeling is onleesbaar."),
    },
)


def report_doc(table: RoundTable | RoundReport, kind: TextDoc = REPORT) -> Doc[Text]:
    """The table's report (or feedback) as a CRDT document (made from the plain text the first time)."""
    doc: Doc[Text] = Doc()
    text = doc.get(kind.key, type=Text)
    if state := getattr(table, kind.state):
        doc.apply_update(state)
    elif plain := getattr(table, kind.key):
        text += plain
    return doc


def report_text(doc: Doc[Text], kind: TextDoc = REPORT) -> str:
    """The document's report (or feedback) as plain text."""
    return str(doc.get(kind.key, type=Text))


def ensure_report_state(table: RoundTable | RoundReport, kind: TextDoc = REPORT) -> bytes:
    """The stored CRDT state, created from the text once so every client starts alike."""
    if getattr(table, kind.state) is None:
        setattr(table, kind.state, report_doc(table, kind).get_update())
        db.session.commit()
    state: bytes = getattr(table, kind.state)
    return state


# --- merging a client's update -------------------------------------------------------------


def _varuints(data: bytes, start: int = 0) -> Iterator[int]:
    """Read lib0 variable-length unsigned integers from ``data`` (a state vector, a delete set)."""
    i = start
    while i < len(data):
        value = shift = 0
        while True:
            byte = data[i]
            i += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                break
        yield value


def state_vector(state: bytes) -> dict[int, int]:
    """A Yjs state vector (v1 encoding) as {client: next clock}."""
    numbers = _varuints(state)
    count = next(numbers, 0)
    return {next(numbers): next(numbers) for _ in range(count)}


def _delete_set_ends(delete_set: bytes) -> dict[int, int]:
    """For a v1 delete set: {client: the clock after the last deleted item}."""
    numbers = _varuints(delete_set)
    ends: dict[int, int] = {}
    for _ in range(next(numbers, 0)):
        client, ranges = next(numbers), next(numbers)
        for _ in range(ranges):
            clock, length = next(numbers), next(numbers)
            ends[client] = max(ends.get(client, 0), clock + length)
    return ends


def _lacks_predecessors(doc: Doc[Text], update: bytes) -> bool:
    """Whether ``update``, just applied to ``doc``, left anything pending (not integrated).

    What of the update the document's state vector does not cover was not integrated (its
    predecessors are missing); a deletion of an item the document does not have is pending too.
    """
    have = state_vector(doc.get_state())
    rest = get_update(update, doc.get_state())  # the update's structs the document lacks, and its deletes
    if rest[:1] != b"\x00":  # v1: the number of clients with structs comes first
        return True
    return any(end > have.get(client, 0) for client, end in _delete_set_ends(rest[1:]).items())


def merge_update(doc: Doc[Text], update: bytes, kind: TextDoc = REPORT) -> None:
    """Merge a client's update into the report document, or refuse it (nothing is kept then).

    ``out_of_sync`` when it builds on changes the server lacks; ``invalid`` when it cannot be
    read, or touches anything but the report text (another root, embeds, formatting: they would grow the
    stored state without showing a character).
    """
    before = doc.get_state()
    try:
        doc.apply_update(update)
    except ValueError:
        raise ProtocolError("invalid", kind.messages["unreadable"]) from None
    if set(doc.keys()) - {kind.key}:
        raise ProtocolError("invalid", kind.messages["foreign"])
    if _lacks_predecessors(doc, update):
        # the state vector of what is stored (not of this document, which holds part of the update)
        raise ProtocolError("out_of_sync", extra={"state": base64.b64encode(before).decode()})
    if any(not isinstance(chunk, str) or attrs for chunk, attrs in doc.get(kind.key, type=Text).diff()):
        raise ProtocolError("invalid", kind.messages["plain"])


def stored_state(doc: Doc[Text], previous: bytes | None, kind: TextDoc = REPORT) -> bytes:
    """The document's state to store: refused ``too_large`` when it would grow past the cap."""
    state = doc.get_update()
    limit = LIMITS["report_state"]
    if len(state) > limit and len(state) > len(previous or b""):
        raise ProtocolError("too_large", kind.messages["too_large"])
    return state


def text_edit_update(doc: Doc[Text], new_text: str, kind: TextDoc = REPORT) -> bytes:
    """Turn the document's report into ``new_text`` with minimal CRDT edits; return the update.

    Edits are made as deletions and insertions of the changed spans only, so that
    a rapporteur typing elsewhere in the report at the same moment keeps every keystroke.
    """
    ytext = doc.get(kind.key, type=Text)
    old_text = str(ytext)
    before = doc.get_state()
    matcher = difflib.SequenceMatcher(a=old_text, b=new_text, autojunk=False)
    # apply from the end so earlier offsets stay valid; pycrdt counts UTF-8 bytes
    for tag, i1, i2, j1, j2 in reversed(matcher.get_opcodes()):
        if tag == "equal":
            continue
        start = len(old_text[:i1].encode())
        end = len(old_text[:i2].encode())
        if end > start:
            del ytext[start:end]
        if j2 > j1:
            ytext.insert(start, new_text[j1:j2])
    return doc.get_update(before)


# --- the documents this process last wrote, so that a keystroke does not re-read the whole report ---

_DOCS: dict[tuple[str, int, int], tuple[bytes, Doc[Text]]] = {}
_MAX_DOCS = 1000


def cached_doc(
    table_id: int, stored: bytes | None, kind: TextDoc = REPORT, round_number: int = 1
) -> Doc[Text] | None:
    """The table's document (of a round: a report per round) as this process last wrote it, if the
    stored state is still that one."""
    hit = _DOCS.get((kind.key, table_id, round_number))
    if hit is None or stored is None or hit[0] != stored:
        return None  # another process (or curation) wrote since: read the stored state
    return hit[1]


def keep_doc(
    table_id: int, state: bytes | None, doc: Doc[Text], kind: TextDoc = REPORT, round_number: int = 1
) -> None:
    """Remember a document whose committed state is ``state``."""
    if state is None:
        return
    if len(_DOCS) >= _MAX_DOCS:
        _DOCS.clear()
    _DOCS[(kind.key, table_id, round_number)] = (state, doc)


def forget_docs() -> None:
    """Forget every cached document (after a failed transaction: they may hold uncommitted edits)."""
    _DOCS.clear()


def fresh_doc(text: str, state: bytes | None, updates: tuple[bytes, ...] | list[bytes] = ()) -> Doc[Text]:
    """A report's document from its stored state (or text), with updates merged after it."""
    doc: Doc[Text] = Doc()
    ytext = doc.get(REPORT_KEY, type=Text)
    if state:
        doc.apply_update(state)
    elif text:
        ytext += text
    for change in updates:
        doc.apply_update(change)
    return doc
