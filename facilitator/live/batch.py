"""The hot changes of the live side, many in one transaction: entry add/update/delete, report update.

`apply(jobs)` checks every change on its own against the stored state (a refusal answers
that change only), then takes the meeting's sequence numbers for all accepted changes
with one ``UPDATE … RETURNING`` as late as possible, writes them with core SQL
(executemany), logs them (``Operation``) and commits once. The meeting row stays locked
from that UPDATE to the commit, so changes commit in sequence order on every database
and process: a client that has seen seq N has also been able to see every seq below N.
A resent op id is answered with its stored acknowledgement; a failed batch is retried
one change at a time. changes.py keeps the rare changes (one ORM transaction each).
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from pycrdt import Doc, Text
from sqlalchemy.exc import IntegrityError, OperationalError

from ..extensions import db
from ..models import utcnow
from ..rules import LIMITS, author_tag, text_problem
from . import budget
from . import protocol as p
from . import statements as sql
from .changes import VERSION_WINDOW, Actor, Outcome, check_author
from .errors import ProtocolError, TokenRevoked
from .report import REPORT_KEY, cached_doc, forget_docs, keep_doc, merge_update, stored_state
from .snapshot import aware, entry_deleted_event, entry_event, report_event

BATCHED = (p.AddEntry, p.UpdateEntry, p.DeleteEntry, p.UpdateReport)
ENTRY_FIELDS = ("text", "bollen", "horizons", "hidden", "deleted_at", "updated_at")


@dataclass(frozen=True)
class _LatestVersion:
    """A report's newest stored version: whose, and when it last changed."""

    id: int
    actor: str
    updated_at: Any


@dataclass
class Job:
    """One change waiting for the batch: who (and with which token), what, and its answer."""

    actor: Actor
    token: str
    command: p.Change
    # an Outcome, or the exception to raise in the caller (ProtocolError, a database error)
    result: Any = None
    logged: dict[str, Any] | None = None  # command.logged(), computed once


@dataclass
class _Accepted:
    """A change that passed its checks, waiting for its sequence number."""

    job: Job
    kind: str  # "entry", "deleted", "report"
    table_number: int
    subject: str
    entry: dict[str, Any] | None = None  # as the change left it (a later change may alter the row)
    table_id: int = 0
    update: bytes = b""
    text: str = ""  # the report after this update


@dataclass
class _Report:
    """A table's report within the batch: its document and what to write once."""

    table_id: int
    doc: Doc
    stored: bytes | None
    stored_text: str
    accepted: list[bytes] = field(default_factory=list)
    text: str = ""
    new_state: bytes | None = None
    latest_version: Any = None


def apply(jobs: list[Job], conn: Any = None) -> None:
    """Apply the jobs in one transaction, each answered in ``job.result``; isolate failures.

    ``conn``: a Connection the caller keeps between batches (the writer's), else the session's.
    """
    try:
        _with_retries(jobs, conn, attempts=3 if len(jobs) == 1 else 1)
    except (IntegrityError, OperationalError) as exc:
        if len(jobs) == 1:
            jobs[0].result = exc
            return
        # one change (a racing resend, a duplicate id) must not fail the others
        for job in jobs:
            apply([job], conn)


def _with_retries(jobs: list[Job], conn: Any, attempts: int) -> None:
    for attempt in range(attempts):
        try:
            answers = _transaction(jobs, conn)
        except (IntegrityError, OperationalError):
            # a dropped connection is invalidated by the rollback and opened again by the retry
            _owner(conn).rollback()
            forget_docs()
            if attempt == attempts - 1:
                raise
            time.sleep(0.02 * (attempt + 1))
            continue
        except Exception:
            # an unexpected error: the cached documents may hold updates that were never committed
            _owner(conn).rollback()
            forget_docs()
            raise
        for job, answer in zip(jobs, answers, strict=True):
            job.result = answer
        return


def _owner(conn: Any) -> Any:
    """What commits or rolls back the batch: the writer's connection, or else the session."""
    return db.session if conn is None else conn


def _transaction(jobs: list[Job], held: Any = None) -> list[Any]:
    """Check, sequence, write and commit the jobs; return each one's answer."""
    conn = db.session.connection() if held is None else held
    answers: dict[int, Any] = {}
    by_meeting: dict[int, list[Job]] = defaultdict(list)
    for job in jobs:
        by_meeting[job.actor.meeting_id].append(job)
    written = []
    for meeting_id, group in by_meeting.items():
        written.append(_meeting_batch(conn, meeting_id, group, answers))
    _owner(held).commit()
    for reports in written:
        for report in reports.values():
            keep_doc(report.table_id, report.new_state or report.stored, report.doc)
    return [answers[id(job)] for job in jobs]


def _meeting_batch(conn, meeting_id: int, jobs: list[Job], answers: dict[int, Any]) -> dict[int, _Report]:
    ops = [job.command.op for job in jobs]
    # the batch's tokens that still work, joined to their storage budgets (one query)
    token_rows = conn.execute(
        sql.TOKENS_AND_BUDGETS, {"tokens": sorted({job.token for job in jobs})}
    ).mappings()
    alive, usage_rows = set(), []
    for row in token_rows:
        alive.add(row["token"])
        if row["token_id"] is not None:
            usage_rows.append(row)
    stored = dict(conn.execute(sql.STORED_OPS, {"meeting": meeting_id, "ops": ops}).all())
    # the meeting's phase with the batch's tables (one query)
    numbers = {job.actor.table_number for job in jobs}
    rows = conn.execute(sql.PHASE_AND_TABLES, {"meeting": meeting_id, "numbers": sorted(numbers)}).all()
    phase, closed_seq = rows[0].phase, rows[0].closed_seq
    tables = {row.number: row.id for row in rows if row.id is not None}
    entries = _lock_entries(conn, [job.command for job in jobs])
    usage = budget.BatchBudget(
        conn, {job.actor.token_id for job in jobs if job.token in alive}, rows=usage_rows
    )
    report_tables = {tables.get(j.actor.table_number) for j in jobs if isinstance(j.command, p.UpdateReport)}
    reports = _lock_reports(conn, report_tables - {None})
    inserted: dict[str, dict[str, Any]] = {}
    changed: set[str] = set()
    accepted: list[_Accepted] = []
    first_of_op: dict[str, Job] = {}
    for job in jobs:
        command = job.command
        if job.token not in alive:
            answers[id(job)] = TokenRevoked()
        elif command.op in stored:
            answers[id(job)] = Outcome(ack=stored[command.op])
        elif command.op in first_of_op:
            answers[id(job)] = first_of_op[command.op]  # the same op twice in one batch: resolved below
        else:
            first_of_op[command.op] = job
            try:
                job.logged = command.logged()
                usage.check(job.actor.token_id, job.actor.role, budget.estimate(command, job.logged))
                # as changes._table_for: a change made before the close still counts; curation goes on
                early = command.base is not None and closed_seq is not None and command.base < closed_seq
                if phase == "closed" and not early and job.actor.role != "secretariat":
                    raise ProtocolError("closed")
                table_id = tables.get(job.actor.table_number)
                if table_id is None:
                    raise ProtocolError("not_found", _l("Deze tafel bestaat niet meer."))
                accepted.append(_check(job, table_id, entries, inserted, changed, reports.get(table_id)))
            except ProtocolError as exc:
                answers[id(job)] = exc
    if accepted:
        _write(conn, meeting_id, accepted, entries, inserted, changed, reports, answers, usage)
    for job in jobs:
        first = answers[id(job)]
        if isinstance(first, Job):
            answers[id(job)] = answers[id(first)]
    return reports


def _lock_entries(conn, commands: list[p.Change]) -> dict[str, dict[str, Any]]:
    """The entries the batch names, locked in id order (PostgreSQL) against concurrent writers."""
    ids = sorted({c.id for c in commands if isinstance(c, p.AddEntry | p.UpdateEntry | p.DeleteEntry)})
    if not ids:
        return {}
    rows = conn.execute(sql.LOCK_ENTRIES, {"ids": ids}).mappings()
    return {row["id"]: dict(row) for row in rows}


def _lock_reports(conn, table_ids: set[int]) -> dict[int, _Report]:
    """The reports the batch changes, locked, each as a CRDT document (cached when still current)."""
    if not table_ids:
        return {}
    rows = conn.execute(sql.LOCK_REPORTS, {"tables": sorted(table_ids)}).all()
    versions = {
        row.id: _LatestVersion(row.version_id, row.actor, row.updated_at)
        for row in rows
        if row.version_id is not None
    }
    out = {}
    for table_id, text, state, *_ in rows:
        doc = cached_doc(table_id, state) or _fresh_doc(text, state)
        out[table_id] = _Report(table_id, doc, state, text or "", latest_version=versions.get(table_id))
    return out


def _fresh_doc(text: str, state: bytes | None, updates: tuple[bytes, ...] | list[bytes] = ()) -> Doc:
    doc = Doc()
    ytext = doc.get(REPORT_KEY, type=Text)
    if state:
        doc.apply_update(state)
    elif text:
        ytext += text
    for change in updates:
        doc.apply_update(change)
    return doc


def _check(job: Job, table_id: int, entries, inserted, changed, report: _Report | None) -> _Accepted:
    """Check one change against the stored state plus the batch's earlier changes; stage it."""
    command, number = job.command, job.actor.table_number
    if isinstance(command, p.UpdateReport):
        return _check_report(job, table_id, report)
    if isinstance(command, p.AddEntry):
        if command.id in entries:
            raise ProtocolError("invalid", _l("Er bestaat al een inbreng met deze id."))
        now = utcnow()
        row = {
            "id": command.id,
            "table_id": table_id,
            "text": command.text,
            "bollen": command.bollen,
            "horizons": command.horizons,
            "hidden": False,
            "created_seq": 0,  # set once the sequence is taken
            "created_at": now,
            "updated_at": now,
            "deleted_at": None,
            "author_key": job.actor.author,
        }
        entries[command.id] = inserted[command.id] = row
        return _Accepted(job, "entry", number, command.id, entry=_entry_dict(row))
    row = entries.get(command.id)
    if row is None or row["table_id"] != table_id or row["deleted_at"] is not None:
        raise ProtocolError("not_found")
    check_author(job.actor, row["author_key"])
    if command.id not in inserted:
        changed.add(command.id)
    if isinstance(command, p.DeleteEntry):
        row["deleted_at"] = utcnow()
        return _Accepted(job, "deleted", number, command.id)
    for name in ("text", "bollen", "horizons"):
        if (value := getattr(command, name)) is not None:
            row[name] = value
    row["updated_at"] = utcnow()
    return _Accepted(job, "entry", number, command.id, entry=_entry_dict(row))


def _check_report(job: Job, table_id: int, report: _Report) -> _Accepted:
    command: p.UpdateReport = job.command
    try:
        # refused out_of_sync when it builds on what the server lacks, invalid outside the text
        merge_update(report.doc, command.update)
        text = str(report.doc.get(REPORT_KEY, type=Text))
        if len(text) > LIMITS["report"]:
            raise ProtocolError(
                "too_large", _l("Het verslag is hoogstens %(limit)s tekens lang.", limit=LIMITS["report"])
            )
        stored_state(report.doc, report.stored)  # the stored state's byte cap
        # a character no document can hold, newly typed (as changes._merge_report)
        if (problem := text_problem(text, multiline=True)) and not text_problem(report.stored_text, True):
            raise ProtocolError("invalid", _l("Het verslag %(problem)s.", problem=problem))
    except ValueError:
        report.doc = _fresh_doc(report.stored_text, report.stored, report.accepted)
        raise ProtocolError("invalid", _l("De wijziging van het verslag is onleesbaar.")) from None
    except ProtocolError:
        # a CRDT update cannot be taken back: rebuild the document without it
        report.doc = _fresh_doc(report.stored_text, report.stored, report.accepted)
        raise
    report.accepted.append(command.update)
    report.text = text
    return _Accepted(
        job, "report", job.actor.table_number, "report", table_id=table_id, update=command.update, text=text
    )


def _entry_dict(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "text": row["text"],
        "bollen": list(row["bollen"]),
        "horizons": list(row["horizons"]),
        "hidden": bool(row["hidden"]),
        "author": author_tag(row["author_key"]),
    }


def _write(conn, meeting_id, accepted, entries, inserted, changed, reports, answers, usage) -> None:
    """Take the sequence numbers last, write everything with executemany, answer each change."""
    if changed:
        conn.execute(
            sql.UPDATE_ENTRIES,
            [{"b_id": i, **{k: entries[i][k] for k in ENTRY_FIELDS}} for i in sorted(changed)],
        )
    now = utcnow()
    touched = [r for r in reports.values() if r.accepted]
    for report in touched:
        report.new_state = report.doc.get_update()
    if touched:
        conn.execute(
            sql.UPDATE_REPORTS,
            [
                {"b_id": r.table_id, "report": r.text, "report_state": r.new_state, "updated_at": now}
                for r in touched
            ],
        )
    # the meeting's lock is taken here and held only for the last inserts and the commit
    last = conn.execute(sql.TAKE_SEQ, {"meeting": meeting_id, "count": len(accepted)}).scalar_one()
    log = []
    versions: dict[int, dict[str, Any]] = {}
    new_versions = []
    for seq, change in enumerate(accepted, start=last - len(accepted) + 1):
        job = change.job
        if change.kind == "report":
            ack = {"ok": True, "seq": seq, "length": len(change.text)}
            events = [report_event(change.table_number, change.update, change.text, seq)]
            started = len(new_versions)
            _version(reports[change.table_id], change.text, job.actor.label, seq, now, versions, new_versions)
            version_text = change.text if len(new_versions) > started else ""
        elif change.kind == "deleted":
            ack = {"ok": True, "seq": seq, "id": change.subject}
            events = [entry_deleted_event(change.table_number, change.subject, seq)]
        else:
            if change.subject in inserted and inserted[change.subject]["created_seq"] == 0:
                inserted[change.subject]["created_seq"] = seq
            data = change.entry
            ack = {"ok": True, "seq": seq, "entry": data}
            events = [entry_event(change.table_number, data, seq)]
        answers[id(job)] = Outcome(ack=ack, events=events)
        if change.kind != "report":
            version_text = ""
        usage.spend(job.actor.token_id, budget.logged_bytes(job.logged, ack) + len(version_text.encode()))
        log.append(
            {
                "meeting_id": meeting_id,
                "op_id": job.command.op,
                "seq": seq,
                "table_number": job.actor.table_number,
                "kind": job.command.kind,
                "subject": change.subject,
                "actor": job.actor.label,
                "payload": job.logged,
                "result": ack,
                "created_at": now,
            }
        )
    usage.write(conn)
    if inserted:
        conn.execute(sql.INSERT_ENTRIES, list(inserted.values()))
    if versions:
        conn.execute(sql.UPDATE_VERSIONS, list(versions.values()))
    if new_versions:
        conn.execute(sql.INSERT_VERSIONS, new_versions)
    conn.execute(sql.INSERT_OPS, log)


def _version(report: _Report, text: str, actor: str, seq: int, now, versions, new_versions) -> None:
    """Extend the author's current version of the report or start a new one (as changes.py does)."""
    latest = report.latest_version
    if isinstance(latest, dict):  # started in this batch
        if latest["actor"] == actor:
            latest.update(text=text, seq=seq, updated_at=now)
            return
    elif latest is not None and latest.actor == actor and now - aware(latest.updated_at) < VERSION_WINDOW:
        versions[latest.id] = {"b_id": latest.id, "text": text, "seq": seq, "updated_at": now}
        return
    row = {"table_id": report.table_id, "seq": seq, "actor": actor, "text": text}
    row.update(created_at=now, updated_at=now)
    new_versions.append(row)
    report.latest_version = row
