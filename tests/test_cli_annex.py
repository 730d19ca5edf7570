"""The command line's annex: its render child started before the app imports, the lean app of a
rendering command, and the progress bar on stderr (issue 20 part 3)."""

from __future__ import annotations

import io
import os

import pytest

from facilitator.export import child, process
from facilitator.export.progressbar import ProgressBar, wanted

from .annex_support import PdfReadBack
from .cli_support import SER, SER_SLUG, cli, ok_json, sqlite_url

FLASK = "/srv/app/.venv/bin/flask"


@pytest.mark.parametrize(
    ("argv", "needed"),
    [
        ([FLASK, "--app", "wsgi", "annex", "s", "--out", "a.pdf"], True),
        (
            [FLASK, "-A", "wsgi", "--env-file", ".env", "annex", "s", "--out", "a.docx", "--format", "docx"],
            True,
        ),
        ([FLASK, "--app=wsgi", "annex", "s", "--out", "a.odt", "--format=odt"], True),
        ([FLASK, "--app", "wsgi", "archive", "s", "--out", "a.zip"], True),
        (["/usr/lib/python3/site-packages/flask/__main__.py", "--app", "wsgi", "annex", "s"], True),
        # Markdown needs no child; help needs nothing; other commands, servers and tests neither
        ([FLASK, "--app", "wsgi", "annex", "s", "--out", "a.md", "--format", "md"], False),
        ([FLASK, "--app", "wsgi", "annex", "--help"], False),
        ([FLASK, "--app", "wsgi", "session", "import", "annex"], False),
        ([FLASK, "--app", "wsgi", "run"], False),
        (["gunicorn", "wsgi:app"], False),
        (["/srv/app/.venv/bin/pytest", "annex"], False),
        ([], False),
    ],
)
def test_which_commands_start_the_render_child_early(argv, needed):
    assert process.command_needs_child(argv) is needed


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
    assert set(lean.cli.commands) == set(whole.cli.commands)
    assert {"annex", "archive", "session", "style", "retention"} <= set(lean.cli.commands)


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
