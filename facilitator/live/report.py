"""A table's report as a CRDT document (pycrdt): what the live pages co-edit without losing text."""

from __future__ import annotations

import difflib

from pycrdt import Doc, Text

from ..extensions import db
from ..models import RoundTable

REPORT_KEY = "report"


def report_doc(table: RoundTable) -> Doc:
    """The table's report as a CRDT document (made from the plain text the first time)."""
    doc = Doc()
    text = doc.get(REPORT_KEY, type=Text)
    if table.report_state:
        doc.apply_update(table.report_state)
    elif table.report:
        text += table.report
    return doc


def report_text(doc: Doc) -> str:
    """The document's report as plain text."""
    return str(doc.get(REPORT_KEY, type=Text))


def ensure_report_state(table: RoundTable) -> bytes:
    """The stored CRDT state, created from the report text once so every client starts alike."""
    if table.report_state is None:
        table.report_state = report_doc(table).get_update()
        db.session.commit()
    return table.report_state


def text_edit_update(doc: Doc, new_text: str) -> bytes:
    """Turn the document's report into ``new_text`` with minimal CRDT edits; return the update.

    Edits are made as deletions and insertions of the changed spans only, so that
    a rapporteur typing elsewhere in the report at the same moment keeps every keystroke.
    """
    ytext = doc.get(REPORT_KEY, type=Text)
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

_DOCS: dict[int, tuple[bytes, Doc]] = {}
_MAX_DOCS = 1000


def cached_doc(table_id: int, stored: bytes | None) -> Doc | None:
    """The table's document as this process last wrote it, if the stored state is still that one."""
    hit = _DOCS.get(table_id)
    if hit is None or stored is None or hit[0] != stored:
        return None  # another process (or curation) wrote since: read the stored state
    return hit[1]


def keep_doc(table_id: int, state: bytes | None, doc: Doc) -> None:
    """Remember a document whose committed state is ``state``."""
    if state is None:
        return
    if len(_DOCS) >= _MAX_DOCS:
        _DOCS.clear()
    _DOCS[table_id] = (state, doc)


def forget_docs() -> None:
    """Forget every cached document (after a failed transaction: they may hold uncommitted edits)."""
    _DOCS.clear()
