"""What a connection asks without changing the meeting: its display name for presence, what it
missed (`sync`), the recurring topics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ...extensions import db
from ...models import Meeting
from ...rules import MEETING_ROLES, ROLES
from .. import broadcast, connections, fields, presence, snapshot
from ..protocol import Template
from ..registry import Action, Caller, register
from ..topics import meeting_topics


@dataclass(frozen=True)
class Hello:
    """`presence:hello`: the display name (may be empty)."""

    name: str


@dataclass(frozen=True)
class Sync:
    """`sync`: the last seq the client applied."""

    since: int


@dataclass(frozen=True)
class GetTopics:
    """`topics:get`: how many topics of each kind."""

    limit: int
    round: int | None = None  # the round's entries only (None or 0: every round, and the reports)


def parse_hello(payload: Any, template: Template) -> Hello:
    """Read `presence:hello`."""
    return Hello(name=fields.name(fields.require_dict(payload).get("name"), "name") or "")


def parse_sync(payload: Any, template: Template) -> Sync:
    """Read `sync`."""
    return Sync(since=fields.sequence(fields.require_dict(payload), "since", required=True))


def parse_topics(payload: Any, template: Template) -> GetTopics:
    """Read `topics:get` (the payload may be left out)."""
    payload = fields.require_dict(payload if payload is not None else {})
    return GetTopics(
        limit=fields.whole_number(payload, "limit", 1, 100, required=False) or 30,
        round=fields.whole_number(payload, "round", 0, max(1, len(template.rounds)), required=False),
    )


def hello(caller: Caller, command: Hello) -> dict[str, Any]:
    """Tell the table the caller's display name (optional, for presence)."""
    connections.rename(connections.current_sid(), command.name)
    presence.rename(connections.current_sid(), command.name)
    broadcast.presence(caller.meeting_id, caller.table_number)
    return {"ok": True}


def sync(caller: Caller, command: Sync) -> dict[str, Any]:
    """What the caller missed since its last sequence number, or a fresh snapshot."""
    # the meeting's seq first: changes commit in seq order, so the events read next hold every
    # change up to it (and perhaps later ones); a later `since` from this answer skips nothing
    seq = db.session.execute(select(Meeting.seq).where(Meeting.id == caller.meeting_id)).scalar_one()
    missed = snapshot.events_since(caller.meeting_id, command.since, caller.table_number, caller.role)
    if missed is None:
        fresh = snapshot.snapshot(caller.meeting, caller.role, caller.table_number, caller.author)
        return {"ok": True, "snapshot": fresh}
    return {"ok": True, "events": missed, "seq": max([seq, *(e["data"]["seq"] for e in missed)])}


def topics(caller: Caller, command: GetTopics) -> dict[str, Any]:
    """Topics that came up at several tables (and repeatedly within one), computed now."""
    return {"ok": True, **meeting_topics(caller.meeting, command.limit, command.round or None)}


register(
    Action("presence:hello", ROLES, parse_hello, "read", command=Hello, handle=hello),
    Action("sync", ROLES, parse_sync, "read", command=Sync, handle=sync),
    Action("topics:get", MEETING_ROLES, parse_topics, "read", command=GetTopics, handle=topics),
)
