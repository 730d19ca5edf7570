"""Every change to a table's content: validate → write → commit, then the caller emits.

Each change carries a client-chosen operation id. The first time an id is
seen, the change is applied and logged (``Operation``) in the same
transaction that takes the meeting's next sequence number; the stored
acknowledgement answers any resend of the same id, which changes nothing.
"""

from __future__ import annotations

import base64
import difflib
import time
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from typing import Any

from pycrdt import Doc, Text
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError, OperationalError

from ..extensions import db
from ..models import Entry, Meeting, Operation, ReportVersion, RoundTable, utcnow
from ..rules import PHASES
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


def _run(
    actor: Actor, op: str, kind: str, payload: dict[str, Any], apply, table_change: bool = True
) -> Outcome:
    """Apply a change once: idempotency, sequence, phase check, log, commit (with retries).

    ``apply(target, seq)`` gets the actor's table (``table_change``) or the meeting.
    """
    previous = _stored(actor.meeting_id, op)
    if previous is not None:
        return Outcome(ack=previous.result)
    base = protocol.base_seq(payload)
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
            if table_change:
                # a change made before the close (its client had not seen it yet) still counts
                made_before_close = (
                    base is not None and meeting.closed_seq is not None and base < meeting.closed_seq
                )
                curating = actor.role == "secretariat"  # curation goes on after the meeting
                if meeting.phase == "closed" and not made_before_close and not curating:
                    raise ProtocolError("closed")
                target = db.session.execute(
                    select(RoundTable).where(
                        RoundTable.meeting_id == actor.meeting_id, RoundTable.number == actor.table_number
                    )
                ).scalar_one_or_none()
                if target is None:
                    raise ProtocolError("not_found", "Deze tafel bestaat niet meer.")
            else:
                target = meeting
            ack_extra, events, subject = apply(target, seq)
            ack = {"ok": True, "seq": seq, **ack_extra}
            db.session.add(
                Operation(
                    meeting_id=actor.meeting_id,
                    op_id=op,
                    seq=seq,
                    table_number=actor.table_number if table_change else _event_table(events),
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


def _event_table(events: list[tuple[str, dict[str, Any]]]) -> int | None:
    """The table a meeting-level change touched (entry:hide), for the change log."""
    for _, data in events:
        if isinstance(data.get("table"), int):
            return data["table"]
    return None


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
        entry = Entry(id=entry_id, table=table, text=text, bollen=bollen, horizons=horizons, created_seq=seq)
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
        # a restored entry comes back at the end, where every client appends it
        entry.created_seq = seq
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
        and now - _aware(latest.updated_at) < VERSION_WINDOW
    ):
        latest.text, latest.seq, latest.updated_at = text, seq, now
    else:
        db.session.add(
            ReportVersion(
                table_id=table.id, seq=seq, actor=actor.label, text=text, created_at=now, updated_at=now
            )
        )


def _merge_report(table: RoundTable, doc: Doc, update: bytes, actor: Actor, seq: int, new_version: bool):
    """Store the merged report, record its version, and describe the broadcast."""
    text = str(doc.get(REPORT_KEY, type=Text))
    if len(text) > protocol.LIMITS["report"]:
        raise ProtocolError("too_large", f"Het verslag is hoogstens {protocol.LIMITS['report']} tekens lang.")
    table.report_state = doc.get_update()
    table.report = text
    record_report_version(table, text, actor, seq, new=new_version)
    event = (
        "report",
        {"table": table.number, "update": base64.b64encode(update).decode(), "text": text, "seq": seq},
    )
    return {"length": len(text)}, [event], "report"


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
        return _merge_report(table, doc, update, actor, seq, new_version=False)

    return _run(actor, op, "report:update", payload, apply)


def text_edit_update(doc: Doc, new_text: str) -> bytes:
    """Turn the document's report into ``new_text`` with minimal CRDT edits; return the update.

    Edits are made as deletions and insertions of the changed spans only, so that
    a rapporteur typing elsewhere in the report at the same moment keeps every keystroke.
    """
    ytext = doc.get(REPORT_KEY, type=Text)
    old_text = str(ytext)
    before = doc.get_state()
    matcher = difflib.SequenceMatcher(a=old_text, b=new_text, autojunk=False)
    # apply from the end so earlier offsets stay valid; pycrdt counts UTF-8 bytes
    for tag, i1, i2, j1, j2 in reversed(matcher.get_opcodes()):
        if tag == "equal":
            continue
        start = len(old_text[:i1].encode())
        end = len(old_text[:i2].encode())
        if end > start:
            del ytext[start:end]
        if j2 > j1:
            ytext.insert(start, new_text[j1:j2])
    return doc.get_update(before)


def set_report_text(actor: Actor, payload: Any) -> Outcome:
    """`report:set` (secretariat curation): replace the report's text, merged as CRDT edits."""
    payload = protocol.require_dict(payload)
    op = protocol.op_id(payload)
    new_text = payload.get("text")
    if not isinstance(new_text, str) or "\x00" in new_text:
        raise ProtocolError("invalid", "Het verslag moet tekst zijn.")
    new_text = new_text.replace("\r\n", "\n")
    if len(new_text) > protocol.LIMITS["report"]:
        raise ProtocolError("too_large", f"Het verslag is hoogstens {protocol.LIMITS['report']} tekens lang.")

    def apply(table: RoundTable, seq: int):
        doc = report_doc(table)
        update = text_edit_update(doc, new_text)
        return _merge_report(table, doc, update, actor, seq, new_version=True)

    return _run(actor, op, "report:set", {"text_length": len(new_text), "op": op}, apply)


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
            **meeting_state(meeting),
        },
        "tables": [table_snapshot(t, with_state=role == "rapporteur") for t in tables],
        "seq": meeting.seq,
        "server_time": utcnow().isoformat(),
    }


def events_since(meeting_id: int, since: int, table_number: int | None) -> list[dict[str, Any]] | None:
    """The broadcasts a client missed after ``since`` (None: too many, take a snapshot)."""
    query = select(Operation).where(Operation.meeting_id == meeting_id, Operation.seq > since)
    if table_number is not None:
        query = query.where(or_(Operation.table_number == table_number, Operation.kind.startswith("chair:")))
    rows = (
        db.session.execute(query.order_by(Operation.seq).limit(protocol.LIMITS["replay"] + 1)).scalars().all()
    )
    if len(rows) > protocol.LIMITS["replay"]:
        return None
    # a replayed report event carries the report's whole current state, so only the last
    # one per table is needed: earlier ones would send (and build) the same state again
    last_report = {r.table_number: r.id for r in rows if r.kind in ("report:update", "report:set")}
    out = []
    for row in rows:
        if row.kind in ("report:update", "report:set") and last_report[row.table_number] != row.id:
            continue
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
    if row.kind in ("report:update", "report:set"):
        table = db.session.execute(
            select(RoundTable).where(RoundTable.meeting_id == row.meeting_id, RoundTable.number == number)
        ).scalar_one()
        # the current full state merges into any client's document like the original update
        state = base64.b64encode(ensure_report_state(table)).decode()
        return [("report", {"table": number, "update": state, "text": table.report, "seq": row.seq})]
    if row.kind == "table:update":
        return [("table", {"table": number, "info": result["info"], "seq": row.seq})]
    if row.kind == "entry:hide":
        return [("entry", {"table": number, "entry": result["entry"], "seq": row.seq})]
    if row.kind.startswith("chair:"):
        return [("meeting", {"meeting": result["meeting"], "seq": row.seq})]
    return []


# --- the chair: phase, timer, what the screens show, hiding entries -------------------


def _iso(moment) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:  # SQLite returns naive datetimes; they were stored in UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat()


def _aware(moment):
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def meeting_state(meeting: Meeting) -> dict[str, Any]:
    """Phase, timer, screen view and report-back order: what every client of a meeting follows."""
    return {
        "phase": meeting.phase,
        "closed_seq": meeting.closed_seq,
        "timer": {
            "total": meeting.timer_total,
            "ends_at": _iso(meeting.timer_ends_at),
            "remaining": meeting.timer_remaining,
            "running": meeting.timer_ends_at is not None,
        },
        "view": {
            "mode": meeting.screen_mode or "overview",
            "current": meeting.feedback_current,
            "filters": dict(meeting.screen_filters or {}),
        },
        "feedback_order": meeting.effective_feedback_order(),
    }


def _meeting_event(meeting: Meeting, seq: int) -> tuple[str, dict[str, Any]]:
    return ("meeting", {"meeting": meeting_state(meeting), "seq": seq})


def _start_timer(meeting: Meeting, seconds: int) -> None:
    meeting.timer_total = seconds
    meeting.timer_ends_at = utcnow() + timedelta(seconds=seconds)
    meeting.timer_remaining = None


def set_phase(actor: Actor, payload: Any) -> Outcome:
    """`chair:phase`: preparation → round (starts the timer) → feedback → closed, or back."""
    payload = protocol.require_dict(payload)
    op = protocol.op_id(payload)
    phase = protocol.choice(payload, "phase", PHASES)

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
        meeting.phase = phase
        return {"meeting": meeting_state(meeting)}, [_meeting_event(meeting, seq)], "phase"

    return _run(actor, op, "chair:phase", payload, apply, table_change=False)


def set_timer(actor: Actor, payload: Any) -> Outcome:
    """`chair:timer`: start (minutes, default the meeting's round), pause, resume, extend, reset."""
    payload = protocol.require_dict(payload)
    op = protocol.op_id(payload)
    action = protocol.choice(payload, "action", protocol.TIMER_ACTIONS)
    minutes = protocol.whole_number(
        payload, "minutes", 1, protocol.LIMITS["timer_minutes"], required=action == "extend"
    )

    def apply(meeting: Meeting, seq: int):
        now = utcnow()
        ends_at = _aware(meeting.timer_ends_at)
        if action == "start":
            _start_timer(meeting, 60 * (minutes or meeting.round_minutes or 40))
        elif action == "reset":
            meeting.timer_total = meeting.timer_ends_at = meeting.timer_remaining = None
        elif meeting.timer_total is None:
            raise ProtocolError("invalid", "De timer loopt nog niet.")
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
        return {"meeting": meeting_state(meeting)}, [_meeting_event(meeting, seq)], "timer"

    return _run(actor, op, "chair:timer", payload, apply, table_change=False)


def set_view(actor: Actor, payload: Any) -> Outcome:
    """`chair:view`: what every screen shows — mode, current report-back table, filters."""
    payload = protocol.require_dict(payload)
    op = protocol.op_id(payload)
    mode = protocol.choice(payload, "mode", protocol.SCREEN_MODES)

    def apply(meeting: Meeting, seq: int):
        numbers = [t.number for t in meeting.tables]
        if "current" in payload:
            current = payload["current"]
            if current is not None:
                current = protocol.table_numbers([current], "current", numbers)[0]
            meeting.feedback_current = current
        if "filters" in payload:
            raw = protocol.require_dict(payload["filters"])
            filters: dict[str, Any] = {}
            if raw.get("tables") is not None:
                filters["tables"] = sorted(protocol.table_numbers(raw["tables"], "tables", numbers))
            if raw.get("horizons") is not None:
                keys = [h.key for h in meeting.horizons]
                filters["horizons"] = protocol.keys(raw, "horizons", keys, required=True, at_least=0)
            meeting.screen_filters = filters
        meeting.screen_mode = mode
        return {"meeting": meeting_state(meeting)}, [_meeting_event(meeting, seq)], "view"

    return _run(actor, op, "chair:view", payload, apply, table_change=False)


def set_feedback_order(actor: Actor, payload: Any) -> Outcome:
    """`chair:feedback-order`: reorder the report-back, leaving out tables to skip."""
    payload = protocol.require_dict(payload)
    op = protocol.op_id(payload)

    def apply(meeting: Meeting, seq: int):
        order = protocol.table_numbers(payload.get("order"), "order", [t.number for t in meeting.tables])
        meeting.feedback_order = order
        if meeting.feedback_current is not None and meeting.feedback_current not in order:
            meeting.feedback_current = order[0] if order else None
        return {"meeting": meeting_state(meeting)}, [_meeting_event(meeting, seq)], "feedback_order"

    return _run(actor, op, "chair:feedback-order", payload, apply, table_change=False)


def hide_entry(actor: Actor, payload: Any) -> Outcome:
    """`entry:hide`: the chair hides an entry from the screen (or shows it again); nothing is deleted."""
    payload = protocol.require_dict(payload)
    op = protocol.op_id(payload)
    entry_id = protocol.op_id(payload, "id")
    hidden = payload.get("hidden")
    if not isinstance(hidden, bool):
        raise ProtocolError("invalid", "'hidden' moet true of false zijn.")

    def apply(meeting: Meeting, seq: int):
        entry = db.session.get(Entry, entry_id)
        if entry is None or entry.deleted_at is not None or entry.table.meeting_id != meeting.id:
            raise ProtocolError("not_found")
        entry.hidden = hidden
        return {"entry": entry.to_dict()}, [_entry_event(entry.table, entry, seq)], entry_id

    return _run(actor, op, "entry:hide", payload, apply, table_change=False)
