"""A participant corrects their own entries (and no one else's): the device key sent at connect."""

from __future__ import annotations

import hashlib

import pytest

from facilitator.extensions import db
from facilitator.models import Entry, Meeting
from facilitator.rules import AUTHOR_TAG_LENGTH
from tests.test_live_protocol import add_payload, received, send, uid

KEY_A = "device-a-" + "1" * 24
KEY_B = "device-b-" + "2" * 24

NOT_YOURS = "U kunt alleen de inbreng wijzigen of verwijderen die u zelf op dit apparaat hebt toegevoegd."


def tag(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:AUTHOR_TAG_LENGTH]


def add(client, **overrides) -> str:
    ack = send(client, "entry:add", add_payload(**overrides))
    assert ack["ok"], ack
    return ack["entry"]["id"]


def refused_not_yours(ack) -> None:
    assert ack == {"ok": False, "error": "forbidden", "message": NOT_YOURS, "not_yours": True}


def test_participant_updates_and_deletes_own_entry(app, connect):
    phone = connect("participant", "1", author=KEY_A)
    rapporteur = connect("rapporteur", "1")
    screen = connect("screen")
    snapshot = received(phone, "snapshot")[0]
    assert snapshot["author"] == tag(KEY_A)
    entry_id = add(phone, text="Verdienvermogn")
    rapporteur.get_received("/live")
    screen.get_received("/live")

    ack = send(
        phone, "entry:update", {"op": uid(), "id": entry_id, "text": "Verdienvermogen", "horizons": []}
    )
    assert ack["ok"] and ack["entry"]["text"] == "Verdienvermogen" and ack["entry"]["author"] == tag(KEY_A)
    for other in (rapporteur, screen):
        [event] = received(other, "entry")
        assert event["entry"]["text"] == "Verdienvermogen"
    assert send(phone, "entry:delete", {"op": uid(), "id": entry_id})["ok"]
    assert send(phone, "entry:restore", {"op": uid(), "id": entry_id})["ok"]
    with app.app_context():
        entry = db.session.get(Entry, entry_id)
        assert entry.text == "Verdienvermogen" and entry.horizons == [] and entry.deleted_at is None
        # the server keeps the key's hash, never the key
        assert entry.author_key == hashlib.sha256(KEY_A.encode()).hexdigest()
        assert KEY_A not in repr(entry.to_dict())


def test_another_devices_entry_is_forbidden(app, connect):
    phone_a = connect("participant", "1", author=KEY_A)
    phone_b = connect("participant", "1", author=KEY_B)
    entry_id = add(phone_a)
    refused_not_yours(send(phone_b, "entry:update", {"op": uid(), "id": entry_id, "text": "Overschreven"}))
    refused_not_yours(send(phone_b, "entry:delete", {"op": uid(), "id": entry_id}))
    # the rapporteur's own entries are not a participant's either
    rapporteur = connect("rapporteur", "1")
    theirs = add(rapporteur)
    refused_not_yours(send(phone_a, "entry:delete", {"op": uid(), "id": theirs}))
    with app.app_context():
        assert db.session.get(Entry, entry_id).text == "Verdienvermogen"
        assert db.session.get(Entry, theirs).deleted_at is None
    # still connected: a refusal of this kind does not end the link
    assert phone_b.is_connected("/live")


def test_restore_of_anothers_deleted_entry_is_forbidden(app, connect):
    phone_a = connect("participant", "1", author=KEY_A)
    phone_b = connect("participant", "1", author=KEY_B)
    entry_id = add(phone_a)
    assert send(phone_a, "entry:delete", {"op": uid(), "id": entry_id})["ok"]
    refused_not_yours(send(phone_b, "entry:restore", {"op": uid(), "id": entry_id}))


def test_rapporteur_changes_every_entry(app, connect):
    phone = connect("participant", "1", author=KEY_A)
    rapporteur = connect("rapporteur", "1", author=KEY_B)
    entry_id = add(phone)
    assert send(rapporteur, "entry:update", {"op": uid(), "id": entry_id, "text": "Gecorrigeerd"})["ok"]
    assert send(rapporteur, "entry:delete", {"op": uid(), "id": entry_id})["ok"]


def test_closed_meeting_refuses_own_changes(app, connect):
    phone = connect("participant", "1", author=KEY_A)
    entry_id = add(phone)
    with app.app_context():
        meeting = db.session.query(Meeting).one()
        meeting.phase = "closed"
        meeting.closed_seq = meeting.seq
        db.session.commit()
    ack = send(phone, "entry:update", {"op": uid(), "id": entry_id, "text": "Te laat"})
    assert ack["error"] == "closed"
    assert send(phone, "entry:delete", {"op": uid(), "id": entry_id})["error"] == "closed"
    with app.app_context():
        assert db.session.get(Entry, entry_id).text == "Verdienvermogen"


def test_reconnect_with_same_key_keeps_ownership(app, connect):
    phone = connect("participant", "1", author=KEY_A)
    entry_id = add(phone)
    phone.disconnect("/live")
    again = connect("participant", "1", author=KEY_A)
    snapshot = received(again, "snapshot")[0]
    [entry] = [e for e in snapshot["tables"][0]["entries"] if e["id"] == entry_id]
    assert entry["author"] == snapshot["author"] == tag(KEY_A)
    assert send(again, "entry:update", {"op": uid(), "id": entry_id, "text": "Na herverbinden"})["ok"]


@pytest.mark.parametrize("auth_key", [None, "", "kort", 17, "x" * 500, "sleutel met\nregeleinde-1234567"])
def test_without_a_usable_key_nothing_is_editable(app, connect, auth_key):
    """No key (an old page) or a malformed one: adding works, changing is refused, even one's own."""
    phone = connect("participant", "1", author=auth_key)
    assert "author" not in received(phone, "snapshot")[0]
    entry_id = add(phone)
    with app.app_context():
        assert db.session.get(Entry, entry_id).author_key is None
    refused_not_yours(send(phone, "entry:update", {"op": uid(), "id": entry_id, "text": "Anders"}))
    refused_not_yours(send(phone, "entry:delete", {"op": uid(), "id": entry_id}))


def test_screens_get_the_tag_never_the_key(app, connect):
    phone = connect("participant", "1", author=KEY_A)
    screen = connect("screen")
    screen.get_received("/live")
    add(phone)
    [event] = received(screen, "entry")
    assert event["entry"]["author"] == tag(KEY_A)
    assert KEY_A not in repr(event)
