"""A real server process and real Socket.IO clients: a vote survives SIGKILL with every
acknowledged dot counted once — ballots resent after the restart (a phone that never saw its
acks) change nothing, and the newest ballot of each device is the one counted."""

from __future__ import annotations

import uuid

import pytest
import socketio

from .test_live_crash import connect


def connect_device(server, token: str, key: str) -> tuple[socketio.SimpleClient, dict]:
    client = socketio.SimpleClient()
    client.connect(
        server.url, namespace="/live", auth={"token": token, "author": key}, transports=["websocket"]
    )
    while True:
        name, data = client.receive(timeout=10)
        if name == "snapshot":
            return client, data


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_acknowledged_dots_survive_sigkill_counted_once(live_server, request, backend):
    url = request.getfixturevalue("postgres").create_database() if backend == "postgres" else None
    server = live_server(database_url=url)
    links = server.import_session()
    server.start()
    chair, snapshot = connect(server, links["chair"]["token"])
    ids = [t["entries"][0]["id"] for t in snapshot["tables"][:3]]
    opened = {"op": str(uuid.uuid4()), "action": "open", "scope": "plenary", "entries": ids, "dots": 3}
    opened["max_per_entry"] = 3
    assert chair.call("chair:vote", opened, timeout=10)["ok"]
    chair.disconnect()

    ballots = []  # every device's ballots, in the order sent: the last one counts
    for n, table in enumerate((1, 2, 4, 5)):
        role = "rapporteur" if n % 2 else "participant"
        token = links["tables"][str(table)][role]["token"]
        client, _ = connect_device(server, token, f"device-key-{n:020d}")
        mine = []
        for dots in ({ids[0]: 1}, {ids[0]: 1, ids[n % 3]: 2 if n % 3 else 1}, {ids[n % 3]: 3}):
            payload = {"op": str(uuid.uuid4()), "vote": 1, "dots": dots}
            assert client.call("vote:cast", payload, timeout=10)["ok"]
            mine.append((token, payload))
        ballots.append((f"device-key-{n:020d}", mine))
        client.disconnect()

    server.kill()  # right after the acknowledgements: no clean shutdown
    server.start()

    # every device resends all its ballots (it never saw the acks): nothing changes
    for key, mine in ballots:
        client, snap = connect_device(server, mine[0][0], key)
        assert snap["ballots"] == {"1": mine[-1][1]["dots"]}  # a reload shows the newest
        for _, payload in mine:
            assert client.call("vote:cast", payload, timeout=10)["ok"]
        client.disconnect()
    chair, snapshot = connect(server, links["chair"]["token"])
    closed = chair.call("chair:vote", {"op": str(uuid.uuid4()), "action": "close", "vote": 1}, timeout=10)
    chair.disconnect()
    assert closed["ok"]
    expected: dict[str, int] = {}
    for _, mine in ballots:
        for entry_id, count in mine[-1][1]["dots"].items():
            expected[entry_id] = expected.get(entry_id, 0) + count
    counts = {r["id"]: r["count"] for r in closed["vote"]["results"]}
    assert counts == {i: expected.get(i, 0) for i in ids} and closed["vote"]["ballots"] == 4
