"""An app process of the cluster dies with browsers connected through nginx (deploy/nginx.conf).

Its browsers must reconnect to a process that is still there, have their changes
acknowledged, and stay there when the dead process comes back: a client kept on a
long-polling session that nginx then sends to the restarted process is answered
"Invalid session" and has to connect once more.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
import urllib.request
import uuid

import pytest
import socketio

from deploy.cluster import REPO, Cluster, wait_for_port

from .conftest import need_cluster_binaries

pytestmark = pytest.mark.postgres
now = time.monotonic

RECOVERED_WITHIN = 8.0  # s after the kill: every client connected, its changes acknowledged, for good
WATCH = 20.0  # s after the kill, longer than nginx's fail_timeout (10 s) after which it tries a process again


@pytest.fixture(scope="module")
def cluster():
    need_cluster_binaries()
    cluster = Cluster(
        processes=2,
        extra_env={"ANNEX_PRESTART": "0", "SECRET_KEY": "failover-test", "STORAGE_BUDGET_FACTOR": "100"},
    )
    cluster.start()
    yield cluster
    cluster.stop()


class Browser:
    """A participant's page: Socket.IO with the page's reconnect delays, one change in flight at a time."""

    def __init__(self, url: str, token: str, transports: list[str]) -> None:
        self.url, self.token, self.transports = url, token, transports
        self.sio = socketio.Client(reconnection_delay=0.5, reconnection_delay_max=4)
        self.disconnects: list[float] = []
        self.acks: list[tuple[float, float]] = []  # (first sent, acknowledged)
        self.refused: list[dict] = []
        self.waiting_since: float | None = None  # the change in flight was first sent then
        self.stopping = threading.Event()
        self.sio.on("disconnect", lambda *_: self.disconnects.append(now()), namespace="/live")
        self.thread = threading.Thread(target=self.run, daemon=True)

    def cookie(self) -> str | None:
        return self.sio.eio.http.cookies.get("facilitator_node") if self.sio.eio.http else None

    def run(self) -> None:
        # as a page does: it waits for its first connection as long as it takes (python-socketio's
        # default gives the namespace 1 s, which a process busy starting up can exceed) and retries
        self.sio.connect(
            self.url,
            namespaces=["/live"],
            transports=self.transports,
            auth={"token": self.token},
            wait_timeout=20,
            retry=True,
        )
        while not self.stopping.is_set():
            change = {
                "op": uuid.uuid4().hex,
                "id": uuid.uuid4().hex,
                "text": "Blijft staan",
                "bollen": ["sociaal"],
            }
            change["horizons"], first = [], now()
            self.waiting_since = first
            while not self.stopping.is_set():  # the outbox: the same op until it is acknowledged
                try:
                    ack = self.sio.call("entry:add", change, namespace="/live", timeout=3)
                except (socketio.exceptions.TimeoutError, socketio.exceptions.BadNamespaceError):
                    time.sleep(0.2)
                    continue
                if ack.get("ok"):
                    self.acks.append((first, now()))
                    self.waiting_since = None
                    break
                if ack.get("error") not in ("unavailable", "rate_limited"):  # retryable, by the contract
                    self.refused.append(ack)
                    return
                time.sleep(0.2)
            time.sleep(0.25)
        self.sio.disconnect()

    def recovered(self, since: float) -> float:
        """When this client was last seen in trouble after `since`: a disconnect, or a change waiting > 2 s."""
        slow = [acked for first, acked in self.acks if acked > since and acked - first > 2.0]
        if self.waiting_since is not None and now() - self.waiting_since > 2.0:
            slow.append(now())  # still waiting
        return max([since, *slow, *(t for t in self.disconnects if t > since)]) - since


def served_by(cluster: Cluster, cookie: str | None, part: str = "") -> str | None:
    """The app process (port) that answered the last request that came with this cookie."""
    log = (cluster.dir / "nginx" / "access.log").read_text()
    lines = [line for line in log.splitlines() if f"node={cookie} " in line and part in line]
    tried = re.search(r"upstream=(.*?) (?:served|rt)=", lines[-1]) if lines else None
    addresses = re.findall(r"\d+\.\d+\.\d+\.\d+:\d+", tried.group(1)) if tried else []
    return addresses[-1] if addresses else None  # the last address tried is the one that answered


def address(cluster: Cluster, index: int) -> str:
    return f"127.0.0.1:{cluster.app_ports[index]}"


def restart(cluster: Cluster, index: int) -> None:
    with open(cluster.app_log(index + 1), "ab") as log:
        cluster.apps[index] = subprocess.Popen(
            [sys.executable, "-m", "facilitator"],
            cwd=REPO,
            env=cluster.env(cluster.app_ports[index]),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    wait_for_port(cluster.app_ports[index], 60, cluster.apps[index])


def test_browsers_of_a_killed_process_reconnect_and_stay_on_the_survivor(cluster):
    links = json.loads(cluster.flask("session", "links", "raad-nr-746-2023-01-27").stdout)
    tokens = [links["tables"][str(n)]["participant"]["token"] for n in range(1, 7)]
    # long polling (a venue network that blocks websockets) and polling upgraded to a websocket
    kinds = [["polling"], ["polling"], ["polling", "websocket"], ["polling", "websocket"]]
    browsers = [Browser(cluster.url, tokens[i % 6], kinds[i % 4]) for i in range(8)]
    for browser in browsers:
        browser.thread.start()
    deadline = now() + 30
    while not all(len(b.acks) >= 2 for b in browsers) and now() < deadline:
        time.sleep(0.2)
    assert not [b.refused for b in browsers if b.refused]
    assert all(len(b.acks) >= 2 for b in browsers), "every browser connects and saves through nginx"
    before = {id(b): served_by(cluster, b.cookie()) for b in browsers}
    # the victim: the process with the most long-polling browsers (they keep asking nginx)
    polling = [b for b in browsers if b.transports == ["polling"]]
    victim_index = max(range(2), key=lambda i: [before[id(b)] for b in polling].count(address(cluster, i)))
    victim = address(cluster, victim_index)
    pinned = [b for b in browsers if before[id(b)] == victim]
    assert any(b.transports == ["polling"] for b in pinned), before

    killed = now()
    cluster.apps[victim_index].kill()
    cluster.apps[victim_index].wait(10)
    time.sleep(0.5)
    restart(cluster, victim_index)
    back = now() - killed
    time.sleep(max(0.0, WATCH - (now() - killed)))
    trouble = {
        f"{i} ({'on it' if b in pinned else 'elsewhere'})": round(b.recovered(killed), 1)
        for i, b in enumerate(browsers)
    }
    for browser in browsers:
        browser.stopping.set()
    for browser in browsers:
        browser.thread.join(10)

    assert not [b.refused for b in browsers if b.refused]
    assert max(trouble.values()) <= RECOVERED_WITHIN, (
        f"s after the kill until each browser was connected for good with its changes acknowledged "
        f"(the process was back after {back:.1f} s): {trouble}"
    )
    assert all(b.acks[-1][1] > killed + WATCH - 3 for b in browsers), "every browser saves again"
    for browser in browsers:  # the websocket upgrade after the failover went to the survivor too
        if browser in pinned and "websocket" in browser.transports:
            assert served_by(cluster, browser.cookie(), "transport=websocket") != victim


def knock(cluster: Cluster, times: int = 20) -> None:
    """Requests through nginx while a process is down (as its browsers do when they reconnect)."""
    for _ in range(times):
        try:
            with urllib.request.urlopen(cluster.url + "/healthz", timeout=10):  # noqa: S310
                pass
        except OSError:
            pass


def test_after_both_processes_were_restarted_in_turn_new_browsers_connect_at_once(cluster):
    """Two crashes within nginx's fail_timeout: both processes are back, so a browser connects."""
    links = json.loads(cluster.flask("session", "links", "raad-nr-746-2023-01-27").stdout)
    token = links["tables"]["2"]["participant"]["token"]
    for index in (0, 1):  # one process after the other: killed, tried while away, back
        cluster.apps[index].kill()
        cluster.apps[index].wait(10)
        knock(cluster)
        restart(cluster, index)
    browsers, waits = [], []
    for _ in range(8):  # each stays connected, as a browser does for the rest of the meeting
        browser = socketio.SimpleClient()
        began = now()
        while True:
            try:
                browser.connect(
                    cluster.url, namespace="/live", transports=["websocket"], auth={"token": token}
                )
                break
            except socketio.exceptions.ConnectionError:
                assert now() - began < 60, "no connection through nginx for a minute"
                time.sleep(0.2)
        waits.append(round(now() - began, 1))
        browsers.append(browser)
        events = [browser.receive(timeout=10)[0] for _ in range(2)]
        assert "snapshot" in events, events
        change = {
            "op": uuid.uuid4().hex,
            "id": uuid.uuid4().hex,
            "text": "Na de storing",
            "bollen": ["sociaal"],
        }
        assert browser.call("entry:add", {**change, "horizons": []}, timeout=10)["ok"]
    for browser in browsers:
        browser.disconnect()
    assert max(waits) <= 5, f"s each browser waited for a connection after both were back: {waits}"
