"""Failures keep the text: a failure of the server itself is a retryable `unavailable`, never a
refusal; a resend after recovery is applied exactly once; a report update that builds on what
the server lacks is refused `out_of_sync` and the client's resync brings the text; a report
document is one Y.Text, capped in bytes."""

from __future__ import annotations

import base64
import re
import sqlite3
import uuid

import pytest
from pycrdt import Doc, Map, Text
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from facilitator.extensions import db
from facilitator.live import errors
from facilitator.models import Entry, Meeting, Operation
from facilitator.rules import LIMITS

from .test_live_protocol import DOCS, add_payload, received, send

NS = "/live"


def uid() -> str:
    return str(uuid.uuid4())


class FailingDatabase:
    """Make every statement that matches ``pattern`` fail as a database (or a bug) would."""

    def __init__(self, app, pattern: str, error: type[Exception]):
        self.app, self.pattern, self.error = app, re.compile(pattern, re.I), error
        self.failures = 0

    def __enter__(self):
        with self.app.app_context():
            self.engine = db.engine
        event.listen(self.engine, "before_cursor_execute", self.fail)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self.fail)

    def fail(self, conn, cursor, statement, parameters, context, executemany):
        if not self.pattern.search(statement):
            return
        self.failures += 1
        if self.error is OperationalError:
            raise OperationalError(
                statement, parameters, sqlite3.OperationalError("server closed the connection")
            )
        raise self.error("unexpected")


def counts(app) -> tuple[int, int, int]:
    with app.app_context():
        meeting = db.session.query(Meeting).one()
        return db.session.query(Entry).count(), db.session.query(Operation).count(), meeting.seq


# --- a failure of the server itself ------------------------------------------------------------


@pytest.mark.parametrize("error", [OperationalError, RuntimeError, KeyError])
@pytest.mark.parametrize(
    "where",
    [
        r"^\s*INSERT INTO operation\b",  # the commit of the change itself
        r"\bFROM access_token\b",  # the token check before any change
    ],
)
def test_a_server_failure_is_unavailable_and_the_resend_is_applied_once(app, connect, where, error):
    client = connect("rapporteur", "1")
    before = counts(app)
    payload = add_payload(text="Tijdens de storing getypt")
    with FailingDatabase(app, where, error) as failing:
        ack = send(client, "entry:add", payload)
        again = send(client, "entry:add", payload)  # a client resending while it lasts
    assert failing.failures >= 2
    for answer in (ack, again):
        assert answer["ok"] is False and answer["error"] == "unavailable", answer
        assert answer["error"] not in errors.REFUSALS and answer["message"] == errors.MESSAGES["unavailable"]
    assert counts(app) == before, "nothing written"

    # the server recovers; the client's outbox sends the same op again: applied once
    first = send(client, "entry:add", payload)
    assert first["ok"], first
    assert send(client, "entry:add", payload) == first
    entries, operations, seq = counts(app)
    assert (entries, operations, seq) == (before[0] + 1, before[1] + 1, before[2] + 1)
    with app.app_context():
        assert [e.text for e in db.session.query(Entry).filter_by(id=payload["id"])] == [payload["text"]]


def test_a_failed_report_commit_is_unavailable_and_the_resend_lands_once(app, connect):
    client = connect("rapporteur", "1")
    (snap,) = received(client, "snapshot")
    doc = Doc()
    doc.apply_update(base64.b64decode(snap["tables"][0]["report_state"]))
    before = doc.get_state()
    doc.get("report", type=Text).insert(0, "Bewaard ondanks de storing. ")
    payload = {"op": uid(), "update": base64.b64encode(doc.get_update(before)).decode()}
    with FailingDatabase(app, r"^\s*UPDATE round_table\b", OperationalError):
        assert send(client, "report:update", payload)["error"] == "unavailable"
    with app.app_context():
        assert "storing" not in db.session.query(Meeting).one().table(1).report
    assert send(client, "report:update", payload)["ok"]
    assert send(client, "report:update", payload)["ok"]
    with app.app_context():
        report = db.session.query(Meeting).one().table(1).report
    assert report.count("Bewaard ondanks de storing.") == 1


def test_pooled_connections_are_tested_before_use(app):
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True
    with app.app_context():
        assert db.engine.pool._pre_ping


def test_every_error_code_is_documented_with_what_a_client_does():
    section = DOCS.read_text().split("## Acknowledgement errors\n", 1)[1].split("\n## ", 1)[0]
    rows = dict(re.findall(r"^\| `([^`]+)` \|(.*)$", section, flags=re.M))
    assert set(rows) == set(errors.ERROR_CODES)
    for code in errors.RETRYABLE:
        assert "retry" in rows[code].lower() or "again" in rows[code].lower(), code
    assert set(errors.MESSAGES) == set(errors.ERROR_CODES)


# --- report updates that build on what the server lacks ---------------------------------------


class ReportClient:
    """A rapporteur's report document that emits one update per edit, as the browser does."""

    def __init__(self, snapshot: dict):
        self.doc = Doc()
        self.doc.apply_update(base64.b64decode(snapshot["tables"][0]["report_state"]))
        self.text = self.doc.get("report", type=Text)
        self.updates: list[bytes] = []
        self.doc.observe(lambda event: self.updates.append(event.update))

    def payload(self, update: bytes) -> dict:
        return {"op": uid(), "update": base64.b64encode(update).decode()}


def table_report(app) -> str:
    with app.app_context():
        return db.session.query(Meeting).one().table(1).report


@pytest.mark.parametrize("then", ["type", "delete"])
def test_an_update_after_a_dropped_one_is_refused_out_of_sync_and_the_resync_brings_the_text(
    app, connect, then
):
    client = connect("rapporteur", "1")
    (snap,) = received(client, "snapshot")
    me = ReportClient(snap)
    original = str(me.text)
    me.text += " Eerste zin."
    assert send(client, "report:update", me.payload(me.updates[-1]))["ok"]
    me.text += " Tweede zin die onderweg verloren ging."
    # that update never reaches the server
    if then == "type":
        me.text += " Derde zin."
    else:
        del me.text[len(original.encode()) + len(b" Eerste zin. Tweede") : len(str(me.text).encode())]
    _, operations_before, seq_before = counts(app)
    refused = send(client, "report:update", me.payload(me.updates[-1]))
    assert refused["ok"] is False and refused["error"] == "out_of_sync", refused
    assert refused["message"] and refused["state"]
    assert counts(app)[1:] == (operations_before, seq_before), "nothing stored"
    assert table_report(app) == original + " Eerste zin."

    # the client resynchronises: its whole document against the server's state vector
    missing = me.doc.get_update(base64.b64decode(refused["state"]))
    ack = send(client, "report:update", me.payload(missing))
    assert ack["ok"], ack
    assert table_report(app) == str(me.text)


def test_a_resent_update_the_server_already_has_is_still_accepted(app, connect):
    client = connect("rapporteur", "1")
    (snap,) = received(client, "snapshot")
    me = ReportClient(snap)
    me.text += " Een keer."
    update = me.updates[-1]
    assert send(client, "report:update", me.payload(update))["ok"]
    assert send(client, "report:update", me.payload(update))["ok"]  # a new op with old content
    assert table_report(app).count("Een keer.") == 1


# --- a report document is the report text only, and capped in bytes -------------------------


def test_an_update_to_another_root_is_refused_and_nothing_grows(app, connect):
    client = connect("rapporteur", "1")
    with app.app_context():
        state_before = db.session.query(Meeting).one().table(1).report_state
    junk = Doc()
    junk.get("rommel", type=Map)["x"] = "y" * 1000
    ack = send(client, "report:update", {"op": uid(), "update": base64.b64encode(junk.get_update()).decode()})
    assert ack["ok"] is False and ack["error"] == "invalid", ack
    styled = Doc()
    styled.get("report", type=Text).insert(0, "vet", {"bold": True})
    ack = send(
        client, "report:update", {"op": uid(), "update": base64.b64encode(styled.get_update()).decode()}
    )
    assert ack["ok"] is False and ack["error"] == "invalid", ack
    with app.app_context():
        assert db.session.query(Meeting).one().table(1).report_state == state_before


def test_the_stored_report_state_is_capped_in_bytes(app, connect, monkeypatch):
    assert LIMITS["report_state"] == 4 * LIMITS["report"]
    client = connect("rapporteur", "1")
    (snap,) = received(client, "snapshot")
    me = ReportClient(snap)
    state = base64.b64decode(snap["tables"][0]["report_state"])
    monkeypatch.setitem(LIMITS, "report_state", len(state) + 2000)
    me.text += "a" * 1000
    assert send(client, "report:update", me.payload(me.updates[-1]))["ok"]
    me.text += " Xlang" * 500
    ack = send(client, "report:update", me.payload(me.updates[-1]))
    assert ack["ok"] is False and ack["error"] == "too_large" and ack["message"], ack
    assert "Xlang" not in table_report(app)
    # a change that makes the state smaller is always taken, also above the cap
    monkeypatch.setitem(LIMITS, "report_state", 10)
    with app.app_context():
        stored = db.session.query(Meeting).one().table(1).report_state
    other = Doc()
    other.apply_update(stored)
    before = other.get_state()
    text = other.get("report", type=Text)
    start = str(text).index("a" * 1000)
    del text[start : start + 1000]
    assert send(client, "report:update", me.payload(other.get_update(before)))["ok"]
    assert "a" * 10 not in table_report(app)
