"""The meeting's template as the parsers check against it (read as rows, cached per process), and
the rounds whose entries every table sees (`visibility = "all"` in [[rounds]]).

In such a round an entry's events reach the other tables too, as the screens get them (a
hidden entry, or one waiting for approval, without its content); a table page's snapshot
carries the other tables' entries of those rounds (``others``, snapshot.shared_others).
"""

from __future__ import annotations

from typing import Any

from ..extensions import db
from . import protocol, roundtrips
from .statements import TEMPLATE_READS


def template(meeting_id: int) -> protocol.Template:
    """The meeting's template as the parsers check against it (read at most every few seconds)."""
    return protocol.template_of(meeting_id, lambda: read_template(meeting_id))


def read_template(meeting_id: int) -> protocol.Template:
    """The template from the database: its four reads sent together on PostgreSQL, two round
    trips with psycopg's BEGIN (it is read again every TEMPLATE_SECONDS per meeting and process;
    through the models, six round trips cost 7 % of a process's CPU at 125 changes/s over 10
    meetings, docs/performance.md)."""
    values = {"meeting": meeting_id}
    rows = roundtrips.reads(db.session.connection(), [(s, values) for s in TEMPLATE_READS])
    return protocol.Template.of(*rows)


def shared_rounds(meeting_id: int) -> frozenset[int]:
    """The meeting's rounds with visibility "all" (read at most every few seconds)."""
    return template(meeting_id).shared_rounds


def other_tables(meeting_id: int, name: str, data: dict[str, Any]) -> list[int]:
    """The tables besides the entry's own that get this `entry` or `entry:deleted` event."""
    shared = shared_rounds(meeting_id)
    if not shared or name not in ("entry", "entry:deleted"):
        return []
    if name == "entry" and data["entry"].get("round", 1) not in shared:
        return []
    tables = template(meeting_id).tables
    return [n for n in tables if n != data["table"]]
