"""What the storage tests share: the demo files, reading them, counting rows."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from facilitator import operations, sessionfile
from facilitator.extensions import db
from facilitator.meeting_data import MeetingData
from facilitator.models import (
    AccessToken,
    Bol,
    Entry,
    Horizon,
    Meeting,
    Operation,
    Participant,
    RoundTable,
)

SESSIONS = Path(__file__).resolve().parent.parent / "sessions"
SER = SESSIONS / "ser-raad-2023-01-27.toml"
FOUR = SESSIONS / "veiligheid-vier-bollen.toml"


def load(path: Path = SER) -> MeetingData:
    return sessionfile.loads(path.read_bytes())


def meeting_by_slug(slug: str) -> Meeting:
    meeting = operations.get_meeting(slug)
    assert meeting is not None
    return meeting


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def table_counts() -> dict[str, int]:
    return {
        model.__tablename__: count(model)
        for model in (Meeting, RoundTable, Participant, Entry, Bol, Horizon, AccessToken, Operation)
    }
