"""The chair's live controls: phases and their enforcement, timer, view, report-back order,
hidden entries, recurring topics; and the screen's snapshot-plus-events guarantee."""

from __future__ import annotations

import base64
import json
import random
import shutil
import subprocess
import uuid
from datetime import datetime
from pathlib import Path

import pytest
from pycrdt import Doc, Text

from facilitator.extensions import db
from facilitator.live import protocol
from facilitator.models import Meeting
from facilitator.rules import PHASES

NS = "/live"


def uid() -> str:
    return str(uuid.uuid4())


def send(client, event, payload):
    return client.emit(event, payload, namespace=NS, callback=True)


def events(client, name):
    return [m["args"][0] for m in client.get_received(NS) if m["name"] == name]


def snapshot_of(client):
    (snap,) = events(client, "snapshot")
    return snap


def entry(text="Inbreng", bollen=("economisch",), horizons=(), **extra):
    return {
        "op": uid(),
        "id": uid(),
        "text": text,
        "bollen": list(bollen),
        "horizons": list(horizons),
        **extra,
    }


# --- phases ------------------------------------------------------------------------------

TABLE_WRITES = {
    "entry:add": lambda eid: entry(),
    "entry:update": lambda eid: {"op": uid(), "id": eid, "text": "Anders"},
    "entry:delete": lambda eid: {"op": uid(), "id": eid},
    "table:update": lambda eid: {"op": uid(), "rapporteur": "Iemand"},
    "table:ready": lambda eid: {"op": uid(), "ready": True},
}


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("event", list(TABLE_WRITES))
def test_phase_enforcement_on_table_writes(connect, phase, event):
    chair, rapporteur = connect("chair"), connect("rapporteur", 2)
    entry_id = send(rapporteur, "entry:add", entry())["entry"]["id"]
    assert send(chair, "chair:phase", {"op": uid(), "phase": phase})["ok"]
    ack = send(rapporteur, event, TABLE_WRITES[event](entry_id))
    if phase == "closed":
        assert ack["ok"] is False and ack["error"] == "closed" and "gesloten" in ack["message"]
    else:
        assert ack["ok"] is True, ack


def test_participant_refused_when_closed_and_chair_can_reopen(connect):
    chair, participant = connect("chair"), connect("participant", 1)
    send(chair, "chair:phase", {"op": uid(), "phase": "closed"})
    assert send(participant, "entry:add", entry())["error"] == "closed"
    send(chair, "chair:phase", {"op": uid(), "phase": "feedback"})
    assert send(participant, "entry:add", entry())["ok"]


def test_changes_made_before_the_close_still_land(connect):
    """A change typed before the close but arriving after it (offline outbox) is kept."""
    chair, rapporteur = connect("chair"), connect("rapporteur", 1)
    seen = snapshot_of(rapporteur)["seq"]
    send(chair, "chair:phase", {"op": uid(), "phase": "closed"})
    late = send(rapporteur, "entry:add", entry("Getypt voor de sluiting", base=seen))
    assert late["ok"], late
    after = send(rapporteur, "entry:add", entry("Na de sluiting", base=late["seq"]))
    assert after["error"] == "closed"
    assert send(rapporteur, "entry:add", entry(base="x"))["error"] == "invalid"


def test_phase_reaches_every_client_of_the_meeting(connect):
    chair = connect("chair")
    others = [connect("rapporteur", 1), connect("participant", 4), connect("screen")]
    for c in others:
        c.get_received(NS)
    ack = send(chair, "chair:phase", {"op": uid(), "phase": "round"})
    for c in others:
        (event,) = events(c, "meeting")
        assert event["meeting"]["phase"] == "round" and event["seq"] == ack["seq"]
        assert event["meeting"]["timer"]["running"] is True
        assert event["meeting"]["timer"]["total"] == 40 * 60  # the demo's round_minutes


def test_feedback_phase_starts_at_the_first_table_of_the_order(connect):
    chair = connect("chair")
    state = send(chair, "chair:phase", {"op": uid(), "phase": "feedback"})["meeting"]
    assert state["view"] == {"mode": "feedback", "current": 1, "filters": {}, "page": 0}
    assert state["feedback_order"] == [1, 3, 4, 5, 6]


# --- timer -------------------------------------------------------------------------------


def test_timer_start_pause_resume_extend_reset(connect):
    chair = connect("chair")
    timer = send(chair, "chair:timer", {"op": uid(), "action": "start", "minutes": 10})["meeting"]["timer"]
    assert timer["running"] and timer["total"] == 600
    ends = datetime.fromisoformat(timer["ends_at"])
    assert 595 <= (ends - datetime.now(ends.tzinfo)).total_seconds() <= 600
    timer = send(chair, "chair:timer", {"op": uid(), "action": "pause"})["meeting"]["timer"]
    assert not timer["running"] and timer["ends_at"] is None and 595 <= timer["remaining"] <= 600
    timer = send(chair, "chair:timer", {"op": uid(), "action": "extend", "minutes": 5})["meeting"]["timer"]
    assert timer["total"] == 900 and 895 <= timer["remaining"] <= 900
    timer = send(chair, "chair:timer", {"op": uid(), "action": "resume"})["meeting"]["timer"]
    assert timer["running"] and timer["remaining"] is None
    timer = send(chair, "chair:timer", {"op": uid(), "action": "reset"})["meeting"]["timer"]
    assert timer == {"total": None, "ends_at": None, "remaining": None, "running": False}
    refused = send(chair, "chair:timer", {"op": uid(), "action": "pause"})
    assert refused["error"] == "invalid"


@pytest.mark.parametrize(
    "payload",
    [
        {"action": "explode"},
        {"action": "start", "minutes": 0},
        {"action": "start", "minutes": 601},
        {"action": "extend"},
        {"action": "start", "minutes": "5"},
        {"action": "start", "minutes": True},
    ],
)
def test_timer_refuses_bad_input(connect, payload):
    assert send(connect("chair"), "chair:timer", {"op": uid(), **payload})["error"] == "invalid"


# --- view and report-back order ----------------------------------------------------------


def test_view_and_order_live_on_the_server_for_a_second_chair(connect):
    first = connect("chair")
    send(first, "chair:feedback-order", {"op": uid(), "order": [5, 1, 3]})
    send(first, "chair:view", {"op": uid(), "mode": "feedback", "current": 3})
    first.disconnect(NS)  # the chair's laptop drops out
    second = connect("chair")
    meeting = snapshot_of(second)["meeting"]
    assert meeting["feedback_order"] == [5, 1, 3]
    assert meeting["view"]["mode"] == "feedback" and meeting["view"]["current"] == 3


@pytest.mark.parametrize(
    "payload,code",
    [
        ({"mode": "dance"}, "invalid"),
        ({"mode": "feedback", "current": 99}, "not_found"),
        ({"mode": "combined", "filters": {"tables": [1, 1]}}, "invalid"),
        ({"mode": "combined", "filters": {"horizons": ["morgen"]}}, "invalid"),
        ({"mode": "combined", "filters": "alles"}, "invalid"),
    ],
)
def test_view_refuses_bad_input(connect, payload, code):
    assert send(connect("chair"), "chair:view", {"op": uid(), **payload})["error"] == code


def test_the_chairs_page_is_stored_and_broadcast(app, connect):
    """The page of a long report the chair shows reaches every screen, and a screen opened later."""
    chair = connect("chair")
    screen = connect("screen")
    phone = connect("participant", 2)
    send(chair, "chair:view", {"op": uid(), "mode": "feedback", "current": 3})
    for client in (screen, phone):
        client.get_received(NS)
    state = send(chair, "chair:view", {"op": uid(), "mode": "feedback", "page": 2})["meeting"]
    assert state["view"] == {"mode": "feedback", "current": 3, "filters": {}, "page": 2}
    for client in (screen, phone):
        (event,) = events(client, "meeting")
        assert event["meeting"]["view"]["page"] == 2
    with app.app_context():
        assert db.session.query(Meeting).one().screen_page == 2
    later = connect("screen")
    assert snapshot_of(later)["meeting"]["view"]["page"] == 2
    # another table (or any change of the view without a page) starts at page 0
    state = send(chair, "chair:view", {"op": uid(), "mode": "feedback", "current": 4})["meeting"]
    assert state["view"]["page"] == 0
    send(chair, "chair:view", {"op": uid(), "mode": "feedback", "page": 5})
    state = send(chair, "chair:feedback-order", {"op": uid(), "order": [1, 2]})["meeting"]
    assert state["view"]["current"] == 1 and state["view"]["page"] == 0


@pytest.mark.parametrize("page", [-1, 1000, 1.5, "2", True, [1]])
def test_the_page_is_refused_out_of_bounds(app, connect, page):
    chair = connect("chair")
    send(chair, "chair:view", {"op": uid(), "mode": "feedback", "current": 1, "page": 3})
    ack = send(chair, "chair:view", {"op": uid(), "mode": "feedback", "page": page})
    assert ack["error"] == "invalid" and "page" in ack["message"]
    with app.app_context():
        assert db.session.query(Meeting).one().screen_page == 3


def test_only_the_chair_sets_the_page(connect):
    ack = send(connect("screen"), "chair:view", {"op": uid(), "mode": "feedback", "page": 1})
    assert ack["error"] == "forbidden"


def test_skipping_the_current_table_moves_to_the_first(connect):
    chair = connect("chair")
    send(chair, "chair:view", {"op": uid(), "mode": "feedback", "current": 2})
    state = send(chair, "chair:feedback-order", {"op": uid(), "order": [4, 6]})["meeting"]
    assert state["view"]["current"] == 4
    assert send(chair, "chair:feedback-order", {"op": uid(), "order": [7]})["error"] == "not_found"


# --- hidden entries ----------------------------------------------------------------------


def test_hide_keeps_the_entry_and_tells_the_screens(app, connect):
    chair, screen, rapporteur = connect("chair"), connect("screen"), connect("rapporteur", 3)
    entry_id = send(rapporteur, "entry:add", entry("Gevoelig"))["entry"]["id"]
    screen.get_received(NS)
    ack = send(chair, "entry:hide", {"op": uid(), "id": entry_id, "hidden": True})
    assert ack["ok"] and ack["entry"]["hidden"] is True
    (event,) = events(screen, "entry")
    assert event["table"] == 3 and event["entry"]["hidden"] is True
    fresh = snapshot_of(connect("screen"))
    table = next(t for t in fresh["tables"] if t["number"] == 3)
    assert any(e["id"] == entry_id and e["hidden"] for e in table["entries"])
    assert send(chair, "entry:hide", {"op": uid(), "id": uid(), "hidden": True})["error"] == "not_found"
    assert send(chair, "entry:hide", {"op": uid(), "id": entry_id, "hidden": "ja"})["error"] == "invalid"


def test_topics_over_tables(connect):
    r1, r3, screen = connect("rapporteur", 1), connect("rapporteur", 3), connect("screen")
    send(r1, "entry:add", entry("Kansengelijkheid in het onderwijs"))
    send(r3, "entry:add", entry("Meer kansengelijkheid"))
    answer = send(screen, "topics:get", {"limit": 100})
    assert answer["ok"]
    topic = next(t for t in answer["topics"]["across"] if t["term"] == "kansengelijkheid")
    assert topic["tables"] == [1, 3]


# --- snapshot + events == fresh snapshot -------------------------------------------------


def merged_state(report_state: str, update: str) -> str:
    """A CRDT state (base64) with one more update merged in, as a rapporteur's page does."""
    doc = Doc()
    doc.apply_update(base64.b64decode(report_state))
    doc.apply_update(base64.b64decode(update))
    return base64.b64encode(doc.get_update()).decode()


def report_of(report_state: str) -> str:
    doc = Doc()
    doc.apply_update(base64.b64decode(report_state))
    return str(doc.get("report", type=Text))


REDUCER = Path(__file__).with_name("reducer_runner.mjs")


def reduced(*cases: tuple[dict, list]) -> list[dict]:
    """What static/js/reducer.js itself holds after each (snapshot, events), run under Node."""
    if not shutil.which("node"):
        pytest.fail("node not found: the browser's reducer is tested under Node")
    data = [{"snapshot": snapshot, "events": events} for snapshot, events in cases]
    done = subprocess.run(
        ["node", str(REDUCER)], input=json.dumps(data), capture_output=True, text=True, check=True, timeout=60
    )
    return json.loads(done.stdout)


def received_events(client) -> list:
    """The server events a test client received, in order, as [name, data] pairs."""
    return [[m["name"], m["args"][0]] for m in client.get_received(NS)]


def crdt_after(report_state: str, events: list) -> str:
    """The report's CRDT state after the `report` events: what a rapporteur's editor (Yjs) merges."""
    for name, data in events:
        if name == "report":
            report_state = merged_state(report_state, data["update"])
    return report_of(report_state)


def random_meeting(connect, rng: random.Random, steps: int) -> None:
    """Rapporteurs, participants and the chair make every kind of change, in random order."""
    chair = connect("chair")
    rapporteurs = {n: connect("rapporteur", n) for n in (1, 2, 3, 4, 5, 6)}
    participants = {n: connect("participant", n, author=f"device-key-{n:020d}") for n in (1, 4)}
    votes: dict[int, list[str]] = {}  # the open votes' numbers and entries
    known: dict[int, list[str]] = {}
    reports: dict[int, Doc] = {}
    for n, client in rapporteurs.items():
        (table,) = snapshot_of(client)["tables"]
        known[n] = [e["id"] for e in table["entries"]]
        reports[n] = Doc()
        reports[n].apply_update(base64.b64decode(table["report_state"]))
    deleted: dict[int, list[str]] = {n: [] for n in known}
    words = ["woningmarkt", "brede welvaart", "klimaat", "zorg", "onderwijs", "bestaanszekerheid"]
    for step in range(steps):
        n = rng.choice(list(rapporteurs))
        kind = rng.random()
        if kind < 0.3:
            client = participants.get(n) if rng.random() < 0.3 and n in participants else rapporteurs[n]
            ack = send(
                client,
                "entry:add",
                entry(
                    f"{rng.choice(words)} {step}",
                    bollen=rng.sample(["economisch", "sociaal", "ecologisch"], rng.randint(1, 3)),
                    horizons=rng.sample(["hier-en-nu", "later", "elders"], rng.randint(0, 2)),
                ),
            )
            known[n].append(ack["entry"]["id"])
        elif kind < 0.45 and known[n]:
            send(
                rapporteurs[n],
                "entry:update",
                {"op": uid(), "id": rng.choice(known[n]), "text": f"bijgewerkt {step}"},
            )
        elif kind < 0.55 and known[n]:
            victim = known[n].pop(rng.randrange(len(known[n])))
            send(rapporteurs[n], "entry:delete", {"op": uid(), "id": victim})
            deleted[n].append(victim)
        elif kind < 0.6 and deleted[n]:
            back = deleted[n].pop()
            send(rapporteurs[n], "entry:restore", {"op": uid(), "id": back})
            known[n].append(back)
        elif kind < 0.68 and known[n]:
            send(chair, "entry:hide", {"op": uid(), "id": rng.choice(known[n]), "hidden": rng.random() < 0.5})
        elif kind < 0.71:
            send(rapporteurs[n], "table:ready", {"op": uid(), "ready": rng.random() < 0.7})
        elif kind < 0.74:
            send(
                rapporteurs[n], "table:update", {"op": uid(), "spokesperson": None, "rapporteur": f"R{step}"}
            )
        elif kind < 0.82:
            doc = reports[n]
            before = doc.get_state()
            doc.get("report", type=Text).insert(0, f"{rng.choice(words)} {step}. ")
            update = base64.b64encode(doc.get_update(before)).decode()
            assert send(rapporteurs[n], "report:update", {"op": uid(), "update": update})["ok"]
        elif kind < 0.88:
            send(
                chair,
                "chair:view",
                {
                    "op": uid(),
                    "mode": rng.choice(protocol.SCREEN_MODES),
                    "current": rng.choice([1, 3, 4, 5, 6]),
                },
            )
        elif kind < 0.91:
            order = rng.sample([1, 2, 3, 4, 5, 6], rng.randint(1, 6))
            send(chair, "chair:feedback-order", {"op": uid(), "order": order})
        elif kind < 0.94:
            send(
                chair,
                "chair:timer",
                {"op": uid(), "action": rng.choice(["start", "pause", "resume", "reset"]), "minutes": 5},
            )
        elif kind < 0.97:
            vote_step(rng, chair, participants, known, votes)
        else:
            send(
                chair, "chair:phase", {"op": uid(), "phase": rng.choice(["preparation", "round", "feedback"])}
            )


def vote_step(
    rng: random.Random, chair, participants: dict, known: dict, votes: dict[int, list[str]]
) -> None:
    """The chair opens a plenary vote over a few entries or closes one; a participant casts."""
    pool = [i for ids in known.values() for i in ids]
    if not votes or rng.random() < 0.2:
        payload = {"action": "open", "scope": "plenary", "entries": rng.sample(pool, min(3, len(pool)))}
        ack = send(chair, "chair:vote", {"op": uid(), **payload, "dots": 3, "max_per_entry": 2})
        if ack["ok"]:
            votes[ack["vote"]["number"]] = [i["id"] for i in ack["vote"]["items"]]
    elif rng.random() < 0.25:
        number = min(votes)
        del votes[number]
        send(chair, "chair:vote", {"op": uid(), "action": "close", "vote": number})
    else:
        number = rng.choice(list(votes))
        dots = {i: 1 for i in rng.sample(votes[number], rng.randint(0, len(votes[number])))}
        client = participants[rng.choice(list(participants))]
        send(client, "vote:cast", {"op": uid(), "vote": number, "dots": dots})


@pytest.mark.parametrize("role", ["screen", "chair"])
def test_screen_snapshot_plus_events_equals_fresh_snapshot(connect, role):
    """The browser's reducer (static/js/reducer.js, under Node) applies every event a screen and a
    chair receive in a random meeting to their first snapshot, and holds what a fresh one holds."""
    page = connect(role)
    first = snapshot_of(page)
    random_meeting(connect, random.Random(20230127), steps=300)
    events = received_events(page)
    kinds = {name for name, _ in events}
    assert kinds >= {"entry", "entry:deleted", "report", "table", "ready", "meeting", "vote"}, kinds
    assert ("vote:tally" in kinds) is (role == "chair")
    mine, fresh = reduced((first, events), (snapshot_of(connect(role)), []))
    for table, other in zip(mine["tables"], fresh["tables"], strict=True):
        assert table == other, table["info"]["number"]
    assert mine == fresh


@pytest.mark.parametrize("role", ["rapporteur", "participant"])
def test_table_page_snapshot_plus_events_equals_fresh_snapshot(connect, role):
    """The same for a table's pages, their own table; and a rapporteur's report document (Yjs)
    with the updates merged holds the fresh snapshot's text."""
    page = connect(role, 4)
    first = snapshot_of(page)
    random_meeting(connect, random.Random(746), steps=200)
    events = received_events(page)
    latest = snapshot_of(connect(role, 4))
    mine, fresh = reduced((first, events), (latest, []))
    # a table page sees only its own table's changes, so the meeting-wide seq may have moved on
    assert mine.pop("seq") <= fresh.pop("seq")
    assert mine == fresh
    assert ("report_state" in latest["tables"][0]) is (role == "rapporteur")
    if role == "rapporteur":
        theirs = report_of(latest["tables"][0]["report_state"])
        assert (
            crdt_after(first["tables"][0]["report_state"], events) == theirs == latest["tables"][0]["report"]
        )


def test_the_reducer_check_does_catch_a_wrong_reducer(connect):
    """The comparison fails when events are lost: a reducer that missed some would be caught."""
    page = connect("screen")
    first = snapshot_of(page)
    random_meeting(connect, random.Random(5), steps=40)
    events = received_events(page)
    mine, fresh = reduced((first, events[: len(events) // 2]), (snapshot_of(connect("screen")), []))
    assert mine != fresh


def test_editing_the_meeting_asks_open_pages_to_refresh(app, connect):
    from facilitator.live.broadcast import refresh

    screen, rapporteur = connect("screen"), connect("rapporteur", 2)
    for client in (screen, rapporteur):
        client.get_received(NS)
    with app.app_context():
        refresh(db.session.query(Meeting).one().id, "meeting-edited")
    for client in (screen, rapporteur):
        assert events(client, "refresh") == [{"reason": "meeting-edited"}]
