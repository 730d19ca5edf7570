"""Fuzzing every client event of the live protocol (issue 10).

Generated from CLIENT_EVENTS, so a new event is fuzzed without a line here: its
payloads are drawn from the fields every event uses (a valid example, when one is known
below, is mutated too). Each case must be answered with a declared refusal or a valid
change — never an unexpected exception (the app logs none), never a partial write (a
refusal leaves the meeting's seq and change log alone; a change adds one row), and the
socket goes on answering.
"""

from __future__ import annotations

import base64
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pycrdt import Doc, Text

from facilitator import rules
from facilitator.extensions import db
from facilitator.live import protocol
from facilitator.live.actions import CLIENT_EVENTS
from facilitator.live.errors import ERROR_CODES
from facilitator.models import AccessToken
from facilitator.rules import LIMITS, ROLES

from .fuzzing import (
    any_text,
    check_invariants,
    database_state,
    examples,
    json_values,
    log_errors,
    memory_database_url,
    tricky_text,
)

NS = "/live"
ENTRY_IDS = [f"fuzz-entry-{i:02d}" for i in range(6)]  # made at the start, so updates find them
BOLLEN = ["economisch", "sociaal", "ecologisch"]
HORIZONS = ["hier-en-nu", "later", "elders"]


def _report_update(text: str, root: str = "report") -> str:
    doc = Doc()  # a CRDT holds UTF-8: a lone surrogate cannot even be typed into one
    doc.get(root, type=Text).insert(0, text.encode("utf-8", "replace").decode())
    return base64.b64encode(doc.get_update()).decode()


ids = st.one_of(st.sampled_from(ENTRY_IDS), st.uuids().map(str), tricky_text)
key_lists = st.lists(st.one_of(st.sampled_from(BOLLEN + HORIZONS), any_text), max_size=8)
names = st.one_of(st.none(), tricky_text, st.sampled_from(["Ghorashi", "Fortuin", "Van Vliet"]))
# for every field name any event reads: values near the valid ones, and anything at all
FIELDS = {
    "op": st.one_of(st.uuids().map(str), tricky_text),
    "id": ids,
    "base": st.one_of(st.none(), st.integers(-5, 10**6), json_values),
    "text": tricky_text,
    "bollen": key_lists,
    "horizons": key_lists,
    "hidden": st.one_of(st.booleans(), json_values),
    "update": st.one_of(
        tricky_text.map(_report_update),
        tricky_text.map(lambda text: _report_update(text, "feedback")),
        any_text,
        st.binary(max_size=64).map(lambda b: base64.b64encode(b).decode()),
    ),
    "participants": st.one_of(st.lists(names, max_size=60), json_values),
    "leader": names,
    "rapporteur": names,
    "spokesperson": names,
    "name": names,
    "since": st.one_of(st.integers(-3, 10**9), json_values),
    "phase": st.one_of(st.sampled_from(rules.PHASES), any_text),
    "action": st.one_of(st.sampled_from(protocol.TIMER_ACTIONS), any_text),
    "minutes": st.one_of(st.integers(-2, 700), json_values),
    "mode": st.one_of(st.sampled_from(protocol.SCREEN_MODES), any_text),
    "current": st.one_of(st.none(), st.integers(-1, 8), json_values),
    "filters": st.one_of(
        st.fixed_dictionaries({}, optional={"tables": st.lists(st.integers(0, 8)), "horizons": key_lists}),
        json_values,
    ),
    "order": st.one_of(st.lists(st.integers(0, 8), max_size=8), json_values),
    "limit": st.one_of(st.integers(-1, 200), json_values),
    "table": st.one_of(st.integers(-1, 8), json_values),
    "round": st.one_of(st.none(), st.integers(-1, 5), json_values),  # a report's round, an entry's
}

# a valid payload per event, to be mutated (an event missing here is still fuzzed from FIELDS)
VALID = {
    "entry:add": lambda: {
        "op": str(uuid.uuid4()),
        "id": str(uuid.uuid4()),
        "text": "Inbreng",
        "bollen": BOLLEN[:1],
    },
    "entry:update": lambda: {"op": str(uuid.uuid4()), "id": ENTRY_IDS[0], "text": "Nieuw"},
    "entry:delete": lambda: {"op": str(uuid.uuid4()), "id": ENTRY_IDS[1]},
    "entry:restore": lambda: {"op": str(uuid.uuid4()), "id": ENTRY_IDS[1]},
    "entry:approve": lambda: {"op": str(uuid.uuid4()), "id": ENTRY_IDS[0]},
    # round: the round whose report it edits (1: the table's own, as without the field)
    "report:update": lambda: {"op": str(uuid.uuid4()), "update": _report_update("Verslag. "), "round": 1},
    "table:update": lambda: {
        "op": str(uuid.uuid4()),
        "participants": ["Ghorashi", "Fortuin"],
        "leader": "Fortuin",
    },
    "table:ready": lambda: {"op": str(uuid.uuid4()), "ready": True},
    "presence:hello": lambda: {"name": "Anna"},
    "sync": lambda: {"since": 0},
    "entry:hide": lambda: {"op": str(uuid.uuid4()), "id": ENTRY_IDS[2], "hidden": True},
    "chair:phase": lambda: {"op": str(uuid.uuid4()), "phase": "round"},
    "chair:timer": lambda: {"op": str(uuid.uuid4()), "action": "start", "minutes": 5},
    "chair:view": lambda: {"op": str(uuid.uuid4()), "mode": "feedback", "current": 1},
    "chair:feedback-order": lambda: {"op": str(uuid.uuid4()), "order": [1, 2]},
    "chair:round": lambda: {"op": str(uuid.uuid4()), "action": "open", "round": 1},
    "group:set": lambda: {
        "op": str(uuid.uuid4()),
        "id": str(uuid.uuid4()),
        "name": "Groep",
        "entries": ENTRY_IDS[:2],
    },
    "groups:suggest": lambda: {"limit": 5},
    "chair:vote": lambda: {
        "op": str(uuid.uuid4()),
        "action": "open",
        "scope": "plenary",
        "entries": ENTRY_IDS[:2],
        "dots": 3,
        "max_per_entry": 2,
        "allow_own": False,
    },
    "vote:cast": lambda: {"op": str(uuid.uuid4()), "vote": 1, "dots": {ENTRY_IDS[0]: 1}},
    "topics:get": lambda: {"limit": 5},
    "feedback:update": lambda: {
        "op": str(uuid.uuid4()),
        "table": 1,
        "update": _report_update("Plenair. ", "feedback"),
    },
    "feedback:spokesperson": lambda: {"op": str(uuid.uuid4()), "table": 2, "name": "Fortuin"},
}


@st.composite
def payloads(draw, event: str):
    """A payload for ``event``: a mutated valid one, a dict over the known fields, or anything."""
    kind = draw(st.sampled_from(["mutated", "mutated", "fields", "anything"]))
    if kind == "anything":
        return draw(json_values)
    if kind == "mutated" and event in VALID:
        payload = VALID[event]()
        for key in draw(st.lists(st.sampled_from(sorted(payload)), unique=True, max_size=2)):
            if draw(st.booleans()):
                payload[key] = draw(FIELDS.get(key, json_values))
            else:
                del payload[key]
    else:
        payload = draw(st.fixed_dictionaries({}, optional=FIELDS))
    if draw(st.integers(0, 9)) == 0:  # keys no event reads, now and then a big one
        payload[draw(any_text)] = draw(st.one_of(json_values, st.just("y" * 200_000)))
    return payload


@pytest.fixture
def database_url():
    """The fuzz tests' database is on a RAM disk (see fuzzing.memory_database_url)."""
    with memory_database_url() as url:
        yield url


CHANGES_NOTHING = {"presence:hello", "sync", "topics:get"}


@pytest.fixture
def fuzz_clients(app, connect, monkeypatch, meeting_links):
    """One socket per role (tables 1 and 2), no rate limits, and six entries to aim at."""
    monkeypatch.setitem(LIMITS, "burst", 10**9)
    monkeypatch.setitem(LIMITS, "events_per_second", 10**9)
    for role in rules.STORAGE_BUDGET:
        monkeypatch.setitem(rules.STORAGE_BUDGET, role, (10**9, 10**12))
    clients = {
        "rapporteur": connect("rapporteur", 1),
        "participant": connect("participant", 1),
        "screen": connect("screen"),
        "chair": connect("chair"),
        "minutes": connect("minutes"),
    }
    for i, entry_id in enumerate(ENTRY_IDS):
        payload = {"op": str(uuid.uuid4()), "id": entry_id, "text": f"Inbreng {i}", "bollen": BOLLEN[:2]}
        assert clients["rapporteur"].emit("entry:add", payload, namespace=NS, callback=True)["ok"]
    with app.app_context():
        meeting_id = AccessToken.lookup(meeting_links["chair"]["token"]).meeting_id
    return clients, meeting_id


@pytest.mark.parametrize("event", sorted(CLIENT_EVENTS))
def test_every_event_answers_every_payload(app, fuzz_clients, event):
    clients, meeting_id = fuzz_clients
    allowed = CLIENT_EVENTS[event].roles
    errors_logged = log_errors()
    cases = {"n": 0}

    @settings(max_examples=examples(400))
    @given(role=st.one_of(st.sampled_from(allowed), st.sampled_from(ROLES)), payload=payloads(event))
    def case(role, payload):
        client = clients[role]
        with app.app_context():
            before = database_state(meeting_id)
        ack = client.emit(event, payload, namespace=NS, callback=True)
        client.get_received(NS)  # drop the broadcasts (the conftest checks their shapes)
        assert not errors.take(), (event, payload)
        assert isinstance(ack, dict) and isinstance(ack.get("ok"), bool), ack
        with app.app_context():
            after = database_state(meeting_id)
            if not ack["ok"]:
                assert ack["error"] in ERROR_CODES and ack["error"] != "unavailable", ack
                assert isinstance(ack["message"], str) and ack["message"].strip(), ack
                assert after == before, f"a refused {event} wrote something: {ack}"
            elif event in CHANGES_NOTHING or "seq" not in ack:
                assert after == before
            else:  # one change, one log row; or a resent op, answered as the first time
                assert after in ((before[0] + 1, before[1] + 1), before), (before, after, ack)
            if role not in allowed:
                assert ack == {"ok": False, "error": "forbidden", "message": ack["message"]}
            cases["n"] += 1
            if cases["n"] % 25 == 0:
                check_invariants(meeting_id)
        # the socket still answers a valid event
        assert client.emit("sync", {"since": 10**9}, namespace=NS, callback=True)["ok"] is True

    with errors_logged as errors:
        case()
    with app.app_context():
        check_invariants(meeting_id)
        db.session.remove()
    assert cases["n"] >= 1
