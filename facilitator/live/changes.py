"""Every change to a table's content: validate → write → commit, then the caller emits.

Each change carries a client-chosen operation id. The first time an id is
seen, the change is applied and logged (``Operation``) in the same
transaction that takes the meeting's next sequence number; the stored
acknowledgement answers any resend of the same id, which changes nothing.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass, field
from typing import Any

from pycrdt import Doc, Text
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from ..extensions import db
from ..models import Entry, Meeting, Operation, RoundTable, utcnow
from . import protocol
from .protocol import ProtocolError

REPORT_KEY = "report"


@dataclass
class Outcome:
    """What a change answers and what it broadcasts (nothing for a resend)."""

    ack: dict[str, Any]
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


@dataclass
class Actor:
    """Who makes a change: role, table (from the token, never the payload), a label for history."""

    meeting_id: int
    role: str
    table_number: int | None
    label: str


def _stored(meeting_id: int, op: str) -> Operation | None:
    return db.session.execute(
        select(Operation).where(Operation.meeting_id == meeting_id, Operation.op_id == op)
    ).scalar_one_or_none()


def _run(actor: Actor, op: str, kind: str, payload: dict[str, Any], apply) -> Outcome:
    """Apply a change once: idempotency, sequence, phase check, log, commit (with retries)."""
    previous = _stored(actor.meeting_id, op)
    if previous is not None:
        return Outcome(ack=previous.result)
    for attempt in range(5):
        # end any read snapshot first, so that the sequence UPDATE is this transaction's
        # first statement: it serialises writers of one meeting on SQLite and PostgreSQL
        db.session.commit()
        try:
            meeting = db.session.get(Meeting, actor.meeting_id)
            seq = meeting.next_seq()
            previous = _stored(actor.meeting_id, op)
            if previous is not None:
                db.session.rollback()
                return Outcome(ack=previous.result)
            if meeting.phase == "closed":
                raise ProtocolError("closed")
            table = db.session.execute(
                select(RoundTable).where(
                    RoundTable.meeting_id == actor.meeting_id, RoundTable.number == actor.table_number
                )
            ).scalar_one_or_none()
            if table is None:
                raise ProtocolError("not_found", "Deze tafel bestaat niet meer.")
            ack_extra, events, subject = apply(table, seq)
            ack = {"ok": True, "seq": seq, **ack_extra}
            db.session.add(
                Operation(
                    meeting_id=actor.meeting_id,
                    op_id=op,
                    seq=seq,
                    table_number=actor.table_number,
                    kind=kind,
                    subject=subject,
                    actor=actor.label,
                    payload=_loggable(payload),
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
            previous = _stored(actor.meeting_id, op)
            if previous is not None:
                return Outcome(ack=previous.result)
            raise
        except OperationalError:
            db.session.rollback()
            if attempt == 4:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def _loggable(payload: dict[str, Any]) -> dict[str, Any]:
    """The request as kept in the change log (JSON-safe, bounded)."""
    return {k: v for k, v in payload.items() if k != "op"}


def _template(table: RoundTable) -> tuple[list[str], list[str]]:
    meeting = table.meeting
    return [b.key for b in meeting.bollen], [h.key for h in meeting.horizons]


def _entry_event(table: RoundTable, entry: Entry, seq: int) -> tuple[str, dict[str, Any]]:
    return ("entry", {"table": table.number, "entry": entry.to_dict(), "seq": seq})


def add_entry(actor: Actor, payload: Any) -> Outcome:
    """`entry:add`: a new entry with the client's id in the actor's own table."""
    payload = protocol.require_dict(payload)
    op = protocol.op_id(payload)
    entry_id = protocol.op_id(payload, "id")
    text = protocol.entry_text(payload, required=True)

    def apply(table: RoundTable, seq: int):
        bol_keys, horizon_keys = _template(table)
        bollen = protocol.keys(payload, "bollen", bol_keys, required=True, at_least=1)
        horizons = protocol.keys(payload, "horizons", horizon_keys, required=False, at_least=0) or []
        if db.session.get(Entry, entry_id) is not None:
            raise ProtocolError("invalid", "Er bestaat al een inbreng met deze id.")
        entry = Entry(
            id=entry_id, table=table, text=text, bollen=bollen, horizons=horizons, created_seq=seq
        )
        db.session.add(entry)
        return {"entry": entry.to_dict()}, [_entry_event(table, entry, seq)], entry_id

    return _run(actor, op, "entry:add", payload, apply)


def _own_entry(table: RoundTable, entry_id: str, deleted: bool = False) -> Entry:
    entry = db.session.get(Entry, entry_id)
    if entry is None or entry.table_id != table.id or (entry.deleted_at is not None) != deleted:
        raise ProtocolError("not_found")
    return entry


def update_entry(actor: Actor, payload: Any) -> Outcome:
    """`entry:update`: change text, bollen or horizons of an entry of the own table."""
    payload = protocol.require_dict(payload)
    op = protocol.op_id(payload)
    entry_id = protocol.op_id(payload, "id")
    text = protocol.entry_text(payload, required=False)

    def apply(table: RoundTable, seq: int):
        bol_keys, horizon_keys = _template(table)
        bollen = protocol.keys(payload, "bollen", bol_keys, required=False, at_least=1)
        horizons = protocol.keys(payload, "horizons", horizon_keys, required=False, at_least=0)
        if text is None and bollen is None and horizons is None:
            raise ProtocolError("invalid", "Er is niets om te wijzigen.")
        entry = _own_entry(table, entry_id)
        if text is not None:
            entry.text = text
        if bollen is not None:
            entry.bollen = bollen
        if horizons is not None:
            entry.horizons = horizons
        entry.updated_at = utcnow()
        return {"entry": entry.to_dict()}, [_entry_event(table, entry, seq)], entry_id

    return _run(actor, op, "entry:update", payload, apply)


def delete_entry(actor: Actor, payload: Any) -> Outcome:
    """`entry:delete`: mark an entry of the own table deleted (it stays in the history)."""
    payload = protocol.require_dict(payload)
    op = protocol.op_id(payload)
    entry_id = protocol.op_id(payload, "id")

    def apply(table: RoundTable, seq: int):
        entry = _own_entry(table, entry_id)
        entry.deleted_at = utcnow()
        event = ("entry:deleted", {"table": table.number, "id": entry_id, "seq": seq})
        return {"id": entry_id}, [event], entry_id

    return _run(actor, op, "entry:delete", payload, apply)


def restore_entry(actor: Actor, payload: Any) -> Outcome:
    """`entry:restore`: undo a delete."""
    payload = protocol.require_dict(payload)
    op = protocol.op_id(payload)
    entry_id = protocol.op_id(payload, "id")

    def apply(table: RoundTable, seq: int):
        entry = _own_entry(table, entry_id, deleted=True)
        entry.deleted_at = None
        return {"entry": entry.to_dict()}, [_entry_event(table, entry, seq)], entry_id

    return _run(actor, op, "entry:restore", payload, apply)


def report_doc(table: RoundTable) -> Doc:
    """The table's report as a CRDT document (made from the plain text the first time)."""
    doc = Doc()
    text = doc.get(REPORT_KEY, type=Text)
    if table.report_state:
        doc.apply_update(table.report_state)
    elif table.report:
        text += table.report
    return doc


def ensure_report_state(table: RoundTable) -> bytes:
    """The stored CRDT state, created from the report text once so every client starts alike."""
    if table.report_state is None:
        table.report_state = report_doc(table).get_update()
        db.session.commit()
    return table.report_state


def update_report(actor: Actor, payload: Any) -> Outcome:
    """`report:update`: merge a CRDT update into the table's report (no keystroke is lost)."""
    payload = protocol.require_dict(payload)
    op = protocol.op_id(payload)
    update = protocol.crdt_update(payload)

    def apply(table: RoundTable, seq: int):
        doc = report_doc(table)
        try:
            doc.apply_update(update)
        except Exception:  # pycrdt raises ValueError for undecodable bytes
            raise ProtocolError("invalid", "De wijziging van het verslag is onleesbaar.") from None
        text = str(doc.get(REPORT_KEY, type=Text))
        if len(text) > protocol.LIMITS["report"]:
            raise ProtocolError(
                "too_large", f"Het verslag is hoogstens {protocol.LIMITS['report']} tekens lang."
            )
        table.report_state = doc.get_update()
        table.report = text
        event = (
            "report",
            {
                "table": table.number,
                "update": base64.b64encode(update).decode(),
                "text": text,
                "seq": seq,
            },
        )
        return {"length": len(text)}, [event], "report"

    return _run(actor, op, "report:update", payload, apply)


def table_info(table: RoundTable) -> dict[str, Any]:
    """Who sits at the table, as sent in snapshots and `table` events."""
    return {
        "number": table.number,
        "participants": table.participant_names,
        "leader": table.leader,
        "rapporteur": table.rapporteur,
        "spokesperson": table.spokesperson,
    }


def update_table(actor: Actor, payload: Any) -> Outcome:
    """`table:update`: correct who sat at the table."""
    from ..operations import set_participants

    payload = protocol.require_dict(payload)
    op = protocol.op_id(payload)

    def apply(table: RoundTable, seq: int):
        change = protocol.attendance(payload, table.participant_names)
        if change.participants is not None:
            set_participants(table, change.participants)
            # a leader or spokesperson who left the list no longer holds that role
            for role in ("leader", "spokesperson"):
                if role not in change.changed and getattr(table, role) not in change.participants:
                    setattr(table, role, None)
        for role in ("leader", "rapporteur", "spokesperson"):
            if role in change.changed:
                setattr(table, role, getattr(change, role))
        db.session.flush()
        info = table_info(table)
        return {"info": info}, [("table", {"table": table.number, "info": info, "seq": seq})], "table"

    return _run(actor, op, "table:update", payload, apply)


def table_snapshot(table: RoundTable, with_state: bool) -> dict[str, Any]:
    """One table as the snapshot carries it."""
    data = table_info(table)
    data["report"] = table.report or ""
    data["entries"] = [e.to_dict() for e in table.live_entries]
    if with_state:
        data["report_state"] = base64.b64encode(ensure_report_state(table)).decode()
    return data


def snapshot(meeting: Meeting, role: str, table_number: int | None) -> dict[str, Any]:
    """What a client sees right after connecting: its table (or all tables) and the sequence."""
    db.session.commit()  # a fresh read
    db.session.refresh(meeting)
    if table_number is not None:
        tables = [t for t in meeting.tables if t.number == table_number]
    else:
        tables = list(meeting.tables)
    return {
        "role": role,
        "table": table_number,
        "meeting": {
            "slug": meeting.slug,
            "title": meeting.title,
            "phase": meeting.phase,
            "template": meeting.template_dict(),
            "questions": list(meeting.questions or []),
            "feedback_order": meeting.effective_feedback_order(),
        },
        "tables": [table_snapshot(t, with_state=role == "rapporteur") for t in tables],
        "seq": meeting.seq,
    }


def events_since(meeting_id: int, since: int, table_number: int | None) -> list[dict[str, Any]] | None:
    """The broadcasts a client missed after ``since`` (None: too many, take a snapshot)."""
    query = select(Operation).where(Operation.meeting_id == meeting_id, Operation.seq > since)
    if table_number is not None:
        query = query.where(Operation.table_number == table_number)
    rows = db.session.execute(
        query.order_by(Operation.seq).limit(protocol.LIMITS["replay"] + 1)
    ).scalars().all()
    if len(rows) > protocol.LIMITS["replay"]:
        return None
    out = []
    for row in rows:
        for name, data in replay_events(row):
            out.append({"event": name, "data": data})
    return out


def replay_events(row: Operation) -> list[tuple[str, dict[str, Any]]]:
    """Rebuild the broadcast of a logged change from the log row."""
    result, number = row.result, row.table_number
    if row.kind in ("entry:add", "entry:update", "entry:restore"):
        return [("entry", {"table": number, "entry": result["entry"], "seq": row.seq})]
    if row.kind == "entry:delete":
        return [("entry:deleted", {"table": number, "id": result["id"], "seq": row.seq})]
    if row.kind == "report:update":
        table = db.session.execute(
            select(RoundTable).where(RoundTable.meeting_id == row.meeting_id, RoundTable.number == number)
        ).scalar_one()
        return [("report", {"table": number, "update": row.payload.get("update", ""),
                            "text": table.report, "seq": row.seq})]
    if row.kind == "table:update":
        return [("table", {"table": number, "info": result["info"], "seq": row.seq})]
    return []
