"""Group commit (live/batch.py): many changes in one transaction, each checked and answered on its own."""

from __future__ import annotations

import dataclasses
import uuid

import pytest
from pycrdt import Doc, Text

from facilitator import operations
from facilitator.extensions import db
from facilitator.live import batch
from facilitator.live.actions.entries import AddEntry, UpdateEntry
from facilitator.live.actions.report import UpdateReport
from facilitator.live.errors import ProtocolError, TokenRevoked
from facilitator.live.registry import Caller, Outcome
from facilitator.live.report import ensure_report_state
from facilitator.models import Entry, Meeting, Operation, ReportVersion, RoundTable


def uid() -> str:
    return uuid.uuid4().hex


@pytest.fixture
def table(app, meeting_links):
    """(actor, token) for the rapporteur of table 1, inside an app context."""
    with app.app_context():
        meeting = operations.get_meeting(meeting_links["meeting"])
        token = meeting_links["tables"]["1"]["rapporteur"]["token"]
        yield Caller(meeting.id, "rapporteur", 1, name="test"), token


def add(entry_id: str | None = None, op: str | None = None, text: str = "Inbreng") -> AddEntry:
    return AddEntry(op=op or uid(), id=entry_id or uid(), text=text, bollen=["economisch"], horizons=[])


def job(caller, token, command) -> batch.Job:
    return batch.Job(dataclasses.replace(caller, token=token), command)


def run(actor, token, *commands) -> list[batch.Job]:
    jobs = [job(actor, token, c) for c in commands]
    batch.apply(jobs)
    db.session.remove()
    return jobs


def test_a_batch_answers_each_change_and_a_refusal_fails_only_its_own(table):
    actor, token = table
    first, second = uid(), uid()
    jobs = run(
        actor,
        token,
        add(first),
        UpdateEntry(op=uid(), id="does-not-exist", text="x"),
        add(second),
        UpdateEntry(op=uid(), id=first, text="Gewijzigd in dezelfde batch"),
        add(first),  # the id is taken by the first change of this batch
    )
    ok = [j.result for j in jobs if isinstance(j.result, Outcome)]
    assert [type(j.result) for j in jobs] == [Outcome, ProtocolError, Outcome, Outcome, ProtocolError]
    assert jobs[1].result.code == "not_found" and jobs[4].result.code == "invalid"
    seqs = [o.ack["seq"] for o in ok]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3
    # the add's answer is the entry as the add left it, the update's as the update did
    assert ok[0].ack["entry"]["text"] == "Inbreng"
    assert ok[2].ack["entry"]["text"] == "Gewijzigd in dezelfde batch"
    assert ok[2].events == [("entry", {"table": 1, "entry": ok[2].ack["entry"], "seq": seqs[2]})]
    assert db.session.get(Entry, first).text == "Gewijzigd in dezelfde batch"
    assert db.session.get(Entry, first).created_seq == seqs[0]
    assert db.session.get(Meeting, actor.meeting_id).seq == seqs[-1]
    logged = db.session.query(Operation).filter(
        Operation.meeting_id == actor.meeting_id, Operation.seq > seqs[0] - 1
    )
    assert sorted(o.seq for o in logged) == seqs


def test_an_op_seen_before_or_twice_in_a_batch_is_answered_as_the_first_time(table):
    actor, token = table
    command = add()
    logged = db.session.query(Operation).filter_by(meeting_id=actor.meeting_id).count()
    (first,) = run(actor, token, command)
    again, twin_a, twin_b = run(actor, token, command, *(2 * [add(op="twin-op-id-1")]))
    assert again.result.ack == first.result.ack and again.result.events == []
    assert twin_a.result.ack == twin_b.result.ack
    assert db.session.query(Operation).filter_by(meeting_id=actor.meeting_id).count() == logged + 2


def test_a_revoked_token_and_a_closed_meeting_are_refused_in_the_batch(table, meeting_links):
    actor, token = table
    other = meeting_links["tables"]["2"]["rapporteur"]["token"]
    meeting = db.session.get(Meeting, actor.meeting_id)
    operations.rotate_token(meeting, "rapporteur", 2)
    db.session.commit()
    actor2 = Caller(actor.meeting_id, "rapporteur", 2, name="twee")
    jobs = [job(actor, token, add()), job(actor2, other, add())]
    batch.apply(jobs)
    assert isinstance(jobs[0].result, Outcome) and isinstance(jobs[1].result, TokenRevoked)
    db.session.get(Meeting, actor.meeting_id).phase = "closed"
    db.session.commit()
    (closed,) = run(actor, token, add())
    assert closed.result.code == "closed"


def test_report_updates_in_one_batch_merge_in_order_and_keep_one_version(table):
    actor, token = table
    db.session.remove()
    stored = db.session.execute(
        db.select(RoundTable).filter_by(meeting_id=actor.meeting_id, number=1)
    ).scalar_one()
    state = ensure_report_state(stored)  # what a rapporteur's snapshot starts from
    doc = Doc()
    text = doc.get("report", type=Text)
    doc.apply_update(state)
    updates = []
    for words in (" een", " twee", " drie"):
        before = doc.get_state()
        text += words
        updates.append(doc.get_update(before))
    db.session.remove()
    jobs = run(actor, token, *(UpdateReport(op=uid(), update=u) for u in updates))
    texts = [j.result.events[0][1]["text"] for j in jobs]
    assert texts[-1] == str(text) and texts[0].endswith(" een") and texts[1].endswith(" twee")
    table_row = db.session.get(RoundTable, stored.id)
    assert table_row.report == str(text)
    versions = db.session.query(ReportVersion).filter_by(table_id=stored.id, actor="rapporteur:test").all()
    assert len(versions) == 1 and versions[0].text == str(text)
    # a later batch starts from the cached document and still agrees with the stored state
    more = Doc()
    more.apply_update(table_row.report_state)
    before = more.get_state()
    more.get("report", type=Text).insert(0, "Begin. ")
    (last,) = run(actor, token, UpdateReport(op=uid(), update=more.get_update(before)))
    assert last.result.ack["length"] == len(str(more.get("report", type=Text)))


def test_bytes_that_are_no_crdt_update_are_refused_without_failing_the_batch(table):
    actor, token = table
    garbage = UpdateReport(op=uid(), update=b"\xff\xfe geen update")
    jobs = run(actor, token, garbage, add())
    assert jobs[0].result.code == "invalid" and isinstance(jobs[1].result, Outcome)
