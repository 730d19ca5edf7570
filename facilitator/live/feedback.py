"""The minute-taker's writes: a table's plenary feedback (a CRDT document, like the report) and who
reported back for it.

Like every change in changes.py: checked against the stored state, written, logged with the
meeting's next seq, committed, and only then broadcast. The table comes from the payload (the
minute-taker's link is the meeting's, as the chair's is); the feedback may be typed in any
phase, also after the close (the minutes are finished after the meeting). The limits are the
report's: LIMITS['report'] characters, LIMITS['report_state'] bytes of CRDT state.
"""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import Meeting, RoundTable
from ..operations import set_participants
from ..rules import LIMITS, text_problem
from . import protocol as p
from .changes import Actor, Outcome, _run
from .errors import ProtocolError
from .report import FEEDBACK, merge_update, report_doc, report_text, stored_state
from .snapshot import feedback_event, table_event, table_info


def _table(meeting: Meeting, number: int) -> RoundTable:
    table = db.session.execute(
        select(RoundTable).where(RoundTable.meeting_id == meeting.id, RoundTable.number == number)
    ).scalar_one_or_none()
    if table is None:
        raise ProtocolError("not_found", "Deze tafel bestaat niet meer.")
    return table


def update_feedback(actor: Actor, command: p.UpdateFeedback) -> Outcome:
    """`feedback:update`: merge a minute-taker's CRDT update into a table's plenary feedback.

    The document is read from the stored state each time (one or two minute-takers type a few
    paragraphs; the report's per-process cache is for a room full of rapporteurs).
    """

    def apply(meeting: Meeting, seq: int):
        table = _table(meeting, command.table)
        doc = report_doc(table, FEEDBACK)
        merge_update(doc, command.update, FEEDBACK)
        text = report_text(doc, FEEDBACK)
        if len(text) > LIMITS["report"]:
            limit = LIMITS["report"]
            raise ProtocolError("too_large", f"De terugkoppeling is hoogstens {limit} tekens lang.")
        # a character no document can hold, newly typed (one already stored does not block typing)
        if (problem := text_problem(text, multiline=True)) and not text_problem(table.feedback or "", True):
            raise ProtocolError("invalid", f"De terugkoppeling {problem}.")
        table.feedback_state = stored_state(doc, table.feedback_state, FEEDBACK)
        table.feedback = text
        return {"length": len(text)}, [feedback_event(table.number, command.update, text, seq)], "feedback"

    return _run(actor, command, apply, table_change=False)


def set_spokesperson(actor: Actor, command: p.SetSpokesperson) -> Outcome:
    """`feedback:spokesperson`: who reported back; someone not yet listed joins the participants."""

    def apply(meeting: Meeting, seq: int):
        table = _table(meeting, command.table)
        people = table.participant_names
        if command.name and command.name not in people:
            if len(people) >= LIMITS["participants"]:
                raise ProtocolError(
                    "too_large", f"Aan een tafel zitten hoogstens {LIMITS['participants']} deelnemers."
                )
            set_participants(table, [*people, command.name])
        table.spokesperson = command.name
        db.session.flush()
        info = table_info(table)
        return {"info": info}, [table_event(info, seq)], "spokesperson"

    return _run(actor, command, apply, table_change=False)
