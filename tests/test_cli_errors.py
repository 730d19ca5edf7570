"""The command line's errors: one line per problem on stderr, and the database exactly as it was,
on SQLite and (import/export/links, with their errors) PostgreSQL.

Each process costs about a second (mostly imports), so every error case runs in-process
through the same commands, and a representative set of them also in real processes, in parallel.
"""

from __future__ import annotations

import sqlite3
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from facilitator import sessionfile

from .cli_support import (
    FOUR,
    FOUR_SLUG,
    SER,
    SER_SLUG,
    check_links,
    cli,
    dispose,
    in_process_app,
    ok_json,
    parallel,
    pg_snapshot,
    sqlite_snapshot,
    sqlite_url,
)
from .sessionfile_support import VALID, variant  # one small valid file for both

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
    # links and export change nothing but the audit trail: the failing commands run alongside them
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
    after = pg_snapshot(url)
    # the export is in the audit trail (the import before it too); nothing else changed
    assert (before.pop("audit_event")[:2], after.pop("audit_event")[:2]) == ("1:", "2:")
    assert after == before


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
