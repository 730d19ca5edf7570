"""Priorities: the chair's dot votes over a set of entries (issue 18), as stored and as counted.

A vote (`Vote`) is over a shortlist the chair chose: one table's entries (a table vote, cast at
that table) or entries of several tables (a plenary vote, cast by every table device). Each
device has ``dots`` dots, at most ``max_per_entry`` on one entry, and none on an entry it added
when ``allow_own`` is false. A device's ballot (`Ballot`) is kept under a keyed hash of its
device key and the vote (``voter_key``): a ballot cannot be linked to an entry's author, to
another vote's ballot, or to a person, and no export carries the key: the annex has the counts,
the session file ([[votes]]) each ballot as its dots alone, in an order that tells nothing.

The shortlist's entries are kept as they were when the vote opened (``items``: id, table, text),
so the results and the annex show what was voted on, even when an entry changes afterwards.
Kept out of models.py (at its size limit); the app factory imports this module with the models.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask import current_app
from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import Base, db
from .models import utcnow

if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model

VOTE_SCOPES = ("table", "plenary")
VOTE_ACTIONS = ("open", "close")
MAX_DOTS = 10  # dots one device has in one vote (the chair chooses 1–10)
MAX_ITEMS = 40  # entries on one vote's shortlist
MAX_VOTES = 99  # votes of one meeting


class Vote(Model):
    """One dot vote of a meeting: its shortlist, its rules, and whether it is open or closed."""

    __tablename__ = "vote"
    __table_args__ = (UniqueConstraint("meeting_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, … in the order the chair opened them
    title: Mapped[str] = mapped_column(String(200), default="")
    scope: Mapped[str] = mapped_column(String(10))  # VOTE_SCOPES
    table_number: Mapped[int | None] = mapped_column(Integer, nullable=True)  # a table vote's table
    # the shortlist as it was when the vote opened: [{"id", "table", "text"}, …] in the chair's order
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    dots: Mapped[int] = mapped_column(Integer)
    max_per_entry: Mapped[int] = mapped_column(Integer)
    allow_own: Mapped[bool] = mapped_column(Boolean, default=True)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    @property
    def entry_ids(self) -> list[str]:
        return [item["id"] for item in self.items]


class Ballot(Model):
    """One device's dots in one vote (the whole ballot: a new one replaces it until the close)."""

    __tablename__ = "ballot"
    __table_args__ = (UniqueConstraint("vote_id", "voter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("vote.id", ondelete="CASCADE"), index=True)
    voter: Mapped[str] = mapped_column(String(64))  # voter_key(): never exported, never sent
    dots: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)  # entry id -> dots (> 0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


def voter_key(vote_id: int, author: str) -> str:
    """The ballot's key: a hash of the device key's hash, keyed with the app's secret and the vote."""
    secret = str(current_app.secret_key or "").encode()
    return hmac.new(secret, f"vote:{vote_id}:{author}".encode(), hashlib.sha256).hexdigest()


def ranked(items: Iterable[Mapping[str, Any]], counts: Mapping[str, int]) -> list[dict[str, Any]]:
    """The shortlist ranked by dots, most first: [{"id", "count", "rank"}]; entries with as many
    dots share a rank (1, 1, 3: a tie is shown as a tie), in the shortlist's order among them."""
    order = [item["id"] for item in items]
    by_count = sorted(order, key=lambda i: (-counts.get(i, 0), order.index(i)))
    out: list[dict[str, Any]] = []
    for position, entry_id in enumerate(by_count):
        count = counts.get(entry_id, 0)
        rank = out[-1]["rank"] if out and out[-1]["count"] == count else position + 1
        out.append({"id": entry_id, "count": count, "rank": rank})
    return out


def tally(vote: Vote) -> tuple[dict[str, int], int]:
    """The dots on each entry of the vote, and how many devices cast a ballot with any dot."""
    counts: dict[str, int] = {}
    ballots = 0
    for dots in db.session.execute(select(Ballot.dots).where(Ballot.vote_id == vote.id)).scalars():
        if dots:
            ballots += 1
        for entry_id, n in dots.items():
            counts[entry_id] = counts.get(entry_id, 0) + int(n)
    return counts, ballots


def meeting_votes(meeting_id: int) -> list[Vote]:
    """The meeting's votes in the order they were opened."""
    return list(
        db.session.execute(select(Vote).where(Vote.meeting_id == meeting_id).order_by(Vote.number)).scalars()
    )


def import_votes(meeting_id: int, entries: Mapping[int, list[Any]], records: Iterable[Any]) -> None:
    """A session file's [[votes]] (meeting_data.VoteRecord) into a new meeting: each entry found by
    its table and place (0: one no longer there, a fresh id), each ballot under a fresh random
    voter key that matches no device, so no one's dots can be changed or linked after an import."""
    for number, record in enumerate(records, start=1):
        items = [
            {
                "id": entries[table][place - 1].id if place else str(uuid.uuid4()),
                "table": table,
                "text": text,
            }
            for (table, place), text in zip(record.entries, record.texts, strict=True)
        ]
        vote = Vote(
            meeting_id=meeting_id,
            number=number,
            title=record.title,
            scope=record.scope,
            table_number=record.table,
            items=items,
            dots=record.dots,
            max_per_entry=record.max_per_entry,
            allow_own=record.allow_own,
            opened_at=utcnow(),
            closed_at=utcnow() if record.closed else None,
        )
        db.session.add(vote)
        db.session.flush()
        for ballot in record.ballots:
            dots = {item["id"]: n for item, n in zip(items, ballot, strict=True) if n}
            if dots:
                db.session.add(Ballot(vote_id=vote.id, voter=secrets.token_hex(32), dots=dots))
