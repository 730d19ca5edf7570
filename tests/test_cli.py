"""The command line as a person or script runs it: `.venv/bin/flask --app wsgi …` in a subprocess.

Checks exit status, the links JSON on stdout, one line per problem on stderr, and that an
error leaves the database exactly as it was, on SQLite and (import/export/links) PostgreSQL.
Each process costs about a second (mostly imports), so every error case runs in-process
through the same commands, and a representative set of them also in real processes, in parallel.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from facilitator import sessionfile

from .test_sessionfile import VALID, variant  # one small valid file for both

REPO = Path(__file__).resolve().parent.parent
SESSIONS = REPO / "sessions"
SER = SESSIONS / "ser-raad-2023-01-27.toml"
FOUR = SESSIONS / "veiligheid-vier-bollen.toml"
FLASK = REPO / ".venv" / "bin" / "flask"
PUBLIC_URL = "https://tafels.example.org"
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{22,}$")  # url-safe, at least 128 bits
SER_SLUG = "raad-nr-746-2023-01-27"
FOUR_SLUG = "werkconferentie-regioraad-lingewaard-oost-weerbare-regio-2024-03-14"


def cli(database_url: str, *args: str, instance: Path) -> subprocess.CompletedProcess[str]:
    """Run `flask --app wsgi ARGS` against DATABASE_URL in a process of its own, as a person would."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "cli-test-secret",
        "PUBLIC_URL": PUBLIC_URL,
        "FACILITATOR_INSTANCE": str(instance),
    }
    # as a person runs it: default warning filters, no queue, no other app
    for name in ("SOCKETIO_MESSAGE_QUEUE", "FLASK_APP", "PYTHONWARNINGS"):
        env.pop(name, None)
    return subprocess.run(
        [str(FLASK), "--app", "wsgi", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def sqlite_snapshot(path: Path) -> str | None:
    """The whole database as SQL text, or None when the file does not exist."""
    if not path.exists():
        return None
    with sqlite3.connect(path) as conn:
        return "\n".join(conn.iterdump())


def sqlite_count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608


def pg_snapshot(url: str) -> dict[str, str]:
    """A digest of every row of every table of a PostgreSQL database."""
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1"
            )
        ]
        return {
            t: conn.execute(
                f"SELECT count(*) || ':' || md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) "  # noqa: S608
                f'FROM "{t}" x'
            ).fetchone()[0]
            for t in tables
        }


def check_pair(pair: dict) -> str:
    assert set(pair) == {"url", "token"}, pair
    assert TOKEN_RE.match(pair["token"]), pair
    assert pair["url"].startswith(PUBLIC_URL + "/"), pair
    assert pair["url"].endswith("/" + pair["token"]), pair
    return pair["token"]


def check_links(links: dict, slug: str, tables: list[int]) -> list[str]:
    """The links JSON as the README shows it, keys in that order; returns every token."""
    assert list(links) == ["meeting", "secretariat", "screen", "chair", "tables"]
    assert links["meeting"] == slug
    assert isinstance(links["secretariat"], str) and links["secretariat"].startswith(PUBLIC_URL + "/")
    tokens = [check_pair(links["screen"]), check_pair(links["chair"])]
    assert list(links["tables"]) == [str(n) for n in tables]
    for roles in links["tables"].values():
        assert set(roles) == {"rapporteur", "participant"}
        tokens += [check_pair(roles["rapporteur"]), check_pair(roles["participant"])]
    assert len(set(tokens)) == len(tokens) == 2 + 2 * len(tables), "tokens must be distinct"
    assert len({links["screen"]["url"], links["chair"]["url"]}) == 2
    return tokens


def ok_json(result: subprocess.CompletedProcess[str]) -> dict:
    """A successful command whose stdout is nothing but one JSON document."""
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr
    return json.loads(result.stdout)


# --------------------------------------------------------------------------- the happy path


def parallel(*calls):
    """Run several independent CLI calls at once (each is a process of about a second)."""
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(lambda call: call(), calls))


def in_process_app(url: str):
    """The app on the same DATABASE_URL, for setting up or inspecting what the CLI sees."""
    from facilitator import TestingConfig, create_app

    return create_app(TestingConfig(url))


def dispose(app) -> None:
    from facilitator.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


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


# --------------------------------------------------------------------------- errors on SQLite


def with_bollen(n: int) -> str:
    items = ", ".join(f'{{key = "b{i}", label = "B{i}"}}' for i in range(n))
    return VALID.replace(
        "[[tables]]\nnumber = 1", f"[template]\nbollen = [{items}]\n\n[[tables]]\nnumber = 1", 1
    )


@dataclass
class Case:
    """An error run: the file's content (or a special path) and the problems expected on stderr."""

    content: bytes | str | None
    expected: list[tuple[str, int | None]]  # (field, line) per stderr line, in order
    words: list[str] = field(default_factory=list)
    args: list[str] | None = None  # another command than `session import FILE`
    fresh: bool = False  # run against a database that does not exist yet
    subprocess: bool = False  # also run through a real `flask` process (slower)


CASES: dict[str, Case] = {
    "missing-title": Case(variant(l4="# -"), [("meeting.title", 3)], ["ontbreekt"]),
    "missing-date": Case(variant(l5="# -"), [("meeting.date", 3)], ["ontbreekt"]),
    "date-as-text": Case(variant(l5='date = "2024-05-02"'), [("meeting.date", 5)], ["datum"]),
    "number-as-text": Case(variant(l18='number = "2"'), [("tables[2].number", 18)], ["getal"]),
    "title-as-number": Case(variant(l4="title = 746"), [("meeting.title", 4)], ["tekst"]),
    "participants-as-text": Case(
        variant(l9='participants = "Jansen"', l10="# -"), [("tables[1].participants", 9)], ["lijst"]
    ),
    "duplicate-table": Case(variant(l18="number = 1"), [("tables[2].number", 18)], ["twee keer"]),
    "leader-not-participant": Case(
        variant(l20='leader = "Niemand"'), [("tables[2].leader", 20)], ["Niemand"]
    ),
    "unknown-bol": Case(
        variant(l14='bollen = ["veiligheid"]'),
        [("tables[1].entries[1].bollen", 14)],
        ["veiligheid"],
    ),
    "unknown-horizon": Case(
        variant(l15='horizons = ["morgen"]'), [("tables[1].entries[1].horizons", 15)], ["morgen"]
    ),
    "one-bol": Case(
        with_bollen(1), [("template.bollen", 8), ("tables[1].entries[1].bollen", 17)], ["2 tot 8"]
    ),
    "nine-bollen": Case(
        with_bollen(9),
        [("template.bollen", 8), ("tables[1].entries[1].bollen", 17)],
        ["2 tot 8"],
        subprocess=True,
    ),
    "name-with-newline": Case(
        # refused as a line break in a one-line field (rules.text_problem), still on one line
        variant(l20=r'leader = "Nie\nmand"'),
        [("tables[2].leader", 20)],
        ["regeleinde (U+000A)", "één regel"],
    ),
    "title-too-long": Case(variant(l4=f'title = "{"x" * 201}"'), [("meeting.title", 4)], ["hoogstens 200"]),
    "entry-text-too-long": Case(
        variant(l13=f'text = "{"x" * 501}"'),
        [("tables[1].entries[1].text", 13)],
        ["hoogstens 500"],
    ),
    "report-too-long": Case(
        variant(l20=f'leader = "Visser"\nreport = """{"x" * 100_001}"""'),
        [("tables[2].report", 21)],
        ["hoogstens 100000"],
    ),
    "not-utf8": Case(
        VALID.encode().replace(b"Werkoverleg", b"Werk\xe9verleg"),
        [("bestand", 4)],
        ["UTF-8"],
        subprocess=True,
    ),
    "over-2-mb": Case(
        VALID.encode() + b"#" * (2 * 1024 * 1024), [("", None)], ["te groot", "2 MB"], subprocess=True
    ),
    "toml-syntax": Case(variant(l9='participants = ["Jansen"'), [("bestand", 10)], ["TOML", "kolom"]),
    "missing-file": Case(None, [("", None)], ["kan het bestand niet lezen"]),
    "directory": Case("<dir>", [("", None)], ["kan het bestand niet lezen"]),
    "empty-file": Case("", [("format", None), ("meeting", None)], ["ontbreekt"]),
    "several-problems": Case(
        variant(l4="# -", l14='bollen = ["x"]', l18="number = 1", l20='leader = "Y"'),
        [
            ("meeting.title", 3),
            ("tables[1].entries[1].bollen", 14),
            ("tables[2].number", 18),
            ("tables[2].leader", 20),
        ],
        subprocess=True,
    ),
    "invalid-on-fresh-database": Case(
        variant(l20='leader = "Niemand"'), [("tables[2].leader", 20)], fresh=True, subprocess=True
    ),
    "export-unknown-slug": Case(
        None,
        [("", None)],
        ["onbekende vergadering", "bestaat-niet"],
        args=["session", "export", "bestaat-niet"],
        subprocess=True,
    ),
    "links-unknown-slug": Case(
        None,
        [("", None)],
        ["onbekende vergadering", "bestaat-niet"],
        args=["session", "links", "bestaat-niet"],
    ),
    "links-unknown-slug-fresh": Case(
        None,
        [("", None)],
        ["onbekende vergadering"],
        args=["session", "links", "bestaat-niet"],
        fresh=True,
        subprocess=True,
    ),
    "annex-unknown-slug": Case(
        None,
        [("", None)],
        ["onbekende vergadering", "bestaat-niet"],
        args=["annex", "bestaat-niet", "--out", "bijlage.pdf"],
    ),
    "user-weak-password": Case(
        None, [("", None)], ["10 tekens"], args=["user", "create", "iemand", "--password", "kort"]
    ),
}
SUBPROCESS_CASES = [name for name, case in CASES.items() if case.subprocess]


def write_case_file(case: Case, folder: Path) -> Path:
    path = folder / "sessie.toml"
    if isinstance(case.content, bytes):
        path.write_bytes(case.content)
    elif case.content == "<dir>":
        path.mkdir()
    elif isinstance(case.content, str):
        path.write_text(case.content, encoding="utf-8")
    return path


def data_rows(snapshot: str | None) -> list[str]:
    """The INSERT lines of a dump (the data, not the schema), apart from Alembic's own."""
    return [
        line
        for line in (snapshot or "").splitlines()
        if line.startswith("INSERT") and "alembic_version" not in line
    ]


def check_error(case: Case, path: Path, returncode: int, stdout: str, stderr: str) -> None:
    """Non-zero exit, nothing on stdout, one stderr line per expected problem naming field and line."""
    assert returncode != 0
    assert stdout == ""
    assert stderr.endswith("\n"), repr(stderr)
    lines = stderr.splitlines()
    assert len(lines) == len(case.expected), lines
    assert "Traceback" not in stderr
    for line, (field_name, line_number) in zip(lines, case.expected, strict=True):
        if case.args is None:
            # the file, then the field and (where the file shows it) the line
            prefix = f"fout: {path}: "
            assert line.startswith(prefix), line
            if field_name:
                where = f"{field_name} (regel {line_number}" if line_number else f"{field_name}: "
                assert line[len(prefix) :].startswith(where), line
            if line_number is None:
                assert "regel" not in line, line
        else:
            assert line.startswith("fout: "), line
    for word in case.words:
        assert word in stderr, stderr


@dataclass
class Outcome:
    path: Path
    result: subprocess.CompletedProcess[str]
    before: str | None
    after: str | None


@pytest.fixture(scope="module")
def subprocess_outcomes(tmp_path_factory) -> dict[str, Outcome]:
    """The subprocess error cases, each on its own copy of a database holding a meeting, in parallel."""
    base = tmp_path_factory.mktemp("errors")
    seeded = base / "seeded.db"
    app = in_process_app(sqlite_url(seeded))
    with app.app_context():
        from facilitator import operations
        from facilitator.database import ensure_schema

        ensure_schema()
        operations.import_meeting(sessionfile.loads(FOUR.read_bytes()))
    dispose(app)

    def run(name: str) -> tuple[str, Outcome]:
        case = CASES[name]
        folder = base / name
        folder.mkdir()
        db_file = folder / "test.db"
        if not case.fresh:
            with sqlite3.connect(seeded) as src, sqlite3.connect(db_file) as dst:
                src.backup(dst)
        path = write_case_file(case, folder)
        args = case.args or ["session", "import", str(path)]
        before = sqlite_snapshot(db_file)
        result = cli(sqlite_url(db_file), *args, instance=base / "instance")
        return name, Outcome(path, result, before, sqlite_snapshot(db_file))

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(pool.map(run, SUBPROCESS_CASES))


@pytest.mark.parametrize("name", SUBPROCESS_CASES)
def test_error_in_a_real_process(subprocess_outcomes, name):
    case, outcome = CASES[name], subprocess_outcomes[name]
    result = outcome.result
    check_error(case, outcome.path, result.returncode, result.stdout, result.stderr)
    if case.fresh and case.args is None:
        # an invalid file as the very first command: not even a database file appears
        assert outcome.before is None and outcome.after is None
    elif case.fresh:
        # every command makes the schema first, but this one wrote no data
        assert outcome.before is None and "CREATE TABLE meeting" in outcome.after
        assert data_rows(outcome.after) == []
    else:
        # the database is exactly as it was
        assert FOUR_SLUG in outcome.before
        assert outcome.after == outcome.before


@pytest.fixture(scope="module")
def seeded_app(tmp_path_factory):
    """One app on a SQLite database holding a meeting, shared by the in-process error cases
    (each of them checks that it left the database exactly as it was)."""
    from facilitator import operations
    from facilitator.database import ensure_schema

    db_file = tmp_path_factory.mktemp("in-process") / "seeded.db"
    app = in_process_app(sqlite_url(db_file))
    with app.app_context():
        ensure_schema()
        operations.import_meeting(sessionfile.loads(FOUR.read_bytes()))
    yield app, db_file
    dispose(app)


@pytest.mark.parametrize("name", [n for n, c in CASES.items() if not c.fresh])
def test_error_in_process(seeded_app, tmp_path, name):
    """Every error case through the same commands in-process (fast), on a database with a meeting."""
    app, db_file = seeded_app
    case = CASES[name]
    before = sqlite_snapshot(db_file)
    assert FOUR_SLUG in before
    path = write_case_file(case, tmp_path)
    result = app.test_cli_runner().invoke(args=case.args or ["session", "import", str(path)])
    check_error(case, path, result.exit_code, result.stdout, result.stderr)
    assert sqlite_snapshot(db_file) == before


def test_every_kind_of_error_has_a_case():
    """The kinds of error a person meets (the README's limits, unknown slugs, unreadable files) each have a case."""
    names = set(CASES)
    for needed in (
        "missing-title",
        "missing-date",
        "date-as-text",
        "number-as-text",
        "duplicate-table",
        "leader-not-participant",
        "unknown-bol",
        "unknown-horizon",
        "one-bol",
        "nine-bollen",
        "title-too-long",
        "entry-text-too-long",
        "not-utf8",
        "over-2-mb",
        "export-unknown-slug",
        "links-unknown-slug",
        "annex-unknown-slug",
        "missing-file",
    ):
        assert needed in names


# --------------------------------------------------------------------------- PostgreSQL


@pytest.mark.postgres
def test_import_export_links_on_postgresql(postgres, tmp_path):
    """import as the first command on a fresh PostgreSQL database; links, export, and errors there."""
    url, inst = postgres.create_database(), tmp_path / "instance"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return cli(url, *args, instance=inst)

    assert pg_snapshot(url) == {}  # a fresh database: import is the very first command
    links = ok_json(run("session", "import", str(SER)))
    tokens = check_links(links, SER_SLUG, [1, 2, 3, 4, 5, 6])

    before = pg_snapshot(url)
    assert before["meeting"].startswith("1:") and before["round_table"].startswith("6:")
    bad = tmp_path / "bad.toml"
    bad.write_text(variant(l20='leader = "Niemand"'), encoding="utf-8")
    # links and export only read, so the failing commands run alongside them
    again, exported, invalid, unknown = parallel(
        lambda: run("session", "links", SER_SLUG),
        lambda: run("session", "export", SER_SLUG),
        lambda: run("session", "import", str(bad)),
        lambda: run("session", "export", "bestaat-niet"),
    )
    assert ok_json(again) == links and check_links(links, SER_SLUG, [1, 2, 3, 4, 5, 6]) == tokens
    assert exported.returncode == 0 and exported.stderr == "", exported.stderr
    assert sessionfile.loads(exported.stdout.encode()) == sessionfile.loads(SER.read_bytes())
    check_error(CASES["leader-not-participant"], bad, invalid.returncode, invalid.stdout, invalid.stderr)
    check_error(CASES["export-unknown-slug"], bad, unknown.returncode, unknown.stdout, unknown.stderr)
    assert pg_snapshot(url) == before


def test_deeply_nested_session_file_is_one_line_not_a_traceback(tmp_path):
    """`session import` of a deeply nested TOML file: one Dutch line, status 1, nothing written."""
    path = tmp_path / "diep.toml"
    path.write_bytes(b"format = 1\nx = " + b"[" * 5000 + b"]" * 5000 + b"\n")
    db_file = tmp_path / "diep.db"
    result = cli(sqlite_url(db_file), "session", "import", str(path), instance=tmp_path / "instance")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "RecursionError" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"fout: {path}: bestand (regel 2): te diep genest")
    assert result.stdout == ""
