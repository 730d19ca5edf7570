"""The database: connection settings, and the schema kept at the newest migration."""

from __future__ import annotations

import ast
import functools
import logging
import logging.config
import re
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


def init_migrations(app: Any) -> None:
    """Bind Flask-Migrate (Alembic) to the app: `flask db …` and the upgrade below."""
    from .extensions import db, migrate

    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)


_REVISION_LINE = re.compile(r"^(down_revision|revision)\s*(?::[^=]*)?=\s*(.+?)\s*$", re.MULTILINE)


@functools.cache
def head_revisions() -> frozenset[str]:
    """The newest migration(s), read from the scripts' ``revision`` and ``down_revision``
    lines without importing Alembic: the revisions no other one follows (a test checks this
    against Alembic's own heads). Empty when a script cannot be read so: then ask Alembic."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (Path(MIGRATIONS_DIR) / "versions").glob("*.py"):
        text = script.read_text(encoding="utf-8")
        lines: dict[str, str] = {m.group(1): m.group(2) for m in _REVISION_LINE.finditer(text)}
        try:
            revision = ast.literal_eval(lines["revision"])
            down = ast.literal_eval(lines.get("down_revision", "None"))
        except (KeyError, ValueError, SyntaxError):
            return frozenset()
        if not isinstance(revision, str):
            return frozenset()
        revisions.add(revision)
        parents.update([down] if isinstance(down, str) else (down or ()))
    return frozenset(revisions - parents)


def at_head() -> bool:
    """Whether the database's schema is at the newest migration: one query, no Alembic."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from .extensions import db

    heads = head_revisions()
    if not heads:
        return False
    try:
        with db.engine.connect() as connection:
            found = set(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
    except SQLAlchemyError:  # no schema yet (no alembic_version table): upgrade
        return False
    return found == heads


def ensure_schema() -> None:
    """Create or upgrade the database schema to the newest migration (needs an app context).

    A database already at the newest migration is left as it is without importing Alembic
    (about 0.1 s of a command's start-up), with the same logging set-up as the migration
    environment's (migrations/env.py), so that a process logs alike either way.
    """
    from flask import current_app

    # Alembic's INFO lines would mix with the JSON some commands print on stdout
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if at_head():
        logging.config.fileConfig(str(Path(MIGRATIONS_DIR) / "alembic.ini"), disable_existing_loggers=False)
        return
    from flask_migrate import upgrade

    if "migrate" not in current_app.extensions:  # a rendering command's app (create_app(pages=False))
        init_migrations(current_app)
    upgrade(directory=MIGRATIONS_DIR)
