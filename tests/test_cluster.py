"""The cluster as people deploy it (deploy/cluster.py): nginx, several processes, PostgreSQL, Redis.

Real Socket.IO clients go through nginx; its access log names the process behind each
request, so the test knows that the writer and the screen sit on different processes.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
import urllib.request
import uuid

import psycopg
import pytest
import socketio

from deploy.cluster import Cluster, process_name

from .conftest import need_cluster_binaries

pytestmark = pytest.mark.postgres

LOG_LINE = re.compile(
    r'"(?P<request>[^"]*)" (?P<status>\d+) .* node=(?P<node>\S+) upstream=(?P<upstream>\S+)'
)


@pytest.fixture(scope="module")
def cluster():
    """Three app processes started at the same moment on an empty database, behind nginx."""
    need_cluster_binaries()
    cluster = Cluster(processes=3, extra_env={"ANNEX_PRESTART": "0", "SECRET_KEY": "cluster-test"})
    cluster.start()
    yield cluster
    cluster.stop()


def access_log(cluster: Cluster) -> list[dict[str, str]]:
    path = cluster.dir / "nginx" / "access.log"
    lines = path.read_text().splitlines() if path.exists() else []
    return [m.groupdict() for m in map(LOG_LINE.search, lines) if m]


def upstream_of(cluster: Cluster, node: str, request_part: str = "", timeout: float = 10.0) -> set[str]:
    """The app processes that served requests with this sticky key (waits for the log line)."""
    deadline = time.monotonic() + timeout
    while True:
        found = {
            r["upstream"] for r in access_log(cluster) if r["node"] == node and request_part in r["request"]
        }
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_processes_started_together_on_an_empty_database_all_come_up(cluster):
    assert [process.poll() for process in cluster.apps] == [None, None, None]
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:{cluster.pg_port}/facilitator") as connection:
        assert connection.execute("SELECT count(*) FROM user_account").fetchone() == (1,)
        assert connection.execute("SELECT count(*) FROM meeting").fetchone() == (1,)
    outputs = [cluster.app_log(n).read_text() for n in (1, 2, 3)]
    assert sum("wachtwoord:" in text for text in outputs) == 1  # one first account, shown once
    assert all("Traceback" not in text for text in outputs)
    with urllib.request.urlopen(cluster.url + "/healthz", timeout=10) as response:  # noqa: S310
        assert response.status == 200
        assert "facilitator_node=" in response.headers["Set-Cookie"]


def test_an_entry_reaches_a_screen_on_another_process_through_nginx(cluster):
    links = json.loads(cluster.flask("session", "links", "raad-nr-746-2023-01-27").stdout)

    # the screen as a browser connects: long-polling first, then the websocket upgrade;
    # nginx's cookie keeps all of its requests on one process
    with contextlib.ExitStack() as stack:
        screen = socketio.SimpleClient()
        stack.callback(screen.disconnect)  # also when it fails: no client left reconnecting
        screen.connect(cluster.url, namespace="/live", auth={"token": links["screen"]["token"]})
        assert screen.receive(timeout=10)[0] == "snapshot"
        node = screen.client.eio.http.cookies.get("facilitator_node")
        assert node, "nginx sets the sticky cookie on the first response"
        served_screen = upstream_of(cluster, node, "transport=polling")
        assert len(served_screen) == 1, f"the screen's requests went to {served_screen}"

        # the cookie names the process that served the screen; a rapporteur pinned to another one
        names = {f"127.0.0.1:{port}": process_name(n) for n, port in enumerate(cluster.app_ports, 1)}
        assert node == names[next(iter(served_screen))]
        other = next(name for address, name in names.items() if address not in served_screen)
        writer = socketio.SimpleClient()
        stack.callback(writer.disconnect)
        writer.connect(
            cluster.url,
            namespace="/live",
            transports=["websocket"],
            headers={"Cookie": f"facilitator_node={other}"},
            auth={"token": links["tables"]["3"]["rapporteur"]["token"]},
        )
        assert writer.receive(timeout=10)[0] == "snapshot"
        payload = {
            "op": str(uuid.uuid4()),
            "id": str(uuid.uuid4()),
            "text": "Door nginx naar een ander proces",
            "bollen": ["economisch"],
            "horizons": [],
        }
        ack = writer.call("entry:add", payload, timeout=10)
        assert ack["ok"], ack
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            name, data = screen.receive(timeout=10)
            if name == "entry":
                break
        assert (name, data) == ("entry", {"table": 3, "entry": ack["entry"], "seq": ack["seq"]})

    # the websocket upgrade of each stayed with its process (nginx logs it when it closes)
    assert upstream_of(cluster, node, "transport=websocket") == served_screen
    served_writer = upstream_of(cluster, other, "transport=websocket")
    assert served_writer and not served_writer & served_screen


def healthz(cluster: Cluster, cookie: str | None = None) -> tuple[str | None, str | None]:
    """GET /healthz through nginx (with this sticky cookie): the cookie it sets, and the process that answered."""
    mark = f"healthz-{uuid.uuid4().hex[:8]}"
    headers = {"Cookie": f"facilitator_node={cookie}"} if cookie else {}
    request = urllib.request.Request(f"{cluster.url}/healthz?{mark}", headers=headers)  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        set_cookie = response.headers["Set-Cookie"]
    value = re.match(r"facilitator_node=([^;]*);", set_cookie) if set_cookie else None
    served = upstream_of(cluster, (value.group(1) if value else cookie) or "-", mark)
    assert len(served) == 1, served
    return (value.group(1) if value else None), served.pop()


def test_the_cookie_names_the_process_and_newcomers_behind_one_address_spread(cluster):
    names = {f"127.0.0.1:{port}": process_name(n) for n, port in enumerate(cluster.app_ports, 1)}
    # a room behind one NAT address: browsers without the cookie spread over every process,
    # and each is pinned to the process that answered it
    first = [healthz(cluster) for _ in range(9)]
    assert {served for _, served in first} == set(names)
    assert all(cookie == names[served] for cookie, served in first)
    # with the cookie: that process, and no new cookie
    for address, name in names.items():
        assert healthz(cluster, name) == (None, address)
    # a cookie nginx does not know (an old one, a forged one) is treated as none
    cookie, served = healthz(cluster, "127.0.0.1:5432")
    assert cookie == names[served]


def test_the_connections_of_one_meeting_share_a_process_and_only_it_follows_the_meeting(cluster):
    links = json.loads(cluster.flask("session", "links", "raad-nr-746-2023-01-27").stdout)
    url = f"{cluster.url}?meeting={links['meeting']}"  # as static/js/socket.js connects
    names = [process_name(n) for n in range(1, 4)]
    # websockets opened directly, pinned by their cookies to every process: the meeting decides
    clients: list[socketio.SimpleClient] = []
    try:
        for n, name in enumerate(names, 1):
            client = socketio.SimpleClient()
            clients.append(client)
            client.connect(
                url,
                namespace="/live",
                transports=["websocket"],
                headers={"Cookie": f"facilitator_node={name}"},
                auth={"token": links["tables"][str(n)]["participant"]["token"]},
            )
            assert client.receive(timeout=10)[0] == "snapshot"
        # a browser on long-polling, pinned elsewhere: its handshake goes to the meeting's process,
        # the cookie moves there, and its later requests (with the session id) and upgrade follow
        browser = socketio.SimpleClient()
        clients.append(browser)
        browser.connect(url, namespace="/live", auth={"token": links["screen"]["token"]})
        assert browser.receive(timeout=10)[0] == "snapshot"
    finally:  # also when it fails: no client left reconnecting
        for client in clients:
            client.disconnect()
    served = served_by(cluster, f"meeting={links['meeting']}", count=4 + 2)  # 4 websockets, 2+ polls
    assert len(served) == 1, f"one meeting's connections went to {served}"
    # other meetings spread over the processes (consistent hashing on the key)
    for n in range(12):
        urllib.request.urlopen(f"{cluster.url}/healthz?meeting=vergadering-{n}", timeout=10).close()  # noqa: S310
    assert served_by(cluster, "/healthz?meeting=vergadering-", count=12) == {
        f"127.0.0.1:{port}" for port in cluster.app_ports
    }


def served_by(cluster: Cluster, request_part: str, count: int, timeout: float = 10.0) -> set[str]:
    """The processes that served the requests containing request_part (once count are logged)."""
    deadline = time.monotonic() + timeout
    while True:
        rows = [r for r in access_log(cluster) if request_part in r["request"]]
        if len(rows) >= count or time.monotonic() > deadline:
            return {r["upstream"] for r in rows}
        time.sleep(0.1)
