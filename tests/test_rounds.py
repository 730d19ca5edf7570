"""Rounds: a meeting held as several rounds, each its own question, template, time and visibility.

Met as a secretariat and a chair meet them: a session file with `[[rounds]]` imports and exports
unchanged, a file without them exactly as before; the chair opens and closes rounds over the
live socket and every page follows; an entry belongs to the round it was typed in, also when it
arrives after the chair moved on; a round of free entries needs no bol.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from facilitator import operations, sessionfile
from facilitator.extensions import db
from facilitator.meeting_data import meeting_to_data
from facilitator.models import Entry, Meeting
from facilitator.sessionfile import SessionFileError

from .conftest import ROUNDS_FILE, SESSIONS
from .live_support import NS, received, send, uid


@pytest.fixture
def database_url(both_database_url):
    """Every test here runs on SQLite and on PostgreSQL (the batch's round subqueries, JSON, booleans)."""
    return both_database_url


@pytest.fixture
def meeting_links(rounds_links):
    """The three-round demo (the `connect` fixture connects to it)."""
    return rounds_links


def _meeting(app, meeting_links) -> Meeting:
    return operations.get_meeting(meeting_links["slug"])


# --- the session file ------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(SESSIONS.glob("*.toml")), ids=lambda p: p.name)
def test_every_session_file_exports_as_it_imports(app, import_session, path: Path):
    """Imported and exported again, each file gives the same data; a file without [[rounds]]
    is written without them (so an export of an old file is byte for byte the old export)."""
    data = sessionfile.loads(path.read_bytes())
    with app.app_context():
        exported = sessionfile.dumps(meeting_to_data(operations.get_meeting(import_session(path))))
    assert exported == sessionfile.dumps(data)
    assert ("[[rounds]]" in exported) == ("[[rounds]]" in path.read_text())
    assert "round =" not in exported or data.rounds


def test_the_rounds_file_holds_three_rounds_with_their_entries():
    data = sessionfile.loads(ROUNDS_FILE.read_bytes())
    assert [(r.template, r.minutes, r.visibility, r.moderation) for r in data.rounds] == [
        ("bollen", 25, "own", "live"),
        ("bollen", 20, "all", "live"),
        ("none", 15, "own", "approval"),
    ]
    per_round = {n: [e for t in data.tables for e in t.entries if e.round == n] for n in (1, 2, 3)}
    assert all(per_round.values())
    assert all(not e.bollen for e in per_round[3]) and all(e.bollen for e in per_round[1] + per_round[2])


BASE = """format = 1
[meeting]
title = "Rondes"
date = 2026-12-05
"""


@pytest.mark.parametrize(
    ("rounds", "entry", "problem"),
    [
        ('[[rounds]]\nquestion = ""\n', "", "rounds[1].question"),
        ('[[rounds]]\nquestion = "V"\ntemplate = "vrij"\n', "", '"bollen", "none"'),
        ('[[rounds]]\nquestion = "V"\nminutes = 0\n', "", "tussen 1 en 600"),
        ('[[rounds]]\nquestion = "V"\nminutes = "tien"\n', "", "heel getal"),
        ('[[rounds]]\nquestion = "V"\nvisibility = "iedereen"\n', "", '"own", "all"'),
        ('[[rounds]]\nquestion = "V"\nkleur = "rood"\n', "", "kleur"),
        ('[rounds]\nquestion = "V"\n', "", "[[rounds]]-blokken"),
        ('[[rounds]]\nquestion = "V"\n', 'text = "x"\nbollen = ["sociaal"]\nround = 2\n', "1 tot en met 1"),
        ("", 'text = "x"\nbollen = ["sociaal"]\nround = 2\n', "geen [[rounds]]"),
        ('[[rounds]]\nquestion = "V"\n', 'text = "x"\nround = 1\n', "ten minste één bol"),
    ],
)
def test_a_wrong_round_is_one_clear_problem(rounds, entry, problem):
    text = BASE + rounds + "[[tables]]\nnumber = 1\n" + (f"[[tables.entries]]\n{entry}" if entry else "")
    with pytest.raises(SessionFileError) as caught:
        sessionfile.loads(text.encode())
    assert any(problem in line for line in caught.value.problems), caught.value.problems


def test_a_free_round_takes_entries_without_bollen_and_the_defaults_stay_out_of_the_file():
    text = BASE + '[[rounds]]\nquestion = "Een"\n[[rounds]]\nquestion = "Twee"\ntemplate = "none"\n'
    text += '[[tables]]\nnumber = 1\n[[tables.entries]]\ntext = "Vrij"\nround = 2\n'
    data = sessionfile.loads(text.encode())
    assert data.tables[0].entries[0].round == 2 and data.tables[0].entries[0].bollen == []
    written = sessionfile.dumps(data)
    assert '{ question = "Een" }' in written  # no defaults written for round 1
    assert sessionfile.dumps(sessionfile.loads(written.encode())) == written


def test_the_secretariats_form_keeps_the_rounds(app, meeting_links):
    with app.app_context():
        meeting = _meeting(app, meeting_links)
        data = meeting_to_data(meeting)
        data.rounds = []  # what the form carries: no rounds
        from facilitator.secretariat.routes import _keep_content

        _keep_content(meeting, data)
        operations.update_meeting(meeting, data)
        assert [r.number for r in _meeting(app, meeting_links).rounds] == [1, 2, 3]


# --- live: the chair opens and closes rounds --------------------------------------------------


def test_the_snapshot_tells_every_page_the_rounds_and_the_current_one(connect):
    for role, table in (("rapporteur", 1), ("participant", 2), ("screen", 1), ("chair", 1)):
        (snap,) = received(connect(role, table), "snapshot")
        meeting = snap["meeting"]
        assert meeting["round"] == 1
        assert [r["number"] for r in meeting["rounds"]] == [1, 2, 3]
        assert meeting["rounds"][2]["template"] == "none" and meeting["rounds"][2]["opened_at"] is None
        rounds_of_entries = {e["round"] for t in snap["tables"] for e in t["entries"]}
        assert rounds_of_entries <= {1, 2, 3} and 1 in rounds_of_entries


def test_opening_a_round_moves_every_page_to_it_and_closes_the_open_one(app, connect, meeting_links):
    chair, rapporteur, screen = connect("chair"), connect("rapporteur", 3), connect("screen")
    for client in (chair, rapporteur, screen):
        client.get_received(NS)
    first = send(chair, "chair:round", {"op": uid(), "action": "open", "round": 1})
    assert first["ok"] and first["meeting"]["round"] == 1 and first["meeting"]["phase"] == "round"
    opened_1 = first["meeting"]["rounds"][0]["opened_at"]
    assert opened_1 and first["meeting"]["timer"]["total"] == 25 * 60

    second = send(chair, "chair:round", {"op": uid(), "action": "open", "round": 2})
    rounds = second["meeting"]["rounds"]
    assert second["meeting"]["round"] == 2 and second["meeting"]["timer"]["total"] == 20 * 60
    assert rounds[0]["opened_at"] == opened_1 and rounds[0]["closed_at"] is not None
    assert rounds[1]["opened_at"] and rounds[1]["closed_at"] is None
    for client in (rapporteur, screen):
        events = received(client, "meeting")
        assert [e["meeting"]["round"] for e in events] == [1, 2]
        assert events[-1]["seq"] == second["seq"]

    closed = send(chair, "chair:round", {"op": uid(), "action": "close", "round": 2})
    assert closed["meeting"]["round"] == 2 and closed["meeting"]["rounds"][1]["closed_at"] is not None
    with app.app_context():
        meeting = _meeting(app, meeting_links)
        assert meeting.current_round == 2
        assert [r.closed_at is not None for r in meeting.rounds] == [True, True, False]


def test_a_new_entry_goes_to_the_current_round_or_to_the_one_it_was_typed_in(app, connect):
    chair, rapporteur = connect("chair"), connect("rapporteur", 2)
    assert send(chair, "chair:round", {"op": uid(), "action": "open", "round": 2})["ok"]
    now = send(rapporteur, "entry:add", {"op": uid(), "id": uid(), "text": "Nu", "bollen": ["sociaal"]})
    assert now["entry"]["round"] == 2
    # typed offline in round 1, sent once the phone is back: it stays in round 1
    late = {"op": uid(), "id": uid(), "text": "Offline getypt", "bollen": ["sociaal"], "round": 1}
    assert send(rapporteur, "entry:add", late)["entry"]["round"] == 1
    again = send(rapporteur, "entry:add", late)  # the resend of that change: answered, not added twice
    assert again["entry"]["round"] == 1
    with app.app_context():
        assert db.session.query(Entry).filter_by(text="Offline getypt").count() == 1
        assert db.session.get(Entry, late["id"]).round_number == 1


def test_a_free_round_takes_entries_without_a_bol_and_a_bollen_round_refuses_them(connect):
    chair, participant = connect("chair"), connect("participant", 4)
    free = {"op": uid(), "id": uid(), "text": "Een verbeterpunt"}
    refused = send(participant, "entry:add", free)  # round 1 (bollen) is current
    assert refused["error"] == "invalid" and "bol" in refused["message"]
    assert send(participant, "entry:add", {**free, "op": uid(), "round": 1})["error"] == "invalid"
    assert send(chair, "chair:round", {"op": uid(), "action": "open", "round": 3})["ok"]
    added = send(participant, "entry:add", {**free, "op": uid()})
    assert added["ok"] and added["entry"]["round"] == 3 and added["entry"]["bollen"] == []
    explicit = send(participant, "entry:add", {"op": uid(), "id": uid(), "text": "Nog een", "round": 3})
    assert explicit["ok"] and explicit["entry"]["round"] == 3


@pytest.mark.parametrize(
    "payload",
    [
        {"action": "open", "round": 4},
        {"action": "open", "round": 0},
        {"action": "open"},
        {"action": "begin", "round": 1},
        {"action": "open", "round": "2"},
    ],
)
def test_a_wrong_round_change_is_refused_and_changes_nothing(app, connect, meeting_links, payload):
    chair = connect("chair", lang="en")
    ack = send(chair, "chair:round", {"op": uid(), **payload})
    assert ack["ok"] is False and ack["error"] == "invalid" and ack["message"]
    with app.app_context():
        meeting = _meeting(app, meeting_links)
        assert meeting.current_round == 1 and all(r.opened_at is None for r in meeting.rounds)


def test_only_the_chair_opens_rounds(connect):
    for role, table in (("rapporteur", 1), ("participant", 1), ("screen", 1)):
        ack = send(connect(role, table), "chair:round", {"op": uid(), "action": "open", "round": 2})
        assert ack["error"] == "forbidden"


def test_a_meeting_of_one_round_refuses_in_the_pages_language(app, import_session):
    from facilitator.extensions import socketio

    slug = import_session()
    with app.app_context():
        token = operations.links(operations.get_meeting(slug), "http://x")["chair"]["token"]
    client = socketio.test_client(app, namespace=NS, auth={"token": token}, query_string="lang=en")
    ack = send(client, "chair:round", {"op": uid(), "action": "open", "round": 1})
    assert ack["error"] == "invalid" and ack["message"] == "This meeting has only one round."


def test_a_round_change_replays_for_a_page_that_was_away(connect):
    chair, screen = connect("chair"), connect("screen")
    (snap,) = received(screen, "snapshot")
    send(chair, "chair:round", {"op": uid(), "action": "open", "round": 3})
    answer = send(screen, "sync", {"since": snap["seq"]})
    meetings = [e["data"]["meeting"] for e in answer["events"] if e["event"] == "meeting"]
    assert meetings and meetings[-1]["round"] == 3


def test_recurring_topics_per_round_and_over_all(connect):
    screen = connect("screen")
    every = send(screen, "topics:get", {"limit": 50})["topics"]["across"]
    first = send(screen, "topics:get", {"limit": 50, "round": 1})["topics"]["across"]
    third = send(screen, "topics:get", {"limit": 50, "round": 3})["topics"]["across"]
    terms = lambda found: {t["term"].lower() for t in found}  # noqa: E731
    assert terms(first) and terms(first) != terms(every) and terms(third) != terms(first)
    assert "jongeren structureel" in terms(third) and "jongeren structureel" not in terms(first)
    # every table of a round's topic had it in that round's entries
    third_entries = {1: "brede welvaart", 2: "brede welvaart", 3: "brede welvaart", 6: "brede welvaart"}
    (welvaart,) = [t for t in third if t["term"].lower() == "brede welvaart"]
    assert set(welvaart["tables"]) == set(third_entries)
    assert send(screen, "topics:get", {"round": 4})["error"] == "invalid"


def test_in_a_round_every_table_sees_the_tables_see_each_others_entries(connect):
    chair = connect("chair")
    send(chair, "chair:round", {"op": uid(), "action": "open", "round": 1})  # own: tables apart
    mine, theirs = connect("rapporteur", 1), connect("participant", 3)
    theirs.get_received(NS)
    send(mine, "entry:add", {"op": uid(), "id": uid(), "text": "Alleen hier", "bollen": ["sociaal"]})
    assert received(theirs, "entry") == []
    send(chair, "chair:round", {"op": uid(), "action": "open", "round": 2})  # visibility "all"
    theirs.get_received(NS)
    added = send(
        mine, "entry:add", {"op": uid(), "id": uid(), "text": "Voor iedereen", "bollen": ["sociaal"]}
    )
    (seen,) = received(theirs, "entry")
    assert seen["table"] == 1 and seen["entry"]["text"] == "Voor iedereen" and seen["entry"]["round"] == 2
    send(mine, "entry:delete", {"op": uid(), "id": added["entry"]["id"]})
    assert received(theirs, "entry:deleted")[0]["id"] == added["entry"]["id"]
    (snap,) = received(connect("participant", 3), "snapshot")
    others = {o["table"]: [e["text"] for e in o["entries"]] for o in snap["others"]}
    assert 3 not in others and others[1] and all(isinstance(t, str) and t for t in others[1])
    assert "Alleen hier" not in others[1] and "Voor iedereen" not in others[1]  # round 1; deleted


def test_opening_a_round_puts_the_screens_on_it_again(connect):
    """The report-back chose round 1 (the screens' round filter); the chair opens round 3: every
    screen shows round 3's entries again, other filters kept."""
    chair, screen = connect("chair"), connect("screen")
    view = {"op": uid(), "mode": "feedback", "current": 1, "filters": {"round": 1, "tables": [1, 2]}}
    assert send(chair, "chair:view", view)["ok"]
    received(screen, "meeting")
    assert send(chair, "chair:round", {"op": uid(), "action": "open", "round": 3})["ok"]
    (meeting,) = [m["meeting"] for m in received(screen, "meeting")][-1:]
    assert meeting["round"] == 3 and meeting["view"]["filters"] == {"tables": [1, 2]}
