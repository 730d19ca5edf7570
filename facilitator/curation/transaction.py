"""Several live changes (live/executor.py, ``direct``) in one database transaction.

Each change function commits on its own (that is right for one live change). Curation saves
all entries of a table at once, and a refusal of any of them must leave all of them as they
were. ``one_transaction`` runs the block on a session joined to an outer transaction of its
own: inside, every ``commit`` only releases a savepoint and every ``rollback`` only undoes
the current change; the outer transaction commits at the end of the block, or rolls back
if the block raises.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.orm import Session

from ..extensions import db


@contextmanager
def one_transaction(meeting_id: int) -> Iterator[None]:
    """Run change functions as one transaction (``db.session`` is replaced inside the block)."""
    outer = db.session()
    outer.commit()  # end the request's read snapshot: the writes below are a fresh transaction
    connection = db.engine.connect()
    transaction = connection.begin()
    try:
        # a write first, on the connection itself: SQLite (pysqlite) then really opens the
        # outer transaction, so that the savepoints below are nested in it (a SAVEPOINT
        # outside a transaction would start one, and its RELEASE would commit); it also takes
        # the meeting's write lock, as the sequence UPDATE of every change does
        connection.execute(text("UPDATE meeting SET seq = seq WHERE id = :id"), {"id": meeting_id})
        session = Session(bind=connection, join_transaction_mode="create_savepoint")
        db.session.registry.set(session)  # type: ignore[arg-type]  # a plain Session serves as well
        try:
            yield
        finally:
            db.session.registry.set(outer)
            session.close()
        transaction.commit()
    except BaseException:
        if transaction.is_active:
            transaction.rollback()
        raise
    finally:
        connection.close()
