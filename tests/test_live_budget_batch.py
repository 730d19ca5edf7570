"""The storage budget on the batched hot path (live/budget.py BatchBudget), on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta

import pytest

from facilitator import operations, rules
from facilitator.extensions import db
from facilitator.live import batch, budget
from facilitator.live.actions.entries import AddEntry
from facilitator.live.errors import ProtocolError
from facilitator.live.registry import Caller, Outcome
from facilitator.models import AccessToken, TokenUsage, utcnow


@pytest.fixture
def database_url(both_database_url):
    """Every test here on SQLite and on PostgreSQL."""
    return both_database_url


def uid() -> str:
    return uuid.uuid4().hex


def add() -> AddEntry:
    return AddEntry(op=uid(), id=uid(), text="Inbreng", bollen=["economisch"], horizons=[])


def run(actor, token, *commands) -> list[batch.Job]:
    jobs = [batch.Job(dataclasses.replace(actor, token=token), c) for c in commands]
    batch.apply(jobs)
    db.session.remove()
    return jobs


@pytest.fixture
def context(app):
    with app.app_context():
        yield
        db.session.remove()


def test_the_storage_budget_is_read_and_written_once_per_batch(context, meeting_links, monkeypatch):
    """A batch counts its own changes against the link's budget, and writes the counts once."""
    meeting = operations.get_meeting(meeting_links["meeting"])
    token = meeting_links["tables"]["1"]["rapporteur"]["token"]
    token_id = db.session.execute(db.select(AccessToken.id).filter_by(token=token)).scalar_one()
    actor = Caller(meeting.id, "rapporteur", 1, token_id=token_id, name="test")
    monkeypatch.setitem(rules.STORAGE_BUDGET, "rapporteur", (5, 1_000_000))
    statements: list[str] = []
    engine = db.engine

    def seen(conn, cursor, statement, *args):
        if "token_usage" in statement:
            statements.append(statement.split()[0])

    db.event.listen(engine, "before_cursor_execute", seen)
    try:
        first = run(actor, token, add(), add(), add())  # no row yet: read, then insert
        second = run(actor, token, *(add() for _ in range(4)))  # two fit, two do not
    finally:
        db.event.remove(engine, "before_cursor_execute", seen)
    assert all(isinstance(j.result, Outcome) for j in first)
    assert [type(j.result) for j in second] == [Outcome, Outcome, ProtocolError, ProtocolError]
    assert second[2].result.code == "rate_limited"
    assert statements == ["SELECT", "INSERT", "SELECT", "INSERT"]  # one read and one write per batch
    usage = db.session.get(TokenUsage, token_id)
    logged = [j for j in first + second if isinstance(j.result, Outcome)]
    assert usage.events == 5
    assert usage.bytes == sum(budget.logged_bytes(j.command.logged(), j.result.ack) for j in logged)
    db.session.remove()

    # counts that stay in their window are added, so another process's count in between is kept
    with db.engine.begin() as conn:
        counted = budget.BatchBudget(conn, {token_id})
        counted.spend(token_id, 10)
        conn.execute(db.update(TokenUsage).values(events=TokenUsage.events + 100))
        counted.write(conn)
    assert db.session.get(TokenUsage, token_id).events == 5 + 100 + 1
    db.session.remove()

    # a window later the counts move to the previous window (written whole) and free the budget again
    later = utcnow() + timedelta(seconds=rules.LIMITS["budget_window"])
    monkeypatch.setattr(budget, "utcnow", lambda: later)
    monkeypatch.setitem(rules.STORAGE_BUDGET, "rapporteur", (200, 1_000_000))
    (next_window,) = run(actor, token, add())
    assert isinstance(next_window.result, Outcome)
    usage = db.session.get(TokenUsage, token_id)
    assert (usage.events, usage.previous_events) == (1, 106)


def test_two_processes_counting_a_links_first_changes_both_count(context, meeting_links):
    """Two writers that both find no budget row for a link (two processes, the link's first
    changes at the same moment) both write their count: the second adds to the first's row
    instead of failing its whole batch on the primary key."""
    token = meeting_links["tables"]["2"]["rapporteur"]["token"]
    token_id = db.session.execute(db.select(AccessToken.id).filter_by(token=token)).scalar_one()
    db.session.remove()
    assert db.session.get(TokenUsage, token_id) is None
    db.session.remove()
    with db.engine.connect() as first, db.engine.connect() as second:
        one = budget.BatchBudget(first, {token_id})
        other = budget.BatchBudget(second, {token_id})
        first.rollback(), second.rollback()  # neither holds a snapshot from its read
        one.spend(token_id, 100)
        other.spend(token_id, 20)
        other.spend(token_id, 3)
        one.write(first)
        first.commit()
        other.write(second)
        second.commit()
    usage = db.session.get(TokenUsage, token_id)
    assert (usage.events, usage.bytes) == (3, 123)


def test_a_batchs_rows_are_inserted_with_one_statement_per_table(context, meeting_links):
    """Three entries in one batch: one INSERT for the entries, one for the change log (on
    PostgreSQL one multi-row statement, not psycopg's executemany pipeline)."""
    meeting = operations.get_meeting(meeting_links["meeting"])
    token = meeting_links["tables"]["1"]["rapporteur"]["token"]
    token_id = db.session.execute(db.select(AccessToken.id).filter_by(token=token)).scalar_one()
    actor = Caller(meeting.id, "rapporteur", 1, token_id=token_id, name="test")
    inserts: list[tuple[str, bool]] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("INSERT INTO"):
            # INSERTMANYVALUES: one statement with a VALUES row per row; EXECUTEMANY: the driver's
            inserts.append((statement.split()[2], context.execute_style.name == "EXECUTEMANY"))

    db.event.listen(db.engine, "before_cursor_execute", seen)
    try:
        jobs = run(actor, token, add(), add(), add())
    finally:
        db.event.remove(db.engine, "before_cursor_execute", seen)
    assert all(isinstance(j.result, Outcome) for j in jobs)
    tables = [name for name, _ in inserts]
    assert tables.count("entry") == 1 and tables.count("operation") == 1
    if db.engine.dialect.name == "postgresql":
        assert not any(many for _, many in inserts), inserts
