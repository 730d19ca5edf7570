"""Sending committed events to whoever may see them: the rooms, and every emit of the live side.

Handlers and routes (curation, the secretariat) call these after a change has
committed, never before. Through the message queue the events reach the clients
of every server process.
"""

from __future__ import annotations

from typing import Any

from ..extensions import socketio
from . import shared
from .errors import MESSAGES
from .protocol import NAMESPACE, forget_template
from .registry import EMITS, Outcome
from .snapshot import connected_sids, table_presence


def table_room(meeting_id: int, number: int) -> str:
    """The room of everyone at one table."""
    return f"table:{meeting_id}:{number}"


def screen_room(meeting_id: int) -> str:
    """The room of every screen of a meeting (read-only: hidden entries reach it without content)."""
    return f"screen:{meeting_id}"


def chair_room(meeting_id: int) -> str:
    """The room of every chair of a meeting (sees hidden entries, to show them again)."""
    return f"chair:{meeting_id}"


def minutes_room(meeting_id: int) -> str:
    """The room of every minute-taker of a meeting (the only ones who see the plenary feedback)."""
    return f"minutes:{meeting_id}"


def meeting_room(meeting_id: int) -> str:
    """The room of every client of a meeting (phase and timer reach all of them)."""
    return f"meeting:{meeting_id}"


def rooms_for_table(meeting_id: int, number: int) -> list[str]:
    """Everyone allowed to see that table: the table, the meeting's screens and chairs."""
    return [table_room(meeting_id, number), screen_room(meeting_id), chair_room(meeting_id)]


def rooms_to_join(meeting_id: int, table_number: int | None, role: str) -> list[str]:
    """The rooms a client joins: the meeting's, and its table's (or the screens' or chairs').

    A minute-taker sees the tables as a screen does, and the plenary feedback in its own room.
    """
    if table_number is not None:
        own = table_room(meeting_id, table_number)
    else:
        own = chair_room(meeting_id) if role == "chair" else screen_room(meeting_id)
    extra = [minutes_room(meeting_id)] if role == "minutes" else []
    return [meeting_room(meeting_id), own, *extra]


def send(name: str, data: dict[str, Any], to: str | list[str]) -> None:
    """Emit one server event (declared in protocol.SERVER_EVENTS) on /live: every emit goes here."""
    socketio.emit(name, data, to=to, namespace=NAMESPACE)  # type: ignore[arg-type]  # a list of rooms too


def publish(meeting_id: int, outcome: Outcome) -> dict[str, Any]:
    """Emit a committed change's events to whoever may see them (each event's declared audience,
    registry.EMITS); return the ack."""
    for name, data in outcome.events:
        emit = EMITS[name]
        if emit.audience == "meeting":
            number = emit.table_of(data) if emit.table_of is not None else None
            rooms = meeting_room(meeting_id) if number is None else rooms_for_table(meeting_id, number)
            send(name, data, rooms)
        elif emit.audience == "minutes":
            send(name, data, minutes_room(meeting_id))
        elif emit.audience == "chair":
            send(name, data, chair_room(meeting_id))
        elif emit.screened is not None and (screens := emit.screened(data)) is not data:
            # the screens' copy differs (the chair hid the entry): the table and chairs get it whole
            send(name, data, [table_room(meeting_id, data["table"]), chair_room(meeting_id)])
            send(name, screens, screen_room(meeting_id))
        else:
            send(name, data, rooms_for_table(meeting_id, data["table"]))
        if emit.audience == "table" and (tables := shared.other_tables(meeting_id, name, data)):
            # a round every table sees: the other tables get it as the screens do
            copy = emit.screened(data) if emit.screened is not None else data
            send(name, copy, [table_room(meeting_id, n) for n in tables])
    return outcome.ack


def refresh(meeting_id: int, reason: str) -> None:
    """Ask every open page of a meeting to fetch a fresh snapshot (its definition changed)."""
    forget_template(meeting_id)
    send("refresh", {"reason": reason}, meeting_room(meeting_id))


def presence(meeting_id: int, number: int | None) -> None:
    """Tell a table and the screens who is connected at that table now."""
    if number is not None:
        people = table_presence(meeting_id, number)
        send("presence", {"table": number, "people": people}, rooms_for_table(meeting_id, number))


def revoked(sid: str) -> None:
    """Tell one client its link no longer works (the caller disconnects it)."""
    send("revoked", {"message": str(MESSAGES["forbidden"])}, sid)


def revoke_connections(meeting_id: int, role: str, table_number: int | None) -> int:
    """After a rotation: tell the old link's open pages and disconnect them (any process)."""
    rows = connected_sids(meeting_id, role, table_number)
    for sid in rows:
        revoked(sid)
        socketio.server.disconnect(sid, namespace=NAMESPACE)  # type: ignore[attr-defined]  # not in the stubs
    return len(rows)
