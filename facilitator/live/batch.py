"""The executor's batch: many changes in one transaction, each checked and answered on its own.

`apply(jobs)` reads what every meeting's changes need in one round trip, in meeting order
(plan.py), the meeting's row with its sequence number last, locked to the commit. It checks
every change on its own against the stored state and the batch's earlier changes (each
action's ``stage``, declared in live/actions/: a refusal answers that change only), numbers
the accepted ones from the sequence number it read, then writes the staged rows with core SQL
(executemany), logs them (``Operation``), sets the meeting's sequence number and commits, in
a second round trip. The meeting row stays locked from the read to the commit, so changes
commit in sequence order on every database and process: a client that has seen seq N has
also been able to see every seq below N. A
resent op id is answered with its stored acknowledgement; a failed batch is retried one
change at a time. Live traffic comes in batches of N (writer.py); curation and the command
line send batches of one (executor.py).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pycrdt import Doc, Text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import Meeting, RoundTable, utcnow
from . import budget, roundtrips
from . import statements as sql
from .errors import ProtocolError, TokenRevoked
from .plan import Plan
from .protocol import Change
from .registry import ACTIONS, Caller, Event, Outcome, check_open, table_gone
from .report import cached_doc, forget_docs, fresh_doc, keep_doc

ENTRY_FIELDS = ("text", "bollen", "horizons", "hidden", "waiting", "deleted_at", "updated_at")


@dataclass(frozen=True)
class LatestVersion:
    """A report's newest stored version: whose, and when it last changed."""

    id: int
    actor: str
    updated_at: Any


@dataclass
class Job:
    """One change waiting for the batch: who, what, and its answer."""

    caller: Caller
    command: Change
    # an Outcome, or the exception to raise in the caller (ProtocolError, a database error)
    result: Any = None
    logged: dict[str, Any] = field(default_factory=dict)  # command.logged(), computed once

    @property
    def table_number(self) -> int:
        """The caller's table (a change to its own table: the batch has checked that it exists)."""
        number = self.caller.table_number
        if number is None:
            raise table_gone()
        return number


# finish(seq) -> the acknowledgement's fields, the events, bytes written beside the log (budget)
Finish = Callable[[int], tuple[dict[str, Any], list[Event], int]]


@dataclass
class Staged:
    """A change its action accepted, waiting for its sequence number."""

    job: Job
    subject: str
    finish: Finish


@dataclass
class Report:
    """A table's report within the batch: its document and what to write once."""

    table_id: int
    doc: Doc[Text]
    stored: bytes | None
    stored_text: str
    accepted: list[bytes] = field(default_factory=list)
    text: str = ""
    new_state: bytes | None = None
    latest_version: Any = None
    round_number: int = 1  # a round after the first: its row in round_report (``row_id``, None: new)
    row_id: int | None = None

    def rebuild(self) -> None:
        """A refused update cannot be taken out of a CRDT document: make it again without it."""
        self.doc = fresh_doc(self.stored_text, self.stored, self.accepted)


@dataclass
class MeetingBatch:
    """One meeting's part of a batch: the rows it read and what its changes staged to write."""

    conn: Any
    meeting_id: int
    tables: dict[int, int]  # number -> id
    entries: dict[str, dict[str, Any]]  # the named entries as read, changed in place
    reports: dict[int, Report]
    round_reports: dict[tuple[int, int], Report] = field(default_factory=dict)  # (table id, round)
    inserted: dict[str, dict[str, Any]] = field(default_factory=dict)
    changed: set[str] = field(default_factory=set)
    reseq: dict[str, int] = field(default_factory=dict)  # restored entries: their new created_seq
    versions: dict[int, dict[str, Any]] = field(default_factory=dict)  # report versions extended
    new_versions: list[dict[str, Any]] = field(default_factory=list)
    now: datetime = field(default_factory=utcnow)
    # the round the tables are in, its template ("bollen", "none") and moderation ("live",
    # "approval"); both None without [[rounds]]
    current_round: tuple[int, str | None, str | None] = (1, None, None)
    cache: bool = True  # reuse this process's report documents (apply's ``cache``)
    on_session: bool = True  # the batch runs on db.session's connection (else the writer's own)
    orm: Session | None = None  # the session of the changes made on models (``session()``)
    meeting: Meeting | None = None  # the meeting, locked (``locked_meeting()``)
    _previous: Any = None

    def session(self) -> Session:
        """An ORM session on the batch's connection and transaction, for the actions that change
        models (attendance, the chair's, the minute-taker's); ``db.session`` is it meanwhile."""
        if self.orm is None:
            if self.on_session:
                self.orm = db.session()
            else:  # the writer's own connection: a session joined to its transaction
                # its own SAVEPOINT in the batch's transaction, released when the batch is written
                self.orm = Session(bind=self.conn, join_transaction_mode="create_savepoint")
                self._previous = db.session() if db.session.registry.has() else None
                db.session.registry.set(self.orm)  # type: ignore[arg-type]  # a plain Session serves
        return self.orm

    def close(self, written: bool) -> None:
        """Give db.session back; a session of its own releases its savepoint into the batch's
        transaction (``written``) or rolls back to it (the batch's connection commits or rolls back)."""
        if self.orm is not None and not self.on_session:
            try:
                if written:
                    self.orm.commit()
            finally:
                self.orm.close()
            if self._previous is not None:
                db.session.registry.set(self._previous)
            else:
                db.session.registry.clear()

    def locked_meeting(self) -> Meeting:
        """The meeting as a model (its row locked to the commit by the batch's reads, plan.py)."""
        if self.meeting is None:
            meeting = self.session().get(Meeting, self.meeting_id, populate_existing=True)
            if meeting is None:  # deleted meanwhile: its tokens went with it
                raise TokenRevoked()
            self.meeting = meeting
        return self.meeting

    def moderation(self, number: int) -> str | None:
        """Whether participants' entries of round ``number`` wait for the rapporteur ("approval")."""
        current, _, moderation = self.current_round
        if number == current:
            return moderation
        found = self.conn.execute(
            sql.ROUND_MODERATION, {"meeting": self.meeting_id, "number": number}
        ).scalar()
        return str(found) if found is not None else None

    def all_reports(self) -> list[Report]:
        """Every report the batch read: the tables' own and those of later rounds."""
        return [*self.reports.values(), *self.round_reports.values()]

    def table_row(self, table_id: int) -> RoundTable:
        """A table of the meeting as a model, in the batch's session (read now)."""
        table = self.session().get(RoundTable, table_id, populate_existing=True)
        if table is None:
            raise table_gone()
        return table


def apply(jobs: list[Job], conn: Any = None, cache: bool = True) -> None:
    """Apply the jobs in one transaction, each answered in ``job.result``; isolate failures.

    ``conn``: a Connection the caller keeps between batches (the writer's), else the session's.
    ``cache``: reuse (and keep) this process's report documents — the writer's batches do; a
    batch inside a larger transaction (curation) does not, since that may still roll back.
    """
    try:
        _with_retries(jobs, conn, cache, attempts=3 if len(jobs) == 1 else 1)
    except (IntegrityError, OperationalError) as exc:
        if len(jobs) == 1:
            jobs[0].result = exc
            return
        # one change (a racing resend, a duplicate id) must not fail the others
        for job in jobs:
            apply([job], conn, cache)


def _with_retries(jobs: list[Job], conn: Any, cache: bool, attempts: int) -> None:
    for attempt in range(attempts):
        try:
            answers = _transaction(jobs, conn, cache)
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


def _transaction(jobs: list[Job], held: Any, cache: bool) -> list[Any]:
    """Check, sequence, write and commit the jobs; return each one's answer."""
    conn = db.session.connection() if held is None else held
    answers: dict[int, Any] = {}
    by_meeting: dict[int, list[Job]] = defaultdict(list)
    for job in jobs:
        by_meeting[job.caller.meeting_id].append(job)
    # every meeting's reads in one round trip, in meeting order: the locks they take (for each
    # meeting its entries, its reports, then its row with the sequence) come in the same order in
    # every batch
    plans = [Plan.of(meeting_id, by_meeting[meeting_id]) for meeting_id in sorted(by_meeting)]
    rows = iter(roundtrips.reads(conn, [query for plan in plans for query in plan.queries]))
    reports: list[Report] = []
    writes: list[Callable[[], None]] = []
    for plan in plans:
        found = [next(rows) for _ in plan.queries]
        read, write = _meeting_batch(conn, plan, found, answers, cache, held is None)
        reports += read
        writes += [write] if write is not None else []
    for job in jobs:  # the same op twice in one batch: the second gets the first's answer
        if isinstance(first := answers[id(job)], Job):
            answers[id(job)] = answers[id(first)]
    with roundtrips.pipeline(conn) as pipe:  # every meeting's writes with the COMMIT: one round trip
        for write in writes:
            write()
        if held is not None:  # the session commits itself (it may still have to flush)
            pipe.commit()
    _owner(held).commit()
    if cache:
        for report in reports:
            state = report.new_state or report.stored
            keep_doc(report.table_id, state, report.doc, round_number=report.round_number)
    return [answers[id(job)] for job in jobs]


def _meeting_batch(
    conn: Connection,
    plan: Plan,
    found: list[list[Any]],
    answers: dict[int, Any],
    cache: bool,
    on_session: bool,
) -> tuple[list[Report], Callable[[], None] | None]:
    """One meeting's part: its changes checked and staged on the rows its plan ``found``, and
    numbered; what remains to write (sent with the COMMIT)."""
    meeting_id, jobs = plan.meeting_id, plan.jobs
    stored_rows, rows, *more, sequence = found
    token_rows = more.pop(0) if plan.tokens else []
    entries = {row["id"]: dict(row) for row in more.pop(0)} if plan.entry_ids else {}
    reports = _reports(more.pop(0), cache) if plan.wanted else {}
    alive: set[str | None] = {None, *(row["token"] for row in token_rows)}  # None: curation, no link
    usage_rows = [row for row in token_rows if row["token_id"] is not None]
    stored = {row["op_id"]: row["result"] for row in stored_rows}
    phase, closed_seq = rows[0]["phase"], rows[0]["closed_seq"]
    tables = {row["number"]: row["id"] for row in rows if row["id"] is not None}
    current_round = (rows[0]["current_round"] or 1, rows[0]["round_template"], rows[0]["round_moderation"])
    batch = MeetingBatch(conn, meeting_id, tables, entries, reports)
    batch.on_session = on_session
    batch.cache = cache
    batch.current_round = current_round
    usage = budget.BatchBudget(
        conn, {job.caller.token_id for job in jobs if job.caller.token in alive}, rows=usage_rows
    )
    write, written = None, False
    try:
        accepted = _stage_all(batch, jobs, alive, stored, (phase, closed_seq), usage, answers)
        if accepted:
            write = _write(batch, accepted, sequence[0]["seq"], answers, usage)
        written = True
    finally:
        batch.close(written)
    return batch.all_reports(), write


def _stage_all(
    batch: MeetingBatch,
    jobs: list[Job],
    alive: set[str | None],
    stored: dict[str, Any],
    phase_and_close: tuple[str, int | None],
    usage: budget.BatchBudget,
    answers: dict[int, Any],
) -> list[Staged]:
    """Answer resends and revoked links; let each other change's action check and stage it."""
    phase, closed_seq = phase_and_close
    accepted: list[Staged] = []
    first_of_op: dict[str, Job] = {}
    for job in jobs:
        command = job.command
        if job.caller.token not in alive:
            answers[id(job)] = TokenRevoked()
        elif command.op in stored:
            answers[id(job)] = Outcome(ack=stored[command.op])
        elif command.op in first_of_op:
            answers[id(job)] = first_of_op[command.op]  # the same op twice in one batch: resolved below
        else:
            first_of_op[command.op] = job
            try:
                job.logged = command.logged()
                usage.check(job.caller.token_id, job.caller.role, budget.estimate(command, job.logged))
                action = ACTIONS[command.kind]
                table_id = None
                if action.scope == "table":
                    check_open(phase, closed_seq, command.base, job.caller.role)
                    table_id = batch.tables.get(job.table_number)
                    if table_id is None:
                        raise table_gone()
                if action.stage is not None:
                    accepted.append(action.stage(batch, job, table_id))
                else:
                    accepted.append(_stage_model_change(batch, job, action, table_id))
            except ProtocolError as exc:
                answers[id(job)] = exc
    return accepted


def _stage_model_change(batch: MeetingBatch, job: Job, action: Any, table_id: int | None) -> Staged:
    """An action that changes models (``apply``): run on the locked meeting (or the caller's table)
    in a savepoint of its own, so that its refusal undoes only it."""
    meeting = batch.locked_meeting()
    target = batch.table_row(table_id) if table_id is not None else meeting
    session = batch.session()
    nested = session.begin_nested()
    try:
        subject, finish = action.apply(job.caller, job.command, target)
        session.flush()
    except BaseException:
        nested.rollback()
        raise
    nested.commit()

    def finished(seq: int) -> tuple[dict[str, Any], list[Event], int]:
        fields, events = finish(seq)
        return fields, events, 0

    return Staged(job, subject, finished)


def _reports(rows: list[Any], cache: bool = True) -> dict[int, Report]:
    """The reports the batch changes, read locked (LOCK_REPORTS), each as a CRDT document
    (this process's cached one when still current)."""
    out = {}
    for row in rows:
        table_id, state, version = row["id"], row["report_state"], row["version_id"]
        latest = LatestVersion(version, row["actor"], row["updated_at"]) if version is not None else None
        doc = (cached_doc(table_id, state) if cache else None) or fresh_doc(row["report"], state)
        out[table_id] = Report(table_id, doc, state, row["report"] or "", latest_version=latest)
    return out


def _write_round_reports(batch: MeetingBatch, touched: list[Report]) -> None:
    """The reports of rounds after the first: their rows updated, or made the first time."""
    rows = [
        {"report": r.text, "report_state": r.new_state, "updated_at": batch.now, "table_id": r.table_id}
        | ({"b_id": r.row_id} if r.row_id is not None else {"round_number": r.round_number})
        for r in touched
    ]
    if changed := [{k: v for k, v in row.items() if k != "table_id"} for row in rows if "b_id" in row]:
        batch.conn.execute(sql.UPDATE_ROUND_REPORTS, changed)
    if new := [row for row in rows if "b_id" not in row]:
        batch.conn.execute(sql.INSERT_ROUND_REPORTS, new)


def _updates(batch: MeetingBatch, last: int) -> None:
    """The rows and reports the changes updated, and the meeting's sequence number (``last``)."""
    conn, entries = batch.conn, batch.entries
    touched = [r for r in batch.all_reports() if r.accepted]
    for report in touched:
        report.new_state = report.doc.get_update()
    firsts = [r for r in touched if r.round_number == 1]
    if batch.changed:
        conn.execute(
            sql.UPDATE_ENTRIES,
            [{"b_id": i, **{k: entries[i][k] for k in ENTRY_FIELDS}} for i in sorted(batch.changed)],
        )
    if firsts:
        reports = [{"b_id": r.table_id, "report": r.text, "report_state": r.new_state} for r in firsts]
        conn.execute(sql.UPDATE_REPORTS, [row | {"updated_at": batch.now} for row in reports])
    _write_round_reports(batch, [r for r in touched if r.round_number != 1])
    conn.execute(sql.SET_SEQ, {"meeting": batch.meeting_id, "last": last, "updated_at": batch.now})


def _write(
    batch: MeetingBatch, accepted: list[Staged], read: int, answers: dict[int, Any], usage: budget.BatchBudget
) -> Callable[[], None]:
    """Answer each change with its sequence number (the next after ``read``, the meeting's); return
    the writes (executemany), which the batch sends with its COMMIT."""
    conn = batch.conn
    log = []
    for seq, change in enumerate(accepted, start=read + 1):
        job = change.job
        fields, events, beside = change.finish(seq)
        ack = {"ok": True, "seq": seq, **fields}
        # a meeting-level change is logged at the table it touched (entry:hide, the feedback)
        number = job.caller.table_number
        if ACTIONS[job.command.kind].scope == "meeting":
            number = next((d["table"] for _, d in events if isinstance(d.get("table"), int)), None)
        answers[id(job)] = Outcome(ack=ack, events=events)
        usage.spend(job.caller.token_id, budget.logged_bytes(job.logged, ack) + beside)
        log.append(
            {
                "meeting_id": batch.meeting_id,
                "op_id": job.command.op,
                "seq": seq,
                "table_number": number,
                "kind": job.command.kind,
                "subject": change.subject,
                "actor": job.caller.label,
                "payload": job.logged,
                "result": ack,
                "created_at": batch.now,
            }
        )
    if batch.orm is not None:
        batch.orm.flush()  # what the changes on models did once they had their seq

    def rest() -> None:  # sent with the commit (_transaction)
        _updates(batch, read + len(accepted))
        usage.write(conn)
        if batch.inserted:
            conn.execute(sql.INSERT_ENTRIES, list(batch.inserted.values()))
        if batch.reseq:
            # a restored entry comes back at the end: its created_seq is the restore's
            conn.execute(
                sql.UPDATE_ENTRIES, [{"b_id": i, "created_seq": s} for i, s in sorted(batch.reseq.items())]
            )
        if batch.versions:
            conn.execute(sql.UPDATE_VERSIONS, list(batch.versions.values()))
        if batch.new_versions:
            conn.execute(sql.INSERT_VERSIONS, batch.new_versions)
        conn.execute(sql.INSERT_OPS, log)

    return rest
