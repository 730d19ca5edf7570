"""psycopg's waits on the gevent loop (facilitator/pgwait.py), in a monkey-patched process as
under `python -m facilitator`, against the tests' PostgreSQL: the same results as psycopg's own
wait, other greenlets served during a wait, the deadline kept, and a connection cut under a
wait fails at once with psycopg's error instead of hanging."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.postgres

REPO = Path(__file__).resolve().parent.parent

SCRIPT = r"""
from gevent import monkey; monkey.patch_all()
import json, sys, time
import gevent, psycopg
from psycopg import waiting
from facilitator import pgwait

url, mode, case = sys.argv[1], sys.argv[2], sys.argv[3]
if mode == "ours":
    pgwait.install()
out = {"wait": waiting.wait.__module__ + "." + waiting.wait.__name__}


def connect():
    return psycopg.connect(url, autocommit=True)


if case == "results":
    with connect() as conn:
        rows = conn.execute("SELECT g, repeat('x', g % 50) FROM generate_series(1, 20000) g").fetchall()
        big = "é" * 3_000_000  # a parameter larger than the socket's buffers: waits to write
        echoed = conn.execute("SELECT length(%s::text)", (big,)).fetchone()[0]
        with conn.pipeline():
            first = conn.execute("SELECT 1")
            second = conn.execute("SELECT %s::int * 2", (21,))
            conn.cursor().executemany("SELECT %s", [(i,) for i in range(50)])
        piped = [first.fetchone()[0], second.fetchone()[0]]
        try:
            conn.execute("SELECT 1/0")
        except psycopg.errors.DivisionByZero:
            failed = "division_by_zero"
        after = conn.execute("SELECT 'still usable'").fetchone()[0]
    out.update(count=len(rows), last=list(rows[-1]), echoed=echoed, piped=piped, failed=failed, after=after)

elif case == "cooperative":
    ticks = []

    def tick():
        while True:
            ticks.append(time.monotonic())
            gevent.sleep(0.01)

    ticker = gevent.spawn(tick)
    conns = [connect() for _ in range(3)]
    began = time.monotonic()
    gevent.joinall([gevent.spawn(c.execute, "SELECT pg_sleep(0.4)") for c in conns], raise_error=True)
    out["seconds"] = time.monotonic() - began
    ticker.kill()
    out["ticks"] = sum(1 for t in ticks if t >= began)
    for c in conns:
        c.close()

elif case == "deadline":
    with connect() as conn:
        began = time.monotonic()
        got = list(conn.notifies(timeout=0.3))
        out["seconds"] = time.monotonic() - began
        out["notifies"] = len(got)
        conn.execute("LISTEN ping")
        with connect() as other:
            gevent.spawn_later(0.1, other.execute, "NOTIFY ping, 'hallo'")
            got = [n.payload for n in conn.notifies(timeout=2, stop_after=1)]
        out["payloads"] = got

elif case == "terminated":
    with connect() as killer, connect() as victim:
        pid = victim.info.backend_pid
        gevent.spawn_later(0.3, killer.execute, "SELECT pg_terminate_backend(%s)", (pid,))
        began = time.monotonic()
        try:
            victim.execute("SELECT pg_sleep(20)")
            out["error"] = None
        except psycopg.OperationalError as exc:  # AdminShutdown, a subclass
            out["error"] = type(exc).__name__
        out["seconds"] = time.monotonic() - began
        out["closed"] = victim.closed or victim.broken

elif case == "closed_under":
    conn = connect()
    gevent.spawn_later(0.3, conn.pgconn.finish)  # the socket closed in this process meanwhile
    began = time.monotonic()
    try:
        conn.execute("SELECT pg_sleep(20)")
        out["error"] = None
    except psycopg.OperationalError as exc:
        out["error"] = type(exc).__name__
    out["seconds"] = time.monotonic() - began

print(json.dumps(out))
"""


def _run(url: str, mode: str, case: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, url, mode, case],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def url(postgres) -> str:
    return postgres.url().replace("postgresql+psycopg://", "postgresql://")


def test_it_is_what_psycopg_uses_once_installed(url):
    assert _run(url, "ours", "deadline")["wait"] == "facilitator.pgwait.wait"
    assert _run(url, "psycopg", "deadline")["wait"] == "psycopg.waiting.wait_poll"  # gevent's poll


def test_the_same_results_as_psycopgs_own_wait(url):
    ours, theirs = _run(url, "ours", "results"), _run(url, "psycopg", "results")
    assert ours.pop("wait") != theirs.pop("wait")
    assert ours == theirs
    assert ours["count"] == 20000 and ours["echoed"] == 3_000_000 and ours["piped"] == [1, 42]
    assert ours["failed"] == "division_by_zero" and ours["after"] == "still usable"


def test_other_greenlets_run_while_queries_wait(url):
    result = _run(url, "ours", "cooperative")
    assert result["seconds"] < 1.0  # three 0.4 s sleeps side by side, not one after the other (1.2 s)
    assert result["ticks"] >= 15  # a 10 ms ticker kept running throughout


def test_a_timeout_is_kept_and_a_notification_wakes_the_wait(url):
    result = _run(url, "ours", "deadline")
    assert result["notifies"] == 0 and 0.25 <= result["seconds"] < 1.5
    assert result["payloads"] == ["hallo"]


@pytest.mark.parametrize("case", ["terminated", "closed_under"])
def test_a_connection_cut_under_a_wait_fails_at_once_as_with_psycopgs_wait(url, case):
    """The server ends the backend (a crash, a restart), or the socket is closed in this process
    meanwhile: the query fails with psycopg's own error class, in well under its 20 s."""
    ours, theirs = _run(url, "ours", case), _run(url, "psycopg", case)
    assert ours["error"] == theirs["error"] and ours["error"] is not None
    assert ours.get("closed") == theirs.get("closed")
    assert ours["seconds"] < 5 and theirs["seconds"] < 5
