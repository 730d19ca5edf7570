"""Fixtures: app, client, runner; a throwaway PostgreSQL; factories for meetings."""

from __future__ import annotations

import functools
import os
import random
import re
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from socketio import client as socketio_client

from deploy.cluster import free_port, wait_for_health, wait_for_port
from facilitator import TestingConfig, create_app
from facilitator.database import ensure_schema

REPO = Path(__file__).resolve().parent.parent

# Fuzzing (tests/test_fuzz_*.py): `ci` keeps `make test` to a few minutes, `long` is `make fuzz`.
# Every fuzz test shares one app across its examples (a function-scoped fixture), on purpose.
_FUZZ = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}
settings.register_profile("ci", database=None, derandomize=True, **_FUZZ)
settings.register_profile("long", max_examples=20_000, **_FUZZ)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
# A Socket.IO test client that lost its server reconnects in a background thread, drawing its
# jitter from the global `random`; Hypothesis fails any test during whose generation the global
# random state moves ("Do not use the random module inside strategies"). So one timed-out client
# would fail every fuzz test after it: the clients' jitter comes from their own generator.
socketio_client.random = random.Random()  # type: ignore[attr-defined]
SESSIONS = REPO / "sessions"
ROUNDS_FILE = SESSIONS / "ser-raad-2023-01-27-rondes.toml"  # the demo as a three-round meeting
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


# pytest-xdist (`make test` runs the suite on WORKERS processes, then the ALONE modules by themselves):
# what measures time or load (a stall probe, failover within nginx's fail_timeout, the soak and bench
# short forms, two processes under concurrent writers) runs alone after the parallel pass. In the
# parallel pass a worker takes a unit of work at a time (xdist_scope): all the browser tests (tests/e2e)
# are one unit (one Chromium at a time), so are the other multi-process crash and cluster tests (never
# two clusters at once), and so is each module with a module-scoped fixture (an export, a server
# process: made once); any other test is a unit by itself. (xdist's own --dist loadgroup cannot do
# this under pytest 9.2: it renames item._nodeid, which pytest no longer reads.)
ALONE = {"test_server_stall", "test_cluster_failover", "test_soak", "test_scale_out", "test_bench_live"}
SERVERS = {
    "test_cluster",
    "test_live_crash",
    "test_votes_crash",
    "test_live_db_restart",
    "test_live_executor_server",
}


@pytest.hookimpl(tryfirst=True)  # before -m deselects
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.stem in ALONE:
            item.add_marker(pytest.mark.alone)


@functools.cache
def has_module_fixture(path: str) -> bool:
    return 'scope="module"' in (REPO / path).read_text(encoding="utf-8")


def xdist_scope(nodeid: str) -> str:
    """The unit of work a test belongs to in the parallel pass (tests that share one run in turn)."""
    path = nodeid.split("::", 1)[0]
    if path.startswith("tests/e2e/"):
        return "browser"
    if Path(path).stem in SERVERS:
        return "servers"
    return path if has_module_fixture(path) else nodeid


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist: unknown when it is not loaded
def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class Units(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return xdist_scope(nodeid)

    return Units(config, log)


class PostgresServer:
    """A throwaway PostgreSQL cluster on a free loopback port, run as the postgres user."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="facilitator-pg-"))
        self.port = free_port()
        self.data = self.dir / "data"

    def _as_postgres(self, *args: str) -> list[str]:
        if os.geteuid() == 0:
            return ["runuser", "-u", "postgres", "--", *args]
        return list(args)

    def start(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        subprocess.run(
            self._as_postgres(
                str(PG_BIN / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ),
            check=True,
            capture_output=True,
        )
        self.resume()

    def resume(self) -> None:
        """Start the server (again, after ``halt``) on the same port and data."""
        subprocess.run(
            self._as_postgres(
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(self.data),
                "-w",
                "-l",
                str(self.dir / "log"),
                "-o",
                f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off",
                "start",
            ),
            check=True,
            capture_output=True,
        )

    def halt(self) -> None:
        """Stop the server as an operator's restart does (``-m fast``: open connections are cut)."""
        subprocess.run(
            self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-w", "-m", "fast", "stop"),
            check=True,
            capture_output=True,
        )

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname}"

    def create_database(self) -> str:
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres", autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        subprocess.run(
            self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"),
            capture_output=True,
        )
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres():
    """The session's PostgreSQL server (started on first use)."""
    if not (PG_BIN / "initdb").exists():
        pytest.fail(f"PostgreSQL binaries not found in {PG_BIN}; .ci/run installs postgresql-15")
    server = PostgresServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def database_url(tmp_path) -> str:
    """SQLite in a file (WAL needs a file); modules override this to run on both databases."""
    return f"sqlite:///{tmp_path / 'test.db'}"


def need_cluster_binaries() -> None:
    """Fail (not skip) when what deploy/cluster.py starts is missing: .ci/run installs it."""
    for need in ("nginx", "redis-server"):
        if shutil.which(need) is None and not (need == "nginx" and shutil.which("/usr/sbin/nginx")):
            pytest.fail(f"{need} is not installed; .ci/run installs it")
    if not (PG_BIN / "initdb").exists():
        pytest.fail(f"PostgreSQL binaries not found in {PG_BIN}; .ci/run installs postgresql-15")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def both_database_url(request, tmp_path) -> str:
    """Each test twice: on SQLite and on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return request.getfixturevalue("postgres").create_database()


@pytest.fixture
def app(database_url):
    """A fresh app with its schema made by the migrations."""
    from facilitator.live import protocol

    protocol._templates.clear()  # a new database reuses meeting ids: no template of the last test's
    app = create_app(TestingConfig(database_url))
    with app.app_context():
        ensure_schema()
    yield app
    with app.app_context():
        from facilitator.extensions import db

        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    """A test client for the app."""
    return app.test_client()


@pytest.fixture
def ctx(app):
    """An application context for the test body."""
    with app.app_context():
        yield app


@pytest.fixture
def runner(app):
    """A runner for the app's CLI commands."""
    return app.test_cli_runner()


@pytest.fixture
def import_session(app):
    """Factory: import a session file (a path or TOML text) and return the meeting's slug."""
    from facilitator import operations, sessionfile

    def _import(source: str | Path = SESSIONS / "ser-raad-2023-01-27.toml") -> str:
        raw = Path(source).read_bytes() if isinstance(source, Path) else source.encode()
        with app.app_context():
            return operations.import_meeting(sessionfile.loads(raw)).slug

    return _import


@pytest.fixture
def rounds_links(app, import_session) -> dict:
    """The three-round demo imported: its links JSON (http://x) and its slug."""
    from facilitator import operations

    slug = import_session(ROUNDS_FILE)
    with app.app_context():
        return operations.links(operations.get_meeting(slug), "http://x") | {"slug": slug}


@pytest.fixture
def ser(import_session) -> str:
    """The SER meeting of 27 January 2023 with its reports and entries; its slug."""
    return import_session(SESSIONS / "ser-raad-2023-01-27.toml")


@pytest.fixture
def meeting_links(app, import_session):
    """The demo meeting imported; its links JSON (tokens for every role)."""
    from facilitator import operations

    slug = import_session()
    with app.app_context():
        meeting = operations.get_meeting(slug)
        # the minute-taker's link is not in the links JSON; the tests find it here too
        return {
            **operations.links(meeting, "http://x"),
            "minutes": operations.link_pair(meeting, "http://x", "minutes"),
        }


@pytest.fixture
def connect(app, meeting_links):
    """Factory: a Flask-SocketIO test client on /live for a role (and table), connected."""
    from facilitator.extensions import socketio

    clients = []

    def _connect(role: str, table: int | str = 1, author: str | None = None, lang: str | None = None):
        if role in ("screen", "chair", "minutes"):
            token = meeting_links[role]["token"]
        else:
            token = meeting_links["tables"][str(table)][role]["token"]
        auth = {"token": token} if author is None else {"token": token, "author": author}
        # ``lang``: the page's language, as ?lang= sets it (the connection's refusals are in it)
        query = f"lang={lang}" if lang else None
        client = socketio.test_client(app, namespace="/live", auth=auth, query_string=query)
        assert client.is_connected("/live")
        clients.append(client)
        return client

    yield _connect
    for client in clients:
        if client.is_connected("/live"):
            client.disconnect("/live")


class ServerEventCheck:
    """Every server event a test sees, checked against protocol.SERVER_EVENTS (name and payload shape)."""

    def __init__(self) -> None:
        self.violations: list[str] = []
        self.seen: set[str] = set()

    def event(self, name: str, data: object, where: str) -> None:
        from facilitator.live.protocol import SERVER_EVENTS

        self.seen.add(name)
        if name not in SERVER_EVENTS:
            self.violations.append(f"{where}: undeclared server event {name!r}")
            return
        for problem in SERVER_EVENTS[name].problems(data):
            self.violations.append(f"{where}: {name}: {problem}")

    def ack(self, ack: object, where: str) -> None:
        """A `sync` answer carries server events (or a snapshot) too."""
        if isinstance(ack, dict):
            for item in ack.get("events") or []:
                self.event(item.get("event"), item.get("data"), where)
            if "snapshot" in ack:
                self.event("snapshot", ack["snapshot"], where)


@pytest.fixture(autouse=True)
def server_events(monkeypatch):
    """Applied to every test: each server event emitted in this process, or received by a test client
    (the Flask-SocketIO test client, or a python-socketio client of a server process), must be declared
    in protocol.SERVER_EVENTS with exactly its keys; the test fails otherwise."""
    import socketio as python_socketio
    from flask_socketio.test_client import SocketIOTestClient

    from facilitator.live import broadcast

    check = ServerEventCheck()
    emit, get_received = broadcast.send, SocketIOTestClient.get_received
    emit_from_test_client = SocketIOTestClient.emit
    receive, call = python_socketio.SimpleClient.receive, python_socketio.SimpleClient.call

    def checked_send(name, data, to):
        check.event(name, data, "broadcast.send")
        return emit(name, data, to)

    def checked_get_received(self, namespace=None):
        messages = get_received(self, namespace)
        for message in messages:
            check.event(message["name"], message["args"][0] if message["args"] else None, "test client")
        return messages

    def checked_emit(self, *args, **kwargs):
        answer = emit_from_test_client(self, *args, **kwargs)
        check.ack(answer, "acknowledgement")
        return answer

    def checked_receive(self, *args, **kwargs):
        name, *data = receive(self, *args, **kwargs)
        check.event(name, data[0] if data else None, "socketio client")
        return [name, *data]

    def checked_call(self, *args, **kwargs):
        answer = call(self, *args, **kwargs)
        check.ack(answer, "acknowledgement")
        return answer

    monkeypatch.setattr(broadcast, "send", checked_send)
    monkeypatch.setattr(SocketIOTestClient, "get_received", checked_get_received)
    monkeypatch.setattr(SocketIOTestClient, "emit", checked_emit)
    monkeypatch.setattr(python_socketio.SimpleClient, "receive", checked_receive)
    monkeypatch.setattr(python_socketio.SimpleClient, "call", checked_call)
    yield check
    assert not check.violations, "server events that protocol.SERVER_EVENTS does not declare:\n" + "\n".join(
        check.violations
    )


@pytest.fixture
def make_user(app):
    """Factory: create an account (an administrator unless ``role`` says otherwise); (name, password)."""
    from facilitator import operations

    def _make(
        name: str = "secretaris", password: str = "geheim-wachtwoord-1", role: str = "administrator"
    ) -> tuple[str, str]:
        with app.app_context():
            operations.create_user(name, password, role)
        return name, password

    return _make


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_token(client, url: str = "/secretariaat/inloggen") -> str:
    """The CSRF token a page carries (CSRF stays on in tests, as in production)."""
    match = CSRF_RE.search(client.get(url).get_data(as_text=True))
    assert match, f"no CSRF token on {url}"
    return match.group(1) or match.group(2)


@pytest.fixture
def logged_in(client, make_user):
    """A test client logged in through the login form as a secretariat member."""
    name, password = make_user()
    response = client.post(
        "/secretariaat/inloggen",
        data={"name": name, "password": password, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 302, response.data
    return client


@pytest.fixture
def post_form(logged_in):
    """POST as a browser does: with the session's CSRF token added."""
    token = csrf_token(logged_in, "/secretariaat/")

    def _post(url: str, data: dict | None = None, **kwargs):
        return logged_in.post(url, data={**(data or {}), "csrf_token": token}, **kwargs)

    return _post


class LiveServer:
    """`python -m facilitator` in a child process on a free port, with its own database."""

    def __init__(self, tmp_path: Path, database_url: str | None = None, extra_env: dict | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url or f"sqlite:///{tmp_path / 'live.db'}",
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "PUBLIC_URL": self.url,
            "SECRET_KEY": "live-test-secret",
            "FACILITATOR_INSTANCE": str(tmp_path / "instance"),
            **(extra_env or {}),
        }
        self.log_path = tmp_path / f"server-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def flask(self, *args: str) -> subprocess.CompletedProcess:
        """Run a `flask --app wsgi …` command against this server's database."""
        return subprocess.run(
            [str(REPO / ".venv/bin/flask"), "--app", "wsgi", *args],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )

    def import_session(self, path: Path = SESSIONS / "ser-raad-2023-01-27.toml") -> dict:
        """Import a session file; return its links JSON."""
        import json

        return json.loads(self.flask("session", "import", str(path)).stdout)

    def start(self) -> LiveServer:
        with open(self.log_path, "ab") as log:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(
                [str(REPO / ".venv/bin/python"), "-m", "facilitator"],
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:  # a busy machine (CI beside other work) may take a while; a dead server fails at once
            wait_for_port(self.port, 90, self.process)
            wait_for_health(self.url, 60, self.process)  # and it handles a request
        except (RuntimeError, TimeoutError, OSError) as exc:
            tail = self.log_path.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"the test server did not start: {exc}\n{tail}") from exc
        return self

    def log_tail(self, size: int = 3000) -> str:
        """The end of the server's log (shown with a failed test's output)."""
        try:
            return self.log_path.read_text(errors="replace")[-size:]
        except OSError:
            return ""

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush — what a crash looks like."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


@pytest.fixture
def live_server(tmp_path):
    """Factory-like fixture: a server not yet started (import first, then .start())."""
    servers: list[LiveServer] = []

    def _make(**kwargs) -> LiveServer:
        server = LiveServer(tmp_path, **kwargs)
        servers.append(server)
        return server

    yield _make
    for server in servers:
        server.stop()
        # pytest shows this only for a test that failed: what each server said
        print(f"--- the server at {server.url}, its log's end ---\n{server.log_tail()}")


@pytest.fixture
def restartable_postgres():
    """A PostgreSQL server of the test's own, which it may stop and start again (``halt``, ``resume``)."""
    if not (PG_BIN / "initdb").exists():
        pytest.fail(f"PostgreSQL binaries not found in {PG_BIN}; .ci/run installs postgresql-15")
    server = PostgresServer()
    server.start()
    yield server
    server.stop()
