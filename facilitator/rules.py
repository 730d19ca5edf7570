"""The rules of a meeting that every way in shares: limits, phases, roles, who may lead.

The session-file importer, the secretariat's forms, curation and the live protocol all
read these, so a limit or a rule is changed here once and holds everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable

# Limits, documented in sessions/README.md, README.md and docs/protocol.md.
LIMITS = {
    # a meeting (session file and the secretariat's form)
    "title": 200,  # characters
    "start": 20,
    "meeting_text": 500,
    "questions": 10,
    "question": 1000,
    "tables": 200,
    "table_number": 999,
    "round_minutes": 600,
    "label": 80,
    "key": 40,
    "bollen_min": 2,
    "bollen_max": 8,
    "horizons_min": 1,
    "horizons_max": 6,
    # a table
    "participants": 50,
    "name": 120,  # characters of a person's name
    "report": 100_000,  # characters of report text
    "entry_text": 500,  # characters
    "entries": 500,
    # the live protocol
    "report_update": 256 * 1024,  # bytes of one CRDT update (decoded)
    "op_id": 64,  # characters of an operation id
    "events_per_second": 20,  # sustained, per connection
    "burst": 60,  # events a connection may send at once (e.g. after a reconnect)
    "replay": 500,  # events a `sync` returns before it answers with a snapshot instead
    "timer_minutes": 600,  # a timer start or extension
}

PHASES = ("preparation", "round", "feedback", "closed")
TABLE_ROLES = ("rapporteur", "participant")
MEETING_ROLES = ("screen", "chair")
ROLES = TABLE_ROLES + MEETING_ROLES

# Roles that must be held by one of the table's participants, with their Dutch word.
PARTICIPANT_ROLES = {"leader": "gespreksleider", "spokesperson": "woordvoerder"}


def misplaced_roles(roles: dict[str, str | None], participants: Iterable[str]) -> list[tuple[str, str, str]]:
    """(role, Dutch word, name) for each leader/spokesperson who is not among the participants."""
    people = set(participants)
    return [
        (role, word, name)
        for role, word in PARTICIPANT_ROLES.items()
        if (name := roles.get(role)) and name not in people
    ]
