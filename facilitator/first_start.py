"""One process at a time through the first start: migrations, the demo meeting, the first account.

Several server processes started at the same moment on an empty database would otherwise
all create the schema, load the demo and create the account, and all but one would crash.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

# pg_advisory_lock key: any constant that nothing else in the database uses
ADVISORY_KEY = 0x46_61_63_69_6C  # "Facil"


@contextmanager
def first_start_lock(engine: Engine) -> Iterator[None]:
    """Hold a lock that every process starting on this database takes before preparing it.

    PostgreSQL: a session advisory lock on its own connection (released when the holder
    dies). SQLite in a file: an flock on a file beside the database. Otherwise nothing.
    """
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_KEY})
            connection.commit()  # the lock belongs to the session, not to this transaction
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
                connection.commit()
    elif engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        database = Path(engine.url.database)
        with open(database.with_name(database.name + ".start-lock"), "a") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)
    else:
        yield
