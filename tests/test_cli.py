"""The command line as a person or script runs it: `.venv/bin/flask --app wsgi …` in a subprocess.

Checks exit status, the links JSON on stdout and the round trip, on SQLite. The errors, one line per
problem, and PostgreSQL are in test_cli_errors.py.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from facilitator import sessionfile

from .cli_support import (
    FOUR,
    FOUR_SLUG,
    check_links,
    cli,
    dispose,
    in_process_app,
    ok_json,
    parallel,
    sqlite_count,
    sqlite_snapshot,
    sqlite_url,
)

# --------------------------------------------------------------------------- the happy path


def test_import_first_command_links_and_export_round_trip(tmp_path):
    """import on a fresh DATABASE_URL → links → export → import the export → identical export."""
    db_file, inst = tmp_path / "nieuw" / "fresh.db", tmp_path / "instance"
    db_file.parent.mkdir()
    url = sqlite_url(db_file)
    assert not db_file.exists()

    links = ok_json(cli(url, "session", "import", str(FOUR), instance=inst))  # stdout: only the JSON
    tokens = check_links(links, FOUR_SLUG, [1, 2, 3])
    assert sqlite_count(db_file, "meeting") == 1
    assert sqlite_count(db_file, "round_table") == 3

    again, exported = parallel(
        lambda: cli(url, "session", "links", FOUR_SLUG, instance=inst),
        lambda: cli(url, "session", "export", FOUR_SLUG, instance=inst),
    )
    assert ok_json(again) == links
    assert check_links(ok_json(again), FOUR_SLUG, [1, 2, 3]) == tokens
    assert exported.returncode == 0 and exported.stderr == "", exported.stderr
    assert exported.stdout.startswith("format = 1\n")
    # the export is a valid session file with the content of the original
    assert sessionfile.loads(exported.stdout.encode()) == sessionfile.loads(FOUR.read_bytes())

    path = tmp_path / "export.toml"
    path.write_text(exported.stdout, encoding="utf-8")
    second = ok_json(cli(url, "session", "import", str(path), instance=inst))
    assert second["meeting"] == FOUR_SLUG + "-2"
    assert not set(check_links(second, FOUR_SLUG + "-2", [1, 2, 3])) & set(tokens)  # new links

    exported_again = cli(url, "session", "export", FOUR_SLUG + "-2", instance=inst)
    assert exported_again.returncode == 0, exported_again.stderr
    assert exported_again.stdout == exported.stdout


def test_export_has_all_content_typed_so_far(tmp_path):
    """Entries added after the import are exported; deleted ones are not."""
    import uuid

    from facilitator import operations
    from facilitator.extensions import db
    from facilitator.models import Entry, utcnow

    db_file, inst = tmp_path / "typed.db", tmp_path / "instance"
    app = in_process_app(sqlite_url(db_file))
    with app.app_context():
        from facilitator.database import ensure_schema

        ensure_schema()
        meeting = operations.import_meeting(sessionfile.loads(FOUR.read_bytes()))
        table = meeting.table(2)
        table.entries.append(
            Entry(
                id=str(uuid.uuid4()),
                text="Nieuw <b>getypt</b>",
                bollen=["veiligheid", "sociaal"],
                horizons=["elders"],
                created_seq=meeting.next_seq(),
            )
        )
        table.entries[0].deleted_at = utcnow()
        deleted = table.entries[0].text
        table.report = "Bijgewerkt verslag.\n"
        db.session.commit()
    dispose(app)

    result = cli(sqlite_url(db_file), "session", "export", FOUR_SLUG, instance=inst)
    assert result.returncode == 0, result.stderr
    data = sessionfile.loads(result.stdout.encode())
    texts = [e.text for e in data.tables[1].entries]
    assert texts[-1] == "Nieuw <b>getypt</b>"
    assert data.tables[1].entries[-1].bollen == ["veiligheid", "sociaal"]
    assert deleted not in texts
    assert data.tables[1].report == "Bijgewerkt verslag.\n"


def test_user_create_and_db_upgrade(tmp_path):
    """`user create NAME --password …` as the first command; `flask db upgrade` on another fresh database."""
    users, upgraded_db, inst = tmp_path / "users.db", tmp_path / "upgraded.db", tmp_path / "instance"
    created, upgraded = parallel(
        lambda: cli(
            sqlite_url(users),
            "user",
            "create",
            "Secretaris",
            "--password",
            "geheim-wachtwoord-1",
            instance=inst,
        ),
        lambda: cli(sqlite_url(upgraded_db), "db", "upgrade", instance=inst),
    )
    assert created.returncode == 0, created.stderr
    assert "Secretaris" in created.stdout
    assert sqlite_count(users, "user_account") == 1
    with sqlite3.connect(users) as conn:
        stored = conn.execute("SELECT password_hash FROM user_account").fetchone()[0]
    assert "geheim-wachtwoord-1" not in stored

    assert upgraded.returncode == 0, upgraded.stderr
    with sqlite3.connect(users) as a, sqlite3.connect(upgraded_db) as b:
        version = "SELECT version_num FROM alembic_version"
        assert a.execute(version).fetchall() == b.execute(version).fetchall() != []
        schema = "SELECT name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name"
        assert a.execute(schema).fetchall() == b.execute(schema).fetchall()


def test_user_create_asks_for_the_password_and_refuses_a_taken_name(runner, app, database_url):
    from facilitator.extensions import db
    from facilitator.models import User

    result = runner.invoke(
        args=["user", "create", "Gevraagd"], input="lang-wachtwoord-9\nlang-wachtwoord-9\n"
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.execute(db.select(User).where(User.name == "Gevraagd")).scalar_one()
        assert user.check_password("lang-wachtwoord-9")

    db_file = Path(database_url.removeprefix("sqlite:///"))
    before = sqlite_snapshot(db_file)
    taken = runner.invoke(args=["user", "create", "gevraagd", "--password", "ander-wachtwoord-2"])
    assert taken.exit_code != 0 and taken.stdout == ""
    assert len(taken.stderr.splitlines()) == 1 and "gevraagd" in taken.stderr
    assert sqlite_snapshot(db_file) == before


def test_older_database_is_upgraded_first(tmp_path):
    """A database at an older revision, with a meeting in it, is upgraded by any command."""
    from alembic.script import ScriptDirectory
    from flask_migrate import Migrate, downgrade
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from facilitator import database, operations
    from facilitator.database import MIGRATIONS_DIR, ensure_schema

    db_file, inst = tmp_path / "old.db", tmp_path / "instance"
    url = sqlite_url(db_file)
    app = in_process_app(url)
    with app.app_context():
        ensure_schema()
        operations.import_meeting(sessionfile.loads(FOUR.read_bytes()))
        script = ScriptDirectory.from_config(Migrate().get_config(MIGRATIONS_DIR))
        head = script.get_current_head()
        oldest = list(script.walk_revisions())[-1].revision
        # without the app's PRAGMA foreign_keys=ON: a batch-mode rebuild of a table on SQLite
        # would otherwise cascade into its child rows (see test_storage)
        dispose(app)
        event.remove(Engine, "connect", database.sqlite_pragmas)
        try:
            downgrade(directory=MIGRATIONS_DIR, revision=oldest)
        finally:
            dispose(app)
            event.listen(Engine, "connect", database.sqlite_pragmas)
    dispose(app)
    assert oldest != head
    with sqlite3.connect(db_file) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == oldest

    before = sqlite_count(db_file, "access_token"), sqlite_count(db_file, "entry")
    links = ok_json(cli(url, "session", "links", FOUR_SLUG, instance=inst))
    check_links(links, FOUR_SLUG, [1, 2, 3])
    assert (sqlite_count(db_file, "access_token"), sqlite_count(db_file, "entry")) == before
    with sqlite3.connect(db_file) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == head


@pytest.mark.parametrize(
    "args",
    [
        ["session", "import", str(FOUR)],
        ["session", "export", "x"],
        ["session", "links", "x"],
        ["user", "create", "iemand", "--password", "lang-genoeg-wachtwoord"],
        ["annex", "x", "--out", "bijlage.pdf"],
        ["minutes", "x", "--out", "notulen.docx"],
    ],
    ids=lambda args: " ".join(args[:2]),
)
def test_unreachable_database_is_one_line(args):
    """Every command turns a database failure into one line on stderr."""
    app = in_process_app("postgresql+psycopg://nobody@127.0.0.1:1/nergens")
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code != 0 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("fout: database: "), lines
