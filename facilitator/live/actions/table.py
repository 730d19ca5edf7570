"""A table's attendance: who sat there, who led, wrote and reported back (`table:update`, the
rapporteur's; curation's attendance form runs the same action)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...models import Operation, RoundTable
from ...operations import set_participants
from ...rules import PARTICIPANT_ROLES, misplaced_roles
from .. import fields
from ..errors import ProtocolError
from ..protocol import Change, Template, change_fields, nothing_to_change
from ..registry import Action, Applied, Caller, Event, emits, register
from ..snapshot import table_event, table_info

ATTENDANCE_ROLES = ("leader", "rapporteur", "spokesperson")


@dataclass(frozen=True, kw_only=True)
class UpdateTable(Change):
    """`table:update`: a new participant list (None: unchanged) and the roles that were sent."""

    kind = "table:update"
    participants: list[str] | None
    roles: dict[str, str | None]  # leader, rapporteur, spokesperson: a name, or None to clear


def parse_update(payload: Any, template: Template) -> UpdateTable:
    """Read `table:update` (whether a leader sits at the table is checked against the stored list)."""
    payload, common = change_fields(payload)
    if not any(key in payload for key in ("participants", *ATTENDANCE_ROLES)):
        raise nothing_to_change()
    participants = (
        fields.names(payload["participants"], "participants") if "participants" in payload else None
    )
    roles = {role: fields.name(payload.get(role), role) for role in ATTENDANCE_ROLES if role in payload}
    return UpdateTable(**common, participants=participants, roles=roles)


def apply_update(caller: Caller, command: UpdateTable, table: RoundTable) -> Applied:
    """Correct who sat at the table: a leader or spokesperson must be one of the participants."""
    people = command.participants if command.participants is not None else table.participant_names
    held = {role: command.roles[role] for role in PARTICIPANT_ROLES if role in command.roles}
    for _role, word, _name in misplaced_roles(held, people):
        raise ProtocolError("invalid", _l("De %(word)s moet een van de deelnemers zijn.", word=word))
    if command.participants is not None:
        set_participants(table, command.participants)
        # a leader or spokesperson who left the list no longer holds that role
        for role in PARTICIPANT_ROLES:
            if role not in command.roles and getattr(table, role) not in command.participants:
                setattr(table, role, None)
    for role, name in command.roles.items():
        setattr(table, role, name)
    db.session.flush()
    info = table_info(table)
    return "table", lambda seq: ({"info": info}, [table_event(info, seq)])


def replay_table(row: Operation) -> list[Event]:
    """Who sat at the table as the change left it."""
    return [table_event(row.result["info"], row.seq)]


emits("table", "table")
register(
    Action(
        "table:update",
        ("rapporteur",),
        parse_update,
        "batch",
        command=UpdateTable,
        apply=apply_update,
        replay=replay_table,
    )
)
