"""Moderation: in a round with `moderation = "approval"` a participant's entry waits for the
table's rapporteur. Met as the participant, the rapporteur, the chair and the screen meet it over
the live socket: waiting entries reach the screens without their text, survive a reload (the
snapshot) and an arrival after the chair moved on, go live on `entry:approve`, and stay out of
the annex while they wait; the session file keeps them."""

from __future__ import annotations

import pytest

from facilitator import operations, sessionfile
from facilitator.export import markdown_writer
from facilitator.export.annex import build_annex
from facilitator.extensions import db
from facilitator.meeting_data import meeting_to_data
from facilitator.models import Entry

from .conftest import SESSIONS
from .live_support import NS, received, send, uid


@pytest.fixture
def database_url(both_database_url):
    """Every test here runs on SQLite and on PostgreSQL (the batch's round subqueries, JSON, booleans)."""
    return both_database_url


@pytest.fixture
def meeting_links(app, import_session):
    """The three-round demo: round 3 (free entries) waits for the rapporteur's approval."""
    slug = import_session(SESSIONS / "ser-raad-2023-01-27-rondes.toml")
    with app.app_context():
        return operations.links(operations.get_meeting(slug), "http://x") | {"slug": slug}


def free(text: str, **extra) -> dict:
    return {"op": uid(), "id": uid(), "text": text, **extra}


def test_a_participants_entry_waits_for_the_rapporteur_and_never_reaches_a_screen_before(connect):
    chair = connect("chair")
    assert send(chair, "chair:round", {"op": uid(), "action": "open", "round": 3})["ok"]
    participant = connect("participant", 2, author="apparaat-van-anna-0123456789")
    rapporteur, screen, other = connect("rapporteur", 2), connect("screen"), connect("rapporteur", 3)
    for client in (chair, participant, rapporteur, screen, other):
        client.get_received(NS)
    added = send(participant, "entry:add", free("Vaker terugkoppelen"))
    assert added["ok"] and added["entry"]["waiting"] is True and added["entry"]["round"] == 3
    entry_id = added["entry"]["id"]
    (to_rapporteur,) = received(rapporteur, "entry")
    assert to_rapporteur["entry"]["text"] == "Vaker terugkoppelen" and to_rapporteur["entry"]["waiting"]
    (to_screen,) = received(screen, "entry")
    assert to_screen["entry"] == {
        "id": entry_id,
        "text": "",
        "bollen": [],
        "horizons": [],
        "hidden": False,
        "round": 3,
        "waiting": True,
    }
    assert received(other, "entry") == []
    # a reload: the author's page has it, waiting; a screen has it without its text
    (snap,) = received(connect("participant", 2, author="apparaat-van-anna-0123456789"), "snapshot")
    assert {e["id"]: e.get("waiting") for e in snap["tables"][0]["entries"]}[entry_id] is True
    (screen_snap,) = received(connect("screen"), "snapshot")
    shown = next(e for t in screen_snap["tables"] for e in t["entries"] if e["id"] == entry_id)
    assert shown["text"] == "" and shown["waiting"] is True

    assert send(participant, "entry:approve", {"op": uid(), "id": entry_id})["error"] == "forbidden"
    assert send(other, "entry:approve", {"op": uid(), "id": entry_id})["error"] == "not_found"
    approved = send(rapporteur, "entry:approve", {"op": uid(), "id": entry_id})
    assert approved["ok"] and "waiting" not in approved["entry"]
    (live,) = received(screen, "entry")
    assert live["entry"]["text"] == "Vaker terugkoppelen" and "waiting" not in live["entry"]


def test_only_participants_wait_and_only_in_a_round_with_moderation(connect):
    chair = connect("chair")
    participant, rapporteur = connect("participant", 4), connect("rapporteur", 4)
    in_round_1 = send(participant, "entry:add", free("Ronde 1", bollen=["sociaal"]))
    assert in_round_1["ok"] and "waiting" not in in_round_1["entry"]
    send(chair, "chair:round", {"op": uid(), "action": "open", "round": 3})
    own = send(rapporteur, "entry:add", free("Van de verslaglegger"))
    assert own["ok"] and "waiting" not in own["entry"]


def test_an_entry_typed_in_a_moderated_round_still_waits_when_it_arrives_later(app, connect):
    chair, participant = connect("chair"), connect("participant", 5)
    send(chair, "chair:round", {"op": uid(), "action": "open", "round": 3})
    send(chair, "chair:round", {"op": uid(), "action": "open", "round": 1})  # the chair moved on
    late = send(participant, "entry:add", free("Offline getypt in ronde 3", round=3))
    assert late["entry"]["round"] == 3 and late["entry"]["waiting"] is True
    with app.app_context():
        assert db.session.get(Entry, late["entry"]["id"]).waiting is True


def test_waiting_entries_stay_out_of_the_annex_and_go_through_the_session_file(app, connect, meeting_links):
    chair, participant = connect("chair"), connect("participant", 6)
    send(chair, "chair:round", {"op": uid(), "action": "open", "round": 3})
    send(participant, "entry:add", free("Nog niet goedgekeurd"))
    with app.app_context():
        data = meeting_to_data(operations.get_meeting(meeting_links["slug"]))
    assert "Nog niet goedgekeurd" not in markdown_writer.to_markdown(build_annex(data))
    written = sessionfile.dumps(data)
    assert 'text = "Nog niet goedgekeurd"\nbollen = []\nhorizons = []\nround = 3\nwaiting = true' in written
    again = sessionfile.loads(written.encode())
    assert [e.waiting for t in again.tables for e in t.entries if e.text == "Nog niet goedgekeurd"] == [True]
