"""`flask --app wsgi annex SLUG …` (a meeting's annex), `minutes SLUG …` (the minutes' section),
`archive SLUG …` (the archive package) and `data SLUG …` (the data for analysis)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext

from ..console import fail, meeting_or_fail, one_line_errors
from ..database import ensure_schema
from ..rules import LANGUAGES
from .annex import ORDERS, AnnexOptions
from .datafiles import SHEETS
from .progressbar import progress_bar
from .service import ExportError, export_annex, load_meeting, load_meeting_data, write_atomic

PROGRESS = click.option(
    "--progress/--no-progress",
    default=None,
    help="A progress bar on stderr (default: when stderr is a terminal).",
)


def _audit(action: str, slug: str, **detail: Any) -> None:
    """The export in the audit trail, as the command line (no account, no address)."""
    from ..audit.trail import record
    from ..operations import get_meeting

    record(action, get_meeting(slug), **detail)


@click.command("annex")
@click.argument("slug")
@click.option(
    "--out", "out", required=True, type=click.Path(dir_okay=False, writable=True), help="The file to write."
)
@click.option(
    "--format", "fmt", type=click.Choice(["pdf", "docx", "odt", "md"]), default="pdf", show_default=True
)
@click.option("--feedback/--no-feedback", default=False, help="Include the plenary feedback summaries.")
@click.option("--skip-empty", is_flag=True, help="Leave out tables without report, feedback or entries.")
@click.option("--order", type=click.Choice(ORDERS), default="number", show_default=True, help="Table order.")
@click.option("--lang", type=click.Choice(LANGUAGES), default=None, help="Language (default: the meeting's).")
@PROGRESS
@with_appcontext
@one_line_errors
def annex_command(
    slug: str,
    out: str,
    fmt: str,
    feedback: bool,
    skip_empty: bool,
    order: str,
    lang: str | None,
    progress: bool | None,
) -> None:
    """Write the meeting's annex (PDF/A + PDF/UA, DOCX, ODT or Markdown) in the meeting's language."""
    ensure_schema()
    data = meeting_or_fail(slug, load_meeting_data)
    target = Path(out)
    if not target.parent.is_dir():
        fail(f"{out}: de map {target.parent} bestaat niet")
    options = AnnexOptions(include_feedback=feedback, skip_empty=skip_empty, order=order)
    problem = None
    with progress_bar(progress) as bar:
        try:
            # keep_spare off: the command ends after one export
            export_annex(data, fmt, target, options, progress=bar, keep_spare=False, lang=lang)
        except (ExportError, OSError) as exc:
            problem = _problem(out, exc)
    if problem:
        fail(problem)  # after the bar's line has ended
    _audit("annex_started", slug, format=fmt)


def _problem(out: str, exc: Exception) -> str:
    """The one line a failed export prints."""
    if isinstance(exc, ExportError):
        return f"{out}: {exc}"
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
    return f"{out}: kan niet schrijven ({reason})"


@click.command("minutes")
@click.argument("slug")
@click.option(
    "--out", "out", required=True, type=click.Path(dir_okay=False, writable=True), help="The file to write."
)
@click.option("--format", "fmt", type=click.Choice(["docx", "md"]), default="docx", show_default=True)
@click.option("--lang", type=click.Choice(LANGUAGES), default=None, help="Language (default: the meeting's).")
@with_appcontext
@one_line_errors
def minutes_command(slug: str, out: str, fmt: str, lang: str | None) -> None:
    """Write the minutes' section "Terugkoppeling tafels" (DOCX or Markdown) in the meeting's language."""
    from . import minutes  # python-docx only when it is needed

    ensure_schema()
    data = meeting_or_fail(slug, load_meeting_data)
    target = Path(out)
    if not target.parent.is_dir():
        fail(f"{out}: de map {target.parent} bestaat niet")
    try:
        minutes.write(data, fmt, target, lang)
    except OSError as exc:
        fail(f"{out}: kan niet schrijven ({exc.strerror or exc})")
    _audit("feedback_exported", slug, format=fmt)


@click.command("archive")
@click.argument("slug")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, writable=True),
    help="The ZIP file to write.",
)
@click.option("--feedback/--no-feedback", default=False, help="Include the plenary feedback summaries.")
@click.option("--skip-empty", is_flag=True, help="Leave out tables without report, feedback or entries.")
@click.option("--order", type=click.Choice(ORDERS), default="number", show_default=True, help="Table order.")
@PROGRESS
@with_appcontext
@one_line_errors
def archive_command(
    slug: str, out: str, feedback: bool, skip_empty: bool, order: str, progress: bool | None
) -> None:
    """Write the archive package: the annex as PDF/A and ODT, the session file, the minutes' section
    and a manifest with SHA-256 checksums (ZIP), in the meeting's language."""
    from .archive import export_archive

    ensure_schema()
    data = meeting_or_fail(slug, load_meeting_data)
    target = Path(out)
    if not target.parent.is_dir():
        fail(f"{out}: de map {target.parent} bestaat niet")
    options = AnnexOptions(include_feedback=feedback, skip_empty=skip_empty, order=order)
    problem = None
    with progress_bar(progress) as bar:
        try:
            export_archive(data, slug, target, options, progress=bar, keep_spare=False)
        except (ExportError, OSError) as exc:
            problem = _problem(out, exc)
    if problem:
        fail(problem)
    _audit("annex_started", slug, format="archive")


@click.command("data")
@click.argument("slug")
@click.option(
    "--out", "out", required=True, type=click.Path(dir_okay=False, writable=True), help="The file to write."
)
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), default="xlsx", show_default=True)
@click.option(
    "--sheet",
    type=click.Choice(SHEETS),
    default="entries",
    show_default=True,
    help="For CSV: which sheet (the workbook holds them all).",
)
@with_appcontext
@one_line_errors
def data_command(slug: str, out: str, fmt: str, sheet: str) -> None:
    """Write the data for analysis: every sheet as one XLSX workbook, or one sheet as CSV."""
    from . import datafiles

    ensure_schema()
    meeting = meeting_or_fail(slug, load_meeting)
    target = Path(out)
    if not target.parent.is_dir():
        fail(f"{out}: de map {target.parent} bestaat niet")
    try:
        if fmt == "csv":
            write_atomic(target, datafiles.to_csv(datafiles.sheet(meeting, sheet)))
        else:
            buffer = io.BytesIO()
            datafiles.write_xlsx(datafiles.sheets(meeting), buffer, title=meeting.title)
            write_atomic(target, buffer.getvalue())
    except OSError as exc:
        fail(f"{out}: kan niet schrijven ({exc.strerror or exc})")
    _audit("data_exported", slug, format=fmt, **({"sheet": sheet} if fmt == "csv" else {}))
