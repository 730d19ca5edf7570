"""The live actions, grouped by domain (as zulip's zerver/actions): each module declares its
commands, parsers, checks, writes, events and replays once, in the registry (registry.py).

Importing this package fills the registry; ``CLIENT_EVENTS`` is every action a client may
send on the socket, by event name.
"""

from __future__ import annotations

from ..registry import ACTIONS, EMITS, Action, client_events
from . import chair, entries, feedback, groups, ready, report, rounds, session, table, votes

CLIENT_EVENTS: dict[str, Action] = client_events()

__all__ = [
    "ACTIONS",
    "CLIENT_EVENTS",
    "EMITS",
    "chair",
    "entries",
    "feedback",
    "groups",
    "ready",
    "report",
    "rounds",
    "session",
    "table",
    "votes",
]
