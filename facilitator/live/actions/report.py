"""The table's report: the rapporteur's CRDT updates (`report:update`) and curation's new text
(`report:set`, merged as CRDT edits so that nobody typing at that moment loses a keystroke).

Both are staged in the batch (batch.py) on the table's document; each keeps the report's
history of versions (per author, extended within VERSION_WINDOW). In a meeting held in rounds
a table has a report per round: a change names its ``round`` (absent: round 1, the table's own
report; a later round's lives in round_report, see facilitator/round_reports.py).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...extensions import db
from ...models import Operation, RoundTable
from ...round_reports import round_report_row
from ...rules import LIMITS, text_problem
from .. import fields
from .. import statements as sql
from ..batch import Job, LatestVersion, MeetingBatch, Report, Staged
from ..errors import ProtocolError
from ..protocol import Change, Template, change_fields
from ..registry import Action, Event, emits, register
from ..report import (
    REPORT,
    cached_doc,
    ensure_report_state,
    fresh_doc,
    merge_update,
    report_text,
    stored_state,
    text_edit_update,
)
from ..snapshot import aware, logged_table, report_event

VERSION_WINDOW = timedelta(minutes=2)


@dataclass(frozen=True, kw_only=True)
class UpdateReport(Change):
    """`report:update`: a decoded CRDT update of the report."""

    kind = "report:update"
    update: bytes
    round: int | None = None  # the round whose report it edits (None: round 1's, the table's own)

    def logged(self) -> dict[str, Any]:
        """The update as the client sent it (base64)."""
        logged = {"base": self.base, "update": base64.b64encode(self.update).decode()}
        return logged | ({"round": self.round} if (self.round or 1) != 1 else {})


@dataclass(frozen=True, kw_only=True)
class SetReportText(Change):
    """Curation: the report's whole new text, merged as CRDT edits."""

    kind = "report:set"
    text: str
    round: int | None = None

    def logged(self) -> dict[str, Any]:
        """Only the length: the text itself is kept in the report's versions."""
        return {"text_length": len(self.text)} | ({"round": self.round} if (self.round or 1) != 1 else {})


def _round(payload: dict[str, Any], template: Template) -> int | None:
    """The round a change names: one of the meeting's (None when it names none)."""
    return fields.whole_number(payload, "round", 1, max(1, len(template.rounds)), required=False)


def parse_update(payload: Any, template: Template) -> UpdateReport:
    """Read `report:update`."""
    payload, common = change_fields(payload)
    return UpdateReport(**common, update=fields.crdt_update(payload), round=_round(payload, template))


def parse_set(payload: Any, template: Template) -> SetReportText:
    """Read curation's new report text."""
    payload, common = change_fields(payload)
    return SetReportText(**common, text=fields.report_text(payload), round=_round(payload, template))


def round_report(batch: MeetingBatch, table_id: int, number: int) -> Report:
    """The table's report of round ``number`` in the batch: round 1's is the table's own (locked
    and read with the batch); a later round's is read the first time (its table's row is locked)."""
    if number == 1:
        return batch.reports[table_id]
    key = (table_id, number)
    if key not in batch.round_reports:
        conn, where = batch.conn, {"table": table_id, "number": number}
        row = conn.execute(sql.ROUND_REPORT, where).first()
        latest = conn.execute(sql.ROUND_LATEST_VERSION, where).first()
        text, state = (row.report or "", row.report_state) if row is not None else ("", None)
        cached = cached_doc(table_id, state, round_number=number) if batch.cache else None
        batch.round_reports[key] = Report(
            table_id,
            cached or fresh_doc(text, state),
            state,
            text,
            latest_version=LatestVersion(*latest) if latest is not None else None,
            round_number=number,
            row_id=row.id if row is not None else None,
        )
    return batch.round_reports[key]


def checked_text(report: Report) -> str:
    """The report's text after the staged edit, refused when it breaks a limit.

    Too long, a stored state past its byte cap, or a character no document can hold newly
    typed (one already stored does not block typing).
    """
    text = report_text(report.doc)
    if len(text) > LIMITS["report"]:
        raise ProtocolError(
            "too_large", _l("Het verslag is hoogstens %(limit)s tekens lang.", limit=LIMITS["report"])
        )
    stored_state(report.doc, report.stored)  # the stored state's byte cap
    if (problem := text_problem(text, multiline=True)) and not text_problem(report.stored_text, True):
        raise ProtocolError("invalid", _l("Het verslag %(problem)s.", problem=problem))
    return text


def _stage(
    batch: MeetingBatch, job: Job, report: Report, update: bytes, text: str, new_version: bool
) -> Staged:
    report.accepted.append(update)
    report.text = text
    number, label, round_number = job.table_number, job.caller.label, report.round_number
    extra = {"round": round_number} if round_number != 1 else {}

    def finish(seq: int) -> tuple[dict[str, Any], list[Event], int]:
        started = _version(batch, report, text, label, seq, new_version)
        event = report_event(number, update, text, seq, round_number)
        return {"length": len(text), **extra}, [event], len(text.encode()) * started

    return Staged(job, "report" if round_number == 1 else f"report:{round_number}", finish)


def stage_update(batch: MeetingBatch, job: Job, table_id: int) -> Staged:
    """Merge a CRDT update into the table's report (refused out_of_sync when it builds on what
    the server lacks, invalid outside the text)."""
    command = cast(UpdateReport, job.command)
    report, update = round_report(batch, table_id, command.round or 1), command.update
    try:
        merge_update(report.doc, update)
        text = checked_text(report)
    except ProtocolError:
        report.rebuild()
        raise
    return _stage(batch, job, report, update, text, new_version=False)


def stage_set(batch: MeetingBatch, job: Job, table_id: int) -> Staged:
    """Curation: turn the report into the new text with minimal CRDT edits; always a new version."""
    command = cast(SetReportText, job.command)
    report = round_report(batch, table_id, command.round or 1)
    try:
        update = text_edit_update(report.doc, command.text)
        text = checked_text(report)
    except ProtocolError:
        report.rebuild()
        raise
    return _stage(batch, job, report, update, text, new_version=True)


def _version(batch: MeetingBatch, report: Report, text: str, actor: str, seq: int, new: bool) -> bool:
    """Extend the author's current version of the report, or start a new one (True)."""
    latest, now = report.latest_version, batch.now
    if not new:
        if isinstance(latest, dict):  # started in this batch
            if latest["actor"] == actor:
                latest.update(text=text, seq=seq, updated_at=now)
                return False
        elif latest is not None and latest.actor == actor and now - aware(latest.updated_at) < VERSION_WINDOW:
            batch.versions[latest.id] = {"b_id": latest.id, "text": text, "seq": seq, "updated_at": now}
            return False
    round_number = report.round_number if report.round_number != 1 else None
    row = {"table_id": report.table_id, "seq": seq, "actor": actor, "text": text}
    row["round_number"] = round_number
    row.update(created_at=now, updated_at=now)
    batch.new_versions.append(row)
    report.latest_version = row
    return True


def replay_report(row: Operation) -> list[Event]:
    """The report's whole current state: it merges into any client's document like the update
    (nothing for a table removed since)."""
    number = logged_table(row)
    table = db.session.execute(
        select(RoundTable).where(RoundTable.meeting_id == row.meeting_id, RoundTable.number == number)
    ).scalar_one_or_none()
    if table is None:  # removed since (the secretariat's edit): the pages were asked to refresh
        return []
    round_number = (row.payload or {}).get("round", 1)
    if round_number == 1:
        return [report_event(number, ensure_report_state(table, REPORT), table.report or "", row.seq)]
    stored = round_report_row(table, round_number)
    if stored is None:
        return []
    return [report_event(number, ensure_report_state(stored, REPORT), stored.report, row.seq, round_number)]


emits("report", "table")
_report: dict[str, Any] = {
    "engine": "batch",
    "locks": "report",
    "replay": replay_report,
    "replay_last": "report",
}
register(
    Action(
        "report:update", ("rapporteur",), parse_update, command=UpdateReport, stage=stage_update, **_report
    ),
    Action(
        "report:set",
        ("secretariat",),
        parse_set,
        live=False,
        command=SetReportText,
        stage=stage_set,
        **_report,
    ),
)
