"""Past one machine: two server processes on PostgreSQL share live events through Redis."""

from __future__ import annotations

import shutil
import subprocess
import uuid

import pytest
import socketio

from .conftest import free_port, wait_for_port


@pytest.fixture
def redis_url(tmp_path):
    """A throwaway redis-server on a free loopback port."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed; .ci/run installs it")
    port = free_port()
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)


@pytest.mark.postgres
def test_two_processes_share_events_and_state(live_server, postgres, redis_url):
    database = postgres.create_database()
    first = live_server(database_url=database, extra_env={"SOCKETIO_MESSAGE_QUEUE": redis_url})
    links = first.import_session()
    second = live_server(database_url=database, extra_env={"SOCKETIO_MESSAGE_QUEUE": redis_url})
    first.start()
    second.start()

    writer = socketio.SimpleClient()
    writer.connect(
        first.url,
        namespace="/live",
        transports=["websocket"],
        auth={"token": links["tables"]["5"]["rapporteur"]["token"]},
    )
    screen = socketio.SimpleClient()
    screen.connect(
        second.url, namespace="/live", transports=["websocket"], auth={"token": links["screen"]["token"]}
    )
    assert writer.receive(timeout=10)[0] == "snapshot"
    assert screen.receive(timeout=10)[0] == "snapshot"

    payload = {
        "op": str(uuid.uuid4()),
        "id": str(uuid.uuid4()),
        "text": "Over twee processen",
        "bollen": ["economisch"],
        "horizons": [],
    }
    ack = writer.call("entry:add", payload, timeout=10)
    assert ack["ok"]
    # the same op sent to the other process is recognised there too (state lives in the database)
    other = socketio.SimpleClient()
    other.connect(
        second.url,
        namespace="/live",
        transports=["websocket"],
        auth={"token": links["tables"]["5"]["rapporteur"]["token"]},
    )
    assert other.receive(timeout=10)[0] == "snapshot"
    assert other.call("entry:add", payload, timeout=10) == ack

    while True:
        name, data = screen.receive(timeout=10)
        if name == "entry":
            break
    assert data == {"table": 5, "entry": ack["entry"], "seq": ack["seq"]}
    for client in (writer, screen, other):
        client.disconnect()
