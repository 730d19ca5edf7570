"""Groups of entries: the chair (or the secretariat in curation) puts entries from any tables
of a meeting into a named group, merges, splits and dissolves groups.

A group is keyed by an id its client chose (so a resent create is recognised) and holds its
entries' ids in order; an entry is in at most one group of its meeting. Its own module: the
models of the decisions a meeting makes (rounds' votes and groups) grow beside models.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db
from .models import Entry, Model, RoundTable, utcnow


class EntryGroup(Model):
    """One named group of entries from any tables of a meeting."""

    __tablename__ = "entry_group"
    __table_args__ = (UniqueConstraint("meeting_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))  # the id its client chose
    name: Mapped[str] = mapped_column(String(120))
    entry_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)  # the seq of the change that made it
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


def meeting_groups(meeting_id: int) -> list[EntryGroup]:
    """The meeting's groups that hold entries, in the order they were made."""
    rows = db.session.execute(
        select(EntryGroup)
        .where(EntryGroup.meeting_id == meeting_id)
        .order_by(EntryGroup.position, EntryGroup.id)
    ).scalars()
    return [g for g in rows if g.entry_ids]


def entry_tables(meeting_id: int, entry_ids: list[str] | set[str]) -> dict[str, int]:
    """The table number of each of these entries of the meeting (deleted ones left out)."""
    if not entry_ids:
        return {}
    rows = db.session.execute(
        select(Entry.id, RoundTable.number)
        .join(RoundTable, RoundTable.id == Entry.table_id)
        .where(
            RoundTable.meeting_id == meeting_id, Entry.id.in_(sorted(entry_ids)), Entry.deleted_at.is_(None)
        )
    ).all()
    return {entry_id: number for entry_id, number in rows}


def group_state(group: EntryGroup, tables: dict[str, int]) -> dict[str, Any]:
    """A group as every client sees it: its entries (those still there) and their tables."""
    entries = [e for e in group.entry_ids if e in tables]
    return {
        "id": group.key,
        "name": group.name,
        "entries": entries,
        "tables": sorted({tables[e] for e in entries}),
    }


def groups_state(meeting_id: int) -> list[dict[str, Any]]:
    """Every group of the meeting as the snapshot carries it."""
    groups = meeting_groups(meeting_id)
    tables = entry_tables(meeting_id, {e for g in groups for e in g.entry_ids})
    return [state for g in groups if (state := group_state(g, tables))["entries"]]
