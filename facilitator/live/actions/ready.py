"""A table says its report is ready for the report-back, or takes that back (`table:ready`,
the rapporteur's). The chair sees which tables are ready, and since when; so does the screen.

Added as a live event is: this module (command, parser, change, event, replay), its server
event's shape (shapes.py), one case in reducer.js and its strings in the catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...extensions import db
from ...models import Operation, RoundTable, utcnow
from .. import fields
from ..protocol import Change, Template, change_fields
from ..registry import Action, Applied, Caller, Event, emits, register
from ..snapshot import ready_since


@dataclass(frozen=True, kw_only=True)
class ReadyTable(Change):
    """`table:ready`: whether the table's report is ready for the report-back."""

    kind = "table:ready"
    ready: bool


def parse_ready(payload: Any, template: Template) -> ReadyTable:
    """Read `table:ready` ({op, base?, ready: true|false})."""
    payload, common = change_fields(payload)
    return ReadyTable(**common, ready=fields.boolean(payload, "ready"))


def ready_event(number: int, since: str | None, seq: int) -> Event:
    """The `ready` event: the table, whether it is ready, and since when (ISO 8601, UTC)."""
    return ("ready", {"table": number, "ready": since is not None, "since": since, "seq": seq})


def apply_ready(caller: Caller, command: ReadyTable, table: RoundTable) -> Applied:
    """Mark the table ready (keeping the first moment it said so) or not ready."""
    if not command.ready:
        table.ready_at = None
    elif table.ready_at is None:
        table.ready_at = utcnow()
    db.session.flush()
    number, since = table.number, ready_since(table)
    return "table", lambda seq: ({"table": number, "since": since}, [ready_event(number, since, seq)])


def replay_ready(row: Operation) -> list[Event]:
    """The table's readiness as the change left it (only the newest change per table replays)."""
    return [ready_event(row.result["table"], row.result["since"], row.seq)]


emits("ready", "table")
register(
    Action(
        "table:ready",
        ("rapporteur",),
        parse_ready,
        "batch",
        command=ReadyTable,
        apply=apply_ready,
        replay=replay_ready,
        replay_last="ready",
    )
)
