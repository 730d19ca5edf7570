"""The one executor in the real server: the rare changes (the chair's, attendance, the
minute-taker's, hiding) share the writer's batches with entries and the report, on SQLite and
PostgreSQL — each answered on its own, a refusal undoing only itself."""

from __future__ import annotations

import base64
import threading
import uuid

import socketio
from pycrdt import Doc, Text
from sqlalchemy import select

from facilitator import operations
from facilitator.app import create_app
from facilitator.config import TestingConfig
from facilitator.extensions import db
from facilitator.models import Operation


def uid() -> str:
    return str(uuid.uuid4())


def client(server, token: str) -> socketio.SimpleClient:
    c = socketio.SimpleClient()
    c.connect(server.url, namespace="/live", auth={"token": token}, transports=["websocket"])
    return c


def snapshot_of(server, token: str) -> dict:
    c = client(server, token)
    try:
        while True:
            name, data = c.receive(timeout=10)
            if name == "snapshot":
                return data
    finally:
        c.disconnect()


def feedback_update(text: str) -> str:
    doc = Doc()
    doc.get("feedback", type=Text).insert(0, text)
    return base64.b64encode(doc.get_update()).decode()


def test_rare_changes_share_a_batch_with_entries(live_server, both_database_url):
    # a long window: changes sent together land in one batch
    server = live_server(database_url=both_database_url, extra_env={"LIVE_BATCH_WINDOW_MS": "60"})
    links = server.import_session()
    app = create_app(TestingConfig(both_database_url))
    with app.app_context():  # the minute-taker's link is not in the links JSON
        links["minutes"] = operations.link_pair(
            operations.get_meeting(links["meeting"]), server.url, "minutes"
        )
        db.session.remove()
        db.engine.dispose()
    server.start()
    table1, table2 = links["tables"]["1"], links["tables"]["2"]
    chair, minutes = client(server, links["chair"]["token"]), client(server, links["minutes"]["token"])
    rapporteur, participant = (
        client(server, table1["rapporteur"]["token"]),
        client(server, table2["participant"]["token"]),
    )
    entry = {"op": uid(), "id": uid(), "text": "Eerst", "bollen": ["economisch"], "horizons": []}
    assert rapporteur.call("entry:add", entry, timeout=10)["ok"]
    participants = snapshot_of(server, table1["rapporteur"]["token"])["tables"][0]["participants"]

    sends = [
        (chair, "chair:phase", {"op": uid(), "phase": "round"}),
        (chair, "chair:view", {"op": uid(), "mode": "combined", "current": 2}),
        (chair, "entry:hide", {"op": uid(), "id": entry["id"], "hidden": True}),
        (rapporteur, "table:update", {"op": uid(), "leader": "Niemand Hier"}),  # refused: not seated
        (rapporteur, "table:update", {"op": uid(), "spokesperson": participants[1]}),
        (minutes, "feedback:update", {"op": uid(), "table": 2, "update": feedback_update("Tafel twee")}),
        (minutes, "feedback:spokesperson", {"op": uid(), "table": 2, "name": "Nieuw Iemand"}),
        (participant, "entry:add", {"op": uid(), "id": uid(), "text": "Tweede", "bollen": ["sociaal"]}),
        (rapporteur, "entry:add", {"op": uid(), "id": uid(), "text": "Derde", "bollen": ["sociaal"]}),
    ]
    acks: list = [None] * len(sends)
    barrier = threading.Barrier(len(sends))

    def send(i: int) -> None:
        who, event, payload = sends[i]
        barrier.wait()
        acks[i] = who.call(event, payload, timeout=15)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(sends))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert acks[3]["ok"] is False and acks[3]["error"] == "invalid"
    accepted = [a for i, a in enumerate(acks) if i != 3]
    assert all(a["ok"] for a in accepted), acks
    seqs = sorted(a["seq"] for a in accepted)
    assert len(set(seqs)) == len(seqs) == 8 and seqs[-1] - seqs[0] == 7  # no gap, none twice

    seen = snapshot_of(server, links["chair"]["token"])
    meeting = seen["meeting"]
    assert meeting["phase"] == "round" and meeting["timer"]["running"]
    assert meeting["view"]["mode"] == "combined" and meeting["view"]["current"] == 2
    tables = {t["number"]: t for t in seen["tables"]}
    assert tables[1]["leader"] != "Niemand Hier" and tables[1]["spokesperson"] == participants[1]
    assert [e["hidden"] for e in tables[1]["entries"] if e["id"] == entry["id"]] == [True]
    assert {"Eerst", "Derde"} <= {e["text"] for e in tables[1]["entries"]}
    assert tables[2]["spokesperson"] == "Nieuw Iemand" and "Nieuw Iemand" in tables[2]["participants"]
    assert snapshot_of(server, links["minutes"]["token"])["tables"][1]["feedback"] == "Tafel twee"
    # a resend after all this changes nothing and gets the same answer
    assert chair.call(*sends[0][1:], timeout=10) == acks[0]
    with app.app_context():  # the chair's, the minute-taker's and an entry shared one transaction
        ops = {i: sends[i][2]["op"] for i in (0, 5, 7, 8)}
        rows = db.session.execute(
            select(Operation.op_id, Operation.created_at).where(Operation.op_id.in_(list(ops.values())))
        ).all()
        batches = {created for _, created in rows}
        db.session.remove()
        db.engine.dispose()
    assert len(rows) == 4 and len(batches) < 4
    for c in (chair, minutes, rapporteur, participant):
        c.disconnect()
