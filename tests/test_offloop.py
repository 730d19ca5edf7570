"""Loading a meeting for an export: the garbage collector held back (offloop.collection_deferred),
the tables in parts with pauses between them (service.load_meeting_in_parts)."""

from __future__ import annotations

import gc

import pytest

from facilitator import offloop
from facilitator.export import service


@pytest.fixture(autouse=True)
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_the_collector_waits_for_the_load_and_runs_again_after_it(app, monkeypatch):
    seen = []
    original = service.meeting_to_data
    monkeypatch.setattr(service, "meeting_to_data", lambda m: seen.append(gc.isenabled()) or original(m))
    with app.app_context():
        from facilitator import operations, sessionfile
        from tests.conftest import SESSIONS

        slug = operations.import_meeting(
            sessionfile.loads((SESSIONS / "ser-raad-2023-01-27.toml").read_bytes())
        ).slug
        data = service.load_meeting_data(slug)
    assert data is not None and len(data.tables) == 6
    assert seen == [False]  # held back while the objects were made
    assert gc.isenabled()  # and on again


def test_overlapping_deferrals_turn_it_on_once_the_last_ends():
    first, second = offloop.collection_deferred(), offloop.collection_deferred()
    first.__enter__()
    second.__enter__()
    assert not gc.isenabled()
    first.__exit__(None, None, None)
    assert not gc.isenabled()  # the other greenlet's load goes on
    second.__exit__(None, None, None)
    assert gc.isenabled()


def test_a_failure_inside_still_turns_it_on():
    with pytest.raises(RuntimeError), offloop.collection_deferred():
        raise RuntimeError("the database went away")
    assert gc.isenabled()


def test_a_collector_turned_off_elsewhere_stays_off():
    gc.disable()
    with offloop.collection_deferred():
        pass
    assert not gc.isenabled()


def test_a_meeting_loaded_in_parts_is_the_same_meeting(app):
    """The annex job loads a large meeting 20 tables at a time, pausing between the parts (so the
    server's loop serves others): the same data as in one go."""
    from sqlalchemy import event

    from benchmarks.meetings import generated_meeting
    from facilitator import operations
    from facilitator.extensions import db

    pauses, statements = [], []
    with app.app_context():
        slug = operations.import_meeting(generated_meeting(45)).slug
        whole = service.load_meeting_data(slug)
        db.session.remove()
        count = lambda *args: statements.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            parts = service.load_meeting_data(slug, pause=lambda: pauses.append(gc.isenabled()))
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert service.load_meeting_data("bestaat-niet", pause=lambda: pauses.append("none")) is None
    assert whole is not None and len(whole.tables) == 45
    assert sum(len(t.entries) for t in whole.tables) > 45  # entries, people: the parts' content
    assert parts == whole
    assert pauses == [False, False, False, False]  # before each of 3 parts and after; collector held
    assert len(statements) < 30  # the parts filled the tables' people and entries: no load per table


CHAIN = """
from gevent import monkey; monkey.patch_all()
import socket, sys, time, gevent
from facilitator import offloop

pause = gevent.sleep if sys.argv[1] == "sleep0" else (lambda seconds: offloop.pause())
done, woke = [0], []
a, b = socket.socketpair()

def work():  # ten parts of 5 ms of computation, a pause after each
    for _ in range(10):
        end = time.perf_counter() + 0.005
        while time.perf_counter() < end:
            pass
        done[0] += 1
        pause(0)

def request():  # a request that is waiting in its socket when the work starts
    b.recv(1)
    woke.append(done[0])

reader = gevent.spawn(request)
gevent.sleep(0.01)
a.send(b"x")
gevent.spawn(work).join()
reader.join()
print(woke[0])
"""


@pytest.mark.parametrize("how", ["pause", "sleep0"])
def test_a_pause_lets_a_waiting_request_in_where_sleep_0_does_not(how):
    """Under the gevent server a long piece of work pauses between its parts (``offloop.pause``)
    so that a request that arrived meanwhile is served. ``gevent.sleep(0)`` does not do that:
    gevent runs the queued callbacks (the work's own resumption too) before it polls the sockets,
    so the request waited for the whole work (80–170 ms at the start of a 100-table annex job)."""
    import subprocess
    import sys

    parts_done = subprocess.run(
        [sys.executable, "-c", CHAIN, how], capture_output=True, text=True, check=True, timeout=60
    ).stdout.strip()
    if how == "pause":
        assert int(parts_done) <= 1  # served at the first pause
    else:
        assert int(parts_done) == 10  # gevent's own behaviour, which the pause is there for


def test_no_code_of_the_server_pauses_with_sleep_0():
    """A pause between parts of long work must be ``offloop.pause`` (above): a ``sleep(0)``
    anywhere in the app would hold the sockets again."""
    import ast
    from pathlib import Path

    root = Path(offloop.__file__).resolve().parent
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", getattr(node.func, "id", None)) == "sleep"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and node.args[0].value == 0
            ):
                found.append(f"{path.relative_to(root)}:{node.lineno}")
    assert found == []
