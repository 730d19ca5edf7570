"""The database: connection settings, and the schema kept at the newest migration."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

MIGRATIONS_DIR = str(Path(__file__).resolve().parent / "migrations")


@event.listens_for(Engine, "connect")
def sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """SQLite: WAL for concurrent readers, a busy timeout instead of 'database is locked'."""
    module = type(dbapi_connection).__module__
    if "sqlite" not in module:
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    # an acknowledged change must survive a crash: sync the WAL on every commit
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


@event.listens_for(Engine, "engine_connect")
def postgres_multirow_inserts(connection: Any) -> None:
    """PostgreSQL: an INSERT of several rows as one statement (VALUES (…), (…)), not executemany.

    SQLAlchemy does so for psycopg2 but not for psycopg 3, whose executemany runs a pipeline
    per call: for the few rows of a live batch that cost more CPU than the rows themselves
    (docs/performance.md). Set before the first statement is compiled.
    """
    dialect = connection.dialect
    if dialect.name == "postgresql" and not dialect.use_insertmanyvalues_wo_returning:
        dialect.use_insertmanyvalues_wo_returning = True


def ensure_schema() -> None:
    """Create or upgrade the database schema to the newest migration (needs an app context)."""
    from flask_migrate import upgrade

    # Alembic's INFO lines would mix with the JSON some commands print on stdout
    logging.getLogger("alembic").setLevel(logging.WARNING)
    upgrade(directory=MIGRATIONS_DIR)
