"""The minute-taker's changes: a table's plenary feedback (a CRDT document, like the report) and
who reported back for it.

The table comes from the payload (the minute-taker's link is the meeting's, as the chair's
is); the feedback may be typed in any phase, also after the close (the minutes are finished
after the meeting). The limits are the report's: LIMITS['report'] characters,
LIMITS['report_state'] bytes of CRDT state. The document is read from the stored state each
time (one or two minute-takers type a few paragraphs; the report's per-process cache is for
a room full of rapporteurs).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...extensions import db
from ...models import Meeting, Operation, RoundTable
from ...operations import set_participants
from ...rules import LIMITS, text_problem
from .. import fields
from ..errors import ProtocolError
from ..protocol import Change, Template, change_fields, table_named
from ..registry import Action, Applied, Caller, Event, emits, meeting_table, register
from ..report import FEEDBACK, ensure_report_state, merge_update, report_doc, report_text, stored_state
from ..snapshot import feedback_event, logged_table, table_event, table_info
from .table import replay_table


@dataclass(frozen=True, kw_only=True)
class UpdateFeedback(Change):
    """`feedback:update`: a decoded CRDT update of one table's plenary feedback."""

    kind = "feedback:update"
    table: int
    update: bytes

    def logged(self) -> dict[str, Any]:
        """The update as the client sent it (base64), and its table."""
        return {"base": self.base, "table": self.table, "update": base64.b64encode(self.update).decode()}


@dataclass(frozen=True, kw_only=True)
class SetSpokesperson(Change):
    """`feedback:spokesperson`: who reported back for a table (None: nobody noted)."""

    kind = "feedback:spokesperson"
    table: int
    name: str | None


def parse_update(payload: Any, template: Template) -> UpdateFeedback:
    """Read `feedback:update`."""
    payload, common = change_fields(payload)
    return UpdateFeedback(**common, table=table_named(payload, template), update=fields.crdt_update(payload))


def parse_spokesperson(payload: Any, template: Template) -> SetSpokesperson:
    """Read `feedback:spokesperson` (the name key is required; null or empty clears it)."""
    payload, common = change_fields(payload)
    if "name" not in payload:
        raise ProtocolError("invalid", _l("Het veld '%(key)s' ontbreekt.", key="name"))
    number = table_named(payload, template)
    return SetSpokesperson(**common, table=number, name=fields.name(payload["name"], "name"))


def apply_update(caller: Caller, command: UpdateFeedback, meeting: Meeting) -> Applied:
    """Merge a minute-taker's CRDT update into a table's plenary feedback."""
    table = meeting_table(meeting, command.table)
    doc = report_doc(table, FEEDBACK)
    merge_update(doc, command.update, FEEDBACK)
    text = report_text(doc, FEEDBACK)
    if len(text) > LIMITS["report"]:
        raise ProtocolError(
            "too_large", _l("De terugkoppeling is hoogstens %(limit)s tekens lang.", limit=LIMITS["report"])
        )
    # a character no document can hold, newly typed (one already stored does not block typing)
    if (problem := text_problem(text, multiline=True)) and not text_problem(table.feedback or "", True):
        raise ProtocolError("invalid", _l("De terugkoppeling %(problem)s.", problem=problem))
    table.feedback_state = stored_state(doc, table.feedback_state, FEEDBACK)
    table.feedback = text
    number, update = table.number, command.update
    return "feedback", lambda seq: ({"length": len(text)}, [feedback_event(number, update, text, seq)])


def apply_spokesperson(caller: Caller, command: SetSpokesperson, meeting: Meeting) -> Applied:
    """Who reported back; someone not yet listed joins the participants."""
    table = meeting_table(meeting, command.table)
    people = table.participant_names
    if command.name and command.name not in people:
        if len(people) >= LIMITS["participants"]:
            raise ProtocolError(
                "too_large",
                _l("Aan een tafel zitten hoogstens %(limit)s deelnemers.", limit=LIMITS["participants"]),
            )
        set_participants(table, [*people, command.name])
    table.spokesperson = command.name
    db.session.flush()
    info = table_info(table)
    return "spokesperson", lambda seq: ({"info": info}, [table_event(info, seq)])


def replay_feedback(row: Operation) -> list[Event]:
    """The feedback's whole current state (to minute-takers only); nothing for a table removed since."""
    number = logged_table(row)
    table = db.session.execute(
        select(RoundTable).where(RoundTable.meeting_id == row.meeting_id, RoundTable.number == number)
    ).scalar_one_or_none()
    if table is None:
        return []
    return [feedback_event(number, ensure_report_state(table, FEEDBACK), table.feedback, row.seq)]


emits("feedback", "minutes")
register(
    Action(
        "feedback:update",
        ("minutes",),
        parse_update,
        "batch",
        command=UpdateFeedback,
        apply=apply_update,
        scope="meeting",
        replay=replay_feedback,
        replay_last="feedback",
        replay_roles=("minutes",),
    ),
    Action(
        "feedback:spokesperson",
        ("minutes",),
        parse_spokesperson,
        "batch",
        command=SetSpokesperson,
        apply=apply_spokesperson,
        scope="meeting",
        replay=replay_table,
    ),
)
