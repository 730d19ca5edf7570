"""`make soak`: the fault soak — nothing acknowledged is lost or doubled across crashes.

Real Socket.IO clients (benchmarks/sioclient.py, on gevent) follow the resend rule of
docs/protocol.md while the server is SIGKILLed at random moments and restarted:

- per table a rapporteur (entry:add, entry:update, entry:delete, and report typing: its own
  pycrdt document, whose incremental updates go out as `report:update`) and a participant
  (entry:add); every change carries a client op id (and the client's entry id);
- one change in flight per client, kept until it is acknowledged `ok`. On `unavailable`,
  `rate_limited`, a timeout or a disconnect it is sent again after a backoff with the same
  op id (reconnecting first when needed). Any other refusal is a failure of the soak: its
  payloads are all valid. An `invalid` answer to a resend, or `invalid` carrying the
  server-failure sentence, is kept apart as a finding;
- the server (single mode: one `python -m facilitator` on SQLite; `--cluster`: two app
  processes behind nginx on PostgreSQL + Redis, deploy/cluster.py) is SIGKILLed at random
  moments and restarted; on the cluster PostgreSQL (`pg_ctl -m immediate`: a crash) and
  Redis are restarted too.

When the changes are in and every fault is done, the clients drain their last changes
(no more faults), then the soak reads the database with SQLAlchemy and checks: every
acknowledged op is logged exactly once with the seq it was acknowledged with (a resend is
answered as the first time), no op was applied that no client had acknowledged, seq is
strictly increasing without duplicates, every entry exists exactly once with its last
acknowledged text and deleted state, no entry that was never sent, and each table's report
equals the text of its rapporteur's document. It prints a summary (and `--json`).

    .venv/bin/python -m benchmarks.soak                                  # SQLite, >= 5,000 changes, 10 kills
    .venv/bin/python -m benchmarks.soak --cluster                        # + PostgreSQL and Redis restarts
    .venv/bin/python -m benchmarks.soak --tables 3 --changes 300 --kills 3 --duration 20  # the test

Everything is on 127.0.0.1; every loop is bounded in count and in time (--max-seconds).
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import base64  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections import Counter  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import gevent  # noqa: E402
from gevent.event import AsyncResult, Event  # noqa: E402
from pycrdt import Doc, Text  # noqa: E402

from benchmarks.live import free_port, wait_for  # noqa: E402
from benchmarks.meetings import generated_meeting  # noqa: E402
from benchmarks.sioclient import LeanClient  # noqa: E402
from facilitator import sessionfile  # noqa: E402
from facilitator.live.errors import MESSAGES  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
NAMESPACE = "/live"
RETRYABLE = ("unavailable", "rate_limited")
ACK_TIMEOUT = 10.0
now = time.monotonic

DISCONNECTED = object()
TIMED_OUT = object()


def meeting_file(tables: int, work: Path) -> Path:
    """A generated meeting with empty tables (no entries, no report): everything in it is the soak's."""
    data = generated_meeting(tables)
    for table in data.tables:
        table.entries = []
        table.report = ""
    path = work / "meeting.toml"
    path.write_text(sessionfile.dumps(data))
    return path


# -- the servers ------------------------------------------------------------------------------


@dataclass
class Fault:
    kind: str  # "app", "postgres", "redis"
    at: float  # seconds since the start
    down: float  # seconds until it was serving again (wait_for_port)


class SingleTarget:
    """One `python -m facilitator` on a SQLite file (synchronous=FULL), killed and restarted."""

    name = "1 process, SQLite"
    fault_kinds = ("app",)

    def __init__(self, tables: int, work: Path) -> None:
        self.work = work
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = f"sqlite:///{work / 'soak.db'}"
        self.env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "PUBLIC_URL": self.url,
            "SECRET_KEY": "soak",
            "FACILITATOR_INSTANCE": str(work / "instance"),
            "ANNEX_PRESTART": "0",
            # the soak tests durability, not the per-link budget (a participant here adds far
            # more than a person can type in ten minutes)
            "STORAGE_BUDGET_FACTOR": "100",
        }
        imported = subprocess.run(
            [
                sys.executable,
                "-m",
                "flask",
                "--app",
                "wsgi",
                "session",
                "import",
                str(meeting_file(tables, work)),
            ],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        self.links = json.loads(imported.stdout)
        self.process: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        with open(self.work / "app.log", "ab") as log:  # the child keeps its own descriptor
            self.process = subprocess.Popen(
                [sys.executable, "-m", "facilitator"],
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for(self.port, 60)

    def fault(self, kind: str, rng: random.Random) -> None:
        """SIGKILL (no shutdown, no flush), a moment down, start again."""
        self.process.kill()
        self.process.wait(10)
        gevent.sleep(rng.uniform(0, 0.5))
        self.start()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


class ClusterTarget:
    """deploy/cluster.py: 2 app processes behind nginx, PostgreSQL, Redis; any of them crashed."""

    fault_kinds = ("app", "postgres", "redis")

    def __init__(self, tables: int, work: Path, processes: int) -> None:
        from deploy.cluster import Cluster

        self.name = f"cluster ({processes} processes, PostgreSQL, Redis, nginx)"
        self.cluster = Cluster(
            processes=processes, extra_env={"ANNEX_PRESTART": "0", "STORAGE_BUDGET_FACTOR": "100"}
        )
        self.url = self.cluster.url
        self.database_url = self.cluster.database_url
        try:
            self.cluster.start_services()
            self.links = json.loads(
                self.cluster.flask("session", "import", str(meeting_file(tables, work))).stdout
            )
            self.cluster.start_apps()
            self.cluster.start_proxy()
        except BaseException:
            self.cluster.stop()
            raise

    def fault(self, kind: str, rng: random.Random) -> None:
        c = self.cluster
        if kind == "app":
            number = rng.randrange(len(c.apps))
            c.apps[number].kill()
            c.apps[number].wait(10)
            gevent.sleep(rng.uniform(0, 0.5))
            port = c.app_ports[number]
            with open(c.app_log(number + 1), "ab") as log:
                c.apps[number] = subprocess.Popen(
                    [sys.executable, "-m", "facilitator"],
                    cwd=REPO,
                    env=c.env(port),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            wait_for(port, 60)
        elif kind == "postgres":
            data = str(c.dir / "postgres" / "data")
            subprocess.run(
                c._as_postgres(str(PG_BIN / "pg_ctl"), "-D", data, "-m", "immediate", "stop"),
                capture_output=True,
                check=True,
            )
            gevent.sleep(rng.uniform(0.2, 1.0))
            subprocess.run(
                c._as_postgres(
                    *(str(PG_BIN / "pg_ctl"), "-D", data, "-w", "-l", str(c.dir / "postgres" / "log")),
                    # the options deploy/cluster.py started it with (pg_ctl start does not remember them)
                    "-o",
                    f"-p {c.pg_port} -k {c.dir / 'postgres'} -c listen_addresses=127.0.0.1"
                    " -c max_connections=200",
                    "start",
                ),
                capture_output=True,
                check=True,
                timeout=60,
            )
        elif kind == "redis":
            c.redis.kill()
            c.redis.wait(10)
            gevent.sleep(rng.uniform(0.2, 1.0))
            c.redis = subprocess.Popen(
                [
                    "redis-server",
                    *("--port", str(c.redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"),
                    *("--dir", str(c.dir)),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            wait_for(c.redis_port, 20)

    def stop(self) -> None:
        self.cluster.stop()


PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


# -- the clients ------------------------------------------------------------------------------


@dataclass
class Op:
    """One change, kept by its client until it is acknowledged ok (or refused)."""

    event: str
    payload: dict[str, Any]
    client: str
    table: int
    entry_id: str | None = None
    first_sent: float | None = None
    attempts: int = 0
    acked_at: float | None = None
    ack: dict[str, Any] | None = None
    ok_acks: list[dict[str, Any]] = field(default_factory=list)  # every ok answer, resends included
    refused: dict[str, Any] | None = None

    @property
    def op_id(self) -> str:
        return self.payload["op"]


@dataclass
class EntryModel:
    """What the client knows acknowledged about one of its entries."""

    text: str
    deleted: bool = False


class SoakClient:
    """A rapporteur or participant of one table, following the resend rule."""

    def __init__(self, soak: "Soak", role: str, table: int, token: str, seed: int) -> None:
        self.soak = soak
        self.role = role
        self.table = table
        self.token = token
        self.name = f"{role[0]}{table}"
        self.rng = random.Random(seed)
        self.conn: LeanClient | None = None
        self.waiting: AsyncResult | None = None
        self.entries: dict[str, EntryModel] = {}  # acknowledged state of this client's entries
        self.pending: Op | None = None
        self.counter = 0
        self.snapshot_seq = 0  # the meeting's seq in the last snapshot
        self.doc = Doc() if role == "rapporteur" else None
        self.text = self.doc.get("report", type=Text) if self.doc is not None else None
        self.sent_state = self.doc.get_state() if self.doc is not None else b""
        self.bollen = ("economisch", "sociaal", "ecologisch")
        self.horizons = ("hier-en-nu", "later", "elders")

    # connecting ------------------------------------------------------------------------------

    def connected(self) -> bool:
        """Connected now, or connect (one attempt, bounded); False after a failed attempt and its backoff."""
        if self.conn is not None and self.conn.connected:
            return True
        stats = self.soak.stats
        conn = LeanClient()
        got = Event()
        snapshot: dict[str, Any] = {}

        def on_snapshot(data: Any) -> None:
            snapshot.update(data)
            got.set()

        def on_disconnect(*_: Any) -> None:
            if self.conn is conn and self.waiting is not None:
                self.waiting.set(DISCONNECTED)

        conn.on("snapshot", on_snapshot)
        conn.on("disconnect", on_disconnect)
        try:
            # the rapporteurs connect as the pages do, with the meeting's slug (nginx sends them all to
            # the meeting's process); the participants without it, as an external client may
            # (nginx spreads them): both routes, and the message queue between them
            slug = self.soak.target.links.get("meeting") if self.role == "rapporteur" else None
            conn.connect(self.soak.target.url, NAMESPACE, {"token": self.token}, timeout=5, meeting=slug)
            if not got.wait(10):
                conn.disconnect()
                raise TimeoutError("no snapshot")
        except Exception as exc:  # refused, reset, no snapshot: the server is (re)starting
            stats["connect_failures"] += 1
            self.soak.connect_failure_reasons[f"{type(exc).__name__}: {exc}"[:80]] += 1
            gevent.sleep(self.rng.uniform(0.1, 0.5))
            return False
        if self.conn is not None:
            stats["reconnects"] += 1
        self.conn = conn
        self.snapshot_seq = snapshot.get("seq") or 0
        if self.doc is not None:  # as the browser: merge the server's state (nothing new for a single writer)
            state = (snapshot.get("tables") or [{}])[0].get("report_state")
            if state:
                self.doc.apply_update(base64.b64decode(state))
        return True

    # the changes -----------------------------------------------------------------------------

    def next_op(self) -> Op:
        self.counter += 1
        rng = self.rng
        live = [i for i, e in self.entries.items() if not e.deleted]
        pick = rng.random()
        if self.role == "rapporteur" and pick < 0.35:
            return self.type_report()
        if self.role == "rapporteur" and live and pick < 0.55:
            entry_id = rng.choice(live)
            text = f"{self.name}-{self.counter} bijgewerkt: {rng.choice(WORDS)} {rng.choice(WORDS)}"
            payload = {"op": uuid.uuid4().hex, "id": entry_id, "text": text}
            if rng.random() < 0.3:
                payload["horizons"] = rng.sample(self.horizons, rng.randint(0, 2))
            return Op("entry:update", payload, self.name, self.table, entry_id)
        if self.role == "rapporteur" and live and pick < 0.62:
            entry_id = rng.choice(live)
            return Op(
                "entry:delete", {"op": uuid.uuid4().hex, "id": entry_id}, self.name, self.table, entry_id
            )
        entry_id = uuid.uuid4().hex
        payload = {
            "op": uuid.uuid4().hex,
            "id": entry_id,
            "text": f"{self.name}-{self.counter}: {rng.choice(WORDS)} en {rng.choice(WORDS)}",
            "bollen": rng.sample(self.bollen, rng.randint(1, 2)),
            "horizons": rng.sample(self.horizons, rng.randint(0, 1)),
        }
        return Op("entry:add", payload, self.name, self.table, entry_id)

    def type_report(self) -> Op:
        """Type into the own document (append, insert, or delete a few characters); send the increment."""
        rng, text = self.rng, self.text
        length = len(str(text))
        pick = rng.random()
        if pick < 0.1 and length > 40:
            start = rng.randrange(length - 10)
            del text[start : start + rng.randint(1, 8)]
        elif pick < 0.25 and length > 0:
            text.insert(rng.randrange(length), f" <{self.name}.{self.counter}>")
        else:
            text += f" {self.name}.{self.counter} {rng.choice(WORDS)}."
        update = self.doc.get_update(self.sent_state)
        self.sent_state = self.doc.get_state()
        payload = {"op": uuid.uuid4().hex, "update": base64.b64encode(update).decode()}
        return Op("report:update", payload, self.name, self.table)

    # sending ---------------------------------------------------------------------------------

    def send(self, op: Op) -> Any:
        """Send (or resend) the op on the current connection; its answer, DISCONNECTED or TIMED_OUT."""
        soak = self.soak
        op.attempts += 1
        if op.first_sent is None:
            op.first_sent = now()
        else:
            soak.stats["resends"] += 1
        answer = AsyncResult()
        self.waiting = answer
        self.conn.emit(op.event, op.payload, callback=lambda *a: answer.set(a[0] if a else None))
        try:
            return answer.get(timeout=ACK_TIMEOUT)
        except gevent.Timeout:
            return TIMED_OUT
        finally:
            self.waiting = None

    def handle(self, op: Op, answer: Any) -> bool:
        """Act on one answer; True when the op is done (acknowledged ok or refused)."""
        soak, stats = self.soak, self.soak.stats
        if answer is DISCONNECTED or answer is TIMED_OUT:
            stats["disconnected" if answer is DISCONNECTED else "timeouts"] += 1
            return False
        if isinstance(answer, dict) and answer.get("ok"):
            op.ok_acks.append(answer)
            if op.attempts > 1 and answer.get("seq", 0) <= self.snapshot_seq:
                stats["resent_but_committed"] += 1  # applied before the crash; answered from the log
            if op.ack is None:
                op.ack, op.acked_at = answer, now()
            self.apply(op)
            soak.acked.append(op)
            return True
        code = answer.get("error") if isinstance(answer, dict) else None
        if code in RETRYABLE:
            stats[code] += 1
            return False
        if code == "invalid" and answer.get("message") == MESSAGES["unavailable"]:
            # a server failure answered with `invalid` (not retryable by the contract): a finding; resent
            soak.finding(f"server failure answered `invalid` instead of `unavailable` ({op.event})", answer)
            return False
        if op.attempts > 1:
            soak.finding(f"a resend answered {code!r} ({op.event}, attempt {op.attempts})", answer)
        else:
            soak.failures.append(f"{self.name} {op.event} refused: {answer!r}"[:300])
        op.refused = answer if isinstance(answer, dict) else {"answer": repr(answer)}
        soak.refused.append(op)
        return True

    def apply(self, op: Op) -> None:
        """The acknowledged change, in the client's model of its entries."""
        if op.event == "entry:add":
            self.entries[op.entry_id] = EntryModel(op.payload["text"])
        elif op.event == "entry:update" and "text" in op.payload:
            self.entries[op.entry_id].text = op.payload["text"]
        elif op.event == "entry:delete":
            self.entries[op.entry_id].deleted = True

    def run(self) -> None:
        """Make changes until told to stop, each kept until acknowledged; bounded by the soak's deadline."""
        soak = self.soak
        while now() < soak.deadline:
            if self.pending is None:
                if soak.enough.is_set():
                    return
                self.pending = self.next_op()
            if not self.connected():
                continue
            answer = self.send(self.pending)
            if self.handle(self.pending, answer):
                self.pending = None
                gevent.sleep(
                    self.rng.uniform(0.03, 0.09)
                )  # a person typing: about 15 changes a second at most
            else:
                backoff = min(2.0, 0.1 * 2 ** min(self.pending.attempts, 5))
                gevent.sleep(backoff * self.rng.uniform(0.5, 1.5))


WORDS = (
    "bestaanszekerheid",
    "woningmarkt",
    "energietransitie",
    "brede welvaart",
    "arbeidsmarkt",
    "zorgkosten",
    "biodiversiteit",
    "leven lang ontwikkelen",
    "regionale verschillen",
    "vertrouwen in instituties",
)


# -- the run ----------------------------------------------------------------------------------


class Soak:
    def __init__(self, args: argparse.Namespace, target: Any) -> None:
        self.args = args
        self.target = target
        self.rng = random.Random(args.seed)
        self.began = now()
        self.deadline = self.began + args.max_seconds
        self.enough = Event()
        self.stats: Counter = Counter()
        self.faults: list[Fault] = []
        self.acked: list[Op] = []
        self.refused: list[Op] = []
        self.failures: list[str] = []
        self.findings: Counter = Counter()
        self.finding_examples: list[str] = []
        self.connect_failure_reasons: Counter = Counter()
        self.clients: list[SoakClient] = []

    def finding(self, what: str, answer: Any) -> None:
        self.findings[what] += 1
        if len(self.finding_examples) < 5:
            self.finding_examples.append(f"{what}: {answer!r}"[:300])

    def plan(self) -> list[str]:
        """The faults, in a random order."""
        args = self.args
        kinds = ["app"] * args.kills
        if "postgres" in self.target.fault_kinds:
            kinds += ["postgres"] * args.pg_restarts + ["redis"] * args.redis_restarts
        self.rng.shuffle(kinds)
        return kinds

    def chaos(self) -> None:
        """Each fault at a random moment: after a random time of serving (about --duration / faults)."""
        kinds = self.plan()
        mean_gap = self.args.duration / max(1, len(kinds))
        for kind in kinds:
            gevent.sleep(max(1.0, self.rng.uniform(0.4, 1.6) * mean_gap))
            if now() > self.deadline:
                return
            began = now()
            self.target.fault(kind, self.rng)
            self.faults.append(Fault(kind, began - self.began, now() - began))
            print(
                f"  {now() - self.began:6.1f} s  {kind} crashed, serving again after {now() - began:.1f} s; "
                f"{len(self.acked)} changes acknowledged so far",
                flush=True,
            )

    def run(self) -> dict[str, Any]:
        links = self.target.links["tables"]
        for n in range(1, self.args.tables + 1):
            for role in ("rapporteur", "participant"):
                self.clients.append(
                    SoakClient(self, role, n, links[str(n)][role]["token"], self.rng.random())
                )
        workers = [gevent.spawn(c.run) for c in self.clients]
        chaos = gevent.spawn(self.chaos)
        while now() < self.deadline:  # bounded: --max-seconds
            if (
                chaos.dead
                and len(self.acked) >= self.args.changes
                and now() - self.began >= self.args.duration
            ):
                break
            gevent.sleep(0.2)
        self.enough.set()
        sending = now() - self.began
        gevent.joinall(workers, timeout=max(1.0, self.deadline - now()))
        gevent.killall(workers, timeout=5)
        chaos.kill()
        stuck = [c.pending for c in self.clients if c.pending is not None]
        return self.check(sending, stuck)

    # the verdict -------------------------------------------------------------------------------

    def check(self, sending: float, stuck: list[Op]) -> dict[str, Any]:
        from sqlalchemy import create_engine, select

        from facilitator.models import Entry, Meeting, Operation, RoundTable

        engine = create_engine(self.target.database_url)
        slug = self.target.links["meeting"]
        with engine.connect() as conn:
            meeting_id, meeting_seq = conn.execute(
                select(Meeting.id, Meeting.seq).where(Meeting.slug == slug)
            ).one()
            logged = conn.execute(
                select(Operation.op_id, Operation.seq, Operation.kind, Operation.subject).where(
                    Operation.meeting_id == meeting_id
                )
            ).all()
            tables = {
                row.number: row
                for row in conn.execute(
                    select(
                        RoundTable.id, RoundTable.number, RoundTable.report, RoundTable.report_state
                    ).where(RoundTable.meeting_id == meeting_id)
                )
            }
            by_id = {table.id: number for number, table in tables.items()}
            entries = conn.execute(
                select(Entry.id, Entry.table_id, Entry.text, Entry.deleted_at).where(
                    Entry.table_id.in_(by_id)
                )
            ).all()
        engine.dispose()

        problems: list[str] = []
        acked = {op.op_id: op for op in self.acked}
        log_by_op = Counter(row.op_id for row in logged)
        seq_of = {row.op_id: row.seq for row in logged}
        # every acknowledged op logged exactly once, with its first answer's seq; resends answered the same
        missing_ops = [op for op in self.acked if op.op_id not in log_by_op]
        doubled_ops = [o for o, n in log_by_op.items() if n > 1]
        wrong_seq = [op for op in self.acked if op.op_id in seq_of and seq_of[op.op_id] != op.ack["seq"]]
        changed_answer = [op for op in self.acked if any(a != op.ok_acks[0] for a in op.ok_acks)]
        hot = ("entry:add", "entry:update", "entry:delete", "report:update")
        never_acked = [r for r in logged if r.kind in hot and r.op_id not in acked]
        seqs = [row.seq for row in logged]
        ack_seqs = [op.ack["seq"] for op in self.acked]
        seq_ok = (
            len(seqs) == len(set(seqs))
            and len(ack_seqs) == len(set(ack_seqs))
            and max(seqs, default=0) <= meeting_seq
        )
        # entries: exactly the acknowledged adds, each with its last acknowledged text and state
        model: dict[str, tuple[int, EntryModel]] = {}
        for client in self.clients:
            for entry_id, entry in client.entries.items():
                model[entry_id] = (client.table, entry)
        stored = {row.id: row for row in entries}
        missing_entries = [i for i in model if i not in stored]
        unsent_entries = [i for i in stored if i not in model]
        wrong_text = [i for i, (_, e) in model.items() if i in stored and stored[i].text != e.text]
        wrong_state = [
            i
            for i, (_, e) in model.items()
            if i in stored and (stored[i].deleted_at is not None) != e.deleted
        ]
        wrong_table = [i for i, (t, _) in model.items() if i in stored and by_id[stored[i].table_id] != t]
        text_counts = Counter(row.text for row in entries)
        doubled_texts = [t for t, n in text_counts.items() if n > 1]
        # reports: the server's text is the rapporteur's document, in the row and in its CRDT state
        report_mismatch = []
        for client in self.clients:
            if client.doc is None:
                continue
            table = tables[client.table]
            expected = str(client.text)
            state_text = ""
            if table.report_state:
                doc = Doc()
                doc.apply_update(table.report_state)
                state_text = str(doc.get("report", type=Text))
            if table.report != expected or state_text != expected:
                report_mismatch.append(client.table)
        for name, items in [
            ("acknowledged ops not in the change log", missing_ops),
            ("ops logged more than once", doubled_ops),
            ("acknowledged with another seq than logged", wrong_seq),
            ("a resend answered differently from the first time", changed_answer),
            ("ops applied that no client had acknowledged", never_acked),
            ("acknowledged entries missing", missing_entries),
            ("entries never sent", unsent_entries),
            ("entries without their last acknowledged text", wrong_text),
            ("entries with the wrong deleted state", wrong_state),
            ("entries at the wrong table", wrong_table),
            ("entry texts stored twice", doubled_texts),
            ("tables whose report differs from the rapporteur's document", report_mismatch),
            ("changes never acknowledged (stuck at the end)", stuck),
        ]:
            if items:
                problems.append(f"{name}: {len(items)}")
        if not seq_ok:
            problems.append("seq not strictly increasing / duplicated")

        # in flight across a fault: sent before the server was serving again, acknowledged after.
        # (Not "sent before the kill": a change sent in the moment between the kill and the
        # client noticing the dead socket crosses the fault just the same — with acks in a
        # few milliseconds, those are most of them.)
        ends = [self.began + f.at + f.down for f in self.faults]
        across = [
            op.acked_at - op.first_sent
            for op in self.acked
            if any(op.first_sent <= end <= op.acked_at for end in ends)
        ]
        across_by_kind: dict[str, float] = {}
        for op in self.acked:
            for fault in self.faults:
                if op.first_sent <= self.began + fault.at + fault.down <= op.acked_at:
                    took = op.acked_at - op.first_sent
                    across_by_kind[fault.kind] = max(across_by_kind.get(fault.kind, 0.0), took)
        latencies = sorted(op.acked_at - op.first_sent for op in self.acked)
        kinds = Counter(op.event for op in self.acked)
        result = {
            "target": self.target.name,
            "seed": self.args.seed,
            "tables": self.args.tables,
            "clients": len(self.clients),
            "seconds": round(now() - self.began, 1),
            "sending_seconds": round(sending, 1),
            "changes_acked": len(self.acked),
            "acked_by_kind": dict(kinds),
            "entries_stored": len(entries),
            "report_chars": {n: len(tables[n].report or "") for n in sorted(tables) if n <= self.args.tables},
            "faults": Counter(f.kind for f in self.faults),
            "fault_downtime_max_s": round(max((f.down for f in self.faults), default=0), 2),
            "resends": self.stats["resends"],
            "timeouts": self.stats["timeouts"],
            "disconnected_in_flight": self.stats["disconnected"],
            "unavailable": self.stats["unavailable"],
            "rate_limited": self.stats["rate_limited"],
            "resent_but_committed": self.stats["resent_but_committed"],
            "reconnects": self.stats["reconnects"],
            "connect_failures": self.stats["connect_failures"],
            "connect_failure_reasons": dict(self.connect_failure_reasons.most_common(5)),
            "ack_p50_ms": round(1000 * latencies[len(latencies) // 2], 1) if latencies else None,
            "ack_max_across_fault_s": round(max(across, default=0), 2),
            "changes_across_fault": len(across),
            "ack_max_across_fault_by_kind_s": {k: round(v, 2) for k, v in sorted(across_by_kind.items())},
            "duplicates": len(doubled_ops) + len(doubled_texts) + len(changed_answer),
            "missing": len(missing_ops) + len(missing_entries) + len(wrong_text) + len(wrong_state),
            "reports_equal": f"{self.args.tables - len(report_mismatch)}/{self.args.tables}",
            "refused": len(self.refused),
            "failures": self.failures[:10],
            "findings": dict(self.findings),
            "finding_examples": self.finding_examples,
            "problems": problems,
        }
        result["faults"] = dict(result["faults"])
        # data intact: nothing acknowledged lost or doubled; passed: and the protocol kept (no findings)
        result["data_intact"] = (
            not problems and not self.failures and result["changes_acked"] >= self.args.changes
        )
        result["passed"] = result["data_intact"] and not self.findings
        return result


def summary(r: dict[str, Any]) -> str:
    f = r["faults"]
    kinds = ", ".join(f"{k} {v}" for k, v in sorted(r["acked_by_kind"].items()))
    services = ""
    if "postgres" in f or "redis" in f:
        services = f", {f.get('postgres', 0)} PostgreSQL crash+restart, {f.get('redis', 0)} Redis restart"
    lines = [
        f"fault soak: {r['target']}, {r['tables']} tables, {r['clients']} clients, "
        f"seed {r['seed']}, {r['seconds']} s",
        f"  changes acknowledged   {r['changes_acked']} ({kinds})",
        f"  faults                 {f.get('app', 0)} SIGKILL+restart of an app process{services}"
        f" (longest until serving again {r['fault_downtime_max_s']} s)",
        f"  resends                {r['resends']} (after {r['disconnected_in_flight']} disconnects "
        f"in flight, {r['timeouts']} timeouts, {r['unavailable']} unavailable, "
        f"{r['rate_limited']} rate_limited); {r['reconnects']} reconnects, "
        f"{r['connect_failures']} refused connection attempts; {r['resent_but_committed']} resent "
        "changes had committed before the crash (answered from the change log)",
        f"  ack time               p50 {r['ack_p50_ms']} ms; max across a fault "
        f"{r['ack_max_across_fault_s']} s ({r['changes_across_fault']} changes in flight across one; "
        "by kind of fault: "
        + ", ".join(f"{k} {v} s" for k, v in r["ack_max_across_fault_by_kind_s"].items())
        + ")",
        f"  refused connects by reason {r['connect_failure_reasons']}",
        f"  duplicates {r['duplicates']}, missing {r['missing']}, reports equal {r['reports_equal']}, "
        f"refused {r['refused']}, entries stored {r['entries_stored']}",
    ]
    if r["findings"]:
        lines.append(f"  findings               {r['findings']}")
        lines += [f"    e.g. {e}" for e in r["finding_examples"]]
    for failure in r["failures"]:
        lines.append(f"  FAILURE {failure}")
    for problem in r["problems"]:
        lines.append(f"  PROBLEM {problem}")
    if r["passed"]:
        lines.append("  PASSED")
    elif r["data_intact"]:
        lines.append("  FAILED: the data is intact, but the protocol was broken (findings above)")
    else:
        lines.append("  FAILED")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak", description=__doc__.splitlines()[0])
    parser.add_argument("--cluster", action="store_true", help="2 app processes + PostgreSQL + Redis + nginx")
    parser.add_argument("--processes", type=int, default=2, help="app processes on the cluster (default 2)")
    parser.add_argument(
        "--tables", type=int, default=8, help="tables, each with a rapporteur and a participant"
    )
    parser.add_argument("--changes", type=int, default=5000, help="at least this many acknowledged changes")
    parser.add_argument("--kills", type=int, default=10, help="SIGKILLs of an app process (each restarted)")
    parser.add_argument("--pg-restarts", type=int, default=3, help="PostgreSQL crashes (cluster only)")
    parser.add_argument("--redis-restarts", type=int, default=3, help="Redis restarts (cluster only)")
    parser.add_argument("--duration", type=float, default=90, help="seconds over which the faults are spread")
    parser.add_argument("--max-seconds", type=float, default=600, help="hard limit of the whole run")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: a new one, printed)")
    parser.add_argument("--json", type=Path, default=None, help="write the result here as JSON")
    args = parser.parse_args(argv)
    if args.seed is None:
        args.seed = random.randrange(1_000_000)
    work = Path(tempfile.mkdtemp(prefix="facilitator-soak-"))
    print(f"Starting the {'cluster' if args.cluster else 'server'} in {work} …", flush=True)
    target = (
        ClusterTarget(args.tables, work, args.processes) if args.cluster else SingleTarget(args.tables, work)
    )
    result: dict[str, Any] = {}
    try:
        result = Soak(args, target).run()
    finally:
        if isinstance(target, ClusterTarget) and not result.get("passed"):
            target.cluster.keep = True  # its logs (app-N.log, postgres/log, nginx/) for the findings
            print(f"  cluster logs kept in {target.cluster.dir}", flush=True)
        target.stop()
    result["command"] = "python -m benchmarks.soak " + " ".join(argv)
    print(summary(result), flush=True)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    if result["passed"]:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"  logs kept in {work}", flush=True)
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
