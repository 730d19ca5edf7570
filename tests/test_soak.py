"""The fault soak's short form: real clients, the server SIGKILLed and restarted, nothing lost or doubled.

benchmarks/soak.py (`make soak` runs the long form, also on the cluster) in a child process,
so that its gevent monkey-patching stays out of pytest: 3 tables (a rapporteur typing the
report and changing entries, a participant adding entries), at least 300 acknowledged
changes, 3 SIGKILLs at random moments on SQLite. The soak itself reads the database and
checks every acknowledged change (docs/reliability.md).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .conftest import REPO


def test_acknowledged_changes_survive_random_sigkills_exactly_once(tmp_path):
    out = tmp_path / "soak.json"
    command = [
        sys.executable,
        "-m",
        "benchmarks.soak",
        *("--tables", "3", "--changes", "300", "--kills", "3", "--duration", "15"),
        *("--max-seconds", "170", "--json", str(out)),
    ]
    run = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=240)
    assert out.exists(), run.stdout + run.stderr
    result = json.loads(out.read_text())
    report = run.stdout[-4000:]
    assert result["faults"] == {"app": 3}, report
    assert result["changes_acked"] >= 300, report
    assert result["problems"] == [], report
    assert result["failures"] == [], report
    assert result["findings"] == {}, report
    assert result["duplicates"] == 0 and result["missing"] == 0, report
    assert result["reports_equal"] == "3/3", report
    # the faults hit changes in flight: some were resent with the same op id and answered once
    assert result["changes_across_fault"] > 0, report
    assert result["passed"] and run.returncode == 0, report


@pytest.mark.postgres
def test_a_burst_of_changes_with_a_cold_template_is_acknowledged_promptly(live_server, postgres):
    """More handlers waiting on the writer than the pool has connections (found by the cluster soak).

    Each waiting handler used to hold a pooled connection in an open read transaction, so
    the writer got none and the batch failed after the pool's 30 s timeout.
    """
    import threading
    import time
    import uuid

    import socketio

    server = live_server(database_url=postgres.create_database())
    links = server.import_session()
    server.start()
    clients = [socketio.SimpleClient() for _ in range(18)]  # more than the pool's 15 connections

    def connect(n: int) -> None:
        token = links["tables"][str(n % 4 + 1)]["participant"]["token"]  # tokens may be shared
        clients[n].connect(server.url, namespace="/live", auth={"token": token}, transports=["websocket"])
        for _ in range(50):  # the other clients' presence may come first
            if clients[n].receive(timeout=20)[0] == "snapshot":
                return
        raise AssertionError("no snapshot")

    connecting = [threading.Thread(target=connect, args=(n,)) for n in range(len(clients))]
    for t in connecting:
        t.start()
    for t in connecting:
        t.join(60)
    time.sleep(2.5)  # the template cache (2 s) is cold
    answers: list[object] = []
    start = threading.Barrier(len(clients))

    def send(client):
        payload = {"op": uuid.uuid4().hex, "id": uuid.uuid4().hex, "text": "Tegelijk", "bollen": ["sociaal"]}
        start.wait(10)
        try:
            answers.append(client.call("entry:add", payload, timeout=10))
        except Exception as exc:  # a timeout: no answer within 10 s
            answers.append(repr(exc))

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(40)
    leaving = [threading.Thread(target=c.disconnect) for c in clients]
    for t in leaving:
        t.start()
    for t in leaving:
        t.join(40)
    assert len(answers) == len(clients)
    assert all(isinstance(a, dict) and a.get("ok") for a in answers), answers
