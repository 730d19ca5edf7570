"""Past one machine: two server processes on PostgreSQL share live events through Redis."""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid

import pytest
import redis
import socketio

from .conftest import free_port, wait_for_port


@pytest.fixture
def redis_url(tmp_path):
    """A throwaway redis-server on a free loopback port (and on tmp_path/redis.sock)."""
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
            "--unixsocket",
            str(tmp_path / "redis.sock"),  # the same server on a socket (test_messagequeue)
            "--unixsocketperm",
            "700",
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


@pytest.mark.postgres
def test_sync_misses_nothing_with_concurrent_writers_on_two_processes(live_server, postgres, redis_url):
    """Changes committed at the same moment on two processes: `sync` from its own answers sees them all."""
    import threading
    import time

    database = postgres.create_database()
    servers = [
        live_server(database_url=database, extra_env={"SOCKETIO_MESSAGE_QUEUE": redis_url}) for _ in range(2)
    ]
    links = servers[0].import_session()
    for server in servers:
        server.start()

    def client(server, token):
        c = socketio.SimpleClient()
        c.connect(server.url, namespace="/live", transports=["websocket"], auth={"token": token})
        assert c.receive(timeout=10)[0] == "snapshot"
        return c

    writers = [
        client(servers[n % 2], links["tables"][str(n)][role]["token"])
        for n in range(1, 5)
        for role in ("rapporteur", "participant")
    ]
    reader = client(servers[0], links["screen"]["token"])
    acked: list[int] = []
    failures: list[object] = []
    done = threading.Event()

    def write(c):
        for i in range(25):
            entry = {"op": uuid.uuid4().hex, "id": uuid.uuid4().hex, "text": f"Gelijktijdig {i}"}
            ack = c.call("entry:add", {**entry, "bollen": ["economisch"], "horizons": []}, timeout=30)
            (acked.append(ack["seq"]) if ack.get("ok") else failures.append(ack))

    threads = [threading.Thread(target=write, args=(c,)) for c in writers]
    seen: set[int] = set()
    since = 0

    def sync():
        nonlocal since
        answer = reader.call("sync", {"since": since}, timeout=30)
        assert answer["ok"] and "events" in answer, answer
        seen.update(e["data"]["seq"] for e in answer["events"])
        assert all(e["data"]["seq"] > since for e in answer["events"])
        since = answer["seq"]

    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        sync()  # between, during and after the writers' commits
        time.sleep(0.1)
    done.set()
    sync()
    assert failures == []
    assert len(acked) == len(set(acked)) == 200
    # every committed change was in some answer: none was skipped by a later `since`
    assert set(acked) <= seen
    # and the sequence has no holes: every number was taken by a change that committed
    assert sorted(s for s in seen if s >= min(acked)) == list(range(min(acked), max(seen) + 1))
    for c in [*writers, reader]:
        c.disconnect()


def entry(text: str) -> dict:
    return {
        "op": str(uuid.uuid4()),
        "id": str(uuid.uuid4()),
        "text": text,
        "bollen": ["sociaal"],
        "horizons": [],
    }


def two_processes(live_server, postgres, redis_url: str) -> tuple:
    """Two server processes on one PostgreSQL database and one Redis, started: (first, second, links)."""
    database = postgres.create_database()
    first = live_server(database_url=database, extra_env={"SOCKETIO_MESSAGE_QUEUE": redis_url})
    links = first.import_session()
    second = live_server(database_url=database, extra_env={"SOCKETIO_MESSAGE_QUEUE": redis_url})
    first.start()
    second.start()
    return first, second, links


def connected(url: str, token: str) -> socketio.SimpleClient:
    """A live client of the server at url, its snapshot received."""
    client = socketio.SimpleClient()
    client.connect(url, namespace="/live", transports=["websocket"], auth={"token": token})
    assert client.receive(timeout=10)[0] == "snapshot"
    return client


def next_event(client: socketio.SimpleClient, wanted: str) -> dict:
    """The data of the client's next `wanted` event (others before it are skipped)."""
    while True:
        name, data = client.receive(timeout=10)
        if name == wanted:
            return data


@pytest.mark.postgres
def test_a_quiet_meeting_is_published_again_once_another_process_has_a_client_of_it(
    live_server, postgres, redis_url
):
    """The first process publishes nothing of a meeting no other process follows (facilitator/
    messagequeue.py); a client of it connecting to the second must still get every later change."""
    first, second, links = two_processes(live_server, postgres, redis_url)
    writer = connected(first.url, links["tables"]["2"]["rapporteur"]["token"])
    queue = redis.Redis.from_url(redis_url)
    assert queue.pubsub_numsub("flask-socketio:1") == [(b"flask-socketio:1", 1)]  # the first, alone

    def publishes() -> int:
        return queue.info("commandstats").get("cmdstat_publish", {}).get("calls", 0)

    # Redis answers the first publish: nobody else listens; the meeting goes quiet on the first
    assert writer.call("entry:add", entry("Alleen hier"), timeout=10)["ok"]
    time.sleep(0.5)
    before = publishes()
    for n in range(3):
        assert writer.call("entry:add", entry(f"Alleen hier {n}"), timeout=10)["ok"]
    time.sleep(0.5)
    assert publishes() == before  # nothing of it went to Redis
    screen = connected(second.url, links["screen"]["token"])
    ack = writer.call("entry:add", entry("Nu ook daar"), timeout=10)
    assert ack["ok"]
    assert next_event(screen, "entry") == {"table": 2, "entry": ack["entry"], "seq": ack["seq"]}
    for client in (writer, screen):
        client.disconnect()


@pytest.mark.postgres
def test_a_screen_fetches_what_was_published_while_its_process_was_cut_off_from_redis(
    live_server, postgres, redis_url
):
    """Redis keeps no history: an entry published on the first process while the second's
    listening connection is gone never reaches the second. Once it listens again, it asks its
    clients of the meetings it follows for a fresh snapshot (`refresh`), which has the entry."""
    first, second, links = two_processes(live_server, postgres, redis_url)
    writer = connected(first.url, links["tables"]["2"]["rapporteur"]["token"])
    screen = connected(second.url, links["screen"]["token"])
    queue = redis.Redis.from_url(redis_url)
    assert queue.client_kill_filter(_type="pubsub") == 2  # both processes' listening connections
    ack = writer.call("entry:add", entry("Terwijl Redis weg was"), timeout=10)
    assert ack["ok"]
    assert next_event(screen, "refresh") == {"reason": "queue"}
    screen.disconnect()  # as the page does on `refresh`: connect again for a fresh snapshot
    screen = socketio.SimpleClient()
    screen.connect(
        second.url, namespace="/live", transports=["websocket"], auth={"token": links["screen"]["token"]}
    )
    name, snapshot = screen.receive(timeout=10)
    assert name == "snapshot"
    table = next(t for t in snapshot["tables"] if t["number"] == 2)
    assert ack["entry"]["id"] in [e["id"] for e in table["entries"]]
    # and the second listens again: the next entry arrives live
    ack = writer.call("entry:add", entry("En weer live"), timeout=10)
    assert next_event(screen, "entry") == {"table": 2, "entry": ack["entry"], "seq": ack["seq"]}
    for client in (writer, screen):
        client.disconnect()
