"""PostgreSQL: a batch's statements in fewer round trips (psycopg's pipeline mode).

A one-change batch sent eight statements and a COMMIT, each its own round trip. At a low rate
per process each round trip costs the process a wake-up, and that, not the statements, was
most of a change's CPU (docs/performance.md, "Fewer round trips"). On psycopg:

- ``reads(conn, queries)`` sends the reads a batch needs together and waits once;
- ``pipeline(conn)`` sends the writes made in its block, its reads (``Pipe.read``) and its
  COMMIT (``Pipe.commit``) without waiting for each, and waits once at the block's end;
- on a connection of one's own (``own``: the writer's), the transaction's BEGIN goes with
  the first pipeline's statements instead of taking a round trip of its own (psycopg's);
- a pipeline's statements leave in one write: psycopg's own pipeline hands each statement to
  libpq and flushes it at once, a send and two waits on the socket per statement, about fifteen
  per batch (``perf trace``, docs/performance.md). ``_together`` keeps them until the block
  waits for an answer (its end, or a read of a result within it) and sends them together.

Elsewhere (SQLite, in the same process) both run the statements one by one, as before. The
engine's cursor events fire for the reads as for any statement, so what watches or tests the
statements sees them. A database error comes out as SQLAlchemy's (IntegrityError,
OperationalError …), and a lost connection is invalidated, as SQLAlchemy does for its own.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, cast

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Executable

Query = tuple[Executable, Mapping[str, Any]]

_compiled: dict[tuple[int, str], tuple[Executable, Any]] = {}  # (id, dialect) -> (statement, compiled)
# (id, dialect, names, each list's length) -> (statement, SQL, where each parameter's value comes from)
Sources = list[tuple[str, tuple[Any, Any, Any]]]  # (parameter, (name, index, constant))
_expansions: dict[tuple[Any, ...], tuple[Executable, str, Sources]] = {}
EXPANSIONS_KEPT = 4096


def own(conn: Connection) -> Connection:
    """A connection kept for batches (the writer's): on psycopg in autocommit mode, so that a
    batch's pipelines send its BEGIN and COMMIT themselves. SQLAlchemy restores the mode when
    the connection goes back to the pool; a batch always commits or rolls back (which psycopg
    sends whenever a transaction is open, autocommit or not)."""
    if conn.dialect.driver == "psycopg":
        conn.execution_options(isolation_level="AUTOCOMMIT")
    return conn


def _driver(conn: Connection) -> Any:
    """The psycopg connection under ``conn``, in the batch's transaction; None for another driver."""
    if conn.dialect.driver != "psycopg":
        return None
    if not conn.in_transaction():
        conn.begin()  # SQLAlchemy's commit must know a transaction began with a read of ours
    return conn.connection.driver_connection


def reads(conn: Connection, queries: Sequence[Query]) -> list[list[Mapping[str, Any]]]:
    """Each query's rows (as mappings), all sent before the first is waited for."""
    with pipeline(conn) as pipe:
        rows = [pipe.read(statement, values) for statement, values in queries]
    return rows


class Pipe:
    """What a ``pipeline`` block sends: reads whose rows come at its end, and the COMMIT."""

    def __init__(self, conn: Connection, raw: Any) -> None:
        self.conn, self.raw = conn, raw
        self.pending: list[tuple[Any, list[Mapping[str, Any]]]] = []

    def read(self, statement: Executable, values: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        """The statement's rows: at once elsewhere, on psycopg filled in when the block ends."""
        if self.raw is None:
            return cast(list[Mapping[str, Any]], list(self.conn.execute(statement, dict(values)).mappings()))
        from psycopg.rows import dict_row

        sql, params = _expanded(self.conn, statement, values)
        cursor = self.raw.cursor(row_factory=dict_row)
        # the engine's listeners see it as any statement (none: an empty call)
        self.conn.dispatch.before_cursor_execute(self.conn, cursor, sql, params, None, False)
        cursor.execute(sql, params)
        rows: list[Mapping[str, Any]] = []
        self.pending.append((cursor, rows))
        return rows

    def commit(self) -> None:
        """Commit with what the block sent (psycopg: queued last, in the block's one round trip).

        For a connection of one's own (not a Session's): its commit() after the block then
        only ends SQLAlchemy's transaction, since the database's has ended (nothing is sent)."""
        if self.raw is None:
            self.conn.commit()
        else:
            self.raw.cursor().execute("COMMIT")

    def _fetch(self) -> None:
        for cursor, rows in self.pending:
            rows.extend(cursor.fetchall())
            cursor.close()


@contextlib.contextmanager
def pipeline(conn: Connection) -> Iterator[Pipe]:
    """Statements in the block go out without waiting each for its answer; the block's end waits once.

    Writes through ``conn.execute`` belong in it only when nobody reads their result (no
    RETURNING, no SELECT: through SQLAlchemy those would see no rows); reads go through
    ``Pipe.read``.
    """
    raw = _driver(conn)
    pipe = Pipe(conn, raw)
    if raw is None:
        yield pipe
        return
    from psycopg import Error
    from psycopg.pq import TransactionStatus

    if raw._pipeline is None:  # psycopg's pipeline() takes the one it finds (its own otherwise)
        raw._pipeline = _together()(raw)
    try:
        with raw.pipeline():
            if raw.autocommit and raw.pgconn.transaction_status == TransactionStatus.IDLE:
                raw.cursor().execute("BEGIN")  # a batch on a connection of its own (``own``)
            yield pipe
        pipe._fetch()
    except Error as exc:  # an error found when the answers came (at the block's end)
        raise _wrapped(conn, raw, exc, "(pipelined)", None) from exc


@functools.cache
def _together() -> type:
    """psycopg's Pipeline, holding its statements back until the block waits for an answer.

    psycopg calls ``_communicate_gen`` after each statement it queues (to send it, and read what
    answers came), ``_enqueue_sync`` at the block's end (or a nested block's start), and
    ``_fetch_gen`` to read answers (at the end, or for a result asked for within the block).
    Queued statements are handed to libpq only when an answer is awaited, all at once, and leave
    in one send: the order, the answers and the errors are psycopg's own. Past ``HELD`` statements
    (a large ``executemany``) they go out as psycopg sends them, so nothing grows without bound.
    """
    from psycopg import Pipeline

    class SentTogether(Pipeline):
        HELD = 64
        syncing = False

        def _enqueue_sync(self) -> None:
            super()._enqueue_sync()
            self.syncing = True

        def _communicate_gen(self) -> Any:
            if not self.syncing and len(self.command_queue) < self.HELD:
                return  # held: sent with the next ones
                yield  # a generator, as psycopg's
            self.syncing = False
            self._hand_over()
            yield from super()._communicate_gen()

        def _fetch_gen(self, *, flush: bool) -> Any:
            self._hand_over()  # an answer is awaited: what it follows must be on its way
            yield from super()._fetch_gen(flush=flush)

        def _hand_over(self) -> None:
            """Give libpq every held statement (its buffer; the next flush sends them together)."""
            queue = self.command_queue
            while queue:
                queue.popleft()()

    return SentTogether


class _From:
    """Where a parameter of an expanded statement takes its value: ``values[name]`` (index
    None) or ``values[name][index]`` (an element of a list)."""

    __slots__ = ("name", "index")
    name: str
    index: int | None

    def __init__(self, name: str, index: int | None) -> None:
        self.name, self.index = name, index


def _expanded(conn: Connection, statement: Executable, values: Mapping[str, Any]) -> tuple[str, Any]:
    """The SQL and parameters of a statement, its lists (expanding parameters) rendered for these.

    SQLAlchemy renders the lists anew for every execution (``construct_expanded_state``, 8 % of
    a one-change batch's CPU); the SQL depends only on each list's length, so it is rendered
    once per length and statement, with markers in place of the values, and kept with where
    each of its parameters takes its value from."""
    lengths = tuple(len(v) for v in values.values() if isinstance(v, (list, tuple)))
    key = (id(statement), conn.dialect.name, tuple(values), lengths)
    known = _expansions.get(key)
    if known is None or known[0] is not statement:
        plan = _plan(conn, statement, values)
        if plan is None:  # a value SQLAlchemy rendered or changed: nothing to keep
            return _rendered(conn, statement, values)
        if len(_expansions) >= EXPANSIONS_KEPT:  # (a few per statement and batch size in practice)
            _expansions.clear()
        known = _expansions[key] = (statement, *plan)
    _, sql, sources = known
    params = {
        out: (const if name is None else values[name] if index is None else values[name][index])
        for out, (name, index, const) in sources
    }
    return sql, params


def _rendered(conn: Connection, statement: Executable, values: Mapping[str, Any]) -> tuple[str, Any]:
    """The SQL and parameters as SQLAlchemy renders them, for this execution only."""
    state = _compile(conn, statement, values).construct_expanded_state(dict(values))
    return state.statement, state.parameters


def _compile(conn: Connection, statement: Executable, values: Mapping[str, Any]) -> Any:
    key = (id(statement), conn.dialect.name)
    known = _compiled.get(key)
    if known is None or known[0] is not statement:
        known = _compiled[key] = (statement, statement.compile(dialect=conn.dialect))  # type: ignore[attr-defined]
    compiled = known[1]
    # SQLAlchemy fills a column's Python-side default (onupdate=…) only in its own execution
    missing = [c.key for c in (*compiled.insert_prefetch, *compiled.update_prefetch) if c.key not in values]
    if missing:
        raise ValueError(f"{', '.join(missing)}: give the value (its default is SQLAlchemy's)")
    return compiled


def _plan(conn: Connection, statement: Executable, values: Mapping[str, Any]) -> tuple[str, Sources] | None:
    """The expanded SQL for lists of these lengths, and each parameter's source: a value of
    ``values`` (by name and index) or a constant of the statement's own."""
    compiled = _compile(conn, statement, values)
    markers = {
        name: [_From(name, i) for i in range(len(v))] if isinstance(v, (list, tuple)) else _From(name, None)
        for name, v in values.items()
    }
    try:
        state = compiled.construct_expanded_state(markers)
    except Exception:  # a value rendered into the SQL (literal_execute): SQLAlchemy's each time
        return None
    given = sum(len(m) if isinstance(m, list) else 1 for m in markers.values())
    found = {id(v) for v in state.parameters.values() if isinstance(v, _From)}
    if len(found) != given:
        return None  # a value rendered into the SQL, kept whole (a list not expanded) or left out
    sources: Sources = [
        (out, (value.name, value.index, None) if isinstance(value, _From) else (None, None, value))
        for out, value in state.parameters.items()  # else: the statement's own (bindparam(value=…))
    ]
    return state.statement, sources


def _wrapped(conn: Connection, raw: Any, exc: Any, statement: str, params: Any) -> Exception:
    """The driver's error as SQLAlchemy raises it; a lost connection invalidated first."""
    from psycopg import Error

    lost = conn.dialect.is_disconnect(exc, raw, None)
    if lost:
        conn.invalidate(exc)
    error: Exception = DBAPIError.instance(
        statement, params, exc, Error, connection_invalidated=lost, dialect=conn.dialect
    )
    return error
