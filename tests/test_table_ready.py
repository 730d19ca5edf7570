"""`table:ready`: a rapporteur says the table's report is ready for the report-back.

Added as one action module (live/actions/ready.py), one reducer case and its strings; these
tests meet it as the chair, the screen and the table's own pages do: the event, its
acknowledgement, a resend, the snapshot, `sync` after a reconnect, refusals in English.
"""

from __future__ import annotations

import uuid
from datetime import datetime

NS = "/live"


def uid() -> str:
    return str(uuid.uuid4())


def send(client, event, payload):
    return client.emit(event, payload, namespace=NS, callback=True)


def received(client, name):
    return [m["args"][0] for m in client.get_received(NS) if m["name"] == name]


def snapshot_table(client, number=None):
    (snapshot,) = received(client, "snapshot")
    tables = {t["number"]: t for t in snapshot["tables"]}
    return tables[number] if number is not None else next(iter(tables.values()))


def test_ready_reaches_the_chair_screen_and_table_but_not_other_tables(connect):
    chair, screen = connect("chair"), connect("screen")
    rapporteur, participant, other = (
        connect("rapporteur", 3),
        connect("participant", 3),
        connect("rapporteur", 4),
    )
    for client in (chair, screen, participant, other):
        client.get_received(NS)
    assert snapshot_table(rapporteur)["ready"] is None

    ack = send(rapporteur, "table:ready", {"op": uid(), "ready": True})
    assert ack["ok"] and ack["table"] == 3
    since = datetime.fromisoformat(ack["since"])
    assert since.tzinfo is not None
    for client in (chair, screen, participant):
        (event,) = received(client, "ready")
        assert event == {"table": 3, "ready": True, "since": ack["since"], "seq": ack["seq"]}
    assert received(other, "ready") == []
    # what a page that connects now is told
    assert snapshot_table(connect("chair"), 3)["ready"] == ack["since"]
    assert snapshot_table(connect("screen"), 3)["ready"] == ack["since"]
    assert snapshot_table(connect("participant", 3))["ready"] == ack["since"]
    assert snapshot_table(connect("rapporteur", 4))["ready"] is None


def test_ready_twice_keeps_the_first_moment_and_a_resend_changes_nothing(connect):
    rapporteur, chair = connect("rapporteur", 2), connect("chair")
    op = uid()
    first = send(rapporteur, "table:ready", {"op": op, "ready": True})
    again = send(rapporteur, "table:ready", {"op": uid(), "ready": True})
    assert again["ok"] and again["since"] == first["since"] and again["seq"] > first["seq"]
    chair.get_received(NS)
    resent = send(rapporteur, "table:ready", {"op": op, "ready": True})  # the same op: its stored answer
    assert resent["seq"] == first["seq"] and resent["since"] == first["since"]
    assert received(chair, "ready") == []

    taken_back = send(rapporteur, "table:ready", {"op": uid(), "ready": False})
    assert taken_back["ok"] and taken_back["since"] is None
    (event,) = received(chair, "ready")
    assert event["ready"] is False and event["since"] is None
    assert snapshot_table(connect("chair"), 2)["ready"] is None


def test_sync_replays_only_the_newest_readiness_per_table(connect):
    chair = connect("chair")
    (snapshot,) = received(chair, "snapshot")
    seen = snapshot["seq"]
    rapporteur1, rapporteur5 = connect("rapporteur", 1), connect("rapporteur", 5)
    send(rapporteur1, "table:ready", {"op": uid(), "ready": True})
    send(rapporteur5, "table:ready", {"op": uid(), "ready": True})
    last = send(rapporteur1, "table:ready", {"op": uid(), "ready": False})

    answer = send(chair, "sync", {"since": seen})
    ready = [item["data"] for item in answer["events"] if item["event"] == "ready"]
    assert sorted((r["table"], r["ready"]) for r in ready) == [(1, False), (5, True)]
    assert next(r for r in ready if r["table"] == 1)["seq"] == last["seq"]


def test_bad_readiness_is_refused_in_the_callers_language_and_changes_nothing(connect):
    english = connect("rapporteur", 6, lang="en")
    for payload in ({"op": uid()}, {"op": uid(), "ready": "ja"}, {"op": uid(), "ready": 1}):
        ack = send(english, "table:ready", payload)
        assert ack["error"] == "invalid"
        assert ack["message"] == "'ready' must be true or false."
    assert send(english, "table:ready", {"ready": True})["error"] == "invalid"  # no op id
    # not a rapporteur's link: refused, whatever it sends
    for role in ("chair", "screen", "minutes"):
        assert send(connect(role), "table:ready", {"op": uid(), "ready": True})["error"] == "forbidden"
    assert (
        send(connect("participant", 6), "table:ready", {"op": uid(), "ready": True})["error"] == "forbidden"
    )
    assert snapshot_table(connect("chair"), 6)["ready"] is None


def test_after_the_input_is_closed_readiness_is_refused(connect):
    chair, rapporteur = connect("chair"), connect("rapporteur", 1)
    assert send(chair, "chair:phase", {"op": uid(), "phase": "closed"})["ok"]
    assert send(rapporteur, "table:ready", {"op": uid(), "ready": True})["error"] == "closed"
