"""The test harness itself: what one failing test must not do to the tests after it."""

from __future__ import annotations

import random

import socketio
from socketio import exceptions


def test_a_reconnecting_test_client_leaves_the_global_random_state_alone():
    """A client whose server went away retries in the background with a random jitter; drawn from
    the global `random`, it would fail every Hypothesis test running meanwhile (tests/conftest.py)."""
    client = socketio.Client(reconnection_delay=0.001, reconnection_delay_max=0.001, reconnection_attempts=3)
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise exceptions.ConnectionError("the server is away")

    client.connect = refuse  # type: ignore[method-assign]
    client.connection_url = "http://127.0.0.1:9"
    before = random.getstate()
    client._handle_reconnect()
    assert len(attempts) == 3  # it did retry, drawing a jitter before each attempt
    assert random.getstate() == before


def test_a_test_server_never_gets_a_port_the_browser_refuses(monkeypatch):
    """Chromium will not open 127.0.0.1:10080 (ERR_UNSAFE_PORT): a browser test whose server drew
    it failed to load its first page."""
    from deploy import cluster

    drawn = iter([10080, 6000, 10081])
    monkeypatch.setattr(cluster._ports, "randrange", lambda low, high: next(drawn))
    monkeypatch.setattr(cluster, "_ephemeral_range", lambda: (32768, 60999))
    assert cluster.free_port() == 10081
