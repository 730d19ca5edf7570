"""Priorities in storage: a meeting's votes and ballots go with it (retention's "delete" mode), and
retention's anonymising keeps the counts but not the voters' keys; on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from facilitator import operations
from facilitator.extensions import db
from facilitator.models import Entry
from facilitator.retention.erase import anonymise, delete_meeting
from facilitator.votes import Ballot, Vote, tally

from .storage_support import SER, count, load


@pytest.fixture
def database_url(both_database_url):
    """Every test in this module runs on SQLite and on PostgreSQL."""
    return both_database_url


def _meeting_with_a_vote():
    meeting = operations.import_meeting(load(SER))
    entries = db.session.execute(select(Entry.id).limit(2)).scalars().all()
    vote = Vote(
        meeting_id=meeting.id,
        number=1,
        title="",
        scope="plenary",
        items=[{"id": e, "table": 1, "text": "x"} for e in entries],
        dots=3,
        max_per_entry=2,
        allow_own=True,
    )
    db.session.add(vote)
    db.session.flush()
    db.session.add_all(
        [
            Ballot(vote_id=vote.id, voter="v" * 64, dots={entries[0]: 2}),
            Ballot(vote_id=vote.id, voter="w" * 64, dots={entries[0]: 1, entries[1]: 1}),
        ]
    )
    db.session.commit()
    return meeting, vote, entries


def test_deleting_a_meeting_deletes_its_votes_and_ballots(ctx):
    meeting, _, _ = _meeting_with_a_vote()
    assert count(Vote) == 1 and count(Ballot) == 2
    delete_meeting(meeting, reason="retention", rewrite=False)
    assert count(Vote) == 0 and count(Ballot) == 0


def test_anonymising_keeps_the_counts_and_drops_the_voters(ctx):
    meeting, vote, entries = _meeting_with_a_vote()
    anonymise(meeting)
    db.session.commit()
    voters = db.session.execute(select(Ballot.voter)).scalars().all()
    assert sorted(voters) == sorted(f"erased-{b.id}" for b in db.session.execute(select(Ballot)).scalars())
    assert tally(db.session.get(Vote, vote.id)) == ({entries[0]: 3, entries[1]: 1}, 2)
