"""A real server process and real Socket.IO clients: acknowledged changes survive SIGKILL."""

from __future__ import annotations

import base64
import tomllib
import uuid

import pytest
import socketio
from pycrdt import Doc, Text


def connect(server, token: str) -> tuple[socketio.SimpleClient, dict]:
    client = socketio.SimpleClient()
    client.connect(server.url, namespace="/live", auth={"token": token}, transports=["websocket"])
    name, snapshot = client.receive(timeout=10)
    # a presence event of the table can come first: the room is joined before the snapshot is
    # read, and the previous client's disconnect (after the restart) may be told meanwhile
    while name == "presence":
        name, snapshot = client.receive(timeout=10)
    assert name == "snapshot"
    return client, snapshot


def exported(server, slug: str) -> dict:
    return tomllib.loads(server.flask("session", "export", slug).stdout)


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_acknowledged_changes_survive_sigkill_exactly_once(live_server, request, backend):
    url = request.getfixturevalue("postgres").create_database() if backend == "postgres" else None
    server = live_server(database_url=url)
    links = server.import_session()
    server.start()
    token = links["tables"]["2"]["rapporteur"]["token"]
    client, snapshot = connect(server, token)
    state = base64.b64decode(snapshot["tables"][0]["report_state"])

    sent = []
    for i in range(25):
        payload = {
            "op": str(uuid.uuid4()),
            "id": str(uuid.uuid4()),
            "text": f"Crashbestendig {i}",
            "bollen": ["sociaal", "ecologisch"],
            "horizons": ["elders"],
        }
        ack = client.call("entry:add", payload, timeout=10)
        assert ack["ok"], ack
        sent.append(payload)
    doc = Doc()
    doc.apply_update(state)
    before = doc.get_state()
    doc.get("report", type=Text).insert(0, "Na de crash nog hier. ")
    report_op = {"op": str(uuid.uuid4()), "update": base64.b64encode(doc.get_update(before)).decode()}
    assert client.call("report:update", report_op, timeout=10)["ok"]

    server.kill()  # right after the acknowledgements: no clean shutdown
    client.disconnect()
    server.start()

    # the client never saw some acks (say) and resends everything: nothing doubles
    client, snapshot = connect(server, token)
    for payload in sent[-5:] + [report_op]:
        event = "report:update" if "update" in payload else "entry:add"
        assert client.call(event, payload, timeout=10)["ok"]
    client.disconnect()

    table = next(t for t in exported(server, links["meeting"])["tables"] if t["number"] == 2)
    texts = [e["text"] for e in table["entries"]]
    for payload in sent:
        assert texts.count(payload["text"]) == 1
    assert table["report"].startswith("Na de crash nog hier. ")
    assert table["report"].count("Na de crash nog hier.") == 1
