"""History of entries and reports, read from the change log and the report versions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..models import Operation, ReportVersion, RoundTable

KIND_LABELS = {
    "entry:import": _l("Geïmporteerd"),
    "entry:add": _l("Toegevoegd"),
    "entry:update": _l("Gewijzigd"),
    "entry:delete": _l("Verwijderd"),
    "entry:restore": _l("Teruggezet"),
    "entry:revert": _l("Eerdere versie teruggezet"),
    "entry:hide": _l("Verborgen of weer getoond op het scherm"),
}
ROLE_LABELS = {
    "rapporteur": _l("Verslaglegger"),
    "participant": _l("Deelnemer"),
    "chair": _l("Voorzitter"),
    "screen": _l("Scherm"),
    "secretariat": _l("Secretariaat"),
}


def who(actor: str) -> str:
    """A person-readable author: 'rapporteur:Anna' → 'Verslaglegger (Anna)'."""
    if actor == "import":
        return _("Sessiebestand")
    role, _sep, name = actor.partition(":")
    label = str(ROLE_LABELS.get(role, role))
    return f"{label} ({name})" if name and name != role else label


@dataclass
class EntryVersion:
    """One state of an entry after a change."""

    seq: int
    at: datetime
    who: str
    what: str
    entry: dict[str, Any] | None  # None: the change deleted it
    restorable: bool
    round: int = 1  # the round the meeting was in when the change was made (imported: the entry's)


def entry_versions(meeting_id: int, entry_id: str) -> list[EntryVersion]:
    """Every change of an entry, newest first, with the state it left."""
    rows = (
        db.session.execute(
            select(Operation)
            .where(Operation.meeting_id == meeting_id, Operation.subject == entry_id)
            .order_by(Operation.seq)
        )
        .scalars()
        .all()
    )
    opened = _rounds_opened(meeting_id)
    versions: list[EntryVersion] = []
    state: dict[str, Any] | None = None
    for row in rows:
        if row.kind == "entry:delete":
            state = None
        elif "entry" in (row.result or {}):
            state = row.result["entry"]
        versions.append(
            EntryVersion(
                seq=row.seq,
                at=row.created_at,
                who=who(row.actor),
                what=str(KIND_LABELS.get(row.kind, row.kind)),
                entry=dict(state) if state else None,
                restorable=state is not None,
                round=(
                    int((state or {}).get("round") or 1)
                    if row.kind == "entry:import"
                    else next((n for seq, n in reversed(opened) if seq < row.seq), 1)
                ),
            )
        )
    versions.reverse()
    if versions:
        versions[0].restorable = False  # the newest is the current state
    return versions


def _rounds_opened(meeting_id: int) -> list[tuple[int, int]]:
    """(seq, round) of every round the chair opened, in order: the round a change was made in is
    the last one opened before it (round 1 before any)."""
    rows = db.session.execute(
        select(Operation.seq, Operation.payload)
        .where(Operation.meeting_id == meeting_id, Operation.kind == "chair:round")
        .order_by(Operation.seq)
    )
    return [(seq, int(p["round"])) for seq, p in rows if p.get("action") == "open" and p.get("round")]


def report_versions(table: RoundTable, round_number: int = 1) -> list[ReportVersion]:
    """The versions of the report of a round (1: the table's own), newest first."""
    of_round = (
        ReportVersion.round_number.is_(None)
        if round_number == 1
        else ReportVersion.round_number == round_number
    )
    return list(
        db.session.execute(
            select(ReportVersion)
            .where(ReportVersion.table_id == table.id, of_round)
            .order_by(ReportVersion.seq.desc(), ReportVersion.id.desc())
        ).scalars()
    )
