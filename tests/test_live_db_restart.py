"""PostgreSQL restarts under a real server process while a rapporteur adds entries and types in
the report: every answer is `ok` or the retryable `unavailable`, and once the client has resent
what was not saved, everything typed is on the server exactly once."""

from __future__ import annotations

import base64
import threading
import time
import tomllib
import uuid

import pytest
import socketio
from pycrdt import Doc, Text

pytestmark = pytest.mark.postgres

RETRYABLE = ("unavailable", "rate_limited")


class KeepingClient:
    """A rapporteur's client that follows the protocol's retry rule, as the browser's outbox does."""

    def __init__(self, server, token: str):
        self.server, self.token = server, token
        self.answers: list[str] = []
        self.connect()
        self.doc = Doc()
        self.doc.apply_update(base64.b64decode(self.snapshot["tables"][0]["report_state"]))
        self.text = self.doc.get("report", type=Text)

    def connect(self) -> None:
        deadline = time.monotonic() + 30
        while True:
            try:
                self.client = socketio.SimpleClient()
                self.client.connect(
                    self.server.url, namespace="/live", auth={"token": self.token}, transports=["websocket"]
                )
                name, self.snapshot = self.client.receive(timeout=10)
                assert name == "snapshot"
                return
            except (socketio.exceptions.ConnectionError, socketio.exceptions.TimeoutError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)

    def deliver(self, event: str, payload: dict) -> dict:
        """Send until acknowledged `ok`; a refusal here would be text lost."""
        delay = 0.05
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                ack = self.client.call(event, payload, timeout=10)
            except (socketio.exceptions.TimeoutError, socketio.exceptions.DisconnectedError):
                self.client.disconnect()
                self.connect()
                continue
            self.answers.append("ok" if ack["ok"] else ack["error"])
            if ack["ok"]:
                return ack
            assert ack["error"] in RETRYABLE, f"{event} refused: {ack}"
            time.sleep(delay)
            delay = min(1.0, delay * 2)
        raise AssertionError(f"{event} never saved")

    def add(self, text: str) -> dict:
        payload = {"op": str(uuid.uuid4()), "id": str(uuid.uuid4()), "text": text, "bollen": ["sociaal"]}
        return payload

    def type(self, words: str) -> dict:
        before = self.doc.get_state()
        self.text += words
        return {"op": str(uuid.uuid4()), "update": base64.b64encode(self.doc.get_update(before)).decode()}


def test_a_database_restart_loses_nothing_and_doubles_nothing(live_server, restartable_postgres):
    pg = restartable_postgres
    server = live_server(database_url=pg.create_database())
    links = server.import_session()
    server.start()
    me = KeepingClient(server, links["tables"]["2"]["rapporteur"]["token"])
    typed: list[str] = []

    for i in range(3):
        typed.append(f"Voor de herstart {i}")
        me.deliver("entry:add", me.add(typed[-1]))
        me.deliver("report:update", me.type(f" Zin {i} voor."))

    # the database goes away: the server says so (retryable), it refuses nothing
    pg.halt()
    waiting = [("entry:add", me.add("Terwijl de database weg is")), ("report:update", me.type(" Zin erbij."))]
    typed.append("Terwijl de database weg is")
    for event, payload in waiting:
        ack = me.client.call(event, payload, timeout=10)
        assert ack["ok"] is False and ack["error"] == "unavailable", ack
        assert ack["message"]
    pg.resume()
    for event, payload in waiting:  # the outbox sends them again
        me.deliver(event, payload)

    # and a restart in the middle of typing
    def restart():
        time.sleep(0.3)
        pg.halt()
        time.sleep(1.0)
        pg.resume()

    restarting = threading.Thread(target=restart)
    restarting.start()
    started = time.monotonic()
    i = 0
    while restarting.is_alive() or time.monotonic() - started < 2.5:
        typed.append(f"Tijdens de herstart {i}")
        payload = me.add(typed[-1])
        first = me.deliver("entry:add", payload)
        assert me.deliver("entry:add", payload) == first  # a resend changes nothing
        me.deliver("report:update", me.type(f" Regel {i}."))
        i += 1
    restarting.join()
    assert "unavailable" in me.answers
    me.client.disconnect()

    exported = tomllib.loads(server.flask("session", "export", links["meeting"]).stdout)
    table = next(t for t in exported["tables"] if t["number"] == 2)
    texts = [e["text"] for e in table["entries"]]
    for text in typed:
        assert texts.count(text) == 1, text
    assert table["report"] == str(me.text)
