"""The live protocol with the Flask-SocketIO test client: every event × every role,
idempotent resends, malformed and over-limit payloads, revoked tokens, resync."""

from __future__ import annotations

import base64
import dataclasses
import re
import uuid
from pathlib import Path

import pytest
from pycrdt import Doc, Text

from facilitator import operations
from facilitator.extensions import db, socketio
from facilitator.live import protocol
from facilitator.live.actions import CLIENT_EVENTS
from facilitator.live.errors import MESSAGES
from facilitator.models import Entry, Meeting, Operation
from facilitator.rules import LIMITS, ROLES

from .conftest import SESSIONS

NS = "/live"
EVENT_ROLES = {name: event.roles for name, event in CLIENT_EVENTS.items()}


def uid() -> str:
    return str(uuid.uuid4())


def received(client, name):
    return [m["args"][0] for m in client.get_received(NS) if m["name"] == name]


def send(client, event, payload):
    return client.emit(event, payload, namespace=NS, callback=True)


def add_payload(**overrides):
    payload = {
        "op": uid(),
        "id": uid(),
        "text": "Verdienvermogen",
        "bollen": ["economisch"],
        "horizons": ["later"],
    }
    payload.update(overrides)
    return payload


def report_update(text: str, base_state: bytes | None = None) -> str:
    doc = Doc()
    ytext = doc.get("report", type=Text)
    if base_state:
        doc.apply_update(base_state)
    before = doc.get_state()
    ytext += text
    return base64.b64encode(doc.get_update(before)).decode()


def valid_payload(event: str, client_entry_id: str | None = None) -> dict:
    if event == "entry:add":
        return add_payload()
    if event in ("entry:update",):
        return {"op": uid(), "id": client_entry_id, "text": "Nieuw"}
    if event in ("entry:delete", "entry:restore", "entry:approve"):
        return {"op": uid(), "id": client_entry_id}
    if event == "report:update":
        return {"op": uid(), "update": report_update(" extra")}
    if event == "table:update":
        return {"op": uid(), "rapporteur": "Blijden"}
    if event == "table:ready":
        return {"op": uid(), "ready": True}
    if event == "presence:hello":
        return {"name": "Anna"}
    if event == "sync":
        return {"since": 0}
    if event == "entry:hide":
        return {"op": uid(), "id": client_entry_id, "hidden": True}
    if event == "chair:phase":
        return {"op": uid(), "phase": "round"}
    if event == "chair:timer":
        return {"op": uid(), "action": "start", "minutes": 5}
    if event == "chair:view":
        return {"op": uid(), "mode": "combined", "filters": {"tables": [1, 2], "horizons": ["later"]}}
    if event == "chair:feedback-order":
        return {"op": uid(), "order": [3, 1]}
    if event == "chair:round":
        return {"op": uid(), "action": "open", "round": 2}
    if event == "group:set":
        return {"op": uid(), "id": uid(), "name": "Samen", "entries": [client_entry_id]}
    if event == "groups:suggest":
        return {"limit": 5}
    if event == "chair:vote":
        return {"op": uid(), "action": "open", "scope": "table", "table": 1, "dots": 3}
    if event == "vote:cast":
        return {"op": uid(), "vote": 1, "dots": {client_entry_id: 1}}
    if event == "topics:get":
        return {}
    if event == "feedback:update":
        doc = Doc()
        doc.get("feedback", type=Text).insert(0, "Plenair.")
        return {"op": uid(), "table": 1, "update": base64.b64encode(doc.get_update()).decode()}
    if event == "feedback:spokesperson":
        return {"op": uid(), "table": 1, "name": "Smit"}
    raise AssertionError(event)


# --- connect -------------------------------------------------------------------------


def test_connect_sends_snapshot_of_own_table(connect):
    client = connect("rapporteur", "3")
    (snap,) = received(client, "snapshot")
    assert snap["role"] == "rapporteur" and snap["table"] == 3
    assert [t["number"] for t in snap["tables"]] == [3]
    table = snap["tables"][0]
    assert table["leader"] == "Elzinga"
    assert table["entries"] and set(table["entries"][0]) == {
        "id",
        "text",
        "bollen",
        "horizons",
        "hidden",
        "author",
        "round",
    }
    assert set(snap["meeting"]["template"]) == {"bollen", "horizons"}
    assert base64.b64decode(table["report_state"])
    assert snap["seq"] > 0


def test_participant_snapshot_has_no_crdt_state(connect):
    (snap,) = received(connect("participant", "2"), "snapshot")
    assert snap["table"] == 2 and "report_state" not in snap["tables"][0]


@pytest.mark.parametrize("role", ["screen", "chair"])
def test_screen_and_chair_see_all_tables(connect, role):
    (snap,) = received(connect(role), "snapshot")
    assert snap["table"] is None and [t["number"] for t in snap["tables"]] == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize(
    "auth",
    [
        None,
        {},
        {"token": None},
        {"token": 42},
        {"token": "x" * 30},
        {"token": "' OR 1=1 --aaaaaaaaaaa"},
        "a-string",
    ],
)
def test_connect_refused_without_valid_token(app, auth):
    client = socketio.test_client(app, namespace=NS, auth=auth)
    assert not client.is_connected(NS)


def test_revoked_token_refused_at_connect_and_on_next_event(app, connect, meeting_links):
    client = connect("rapporteur", "1")
    with app.app_context():
        operations.rotate_token(operations.get_meeting(meeting_links["meeting"]), "rapporteur", 1)
    ack = send(client, "entry:add", add_payload())
    assert ack["ok"] is False and ack["error"] == "forbidden"
    old = socketio.test_client(
        app, namespace=NS, auth={"token": meeting_links["tables"]["1"]["rapporteur"]["token"]}
    )
    assert not old.is_connected(NS)


# --- every event × every role ----------------------------------------------------------


@pytest.mark.parametrize("event", list(EVENT_ROLES))
@pytest.mark.parametrize("role", ["rapporteur", "participant", "screen", "chair", "minutes"])
def test_event_role_matrix(app, connect, event, role):
    """Each event is accepted from exactly the roles the protocol declares, refused otherwise.

    A participant changes an entry added from their own device (test_live_authorship.py
    checks that they cannot change anyone else's).
    """
    own = role == "participant" and event in ("entry:update", "entry:delete", "entry:restore")
    owner = (
        connect("participant", "1", author="device-key-" + "a" * 20) if own else connect("rapporteur", "1")
    )
    created = send(owner, "entry:add", add_payload())
    entry_id = created["entry"]["id"]
    if event == "entry:restore":
        assert send(owner, "entry:delete", {"op": uid(), "id": entry_id})["ok"]
    client = owner if role == "rapporteur" or own else connect(role, "1")
    if event == "vote:cast":  # a vote over table 1's entries, cast from a device with a key
        assert send(connect("chair"), "chair:vote", valid_payload("chair:vote"))["ok"]
        if role in ("rapporteur", "participant"):
            client = connect(role, "1", author="device-key-" + "v" * 20)
    ack = send(client, event, valid_payload(event, entry_id))
    if role in EVENT_ROLES[event] and event == "chair:round":  # the demo is one round (test_rounds.py)
        assert ack["error"] == "invalid" and "één ronde" in ack["message"], ack
    elif role in EVENT_ROLES[event]:
        assert ack["ok"] is True, ack
    else:
        assert ack == {"ok": False, "error": "forbidden", "message": MESSAGES["forbidden"]}
        with app.app_context():
            entry = db.session.get(Entry, entry_id)
            assert entry.text == "Verdienvermogen"


def test_table_comes_from_token_not_payload(app, connect):
    client = connect("rapporteur", "2")
    ack = send(client, "entry:add", add_payload(table=5))
    assert ack["ok"]
    with app.app_context():
        entry = db.session.get(Entry, ack["entry"]["id"])
        assert entry.table.number == 2


def test_rapporteur_cannot_touch_other_tables_entries(connect):
    mine = connect("rapporteur", "1")
    other = connect("rapporteur", "2")
    entry_id = send(mine, "entry:add", add_payload())["entry"]["id"]
    for event in ("entry:update", "entry:delete"):
        ack = send(other, event, valid_payload(event, entry_id))
        assert ack["ok"] is False and ack["error"] == "not_found"


# --- broadcasts ----------------------------------------------------------------------


def test_add_is_broadcast_to_table_and_screens_only(connect):
    rapporteur = connect("rapporteur", "1")
    participant = connect("participant", "1")
    other_table = connect("participant", "2")
    screen = connect("screen")
    for c in (rapporteur, participant, other_table, screen):
        c.get_received(NS)
    ack = send(participant, "entry:add", add_payload(text="Woningmarkt"))
    for c in (rapporteur, participant, screen):
        (event,) = received(c, "entry")
        assert event == {"table": 1, "entry": ack["entry"], "seq": ack["seq"]}
    assert received(other_table, "entry") == []


def test_delete_and_restore_broadcast(connect):
    rapporteur = connect("rapporteur", "4")
    screen = connect("screen")
    entry_id = send(rapporteur, "entry:add", add_payload())["entry"]["id"]
    screen.get_received(NS)
    ack = send(rapporteur, "entry:delete", {"op": uid(), "id": entry_id})
    assert received(screen, "entry:deleted") == [{"table": 4, "id": entry_id, "seq": ack["seq"]}]
    ack = send(rapporteur, "entry:restore", {"op": uid(), "id": entry_id})
    assert received(screen, "entry")[0]["entry"]["id"] == entry_id


def test_sequence_numbers_increase_per_meeting(connect):
    a, b = connect("rapporteur", "1"), connect("participant", "2")
    seqs = [send(c, "entry:add", add_payload())["seq"] for c in (a, b, a, b)]
    assert seqs == sorted(seqs) and len(set(seqs)) == 4 and seqs[-1] - seqs[0] == 3


# --- idempotency ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "event", ["entry:add", "entry:update", "entry:delete", "report:update", "table:update"]
)
def test_resent_op_answers_the_same_and_changes_nothing(app, connect, event):
    client = connect("rapporteur", "1")
    entry_id = send(client, "entry:add", add_payload())["entry"]["id"]
    payload = valid_payload(event, entry_id)
    first = send(client, event, payload)
    assert first["ok"], first
    with app.app_context():
        ops_before = db.session.query(Operation).count()
        seq_before = db.session.query(Meeting).one().seq
        report_before = db.session.query(Meeting).one().table(1).report
    client.get_received(NS)
    again = send(client, event, payload)
    assert again == first
    assert received(client, "entry") == [] and received(client, "report") == []
    with app.app_context():
        assert db.session.query(Operation).count() == ops_before
        meeting = db.session.query(Meeting).one()
        assert meeting.seq == seq_before
        assert meeting.table(1).report == report_before


def test_same_entry_id_with_new_op_is_refused(connect):
    client = connect("rapporteur", "1")
    payload = add_payload()
    assert send(client, "entry:add", payload)["ok"]
    ack = send(client, "entry:add", {**payload, "op": uid()})
    assert ack["ok"] is False and ack["error"] == "invalid"


# --- malformed and over-limit --------------------------------------------------------

MALFORMED = [
    None,
    "string",
    42,
    [],
    ["list"],
    {"op": None},
    {"op": 1},
    {"op": "short"},
    {"op": "ü" * 20},
    {"op": "a" * 65},
]


@pytest.mark.parametrize(
    "event", ["entry:add", "entry:update", "entry:delete", "entry:restore", "report:update", "table:update"]
)
@pytest.mark.parametrize("payload", MALFORMED)
def test_malformed_payloads_are_refused(app, connect, event, payload):
    client = connect("rapporteur", "1")
    ack = send(client, event, payload)
    assert ack["ok"] is False and ack["error"] == "invalid" and ack["message"]
    assert send(client, "entry:add", add_payload())["ok"], "server still serves"


@pytest.mark.parametrize(
    "bad",
    [
        {"text": ""},
        {"text": "   "},
        {"text": None},
        {"text": 5},
        {"text": ["a"]},
        {"text": "nul\x00"},
        {"bollen": []},
        {"bollen": "economisch"},
        {"bollen": ["onbekend"]},
        {"bollen": [1]},
        {"horizons": ["morgen"]},
        {"horizons": "later"},
        {"id": "kort"},
        {"id": None},
        {"id": {"x": 1}},
    ],
)
def test_invalid_entries_refused(app, connect, bad):
    client = connect("participant", "1")
    with app.app_context():
        before = db.session.query(Operation).count()
    ack = send(client, "entry:add", add_payload(**bad))
    assert ack["ok"] is False and ack["error"] == "invalid", ack
    with app.app_context():
        assert db.session.query(Operation).count() == before


def test_entry_text_over_limit(connect):
    client = connect("rapporteur", "1")
    ack = send(client, "entry:add", add_payload(text="x" * (LIMITS["entry_text"] + 1)))
    assert ack["error"] == "too_large" and "500" in ack["message"]
    assert send(client, "entry:add", add_payload(text="x" * LIMITS["entry_text"]))["ok"]


def test_bad_crdt_updates(connect):
    client = connect("rapporteur", "1")
    for update in ("", "!!!", base64.b64encode(b"\xff\x00garbage").decode(), 12):
        ack = send(client, "report:update", {"op": uid(), "update": update})
        assert ack["ok"] is False and ack["error"] == "invalid", (update, ack)
    huge = base64.b64encode(b"a" * (LIMITS["report_update"] + 10)).decode()
    assert send(client, "report:update", {"op": uid(), "update": huge})["error"] == "too_large"


def test_report_over_limit_is_refused_and_state_kept(app, connect):
    client = connect("rapporteur", "1")
    (snap,) = received(client, "snapshot")
    state = base64.b64decode(snap["tables"][0]["report_state"])
    too_long = report_update("x" * (LIMITS["report"] + 1), state)
    ack = send(client, "report:update", {"op": uid(), "update": too_long})
    assert ack["error"] == "too_large"
    with app.app_context():
        assert "x" * 100 not in db.session.query(Meeting).one().table(1).report


def test_attendance_rules(app, connect):
    client = connect("rapporteur", "1")
    bad = send(client, "table:update", {"op": uid(), "leader": "Niemand"})
    assert bad["error"] == "invalid" and "gespreksleider" in bad["message"]
    assert send(client, "table:update", {"op": uid()})["error"] == "invalid"
    assert send(client, "table:update", {"op": uid(), "participants": "Jan"})["error"] == "invalid"
    ok = send(
        client, "table:update", {"op": uid(), "participants": ["Ten Dam", "Smit", "Nieuw"], "leader": "Smit"}
    )
    assert ok["ok"] and ok["info"]["participants"] == ["Ten Dam", "Smit", "Nieuw"]
    assert ok["info"]["leader"] == "Smit"
    dropped = send(client, "table:update", {"op": uid(), "participants": ["Ten Dam"]})
    assert dropped["info"]["leader"] is None


def test_rate_limit(connect, monkeypatch):
    monkeypatch.setitem(LIMITS, "events_per_second", 1)  # independent of the disk's speed
    client = connect("participant", "1")
    acks = [send(client, "entry:add", add_payload()) for _ in range(LIMITS["burst"] + 5)]
    limited = [a for a in acks if not a["ok"]]
    assert limited and all(a["error"] == "rate_limited" for a in limited)


def test_closed_meeting_refuses_changes(app, connect):
    client = connect("rapporteur", "1")
    with app.app_context():
        meeting = db.session.query(Meeting).one()
        meeting.phase = "closed"
        db.session.commit()
    ack = send(client, "entry:add", add_payload())
    assert ack["error"] == "closed" and ack["message"]


# --- report co-editing ---------------------------------------------------------------


def test_concurrent_report_edits_merge(app, connect):
    a = connect("rapporteur", "1")
    b = connect("rapporteur", "1")
    (snap_a,) = received(a, "snapshot")
    (snap_b,) = received(b, "snapshot")
    state = base64.b64decode(snap_a["tables"][0]["report_state"])
    assert snap_b["tables"][0]["report_state"] == snap_a["tables"][0]["report_state"]
    # both type at the same moment from the same state: neither has seen the other's keystrokes
    ua = report_update("\nAAA eerste zin.", state)
    ub = report_update("\nBBB tweede zin.", state)
    assert send(a, "report:update", {"op": uid(), "update": ua})["ok"]
    ack = send(b, "report:update", {"op": uid(), "update": ub})
    assert ack["ok"]
    with app.app_context():
        text = db.session.query(Meeting).one().table(1).report
    assert "AAA eerste zin." in text and "BBB tweede zin." in text
    # each client receives the other's update and ends at the same text
    doc_a, doc_b = Doc(), Doc()
    for doc, own, client in ((doc_a, ua, a), (doc_b, ub, b)):
        doc.apply_update(state)
        doc.apply_update(base64.b64decode(own))
        for event in received(client, "report"):
            doc.apply_update(base64.b64decode(event["update"]))
    assert str(doc_a.get("report", type=Text)) == str(doc_b.get("report", type=Text)) == text


# --- resync --------------------------------------------------------------------------


def test_sync_returns_missed_events_for_own_table(connect):
    writer = connect("rapporteur", "1")
    reader = connect("participant", "1")
    (snap,) = received(reader, "snapshot")
    send(writer, "entry:add", add_payload(text="Een"))
    connect("rapporteur", "2").emit("entry:add", add_payload(), namespace=NS, callback=True)
    send(writer, "entry:add", add_payload(text="Twee"))
    answer = send(reader, "sync", {"since": snap["seq"]})
    assert answer["ok"]
    texts = [e["data"]["entry"]["text"] for e in answer["events"]]
    assert texts == ["Een", "Twee"]
    assert all(e["data"]["table"] == 1 for e in answer["events"])
    assert send(reader, "sync", {"since": "x"})["error"] == "invalid"


def test_rotation_disconnects_open_pages_of_the_old_link(app, connect, meeting_links):
    from facilitator.live.broadcast import revoke_connections

    old = connect("rapporteur", "2")
    other = connect("participant", "2")
    with app.app_context():
        meeting = operations.get_meeting(meeting_links["meeting"])
        operations.rotate_token(meeting, "rapporteur", 2)
        assert revoke_connections(meeting.id, "rapporteur", 2) == 1
    assert not old.is_connected(NS)  # (the test client drops its queue on disconnect)
    assert other.is_connected(NS)


# --- the declaration itself ------------------------------------------------------------------

DOCS = Path(__file__).resolve().parent.parent / "docs" / "protocol.md"


def doc_table(heading: str) -> dict[str, str]:
    """First column (an event name in backticks) → the rest of the row, from a table in docs/protocol.md."""
    section = DOCS.read_text().split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return dict(re.findall(r"^\| `([^`]+)` \|(.*)$", section, flags=re.M))


def test_docs_list_exactly_the_declared_events_and_roles():
    clients = doc_table("Client events")
    assert set(clients) == set(CLIENT_EVENTS)
    for name, row in clients.items():
        who = re.split(r"(?<!\\)\|", row)[1]  # a pipe inside a cell is escaped
        roles = set(ROLES) if "everyone" in who else {r for r in ROLES if re.search(rf"\b{r}\b", who)}
        assert roles == set(CLIENT_EVENTS[name].roles), name
    assert set(doc_table("Server events")) == set(protocol.SERVER_EVENTS)


def test_every_client_event_is_parsed_into_a_command(app, import_session):
    with app.app_context():
        meeting = operations.get_meeting(import_session(SESSIONS / "ser-raad-2023-01-27-rondes.toml"))
        template = protocol.Template(meeting)
        for name, event in CLIENT_EVENTS.items():
            command = event.parse(valid_payload(name, uid()), template)
            assert dataclasses.is_dataclass(command) and dataclasses.is_dataclass(type(command)), name
            if isinstance(command, protocol.Change):
                assert command.kind == name


def test_an_undeclared_server_event_or_key_fails_the_test(app, server_events):
    from facilitator.live import broadcast

    with app.app_context():
        broadcast.send("surprise", {"x": 1}, "nobody")
        broadcast.send("entry:deleted", {"table": 1, "id": "x", "seq": 1, "extra": True}, "nobody")
        broadcast.send("entry", {"table": 1, "entry": {"id": "x"}, "seq": 1}, "nobody")
    found, server_events.violations[:] = list(server_events.violations), []
    assert len(found) == 3
    assert "undeclared server event 'surprise'" in found[0]
    assert "undeclared ['extra']" in found[1] and "entry." in found[2]
