"""Every write of the live side: one function per change — check against the state, write, commit.

A change receives a command that protocol.py has already parsed and validated. It
runs in one transaction that takes the meeting's next sequence number, applies the
change, logs it (``Operation``: the client's op id, its acknowledgement) and commits;
it returns the acknowledgement and the events, which the caller broadcasts only then.
A resent op id is answered with the stored acknowledgement and changes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError, OperationalError

from ..extensions import db
from ..models import AccessToken, Entry, Meeting, Operation, Presence, ReportVersion, RoundTable, utcnow
from ..operations import set_participants
from ..rules import LIMITS, PARTICIPANT_ROLES, may_change_entry, misplaced_roles, text_problem
from . import budget
from . import protocol as p
from .errors import ProtocolError
from .report import report_doc, report_text, stored_state, text_edit_update
from .snapshot import (
    aware,
    entry_deleted_event,
    entry_event,
    meeting_event,
    meeting_state,
    report_event,
    table_event,
    table_info,
)

Event = tuple[str, dict[str, Any]]
# apply(target, seq) -> (extra acknowledgement fields, events, subject for the log)
Apply = Callable[[Any, int], tuple[dict[str, Any], list[Event], str]]


@dataclass
class Outcome:
    """What a change answers and what it broadcasts (nothing for a resend)."""

    ack: dict[str, Any]
    events: list[Event] = field(default_factory=list)


@dataclass
class Actor:
    """Who makes a change: role, table (from the token, never the payload), a label for history."""

    meeting_id: int
    role: str
    table_number: int | None
    label: str
    token_id: int | None = None  # the join link, whose storage budget a change spends (budget.py)
    author: str | None = None  # the hash of the device's key (rules.author_hash), if it sent one


NOT_YOURS = "U kunt alleen de inbreng wijzigen of verwijderen die u zelf op dit apparaat hebt toegevoegd."


def check_author(actor: Actor, entry_author: str | None) -> None:
    """Refuse `forbidden` when the actor may not change this entry (someone else's, for a participant)."""
    if not may_change_entry(actor.role, actor.author, entry_author):
        raise ProtocolError("forbidden", NOT_YOURS, {"not_yours": True})


def _stored(meeting_id: int, op: str) -> Operation | None:
    return db.session.execute(
        select(Operation).where(Operation.meeting_id == meeting_id, Operation.op_id == op)
    ).scalar_one_or_none()


def _run(actor: Actor, command: p.Change, apply: Apply, table_change: bool = True) -> Outcome:
    """Apply a change once: idempotency, sequence, phase check, log, commit (with retries).

    ``apply(target, seq)`` gets the actor's table (``table_change``) or the meeting.
    """
    previous = _stored(actor.meeting_id, command.op)
    if previous is not None:
        return Outcome(ack=previous.result)
    for attempt in range(5):
        # end any read snapshot first, so that the sequence UPDATE is this transaction's
        # first statement: it serialises writers of one meeting on SQLite and PostgreSQL
        db.session.commit()
        try:
            meeting = db.session.get(Meeting, actor.meeting_id)
            seq = meeting.next_seq()
            previous = _stored(actor.meeting_id, command.op)
            if previous is not None:
                db.session.rollback()
                return Outcome(ack=previous.result)
            target = _table_for(actor, meeting, command.base) if table_change else meeting
            ack_extra, events, subject = apply(target, seq)
            ack = {"ok": True, "seq": seq, **ack_extra}
            logged = command.logged()
            budget.charge(actor.token_id, actor.role, budget.written_bytes(logged, ack))
            db.session.add(
                Operation(
                    meeting_id=actor.meeting_id,
                    op_id=command.op,
                    seq=seq,
                    table_number=actor.table_number if table_change else _event_table(events),
                    kind=command.kind,
                    subject=subject,
                    actor=actor.label,
                    payload=logged,
                    result=ack,
                )
            )
            db.session.commit()
            return Outcome(ack=ack, events=events)
        except ProtocolError:
            db.session.rollback()
            raise
        except IntegrityError:
            # the same op id committed by another process in the meantime
            db.session.rollback()
            previous = _stored(actor.meeting_id, command.op)
            if previous is not None:
                return Outcome(ack=previous.result)
            raise
        except OperationalError:
            db.session.rollback()
            if attempt == 4:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def _table_for(actor: Actor, meeting: Meeting, base: int | None) -> RoundTable:
    """The actor's own table, if the meeting still takes table changes."""
    # a change made before the close (its client had not seen it yet) still counts
    made_before_close = base is not None and meeting.closed_seq is not None and base < meeting.closed_seq
    curating = actor.role == "secretariat"  # curation goes on after the meeting
    if meeting.phase == "closed" and not made_before_close and not curating:
        raise ProtocolError("closed")
    table = db.session.execute(
        select(RoundTable).where(
            RoundTable.meeting_id == actor.meeting_id, RoundTable.number == actor.table_number
        )
    ).scalar_one_or_none()
    if table is None:
        raise ProtocolError("not_found", _l("Deze tafel bestaat niet meer."))
    return table


def _event_table(events: list[Event]) -> int | None:
    """The table a meeting-level change touched (entry:hide), for the change log."""
    for _, data in events:
        if isinstance(data.get("table"), int):
            return data["table"]
    return None


# --- entries ---------------------------------------------------------------------------------


def _own_entry(actor: Actor, table: RoundTable, entry_id: str, deleted: bool = False) -> Entry:
    entry = db.session.get(Entry, entry_id)
    if entry is None or entry.table_id != table.id or (entry.deleted_at is not None) != deleted:
        raise ProtocolError("not_found")
    check_author(actor, entry.author_key)
    return entry


def _entry_changed(table: RoundTable, entry: Entry, seq: int) -> tuple[dict[str, Any], list[Event], str]:
    data = entry.to_dict()
    return {"entry": data}, [entry_event(table.number, data, seq)], entry.id


def add_entry(actor: Actor, command: p.AddEntry) -> Outcome:
    """`entry:add`: a new entry with the client's id in the actor's own table."""

    def apply(table: RoundTable, seq: int):
        if db.session.get(Entry, command.id) is not None:
            raise ProtocolError("invalid", _l("Er bestaat al een inbreng met deze id."))
        entry = Entry(
            id=command.id,
            table=table,
            text=command.text,
            bollen=command.bollen,
            horizons=command.horizons,
            created_seq=seq,
            author_key=actor.author,
        )
        db.session.add(entry)
        return _entry_changed(table, entry, seq)

    return _run(actor, command, apply)


def _set_entry(entry: Entry, command: p.UpdateEntry) -> None:
    for name in ("text", "bollen", "horizons"):
        if (value := getattr(command, name)) is not None:
            setattr(entry, name, value)
    entry.updated_at = utcnow()


def update_entry(actor: Actor, command: p.UpdateEntry) -> Outcome:
    """`entry:update`: change text, bollen or horizons of an entry of the own table."""

    def apply(table: RoundTable, seq: int):
        entry = _own_entry(actor, table, command.id)
        _set_entry(entry, command)
        return _entry_changed(table, entry, seq)

    return _run(actor, command, apply)


def revert_entry(actor: Actor, command: p.RevertEntry) -> Outcome:
    """Curation: make an entry an earlier state again, restoring it first if it was deleted."""

    def apply(table: RoundTable, seq: int):
        entry = db.session.get(Entry, command.id)
        if entry is None or entry.table_id != table.id:
            raise ProtocolError("not_found")
        if entry.deleted_at is not None:
            entry.deleted_at = None
            entry.created_seq = seq  # back at the end, as a restore puts it
        _set_entry(entry, command)
        return _entry_changed(table, entry, seq)

    return _run(actor, command, apply)


def delete_entry(actor: Actor, command: p.DeleteEntry) -> Outcome:
    """`entry:delete`: mark an entry of the own table deleted (it stays in the history)."""

    def apply(table: RoundTable, seq: int):
        entry = _own_entry(actor, table, command.id)
        entry.deleted_at = utcnow()
        return {"id": entry.id}, [entry_deleted_event(table.number, entry.id, seq)], entry.id

    return _run(actor, command, apply)


def restore_entry(actor: Actor, command: p.RestoreEntry) -> Outcome:
    """`entry:restore`: undo a delete."""

    def apply(table: RoundTable, seq: int):
        entry = _own_entry(actor, table, command.id, deleted=True)
        entry.deleted_at = None
        # a restored entry comes back at the end, where every client appends it
        entry.created_seq = seq
        return _entry_changed(table, entry, seq)

    return _run(actor, command, apply)


def hide_entry(actor: Actor, command: p.HideEntry) -> Outcome:
    """`entry:hide`: the chair hides an entry from the screen (or shows it again); nothing is deleted."""

    def apply(meeting: Meeting, seq: int):
        entry = db.session.get(Entry, command.id)
        if entry is None or entry.deleted_at is not None or entry.table.meeting_id != meeting.id:
            raise ProtocolError("not_found")
        entry.hidden = command.hidden
        return _entry_changed(entry.table, entry, seq)

    return _run(actor, command, apply, table_change=False)


# --- the report --------------------------------------------------------------------------------

VERSION_WINDOW = timedelta(minutes=2)


def record_report_version(table: RoundTable, text: str, actor: Actor, seq: int, new: bool = False) -> None:
    """Keep the report's history: extend the author's current version or start a new one."""
    latest = db.session.execute(
        select(ReportVersion)
        .where(ReportVersion.table_id == table.id)
        .order_by(ReportVersion.seq.desc(), ReportVersion.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    now = utcnow()
    if (
        not new
        and latest is not None
        and latest.actor == actor.label
        and now - aware(latest.updated_at) < VERSION_WINDOW
    ):
        latest.text, latest.seq, latest.updated_at = text, seq, now
    else:
        db.session.add(
            ReportVersion(
                table_id=table.id, seq=seq, actor=actor.label, text=text, created_at=now, updated_at=now
            )
        )


def _merge_report(table: RoundTable, doc, update: bytes, actor: Actor, seq: int, new_version: bool):
    """Store the merged report, record its version, and describe the broadcast."""
    text = report_text(doc)
    if len(text) > LIMITS["report"]:
        raise ProtocolError(
            "too_large", _l("Het verslag is hoogstens %(limit)s tekens lang.", limit=LIMITS["report"])
        )
    # a character no document can hold, newly typed (one already stored does not block typing)
    if (problem := text_problem(text, multiline=True)) and not text_problem(table.report or "", True):
        raise ProtocolError("invalid", _l("Het verslag %(problem)s.", problem=problem))
    table.report_state = stored_state(doc, table.report_state)
    table.report = text
    record_report_version(table, text, actor, seq, new=new_version)
    return {"length": len(text)}, [report_event(table.number, update, text, seq)], "report"


def set_report_text(actor: Actor, command: p.SetReportText) -> Outcome:
    """Curation: replace the report's text, merged as CRDT edits."""

    def apply(table: RoundTable, seq: int):
        doc = report_doc(table)
        update = text_edit_update(doc, command.text)
        return _merge_report(table, doc, update, actor, seq, new_version=True)

    return _run(actor, command, apply)


# --- attendance --------------------------------------------------------------------------------


def update_table(actor: Actor, command: p.UpdateTable) -> Outcome:
    """`table:update`: correct who sat at the table."""

    def apply(table: RoundTable, seq: int):
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
        return {"info": info}, [table_event(info, seq)], "table"

    return _run(actor, command, apply)


# --- the chair: phase, timer, what the screens show ----------------------------------------------


def _meeting_changed(meeting: Meeting, seq: int, subject: str) -> tuple[dict[str, Any], list[Event], str]:
    state = meeting_state(meeting)
    return {"meeting": state}, [meeting_event(state, seq)], subject


def _start_timer(meeting: Meeting, seconds: int) -> None:
    meeting.timer_total = seconds
    meeting.timer_ends_at = utcnow() + timedelta(seconds=seconds)
    meeting.timer_remaining = None


def set_phase(actor: Actor, command: p.SetPhase) -> Outcome:
    """`chair:phase`: preparation → round (starts the timer) → feedback → closed, or back."""
    phase = command.phase

    def apply(meeting: Meeting, seq: int):
        if phase == "closed" and meeting.phase != "closed":
            meeting.closed_seq = seq
        elif phase != "closed":
            meeting.closed_seq = None
        if phase == "round" and meeting.timer_total is None:
            _start_timer(meeting, 60 * (meeting.round_minutes or 40))
        if phase == "feedback" and meeting.phase != "feedback":
            # entering the report-back: every screen shows it, at the first table if none yet
            order = meeting.effective_feedback_order()
            if meeting.feedback_current not in order:
                meeting.feedback_current = order[0] if order else None
            meeting.screen_mode = "feedback"
            meeting.screen_page = 0
        meeting.phase = phase
        return _meeting_changed(meeting, seq, "phase")

    return _run(actor, command, apply, table_change=False)


def set_timer(actor: Actor, command: p.SetTimer) -> Outcome:
    """`chair:timer`: start (minutes, default the meeting's round), pause, resume, extend, reset."""
    action, minutes = command.action, command.minutes

    def apply(meeting: Meeting, seq: int):
        now = utcnow()
        ends_at = aware(meeting.timer_ends_at)
        if action == "start":
            _start_timer(meeting, 60 * (minutes or meeting.round_minutes or 40))
        elif action == "reset":
            meeting.timer_total = meeting.timer_ends_at = meeting.timer_remaining = None
        elif meeting.timer_total is None:
            raise ProtocolError("invalid", _l("De timer loopt nog niet."))
        elif action == "pause" and ends_at is not None:
            meeting.timer_remaining = max(0, int((ends_at - now).total_seconds()))
            meeting.timer_ends_at = None
        elif action == "resume" and ends_at is None:
            meeting.timer_ends_at = now + timedelta(seconds=meeting.timer_remaining or 0)
            meeting.timer_remaining = None
        elif action == "extend":
            if ends_at is not None:
                # extending an expired timer counts from now
                meeting.timer_ends_at = max(ends_at, now) + timedelta(minutes=minutes)
            else:
                meeting.timer_remaining = (meeting.timer_remaining or 0) + 60 * minutes
            meeting.timer_total += 60 * minutes
        return _meeting_changed(meeting, seq, "timer")

    return _run(actor, command, apply, table_change=False)


def set_view(actor: Actor, command: p.SetView) -> Outcome:
    """`chair:view`: what every screen shows — mode, current report-back table, filters."""

    def apply(meeting: Meeting, seq: int):
        if command.set_current:
            meeting.feedback_current = command.current
        if command.filters is not None:
            meeting.screen_filters = command.filters
        meeting.screen_mode = command.mode
        meeting.screen_page = command.page or 0  # any other change of the view starts at its first page
        return _meeting_changed(meeting, seq, "view")

    return _run(actor, command, apply, table_change=False)


def set_feedback_order(actor: Actor, command: p.SetFeedbackOrder) -> Outcome:
    """`chair:feedback-order`: reorder the report-back, leaving out tables to skip."""
    order = command.order

    def apply(meeting: Meeting, seq: int):
        meeting.feedback_order = order
        if meeting.feedback_current is not None and meeting.feedback_current not in order:
            meeting.feedback_current = order[0] if order else None
            meeting.screen_page = 0
        return _meeting_changed(meeting, seq, "feedback_order")

    return _run(actor, command, apply, table_change=False)


# --- presence: one row per connected socket, so every process sees it ------------------------


def join(sid: str, token: AccessToken) -> None:
    """A socket connected with this token."""
    db.session.add(
        Presence(
            sid=sid, meeting_id=token.meeting_id, table_number=token.table_number, role=token.role, name=""
        )
    )
    db.session.commit()


def rename(sid: str, name: str) -> None:
    """The socket's person told their display name."""
    row = db.session.get(Presence, sid)
    if row is not None:
        row.name = name
        row.last_seen = utcnow()
        db.session.commit()


def leave(sid: str) -> tuple[int, int | None] | None:
    """The socket is gone; return the meeting and table it was at (None if it was not known)."""
    row = db.session.get(Presence, sid)
    if row is None:
        return None
    where = (row.meeting_id, row.table_number)
    db.session.execute(delete(Presence).where(Presence.sid == sid))
    db.session.commit()
    return where
