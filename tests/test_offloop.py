"""The garbage collector held back while a meeting loads (offloop.collection_deferred)."""

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
