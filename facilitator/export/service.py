"""Export a meeting's annex: load plain data, build the annex, write PDF, DOCX, ODT or Markdown.

The one entry point for the command line, the web jobs and the benchmarks. It needs an app
context (database, translation catalogue); the heavy part runs in a child process.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import offloop
from ..extensions import db
from ..meeting_data import MeetingData, meeting_to_data
from ..models import Meeting, RoundTable
from . import annex as annex_module
from . import child, html, markdown_writer
from .annex import Annex, AnnexOptions
from .child import RenderError
from .fonts import FontsMissing, check_fonts

FORMATS = {
    "pdf": ("application/pdf", ".pdf"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
    "odt": ("application/vnd.oasis.opendocument.text", ".odt"),
    "md": ("text/markdown", ".md"),  # Flask adds "; charset=utf-8"
    "zip": ("application/zip", ".zip"),  # the archive package (archive.py), not an annex format
}
ANNEX_FORMATS = ("pdf", "docx", "odt", "md")

# progress: (fraction 0–1, stage) — the stage is a key the web page translates
Progress = Callable[[float, str], None]


class ExportError(Exception):
    """An export that could not be made; str() is one sentence for a person (Dutch)."""


@dataclass
class ExportResult:
    """A finished export: where it is, and what it cost."""

    path: Path
    format: str
    seconds: float
    child_maxrss_kb: int = 0
    pages: int | None = None
    refused: list[str] = field(default_factory=list)  # URLs the renderer asked for and was denied
    child_cpu: float = 0.0
    parts: int = 1  # processes the PDF was rendered in side by side (export/parts.py)


def load_meeting(slug: str) -> Meeting | None:
    """The meeting with its tables, people and entries loaded in a few queries, or None."""
    return db.session.execute(
        select(Meeting)
        .where(Meeting.slug == slug)
        .options(
            selectinload(Meeting.bollen),
            selectinload(Meeting.horizons),
            selectinload(Meeting.tables).selectinload(RoundTable.participants),
            selectinload(Meeting.tables).selectinload(RoundTable.entries),
        )
    ).scalar_one_or_none()


TABLES_PER_PART = 20


def load_meeting_in_parts(slug: str, pause: Callable[[], None]) -> Meeting | None:
    """As ``load_meeting``, the tables' people and entries ``TABLES_PER_PART`` tables at a time,
    with ``pause()`` between the parts: a server loading a 100-table meeting for an export holds
    its loop 4–7 ms at a time instead of 40–60 ms (docs/performance.md, part 5). The parts fill
    the relationships of the tables the first query loaded (the session's identity map)."""
    meeting = db.session.execute(
        select(Meeting)
        .where(Meeting.slug == slug)
        .options(selectinload(Meeting.bollen), selectinload(Meeting.horizons), selectinload(Meeting.tables))
    ).scalar_one_or_none()
    if meeting is None:
        return None
    ids = [table.id for table in meeting.tables]
    for start in range(0, len(ids), TABLES_PER_PART):
        pause()
        db.session.execute(
            select(RoundTable)
            .where(RoundTable.id.in_(ids[start : start + TABLES_PER_PART]))
            .options(selectinload(RoundTable.participants), selectinload(RoundTable.entries))
        ).scalars().all()
    pause()
    return meeting


def load_meeting_data(slug: str, pause: Callable[[], None] | None = None) -> MeetingData | None:
    """The meeting with all its content as plain data, loaded in a few queries, or None;
    with ``pause``, in parts with ``pause()`` between them (``load_meeting_in_parts``).

    The ORM objects die as it returns: the garbage collector waits (offloop.collection_deferred).
    """
    with offloop.collection_deferred():
        meeting = load_meeting(slug) if pause is None else load_meeting_in_parts(slug, pause)
        return meeting_to_data(meeting) if meeting is not None else None


def download_name(slug: str, fmt: str) -> str:
    """The file name a browser saves: <slug>-bijlage.pdf, the archive package <slug>-archief.zip."""
    if fmt == "zip":
        return f"{slug}-archief.zip"
    return f"{slug}-bijlage{FORMATS[fmt][1]}"


def limits() -> tuple[float, int]:
    """The render child's time (s) and memory (MB) limits, from the app's configuration."""
    config = current_app.config
    return float(config.get("ANNEX_TIMEOUT", child.DEFAULT_TIMEOUT)), int(
        config.get("ANNEX_MEMORY_MB", child.DEFAULT_MEMORY_MB)
    )


def export_annex(
    data: MeetingData,
    fmt: str,
    out: Path,
    options: AnnexOptions | None = None,
    progress: Progress | None = None,
    pause: Callable[[], None] | None = None,
    keep_spare: bool | None = None,
    lang: str | None = None,
) -> ExportResult:
    """Write the annex of ``data`` to ``out`` in ``fmt`` (pdf, docx, odt or md), in ``lang``
    (default: the meeting's language).

    Under the gevent server the render child makes the figures and the HTML too (the job carries
    the meeting's data, ``render.pack_build``), a Markdown annex is made in a thread of the hub's
    pool (``offloop.off_loop``); elsewhere they are made here, while the child starts, and ``pause``
    is called between tables so that a cooperative server serves other requests meanwhile.
    ``progress`` receives a fraction and a stage key. ``keep_spare`` starts the next render child
    ahead (default: the ANNEX_PRESTART setting, on).
    """
    if keep_spare is None:
        keep_spare = bool(current_app.config.get("ANNEX_PRESTART", True))
    if fmt not in ANNEX_FORMATS:
        raise ExportError(f"Onbekend formaat: {fmt}")
    started = time.monotonic()
    report = progress or (lambda fraction, stage: None)
    breathe = pause or (lambda: None)
    try:
        check_fonts()
    except FontsMissing as exc:
        raise ExportError(str(exc)) from exc
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    breathe()  # between loading the meeting (the caller) and building the annex
    timeout, memory_mb = limits()
    if fmt == "md":
        # under the server in a thread of the hub's pool, which must not pause the loop itself
        quiet = (lambda: None) if offloop.on_gevent() else breathe
        markdown = offloop.off_loop(_markdown, data, options, lang, quiet, report)
        write_atomic(out, markdown)
        report(1.0, "done")
        return ExportResult(out, fmt, time.monotonic() - started)
    if offloop.on_gevent():
        # under the server the render child builds the annex too (figures, HTML): a process of its
        # own, which shares no GIL with the event loop (issue 20 part 5)
        job: dict[str, Any] = {
            "format": fmt,
            "build": child.pack_build(data, options or AnnexOptions(), lang),
        }
        estimate = [max(2 * len(data.tables), 1)]
    else:
        # on the command line here, while the render child starts up beside it
        job, pages = _prepare(data, fmt, options, lang, breathe, report)
        estimate = [pages]

    def on_child(message: dict) -> None:
        if "estimate" in message:
            estimate[0] = max(int(message["estimate"]), 1)
        elif message.get("progress") == "figures":
            report(0.02 + 0.28 * message["done"] / max(message["total"], 1), "figures")
        elif message.get("progress") == "preparing":
            report(0.3 + 0.05 * message["done"] / max(message["total"], 1), "preparing")
        elif "page" in message:
            report(0.35 + 0.5 * min(message["page"] / estimate[0], 1.0), "layout")
        elif message.get("progress") == "table":
            report(0.35 + 0.6 * message["done"] / max(message["total"], 1), "tables")
        elif message.get("progress") in ("Creating PDF", "Adding PDF metadata"):
            report(0.9, "writing")

    if "build" not in job:
        report(0.35, "layout" if fmt == "pdf" else "tables")
    try:
        result = child.run(
            job, out, timeout=timeout, memory_mb=memory_mb, on_progress=on_child, keep_spare=keep_spare
        )
    except RenderError as exc:
        raise ExportError(str(exc)) from exc
    report(1.0, "done")
    return ExportResult(
        out,
        fmt,
        time.monotonic() - started,
        result.maxrss_kb,
        result.result.get("pages"),
        result.result.get("refused", []),
        result.cpu_seconds,
        result.result.get("parts", 1),
    )


def _built(
    data: MeetingData,
    options: AnnexOptions | None,
    lang: str | None,
    breathe: Callable[[], None],
    report: Progress,
) -> Annex:
    """The annex with its figures, pausing for a cooperative server between tables."""
    report(0.02, "figures")

    def figure_done(done: int, total: int) -> None:
        report(0.02 + 0.28 * done / max(total, 1), "figures")
        breathe()

    return annex_module.build_annex(data, None, options or AnnexOptions(), lang=lang, on_table=figure_done)


def _markdown(
    data: MeetingData,
    options: AnnexOptions | None,
    lang: str | None,
    breathe: Callable[[], None],
    report: Progress,
) -> bytes:
    return markdown_writer.to_markdown(_built(data, options, lang, breathe, report)).encode("utf-8")


def _prepare(
    data: MeetingData,
    fmt: str,
    options: AnnexOptions | None,
    lang: str | None,
    breathe: Callable[[], None],
    report: Progress,
) -> tuple[dict[str, Any], int]:
    """The render child's job made here: the figures, then the HTML (or the annex as JSON)."""
    annex = _built(data, options, lang, breathe, report)
    if fmt == "pdf":

        def table_done(done: int, total: int) -> None:
            report(0.3 + 0.05 * done / max(total, 1), "preparing")
            breathe()

        job = {"format": "pdf", **html.pdf_job(annex, on_table=table_done)}
        return job, annex_module.estimate_pages(annex)
    return {"format": fmt, "annex": annex_module.to_json(annex)}, max(len(annex.tables), 1)


def write_atomic(path: Path, content: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        # mkstemp's 0600 is kept: an annex is the meeting's content, for its owner only
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def prestart_renderer() -> None:
    """Start a render child ahead of an export (e.g. when the export page opens)."""
    if current_app.config.get("ANNEX_PRESTART", True):
        timeout, memory_mb = limits()
        with contextlib.suppress(RenderError):  # the export itself will report it
            child.prestart(memory_mb, timeout)
