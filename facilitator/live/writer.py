"""Group commit: one writer per process applies the batched changes that arrive together in one transaction.

A handler submits its change and waits; the writer (a greenlet under gevent) takes what
has queued within LIVE_BATCH_WINDOW seconds (a few milliseconds), applies it with
batch.apply, commits once, and only then wakes each handler with its own answer, which
the handler acknowledges and broadcasts. Without gevent (tests, the command line) a
change is applied at once in the caller, as a batch of one.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app

from ..extensions import db, socketio
from . import batch, roundtrips
from .registry import Caller, Outcome

log = logging.getLogger(__name__)

MAX_BATCH = 200


class Writer:
    """The process's writer greenlet and its queue."""

    def __init__(self) -> None:
        self.queue: Any = None
        self.greenlet: Any = None
        self.conn: Any = None  # the writer's database connection (see _connection)

    def submit(self, caller: Caller, command: Any) -> Outcome:
        """Apply one change (in the next batch); return its outcome or raise its refusal or failure."""
        job = batch.Job(caller, command)
        if socketio.async_mode != "gevent":  # type: ignore[attr-defined]  # not in the stubs
            batch.apply([job])
            return answer(job)
        import gevent.event

        if self.greenlet is None or self.greenlet.dead:
            self._start(current_app._get_current_object())  # type: ignore[attr-defined]  # a LocalProxy
        # end this handler's read transaction before waiting: a pooled connection held by every
        # waiting handler would leave none for the writer (a burst larger than the pool deadlocks).
        # Usually there is none (the token and template come from memory): then there is nothing
        # to end, and creating a session only to commit nothing cost ~10 % of the server's CPU.
        if db.session.registry.has() and db.session().in_transaction():
            db.session.commit()
        done = gevent.event.Event()
        self.queue.put((job, done))
        done.wait()
        return answer(job)

    def _start(self, app: Any) -> None:
        import gevent
        import gevent.queue

        self.queue = gevent.queue.Queue()
        self.greenlet = gevent.spawn(self._run, app)

    def _run(self, app: Any) -> None:
        import gevent

        window = app.config.get("LIVE_BATCH_WINDOW", 0.001)
        with app.app_context():
            while True:
                waiting = [self.queue.get()]
                gevent.sleep(window)  # let the changes that arrive together join this batch
                while len(waiting) < MAX_BATCH and not self.queue.empty():
                    waiting.append(self.queue.get_nowait())
                jobs = [job for job, _ in waiting]
                try:
                    batch.apply(jobs, self._connection())
                except Exception as exc:  # never lose the writer: answer every change with the failure
                    log.exception("live batch failed")
                    self._drop_connection()
                    for job in jobs:
                        job.result = job.result if job.result is not None else exc
                for _, done in waiting:
                    done.set()

    def _connection(self) -> Any:
        """The writer's own database connection, kept from batch to batch.

        A pooled checkout per batch cost a round trip (pool_pre_ping) and the pool's
        bookkeeping each time. A connection the database dropped meanwhile (a restart) fails
        the next batch's first statement; that rollback invalidates it and the retry opens a
        new one (batch._with_retries), so a restart still costs a retry, not the text.
        """
        if self.conn is None or self.conn.closed:
            self.conn = roundtrips.own(db.engine.connect())
        return self.conn

    def _drop_connection(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None:
            try:
                conn.rollback()
                conn.close()
            except Exception:  # the database is gone: the pool forgets the connection
                log.debug("closing the writer's connection failed", exc_info=True)
                try:
                    conn.invalidate()
                except Exception:
                    log.debug("invalidating the writer's connection failed", exc_info=True)


def answer(job: batch.Job) -> Outcome:
    """A job's outcome, or its refusal or failure raised."""
    if isinstance(job.result, BaseException):
        raise job.result
    outcome: Outcome = job.result
    return outcome


writer = Writer()
