"""Votes in the session file (issue 18): an export of a meeting carries its dot votes — their
rules, shortlist and ballots, never who cast one — and importing it gives the same priorities in
the annex, an open vote stays open, and no device's ballot of the old meeting is one in the new.
A wrong [[votes]] block is one clear problem line, in Dutch and in English."""

from __future__ import annotations

import pytest

from facilitator import operations, sessionfile
from facilitator.export import markdown_writer
from facilitator.export.annex import build_annex
from facilitator.extensions import db
from facilitator.meeting_data import meeting_to_data
from facilitator.sessionfile import SessionFileError
from facilitator.votes import Ballot, Vote

from .live_support import received, send, uid

PHONE_A = "a" * 32
PHONE_B = "b" * 32


def _priorities(data) -> str:
    markdown = markdown_writer.to_markdown(build_annex(data))
    return markdown.split("## Prioriteiten\n", 1)[1]


def _export(app, slug: str) -> str:
    with app.app_context():
        return sessionfile.dumps(meeting_to_data(operations.get_meeting(slug)))


def _run_two_votes(connect):
    """A closed plenary vote (a tie, an entry changed after the open) and an open table vote."""
    (snap,) = received(connect("screen"), "snapshot")
    tables = {t["number"]: t["entries"] for t in snap["tables"]}
    chair = connect("chair")
    rapporteur = connect("rapporteur", 1, author="r" * 32)
    a, b = connect("participant", 1, author=PHONE_A), connect("participant", 2, author=PHONE_B)
    ids = [tables[1][0]["id"], tables[2][1]["id"], tables[3][0]["id"]]
    opened = {"op": uid(), "action": "open", "scope": "plenary", "entries": ids, "dots": 3}
    assert send(chair, "chair:vote", opened | {"title": "Wat eerst?", "max_per_entry": 2})["ok"]
    assert send(a, "vote:cast", {"op": uid(), "vote": 1, "dots": {ids[0]: 2, ids[1]: 1}})["ok"]
    assert send(b, "vote:cast", {"op": uid(), "vote": 1, "dots": {ids[1]: 2}})["ok"]
    changed = {"op": uid(), "id": ids[0], "text": "Verdienvermogen, later anders gezegd"}
    assert send(rapporteur, "entry:update", changed)["ok"]
    assert send(chair, "chair:vote", {"op": uid(), "action": "close", "vote": 1})["ok"]
    table_vote = {"op": uid(), "action": "open", "scope": "table", "table": 1, "dots": 1, "allow_own": False}
    assert send(chair, "chair:vote", table_vote)["ok"]
    assert send(a, "vote:cast", {"op": uid(), "vote": 2, "dots": {tables[1][1]["id"]: 1}})["ok"]
    return ids


def test_an_exported_meeting_s_votes_import_with_the_same_priorities(
    app, connect, meeting_links, import_session
):
    _run_two_votes(connect)
    exported = _export(app, meeting_links["meeting"])
    assert exported.count("[[votes]]") == 2
    assert PHONE_A not in exported and PHONE_B not in exported and "voter" not in exported
    first = exported.split("[[votes]]")[1]
    assert 'title = "Wat eerst?"' in first and "max_per_entry = 2" in first and "closed = true" in first
    assert "Verdienvermogen" in first.split("texts")[1]  # the text as it was voted on
    second = exported.split("[[votes]]")[2]
    assert 'scope = "table"' in second and "allow_own = false" in second and "closed = false" in second

    with app.app_context():
        before = meeting_to_data(operations.get_meeting(meeting_links["meeting"]))
    slug = import_session(exported)
    with app.app_context():
        after = meeting_to_data(operations.get_meeting(slug))
        meeting_id = operations.get_meeting(slug).id
        votes = db.session.query(Vote).filter_by(meeting_id=meeting_id).order_by(Vote.number).all()
        assert [v.closed_at is None for v in votes] == [False, True]
        voters = {b.voter for v in votes for b in db.session.query(Ballot).filter_by(vote_id=v.id)}
    assert len(voters) == 3 and len(_priorities(before)) > 100
    assert _priorities(after) == _priorities(before)
    assert "| 1 | Eerlijke verdeling | 2 | 3 |\n| 2 | Verdienvermogen | 1 | 2 |" in _priorities(after)
    assert _export(app, slug) == exported  # and again byte for byte


def test_an_imported_open_vote_counts_a_device_s_new_ballot_apart(
    app, connect, meeting_links, import_session
):
    _run_two_votes(connect)
    slug = import_session(_export(app, meeting_links["meeting"]))
    with app.app_context():
        meeting = operations.get_meeting(slug)
        links = operations.links(meeting, "http://x")
        entry = meeting.tables[0].live_entries[1].id
    from facilitator.extensions import socketio

    token = links["tables"]["1"]["participant"]["token"]
    phone = socketio.test_client(app, namespace="/live", auth={"token": token, "author": PHONE_A})
    try:
        # the same device key as the ballot in the old meeting: a ballot of its own, not that one
        assert send(phone, "vote:cast", {"op": uid(), "vote": 2, "dots": {entry: 1}})["ok"]
    finally:
        phone.disconnect(namespace="/live")
    with app.app_context():
        vote = db.session.query(Vote).filter_by(meeting_id=operations.get_meeting(slug).id, number=2).one()
        assert db.session.query(Ballot).filter_by(vote_id=vote.id).count() == 2


BASE = (
    'format = 1\n[meeting]\ntitle = "S"\ndate = 2026-12-05\n'
    '[[tables]]\nnumber = 1\n[[tables.entries]]\ntext = "a"\nbollen = ["sociaal"]\n'
    '[[tables.entries]]\ntext = "b"\nbollen = ["sociaal"]\n'
    '[[tables]]\nnumber = 2\n[[tables.entries]]\ntext = "c"\nbollen = ["sociaal"]\n'
)
GOOD = "[[votes]]\nentries = [[1, 1], [2, 1]]\ndots = 2\nclosed = true\n"
CASES = {
    "[[votes]]\nentries = [[3, 1]]\ndots = 2\n": ("tafel 3 bestaat niet", "table 3 does not exist"),
    "[[votes]]\nentries = [[1, 3]]\ndots = 2\n": ("geen inbreng nummer 3", "no entry number 3"),
    "[[votes]]\nentries = [[1, 1], [1, 1]]\ndots = 2\n": ("twee keer op de lijst", "twice"),
    "[[votes]]\nentries = [[1, 1]]\ndots = 11\n": ("votes[1].dots", "votes[1].dots"),
    "[[votes]]\nentries = [[1, 1]]\n": ("ontbreekt", "missing"),
    '[[votes]]\nscope = "tafel"\nentries = [[1, 1]]\ndots = 1\n': (
        "'plenary' of 'table'",
        "'plenary' or 'table'",
    ),
    '[[votes]]\nscope = "table"\ntable = 1\nentries = [[2, 1]]\ndots = 1\n': (
        "alleen over inbreng van die tafel",
        "only about that table's entries",
    ),
    "[[votes]]\nentries = [[1, 1], [2, 1]]\ndots = 2\nmax_per_entry = 2\nballots = [[2, 1]]\n": (
        "meer dan 2 stippen",
        "more than 2 dots",
    ),
    "[[votes]]\nentries = [[1, 1], [2, 1]]\ndots = 2\nballots = [[2, 0]]\n": (
        "0 tot 1 stippen",
        "0 to 1 dots",
    ),
    "[[votes]]\nentries = [[1, 1], [2, 1]]\ndots = 2\nballots = [[1]]\n": ("stembiljet 1", "ballot 1"),
    "[[votes]]\nentries = [[1, 0]]\ndots = 1\n": ("nummer 0", "number 0"),
    "[[votes]]\nentries = [[1, 1]]\ndots = 1\nvoter = 1\n": ("onbekend veld", "unknown field"),
    "[[votes]]\nentries = [[1, 1]]\ndots = 1\nclosed = 1\n": ("true of false", "true or false"),
}


@pytest.mark.parametrize("extra", CASES)
def test_a_wrong_vote_in_a_session_file_is_one_clear_problem(app, extra):
    dutch, english = CASES[extra]
    for lang, words in (("nl", dutch), ("en", english)):
        with app.test_request_context(f"/?lang={lang}"), pytest.raises(SessionFileError) as caught:
            sessionfile.loads((BASE + extra).encode())
        assert any(words in line for line in caught.value.problems), (lang, caught.value.problems)


def test_a_file_s_votes_reach_the_annex_directly(app):
    data = sessionfile.loads((BASE + GOOD + "ballots = [[1, 1], [0, 1]]\n").encode())
    (vote,) = data.votes
    assert [(r.text, r.count, r.rank) for r in vote.results] == [("c", 2, 1), ("a", 1, 2)]
    assert vote.ballots == 2 and sessionfile.loads(sessionfile.dumps(data).encode()) == data
