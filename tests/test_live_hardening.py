"""Issue 10, the live rows: storage budget per token, characters no document can hold,
rotating a link while its page is open, hidden entries on the screens."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import timedelta

import pytest
from pycrdt import Doc, Text
from sqlalchemy import select

from facilitator import operations, rules, sessionfile
from facilitator.extensions import db
from facilitator.live import budget
from facilitator.meeting_data import meeting_to_data
from facilitator.models import Meeting, Operation, Presence, TokenUsage, utcnow

NS = "/live"


def uid() -> str:
    return str(uuid.uuid4())


def send(client, event, payload):
    return client.emit(event, payload, namespace=NS, callback=True)


def test_rotating_a_link_while_its_page_is_open_is_not_a_500(app, connect, post_form, meeting_links):
    page = connect("rapporteur", 1)
    other = connect("participant", 1)
    slug = meeting_links["meeting"]
    response = post_form(f"/secretariaat/vergaderingen/{slug}/links/verslag/1/vernieuwen")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert not page.is_connected(NS)
    assert other.is_connected(NS)
    assert send(other, "presence:hello", {"name": "Anna"})["ok"] is True
    with app.app_context():  # the disconnect handler did its work: the old page left presence
        rows = db.session.execute(select(Presence.role).where(Presence.table_number == 1)).scalars().all()
        assert rows == ["participant"]


# -- b. characters no document can hold ------------------------------------------------------

REFUSED = {
    "NUL": "a\x00b",
    "C0 control": "a\x07b",
    "escape": "a\x1bb",
    "lone surrogate": "a\ud800b",
    "low surrogate": "a\udfffb",
    "U+FFFE": "a\ufffeb",
    "U+FFFF": "a\uffffb",
    "U+FDD0": "a\ufdd0b",
    "U+FDEF": "a\ufdefb",
    "plane-1 non-character": "a\U0001fffeb",
}


def _text_fields(bad: str):
    """(role, event, payload) for every live text field, with ``bad`` in it."""
    yield "participant", "presence:hello", {"name": bad}
    yield "rapporteur", "presence:hello", {"name": bad}
    yield "rapporteur", "table:update", {"op": uid(), "participants": ["Ghorashi", bad]}
    for role in ("leader", "rapporteur", "spokesperson"):
        yield "rapporteur", "table:update", {"op": uid(), role: bad}
    yield "participant", "entry:add", {"op": uid(), "id": uid(), "text": bad, "bollen": ["economisch"]}
    yield "rapporteur", "entry:add", {"op": uid(), "id": uid(), "text": bad, "bollen": ["sociaal"]}


@pytest.mark.parametrize("bad", REFUSED.values(), ids=REFUSED.keys())
def test_every_live_text_field_refuses_characters_no_document_can_hold(app, connect, meeting_links, bad):
    clients = {role: connect(role, 1) for role in ("participant", "rapporteur")}
    entry = {"op": uid(), "id": uid(), "text": "Goed", "bollen": ["economisch"]}
    assert send(clients["rapporteur"], "entry:add", entry)["ok"]
    cases = [
        *_text_fields(bad),
        ("rapporteur", "entry:update", {"op": uid(), "id": entry["id"], "text": bad}),
    ]
    for role, event, payload in cases:
        ack = send(clients[role], event, payload)
        assert ack["ok"] is False and ack["error"] == "invalid", (event, payload, ack)
        assert "haal het weg" in ack["message"] and "U+" in ack["message"], ack
    # the socket goes on working, and the session file still exports and imports
    assert send(clients["rapporteur"], "presence:hello", {"name": "Van Vliet"}) == {"ok": True}
    assert send(clients["rapporteur"], "entry:add", {**entry, "op": uid(), "id": uid()})["ok"]
    with app.app_context():
        meeting = operations.get_meeting(meeting_links["meeting"])
        text = sessionfile.dumps(meeting_to_data(meeting))
    sessionfile.loads(text.encode())


def test_a_refused_name_in_hello_does_not_break_the_socket(connect):
    client = connect("participant", 2)
    assert send(client, "presence:hello", {"name": "Anna\ud800"})["error"] == "invalid"
    payload = {"op": uid(), "id": uid(), "text": "Brede welvaart", "bollen": ["sociaal"]}
    assert send(client, "entry:add", payload)["ok"] is True


def test_tab_and_line_breaks_are_kept_in_entry_text_but_not_in_names(connect):
    client = connect("rapporteur", 1)
    ack = send(
        client, "entry:add", {"op": uid(), "id": uid(), "text": "een\ttwee\ndrie", "bollen": ["sociaal"]}
    )
    assert ack["ok"] and ack["entry"]["text"] == "een\ttwee\ndrie"
    ack = send(client, "table:update", {"op": uid(), "rapporteur": "Van\nVliet"})
    assert ack["error"] == "invalid" and "regeleinde" in ack["message"]


def test_ids_with_a_final_newline_are_refused(connect):
    client = connect("rapporteur", 1)
    ack = send(client, "entry:add", {"op": uid() + "\n", "id": uid(), "text": "x", "bollen": ["sociaal"]})
    assert ack["error"] == "invalid"
    ack = send(client, "entry:add", {"op": uid(), "id": "abcdefgh\n", "text": "x", "bollen": ["sociaal"]})
    assert ack["error"] == "invalid"


def test_a_report_update_that_types_a_control_character_is_refused(app, connect, meeting_links):
    client = connect("rapporteur", 1)
    state = base64.b64decode(client.get_received(NS)[0]["args"][0]["tables"][0]["report_state"])
    ack = send(client, "report:update", {"op": uid(), "update": report_update(state, "x\x00y")})
    assert ack["ok"] is False and ack["error"] == "invalid" and "NUL" in ack["message"]
    ack = send(client, "report:update", {"op": uid(), "update": report_update(state, "\nNog een regel.")})
    assert ack["ok"] is True


def report_update(state: bytes, text: str) -> str:
    doc = Doc()
    ytext = doc.get("report", type=Text)
    doc.apply_update(state)
    before = doc.get_state()
    ytext += text
    return base64.b64encode(doc.get_update(before)).decode()


# -- d. what the chair hid does not reach the screens ----------------------------------------

SECRET = "Vertrouwelijk: naam van de klokkenluider"


def _entries(snapshot: dict, number: int) -> list[dict]:
    return next(t for t in snapshot["tables"] if t["number"] == number)["entries"]


def _texts(obj) -> str:
    return json.dumps(obj, ensure_ascii=False)


def test_screens_get_hidden_entries_without_their_text(app, client, connect, meeting_links):
    chair, screen, rapporteur = connect("chair"), connect("screen"), connect("rapporteur", 3)
    start = send(screen, "sync", {"since": 0})
    since = start["events"][-1]["data"]["seq"] if start["events"] else 0
    payload = {"op": uid(), "id": uid(), "text": SECRET, "bollen": ["economisch", "sociaal"]}
    entry_id = send(rapporteur, "entry:add", payload)["entry"]["id"]
    for c in (chair, screen, rapporteur):
        c.get_received(NS)
    assert send(chair, "entry:hide", {"op": uid(), "id": entry_id, "hidden": True})["entry"]["text"] == SECRET

    # live: the chair and the table see the text, the screen only that the entry is hidden
    (to_screen,) = [m["args"][0] for m in screen.get_received(NS) if m["name"] == "entry"]
    assert to_screen["entry"] == {
        "id": entry_id,
        "text": "",
        "bollen": [],
        "horizons": [],
        "hidden": True,
        "round": 1,
    }
    (to_chair,) = [m["args"][0] for m in chair.get_received(NS) if m["name"] == "entry"]
    assert to_chair["entry"]["text"] == SECRET and to_chair["entry"]["hidden"] is True
    (to_table,) = [m["args"][0] for m in rapporteur.get_received(NS) if m["name"] == "entry"]
    assert to_table["entry"]["text"] == SECRET

    # a rapporteur's later edit of a hidden entry does not reach the screens either
    send(rapporteur, "entry:update", {"op": uid(), "id": entry_id, "text": SECRET + " (bijgewerkt)"})
    assert SECRET not in _texts(screen.get_received(NS))

    # snapshot, sync replay (also of the add made before the hide), the screen's page
    fresh_screen = connect("screen").get_received(NS)[0]["args"][0]
    assert SECRET not in _texts(fresh_screen)
    assert {"id": entry_id, "text": "", "bollen": [], "horizons": [], "hidden": True, "round": 1} in _entries(
        fresh_screen, 3
    )
    assert SECRET in _texts(connect("chair").get_received(NS)[0]["args"][0])
    replay = send(screen, "sync", {"since": since})
    assert replay["ok"] and replay["events"] and SECRET not in _texts(replay)
    assert SECRET in _texts(send(chair, "sync", {"since": since}))
    page = client.get(f"/scherm/{meeting_links['screen']['token']}")
    assert page.status_code == 200 and SECRET not in page.get_data(as_text=True)
    assert SECRET in client.get(f"/voorzitter/{meeting_links['chair']['token']}").get_data(as_text=True)

    # shown again: the screens get it back, in its place
    send(chair, "entry:hide", {"op": uid(), "id": entry_id, "hidden": False})
    (back,) = [m["args"][0] for m in screen.get_received(NS) if m["name"] == "entry"]
    assert back["entry"]["text"].startswith(SECRET) and back["entry"]["hidden"] is False


# -- a. what one link may store ------------------------------------------------------------------


def _operation_rows(app, op: str) -> list[Operation]:
    with app.app_context():
        return db.session.execute(select(Operation).where(Operation.op_id == op)).scalars().all()


@pytest.mark.parametrize(
    ("role", "event", "payload"),
    [
        ("participant", "entry:add", {"id": "entry-0001", "text": "Kort", "bollen": ["sociaal"]}),
        ("rapporteur", "table:update", {"rapporteur": "Van Vliet"}),
        ("chair", "chair:phase", {"phase": "round"}),
    ],
)
def test_unknown_payload_keys_are_not_stored(app, connect, role, event, payload):
    """The change log keeps the parsed command, so a megabyte under an unknown key costs nothing."""
    client = connect(role, 1)
    op = uid()
    ack = send(client, event, {**payload, "op": op, "junk": "x" * 900_000, "nested": {"a": ["y" * 1000]}})
    assert ack["ok"] is True, ack
    (row,) = _operation_rows(app, op)
    stored = json.dumps(row.payload) + json.dumps(row.result)
    assert "junk" not in stored and "nested" not in stored and len(stored) < 2_000


def _add(client, text="Inbreng", **extra):
    return send(client, "entry:add", {"op": uid(), "id": uid(), "text": text, "bollen": ["sociaal"], **extra})


def test_the_storage_budget_is_per_link_across_reconnects_and_sockets(app, connect, monkeypatch):
    monkeypatch.setitem(rules.STORAGE_BUDGET, "participant", (5, 1_000_000))
    first = connect("participant", 1)
    start = first.get_received(NS)[0]["args"][0]["seq"]
    assert all(_add(first)["ok"] for _ in range(3))
    first.disconnect(NS)
    again, beside = connect("participant", 1), connect("participant", 1)  # a reconnect, a second phone
    assert _add(again)["ok"] and _add(beside)["ok"]
    for client in (again, beside):
        ack = _add(client)
        assert ack["ok"] is False and ack["error"] == "rate_limited", ack
        assert "minuten" in ack["message"] and "opnieuw" in ack["message"]
    assert _add(connect("participant", 2))["ok"]  # another link has a budget of its own
    with app.app_context():
        assert db.session.get(Meeting, 1).seq == start + 6  # a refusal takes no sequence number

    # ten minutes later the old changes have slid out of the window
    later = utcnow() + timedelta(seconds=rules.LIMITS["budget_window"] * 2)
    monkeypatch.setattr(budget, "utcnow", lambda: later)
    assert _add(again)["ok"]


def test_the_storage_budget_counts_bytes(app, connect, monkeypatch):
    monkeypatch.setitem(rules.STORAGE_BUDGET, "participant", (1000, 6_000))
    client = connect("participant", 1)
    accepted = 0
    while (ack := _add(client, "x" * 500))["ok"]:
        accepted += 1
    assert ack["error"] == "rate_limited" and 3 <= accepted <= 6
    monkeypatch.setitem(rules.STORAGE_BUDGET, "participant", (1000, 100))
    assert _add(connect("participant", 2), "x" * 500)["error"] == "too_large"


def test_report_versions_count_against_the_budget(app, connect, monkeypatch):
    """Alternating display names starts a new report version (the whole text) each time: counted."""
    rapporteur = connect("rapporteur", 1)
    state = base64.b64decode(rapporteur.get_received(NS)[0]["args"][0]["tables"][0]["report_state"])
    doc = Doc()
    doc.apply_update(state)
    length = len(str(doc.get("report", type=Text)))
    assert length > 500
    for i in range(4):
        assert send(rapporteur, "presence:hello", {"name": f"Naam {i}"})["ok"]
        before = doc.get_state()
        doc.get("report", type=Text).insert(0, "x")
        update = base64.b64encode(doc.get_update(before)).decode()
        assert send(rapporteur, "report:update", {"op": uid(), "update": update})["ok"]
    with app.app_context():
        (usage,) = db.session.execute(select(TokenUsage)).scalars().all()
        assert usage.events == 4 and usage.bytes >= 4 * length
