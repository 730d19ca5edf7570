"""The one executor of every change: ``execute(caller, command)``.

Each action (live/actions/) says how it runs. ``batch`` actions — entries and the report —
go through batch.py: live traffic as a batch of N through the process's writer (writer.py),
curation and the command line as a batch of one in the caller's own transaction
(``direct``). ``single`` actions — the chair's, attendance, the minute-taker's, hiding an
entry — run here in a transaction of their own that takes the meeting's next sequence number
first. Both ways share the op-id idempotency, the close rule, the storage budget and the
change log; the caller broadcasts the returned events only after the commit.
"""

from __future__ import annotations

import time

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from ..extensions import db
from ..models import Meeting, Operation, RoundTable
from . import batch, budget
from .errors import ProtocolError
from .protocol import Change
from .registry import ACTIONS, Action, Caller, Event, Outcome, check_open, table_gone
from .writer import answer, writer


def execute(caller: Caller, command: Change, direct: bool = False) -> Outcome:
    """Run one change; return its outcome or raise its refusal (or the server's failure).

    ``direct``: in the caller's transaction now (curation, the command line), not queued for
    the writer's next batch.
    """
    action = ACTIONS[command.kind]
    if action.engine == "batch":
        if not direct:
            return writer.submit(caller, command)
        job = batch.Job(caller, command)
        batch.apply([job], cache=False)
        return answer(job)
    return _single(caller, command, action)


def _stored(meeting_id: int, op: str) -> Operation | None:
    return db.session.execute(
        select(Operation).where(Operation.meeting_id == meeting_id, Operation.op_id == op)
    ).scalar_one_or_none()


def _single(caller: Caller, command: Change, action: Action) -> Outcome:
    """Apply a change once: idempotency, sequence, close rule, log, commit (with retries)."""
    previous = _stored(caller.meeting_id, command.op)
    if previous is not None:
        return Outcome(ack=previous.result)
    for attempt in range(5):
        # end any read snapshot first, so that the sequence UPDATE is this transaction's
        # first statement: it serialises writers of one meeting on SQLite and PostgreSQL
        db.session.commit()
        try:
            meeting = db.session.get(Meeting, caller.meeting_id)
            seq = meeting.next_seq()
            previous = _stored(caller.meeting_id, command.op)
            if previous is not None:
                db.session.rollback()
                return Outcome(ack=previous.result)
            target = _table_for(caller, meeting, command.base) if action.scope == "table" else meeting
            ack_extra, events, subject = action.apply(caller, command, target, seq)
            ack = {"ok": True, "seq": seq, **ack_extra}
            logged = command.logged()
            budget.charge(caller.token_id, caller.role, budget.written_bytes(logged, ack))
            db.session.add(
                Operation(
                    meeting_id=caller.meeting_id,
                    op_id=command.op,
                    seq=seq,
                    table_number=caller.table_number if action.scope == "table" else _event_table(events),
                    kind=command.kind,
                    subject=subject,
                    actor=caller.label,
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
            previous = _stored(caller.meeting_id, command.op)
            if previous is not None:
                return Outcome(ack=previous.result)
            raise
        except OperationalError:
            db.session.rollback()
            if attempt == 4:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def _table_for(caller: Caller, meeting: Meeting, base: int | None) -> RoundTable:
    """The caller's own table, if the meeting still takes table changes."""
    check_open(meeting.phase, meeting.closed_seq, base, caller.role)
    table = db.session.execute(
        select(RoundTable).where(
            RoundTable.meeting_id == caller.meeting_id, RoundTable.number == caller.table_number
        )
    ).scalar_one_or_none()
    if table is None:
        raise table_gone()
    return table


def _event_table(events: list[Event]) -> int | None:
    """The table a meeting-level change touched (entry:hide, the feedback), for the change log."""
    for _, data in events:
        if isinstance(data.get("table"), int):
            return data["table"]
    return None
