"""Presence: one row per connected socket, so that every process sees who is at a table."""

from __future__ import annotations

from sqlalchemy import delete

from ..extensions import db
from ..models import AccessToken, Presence, utcnow


def join(sid: str, token: AccessToken) -> None:
    """A socket connected with this token."""
    db.session.add(
        Presence(
            sid=sid, meeting_id=token.meeting_id, table_number=token.table_number, role=token.role, name=""
        )
    )
    db.session.commit()


def rename(sid: str, name: str) -> None:
    """The socket's person told their display name."""
    row = db.session.get(Presence, sid)
    if row is not None:
        row.name = name
        row.last_seen = utcnow()
        db.session.commit()


def leave(sid: str) -> tuple[int, int | None] | None:
    """The socket is gone; return the meeting and table it was at (None if it was not known)."""
    row = db.session.get(Presence, sid)
    if row is None:
        return None
    where = (row.meeting_id, row.table_number)
    db.session.execute(delete(Presence).where(Presence.sid == sid))
    db.session.commit()
    return where
