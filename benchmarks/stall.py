"""Does the server keep answering while documents are made? `/healthz` and a live ack meanwhile.

`python -m benchmarks.stall` starts `python -m facilitator` on a free loopback port with a
throwaway SQLite database, imports a generated meeting (100 tables by default: people,
reports, entries), logs in as the secretariat and then, one after the other, downloads the
table cards, the rapporteur cards and makes the annex PDF (the web's job: start, follow,
download). Meanwhile one thread asks `/healthz` every 20 ms on a kept connection, another
sends the live `sync` of a screen every 50 ms and a third adds an entry at a table every 100 ms
(`entry:add`, a change through the live batch, timed to its acknowledgement); for each step it
prints how long those waited (max, p99, p50), and the same probes for --baseline seconds
before, with no export running, beside the work's. A wait over 100 ms means the server's event
loop ran something else that long. Exits non-zero when `/healthz` waited longer than
--limit-ms during the work.

Traffic goes to 127.0.0.1 only; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import socketio

from deploy.cluster import free_port, wait_for_port
from facilitator import sessionfile

from .live import percentile
from .meetings import generated_meeting

REPO = Path(__file__).resolve().parent.parent
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
PASSWORD = "bench-wachtwoord-1"  # noqa: S105 - a throwaway account on a throwaway database


@dataclass
class Probe:
    """A loop that asks the server something at an interval and keeps (when, how long) per answer."""

    interval: float
    samples: list[tuple[float, float]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self, ask) -> None:
        deadline = time.monotonic() + 3600
        while not self.stop.is_set() and time.monotonic() < deadline:
            began = time.perf_counter()
            try:
                ask()
            except Exception as exc:  # noqa: BLE001 - counted and printed, the bench goes on
                self.errors.append(f"{type(exc).__name__}: {exc}")
            ended = time.perf_counter()
            self.samples.append((began, ended - began))
            self.stop.wait(max(0.0, began + self.interval - time.perf_counter()))

    def between(self, start: float, end: float) -> list[float]:
        """The waits of the asks that were under way at some moment in [start, end]."""
        return [wait for began, wait in self.samples if began <= end and began + wait >= start]


def healthz_probe(port: int) -> Probe:
    probe = Probe(0.020)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def ask() -> None:
        connection.request("GET", "/healthz")
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"status {response.status}")

    threading.Thread(target=probe.run, args=(ask,), daemon=True).start()
    return probe


def live_probe(url: str, token: str, latest: dict[str, int]) -> tuple[Probe, socketio.SimpleClient]:
    """A screen that sends `sync` every 50 ms since the latest change it knows of (``latest``, which
    the entry:add probe moves on): an answer of a few events, as a screen that missed little."""
    client = socketio.SimpleClient()
    client.connect(url, namespace="/live", auth={"token": token}, transports=["websocket"])
    _, snapshot = client.receive(timeout=30)
    latest["seq"] = int(snapshot.get("seq", 0))
    probe = Probe(0.050)

    def ask() -> None:
        ack = client.call("sync", {"since": latest["seq"]}, timeout=30)
        if not ack.get("ok"):
            raise RuntimeError(str(ack))

    threading.Thread(target=probe.run, args=(ask,), daemon=True).start()
    return probe, client


def ack_probe(url: str, token: str, latest: dict[str, int]) -> tuple[Probe, socketio.SimpleClient]:
    """A participant that adds an entry every 100 ms, each timed to its acknowledgement."""
    client = socketio.SimpleClient()
    client.connect(url, namespace="/live", auth={"token": token}, transports=["websocket"])
    client.receive(timeout=30)  # the snapshot
    probe = Probe(0.100)

    def ask() -> None:
        entry = {"op": uuid.uuid4().hex, "id": uuid.uuid4().hex, "text": "Inbreng tijdens het exporteren"}
        ack = client.call("entry:add", {**entry, "bollen": ["economisch"], "horizons": ["later"]}, timeout=30)
        if not ack.get("ok"):
            raise RuntimeError(str(ack))
        latest["seq"] = max(latest["seq"], int(ack.get("seq", 0)))

    threading.Thread(target=probe.run, args=(ask,), daemon=True).start()
    return probe, client


def csrf(client: httpx.Client, path: str) -> str:
    match = CSRF_RE.search(client.get(path).text)
    if not match:
        raise RuntimeError(f"no CSRF token on {path}")
    return match.group(1) or match.group(2)


def make_annex(client: httpx.Client, slug: str, stages: list[tuple[float, str]]) -> int:
    """Start the annex PDF as the export page does, follow its job, download it; its size in bytes.

    Each status the page would show goes into ``stages`` with the time it was read.
    """
    page = f"/secretariaat/vergaderingen/{slug}/bijlage"
    form = {"csrf_token": csrf(client, page), "format": "pdf", "include_feedback": "y", "order": "number"}
    started = client.post(page, data=form)
    if started.status_code != 303:
        raise RuntimeError(f"the export did not start: {started.status_code}")
    job = started.headers["location"]
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        status = client.get(f"{job}/status").json()
        stages.append((time.perf_counter(), status["stage"]))
        if status["state"] == "done":
            return len(client.get(status["download_url"]).content)
        if status["state"] == "failed":
            raise RuntimeError(f"the export failed: {status['message']}")
        time.sleep(0.2)
    raise TimeoutError("the export took longer than 600 s")


def line(name: str, waits: list[float]) -> str:
    if not waits:
        return f"  {name:<22} no answers"
    ms = [w * 1000 for w in waits]
    return (
        f"  {name:<22} max {max(ms):6.1f} ms   p99 {percentile(ms, 99):6.1f} ms   "
        f"p50 {percentile(ms, 50):5.1f} ms   ({len(ms)} answers)"
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.stall", description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=100)
    parser.add_argument("--limit-ms", type=float, default=100.0, help="the most /healthz may wait (target)")
    parser.add_argument(
        "--baseline", type=float, default=8.0, help="seconds of the same probes with no export, to compare"
    )
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="facilitator-stall-bench-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{work / 'bench.db'}",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "PUBLIC_URL": url,
        "SECRET_KEY": "bench",
        "FACILITATOR_INSTANCE": str(work / "instance"),
        "STORAGE_BUDGET_FACTOR": "100",  # the entry:add probe adds 10 a second at one table
    }
    session = work / "meeting.toml"
    session.write_text(sessionfile.dumps(generated_meeting(args.tables)))

    def flask(*command: str) -> str:
        return subprocess.run(
            [str(REPO / ".venv/bin/flask"), "--app", "wsgi", *command],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    links = json.loads(flask("session", "import", str(session)))
    flask("user", "create", "bench", "--password", PASSWORD)
    slug = links["meeting"]
    with open(work / "server.log", "wb") as log:
        server = subprocess.Popen(
            [str(REPO / ".venv/bin/python"), "-m", "facilitator"],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    probes: list[Probe] = []
    try:
        wait_for_port(port, process=server)
        client = httpx.Client(base_url=url, timeout=600)
        login = "/secretariaat/inloggen"
        answer = client.post(
            login, data={"name": "bench", "password": PASSWORD, "csrf_token": csrf(client, login)}
        )
        if answer.status_code != 302:
            raise RuntimeError(f"login failed: {answer.status_code}")
        client.get(f"/secretariaat/vergaderingen/{slug}/bijlage")  # the export page starts a render child
        health = healthz_probe(port)
        latest = {"seq": 0}
        live, screen = live_probe(url, links["screen"]["token"], latest)
        acks, participant = ack_probe(url, links["tables"]["1"]["participant"]["token"], latest)
        probes = [health, live, acks]
        time.sleep(3)  # the spare render child warms up; then the same probes with no export
        steps: list[tuple[str, float, float, str]] = []
        began = time.perf_counter()
        time.sleep(args.baseline)
        steps.append(("no export", began, time.perf_counter(), ""))
        base = f"/secretariaat/vergaderingen/{slug}"
        for name, path in (("table cards", "tafelkaarten.pdf"), ("rapporteur cards", "verslagkaarten.pdf")):
            began = time.perf_counter()
            pdf = client.get(f"{base}/{path}")
            if pdf.status_code != 200 or not pdf.content.startswith(b"%PDF"):
                raise RuntimeError(f"{path}: status {pdf.status_code}")
            steps.append((name, began, time.perf_counter(), f"{len(pdf.content) // 1024} kB"))
            time.sleep(1.5)  # as a person would: the next spare child starts meanwhile
        began = time.perf_counter()
        stages: list[tuple[float, str]] = []
        size = make_annex(client, slug, stages)
        steps.append(("annex PDF (job)", began, time.perf_counter(), f"{size // 1024} kB"))
        for probe in probes:
            probe.stop.set()
        screen.disconnect()
        participant.disconnect()

        when = time.strftime("%Y-%m-%d %H:%M")
        print(f"Facilitator stall benchmark ({when}, Python {sys.version.split()[0]})")
        print(f"{args.tables} tables; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        work_waits: list[float] = []
        for name, start, end, note in steps:
            print(f"{name}: {end - start:.2f} s {note}".rstrip())
            print(line("/healthz every 20 ms", health.between(start, end)))
            print(line("live sync every 50 ms", live.between(start, end)))
            print(line("entry:add every 100 ms", acks.between(start, end)))
            if name != "no export":
                work_waits += health.between(start, end)
        worst_at, worst = max(
            (sample for sample in health.samples if any(a <= sample[0] <= b for _, a, b, _ in steps[1:])),
            key=lambda sample: sample[1],
        )
        step, offset = next(
            ((name, worst_at - start) for name, start, end, _ in steps if start <= worst_at <= end),
            ("-", 0.0),
        )
        stage = next((stage for when, stage in reversed(stages) if when <= worst_at), "before the first poll")
        where = f"{step}, {offset:.2f} s in" + (f" (stage: {stage})" if step.startswith("annex") else "")
        print(f"longest /healthz wait: {worst * 1000:.0f} ms, {where}")
        busy = (steps[1][1], steps[-1][2])
        quiet = (steps[0][1], steps[0][2])
        print(f"beside the same probes with no export (cards and annex: {busy[1] - busy[0]:.1f} s):")
        print(f"  {'':<22} {'no export':>20}   {'cards + annex':>20}")
        for name, probe in (("/healthz", health), ("live sync ack", live), ("entry:add ack", acks)):
            for label, pick in (("max", max), ("p99", lambda ms: percentile(ms, 99))):
                cells = [probe.between(*span) for span in (quiet, busy)]
                shown = [f"{pick([w * 1000 for w in c]):.1f} ms" if c else "-" for c in cells]
                print(f"  {name + ' ' + label:<22} {shown[0]:>20}   {shown[1]:>20}")
        errors = health.errors + live.errors + acks.errors
        if errors:
            print(f"errors: {len(errors)}, first: {errors[0]}")
        longest = max(work_waits) * 1000
        if longest > args.limit_ms:
            print(f"MISSED: /healthz waited {longest:.0f} ms > {args.limit_ms:.0f} ms")
            return 1
        print(f"target met: /healthz never waited more than {args.limit_ms:.0f} ms")
        return 1 if errors else 0
    finally:
        for probe in probes:
            probe.stop.set()
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
