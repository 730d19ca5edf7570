"""The live protocol under load: many tables typing at once against a real server process.

`python -m benchmarks.live` starts `python -m facilitator` on a free loopback port with
a throwaway SQLite database (or DATABASE_URL given with --database-url), imports a
generated meeting, connects one rapporteur per table plus screens, and has every
rapporteur add entries and type report updates as fast as acknowledgements allow. It
prints acknowledgement latency (median, p95, max), throughput, how long the last
screen took to see the last change, and the server's peak memory.

Traffic goes to 127.0.0.1 only; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import socketio
from pycrdt import Doc, Text

from deploy.cluster import free_port
from facilitator import sessionfile

from .meetings import generated_meeting

REPO = Path(__file__).resolve().parent.parent


def wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(port)


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


last_ack = [0.0]  # when the last acknowledgement arrived, over all tables


def rapporteur(
    url: str,
    token: str,
    entries: int,
    report_updates: int,
    latencies: list[float],
    errors: list[str],
    start: threading.Event,
) -> None:
    """One table: connect, wait for the start, add entries and type into the report."""
    client = socketio.SimpleClient()
    client.connect(url, namespace="/live", auth={"token": token}, transports=["websocket"])
    name, snapshot = client.receive(timeout=30)
    doc = Doc()
    doc.apply_update(base64.b64decode(snapshot["tables"][0]["report_state"]))
    text = doc.get("report", type=Text)
    start.wait(60)
    for i in range(max(entries, report_updates)):
        if i < entries:
            payload = {
                "op": str(uuid.uuid4()),
                "id": str(uuid.uuid4()),
                "text": f"Inbreng {i} woningmarkt",
                "bollen": ["economisch", "sociaal"],
                "horizons": ["later"],
            }
            began = time.perf_counter()
            ack = client.call("entry:add", payload, timeout=30)
            latencies.append(time.perf_counter() - began)
            last_ack[0] = max(last_ack[0], time.perf_counter())
            if not ack.get("ok"):
                errors.append(ack.get("error", "?"))
        if i < report_updates:
            before = doc.get_state()
            text += f" zin {i}."
            payload = {"op": str(uuid.uuid4()), "update": base64.b64encode(doc.get_update(before)).decode()}
            began = time.perf_counter()
            ack = client.call("report:update", payload, timeout=30)
            latencies.append(time.perf_counter() - began)
            last_ack[0] = max(last_ack[0], time.perf_counter())
            if not ack.get("ok"):
                errors.append(ack.get("error", "?"))
    client.disconnect()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.live", description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=100)
    parser.add_argument("--entries", type=int, default=10, help="entries per table")
    parser.add_argument("--report-updates", type=int, default=10, help="report updates per table")
    parser.add_argument("--screens", type=int, default=3)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="facilitator-live-bench-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url or f"sqlite:///{work / 'bench.db'}",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "PUBLIC_URL": url,
        "SECRET_KEY": "bench",
        "FACILITATOR_INSTANCE": str(work / "instance"),
    }
    data = generated_meeting(args.tables)
    for table in data.tables:
        table.entries = []
        table.report = ""
    session = work / "meeting.toml"
    session.write_text(sessionfile.dumps(data))
    flask = [str(REPO / ".venv/bin/flask"), "--app", "wsgi"]
    links = json.loads(
        subprocess.run(
            [*flask, "session", "import", str(session)],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    with open(work / "server.log", "wb") as log:
        server = subprocess.Popen(
            [str(REPO / ".venv/bin/python"), "-m", "facilitator"],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(port)
        expected = args.tables * (args.entries + args.report_updates)
        seen = [0] * args.screens
        last_seen_at = [0.0] * args.screens
        screens = []
        for i in range(args.screens):
            client = socketio.Client()

            def count(data, i=i):
                seen[i] += 1
                last_seen_at[i] = time.perf_counter()

            client.on("entry", count, namespace="/live")
            client.on("report", count, namespace="/live")
            client.connect(
                url, namespaces=["/live"], auth={"token": links["screen"]["token"]}, transports=["websocket"]
            )
            screens.append(client)
        latencies: list[float] = []
        errors: list[str] = []
        start = threading.Event()
        threads = [
            threading.Thread(
                target=rapporteur,
                args=(
                    url,
                    roles["rapporteur"]["token"],
                    args.entries,
                    args.report_updates,
                    latencies,
                    errors,
                    start,
                ),
            )
            for roles in links["tables"].values()
        ]
        for thread in threads:
            thread.start()
        time.sleep(2)  # let every client connect and receive its snapshot
        began = time.perf_counter()
        cpu_before = cpu_seconds(server.pid)
        start.set()
        for thread in threads:
            thread.join(300)
        finished = time.perf_counter()
        server_cpu = cpu_seconds(server.pid) - cpu_before
        deadline = time.monotonic() + 60
        while min(seen) < expected and time.monotonic() < deadline:
            time.sleep(0.05)
        for client in screens:
            client.disconnect()
        elapsed = finished - began
        print(
            f"live protocol: {args.tables} tables, {args.entries} entries + {args.report_updates} "
            f"report updates each, {args.screens} screens, {env['DATABASE_URL'].split(':')[0]}"
        )
        print(
            f"  changes acknowledged: {len(latencies)} in {elapsed:.1f} s = {len(latencies) / elapsed:.0f}/s"
            f" (errors: {len(errors)})"
        )
        print(
            f"  ack latency: median {statistics.median(latencies) * 1000:.1f} ms, "
            f"p95 {percentile(latencies, 95) * 1000:.1f} ms, max {max(latencies) * 1000:.1f} ms"
        )
        print(
            f"  screens saw {min(seen)}/{expected} events; last event "
            f"{max(0.0, max(last_seen_at) - last_ack[0]) * 1000:.0f} ms after the last ack"
        )
        print(
            f"  server CPU: {server_cpu:.1f} s = {server_cpu / len(latencies) * 1000:.1f} ms per change "
            f"(the load-generating clients share the same {os.cpu_count()} cores)"
        )
        print(f"  server peak memory: {peak_rss_mb(server.pid):.0f} MB")
        return 0 if not errors and min(seen) == expected else 1
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
