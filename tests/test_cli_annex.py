"""The command line's annex: its render child started before the app imports, the lean app of a
rendering command, and the progress bar on stderr (issue 20 part 3)."""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess

import pytest

from facilitator.export import child, process
from facilitator.export.progressbar import ProgressBar, wanted

from .annex_support import PdfReadBack
from .cli_support import SER, SER_SLUG, cli, dispose, in_process_app, ok_json, sqlite_count, sqlite_url

FLASK = "/srv/app/.venv/bin/flask"


@pytest.mark.parametrize(
    ("argv", "formats"),
    [
        ([FLASK, "--app", "wsgi", "annex", "s", "--out", "a.pdf"], {"pdf"}),
        (
            [FLASK, "-A", "wsgi", "--env-file", ".env", "annex", "s", "--out", "a.docx", "--format", "docx"],
            {"docx"},
        ),
        ([FLASK, "--app=wsgi", "annex", "s", "--out", "a.odt", "--format=odt"], {"odt"}),
        ([FLASK, "--app", "wsgi", "archive", "s", "--out", "a.zip"], {"pdf", "odt"}),
        (["/usr/lib/python3/site-packages/flask/__main__.py", "--app", "wsgi", "annex", "s"], {"pdf"}),
        # Markdown needs no child; help needs nothing; other commands, servers and tests neither
        ([FLASK, "--app", "wsgi", "annex", "s", "--out", "a.md", "--format", "md"], set()),
        ([FLASK, "--app", "wsgi", "annex", "--help"], set()),
        ([FLASK, "--app", "wsgi", "session", "import", "annex"], set()),
        ([FLASK, "--app", "wsgi", "run"], set()),
        (["gunicorn", "wsgi:app"], set()),
        (["/srv/app/.venv/bin/pytest", "annex"], set()),
        ([], set()),
    ],
)
def test_which_commands_start_the_render_child_early_and_for_which_formats(argv, formats):
    assert process.child_formats(argv) == formats
    assert process.command_needs_child(argv) is bool(formats)


def test_the_early_child_is_the_one_the_export_takes():
    argv = [FLASK, "--app", "wsgi", "annex", "s", "--out", "a.pdf"]
    assert not process.start_for_command(argv, env={"ANNEX_PRESTART": "0"})
    assert process.start_for_command(argv, env={"ANNEX_MEMORY_MB": "900", "ANNEX_TIMEOUT": "60"})
    early = process._early
    assert early is not None and early[0] == (900, 60)
    proc = child._take(900, 60.0)  # what child.run does first
    try:
        assert proc is early[1] and proc.poll() is None
        assert process.take_early() is None  # taken once
    finally:
        process.end(proc)


def test_an_unused_early_child_ends_with_the_command():
    assert process.start_for_command([FLASK, "annex", "s", "--out", "a.pdf"], env={})
    proc = process._early[1]
    process._end_early()  # atexit: a command that failed before its export
    assert proc.poll() is not None and process._early is None


def test_a_rendering_command_gets_the_app_without_its_pages(tmp_path):
    from facilitator import TestingConfig, create_app

    lean = create_app(TestingConfig(sqlite_url(tmp_path / "a.db")), pages=False)
    whole = create_app(TestingConfig(sqlite_url(tmp_path / "b.db")))
    assert lean.blueprints == {} and whole.blueprints
    # every command of the app's own; not Flask-Migrate's `db` group, nor Flask-SocketIO
    assert set(whole.cli.commands) - set(lean.cli.commands) == {"db"}
    assert {"annex", "archive", "session", "style", "retention"} <= set(lean.cli.commands)
    assert {"migrate", "socketio"} <= set(whole.extensions)
    assert not {"migrate", "socketio"} & set(lean.extensions)


# the server's parts a rendering command must not import (about a quarter of its start-up)
SERVER_ONLY = ("flask_socketio", "socketio", "engineio", "flask_migrate", "alembic", "requests", "redis")


def imported(stderr: str) -> set[str]:
    """The top-level packages a process imported, from its `-X importtime` lines."""
    names = (line.split("|")[-1].strip() for line in stderr.splitlines() if line.startswith("import time:"))
    return {name.split(".")[0] for name in names}


def test_a_rendering_command_imports_no_server_parts(tmp_path):
    """`annex` on a database at the newest migration: neither Socket.IO nor Alembic is
    imported (ensure_schema asks the database with one query), and the PDF is whole; the
    commands that keep them (here `session links`, with the whole app) still import them."""
    url, inst = sqlite_url(tmp_path / "lean.db"), tmp_path / "instance"
    ok_json(cli(url, "session", "import", str(SER), instance=inst))
    profile = {"PYTHONPROFILEIMPORTTIME": "1"}
    out = tmp_path / "lean.pdf"
    annex = cli(url, "annex", SER_SLUG, "--out", str(out), instance=inst, env_extra=profile)
    assert annex.returncode == 0 and annex.stdout == "", annex.stderr[-2000:]
    modules = imported(annex.stderr)
    assert {"flask", "sqlalchemy", "facilitator"} <= modules  # the profile is read right
    assert not modules & set(SERVER_ONLY)
    assert len(PdfReadBack(out).pages) > 10
    links = cli(url, "session", "links", SER_SLUG, instance=inst, env_extra=profile)
    assert links.returncode == 0 and {"flask_socketio", "alembic"} <= imported(links.stderr)


def child_imports(formats: set[str] | None) -> set[str]:
    """The packages a render child imports, given an empty job, which it refuses: the server's
    spare (every format, warmed up) or the command line's (``formats``, no warm-up)."""
    command = process.command(1536, 60, warm=formats is None, formats=formats)
    command[1:1] = ["-X", "importtime"]  # -I ignores PYTHONPROFILEIMPORTTIME
    run = subprocess.run(command, input=b"{}", capture_output=True, env=process.child_env(), timeout=120)
    assert run.returncode == 1 and b"KeyError" in run.stderr
    return imported(run.stderr.decode())


def test_the_render_child_imports_no_flask_and_only_what_its_formats_need():
    """The render child, warm-up included, imports WeasyPrint and the export's writers, never
    Flask, Flask-Babel, Werkzeug or SQLAlchemy (about 0.1 s of its start-up when it did,
    through the house style's and the rules' translated messages). The command line's child
    imports only what its format needs: a DOCX no WeasyPrint (0.6 s), a PDF no python-docx."""
    server_spare = child_imports(None)
    assert {"weasyprint", "docx", "odfdo", "jinja2", "segno", "facilitator"} <= server_spare  # warmed up
    assert not server_spare & {"flask", "flask_babel", "werkzeug", "sqlalchemy", *SERVER_ONLY}
    pdf = child_imports({"pdf"})
    assert "weasyprint" in pdf and not pdf & {"docx", "odfdo", "segno"}  # no cards, no writers
    docx = child_imports({"docx"})
    assert "docx" in docx and not docx & {"weasyprint", "odfdo"}


def test_the_newest_migration_is_read_as_alembic_reads_it():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from facilitator.database import MIGRATIONS_DIR, head_revisions

    config = Config()
    config.set_main_option("script_location", MIGRATIONS_DIR)
    script = ScriptDirectory.from_config(config)
    assert head_revisions() == frozenset(script.get_heads()) and len(head_revisions()) == 1


def test_a_rendering_command_upgrades_a_database_behind_the_newest_migration(tmp_path):
    """A database at an older migration is upgraded by `annex` first (then the unknown
    meeting is the one error), as by every other command: the lean app binds Alembic then."""
    from flask_migrate import upgrade

    from facilitator.database import MIGRATIONS_DIR, head_revisions

    db_file, inst = tmp_path / "old.db", tmp_path / "instance"
    url = sqlite_url(db_file)
    app = in_process_app(url)
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision="4e6a8c0b2d5f")  # rounds, before entry groups
    dispose(app)
    assert version(db_file) == "4e6a8c0b2d5f" and "4e6a8c0b2d5f" not in head_revisions()

    failed = cli(url, "annex", "geen-vergadering", "--out", str(tmp_path / "a.pdf"), instance=inst)
    assert failed.returncode == 1 and failed.stdout == ""
    assert len(failed.stderr.splitlines()) == 1 and "geen-vergadering" in failed.stderr
    assert {version(db_file)} == head_revisions()
    assert sqlite_count(db_file, "entry_group") == 0  # the newer migrations' tables are there


def version(db_file) -> str:
    with sqlite3.connect(db_file) as conn:
        return conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]


# --------------------------------------------------------------------------- the progress bar


def test_the_bar_redraws_one_line_and_ends_it():
    out = io.StringIO()
    bar = ProgressBar(out, width=10)
    for fraction, stage in [
        (0.02, "figures"),
        (0.02, "figures"),
        (0.5, "layout"),
        (0.4, "layout"),
        (1, "done"),
    ]:
        bar(fraction, stage)
    bar.close()
    text = out.getvalue()
    frames = text.rstrip("\n").split("\r")[1:]
    assert frames[0].startswith("[..........]   2 %  figuren tekenen")
    assert frames[1].startswith("[#####.....]  50 %  pagina's opmaken")
    assert frames[-1].startswith("[##########] 100 %  klaar")
    assert len(frames) == 3  # the same step drawn once; the bar never goes back
    lengths = [len(frame) for frame in frames]
    assert lengths == sorted(lengths)  # a shorter stage's text is padded over a longer one's
    assert text.endswith("\n") and text.count("\n") == 1


def test_the_bar_shows_on_a_terminal_or_when_asked():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert wanted(None, Terminal()) and not wanted(None, io.StringIO())
    assert wanted(True, io.StringIO()) and not wanted(False, Terminal())
    empty = io.StringIO()
    ProgressBar(empty).close()
    assert empty.getvalue() == ""  # nothing drawn, no empty line


def test_the_command_line_annex_with_and_without_a_bar(tmp_path):
    """stdout stays empty for scripts; the bar only on stderr with --progress (stderr is no
    terminal here); the PDF is the whole annex either way; a failure's line starts afresh."""
    url, inst = sqlite_url(tmp_path / "cli.db"), tmp_path / "instance"
    ok_json(cli(url, "session", "import", str(SER), instance=inst))

    quiet = cli(url, "annex", SER_SLUG, "--out", str(tmp_path / "quiet.pdf"), instance=inst)
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")

    shown = cli(url, "annex", SER_SLUG, "--out", str(tmp_path / "bar.pdf"), "--progress", instance=inst)
    assert shown.returncode == 0 and shown.stdout == "", shown.stderr
    frames = shown.stderr.split("\r")
    assert frames[0] == "" and shown.stderr.endswith("\n") and shown.stderr.count("\n") == 1
    assert any("figuren tekenen" in frame for frame in frames)
    assert any("pagina's opmaken" in frame for frame in frames)
    assert frames[-1].startswith("[" + "#" * 30 + "] 100 %  klaar")
    pages = [int(frame.split("]")[1].split("%")[0]) for frame in frames[1:]]
    assert pages == sorted(pages) and pages[-1] == 100
    quiet_pdf, bar_pdf = PdfReadBack(tmp_path / "quiet.pdf"), PdfReadBack(tmp_path / "bar.pdf")
    assert len(bar_pdf.pages) == len(quiet_pdf.pages) > 10
    assert bar_pdf.text == quiet_pdf.text

    failed = cli(
        url,
        "annex",
        SER_SLUG,
        "--out",
        str(tmp_path / "late.pdf"),
        "--progress",
        instance=inst,
        env_extra={"ANNEX_TIMEOUT": "0.001"},
    )
    assert failed.returncode == 1 and failed.stdout == ""
    bar, error = failed.stderr.rstrip("\n").rsplit("\n", 1)
    assert bar.startswith("\r[") and error.startswith("fout: ") and "afgebroken" in error
    assert not (tmp_path / "late.pdf").exists()
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".part")]


def test_a_rendering_command_creates_then_checks_the_schema_on_postgresql(postgres, tmp_path):
    """PostgreSQL: a fresh database (no alembic_version: the query fails, the upgrade runs in a
    clean transaction) gets the whole schema from `annex`; the next `annex` finds it at the
    newest migration. Both end at the unknown meeting, the one error."""
    import psycopg

    from facilitator.database import head_revisions

    url, inst = postgres.create_database(), tmp_path / "instance"
    for upgrades in (True, False):
        failed = cli(
            url,
            "annex",
            "geen-vergadering",
            "--out",
            str(tmp_path / "a.pdf"),
            instance=inst,
            env_extra={"PYTHONPROFILEIMPORTTIME": "1"},
        )
        errors = [line for line in failed.stderr.splitlines() if not line.startswith("import time:")]
        assert failed.returncode == 1 and failed.stdout == ""
        assert len(errors) == 1 and "geen-vergadering" in errors[0]
        assert ("alembic" in imported(failed.stderr)) is upgrades  # Alembic only to upgrade
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
            found = {row[0] for row in conn.execute("SELECT version_num FROM alembic_version")}
        assert found == head_revisions()
