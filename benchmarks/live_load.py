"""`make bench-live`: the live write path at summit scale, against the app and a bare server.

Real Socket.IO clients (benchmarks/sioclient.py: the Engine.IO 4 / Socket.IO 5 protocol on
gevent, about 35 µs of CPU per received message; `--client python-socketio` for
python-socketio's own, about 200 µs) all in this one process connect T tables x R clients
plus S screens, in the same run to

  1. a bare python-socketio server with no storage (benchmarks/bare_server.py), and
  2. Facilitator: one `python -m facilitator` on SQLite, or with --cluster two processes
     on PostgreSQL and Redis behind nginx (deploy/cluster.py).

Per table some clients add entries (`entry:add`, open loop: one every --entry-interval
seconds each) and the rapporteur types the report (`report:update` with real incremental
Yjs updates from pycrdt, one in flight at a time as the browser's outbox sends them). The
latency is from the emit to the `entry` (or `report`) event on each screen. Three phases:

  ramp        tables connected step by step at the nominal per-client load: clients vs p95
              (once p95 passes the limit the remaining tables connect without load)
  saturation  all clients, the offered rate doubled step by step until p95 passes --p95-limit,
              then --sat-refine steps between the last rate within it and the first past it
  main        all clients at the nominal load for --duration seconds: the headline numbers

It prints latency (p50/p95/p99), ack p95, errors, disconnects, missing events, server CPU
per change (from /proc/PID/stat), server memory per client, the saturation throughput,
the generator's own CPU and event-loop lag, and the app/bare ratios. Everything is on
127.0.0.1; every phase is bounded in time and every loop in count.

    .venv/bin/python -m benchmarks.live_load                       # the issue's load, SQLite
    .venv/bin/python -m benchmarks.live_load --cluster             # 2 processes + PG + Redis + nginx
    .venv/bin/python -m benchmarks.live_load --tables 10 --duration 10 --ramp-steps 2
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import base64  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections import Counter, defaultdict  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from functools import partial  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import gevent  # noqa: E402
import socketio  # noqa: E402
from gevent.event import Event  # noqa: E402
from gevent.pool import Pool  # noqa: E402
from pycrdt import Doc, Text  # noqa: E402

from benchmarks import bare_server, votes_load  # noqa: E402
from benchmarks.live import cpu_seconds, free_port, wait_for  # noqa: E402
from benchmarks.live_summary import medians, scaling  # noqa: E402
from benchmarks.meetings import generated_meeting  # noqa: E402
from benchmarks.sioclient import LeanClient  # noqa: E402
from facilitator import sessionfile  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
NAMESPACE = "/live"
now = time.perf_counter


# -- measuring ------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(math.ceil(p / 100 * len(ordered))) - 1)]


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_of(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError):  # a process that is gone
            total += cpu_seconds(pid)
    return total


def machine() -> str:
    model = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    load = os.getloadavg()
    return (
        f"{os.cpu_count()} cores ({model}), Python {platform.python_version()}, "
        f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}"
    )


# -- what the clients talk to -------------------------------------------------------------


class Target:
    """A server under test: its URL, tokens, and the processes to account for."""

    name = "?"
    url = ""
    links: dict[str, Any] = {}
    meetings: list[dict[str, Any]] = []  # the links JSON of every meeting (links: the first)

    def server_pids(self) -> list[int]:
        raise NotImplementedError

    def service_pids(self) -> dict[str, list[int]]:
        return {}

    def stop(self) -> None:
        raise NotImplementedError


class ProcessTarget(Target):
    """A server that is one child process of the bench."""

    process: subprocess.Popen
    log: Any

    def server_pids(self) -> list[int]:
        return [self.process.pid]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        self.log.close()


class BareTarget(ProcessTarget):
    """benchmarks/bare_server.py: python-socketio on gevent, no storage."""

    def __init__(self, tables: int, work: Path) -> None:
        self.name = "bare"
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.links = bare_server.links(tables)
        self.meetings = [self.links]
        self.log = open(work / "bare.log", "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.bare_server", "--port", str(port), "--tables", str(tables)],
            cwd=REPO,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        wait_for(port)


def meeting_file(tables: int, work: Path, seed: int = 746) -> Path:
    """A generated meeting with empty tables (no entries, no report yet)."""
    data = generated_meeting(tables, seed=seed)
    for table in data.tables:
        table.entries = []
        table.report = ""
    path = work / f"meeting-{seed}.toml"
    path.write_text(sessionfile.dumps(data))
    return path


def import_meetings(flask, meetings: int, tables: int, work: Path) -> list[dict[str, Any]]:
    """Import `meetings` generated meetings of `tables` tables; their links JSON.

    The first alone (it creates the schema), the others 4 at a time."""

    def one(seed: int) -> dict[str, Any]:
        return json.loads(flask("session", "import", str(meeting_file(tables, work, seed))))

    first = one(746)
    pool = Pool(4)
    jobs = [pool.spawn(one, seed) for seed in range(747, 746 + meetings)]
    pool.join()
    return [first, *(job.get() for job in jobs)]


class AppTarget(ProcessTarget):
    """`python -m facilitator` on a throwaway SQLite database."""

    def __init__(self, tables: int, work: Path, meetings: int = 1) -> None:
        self.name = "app (1 process, SQLite)"
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{work / 'bench.db'}",
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "PUBLIC_URL": self.url,
            "SECRET_KEY": "bench",
            "FACILITATOR_INSTANCE": str(work / "instance"),
            "ANNEX_PRESTART": "0",
            "STORAGE_BUDGET_FACTOR": "100",  # a load test, not a test of the per-link budget
        }

        def flask(*args: str) -> str:
            command = [sys.executable, "-m", "flask", "--app", "wsgi", *args]
            return subprocess.run(
                command, cwd=REPO, env=env, capture_output=True, text=True, check=True
            ).stdout

        self.meetings = import_meetings(flask, meetings, tables, work)
        self.links = self.meetings[0]
        self.log = open(work / "app.log", "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "facilitator"],
            cwd=REPO,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        wait_for(port, 60)


class ClusterTarget(Target):
    """deploy/cluster.py: N app processes on PostgreSQL + Redis, behind nginx."""

    def __init__(self, tables: int, work: Path, processes: int, queue: bool, meetings: int = 1) -> None:
        from deploy.cluster import Cluster

        # one process needs no message queue: the same as one process on PostgreSQL behind nginx
        self.name = (
            f"cluster ({processes} process{'es' if processes > 1 else ''}, PostgreSQL, Redis, nginx)"
            if queue
            else "postgres (1 process, PostgreSQL, nginx, no message queue)"
        )
        # its own temporary directory: the postgres user must be able to enter it
        self.cluster = Cluster(
            processes=processes,
            message_queue=queue,
            extra_env={"ANNEX_PRESTART": "0", "STORAGE_BUDGET_FACTOR": "100"},
            keep=bool(os.environ.get("BENCH_KEEP")),
        )
        self.url = self.cluster.url
        try:
            self.cluster.start_services()
            self.meetings = import_meetings(lambda *a: self.cluster.flask(*a).stdout, meetings, tables, work)
            self.links = self.meetings[0]
            self.cluster.start_apps()
            self.cluster.start_proxy()
        except BaseException:
            self.cluster.stop()
            raise

    def server_pids(self) -> list[int]:
        return self.cluster.pids().get("app", [])

    def service_pids(self) -> dict[str, list[int]]:
        parts = self.cluster.pids()
        parts.pop("app", None)
        return parts

    def stop(self) -> None:
        self.cluster.stop()


# -- the clients ----------------------------------------------------------------------------


@dataclass
class Op:
    kind: str  # "entry" or "report"
    table: int
    phase: str
    sent: float
    acked: float | None = None
    ok: bool | None = None
    seq: int | None = None
    error: str | None = None
    meeting: int = 0  # which of the target's meetings


@dataclass
class Member:
    role: str  # rapporteur, participant, screen
    table: int | None
    token: str
    client: Any = None
    snapshot: Any = None
    connected: bool = False
    doc: Any = None
    text: Any = None
    sent_state: bytes = b""
    in_flight: bool = False
    typed: int = 0
    meeting: int = 0  # which of the target's meetings
    slug: str | None = None  # its slug, in the connect URL as the pages send it
    author: str | None = None  # a device key (voters only: a ballot needs one)


@dataclass
class Run:
    """One target's run: the clients, every operation sent and every event seen."""

    target: Target
    args: argparse.Namespace
    members: list[Member] = field(default_factory=list)
    screens: list[Member] = field(default_factory=list)
    ops: dict[str, Op] = field(default_factory=dict)
    phase_ops: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    entry_seen: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    entry_members: Counter = field(default_factory=Counter)
    report_seen: dict[tuple[int, int, int], list[float]] = field(default_factory=lambda: defaultdict(list))
    report_members: Counter = field(default_factory=Counter)
    received: int = 0
    foreign: int = 0  # entries that reached a client of another meeting
    disconnects: int = 0
    connect_errors: list[str] = field(default_factory=list)
    deferred_reports: int = 0
    error_examples: list[str] = field(default_factory=list)
    closing: bool = False
    lag: list[tuple[float, float]] = field(default_factory=list)
    results: dict[str, Any] = field(default_factory=dict)
    votes: Any = None  # votes_load.VoteLoad with --voters-per-table on the app
    member_class = Member
    clock = staticmethod(now)

    # events -------------------------------------------------------------------------------

    def on_entry(self, member: Member, data: dict[str, Any]) -> None:
        t = now()
        self.received += 1
        op = self.ops.get(data["entry"]["id"])
        if op is not None and op.meeting != member.meeting:
            self.foreign += 1  # another meeting's entry: a leak, never an event to count
            return
        if member.role == "screen":
            self.entry_seen[data["entry"]["id"]].append(t)
        else:
            self.entry_members[data["entry"]["id"]] += 1

    def on_report(self, member: Member, data: dict[str, Any]) -> None:
        t = now()
        self.received += 1
        key = (member.meeting, data["table"], data["seq"])
        if member.role == "screen":
            self.report_seen[key].append(t)
        else:
            self.report_members[key] += 1

    def on_ack(self, op: Op, member: Member | None, ack: Any = None, *rest: Any) -> None:
        op.acked = now()
        self.received += 1
        op.ok = isinstance(ack, dict) and bool(ack.get("ok"))
        if op.ok:
            op.seq = ack.get("seq")
        else:
            op.error = ack.get("error", "?") if isinstance(ack, dict) else repr(ack)
            if len(self.error_examples) < 5:
                self.error_examples.append(f"{op.kind} {op.phase}: {ack!r}"[:300])
        if member is not None:
            member.in_flight = False

    # connecting -----------------------------------------------------------------------------

    def connect(self, member: Member) -> None:
        client = LeanClient() if self.args.client == "lean" else socketio.Client(reconnection=False)
        member.client = client
        got_snapshot = Event()

        def snapshot(data: Any) -> None:
            member.snapshot = data
            got_snapshot.set()

        def disconnect(*args: Any) -> None:
            if member.connected and not self.closing:
                self.disconnects += 1
            member.connected = False

        client.on("snapshot", snapshot, namespace=NAMESPACE)
        client.on("entry", lambda data: self.on_entry(member, data), namespace=NAMESPACE)
        client.on("report", lambda data: self.on_report(member, data), namespace=NAMESPACE)
        client.on("disconnect", disconnect, namespace=NAMESPACE)
        auth = {"token": member.token} | ({"author": member.author} if member.author else {})
        try:
            if isinstance(client, LeanClient):
                slug = member.slug if self.args.meeting_key else None
                client.connect(self.target.url, NAMESPACE, auth=auth, meeting=slug)
            else:
                client.connect(
                    self.target.url,
                    namespaces=[NAMESPACE],
                    auth=auth,
                    transports=["websocket"],
                    wait_timeout=30,
                )
            if not got_snapshot.wait(30):
                raise TimeoutError("no snapshot")
        except Exception as exc:  # a failed connection is a result, not a crash of the bench
            self.connect_errors.append(f"{member.role} {member.table}: {type(exc).__name__}: {exc}")
            return
        member.connected = True
        if member.role == "rapporteur":
            member.doc = Doc()
            state = member.snapshot["tables"][0].get("report_state")
            if state:
                member.doc.apply_update(base64.b64decode(state))
            member.text = member.doc.get("report", type=Text)
            member.sent_state = member.doc.get_state()

    def connect_all(self, members: list[Member]) -> float:
        began = now()
        pool = Pool(self.args.connect_concurrency)
        for member in members:
            pool.spawn(self.connect, member)
        pool.join(timeout=max(60, len(members) * 0.5))
        pool.kill()
        return now() - began

    def table_members(self, tables: range, meeting: int = 0) -> list[Member]:
        per_table = []
        links = self.target.meetings[meeting]
        slug = links.get("meeting")
        for n in tables:
            roles = links["tables"][str(n)]
            per_table.append(
                Member("rapporteur", n, roles["rapporteur"]["token"], meeting=meeting, slug=slug)
            )
            for _ in range(self.args.clients_per_table - 1):
                per_table.append(
                    Member("participant", n, roles["participant"]["token"], meeting=meeting, slug=slug)
                )
        return per_table

    def screens_at(self) -> Counter:
        """The connected screens of each meeting."""
        return Counter(s.meeting for s in self.screens if s.connected)

    # sending ---------------------------------------------------------------------------------

    def send_entry(self, member: Member, phase: str) -> None:
        if not member.connected:
            return
        entry_id = uuid.uuid4().hex
        op = Op("entry", member.table, phase, now(), meeting=member.meeting)
        self.ops[entry_id] = op
        self.phase_ops[phase].append(entry_id)
        payload = {
            "op": uuid.uuid4().hex,
            "id": entry_id,
            "text": f"Inbreng {len(self.ops)} over betaalbaar wonen en de arbeidsmarkt",
            "bollen": ["economisch", "sociaal"],
            "horizons": ["later"],
        }
        member.client.emit(
            "entry:add", payload, namespace=NAMESPACE, callback=lambda *a: self.on_ack(op, None, *a)
        )

    def send_report(self, member: Member, phase: str) -> None:
        """Type a few words; send what was typed since the last send unless one is in flight."""
        if not member.connected:
            return
        member.typed += 1
        member.text += f" Zin {member.typed}: de tafel wil meer aandacht voor bestaanszekerheid."
        if member.in_flight:  # the browser merges the typing into the next update
            self.deferred_reports += 1
            return
        update = member.doc.get_update(member.sent_state)
        member.sent_state = member.doc.get_state()
        op_id = uuid.uuid4().hex
        op = Op("report", member.table, phase, now(), meeting=member.meeting)
        self.ops[op_id] = op
        self.phase_ops[phase].append(op_id)
        member.in_flight = True
        member.client.emit(
            "report:update",
            {"op": op_id, "update": base64.b64encode(update).decode()},
            namespace=NAMESPACE,
            callback=lambda *a: self.on_ack(op, member, *a),
        )

    def open_loop(self, members: list[Member], rate: float, until: float, send, phase: str) -> None:
        """Send at a fixed rate over the members in turn, whatever the server does (open loop)."""
        if rate <= 0 or not members:
            return
        began, interval = now(), 1.0 / rate
        for n in range(int((until - began) * rate) + 1):
            due = began + n * interval
            if due >= until:
                break
            wait = due - now()
            if wait > 0:
                gevent.sleep(wait)
            send(members[n % len(members)], phase)

    # phases ----------------------------------------------------------------------------------

    def senders(self, tables: int) -> tuple[list[Member], list[Member]]:
        """The entry adders and the report typists among the first `tables` tables' clients."""
        adders, typists = [], []
        per_table = self.args.clients_per_table
        for t in range(tables):
            group = self.members[t * per_table : (t + 1) * per_table]
            typists += [m for m in group if m.role == "rapporteur"][: self.args.typists_per_table]
            adders += [m for m in group if m.role == "participant"][: self.args.adders_per_table]
        return adders, typists

    def phase(self, name: str, tables: int, factor: float, seconds: float, drain: float) -> dict[str, Any]:
        """Run the load of the first `tables` tables x factor for `seconds`; wait for the stragglers."""
        adders, typists = self.senders(tables)
        entry_rate = len(adders) / self.args.entry_interval * factor
        report_rate = len(typists) / self.args.report_interval * factor
        pids = self.target.server_pids()
        cpu_before, services_before = cpu_of(pids), self.services_cpu()
        own_before = cpu_seconds(os.getpid())
        received_before = self.received
        began = now()
        until = began + seconds
        voting = name == "main" and self.votes is not None and self.votes.number is not None
        gevent.joinall(
            [
                gevent.spawn(self.open_loop, adders, entry_rate, until, self.send_entry, name),
                gevent.spawn(self.open_loop, typists, report_rate, until, self.send_report, name),
                *(
                    [
                        gevent.spawn(
                            self.open_loop,
                            self.votes.voters(),
                            self.votes.rate(),
                            until,
                            self.votes.send,
                            name,
                        )
                    ]
                    if voting
                    else []
                ),
            ],
            timeout=seconds + 30,
        )
        gevent.sleep(max(0.0, until - now()))  # the last send is due before the end of the window
        sent_until = now()
        drained = self.drain(name, sent_until + drain)
        if voting:
            self.votes.drain(sent_until + drain)
        ended = now()
        cpu = cpu_of(pids) - cpu_before
        own = cpu_seconds(os.getpid()) - own_before
        result = self.summarise(name, began, sent_until)
        if voting:
            result["votes"] = self.votes.summary(sent_until - began, sent_until)
        result.update(
            tables=tables,
            clients=tables * self.args.clients_per_table + len(self.screens),
            factor=factor,
            offered_per_s=entry_rate + report_rate,
            offered_entries_per_s=entry_rate,
            drained=drained,
            drain_s=ended - sent_until,
            server_cpu_s=cpu,
            server_cpu_ms_per_change=cpu / max(1, result["changes_ok"]) * 1000,
            services_cpu_s=self.services_cpu() - services_before,
            generator_cpu_s=own,
            generator_core_share=own / max(1e-9, ended - began),
            generator_us_per_message=own / max(1, self.received - received_before) * 1e6,
            loop_lag_p95_ms=percentile([lag for t, lag in self.lag if began <= t <= ended], 95) * 1000,
            loop_lag_max_ms=max([lag for t, lag in self.lag if began <= t <= ended], default=0.0) * 1000,
        )
        return result

    def recover(self, result: dict[str, Any]) -> None:
        """After an overloaded step, give the server (bounded) time to work off its backlog."""
        if not result["drained"]:
            result["recovered"] = self.drain(result["phase"], now() + self.args.recover_seconds)
            if not result["recovered"]:
                print(f"  (still backlogged after {self.args.recover_seconds:g} s more: next step is skewed)")

    def services_cpu(self) -> float:
        return sum(cpu_of(pids) for pids in self.target.service_pids().values())

    def drain(self, phase: str, deadline: float) -> bool:
        """Wait (bounded) until every op of the phase is acknowledged and seen by every screen."""
        screens = self.screens_at()
        keys = self.phase_ops[phase]
        while now() < deadline:
            if all(self.settled(key, screens) for key in keys):
                return True
            gevent.sleep(0.1)
        return False

    def settled(self, key: str, screens: Counter) -> bool:
        """Acknowledged, and (when accepted) seen by every screen."""
        op = self.ops[key]
        if op.ok is None:
            return False
        if not op.ok:
            return True
        seen = (
            self.entry_seen.get(key, ())
            if op.kind == "entry"
            else self.report_seen.get((op.meeting, op.table, op.seq), ())
        )
        return len(seen) >= screens[op.meeting]

    def summarise(self, phase: str, began: float, until: float) -> dict[str, Any]:
        screens = self.screens_at()
        members_at = Counter((m.meeting, m.table) for m in self.members if m.connected)
        entry_lat, report_lat, acks = [], [], []
        missing_screen = missing_table = timeouts = 0
        errors: Counter = Counter()
        changes_ok = entries = reports = in_window = 0
        seconds = until - began
        for key in self.phase_ops[phase]:
            op = self.ops[key]
            entries += op.kind == "entry"
            reports += op.kind == "report"
            if op.ok is None:
                timeouts += 1
                continue
            acks.append(op.acked - op.sent)
            if not op.ok:
                errors[op.error] += 1
                continue
            changes_ok += 1
            in_window += op.acked <= until
            if op.kind == "entry":
                seen, at_table = self.entry_seen.get(key, []), self.entry_members.get(key, 0)
                entry_lat += [t - op.sent for t in seen]
            else:
                seen = self.report_seen.get((op.meeting, op.table, op.seq), [])
                at_table = self.report_members.get((op.meeting, op.table, op.seq), 0)
                report_lat += [t - op.sent for t in seen]
            missing_screen += max(0, screens[op.meeting] - len(seen))
            missing_table += max(0, members_at[(op.meeting, op.table)] - at_table)

        def ms(values: list[float], p: float) -> float:
            return percentile(values, p) * 1000

        return {
            "phase": phase,
            "seconds": seconds,
            "entries_sent": entries,
            "reports_sent": reports,
            "changes_ok": changes_ok,
            # throughput: changes acknowledged (accepted) within the sending window
            "changes_per_s": in_window / max(1e-9, seconds),
            "entry_p50_ms": ms(entry_lat, 50),
            "entry_p95_ms": ms(entry_lat, 95),
            "entry_p99_ms": ms(entry_lat, 99),
            "entry_max_ms": max(entry_lat, default=float("nan")) * 1000,
            "report_p50_ms": ms(report_lat, 50),
            "report_p95_ms": ms(report_lat, 95),
            "report_p99_ms": ms(report_lat, 99),
            "ack_p50_ms": ms(acks, 50),
            "ack_p95_ms": ms(acks, 95),
            "ack_timeouts": timeouts,
            "errors": dict(errors),
            "missing_on_screens": missing_screen,
            "missing_at_tables": missing_table,
            "disconnects": self.disconnects,
            "foreign_events": self.foreign,
        }

    # the whole run ---------------------------------------------------------------------------

    def watch_loop(self) -> None:
        """How late this process's event loop wakes up: the generator's own delay."""
        while not self.closing:
            began = now()
            gevent.sleep(0.005)
            self.lag.append((began, now() - began - 0.005))

    def execute(self) -> dict[str, Any]:
        args = self.args
        pids = self.target.server_pids()
        rss_before = sum(rss_mb(p) for p in pids)
        watcher = gevent.spawn(self.watch_loop)
        meetings = self.target.meetings
        self.screens = [
            Member("screen", None, links["screen"]["token"], meeting=n, slug=links.get("meeting"))
            for n, links in enumerate(meetings)
            for _ in range(args.screens)
        ]
        self.members = [
            m for n in range(len(meetings)) for m in self.table_members(range(1, args.tables + 1), n)
        ]
        total_tables = args.tables * len(meetings)
        if args.voters_per_table and not isinstance(self.target, BareTarget):
            votes_load.VoteLoad.mark_voters(self)
            self.votes = votes_load.VoteLoad(self)
        out: dict[str, Any] = {"target": self.target.name, "ramp": [], "saturation": []}
        connect_s = self.connect_all(self.screens)
        steps = max(1, args.ramp_steps)
        connected_tables = 0
        overloaded = False
        per_table = args.clients_per_table
        for step in range(1, steps + 1):
            tables = math.ceil(total_tables * step / steps)
            connect_s += self.connect_all(self.members[connected_tables * per_table : tables * per_table])
            connected_tables = tables
            if args.ramp_steps > 0 and not overloaded:
                result = self.phase(f"ramp-{step}", tables, 1.0, args.step_seconds, args.drain_seconds)
                out["ramp"].append(result)
                self.progress(result)
                # past the limit the next steps would only pile up a backlog: connect the rest idle
                overloaded = not result["entry_p95_ms"] <= args.p95_limit
                self.recover(result)
        clients = sum(m.connected for m in self.members) + sum(s.connected for s in self.screens)
        rss_after = sum(rss_mb(p) for p in pids)
        out.update(
            clients=clients,
            clients_wanted=len(self.members) + len(self.screens),
            connect_seconds=connect_s,
            connect_errors=len(self.connect_errors),
            connect_error_examples=self.connect_errors[:3],
            server_rss_before_mb=rss_before,
            server_rss_after_mb=rss_after,
            server_kb_per_client=(rss_after - rss_before) * 1024 / max(1, clients),
        )
        if args.saturation:
            if args.warmup > 0:
                # the first changes after a thousand connects meet cold caches (templates, budgets,
                # prepared statements): a stall there would end the search at its first step
                warm = self.phase("warm-up", total_tables, args.sat_start, args.warmup, args.drain_seconds)
                self.progress(warm)
                out["warmup"] = warm
            factor, good, bad = args.sat_start, None, None
            for step in range(args.sat_steps):
                result = self.saturation_step(f"sat-{step}", factor, out)
                if not result["entry_p95_ms"] <= args.p95_limit:  # nan (nothing arrived) counts as past
                    bad = factor
                    break
                good, factor = factor, factor * 2
            # then halve the interval between the last rate within the limit and the first past it
            # (geometrically), --sat-refine times: a doubling alone cannot tell 260/s from 490/s
            for step in range(args.sat_refine if good is not None and bad is not None else 0):
                factor = math.sqrt(good * bad)
                result = self.saturation_step(f"sat-r{step}", factor, out)
                if result["entry_p95_ms"] <= args.p95_limit:
                    good = factor
                else:
                    bad = factor
            within = [r for r in out["saturation"] if r["entry_p95_ms"] <= args.p95_limit]
            out["saturation_changes_per_s"] = max((r["changes_per_s"] for r in within), default=0.0)
            out["saturation_reached"] = len(within) < len(out["saturation"])
        if self.votes is not None and not self.votes.open(now):
            out["votes_problem"] = self.votes.problem
        out["main"] = self.phase("main", total_tables, 1.0, args.duration, args.drain_seconds * 3)
        self.progress(out["main"])
        out["main"]["server_rss_end_mb"] = sum(rss_mb(p) for p in pids)
        self.closing = True
        for member in [*self.members, *self.screens]:
            if member.connected:
                gevent.spawn(member.client.disconnect)
        gevent.sleep(0.5)
        watcher.kill()
        out["deferred_report_updates"] = self.deferred_reports
        out["error_examples"] = self.error_examples
        return out

    def saturation_step(self, name: str, factor: float, out: dict[str, Any]) -> dict[str, Any]:
        args = self.args
        result = self.phase(
            name, args.tables * len(self.target.meetings), factor, args.step_seconds, args.drain_seconds
        )
        out["saturation"].append(result)
        self.progress(result)
        self.recover(result)
        return result

    def progress(self, r: dict[str, Any]) -> None:
        print(
            f"  [{self.target.name.split(' ')[0]}] {r['phase']:<7} {r['clients']:>5} clients, "
            f"offered {r['offered_per_s']:6.1f}/s, done {r['changes_per_s']:6.1f}/s: "
            f"p50 {r['entry_p50_ms']:7.1f} p95 {r['entry_p95_ms']:7.1f} p99 {r['entry_p99_ms']:7.1f} ms, "
            f"ack p95 {r['ack_p95_ms']:7.1f} ms, missing {r['missing_on_screens']}+{r['missing_at_tables']}, "
            f"ack timeouts {r['ack_timeouts']}, errors {sum(r['errors'].values())}, "
            f"server {r['server_cpu_ms_per_change']:.2f} ms CPU/change, "
            f"generator {r['generator_core_share'] * 100:.0f}% of a core"
            + ("" if r["drained"] else " (not drained)"),
            flush=True,
        )


# -- report -----------------------------------------------------------------------------------


def describe(result: dict[str, Any], args: argparse.Namespace) -> list[str]:
    m = result["main"]
    lines = [
        f"{result['target']}",
        f"  clients connected      {result['clients']}/{result['clients_wanted']} "
        f"in {result['connect_seconds']:.1f} s"
        f" (connect errors {result['connect_errors']}{': ' if result['connect_errors'] else ''}"
        f"{'; '.join(result['connect_error_examples'])})",
        f"  offered                {m['offered_per_s']:.1f} changes/s "
        f"({m['offered_entries_per_s']:.1f} entries/s"
        f" + report updates) for {m['seconds']:.0f} s; done {m['changes_per_s']:.1f}/s",
        f"  entry emit -> screen   p50 {m['entry_p50_ms']:.1f} ms, p95 {m['entry_p95_ms']:.1f} ms, "
        f"p99 {m['entry_p99_ms']:.1f} ms, max {m['entry_max_ms']:.1f} ms",
        f"  report emit -> screen  p50 {m['report_p50_ms']:.1f} ms, p95 {m['report_p95_ms']:.1f} ms, "
        f"p99 {m['report_p99_ms']:.1f} ms",
        f"  ack                    p50 {m['ack_p50_ms']:.1f} ms, p95 {m['ack_p95_ms']:.1f} ms; "
        f"ack timeouts {m['ack_timeouts']}; errors {m['errors'] or 0}",
        f"  missing events         {m['missing_on_screens']} on screens, {m['missing_at_tables']} at tables; "
        f"disconnects {m['disconnects']}; another meeting's entries {m['foreign_events']}"
        + ("" if m["drained"] else f" (not drained after {m['drain_s']:.0f} s)"),
        f"  server CPU             {m['server_cpu_s']:.1f} s = "
        f"{m['server_cpu_ms_per_change']:.2f} ms per change"
        + (
            f" (+ PostgreSQL/Redis/nginx {m['services_cpu_s']:.1f} s = "
            f"{m['services_cpu_s'] / max(1, m['changes_ok']) * 1000:.2f} ms per change)"
            if m["services_cpu_s"]
            else ""
        ),
        f"  server memory          {result['server_rss_before_mb']:.0f} -> "
        f"{result['server_rss_after_mb']:.0f} MB "
        f"= {result['server_kb_per_client']:.0f} kB per client (end of run {m['server_rss_end_mb']:.0f} MB)",
    ]
    if "votes" in m or result.get("votes_problem"):
        lines.append(votes_load.describe(m.get("votes") or {"problem": result["votes_problem"]}))
    if args.saturation:
        steps = ", ".join(
            f"{r['offered_per_s']:.0f}/s->{r['entry_p95_ms']:.0f} ms" for r in result.get("saturation", [])
        )
        reached = (
            "" if result.get("saturation_reached") else " (p95 never passed the limit: raise --sat-steps)"
        )
        lines.append(
            f"  saturation             {result.get('saturation_changes_per_s', 0):.0f} changes/s with p95 <= "
            f"{args.p95_limit:.0f} ms{reached}  [offered -> p95: {steps}]"
        )
    lines.append(
        f"  generator (this proc.) {m['generator_core_share'] * 100:.0f}% of one core, "
        f"{m['generator_us_per_message']:.0f} us CPU per message received, event-loop lag "
        f"p95 {m['loop_lag_p95_ms']:.1f} ms, max {m['loop_lag_max_ms']:.1f} ms"
    )
    return lines


def ratios(app: dict[str, Any], bare: dict[str, Any]) -> str:
    a, b = app["main"], bare["main"]

    def ratio(key: str, x: dict[str, Any], y: dict[str, Any]) -> str:
        return (
            f"{x[key] / y[key]:.0f}x" if y[key] and not math.isnan(y[key]) and not math.isnan(x[key]) else "-"
        )

    return (
        f"app / bare: p50 {ratio('entry_p50_ms', a, b)}, p95 {ratio('entry_p95_ms', a, b)}, "
        f"p99 {ratio('entry_p99_ms', a, b)}, CPU per change {ratio('server_cpu_ms_per_change', a, b)}, "
        f"memory per client {ratio('server_kb_per_client', app, bare)}"
        + (
            f", saturation {app['saturation_changes_per_s'] / bare['saturation_changes_per_s']:.2f}x"
            if app.get("saturation_changes_per_s") and bare.get("saturation_changes_per_s")
            else ""
        )
    )


def svg_plot(results: list[dict[str, Any]], limit: float) -> str:
    """Clients against entry p95 (log scale), one line per target, from the ramp phases."""
    width, height, left, right, top, bottom = 640, 380, 70, 20, 30, 50
    series = []
    for r in results:  # the ramp, and the main phase when the ramp stopped short of all clients
        steps = [
            *r["ramp"],
            *[r["main"]][: r["main"]["clients"] > max([p["clients"] for p in r["ramp"]] or [0])],
        ]
        series.append((r["target"], [(p["clients"], p["entry_p95_ms"]) for p in steps]))
    points = [pt for _, pts in series for pt in pts if pt[1] > 0 and not math.isnan(pt[1])]
    if not points:
        return ""
    x_max = max(x for x, _ in points) * 1.05
    y_lo = 10 ** math.floor(math.log10(min(min(y for _, y in points), limit)))
    y_hi = 10 ** math.ceil(math.log10(max(max(y for _, y in points), limit) * 1.01))

    def px(x: float) -> float:
        return left + x / x_max * (width - left - right)

    def py(y: float) -> float:
        y = max(y, y_lo)
        return top + (1 - (math.log10(y) - math.log10(y_lo)) / (math.log10(y_hi) - math.log10(y_lo))) * (
            height - top - bottom
        )

    colours = ["#1b6ac9", "#c0392b", "#2e8b57", "#8e44ad"]
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{width / 2}" y="18" text-anchor="middle" font-size="14">'
        "Live write path: clients against p95 (emit → entry on a screen)</text>",
    ]
    decade = y_lo
    while decade <= y_hi * 1.001:
        y = py(decade)
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{decade:g} ms</text>')
        decade *= 10
    for i in range(6):
        x_value = x_max / 1.05 * i / 5
        x = px(x_value)
        out.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{height - bottom}" y2="{height - bottom + 5}" '
            'stroke="#333"/>'
        )
        out.append(f'<text x="{x:.1f}" y="{height - bottom + 18}" text-anchor="middle">{x_value:.0f}</text>')
    out.append(
        f'<text x="{(left + width - right) / 2}" y="{height - 10}" text-anchor="middle">'
        "connected clients (tables × clients + screens), nominal load per client</text>"
    )
    out.append(
        f'<line x1="{left}" x2="{width - right}" y1="{py(limit):.1f}" y2="{py(limit):.1f}" '
        'stroke="#888" stroke-dasharray="5,4"/>'
        f'<text x="{width - right - 4}" y="{py(limit) - 4:.1f}" text-anchor="end" '
        f'fill="#666">{limit:g} ms</text>'
    )
    out.append(
        f'<line x1="{left}" x2="{left}" y1="{top}" y2="{height - bottom}" stroke="#333"/>'
        f'<line x1="{left}" x2="{width - right}" y1="{height - bottom}" y2="{height - bottom}" '
        'stroke="#333"/>'
    )
    for i, (name, pts) in enumerate(series):
        colour = colours[i % len(colours)]
        good = [(x, y) for x, y in pts if y > 0 and not math.isnan(y)]
        path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in good)
        out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        out += [f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" fill="{colour}"/>' for x, y in good]
        out.append(f'<text x="{left + 10}" y="{top + 16 + 16 * i}" fill="{colour}">{name}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


# -- main -----------------------------------------------------------------------------------------


def run_clusters(
    clusters: list[tuple[int, bool, int]], args: argparse.Namespace, work: Path
) -> dict[str, dict[str, Any]]:
    """One round of --cluster targets, one after the other: each one's results by key ("app",
    "app-2", "app-1q", "app-1of2" …)."""
    results: dict[str, dict[str, Any]] = {}
    for processes, queue, share in clusters:
        key = "app" if "app" not in results else f"app-{processes}{'q' if queue else ''}"
        meetings = max(1, round(args.meetings / share))
        run_args = args
        if share > 1:
            key = f"app-1of{share}"
            run_args = argparse.Namespace(**{**vars(args), "meetings": meetings})
        make = partial(ClusterTarget, args.tables, work, processes, queue or processes > 1, meetings)
        results[key] = run_target(make, run_args)
        results[key].update(processes=processes, share=share)
        if share > 1:
            results[key]["target"] = (
                f"postgres (1 process, {meetings} of {args.meetings} meetings: 1 of {share}'s rate)"
            )
    return results


def run_target(make, args: argparse.Namespace) -> dict[str, Any]:
    target = make()
    try:
        return Run(target, args).execute()
    finally:
        target.stop()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.live_load", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--hosted",
        action="store_true",
        help="the hosted service: --meetings 20 --tables 5 --screens 1 --cluster --processes 1,1q,2,3 "
        "--no-bare --no-saturation --ramp-steps 0 (explicit options still win)",
    )
    parser.add_argument("--tables", type=int, default=100, help="tables per meeting")
    parser.add_argument("--meetings", type=int, default=1, help="meetings side by side (app targets only)")
    parser.add_argument(
        "--no-meeting-key",
        dest="meeting_key",
        action="store_false",
        help="connect without ?meeting=<slug> (nginx then spreads a meeting over the processes)",
    )
    parser.add_argument("--clients-per-table", type=int, default=9, help="one rapporteur + participants")
    parser.add_argument("--screens", type=int, default=10, help="screens per meeting")
    parser.add_argument("--adders-per-table", type=int, default=3, help="participants adding entries")
    parser.add_argument(
        "--entry-interval", type=float, default=2.0, help="seconds between one adder's entries"
    )
    parser.add_argument(
        "--typists-per-table", type=int, default=1, help="rapporteurs typing the report (0 or 1)"
    )
    parser.add_argument("--report-interval", type=float, default=1.0, help="seconds between report sends")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of the main phase")
    parser.add_argument(
        "--ramp-steps", type=int, default=4, help="connect the tables in this many steps (0: at once)"
    )
    parser.add_argument(
        "--step-seconds", type=float, default=5.0, help="seconds of each ramp/saturation step"
    )
    parser.add_argument(
        "--drain-seconds", type=float, default=10.0, help="max wait for stragglers after a step"
    )
    parser.add_argument(
        "--recover-seconds", type=float, default=60.0, help="max extra wait after an overloaded step"
    )
    parser.add_argument("--no-saturation", dest="saturation", action="store_false")
    parser.add_argument(
        "--sat-start", type=float, default=1 / 16, help="first saturation step, x the nominal rate"
    )
    parser.add_argument(
        "--warmup", type=float, default=5.0, help="seconds at the first saturation rate first, not counted"
    )
    parser.add_argument("--sat-steps", type=int, default=8, help="at most this many doublings")
    parser.add_argument(
        "--sat-refine",
        type=int,
        default=2,
        help="then this many steps between the last rate within the limit and the first past it",
    )
    parser.add_argument(
        "--p95-limit", type=float, default=100.0, help="ms; saturation is where p95 passes it"
    )
    parser.add_argument(
        "--cluster", action="store_true", help="2 processes + PostgreSQL + Redis behind nginx"
    )
    parser.add_argument(
        "--processes",
        default="2",
        help="with --cluster, a comma list of targets run one after the other: N app processes "
        "(with Redis when N > 1), or Nq (with Redis also for 1), e.g. 1,1q,2,3",
    )
    parser.add_argument(
        "--same-rate",
        action="store_true",
        help="with --cluster: for each N > 1 in --processes, also one process without Redis carrying "
        "1/N of the meetings (the rate each of the N carries), to compare N processes with",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="with --cluster: run the targets this many times in turn and print each ratio's median "
        "over the rounds (each ratio taken within its round)",
    )
    parser.add_argument("--no-bare", dest="bare", action="store_false", help="skip the bare server")
    parser.add_argument("--no-app", dest="app", action="store_false", help="skip the app (bare server only)")
    parser.add_argument("--connect-concurrency", type=int, default=50)
    parser.add_argument(
        "--client",
        choices=["lean", "python-socketio"],
        default="lean",
        help="benchmarks/sioclient.py (default) or python-socketio's client (more CPU per message)",
    )
    parser.add_argument(
        "--voters-per-table",
        type=int,
        default=0,
        help="participants per table casting dot-vote ballots in the main phase (app only; 0: none)",
    )
    parser.add_argument(
        "--vote-interval", type=float, default=2.0, help="seconds between one voter's ballots"
    )
    parser.add_argument("--json", type=Path, default=None, help="write every number to this file")
    parser.add_argument("--plot", type=Path, default=None, help="write clients-vs-p95 as SVG to this file")
    args = parser.parse_args(argv)
    if args.hosted:
        parser.set_defaults(
            meetings=20,
            tables=5,
            screens=1,
            cluster=True,
            processes="1,1q,2,3",
            same_rate=True,
            bare=False,
            saturation=False,
        )
        parser.set_defaults(ramp_steps=0)
        args = parser.parse_args(argv)
    args.typists_per_table = min(1, args.typists_per_table)
    if args.meetings > 1:
        args.bare = False  # the bare server has one meeting's rooms
        if args.voters_per_table:
            parser.error("--voters-per-table: one meeting only (the vote is the first meeting's)")
    # (processes, with Redis, share): share N > 1 is one process with 1/N of the meetings (--same-rate)
    clusters = [(int(item.rstrip("q")), item.endswith("q"), 1) for item in args.processes.split(",")]
    if args.same_rate:
        clusters += [(1, False, n) for n in sorted({p for p, _, _ in clusters if p > 1})]

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 4 * args.meetings * (args.tables * args.clients_per_table + args.screens) + 256
    if soft < wanted:  # every client is a socket here and in the server (children inherit this)
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))

    work = Path(tempfile.mkdtemp(prefix="facilitator-live-load-"))
    command = "python -m benchmarks.live_load " + " ".join(argv)
    print(f"$ {command.strip()}")
    print(f"machine: {machine()}")
    tables = args.meetings * args.tables
    adders = tables * args.adders_per_table
    print(
        f"load: {args.meetings} meeting{'s' if args.meetings > 1 else ''} x ({args.tables} tables x "
        f"{args.clients_per_table} clients + {args.screens} screens); "
        f"{adders} adding an entry every {args.entry_interval:g} s "
        f"({adders / args.entry_interval:.0f} entries/s), "
        f"{tables * args.typists_per_table} typing (a report update every {args.report_interval:g} s, "
        f"one in flight); main {args.duration:g} s",
        flush=True,
    )
    results: dict[str, Any] = {"command": command, "machine": machine(), "args": vars(args) | {"json": None}}
    try:
        if args.bare:
            results["bare"] = run_target(lambda: BareTarget(args.tables, work), args)
        if args.app and args.cluster:
            rounds = [run_clusters(clusters, args, work) for _ in range(max(1, args.rounds))]
            results.update(rounds[0])
            if len(rounds) > 1:
                results["rounds"] = rounds
        elif args.app:
            results["app"] = run_target(lambda: AppTarget(args.tables, work, args.meetings), args)
    finally:
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(work, ignore_errors=True)
    results["machine_after"] = machine()
    print()
    apps = [key for key in results if key.startswith("app")]
    for key in ("bare", *apps):
        if key in results:
            print("\n".join(describe(results[key], args)))
    if "bare" in results and "app" in results:
        print(ratios(results["app"], results["bare"]))
    if len(apps) > 1:
        for number, each in enumerate(results.get("rounds", [results]), start=1):
            if "rounds" in results:
                print(f"round {number} of {len(results['rounds'])}:")
            print("\n".join(scaling([each[key] for key in apps])))
    if "rounds" in results:
        print("\n".join(medians(results["rounds"], apps)))
    print(f"after: {results['machine_after']}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))
    if args.plot:
        args.plot.write_text(svg_plot([results[k] for k in ("bare", "app") if k in results], args.p95_limit))
    every = [results[k] for k in ("bare", *apps) if k in results]
    every += [each[k] for each in results.get("rounds", [])[1:] for k in apps]
    failed = any(
        r["main"]["missing_on_screens"]
        or r["main"]["foreign_events"]
        or r["main"]["ack_timeouts"]
        or r["main"]["errors"]
        or r["main"].get("votes", {}).get("errors")
        or r["main"].get("votes", {}).get("timeouts")
        or r.get("votes_problem")
        or r["connect_errors"]
        for r in every
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
