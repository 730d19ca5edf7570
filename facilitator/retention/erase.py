"""Erase the personal data of meetings whose retention period has passed, or delete them.

Personal data here: the names of participants and of the leader, rapporteur and spokesperson;
the names people gave their device (presence, and the change log's and report versions'
"who"); the tags of device keys on entries; the throttling records' addresses. What people
typed as content (entries, reports, the plenary feedback) stays in "anonymise" mode: it is
the published annex's text. Afterwards the database file is rewritten (SQLite: VACUUM and a
WAL checkpoint; PostgreSQL: VACUUM FULL of the tables involved and a CHECKPOINT) so the old
bytes are gone from it, and export files the tool kept for the meeting are removed.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import delete, select, update

from ..extensions import db
from ..models import (
    AccessToken,
    Entry,
    LoginFailure,
    Meeting,
    Operation,
    Participant,
    Presence,
    ReportVersion,
    utcnow,
)
from ..votes import Ballot, Vote

log = logging.getLogger(__name__)

MODES = ("anonymise", "delete")
# keys under which the change log keeps names (payloads and results): emptied, recursively
NAME_KEYS: dict[str, Any] = {
    "participants": [],
    "leader": None,
    "rapporteur": None,
    "spokesperson": None,
    "name": "",
    "people": [],
}
# a key that carries a device key's tag
TAG_KEYS = ("author",)
# tables rewritten on PostgreSQL after an erasure (VACUUM FULL)
REWRITTEN = (
    "participant",
    "round_table",
    "entry",
    "operation",
    "presence",
    "report_version",
    "access_token",
    "login_failure",
    "meeting",
)


@dataclass
class Outcome:
    """What one run did: the slugs of the meetings anonymised and deleted."""

    anonymised: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    login_failures: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.anonymised or self.deleted or self.login_failures)


def retention_days(meeting: Meeting) -> int:
    return meeting.retention_days or int(current_app.config["RETENTION_DAYS"])


def retention_mode(meeting: Meeting) -> str:
    return meeting.retention_mode or str(current_app.config["RETENTION_MODE"])


def erase_date(meeting: Meeting) -> date:
    """The first day on which the meeting's personal data is erased: the period counts from the
    meeting's date, or from the day it was made or imported when that is later (a meeting from
    the archive imported today, or the demo meeting of a first start, keeps its full period)."""
    made = meeting.created_at.date() if meeting.created_at is not None else meeting.date
    return max(meeting.date, made) + timedelta(days=retention_days(meeting) + 1)


def due(meeting: Meeting, today: date) -> bool:
    """Whether retention has work to do on the meeting today."""
    if today < erase_date(meeting):
        return False
    return retention_mode(meeting) == "delete" or meeting.personal_data_erased_at is None


def _scrub(value: Any) -> Any:
    """A logged payload or result without names and device tags (its shape kept)."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in NAME_KEYS:
                out[key] = NAME_KEYS[key]
            elif key in TAG_KEYS:
                out[key] = None
            else:
                out[key] = _scrub(item)
        return out
    if isinstance(value, list):
        return [_scrub(item) for item in value]
    return value


def _role_only(label: str) -> str:
    """'rapporteur:Anna' → 'rapporteur' (who: the role stays, the name goes)."""
    return label.split(":", 1)[0]


def anonymise(meeting: Meeting) -> None:
    """Erase the meeting's personal data in the current transaction (the texts stay)."""
    table_ids = [t.id for t in meeting.tables]
    for table in meeting.tables:
        table.leader = table.rapporteur = table.spokesperson = None
        table.ready_at = None
    if table_ids:
        db.session.execute(delete(Participant).where(Participant.table_id.in_(table_ids)))
        db.session.execute(update(Entry).where(Entry.table_id.in_(table_ids)).values(author_key=None))
        for version in db.session.execute(
            select(ReportVersion).where(ReportVersion.table_id.in_(table_ids))
        ).scalars():
            version.actor = _role_only(version.actor)
    db.session.execute(delete(Presence).where(Presence.meeting_id == meeting.id))
    # a ballot's voter (a keyed hash of a device key) goes too; the counts stay
    ballots = select(Ballot).join(Vote, Ballot.vote_id == Vote.id).where(Vote.meeting_id == meeting.id)
    for ballot in db.session.execute(ballots).scalars():
        ballot.voter = f"erased-{ballot.id}"
    for row in db.session.execute(select(Operation).where(Operation.meeting_id == meeting.id)).scalars():
        row.actor = _role_only(row.actor)
        row.payload = _scrub(row.payload or {})
        row.result = _scrub(row.result or {})
    now = utcnow()
    db.session.execute(
        update(AccessToken)
        .where(AccessToken.meeting_id == meeting.id, AccessToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    meeting.personal_data_erased_at = now
    db.session.expire(meeting, ["tables"])


def _remove_export_files(slug: str) -> int:
    """The export jobs' files of the meeting (status and result), which carry its names."""
    directory = Path(current_app.config["INSTANCE_DIR"]) / "annex-exports"
    removed = 0
    if not directory.is_dir():
        return 0
    for status_path in directory.glob("*.json"):
        try:
            status = json.loads(status_path.read_text())
        except (OSError, ValueError):
            continue
        if status.get("slug") != slug:
            continue
        for path in directory.glob(f"{status_path.stem}*"):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def rewrite_database() -> None:
    """Rewrite the database so that erased values are gone from its files (see the module)."""
    db.session.commit()
    engine = db.engine
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("VACUUM")
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        elif engine.dialect.name == "postgresql":
            connection.exec_driver_sql(f"VACUUM FULL {', '.join(REWRITTEN)}")
            try:
                connection.exec_driver_sql("CHECKPOINT")
            except Exception:  # needs superuser or pg_checkpoint: the docs say what remains then
                log.warning("CHECKPOINT after retention was refused; WAL keeps old pages until recycled")


def run(today: date | None = None, dry_run: bool = False) -> Outcome:
    """Erase or delete every meeting whose retention period has passed; old throttling records go."""
    from ..audit.trail import record

    today = today or date.today()
    outcome = Outcome()
    for meeting in db.session.execute(select(Meeting).order_by(Meeting.date, Meeting.id)).scalars().all():
        if not due(meeting, today):
            continue
        mode = retention_mode(meeting)
        (outcome.deleted if mode == "delete" else outcome.anonymised).append(meeting.slug)
        if dry_run:
            continue
        if mode == "delete":
            delete_meeting(meeting, reason="retention", rewrite=False)
        else:
            anonymise(meeting)
            db.session.commit()
            _remove_export_files(meeting.slug)
            record("personal_data_erased", meeting, reason="retention", days=retention_days(meeting))
    window = timedelta(seconds=int(current_app.config["LOGIN_ACCOUNT_WINDOW_SECONDS"]))
    stale = (
        db.session.execute(select(LoginFailure).where(LoginFailure.last_at < utcnow() - window))
        .scalars()
        .all()
    )
    outcome.login_failures = len(stale)
    if not dry_run:
        for row in stale:
            db.session.delete(row)
        db.session.commit()
        if outcome.changed:
            rewrite_database()
    return outcome


def delete_meeting(meeting: Meeting, reason: str, rewrite: bool = True) -> None:
    """Delete the meeting with everything of it (the audit trail keeps that it happened)."""
    from ..audit.trail import record

    slug = meeting.slug
    record_meeting = Meeting(slug=meeting.slug, title=meeting.title)  # a detached stand-in for the trail
    tables = len(meeting.tables)
    db.session.delete(meeting)
    db.session.commit()
    _remove_export_files(slug)
    record("meeting_deleted", record_meeting, reason=reason, tables=tables)
    if rewrite:
        rewrite_database()
