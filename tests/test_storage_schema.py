"""Storage: the migrations give the models' schema and upgrade an older database keeping its rows,
on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select, text

from facilitator import database, operations
from facilitator.database import MIGRATIONS_DIR, ensure_schema
from facilitator.extensions import db
from facilitator.meeting_data import meeting_to_data
from facilitator.models import Meeting

from .storage_support import FOUR, count, load, table_counts


@pytest.fixture
def database_url(both_database_url):
    """Every test in this module runs on SQLite and on PostgreSQL."""
    return both_database_url


# --------------------------------------------------------------------------- schema


def test_migrations_give_exactly_the_models_schema_idempotently(ctx):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []

    # running the migrations again changes nothing and keeps the data
    operations.import_meeting(load(FOUR))
    ensure_schema()
    ensure_schema()
    assert count(Meeting) == 1
    version = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    assert version == _revisions()[-1]
    names = set(inspect(db.engine).get_table_names())
    assert {"meeting", "round_table", "entry", "operation", "access_token", "user_account"} <= names


def _revisions() -> list[str]:
    """Revision ids, oldest first."""
    from alembic.script import ScriptDirectory
    from flask_migrate import Migrate

    config = Migrate().get_config(MIGRATIONS_DIR)
    return [r.revision for r in reversed(list(ScriptDirectory.from_config(config).walk_revisions()))]


def downgrade_keeping_rows(revision: str) -> None:
    """Take the database back to an older revision without losing rows, to make an "older database".

    On SQLite, Alembic's batch mode rebuilds a table (copy, DROP, rename); with the app's
    PRAGMA foreign_keys=ON the DROP cascades into every child table. So the downgrade runs on
    connections without that pragma.
    """
    from flask_migrate import downgrade
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    db.session.remove()
    db.engine.dispose()
    event.remove(Engine, "connect", database.sqlite_pragmas)
    try:
        downgrade(directory=MIGRATIONS_DIR, revision=revision)
    finally:
        db.engine.dispose()
        event.listen(Engine, "connect", database.sqlite_pragmas)


def _content() -> dict:
    meetings = db.session.execute(select(Meeting).order_by(Meeting.id)).scalars().all()
    return {
        "counts": table_counts(),
        "data": [meeting_to_data(m) for m in meetings],
        "tokens": sorted(t.token for m in meetings for t in m.tokens if t.revoked_at is None),
    }


def test_older_database_is_upgraded_keeping_its_data(ctx):
    """A database at an older revision, with content, is brought to the newest one intact."""
    revisions = _revisions()
    assert len(revisions) >= 2
    operations.import_meeting(load(FOUR))
    operations.import_meeting(load())
    before = _content()
    downgrade_keeping_rows(revisions[0])
    assert db.session.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == revisions[0]
    db.session.remove()
    ensure_schema()
    assert db.session.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == revisions[-1]
    assert _content() == before


def test_migrations_that_rebuild_a_table_keep_the_child_rows(ctx, request):
    """Every migration step down and up again keeps all rows (SQLite rebuilds tables in batch mode)."""
    revisions = _revisions()
    assert len(revisions) >= 2
    from flask_migrate import downgrade

    operations.import_meeting(load(FOUR))
    before = _content()
    db.session.remove()
    downgrade(directory=MIGRATIONS_DIR, revision=revisions[0])
    db.session.remove()
    ensure_schema()
    assert _content() == before
