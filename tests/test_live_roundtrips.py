"""PostgreSQL: a batch waits for the database as few times as it can (live/roundtrips.py).

A one-change batch sent eight statements and a COMMIT, each a round trip. A counting proxy
between the app and PostgreSQL sees each time the app sends and then waits: a round trip.
The reads go out together, the writes are pipelined; what the batch writes is the same.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest
from pycrdt import Doc, Text
from sqlalchemy.exc import IntegrityError

from facilitator import operations
from facilitator.extensions import db
from facilitator.live import batch, roundtrips, statements
from facilitator.live.actions.entries import AddEntry, UpdateEntry
from facilitator.live.actions.ready import ReadyTable
from facilitator.live.actions.report import UpdateReport
from facilitator.live.registry import Caller, Outcome
from facilitator.models import AccessToken, Entry, Meeting, Operation, RoundTable

from .conftest import SESSIONS

pytestmark = pytest.mark.postgres


class CountingProxy:
    """A TCP proxy that counts round trips: the app sending after it has had an answer.

    While counting, answers are held back a little (``delay``), so that what the app sends
    without waiting has all gone out before the first answer comes back, however the
    pipelined statements are split.
    """

    def __init__(self, port: int) -> None:
        self.target = port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.trips = 0
        self.delay = 0.0
        self.answered = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:  # closed at the test's end
                return
            try:
                server = socket.create_connection(("127.0.0.1", self.target))
            except OSError:  # the database is gone: so is this connection
                client.close()
                continue
            threading.Thread(target=self._pump, args=(client, server, self._sent), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, self._answering), daemon=True).start()

    def _sent(self) -> None:
        if self.answered:
            self.trips += 1
            self.answered = False

    def _answering(self) -> None:
        time.sleep(self.delay)
        self.answered = True

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket, seen) -> None:
        """Forward what ``source`` sends until either side closes (then close both)."""
        try:
            while data := source.recv(65536):
                seen()
                sink.sendall(data)
        except OSError:  # the other direction closed the sockets first
            pass
        finally:
            for end in (source, sink):
                end.close()

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def proxy(postgres):
    counting = CountingProxy(postgres.port)
    yield counting
    counting.close()


@pytest.fixture
def database_url(postgres, proxy):
    parts = urlsplit(postgres.create_database())
    return urlunsplit(parts._replace(netloc=f"postgres@127.0.0.1:{proxy.port}"))


def uid() -> str:
    return uuid.uuid4().hex


@pytest.fixture
def rapporteur(app, meeting_links):
    with app.app_context():
        meeting = operations.get_meeting(meeting_links["meeting"])
        token = meeting_links["tables"]["1"]["rapporteur"]["token"]
        token_id = db.session.execute(db.select(AccessToken.id).filter_by(token=token)).scalar_one()
        db.session.remove()
        return Caller(meeting.id, "rapporteur", 1, token_id=token_id, name="Rapporteur", token=token)


def counted(proxy, conn, caller, command) -> tuple[int, object]:
    """Round trips of one change applied on the writer's own connection, and its answer."""
    proxy.delay, before = 0.03, proxy.trips
    job = batch.Job(caller, command)
    batch.apply([job], conn)
    proxy.delay = 0.0
    return proxy.trips - before, job.result


def test_a_change_waits_for_the_database_twice_and_is_written_whole(app, proxy, rapporteur):
    doc = Doc()
    text = doc.get("report", type=Text)
    with app.app_context(), roundtrips.own(db.engine.connect()) as conn:  # as the writer's
        entry = uid()
        counted(
            proxy,
            conn,
            rapporteur,
            AddEntry(op=uid(), id=uid(), text="warm", bollen=["economisch"], horizons=[]),
        )
        trips, added = counted(
            proxy,
            conn,
            rapporteur,
            AddEntry(op=uid(), id=entry, text="Inbreng", bollen=["economisch"], horizons=[]),
        )
        # BEGIN with the reads (resends, phase and tables, link, the entry, the meeting's row with
        # its sequence number) · the writes with the sequence number and the COMMIT
        assert isinstance(added, Outcome) and trips == 2
        trips, updated = counted(
            proxy,
            conn,
            rapporteur,
            UpdateEntry(op=uid(), id=entry, text="Beter", bollen=[], horizons=["elders"]),
        )
        assert isinstance(updated, Outcome) and trips == 2  # the entry's UPDATE goes with the COMMIT
        before = doc.get_state()
        text += "Verslag"
        trips, report = counted(
            proxy, conn, rapporteur, UpdateReport(op=uid(), update=doc.get_update(before), base=0)
        )
        # the report's row is locked with the reads, by the table's number
        assert isinstance(report, Outcome) and trips == 2, report
    with app.app_context():
        stored = db.session.get(Entry, entry)
        assert (stored.text, stored.bollen, stored.horizons) == ("Beter", [], ["elders"])
        assert stored.created_seq == added.ack["seq"]
        meeting = db.session.get(Meeting, rapporteur.meeting_id)
        assert meeting.seq == report.ack["seq"] and meeting.updated_at is not None
        table = db.session.execute(
            db.select(RoundTable).filter_by(meeting_id=meeting.id, number=1)
        ).scalar_one()
        assert table.report.count("Verslag") == 1 and len(table.report) == report.ack["length"]
        logged = db.session.execute(db.select(Operation.seq).filter_by(meeting_id=meeting.id)).scalars().all()
        assert {added.ack["seq"], updated.ack["seq"], report.ack["seq"]} <= set(logged)


def test_a_batch_of_two_meetings_waits_as_one_of_one_meeting_and_locks_in_meeting_order(
    app, proxy, rapporteur, import_session
):
    """A process that hosts many meetings has batches that span them. Their reads go out together,
    each meeting's row with its sequence number last, in meeting order whatever order the changes
    came in, so that every batch takes its locks in one order (two writers with the same two
    meetings in opposite orders held one meeting's row each and waited for the other's): BEGIN
    with both meetings' reads · both meetings' writes with the COMMIT. Meeting by meeting, that
    was five round trips; with the sequence numbers taken after the reads, three."""
    slug = import_session(SESSIONS / "veiligheid-vier-bollen.toml")
    with app.app_context():
        other = operations.links(operations.get_meeting(slug), "http://x")
        token = other["tables"]["1"]["rapporteur"]["token"]
        access = db.session.execute(db.select(AccessToken).filter_by(token=token)).scalar_one()
        second = Caller(access.meeting_id, "rapporteur", 1, token_id=access.id, name="Tweede", token=token)
        db.session.remove()
    assert second.meeting_id > rapporteur.meeting_id
    read: list[int] = []
    locked: list[int] = []
    sequenced: list[int] = []

    def seen(conn, cursor, statement, params, *args):
        if "closed_seq" in statement:  # PHASE_AND_TABLES, one per meeting
            read.append(params["meeting"])
        elif statement.startswith("UPDATE meeting SET seq=meeting.seq"):  # LOCK_SEQ: the row locked
            locked.append(params["meeting"])
        elif statement.startswith("UPDATE meeting SET seq"):  # SET_SEQ, with the writes
            sequenced.append(params["meeting"])

    def change(caller: Caller, text: str) -> batch.Job:
        return batch.Job(caller, AddEntry(op=uid(), id=uid(), text=text, bollen=["economisch"], horizons=[]))

    with app.app_context():
        db.event.listen(db.engine, "before_cursor_execute", seen)
        try:
            with roundtrips.own(db.engine.connect()) as conn:
                batch.apply([change(rapporteur, "warm"), change(second, "warm")], conn)
                read.clear()
                locked.clear()
                sequenced.clear()
                jobs = [change(second, "Tweede vergadering"), change(rapporteur, "Eerste vergadering")]
                proxy.delay, before = 0.03, proxy.trips
                batch.apply(jobs, conn)
                proxy.delay, trips = 0.0, proxy.trips - before
        finally:
            db.event.remove(db.engine, "before_cursor_execute", seen)
        assert all(isinstance(job.result, Outcome) for job in jobs), [job.result for job in jobs]
        assert trips == 2
        assert read == locked == sequenced == [rapporteur.meeting_id, second.meeting_id]
        for job in jobs:
            stored = db.session.get(Entry, job.command.id)
            assert stored.text == job.command.text and stored.created_seq == job.result.ack["seq"]
            assert db.session.get(Meeting, job.caller.meeting_id).seq == job.result.ack["seq"]


@pytest.mark.parametrize("on_models", ["first", "second"])
def test_a_change_on_the_models_in_a_batch_of_two_meetings_keeps_the_meeting_order(
    app, rapporteur, import_session, on_models
):
    """A meeting whose change is made on the models is staged in a session of its own, which
    flushes once its changes are numbered: the meetings' rows are locked with the reads, in
    meeting order, either way round, and each meeting's numbers follow on from its row's."""
    slug = import_session(SESSIONS / "veiligheid-vier-bollen.toml")
    with app.app_context():
        token = operations.links(operations.get_meeting(slug), "http://x")["tables"]["1"]["rapporteur"][
            "token"
        ]
        access = db.session.execute(db.select(AccessToken).filter_by(token=token)).scalar_one()
        second = Caller(access.meeting_id, "rapporteur", 1, token_id=access.id, name="Tweede", token=token)
        db.session.remove()
        locked: list[int] = []

        def seen(conn, cursor, statement, params, *args):
            if statement.startswith("UPDATE meeting SET seq"):  # LOCK_SEQ, then SET_SEQ
                locked.append(params["meeting"])

        ready_by = rapporteur if on_models == "first" else second
        plain_by = second if on_models == "first" else rapporteur
        jobs = [
            batch.Job(
                plain_by, AddEntry(op=uid(), id=uid(), text="Erbij", bollen=["economisch"], horizons=[])
            ),
            batch.Job(ready_by, ReadyTable(op=uid(), ready=True)),
            batch.Job(
                rapporteur, AddEntry(op=uid(), id=uid(), text="Nog een", bollen=["economisch"], horizons=[])
            ),
        ]
        db.event.listen(db.engine, "before_cursor_execute", seen)
        try:
            with roundtrips.own(db.engine.connect()) as conn:
                batch.apply(jobs, conn)
        finally:
            db.event.remove(db.engine, "before_cursor_execute", seen)
        assert all(isinstance(job.result, Outcome) for job in jobs), [job.result for job in jobs]
        # the rows locked in meeting order with the reads, then each meeting's sequence number set
        assert locked == [rapporteur.meeting_id, second.meeting_id] * 2
        for caller in (rapporteur, second):
            seqs = sorted(job.result.ack["seq"] for job in jobs if job.caller is caller)
            meeting = db.session.get(Meeting, caller.meeting_id)
            assert meeting.seq == seqs[-1] and seqs == list(range(seqs[0], seqs[-1] + 1))
        table = db.session.execute(
            db.select(RoundTable).filter_by(meeting_id=ready_by.meeting_id, number=1)
        ).scalar_one()
        assert table.ready_at is not None
        assert db.session.get(Entry, jobs[0].command.id).created_seq == jobs[0].result.ack["seq"]


def test_on_the_writers_connection_a_failed_batch_leaves_nothing_and_the_next_one_works(app, rapporteur):
    """The writer's connection is in autocommit mode and its batches send BEGIN themselves: what a
    batch wrote before its last statement failed must roll back with it."""
    engine_failures = []

    def fail(conn, cursor, statement, *args):
        if statement.lstrip().startswith("INSERT INTO operation") and not engine_failures:
            engine_failures.append(statement)
            raise RuntimeError("the server failed here")

    with app.app_context():
        seq = db.session.get(Meeting, rapporteur.meeting_id).seq
        entries = db.session.query(Entry).count()
        db.session.remove()
        db.event.listen(db.engine, "before_cursor_execute", fail)
        try:
            with roundtrips.own(db.engine.connect()) as conn:
                job = batch.Job(
                    rapporteur, AddEntry(op=uid(), id=uid(), text="Weg", bollen=["economisch"], horizons=[])
                )
                with pytest.raises(RuntimeError):
                    batch.apply([job], conn)
                # the sequence UPDATE and the entry's INSERT went out before the failure: rolled back
                with db.engine.connect() as other:
                    assert other.scalar(db.select(Meeting.seq).filter_by(id=rapporteur.meeting_id)) == seq
                    assert other.scalar(db.select(db.func.count()).select_from(Entry)) == entries
                again = batch.Job(rapporteur, job.command)  # the client resends it
                batch.apply([again], conn)
                assert isinstance(again.result, Outcome) and again.result.ack["seq"] == seq + 1
        finally:
            db.event.remove(db.engine, "before_cursor_execute", fail)
        assert db.session.query(Entry).count() == entries + 1


def test_a_change_on_the_models_commits_on_the_writers_connection_and_rolls_back_with_its_batch(
    app, rapporteur
):
    """The actions that change models run in a savepoint of the batch's transaction, which the
    writer's connection opens itself: what they flushed is kept with the batch, or undone with it."""

    def ready_at(conn) -> object:
        return conn.scalar(
            db.select(RoundTable.ready_at).filter_by(meeting_id=rapporteur.meeting_id, number=1)
        )

    def fail(conn, cursor, statement, *args):
        if statement.lstrip().startswith("INSERT INTO operation"):
            raise RuntimeError("the server failed here")

    with app.app_context(), roundtrips.own(db.engine.connect()) as conn, db.engine.connect() as other:
        job = batch.Job(rapporteur, ReadyTable(op=uid(), ready=True))
        batch.apply([job], conn)
        assert isinstance(job.result, Outcome) and job.result.ack["since"]
        since = ready_at(other)
        assert since is not None
        other.rollback()
        db.event.listen(db.engine, "before_cursor_execute", fail)
        try:
            with pytest.raises(RuntimeError):
                batch.apply([batch.Job(rapporteur, ReadyTable(op=uid(), ready=False))], conn)
        finally:
            db.event.remove(db.engine, "before_cursor_execute", fail)
        assert ready_at(other) == since  # the flushed UPDATE went with the failed batch
        other.rollback()
        job = batch.Job(rapporteur, ReadyTable(op=uid(), ready=False))
        batch.apply([job], conn)
        assert isinstance(job.result, Outcome) and ready_at(other) is None


def test_a_resend_is_answered_as_before_and_a_duplicate_fails_as_sqlalchemys_error(app, rapporteur):
    with app.app_context(), roundtrips.own(db.engine.connect()) as conn:
        command = AddEntry(op=uid(), id=uid(), text="Eén keer", bollen=["economisch"], horizons=[])
        first, again = batch.Job(rapporteur, command), batch.Job(rapporteur, command)
        batch.apply([first], conn)
        batch.apply([again], conn)
        assert again.result.ack == first.result.ack
        # the pipelined writes fail at their end: the error is SQLAlchemy's, and the batch's retry
        # (apply) answers it as a failure without losing the connection
        duplicate = AddEntry(op=uid(), id=command.id, text="Zelfde id", bollen=["economisch"], horizons=[])
        with pytest.raises(IntegrityError), roundtrips.pipeline(conn):
            conn.execute(statements.INSERT_ENTRIES, [{"id": command.id, "table_id": 0, "text": ""}])
        conn.rollback()
        job = batch.Job(rapporteur, duplicate)
        batch.apply([job], conn)
        assert not isinstance(job.result, Outcome)  # refused or failed, not applied twice
        later = batch.Job(
            rapporteur, AddEntry(op=uid(), id=uid(), text="Daarna", bollen=["economisch"], horizons=[])
        )
        batch.apply([later], conn)
        assert isinstance(later.result, Outcome)


def test_the_reads_give_what_sqlalchemy_gives(app, rapporteur):
    with app.app_context(), db.engine.connect() as conn:
        queries = [
            (statements.TOKENS_AND_BUDGETS, {"tokens": [rapporteur.token, "no-such-link"]}),
            (statements.PHASE_AND_TABLES, {"meeting": rapporteur.meeting_id, "numbers": [1, 2, 99]}),
            (statements.STORED_OPS, {"meeting": rapporteur.meeting_id, "ops": ["x"]}),
        ]
        together = roundtrips.reads(conn, queries)
        one_by_one = [[dict(r) for r in conn.execute(q, dict(p)).mappings()] for q, p in queries]
        assert [[dict(r) for r in rows] for rows in together] == one_by_one
        assert len(together[1]) == 2 and together[2] == []
        # each rendered once for these lengths and kept (the batches give no value a statement lacks)
        assert {id(q) for q, _ in queries} <= {id(kept[0]) for kept in roundtrips._expansions.values()}
        with pytest.raises(ValueError, match="updated_at"):  # a default SQLAlchemy would have filled in
            roundtrips.reads(conn, [(statements.SET_SEQ, {"meeting": rapporteur.meeting_id, "last": 1})])


def test_the_template_is_read_in_two_round_trips_and_is_the_meetings(app, proxy, rapporteur):
    """The parsers' template is read again every few seconds per meeting and process. Through the
    models that was the meeting and four lazy loads, one round trip each; now psycopg's BEGIN
    on the session's connection, then the four reads together."""
    from facilitator.live import protocol, shared

    def seen(t: protocol.Template) -> tuple:
        return (t.bollen, t.horizons, t.tables, t.rounds, t.shared_rounds)

    def trips(read) -> tuple[int, protocol.Template]:
        db.session.remove()
        db.session.connection()  # the pool's checkout (and its ping) before counting
        proxy.delay, before = 0.03, proxy.trips
        template = read()
        seen(template)
        proxy.delay, count = 0.0, proxy.trips - before
        db.session.remove()
        return count, template

    meeting_id = rapporteur.meeting_id
    with app.app_context():
        by_models, expected = trips(lambda: protocol.Template(db.session.get(Meeting, meeting_id)))
        by_rows, template = trips(lambda: shared.read_template(meeting_id))
    assert seen(template) == seen(expected) and template.tables == (1, 2, 3, 4, 5, 6)
    assert (by_models, by_rows) == (6, 2)


def test_a_batchs_statements_leave_together(app, rapporteur, monkeypatch):
    """psycopg's own pipeline sends each statement as it is queued, and waits on the socket to do
    so: two waits per statement. The batch's pipelines hold them until an answer is awaited and send
    them at once: a one-change batch waits on its socket at most twice per round trip (5 times here;
    29 with psycopg's own pipeline), and what it wrote is all there."""
    from psycopg import waiting

    waits: list[int] = []
    wait = waiting.wait

    def counting(gen, *args, **kwargs):
        def counted():
            try:
                asked = next(gen)
                while True:
                    waits.append(asked)
                    asked = gen.send((yield asked))
            except StopIteration as stop:
                return stop.value

        return wait(counted(), *args, **kwargs)

    monkeypatch.setattr(waiting, "wait", counting)
    entry = uid()
    with app.app_context(), roundtrips.own(db.engine.connect()) as conn:
        for text, id_ in (("warm", uid()), ("Inbreng", entry)):  # the first warms the connection
            waits.clear()
            job = batch.Job(
                rapporteur, AddEntry(op=uid(), id=id_, text=text, bollen=["economisch"], horizons=[])
            )
            batch.apply([job], conn)
            assert isinstance(job.result, Outcome)
        assert 1 <= len(waits) <= 6, waits
        stored = db.session.get(Entry, entry)
        assert (stored.text, stored.created_seq) == ("Inbreng", job.result.ack["seq"])
        logged = db.session.execute(
            db.select(Operation.op_id).filter_by(meeting_id=rapporteur.meeting_id, seq=job.result.ack["seq"])
        )
        assert logged.scalar_one() == job.command.op
