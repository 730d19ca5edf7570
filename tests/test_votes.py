"""Priorities (issue 18): the chair's dot votes over the live socket.

Met as a room meets them: the chair opens a plenary vote over a shortlist of entries from
several tables; every table device puts its dots; nobody but the chair sees the count until the
close, then everyone sees it ranked, ties as ties; a ballot is the device's whole ballot, the
newest wins, a resend counts once, and the rules of the vote are kept by the server.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from facilitator.extensions import db
from facilitator.models import Operation
from facilitator.votes import Ballot, Vote, ranked

NS = "/live"
PHONE_A = "a" * 32  # device keys: two phones, each its own key
PHONE_B = "b" * 32


def uid() -> str:
    return str(uuid.uuid4())


def send(client, event, payload):
    return client.emit(event, payload, namespace=NS, callback=True)


def received(client, name):
    return [m["args"][0] for m in client.get_received(NS) if m["name"] == name]


def snapshot_of(client):
    (snap,) = received(client, "snapshot")
    return snap


def entries_of(connect, *tables: int) -> list[tuple[int, str]]:
    """The first entry of each table: (table, id)."""
    snap = snapshot_of(connect("screen"))
    by_table = {t["number"]: t["entries"] for t in snap["tables"]}
    return [(n, by_table[n][0]["id"]) for n in tables]


def open_plenary(chair, ids, **rules):
    payload = {"op": uid(), "action": "open", "scope": "plenary", "entries": ids, "dots": 3, **rules}
    ack = send(chair, "chair:vote", payload)
    assert ack["ok"], ack
    return ack["vote"]


def cast(client, number, dots, op=None):
    return send(client, "vote:cast", {"op": op or uid(), "vote": number, "dots": dots})


# --- the tally's ranking --------------------------------------------------------------------


def test_ranking_shows_ties_as_ties_in_the_shortlists_order():
    items = [{"id": i} for i in ("a", "b", "c", "d")]
    assert ranked(items, {"b": 3, "c": 3, "d": 1}) == [
        {"id": "b", "count": 3, "rank": 1},
        {"id": "c", "count": 3, "rank": 1},
        {"id": "d", "count": 1, "rank": 3},
        {"id": "a", "count": 0, "rank": 4},
    ]
    assert [r["rank"] for r in ranked(items, {})] == [1, 1, 1, 1]


# --- a plenary vote, from opening to the results ----------------------------------------------


def test_a_plenary_vote_is_counted_for_the_chair_and_shown_to_all_once_closed(app, connect):
    (t1, e1), (t2, e2), (t3, e3) = entries_of(connect, 1, 2, 3)
    chair, screen = connect("chair"), connect("screen")
    phone_a, phone_b = connect("participant", 1, author=PHONE_A), connect("participant", 4, author=PHONE_B)
    rapporteur = connect("rapporteur", 2, author="r" * 32)
    for client in (chair, screen, phone_a, phone_b, rapporteur):
        client.get_received(NS)

    vote = open_plenary(chair, [e2, e1, e3], title="Wat eerst?", max_per_entry=2)
    assert vote["number"] == 1 and vote["scope"] == "plenary" and vote["closed_at"] is None
    assert [(i["table"], i["id"]) for i in vote["items"]] == [(t2, e2), (t1, e1), (t3, e3)]
    assert vote["results"] is None and vote["ballots"] is None
    for client in (screen, phone_a, phone_b, rapporteur):
        (event,) = received(client, "vote")
        assert event["vote"] == vote and received(client, "vote:tally") == []
    (tally,) = received(chair, "vote:tally")
    assert tally["ballots"] == 0 and {r["count"] for r in tally["results"]} == {0}

    assert cast(phone_a, 1, {e1: 2, e3: 1})["ok"]
    assert cast(phone_b, 1, {e1: 1, e2: 1})["ok"]
    ack = cast(rapporteur, 1, {e2: 2})
    assert ack["ok"] and ack["vote"] == 1 and "results" not in ack and "ballot" not in ack
    latest = received(chair, "vote:tally")[-1]
    assert latest["ballots"] == 3
    assert [(r["id"], r["count"], r["rank"]) for r in latest["results"]] == [
        (e2, 3, 1),
        (e1, 3, 1),
        (e3, 1, 3),
    ]
    # nobody else sees a count while the vote is open: no event, no snapshot
    for client in (screen, phone_a, phone_b, rapporteur):
        assert received(client, "vote:tally") == []
    for role, table in (("screen", 1), ("participant", 3), ("rapporteur", 1)):
        (state,) = snapshot_of(connect(role, table))["votes"]
        assert state["results"] is None and state["ballots"] is None
    assert snapshot_of(connect("chair"))["votes"][0]["results"] == latest["results"]

    closed = send(chair, "chair:vote", {"op": uid(), "action": "close", "vote": 1})
    assert closed["ok"] and closed["vote"]["closed_at"] is not None
    for client in (screen, phone_a, chair):
        (event,) = received(client, "vote")
        assert event["vote"]["results"] == latest["results"] and event["vote"]["ballots"] == 3
    refused = cast(phone_a, 1, {e1: 1})
    assert refused["ok"] is False and refused["error"] == "invalid" and "gesloten" in refused["message"]
    with app.app_context():
        (ballots,) = db.session.execute(select(Vote.id)).one()
        assert len(db.session.execute(select(Ballot).where(Ballot.vote_id == ballots)).all()) == 3


def test_a_ballot_is_the_whole_ballot_and_a_resend_counts_once(app, connect):
    (_, e1), (_, e2) = entries_of(connect, 1, 2)
    chair = connect("chair")
    phone = connect("participant", 5, author=PHONE_A)
    open_plenary(chair, [e1, e2], max_per_entry=3)
    op = uid()
    first = cast(phone, 1, {e1: 1, e2: 1}, op=op)
    again = cast(phone, 1, {e1: 1, e2: 1}, op=op)
    assert again == first
    assert cast(phone, 1, {e2: 3})["ok"]  # the newest replaces it
    assert cast(phone, 1, {e1: 1, e2: 1}, op=op) == first  # an old op resent changes nothing
    # the same device reconnected (a reload) is the same voter, and sees its ballot
    reloaded = connect("participant", 5, author=PHONE_A)
    assert snapshot_of(reloaded)["ballots"] == {"1": {e2: 3}}
    assert snapshot_of(connect("participant", 5, author=PHONE_B))["ballots"] == {}
    assert cast(reloaded, 1, {e1: 2})["ok"]
    (tally,) = snapshot_of(connect("chair"))["votes"]
    assert {r["id"]: r["count"] for r in tally["results"]} == {e1: 2, e2: 0} and tally["ballots"] == 1
    # an empty ballot withdraws the dots
    assert cast(reloaded, 1, {})["ok"]
    assert snapshot_of(connect("chair"))["votes"][0]["ballots"] == 0
    with app.app_context():
        (voter,) = db.session.execute(select(Ballot.voter)).scalars()
        assert PHONE_A not in voter and len(voter) == 64
        # the change log names who changed what: it keeps which vote, never the dots
        logged = db.session.execute(select(Operation).where(Operation.kind == "vote:cast")).scalars().all()
        assert len(logged) == 4 and all(e1 not in str([o.payload, o.result]) for o in logged)


def test_the_server_keeps_the_votes_rules(connect):
    (_, e1), (_, e2), (_, e3) = entries_of(connect, 1, 2, 3)
    chair = connect("chair")
    mine = send(
        connect("participant", 2, author=PHONE_A),
        "entry:add",
        {"op": uid(), "id": uid(), "text": "Van mij", "bollen": ["sociaal"]},
    )["entry"]["id"]
    open_plenary(chair, [e1, e2, mine], dots=2, max_per_entry=1, allow_own=False)
    phone = connect("participant", 2, author=PHONE_A)
    cases = [
        ({e1: 1, e2: 1, e3: 0}, None),  # a nought is no dot: fine
        ({e1: 2}, "invalid"),  # more than max_per_entry
        ({e1: 1, e2: 1, mine: 1}, "invalid"),  # more than the dots
        ({mine: 1}, "invalid"),  # its own entry
        ({e3: 1}, "not_found"),  # not on the shortlist
        ({"x": 1}, "invalid"),  # not an id
        ({e1: -1}, "invalid"),
        ({e1: True}, "invalid"),
        ([e1], "invalid"),
    ]
    for dots, error in cases:
        ack = cast(phone, 1, dots)
        assert ack["ok"] is (error is None) and ack.get("error") == error, (dots, ack)
    # another device may vote for that entry
    assert cast(connect("participant", 2, author=PHONE_B), 1, {mine: 1})["ok"]
    assert cast(phone, 2, {e1: 1})["error"] == "not_found"
    # who may do what
    assert cast(chair, 1, {e1: 1})["error"] == "forbidden"
    assert cast(connect("screen"), 1, {e1: 1})["error"] == "forbidden"
    assert send(phone, "chair:vote", {"op": uid(), "action": "close", "vote": 1})["error"] == "forbidden"
    assert cast(connect("participant", 3), 1, {e1: 1})["error"] == "invalid"  # no device key


@pytest.mark.parametrize(
    "payload, error",
    [
        ({"action": "open", "scope": "plenary", "dots": 3}, "invalid"),  # no shortlist
        ({"action": "open", "scope": "plenary", "entries": [], "dots": 3}, "invalid"),
        ({"action": "open", "scope": "plenary", "entries": ["not-an-entry-1"], "dots": 3}, "not_found"),
        ({"action": "open", "scope": "table", "table": 99, "dots": 3}, "not_found"),
        ({"action": "open", "scope": "table", "table": 1, "dots": 11}, "invalid"),
        ({"action": "open", "scope": "table", "table": 1, "dots": 0}, "invalid"),
        ({"action": "open", "scope": "table", "table": 1, "dots": 2, "max_per_entry": 3}, "invalid"),
        ({"action": "open", "scope": "everyone", "dots": 2}, "invalid"),
        ({"action": "open", "scope": "table", "table": 1, "dots": 2, "title": "x" * 201}, "invalid"),
        ({"action": "close", "vote": 1}, "not_found"),
        ({"action": "close"}, "invalid"),
        ({"action": "reopen", "vote": 1}, "invalid"),
    ],
)
def test_opening_refuses_bad_input_and_changes_nothing(app, connect, payload, error):
    chair = connect("chair")
    ack = send(chair, "chair:vote", {"op": uid(), **payload})
    assert ack["ok"] is False and ack["error"] == error and ack["message"]
    assert snapshot_of(connect("chair"))["votes"] == []


def test_a_table_vote_is_over_that_tables_entries_and_cast_only_there(connect):
    chair = connect("chair")
    ack = send(
        chair,
        "chair:vote",
        {"op": uid(), "action": "open", "scope": "table", "table": 3, "dots": 5, "max_per_entry": 5},
    )
    vote = ack["vote"]
    table_3 = snapshot_of(connect("screen"))["tables"][2]
    assert [i["id"] for i in vote["items"]] == [e["id"] for e in table_3["entries"]]
    assert {i["table"] for i in vote["items"]} == {3}
    first = vote["items"][0]["id"]
    assert cast(connect("participant", 3, author=PHONE_A), 1, {first: 5})["ok"]
    other = cast(connect("participant", 4, author=PHONE_B), 1, {first: 1})
    assert other["error"] == "invalid" and "andere tafel" in other["message"]


def test_refusals_speak_the_pages_language(connect):
    ((_, e1),) = entries_of(connect, 1)
    open_plenary(connect("chair"), [e1], dots=1)
    english = connect("participant", 1, author=PHONE_A, lang="en")
    ack = cast(english, 1, {e1: 2})
    assert ack["error"] == "invalid" and ack["message"] == "That is more than the 1 dots you have.", ack


def test_sync_replays_the_count_to_the_chair_only(connect):
    (_, e1), (_, e2) = entries_of(connect, 1, 2)
    chair = connect("chair")
    phone = connect("participant", 1, author=PHONE_A)
    since = snapshot_of(phone)["seq"]
    open_plenary(chair, [e1, e2])
    assert cast(phone, 1, {e2: 1})["ok"]
    mine = send(phone, "sync", {"since": since})
    chairs = send(connect("chair"), "sync", {"since": since})
    names = [e["event"] for e in mine["events"]]
    assert "vote" in names and "vote:tally" not in names
    tallies = [e["data"] for e in chairs["events"] if e["event"] == "vote:tally"]
    assert tallies and tallies[-1]["ballots"] == 1


def test_a_table_vote_reaches_only_that_table_the_screens_and_the_chairs(connect):
    """Another table neither hears of a table vote (live, on sync) nor finds it in its snapshot;
    a plenary vote reaches every table."""
    chair, screen = connect("chair"), connect("screen")
    mine, other = connect("participant", 3, author=PHONE_A), connect("participant", 4, author=PHONE_B)
    since = snapshot_of(other)["seq"]
    for client in (chair, screen, mine, other):
        client.get_received(NS)
    table_vote = {"op": uid(), "action": "open", "scope": "table", "table": 3, "dots": 2}
    assert send(chair, "chair:vote", table_vote)["ok"]
    for client in (chair, screen, mine):
        assert [e["vote"]["number"] for e in received(client, "vote")] == [1]
    assert received(other, "vote") == []
    assert "vote" not in [e["event"] for e in send(other, "sync", {"since": since})["events"]]
    assert snapshot_of(connect("participant", 4)).get("votes") == []
    assert [v["number"] for v in snapshot_of(connect("participant", 3))["votes"]] == [1]
    ((_, e1),) = entries_of(connect, 1)
    open_plenary(chair, [e1])
    assert [e["vote"]["number"] for e in received(other, "vote")] == [2]
