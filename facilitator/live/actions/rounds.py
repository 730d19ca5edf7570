"""The chair opens and closes the meeting's rounds (`chair:round`).

A meeting with [[rounds]] holds them one after another: opening a round makes it the one the
tables work in (their new entries belong to it, their pages show its question), closes the
round that was open, starts the timer with the round's minutes and puts the meeting in its
table round. Closing a round marks it done; entries typed in it that arrive later (a phone that
was offline) still count, in their own round. Every client follows it in the `meeting` event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from ...models import Meeting, utcnow
from .. import fields
from ..errors import ProtocolError
from ..protocol import Change, Template, change_fields
from ..registry import Action, Applied, Caller, register
from .chair import CHAIR_ACTION, changed, start_timer

ROUND_ACTIONS = ("open", "close")


@dataclass(frozen=True, kw_only=True)
class SetRound(Change):
    """`chair:round`: open or close round ``round``."""

    kind = "chair:round"
    action: str
    round: int


def parse_round(payload: Any, template: Template) -> SetRound:
    """Read `chair:round` ({op, action: "open"|"close", round: n})."""
    payload, common = change_fields(payload)
    if not template.rounds:
        raise ProtocolError("invalid", _l("Deze vergadering heeft maar één ronde."))
    action = fields.choice(payload, "action", ROUND_ACTIONS)
    number = fields.whole_number(payload, "round", 1, len(template.rounds), required=True)
    assert number is not None  # required: refused above when missing
    return SetRound(**common, action=action, round=number)


def apply_round(caller: Caller, command: SetRound, meeting: Meeting) -> Applied:
    """Open a round (closing the open one) or close it."""
    now = utcnow()
    chosen = next((r for r in meeting.rounds if r.number == command.round), None)
    if chosen is None:  # the rounds changed since the template was read
        raise ProtocolError("invalid", _l("Deze ronde bestaat niet (meer)."))
    if command.action == "close":
        chosen.closed_at = chosen.closed_at or now
        return changed(meeting, "round")
    for other in meeting.rounds:
        if other is not chosen and other.opened_at is not None and other.closed_at is None:
            other.closed_at = now
    chosen.opened_at = chosen.opened_at or now
    chosen.closed_at = None
    meeting.current_round = chosen.number
    if (meeting.screen_filters or {}).get("round") is not None:
        # the screens follow the round the tables are now in (the report-back may have chosen one)
        meeting.screen_filters = {k: v for k, v in meeting.screen_filters.items() if k != "round"}
    if meeting.phase != "round":
        meeting.phase, meeting.closed_seq = "round", None
    if chosen.minutes:
        start_timer(meeting, 60 * chosen.minutes)
    else:
        meeting.timer_total = meeting.timer_ends_at = meeting.timer_remaining = None
    return changed(meeting, "round")


register(Action("chair:round", ("chair",), parse_round, command=SetRound, apply=apply_round, **CHAIR_ACTION))
