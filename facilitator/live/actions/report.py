"""The table's report: the rapporteur's CRDT updates (`report:update`) and curation's new text
(`report:set`, merged as CRDT edits so that nobody typing at that moment loses a keystroke).

Both are staged in the batch (batch.py) on the table's document; each keeps the report's
history of versions (per author, extended within VERSION_WINDOW).
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
from ...rules import LIMITS, text_problem
from .. import fields
from ..batch import Job, MeetingBatch, Report, Staged
from ..errors import ProtocolError
from ..protocol import Change, Template, change_fields
from ..registry import Action, Event, emits, register
from ..report import REPORT, ensure_report_state, merge_update, report_text, stored_state, text_edit_update
from ..snapshot import aware, logged_table, report_event

VERSION_WINDOW = timedelta(minutes=2)


@dataclass(frozen=True, kw_only=True)
class UpdateReport(Change):
    """`report:update`: a decoded CRDT update of the report."""

    kind = "report:update"
    update: bytes

    def logged(self) -> dict[str, Any]:
        """The update as the client sent it (base64)."""
        return {"base": self.base, "update": base64.b64encode(self.update).decode()}


@dataclass(frozen=True, kw_only=True)
class SetReportText(Change):
    """Curation: the report's whole new text, merged as CRDT edits."""

    kind = "report:set"
    text: str

    def logged(self) -> dict[str, Any]:
        """Only the length: the text itself is kept in the report's versions."""
        return {"text_length": len(self.text)}


def parse_update(payload: Any, template: Template) -> UpdateReport:
    """Read `report:update`."""
    payload, common = change_fields(payload)
    return UpdateReport(**common, update=fields.crdt_update(payload))


def parse_set(payload: Any, template: Template) -> SetReportText:
    """Read curation's new report text."""
    payload, common = change_fields(payload)
    return SetReportText(**common, text=fields.report_text(payload))


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
    number, label = job.table_number, job.caller.label

    def finish(seq: int) -> tuple[dict[str, Any], list[Event], int]:
        started = _version(batch, report, text, label, seq, new_version)
        return {"length": len(text)}, [report_event(number, update, text, seq)], len(text.encode()) * started

    return Staged(job, "report", finish)


def stage_update(batch: MeetingBatch, job: Job, table_id: int) -> Staged:
    """Merge a CRDT update into the table's report (refused out_of_sync when it builds on what
    the server lacks, invalid outside the text)."""
    report, update = batch.reports[table_id], cast(UpdateReport, job.command).update
    try:
        merge_update(report.doc, update)
        text = checked_text(report)
    except ProtocolError:
        report.rebuild()
        raise
    return _stage(batch, job, report, update, text, new_version=False)


def stage_set(batch: MeetingBatch, job: Job, table_id: int) -> Staged:
    """Curation: turn the report into the new text with minimal CRDT edits; always a new version."""
    report = batch.reports[table_id]
    try:
        update = text_edit_update(report.doc, cast(SetReportText, job.command).text)
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
    row = {"table_id": report.table_id, "seq": seq, "actor": actor, "text": text}
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
    return [report_event(number, ensure_report_state(table, REPORT), table.report or "", row.seq)]


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
